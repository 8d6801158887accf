/* The port handlers of the legacy devices: each takes the guest's
 * platform lock, reads hv's clock once and hands the access to the pure
 * device code. Their registers are bytes: a wider access reads all-ones
 * and its write is dropped, except in the ACPI block, whose PM timer is
 * read 32 bits wide and whose bytes are taken one by one. */
#include "hv/guest/platform/devices.h"
#include "arch/x86/log.h"
#include "arch/x86/time.h"
#include "hv/boot_info.h"
#include "hv/guest/partition.h"
#include "hv/guest/platform/acpi_pm.h"
#include "hv/guest/platform/civil_time.h"
#include "hv/guest/platform/layout.h"

#define PIT_PORTS 4
#define CMOS_PORTS 2

/* A date in range of every guest's idea of time, when firmware gave none. */
static const struct civil_time fallback_date = { 2024, 1, 1, 0, 0, 0, 0 };

static struct wall_clock wall_clock;

void guest_platform_set_wall_clock(const struct wall_clock *wc)
{
	wall_clock = *wc;
}

/* The clock's reading at `now_ns`, from the wall clock if there is one. */
static int64_t clock_seconds(const char *guest_name, uint64_t now_ns)
{
	const struct wall_clock *wc = &wall_clock;
	struct civil_time t = { wc->year, wc->month, wc->day, wc->hour, wc->minute, wc->second, 0 };

	if (!wc->valid || !civil_valid(&t)) {
		log_warn("guest %s: no valid wall clock handed over at boot: its CMOS clock "
			 "starts at %04u-%02u-%02u\n", guest_name, fallback_date.year, fallback_date.month,
			 fallback_date.day);
		return civil_to_seconds(&fallback_date);
	}
	uint64_t since = now_ns > wc->at_ns ? now_ns - wc->at_ns : 0;
	return civil_to_seconds(&t) + (int64_t)(since / 1000000000ull);
}

static int pit_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write, unsigned size,
		  uint64_t *value)
{
	struct guest_platform *p = ctx;

	(void)gv;
	uint64_t flags = spin_lock(&p->lock);
	if (!write)
		*value = size == 1 ? pit_read(&p->pit, (unsigned)offset, time_ns()) : 0xffffffffu;
	else if (size == 1)
		pit_write(&p->pit, (unsigned)offset, (uint8_t)*value, time_ns());
	spin_unlock(&p->lock, flags);
	return 0;
}

static int sys_ctrl_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write,
		       unsigned size, uint64_t *value)
{
	struct guest_platform *p = ctx;

	(void)gv;
	(void)offset;
	uint64_t flags = spin_lock(&p->lock);
	if (!write)
		*value = size == 1 ? pit_sys_ctrl_read(&p->pit, time_ns()) : 0xffffffffu;
	else if (size == 1)
		pit_sys_ctrl_write(&p->pit, (uint8_t)*value, time_ns());
	spin_unlock(&p->lock, flags);
	return 0;
}

static int cmos_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write, unsigned size,
		   uint64_t *value)
{
	struct guest_platform *p = ctx;

	(void)gv;
	uint64_t flags = spin_lock(&p->lock);
	if (!write)
		*value = size == 1 ? cmos_read(&p->cmos, (unsigned)offset, time_ns()) : 0xffffffffu;
	else if (size == 1)
		cmos_write(&p->cmos, (unsigned)offset, (uint8_t)*value, time_ns());
	spin_unlock(&p->lock, flags);
	return 0;
}

static void act_on(struct guest_vcpu *gv, enum acpi_pm_request req, unsigned sleep_type)
{
	struct guest *g = gv->guest;

	switch (req) {
	case ACPI_PM_POWER_OFF:
		guest_stop(g, 0, false, "powered off (ACPI S5)");
		return;
	case ACPI_PM_RESET:
		guest_reset(gv, "ACPI reset register");
		return;
	case ACPI_PM_OTHER_SLEEP:
		/* Once: a guest retrying its suspend must not flood the console. */
		if (!__atomic_exchange_n(&g->platform.other_sleep_logged, true, __ATOMIC_RELAXED))
			log_info("guest %s: sleep type %u asked for and ignored (only S5, %u, "
				 "powers off)\n", g->name, sleep_type, GUEST_SLEEP_TYPE_S5);
		return;
	default:
		return;
	}
}

/* Byte by byte, the lowest first, as the bus splits a wide access; the
 * state it touches is the pure decoders', so no lock. */
static int acpi_io(struct guest_vcpu *gv, void *ctx, uint64_t offset, bool write, unsigned size,
		   uint64_t *value)
{
	uint64_t now = time_ns(), v = 0;

	(void)ctx;
	for (unsigned i = 0; i < size; i++) {
		unsigned at = (unsigned)offset + i;
		if (!write) {
			uint8_t b = at < GUEST_PORT_ACPI_COUNT ? acpi_pm_read_byte(at, now) : 0xff;
			v |= (uint64_t)b << (8 * i);
			continue;
		}
		unsigned sleep_type = 0;
		if (at < GUEST_PORT_ACPI_COUNT)
			act_on(gv, acpi_pm_decode_write(at, (uint8_t)(*value >> (8 * i)), &sleep_type),
			       sleep_type);
	}
	if (!write)
		*value = v;
	return 0;
}

int guest_platform_attach(struct guest *g)
{
	struct guest_platform *p = &g->platform;
	uint64_t now = time_ns();
	int err;

	*p = (struct guest_platform){ 0 };
	/* Only this guest's devices behind it: an exception under it ends the guest. */
	spin_lock_init_recoverable(&p->lock);
	pit_init(&p->pit);
	cmos_init(&p->cmos, clock_seconds(g->name, now), now);
	if ((err = guest_port_register(&g->io, GUEST_PORT_PIT, PIT_PORTS, pit_io, p)) ||
	    (err = guest_port_register(&g->io, GUEST_PORT_SYS_CTRL, 1, sys_ctrl_io, p)) ||
	    (err = guest_port_register(&g->io, GUEST_PORT_CMOS, CMOS_PORTS, cmos_io, p)) ||
	    (err = guest_port_register(&g->io, GUEST_PORT_ACPI, GUEST_PORT_ACPI_COUNT, acpi_io, p)))
		return err;
	return 0;
}
