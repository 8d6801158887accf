/* The passthrough tests: run after those of tests.c when the boot data
 * gives the guest a PCI view (boot->pci_ecam). hv's virtual host bridge
 * shows on bus 0 a host bridge at 00:00.0 and the guest's devices at
 * 00:01.0, 00:02.0, ...; here they are QEMU's edu (1234:11e8), as many as the
 * command line's "edu=N" says (default 1), then, with "e1000e" on the
 * command line, one QEMU e1000e. They check the PCI view (the
 * configuration space, BAR0 at its physical address, sized but not moved),
 * the device's DMA onto guest-physical addresses and nowhere else, its MSI
 * routed to the vCPU the guest names and never to another's CPU, with
 * "fault_storm" on the command line the quarantine of a device that keeps
 * faulting, and with "e1000e" its MSI-X (pt_msix: the virtual table, an
 * entry routed, retargeted, masked with the PBA showing it pending). The
 * edu tests skip with edu=0. Every wait is bounded. */
#include "tests/guest/pci.h"

#define IDENTITY_MAP_END (512ull << 30)

/* edu (QEMU's hw/misc/edu.c) */
#define EDU_VENDOR_DEVICE  0x11e81234u /* the dword at offset 0 */
#define EDU_REG_ID         0x00
#define EDU_ID_VALUE       0x010000edu
#define EDU_REG_LIVENESS   0x04 /* reads back the complement of what was written */
#define EDU_REG_IRQ_STATUS 0x24
#define EDU_REG_IRQ_RAISE  0x60
#define EDU_REG_IRQ_ACK    0x64
#define EDU_REG_DMA_SRC    0x80 /* 64-bit registers from here */
#define EDU_REG_DMA_DST    0x88
#define EDU_REG_DMA_CNT    0x90
#define EDU_REG_DMA_CMD    0x98
#define EDU_CMD_RUN        (1u << 0)
#define EDU_CMD_TO_RAM     (1u << 1)
#define EDU_BUFFER         0x40000u /* the device's buffer, at its start */
#define EDU_DMA_MAX        4095u    /* a count of 0 or 4096 aborts QEMU */
#define EDU_DMA_LIMIT      (1ull << 28) /* default DMA mask: addresses cut to 28 bits */
#define EDU_BAR_SIZE       MIB
#define EDU_IRQ_BIT        1u
#define EDU_MAX            8 /* a guest has up to 8 functions */

/* A transfer completes 100 ms of virtual time after its command. */
#define DMA_TIMEOUT_US  5000000
#define DMA_LEN         4000u
#define DMA_ACROSS_LEN  3000u /* from +0x900 to +0xa00: crosses a page on both sides */
#define MSI_WAIT_US     1000000 /* for an MSI that must arrive */
#define MSI_SILENCE_US  200000  /* for one that must not */
#define MSI_SETTLE_US   20000   /* after one arrived: time for a duplicate to show */

/* pt_quarantine: faulting transfers issued, at most, and how often own
 * memory is tried in between. edu does one transfer per 100 ms: about 10
 * faults a second. */
#define STORM_MAX         64
#define STORM_PROBE_EVERY 4

static uint64_t image_start(void)
{
	return (uint64_t)(uintptr_t)__image_start & ~(PAGE_SIZE - 1);
}

static uint64_t image_end(void)
{
	return ((uint64_t)(uintptr_t)__image_end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
}

static uint64_t gpa(const volatile void *p)
{
	return (uint64_t)(uintptr_t)p; /* hv's identity map */
}

/* ---- the command line ------------------------------------------------------------------ */

/* How many edu the guest was given: "edu=N" (0..8), else 1. */
static unsigned edu_expected(void)
{
	const char *v;
	unsigned n = 0, digits = 0;

	if (!cmdline_word("edu", &v))
		return 1;
	for (; *v >= '0' && *v <= '9' && digits < 3; v++, digits++)
		n = n * 10 + (unsigned)(*v - '0');
	if (!digits || (*v && *v != ' ') || n > EDU_MAX) {
		kprintf("# command line: bad edu=N (0..%u): expecting 1 edu\n", EDU_MAX);
		return 1;
	}
	return n;
}

static bool fault_storm(void)
{
	return cmdline_word("fault_storm", NULL);
}

/* ---- data patterns ----------------------------------------------------------------------- */

static uint64_t rng_state;

static uint64_t rng(void)
{
	if (!rng_state)
		rng_state = rdtsc() | 1;
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void fill_random(volatile uint8_t *p, size_t n)
{
	uint64_t r = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0)
			r = rng();
		p[i] = (uint8_t)(r >> (8 * (i % 8)));
	}
}

static void fill(volatile uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = v;
}

/* Bytes that differ; *first the offset of the first (when any). */
static size_t differ(const volatile uint8_t *a, const volatile uint8_t *b, size_t n,
		     size_t *first)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i] && !bad++)
			*first = i;
	return bad;
}

/* Bytes that are not `v`. */
static size_t not_byte(const volatile uint8_t *p, uint8_t v, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++)
		bad += p[i] != v;
	return bad;
}

/* The DMA buffers: in the image, so well below edu's 28-bit limit; two
 * pages each, for transfers that cross a page boundary. */
static uint8_t dma_src[2 * PAGE_SIZE] __attribute__((aligned(4096)));
static uint8_t dma_dst[2 * PAGE_SIZE] __attribute__((aligned(4096)));
#define SENTINEL 0xa5

/* Canaries: a value per quadword, from its address and a salt. */
static uint64_t canary(uint64_t a, uint64_t salt)
{
	return (a * 0x9e3779b97f4a7c15ull) ^ salt;
}

static void canary_fill(uint64_t start, uint64_t end, uint64_t salt)
{
	for (uint64_t a = start; a < end; a += 8)
		*(volatile uint64_t *)(uintptr_t)a = canary(a, salt);
}

/* Quadwords changed in [start, end); reported (the first few) as `what`. */
static unsigned canary_check(uint64_t start, uint64_t end, uint64_t salt, const char *what)
{
	unsigned bad = 0;

	for (uint64_t a = start; a < end; a += 8) {
		uint64_t v = *(volatile uint64_t *)(uintptr_t)a;
		if (v != canary(a, salt) && bad++ < 2)
			expect(false, "%s: guest RAM at 0x%llx changed to 0x%llx", what,
			       (unsigned long long)a, (unsigned long long)v);
	}
	expect(bad == 0, "%s: %u quadwords of [0x%llx, 0x%llx) changed", what, bad,
	       (unsigned long long)start, (unsigned long long)end);
	return bad;
}

/* Pages of the guest's free RAM (outside the image) whose first quadword
 * is `tag`: where a stray transfer starting at a page boundary landed. */
static unsigned scan_ram_for(uint64_t tag, uint64_t *first)
{
	const struct { uint64_t start, end; } r[] = {
		{ HV_GUEST_LOW_FREE, HV_GUEST_LEGACY_HOLE },
		{ HV_GUEST_LEGACY_END, image_start() },
		{ image_end(), boot->mem_size },
	};
	unsigned found = 0;

	for (unsigned k = 0; k < ARRAY_SIZE(r); k++)
		for (uint64_t p = r[k].start; p + PAGE_SIZE <= r[k].end; p += PAGE_SIZE)
			if (*(volatile uint64_t *)(uintptr_t)p == tag && !found++)
				*first = p;
	return found;
}

/* ---- edu ------------------------------------------------------------------------------ */

struct edu {
	unsigned dev;  /* at 00:dev.0 */
	uint64_t bar;  /* BAR0: its physical address, mapped there for the guest */
	unsigned msi;  /* its MSI capability's offset, 0: none */
};

/* The index-th edu of the view (00:(index+1).0) with BAR0 from its
 * configuration, memory decoding and bus mastering on. False, after saying
 * why, when it is not usable. */
static bool edu_open(unsigned index, struct edu *e)
{
	unsigned dev = index + 1;

	if (!expect(pci_ecam_usable(),
		    "ECAM window 0x%llx unusable (not 1 MiB aligned, in RAM, or past 512 GiB)",
		    (unsigned long long)boot->pci_ecam))
		return false;
	uint32_t id = pci_read32(dev, 0, PCI_VENDOR_ID);
	if (!expect(id == EDU_VENDOR_DEVICE, "00:%02x.0 reads 0x%08x, not edu (1234:11e8)", dev,
		    id))
		return false;
	uint32_t lo = pci_read32(dev, 0, PCI_BAR0);
	uint64_t bar = lo & ~0xfull;
	if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64)
		bar |= (uint64_t)pci_read32(dev, 0, PCI_BAR0 + 4) << 32;
	if (!expect(!(lo & PCI_BAR_IO) && bar && bar >= boot->mem_size &&
			    bar + EDU_BAR_SIZE <= IDENTITY_MAP_END,
		    "00:%02x.0: BAR0 0x%08x (0x%llx) is no memory BAR past the guest's RAM", dev, lo,
		    (unsigned long long)bar))
		return false;
	uint16_t cmd = pci_read16(dev, 0, PCI_COMMAND);
	const uint16_t on = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if ((cmd & on) != on)
		pci_write16(dev, 0, PCI_COMMAND, cmd | on);
	e->dev = dev;
	e->bar = bar;
	e->msi = pci_find_cap(dev, 0, PCI_CAP_ID_MSI);
	uint32_t v = mmio_read32(bar + EDU_REG_ID);
	return expect(v == EDU_ID_VALUE, "00:%02x.0: ID register at 0x%llx reads 0x%08x, not 0x%08x",
		      dev, (unsigned long long)bar, v, EDU_ID_VALUE);
}

