# hv: build/hv.efi, the host tools and tests.
#   make        build build/hv.efi and build/hv.elf (multiboot2, for GRUB)
#   make run    boot the demo under QEMU (serial on this terminal)
#   make image  build/hv.img, a disk image to write to a USB stick
#   make check  every test: host unit tests, the no-FPU check, the must-not-compile
#               checks, boot tests
# Each target installs the Debian packages it lacks (tests/install-deps.sh).

BUILD := build
Q := @

.DEFAULT_GOAL := all

include boot/newlib.mk

# ---- the hypervisor image ----------------------------------------------------

HV_DIRS := boot arch/x86 arch/x86/svm arch/x86/vmx iommu hv hv/remap hv/guest hv/guest/loader hv/guest/platform hv/pci hv/selftest
HV_SRCS := $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S))
HV_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(basename $(HV_SRCS)))
# Two front ends over the same objects: UEFI (hv.efi) and multiboot2
# (hv.elf, for GRUB where there is no UEFI, e.g. Bochs).
objs_of = $(patsubst %,$(BUILD)/obj/%.o,$(basename $(1)))
EFI_OBJS := $(call objs_of,$(wildcard boot/efi_*.c))
MB2_OBJS := $(call objs_of,$(wildcard boot/mb2_*.c boot/mb2_*.S))
CORE_OBJS := $(filter-out $(EFI_OBJS) $(MB2_OBJS),$(HV_OBJS))

GNU_EFI_INC := /usr/include/efi
GNU_EFI_LIB := /usr/lib

# -mgeneral-regs-only: the hypervisor never touches SSE/x87/AVX state, which
# stays the guests'. -nostdinc: only gcc's freestanding headers and newlib's.
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
	-ffreestanding -fno-stack-protector -fPIC -mno-red-zone \
	-mgeneral-regs-only -fno-asynchronous-unwind-tables -fno-strict-aliasing \
	-DGNU_EFI_USE_MS_ABI -nostdinc -I. \
	-isystem $(shell gcc -print-file-name=include) \
	-isystem $(NEWLIB_INCLUDE) -isystem $(GNU_EFI_INC) -isystem $(GNU_EFI_INC)/x86_64 \
	-MMD -MP

HV_LDFLAGS := -nostdlib -znocombreloc -z noexecstack -T linker.ld -shared \
	-Bsymbolic --no-undefined -L$(GNU_EFI_LIB)

PE_SECTIONS := .text .rodata .data .dynamic .dynsym .dynstr .rel .rela .reloc

MB2_LDFLAGS := -nostdlib -static -z noexecstack -z max-page-size=0x1000 -z noseparate-code \
	-T boot/mb2.ld

all: $(BUILD)/hv.efi $(BUILD)/hv.elf

deps:
	$(Q)tests/install-deps.sh

$(NEWLIB_LIBC): | deps

$(BUILD)/obj/%.o: %.c $(NEWLIB_LIBC)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(HV_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S | deps
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)gcc $(HV_CFLAGS) -c $< -o $@

$(BUILD)/hv.so: $(CORE_OBJS) $(EFI_OBJS) $(NEWLIB_LIBC) linker.ld
	@echo "  LD      $@"
	$(Q)ld $(HV_LDFLAGS) $(GNU_EFI_LIB)/crt0-efi-x86_64.o $(CORE_OBJS) $(EFI_OBJS) \
		$(NEWLIB_LIBC) -lgnuefi -o $@

$(BUILD)/hv.efi: $(BUILD)/hv.so
	@echo "  PE      $@"
	$(Q)objcopy $(addprefix -j ,$(PE_SECTIONS)) --target efi-app-x86_64 \
		--subsystem=10 $< $@

$(BUILD)/hv.elf: $(CORE_OBJS) $(MB2_OBJS) $(NEWLIB_LIBC) boot/mb2.ld
	@echo "  LD      $@"
	$(Q)ld $(MB2_LDFLAGS) $(CORE_OBJS) $(MB2_OBJS) $(NEWLIB_LIBC) -o $@

-include $(HV_OBJS:.o=.d)

# ---- host unit tests (cmocka, ASan + UBSan) -----------------------------------

