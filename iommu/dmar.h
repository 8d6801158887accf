/* DMAR: the DMA-remapping hardware units firmware describes (Intel VT-d
 * specification 4.1, chapter 8). This first reading only summarises the
 * table: the header and the units; the platform model comes with the full
 * parser. */
#ifndef IOMMU_DMAR_H
#define IOMMU_DMAR_H

#include <stdint.h>

struct acpi_header;

#define DMAR_FLAG_INTR_REMAP     (1u << 0)
#define DMAR_FLAG_X2APIC_OPT_OUT (1u << 1)
#define DMAR_FLAG_DMA_CTRL_OPT_IN (1u << 2)

#define DRHD_FLAG_INCLUDE_PCI_ALL (1u << 0)

#define DMAR_MAX_UNITS 16

struct dmar_unit_summary {
	uint64_t register_base;
	uint16_t segment;
	uint8_t flags;
};

struct dmar_summary {
	unsigned host_address_width; /* bits: the table's field + 1 */
	uint8_t flags;
	unsigned unit_count;
	struct dmar_unit_summary unit[DMAR_MAX_UNITS];
	unsigned other_structures;
};

/* Returns 0, or -EINVAL with the offset logged when a structure runs past
 * the table. */
int dmar_summarize(const struct acpi_header *dmar, struct dmar_summary *out);

#endif
