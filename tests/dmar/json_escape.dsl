/*
 * Strings that JSON must escape: the OEM ID becomes the bytes
 * 'Q' '"' '\' 0x01 0xff 'Z' and the ANDD name holds a quote, a backslash
 * and a tab (poked after compiling). dmar-dump must still print valid JSON.
 * Structure offsets: 0x30 DRHD, 0x48 ANDD; 87 bytes.
 */
// fixture: poke 0x0b 4 0xff015c22
// fixture: poke 0x55 1 0x22
// fixture: poke 0x58 1 0x09
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "QxxxxZ"
[0008] Oem Table ID : "ESCAPE"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL: ACPI device 1 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

[0001] Device Scope Type : 05
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 01
[0001] PCI Bus Number : 00
[0002] PCI Path : 15,00

/* 0x48: ANDD 1, name \_SB.PCI0.UART, poked into \_SB."CI<tab>.UART */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 01
Device Name : "\_SB.PCI0.UART"