HOST_CC := clang-14
HOST_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_DIR := $(BUILD)/unit
UNIT_TESTS := $(patsubst tests/unit/%.c,$(UNIT_DIR)/%,$(wildcard tests/unit/test_*.c))
# The code under test each unit test links with.
UNIT_COMMON := tests/unit/log_stub.c
$(UNIT_DIR)/test_palloc: arch/x86/palloc.c arch/x86/memmap.c
$(UNIT_DIR)/test_pt: arch/x86/pt.c
$(UNIT_DIR)/test_vtd_sl: arch/x86/pt.c iommu/vtd_sl.c
$(UNIT_DIR)/test_acpi: arch/x86/acpi.c
$(UNIT_DIR)/test_madt_mcfg: arch/x86/madt.c arch/x86/mcfg.c
$(UNIT_DIR)/test_options: hv/options.c arch/x86/pci_id.c arch/x86/pci_id.h
$(UNIT_DIR)/test_config: hv/guest/config_parse.c hv/guest/config_check.c hv/guest/config.h \
	hv/guest/line_budget.h hv/guest/restart_budget.h arch/x86/pci_id.c arch/x86/pci_id.h
$(UNIT_DIR)/test_memmap: arch/x86/memmap.c
$(UNIT_DIR)/test_vtd_caps: iommu/vtd_caps.c iommu/vtd_fault_reason.c
$(UNIT_DIR)/test_domain_id: iommu/domain_id.c
$(UNIT_DIR)/test_iova: iommu/iova.c
$(UNIT_DIR)/test_irte: iommu/irte.c iommu/irq_remap_alloc.c
$(UNIT_DIR)/test_vtd_hw: tests/unit/fake_vtd.c tests/unit/fake_vtd.h iommu/vtd_unit.c \
	iommu/vtd_domain.c iommu/vtd_fault.c iommu/vtd_caps.c iommu/vtd_fault_reason.c \
	iommu/domain_id.c iommu/vtd_sl.c arch/x86/pt.c
$(UNIT_DIR)/test_vtd_ir: tests/unit/fake_vtd.c tests/unit/fake_vtd.h iommu/vtd_ir.c iommu/irte.c \
	iommu/vtd_unit.c iommu/vtd_caps.c iommu/vtd_fault_reason.c iommu/domain_id.c
AUDIT_SRCS := iommu/vtd_audit_context.c iommu/vtd_audit_sl.c iommu/vtd_audit_irt.c \
	iommu/vtd_audit_say.c hv/remap/audit_check.c hv/remap/audit_map.c hv/remap/audit_irte.c
AUDIT_HDRS := iommu/vtd_audit.h iommu/vtd_audit_bits.h hv/remap/audit_check.h hv/remap/audit_run.h
$(UNIT_DIR)/test_audit: $(AUDIT_SRCS) $(AUDIT_HDRS) tests/unit/fake_vtd.c tests/unit/fake_vtd.h \
	iommu/vtd_ir.c iommu/irte.c iommu/vtd_unit.c iommu/vtd_domain.c iommu/vtd_sl.c \
	arch/x86/pt.c iommu/vtd_caps.c iommu/vtd_fault_reason.c iommu/domain_id.c
$(UNIT_DIR)/test_pci_groups: arch/x86/pci_enum.c iommu/group.c iommu/dmar_match.c iommu/dmar.c iommu/dmar_checks.c
$(UNIT_DIR)/test_pci_id: arch/x86/pci_id.c arch/x86/pci_id.h
$(UNIT_DIR)/test_pci_msi: arch/x86/pci_msi.c arch/x86/pci_msi.h arch/x86/mmio32.h arch/x86/pci_regs.h
$(UNIT_DIR)/test_ioapic: arch/x86/ioapic.c arch/x86/ioapic.h arch/x86/mmio32.h
$(UNIT_DIR)/test_insn_decode: arch/x86/insn_decode.c arch/x86/insn_emulate.c arch/x86/insn_decode.h
$(UNIT_DIR)/test_insn_wbinvd: arch/x86/insn_wbinvd.c arch/x86/insn_wbinvd.h
$(UNIT_DIR)/test_insn_string: arch/x86/insn_string.c arch/x86/insn_string.h arch/x86/insn_decode.h
$(UNIT_DIR)/test_guest_walk: arch/x86/guest_walk.c arch/x86/guest_walk.h arch/x86/pt.c arch/x86/pt.h
$(UNIT_DIR)/test_elf: hv/guest/loader/elf.c hv/guest/loader/elf.h hv/guest/abi.h
$(UNIT_DIR)/test_vpci: hv/pci/vpci.c hv/pci/vpci.h
$(UNIT_DIR)/test_vmsix: hv/pci/vmsix.c hv/pci/vmsix.h
$(UNIT_DIR)/test_passthrough_msix: hv/pci/passthrough_msix.c hv/pci/vmsix.c hv/pci/vmsix.h hv/pci/passthrough.h
$(UNIT_DIR)/test_io_table: hv/guest/io_table.c hv/guest/io_table.h
$(UNIT_DIR)/test_vlapic: hv/guest/vlapic.c hv/guest/vlapic_x2apic.c hv/guest/vlapic.h arch/x86/lapic.h \
	hv/guest/apic_logical.c hv/guest/partition.h
