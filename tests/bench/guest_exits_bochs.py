#!/usr/bin/env python3
"""Guest exit costs under Bochs (make bench, the VMX lane): the test guest's bench mode
under hv's VT-x backend on a Skylake-X model, hv's LAPIC in x2APIC mode. The round trip
of a CPUID exit beside two TSC reads without one, and the exits per LAPIC timer interrupt
with the guest's LAPIC an xAPIC (its EOI an MMIO write to the trapped page) and then an
x2APIC (its EOI an MSR write straight to the hardware), in one run. Bochs's TSC counts
emulated instructions (ips=4000000), so cycles are instructions, not host time; compare
with guest_exits.py's SVM figures under QEMU -icount (also instructions).

  tests/bench/guest_exits_bochs.py --elf build/hv.elf --guest build/guest/test-guest.elf
"""
import argparse
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import bochs  # noqa: E402  (tests/boot/bochs.py)
import run  # noqa: E402  (tests/boot/run.py)

BENCH_RE = re.compile(r"# bench (\w+) (.*)$")
PER_INTERRUPT_RE = re.compile(r"per_interrupt=([\d.]+)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elf", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--out", default="build/bench/guest-bochs")
    args = ap.parse_args()

    scn = {
        "name": "guest-exits-bochs",
        "cpus": 2,
        "model": "corei7_skylake_x",
        "cmdline": "exit=bochs",
        "modules": {"hv.cfg": "[guest bench]\ncpus = 1\nmemory = 16M\n"
                              "image = test-guest.elf\ncmdline = bench\n"},
        "files": {"test-guest.elf": args.guest},
        "status": 0,
        "guest_ktap": ["bench"],
        "expect_pass": ["guest_bench", "bench/guest_cpuid_exit", "bench/guest_timer_exits",
                        "bench/guest_timer_exits_x2apic"],
    }
    results = bochs.run_scenario(scn, args.elf, args.out)
    if any(kind == "fail" for kind, _, _ in results):
        return 1
    with open(os.path.join(args.out, scn["name"], "serial.log"), "rb") as f:
        text = f.read().decode("utf-8", "replace")
    _, guests = run.split_streams(text)
    figures = {}
    print("guest exits under hv (VMX, Bochs 2.7 Skylake-X, hv's LAPIC in x2APIC mode; "
          "cycles are emulated instructions)")
    for line in guests.get("bench", "").splitlines():
        m = BENCH_RE.match(line)
        if m:
            figures[m.group(1)] = m.group(2)
            print(f"  {m.group(1)}: {m.group(2)}")
    xapic = PER_INTERRUPT_RE.search(figures.get("guest_timer_exits", ""))
    x2apic = PER_INTERRUPT_RE.search(figures.get("guest_timer_exits_x2apic", ""))
    if xapic and x2apic:
        print(f"  exits per timer interrupt: x2APIC {x2apic.group(1)} beside xAPIC "
              f"{xapic.group(1)} in the same run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
