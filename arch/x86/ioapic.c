#include "arch/x86/ioapic.h"

#include <errno.h>

/* ---- entry formats ------------------------------------------------------- */

static bool dlm_reserved(unsigned dlm)
{
	return dlm == 3 || dlm == 6;
}

/* The bits both formats share at the same place: 16:12. */
static uint64_t common_bits(bool active_low, bool level, bool masked)
{
	return (active_low ? IOAPIC_RTE_ACTIVE_LOW : 0) | (level ? IOAPIC_RTE_LEVEL : 0) |
	       (masked ? IOAPIC_RTE_MASKED : 0);
}

int ioapic_rte_encode(const struct ioapic_rte *f, uint64_t *out)
{
	if (f->dlm > 7 || dlm_reserved(f->dlm))
		return -EINVAL;
	if ((f->dlm == IOAPIC_DLM_FIXED || f->dlm == IOAPIC_DLM_LOWEST) && f->vector < 0x10)
		return -EINVAL;
	*out = f->vector | (uint64_t)f->dlm << IOAPIC_RTE_DLM_SHIFT |
	       (f->dest_logical ? IOAPIC_RTE_DEST_LOGICAL : 0) |
	       common_bits(f->active_low, f->level, f->masked) |
	       (uint64_t)f->dest << IOAPIC_RTE_DEST_SHIFT;
	return 0;
}

int ioapic_rte_decode(uint64_t rte, struct ioapic_rte *f)
{
	unsigned dlm = (rte & IOAPIC_RTE_DLM) >> IOAPIC_RTE_DLM_SHIFT;

	/* The format bit lies inside the reserved range. */
	if ((rte & IOAPIC_RTE_RSVD_COMPAT) || dlm_reserved(dlm))
		return -EINVAL;
	f->vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR);
	f->dlm = (uint8_t)dlm;
	f->dest_logical = rte & IOAPIC_RTE_DEST_LOGICAL;
	f->active_low = rte & IOAPIC_RTE_ACTIVE_LOW;
	f->level = rte & IOAPIC_RTE_LEVEL;
	f->masked = rte & IOAPIC_RTE_MASKED;
	f->dest = (uint8_t)(rte >> IOAPIC_RTE_DEST_SHIFT);
	f->pending = rte & IOAPIC_RTE_PENDING;
	f->remote_irr = rte & IOAPIC_RTE_REMOTE_IRR;
	return 0;
}

int ioapic_rte_remap_encode(const struct ioapic_rte_remap *f, uint64_t *out)
{
	if (f->index > 0xffff)
		return -EINVAL;
	*out = f->vector | (f->index & 0x8000 ? IOAPIC_RTE_INDEX_15 : 0) |
	       common_bits(f->active_low, f->level, f->masked) | IOAPIC_RTE_REMAPPABLE |
	       (uint64_t)(f->index & 0x7fff) << IOAPIC_RTE_INDEX_SHIFT;
	return 0;
}

int ioapic_rte_remap_decode(uint64_t rte, struct ioapic_rte_remap *f)
{
	if (!ioapic_rte_is_remappable(rte) || (rte & IOAPIC_RTE_RSVD_REMAP))
		return -EINVAL;
	f->vector = (uint8_t)(rte & IOAPIC_RTE_VECTOR);
	f->index = (uint32_t)(rte >> IOAPIC_RTE_INDEX_SHIFT) |
		   (rte & IOAPIC_RTE_INDEX_15 ? 0x8000u : 0);
	f->active_low = rte & IOAPIC_RTE_ACTIVE_LOW;
	f->level = rte & IOAPIC_RTE_LEVEL;
	f->masked = rte & IOAPIC_RTE_MASKED;
	f->pending = rte & IOAPIC_RTE_PENDING;
	f->remote_irr = rte & IOAPIC_RTE_REMOTE_IRR;
	return 0;
}

/* ---- registers ----------------------------------------------------------- */

uint32_t ioapic_read(const struct ioapic *io, uint8_t reg)
{
	mmio32_write(&io->mmio, IOAPIC_REGSEL, reg);
	return mmio32_read(&io->mmio, IOAPIC_WINDOW);
}

void ioapic_write(const struct ioapic *io, uint8_t reg, uint32_t value)
{
	mmio32_write(&io->mmio, IOAPIC_REGSEL, reg);
	mmio32_write(&io->mmio, IOAPIC_WINDOW, value);
}

unsigned ioapic_max_entry(const struct ioapic *io)
{
	return IOAPIC_VER_MAX_ENTRY(ioapic_read(io, IOAPIC_REG_VER));
}

void ioapic_init(struct ioapic *io, struct mmio32 mmio)
{
	io->mmio = mmio;
	unsigned max = ioapic_max_entry(io);
	io->max_entry = max < IOAPIC_MAX_ENTRIES ? max : IOAPIC_MAX_ENTRIES - 1;
}

int ioapic_rte_read(const struct ioapic *io, unsigned pin, uint64_t *rte)
{
	if (pin > io->max_entry)
		return -EINVAL;
	uint32_t lo = ioapic_read(io, (uint8_t)IOAPIC_REG_RTE_LO(pin));
	uint32_t hi = ioapic_read(io, (uint8_t)IOAPIC_REG_RTE_HI(pin));
	*rte = (uint64_t)hi << 32 | lo;
	return 0;
}

int ioapic_rte_write(const struct ioapic *io, unsigned pin, uint64_t rte)
{
	if (pin > io->max_entry)
		return -EINVAL;
	uint8_t lo_reg = (uint8_t)IOAPIC_REG_RTE_LO(pin);
	uint32_t old_lo = ioapic_read(io, lo_reg);

	/* The chip sends with whatever the two words hold at the time: the
	 * old low word with the new high one (a new destination or remapping
	 * index with the old vector) must not be live. */
	if (!(old_lo & IOAPIC_RTE_MASKED))
		ioapic_write(io, lo_reg, old_lo | (uint32_t)IOAPIC_RTE_MASKED);
	ioapic_write(io, (uint8_t)IOAPIC_REG_RTE_HI(pin), (uint32_t)(rte >> 32));
	ioapic_write(io, lo_reg, (uint32_t)rte);
	return 0;
}

int ioapic_pin_mask(const struct ioapic *io, unsigned pin, bool masked)
{
	if (pin > io->max_entry)
		return -EINVAL;
	uint8_t lo_reg = (uint8_t)IOAPIC_REG_RTE_LO(pin);
	uint32_t lo = ioapic_read(io, lo_reg);

	lo = masked ? lo | (uint32_t)IOAPIC_RTE_MASKED : lo & ~(uint32_t)IOAPIC_RTE_MASKED;
	ioapic_write(io, lo_reg, lo);
	return 0;
}

void ioapic_mask_all(const struct ioapic *io)
{
	for (unsigned pin = 0; pin <= io->max_entry; pin++) {
		uint8_t lo_reg = (uint8_t)IOAPIC_REG_RTE_LO(pin);
		uint32_t lo = ioapic_read(io, lo_reg);

		if (!(lo & IOAPIC_RTE_MASKED))
			ioapic_write(io, lo_reg, lo | (uint32_t)IOAPIC_RTE_MASKED);
	}
}
