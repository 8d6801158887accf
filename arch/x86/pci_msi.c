#include "arch/x86/pci_msi.h"

#include <errno.h>

/* ---- config space -------------------------------------------------------- */

static uint32_t rd32(const struct pci_msi_cfg_ops *c, struct pci_bdf d, uint16_t off)
{
	return c->read32(c->ctx, d, off & ~3u);
}

static uint16_t rd16(const struct pci_msi_cfg_ops *c, struct pci_bdf d, uint16_t off)
{
	return (uint16_t)(rd32(c, d, off) >> (8 * (off & 2)));
}

/* Message Control of the capability with ID `id` at `cap`: the header
 * dword's upper half. Checking the ID on every call costs one config read
 * and turns a stale or wrong offset into -ENODEV instead of writes into
 * some other register. */
static int control(const struct pci_msi_cfg_ops *c, struct pci_bdf d, uint8_t cap, uint8_t id,
		   uint16_t *ctl)
{
	if (cap < PCI_CAP_FIRST || (cap & 3))
		return -ENODEV;
	uint32_t header = rd32(c, d, cap);
	if ((header & 0xff) != id)
		return -ENODEV;
	*ctl = (uint16_t)(header >> 16);
	return 0;
}

/* ---- MSI ----------------------------------------------------------------- */

static unsigned msi_log2_capable(uint16_t ctl)
{
	unsigned n = (ctl & PCI_MSI_FLAGS_QMASK) >> 1;

	return n > PCI_MSI_MAX_LOG2 ? PCI_MSI_MAX_LOG2 : n;
}

static uint16_t msi_data_reg(const struct pci_msi *m, uint16_t ctl)
{
	return (uint16_t)(m->cap + (ctl & PCI_MSI_FLAGS_64BIT ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32));
}

static uint16_t msi_mask_reg(const struct pci_msi *m, uint16_t ctl)
{
	return (uint16_t)(m->cap + (ctl & PCI_MSI_FLAGS_64BIT ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32));
}

static void msi_write_control(const struct pci_msi *m, uint16_t ctl)
{
	m->cfg->write16(m->cfg->ctx, m->bdf, (uint16_t)(m->cap + PCI_MSI_FLAGS), ctl);
}

int pci_msi_info(const struct pci_msi *m, struct pci_msi_info *out)
{
	uint16_t ctl;
	int r = control(m->cfg, m->bdf, m->cap, PCI_CAP_ID_MSI, &ctl);

	if (r)
		return r;
	out->addr64 = ctl & PCI_MSI_FLAGS_64BIT;
	out->per_vector_mask = ctl & PCI_MSI_FLAGS_MASKBIT;
	out->ext_data = ctl & PCI_MSI_FLAGS_EXT_DATA;
	out->log2_capable = (uint8_t)msi_log2_capable(ctl);
	out->enabled = ctl & PCI_MSI_FLAGS_ENABLE;
	out->log2_enabled = (uint8_t)((ctl & PCI_MSI_FLAGS_QSIZE) >> 4);
	return 0;
}

/* log2(n) for a power of two 1..32, or -1. */
static int log2_vectors(unsigned n)
{
	for (int i = 0; i <= PCI_MSI_MAX_LOG2; i++)
		if (n == 1u << i)
			return i;
	return -1;
}

int pci_msi_program(const struct pci_msi *m, struct msi_msg msg, unsigned nvec)
{
	const struct pci_msi_cfg_ops *c = m->cfg;
	uint16_t ctl;
	int r = control(c, m->bdf, m->cap, PCI_CAP_ID_MSI, &ctl);

	if (r)
		return r;
	bool addr64 = ctl & PCI_MSI_FLAGS_64BIT;
	int log2 = log2_vectors(nvec);
	if (log2 < 0 || (unsigned)log2 > msi_log2_capable(ctl))
		return -EINVAL;
	if ((msg.addr & 3) || (!addr64 && (msg.addr >> 32)))
		return -EINVAL;
	if (msg.data > 0xffff || (msg.data & (nvec - 1)))
		return -EINVAL;

	/* Off while the message changes: a device never sends half of it. */
	ctl &= (uint16_t)~PCI_MSI_FLAGS_ENABLE;
	msi_write_control(m, ctl);
	c->write32(c->ctx, m->bdf, (uint16_t)(m->cap + PCI_MSI_ADDRESS_LO), (uint32_t)msg.addr);
	if (addr64)
		c->write32(c->ctx, m->bdf, (uint16_t)(m->cap + PCI_MSI_ADDRESS_HI),
			   (uint32_t)(msg.addr >> 32));
	c->write16(c->ctx, m->bdf, msi_data_reg(m, ctl), (uint16_t)msg.data);
	ctl &= (uint16_t)~(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_EXT_DATA_EN);
	ctl |= (uint16_t)(log2 << 4);
	msi_write_control(m, ctl);
	msi_write_control(m, ctl | PCI_MSI_FLAGS_ENABLE);
	return 0;
}

