#include "hv/guest/platform/acpi_tables.h"
#include "hv/guest/platform/acpi_dsdt.h"
#include "hv/guest/platform/layout.h"
#include "hv/guest/abi.h"
#include "arch/x86/acpi.h"

#include <errno.h>
#include <string.h>

#define OEM_ID        "HV    "
#define OEM_TABLE_ID  "HVGUEST "
#define OEM_REVISION  1
#define CREATOR_ID    "HV  "
#define CREATOR_REVISION 1

#define TABLE_ALIGN   16
#define XSDT_ENTRIES_MAX 3 /* FADT, MADT, MCFG */

/* Revisions: ACPI 6.5 (FADT 6.5, MADT 5: 6.3 and later), 64-bit AML
 * integers in the DSDT (revision 2), PCI Firmware 3.x's MCFG. */
#define RSDP_REVISION 2
#define XSDT_REVISION 1
#define FADT_REVISION 6
#define FADT_MINOR_REVISION 5
#define DSDT_REVISION 2
#define MADT_REVISION 5
#define MCFG_REVISION 1

/* ACPI 6.5, 5.2.5.3. */
struct rsdp {
	char signature[8];
	uint8_t checksum;        /* of the first 20 bytes */
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address;
	uint32_t length;
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* of all 36 */
	uint8_t reserved[3];
} __attribute__((packed));

#define RSDP_V1_LENGTH 20

/* ACPI 6.5, 5.2.9, table 5.9. */
struct fadt {
	struct acpi_header header;
	uint32_t firmware_ctrl;
	uint32_t dsdt;
	uint8_t reserved0;
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	uint32_t pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	uint8_t gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct fadt) == 276, "FADT 6.x layout");
_Static_assert(sizeof(struct rsdp) == ACPI_RSDP_SIZE, "RSDP 2.0 layout");

/* FADT flags (table 5.10). */
#define FADT_WBINVD           (1u << 0)
#define FADT_PWR_BUTTON       (1u << 4)  /* none as a fixed feature */
#define FADT_SLP_BUTTON       (1u << 5)
#define FADT_TMR_VAL_EXT      (1u << 8)
#define FADT_RESET_REG_SUP    (1u << 10)
#define FADT_HW_REDUCED_ACPI  (1u << 20)

/* IAPC_BOOT_ARCH (table 5.11): no 8042 (bit 1 clear), MSI allowed (bit 3
 * clear), a CMOS RTC (bit 5 clear). */
#define IAPC_VGA_NOT_PRESENT  (1u << 2)

#define GAS_ACCESS_BYTE  1
#define GAS_ACCESS_DWORD 3
#define PM_TMR_LEN 4

/* ACPI 6.5, 5.2.12. */
struct madt {
	struct acpi_header header;
	uint32_t lapic_address;
	uint32_t flags; /* 0: no PCAT_COMPAT, no 8259s */
} __attribute__((packed));

struct madt_lapic {
	uint8_t type, length;
	uint8_t uid, apic_id;
	uint32_t flags;
} __attribute__((packed));

#define MADT_TYPE_LOCAL_APIC 0
#define MADT_LAPIC_ENABLED   (1u << 0)
#define LAPIC_DEFAULT_BASE   0xfee00000u
#define APIC_ID_BROADCAST    0xff

/* PCI Firmware Specification 3.2, 4.1.2. */
struct mcfg {
	struct acpi_header header;
	uint8_t reserved[8];
} __attribute__((packed));

struct mcfg_allocation {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t reserved;
} __attribute__((packed));

#define ECAM_BUS_SIZE (1ull << 20)

/* ---- the description ---------------------------------------------------- */

static bool window_ok(const struct acpi_guest_window *w, uint64_t limit)
{
	return w->size && w->base <= limit && w->size - 1 <= limit - w->base;
}

static bool pci_ok(const struct acpi_guest_desc *d)
{
	if (d->mmio_count > ACPI_GUEST_WINDOWS_MAX || d->io_count > ACPI_GUEST_WINDOWS_MAX)
		return false;
	for (unsigned i = 0; i < d->mmio_count; i++)
		if (!window_ok(&d->mmio[i], UINT64_MAX))
			return false;
	for (unsigned i = 0; i < d->io_count; i++)
		if (!window_ok(&d->io[i], 0xffff))
			return false;
	struct acpi_guest_window ecam = {
		.base = d->ecam_base, .size = (d->bus_last + 1ull) * ECAM_BUS_SIZE,
	};
	return d->ecam_base && d->ecam_base % ECAM_BUS_SIZE == 0 &&
	       window_ok(&ecam, UINT64_MAX);
}

