#!/usr/bin/env python3
"""Convert cmocka TAP (CMOCKA_MESSAGE_OUTPUT=TAP) on stdin into results lines on stdout.

  CMOCKA_MESSAGE_OUTPUT=TAP build/unit/test_dmar | tests/unit/tap2results.py dmar

Writes "pass|fail|skip SUITE/TEST[ # reason]" (see tests/summary.py).  One binary may
run several cmocka groups; each prints its own "1..N" plan first and numbers its tests
from 1, so every plan line starts a new group.  A group without a plan, or with fewer
results than planned (the binary crashed or exited early; cmocka catches SIGSEGV but
not abort()), yields fail entries, so a crash is never silent.  Exits 0 unless misused:
the verdict is in the output, and a pipeline in make must go on to the summary.
"""
import re
import sys

PLAN_RE = re.compile(r"^1\.\.(\d+)\s*$")
RESULT_START_RE = re.compile(r"^(?:not ok|ok)(?:\s|$)")
RESULT_RE = re.compile(r"^(not ok|ok) (\d+)(?:\s+(?:- )?(.*?))?\s*$")
GROUP_TRAILER_RE = re.compile(r"^# (?:not ok|ok) - ")  # cmocka's "# ok - groupname"


class Group:
    def __init__(self, plan):
        self.plan = plan
        self.results = []  # [kind, name, reason]; reason grows with '#' diagnostics
        self.numbers = set()


def convert(lines, suite):
    groups, out = [], []

    def fail(name, reason):
        out.append(f"fail {suite}/{name} # {reason}")

    for lineno, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        m = PLAN_RE.match(line)
        if m:
            groups.append(Group(int(m.group(1))))
            continue
        if line.startswith("Bail out!"):
            fail(f"(line{lineno})", line)
            continue
        if line.startswith("#"):
            # cmocka explains a failure in '#' lines right after its "not ok".
            g = groups[-1] if groups else None
            if g and g.results and g.results[-1][0] == "fail" and not GROUP_TRAILER_RE.match(line):
                text = line[1:].strip()
                g.results[-1][2] = (g.results[-1][2] + "; " + text).strip("; ")[:300]
            continue
        if not RESULT_START_RE.match(line):
            continue  # test output that is not TAP
        if not groups:  # a result before any plan: cmocka always prints the plan first
            groups.append(Group(None))
        g = groups[-1]
        m = RESULT_RE.match(line)
        if not m:
            fail(f"(line{lineno})", f"malformed result line: {line!r}")
            continue
        num = int(m.group(2))
        desc, _, directive = (m.group(3) or "").partition("#")
        desc, directive = desc.strip(), directive.strip()
        if directive[:4].upper() == "SKIP":
            # cmocka writes "not ok 3 # SKIP test_name": the name sits after SKIP.
            text = directive[4:].strip()
            if not desc:
                desc, _, text = text.partition(" ")
            entry = ["skip", desc or f"test{num}", text.strip() or "no reason given"]
        else:
            entry = ["pass" if m.group(1) == "ok" else "fail", desc or f"test{num}", ""]
        if num in g.numbers:
            fail(entry[1], f"duplicate result number {num} in one group")
            continue
        g.numbers.add(num)
        g.results.append(entry)

    for i, g in enumerate(groups, 1):
        for kind, name, reason in g.results:
            out.append(f"{kind} {suite}/{name}" + (f" # {reason}" if reason else ""))
        if g.plan is None:
            fail(f"(group{i})", "results without a plan line 1..N")
            continue
        missing = sorted(set(range(1, g.plan + 1)) - g.numbers)
        for n in missing:  # we cannot know the names of tests that never reported
            fail(f"(group{i}.test{n})", "no result: the test binary crashed or stopped early")
        extra = sorted(n for n in g.numbers if n > g.plan)
        if extra:
            fail(f"(group{i})", f"result numbers {extra} beyond plan 1..{g.plan}")
    if not groups and not out:
        fail("(no-output)", "no TAP at all: the test binary did not run or died before its first group")
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    for line in convert(sys.stdin.read().splitlines(), sys.argv[1]):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
