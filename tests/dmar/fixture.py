#!/usr/bin/env python3
"""Finish an iasl-compiled DMAR fixture: apply the edits its source asks for.

  tests/dmar/fixture.py SOURCE.dsl COMPILED.aml OUT.aml

iasl 20200925 cannot write everything a fixture needs: it has no SATC or SIDP
(nor unknown structure types), writes reserved fields as zero (the DRHD Size
byte, the scope flags byte), and computes lengths and the checksum itself.
A fixture's source asks for the rest in comment lines, applied in order:

  // fixture: poke OFFSET SIZE VALUE   store VALUE little-endian in SIZE bytes
  // fixture: retype INDEX TYPE        give the INDEX-th structure (from 0)
                                      the type code TYPE (e.g. an ATSR,
                                      laid out as a SATC or SIDP is, becomes one)
  // fixture: bad-checksum             leave the checksum wrong (by one)
  // fixture: truncate LENGTH          cut the file to LENGTH bytes (the
                                      header's length stays)
  // fixture: malformed                no edit: tells compare_iasl.py that
                                      iasl cannot be trusted to read it

Numbers take Python's int(x, 0) syntax. The checksum is recomputed after
the edits (before any truncate) unless bad-checksum is given.
"""
import re
import struct
import sys

DIRECTIVE_RE = re.compile(r"^\s*(?://|\*|/\*)\s*fixture:\s*(.*?)\s*(?:\*/)?\s*$")
CHECKSUM_OFFSET = 9
LENGTH_OFFSET = 4
STRUCTURES_OFFSET = 48


def directives(source):
    with open(source, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            m = DIRECTIVE_RE.match(line)
            if m:
                yield lineno, m.group(1).split()


def structure_offsets(data):
    """Offsets of the structures, walked by their lengths."""
    end = struct.unpack_from("<I", data, LENGTH_OFFSET)[0]
    off, offsets = STRUCTURES_OFFSET, []
    while off + 4 <= min(end, len(data)):
        length = struct.unpack_from("<H", data, off + 2)[0]
        offsets.append(off)
        if length < 4:
            break
        off += length
    return offsets


def poke(data, offset, size, value):
    if size not in (1, 2, 4, 8) or offset + size > len(data):
        raise ValueError(f"poke {offset:#x} {size}: outside the table or bad size")
    data[offset:offset + size] = value.to_bytes(size, "little")


def fix_checksum(data, wrong):
    length = min(struct.unpack_from("<I", data, LENGTH_OFFSET)[0], len(data))
    data[CHECKSUM_OFFSET] = 0
    data[CHECKSUM_OFFSET] = (-sum(data[:length]) + (1 if wrong else 0)) & 0xFF


def apply(source, data):
    bad_checksum, truncate = False, None
    for lineno, words in directives(source):
        verb, args = words[0], [int(w, 0) for w in words[1:] if w[0].isdigit()]
        if verb == "poke" and len(args) == 3:
            poke(data, *args)
        elif verb == "retype" and len(args) == 2:
            offsets = structure_offsets(data)
            if args[0] >= len(offsets):
                raise ValueError(f"line {lineno}: no structure {args[0]}")
            poke(data, offsets[args[0]], 2, args[1])
        elif verb == "bad-checksum":
            bad_checksum = True
        elif verb == "truncate" and len(args) == 1:
            truncate = args[0]
        elif verb != "malformed":
            raise ValueError(f"line {lineno}: unknown directive {' '.join(words)!r}")
    fix_checksum(data, bad_checksum)
    return data[:truncate] if truncate is not None else data


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, compiled, out = sys.argv[1:]
    with open(compiled, "rb") as f:
        data = bytearray(f.read())
    try:
        data = apply(source, data)
    except ValueError as e:
        print(f"{source}: {e}", file=sys.stderr)
        return 1
    with open(out, "wb") as f:
        f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
