# The ACPI tables hv synthesises for a Linux guest, through iasl: the unit
# test dumps them (ACPI_DUMP_DIR) and tests/acpi_tables_iasl.sh disassembles
# each, fails on any iasl warning or error, and checks what the DSDT names.
# Included by the Makefile.
#   make build/acpi-tables.results

ACPI_TABLES_TEST := $(UNIT_DIR)/test_acpi_tables

$(BUILD)/acpi-tables.results: $(ACPI_TABLES_TEST) tests/acpi_tables_iasl.sh | deps
	$(Q)rm -f $@ $@.tmp
	$(Q)tests/acpi_tables_iasl.sh $(ACPI_TABLES_TEST) $(BUILD)/acpi-tables >$@.tmp \
		|| echo "fail acpi-tables/script # tests/acpi_tables_iasl.sh exited with status $$?" >>$@.tmp
	$(Q)mv $@.tmp $@

CHECK_RESULTS += $(BUILD)/acpi-tables.results

clean: clean-acpi-tables
clean-acpi-tables:
	rm -rf $(BUILD)/acpi-tables

.PHONY: clean-acpi-tables
