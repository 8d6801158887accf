#!/usr/bin/env python3
"""Summarise results files for `make check`.

  tests/summary.py FILE...

Each line of a results file is "pass NAME", "fail NAME" or "skip NAME", optionally
followed by " # reason"; blank lines are ignored.  Prints the failed and skipped names,
then as the very last line "N passed, N failed" (plus ", N skipped" when there are any).
Exits non-zero when anything failed, when nothing ran at all, when a named file is
missing (a suite that never wrote its file must not look green) or holds a bad line.
"""
import sys


def main(paths):
    counts = {"pass": 0, "fail": 0, "skip": 0}
    failed, skipped, errors = [], [], []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                lines = f.read().splitlines()
        except OSError as e:
            errors.append(f"{path}: missing or unreadable ({e.strerror})")
            continue
        for lineno, line in enumerate(lines, 1):
            if not line.strip():
                continue
            kind, _, rest = line.strip().partition(" ")
            name, _, reason = rest.partition(" # ")
            if kind not in counts or not name.strip():
                errors.append(f"{path}:{lineno}: not a result line: {line!r}")
                continue
            counts[kind] += 1
            entry = name.strip() + (f" # {reason.strip()}" if reason.strip() else "")
            (failed if kind == "fail" else skipped if kind == "skip" else []).append(entry)

    for entry in skipped:
        print(f"SKIP {entry}")
    for entry in failed:
        print(f"FAIL {entry}")
    for e in errors:
        print(f"ERROR {e}")
    if not sum(counts.values()):
        print("ERROR no test results at all")
    line = f"{counts['pass']} passed, {counts['fail']} failed"
    if counts["skip"]:
        line += f", {counts['skip']} skipped"
    print(line)  # must stay the very last line
    return 1 if counts["fail"] or errors or not sum(counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
