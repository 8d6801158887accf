#include "arch/x86/madt.h"
#include "arch/x86/acpi.h"
#include "arch/x86/log.h"

#include <errno.h>
#include <string.h>

#define MADT_ENTRIES_OFFSET 44
#define MADT_FLAG_PCAT_COMPAT (1u << 0)

enum madt_entry_type {
	MADT_LOCAL_APIC = 0,
	MADT_IO_APIC = 1,
	MADT_INTERRUPT_OVERRIDE = 2,
	MADT_LOCAL_X2APIC = 9,
};

#define LAPIC_FLAG_ENABLED (1u << 0)
#define LAPIC_FLAG_ONLINE_CAPABLE (1u << 1)

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static void add_cpu(struct madt_info *m, uint32_t apic_id, uint32_t flags)
{
	if (!(flags & (LAPIC_FLAG_ENABLED | LAPIC_FLAG_ONLINE_CAPABLE)))
		return;
	if (m->cpu_count == MADT_MAX_CPUS) {
		m->skipped_entries++;
		return;
	}
	m->cpu_apic_id[m->cpu_count++] = apic_id;
}

int madt_parse(const struct acpi_header *madt, struct madt_info *m)
{
	const uint8_t *base = (const uint8_t *)madt;
	uint32_t len = madt->length;

	memset(m, 0, sizeof(*m));
	if (len < MADT_ENTRIES_OFFSET) {
		log_err("madt: table of %u bytes is too short\n", len);
		return -EINVAL;
	}
	m->lapic_address = get_u32(base + 36);
	m->pcat_compat = get_u32(base + 40) & MADT_FLAG_PCAT_COMPAT;

	for (uint32_t off = MADT_ENTRIES_OFFSET; off < len;) {
		const uint8_t *e = base + off;
		if (len - off < 2 || e[1] < 2 || e[1] > len - off) {
			log_err("madt: entry at offset %u runs past the table\n", off);
			return -EINVAL;
		}
		uint8_t type = e[0], elen = e[1];
		if (type == MADT_LOCAL_APIC && elen >= 8) {
			add_cpu(m, e[3], get_u32(e + 4));
		} else if (type == MADT_LOCAL_X2APIC && elen >= 16) {
			add_cpu(m, get_u32(e + 4), get_u32(e + 8));
		} else if (type == MADT_IO_APIC && elen >= 12 &&
			   m->ioapic_count < MADT_MAX_IOAPICS) {
			m->ioapic[m->ioapic_count++] = (struct madt_ioapic){
				.id = e[2],
				.address = get_u32(e + 4),
				.gsi_base = get_u32(e + 8),
			};
		} else if (type == MADT_INTERRUPT_OVERRIDE && elen >= 10 &&
			   m->override_count < MADT_MAX_OVERRIDES) {
			m->override[m->override_count++] = (struct madt_override){
				.source = e[3],
				.gsi = get_u32(e + 4),
				.flags = (uint16_t)(e[8] | e[9] << 8),
			};
		} else {
			m->skipped_entries++;
		}
		off += elen;
	}
	return 0;
}

uint32_t madt_isa_gsi(const struct madt_info *m, uint8_t irq, uint16_t *flags)
{
	for (unsigned i = 0; i < m->override_count; i++)
		if (m->override[i].source == irq) {
			*flags = m->override[i].flags;
			return m->override[i].gsi;
		}
	*flags = 0;
	return irq;
}
