/* See apic_logical.h. */
#include "hv/guest/apic_logical.h"

#include <stddef.h>

static const char *model_refusal(const uint32_t *dfr, unsigned count)
{
	for (unsigned i = 0; i < count; i++) {
		unsigned model = APIC_DFR_MODEL(dfr[i]);
		if (model == APIC_DFR_MODEL_CLUSTER)
			return "cluster model (DFR) is not supported";
		if (model != APIC_DFR_MODEL_FLAT)
			return "reserved DFR model";
	}
	return NULL;
}

const char *apic_logical_targets(uint8_t dest, const uint32_t *ldr, const uint32_t *dfr,
				 unsigned count, uint32_t *vcpus)
{
	uint8_t held = 0;
	uint32_t named = 0;
	const char *why;

	*vcpus = 0;
	if (count == 0 || count > APIC_LOGICAL_VCPUS_MAX)
		return "no vCPUs to name";
	if ((why = model_refusal(dfr, count)))
		return why;
	if (!dest)
		return "names no CPU";
	for (unsigned i = 0; i < count; i++) {
		uint8_t id = APIC_LDR_ID(ldr[i]);
		held |= id;
		if (id & dest)
			named |= 1u << i;
	}
	if (dest & ~held)
		return "names a CPU that is not the guest's";
	if (!named)
		return "names none of the guest's CPUs";
	*vcpus = named;
	return NULL;
}

/* An x2APIC's logical ID (SDM Vol. 3A 11.12.10.2): cluster and bit. */
static uint32_t x2apic_ldr(uint32_t apic_id)
{
	return (apic_id >> 4) << 16 | 1u << (apic_id & 0xf);
}

const char *apic_x2apic_logical_targets(uint32_t dest, const uint32_t *apic_ids, unsigned count,
					uint32_t *vcpus)
{
	uint32_t held = 0, named = 0;

	*vcpus = 0;
	if (count == 0 || count > APIC_LOGICAL_VCPUS_MAX)
		return "no vCPUs to name";
	if (!(dest & 0xffffu))
		return "names no CPU";
	for (unsigned i = 0; i < count; i++) {
		uint32_t ldr = x2apic_ldr(apic_ids[i]);
		if ((ldr >> 16) != (dest >> 16))
			continue;
		held |= ldr & 0xffffu;
		if (ldr & dest)
			named |= 1u << i;
	}
	if (dest & 0xffffu & ~held)
		return "names a CPU that is not the guest's";
	*vcpus = named;
	return NULL;
}
