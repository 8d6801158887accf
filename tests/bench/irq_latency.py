#!/usr/bin/env python3
"""Interrupt latency under QEMU (make bench): edu raise to handler entry, in TSC
cycles under -icount shift=0,sleep=off (virtual nanoseconds, independent of host
load), with interrupt remapping on and off, and their ratio.

  tests/bench/irq_latency.py --efi build/hv.efi --out build/bench/irq
"""
import argparse
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import run  # noqa: E402  (tests/boot/run.py)

LINE_RE = re.compile(r"# bench irq_latency remap=(\w+) cpu=(\d+) samples=(\d+) "
                     r"min=(\d+) median=(\d+) max=(\d+) cycles")


def scenario(remap):
    return {
        "name": f"irq-latency-remap-{remap}",
        "smp": 1,
        "mem": "512M",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": f"selftest=irqbench exit=qemu intremap={remap}",
        "qemu_args": ["-icount", "shift=0,sleep=off"],
        "timeout": 180,
        "expect_pass": ["irq_latency"],
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True)
    ap.add_argument("--out", default="build/bench/irq")
    args = ap.parse_args()

    figures = {}
    for remap in ("on", "off"):
        scn = scenario(remap)
        _, report, ok = run.run_scenario(scn, args.efi, args.out, None)
        if not ok:
            print(report)
            return 1
        with open(os.path.join(args.out, scn["name"], "serial.log"), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for m in LINE_RE.finditer(text):
            figures[(m.group(1), int(m.group(2)))] = tuple(int(x) for x in m.group(3, 4, 5, 6))

    print("interrupt latency, edu raise -> handler entry (TSC cycles = virtual ns, -icount shift=0)")
    print(f"  {'remapping':<10} {'cpu':>3} {'samples':>7} {'min':>7} {'median':>7} {'max':>7}")
    for (remap, cpu), (n, lo, med, hi) in sorted(figures.items()):
        print(f"  {remap:<10} {cpu:>3} {n:>7} {lo:>7} {med:>7} {hi:>7}")
    for cpu in sorted({c for _, c in figures}):
        on, off = figures.get(("on", cpu)), figures.get(("off", cpu))
        if on and off:
            print(f"  cpu {cpu}: median with remapping / without = {on[2] / off[2]:.2f}")
    print("  (under -icount the remapping itself costs no virtual time: QEMU does it in host"
          " code, so the figures count the instructions on the CPU's path)")
    if not figures:
        print("no figures printed by the hypervisor")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
