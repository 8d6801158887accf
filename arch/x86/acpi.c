#include "arch/x86/acpi.h"
#include "arch/x86/log.h"

#include <errno.h>
#include <string.h>

#define RSDP_V1_LENGTH 20
#define RSDP_MIN_REVISION 2

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum;
	uint8_t reserved[3];
} __attribute__((packed));

/* Table lengths above this are certainly corrupt. */
#define ACPI_TABLE_MAX_LENGTH (16u << 20)

bool acpi_checksum_ok(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return sum == 0;
}

static bool header_length_sane(const struct acpi_header *h)
{
	return h->length >= sizeof(*h) && h->length <= ACPI_TABLE_MAX_LENGTH;
}

/* The root table the RSDP names: the XSDT from revision 2 on, else (ACPI
 * 1.0, as Bochs's BIOS has it) the RSDT with 32-bit entries. */
static const struct acpi_header *root_table(const struct rsdp *rsdp, bool *rsdt)
{
	*rsdt = rsdp->revision < RSDP_MIN_REVISION;
	uint64_t addr = *rsdt ? rsdp->rsdt_address : rsdp->xsdt_address;
	const struct acpi_header *h = (const void *)(uintptr_t)addr;

	if (!h || memcmp(h->signature, *rsdt ? "RSDT" : "XSDT", 4) != 0 ||
	    !header_length_sane(h)) {
		log_err("acpi: %s at %#llx invalid\n", *rsdt ? "RSDT" : "XSDT",
			(unsigned long long)addr);
		return NULL;
	}
	return h;
}

static bool rsdp_checksums_ok(const struct rsdp *rsdp)
{
	if (!acpi_checksum_ok(rsdp, RSDP_V1_LENGTH))
		return false;
	if (rsdp->revision < RSDP_MIN_REVISION)
		return true; /* ACPI 1.0's RSDP ends before the length field */
	/* The extended checksum covers the 36 bytes ACPI 2.0 defines, not the
	 * length field's claim, which a corrupt RSDP could make huge. */
	return rsdp->length >= sizeof(*rsdp) && rsdp->length <= ACPI_TABLE_MAX_LENGTH &&
	       acpi_checksum_ok(rsdp, sizeof(*rsdp));
}

int acpi_tables_init(struct acpi_tables *t, const void *rsdp_ptr)
{
	const struct rsdp *rsdp = rsdp_ptr;

	memset(t, 0, sizeof(*t));
	if (!rsdp || memcmp(rsdp->signature, "RSD PTR ", 8) != 0) {
		log_err("acpi: no RSDP signature\n");
		return -ENOENT;
	}
	t->rsdp_revision = rsdp->revision;
	t->rsdp_checksum_ok = rsdp_checksums_ok(rsdp);
	if (!t->rsdp_checksum_ok)
		log_warn("acpi: RSDP checksum bad\n");

	const struct acpi_header *root = root_table(rsdp, &t->rsdt);
	if (!root)
		return -EINVAL;
	t->xsdt = root;
	t->xsdt_checksum_ok = acpi_checksum_ok(root, root->length);
	if (!t->xsdt_checksum_ok)
		log_warn("acpi: %s checksum bad\n", t->rsdt ? "RSDT" : "XSDT");

	size_t entry_size = t->rsdt ? sizeof(uint32_t) : sizeof(uint64_t);
	size_t entries = (root->length - sizeof(*root)) / entry_size;
	const uint8_t *entry = (const uint8_t *)(root + 1);
	for (size_t i = 0; i < entries; i++, entry += entry_size) {
		uint64_t addr = 0;

		memcpy(&addr, entry, entry_size); /* entries are unaligned; little endian */
		const struct acpi_header *h = (const void *)(uintptr_t)addr;
		if (!h || !header_length_sane(h)) {
			log_warn("acpi: %s entry %zu (%#llx) is not a table\n",
				 t->rsdt ? "RSDT" : "XSDT", i, (unsigned long long)addr);
			continue;
		}
		if (t->count == ACPI_MAX_TABLES) {
			log_warn("acpi: more than %u tables, rest ignored\n",
				 ACPI_MAX_TABLES);
			break;
		}
		struct acpi_table *e = &t->table[t->count++];
		e->header = h;
		e->checksum_ok = acpi_checksum_ok(h, h->length);
		if (!e->checksum_ok)
			log_warn("acpi: %.4s checksum bad\n", h->signature);
	}
	return 0;
}

const struct acpi_table *acpi_find(const struct acpi_tables *t,
				   const char signature[4], unsigned instance)
{
	for (unsigned i = 0; i < t->count; i++) {
		if (memcmp(t->table[i].header->signature, signature, 4) != 0)
			continue;
		if (instance-- == 0)
			return &t->table[i];
	}
	return NULL;
}

/* FADT (5.2.9) and HPET table (IA-PC HPET spec 3.2.4) field offsets. */
#define FADT_PM_TMR_BLK     76
#define FADT_FLAGS          112
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_X_PM_TMR_BLK   208
#define HPET_BASE_ADDRESS   40

static uint32_t read_u32(const void *base, size_t off)
{
	uint32_t v;

	memcpy(&v, (const uint8_t *)base + off, sizeof(v));
	return v;
}

void acpi_find_timers(const struct acpi_tables *t, struct acpi_timers *out)
{
	memset(out, 0, sizeof(*out));

	const struct acpi_table *fadt = acpi_find(t, "FACP", 0);
	if (fadt && fadt->header->length >= FADT_FLAGS + 4) {
		const struct acpi_header *h = fadt->header;
		uint32_t port = read_u32(h, FADT_PM_TMR_BLK);
		struct acpi_gas x;

		if (h->length >= FADT_X_PM_TMR_BLK + sizeof(x)) {
			memcpy(&x, (const uint8_t *)h + FADT_X_PM_TMR_BLK, sizeof(x));
			if (x.space_id == ACPI_GAS_SYSTEM_IO && x.address &&
			    x.address <= 0xffff)
				port = (uint32_t)x.address;
		}
		if (port && port <= 0xffff) {
			out->pm_timer_port = (uint16_t)port;
			out->pm_timer_32bit =
				read_u32(h, FADT_FLAGS) & FADT_FLAG_TMR_VAL_EXT;
		}
	}

	const struct acpi_table *hpet = acpi_find(t, "HPET", 0);
	if (hpet && hpet->header->length >= HPET_BASE_ADDRESS + sizeof(struct acpi_gas)) {
		struct acpi_gas gas;

		memcpy(&gas, (const uint8_t *)hpet->header + HPET_BASE_ADDRESS,
		       sizeof(gas));
		if (gas.space_id == ACPI_GAS_SYSTEM_MEMORY)
			out->hpet_base = gas.address;
	}
}
