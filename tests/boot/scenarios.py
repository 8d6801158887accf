"""Boot test scenarios for tests/boot/run.py.

Declarative only: one dict per QEMU boot of hv.efi.  Keys:

  name      scenario name; results are reported as "<name>/<test>"
  smp, mem  -smp and -m of the virtual machine
  iommu     True: add "-device intel-iommu,<iommu_opts>"; False: no IOMMU
  iommu_opts  optional, default "intremap=on"
  devices   list of "-device" values (pin PCI slots with addr=; q35 itself holds
            00:00.0 and 00:1f.0/2/3)
  cmdline   hypervisor command line, written to EFI/BOOT/hv.cmdline on the ESP
  via_shell optional: boot through OVMF's UEFI shell (startup.nsh), which passes
            cmdline as UEFI load options to EFI/hv/hv.efi
  disk_image optional: boot this disk image file (relative to the repository root;
            the Makefile builds it) instead of an ESP directory; hv.efi, hv.cmdline
            and hv.cfg are the image's, so cmdline and esp are left out; QEMU runs it
            with snapshot=on, so the file stays as built
  timeout   optional, seconds before the runner kills QEMU (default 60)
  esp       optional {path: content}: files beside hv.efi (EFI/BOOT/path); a content
            "@FILE" copies FILE (relative to the repository root)
  guest_ktap optional list of guests (by name) whose KTAP, printed through hv's
            virtual UART as "NAME| ...", must be complete; their results are reported
            as "<scenario>/<guest>/<test>" (other guests' results are reported too)
  expect_fail optional list of tests that must be reported as failed (they then count
            as passed: the scenario provokes the failure)
  expect_log optional list of regular expressions each of which some serial line must
            match (ANSI escapes removed)
  qemu_args optional list of extra QEMU arguments (e.g. ["-icount", "shift=0,sleep=off"])
  forbid_log optional list of regular expressions no serial line may match
  max_guest_lines optional {guest: N}: at most N serial lines with that guest's
            "NAME| " prefix
  max_log_lines optional {regex: N}: at most N serial lines match regex (e.g. hv's
            own lines about one guest)
  expect_sequence optional list of regular expressions matched by serial lines in
            that order, each on a line after the previous one's
  expect    optional list of test names that must be reported (any result)
  expect_skip  optional list of test names that must be reported as skipped
  expect_pass  optional list of test names that must run (a skip is a failure)
"""

SCENARIOS = [
    {
        "name": "iommu",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "selftest=platform,pci,memory,cpu exit=qemu expect.cpus=4 expect.dmar=1 expect.ecam=0xb0000000"
                   " expect.units=all expect.group=00:04.0 expect.alias=00:04.0>00:04.0"
                   " expect.group=00:1f.0,00:1f.2,00:1f.3",
        "expect_pass": ["madt_cpu_count", "dmar_presence", "pci_groups", "pci_units",
                        "time_source", "smp_all_cpus_online", "smp_ipi_per_cpu_data"],
    },
    {
        # The topologies whose IOMMU groups and DMA aliases matter. OVMF numbers
        # the buses depth-first by slot: the pcie-pci-bridge at 00:05.0 gets
        # bus 1, the root port at 00:07.0 bus 2.
        #  - two edu behind a PCIe-to-PCI bridge: one group with the bridge, and
        #    the IOMMU sees both as (bus 1, 00.0);
        #  - a multifunction device without ACS (two edu functions): one group;
        #  - edu behind a pcie-root-port, whose ACS hv turns on: alone;
        #  - edu on the root bus: alone.
        "name": "pci-topology",
        "smp": 4,
        "mem": "1G",
        "iommu": True,
        "devices": [
            "edu,addr=0x4",
            "pcie-pci-bridge,id=br1,bus=pcie.0,addr=0x5",
            "edu,bus=br1,addr=0x1",
            "edu,bus=br1,addr=0x2",
            "edu,addr=0x6.0,multifunction=on",
            "edu,addr=0x6.1",
            "pcie-root-port,id=rp1,bus=pcie.0,addr=0x7,chassis=1",
            "edu,bus=rp1,addr=0x0",
        ],
        "cmdline": "selftest=platform,pci,memory,cpu exit=qemu expect.cpus=4 expect.dmar=1 expect.units=all"
                   " expect.group=00:05.0,01:01.0,01:02.0"
                   " expect.alias=01:01.0>01:00.0 expect.alias=01:02.0>01:00.0"
                   " expect.group=00:06.0,00:06.1 expect.group=00:04.0"
                   " expect.group=02:00.0",
        "expect_pass": ["pci_groups", "pci_dma_aliases", "pci_units"],
    },
    {
        "name": "no-iommu",
        "smp": 1,
        "mem": "1G",
        "iommu": False,
        "devices": ["edu,addr=0x4"],
        "cmdline": "selftest=platform,pci,memory,cpu exit=qemu expect.cpus=1 expect.dmar=0 expect.ecam=0xb0000000"
                   " expect.group=00:04.0 expect.alias=00:04.0>00:04.0",
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
        "cmdline": "selftest=platform,pci,memory,cpu exit=qemu expect.cpus=1 expect.dmar=0 expect.ecam=0xb0000000",
    },
    # DMA remapping with the hypervisor's own DMA API, on the matrix of
    # address widths (3- and 4-level tables) and caching mode. Two edu are
    # driven through their own domains, a third is owned by nobody.
] + [
    {
        "name": f"dma-aw{aw}-cm-{cm}",
        "smp": 2,
        "mem": "6G",
        "iommu": True,
        "iommu_opts": f"intremap=on,aw-bits={aw},caching-mode={cm}",
        "devices": ["edu,addr=0x4", "edu,addr=0x5", "edu,addr=0x6"],
        "cmdline": "selftest=dma exit=qemu",
        "expect_pass": ["dma_no_bounce_buffer", "dma_scattered_pages_contiguous",
                        "dma_unmapped_iova_faults", "dma_unmap_then_fault",
                        "dma_domains_isolated", "dma_unowned_device_faults", "dma_quarantine",
                        "dma_gib_with_1g_leaves"],
    }
    for aw in (39, 48) for cm in ("off", "on")
]

