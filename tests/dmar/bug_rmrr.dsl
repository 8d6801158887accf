/*
 * RMRR firmware bugs. A range with base above limit (or ending at the top of
 * the address space) has nothing to map: ignored. A range not 4 KiB aligned
 * is kept with a warning (Linux: "Your BIOS is broken; bad RMRR"; it maps it
 * anyway). A one-hop scope starting on a bus no unit names as a root bus (the
 * ASUS Z170-A's add-in USB controller at 02:00.0) is flagged for Linux's
 * workaround: match it as that device.
 * Structure offsets: 0x30, 0x40, 0x58, 0x78, 0x98, 0xb8, 0xd8; 266 bytes.
 */
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "RMRR"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL, segment 0 */
[0002] Subtable Type : 0000
[0002] Length : 0010
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

/* 0x40: DRHD of the second root bus 0x80: root port 80:00.0 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED91000

[0001] Device Scope Type : 02
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 80
[0002] PCI Path : 00,00

/* 0x58: RMRR base above limit: ignored */
[0002] Subtable Type : 0001
[0002] Length : 0020
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 0000000080000000
[0008] End Address (limit) : 000000007FFFFFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

/* 0x78: RMRR base not 4 KiB aligned: kept */
[0002] Subtable Type : 0001
[0002] Length : 0020
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007C000800
[0008] End Address (limit) : 000000007C00FFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

/* 0x98: RMRR limit + 1 not 4 KiB aligned: kept */
[0002] Subtable Type : 0001
[0002] Length : 0020
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007C100000
[0008] End Address (limit) : 000000007C100FFE

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

/* 0xb8: RMRR up to the top of the address space: ignored */
[0002] Subtable Type : 0001
[0002] Length : 0020
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 0000000000001000
[0008] End Address (limit) : FFFFFFFFFFFFFFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

/* 0xd8: RMRR: 02:00.0 given from its own bus (flagged), 80:03.0 from the second root bus and 05:00.0/00.0 (two hops): not flagged */
[0002] Subtable Type : 0001
[0002] Length : 0032
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007D000000
[0008] End Address (limit) : 000000007D0FFFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 02
[0002] PCI Path : 00,00

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 80
[0002] PCI Path : 03,00

[0001] Device Scope Type : 01
[0001] Entry Length : 0A
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 05
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