/* The first edu, for the tests that need one: PASS when it is usable. */
static enum result need_edu(struct edu *e)
{
	if (edu_expected() == 0)
		return skip_because("no edu passed through (edu=0)");
	return edu_open(0, e) ? PASS : FAIL;
}

enum dma_status { DMA_DONE, DMA_TIMEOUT, DMA_GONE };

static const char *dma_status_name(enum dma_status s)
{
	return s == DMA_DONE ? "done" : s == DMA_TIMEOUT ? "still running after 5 s"
							: "registers read all-ones";
}

/* Waits, bounded, for the DMA engine to be idle; DMA_GONE when its
 * command register reads all-ones (the BAR no longer reaches the device). */
static enum dma_status edu_dma_idle(const struct edu *e)
{
	uint64_t d = deadline_us(DMA_TIMEOUT_US);

	for (;;) {
		uint64_t cmd = mmio_read64(e->bar + EDU_REG_DMA_CMD);
		if (cmd == ~0ull)
			return DMA_GONE;
		if (!(cmd & EDU_CMD_RUN))
			return DMA_DONE;
		if (expired(d))
			return DMA_TIMEOUT;
		delay_us(1000);
	}
}

/* One transfer of `len` bytes between guest RAM at `addr` (guest-physical:
 * the device's domain maps the guest's RAM GPA to HPA) and the start of
 * edu's buffer, to RAM or from it; waits for it to finish. */
static enum dma_status edu_dma(const struct edu *e, uint64_t addr, uint32_t len, bool to_ram)
{
	/* Out of edu's range, QEMU aborts: never. */
	if (!expect(len >= 1 && len <= EDU_DMA_MAX, "internal: a transfer of %u bytes", len))
		return DMA_TIMEOUT;
	/* Writes to a running engine are ignored. */
	enum dma_status s = edu_dma_idle(e);
	if (s != DMA_DONE)
		return s;
	mmio_write64(e->bar + EDU_REG_DMA_SRC, to_ram ? EDU_BUFFER : addr);
	mmio_write64(e->bar + EDU_REG_DMA_DST, to_ram ? addr : EDU_BUFFER);
	mmio_write64(e->bar + EDU_REG_DMA_CNT, len);
	mmio_write64(e->bar + EDU_REG_DMA_CMD, EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0));
	return edu_dma_idle(e);
}

/* RAM (dma_src + src_off) to the device's buffer and back into RAM
 * (dma_dst + dst_off), `len` bytes: true when the copy is exact and
 * nothing else of dma_dst changed. dma_src must hold the data; dma_dst is
 * filled with SENTINEL here. */
static bool dma_round_trip(const struct edu *e, unsigned src_off, unsigned dst_off, uint32_t len,
			   const char *what)
{
	volatile uint8_t *src = dma_src + src_off, *dst = dma_dst + dst_off;
	size_t first = 0;

	fill(dma_dst, SENTINEL, sizeof(dma_dst));
	enum dma_status s = edu_dma(e, gpa(src), len, false);
	if (!expect(s == DMA_DONE, "%s: RAM 0x%llx to the device, %u bytes: %s", what,
		    (unsigned long long)gpa(src), len, dma_status_name(s)))
		return false;
	s = edu_dma(e, gpa(dst), len, true);
	if (!expect(s == DMA_DONE, "%s: the device to RAM 0x%llx, %u bytes: %s", what,
		    (unsigned long long)gpa(dst), len, dma_status_name(s)))
		return false;
	size_t bad = differ(src, dst, len, &first);
	bool ok = expect(bad == 0,
			 "%s: %llu of %u bytes copied wrong (first at +0x%llx: 0x%02x, not 0x%02x)",
			 what, (unsigned long long)bad, len, (unsigned long long)first,
			 bad ? dst[first] : 0, bad ? src[first] : 0);
	size_t stray = not_byte(dma_dst, SENTINEL, dst_off) +
		       not_byte(dst + len, SENTINEL, sizeof(dma_dst) - dst_off - len);
	return expect(stray == 0, "%s: %llu bytes around the copy's target changed", what,
		      (unsigned long long)stray) &&
	       ok;
}

/* ---- interrupts ---------------------------------------------------------------------------- */

static uint32_t irq_snap[HV_GUEST_MAX_CPUS][256];

static void irq_snapshot(void)
{
	for (unsigned c = 0; c < HV_GUEST_MAX_CPUS; c++)
		for (unsigned v = 0; v < 256; v++)
			irq_snap[c][v] = irq_count[c][v];
}

static uint32_t irq_since(unsigned cpu, unsigned vector)
{
	return irq_count[cpu][vector] - irq_snap[cpu][vector];
}

/* Interrupts since irq_snapshot() on any of the guest's vCPUs, but for
 * `vector` on `cpu` (cpu < 0: none expected); each reported. */
static unsigned irq_others_since(int cpu, unsigned vector, const char *when)
{
	unsigned bad = 0;

	for (unsigned c = 0; c < cpu_count(); c++)
		for (unsigned v = 0; v < 256; v++) {
			if ((int)c == cpu && v == vector)
				continue;
			uint32_t n = irq_since(c, v);
			if (n && bad++ < 4)
				expect(false, "%s: vCPU %u (APIC ID %u) took vector 0x%x %u time(s)",
				       when, c, boot->apic_id[c], v, n);
		}
	return bad;
}

/* The guest's view of the MSI capability, as a guest OS writes it
 * (compatibility format: address 0xFEE00000 | destination << 12, physical
 * destination mode; data = the vector, fixed delivery, edge). Fresh: off,
 * address and data, on. Live: address and data rewritten while on, as an
 * OS moves an interrupt. */
static void msi_program(const struct edu *e, uint32_t apic_id, uint8_t vector, bool live)
{
	unsigned d = e->dev, cap = e->msi;
	uint16_t ctrl = pci_read16(d, 0, cap + MSI_CTRL);
	bool is64 = ctrl & MSI_CTRL_64BIT;

	ctrl &= (uint16_t)~MSI_CTRL_MME_MASK; /* one vector */
	if (!live)
		pci_write16(d, 0, cap + MSI_CTRL, ctrl & (uint16_t)~MSI_CTRL_ENABLE);
	pci_write32(d, 0, cap + MSI_ADDR_LO, 0xfee00000u | (apic_id & 0xff) << 12);
	if (is64)
		pci_write32(d, 0, cap + MSI_ADDR_HI, 0);
	pci_write16(d, 0, cap + (is64 ? MSI_DATA_64 : MSI_DATA_32), vector);
	if (!live)
		pci_write16(d, 0, cap + MSI_CTRL, ctrl | MSI_CTRL_ENABLE);
}

/* The message as the guest wrote it in its view of the capability: hv
 * remaps it, so the device itself never holds these bits. */
static void msi_message(const struct edu *e, uint64_t *addr, uint16_t *data)
{
	unsigned d = e->dev, cap = e->msi;
	bool is64 = pci_read16(d, 0, cap + MSI_CTRL) & MSI_CTRL_64BIT;

	*addr = pci_read32(d, 0, cap + MSI_ADDR_LO);
	if (is64)
		*addr |= (uint64_t)pci_read32(d, 0, cap + MSI_ADDR_HI) << 32;
	*data = pci_read16(d, 0, cap + (is64 ? MSI_DATA_64 : MSI_DATA_32));
}

/* One line a reader of the console can follow: where the guest aimed the
 * MSI and whether it came there. */
static void msi_report(const struct edu *e, const char *how, unsigned cpu, unsigned vector)
{
	uint64_t addr;
	uint16_t data;
	uint32_t n = irq_since(cpu, vector);

	msi_message(e, &addr, &data);
	kprintf("# MSI %s vCPU %u (APIC ID %u) vector 0x%x: %s, %u interrupt%s (guest wrote "
		"address 0x%llx data 0x%04x)\n",
		how, cpu, boot->apic_id[cpu], vector, n ? "arrived there" : "did not arrive", n,
		n == 1 ? "" : "s", (unsigned long long)addr, data);
}

/* Raises edu's interrupt once (one MSI when its MSI is on), interrupts on:
 * waits until irq_count[cpu][vector] moves or `us` passes (cpu < 0: all of
 * it), a little longer for a duplicate to show, then acknowledges it. True
 * when the count moved. */
