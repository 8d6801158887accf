#include "iommu/vtd_ir.h"
#include "arch/x86/log.h"
#include "iommu/vtd_caps.h"
#include "iommu/vtd_regs.h"

#include <errno.h>

#define IRTE_SIZE 16
#define IRTA_ADDR_MASK 0xfffffffffffff000ull

static volatile uint64_t *slot_of(const struct vtd_unit *u, uint32_t index)
{
	uint64_t *table = u->env->ptr(u->env->ctx, u->irt);

	return table + 2 * (uint64_t)index;
}

int vtd_ir_enable(struct vtd_unit *u, uint64_t table, unsigned irta_s, bool eim)
{
	const struct vtd_env *env = u->env;
	uint64_t irta = table | (eim ? VTD_IRTA_EIME : 0) | VTD_IRTA_S(irta_s);
	int err;

	if (!ecap_ir(u->ecap))
		return -ENODEV;
	if (!u->queued || (eim && !ecap_eim(u->ecap)))
		return -EOPNOTSUPP;
	if (irta_s > 15 || (table & ~IRTA_ADDR_MASK))
		return -EINVAL;
	u->irt = table;
	u->irt_entries = 1u << (irta_s + 1);
	u->eim = eim;
	vtd_flush_cache(u, env->ptr(env->ctx, table), (uint64_t)u->irt_entries * IRTE_SIZE);

	vtd_write64(u, VTD_IRTA, irta);
	if ((err = vtd_global_command(u, VTD_GCMD_SIRTP, true, "interrupt table pointer")))
		return err;
	uint64_t readback = vtd_read64(u, VTD_IRTA);
	if (readback != irta) {
		log_err("vt-d unit %u: IRTA reads back %#llx, %#llx was written\n", u->index,
			(unsigned long long)readback, (unsigned long long)irta);
		return -EIO;
	}
	/* The unit may hold entries of a table firmware used (6.5.2.5). */
	if ((err = vtd_invalidate_iec_global(u)))
		return err;
	/* CFI = 0 blocks compatibility-format requests once IRE is set
	 * (5.1.2.1); with EIME they are blocked regardless. */
	if ((vtd_read32(u, VTD_GSTS) & VTD_GSTS_CFIS) &&
	    (err = vtd_global_command(u, VTD_GCMD_CFI, false, "compatibility format block")))
		return err;
	if ((err = vtd_global_command(u, VTD_GCMD_IRE, true, "interrupt remapping enable")))
		return err;
	u->ir_enabled = true;
	return 0;
}

int vtd_ir_set(struct vtd_unit *u, uint32_t index, const struct irte_fields *f)
{
	uint64_t entry[2];

	if (!u->ir_enabled || index >= u->irt_entries || irte_validate(f, u->eim) ||
	    irte_encode(f, entry))
		return -EINVAL;
	volatile uint64_t *slot = slot_of(u, index);
	irte_write(slot, entry);
	vtd_flush_cache(u, (const void *)slot, IRTE_SIZE);
	return vtd_invalidate_iec_index(u, (uint16_t)index, 0);
}

int vtd_ir_clear(struct vtd_unit *u, uint32_t first, unsigned count)
{
	static const uint64_t empty[2];
	unsigned mask = 0;

	/* Validated before the mask loop: a count above 2^31 would shift by 32. */
	if (!u->ir_enabled || !count || (count & (count - 1)) || (first & (count - 1)) ||
	    first >= u->irt_entries || count > u->irt_entries - first)
		return -EINVAL;
	while ((1u << mask) < count)
		mask++;
	for (uint32_t i = first; i < first + count; i++)
		irte_write(slot_of(u, i), empty);
	vtd_flush_cache(u, (const void *)slot_of(u, first), (uint64_t)count * IRTE_SIZE);
	return vtd_invalidate_iec_index(u, (uint16_t)first, mask);
}

int vtd_ir_get(const struct vtd_unit *u, uint32_t index, struct irte_fields *f)
{
	if (!u->irt || index >= u->irt_entries)
		return -EINVAL;
	volatile uint64_t *slot = slot_of(u, index);
	const uint64_t entry[2] = { slot[0], slot[1] };
	irte_decode(entry, f);
	return 0;
}
