#!/usr/bin/env python3
"""Check dmar-dump's reading of DMAR tables against iasl's disassembly.

  tests/dmar/compare_iasl.py --dump build/host/dmar-dump --work DIR
                             [--shared ../shared/dmar] [--fixtures build/dmar/fixtures]

For each real table (--shared: *.DMAR.dat, with the machine's *.APIC.dat as
--madt when there is one) and each compiled DMAR fixture (--fixtures: *.aml),
this copies the table into DIR (the shared directory is read-only), runs
`iasl -d` on the copy, reads the .dsl it writes, runs dmar-dump, and compares
structure by structure and scope by scope: offset, type, length, every field,
every scope's type, enumeration id, start bus and path. The header too.

Two references: iasl, independent of this project, for everything it decodes;
and a small decoder here working on the raw bytes iasl prints ("Raw Table
Data", itself checked against the file) for what iasl cannot decode: iasl
20200925 stops at the first structure it does not know (SATC, SIDP, a new
type) or cannot finish, and lists nothing after it. dmar-dump lists every
structure, ignored ones too (they carry a diagnostic), so the raw fields are
compared for all of them. Its one deliberate difference: a path deeper than the
model's 16 hops is cut to 16, and that scope must then be marked ignored.

Fixtures whose source says "fixture: malformed" are not compared (iasl's
reading of a broken table is no reference): dmar-dump must refuse them (exit
status 1) with valid JSON. Prints one results line per table (see
tests/summary.py) and writes the diagnostics per table to DIR/diagnostics.txt.
Exits 0 unless misused.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

TYPES = {0: "DRHD", 1: "RMRR", 2: "ATSR", 3: "RHSA", 4: "ANDD", 5: "SATC", 6: "SIDP"}
WITH_SCOPES = {"DRHD", "RMRR", "ATSR", "SATC", "SIDP"}
MAX_PATH = 16
ANDD_NAME_MAX = 63
STRUCTURES_OFFSET = 48

# Fields by offset in their structure: (offset, size, name in dmar-dump's JSON).
FIELDS = {
    "DRHD": [(4, 1, "flags"), (5, 1, "size"), (6, 2, "segment"), (8, 8, "address")],
    "RMRR": [(6, 2, "segment"), (8, 8, "base"), (16, 8, "limit")],
    "ATSR": [(4, 1, "flags"), (6, 2, "segment")],
    "RHSA": [(8, 8, "address"), (16, 4, "proximity_domain")],
    "ANDD": [(7, 1, "device_number")],
    "SATC": [(4, 1, "flags"), (6, 2, "segment")],
    "SIDP": [(6, 2, "segment")],
}
FIXED_LENGTH = {"DRHD": 16, "RMRR": 24, "ATSR": 8, "RHSA": 20, "ANDD": 8, "SATC": 8, "SIDP": 8}
ANDD_NAME_OFFSET = 8

LINE_RE = re.compile(r"^\[([0-9A-Fa-f]+)h\s+(\d+)\s+(\d+)\]\s+(.+?)\s+:\s?(.*)$")
RAW_RE = re.compile(r"^\s*([0-9A-Fa-f]{4,}):((?: [0-9A-Fa-f]{2})+)")


class Mismatch(Exception):
    pass


# ---- iasl's disassembly --------------------------------------------------------

def iasl_value(text):
    """A field's value as iasl prints it: a string, a path hop or a number."""
    text = text.rstrip("\n")
    if text.startswith('"'):
        return text[1:text.rfind('"')] if text.count('"') >= 2 else text[1:]
    m = re.match(r"([0-9A-Fa-f]{2}),([0-9A-Fa-f]{2})\b", text)
    if m:
        return (int(m.group(1), 16), int(m.group(2), 16))
    m = re.match(r"([0-9A-Fa-f]+)\b", text)
    return int(m.group(1), 16) if m else text