$(UNIT_DIR)/test_apic_logical: hv/guest/apic_logical.c hv/guest/apic_logical.h
$(UNIT_DIR)/test_fault_counts: hv/remap/fault_counts.c hv/remap/fault_counts.h
$(UNIT_DIR)/test_spinlock: arch/x86/spinlock.h arch/x86/lock_record.h arch/x86/cpu.h
$(UNIT_DIR)/test_recovery_decision: arch/x86/recovery_decision.c arch/x86/recovery_decision.h
$(UNIT_DIR)/test_spinlock: UNIT_LDLIBS := -pthread
$(UNIT_DIR)/test_line_budget: hv/guest/line_budget.c hv/guest/line_budget.h
$(UNIT_DIR)/test_restart_budget: hv/guest/restart_budget.c hv/guest/restart_budget.h
$(UNIT_DIR)/test_e820: hv/guest/platform/e820.c hv/guest/platform/e820.h hv/guest/abi.h
$(UNIT_DIR)/test_svm_msrpm: arch/x86/svm/svm_msrpm.c arch/x86/svm/svm_msrpm.h
$(UNIT_DIR)/test_vmx_exit_decode: arch/x86/vmx/vmx_exit_decode.c arch/x86/vmx/vmx_exit_decode.h arch/x86/vcpu.h
$(UNIT_DIR)/test_vmcs: arch/x86/vmx/vmx_caps.c arch/x86/vmx/vmcs_image.c arch/x86/vmx/vmcs_check.c \
	arch/x86/vmx/vmx_caps.h arch/x86/vmx/vmcs_image.h arch/x86/vmx/vmcs_check.h arch/x86/vmx/vmcs_fields.h
$(UNIT_DIR)/test_bzimage: hv/guest/loader/bzimage.c hv/guest/loader/bzimage.h hv/guest/platform/e820.c \
	hv/guest/platform/e820.h hv/guest/platform/layout.h hv/guest/abi.h
$(UNIT_DIR)/test_pit: hv/guest/platform/pit.c hv/guest/platform/pit.h hv/guest/platform/clock_ticks.h
$(UNIT_DIR)/test_cmos: hv/guest/platform/cmos.c hv/guest/platform/cmos.h hv/guest/platform/civil_time.c \
	hv/guest/platform/civil_time.h hv/guest/platform/clock_ticks.h
$(UNIT_DIR)/test_acpi_pm: hv/guest/platform/acpi_pm.c hv/guest/platform/acpi_pm.h hv/guest/platform/clock_ticks.h
$(UNIT_DIR)/test_acpi_tables: hv/guest/platform/acpi_tables.c hv/guest/platform/acpi_dsdt.c \
	hv/guest/platform/aml.c arch/x86/acpi.c arch/x86/madt.c arch/x86/mcfg.c \
	hv/guest/platform/acpi_tables.h hv/guest/platform/acpi_dsdt.h hv/guest/platform/aml.h \
	hv/guest/platform/layout.h
$(UNIT_DIR)/test_vuart: hv/guest/uart16550_model.c hv/guest/uart16550_model.h
$(UNIT_DIR)/test_mb2: boot/mb2_info.c boot/mb2_memmap.c boot/mb2_info.h arch/x86/memmap.c
$(UNIT_DIR)/test_cmos_clock: boot/cmos_clock.c boot/cmos_clock.h

$(UNIT_DIR)/%: tests/unit/%.c $(UNIT_COMMON) | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(HOST_CFLAGS) $(filter %.c,$^) -lcmocka $(UNIT_LDLIBS) -o $@

unit: $(UNIT_TESTS)

$(BUILD)/unit.results: $(UNIT_TESTS) tests/unit/tap2results.py
	$(Q)rm -f $@.tmp
	$(Q)for t in $(UNIT_TESTS); do \
		HV_TEST_BZIMAGE=$(LINUX_VMLINUZ) CMOCKA_MESSAGE_OUTPUT=TAP $$t 2>$$t.stderr | \
			tests/unit/tap2results.py $$(basename $$t) >> $@.tmp; \
	done
	$(Q)mv $@.tmp $@