static bool cpus_ok(const struct acpi_guest_desc *d)
{
	if (d->cpu_count == 0 || d->cpu_count > HV_GUEST_MAX_CPUS || !d->apic_id)
		return false;
	for (unsigned i = 0; i < d->cpu_count; i++) {
		if (d->apic_id[i] >= APIC_ID_BROADCAST)
			return false;
		for (unsigned j = 0; j < i; j++)
			if (d->apic_id[j] == d->apic_id[i])
				return false;
	}
	return true;
}

static bool desc_ok(const struct acpi_guest_desc *d, uint64_t gpa, size_t size)
{
	return d && gpa % TABLE_ALIGN == 0 && size <= UINT64_MAX - gpa &&
	       cpus_ok(d) && (!d->pci || pci_ok(d));
}

/* ---- the output ---------------------------------------------------------- */

struct out {
	uint8_t *buf;
	size_t size, pos;
	uint64_t gpa;
	bool full;
};

/* n zeroed bytes at the next aligned offset (the padding zeroed too), or
 * NULL (and full) when they do not fit. */
static void *take(struct out *o, size_t n)
{
	size_t at = (o->pos + TABLE_ALIGN - 1) & ~(size_t)(TABLE_ALIGN - 1);

	if (o->full || at < o->pos || at > o->size || n > o->size - at) {
		o->full = true;
		return NULL;
	}
	memset(o->buf + o->pos, 0, at + n - o->pos);
	o->pos = at + n;
	return o->buf + at;
}

static uint64_t gpa_of(const struct out *o, const void *p)
{
	return o->gpa + (uint64_t)((const uint8_t *)p - o->buf);
}

static uint8_t checksum_of(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += b[i];
	return (uint8_t)-sum;
}

static void header_init(struct acpi_header *h, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, sizeof(h->oem_id));
	memcpy(h->oem_table_id, OEM_TABLE_ID, sizeof(h->oem_table_id));
	h->oem_revision = OEM_REVISION;
	memcpy(&h->creator_id, CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = CREATOR_REVISION;
}

/* Last: every other field of the table must be final. */
static void header_seal(struct acpi_header *h)
{
	h->checksum = 0;
	h->checksum = checksum_of(h, h->length);
}

static struct acpi_gas gas_io(uint16_t port, uint8_t bits, uint8_t access)
{
	return (struct acpi_gas){
		.space_id = ACPI_GAS_SYSTEM_IO, .bit_width = bits,
		.access_size = access, .address = port,
	};
}

/* ---- the tables ----------------------------------------------------------- */

static void fadt_fill(struct fadt *f, const struct acpi_guest_desc *d, uint64_t dsdt)
{
	uint16_t timer = d->pm_timer_port ? d->pm_timer_port : GUEST_PORT_PM_TIMER;

	header_init(&f->header, "FACP", sizeof(*f), FADT_REVISION);
	f->minor_version = FADT_MINOR_REVISION;
	/* Hardware-reduced: no PIC, PIT, SCI or PM1 blocks for Linux to use.
	 * The destination mode is the guest's choice (Linux 6.1 picks flat
	 * logical for up to 8 CPUs): hv resolves logical destinations over its
	 * vCPUs' LDRs. No fixed-feature buttons either, so Linux adds no power
	 * button device. */
	f->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
		   (d->pm_timer_24bit ? 0 : FADT_TMR_VAL_EXT) |
		   FADT_RESET_REG_SUP |
		   FADT_HW_REDUCED_ACPI;
	f->iapc_boot_arch = IAPC_VGA_NOT_PRESENT;
	f->century = GUEST_CMOS_CENTURY;
	f->reset_reg = gas_io(GUEST_PORT_RESET, 8, GAS_ACCESS_BYTE);
	f->reset_value = GUEST_RESET_VALUE;
	f->pm_tmr_blk = timer;
	f->pm_tmr_len = PM_TMR_LEN;
	f->x_pm_tmr_blk = gas_io(timer, 32, GAS_ACCESS_DWORD);
	f->sleep_control_reg = gas_io(GUEST_PORT_SLEEP_CTL, 8, GAS_ACCESS_BYTE);
	f->sleep_status_reg = gas_io(GUEST_PORT_SLEEP_STS, 8, GAS_ACCESS_BYTE);
	/* The 32-bit field only where it can hold the address. */
	f->dsdt = dsdt <= UINT32_MAX ? (uint32_t)dsdt : 0;
	f->x_dsdt = dsdt;
	header_seal(&f->header);
}

