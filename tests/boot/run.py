#!/usr/bin/env python3
"""Boot tests: boot hv.efi under QEMU (q35, TCG, OVMF) once per scenario and turn the
KTAP the hypervisor prints on COM1, plus QEMU's exit status, into results.

  tests/boot/run.py --efi build/hv.efi --out build/boot [--scenario NAME ...]
                    [--jobs N] [--timeout S] [--results FILE]
  tests/boot/run.py --selftest-parser      # check the KTAP parser on synthetic logs

Results are "pass|fail|skip <scenario>/<test>[ # reason]", one per line (see
tests/summary.py).  Problems with a boot as a whole (timeout, wrong exit status, broken
KTAP) are reported as one extra failure named "<scenario>/(boot)".
Exit status: 0 when nothing failed, 1 otherwise, 2 on a usage error.
"""
import argparse
import concurrent.futures
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenarios  # noqa: E402  (tests/boot/scenarios.py)

OVMF = "/usr/share/ovmf/OVMF.fd"
# isa-debug-exit turns a write of v into QEMU exit status (v << 1) | 1.
EXIT_PASS = (0x10 << 1) | 1  # 33: hv says every test passed
EXIT_FAIL = (0x11 << 1) | 1  # 35: hv says some test failed
DEFAULT_TIMEOUT = 60
TAIL_LINES = 40

# --------------------------------------------------------------------------- KTAP

# OVMF writes its console to the same serial line, full of ANSI escapes and with no
# newline before the hypervisor's first byte, so escapes are removed before matching.
ANSI_RE = re.compile(r"\x1b(?:\[[0-9;=?]*[A-Za-z]|[()][0-9A-Za-z]|[=>])")
# The hypervisor may prefix lines with a kernel-style "[    1.234567] " timestamp.
TS = r"^(?:\[\s*\d+\.\d+\]\s?)?"
HEADER_RE = re.compile(r"K?TAP version (\d+)\s*$")  # searched, not anchored (see above)
PLAN_RE = re.compile(TS + r"1\.\.(\d+)\s*$")
# Anything that starts like a result must parse as one: a garbled result line (lost
# characters on the UART, a log line written in the middle of it) is a failure, not noise.
# Indented lines (KTAP subtests) are left to their parent's result line.
RESULT_START_RE = re.compile(TS + r"(?:not ok|ok)(?:\s|$)")
RESULT_RE = re.compile(TS + r"(not ok|ok) ([0-9]+)(?:\s+(?:- )?(.*?))?\s*$")
SKIP_RE = re.compile(r"SKIP\b\s*(.*)$", re.IGNORECASE)


def clean_line(raw):
    """A serial line without OVMF's ANSI escapes and carriage returns."""
    return ANSI_RE.sub("", raw).replace("\r", "")


class Ktap:
    """What one serial log said: the plan, the results and what was wrong with them."""

    def __init__(self):
        self.headers = 0
        self.plan = None
        self.results = []   # (number, name, "pass"|"fail"|"skip", reason)
        self.problems = []  # one sentence each

    def count(self, kind):
        return sum(1 for r in self.results if r[2] == kind)


def split_result(rest):
    """'name # SKIP why' -> (name, directive); KTAP puts directives after ' # '."""
    if rest is None:
        return "", ""
    m = re.match(r"(.*?)\s*(?:(?:^|\s)#\s*(.*))?$", rest)
    return m.group(1).strip(), (m.group(2) or "").strip()


