# The libFuzzer targets of every parser and decoder of untrusted input, run for
# a bounded time each by `make check`. Included by the Makefile after the DMAR
# fixtures and the guest images, which seed them.
#   make fuzz                 builds them
#   make build/fuzz.results   runs each FUZZ_TIME seconds, two at a time

# ---- fuzz targets (libFuzzer, ASan + UBSan) -----------------------------------------

FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CC := clang-14
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -I. \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_TIME ?= 20
FUZZ_TARGETS := $(FUZZ_DIR)/fuzz_dmar $(FUZZ_DIR)/fuzz_madt $(FUZZ_DIR)/fuzz_config \
	$(FUZZ_DIR)/fuzz_elf $(FUZZ_DIR)/fuzz_insn_decode $(FUZZ_DIR)/fuzz_bzimage \
	$(FUZZ_DIR)/fuzz_insn_string $(FUZZ_DIR)/fuzz_mb2

$(FUZZ_DIR)/fuzz_dmar: iommu/dmar.c iommu/dmar_checks.c $(DMAR_HEADERS)
$(FUZZ_DIR)/fuzz_madt: arch/x86/madt.c arch/x86/madt.h arch/x86/acpi.h arch/x86/log.h
$(FUZZ_DIR)/fuzz_config: hv/guest/config_parse.c hv/guest/config_check.c hv/guest/config.h \
	hv/options.h hv/guest/abi.h arch/x86/log.h arch/x86/pci_id.c arch/x86/pci_id.h
$(FUZZ_DIR)/fuzz_elf: hv/guest/loader/elf.c hv/guest/loader/elf.h hv/guest/abi.h
$(FUZZ_DIR)/fuzz_bzimage: hv/guest/loader/bzimage.c hv/guest/loader/bzimage.h hv/guest/platform/e820.c \
	hv/guest/platform/e820.h hv/guest/platform/layout.h hv/guest/abi.h
$(FUZZ_DIR)/fuzz_insn_decode: arch/x86/insn_decode.c arch/x86/insn_emulate.c arch/x86/insn_decode.h
$(FUZZ_DIR)/fuzz_mb2: boot/mb2_info.c boot/mb2_memmap.c boot/mb2_info.h arch/x86/memmap.c
$(FUZZ_DIR)/fuzz_insn_string: arch/x86/insn_string.c arch/x86/insn_string.h arch/x86/insn_decode.h
$(FUZZ_TARGETS): $(FUZZ_DIR)/%: tests/fuzz/%.c tests/unit/log_stub.c | deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(filter %.c,$^) -o $@

fuzz: $(FUZZ_TARGETS)

# The corpora under build/fuzz/corpus are kept from run to run (make clean
# leaves them); each run starts from them plus the fixtures and shared tables.
$(BUILD)/fuzz.results: $(FUZZ_TARGETS) $(DMAR_FIXTURES) $(GUEST_IMAGES) tests/fuzz/run.sh
	$(Q)rm -f $@ $@.tmp
	$(Q)tests/fuzz/run.sh --time $(FUZZ_TIME) --dir $(FUZZ_DIR) --shared $(DMAR_SHARED) \
		--fixtures $(DMAR_FIXTURE_DIR) >$@.tmp \
		|| echo "fail fuzz/run # tests/fuzz/run.sh exited with status $$?" >>$@.tmp
	$(Q)mv $@.tmp $@

CHECK_RESULTS += $(BUILD)/fuzz.results

clean: clean-fuzz
clean-fuzz:
	rm -rf $(FUZZ_TARGETS) $(FUZZ_DIR)/seeds $(FUZZ_DIR)/artifacts $(FUZZ_DIR)/*.log

.PHONY: fuzz clean-fuzz
