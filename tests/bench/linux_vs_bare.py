#!/usr/bin/env python3
"""make bench: Debian's kernel and the test initramfs booted under hv beside the same
kernel and initramfs booted directly by QEMU, in one run, alternating, as ratios.

Bare: QEMU's own -kernel/-initrd boot (its firmware loads the kernel), 2 CPUs, 512 MiB.
hv: the same machine model with one CPU more (hv's service CPU 0) and the guest of 2 vCPUs
and 512 MiB, its times taken from hv's "guests: starting" line, so OVMF and hv's own boot
are left out on this side while bare QEMU's firmware stays in (the ratios lean against
hv). Also the guest's own uptime at /init (the kernel's clock, comparable on both sides),
and the exits hv counted for the guest, by kind, over the whole boot.

  tests/bench/linux_vs_bare.py --efi build/hv.efi --kernel K --initrd I --append "..." \\
      --bare-qemu "qemu-system-x86_64 ..." --out DIR [--repeat N]
"""
import argparse
import os
import re
import shlex
import shutil
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from linux_boot import boot_once, problems  # noqa: E402

START_MARK = b"guests: starting"
STOP_RE = re.compile(rb"guest linux: stopped: (.*)")
EXITS_RE = re.compile(rb"# guest linux vCPU (\d+): (\d+) exits:(.*)")
KIND_RE = re.compile(r"([a-z]+) (\d+)")


def hv_command(esp, smp):
    return ["qemu-system-x86_64", "-machine", "q35", "-cpu", "max", "-smp", str(smp),
            "-m", "2G", "-bios", "/usr/share/ovmf/OVMF.fd", "-nodefaults", "-display", "none",
            "-no-reboot", "-drive", f"file=fat:rw:{esp},format=raw", "-serial", "stdio",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]


def lay_out_esp(esp, efi, kernel, initrd, append, guest_keys=""):
    """An ESP with hv, the kernel and initrd, and one Linux guest of 2 vCPUs and 512 MiB
    (guest_keys: more of its keys, e.g. its pci line)."""
    boot = os.path.join(esp, "EFI", "BOOT")
    shutil.rmtree(esp, ignore_errors=True)
    os.makedirs(boot)
    shutil.copy(efi, os.path.join(boot, "BOOTX64.EFI"))
    shutil.copy(kernel, os.path.join(boot, "vmlinuz"))
    shutil.copy(initrd, os.path.join(boot, "initrd.gz"))
    with open(os.path.join(boot, "hv.cmdline"), "w") as f:
        f.write("exit=qemu\n")
    with open(os.path.join(boot, "hv.cfg"), "w") as f:
        f.write("[guest linux]\ncpus = 1-2\nmemory = 512M\nimage = vmlinuz\n"
                f"initrd = initrd.gz\ncmdline = {append}\n{guest_keys}")
    return esp


def since_start(r):
    """The hv run's marks, from its "guests: starting" line."""
    start = next((t for t, line in r["lines"] if START_MARK in line), None)
    stop = next((t for t, line in r["lines"] if STOP_RE.search(line)), None)
    if start is None or r["init_s"] is None or stop is None:
        return None
    return {"init_s": r["init_s"] - start, "exit_s": stop - start, "uptime_s": r["uptime_s"]}


def exits(r):
    kinds, total = {}, 0
    for _, line in r["lines"]:
        m = EXITS_RE.search(line)
        if not m:
            continue
        total += int(m.group(2))
        # "(wbinvd run N)" says how many WBINVDs hv ran: no kind of exit.
        for kind, n in KIND_RE.findall(re.sub(r"\(.*?\)", "", m.group(3).decode())):
            kinds[kind] = kinds.get(kind, 0) + int(n)
    return total, kinds


def median(runs, key):
    xs = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(xs) if xs else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--efi", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initrd", required=True)
    ap.add_argument("--append", required=True)
    ap.add_argument("--bare-qemu", required=True, help="the bare QEMU command, without -append")
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=180)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    esp = lay_out_esp(os.path.join(args.out, "esp"), args.efi, args.kernel, args.initrd,
                      args.append)
    bare_cmd = shlex.split(args.bare_qemu) + ["-append", args.append]
    hv_cmd = hv_command(esp, 3)

    print("Linux boot under hv beside bare QEMU (TCG wall clock, medians of "
          f"{args.repeat} alternating boots each)")
    bare, hv, failed = [], [], False
    for i in range(1, args.repeat + 1):
        for label, cmd, runs in (("bare", bare_cmd, bare), ("hv", hv_cmd, hv)):
            log = os.path.join(args.out, f"{label}-{i}.log")
            r = boot_once(cmd, args.timeout, log)
            why = problems(r, args.timeout)
            if label == "hv":
                t = since_start(r)
                if t is None:
                    why.append("no 'guests: starting' or no stop of guest linux")
                else:
                    t["exits"] = exits(r)
                    r = t
            if why:
                print(f"  {label} boot {i} FAILED: {'; '.join(why)} (log {log})")
                failed = True
            else:
                runs.append(r)
    if not bare or not hv:
        return 1
    for key, what in (("init_s", "to /init"), ("exit_s", "to power-off"),
                      ("uptime_s", "guest uptime at /init")):
        b, h = median(bare, key), median(hv, key)
        print(f"  {what:22s} bare {b:6.2f} s   hv {h:6.2f} s   hv/bare {h / b:.2f}x")
    totals = sorted(r["exits"][0] for r in hv)
    kinds = hv[-1]["exits"][1]
    print(f"  exits during the boot (both vCPUs, to power-off): median {statistics.median(totals)}"
          f"; last boot by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(),
                                                                            key=lambda x: -x[1])))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