def parse_dsl(text):
    """Returns (header fields by offset, structures, raw bytes, stopped).
    A structure: {offset, fields: {rel offset: value}, scopes: [...]}; a
    scope: {offset, fields, path}. `stopped`: iasl gave up before the end."""
    header, structures, raw = {}, [], bytearray()
    stopped = False
    scope = None
    for line in text.splitlines():
        m = RAW_RE.match(line)
        if m and "Raw Table Data" in text:
            if int(m.group(1), 16) == len(raw):
                raw += bytes(int(b, 16) for b in m.group(2).split())
            continue
        if line.lstrip().startswith(("****", "/****")):
            stopped = True
            continue
        m = LINE_RE.match(line)
        if not m:
            continue
        off, name, value = int(m.group(2)), m.group(4), iasl_value(m.group(5))
        if name == "Subtable Type":
            structures.append({"offset": off, "fields": {0: value}, "scopes": []})
            scope = None
        elif name == "Device Scope Type" and structures:
            scope = {"offset": off, "fields": {0: value}, "path": []}
            structures[-1]["scopes"].append(scope)
        elif name == "PCI Path" and scope is not None:
            scope["path"].append(value)
        elif scope is not None:
            scope["fields"][off - scope["offset"]] = value
        elif structures:
            structures[-1]["fields"][off - structures[-1]["offset"]] = value
        else:
            header[off] = value
    return header, structures, bytes(raw), stopped


# ---- the raw bytes, decoded here ----------------------------------------------------

def le(data, off, size):
    return int.from_bytes(data[off:off + size], "little")


def decode_scopes(data, start, end):
    scopes = []
    while start + 2 <= end:
        length = data[start + 1]
        if length < 6 or start + length > end:
            break
        scopes.append({"type": data[start], "enumeration_id": data[start + 4],
                       "start_bus": data[start + 5],
                       "path": [[data[i], data[i + 1]] for i in range(start + 6, start + length - 1, 2)]})
        start += length
    return scopes


def decode_raw(data):
    """Every structure of the table, decoded from its bytes."""
    end = min(le(data, 4, 4), len(data))
    off, out = STRUCTURES_OFFSET, []
    while off + 4 <= end:
        code, length = le(data, off, 2), le(data, off + 2, 2)
        if length < 4 or off + length > end:
            break
        kind = TYPES.get(code, "unknown")
        s = {"type": kind, "offset": off, "length": length}
        if kind == "unknown":
            s["type_code"] = code
        elif length >= FIXED_LENGTH[kind]:
            for rel, size, name in FIELDS[kind]:
                s[name] = le(data, off + rel, size)
            if kind == "ANDD":
                s["name"] = data[off + ANDD_NAME_OFFSET:off + length].split(b"\0")[0].decode("latin-1")
            if kind in WITH_SCOPES:
                s["scopes"] = decode_scopes(data, off + FIXED_LENGTH[kind], off + length)
        out.append(s)
        off += length
    return out


# ---- the comparison ----------------------------------------------------------------------

def printable(s):
    """iasl prints control and non-ASCII bytes of strings as blanks (or raw)."""
    return "".join(c if " " <= c < "\x7f" else " " for c in s)


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def compare_path(ours, ref, where):
    ours_path = [tuple(h) for h in ours["path"]]
    ref_path = [tuple(h) for h in ref]
    if len(ref_path) > MAX_PATH:
        check(ours_path == ref_path[:MAX_PATH] and ours["ignored"],
              f"{where}: a {len(ref_path)}-hop path must be cut to {MAX_PATH} and ignored")
    else:
        check(ours_path == ref_path, f"{where}: path {ours_path} != {ref_path}")


def compare_scopes_iasl(ours, ref, where):
    check(len(ours) == len(ref), f"{where}: {len(ours)} scopes, iasl lists {len(ref)}")
    for i, (o, r) in enumerate(zip(ours, ref)):
        w = f"{where} scope {i} at {r['offset']:#x}"
        for rel, key in ((0, "type"), (4, "enumeration_id"), (5, "start_bus")):
            check(rel in r["fields"], f"{w}: iasl shows no {key}")
            check(o[key] == r["fields"][rel], f"{w}: {key} {o[key]} != iasl {r['fields'][rel]}")
        compare_path(o, r["path"], w)


