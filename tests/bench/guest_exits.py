#!/usr/bin/env python3
"""Guest exit costs under QEMU (make bench): the round trip of a CPUID exit, in the
guest's TSC cycles, the exits a LAPIC timer interrupt costs the guest, and a passthrough
edu's MSI in the guest (latency from the raise to the handler, exits per interrupt), from
the test guest's bench mode under hv; compare the latency with the host's (irq_latency.py). Run under -icount shift=0,sleep=off, so the
figures count emulated instructions (1 ns each) and do not depend on host load.

  tests/bench/guest_exits.py --efi build/hv.efi --guest build/guest/test-guest.elf
"""
import argparse
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "boot"))
import run  # noqa: E402  (tests/boot/run.py)

BENCH_RE = re.compile(r"# bench (\w+) (.*)$")
CONFIG = ("[guest bench]\ncpus = 1\nmemory = 32M\nimage = test-guest.elf\ncmdline = bench\n"
          "pci = 00:04.0\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True)
    ap.add_argument("--guest", required=True)
    ap.add_argument("--out", default="build/bench/guest")
    args = ap.parse_args()

    scn = {
        "name": "guest-exits",
        "smp": 2,
        "mem": "512M",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": CONFIG, "test-guest.elf": "@" + args.guest},
        "qemu_args": ["-icount", "shift=0,sleep=off"],
        "timeout": 300,
        "guest_ktap": ["bench"],
        "expect_pass": ["guest_bench", "bench/guest_cpuid_exit", "bench/guest_timer_exits",
                        "bench/guest_device_irq"],
    }
    _, report, ok = run.run_scenario(scn, args.efi, args.out, None)
    if not ok:
        print(report)
        return 1
    with open(os.path.join(args.out, scn["name"], "serial.log"), "rb") as f:
        text = f.read().decode("utf-8", "replace")
    _, guests = run.split_streams(text)
    print("guest exits under hv (SVM, QEMU TCG, -icount shift=0: 1 ns per emulated instruction)")
    for line in guests.get("bench", "").splitlines():
        m = BENCH_RE.match(line)
        if m:
            print(f"  {m.group(1)}: {m.group(2)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
