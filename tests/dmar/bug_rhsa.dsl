/*
 * [Firmware Bug] an RHSA naming no unit (Linux: "Your BIOS is broken; RHSA
 * refers to non-existent DMAR unit"): ignored. The RHSA before its DRHD is
 * fine: units are looked up once the whole table is read.
 * Structure offsets: 0x30, 0x44, 0x54, 0x6c, 0x80; 148 bytes.
 */
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "RHSA"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 2E
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: RHSA before its unit (fine: checked after the whole table) */
[0002] Subtable Type : 0003
[0002] Length : 0014
[0004] Reserved : 00000000
[0008] Base Address : 00000000FED91000
[0004] Proximity Domain : 00000001

/* 0x44: DRHD, INCLUDE_PCI_ALL, segment 0 */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

/* 0x54: DRHD at 0xfed91000 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED91000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00

/* 0x6c: RHSA for 0xfed90000: fine */
[0002] Subtable Type : 0003
[0002] Length : 0014
[0004] Reserved : 00000000
[0008] Base Address : 00000000FED90000
[0004] Proximity Domain : 00000000

/* 0x80: RHSA for a unit that does not exist: ignored */
[0002] Subtable Type : 0003
[0002] Length : 0014
[0004] Reserved : 00000000
[0008] Base Address : 00000000FED9F000
[0004] Proximity Domain : 00000001
