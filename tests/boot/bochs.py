#!/usr/bin/env python3
"""Boot tests in Bochs (the lane with Intel VT-x, x2APIC and no UEFI): hv.elf by GRUB's
multiboot2 from an ISO, once per scenario, judged like the QEMU boot tests (run.py's
KTAP parser) plus Bochs's exit status.

  tests/boot/bochs.py --elf build/hv.elf --out build/boot-bochs [--scenario NAME ...]
                      [--guest-elf build/guest/test-guest.elf] [--results FILE]
                      [--kernel build/linux/vmlinuz --initrd build/linux/initramfs.cpio.gz]

Bochs ends with status 0 when hv writes 'D' to port 0x8900 (exit=bochs on success: the
debugger breaks in and reads `quit` from the -rc file) and 1 when hv writes "Shutdown"
there (failure), and also on a triple fault or a panic. Results are
"pass|fail|skip bochs-<scenario>/<test>[ # reason]" (tests/summary.py).
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run  # noqa: E402  (tests/boot/run.py: parse_ktap, judge)
import scenarios  # noqa: E402  (tests/boot/scenarios.py: GUEST_TESTS)

BIOS = "/usr/share/bochs/BIOS-bochs-latest"
VGABIOS = "/usr/share/vgabios/vgabios.bin"
TIMEOUT = 120
# The selftest suites that need no VT-d (Bochs has no DMAR) nor edu devices; PCI goes
# through ports 0xCF8/0xCFC (no MCFG).
SUITES = "platform,pci,cpu,memory"

SCENARIOS = [
    {
        # The command line from GRUB, four CPUs started through the x2APIC.
        "name": "bochs-selftest",
        "cpus": 4,
        "cmdline": f"selftest={SUITES} exit=bochs expect.cpus=4",
        "status": 0,
        "expect_pass": ["acpi_checksums", "madt_cpu_count", "lapic_is_in_madt",
                        "firmware_dma_quiesced", "exception_caught", "time_source",
                        "smp_all_cpus_online", "smp_ipi_per_cpu_data", "memmap_sanity",
                        "paging_text_read_only"],
        "expect_skip": ["mcfg_ecam_base"],
        "expect_log": [r"boot: multiboot2, loaded at 0x200000, RSDP from tag 14",
                       r"acpi: RSDP rev 0, RSDT with \d+ tables: FACP APIC",
                       r"lapic: BSP APIC ID 0, x2APIC mode",
                       r"smp: 4 of 4 CPUs online",
                       r"mcfg: no ECAM window: PCI through ports 0xcf8/0xcfc",
                       r"8086:1237 \[060000\]",  # the i440FX, found through the ports
                       r"PCI bus masters quiesced",
                       r"boot: wall clock 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d \(CMOS RTC\)",
                       r"hypervisor .* 8 KiB"],  # the AP trampoline below 640 KiB
    },
    {
        # No command line: the options come from the module named hv.cfg.
        "name": "bochs-config",
        "cpus": 2,
        "cmdline": "",
        "modules": {"hv.cfg": "[hv]\nselftest = cpu\nexit = bochs\n"},
        "status": 0,
        "expect_pass": ["smp_all_cpus_online"],
        "expect_log": [r"boot: module 0x[0-9a-f]+-0x[0-9a-f]+ 'hv.cfg'",
                       r"config: hv.cfg, \d+ bytes"],
    },
    {
        # A failure must end Bochs with status 1 (and config= names the module).
        "name": "bochs-failure",
        "cpus": 1,
        "cmdline": "config=lane.cfg",
        "modules": {"lane.cfg": "[hv]\nselftest = nosuch\nexit = bochs\n"},
        "status": 1,
        "expect_fail": ["selftest_selection"],
        "expect_log": [r"config: lane.cfg, \d+ bytes"],
    },
]


# The test guest from module2 files, run under hv's VT-x backend (EPT, VPID, unrestricted
# guest) with two vCPUs on CPUs 1-2 (the second started by INIT/SIPI in real mode): every
# test of its KTAP must pass (run.py's guest_ktap) and hv end with success. vCPU 0 switches
# to x2APIC mode (guest_x2apic: its EOIs and timer without exits) and starts vCPU 1, an
# xAPIC, through the x2APIC's ICR. Once per CPU
# model: Skylake-X (EPT and paging with 1G leaves) and Ivy Bridge (neither: the guest's
# entry tables then use 2M pages).
def guest_scenarios(guest_elf):
    def scenario(name, model, ept):
        return {
            "name": name,
            "cpus": 3,
            "model": model,
            "cmdline": "exit=bochs",
            "modules": {"hv.cfg": "[guest alpha]\ncpus = 1-2\nmemory = 16M\n"
                                  "image = test-guest.elf\n"},
            "files": {"test-guest.elf": guest_elf},
            "status": 0,
            "guest_ktap": ["alpha"],
            "expect_pass": ["guest_alpha"] + [f"alpha/{t}" for t in scenarios.GUEST_TESTS]
                           + [f"alpha/{scenarios.X2APIC_TEST}"],
            "expect_log": [r"boot: module 0x[0-9a-f]+-0x[0-9a-f]+ 'test-guest.elf'",
                           r"guest alpha: vCPU 0: x2APIC mode",
                           rf"vmx: EPT {ept}, VPID, unrestricted guest",
                           r"guests: starting 1 \(vCPU backend vmx\)",
                           r"vmx: VMXON on CPU 1 ", r"vmx: VMXON on CPU 2 "],
        }
    # A CPU whose VT-x lacks what hv needs (Lynnfield: no unrestricted guest) is refused
    # by name, and the guest with it.
    refused = {
        "name": "bochs-guest-refused",
        "cpus": 2,
        "model": "corei5_lynnfield_750",
        "cmdline": "exit=bochs",
        "modules": {"hv.cfg": "[guest alpha]\ncpus = 1\nmemory = 16M\nimage = test-guest.elf\n"},
        "files": {"test-guest.elf": guest_elf},
        "status": 1,
        "expect_fail": ["guest_config"],
        "expect_log": [r"vmx: the CPU lacks unrestricted-guest: no VT-x backend",
                       r"guest alpha: no vCPU backend for this CPU"],
    }
    # The test guest's odd and reserved MSRs (hostile=msr), each #GP in the guest: what the
    # MSR bitmap lets through under VMX reaches nothing of the host's.
    hostile_msr = {
        "name": "bochs-hostile-msr",
        "cpus": 3,
        "cmdline": "exit=bochs",
        "modules": {"hv.cfg": "[guest hostile]\ncpus = 1-2\nmemory = 32M\n"
                              "image = test-guest.elf\ncmdline = hostile=msr\n"},
        "files": {"test-guest.elf": guest_elf},
        "status": 0,
        "guest_ktap": ["hostile"],
        "expect_pass": ["guest_hostile"]
                       + [f"hostile/{t}" for t in scenarios.HOSTILE_TESTS["msr"]],
        "forbid_log": scenarios.HV_HALTS,
    }
    # hv faulting while it handles a VMX exit (test.exit_fault): recovered, the guest
    # stopped as failed, hv on to its success.
    exit_fault = {
        "name": "bochs-exit-fault",
        "cpus": 3,
        "cmdline": "exit=bochs test.exit_fault expect.guest_failure=hostile",
        "modules": {"hv.cfg": "[guest hostile]\ncpus = 1-2\nmemory = 32M\n"
                              "image = test-guest.elf\ncmdline = hostile=exit_fault\n"},
        "files": {"test-guest.elf": guest_elf},
        "status": 0,
        "expect_pass": ["guest_hostile"],
        "forbid_log": scenarios.HV_HALTS,
        "max_log_lines": {r"exception on APIC ID \d+, recovered": 1},
        "expect_sequence": [r"exception on APIC ID \d+, recovered",
                            r"^(?!hostile\|).*\bguest hostile\b.*exception",
                            r"^(?!hostile\|).*\bguest hostile: stopped"],
    }
    # One guest fed garbage (a triple fault under VMX) stopped alone, the other passing.
    bad_elf = os.path.join(os.path.dirname(guest_elf), "bad-guest.elf")
    crash = {
        "name": "bochs-guest-crash",
        "cpus": 4,
        "cmdline": "exit=bochs expect.guest_failure=bad",
        "modules": {"hv.cfg": "[guest bad]\ncpus = 1\nmemory = 16M\nimage = bad-guest.elf\n\n"
                              "[guest good]\ncpus = 2-3\nmemory = 16M\nimage = test-guest.elf\n"},
        "files": {"test-guest.elf": guest_elf, "bad-guest.elf": bad_elf},
        "status": 0,
        "guest_ktap": ["good"],
        "expect_pass": ["guest_bad", "guest_good"] + [f"good/{t}" for t in scenarios.GUEST_TESTS],
        "expect_log": [r"guest bad: stopped: triple fault"],
        "forbid_log": scenarios.HV_HALTS,
    }
    # A guest that crashes is built again in place under VMX (its vCPU's VMCS and bitmaps
    # reused), its RAM scrubbed, beside a guest that runs on: the QEMU lane's guest-scrub.
    restart = {
        "name": "bochs-guest-restart",
        "cpus": 4,
        "cmdline": "exit=bochs expect.guest_failure=secret",
        "modules": {"hv.cfg": "[guest secret]\ncpus = 1\nmemory = 16M\nimage = test-guest.elf\n"
                              "cmdline = secret=271828\non_crash = restart\nrestart_limit = 1\n"
                              "restart_window = 3600\n\n"
                              "[guest good]\ncpus = 2-3\nmemory = 16M\nimage = test-guest.elf\n"},
        "files": {"test-guest.elf": guest_elf},
        "status": 0,
        "guest_ktap": ["good"],
        "expect_pass": ["guest_secret", "guest_good"] + [f"good/{t}" for t in scenarios.GUEST_TESTS],
        "expect_sequence": [r"^secret\| # secret: the last page reads zero",
                            r"guest secret: stopped: triple fault",
                            r"guest secret: restart 1 \(at most 1 in 3600 s\)",
                            r"^secret\| # secret: the last page reads zero",
                            r"guest secret: restart: restart budget spent: it stays stopped"],
        "forbid_log": [r"NOT scrubbed"] + scenarios.HV_HALTS,
    }
    # The QEMU lane's configuration with errors on five lines, each named, nothing run.
    config_refused = {
        "name": "bochs-config-refused",
        "cpus": 2,
        "cmdline": "exit=bochs",
        "modules": {"hv.cfg": scenarios.BAD_CONFIG},
        "files": {"test-guest.elf": guest_elf},
        "status": 1,
        "expect_fail": ["guest_config"],
        "expect_log": [r"hv\.cfg:2: .*color", r"hv\.cfg:4: .*CPU 0", r"hv\.cfg:8: .*CPU 1 .*guest",
                       r"hv\.cfg:9: .*memory", r"hv\.cfg:10: .*missing\.elf", r"nothing runs"],
    }
    return [scenario("bochs-guest", "corei7_skylake_x", "2M/1G"),
            scenario("bochs-guest-ivb", "corei7_ivy_bridge_3770k", "2M"), refused, hostile_msr,
            exit_fault, crash, restart, config_refused]


# Debian's kernel under VMX: 2 vCPUs, its /init's tests (tests/linux/init), power-off, in
# about 3.5 minutes (most of it decompressing the kernel). An Intel CPU makes Linux take paths
# QEMU's AMD never does (verify_cpu's MISC_ENABLE, the microcode revision, CPUID.1 OSXSAVE
# after it gives up on Bochs's XSAVE layout); every MSR it reads or writes unguarded must be
# answered (Linux logs "unchecked MSR access" for one that is not).
def linux_scenario(kernel, initrd):
    tests = [t for t in scenarios.LINUX_TESTS if t != "pci_device"]
    return {
        "name": "bochs-linux",
        "cpus": 3,
        "megs": 512,
        "timeout": 600,
        "cmdline": "exit=bochs",
        "modules": {"hv.cfg": "[guest linux]\ncpus = 1-2\nmemory = 160M\nimage = vmlinuz\n"
                              "initrd = initrd.gz\ncmdline = " + scenarios.LINUX_CMDLINE
                              + " hvtest.cpus=2 hvtest.mem=160\n"},
        "files": {"vmlinuz": kernel, "initrd.gz": initrd},
        "status": 0,
        "guest_ktap": ["linux"],
        "expect_pass": ["guest_linux"] + [f"linux/{t}" for t in tests],
        "expect_log": [r"guests: starting 1 \(vCPU backend vmx\)",
                       r"guest linux: PM timer: the host's at port 0x[0-9a-f]+, read directly",
                       r"^linux\| hvtest: done", r"guest linux: stopped: powered off \(ACPI S5\)"],
        "forbid_log": [r"^linux\| .*(Kernel panic|traps: |unchecked MSR)"],
    }


def bochsrc(scn, iso, serial, log):
    return "\n".join([
        f"megs: {scn.get('megs', 256)}",
        f"cpu: model={scn.get('model', 'corei7_skylake_x')}, count={scn['cpus']}, ips=4000000,"
        " reset_on_triple_fault=0",
        f"romimage: file={BIOS}, options=fastboot",
        f"vgaromimage: file={VGABIOS}",
        'display_library: rfb, options="timeout=0"',
        "boot: cdrom",
        f"ata0-master: type=cdrom, path={iso}, status=inserted",
        f"com1: enabled=1, mode=file, dev={serial}",
        "panic: action=fatal",
        "speaker: enabled=0",
        "sound: driver=dummy",
        "clock: sync=none",
        f"log: {log}",
        "",
    ])


def make_iso(scn, elf, work):
    root = os.path.join(work, "iso")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "boot", "grub"))
    shutil.copy(elf, os.path.join(root, "hv.elf"))
    lines = ["set timeout=0", "set default=0", 'menuentry "hv" {',
             f"\tmultiboot2 /hv.elf {scn['cmdline']}"]
    for name, text in scn.get("modules", {}).items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
        lines.append(f"\tmodule2 /{name} {name}")
    for name, path in scn.get("files", {}).items():
        shutil.copy(path, os.path.join(root, name))
        lines.append(f"\tmodule2 /{name} {name}")
    lines += ["\tboot", "}", ""]
    with open(os.path.join(root, "boot", "grub", "grub.cfg"), "w") as f:
        f.write("\n".join(lines))
    iso = os.path.join(work, "hv.iso")
    subprocess.run(["grub-mkrescue", "-o", iso, root], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return iso


def judge(scn, ktap, status, timed_out, log_text, guest_ktaps=None):
    # run.judge() reads QEMU's statuses; Bochs's are mapped onto them.
    qemu_status = {0: run.EXIT_PASS, 1: run.EXIT_FAIL}.get(status, 255)
    results, problems = run.judge(scn, ktap, qemu_status, timed_out, scn.get("timeout", TIMEOUT),
                                  guest_ktaps=guest_ktaps, log_text=log_text)
    if not timed_out and status != scn["status"]:
        results.append(("fail", f"{scn['name']}/(exit)",
                        f"Bochs exit status {status}, expected {scn['status']}"))
    return results


def run_scenario(scn, elf, out):
    work = os.path.join(out, scn["name"])
    os.makedirs(work, exist_ok=True)
    serial, log = os.path.join(work, "serial.log"), os.path.join(work, "bochs.log")
    for p in (serial, log):
        if os.path.exists(p):
            os.remove(p)
    iso = make_iso(scn, elf, work)
    rc_path, cfg_path = os.path.join(work, "rc"), os.path.join(work, "bochsrc")
    with open(rc_path, "w") as f:
        f.write("c\nquit\n")
    with open(cfg_path, "w") as f:
        f.write(bochsrc(scn, iso, serial, log))
    start, timed_out, status = time.monotonic(), False, None
    # rfb listens on TCP 5900+: a network namespace of its own keeps it private.
    cmd = ["unshare", "-n", "bochs", "-q", "-f", cfg_path, "-rc", rc_path]
    with open(os.path.join(work, "stdout.log"), "w") as so:
        try:
            status = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=subprocess.STDOUT,
                                    timeout=scn.get("timeout", TIMEOUT)).returncode
        except subprocess.TimeoutExpired:
            timed_out = True
    seconds = time.monotonic() - start
    try:
        with open(serial, encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        text = ""
    # The guests' lines (prefixed with their name) are KTAP streams of their own.
    own, guest_text = run.split_streams(text)
    guest_ktaps = {g: run.parse_ktap(t) for g, t in guest_text.items()}
    results = judge(scn, run.parse_ktap(own), status, timed_out, text, guest_ktaps)
    failed = [r for r in results if r[0] == "fail"]
    print(f"{'FAIL' if failed else 'PASS'} {scn['name']}: {len(results)} results, "
          f"{len(failed)} failed, Bochs status {status} ({seconds:.1f} s)")
    for kind, name, reason in failed:
        print(f"  fail {name}: {reason}")
    if failed:
        print("  serial log tail:\n" + "".join(f"    {l}\n" for l in text.splitlines()[-20:]))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--elf", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--scenario", action="append")
    ap.add_argument("--guest-elf", help="the test guest (build/guest/test-guest.elf)")
    ap.add_argument("--results")
    ap.add_argument("--kernel", help="a Linux bzImage (build/linux/vmlinuz)")
    ap.add_argument("--initrd", help="its initramfs (build/linux/initramfs.cpio.gz)")
    args = ap.parse_args()
    known = SCENARIOS + (guest_scenarios(args.guest_elf) if args.guest_elf else [])
    if args.kernel and args.initrd:
        known.append(linux_scenario(args.kernel, args.initrd))
    chosen = [s for s in known if not args.scenario or s["name"] in args.scenario]
    if not chosen:
        print("bochs.py: no such scenario", file=sys.stderr)
        return 2
    results = []
    for scn in chosen:
        results += run_scenario(scn, args.elf, args.out)
    if args.results:
        with open(args.results, "w") as f:
            for kind, name, reason in results:
                f.write(f"{kind} {name}" + (f" # {reason}" if reason else "") + "\n")
    return 1 if any(r[0] == "fail" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
