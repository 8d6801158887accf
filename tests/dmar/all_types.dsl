/*
 * Every structure and device-scope type the parser knows, each once at
 * least, with nothing wrong: a clean parse with no warning.
 *  - the INCLUDE_PCI_ALL unit of segment 0 comes first (allowed anywhere);
 *  - the ANDD's odd length (23) puts every later structure at an odd
 *    offset, so its 64-bit fields are unaligned;
 *  - multi-hop paths (3 hops in the DRHD, 2 in the RMRR);
 *  - SATC, SIDP and an unknown type (0x42) are ATSRs retyped after
 *    compiling (iasl 20200925 knows neither); the SIDP scope gets the
 *    device-scope flags 0x1c, the non-include-all DRHD the size 2.
 * Structure offsets: 0x30 DRHD, 0x58 ANDD, 0x6f DRHD, 0x9b RMRR, 0xc5 ATSR,
 * 0xdd ATSR, 0xe5 RHSA, 0xf9 SATC, 0x109 SIDP, 0x119 unknown, 0x121 DRHD;
 * 305 bytes in all.
 */
// fixture: poke 0x74 1 0x02
// fixture: retype 7 5
// fixture: retype 8 6
// fixture: retype 9 0x42
// fixture: poke 0x113 1 0x1c
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "ALLTYPES"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 07
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL, segment 0: IOAPIC 2, HPET 0, ACPI device 1 */
[0002] Subtable Type : 0000
[0002] Length : 0028
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

[0001] Device Scope Type : 04
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1F,00

[0001] Device Scope Type : 05
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 01
[0001] PCI Bus Number : 00
[0002] PCI Path : 15,00

/* 0x58: ANDD, device 1, 23 bytes */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 01
Device Name : "\_SB.PCI0.I2C0"

/* 0x6f: DRHD, segment 0: endpoint 00:02.0, bridge 00:1c.0, endpoint 00:1c.4/00.0/03.1 */
[0002] Subtable Type : 0000
[0002] Length : 002C
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

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,00

[0001] Device Scope Type : 01
[0001] Entry Length : 0C
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,04
[0002] PCI Path : 00,00
[0002] PCI Path : 03,01

/* 0x9b: RMRR [0x7c000000-0x7c7fffff]: endpoint 00:14.0, endpoint 00:1c.4/00.2 */
[0002] Subtable Type : 0001
[0002] Length : 002A
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007C000000
[0008] End Address (limit) : 000000007C7FFFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

[0001] Device Scope Type : 01
[0001] Entry Length : 0A
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,04
[0002] PCI Path : 00,02

/* 0xc5: ATSR, segment 0: root ports 00:1c.0 and 00:1c.4 */
[0002] Subtable Type : 0002
[0002] Length : 0018
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,00

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,04

/* 0xdd: ATSR, ALL_PORTS, segment 1 */
[0002] Subtable Type : 0002
[0002] Length : 0008
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0001

/* 0xe5: RHSA: the unit at 0xfed90000 is in proximity domain 1 */
[0002] Subtable Type : 0003
[0002] Length : 0014
[0004] Reserved : 00000000
[0008] Base Address : 00000000FED90000
[0004] Proximity Domain : 00000001

/* 0xf9: SATC (retyped), ATC_REQUIRED, segment 0: endpoint 00:02.0 */
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

/* 0x109: SIDP (retyped), segment 0: endpoint 00:0b.0, scope flags 0x1c */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 0B,00

/* 0x119: type 0x42 (retyped), 8 bytes */
[0002] Subtable Type : 0002
[0002] Length : 0008
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0007

/* 0x121: DRHD, INCLUDE_PCI_ALL, segment 1, no scope */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0001
[0008] Register Base Address : 00000000FED92000