include tests/dmar.mk
include tests/acpi_tables.mk
include tests/guest/guest.mk
include tests/linux/linux.mk
include tests/bench.mk
include tests/fuzz/fuzz.mk
include tests/image/image.mk
include tests/boot/bochs.mk
# test_bzimage also plans the distribution kernel the Linux scenarios boot.
$(BUILD)/unit.results: $(LINUX_VMLINUZ)

# ---- checks ------------------------------------------------------------------

$(BUILD)/no-fpu.results: $(BUILD)/hv.so tests/check-no-fpu.sh
	$(Q)tests/check-no-fpu.sh $< > $@

$(BUILD)/layers.results: tests/check-layers.sh $(HV_SRCS) $(wildcard arch/x86/*.h arch/x86/*/*.h iommu/*.h)
	$(Q)tests/check-layers.sh > $@

$(BUILD)/boot.results: $(BUILD)/hv.efi tests/boot/run.py tests/boot/scenarios.py \
		$(LINUX_VMLINUZ) $(LINUX_INITRAMFS) $(LINUX_DEVICES_FILES)
	$(Q)rm -f $@
	$(Q)-tests/boot/run.py --efi $(BUILD)/hv.efi --out $(BUILD)/boot --results $@

# Misuses that must not compile (tests/compile_fail/), under both compilers
# and the flags the code they misuse is built with.
COMPILE_FAIL_SNIPPETS := $(wildcard tests/compile_fail/*.c)
$(BUILD)/compile-fail.results: $(COMPILE_FAIL_SNIPPETS) tests/check-compile-fail.sh \
		$(wildcard iommu/*.h arch/x86/vmx/*.h) $(NEWLIB_LIBC)
	$(Q)rm -f $@.tmp
	$(Q)for s in $(COMPILE_FAIL_SNIPPETS); do \
		tests/check-compile-fail.sh $$s gcc $(filter-out -MMD -MP,$(HV_CFLAGS)) >>$@.tmp; \
		tests/check-compile-fail.sh $$s $(HOST_CC) $(HOST_CFLAGS) >>$@.tmp; \
	done
	$(Q)mv $@.tmp $@

# Each suite writes one results file; fragments add theirs to CHECK_RESULTS.
CHECK_RESULTS += $(BUILD)/unit.results $(BUILD)/no-fpu.results $(BUILD)/layers.results \
	$(BUILD)/compile-fail.results $(BUILD)/boot.results

check: deps
	$(Q)rm -f $(CHECK_RESULTS)
	$(Q)$(MAKE) --no-print-directory $(CHECK_RESULTS)
	$(Q)tests/summary.py $(CHECK_RESULTS)

# ---- the demo ----------------------------------------------------------------

RUN_DIR := $(BUILD)/run
RUN_CMDLINE ?= exit=qemu
RUN_CONFIG ?= tests/guest/two-guests.cfg
# CPU 0 is the hypervisor's; the demo's two guests take two CPUs each.
QEMU_RUN := qemu-system-x86_64 -machine q35 -cpu max -smp 5 -m 2G \
	-bios /usr/share/ovmf/OVMF.fd -nodefaults -display none -no-reboot \
	-drive file=fat:rw:$(RUN_DIR)/esp,format=raw -serial stdio \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-device intel-iommu,intremap=on -device edu,addr=0x4

# QEMU exits with (code << 1) | 1: 33 is the hypervisor's success.
run: $(BUILD)/hv.efi $(GUEST_IMAGES)
	$(Q)rm -rf $(RUN_DIR)/esp
	$(Q)mkdir -p $(RUN_DIR)/esp/EFI/BOOT
	$(Q)cp $(BUILD)/hv.efi $(RUN_DIR)/esp/EFI/BOOT/BOOTX64.EFI
	$(Q)cp $(GUEST_IMAGES) $(RUN_DIR)/esp/EFI/BOOT/
	$(Q)cp $(RUN_CONFIG) $(RUN_DIR)/esp/EFI/BOOT/hv.cfg
	$(Q)echo '$(RUN_CMDLINE)' > $(RUN_DIR)/esp/EFI/BOOT/hv.cmdline
	$(Q)timeout 60 $(QEMU_RUN); rc=$$?; \
		if [ $$rc -eq 33 ]; then echo "make run: hv exited with success"; \
		else echo "make run: QEMU exit status $$rc"; exit 1; fi

clean:
	rm -rf $(BUILD)/obj $(BUILD)/unit $(BUILD)/boot $(BUILD)/boot-bochs $(BUILD)/run $(BUILD)/hv.* \
		$(BUILD)/*.results

distclean:
	rm -rf $(BUILD)

.PHONY: all deps unit check run clean distclean