def compare_iasl_structure(o, r, partial, where):
    f = r["fields"]
    check(o["offset"] == r["offset"], f"{where}: offset {o['offset']:#x} != iasl {r['offset']:#x}")
    check(o["type"] == TYPES.get(f[0], "unknown"), f"{where}: type {o['type']} != iasl {f[0]}")
    if 2 in f:
        check(o["length"] == f[2], f"{where}: length {o['length']} != iasl {f[2]}")
    if o["type"] == "unknown":
        check(o["type_code"] == f[0], f"{where}: type code {o['type_code']} != iasl {f[0]}")
        return
    for rel, _, key in FIELDS[o["type"]]:
        if rel in f:
            check(o[key] == f[rel], f"{where}: {key} {o[key]} != iasl {f[rel]}")
        else:
            check(partial, f"{where}: iasl shows no {key}")
    if o["type"] == "ANDD" and ANDD_NAME_OFFSET in f:
        want = printable(f[ANDD_NAME_OFFSET])[:ANDD_NAME_MAX]
        check(printable(o["name"]) == want, f"{where}: name {o['name']!r} != iasl {want!r}")
    if o["type"] in WITH_SCOPES and not partial:
        compare_scopes_iasl(o["scopes"], r["scopes"], where)


def compare_raw_structure(o, r, where):
    for key, value in r.items():
        if key == "scopes":
            check(len(o["scopes"]) == len(value), f"{where}: {len(o['scopes'])} scopes, bytes hold {len(value)}")
            for i, (os_, rs) in enumerate(zip(o["scopes"], value)):
                for k in ("type", "enumeration_id", "start_bus"):
                    check(os_[k] == rs[k], f"{where} scope {i}: {k} {os_[k]} != {rs[k]}")
                compare_path(os_, rs["path"], f"{where} scope {i}")
        elif key == "name":
            check(o["name"] == value[:ANDD_NAME_MAX], f"{where}: name {o['name']!r} != {value!r}")
        else:
            check(o.get(key) == value, f"{where}: {key} {o.get(key)} != {value} in the bytes")


def compare_header(ours, header, data):
    check(ours["revision"] == header.get(8), f"revision {ours['revision']} != iasl {header.get(8)}")
    for off, key in ((10, "oem_id"), (16, "oem_table_id")):
        check(printable(ours[key]) == printable(str(header.get(off, ""))).rstrip("\0"),
              f"{key} {ours[key]!r} != iasl {header.get(off)!r}")
    check(ours["host_address_width"] == header.get(36, -2) + 1,
          f"host address width {ours['host_address_width']} != iasl's field {header.get(36)} + 1")
    check(ours["flags"] == header.get(37), f"flags {ours['flags']} != iasl {header.get(37)}")
    check(le(data, 4, 4) == header.get(4), "table length differs from iasl's")


def compare(ours, dsl, data):
    header, structures, raw, stopped = parse_dsl(dsl)
    check(raw == data, "iasl's raw table data differ from the file")
    compare_header(ours, header, data)
    decoded = decode_raw(data)
    mine = ours["structures"]
    check(len(mine) == len(decoded), f"{len(mine)} structures, the bytes hold {len(decoded)}")
    check(len(structures) <= len(mine), f"iasl lists {len(structures)} structures, dmar-dump {len(mine)}")
    if not stopped:
        check(len(structures) == len(mine), f"iasl lists {len(structures)} structures, dmar-dump {len(mine)}")
    for i, o in enumerate(mine):
        where = f"structure {i} ({o['type']} at {o['offset']:#x})"
        if i < len(structures):
            compare_iasl_structure(o, structures[i], stopped and i == len(structures) - 1, where)
        compare_raw_structure(o, decoded[i], where)
    return len(structures), stopped


# ---- running the tools ----------------------------------------------------------------------

