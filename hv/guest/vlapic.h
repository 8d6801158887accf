/* The guest's LAPIC: the physical one behind an unmapped xAPIC page, every
 * access filtered (hv/guest/vlapic.c says what gets through). */
#ifndef HV_GUEST_VLAPIC_H
#define HV_GUEST_VLAPIC_H

#include <stdbool.h>
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

/* An ICR write by the guest, filtered as vlapic.c says: the low word and
 * the destination (an xAPIC's ICR high bits 31:24, or an x2APIC's 32-bit
 * ID with the cluster format for logical ones). */
void vlapic_send_ipi(struct guest_vcpu *gv, uint32_t lo, uint32_t dest, bool x2apic);

/* The x2APIC (vlapic_x2apic.c): offered where hv's own LAPIC is in x2APIC
 * mode. APIC_BASE as the vCPU sees it and its writes, and the x2APIC MSRs
 * (0x800-0x8ff) that exit: true, or false for a #GP. */
bool vlapic_x2apic_offered(void);
uint64_t vlapic_apic_base(const struct guest_vcpu *gv);
bool vlapic_set_apic_base(struct guest_vcpu *gv, uint64_t value);
bool vlapic_msr_read(struct guest_vcpu *gv, uint32_t msr, uint64_t *value);
bool vlapic_msr_write(struct guest_vcpu *gv, uint32_t msr, uint64_t value);

#endif