def parse_ktap(text):
    k = Ktap()
    numbers = {}  # number -> line number, to report duplicates
    names = set()
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = clean_line(raw).rstrip()
        if HEADER_RE.search(line) and not line[:1].isspace():  # indented: a subtest's
            k.headers += 1
            if k.headers == 2:  # QEMU runs with -no-reboot, so this should not happen
                k.problems.append(f"KTAP header seen again at line {lineno} (machine reset?)")
            continue
        if not k.headers:  # firmware output before the header is not ours
            continue
        m = PLAN_RE.match(line)
        if m:
            if k.plan is not None:
                k.problems.append(f"second plan line at line {lineno}: {line!r}")
            else:
                k.plan = int(m.group(1))
            continue
        if not RESULT_START_RE.match(line):
            continue  # a log line or a '#' diagnostic
        m = RESULT_RE.match(line)
        if not m:
            k.problems.append(f"malformed result line {lineno}: {line!r}")
            continue
        num = int(m.group(2))
        name, directive = split_result(m.group(3))
        name = name or f"test{num}"
        skip = SKIP_RE.match(directive)
        if skip:
            kind, reason = "skip", skip.group(1) or "no reason given"
        else:
            kind, reason = ("pass" if m.group(1) == "ok" else "fail"), ""
        if num in numbers:
            k.problems.append(f"duplicate result number {num} at lines {numbers[num]} and {lineno}")
            continue
        numbers[num] = lineno
        if name in names:
            k.problems.append(f"duplicate test name {name!r} at line {lineno}")
            name = f"{name}.{num}"  # keep result names unique
        names.add(name)
        k.results.append((num, name, kind, reason))

    if not k.headers:
        k.problems.append("no 'KTAP version 1' header on the serial line")
    elif k.plan is None:
        k.problems.append("no plan line (1..N)")
    else:
        outside = sorted(n for n in numbers if not 1 <= n <= k.plan)
        if outside:
            k.problems.append(f"result number(s) {outside} outside plan 1..{k.plan}")
        if len(k.results) < k.plan:
            k.problems.append(f"only {len(k.results)} of {k.plan} planned results (output cut off?)")
    return k


# A guest's console line, as hv's virtual UART prints it: "NAME| text".
GUEST_LINE_RE = re.compile(TS + r"([A-Za-z0-9_-]{1,31})\| ?(.*)$")


def split_streams(text):
    """The hypervisor's own lines, and each guest's (without the prefix)."""
    own, guests = [], {}
    for raw in text.splitlines():
        line = clean_line(raw)
        m = GUEST_LINE_RE.match(line)
        if m:
            guests.setdefault(m.group(1), []).append(m.group(2))
        else:
            own.append(raw)
    return "\n".join(own), {g: "\n".join(lines) for g, lines in guests.items()}


def forbidden_lines(patterns, log_text):
    """(pattern, line number, line) of the first serial line each pattern matches."""
    found = []
    lines = log_text.splitlines()
    for pattern in patterns:
        rx = re.compile(pattern)
        for lineno, line in enumerate(lines, 1):
            if rx.search(line):
                found.append((pattern, lineno, line.strip()))
                break
    return found


def guest_line_counts(log_text):
    """How many serial lines each guest printed (by its "NAME| " prefix)."""
    counts = {}
    for line in log_text.splitlines():
        m = GUEST_LINE_RE.match(line)
        if m:
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    return counts


def sequence_break(patterns, log_text):
    """The first pattern of `patterns` no line after the previous pattern's line
    matches, or None when each matched in that order. Taking the earliest line
    each time finds an ordering whenever one exists."""
    lines = log_text.splitlines()
    at = 0
    for pattern in patterns:
        rx = re.compile(pattern)
        while at < len(lines) and not rx.search(lines[at]):
            at += 1
        if at == len(lines):
            return pattern
        at += 1
    return None


def log_budget_results(scn, log_text):
    """The failures of forbid_log, max_guest_lines, max_log_lines and expect_sequence."""
    name = scn["name"]
    failures = []
    for pattern, lineno, line in forbidden_lines(scn.get("forbid_log", []), log_text):
        failures.append(("fail", f"{name}/(log)", f"line {lineno} matches forbidden {pattern!r}: {line!r}"))
    counts = guest_line_counts(log_text)
    for guest, most in sorted(scn.get("max_guest_lines", {}).items()):
        if counts.get(guest, 0) > most:
            failures.append(("fail", f"{name}/(log)",
                             f"guest {guest} printed {counts[guest]} lines, over its budget of {most}"))
    lines = log_text.splitlines()
    for pattern, most in sorted(scn.get("max_log_lines", {}).items()):
        rx = re.compile(pattern)
        n = sum(1 for line in lines if rx.search(line))
        if n > most:
            failures.append(("fail", f"{name}/(log)", f"{n} lines match {pattern!r}, over the budget of {most}"))
    if scn.get("expect_sequence"):
        missing = sequence_break(scn["expect_sequence"], log_text)
        if missing is not None:
            failures.append(("fail", f"{name}/(log)",
                             f"no line matches {missing!r} after the lines of the patterns before it"))
    return failures