# Interrupt remapping: two edu whose DMA engines may write anywhere (the
# forged-request tests aim them at 0xFEEx_xxxx), on four CPUs.
IRQ_TESTS = ["irq_msi_arrives_on_chosen_cpu", "irq_route_refuses_bad_destinations",
             "irq_msi_migrates",
             "irq_foreign_handle_msi_not_delivered", "irq_bad_handles_not_delivered",
             "irq_fault_event_on_service_cpu", "irq_ioapic_pin_remapped"]
SCENARIOS += [
    {
        "name": "irq",
        "smp": 4,
        "mem": "1G",
        "iommu": True,
        "devices": ["edu,addr=0x4,dma_mask=0xffffffffffffffff",
                    "edu,addr=0x5,dma_mask=0xffffffffffffffff"],
        "cmdline": "selftest=irq exit=qemu irt.entries=256",
        "timeout": 90,
        "expect_pass": IRQ_TESTS,
        # QEMU 7.2 delivers compatibility-format requests even when they
        # should be blocked, and its device DMA carries no requester ID, so
        # a request written by DMA cannot be source-validated.
        "expect_skip": ["irq_compat_format_blocked", "irq_forged_handle_dma_not_delivered"],
    },
]

# Guests: two partitions of two vCPUs each on -smp 5 (CPU 0 is the service CPU),
# both running the test guest; a guest's lines come through hv's virtual UART
# as "NAME| ..." and are reported as <scenario>/<guest>/<test>.
GUEST_TESTS = ["guest_boot_data", "guest_memory_all_there", "guest_past_ram_reads_ones",
               "guest_cpuid_sane", "guest_lapic_timer", "guest_ipi_own_vcpus",
               "guest_foreign_ipi_refused", "guest_wbinvd_ac_db"]
# Run where hv's LAPIC is in x2APIC mode (the Bochs lane); QEMU TCG has no x2APIC.
X2APIC_TEST = "guest_x2apic"
# What a guest with an edu passed through runs besides GUEST_TESTS.
PT_TESTS = ["pt_pci_view", "pt_dma_own_memory", "pt_dma_past_ram_faults", "pt_msi_vcpu0",
            "pt_msi_migrates", "pt_msi_foreign_refused"]