static struct acpi_header *dsdt_write(struct out *o, const struct acpi_guest_desc *d)
{
	struct acpi_header *h = take(o, sizeof(*h));
	if (!h)
		return NULL;
	size_t body = acpi_dsdt_body(d, o->buf + o->pos, o->size - o->pos);
	if (!body || body > UINT32_MAX - sizeof(*h)) {
		o->full = true;
		return NULL;
	}
	o->pos += body;
	header_init(h, "DSDT", (uint32_t)(sizeof(*h) + body), DSDT_REVISION);
	header_seal(h);
	return h;
}

static struct acpi_header *madt_write(struct out *o, const struct acpi_guest_desc *d)
{
	size_t len = sizeof(struct madt) + d->cpu_count * sizeof(struct madt_lapic);
	struct madt *m = take(o, len);
	if (!m)
		return NULL;
	header_init(&m->header, "APIC", (uint32_t)len, MADT_REVISION);
	m->lapic_address = LAPIC_DEFAULT_BASE;
	struct madt_lapic *e = (struct madt_lapic *)(m + 1);
	for (unsigned i = 0; i < d->cpu_count; i++)
		e[i] = (struct madt_lapic){
			.type = MADT_TYPE_LOCAL_APIC, .length = sizeof(*e),
			.uid = (uint8_t)i, .apic_id = (uint8_t)d->apic_id[i],
			.flags = MADT_LAPIC_ENABLED,
		};
	header_seal(&m->header);
	return &m->header;
}

static struct acpi_header *mcfg_write(struct out *o, const struct acpi_guest_desc *d)
{
	size_t len = sizeof(struct mcfg) + sizeof(struct mcfg_allocation);
	struct mcfg *m = take(o, len);
	if (!m)
		return NULL;
	header_init(&m->header, "MCFG", (uint32_t)len, MCFG_REVISION);
	*(struct mcfg_allocation *)(m + 1) = (struct mcfg_allocation){
		.base = d->ecam_base, .segment = 0, .start_bus = 0, .end_bus = d->bus_last,
	};
	header_seal(&m->header);
	return &m->header;
}

static void rsdp_fill(struct rsdp *r, uint64_t xsdt)
{
	memcpy(r->signature, "RSD PTR ", sizeof(r->signature));
	memcpy(r->oem_id, OEM_ID, sizeof(r->oem_id));
	r->revision = RSDP_REVISION;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt; /* no RSDT: Linux takes the XSDT from revision 2 */
	r->checksum = checksum_of(r, RSDP_V1_LENGTH);
	r->extended_checksum = checksum_of(r, sizeof(*r));
}

long acpi_tables_build(const struct acpi_guest_desc *d, uint64_t gpa, void *buf, size_t size)
{
	if (!desc_ok(d, gpa, size))
		return -EINVAL;

	struct out o = { .buf = buf, .size = size, .gpa = gpa };
	unsigned entries = d->pci ? XSDT_ENTRIES_MAX : XSDT_ENTRIES_MAX - 1;
	struct rsdp *rsdp = take(&o, sizeof(*rsdp));
	struct acpi_header *xsdt = take(&o, sizeof(*xsdt) + entries * sizeof(uint64_t));
	struct fadt *fadt = take(&o, sizeof(*fadt));
	struct acpi_header *dsdt = dsdt_write(&o, d);
	struct acpi_header *madt = madt_write(&o, d);
	struct acpi_header *mcfg = d->pci ? mcfg_write(&o, d) : NULL;
	if (o.full)
		return -ENOSPC;

	const struct acpi_header *table[XSDT_ENTRIES_MAX] = { &fadt->header, madt, mcfg };
	fadt_fill(fadt, d, gpa_of(&o, dsdt));
	header_init(xsdt, "XSDT", (uint32_t)(sizeof(*xsdt) + entries * sizeof(uint64_t)),
		    XSDT_REVISION);
	for (unsigned i = 0; i < entries; i++) {
		uint64_t at = gpa_of(&o, table[i]);
		memcpy((uint8_t *)(xsdt + 1) + i * sizeof(at), &at, sizeof(at));
	}
	header_seal(xsdt);
	rsdp_fill(rsdp, gpa_of(&o, xsdt));
	return (long)o.pos;
}