static bool edu_raise(const struct edu *e, int cpu, unsigned vector, uint64_t us)
{
	uint32_t before = cpu >= 0 ? irq_count[cpu][vector] : 0;
	bool got = false;

	irq_enable();
	mmio_write32(e->bar + EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
	uint32_t status = mmio_read32(e->bar + EDU_REG_IRQ_STATUS);
	uint64_t d = deadline_us(us);
	while (!expired(d)) {
		if (cpu >= 0 && irq_count[cpu][vector] != before) {
			got = true;
			break;
		}
		cpu_relax();
	}
	delay_us(MSI_SETTLE_US);
	irq_disable();
	expect(status & EDU_IRQ_BIT, "edu's interrupt status 0x%x after the raise: not raised",
	       status);
	mmio_write32(e->bar + EDU_REG_IRQ_ACK, EDU_IRQ_BIT);
	uint32_t after = mmio_read32(e->bar + EDU_REG_IRQ_STATUS);
	expect(!(after & EDU_IRQ_BIT), "edu's interrupt status 0x%x after the acknowledgement", after);
	return got;
}

static uint32_t irr_word(unsigned vector)
{
	return lapic_read(LAPIC_IRR + 0x10 * (vector / 32));
}

/* ---- e1000e -------------------------------------------------------------------------------- */

/* QEMU's e1000e (hw/net/e1000e.c, e1000e_core.c): an 82574L, PCIe, its
 * registers in BAR0 (128 KiB), MSI-X with 5 vectors in BAR3 (table at 0,
 * PBA at 0x2000). With MSI-X enabled, the interrupt causes go to vectors
 * through IVAR: "other" (LSC among them) by IVAR bits 19:16. */
#define E1000E_VENDOR_DEVICE  0x10d38086u
#define E1000E_MSIX_VECTORS   5
#define E1000_STATUS          0x0008
#define E1000_CTRL_EXT        0x0018
#define E1000_CTRL_EXT_EIAME  (1u << 24) /* IAM cleared on an MSI-X message */
#define E1000_CTRL_EXT_IAME   (1u << 27) /* IAM cleared on an ICR read or write */
#define E1000_CTRL_EXT_PBA_CLR (1u << 31)
#define E1000_ICR             0x00c0 /* causes; writing ones clears them */
#define E1000_ICS             0x00c8 /* writing ones sets causes */
#define E1000_IMS             0x00d0 /* writing ones enables causes */
#define E1000_IMC             0x00d8 /* writing ones disables them */
#define E1000_EIAC            0x00dc /* causes cleared on their MSI-X message */
#define E1000_IAM             0x00e0
#define E1000_IVAR            0x00e4
#define E1000_ICR_LSC         (1u << 2)  /* link status change: one of the "other" causes */
#define E1000_ICR_OTHER       (1u << 24) /* set with any "other" cause under MSI-X */
#define E1000_ICR_ASSERTED    (1u << 31)
#define E1000_IVAR_OTHER(vec) ((0x8u | ((vec) & 7u)) << 16) /* valid bit, vector */
#define E1000E_BAR0_MIN       (128 * KIB)

/* How many e1000e the guest was given: one with "e1000e" on the command
 * line, else none. They follow the edu in the view. */
static unsigned e1000e_expected(void)
{
	return cmdline_word("e1000e", NULL) ? 1 : 0;
}

/* "other=VVVVDDDD" (hex, device ID in the upper half as config space reads
 * it): one more device expected after the edu and the e1000e, whose BAR0
 * must be a memory BAR at an address (a function-level reset at assignment
 * clears BARs: hv must have put them back). 0 when not given. */
static uint32_t other_expected(void)
{
	const char *v;
	uint32_t id = 0;

	if (!cmdline_word("other", &v))
		return 0;
	for (unsigned i = 0; i < 8; i++) {
		char c = v[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
			     c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			return 0;
		id = id << 4 | d;
	}
	return id;
}

/* The memory BAR `i` of 00:dev.0 (a 64-bit one with its upper half), 0
 * when it is no memory BAR; *is64 says which. */
static uint64_t mem_bar(unsigned dev, unsigned i, bool *is64)
{
	uint32_t lo = pci_read32(dev, 0, PCI_BAR0 + 4 * i);

	*is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
	if (lo & PCI_BAR_IO)
		return 0;
	uint64_t a = lo & ~0xfull;
	if (*is64 && i < 5)
		a |= (uint64_t)pci_read32(dev, 0, PCI_BAR0 + 4 * (i + 1)) << 32;
	return a;
}

/* ---- pt_pci_view ------------------------------------------------------------------------- */

/* One edu's configuration space and registers, at 00:dev.0. */
static void check_edu_config(unsigned dev)
{
	const uint16_t on = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;

	/* BAR0: a 1 MiB memory BAR at its physical address, past the
	 * guest's RAM; sized (decoding off meanwhile, as an OS does it) but
	 * never moved. */
	uint16_t cmd = pci_read16(dev, 0, PCI_COMMAND);
	uint32_t lo = pci_read32(dev, 0, PCI_BAR0);
	bool is64 = (lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64;
	uint32_t hi = is64 ? pci_read32(dev, 0, PCI_BAR0 + 4) : 0;
	uint64_t base = ((uint64_t)hi << 32 | lo) & ~0xfull;
	if (!expect(!(lo & PCI_BAR_IO) && base, "00:%02x.0: BAR0 0x%08x is no assigned memory BAR",
		    dev, lo))
		return;
	expect(base >= boot->mem_size && base % EDU_BAR_SIZE == 0 &&
		       base + EDU_BAR_SIZE <= IDENTITY_MAP_END,
	       "00:%02x.0: BAR0 at 0x%llx: in the guest's RAM, misaligned or past 512 GiB", dev,
	       (unsigned long long)base);
	pci_write16(dev, 0, PCI_COMMAND, cmd & (uint16_t)~PCI_COMMAND_MEMORY);
	pci_write32(dev, 0, PCI_BAR0, 0xffffffffu);
	uint32_t mlo = pci_read32(dev, 0, PCI_BAR0), mhi = 0xffffffffu;
	if (is64) {
		pci_write32(dev, 0, PCI_BAR0 + 4, 0xffffffffu);
		mhi = pci_read32(dev, 0, PCI_BAR0 + 4);
		pci_write32(dev, 0, PCI_BAR0 + 4, hi);
	}
	pci_write32(dev, 0, PCI_BAR0, lo);
	uint64_t size = ~(((uint64_t)mhi << 32 | mlo) & ~0xfull) + 1;
	expect(size == EDU_BAR_SIZE,
	       "00:%02x.0: BAR0 sizes to 0x%llx bytes (0x%08x after writing all-ones), not 1 MiB",
	       dev, (unsigned long long)size, mlo);
	expect((mlo & 0xf) == (lo & 0xf), "00:%02x.0: BAR0's type bits 0x%x while sizing, 0x%x before",
	       dev, mlo & 0xf, lo & 0xf);
	uint32_t restored = pci_read32(dev, 0, PCI_BAR0);
	expect(restored == lo, "00:%02x.0: BAR0 reads 0x%08x after sizing, not 0x%08x", dev,
	       restored, lo);

	/* Decoding on, bus mastering on: both stick. */
	pci_write16(dev, 0, PCI_COMMAND, cmd | on);
	uint16_t cmd2 = pci_read16(dev, 0, PCI_COMMAND);
	expect((cmd2 & on) == on, "00:%02x.0: command 0x%04x after writing 0x%04x", dev, cmd2,
	       cmd | on);

	/* Moving it is refused: the value stays, the device stays there. */
	uint32_t elsewhere = lo ^ 0x08000000u;
	pci_write32(dev, 0, PCI_BAR0, elsewhere);
	uint32_t after = pci_read32(dev, 0, PCI_BAR0);
	if (!expect(after == lo, "00:%02x.0: BAR0 reads 0x%08x after a write of 0x%08x: moved from "
				 "0x%08x",
		    dev, after, elsewhere, lo))
		pci_write32(dev, 0, PCI_BAR0, lo);

	/* The capability list: MSI, one vector, 64-bit, no per-vector
	 * masking. */
	uint16_t status = pci_read16(dev, 0, PCI_STATUS);
	unsigned msi = pci_find_cap(dev, 0, PCI_CAP_ID_MSI);
	uint16_t ctrl = msi ? pci_read16(dev, 0, msi + MSI_CTRL) : 0;
	if (expect(msi, "00:%02x.0: no MSI capability (status 0x%04x, list at 0x%02x)", dev, status,
		   pci_read8(dev, 0, PCI_CAP_PTR)))
		expect((ctrl & MSI_CTRL_64BIT) && MSI_CTRL_MMC(ctrl) == 0 &&
			       !(ctrl & MSI_CTRL_MASKABLE),
		       "00:%02x.0: MSI control 0x%04x: not one vector, 64-bit, without per-vector "
		       "masking",
		       dev, ctrl);

	/* The device itself, at the BAR's address: no exits on the way. */
	uint32_t id = mmio_read32(base + EDU_REG_ID);
	expect(id == EDU_ID_VALUE, "00:%02x.0: ID register at 0x%llx reads 0x%08x, not 0x%08x", dev,
	       (unsigned long long)base, id, EDU_ID_VALUE);
	const unsigned rounds = 128;
	unsigned wrong = 0;
	uint64_t exits = hypercall(HV_HC_EXITS, 0, 0);
	for (unsigned i = 0; i < rounds; i++) {
		uint32_t x = (uint32_t)rng();
		mmio_write32(base + EDU_REG_LIVENESS, x);
		if (mmio_read32(base + EDU_REG_LIVENESS) != ~x)
			wrong++;
	}
	exits = hypercall(HV_HC_EXITS, 0, 0) - exits;
	expect(wrong == 0, "00:%02x.0: liveness register: %u of %u values did not read back "
			   "complemented",
	       dev, wrong, rounds);
	expect(exits < rounds / 4, "00:%02x.0: %llu exits for %u writes and reads of the BAR: its "
				   "accesses trap",
	       dev, (unsigned long long)exits, rounds);
	kprintf("# 00:%02x.0 edu: BAR0 0x%llx (%llu KiB, %s-bit), command 0x%04x, MSI at 0x%02x "
		"control 0x%04x, %llu exit(s) for %u BAR accesses\n",
		dev, (unsigned long long)base, (unsigned long long)(size / KIB), is64 ? "64" : "32",
		pci_read16(dev, 0, PCI_COMMAND), msi, ctrl, (unsigned long long)exits, 2 * rounds);
}

/* The e1000e at 00:dev.0: BAR0 a memory BAR past the guest's RAM, its MSI-X
 * capability, its registers reached without exits. */
static void check_e1000e_config(unsigned dev)
{
	bool is64;
	uint64_t regs = mem_bar(dev, 0, &is64);

	if (!expect(regs && regs >= boot->mem_size && regs + E1000E_BAR0_MIN <= IDENTITY_MAP_END,
		    "00:%02x.0: BAR0 0x%08x (0x%llx) is no memory BAR past the guest's RAM", dev,
		    pci_read32(dev, 0, PCI_BAR0), (unsigned long long)regs))
		return;
	unsigned msix = pci_find_cap(dev, 0, PCI_CAP_ID_MSIX);
	uint16_t ctrl = msix ? pci_read16(dev, 0, msix + MSIX_CTRL) : 0;
	expect(msix && MSIX_CTRL_SIZE(ctrl) == E1000E_MSIX_VECTORS &&
		       !(ctrl & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL)),
	       "00:%02x.0: MSI-X capability at 0x%02x control 0x%04x: not 5 vectors, off", dev, msix,
	       ctrl);
	uint16_t cmd = pci_read16(dev, 0, PCI_COMMAND);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write16(dev, 0, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	const unsigned rounds = 128;
	unsigned wrong = 0;
	uint32_t status = mmio_read32(regs + E1000_STATUS);
	uint64_t exits = hypercall(HV_HC_EXITS, 0, 0);
	for (unsigned i = 0; i < rounds; i++)
		wrong += mmio_read32(regs + E1000_STATUS) != status;
	exits = hypercall(HV_HC_EXITS, 0, 0) - exits;
	expect(status != ~0u && wrong == 0, "00:%02x.0: STATUS reads 0x%08x, then changed %u times",
	       dev, status, wrong);
	expect(exits < rounds / 4, "00:%02x.0: %llu exits for %u reads of BAR0: its accesses trap",
	       dev, (unsigned long long)exits, rounds);
	kprintf("# 00:%02x.0 e1000e: BAR0 0x%llx (%s-bit), command 0x%04x, MSI-X at 0x%02x control "
		"0x%04x, STATUS 0x%08x, %llu exit(s) for %u BAR reads\n",
		dev, (unsigned long long)regs, is64 ? "64" : "32", pci_read16(dev, 0, PCI_COMMAND),
		msix, ctrl, status, (unsigned long long)exits, rounds);
}

static enum result pt_pci_view(void)
{
	unsigned want = edu_expected(), nics = e1000e_expected();
	uint32_t other = other_expected();

	if (!expect(pci_ecam_usable(),
		    "ECAM window 0x%llx unusable (not 1 MiB aligned, in RAM, or past 512 GiB)",
		    (unsigned long long)boot->pci_ecam))
		return FAIL;
	if (nics)
		kprintf("# ECAM window at 0x%llx; expecting the host bridge, %u edu and %u e1000e\n",
			(unsigned long long)boot->pci_ecam, want, nics);
	else
		kprintf("# ECAM window at 0x%llx; expecting the host bridge and %u edu\n",
			(unsigned long long)boot->pci_ecam, want);

	/* 00:00.0: a host bridge (class 06 00, header type 0). */
	uint32_t hb = pci_read32(0, 0, PCI_VENDOR_ID);
	uint32_t hb_class = pci_read32(0, 0, PCI_CLASS_REVISION) >> 8;
	expect((hb & 0xffff) != 0xffff && (hb & 0xffff) != 0, "00:00.0 reads 0x%08x: no host bridge",
	       hb);
	expect(hb_class >> 8 == 0x0600, "00:00.0: class 0x%06x, not a host bridge (0x0600xx)",
	       hb_class);
	expect((pci_read8(0, 0, PCI_HEADER_TYPE) & 0x7f) == 0, "00:00.0: header type 0x%02x",
	       pci_read8(0, 0, PCI_HEADER_TYPE));

	/* Every function of bus 0: the edu at 00:01.0 .. 00:want.0, the
	 * e1000e (when expected) after them, and nothing else. */
	unsigned edus = 0, found_nics = 0, strays = 0;
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			if (dev == 0 && fn == 0)
				continue;
			uint32_t id = pci_read32(dev, fn, PCI_VENDOR_ID);
			bool edu_slot = fn == 0 && dev >= 1 && dev <= want;
			bool nic_slot = fn == 0 && nics && dev == want + 1;
			bool other_slot = fn == 0 && other && dev == want + nics + 1;
			if (id == EDU_VENDOR_DEVICE)
				edus++;
			if (id == E1000E_VENDOR_DEVICE && nics)
				found_nics++;
			if (edu_slot)
				expect(id == EDU_VENDOR_DEVICE, "00:%02x.0 reads 0x%08x, not edu 1234:11e8",
				       dev, id);
			else if (nic_slot)
				expect(id == E1000E_VENDOR_DEVICE,
				       "00:%02x.0 reads 0x%08x, not e1000e 8086:10d3", dev, id);
			else if (other_slot)
				expect(id == other, "00:%02x.0 reads 0x%08x, not 0x%08x", dev, id,
				       other);
			else if (id != PCI_ID_NONE && strays++ < 4)
				expect(false, "00:%02x.%u reads 0x%08x: a function the guest was not given",
				       dev, fn, id);
		}
	expect(strays == 0, "%u function(s) besides the host bridge and the edu", strays);
	expect(edus == want, "%u edu in the view, not %u", edus, want);
	expect(found_nics == nics, "%u e1000e in the view, not %u", found_nics, nics);

	/* The same through 0xCF8/0xCFC. */
	uint32_t v = pci_cf8_read32(0, 0, 0, PCI_VENDOR_ID);
	expect(v == hb, "0xCF8/0xCFC: 00:00.0 reads 0x%08x, ECAM 0x%08x", v, hb);
	if (want) {
		v = pci_cf8_read32(0, 1, 0, PCI_VENDOR_ID);
		expect(v == EDU_VENDOR_DEVICE, "0xCF8/0xCFC: 00:01.0 reads 0x%08x, not edu 1234:11e8",
		       v);
		uint32_t c1 = pci_cf8_read32(0, 1, 0, PCI_CLASS_REVISION);
		uint32_t e1 = pci_read32(1, 0, PCI_CLASS_REVISION);
		expect(c1 == e1, "00:01.0 class/revision 0x%08x through 0xCF8/0xCFC, 0x%08x through "
				 "ECAM",
		       c1, e1);
	}
	if (nics) {
		v = pci_cf8_read32(0, want + 1, 0, PCI_VENDOR_ID);
		expect(v == E1000E_VENDOR_DEVICE,
		       "0xCF8/0xCFC: 00:%02x.0 reads 0x%08x, not e1000e 8086:10d3", want + 1, v);
	}
	v = pci_cf8_read32(0, 0x1f, 0, PCI_VENDOR_ID);
	expect(v == PCI_ID_NONE, "0xCF8/0xCFC: 00:1f.0 (the host's LPC bridge) reads 0x%08x", v);
	v = pci_cf8_read32(1, 0, 0, PCI_VENDOR_ID);
	expect(v == PCI_ID_NONE, "0xCF8/0xCFC: 01:00.0 reads 0x%08x: bus 1 is not the guest's", v);

	for (unsigned dev = 1; dev <= want; dev++)
		if (pci_read32(dev, 0, PCI_VENDOR_ID) == EDU_VENDOR_DEVICE)
			check_edu_config(dev);
	if (nics && pci_read32(want + 1, 0, PCI_VENDOR_ID) == E1000E_VENDOR_DEVICE)
		check_e1000e_config(want + 1);
	if (other) {
		bool is64;
		uint64_t bar = mem_bar(want + nics + 1, 0, &is64);
		kprintf("# 00:%02x.0 (0x%08x): BAR0 0x%llx\n", want + nics + 1, other,
			(unsigned long long)bar);
		expect(bar >= boot->mem_size, "00:%02x.0: BAR0 0x%llx: not a memory BAR past RAM",
		       want + nics + 1, (unsigned long long)bar);
	}
	return PASS;
}

/* ---- pt_dma_own_memory ------------------------------------------------------------------- */

static enum result pt_dma_own_memory(void)
{
	unsigned want = edu_expected();

	if (!want)
		return skip_because("no edu passed through (edu=0)");
	if (!expect(gpa(dma_dst + sizeof(dma_dst)) <= EDU_DMA_LIMIT &&
			    gpa(dma_src + sizeof(dma_src)) <= EDU_DMA_LIMIT,
		    "the DMA buffers at 0x%llx, 0x%llx are past edu's 28-bit reach",
		    (unsigned long long)gpa(dma_src), (unsigned long long)gpa(dma_dst)))
		return FAIL;
	for (unsigned i = 0; i < want; i++) {
		struct edu e;
		char what[48];
		if (!edu_open(i, &e))
			continue;
		/* A page, then a transfer crossing a page boundary on both
		 * sides, each with fresh data. */
		fill_random(dma_src, sizeof(dma_src));
		ksnprintf(what, sizeof(what), "00:%02x.0, one page", e.dev);
		bool a = dma_round_trip(&e, 0, 0, DMA_LEN, what);
		fill_random(dma_src, sizeof(dma_src));
		ksnprintf(what, sizeof(what), "00:%02x.0, across pages", e.dev);
		bool b = dma_round_trip(&e, 0x900, 0xa00, DMA_ACROSS_LEN, what);
		kprintf("# DMA by 00:%02x.0 at guest-physical addresses (IOVA = GPA): RAM 0x%llx -> "
			"device -> RAM 0x%llx, %u bytes: %s\n",
			e.dev, (unsigned long long)gpa(dma_src), (unsigned long long)gpa(dma_dst),
			DMA_LEN, a ? "exact" : "wrong");
		kprintf("# DMA by 00:%02x.0 across pages: RAM 0x%llx -> device -> RAM 0x%llx, %u "
			"bytes: %s\n",
			e.dev, (unsigned long long)gpa(dma_src + 0x900),
			(unsigned long long)gpa(dma_dst + 0xa00), DMA_ACROSS_LEN, b ? "exact" : "wrong");
	}
	return PASS;
}

/* ---- pt_dma_past_ram_faults ------------------------------------------------------------- */

/* A transfer from edu's buffer (holding dma_src's first DMA_LEN bytes,
 * first quadword `tag`) to `target`, which the device's domain does not
 * map: it completes without writing anything the guest sees. Canaries in
 * [c1, c1 + n1) and [c2, c2 + n2). */
static void dma_to_unmapped(const struct edu *e, uint64_t target, const char *what, uint64_t tag,
			    uint64_t c1, uint64_t n1, uint64_t c2, uint64_t n2)
{
	uint64_t salt = rng(), where = 0;

	canary_fill(c1, c1 + n1, salt);
	canary_fill(c2, c2 + n2, salt);
	enum dma_status s = edu_dma(e, target, DMA_LEN, true);
	expect(s == DMA_DONE, "%s: the device to 0x%llx: %s (a blocked write is dropped, the device "
			      "finishes)",
	       what, (unsigned long long)target, dma_status_name(s));
	unsigned bad = canary_check(c1, c1 + n1, salt, what) + canary_check(c2, c2 + n2, salt, what);
	uint64_t r = mmio_read64(target);
	expect(r == ~0ull, "%s: 0x%llx reads 0x%llx after the transfer, not all-ones", what,
	       (unsigned long long)target, (unsigned long long)r);
	unsigned found = scan_ram_for(tag, &where);
	expect(found == 0, "%s: the transfer's data found in %u page(s) of guest RAM, first 0x%llx",
	       what, found, (unsigned long long)where);
	kprintf("# DMA to 0x%llx (%s, not in the guest's domain): %s; canaries %s, target reads "
		"0x%llx, data %sin RAM\n",
		(unsigned long long)target, what, bad || found ? "NOT blocked" : "blocked",
		bad ? "changed" : "intact", (unsigned long long)r, found ? "" : "not ");
}

static enum result pt_dma_past_ram_faults(void)
{
	struct edu e;
	enum result r = need_edu(&e);

	if (r != PASS)
		return r;
	/* The device's buffer: a fresh pattern, seen to come back. */
	fill_random(dma_src, sizeof(dma_src));
	if (!dma_round_trip(&e, 0, 0, DMA_LEN, "loading the device's buffer"))
		return FAIL;
	uint64_t tag = *(volatile uint64_t *)dma_src;

	/* Past RAM: below edu's 28-bit reach (else it would cut the address
	 * into the guest's RAM). Canaries: RAM's last 64 KiB, and where the
	 * target lands modulo the RAM's size. */
	const uint64_t m = boot->mem_size, target = m + MIB;
	unsigned parts = 0;
	if (target + PAGE_SIZE <= EDU_DMA_LIMIT) {
		uint64_t top = m - 64 * KIB > image_end() ? m - 64 * KIB : image_end();
		dma_to_unmapped(&e, target, "past RAM", tag, top, m - top, HV_GUEST_LEGACY_END,
				64 * KIB);
		parts++;
	} else {
		kprintf("# past RAM: 0x%llx is beyond edu's 28-bit reach: not tried\n",
			(unsigned long long)target);
	}

	/* The legacy hole: not mapped for the device either. Canaries: the
	 * pages either side. */
	dma_to_unmapped(&e, HV_GUEST_LEGACY_HOLE, "legacy hole", tag, HV_GUEST_LEGACY_HOLE - PAGE_SIZE,
			PAGE_SIZE, HV_GUEST_LEGACY_END, PAGE_SIZE);
	parts++;

	/* Another guest's RAM, where hv says it lies (test.peer_dma): the
	 * device's write there must fault (the scenario checks hv's log for
	 * the fault at exactly that address) and change nothing of ours. */
	if (boot->test_peer_ram) {
		uint64_t top = m - 64 * KIB > image_end() ? m - 64 * KIB : image_end();
		dma_to_unmapped(&e, boot->test_peer_ram, "another guest's RAM", tag, top, m - top,
				HV_GUEST_LEGACY_END, 64 * KIB);
		parts++;
	}

	/* The guest and the device go on. */
	fill_random(dma_src, sizeof(dma_src));
	expect(dma_round_trip(&e, 0, 0, DMA_LEN, "own memory after the faults"),
	       "the device's DMA into own memory failed after %u faulting transfers", parts);
	return PASS;
}

/* ---- the MSI tests ------------------------------------------------------------------------- */

static enum result need_msi(struct edu *e)
{
	enum result r = need_edu(e);

	if (r != PASS)
		return r;
	if (!expect(e->msi, "00:%02x.0: no MSI capability", e->dev))
		return FAIL;
	lapic_enable();
	return PASS;
}

static enum result pt_msi_vcpu0(void)
{
	struct edu e;
	enum result r = need_msi(&e);

	if (r != PASS)
		return r;
	msi_program(&e, boot->apic_id[0], VEC_PT_MSI0, false);
	irq_snapshot();
	bool got = edu_raise(&e, 0, VEC_PT_MSI0, MSI_WAIT_US);
	msi_report(&e, "to", 0, VEC_PT_MSI0);
	expect(got, "no MSI on vCPU 0 (APIC ID %u) vector 0x%x within 1 s (IRR word 0x%x)",
	       boot->apic_id[0], VEC_PT_MSI0, irr_word(VEC_PT_MSI0));
	expect(!got || irq_since(0, VEC_PT_MSI0) == 1, "%u interrupts on vector 0x%x from one raise",
	       irq_since(0, VEC_PT_MSI0), VEC_PT_MSI0);
	irq_others_since(0, VEC_PT_MSI0, "one MSI to vCPU 0");
	return PASS;
}

static enum result pt_msi_migrates(void)
{
	struct edu e;

	if (cpu_count() < 2)
		return skip_because("one vCPU only");
	enum result r = need_msi(&e);
	if (r != PASS)
		return r;
	if (!ap_state[1].alive &&
	    !expect(smp_start_ap(1), "vCPU 1 (APIC ID %u) not alive 1 s after INIT, SIPI, SIPI",
		    boot->apic_id[1]))
		return FAIL;

	/* On vCPU 0 first... */
	msi_program(&e, boot->apic_id[0], VEC_PT_MSI0, false);
	irq_snapshot();
	if (!expect(edu_raise(&e, 0, VEC_PT_MSI0, MSI_WAIT_US),
		    "before the move: no MSI on vCPU 0 vector 0x%x within 1 s", VEC_PT_MSI0))
		return FAIL;

	/* ... then moved to vCPU 1 while on: the address and data rewritten. */
	msi_program(&e, boot->apic_id[1], VEC_PT_MSI1, true);
	irq_snapshot();
	bool got = edu_raise(&e, 1, VEC_PT_MSI1, MSI_WAIT_US);
	msi_report(&e, "moved, while on, to", 1, VEC_PT_MSI1);
	expect(got, "no MSI on vCPU 1 (APIC ID %u) vector 0x%x within 1 s of the move",
	       boot->apic_id[1], VEC_PT_MSI1);
	expect(!got || irq_since(1, VEC_PT_MSI1) == 1, "%u interrupts on vector 0x%x from one raise",
	       irq_since(1, VEC_PT_MSI1), VEC_PT_MSI1);
	expect(irq_since(0, VEC_PT_MSI0) == 0, "vector 0x%x fired on vCPU 0 again after the move",
	       VEC_PT_MSI0);
	irq_others_since(1, VEC_PT_MSI1, "one MSI after the move");
	return PASS;
}

static enum result pt_msi_foreign_refused(void)
{
	struct edu e;
	enum result r = need_msi(&e);

	if (r != PASS)
		return r;
	uint32_t foreign = 0;
	while (foreign < 0xff && own_apic_id(foreign))
		foreign++;
	if (foreign == 0xff)
		return skip_because("every APIC ID is the guest's");

	/* Aimed at a CPU not ours: refused, nothing arrives here. */
	msi_program(&e, foreign, VEC_PT_FOREIGN, false);
	irq_snapshot();
	edu_raise(&e, -1, 0, MSI_SILENCE_US);
	unsigned bad = irq_others_since(-1, 0, "MSI aimed at a foreign CPU");
	uint64_t addr;
	uint16_t data;
	msi_message(&e, &addr, &data);
	kprintf("# MSI to APIC ID %u vector 0x%x, not the guest's: %u interrupt%s on its vCPUs "
		"in 200 ms (guest wrote address 0x%llx data 0x%04x)\n",
		foreign, VEC_PT_FOREIGN, bad, bad == 1 ? "" : "s", (unsigned long long)addr, data);

	/* The device recovers when aimed at vCPU 0 again. */
	msi_program(&e, boot->apic_id[0], VEC_PT_MSI0, false);
	irq_snapshot();
	bool got = edu_raise(&e, 0, VEC_PT_MSI0, MSI_WAIT_US);
	expect(got, "back on vCPU 0: no MSI on vector 0x%x within 1 s (IRR word 0x%x)", VEC_PT_MSI0,
	       irr_word(VEC_PT_MSI0));
	expect(!got || irq_since(0, VEC_PT_MSI0) == 1, "%u interrupts on vector 0x%x from one raise",
	       irq_since(0, VEC_PT_MSI0), VEC_PT_MSI0);
	irq_others_since(0, VEC_PT_MSI0, "back on vCPU 0");
	for (unsigned c = 0; c < cpu_count(); c++)
		expect(irq_unexpected(c) == 0,
		       "vCPU %u took %u interrupts on vectors the guest does not use", c,
		       irq_unexpected(c));
	return PASS;
}

/* ---- pt_quarantine ----------------------------------------------------------------------- */

enum probe { OWN_DMA_WORKS, OWN_DMA_BLOCKED, OWN_DMA_BROKEN };

/* edu's buffer holds dma_src's first DMA_LEN bytes: copied to dma_dst
 * (filled with SENTINEL first), do they arrive? */
static enum probe probe_own_dma(const struct edu *e, const char **how)
{
	size_t first = 0;

	fill(dma_dst, SENTINEL, sizeof(dma_dst));
	enum dma_status s = edu_dma(e, gpa(dma_dst), DMA_LEN, true);
	if (s == DMA_GONE) {
		*how = "the BAR reads all-ones";
		return OWN_DMA_BLOCKED;
	}
	if (s == DMA_TIMEOUT) {
		*how = "the transfer never finished";
		return OWN_DMA_BROKEN;
	}
	if (!differ(dma_src, dma_dst, DMA_LEN, &first)) {
		*how = "the data arrived";
		return OWN_DMA_WORKS;
	}
	if (!not_byte(dma_dst, SENTINEL, sizeof(dma_dst))) {
		*how = "the data did not arrive";
		return OWN_DMA_BLOCKED;
	}
	*how = "the data arrived in part or garbled";
	return OWN_DMA_BROKEN;
}

/* vCPU `cpu` answers an IPI: it still runs. */
static bool vcpu_answers(unsigned cpu)
{
	uint32_t back = irq_count[0][VEC_IPI_BACK];

	irq_enable();
	lapic_send_ipi(boot->apic_id[cpu], ICR_ASSERT | ICR_FIXED | VEC_IPI);
	uint64_t d = deadline_us(MSI_WAIT_US);
	while (irq_count[0][VEC_IPI_BACK] == back && !expired(d))
		cpu_relax();
	irq_disable();
	return irq_count[0][VEC_IPI_BACK] != back;
}

static enum result pt_quarantine(void)
{
	struct edu e;
	enum result r = need_edu(&e);
	const char *how = "";

	if (r != PASS)
		return r;
	const uint64_t target = boot->mem_size + MIB;
	if (target + PAGE_SIZE > EDU_DMA_LIMIT)
		return skip_because("mem_size + 1 MiB is beyond edu's 28-bit reach");

	/* Before: the device's DMA into own memory works. */
	fill_random(dma_src, sizeof(dma_src));
	if (!expect(dma_round_trip(&e, 0, 0, DMA_LEN, "before the storm"),
		    "the device's DMA into own memory failed before the storm"))
		return FAIL;

	/* The storm: transfers past RAM, own memory tried every few. */
	unsigned faults = 0;
	enum probe p = OWN_DMA_WORKS;
	while (faults < STORM_MAX && p == OWN_DMA_WORKS) {
		for (unsigned k = 0; k < STORM_PROBE_EVERY; k++, faults++) {
			enum dma_status s = edu_dma(&e, target, DMA_LEN, true);
			if (s == DMA_GONE)
				break;
			if (!expect(s == DMA_DONE, "faulting transfer %u: %s", faults + 1,
				    dma_status_name(s)))
				return FAIL;
		}
		p = probe_own_dma(&e, &how);
		kprintf("# after %u faulting transfers to 0x%llx: own memory: %s\n", faults,
			(unsigned long long)target, how);
	}
	expect(p != OWN_DMA_WORKS,
	       "the device's DMA into own memory still works after %u faulting transfers: not "
	       "quarantined",
	       faults);
	expect(p != OWN_DMA_BROKEN, "own memory after the storm: %s", how);

	/* Afterwards: fresh data does not make it through the device either. */
	if (p == OWN_DMA_BLOCKED) {
		fill_random(dma_src, sizeof(dma_src));
		fill(dma_dst, SENTINEL, sizeof(dma_dst));
		enum dma_status s1 = edu_dma(&e, gpa(dma_src), DMA_LEN, false);
		enum dma_status s2 = edu_dma(&e, gpa(dma_dst), DMA_LEN, true);
		size_t changed = not_byte(dma_dst, SENTINEL, sizeof(dma_dst));
		expect(changed == 0, "after the quarantine, a copy through the device changed %llu "
				     "bytes of own memory",
		       (unsigned long long)changed);
		kprintf("# after the quarantine: RAM to the device %s, back %s, %llu bytes arrived; "
			"ID register 0x%08x, command 0x%04x\n",
			dma_status_name(s1), dma_status_name(s2), (unsigned long long)changed,
			mmio_read32(e.bar + EDU_REG_ID), pci_read16(e.dev, 0, PCI_COMMAND));
	}

	/* The guest keeps running: its vCPUs answer. */
	lapic_enable();
	for (unsigned c = 1; c < cpu_count(); c++)
		if (ap_state[c].alive)
			expect(vcpu_answers(c), "vCPU %u did not answer an IPI after the storm", c);
	return PASS;
}

/* ---- pt_msix ----------------------------------------------------------------------------- */

struct nic {
	unsigned dev;           /* at 00:dev.0 */
	uint64_t regs;          /* BAR0 */
	unsigned msix;          /* the MSI-X capability's offset */
	unsigned entries;       /* its table size */
	uint64_t table, pba;    /* their guest-physical addresses (= physical) */
};

/* The e1000e of the view, its BAR0 and MSI-X table located, memory
 * decoding and bus mastering on. False, after saying why, when it is not
 * usable. */
static bool nic_open(struct nic *n)
{
	if (!expect(pci_ecam_usable(), "ECAM window 0x%llx unusable",
		    (unsigned long long)boot->pci_ecam))
		return false;
	unsigned dev = 1;
	while (dev < 32 && pci_read32(dev, 0, PCI_VENDOR_ID) != E1000E_VENDOR_DEVICE)
		dev++;
	if (!expect(dev < 32, "no e1000e (8086:10d3) in the PCI view"))
		return false;
	bool is64;
	uint64_t regs = mem_bar(dev, 0, &is64);
	if (!expect(regs && regs >= boot->mem_size && regs + E1000E_BAR0_MIN <= IDENTITY_MAP_END,
		    "00:%02x.0: BAR0 (0x%llx) is no memory BAR past the guest's RAM", dev,
		    (unsigned long long)regs))
		return false;
	unsigned cap = pci_find_cap(dev, 0, PCI_CAP_ID_MSIX);
	if (!expect(cap, "00:%02x.0: no MSI-X capability", dev))
		return false;
	uint16_t ctrl = pci_read16(dev, 0, cap + MSIX_CTRL);
	uint32_t treg = pci_read32(dev, 0, cap + MSIX_TABLE), preg = pci_read32(dev, 0, cap + MSIX_PBA);
	unsigned tbir = MSIX_BIR(treg), pbir = MSIX_BIR(preg), entries = MSIX_CTRL_SIZE(ctrl);
	bool t64 = false, p64 = false;
	uint64_t tbar = tbir < 6 ? mem_bar(dev, tbir, &t64) : 0;
	uint64_t pbar = pbir < 6 ? mem_bar(dev, pbir, &p64) : 0;
	if (!expect(tbar && pbar && tbar >= boot->mem_size && pbar >= boot->mem_size &&
			    tbar + 2 * MIB <= IDENTITY_MAP_END && pbar + 2 * MIB <= IDENTITY_MAP_END,
		    "00:%02x.0: MSI-X table in BAR%u (0x%llx), PBA in BAR%u (0x%llx): not memory "
		    "BARs past RAM",
		    dev, tbir, (unsigned long long)tbar, pbir, (unsigned long long)pbar))
		return false;
	expect(entries == E1000E_MSIX_VECTORS && tbir == 3 && MSIX_OFFSET(treg) == 0 && pbir == 3 &&
		       MSIX_OFFSET(preg) == 0x2000,
	       "00:%02x.0: MSI-X control 0x%04x, table 0x%08x, PBA 0x%08x: not 5 vectors, table at "
	       "BAR3 + 0, PBA at BAR3 + 0x2000",
	       dev, ctrl, treg, preg);
	uint16_t cmd = pci_read16(dev, 0, PCI_COMMAND);
	const uint16_t on = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if ((cmd & on) != on)
		pci_write16(dev, 0, PCI_COMMAND, cmd | on);
	n->dev = dev;
	n->regs = regs;
	n->msix = cap;
	n->entries = entries;
	n->table = tbar + MSIX_OFFSET(treg);
	n->pba = pbar + MSIX_OFFSET(preg);
	kprintf("# 00:%02x.0 e1000e: BAR0 0x%llx, MSI-X at 0x%02x control 0x%04x: %u entries, table "
		"BAR%u%s + 0x%x = 0x%llx, PBA BAR%u + 0x%x = 0x%llx\n",
		dev, (unsigned long long)regs, cap, ctrl, entries, tbir, t64 ? " (64-bit)" : "",
		MSIX_OFFSET(treg), (unsigned long long)n->table, pbir, MSIX_OFFSET(preg),
		(unsigned long long)n->pba);
	return true;
}

static uint32_t nic_rd(const struct nic *n, unsigned reg)
{
	return mmio_read32(n->regs + reg);
}

static void nic_wr(const struct nic *n, unsigned reg, uint32_t v)
{
	mmio_write32(n->regs + reg, v);
}

/* The table and the PBA: their pages trap, one dword access each. */
static uint32_t msix_entry_rd(const struct nic *n, unsigned index, unsigned reg)
{
	return mmio_read32(n->table + index * MSIX_ENTRY_SIZE + reg);
}

static void msix_entry_wr(const struct nic *n, unsigned index, unsigned reg, uint32_t v)
{
	mmio_write32(n->table + index * MSIX_ENTRY_SIZE + reg, v);
}

static uint32_t msix_pba_rd(const struct nic *n)
{
	return mmio_read32(n->pba);
}

static void msix_ctrl_wr(const struct nic *n, bool enable, bool maskall)
{
	uint16_t c = pci_read16(n->dev, 0, n->msix + MSIX_CTRL);

	c &= (uint16_t)~(MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL);
	c |= (uint16_t)((enable ? MSIX_CTRL_ENABLE : 0) | (maskall ? MSIX_CTRL_MASKALL : 0));
	pci_write16(n->dev, 0, n->msix + MSIX_CTRL, c);
}

/* Entry `index`: the message (compatibility format, physical destination
 * `apic_id`, fixed, edge, `vector`), written as a guest OS writes it, then
 * read back: the virtual table gives back what was written. */
static bool msix_entry_set(const struct nic *n, unsigned index, uint32_t apic_id, uint8_t vector,
			   bool masked, const char *when)
{
	uint32_t lo = 0xfee00000u | (apic_id & 0xff) << 12;
	uint32_t want[4] = { lo, 0, vector, masked ? MSIX_ENTRY_MASKED : 0 };

	msix_entry_wr(n, index, MSIX_ENTRY_ADDR_LO, want[0]);
	msix_entry_wr(n, index, MSIX_ENTRY_ADDR_HI, want[1]);
	msix_entry_wr(n, index, MSIX_ENTRY_DATA, want[2]);
	msix_entry_wr(n, index, MSIX_ENTRY_CTRL, want[3]);
	uint32_t got[4];
	for (unsigned r = 0; r < 4; r++)
		got[r] = msix_entry_rd(n, index, 4 * r);
	/* The address pair as one qword too (PCIe 6.0, 6.1.4.2 allows it). */
	uint64_t pair = mmio_read64(n->table + index * MSIX_ENTRY_SIZE + MSIX_ENTRY_ADDR_LO);
	expect(pair == lo, "%s: entry %u's address reads 0x%llx as a qword, written 0x%x", when,
	       index, (unsigned long long)pair, lo);
	return expect(!memcmp(got, want, sizeof(got)),
		      "%s: entry %u reads %08x %08x %08x %08x, written %08x %08x %08x %08x", when,
		      index, got[0], got[1], got[2], got[3], want[0], want[1], want[2], want[3]);
}

/* Acknowledges the device: ICR says what was raised (LSC, and OTHER under
 * MSI-X; 0x81000004 with ASSERTED). Under MSI-X with causes enabled and
 * CTRL_EXT.IAME clear a read of ICR does not clear it (QEMU's
 * e1000e_mac_icr_read: it reads the same twice), so its bits are written
 * back (write-one-to-clear), which also lets the next raise send a
 * message (e1000e_send_msi sends only causes not already pending). */
static void nic_ack(const struct nic *n, const char *when)
{
	const uint32_t want = E1000_ICR_LSC | E1000_ICR_OTHER;
	uint32_t icr = nic_rd(n, E1000_ICR);

	expect((icr & want) == want, "%s: ICR 0x%08x: not LSC and OTHER", when, icr);
	nic_wr(n, E1000_ICR, ~0u);
	uint32_t after = nic_rd(n, E1000_ICR);
	expect(after == 0, "%s: ICR 0x%08x after writing its bits back", when, after);
}

/* The device raises its "other" cause (ICS <- LSC), interrupts on: waits
 * until irq_count[cpu][vector] moves or `us` passes (cpu < 0: all of it),
 * then a little longer for a duplicate. *exits (when given): the exits of
 * this vCPU from before the raise to the arrival, less those of the
 * hypercall that reads them (its CPUID, by which it picks VMMCALL or
 * VMCALL, and itself: measured). True when the count moved. */
static bool nic_raise(const struct nic *n, int cpu, unsigned vector, uint64_t us,
		      uint64_t *exits)
{
	uint32_t before = cpu >= 0 ? irq_count[cpu][vector] : 0;
	bool got = false;

	uint64_t e0 = hypercall(HV_HC_EXITS, 0, 0);
	uint64_t e = hypercall(HV_HC_EXITS, 0, 0), cost = e - e0;
	e0 = e;
	irq_enable();
	nic_wr(n, E1000_ICS, E1000_ICR_LSC);
	uint64_t d = deadline_us(us);
	while (!expired(d)) {
		if (cpu >= 0 && irq_count[cpu][vector] != before) {
			got = true;
			break;
		}
		cpu_relax();
	}
	uint64_t e1 = hypercall(HV_HC_EXITS, 0, 0);
	delay_us(MSI_SETTLE_US);
	irq_disable();
	if (exits)
		*exits = e1 - e0 - cost;
	return got;
}

static enum result pt_msix(void)
{
	struct nic n;

	if (!e1000e_expected())
		return skip_because("no e1000e passed through");
	if (!nic_open(&n))
		return FAIL;
	lapic_enable();

	/* The device quiet: every cause disabled and cleared, no automask
	 * or autoclear; "other" through MSI-X vector 0. */
	nic_wr(&n, E1000_IMC, ~0u);
	nic_wr(&n, E1000_ICR, ~0u);
	nic_wr(&n, E1000_EIAC, 0);
	nic_wr(&n, E1000_IAM, 0);
	nic_wr(&n, E1000_CTRL_EXT, nic_rd(&n, E1000_CTRL_EXT) &
					   ~(E1000_CTRL_EXT_EIAME | E1000_CTRL_EXT_IAME |
					     E1000_CTRL_EXT_PBA_CLR));
	nic_wr(&n, E1000_IVAR, E1000_IVAR_OTHER(0));

	/* MSI-X on with the function masked; every entry starts masked. */
	msix_ctrl_wr(&n, true, true);
	uint16_t ctrl = pci_read16(n.dev, 0, n.msix + MSIX_CTRL);
	expect((ctrl & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL)) ==
		       (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL),
	       "MSI-X control 0x%04x after setting Enable and Function Mask", ctrl);
	for (unsigned i = 0; i < n.entries; i++) {
		uint32_t vc = msix_entry_rd(&n, i, MSIX_ENTRY_CTRL);
		expect(vc & MSIX_ENTRY_MASKED, "entry %u's vector control 0x%x: not masked at start",
		       i, vc);
	}
	/* Entry 0 to vCPU 0, unmasked; the table's page traps. */
	uint64_t ex = hypercall(HV_HC_EXITS, 0, 0);
	bool ok = msix_entry_set(&n, 0, boot->apic_id[0], VEC_PT_MSIX0, false, "to vCPU 0");
	ex = hypercall(HV_HC_EXITS, 0, 0) - ex;
	expect(ex >= 8, "%llu exits for 4 writes and 4 reads of the MSI-X table: its page does not "
			"trap",
	       (unsigned long long)ex);
	msix_ctrl_wr(&n, true, false);
	ctrl = pci_read16(n.dev, 0, n.msix + MSIX_CTRL);
	expect((ctrl & (MSIX_CTRL_ENABLE | MSIX_CTRL_MASKALL)) == MSIX_CTRL_ENABLE,
	       "MSI-X control 0x%04x after clearing Function Mask", ctrl);
	if (!ok)
		return FAIL;
	nic_wr(&n, E1000_IMS, E1000_ICR_LSC | E1000_ICR_OTHER);
	uint32_t ims = nic_rd(&n, E1000_IMS);
	expect((ims & (E1000_ICR_LSC | E1000_ICR_OTHER)) == (E1000_ICR_LSC | E1000_ICR_OTHER),
	       "IMS reads 0x%08x after enabling LSC and OTHER", ims);

	/* 1. On vCPU 0, without an exit on the way. */
	irq_snapshot();
	uint64_t exits = 0;
	bool got = nic_raise(&n, 0, VEC_PT_MSIX0, MSI_WAIT_US, &exits);
	uint32_t eois = irq_since(0, VEC_PT_MSIX0);
	expect(got, "no MSI-X on vCPU 0 (APIC ID %u) vector 0x%x within 1 s (IRR word 0x%x, PBA "
		    "0x%x)",
	       boot->apic_id[0], VEC_PT_MSIX0, irr_word(VEC_PT_MSIX0), msix_pba_rd(&n));
	expect(!got || eois == 1, "%u interrupts on vector 0x%x from one raise", eois, VEC_PT_MSIX0);
	irq_others_since(0, VEC_PT_MSIX0, "MSI-X to vCPU 0");
	/* The handler's EOI is a trapped xAPIC write: one exit each. */
	expect(exits <= eois, "%llu exits from the raise to the handler (%u EOI): the interrupt "
			      "exits",
	       (unsigned long long)exits, eois);
	kprintf("# MSI-X entry 0 -> APIC ID %u vector 0x%x: %s; %llu exit(s) from the raise to the "
		"handler, its EOI included\n",
		boot->apic_id[0], VEC_PT_MSIX0, got ? "arrived" : "lost", (unsigned long long)exits);
	nic_ack(&n, "after the raise to vCPU 0");

	/* 2. Retargeted to vCPU 1: masked, rewritten, unmasked. */
	if (cpu_count() < 2) {
		kprintf("# one vCPU only: the entry is not retargeted\n");
	} else if (expect(ap_state[1].alive || smp_start_ap(1),
			  "vCPU 1 (APIC ID %u) not alive 1 s after INIT, SIPI, SIPI",
			  boot->apic_id[1])) {
		msix_entry_wr(&n, 0, MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
		msix_entry_set(&n, 0, boot->apic_id[1], VEC_PT_MSIX1, true, "to vCPU 1, masked");
		msix_entry_wr(&n, 0, MSIX_ENTRY_CTRL, 0);
		irq_snapshot();
		got = nic_raise(&n, 1, VEC_PT_MSIX1, MSI_WAIT_US, NULL);
		expect(got, "no MSI-X on vCPU 1 (APIC ID %u) vector 0x%x within 1 s of the retarget",
		       boot->apic_id[1], VEC_PT_MSIX1);
		expect(!got || irq_since(1, VEC_PT_MSIX1) == 1,
		       "%u interrupts on vector 0x%x from one raise", irq_since(1, VEC_PT_MSIX1),
		       VEC_PT_MSIX1);
		irq_others_since(1, VEC_PT_MSIX1, "MSI-X retargeted to vCPU 1");
		kprintf("# MSI-X entry 0 -> APIC ID %u vector 0x%x: %s\n", boot->apic_id[1],
			VEC_PT_MSIX1, got ? "arrived" : "lost");
		nic_ack(&n, "after the raise to vCPU 1");
	}
	int cpu = cpu_count() >= 2 && ap_state[1].alive ? 1 : 0;
	unsigned vector = cpu ? VEC_PT_MSIX1 : VEC_PT_MSIX0;

	/* 3. Masked: nothing arrives, the PBA holds it, the unmask
	 * delivers it. */
	msix_entry_wr(&n, 0, MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	uint32_t vc = msix_entry_rd(&n, 0, MSIX_ENTRY_CTRL);
	expect(vc == MSIX_ENTRY_MASKED, "entry 0's vector control reads 0x%x after masking", vc);
	uint32_t pba0 = msix_pba_rd(&n);
	expect(!(pba0 & 1), "PBA 0x%x before the masked raise: vector 0 already pending", pba0);
	irq_snapshot();
	nic_raise(&n, -1, 0, MSI_SILENCE_US, NULL);
	unsigned bad = irq_others_since(-1, 0, "raised with entry 0 masked");
	uint32_t pba = msix_pba_rd(&n);
	uint64_t pba64 = mmio_read64(n.pba);
	expect(pba & 1, "PBA 0x%x after a raise with entry 0 masked: vector 0 not pending", pba);
	expect(pba64 == pba, "PBA 0x%llx read as a qword, 0x%x as a dword", (unsigned long long)pba64,
	       pba);
	irq_snapshot();
	uint32_t before = irq_count[cpu][vector];
	irq_enable();
	msix_entry_wr(&n, 0, MSIX_ENTRY_CTRL, 0);
	uint64_t d = deadline_us(MSI_WAIT_US);
	while (irq_count[cpu][vector] == before && !expired(d))
		cpu_relax();
	got = irq_count[cpu][vector] != before;
	delay_us(MSI_SETTLE_US);
	irq_disable();
	expect(got, "no MSI-X on vCPU %d vector 0x%x within 1 s of the unmask (PBA 0x%x)", cpu,
	       vector, msix_pba_rd(&n));
	expect(!got || irq_since((unsigned)cpu, vector) == 1,
	       "%u interrupts on vector 0x%x from one pending message",
	       irq_since((unsigned)cpu, vector), vector);
	irq_others_since(cpu, vector, "the pending MSI-X on unmask");
	uint32_t pba2 = msix_pba_rd(&n);
	expect(!(pba2 & 1), "PBA 0x%x after the unmask delivered it", pba2);
	kprintf("# entry 0 masked: %u interrupt(s) in 200 ms, PBA 0x%x; unmasked: %s on vCPU %d "
		"vector 0x%x, PBA 0x%x\n",
		bad, pba, got ? "delivered" : "lost", cpu, vector, pba2);
	nic_ack(&n, "after the unmask");

	/* Quiet again: causes off, the entry masked, MSI-X off. */
	nic_wr(&n, E1000_IMC, ~0u);
	nic_wr(&n, E1000_ICR, ~0u);
	msix_entry_wr(&n, 0, MSIX_ENTRY_CTRL, MSIX_ENTRY_MASKED);
	msix_ctrl_wr(&n, false, false);
	for (unsigned c = 0; c < cpu_count(); c++)
		expect(irq_unexpected(c) == 0,
		       "vCPU %u took %u interrupts on vectors the guest does not use", c,
		       irq_unexpected(c));
	return PASS;
}

/* ---- pt_soak ------------------------------------------------------------------------------ */

/* For SOAK_S seconds ("soak"; "soak=N": N), round after round of DMA into
 * own memory and an MSI, each of which must work: run while another guest's
 * device is being quarantined (the passthrough scenario checks the
 * quarantine falls inside), or while another guest restarts, it shows this
 * guest undisturbed. */
#define SOAK_S     6
#define SOAK_MAX_S 600

static unsigned soak_seconds(void)
{
	unsigned s = SOAK_S;
	const char *v;

	if (cmdline_word("soak", &v) && *v >= '0' && *v <= '9')
		cmdline_number("soak", SOAK_MAX_S, &s);
	return s;
}

static enum result pt_soak(void)
{
	struct edu e;
	enum result r = need_msi(&e);
	unsigned rounds = 0;

	if (r != PASS)
		return r;
	kprintf("# soak: start\n");
	fill_random(dma_src, DMA_LEN);
	msi_program(&e, boot->apic_id[0], VEC_PT_MSI0, false);
	uint64_t end = deadline_us((uint64_t)soak_seconds() * 1000000);
	while (!expired(end)) {
		if (!dma_round_trip(&e, 0, 0, DMA_LEN, "soak"))
			return FAIL;
		irq_snapshot();
		if (!expect(edu_raise(&e, 0, VEC_PT_MSI0, MSI_WAIT_US),
			    "soak round %u: no MSI on vector 0x%x", rounds, VEC_PT_MSI0))
			return FAIL;
		rounds++;
	}
	kprintf("# soak: %u rounds of DMA and MSI, all good\n", rounds);
	return rounds ? PASS : FAIL;
}

/* ---- the list -------------------------------------------------------------------------- */

static const struct {
	struct test test;
	bool storm_only;  /* only with "fault_storm" on the command line */
	bool e1000e_only; /* only with "e1000e" on the command line */
	bool soak_only;   /* only with "soak" on the command line */
} pt_tests[] = {
	{ { "pt_pci_view", pt_pci_view }, false, false, false },
	{ { "pt_dma_own_memory", pt_dma_own_memory }, false, false, false },
	{ { "pt_dma_past_ram_faults", pt_dma_past_ram_faults }, false, false, false },
	{ { "pt_msi_vcpu0", pt_msi_vcpu0 }, false, false, false },
	{ { "pt_msi_migrates", pt_msi_migrates }, false, false, false },
	{ { "pt_msi_foreign_refused", pt_msi_foreign_refused }, false, false, false },
	{ { "pt_quarantine", pt_quarantine }, true, false, false },
	{ { "pt_msix", pt_msix }, false, true, false },
	{ { "pt_soak", pt_soak }, false, false, true },
};

/* edu's MSI to vCPU 0, raised PT_BENCH_SAMPLES times: TSC cycles from the
 * raise register write (a BAR store, no exit) to the handler's entry, and
 * the exits it all cost (the handler's EOI is a trapped xAPIC write). */
#define PT_BENCH_SAMPLES 256
static uint64_t pt_samples[PT_BENCH_SAMPLES];

bool pt_bench_device_interrupts(void)
{
	struct edu e;

	if (!boot->pci_ecam || !pci_ecam_usable() || !edu_open(0, &e) || !e.msi)
		return false;
	msi_program(&e, boot->apic_id[0], VEC_PT_MSI0, false);
	uint64_t exits_before = hypercall(HV_HC_EXITS, 0, 0);
	for (unsigned i = 0; i < PT_BENCH_SAMPLES; i++) {
		volatile uint32_t *count = &irq_count[0][VEC_PT_MSI0];
		uint32_t before = *count;
		irq_enable();
		uint64_t start = rdtsc();
		mmio_write32(e.bar + EDU_REG_IRQ_RAISE, EDU_IRQ_BIT);
		uint64_t d = deadline_us(100000);
		while (*count == before && !expired(d))
			cpu_relax();
		irq_disable();
		if (*count == before)
			return false;
		pt_samples[i] = irq_last_tsc[0] - start;
		mmio_write32(e.bar + EDU_REG_IRQ_ACK, EDU_IRQ_BIT);
	}
	/* The closing hypercall is one of them. */
	uint64_t exits = hypercall(HV_HC_EXITS, 0, 0) - exits_before - 1;
	sort_u64(pt_samples, PT_BENCH_SAMPLES);
	kprintf("# bench guest_device_irq samples=%u min=%llu median=%llu max=%llu cycles "
		"exits_per_interrupt=%llu.%02llu\n", PT_BENCH_SAMPLES,
		(unsigned long long)pt_samples[0],
		(unsigned long long)pt_samples[PT_BENCH_SAMPLES / 2],
		(unsigned long long)pt_samples[PT_BENCH_SAMPLES - 1],
		(unsigned long long)(exits / PT_BENCH_SAMPLES),
		(unsigned long long)(exits * 100 / PT_BENCH_SAMPLES % 100));
	return true;
}

unsigned pt_tests_select(const struct test **list, unsigned max)
{
	bool storm = fault_storm(), nic = e1000e_expected() != 0;
	bool soak = cmdline_word("soak", NULL);
	unsigned n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(pt_tests) && n < max; i++)
		if ((!pt_tests[i].storm_only || storm) && (!pt_tests[i].e1000e_only || nic) &&
		    (!pt_tests[i].soak_only || soak))
			list[n++] = &pt_tests[i].test;
	return n;
}
