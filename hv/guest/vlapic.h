/* The guest's LAPIC: the physical one behind an unmapped xAPIC page, every
 * access filtered (hv/guest/vlapic.c says what gets through). */
#ifndef HV_GUEST_VLAPIC_H
#define HV_GUEST_VLAPIC_H

#include <stdint.h>

#define XAPIC_BASE 0xfee00000ull
#define XAPIC_SIZE 0x1000ull

struct guest;
struct guest_vcpu;

/* Claims the xAPIC page in g's MMIO table: 0, or its negative errno. */
int vlapic_attach(struct guest *g);

/* A guest access to its LAPIC page at offset `reg`: forwarded, ICR writes
 * filtered, INIT/SIPI to its own vCPUs emulated. */
uint32_t vlapic_read(struct guest_vcpu *gv, unsigned reg);
void vlapic_write(struct guest_vcpu *gv, unsigned reg, uint32_t value);

#endif
