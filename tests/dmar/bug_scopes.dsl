/*
 * Device scopes the hypervisor cannot use, each ignored with a warning:
 * an undefined type, an IOAPIC or HPET scope outside a DRHD, an empty path,
 * a path entry that is no PCI device/function, a path deeper than the model's
 * 16 hops.
 * Structure offsets: 0x30, 0x48, 0xae; 190 bytes.
 */
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "SCOPES"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL: a scope of undefined type 7 */
[0002] Subtable Type : 0000
[0002] Length : 0018
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

[0001] Device Scope Type : 07
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 03,00

/* 0x48: RMRR: an IOAPIC scope, an empty path, device 0x20, function 8, a 17-hop path, 00:14.0 (fine) */
[0002] Subtable Type : 0001
[0002] Length : 0066
[0002] Reserved : 0000
[0002] PCI Segment Number : 0000
[0008] Base Address : 000000007C000000
[0008] End Address (limit) : 000000007C00FFFF

[0001] Device Scope Type : 03
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 02
[0001] PCI Bus Number : F0
[0002] PCI Path : 1F,00

[0001] Device Scope Type : 01
[0001] Entry Length : 06
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 20,00

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,08

[0001] Device Scope Type : 01
[0001] Entry Length : 28
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1C,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00
[0002] PCI Path : 00,00

[0001] Device Scope Type : 01
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 14,00

/* 0xae: ATSR: an HPET scope */
[0002] Subtable Type : 0002
[0002] Length : 0010
[0001] Flags : 00
[0001] Reserved : 00
[0002] PCI Segment Number : 0000

[0001] Device Scope Type : 04
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : 00
[0002] PCI Path : 1F,00
