/* A device clock's ticks in a span of nanoseconds, without 128-bit
 * division (hv links no compiler runtime): whole seconds and the rest
 * apart, each product well inside 64 bits for clocks under 4 GHz. */
#ifndef HV_GUEST_PLATFORM_CLOCK_TICKS_H
#define HV_GUEST_PLATFORM_CLOCK_TICKS_H

#include <stdint.h>

#define NS_PER_SEC 1000000000ull

static inline uint64_t clock_ticks(uint64_t ns, uint64_t hz)
{
	return ns / NS_PER_SEC * hz + ns % NS_PER_SEC * hz / NS_PER_SEC;
}

#endif