def judge(scn, ktap, status, timed_out, timeout, guest_ktaps=None, log_text=""):
    """Combine KTAP (the hypervisor's and each guest's), QEMU's exit status and the
    scenario's expectations. Returns ([(kind, name, reason)], [problem]); any problem
    fails the scenario."""
    name = scn["name"]
    guest_ktaps = guest_ktaps or {}
    results = [(kind, f"{name}/{test}", reason) for _, test, kind, reason in ktap.results]
    problems = list(ktap.problems)
    failed = ktap.count("fail")
    expected_failures = set(scn.get("expect_fail", []))
    for guest in scn.get("guest_ktap", []):
        if guest not in guest_ktaps:
            problems.append(f"guest {guest} printed nothing")
    for guest, gk in sorted(guest_ktaps.items()):
        results += [(kind, f"{name}/{guest}/{test}", reason) for _, test, kind, reason in gk.results]
        if guest in scn.get("guest_ktap", []):
            problems += [f"guest {guest}: {p}" for p in gk.problems]

    if timed_out:
        problems.append(f"timeout after {timeout} s (QEMU killed)")
    elif status == EXIT_PASS:
        if failed:
            problems.append(f"exit status {status} (all passed) but KTAP has {failed} failure(s)")
    elif status == EXIT_FAIL:
        if not failed:
            problems.append(f"exit status {status} (some test failed) but KTAP has no failing test")
    elif status == 0:
        problems.append("QEMU exited 0: firmware shutdown or a reset/triple fault (-no-reboot)")
    elif status < 0:
        problems.append(f"QEMU killed by signal {-status}")
    elif status & 1 and status > 1:
        problems.append(f"exit status {status}: hv wrote {status >> 1:#x} to isa-debug-exit,"
                        f" expected 0x10 or 0x11")
    else:
        problems.append(f"QEMU exit status {status} (QEMU error? see qemu.log)")

    # Expectations: a test that must be reported, or must be skipped on this machine.
    reported = {r[1]: i for i, r in enumerate(results)}
    for test in scn.get("expect", []) + scn.get("expect_skip", []) + scn.get("expect_pass", []):
        full = f"{name}/{test}"
        if full not in reported:
            results.append(("fail", full, "expected by the scenario but not reported"))
            reported[full] = len(results) - 1
    for test in scn.get("expect_skip", []):
        i = reported[f"{name}/{test}"]
        kind, full, reason = results[i]
        if kind == "pass":
            results[i] = ("fail", full, "passed, but the scenario expects it to be skipped")

    for test in scn.get("expect_fail", []):
        i = reported.get(f"{name}/{test}")
        if i is None:
            results.append(("fail", f"{name}/{test}", "expected to fail but not reported"))
            continue
        kind, full, reason = results[i]
        results[i] = (("pass", full, "") if kind == "fail" else
                      ("fail", full, f"{kind}, but the scenario expects it to fail"))
    for pattern in scn.get("expect_log", []):
        if not re.search(pattern, log_text, re.MULTILINE):
            results.append(("fail", f"{name}/(log)", f"no line matches {pattern!r}"))
    results += log_budget_results(scn, log_text)

    for test in scn.get("expect_pass", []):
        i = reported[f"{name}/{test}"]
        kind, full, reason = results[i]
        if kind == "skip":
            results[i] = ("fail", full, f"skipped ({reason}), but the scenario needs it to run")

    if problems:
        results.append(("fail", f"{name}/(boot)", "; ".join(problems)))
    return results, problems


# --------------------------------------------------------------------------- QEMU

