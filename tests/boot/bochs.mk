# The Bochs lane (tests/boot/bochs.py): build/hv.elf booted by GRUB's
# multiboot2 from an ISO under Bochs (Intel CPU with VT-x and x2APIC, BIOS,
# ACPI 1.0, no MCFG, no DMAR). Twelve boots, about 5 minutes in all, 3.5 of
# them Debian's kernel.

BOCHS_DIR := $(BUILD)/boot-bochs

$(BUILD)/boot-bochs.results: $(BUILD)/hv.elf $(GUEST_ELF) $(BAD_GUEST_ELF) tests/boot/bochs.py \
		tests/boot/run.py tests/boot/scenarios.py $(LINUX_VMLINUZ) $(LINUX_INITRAMFS) | deps
	$(Q)rm -f $@
	$(Q)-tests/boot/bochs.py --elf $(BUILD)/hv.elf --guest-elf $(GUEST_ELF) --out $(BOCHS_DIR) \
		--kernel $(LINUX_VMLINUZ) --initrd $(LINUX_INITRAMFS) --results $@

# The multiboot2 image holds no FPU/vector instruction either.
$(BUILD)/no-fpu-elf.results: $(BUILD)/hv.elf tests/check-no-fpu.sh
	$(Q)tests/check-no-fpu.sh $< | sed 's|no_fpu_instructions|no_fpu_instructions_hv_elf|' > $@

boot-bochs: $(BUILD)/boot-bochs.results
	$(Q)tests/summary.py $<

CHECK_RESULTS += $(BUILD)/boot-bochs.results $(BUILD)/no-fpu-elf.results

.PHONY: boot-bochs
