#!/usr/bin/env python3
"""make bench: how long a Linux guest's restart takes under hv, from its reset (the ACPI
reset register, `reboot -f` in /init with hvtest.reboot=1) to its next /init, with what hv
logs of each step: the release of its PCI functions, their reset (FLR) and unblocking, the
scrub of its RAM, giving the functions again, the audit, and the whole rebuild.

The guest: Debian's kernel and the devices initramfs, 2 vCPUs, 512 MiB, QEMU's nvme passed
through, on_reset = restart, restart_limit = 1 (one restart, then its second reset stops
it). Wall-clock seconds of TCG emulation: compare runs on one machine only.

  tests/bench/linux_restart.py --efi build/hv.efi --kernel K --initrd I \\
      --image build/linux/nvme.img --out DIR [--repeat N]
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linux_boot import boot_once  # noqa: E402
from linux_vs_bare import hv_command, lay_out_esp  # noqa: E402

APPEND = ("console=ttyS0 panic=-1 tsc=reliable hvtest.cpus=2 hvtest.mem=512 hvtest.nvme=1 "
          "hvtest.reboot=1")
GUEST_KEYS = "pci = 00:05.0\non_reset = restart\nrestart_limit = 1\nrestart_window = 3600\n"
NVME = "nvme,drive=nvm,serial=hvtest,addr=0x5"
RESET_MARK = b"guest linux: stopped: reset by the guest"
INIT_MARK = b"hvtest: init started"
# What hv logs of a restart's steps, in ms.
STEPS = [
    ("release", re.compile(rb"restart: \d+ PCI functions? released in (\d+) ms")),
    ("reset + unblock", re.compile(rb"functions? reset and unblocked, \d+ domains? destroyed in (\d+) ms")),
    ("scrub", re.compile(rb"restart: scrubbed \d+ MiB in (\d+) ms")),
    ("give again", re.compile(rb"restart: \d+ PCI functions? given again in (\d+) ms")),
    ("whole rebuild", re.compile(rb"restart: audited in \d+ ms; restart \d+, (\d+) ms in all")),
]


def measure(r):
    """Seconds from the first reset to the next /init, and each step's ms, or None."""
    reset = next((t for t, line in r["lines"] if RESET_MARK in line), None)
    if reset is None:
        return None
    init = next((t for t, line in r["lines"] if t > reset and INIT_MARK in line), None)
    steps = {}
    for name, pattern in STEPS:
        m = next((pattern.search(line) for _, line in r["lines"] if pattern.search(line)), None)
        if m:
            steps[name] = int(m.group(1))
    if init is None or len(steps) != len(STEPS):
        return None
    return {"reset_to_init_s": init - reset, "steps": steps}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--image", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    esp = lay_out_esp(os.path.join(args.out, "esp"), args.efi, args.kernel, args.initrd,
                      APPEND, GUEST_KEYS)
    cmd = hv_command(esp, 3) + [
        "-device", "intel-iommu,intremap=on", "-device", NVME,
        "-drive", f"if=none,id=nvm,file={os.path.abspath(args.image)},format=raw,snapshot=on"]

    print(f"Linux guest restart under hv (TCG wall clock; nvme passed through; medians of "
          f"{args.repeat})")
    runs = []
    for i in range(1, args.repeat + 1):
        log = os.path.join(args.out, f"restart-{i}.log")
        m = measure(boot_once(cmd, args.timeout, log))
        if m is None:
            print(f"  boot {i} FAILED: no reset, no /init after it, or a step not logged "
                  f"(log {log})")
            continue
        runs.append(m)
    if not runs:
        return 1
    print(f"  reset to the next /init  {statistics.median(r['reset_to_init_s'] for r in runs):6.2f} s")
    for name, _ in STEPS:
        print(f"  {name:22s}   {statistics.median(r['steps'][name] for r in runs):6.0f} ms")
    return 0 if len(runs) == args.repeat else 1


if __name__ == "__main__":
    sys.exit(main())
