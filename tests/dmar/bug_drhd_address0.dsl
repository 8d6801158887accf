/*
 * [Firmware Bug] the only unit at address 0 (as on the Lenovo IdeaPad Flex 15):
 * Linux turns VT-d off ("Your BIOS is broken; DMAR reported at address 0!"),
 * so the table is refused.
 * Structure offsets: 0x30, 0x48; 104 bytes.
 */
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "ADDR0"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 00
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD at address 0, INCLUDE_PCI_ALL */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 0000000000000000

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 02,00

/* 0x48: RMRR for USB */
[0002] Subtable Type : 0001
[0002] Length : 0020
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007C000000
[0008] End Address (limit) : 000000007C01FFFF

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00
