#!/usr/bin/env python3
"""Writes a seed for fuzz_mb2: the multiboot2 information GRUB gives hv in Bochs (command
line, two modules, the e820 map of 256 MiB, an ACPI 1.0 RSDP, the end tag).

  tests/fuzz/mb2_seed.py OUT
"""
import struct
import sys


def tag(kind, body):
    raw = struct.pack("<II", kind, 8 + len(body)) + body
    return raw + b"\0" * (-len(raw) % 8)


def main(out):
    e820 = [(0, 0x9fc00, 1), (0x9fc00, 0x400, 2), (0xe8000, 0x18000, 2),
            (0x100000, 0xfef0000, 1), (0xfff0000, 0x10000, 3), (0xfffc0000, 0x40000, 2)]
    tags = tag(1, b"selftest=cpu exit=bochs\0")
    tags += tag(3, struct.pack("<II", 0x400000, 0x400040) + b"hv.cfg\0")
    tags += tag(3, struct.pack("<II", 0x401000, 0x440000) + b"test-guest.elf\0")
    tags += tag(6, struct.pack("<II", 24, 0) +
                b"".join(struct.pack("<QQII", b, n, t, 0) for b, n, t in e820))
    tags += tag(14, b"RSD PTR \0BOCHS \0" + struct.pack("<I", 0xfff0000))
    tags += tag(0, b"")
    with open(out, "wb") as f:
        f.write(struct.pack("<II", 8 + len(tags), 0) + tags)


if __name__ == "__main__":
    main(sys.argv[1])
