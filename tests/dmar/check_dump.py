#!/usr/bin/env python3
"""Check dmar-dump's command line: exit statuses, JSON on any input.

  tests/dmar/check_dump.py --dump build/host/dmar-dump --fixtures build/dmar/fixtures --work DIR

dmar-dump FILE [--madt FILE] exits 0 when the table is parsed, 1 when it is
refused, 2 on a usage or file error, and prints one JSON object whenever it
parsed anything, whatever the file holds (empty, random, huge). Prints one
results line per check (see tests/summary.py); exits 0 unless misused.
"""
import argparse
import json
import os
import random
import subprocess
import sys

MAX_FILE = 16 << 20  # dmar-dump's limit


class Failed(Exception):
    pass


def run(tool, *args):
    r = subprocess.run([tool, *args], capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def only_integers(value, where="$"):
    """JSON numbers must be integers: no float anywhere."""
    if isinstance(value, float):
        raise Failed(f"{where} is not an integer: {value}")
    if isinstance(value, dict):
        for k, v in value.items():
            only_integers(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            only_integers(v, f"{where}[{i}]")


def parsed(tool, *args, status):
    rc, out, err = run(tool, *args)
    if rc not in status:
        raise Failed(f"{' '.join(args)}: exit {rc}, expected {status}; {err.strip()[:150]}")
    try:
        doc = json.loads(out)
    except ValueError as e:
        raise Failed(f"{' '.join(args)}: no valid JSON ({e})")
    only_integers(doc)
    if doc["refused"] != (rc == 1):
        raise Failed(f"{' '.join(args)}: exit {rc} but refused is {doc['refused']}")
    return doc


def file_error(tool, *args):
    rc, out, err = run(tool, *args)
    if rc != 2 or out or not err:
        raise Failed(f"{' '.join(args) or '(no arguments)'}: exit {rc} with {len(out)} bytes on"
                     f" stdout, expected 2, a message and no output")


def usage(a, work):
    for args in ((), ("a", "b"), ("--madt",), ("--bogus", "x"), ("x", "--madt", "y", "--madt", "z")):
        file_error(a.dump, *args)
    rc, out, _ = run(a.dump, "--help")
    if rc != 0 or b"usage" not in out:
        raise Failed("--help: expected the usage on stdout and exit 0")


def file_errors(a, work):
    fixture = os.path.join(a.fixtures, "qemu.aml")
    file_error(a.dump, os.path.join(work, "no-such-file"))
    file_error(a.dump, work)  # a directory
    file_error(a.dump, fixture, "--madt", os.path.join(work, "no-such-file"))
    file_error(a.dump, fixture, "--madt", fixture)  # a DMAR is no MADT
    with open(os.path.join(a.fixtures, "madt_ioapic2.aml"), "rb") as f:
        madt = f.read()
    short = os.path.join(work, "madt-short.dat")
    with open(short, "wb") as f:
        f.write(madt[:-1])  # shorter than its header says
    file_error(a.dump, fixture, "--madt", short)
    huge = os.path.join(work, "huge.dat")
    with open(huge, "wb") as f:
        f.truncate(MAX_FILE + 1)
    try:
        file_error(a.dump, huge)
    finally:
        os.remove(huge)


def verdicts(a, work):
    fx = lambda name: os.path.join(a.fixtures, name + ".aml")
    doc = parsed(a.dump, fx("all_types"), status=(0,))
    if len(doc["structures"]) != 11 or doc["structures"][9]["type"] != "unknown":
        raise Failed("all_types: structures not as compiled")
    parsed(a.dump, fx("bug_drhd_address0"), status=(1,))
    parsed(a.dump, fx("bug_zero_length"), status=(1,))
    empty = os.path.join(work, "empty.dat")
    open(empty, "wb").close()
    doc = parsed(a.dump, empty, status=(1,))
    if doc["structures"] or not doc["diagnostics"]:
        raise Failed("an empty file: expected no structure and a diagnostic")


def madt(a, work):
    fx = lambda name: os.path.join(a.fixtures, name + ".aml")
    doc = parsed(a.dump, fx("bug_ioapic"), "--madt", fx("madt_ioapic2"), status=(0,))
    if not doc["intr_remap_unsafe"]:
        raise Failed("bug_ioapic with a MADT listing IOAPIC 2: interrupt remapping not unsafe")
    doc = parsed(a.dump, "--madt", fx("madt_ioapic2"), fx("all_types"), status=(0,))
    if doc["intr_remap_unsafe"]:
        raise Failed("all_types has IOAPIC 2's scope: interrupt remapping must be safe")
    doc = parsed(a.dump, fx("bug_ioapic"), status=(0,))
    if doc["intr_remap_unsafe"]:
        raise Failed("without a MADT nothing is checked against it")


def json_escaping(a, work):
    doc = parsed(a.dump, os.path.join(a.fixtures, "json_escape.aml"), status=(0,))
    if doc["oem_id"] != 'Q"\\\x01\xffZ':
        raise Failed(f"oem_id read back as {doc['oem_id']!r}")
    if doc["structures"][1]["name"] != '\\_SB."CI\t.UART':
        raise Failed(f"ANDD name read back as {doc['structures'][1]['name']!r}")


def junk(a, work):
    """Random bytes, and random bytes behind a plausible DMAR header."""
    rng = random.Random(1)
    path = os.path.join(work, "junk.dat")
    for i in range(150):
        size = rng.choice([1, 3, 35, 36, 47, 48, 49, 100, 513, 4096, 70000])
        data = bytearray(rng.randbytes(size))
        if i % 2 and size >= 8:
            data[0:4] = b"DMAR"
            data[4:8] = min(size, rng.choice([size, 48, size + 1, 0xffffffff])).to_bytes(4, "little")
        with open(path, "wb") as f:
            f.write(data)
        parsed(a.dump, path, status=(0, 1))


CHECKS = [usage, file_errors, verdicts, madt, json_escaping, junk]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    for check in CHECKS:
        name = f"dmar-dump/{check.__name__}"
        try:
            check(a, a.work)
            print(f"pass {name}")
        except (Failed, OSError, KeyError, IndexError, subprocess.TimeoutExpired) as e:
            print(f"fail {name} # {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