int pci_msi_disable(const struct pci_msi *m)
{
	uint16_t ctl;
	int r = control(m->cfg, m->bdf, m->cap, PCI_CAP_ID_MSI, &ctl);

	if (r)
		return r;
	msi_write_control(m, ctl & (uint16_t)~PCI_MSI_FLAGS_ENABLE);
	return 0;
}

static int msi_set_mask(const struct pci_msi *m, unsigned vector, bool masked)
{
	const struct pci_msi_cfg_ops *c = m->cfg;
	uint16_t ctl;
	int r = control(c, m->bdf, m->cap, PCI_CAP_ID_MSI, &ctl);

	if (r)
		return r;
	if (!(ctl & PCI_MSI_FLAGS_MASKBIT))
		return -EOPNOTSUPP;
	if (vector >= 1u << msi_log2_capable(ctl))
		return -EINVAL;
	uint16_t reg = msi_mask_reg(m, ctl);
	uint32_t bits = rd32(c, m->bdf, reg);
	bits = masked ? bits | 1u << vector : bits & ~(1u << vector);
	c->write32(c->ctx, m->bdf, reg, bits);
	return 0;
}

int pci_msi_mask(const struct pci_msi *m, unsigned vector)
{
	return msi_set_mask(m, vector, true);
}

int pci_msi_unmask(const struct pci_msi *m, unsigned vector)
{
	return msi_set_mask(m, vector, false);
}

/* ---- MSI-X --------------------------------------------------------------- */

static unsigned msix_table_size(uint16_t ctl)
{
	return (ctl & PCI_MSIX_FLAGS_QSIZE) + 1u;
}

static void msix_write_control(const struct pci_msix *x, uint16_t ctl)
{
	x->cfg->write16(x->cfg->ctx, x->bdf, (uint16_t)(x->cap + PCI_MSIX_FLAGS), ctl);
}

static uint32_t entry_reg(unsigned index, uint32_t reg)
{
	return index * PCI_MSIX_ENTRY_SIZE + reg;
}

int pci_msix_info(const struct pci_msix *x, struct pci_msix_info *out)
{
	uint16_t ctl;
	int r = control(x->cfg, x->bdf, x->cap, PCI_CAP_ID_MSIX, &ctl);

	if (r)
		return r;
	uint32_t table = rd32(x->cfg, x->bdf, (uint16_t)(x->cap + PCI_MSIX_TABLE));
	uint32_t pba = rd32(x->cfg, x->bdf, (uint16_t)(x->cap + PCI_MSIX_PBA));
	if ((table & PCI_MSIX_BIR_MASK) > PCI_MSIX_BIR_MAX ||
	    (pba & PCI_MSIX_BIR_MASK) > PCI_MSIX_BIR_MAX)
		return -EINVAL;
	out->enabled = ctl & PCI_MSIX_FLAGS_ENABLE;
	out->function_masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	out->table_size = (uint16_t)msix_table_size(ctl);
	out->table_bir = (uint8_t)(table & PCI_MSIX_BIR_MASK);
	out->table_offset = table & PCI_MSIX_OFFSET_MASK;
	out->pba_bir = (uint8_t)(pba & PCI_MSIX_BIR_MASK);
	out->pba_offset = pba & PCI_MSIX_OFFSET_MASK;
	return 0;
}

/* Sets or clears an entry's mask bit, keeping Vector Control's other bits,
 * and reads the register back: MMIO writes are posted, the read returns
 * only once they have reached the device. */
static void entry_set_mask(const struct pci_msix *x, unsigned index, bool masked)
{
	uint32_t reg = entry_reg(index, PCI_MSIX_ENTRY_VECTOR_CTRL);
	uint32_t vc = mmio32_read(&x->table, reg);

	vc = masked ? vc | PCI_MSIX_ENTRY_CTRL_MASKBIT : vc & ~PCI_MSIX_ENTRY_CTRL_MASKBIT;
	mmio32_write(&x->table, reg, vc);
	(void)mmio32_read(&x->table, reg);
}

