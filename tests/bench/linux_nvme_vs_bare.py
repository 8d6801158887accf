#!/usr/bin/env python3
"""make bench: Linux's nvme driver on QEMU's NVMe, passed through by hv, beside the same
kernel, initramfs and device on bare QEMU, in one run, as ratios.

Both sides run tests/linux/init with hvtest.nvme=1 hvtest.bench=COUNT,MIB: bin/hvio
(tests/linux/hvio.c, static, O_DIRECT) does COUNT random 4 KiB reads, then MIB sequential
1 MiB reads, timed by the guest's clock (the TSC, which TCG runs at the host's rate on
both sides), and prints the nvme interrupts /proc/interrupts counted over each.
Bare: QEMU's -kernel boot, 2 CPUs, 512 MiB, the NVMe at 00:05.0. hv: one CPU more (hv's
service CPU 0), the IOMMU, the NVMe at 00:05.0 given to a guest of 2 vCPUs and 512 MiB.
Exits per device interrupt: hv prints the guest's exits by kind at its end, for the whole
boot; a second hv boot without hvtest.bench does everything else the same, so the
difference is what the I/O added (its interrupts' exits, and the timer's and idle exits of
the time it took), divided by the interrupts hvio counted.

  tests/bench/linux_nvme_vs_bare.py --efi build/hv.efi --kernel K --initrd I \\
      --image build/linux/nvme.img --out DIR [--repeat N] [--count 2000] [--mib 64]
"""
import argparse
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linux_boot import boot_once, problems  # noqa: E402
from linux_vs_bare import exits, hv_command, lay_out_esp  # noqa: E402

PCI_KEY = "pci = 00:05.0\n"

HVIO_RE = re.compile(rb"hvio: (randread|seqread) \d+ x \d+ B ns (\d+) rate (\d+) \S+ irqs (\d+)")
APPEND = "console=ttyS0 panic=-1 tsc=reliable hvtest.cpus=2 hvtest.mem=512 hvtest.nvme=1"
NVME = "nvme,drive=nvm,serial=hvtest,addr=0x5"


def drive(image):
    return ["-drive", f"if=none,id=nvm,file={os.path.abspath(image)},format=raw,snapshot=on"]


def hvio(r):
    """{kind: {"rate": R, "irqs": I, "ns": N}} from the hvio lines of one boot."""
    found = {}
    for _, line in r["lines"]:
        m = HVIO_RE.search(line)
        if m:
            found[m.group(1).decode()] = {"ns": int(m.group(2)), "rate": int(m.group(3)),
                                          "irqs": int(m.group(4))}
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True, help="the initramfs with nvme and bin/hvio")
    ap.add_argument("--image", required=True, help="the namespace's raw image")
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--count", type=int, default=2000, help="random 4 KiB reads")
    ap.add_argument("--mib", type=int, default=64, help="sequential 1 MiB reads")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    if args.repeat < 1 or args.count < 1 or args.mib < 1:
        ap.error("--repeat, --count and --mib must be at least 1")
    os.makedirs(args.out, exist_ok=True)
    bench_append = f"{APPEND} hvtest.bench={args.count},{args.mib}"
    esp_bench, esp_idle = os.path.join(args.out, "esp-bench"), os.path.join(args.out, "esp-idle")
    lay_out_esp(esp_bench, args.efi, args.kernel, args.initrd, bench_append, PCI_KEY)
    lay_out_esp(esp_idle, args.efi, args.kernel, args.initrd, APPEND, PCI_KEY)
    devices = drive(args.image) + ["-device", NVME]
    bare_cmd = ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", "2", "-m", "512",
                "-nodefaults", "-serial", "stdio", "-display", "none", "-no-reboot",
                "-kernel", args.kernel, "-initrd", args.initrd] + devices + ["-append", bench_append]
    iommu = ["-device", "intel-iommu,intremap=on"]
    hv_bench = hv_command(esp_bench, 3) + iommu + devices
    hv_idle = hv_command(esp_idle, 3) + iommu + devices

    print(f"Linux's nvme driver under hv beside bare QEMU (TCG; O_DIRECT, {args.count} random "
          f"4 KiB reads, {args.mib} sequential 1 MiB reads; medians of {args.repeat})")
    runs = {"bare": [], "hv": [], "idle": []}
    failed = False
    for i in range(1, args.repeat + 1):
        for label, cmd in (("bare", bare_cmd), ("hv", hv_bench), ("idle", hv_idle)):
            log = os.path.join(args.out, f"{label}-{i}.log")
            r = boot_once(cmd, args.timeout, log)
            why = problems(r, args.timeout)
            r["hvio"] = hvio(r)
            if label != "idle" and sorted(r["hvio"]) != ["randread", "seqread"]:
                why.append("no hvio randread and seqread lines")
            if label != "bare":
                r["exits"] = exits(r)
                if not r["exits"][0]:
                    why.append("no exit counts from hv")
            if why:
                print(f"  {label} boot {i} FAILED: {'; '.join(why)} (log {log})")
                failed = True
            else:
                runs[label].append(r)
    if not runs["bare"] or not runs["hv"]:
        return 1

    def med(label, kind, key):
        return statistics.median(r["hvio"][kind][key] for r in runs[label])

    for kind, what, unit in (("randread", "4 KiB random read", "IOPS"),
                             ("seqread", "1 MiB sequential read", "MiB/s")):
        b, h = med("bare", kind, "rate"), med("hv", kind, "rate")
        scale = 1024 if unit == "MiB/s" else 1
        print(f"  {what:22s} bare {b / scale:8.1f} {unit}   hv {h / scale:8.1f} {unit}   "
              f"hv/bare {h / b:.2f}x   (interrupts: bare {med('bare', kind, 'irqs'):.0f}, "
              f"hv {med('hv', kind, 'irqs'):.0f})")
    if runs["idle"]:
        irqs = statistics.median(sum(k["irqs"] for k in r["hvio"].values()) for r in runs["hv"])
        added = statistics.median(r["exits"][0] for r in runs["hv"]) \
            - statistics.median(r["exits"][0] for r in runs["idle"])
        kinds_bench, kinds_idle = runs["hv"][-1]["exits"][1], runs["idle"][-1]["exits"][1]
        diff = {k: kinds_bench.get(k, 0) - kinds_idle.get(k, 0)
                for k in set(kinds_bench) | set(kinds_idle)}
        print(f"  exits the I/O added (boot with the bench less one without): {added:.0f} over "
              f"{irqs:.0f} nvme interrupts = {added / max(irqs, 1):.2f} exits per interrupt; "
              "last pair by kind: " + ", ".join(f"{k} {n:+d}" for k, n in
                                               sorted(diff.items(), key=lambda x: -abs(x[1]))
                                               if n))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
