/*
 * Duplicated units and structures (the Mac Pro 7,1 sibling dumps list every
 * unit twice): a unit at an address already taken is ignored (Linux's
 * dmar_find_dmaru), a second INCLUDE_PCI_ALL unit of a segment is reported
 * and takes no device, byte-identical ATSRs and SATCs are ignored (Linux's
 * dmar_find_atsr, dmar_find_satc).
 * Structure offsets: 0x30, 0x48, 0x60, 0x78, 0x88, 0x98, 0xa8, 0xb8, 0xc8, 0xd8, 0xe8; 248 bytes.
 */
// fixture: retype 9 5
// fixture: retype 10 5
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "DUPS"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 2E
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD A at 0xfed90000, segment 0 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00

/* 0x48: DRHD A again: ignored */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00

/* 0x60: DRHD B, INCLUDE_PCI_ALL, segment 0 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED91000

[0001] Device Scope Type : 03
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 02
[0001] PCI Bus Number : F0
[0002] PCI Path : 1F,00

/* 0x78: DRHD C, INCLUDE_PCI_ALL, segment 0 again: covers nothing */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED93000

/* 0x88: DRHD D, INCLUDE_PCI_ALL, segment 1: fine */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0001
[0008] Register Base Address : 00000000FED94000

/* 0x98: DRHD E at A's address in segment 1: ignored */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0001
[0008] Register Base Address : 00000000FED90000

/* 0xa8: ATSR, segment 0: root port 00:1c.0 */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,00

/* 0xb8: the same ATSR again: ignored */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,00

/* 0xc8: ATSR, segment 0: root port 00:1c.4: kept */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,04

/* 0xd8: SATC (retyped): endpoint 00:02.0 */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00

/* 0xe8: the same SATC again (retyped): ignored */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00
