#!/usr/bin/env python3
"""Time a Linux guest's boot (make linux-bare-bench): run a QEMU command line whose serial
console is its stdout (-serial stdio), stamp each line with the seconds since QEMU
started, and report the time to tests/linux/init's "hvtest: init started" and to QEMU's
exit (the guest's power-off), with the guest's own uptime at /init (and so the time
before the kernel's clock started: firmware, loading, decompression). The markers are
found anywhere in a line, so a guest's console behind hv ("NAME| hvtest: ...") counts too.
These are wall-clock times of TCG emulation: compare runs made on the same machine at the
same time (e.g. bare QEMU beside hv), not across machines.

  tests/bench/linux_boot.py [--repeat N] [--timeout S] [--label TEXT] [--log-dir DIR] \
      -- qemu-system-x86_64 ... -kernel build/linux/vmlinuz -initrd ... -append "..."

A run fails (exit status 1) when it times out, never prints "hvtest: init started" or
"hvtest: done", or reports a "not ok" line.
"""
import argparse
import os
import re
import select
import statistics
import subprocess
import sys
import time

INIT_MARK = b"hvtest: init started"
DONE_MARK = b"hvtest: done"
UPTIME_RE = re.compile(rb"hvtest: uptime ([0-9.]+)")
NOT_OK_RE = re.compile(rb"(?:^|\| ?)not ok \d+")


def boot_once(cmd, timeout, log_path=None):
    """Run cmd once. Returns a dict: init_s (seconds to INIT_MARK, or None), exit_s
    (seconds to QEMU's exit, or None on timeout), status, uptime_s (the guest's uptime
    printed by /init, or None), done (DONE_MARK seen), not_ok (failing KTAP lines),
    lines ([(seconds, bytes)])."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    lines, pending = [], b""
    deadline = start + timeout
    timed_out = False
    fd = p.stdout.fileno()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([fd], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        now = time.monotonic() - start
        if not chunk:
            break
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            lines.append((now, line.rstrip(b"\r")))
    if pending:
        lines.append((time.monotonic() - start, pending))
    if timed_out:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
    status = p.wait()
    exit_s = None if timed_out else time.monotonic() - start
    p.stdout.close()

    result = {"init_s": None, "exit_s": exit_s, "status": status, "uptime_s": None,
              "done": False, "not_ok": [], "lines": lines, "timed_out": timed_out}
    for t, line in lines:
        if result["init_s"] is None and INIT_MARK in line:
            result["init_s"] = t
        m = UPTIME_RE.search(line)
        if m and result["uptime_s"] is None:
            result["uptime_s"] = float(m.group(1))
        if DONE_MARK in line:
            result["done"] = True
        if NOT_OK_RE.search(line):
            result["not_ok"].append(line.decode("utf-8", "replace"))
    if log_path:
        with open(log_path, "w") as f:
            for t, line in lines:
                f.write(f"[{t:8.3f}] {line.decode('utf-8', 'replace')}\n")
    return result


def problems(r, timeout):
    why = []
    if r["timed_out"]:
        why.append(f"timeout after {timeout} s")
    if r["init_s"] is None:
        why.append("no 'hvtest: init started'")
    if not r["done"]:
        why.append("no 'hvtest: done'")
    why += [f"failing test: {line.strip()}" for line in r["not_ok"]]
    return why


def fmt(x):
    return "-" if x is None else f"{x:.2f} s"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="boots to time (default 1)")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per boot (default 120)")
    ap.add_argument("--label", default="linux", help="what the figures are of")
    ap.add_argument("--log-dir", help="write each boot's time-stamped serial log here")
    ap.add_argument("cmd", nargs=argparse.REMAINDER, help="-- the QEMU command line")
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("give the QEMU command line after --")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    if args.log_dir:
        os.makedirs(args.log_dir, exist_ok=True)

    print(f"Linux boot, {args.label} (wall clock from QEMU's start; TCG)")
    runs, failed = [], False
    for i in range(1, args.repeat + 1):
        log = os.path.join(args.log_dir, f"boot-{i}.log") if args.log_dir else None
        r = boot_once(cmd, args.timeout, log)
        why = problems(r, args.timeout)
        print(f"  boot {i}: init started {fmt(r['init_s'])}, exit {fmt(r['exit_s'])} "
              f"(status {r['status']}), guest uptime at init {fmt(r['uptime_s'])}"
              + (f"  FAILED: {'; '.join(why)}" if why else ""), flush=True)
        if why:
            failed = True
            if log:
                print(f"  serial log: {log}")
        else:
            runs.append(r)
    for r in runs:
        # TCG's guest clock follows the host's, so this is about the time spent before
        # the kernel's clock started: firmware, loading, decompressing the kernel.
        r["before_kernel_s"] = (r["init_s"] - r["uptime_s"]
                                if r["uptime_s"] is not None else None)
    if runs:
        for key, what in (("init_s", "to init"), ("exit_s", "to power-off"),
                          ("uptime_s", "guest uptime at init"),
                          ("before_kernel_s", "before the kernel's clock (to init - uptime)")):
            xs = [r[key] for r in runs if r[key] is not None]
            if xs:
                print(f"  {what}: median {statistics.median(xs):.2f} s, "
                      f"min {min(xs):.2f} s, max {max(xs):.2f} s ({len(xs)} boots)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
