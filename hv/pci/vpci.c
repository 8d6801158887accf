/* One guest's PCI view: see vpci.h for what the guest sees and why. */
#include "hv/pci/vpci.h"

#include <errno.h>
#include <string.h>

#include "arch/x86/log.h"

/* Bits pci_regs.h does not name (PCI LB 3.0, 6.2.2 and 6.2.3). */
#define CMD_IO             (1u << 0)
#define CMD_GUEST          (CMD_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER)
#define CMD_SHOWN          (CMD_GUEST | PCI_COMMAND_INTX_DISABLE)
#define STATUS_INTX        (1u << 3)  /* Interrupt Status: INTx is hidden */
/* RW1C error bits: Master Data Parity Error (8), Signaled/Received Target
 * Abort (11, 12), Received Master Abort (13), Signaled System Error (14),
 * Detected Parity Error (15). */
#define STATUS_ERRORS      0xf900u

#define BAR_IO             (1u << 0)  /* 6.2.5.1: bit 0 = I/O space */
#define BAR_MEM_TYPE(r)    (((r) >> 1) & 3u)
#define BAR_MEM_TYPE_64    2u
#define BAR_MEM_TYPE_RSVD  3u
#define BAR_MEM_PREFETCH   (1u << 3)
#define BAR_IO_ADDR        0xfffffffcu
#define BAR_MEM_ADDR       0xfffffff0u

#define HDR_CACHE_LATENCY  0x0000ffffu /* of the dword at 0x0c */
#define REG_SUBSYSTEM      0x2c
#define REG_ROM            0x30
#define REG_INTERRUPT      0x3c        /* line 7:0, pin 15:8, Min_Gnt, Max_Lat */
#define MSIX_CAP_LEN       12          /* PCIe 6.0, 7.7.2 */
#define MSIX_CTL_GUEST     (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL)

/* Advanced Features (PCI Advanced Capabilities ECN; Linux's PCI_AF_*):
 * ID, next, length, AF_CAP in the first dword; AF_CTRL, AF_STATUS in the
 * second. */
#define PCI_CAP_ID_AF      0x13
#define AF_LEN             6
#define AF_CAP_TP_FLR      0x03u      /* Transactions Pending, FLR */
#define AF_CTRL_DWORD      4          /* AF_CTRL 7:0, AF_STATUS 15:8 */
#define AF_CTRL_FLR        (1u << 0)
#define AF_STATUS_TP       (1u << 0)
#define EXP_DEVCAP         0x04       /* PCIe 6.0, 7.5.3.3 */
#define EXP_DEVCAP_FLR     (1u << 28)
#define EXP_DEVCTL         0x08       /* Device Status in 31:16 */
#define EXP_DEVSTA_TRPND   (1u << 5)
#define CAPS_SHOWN_MAX     3          /* MSI, MSI-X, AF */

#define VPCI_LOG_BUDGET    16

/* ---- helpers ----------------------------------------------------------- */

static uint32_t ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static uint32_t phys_rd32(const struct vpci *v, const struct vpci_dev *d, unsigned off)
{
	return v->ops->read32(v->ops->ctx, d->phys, (uint16_t)(off & ~3u));
}

static void phys_wr16(const struct vpci *v, const struct vpci_dev *d, unsigned off,
		      uint16_t value)
{
	v->ops->write16(v->ops->ctx, d->phys, (uint16_t)off, value);
}

static void phys_wr32(const struct vpci *v, const struct vpci_dev *d, unsigned off,
		      uint32_t value)
{
	v->ops->write32(v->ops->ctx, d->phys, (uint16_t)off, value);
}

/* Guest-triggered warnings are budgeted: a guest hammering a BAR must not
 * flood the service CPU's console. */
#define vpci_warn(v, fmt, ...)                                                          \
	do {                                                                            \
		if ((v)->log_budget) {                                                  \
			(v)->log_budget--;                                              \
			log_warn("vpci %s: " fmt "%s\n", (v)->name, __VA_ARGS__,       \
				 (v)->log_budget ? "" : " (further warnings dropped)");  \
		}                                                                       \
	} while (0)

static unsigned slot_of(const struct vpci *v, const struct vpci_dev *d)
{
	return (unsigned)(d - v->dev);
}

/* ---- setup --------------------------------------------------------------- */

