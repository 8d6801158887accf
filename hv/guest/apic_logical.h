/* Which of a guest's vCPUs an xAPIC logical destination names (SDM Vol. 3A
 * 11.6.2.2), from the LDR and DFR each vCPU programmed. Guests see
 * physical APIC IDs, but hv delivers everything in physical mode (IRTEs,
 * IPIs), so a logical destination is resolved here into the vCPUs it
 * means. Only the flat model is taken (DFR model 1111b: the destination
 * byte ANDed with each logical ID, bits 31:24 of the LDR), which is what
 * Linux uses on an xAPIC with up to 8 CPUs; the cluster model is refused.
 * An x2APIC's logical destinations (always clustered) are taken too.
 *
 * Pure: the caller snapshots the LDRs and DFRs. */
#ifndef HV_GUEST_APIC_LOGICAL_H
#define HV_GUEST_APIC_LOGICAL_H

#include <stdint.h>

#define APIC_LOGICAL_VCPUS_MAX 32          /* bits of the answer */
#define APIC_DFR_MODEL(dfr)    ((dfr) >> 28)
#define APIC_DFR_MODEL_FLAT    0xfu
#define APIC_DFR_MODEL_CLUSTER 0x0u
#define APIC_LDR_ID(ldr)       ((uint8_t)((ldr) >> 24))

/* The vCPUs `dest` names, as bit i for vCPU i of the `count` whose LDR and
 * DFR are ldr[i] and dfr[i]: NULL with *vcpus set (never empty), or why it
 * is refused (*vcpus 0): a vCPU not in the flat model (cluster, or a
 * reserved model), a destination naming no CPU, a bit of it that no vCPU
 * of the guest holds (a CPU outside the guest, on a machine where logical
 * IDs were the guest's to give), or count outside 1..32. */
const char *apic_logical_targets(uint8_t dest, const uint32_t *ldr, const uint32_t *dfr,
				 unsigned count, uint32_t *vcpus);

/* The same for an x2APIC logical destination (11.12.10.2): a cluster in
 * bits 31:16 and a bit per CPU of it in 15:0, each CPU's logical ID
 * fixed by its x2APIC ID (cluster ID >> 4, bit ID & 15), the ID of vCPU i
 * being apic_ids[i]. Refused: a destination naming no CPU, or a CPU that
 * is not the guest's. */
const char *apic_x2apic_logical_targets(uint32_t dest, const uint32_t *apic_ids, unsigned count,
					uint32_t *vcpus);

#endif
