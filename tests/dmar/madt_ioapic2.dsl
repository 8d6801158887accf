/*
 * A MADT (APIC table) for dmar-dump --madt: two CPUs and one IOAPIC, id 2,
 * as on the Mac mini 6,2 whose DMAR says 0 (bug_ioapic.dsl).
 */
[0004] Signature : "APIC"
[0004] Table Length : 00000000
[0001] Revision : 03
[0001] Checksum : 00
[0006] Oem ID : "HVTEST"
[0008] Oem Table ID : "IOAPIC2"
[0004] Oem Revision : 00000001
[0004] Asl Compiler ID : "INTL"
[0004] Asl Compiler Revision : 20200925
[0004] Local Apic Address : FEE00000
[0004] Flags (decoded below) : 00000001
PC-AT Compatibility : 1

[0001] Subtable Type : 00
[0001] Length : 08
[0001] Processor ID : 00
[0001] Local Apic ID : 00
[0004] Flags (decoded below) : 00000001
Processor Enabled : 1
Runtime Online Capable : 0

[0001] Subtable Type : 00
[0001] Length : 08
[0001] Processor ID : 01
[0001] Local Apic ID : 01
[0004] Flags (decoded below) : 00000001
Processor Enabled : 1
Runtime Online Capable : 0

[0001] Subtable Type : 01
[0001] Length : 0C
[0001] I/O Apic ID : 02
[0001] Reserved : 00
[0004] Address : FEC00000
[0004] Interrupt : 00000000