void vpci_init(struct vpci *v, const struct vpci_ops *ops, const char *name)
{
	memset(v, 0, sizeof(*v));
	v->ops = ops;
	v->name = name;
	v->log_budget = VPCI_LOG_BUDGET;
}

/* MSI capability length by layout (PCI LB 3.0, 6.8.1, figure 6-9). */
static uint8_t msi_len(const struct vpci_msi_state *m)
{
	if (m->addr64)
		return m->maskable ? 0x18 : 0x0e;
	return m->maskable ? 0x14 : 0x0a;
}

static unsigned round4(unsigned n)
{
	return (n + 3) & ~3u;
}

static bool overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
	return a && b && a < b + blen && b < a + alen;
}

/* The Advanced Features capability takes the PCI Express one's place when
 * that can reset the function: offered only where its two dwords fit in
 * config space and clear of what MSI and MSI-X show. */
static bool af_fits(const struct vpci_dev *d, uint8_t at)
{
	return at + 2 * 4 <= PCI_CFG_LEGACY_SIZE &&
	       !overlap(at, 2 * 4, d->msi_cap, round4(d->msi_len)) &&
	       !overlap(at, 2 * 4, d->msix_cap, MSIX_CAP_LEN);
}

/* Each shown capability's next pointer: the one shown after it. */
static void link_caps(struct vpci_dev *d, const uint8_t *order, unsigned shown)
{
	d->cap_first = shown ? order[0] : 0;
	for (unsigned i = 0; i < shown; i++) {
		uint8_t next = i + 1 < shown ? order[i + 1] : 0;
		if (order[i] == d->msi_cap)
			d->msi_next = next;
		else if (order[i] == d->msix_cap)
			d->msix_next = next;
		else
			d->af_next = next;
	}
}

/* Walks the physical list (6.7) for MSI and MSI-X and links them
 * virtually in their physical order; the rest is skipped over. Reads only. */
static int read_caps(const struct vpci *v, struct vpci_dev *d)
{
	uint8_t order[CAPS_SHOWN_MAX];
	unsigned shown = 0;

	if (!(phys_rd32(v, d, PCI_COMMAND) >> 16 & PCI_STATUS_CAP_LIST))
		return 0;
	uint8_t ptr = (uint8_t)(phys_rd32(v, d, PCI_CAPABILITY_LIST) & 0xfc);
	for (unsigned hops = 0; ptr; hops++) {
		/* Below 0x40 is the header; a list longer than can fit loops. */
		if (ptr < PCI_CAP_FIRST || hops == PCI_CAP_MAX_HOPS)
			return -EINVAL;
		uint32_t header = phys_rd32(v, d, ptr);
		uint8_t id = header & 0xff;
		if (id == PCI_CAP_ID_MSI && !d->msi_cap) {
			uint16_t ctl = (uint16_t)(header >> 16);
			d->msi_cap = ptr;
			d->msi.addr64 = ctl & PCI_MSI_FLAGS_64BIT;
			d->msi.maskable = ctl & PCI_MSI_FLAGS_MASKBIT;
			d->msi.log2_capable = (ctl & PCI_MSI_FLAGS_QMASK) >> 1;
			/* 6 and 7 are reserved: read as 32, as pci_msi_info() does. */
			if (d->msi.log2_capable > PCI_MSI_MAX_LOG2)
				d->msi.log2_capable = PCI_MSI_MAX_LOG2;
			d->msi_len = msi_len(&d->msi);
			order[shown++] = ptr;
		} else if (id == PCI_CAP_ID_MSIX && !d->msix_cap) {
			d->msix_cap = ptr;
			order[shown++] = ptr;
		} else if (id == PCI_CAP_ID_EXP && !d->pcie_cap) {
			d->pcie_cap = ptr;
			if (v->ops->reset && (phys_rd32(v, d, ptr + EXP_DEVCAP) & EXP_DEVCAP_FLR)) {
				d->af_cap = ptr;
				order[shown++] = ptr;
			}
		}
		ptr = (uint8_t)((header >> 8) & 0xfc);
	}
	if (d->msi_cap && d->msi_cap + d->msi_len > PCI_CFG_LEGACY_SIZE)
		return -EINVAL;
	if (d->msix_cap && d->msix_cap + MSIX_CAP_LEN > PCI_CFG_LEGACY_SIZE)
		return -EINVAL;
	/* Overlapping bodies would make one register two things. */
	if (d->msi_cap && d->msix_cap && d->msi_cap < d->msix_cap + MSIX_CAP_LEN &&
	    d->msix_cap < d->msi_cap + round4(d->msi_len))
		return -EINVAL;
	if (d->af_cap && !af_fits(d, d->af_cap)) {
		for (unsigned i = 0, k = 0; i < shown; i++)
			if (order[i] != d->af_cap)
				order[k++] = order[i];
		shown--;
		d->af_cap = 0;
	}
	link_caps(d, order, shown);
	return 0;
}

