# Host benchmarks; not part of `make check`. Included by the Makefile.
#   make bench    page-table engine: cycles per map/unmap for each leaf size
#                 and format, table pages per GiB (tests/bench/bench_pt.c);
#                 IOVA allocator: cycles per alloc+free by live count
#                 (tests/bench/bench_iova.c)
#                 the VT-d audit at boot: ns per GiB mapped (4K, 2M, 1G leaves)
#                 and per IRTE, beside the writers' cost for the same
#                 (tests/bench/bench_audit.c)
#                 interrupt latency with remapping on and off, under QEMU
#                 with -icount (tests/bench/irq_latency.py)
#                 a guest exit's round trip (CPUID) and the exits per LAPIC
#                 timer interrupt in a guest (tests/bench/guest_exits.py), and
#                 the same under VMX in Bochs, xAPIC beside x2APIC
#                 (tests/bench/guest_exits_bochs.py)
#                 Debian's kernel to /init and to power-off under hv beside bare
#                 QEMU, and the exits of its boot (tests/bench/linux_vs_bare.py)
#                 a Linux guest's restart with its nvme: reset to the next /init, and
#                 the release, FLR, scrub, give-again and rebuild costs hv logs
#                 (tests/bench/linux_restart.py)
#                 Linux's nvme driver on a passed-through NVMe beside bare QEMU: 4 KiB
#                 random-read IOPS, 1 MiB sequential-read throughput (O_DIRECT,
#                 tests/linux/hvio.c on both sides) and the exits per device
#                 interrupt (tests/bench/linux_nvme_vs_bare.py)

BENCH_DIR := $(BUILD)/bench
# Optimised like the hypervisor, no sanitizers; the host ABI otherwise.
BENCH_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.
BENCH_PT_SRCS := tests/bench/bench_pt.c arch/x86/pt.c iommu/vtd_sl.c
BENCH_PT_HDRS := arch/x86/pt.h iommu/vtd_sl.h iommu/vtd_regs.h

$(BENCH_DIR)/bench_pt: $(BENCH_PT_SRCS) $(BENCH_PT_HDRS) | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) $(BENCH_PT_SRCS) -o $@

$(BENCH_DIR)/bench_iova: tests/bench/bench_iova.c iommu/iova.c iommu/iova.h | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) tests/bench/bench_iova.c iommu/iova.c -o $@

BENCH_AUDIT_SRCS := tests/bench/bench_audit.c arch/x86/pt.c iommu/vtd_sl.c iommu/irte.c \
	$(AUDIT_SRCS)

$(BENCH_DIR)/bench_audit: $(BENCH_AUDIT_SRCS) $(BENCH_PT_HDRS) $(AUDIT_HDRS) iommu/irte.h | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(BENCH_CFLAGS) $(BENCH_AUDIT_SRCS) -o $@

# The guest under hv has no PCI device: the same tests on both sides, no PCI one.
LINUX_BENCH_APPEND := console=ttyS0 panic=-1 tsc=reliable hvtest.cpus=2 hvtest.mem=512

bench: $(BENCH_DIR)/bench_pt $(BENCH_DIR)/bench_iova $(BENCH_DIR)/bench_audit $(BUILD)/hv.efi $(BUILD)/hv.elf \
		$(GUEST_IMAGES) $(LINUX_VMLINUZ) $(LINUX_INITRAMFS) $(LINUX_DEVICES_FILES)
	$(Q)$(BENCH_DIR)/bench_pt
	$(Q)echo
	$(Q)$(BENCH_DIR)/bench_iova
	$(Q)echo
	$(Q)$(BENCH_DIR)/bench_audit
	$(Q)echo
	$(Q)tests/bench/irq_latency.py --efi $(BUILD)/hv.efi --out $(BENCH_DIR)/irq
	$(Q)echo
	$(Q)tests/bench/guest_exits.py --efi $(BUILD)/hv.efi --guest $(GUEST_ELF) \
		--out $(BENCH_DIR)/guest
	$(Q)echo
	$(Q)tests/bench/guest_exits_bochs.py --elf $(BUILD)/hv.elf --guest $(GUEST_ELF) \
		--out $(BENCH_DIR)/guest-bochs
	$(Q)echo
	$(Q)tests/bench/linux_vs_bare.py --efi $(BUILD)/hv.efi --kernel $(LINUX_VMLINUZ) \
		--initrd $(LINUX_INITRAMFS) --append "$(LINUX_BENCH_APPEND)" \
		--bare-qemu "$(LINUX_BARE_QEMU)" --out $(BENCH_DIR)/linux
	$(Q)echo
	$(Q)tests/bench/linux_nvme_vs_bare.py --efi $(BUILD)/hv.efi --kernel $(LINUX_VMLINUZ) \
		--initrd $(LINUX_DEVICES_INITRAMFS) --image $(LINUX_NVME_IMAGE) \
		--out $(BENCH_DIR)/linux-nvme
	$(Q)echo
	$(Q)tests/bench/linux_restart.py --efi $(BUILD)/hv.efi --kernel $(LINUX_VMLINUZ) \
		--initrd $(LINUX_DEVICES_INITRAMFS) --image $(LINUX_NVME_IMAGE) \
		--out $(BENCH_DIR)/linux-restart

.PHONY: bench
