"""Boot test scenarios for tests/boot/run.py.

Declarative only: one dict per QEMU boot of hv.efi.  Keys:

  name      scenario name; results are reported as "<name>/<test>"
  smp, mem  -smp and -m of the virtual machine
  iommu     True: add "-device intel-iommu,<iommu_opts>"; False: no IOMMU
  iommu_opts  optional, default "intremap=on"
  devices   list of "-device" values (pin PCI slots with addr=, see FACTS.md)
  cmdline   hypervisor command line, written to EFI/BOOT/hv.cmdline on the ESP
  via_shell optional: boot through OVMF's UEFI shell (startup.nsh), which passes
            cmdline as UEFI load options to EFI/hv/hv.efi
  timeout   optional, seconds before the runner kills QEMU (default 60)
  qemu_args optional list of extra QEMU arguments (e.g. ["-icount", "shift=0,sleep=off"])
  expect    optional list of test names that must be reported (any result)
  expect_skip  optional list of test names that must be reported as skipped
"""

SCENARIOS = [
    {
        "name": "iommu",
        "smp": 2,
        "mem": "2G",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "selftest exit=qemu expect.cpus=2 expect.dmar=1 expect.ecam=0xb0000000",
    },
    {
        "name": "no-iommu",
        "smp": 1,
        "mem": "1G",
        "iommu": False,
        "devices": ["edu,addr=0x4"],
        "cmdline": "selftest exit=qemu expect.cpus=1 expect.dmar=0 expect.ecam=0xb0000000",
    },
    {
        # The load-options path real boot entries use; the shell's startup.nsh
        # countdown costs about 5 s.
        "name": "load-options",
        "smp": 1,
        "mem": "512M",
        "iommu": False,
        "devices": [],
        "via_shell": True,
        "cmdline": "selftest exit=qemu expect.cpus=1 expect.dmar=0 expect.ecam=0xb0000000",
    },
]