def boot_drive(scn, esp):
    """The disk OVMF boots from: the scenario's disk image, else the ESP directory."""
    if scn.get("disk_image"):
        # snapshot=on: what the firmware or hv might write stays out of the image,
        # so each boot starts from the image as it was built.
        return f"file={os.path.abspath(scn['disk_image'])},format=raw,snapshot=on"
    return f"file=fat:rw:{esp},format=raw"  # vvfat needs rw to be usable


def qemu_command(scn, esp, serial):
    cmd = ["qemu-system-x86_64",
           "-machine", "q35", "-cpu", "max",
           "-smp", str(scn["smp"]), "-m", str(scn["mem"]),
           "-bios", OVMF,
           "-drive", boot_drive(scn, esp),
           "-nodefaults", "-display", "none",
           # A triple fault must end the run (status 0), not boot the hypervisor again.
           "-no-reboot",
           "-serial", f"file:{serial}",
           "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if scn.get("iommu"):
        # Before the PCI devices: QEMU 7.2 gets the order right either way, older ones
        # gave devices created before the IOMMU an untranslated DMA address space.
        cmd += ["-device", "intel-iommu," + scn.get("iommu_opts", "intremap=on")]
    for dev in scn.get("devices", []):
        cmd += ["-device", dev]
    return cmd + list(scn.get("qemu_args", []))


def tail(path, n=TAIL_LINES):
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError as e:
        return [f"(cannot read: {e.strerror})"]
    lines = [clean_line(l) for l in text.splitlines()]
    return lines[-n:] or ["(empty)"]


# A decoy beside hv.efi: hv must prefer its load options, and this line would fail
# the boot (no machine here has 4096 CPUs) if it read the file instead.
DECOY_CMDLINE = "selftest exit=qemu expect.cpus=4096"


def lay_out_shell_esp(esp, efi, cmdline):
    """No BOOTX64.EFI, so OVMF falls back to its UEFI shell, whose startup.nsh
    starts hv.efi with the command line as UEFI load options."""
    d = os.path.join(esp, "EFI", "hv")
    os.makedirs(d)
    shutil.copyfile(efi, os.path.join(d, "hv.efi"))
    with open(os.path.join(d, "hv.cmdline"), "w") as f:
        f.write(DECOY_CMDLINE + "\n")
    with open(os.path.join(esp, "startup.nsh"), "w") as f:
        f.write(f"fs0:\\EFI\\hv\\hv.efi {cmdline}\r\n")


def disk_image_problem(path):
    """Why a scenario's disk image cannot be booted, or None."""
    if not os.path.isfile(path):
        return f"disk image {path} missing (the Makefile builds it before the boot tests)"
    if "," in os.path.abspath(path):  # it would end QEMU's -drive file= value
        return f"disk image path {os.path.abspath(path)} contains ','"
    return None


def run_scenario(scn, efi, out, timeout_override):
    """Boot one scenario. Returns (results, report text, ok)."""
    name = scn["name"]
    timeout = timeout_override or scn.get("timeout", DEFAULT_TIMEOUT)
    sdir = os.path.abspath(os.path.join(out, name))
    esp = os.path.join(sdir, "esp")
    serial = os.path.join(sdir, "serial.log")
    qlog = os.path.join(sdir, "qemu.log")

    shutil.rmtree(sdir, ignore_errors=True)  # no stale serial log from an earlier run
    os.makedirs(sdir)
    if scn.get("disk_image"):
        problem = disk_image_problem(scn["disk_image"])
        if problem:
            return [("fail", f"{name}/(boot)", problem)], f"FAIL {name}: {problem}", False
    elif scn.get("via_shell"):
        lay_out_shell_esp(esp, efi, scn["cmdline"])
    else:
        boot = os.path.join(esp, "EFI", "BOOT")
        os.makedirs(boot)
        shutil.copyfile(efi, os.path.join(boot, "BOOTX64.EFI"))
        # hv reads this when started without UEFI load options, as OVMF starts BOOTX64.EFI.
        with open(os.path.join(boot, "hv.cmdline"), "w") as f:
            f.write(scn["cmdline"] + "\n")
        for rel, content in scn.get("esp", {}).items():
            dest = os.path.join(boot, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            if content.startswith("@"):
                shutil.copyfile(content[1:], dest)
            else:
                with open(dest, "w") as f:
                    f.write(content)
    cmd = qemu_command(scn, esp, serial)
    with open(os.path.join(sdir, "qemu.cmd"), "w") as f:
        f.write(shlex.join(cmd) + "\n")

    start = time.monotonic()
    timed_out = False
    with open(qlog, "wb") as log:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        try:
            status = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            p.terminate()  # QEMU exits cleanly on SIGTERM
            try:
                status = p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                status = p.wait()
    seconds = time.monotonic() - start

    try:
        with open(serial, "rb") as f:
            text = f.read().decode("utf-8", "replace")
    except OSError:
        text = ""
    own, guest_text = split_streams(text)
    guest_ktaps = {g: parse_ktap(t) for g, t in guest_text.items()}
    clean = "\n".join(clean_line(l) for l in text.splitlines())
    results, problems = judge(scn, parse_ktap(own), status, timed_out, timeout, guest_ktaps,
                              clean)

    counts = {k: sum(1 for r in results if r[0] == k) for k in ("pass", "fail", "skip")}
    ok = counts["fail"] == 0
    report = [f"{'PASS' if ok else 'FAIL'} {name}: {counts['pass']} passed, {counts['fail']} failed,"
              f" {counts['skip']} skipped ({seconds:.1f} s)"]
    if not ok:
        report += [f"  fail {r[1]}" + (f" # {r[2]}" if r[2] else "") for r in results if r[0] == "fail"]
        report.append(f"  serial log: {serial} (last {TAIL_LINES} lines):")
        report += ["  | " + l for l in tail(serial)]
        qemu_out = tail(qlog, 10)
        if qemu_out != ["(empty)"]:
            report.append(f"  QEMU output: {qlog}:")
            report += ["  | " + l for l in qemu_out]
        report.append(f"  reproduce: {shlex.join(cmd)}")
    return results, "\n".join(report), ok


# --------------------------------------------------------------------------- self-test

def selftest_parser():
    """Synthetic serial logs through parse_ktap + judge. Prints TAP, returns exit status."""
    esc = "\x1b[2J\x1b[01;01H"
    good = "KTAP version 1\n1..3\nok 1 memmap_sanity\n# diag\nok 2 acpi\nok 3 hpet # SKIP no HPET\n"
    cases = [
        # (description, serial text, exit status, timed out, expected counts p/f/s, problem substring)
        ("all ok", good, EXIT_PASS, False, (2, 0, 1), None),
        ("firmware noise and escapes before header",
         "BdsDxe: loading Boot0001\r\n" + esc + good, EXIT_PASS, False, (2, 0, 1), None),
        ("CRLF", good.replace("\n", "\r\n"), EXIT_PASS, False, (2, 0, 1), None),
        ("timestamps", "".join(f"[{i:5d}.{i:06d}] {l}\n" for i, l in enumerate(good.splitlines())),
         EXIT_PASS, False, (2, 0, 1), None),
        ("mixed timestamps and log lines",
         "KTAP version 1\n[    0.000001] 1..2\nhv: log line\n[    1.234567] ok 1 a\nok 2 - b\n",
         EXIT_PASS, False, (2, 0, 0), None),
        ("a not ok", "KTAP version 1\n1..2\nok 1 a\nnot ok 2 b\n", EXIT_FAIL, False, (1, 1, 0), None),
        ("skip without reason", "KTAP version 1\n1..1\nok 1 a # SKIP\n", EXIT_PASS, False, (0, 0, 1), None),
        ("subtests are left to the parent",
         "KTAP version 1\n1..1\n    KTAP version 1\n    1..1\n    ok 1 sub\nok 1 parent\n",
         EXIT_PASS, False, (1, 0, 0), None),
        ("missing plan", "KTAP version 1\nok 1 a\n", EXIT_PASS, False, (1, 1, 0), "no plan"),
        ("no KTAP at all", "BdsDxe: failed\n", EXIT_PASS, False, (0, 1, 0), "no 'KTAP version 1'"),
        ("truncated", "KTAP version 1\n1..3\nok 1 a\nok 2 b\n", EXIT_PASS, False, (2, 1, 0), "only 2 of 3"),
        ("duplicate number", "KTAP version 1\n1..2\nok 1 a\nok 1 b\n", EXIT_PASS, False, (1, 1, 0),
         "duplicate result number 1"),
        ("number beyond plan", "KTAP version 1\n1..2\nok 1 a\nok 3 b\n", EXIT_PASS, False, (2, 1, 0),
         "outside plan"),
        ("malformed result", "KTAP version 1\n1..2\nok 1 a\nok two b\nok 2 c\n", EXIT_PASS, False,
         (2, 1, 0), "malformed"),
        ("header twice", good + good, EXIT_PASS, False, (2, 1, 1), "header seen again"),
        ("timeout", good[:30], None, True, (1, 1, 0), "timeout after 60 s"),
        ("exit 33 with a failure", "KTAP version 1\n1..1\nnot ok 1 a\n", EXIT_PASS, False, (0, 2, 0),
         "but KTAP has 1 failure"),
        ("exit 35 without a failure", good, EXIT_FAIL, False, (2, 1, 1), "no failing test"),
        ("exit 0 (triple fault)", good, 0, False, (2, 1, 1), "QEMU exited 0"),
        ("exit 1 (QEMU error)", "", 1, False, (0, 1, 0), "QEMU exit status 1"),
    ]
    scn = {"name": "s"}
    failures = 0
    print(f"1..{len(cases) + 3 + LOG_BUDGET_CASES}")
    for i, (desc, text, status, timed_out, want, problem) in enumerate(cases, 1):
        results, problems = judge(scn, parse_ktap(text), status, timed_out, 60)
        got = tuple(sum(1 for r in results if r[0] == k) for k in ("pass", "fail", "skip"))
        msg = "; ".join(problems)
        ok = got == want and (problem in msg if problem else not problems)
        failures += not ok
        print(f"{'ok' if ok else 'not ok'} {i} {desc}")
        if not ok:
            print(f"# counts {got}, want {want}; problems: {msg or '(none)'}")

    # Names, reasons and the scenario expectations.
    results, _ = judge({"name": "s", "expect": ["gone"], "expect_skip": ["hpet", "acpi"]},
                       parse_ktap(good), EXIT_PASS, False, 60)
    want = [("pass", "s/memmap_sanity", ""), ("fail", "s/acpi", "passed, but the scenario expects it to be skipped"),
            ("skip", "s/hpet", "no HPET"), ("fail", "s/gone", "expected by the scenario but not reported")]
    ok = results == want
    failures += not ok
    print(f"{'ok' if ok else 'not ok'} {len(cases) + 1} names, skip reasons, expectations")
    if not ok:
        print(f"# got {results}")
    cmd = qemu_command({"name": "x", "smp": 2, "mem": "2G", "iommu": True, "devices": ["edu,addr=0x4"]},
                       "/e", "/s")
    ok = cmd.index("intel-iommu,intremap=on") < cmd.index("edu,addr=0x4")
    failures += not ok
    print(f"{'ok' if ok else 'not ok'} {len(cases) + 2} intel-iommu comes before the PCI devices")
    drives = [a for a in qemu_command({"name": "x", "smp": 1, "mem": "1G", "disk_image": "/d.img"},
                                      "/e", "/s") if a.startswith("file=")]
    ok = drives == ["file=/d.img,format=raw,snapshot=on"]
    failures += not ok
    print(f"{'ok' if ok else 'not ok'} {len(cases) + 3} disk_image boots the file, not an ESP directory")
    if not ok:
        print(f"# drives {drives}")
    for i, (desc, ok, detail) in enumerate(log_budget_cases(), len(cases) + 4):
        failures += not ok
        print(f"{'ok' if ok else 'not ok'} {i} {desc}")
        if not ok:
            print(f"# {detail}")
    return 1 if failures else 0


LOG_BUDGET_CASES = 8


def log_budget_cases():
    """forbid_log, max_guest_lines, max_log_lines and expect_sequence on a synthetic
    log: (description, ok, what was got)."""
    log = ("hv: guests: starting 2\nhostile| # flood: start\nvictim| # heartbeat 1\n"
           "hostile| # flood 7\nvictim| # heartbeat 2\nhostile| # flood: end\n"
           "[    1.0] guest hostile: 3 lines dropped\n")

    def fails(scn):
        return [r[2] for r in log_budget_results(dict(scn, name="s"), log)]

    seq = [r"^hostile\| # flood: start", r"^victim\| # heartbeat", r"^hostile\| # flood \d+$"]
    checks = [
        ("forbid_log passes a clean log", fails({"forbid_log": [r"halting this CPU"]}), False),
        ("forbid_log fails on a match", fails({"forbid_log": [r"lines dropped"]}), True),
        ("max_guest_lines at the budget passes", fails({"max_guest_lines": {"hostile": 3}}), False),
        ("max_guest_lines over the budget fails", fails({"max_guest_lines": {"hostile": 2}}), True),
        ("max_log_lines over the budget fails",
         fails({"max_log_lines": {r"^(?!hostile\|).*\bguest hostile\b": 0}}), True),
        ("expect_sequence in order passes", fails({"expect_sequence": seq}), False),
        ("expect_sequence out of order fails",
         fails({"expect_sequence": [r"^hostile\| # flood: end", r"^victim\| # heartbeat"]}), True),
        ("expect_sequence with a missing line fails",
         fails({"expect_sequence": seq + [r"^victim\| # heartbeat 3"]}), True),
    ]
    assert len(checks) == LOG_BUDGET_CASES
    return [(desc, bool(got) == want_fail, f"failures: {got}") for desc, got, want_fail in checks]


# --------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", help="the hypervisor image, e.g. build/hv.efi")
    ap.add_argument("--out", default="build/boot", help="work directory (one folder per scenario)")
    ap.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    ap.add_argument("--jobs", type=int, default=2, help="QEMUs at once (TCG wants a core each)")
    ap.add_argument("--timeout", type=int, help="override every scenario's timeout (seconds)")
    ap.add_argument("--results", help="write pass/fail/skip lines here")
    ap.add_argument("--selftest-parser", action="store_true", help="test the KTAP parser and exit")
    args = ap.parse_args()
    if args.selftest_parser:
        return selftest_parser()
    if not args.efi:
        ap.error("--efi is required")

    known = {s["name"]: s for s in scenarios.SCENARIOS}
    chosen = scenarios.SCENARIOS
    if args.scenario:
        unknown = [n for n in args.scenario if n not in known]
        if unknown:
            ap.error(f"unknown scenario(s) {unknown}; known: {sorted(known)}")
        chosen = [known[n] for n in args.scenario]
    out = os.path.abspath(args.out)
    if "," in out or ":" in out:  # they would break QEMU's -drive/-serial option syntax
        ap.error(f"--out path must not contain ',' or ':': {out}")
    for s in chosen:
        if not re.fullmatch(r"[A-Za-z0-9._-]+", s["name"]):
            ap.error(f"bad scenario name {s['name']!r}")

    lock = threading.Lock()
    results = {}
    if not os.path.isfile(args.efi):
        # Still report one failure per scenario, so the summary cannot look green.
        print(f"run.py: {args.efi} does not exist (build it first)", file=sys.stderr)
        for s in chosen:
            results[s["name"]] = [("fail", f"{s['name']}/(boot)", f"{args.efi} missing")]
    else:
        def one(s):
            res, report, _ = run_scenario(s, args.efi, out, args.timeout)
            with lock:  # keep each scenario's report in one piece
                print(report, flush=True)
            results[s["name"]] = res
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            for f in [pool.submit(one, s) for s in chosen]:
                f.result()  # re-raise a runner bug instead of losing it

    flat = [r for s in chosen for r in results[s["name"]]]
    if args.results:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            for kind, name, reason in flat:
                reason = " ".join(reason.split())  # one line per result
                if kind == "skip":
                    f.write(f"skip {name} # {reason}\n")
                else:
                    f.write(f"{kind} {name}" + (f" # {reason}" if reason else "") + "\n")
    return 1 if any(r[0] == "fail" for r in flat) else 0


if __name__ == "__main__":
    sys.exit(main())
