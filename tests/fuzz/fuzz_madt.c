/* libFuzzer target: arch/x86/madt.c's madt_parse(). The parser takes the
 * header's length as the size of the mapped table (the ACPI layer maps that
 * much), so it is fed only inputs whose header fits and gets a copy of
 * exactly header.length bytes: a read past what the header claims is then
 * a read past the buffer, which ASan reports. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static struct madt_info info;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acpi_header h;
	uint8_t *table;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (h.length < sizeof(h) || h.length > size)
		return 0;
	table = malloc(h.length);
	CHECK(table);
	memcpy(table, data, h.length);
	madt_parse((const struct acpi_header *)table, &info);
	CHECK(info.cpu_count <= MADT_MAX_CPUS);
	CHECK(info.ioapic_count <= MADT_MAX_IOAPICS);
	free(table);
	return 0;
}
