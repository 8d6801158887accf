# DMAR parser: the dmar-dump host tool, iasl-compiled fixtures and the
# comparison with iasl over ../shared/dmar. Included by the Makefile.
#   make                      also builds build/host/dmar-dump
#   make dmar-fixtures        compiles tests/dmar/*.dsl into build/dmar/fixtures
#   make build/dmar.results   dmar-dump against iasl, and its command line

DMAR_HEADERS := iommu/dmar_model.h iommu/dmar_parser.h arch/x86/acpi.h arch/x86/log.h
# Absent outside CI's layout (the tables sit beside the clone): the suites
# that need them then skip with the reason.
DMAR_SHARED := ../shared/dmar

# ---- dmar-dump ------------------------------------------------------------------

DMAR_DUMP := $(BUILD)/host/dmar-dump
DMAR_DUMP_SRCS := iommu/tools/dmar_dump.c iommu/tools/log_stderr.c iommu/dmar.c iommu/dmar_checks.c \
	arch/x86/madt.c
DMAR_DUMP_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I.

all: $(DMAR_DUMP)

$(DMAR_DUMP): $(DMAR_DUMP_SRCS) $(DMAR_HEADERS) arch/x86/madt.h | deps
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOST_CC) $(DMAR_DUMP_CFLAGS) $(DMAR_DUMP_SRCS) -o $@

# ---- fixtures: tests/dmar/*.dsl through iasl, then tests/dmar/fixture.py ------------

DMAR_FIXTURE_DIR := $(BUILD)/dmar/fixtures
DMAR_FIXTURES := $(patsubst tests/dmar/%.dsl,$(DMAR_FIXTURE_DIR)/%.aml,\
	$(wildcard tests/dmar/*.dsl))

# iasl trusts the lengths written in the source and can loop forever on a
# wrong one: hence the timeout. Its output names come from -p (no dot in it).
$(DMAR_FIXTURE_DIR)/%.aml: tests/dmar/%.dsl tests/dmar/fixture.py | deps
	@mkdir -p $(dir $@)
	@echo "  IASL    $<"
	$(Q)timeout -k 5 30 iasl -vs -p $(DMAR_FIXTURE_DIR)/$*-iasl $< >$(DMAR_FIXTURE_DIR)/$*.log 2>&1 \
		|| { cat $(DMAR_FIXTURE_DIR)/$*.log; exit 1; }
	$(Q)tests/dmar/fixture.py $< $(DMAR_FIXTURE_DIR)/$*-iasl.aml $@

dmar-fixtures: $(DMAR_FIXTURES)

# ---- host unit tests (built and run by the Makefile's unit rules) -----------------

DMAR_UNIT_TESTS := $(filter $(UNIT_DIR)/test_dmar%,$(UNIT_TESTS))
$(DMAR_UNIT_TESTS): iommu/dmar.c iommu/dmar_checks.c tests/dmar/dmar_test_util.c tests/dmar/dmar_test_util.h \
	$(DMAR_HEADERS)
$(DMAR_UNIT_TESTS): HOST_CFLAGS += -DDMAR_FIXTURE_DIR='"$(DMAR_FIXTURE_DIR)"' \
	-DDMAR_SHARED_DIR='"$(DMAR_SHARED)"'
$(UNIT_DIR)/test_dmar_shared: arch/x86/madt.c arch/x86/madt.h
$(BUILD)/unit.results: $(DMAR_FIXTURES)

# ---- dmar-dump against iasl, and its command line ----------------------------------

$(BUILD)/dmar.results: $(DMAR_DUMP) $(DMAR_FIXTURES) tests/dmar/compare_iasl.py \
		tests/dmar/check_dump.py
	$(Q)rm -f $@ $@.tmp
	$(Q)tests/dmar/compare_iasl.py --dump $(DMAR_DUMP) --shared $(DMAR_SHARED) \
		--fixtures $(DMAR_FIXTURE_DIR) --work $(BUILD)/dmar/iasl >$@.tmp \
		|| echo "fail dmar/compare_iasl # the script exited with status $$?" >>$@.tmp
	$(Q)tests/dmar/check_dump.py --dump $(DMAR_DUMP) --fixtures $(DMAR_FIXTURE_DIR) \
		--work $(BUILD)/dmar/cli >>$@.tmp \
		|| echo "fail dmar/check_dump # the script exited with status $$?" >>$@.tmp
	$(Q)mv $@.tmp $@

CHECK_RESULTS += $(BUILD)/dmar.results

clean: clean-dmar
clean-dmar:
	rm -rf $(BUILD)/host $(BUILD)/dmar

.PHONY: dmar-fixtures clean-dmar
