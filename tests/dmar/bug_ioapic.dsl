/*
 * Interrupt sources. The IOAPIC scope says id 0 where the MADT of the test
 * says 2 (the Mac mini 6,2 bug: Linux "ioapic 2 has no mapping iommu,
 * interrupt remapping will be disabled"): interrupt remapping is unsafe. A
 * second scope for IOAPIC 0 and for HPET 0 is ignored (Linux keeps the first,
 * ir_parse_one_ioapic_scope / ir_parse_one_hpet_scope); IOAPIC 13 is not in
 * the MADT (the Mac Pro 7,1 oddity): harmless, reported.
 * Structure offsets: 0x30; 112 bytes.
 */
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "IOAPIC"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 03
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL: IOAPIC 0 twice, IOAPIC 13, HPET 0 three times */
[0002] Subtable Type : 0000
[0002] Length : 0040
[0001] Flags : 01
[0001] Reserved : 00
[0002] PCI Segment Number : 0000
[0008] Register Base Address : 00000000FED90000

[0001] Device Scope Type : 03
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : F0
[0002] PCI Path : 1F,00

[0001] Device Scope Type : 03
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : F0
[0002] PCI Path : 1F,01

[0001] Device Scope Type : 03
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 0D
[0001] PCI Bus Number : 12
[0002] PCI Path : 05,04

[0001] Device Scope Type : 04
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : F0
[0002] PCI Path : 0F,00

[0001] Device Scope Type : 04
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : F0
[0002] PCI Path : 0F,01

[0001] Device Scope Type : 04
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 00
[0001] PCI Bus Number : F0
[0002] PCI Path : 0F,02
