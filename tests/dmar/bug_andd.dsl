/*
 * ACPI namespace devices. A namespace scope naming no ANDD is ignored; an
 * ANDD no scope names is reported (Linux: "No IOMMU scope found for ANDD
 * enumeration ID"); a second ANDD with the same number is ignored; a long
 * name is truncated; a name without its NUL is ignored (Linux refuses the
 * table; the hypervisor only loses that device's name).
 * Structure offsets: 0x30, 0x60, 0x77, 0x8e, 0xa5, 0xf5; 268 bytes.
 */
// fixture: poke 0x10b 1 0x21
[0004] Signature : "DMAR"
[0004] Table Length : 00000000
[0001] Revision : 01
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "ANDD"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0001] Host Address Width : 26
[0001] Flags : 01
[0010] Reserved : 00 00 00 00 00 00 00 00 00 00

/* 0x30: DRHD, INCLUDE_PCI_ALL: ACPI devices 1, 3 (undeclared: ignored), 4, 5 */
[0002] Subtable Type : 0000
[0002] Length : 0030
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

[0001] Device Scope Type : 05
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 03
[0001] PCI Bus Number : 00
[0002] PCI Path : 15,01

[0001] Device Scope Type : 05
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 04
[0001] PCI Bus Number : 00
[0002] PCI Path : 15,02

[0001] Device Scope Type : 05
[0001] Entry Length : 08
[0002] Reserved : 0000
[0001] Enumeration ID : 05
[0001] PCI Bus Number : 00
[0002] PCI Path : 15,03

/* 0x60: ANDD 1 */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 01
Device Name : "\_SB.PCI0.I2C0"

/* 0x77: ANDD 2: no scope names it */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 02
Device Name : "\_SB.PCI0.I2C1"

/* 0x8e: ANDD 1 again: ignored */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 01
Device Name : "\_SB.PCI0.UA00"

/* 0xa5: ANDD 4: a 70-byte name, truncated to 63 in the model */
[0002] Subtable Type : 0004
[0002] Length : 0050
[0003] Reserved : 000000
[0001] Device Number : 04
Device Name : "\_SB.PCI0.A234567890.B234567890.C234567890.D234567890.E234567890.F23456"

/* 0xf5: ANDD 5: its NUL overwritten: ignored */
[0002] Subtable Type : 0004
[0002] Length : 0017
[0003] Reserved : 000000
[0001] Device Number : 05
Device Name : "\_SB.PCI0.UA01"