def disassemble(path, work, name):
    copy = os.path.join(work, name + ".dat")
    dsl = os.path.join(work, name + ".dsl")
    shutil.copyfile(path, copy)
    if os.path.exists(dsl):
        os.remove(dsl)
    r = subprocess.run(["timeout", "-k", "5", "60", "iasl", "-d", name + ".dat"], cwd=work,
                       capture_output=True, timeout=90)
    if r.returncode or not os.path.exists(dsl):
        raise Mismatch(f"iasl -d failed with status {r.returncode}")
    with open(dsl, encoding="latin-1") as f:
        return f.read()


def dump(tool, path, madt):
    cmd = [tool, path] + (["--madt", madt] if madt else [])
    r = subprocess.run(cmd, capture_output=True, timeout=60)
    if r.returncode not in (0, 1):
        raise Mismatch(f"dmar-dump exited with status {r.returncode}: "
                       f"{r.stderr.decode(errors='replace').strip()[:200]}")
    try:
        ours = json.loads(r.stdout)
    except ValueError as e:
        raise Mismatch(f"dmar-dump printed no valid JSON: {e}")
    check(ours["refused"] == (r.returncode == 1), "exit status disagrees with \"refused\"")
    return ours, r.returncode


def is_malformed_fixture(name):
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".dsl")
    try:
        with open(source, encoding="utf-8") as f:
            return any(re.match(r"\s*//\s*fixture:\s*malformed", line) for line in f)
    except OSError:
        return False


def log_diagnostics(log, label, ours, rc):
    log.write(f"{label}: exit {rc}, {len(ours['structures'])} structures"
              f"{', refused' if ours['refused'] else ''}"
              f"{', interrupt remapping unsafe' if ours['intr_remap_unsafe'] else ''}\n")
    for d in ours["diagnostics"]:
        log.write(f"  {d['severity']} {d['offset']:#x} {d['message']}\n")


def one_table(args, label, path, madt, malformed, log):
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"DMAR":
        return None
    try:
        ours, rc = dump(args.dump, path, madt)
        log_diagnostics(log, label, ours, rc)
        if malformed:
            check(rc == 1, "a malformed table must be refused")
            return f"pass {label} # malformed by design: refused, iasl not compared"
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", label)
        listed, stopped = compare(ours, disassemble(path, args.work, name), data)
        note = f" # iasl decoded {listed - 1} of {len(ours['structures'])}, the rest from the bytes" \
            if stopped else ""
        return f"pass {label}{note}"
    except (Mismatch, subprocess.TimeoutExpired, OSError, KeyError, TypeError) as e:
        return f"fail {label} # {type(e).__name__ + ': ' if not isinstance(e, Mismatch) else ''}{e}"


def tables(directory, suffix):
    return sorted(f for f in os.listdir(directory) if f.endswith(suffix))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--shared")
    ap.add_argument("--fixtures")
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if not shutil.which("iasl"):
        print("skip dmar/iasl # iasl not installed (Debian: acpica-tools)")
        return 0
    with open(os.path.join(args.work, "diagnostics.txt"), "w") as log:
        if args.shared and os.path.isdir(args.shared):
            for f in tables(args.shared, ".DMAR.dat"):
                machine = f[:-len(".DMAR.dat")]
                madt = os.path.join(args.shared, machine + ".APIC.dat")
                print(one_table(args, f"dmar/shared/{machine}", os.path.join(args.shared, f),
                                madt if os.path.exists(madt) else None, False, log))
        elif args.shared:
            print(f"skip dmar/shared # no {args.shared}: the real tables sit beside the clone in CI")
        if args.fixtures:
            for f in tables(args.fixtures, ".aml"):
                name = f[:-len(".aml")]
                if name.endswith("-iasl"):
                    continue
                line = one_table(args, f"dmar/fixture/{name}", os.path.join(args.fixtures, f), None,
                                 is_malformed_fixture(name), log)
                if line:
                    print(line)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # a bug here must show as a failure, not a missing file
        print(f"fail dmar/compare_iasl # {type(e).__name__}: {e}")
        sys.exit(0)