/* Classifies the BARs from their current values before anything is
 * written, so a refused device is left untouched. */
static int classify_bars(struct vpci_dev *d, const uint32_t *orig)
{
	for (unsigned i = 0; i < VPCI_BARS; i++) {
		struct vpci_bar *b = &d->bar[i];

		if (orig[i] & BAR_IO) {
			b->kind = VPCI_BAR_IO;
			continue;
		}
		switch (BAR_MEM_TYPE(orig[i])) {
		case BAR_MEM_TYPE_RSVD:
			return -EINVAL;
		case BAR_MEM_TYPE_64:
			if (i == VPCI_BARS - 1)
				return -EINVAL;
			b->kind = VPCI_BAR_MEM64;
			d->bar[++i].kind = VPCI_BAR_MEM64_HI;
			break;
		default:
			b->kind = VPCI_BAR_MEM32;
		}
	}
	return 0;
}

/* Sizes every BAR on the device (PCI LB 3.0, 6.2.5.1): all-ones written,
 * read back, the original restored, with I/O and memory decode off so
 * the device never decodes at the all-ones address meanwhile. */
static void size_bars(struct vpci *v, struct vpci_dev *d, const uint32_t *orig)
{
	uint32_t rb[VPCI_BARS] = { 0 };
	uint16_t cmd = (uint16_t)phys_rd32(v, d, PCI_COMMAND);

	if (cmd & (CMD_IO | PCI_COMMAND_MEMORY))
		phys_wr16(v, d, PCI_COMMAND, cmd & ~(CMD_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < VPCI_BARS; i++) {
		phys_wr32(v, d, PCI_BAR(i), 0xffffffffu);
		rb[i] = phys_rd32(v, d, PCI_BAR(i));
		phys_wr32(v, d, PCI_BAR(i), orig[i]);
	}
	if (cmd & (CMD_IO | PCI_COMMAND_MEMORY))
		phys_wr16(v, d, PCI_COMMAND, cmd);

	for (unsigned i = 0; i < VPCI_BARS; i++) {
		struct vpci_bar *b = &d->bar[i];
		uint64_t mask, addr;

		switch (b->kind) {
		case VPCI_BAR_IO:
			mask = rb[i] & BAR_IO_ADDR;
			addr = orig[i] & BAR_IO_ADDR;
			break;
		case VPCI_BAR_MEM32:
			mask = rb[i] & BAR_MEM_ADDR;
			addr = orig[i] & BAR_MEM_ADDR;
			b->prefetchable = orig[i] & BAR_MEM_PREFETCH;
			break;
		case VPCI_BAR_MEM64:
			mask = (uint64_t)rb[i + 1] << 32 | (rb[i] & BAR_MEM_ADDR);
			addr = (uint64_t)orig[i + 1] << 32 | (orig[i] & BAR_MEM_ADDR);
			b->prefetchable = orig[i] & BAR_MEM_PREFETCH;
			break;
		default:
			continue;
		}
		/* The size is the lowest writable address bit; I/O BARs may have
		 * their upper 16 bits hardwired to 0, hence not ~mask + 1. */
		uint64_t size = mask & -mask;
		bool is64 = b->kind == VPCI_BAR_MEM64;
		if (size && !addr)
			log_warn("vpci %s: %02x:%02x.%x BAR%u unassigned by firmware: hidden\n",
				 v->name, d->phys.bus, d->phys.dev, d->phys.fn, i);
		if (!size || !addr) {
			/* Unimplemented, or nowhere to show it: reads 0. */
			memset(b, 0, sizeof(*b));
			if (is64)
				memset(&d->bar[i + 1], 0, sizeof(*b));
			continue;
		}
		b->addr = addr;
		b->size = size;
		b->reg = orig[i];
		b->size_reg = rb[i];
		if (is64) {
			d->bar[i + 1].reg = orig[i + 1];
			d->bar[i + 1].size_reg = rb[i + 1];
		}
	}
}

int vpci_add_device(struct vpci *v, struct pci_bdf phys)
{
	int slot = -1;

	for (unsigned s = 0; s < VPCI_MAX_DEVICES; s++) {
		const struct vpci_dev *o = &v->dev[s];
		if (!o->present) {
			if (slot < 0)
				slot = (int)s;
		} else if (o->phys.segment == phys.segment && o->phys.bus == phys.bus &&
			   o->phys.dev == phys.dev && o->phys.fn == phys.fn) {
			return -EEXIST;
		}
	}
	if (slot < 0)
		return -ENOSPC;

	struct vpci_dev *d = &v->dev[slot];
	memset(d, 0, sizeof(*d));
	d->phys = phys;
	uint32_t id = phys_rd32(v, d, PCI_VENDOR_ID);
	if ((id & 0xffff) == PCI_VENDOR_NONE)
		return -ENODEV;
	d->vendor = id & 0xffff;
	d->device = (uint16_t)(id >> 16);
	/* Bridges forward config cycles and windows hv would have to emulate:
	 * they stay the hypervisor's. */
	uint8_t hdr = (uint8_t)(phys_rd32(v, d, PCI_HEADER_TYPE) >> 16);
	if ((hdr & PCI_HEADER_TYPE_MASK) != PCI_HEADER_TYPE_NORMAL)
		return -EOPNOTSUPP;

	uint32_t orig[VPCI_BARS];
	for (unsigned i = 0; i < VPCI_BARS; i++)
		orig[i] = phys_rd32(v, d, PCI_BAR(i));
	int rc = read_caps(v, d);
	if (!rc)
		rc = classify_bars(d, orig);
	if (rc) {
		log_warn("vpci %s: %02x:%02x.%x refused: bad capability list or BAR\n", v->name,
			 phys.bus, phys.dev, phys.fn);
		memset(d, 0, sizeof(*d));
		return rc;
	}
	size_bars(v, d, orig);
	d->present = true;
	return slot;
}

/* ---- reads ----------------------------------------------------------------- */

static bool in_cap(uint8_t cap, unsigned len, unsigned reg)
{
	return cap && reg >= cap && reg < cap + len;
}

static uint16_t msi_control(const struct vpci_msi_state *m)
{
	return (uint16_t)((m->enabled ? PCI_MSI_FLAGS_ENABLE : 0) | m->log2_capable << 1 |
			  m->log2_enabled << 4 | (m->addr64 ? PCI_MSI_FLAGS_64BIT : 0) |
			  (m->maskable ? PCI_MSI_FLAGS_MASKBIT : 0));
}

/* The mask and pending bits that exist: one per vector capable (6.8.1.7). */
static uint32_t msi_vectors(const struct vpci_msi_state *m)
{
	unsigned n = 1u << m->log2_capable;
	return n >= 32 ? 0xffffffffu : (1u << n) - 1;
}

static unsigned msi_data_off(const struct vpci_msi_state *m)
{
	return m->addr64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
}

static unsigned msi_mask_off(const struct vpci_msi_state *m)
{
	return m->addr64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32;
}

/* r: the dword's offset in the capability. */
static uint32_t msi_read(const struct vpci *v, const struct vpci_dev *d, unsigned r)
{
	const struct vpci_msi_state *m = &d->msi;

	if (r == 0)
		return PCI_CAP_ID_MSI | (uint32_t)d->msi_next << 8 | (uint32_t)msi_control(m) << 16;
	if (r == PCI_MSI_ADDRESS_LO)
		return (uint32_t)m->addr;
	if (m->addr64 && r == PCI_MSI_ADDRESS_HI)
		return (uint32_t)(m->addr >> 32);
	if (r == msi_data_off(m))
		return m->data;
	if (m->maskable && r == msi_mask_off(m))
		return m->mask;
	/* Pending bits are the device's: read-only, safe to show. */
	if (m->maskable && r == msi_mask_off(m) + 4)
		return phys_rd32(v, d, d->msi_cap + r) & msi_vectors(m);
	return 0;
}

/* The guest's bits of MSI-X's Message Control (the rest is the device's). */
static uint16_t msix_guest_control(const struct vpci_dev *d)
{
	return (uint16_t)((d->msix_enabled ? PCI_MSIX_FLAGS_ENABLE : 0) |
			  (d->msix_function_masked ? PCI_MSIX_FLAGS_MASKALL : 0));
}

/* r: the dword's offset in the Advanced Features capability. */
static uint32_t af_read(const struct vpci *v, const struct vpci_dev *d, unsigned r)
{
	if (r == 0)
		return PCI_CAP_ID_AF | (uint32_t)d->af_next << 8 | (uint32_t)AF_LEN << 16 |
		       AF_CAP_TP_FLR << 24;
	bool pending = (phys_rd32(v, d, d->pcie_cap + EXP_DEVCTL) >> 16) & EXP_DEVSTA_TRPND;
	return pending ? AF_STATUS_TP << 8 : 0; /* AF_CTRL's Initiate FLR reads 0 */
}

static uint32_t bar_read(const struct vpci_bar *b)
{
	if (b->kind == VPCI_BAR_NONE)
		return 0;
	return b->sizing ? b->size_reg : b->reg;
}

/* The dword at `reg` (aligned, < 0x100) of a present device. */
static uint32_t dev_read(const struct vpci *v, const struct vpci_dev *d, unsigned reg)
{
	uint32_t p;

	switch (reg) {
	case PCI_VENDOR_ID:
	case PCI_CLASS_REVISION:
	case REG_SUBSYSTEM:
		return phys_rd32(v, d, reg);
	case PCI_COMMAND: {
		p = phys_rd32(v, d, reg);
		uint32_t status = (p >> 16) & ~(PCI_STATUS_CAP_LIST | STATUS_INTX);
		if (d->cap_first)
			status |= PCI_STATUS_CAP_LIST;
		return (p & CMD_SHOWN) | status << 16;
	}
	case PCI_HEADER_TYPE & ~3u:
		/* Header type without multifunction; BIST reads 0 (not capable):
		 * a guest must not start a self-test behind hv's back. */
		p = phys_rd32(v, d, reg);
		return (p & HDR_CACHE_LATENCY) | (p & (PCI_HEADER_TYPE_MASK << 16));
	case PCI_CAPABILITY_LIST:
		return d->cap_first;
	case REG_INTERRUPT:
		/* Pin 0: no INTx (MSI only); Min_Gnt/Max_Lat are the device's. */
		return (phys_rd32(v, d, reg) & 0xffff0000u) | d->intr_line;
	}
	if (reg >= PCI_BAR(0) && reg <= PCI_BAR(VPCI_BARS - 1))
		return bar_read(&d->bar[(reg - PCI_BAR(0)) / 4]);
	if (in_cap(d->msi_cap, d->msi_len, reg))
		return msi_read(v, d, reg - d->msi_cap);
	if (in_cap(d->msix_cap, MSIX_CAP_LEN, reg)) {
		p = phys_rd32(v, d, reg);
		if (reg == d->msix_cap)
			p = (p & ~(0xff00u | MSIX_CTL_GUEST << 16)) | (uint32_t)d->msix_next << 8 |
			    (uint32_t)msix_guest_control(d) << 16;
		return p;
	}
	if (in_cap(d->af_cap, AF_LEN, reg))
		return af_read(v, d, reg - d->af_cap);
	return 0; /* CardBus CIS, ROM BAR, reserved, hidden capabilities */
}

/* The host bridge: identity and class only (6.2.1), read-only. */
static uint32_t bridge_read(unsigned reg)
{
	switch (reg) {
	case PCI_VENDOR_ID:
		return VPCI_HOST_BRIDGE_VENDOR | (uint32_t)VPCI_HOST_BRIDGE_DEVICE << 16;
	case PCI_CLASS_REVISION:
		return 0x06000000u; /* base class 06 (bridge), sub-class 00 (host) */
	}
	return 0;
}

enum target { T_ABSENT, T_BRIDGE, T_DEV };

static enum target lookup(struct vpci *v, unsigned bus, unsigned dev, unsigned fn,
			  struct vpci_dev **out)
{
	if (bus != 0 || fn != 0)
		return T_ABSENT;
	if (dev == 0)
		return T_BRIDGE;
	if (dev > VPCI_MAX_DEVICES || !v->dev[dev - 1].present)
		return T_ABSENT;
	*out = &v->dev[dev - 1];
	return T_DEV;
}

/* A checked access: `reg` 0..0xfff, aligned to `size` (1, 2, 4). */
static uint32_t cfg_read(struct vpci *v, unsigned bus, unsigned dev, unsigned fn,
			 unsigned reg, unsigned size)
{
	struct vpci_dev *d = NULL;
	uint32_t dword = 0;

	switch (lookup(v, bus, dev, fn, &d)) {
	case T_ABSENT:
		return ones(size);
	case T_BRIDGE:
		dword = reg < PCI_CFG_LEGACY_SIZE ? bridge_read(reg & ~3u) : 0;
		break;
	case T_DEV:
		if (d->resetting)
			return ones(size);
		/* Extended config space: 0 there is "no extended capability"
		 * (PCIe 6.0, 7.6.3). */
		dword = reg < PCI_CFG_LEGACY_SIZE ? dev_read(v, d, reg & ~3u) : 0;
		break;
	}
	return (dword >> (8 * (reg & 3))) & ones(size);
}

/* ---- writes ---------------------------------------------------------------- */

static void msi_write(struct vpci *v, struct vpci_dev *d, unsigned r, uint32_t val,
		      uint32_t bytes)
{
	struct vpci_msi_state *m = &d->msi;
	struct vpci_msi_state old = *m;
	uint32_t merged = (msi_read(v, d, r) & ~bytes) | (val & bytes);

	if (r == 0) {
		uint16_t ctl = (uint16_t)(merged >> 16);
		m->enabled = ctl & PCI_MSI_FLAGS_ENABLE;
		/* Software must not enable more than the device is capable of
		 * (6.8.1.3): clamp, so hv never routes vectors that cannot come. */
		m->log2_enabled = (ctl & PCI_MSI_FLAGS_QSIZE) >> 4;
		if (m->log2_enabled > m->log2_capable)
			m->log2_enabled = m->log2_capable;
	} else if (r == PCI_MSI_ADDRESS_LO) {
		m->addr = (m->addr & ~0xffffffffull) | (merged & ~3u); /* 1:0 reserved */
	} else if (m->addr64 && r == PCI_MSI_ADDRESS_HI) {
		m->addr = (m->addr & 0xffffffffull) | (uint64_t)merged << 32;
	} else if (r == msi_data_off(m)) {
		m->data = (uint16_t)merged; /* 31:16: Extended Message Data, hidden */
	} else if (m->maskable && r == msi_mask_off(m)) {
		m->mask = merged & msi_vectors(m);
	} else {
		return; /* the header, pending bits: read-only */
	}
	if (m->enabled == old.enabled && m->log2_enabled == old.log2_enabled &&
	    m->addr == old.addr && m->data == old.data && m->mask == old.mask)
		return;
	if (v->ops->msi_update(v->ops->ctx, slot_of(v, d), m) < 0)
		v->stats.msi_refused++;
}

/* r: the dword's offset in the MSI-X capability. Only Message Control's
 * upper byte holds writable bits (Enable, Function Mask); a write that
 * misses it reached only read-only registers. */
static void msix_write(struct vpci *v, struct vpci_dev *d, unsigned r, uint32_t val,
		       uint32_t bytes)
{
	if (r != 0 || !(bytes & 0xff000000u)) {
		v->stats.msix_ignored++;
		vpci_warn(v, "00:%02x.0 MSI-X write at %#x ignored: read-only", slot_of(v, d) + 1,
			  d->msix_cap + r);
		return;
	}
	uint16_t ctl = (uint16_t)(val >> 16);
	bool enable = ctl & PCI_MSIX_FLAGS_ENABLE, masked = ctl & PCI_MSIX_FLAGS_MASKALL;
	if (enable == d->msix_enabled && masked == d->msix_function_masked)
		return;
	d->msix_enabled = enable;
	d->msix_function_masked = masked;
	if (v->ops->msix_control &&
	    v->ops->msix_control(v->ops->ctx, slot_of(v, d), enable, masked) < 0)
		v->stats.msix_refused++;
}

/* What a function-level reset returns the view's own state to (the
 * device's constants stay). */
static void view_reset(struct vpci_dev *d)
{
	struct vpci_msi_state *m = &d->msi;

	*m = (struct vpci_msi_state){ .addr64 = m->addr64, .maskable = m->maskable,
				      .log2_capable = m->log2_capable };
	d->msix_enabled = false;
	d->msix_function_masked = false;
	d->intr_line = 0;
	for (unsigned i = 0; i < VPCI_BARS; i++)
		d->bar[i].sizing = false;
}

/* r: the dword's offset in the Advanced Features capability. Only
 * AF_CTRL's Initiate FLR does anything. */
static void af_write(struct vpci *v, struct vpci_dev *d, unsigned r, uint32_t val,
		     uint32_t bytes)
{
	if (r != AF_CTRL_DWORD || !(bytes & 0xff & val & AF_CTRL_FLR)) {
		v->stats.ignored++;
		return;
	}
	v->stats.resets++;
	view_reset(d);
	d->resetting = true;
	if (v->ops->reset(v->ops->ctx, slot_of(v, d)) < 0) {
		v->stats.reset_refused++;
		d->resetting = false;
	}
}

void vpci_reset_done(struct vpci *v, unsigned slot)
{
	if (slot < VPCI_MAX_DEVICES)
		v->dev[slot].resetting = false;
}

static void bar_write(struct vpci *v, struct vpci_dev *d, unsigned i, uint32_t val,
		      uint32_t bytes)
{
	struct vpci_bar *b = &d->bar[i];

	if (b->kind == VPCI_BAR_NONE)
		return; /* sizing an unimplemented BAR is normal: it reads 0 */
	uint32_t merged = (bar_read(b) & ~bytes) | (val & bytes);
	uint32_t addr_bits = b->kind == VPCI_BAR_IO ? BAR_IO_ADDR :
			     b->kind == VPCI_BAR_MEM64_HI ? 0xffffffffu : BAR_MEM_ADDR;

	if ((merged & addr_bits) == addr_bits) {
		b->sizing = true;
	} else {
		/* Anything but all-ones ends sizing; only the physical address is
		 * accepted: the BAR never moves (it is mapped GPA = HPA). */
		b->sizing = false;
		if ((merged & addr_bits) != (b->reg & addr_bits)) {
			v->stats.bar_refused++;
			vpci_warn(v, "00:%02x.0 BAR%u write %#x refused: it stays at %#x",
				  slot_of(v, d) + 1, i, merged, b->reg & addr_bits);
		}
	}
}

static void command_write(struct vpci *v, struct vpci_dev *d, uint32_t val, uint32_t bytes)
{
	if (bytes & 0xffff) {
		uint32_t merged = (dev_read(v, d, PCI_COMMAND) & ~bytes) | (val & bytes);
		uint16_t phys = (uint16_t)phys_rd32(v, d, PCI_COMMAND);
		uint16_t want = (uint16_t)((phys & ~CMD_GUEST) | (merged & CMD_GUEST) |
					   PCI_COMMAND_INTX_DISABLE);
		if (d->bus_master_blocked)
			want &= (uint16_t)~PCI_COMMAND_BUS_MASTER;
		if (want != phys)
			phys_wr16(v, d, PCI_COMMAND, want);
	}
	/* Status is RW1C: pass on the error bits written as 1 and nothing else,
	 * never the value read back (that would clear every set bit). */
	uint16_t w1c = (uint16_t)(((val & bytes) >> 16) & STATUS_ERRORS);
	if (w1c)
		phys_wr16(v, d, PCI_STATUS, w1c);
}

/* `val` and `bytes` (the byte lanes written) are placed in the dword at
 * `reg` (aligned, < 0x100). */
static void dev_write(struct vpci *v, struct vpci_dev *d, unsigned reg, uint32_t val,
		      uint32_t bytes)
{
	switch (reg) {
	case PCI_COMMAND:
		command_write(v, d, val, bytes);
		return;
	case REG_INTERRUPT:
		if (bytes & 0xff)
			d->intr_line = (uint8_t)val;
		return;
	case PCI_VENDOR_ID:
	case PCI_CLASS_REVISION:
	case PCI_HEADER_TYPE & ~3u: /* cache line size, latency timer: no effect on PCIe */
	case REG_SUBSYSTEM:
	case PCI_CAPABILITY_LIST:
	case REG_ROM:
		return; /* read-only or not shown */
	}
	if (reg >= PCI_BAR(0) && reg <= PCI_BAR(VPCI_BARS - 1)) {
		bar_write(v, d, (reg - PCI_BAR(0)) / 4, val, bytes);
	} else if (in_cap(d->msi_cap, d->msi_len, reg)) {
		msi_write(v, d, reg - d->msi_cap, val, bytes);
	} else if (in_cap(d->msix_cap, MSIX_CAP_LEN, reg)) {
		msix_write(v, d, reg - d->msix_cap, val, bytes);
	} else if (in_cap(d->af_cap, AF_LEN, reg)) {
		af_write(v, d, reg - d->af_cap, val, bytes);
	} else {
		v->stats.ignored++;
	}
}

static void cfg_write(struct vpci *v, unsigned bus, unsigned dev, unsigned fn,
		      unsigned reg, unsigned size, uint32_t val)
{
	struct vpci_dev *d = NULL;
	unsigned shift = 8 * (reg & 3);

	if (lookup(v, bus, dev, fn, &d) != T_DEV || reg >= PCI_CFG_LEGACY_SIZE || d->resetting) {
		v->stats.ignored++;
		return;
	}
	dev_write(v, d, reg & ~3u, (val & ones(size)) << shift, ones(size) << shift);
}

/* ---- access decoding ------------------------------------------------------- */

static bool access_ok(uint64_t off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && off % size == 0;
}

/* ECAM (PCIe 6.0, 7.2.2): bus 27:20, device 19:15, function 14:12,
 * register 11:0. */
int vpci_ecam_read(struct vpci *v, uint64_t offset, unsigned size, uint32_t *val)
{
	if (!access_ok(offset, size)) {
		*val = 0xffffffffu;
		return -EINVAL;
	}
	if (offset >> 28) {
		*val = ones(size);
		return 0;
	}
	*val = cfg_read(v, (unsigned)(offset >> 20), (offset >> 15) & 31, (offset >> 12) & 7,
			offset & 0xfff, size);
	return 0;
}

int vpci_ecam_write(struct vpci *v, uint64_t offset, unsigned size, uint32_t val)
{
	if (!access_ok(offset, size))
		return -EINVAL;
	if (offset >> 28) {
		v->stats.ignored++;
		return 0;
	}
	cfg_write(v, (unsigned)(offset >> 20), (offset >> 15) & 31, (offset >> 12) & 7,
		  offset & 0xfff, size, val);
	return 0;
}

/* Configuration mechanism #1 (PCI LB 3.0, 3.2.2.3.2): CONFIG_ADDRESS =
 * enable 31, reserved 30:24, bus 23:16, device 15:11, function 10:8,
 * register 7:2, 1:0 read 0. */
#define CF8_ENABLE   (1u << 31)
#define CF8_WRITABLE (CF8_ENABLE | 0x00fffffcu)

int vpci_io(struct vpci *v, uint16_t port, bool in, unsigned size, uint32_t *val)
{
	if (port < VPCI_PORT_ADDRESS || port > VPCI_PORT_LAST ||
	    (size != 1 && size != 2 && size != 4)) {
		if (in)
			*val = 0xffffffffu;
		return -EINVAL;
	}
	if (port < VPCI_PORT_DATA) {
		/* Only a dword access at 0xCF8 is CONFIG_ADDRESS; the bytes are
		 * other chipset registers (0xCF9: reset control) nobody gives a
		 * guest. */
		if (port == VPCI_PORT_ADDRESS && size == 4) {
			if (in)
				*val = v->config_address;
			else
				v->config_address = *val & CF8_WRITABLE;
		} else if (in) {
			*val = ones(size);
		} else {
			v->stats.ignored++;
		}
		return 0;
	}
	unsigned byte = port - VPCI_PORT_DATA;
	uint32_t a = v->config_address;
	if (!(a & CF8_ENABLE) || byte % size) {
		if (in)
			*val = ones(size);
		else
			v->stats.ignored++;
		return 0;
	}
	unsigned bus = (a >> 16) & 0xff, dev = (a >> 11) & 31, fn = (a >> 8) & 7;
	unsigned reg = (a & 0xfc) + byte;
	if (in)
		*val = cfg_read(v, bus, dev, fn, reg, size);
	else
		cfg_write(v, bus, dev, fn, reg, size, *val);
	return 0;
}
