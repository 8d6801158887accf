/* Domain-ID allocation for one VT-d remapping unit. A domain ID tags the
 * unit's cached context entries and IOTLB entries (6.2); each unit has
 * its own ID space of CAP.ND IDs (2^(4 + 2 * ND), 16 to 65536; 11.4.2),
 * so IDs are allocated per unit.
 *
 * With CAP.CM = 1, "the domain-id value of zero is architecturally
 * reserved. Software must not use domain-id value of zero when CM is
 * Set" (9.3, context entry, DID field): ID 0 is then never handed out.
 * (Linux reserves ID 0 on every unit whatever CM says; hv follows the
 * spec and keeps ID 0 usable where it may be, since ND = 0 units have only
 * 16 IDs.)
 *
 * The lowest free ID is handed out, so allocation is deterministic. Before
 * an ID is freed the caller must have removed every context entry that
 * names it and invalidated the context cache and the IOTLB for it: the
 * next domain to get the ID must not inherit cached translations.
 *
 * Not locked: the unit's owner serialises calls. */
#ifndef IOMMU_DOMAIN_ID_H
#define IOMMU_DOMAIN_ID_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu/vtd_caps.h"

struct domain_ids {
	uint32_t count;    /* IDs 0 .. count - 1 exist (CAP.ND) */
	uint32_t in_use;   /* allocated IDs, the reserved one included */
	bool zero_reserved;
	uint64_t bitmap[VTD_MAX_DOMAIN_IDS / 64]; /* set: allocated or reserved */
};

/* Sets up the ID space of the unit whose capability register is `cap`:
 * CAP.ND IDs, ID 0 reserved when CAP.CM is set. */
void domain_ids_init(struct domain_ids *d, uint64_t cap);

/* Allocates the lowest free ID into *out: 0, or -ENOSPC when all are in
 * use (*out is then left alone). */
int domain_id_alloc(struct domain_ids *d, uint16_t *out);

/* Frees an allocated ID: 0, or -EINVAL when `id` is beyond CAP.ND, is the
 * reserved ID 0 or is not allocated (a double free). */
int domain_id_free(struct domain_ids *d, uint16_t id);

/* Whether `id` is allocated (the reserved ID 0 counts as allocated). */
bool domain_id_in_use(const struct domain_ids *d, uint16_t id);

/* How many more IDs domain_id_alloc() can hand out. */
uint32_t domain_ids_free_count(const struct domain_ids *d);

#endif
