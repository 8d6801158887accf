/* The MC146818 RTC and CMOS RAM at ports 0x70 (index, bit 7 masks NMI)
 * and 0x71 (data). The clock is a count of seconds: the wall clock hv
 * was handed at boot, plus the time since, plus whatever the guest set
 * it forward or back by; registers 0-9 and the century
 * (GUEST_CMOS_CENTURY) show it in BCD or binary and 12 or 24 hours as
 * register B says. Register A reads UIP clear (a read is never torn:
 * each one is computed whole), D reads VRT set (the battery is good),
 * C no interrupt flags (none is emulated). The other bytes are RAM.
 *
 * Pure (the time handed in), for the host unit tests; the caller
 * serialises accesses (hv/guest/platform/devices.c). */
#ifndef HV_GUEST_PLATFORM_CMOS_H
#define HV_GUEST_PLATFORM_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/platform/layout.h"

#define CMOS_BYTES 128
#define CMOS_NMI_MASK 0x80

/* Registers (mc146818 data sheet). */
#define RTC_SECONDS   0x00
#define RTC_MINUTES   0x02
#define RTC_HOURS     0x04
#define RTC_WEEKDAY   0x06
#define RTC_DAY       0x07
#define RTC_MONTH     0x08
#define RTC_YEAR      0x09
#define RTC_REG_A     0x0a
#define RTC_REG_B     0x0b
#define RTC_REG_C     0x0c
#define RTC_REG_D     0x0d
#define RTC_A_UIP     0x80
#define RTC_A_DEFAULT 0x26  /* 32.768 kHz time base, 1024 Hz rate */
#define RTC_B_SET     0x80
#define RTC_B_BINARY  0x04
#define RTC_B_24H     0x02
#define RTC_B_DEFAULT RTC_B_24H
#define RTC_D_VRT     0x80
#define RTC_HOUR_PM   0x80  /* in 12-hour mode */

/* The time registers as the guest reads them, the century too. */
#define CMOS_TIME_REGS (RTC_YEAR + 1)

struct cmos {
	uint8_t index;
	bool nmi_masked;              /* kept for reads of 0x70: NMIs are hv's */
	uint8_t ram[CMOS_BYTES];      /* A, B and RAM; the clock bytes unused */
	int64_t seconds_at_base;      /* the clock's reading at base_ns */
	uint64_t base_ns;
	/* While B.SET: what the guest is writing, taken when it clears SET. */
	uint8_t set_regs[CMOS_TIME_REGS];
	uint8_t set_century;
};

/* The clock reads `seconds` (since 1970, UTC or local as the RTC keeps
 * it) at `now_ns`. */
void cmos_init(struct cmos *c, int64_t seconds, uint64_t now_ns);

/* A byte at GUEST_PORT_CMOS + offset (0 index, 1 data). */
uint8_t cmos_read(struct cmos *c, unsigned offset, uint64_t now_ns);
void cmos_write(struct cmos *c, unsigned offset, uint8_t value, uint64_t now_ns);

/* The clock's seconds since 1970 at `now_ns`. */
int64_t cmos_seconds(const struct cmos *c, uint64_t now_ns);

#endif