/* The entry write itself, arguments checked. */
static void entry_write(const struct pci_msix *x, unsigned index, struct msi_msg msg, bool masked)
{
	uint32_t vc_reg = entry_reg(index, PCI_MSIX_ENTRY_VECTOR_CTRL);
	uint32_t vc = mmio32_read(&x->table, vc_reg);

	if (!(vc & PCI_MSIX_ENTRY_CTRL_MASKBIT))
		mmio32_write(&x->table, vc_reg, vc | PCI_MSIX_ENTRY_CTRL_MASKBIT);
	mmio32_write(&x->table, entry_reg(index, PCI_MSIX_ENTRY_ADDR_LO), (uint32_t)msg.addr);
	mmio32_write(&x->table, entry_reg(index, PCI_MSIX_ENTRY_ADDR_HI),
		     (uint32_t)(msg.addr >> 32));
	mmio32_write(&x->table, entry_reg(index, PCI_MSIX_ENTRY_DATA), msg.data);
	if (!masked)
		mmio32_write(&x->table, vc_reg, vc & ~PCI_MSIX_ENTRY_CTRL_MASKBIT);
	(void)mmio32_read(&x->table, vc_reg);
}

int pci_msix_enable(const struct pci_msix *x, const struct msi_msg *msgs, unsigned n)
{
	uint16_t ctl;
	int r = control(x->cfg, x->bdf, x->cap, PCI_CAP_ID_MSIX, &ctl);

	if (r)
		return r;
	unsigned size = msix_table_size(ctl);
	if (n == 0 || n > size)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (msgs[i].addr & 3)
			return -EINVAL;

	msix_write_control(x, ctl | PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
	for (unsigned i = 0; i < size; i++) {
		if (i < n)
			entry_write(x, i, msgs[i], false);
		else
			entry_set_mask(x, i, true);
	}
	msix_write_control(x, (uint16_t)((ctl | PCI_MSIX_FLAGS_ENABLE) & ~PCI_MSIX_FLAGS_MASKALL));
	return 0;
}

/* Message Control, and -EINVAL unless `index` is inside the table. */
static int msix_check_index(const struct pci_msix *x, unsigned index)
{
	uint16_t ctl;
	int r = control(x->cfg, x->bdf, x->cap, PCI_CAP_ID_MSIX, &ctl);

	if (r)
		return r;
	return index < msix_table_size(ctl) ? 0 : -EINVAL;
}

int pci_msix_entry_write(const struct pci_msix *x, unsigned index, struct msi_msg msg,
			 bool masked)
{
	int r = msix_check_index(x, index);

	if (r)
		return r;
	if (msg.addr & 3)
		return -EINVAL;
	entry_write(x, index, msg, masked);
	return 0;
}

int pci_msix_entry_mask(const struct pci_msix *x, unsigned index)
{
	int r = msix_check_index(x, index);

	if (!r)
		entry_set_mask(x, index, true);
	return r;
}

int pci_msix_entry_unmask(const struct pci_msix *x, unsigned index)
{
	int r = msix_check_index(x, index);

	if (!r)
		entry_set_mask(x, index, false);
	return r;
}

int pci_msix_function_mask(const struct pci_msix *x, bool masked)
{
	uint16_t ctl;
	int r = control(x->cfg, x->bdf, x->cap, PCI_CAP_ID_MSIX, &ctl);

	if (r)
		return r;
	msix_write_control(x, masked ? ctl | PCI_MSIX_FLAGS_MASKALL
				     : (uint16_t)(ctl & ~PCI_MSIX_FLAGS_MASKALL));
	return 0;
}

int pci_msix_disable(const struct pci_msix *x)
{
	uint16_t ctl;
	int r = control(x->cfg, x->bdf, x->cap, PCI_CAP_ID_MSIX, &ctl);

	if (r)
		return r;
	msix_write_control(x, ctl & (uint16_t)~PCI_MSIX_FLAGS_ENABLE);
	return 0;
}

/* ---- INTx ---------------------------------------------------------------- */

uint16_t pci_intx_disable(const struct pci_msi_cfg_ops *cfg, struct pci_bdf d, bool disabled)
{
	uint16_t cmd = rd16(cfg, d, PCI_COMMAND);
	uint16_t next = disabled ? cmd | PCI_COMMAND_INTX_DISABLE
				 : (uint16_t)(cmd & ~PCI_COMMAND_INTX_DISABLE);

	/* A 16-bit write: the status register above holds write-1-to-clear
	 * bits a 32-bit write of what was read would clear. */
	cfg->write16(cfg->ctx, d, PCI_COMMAND, next);
	return cmd;
}