# The demo `make run` boots, on the machine it boots (but for memory): alpha
# owns the edu, beta nothing. The lines a first-time user reads to see the
# card at work must be there, as they are worded.
DEMO_LOG = [
    r"^\[[\s\d.]+\] passthrough: 00:04\.0 to guest alpha, domain \d+, 1 MSI vector",
    r"audit: guest alpha: 1 device, 1 domain, \d+ pages mapped, \d+ IRTEs, 0 violations",
    r"guest alpha: 00:04\.0: vector 0x[0-9a-f]+ remapped by IRTE \d+ to vCPU 1 \(APIC ID 2\)",
    r"^alpha\| # DMA by 00:01\.0 at guest-physical addresses \(IOVA = GPA\): RAM 0x[0-9a-f]+"
    r" -> device -> RAM 0x[0-9a-f]+, 4000 bytes: exact$",
    r"^alpha\| # DMA by 00:01\.0 across pages: .*, 3000 bytes: exact$",
    r"write fault from 00:04\.0 \(owner alpha\) at 0x4100000:",
    r"^alpha\| # DMA to 0x4100000 \(past RAM, not in the guest's domain\): blocked;",
    r"^alpha\| # MSI to vCPU 0 \(APIC ID 1\) vector 0x[0-9a-f]+: arrived there, 1 interrupt ",
    r"^alpha\| # MSI moved, while on, to vCPU 1 \(APIC ID 2\) vector 0x[0-9a-f]+: arrived there,"
    r" 1 interrupt ",
    r"guest alpha: 00:04\.0: MSI to APIC ID 0 refused",
]
SCENARIOS += [
    {
        "name": "guests",
        "smp": 5,
        "mem": "1G",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": "@tests/guest/two-guests.cfg",
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 90,
        "guest_ktap": ["alpha", "beta"],
        "expect_pass": ["guest_alpha", "guest_beta"]
                       + [f"{g}/{t}" for g in ("alpha", "beta") for t in GUEST_TESTS]
                       + [f"alpha/{t}" for t in PT_TESTS],
        "expect_skip": [f"{g}/{X2APIC_TEST}" for g in ("alpha", "beta")],
        "expect_log": DEMO_LOG,
        # beta has no PCI view: no passthrough test runs there.
        "forbid_log": [r"^beta\| (?:not )?ok \d+ pt_"],
    },
    {
        # What `make image` builds, booted from the disk itself (GPT, FAT32 ESP,
        # \EFI\BOOT\BOOTX64.EFI as firmware finds it on removable media): the
        # demo's two guests, with exit=qemu in the image's hv.cmdline.
        "name": "disk-image",
        "smp": 5,
        "mem": "1G",
        "iommu": True,
        "devices": ["edu,addr=0x4"],  # the demo's: alpha owns it
        "disk_image": "build/boot-disk.img",
        "timeout": 90,
        "guest_ktap": ["alpha", "beta"],
        "expect_log": [r"command line from hv\.cmdline: 'exit=qemu\s*'", r"config: hv\.cfg, \d+ bytes"],
        "expect_pass": ["guest_alpha", "guest_beta"]
                       + [f"{g}/{t}" for g in ("alpha", "beta") for t in GUEST_TESTS],
    },
    {
        # One guest's instruction stream is garbage: it is stopped alone (a triple
        # fault, its registers logged) and the other runs its tests to the end.
        "name": "guest-crash",
        "smp": 5,
        "mem": "1G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=bad",
        "esp": {"hv.cfg": "[guest bad]\ncpus = 1-2\nmemory = 32M\nimage = bad-guest.elf\n\n"
                          "[guest good]\ncpus = 3-4\nmemory = 64M\nimage = test-guest.elf\n",
                "test-guest.elf": "@build/guest/test-guest.elf",
                "bad-guest.elf": "@build/guest/bad-guest.elf"},
        "timeout": 90,
        "guest_ktap": ["good"],
        "expect_pass": ["guest_bad", "guest_good"] + [f"good/{t}" for t in GUEST_TESTS],
    },
    {
        # on_crash = restart: the guest that triple-faults at once is scrubbed, built
        # again and restarted on its CPUs twice (restart_limit = 2), then its third
        # triple fault spends the budget and it stays stopped; the other guest runs
        # its tests to the end throughout.
        "name": "guest-restart",
        "smp": 5,
        "mem": "1G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=bad",
        "esp": {"hv.cfg": "[guest bad]\ncpus = 1-2\nmemory = 32M\nimage = bad-guest.elf\n"
                          "on_crash = restart\nrestart_limit = 2\nrestart_window = 3600\n\n"
                          "[guest good]\ncpus = 3-4\nmemory = 64M\nimage = test-guest.elf\n",
                "test-guest.elf": "@build/guest/test-guest.elf",
                "bad-guest.elf": "@build/guest/bad-guest.elf"},
        "timeout": 90,
        "guest_ktap": ["good"],
        "expect_pass": ["guest_bad", "guest_good"] + [f"good/{t}" for t in GUEST_TESTS],
        "expect_sequence": [r"guest bad: stopped: triple fault",
                            r"guest bad: restart 1 \(at most 2 in 3600 s\)",
                            r"guest bad: restart: scrubbed 32 MiB in \d+ ms",
                            r"guest bad: restart: ELF image loaded again in \d+ ms",
                            r"guest bad: restart: audited in \d+ ms; restart 1, \d+ ms in all",
                            r"guest bad: stopped: triple fault",
                            r"guest bad: restart 2 \(at most 2 in 3600 s\)",
                            r"guest bad: stopped: triple fault",
                            r"guest bad: restart: restart budget spent: it stays stopped"],
        "max_log_lines": {r"guest bad: restart \d+ \(": 2},
        "forbid_log": [r"guest bad: a vCPU did not stop in time"],
    },
    {
        # Guest control (HV_HC_GUEST_CONTROL): op (control = yes) restarts victim
        # through the on_reset = restart path (budget, scrub, image again, audit),
        # then stops it, a clean stop as by the operator, while victim beats;
        # probe, without the right, is refused (-EPERM, logged once) and nothing
        # happens to victim. One CPU each: the IPI tests may skip.
        "name": "guest-control",
        "smp": 4,
        "mem": "1G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": "[guest op]\ncpus = 1\nmemory = 64M\nimage = test-guest.elf\n"
                          "cmdline = control=restart:1 control=stop:1\ncontrol = yes\n\n"
                          "[guest victim]\ncpus = 2\nmemory = 64M\nimage = test-guest.elf\n"
                          "cmdline = heartbeat=600\n\n"
                          "[guest probe]\ncpus = 3\nmemory = 64M\nimage = test-guest.elf\n"
                          "cmdline = control=probe:1\n",
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 120,
        "guest_ktap": ["op", "probe"],
        "expect": [f"{g}/{t}" for g in ("op", "probe") for t in GUEST_TESTS],
        "expect_pass": ["guest_op", "guest_victim", "guest_probe", "op/guest_control",
                        "probe/guest_control", "op/guest_boot_data", "probe/guest_boot_data"],
        "expect_sequence": [r"guest victim: stopped: restarted by guest op \(control\)",
                            r"guest victim: restart 1 \(at most 5 in 60 s\)",
                            r"guest victim: restart: scrubbed 64 MiB in \d+ ms",
                            r"guest victim: restart: audited in \d+ ms; restart 1, \d+ ms in all",
                            r"guest victim: stopped: stopped by guest op \(control\)"],
        "expect_log": [r"guest probe: guest control refused: no control right",
                       r"^ok 2 guest_victim # stopped by guest op \(control\)$"],
        "max_log_lines": {r"guest control refused": 1, r"guest victim: restart \d+ \(": 1},
        "forbid_log": [r"guest victim: a vCPU did not stop in time"],
    },
    {
        # The scrub: the secret guest finds its last page zero, writes a secret all over
        # it and triple-faults; restarted (on_crash = restart), it finds zeros again,
        # writes and crashes once more, and the budget (restart_limit = 1) is spent.
        "name": "guest-scrub",
        "smp": 4,
        "mem": "1G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=secret",
        "esp": {"hv.cfg": "[guest secret]\ncpus = 1\nmemory = 32M\nimage = test-guest.elf\n"
                          "cmdline = secret=271828\non_crash = restart\nrestart_limit = 1\nrestart_window = 3600\n\n"
                          "[guest good]\ncpus = 2-3\nmemory = 64M\nimage = test-guest.elf\n",
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 90,
        "guest_ktap": ["good"],
        "expect_pass": ["guest_secret", "guest_good"] + [f"good/{t}" for t in GUEST_TESTS],
        "expect_sequence": [r"^secret\| # secret: the last page reads zero",
                            r"^secret\| # secret: 271828 written; triple fault",
                            r"guest secret: stopped: triple fault",
                            r"guest secret: restart 1 \(at most 1 in 3600 s\)",
                            r"guest secret: restart: scrubbed 32 MiB in \d+ ms",
                            r"^secret\| # secret: the last page reads zero",
                            r"^secret\| # secret: 271828 written; triple fault",
                            r"guest secret: restart: restart budget spent: it stays stopped"],
        "forbid_log": [r"NOT scrubbed"],
    },
]

# A configuration with errors on several lines is refused as a whole, each error
# named by file and line, and no guest runs.
BAD_CONFIG = """[hv]
color = blue
[guest a]
cpus = 0-1
memory = 64M
image = test-guest.elf
[guest b]
cpus = 1
memory = 5G
image = missing.elf
"""
SCENARIOS += [
    {
        "name": "config-refused",
        "smp": 3,
        "mem": "512M",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": BAD_CONFIG, "test-guest.elf": "@build/guest/test-guest.elf"},
        "expect_fail": ["guest_config"],
        "expect_log": [r"hv\.cfg:2: .*color", r"hv\.cfg:4: .*CPU 0",
                       r"hv\.cfg:8: .*CPU 1 .*guest", r"hv\.cfg:9: .*memory",
                       r"hv\.cfg:10: .*missing\.elf", r"nothing runs"],
    },
]

# Passthrough: each guest gets an edu of its own in a domain mapping exactly its
# RAM; its MSI, as it programs it in its PCI view, is remapped to its vCPU.
PT_CONFIG = """[guest alpha]
cpus = 1-2
memory = 64M
image = test-guest.elf
cmdline = edu=1 soak
pci = 00:04.0

[guest beta]
cpus = 3-4
memory = 96M
image = test-guest.elf
cmdline = edu=1 fault_storm
pci = 00:05.0
"""
# Two edu behind a PCIe-to-PCI bridge share a requester ID: one IOMMU group,
# given whole (the bridge with them) to one guest.
PT_GROUP_CONFIG = """[guest grouped]
cpus = 1-2
memory = 64M
image = test-guest.elf
cmdline = edu=2
pci = 00:05.0, 01:01.0, 01:02.0
"""
PT_GROUP_DEVICES = ["pcie-pci-bridge,id=br1,bus=pcie.0,addr=0x5",
                    "edu,bus=br1,addr=0x1", "edu,bus=br1,addr=0x2"]
SCENARIOS += [
    {
        "name": "passthrough",
        "smp": 5,
        "mem": "1G",
        "iommu": True,
        "devices": ["edu,addr=0x4", "edu,addr=0x5"],
        "cmdline": "exit=qemu test.peer_dma",
        "esp": {"hv.cfg": PT_CONFIG, "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 120,
        "guest_ktap": ["alpha", "beta"],
        "expect_pass": ["guest_alpha", "guest_beta"]
                       + [f"{g}/{t}" for g in ("alpha", "beta") for t in GUEST_TESTS + PT_TESTS]
                       + ["beta/pt_quarantine", "alpha/pt_soak"],
        # Beta's device is quarantined while alpha's DMA and MSIs go on.
        "expect_log": [r"fault from 00:04\.0 \(owner alpha\)", r"fault from 00:05\.0 \(owner beta\)",
                       # Every table read back before either starts, clean.
                       r"audit: guest alpha: 1 device, 1 domain, \d+ pages mapped, 0 IRTEs, 0 violations",
                       r"audit: guest beta: 1 device, 1 domain, \d+ pages mapped, 0 IRTEs, 0 violations",
                       r"audit: 1 unit read back in \d+ us: 0 violations[\s\S]*guests: starting 2",
                       # The guests' MSI routes and migrations, each re-audited.
                       r"audit: [1-9]\d* IRTEs rewritten for guests and audited at run time, 0 with violations",
                       r"MSI to APIC ID \d+ refused",
                       # alpha's edu aimed at beta's RAM: the fault at exactly there.
                       r"test\.peer_dma: guest alpha may aim at (0x[0-9a-f]+)[\s\S]*"
                       r"fault from 00:04\.0 \(owner alpha\) at \1:",
                       r"alpha\| # soak: start[\s\S]*00:05\.0 quarantined[\s\S]*alpha\| ok \d+ pt_soak"],
    },
    {
        "name": "passthrough-group",
        "smp": 3,
        "mem": "1G",
        "iommu": True,
        "devices": PT_GROUP_DEVICES,
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": PT_GROUP_CONFIG, "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 120,
        "guest_ktap": ["grouped"],
        "expect_pass": ["guest_grouped"] + [f"grouped/{t}" for t in PT_TESTS],
    },
    {
        # Half a group is refused, and nothing runs.
        "name": "passthrough-split",
        "smp": 3,
        "mem": "512M",
        "iommu": True,
        "devices": PT_GROUP_DEVICES,
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": PT_GROUP_CONFIG.replace("00:05.0, 01:01.0, 01:02.0", "01:01.0"),
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "expect_fail": ["guest_config"],
        "expect_log": [r"hv\.cfg:6: .*splits IOMMU group", r"nothing runs"],
    },
]

# Passthrough MSI-X: QEMU's e1000e (8086:10d3; 5 vectors, table at BAR3 + 0,
# PBA at BAR3 + 0x2000) given to one guest, which programs its MSI-X table
# (virtual: its pages trap) and makes the device raise its "other" cause
# through IVAR onto vector 0: routed to vCPU 0, retargeted to vCPU 1, held
# pending while masked and delivered on unmask.
PT_MSIX_CONFIG = """[guest nic]
cpus = 1-2
memory = 64M
image = test-guest.elf
cmdline = edu=0 e1000e
pci = 00:06.0
"""
SCENARIOS += [
    {
        "name": "passthrough-msix",
        "smp": 3,
        "mem": "1G",
        "iommu": True,
        "devices": ["e1000e,addr=0x6,netdev=n0"],
        "qemu_args": ["-netdev", "user,id=n0"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": PT_MSIX_CONFIG, "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": 120,
        "guest_ktap": ["nic"],
        "expect_pass": ["guest_nic", "nic/pt_pci_view", "nic/pt_msix"],
    },
]

# A function-level reset at assignment (QEMU's nvme has FLR): its BARs, which
# the reset clears, are put back before the guest sees them.
SCENARIOS += [
    {
        "name": "passthrough-flr",
        "smp": 2,
        "mem": "512M",
        "iommu": True,
        "devices": ["nvme,serial=hvtest,drive=nvm,addr=0x7"],
        "qemu_args": ["-drive", "if=none,id=nvm,file=null-co://,format=raw"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": "[guest flr]\ncpus = 1\nmemory = 64M\nimage = test-guest.elf\n"
                          "cmdline = edu=0 other=00101b36\npci = 00:07.0\n",
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "guest_ktap": ["flr"],
        "expect_pass": ["guest_flr", "flr/pt_pci_view"],
        "expect_log": [r"passthrough: 00:07\.0 reset \(FLR\)"],
    },
]

# Without interrupt remapping a device's DMA to 0xFEEx_xxxx could interrupt any
# CPU: passthrough is refused, and nothing runs.
SCENARIOS += [
    {
        "name": "passthrough-no-remap",
        "smp": 3,
        "mem": "512M",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "exit=qemu intremap=off",
        "esp": {"hv.cfg": "[guest a]\ncpus = 1-2\nmemory = 64M\nimage = test-guest.elf\n"
                          "pci = 00:04.0\n",
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "expect_fail": ["guest_config"],
        "expect_log": [r"00:04\.0: its unit does not remap interrupts; refused", r"nothing runs"],
    },
]

# Hostile guests: one per class of misbehaviour (the test guest's
# "hostile=CLASS", tests/guest/hostile.c), each beside a victim whose
# heartbeat runs while the hostile class does, then its ordinary tests. A
# hostile scenario passes when no hv CPU halts, the victim's run is whole,
# hv finishes, and the lines about the hostile guest stay within a budget.
HOSTILE_TESTS = {
    "lvt": ["hostile_lvt_refused", "hostile_lvt_left_armed"],
    "in": ["hostile_in_zero_extends"],
    "flood": ["hostile_flood"],
    "ipi": ["hostile_ipi"],
    "msr": ["hostile_msr"],
    "gpa": ["hostile_gpa"],
    "exit_fault": ["hostile_exit_fault"],
}
HV_HALTS = [r"halting this CPU", r"unexpected exception"]
# hv's own lines naming the hostile guest (its start, stop, exit counts and
# result: about 6), its refusals rate-limited, the unclaimed pages logged for
# the first 16.
HV_LINES_ABOUT_HOSTILE = r"^(?!hostile\|).*\bguest hostile\b"
HV_HOSTILE_LINE_BUDGET = 40
# The flood's console budget, low enough that 20000 lines would break it.
FLOOD_BURST, FLOOD_RATE, FLOOD_TIMEOUT = 100, 20, 90
FLOOD_LINE_BUDGET = FLOOD_BURST + FLOOD_RATE * FLOOD_TIMEOUT + 10


def hostile_config(cls, beats, hostile_extra=""):
    return (f"[guest hostile]\ncpus = 1-2\nmemory = 32M\nimage = test-guest.elf\n"
            f"cmdline = hostile={cls}\n{hostile_extra}\n"
            f"[guest victim]\ncpus = 3-4\nmemory = 32M\nimage = test-guest.elf\n"
            f"cmdline = heartbeat={beats}\n")


def hostile_scenario(cls, beats=10, cmdline="exit=qemu", hostile_extra="",
                     hostile_ktap=True, line_budget=HV_HOSTILE_LINE_BUDGET, timeout=90, **extra):
    victim_tests = ["guest_heartbeat"] + GUEST_TESTS
    hostile_tests = [f"hostile/{t}" for t in HOSTILE_TESTS[cls]] if hostile_ktap else []
    scn = {
        "name": "hostile-" + cls.replace("_", "-"),
        "smp": 5,
        "mem": "512M",
        "iommu": True,
        "devices": [],
        "cmdline": cmdline,
        "esp": {"hv.cfg": hostile_config(cls, beats, hostile_extra),
                "test-guest.elf": "@build/guest/test-guest.elf"},
        "timeout": timeout,
        "guest_ktap": (["hostile"] if hostile_ktap else []) + ["victim"],
        "expect_pass": ["guest_hostile", "guest_victim"] + hostile_tests
                       + [f"victim/{t}" for t in victim_tests],
        "forbid_log": HV_HALTS,
        "max_log_lines": {HV_LINES_ABOUT_HOSTILE: line_budget},
    }
    scn.update(extra)
    return scn


SCENARIOS += [
    hostile_scenario("lvt"),
    hostile_scenario("in"),
    # The victim's beats span the flood: some appear between two of the
    # flood's lines that got through the budget.
    hostile_scenario("flood", beats=40, timeout=FLOOD_TIMEOUT,
                     hostile_extra=f"uart_burst = {FLOOD_BURST}\nuart_rate = {FLOOD_RATE}\n",
                     # hv's own: a "lines dropped" note a second at most.
                     line_budget=HV_HOSTILE_LINE_BUDGET + FLOOD_TIMEOUT,
                     max_guest_lines={"hostile": FLOOD_LINE_BUDGET},
                     expect_log=[r"lines dropped",
                                 r"# guest hostile: console: \d+ lines printed, [1-9]\d* dropped"],
                     expect_sequence=[r"^hostile\| # flood: start", r"^victim\| # heartbeat \d+$",
                                      r"^victim\| # heartbeat \d+$", r"^hostile\| # flood \d+$",
                                      r"^hostile\| # flood: end"]),
    hostile_scenario("ipi"),
    hostile_scenario("msr"),
    hostile_scenario("gpa"),
    # hv takes an exception while handling the hostile guest's hypercall: that
    # guest stops as failed (its KTAP cut short), the victim runs on: one
    # recovered exception, then the guest named, then its stop, and no CPU
    # halted.
    hostile_scenario("exit_fault", cmdline="exit=qemu test.exit_fault expect.guest_failure=hostile",
                     hostile_ktap=False,
                     max_log_lines={HV_LINES_ABOUT_HOSTILE: HV_HOSTILE_LINE_BUDGET,
                                    r"exception on APIC ID \d+, recovered": 1},
                     expect_sequence=[r"exception on APIC ID \d+, recovered",
                                      r"^(?!hostile\|).*\bguest hostile\b.*exception",
                                      r"^(?!hostile\|).*\bguest hostile: stopped"]),
]

# Linux guests: Debian's stock kernel (build/linux, tests/linux/linux.mk) with the test
# initramfs, whose /init reports KTAP (tests/linux/init) and powers off; beside it the
# test guest (one vCPU: its IPI test skips), which must pass too. tsc=reliable: TCG's
# AMD CPU model lacks constant_tsc (FACTS.md), so with 2 CPUs Linux would not trust the
# TSCs' synchronisation.
LINUX_TESTS = ["cpus_online", "mem_total", "clocksource_tsc", "clockevent_lapic", "pci_device"]
LINUX_CMDLINE = "console=ttyS0 panic=-1 tsc=reliable"
TESTER_TESTS = [t for t in GUEST_TESTS if t != "guest_ipi_own_vcpus"]


def linux_config(cmdline, pci="00:04.0", initrd="initrd.gz", tester="", tester_mem="64M"):
    return (f"[guest linux]\ncpus = 1-2\nmemory = 512M\nimage = vmlinuz\ninitrd = {initrd}\n"
            f"cmdline = {LINUX_CMDLINE} {cmdline}\n" + (f"pci = {pci}\n" if pci else "")
            + f"\n[guest tester]\ncpus = 3\nmemory = {tester_mem}\nimage = test-guest.elf\n" + tester)


LINUX_ESP = {"vmlinuz": "@build/linux/vmlinuz", "initrd.gz": "@build/linux/initramfs.cpio.gz",
             "test-guest.elf": "@build/guest/test-guest.elf"}
SCENARIOS += [
    {
        "name": "linux",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": ["edu,addr=0x4"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": linux_config("hvtest.cpus=2 hvtest.mem=512 hvtest.pci=1234:11e8"),
                **LINUX_ESP},
        "timeout": 240,
        "guest_ktap": ["linux", "tester"],
        "expect_pass": ["guest_linux", "guest_tester"]
                       + [f"linux/{t}" for t in LINUX_TESTS]
                       + [f"tester/{t}" for t in TESTER_TESTS],
        "expect_log": [r"guest linux: Linux command line \+= \"tsc_early_khz=\d+\"",
                       r"guest linux: bzImage protocol 2\.\d+, kernel 0x1000000-",
                       r"^linux\| .*ttyS0 at I/O 0x3f8 \(irq = 0, base_baud = 115200\) is a 16550A",
                       r"^linux\| .*smp: Brought up 1 node, 2 CPUs",
                       # Linux picks flat logical mode for its IPIs: hv resolves them.
                       r"# guest linux: [1-9]\d* IPIs to flat logical destinations",
                       r"guest linux: PM timer: the host's at port 0x608, read directly",
                       r"^linux\| .*rtc_cmos 00:01: setting system clock to 20\d\d-",
                       r"^linux\| hvtest: done",
                       r"guest linux: stopped: powered off \(ACPI S5\)",
                       r"hv: finished, success"],
        "forbid_log": [r"^linux\| .*(Marking TSC unstable|Kernel panic)"],
    },
    {
        # /init panics the kernel (sysrq 'c'); with panic=-1 it resets at once through
        # the ACPI reset register, which under on_reset = stop ends that guest alone.
        "name": "linux-crash",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=linux",
        "esp": {"hv.cfg": linux_config("hvtest.crash=1", pci=None), **LINUX_ESP},
        "timeout": 240,
        "guest_ktap": ["tester"],
        "expect_pass": ["guest_linux", "guest_tester"] + [f"tester/{t}" for t in TESTER_TESTS],
        "expect_sequence": [r"^linux\| hvtest: crashing",
                            r"^linux\| .*Kernel panic - not syncing: sysrq triggered crash",
                            r"guest linux: stopped: reset by the guest \(ACPI reset register; "
                            r"on_reset = stop\)"],
    },
    {
        # on_reset = restart: /init panics the kernel at each boot (hvtest.crash=1), so
        # each boot ends in a reset. The first is a restart (RAM scrubbed, the same
        # bzImage and initramfs loaded again, the same CPUs); with restart_limit = 1 the
        # second spends the budget. The tester beside it passes all its tests.
        "name": "linux-restart",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=linux",
        "esp": {"hv.cfg": linux_config("hvtest.crash=1", pci=None).replace(
                    "image = vmlinuz\n", "image = vmlinuz\non_reset = restart\nrestart_limit = 1\nrestart_window = 3600\n"),
                **LINUX_ESP},
        "timeout": 420,
        "guest_ktap": ["tester"],
        "expect_pass": ["guest_linux", "guest_tester"] + [f"tester/{t}" for t in TESTER_TESTS],
        "expect_sequence": [r"^linux\| hvtest: crashing",
                            r"guest linux: stopped: reset by the guest \(ACPI reset register; "
                            r"on_reset = restart\)",
                            r"guest linux: restart 1 \(at most 1 in 3600 s\)",
                            r"guest linux: restart: scrubbed 512 MiB in \d+ ms",
                            r"guest linux: restart: bzImage image loaded again in \d+ ms",
                            r"^linux\| .*smp: Brought up 1 node, 2 CPUs",
                            r"^linux\| hvtest: crashing",
                            r"guest linux: restart: restart budget spent: it stays stopped"],
    },
    {
        # hvtest.reboot=1: Linux runs its tests, then reboots (the ACPI reset register)
        # rather than powering off. Under on_reset = restart with restart_limit = 2 it
        # boots three times, passing its tests each time, and the third reset spends the
        # budget; the tester beside it beats throughout (500 beats, 50 s at least; the
        # sequence below wants a beat after Linux's last reset) and passes. RAM is scrubbed between boots, so /init cannot
        # count them: hv's log does.
        "name": "linux-reboot",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": [],
        "cmdline": "exit=qemu expect.guest_failure=linux",
        "esp": {"hv.cfg": linux_config("hvtest.cpus=2 hvtest.mem=512 hvtest.reboot=1", pci=None,
                                       tester="cmdline = heartbeat=500\n")
                .replace("image = vmlinuz\n",
                         "image = vmlinuz\non_reset = restart\nrestart_limit = 2\nrestart_window = 3600\n"),
                **LINUX_ESP},
        "timeout": 420,
        "guest_ktap": ["tester"],
        "expect_pass": ["guest_linux", "guest_tester", "tester/guest_heartbeat"]
                       + [f"tester/{t}" for t in TESTER_TESTS],
        "expect_sequence": [
            r"^linux\| ok 1 cpus_online",
            r"^linux\| ok 5 pci_device # SKIP",
            r"^linux\| hvtest: rebooting",
            r"guest linux: stopped: reset by the guest \(ACPI reset register; on_reset = restart\)",
            r"guest linux: restart 1 \(at most 2 in 3600 s\)",
            r"guest linux: restart: scrubbed 512 MiB in \d+ ms",
            r"^linux\| ok 1 cpus_online",
            r"^linux\| ok 5 pci_device # SKIP",
            r"^linux\| hvtest: rebooting",
            r"guest linux: stopped: reset by the guest \(ACPI reset register; on_reset = restart\)",
            r"guest linux: restart 2 \(at most 2 in 3600 s\)",
            r"guest linux: restart: scrubbed 512 MiB in \d+ ms",
            r"^linux\| ok 1 cpus_online",
            r"^linux\| ok 5 pci_device # SKIP",
            r"^linux\| hvtest: rebooting",
            r"guest linux: stopped: reset by the guest \(ACPI reset register; on_reset = restart\)",
            r"guest linux: restart: restart budget spent: it stays stopped",
            # The tester's heartbeat (a beat every 100 ms, none 5 s late) went on through
            # every restart.
            r"^tester\| # heartbeat \d+",
        ],
        "max_log_lines": {r"^linux\| hvtest: done": 3, r"guest linux: restart \d+ \(": 2},
        "forbid_log": [r"^linux\| not ok", r"^linux\| .*Kernel panic"],
    },
]

# Linux's own drivers on passed-through devices (initramfs-devices.cpio.gz: the nvme and
# e1000e modules, bin/hvio). linux-nvme: QEMU's NVMe (1b36:0010) over build/linux/nvme.img
# (snapshot=on: the pattern /init writes never reaches the file), its MSI-X vectors, a
# pattern read back with O_DIRECT, an IRQ moved between the vCPUs, the function reset by
# Linux through its view (sysfs reset: the Advanced Features FLR) and the pattern read back
# again. Beside it the test guest with an edu aims its DMA at the Linux guest's RAM
# (test.peer_dma): it faults there, at the address hv named, while the Linux guest's I/O
# goes on and its pattern check passes. hv
# names 1 MiB into the Linux guest's RAM (at 0x1600000 today) only where that is past the
# tester's own guest-physical RAM and below the edu's 28-bit reach: the tester has 16 MiB.
LINUX_NVME_TESTS = ["nvme_bound", "nvme_msix_per_queue", "nvme_queue_per_cpu", "nvme_pattern",
                    "nvme_irq_affinity", "nvme_reset"]
LINUX_NET_TESTS = ["net_bound", "net_ping"]
LINUX_DEVICES_ESP = {**LINUX_ESP, "initrd-devices.gz": "@build/linux/initramfs-devices.cpio.gz"}
LINUX_NVME_DRIVE = ["-drive", "if=none,id=nvm,file=build/linux/nvme.img,format=raw,snapshot=on"]
SCENARIOS += [
    {
        "name": "linux-nvme",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": ["edu,addr=0x4", "nvme,drive=nvm,serial=hvtest,addr=0x5"],
        "qemu_args": LINUX_NVME_DRIVE,
        "cmdline": "exit=qemu test.peer_dma",
        "esp": {"hv.cfg": linux_config("hvtest.cpus=2 hvtest.mem=512 hvtest.pci=1b36:0010 hvtest.nvme=1",
                                       pci="00:05.0", initrd="initrd-devices.gz",
                                       tester="cmdline = edu=1\npci = 00:04.0\n", tester_mem="16M"),
                **LINUX_DEVICES_ESP},
        "timeout": 300,
        "guest_ktap": ["linux", "tester"],
        "expect_pass": ["guest_linux", "guest_tester", "linux/modules_loaded", "linux/pci_device"]
                       + [f"linux/{t}" for t in LINUX_NVME_TESTS]
                       + [f"tester/{t}" for t in TESTER_TESTS]
                       + ["tester/pt_pci_view", "tester/pt_dma_own_memory",
                          "tester/pt_dma_past_ram_faults"],
        "expect_log": [r"passthrough: 00:05\.0 to guest linux",
                       r"test\.peer_dma: guest tester may aim at (0x[0-9a-f]+) \(guest linux's RAM\)"
                       r"[\s\S]*fault from 00:04\.0 \(owner tester\) at \1:",
                       r"^linux\| hvtest: done",
                       r"guest linux: stopped: powered off \(ACPI S5\)",
                       r"hv: finished, success"],
        # The edu's write into the Linux guest's RAM is blocked before Linux writes and
        # reads back its pattern; then Linux resets the function through its view (the
        # Advanced Features FLR), hv does the FLR, and the pattern reads back again.
        "expect_sequence": [r"fault from 00:04\.0 \(owner tester\) at 0x[0-9a-f]+:",
                            r"^linux\| ok \d+ nvme_pattern$",
                            r"guest linux: 00:05\.0: reset by the guest \(FLR\)",
                            r"^linux\| ok \d+ nvme_reset$"],
        "forbid_log": [r"^linux\| .*(Kernel panic|nvme0: I/O \d+ QID \d+ timeout)"],
    },
    {
        # linux-nvme's Linux under on_reset = restart, restart_limit = 2 (as linux-reboot):
        # three boots, each binding the nvme afresh, hv releasing the function at each
        # reset, resetting it (FLR), detaching it from the blocking domain and destroying
        # the old domain, then giving it again as at boot (the same domain ID: freed) and
        # auditing before the guest starts. hvtest.persist: the first boot finds no
        # pattern at 4 MiB and writes one; the later boots find it intact (snapshot=on
        # keeps writes for the QEMU run, across guest resets). The tester, with an edu of
        # its own, runs rounds of DMA and MSI for 90 s (pt_soak: every round must work),
        # from before Linux writes its pattern to after its last reset; Linux boots quiet
        # (every console character is an exit) to finish well inside that.
        "name": "linux-nvme-reboot",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": ["edu,addr=0x4", "nvme,drive=nvm,serial=hvtest,addr=0x5"],
        "qemu_args": LINUX_NVME_DRIVE,
        "cmdline": "exit=qemu expect.guest_failure=linux",
        "esp": {"hv.cfg": linux_config("quiet hvtest.cpus=2 hvtest.mem=512 hvtest.pci=1b36:0010 "
                                       "hvtest.nvme=1 hvtest.persist=1 hvtest.reboot=1",
                                       pci="00:05.0", initrd="initrd-devices.gz",
                                       tester="cmdline = edu=1 soak=90\npci = 00:04.0\n")
                .replace("image = vmlinuz\n",
                         "image = vmlinuz\non_reset = restart\nrestart_limit = 2\nrestart_window = 3600\n"),
                **LINUX_DEVICES_ESP},
        "timeout": 600,
        "guest_ktap": ["tester"],
        "expect_pass": ["guest_linux", "guest_tester", "tester/pt_soak", "tester/pt_dma_own_memory"]
                       + [f"tester/{t}" for t in TESTER_TESTS],
        "expect_log": [r"passthrough: 00:05\.0 to guest linux, domain (\d+),"
                       r"[\s\S]*passthrough: 00:05\.0 to guest linux, domain \1,"
                       r"[\s\S]*passthrough: 00:05\.0 to guest linux, domain \1,"],
        "expect_sequence": [
            r"^tester\| # soak: start",
            r"^linux\| # no persistent pattern found: persistent pattern written",
            r"^linux\| ok \d+ nvme_pattern_persists$",
            r"^linux\| hvtest: rebooting",
            r"guest linux: stopped: reset by the guest \(ACPI reset register; on_reset = restart\)",
            r"guest linux: restart 1 \(at most 2 in 3600 s\)",
            r"guest linux: restart: 1 PCI function released in \d+ ms",
            r"passthrough: 00:05\.0 reset \(FLR\)",
            r"passthrough: guest linux: 1 function reset and unblocked, 1 domain destroyed in \d+ ms",
            r"guest linux: restart: scrubbed 512 MiB in \d+ ms",
            r"passthrough: 00:05\.0 to guest linux",
            r"guest linux: restart: 1 PCI function given again in \d+ ms",
            r"guest linux: restart: audited in \d+ ms; restart 1,",
            r"^linux\| ok \d+ nvme_bound$",
            r"^linux\| # persistent pattern found intact",
            r"^linux\| ok \d+ nvme_pattern_persists$",
            r"^linux\| hvtest: rebooting",
            r"guest linux: restart 2 \(at most 2 in 3600 s\)",
            r"passthrough: guest linux: 1 function reset and unblocked, 1 domain destroyed",
            r"guest linux: restart: 1 PCI function given again in \d+ ms",
            r"^linux\| ok \d+ nvme_bound$",
            r"^linux\| # persistent pattern found intact",
            r"^linux\| ok \d+ nvme_pattern_persists$",
            r"^linux\| hvtest: rebooting",
            r"guest linux: restart: restart budget spent: it stays stopped",
            r"passthrough: 00:05\.0 released by guest linux: blocked",
            r"^tester\| # soak: \d+ rounds of DMA and MSI, all good",
        ],
        "max_log_lines": {r"^linux\| hvtest: done": 3, r"guest linux: restart \d+ \(": 2},
        "forbid_log": [r"^linux\| not ok", r"^linux\| .*Kernel panic", r"nvme.*timeout",
                       r"^linux\| .*spurious"],
    },
    {
        # QEMU's e1000e (8086:10d3) on QEMU's user-mode network: Linux's e1000e driver pings
        # the gateway, then through a reset from sysfs (the PM reset, if the function in
        # its PCI view offers one) with the driver rebound.
        "name": "linux-e1000e",
        "smp": 4,
        "mem": "2G",
        "iommu": True,
        "devices": ["e1000e,netdev=n0,romfile=,addr=0x6"],
        "qemu_args": ["-netdev", "user,id=n0"],
        "cmdline": "exit=qemu",
        "esp": {"hv.cfg": linux_config("hvtest.cpus=2 hvtest.mem=512 hvtest.pci=8086:10d3 hvtest.net=1",
                                       pci="00:06.0", initrd="initrd-devices.gz"),
                **LINUX_DEVICES_ESP},
        "timeout": 300,
        "guest_ktap": ["linux", "tester"],
        "expect_pass": ["guest_linux", "guest_tester", "linux/modules_loaded", "linux/pci_device"]
                       + [f"linux/{t}" for t in LINUX_NET_TESTS]
                       + [f"tester/{t}" for t in TESTER_TESTS],
        # Run, passed or skipped with its reason: whether hv's view offers a reset.
        "expect": ["linux/net_reset"],
        "expect_log": [r"passthrough: 00:06\.0 to guest linux",
                       r"^linux\| hvtest: done",
                       r"guest linux: stopped: powered off \(ACPI S5\)",
                       r"hv: finished, success"],
        "forbid_log": [r"^linux\| .*(Kernel panic|NETDEV WATCHDOG)"],
    },
]
