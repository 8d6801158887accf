#include "iommu/dmar.h"
#include "arch/x86/acpi.h"
#include "hv/log.h"

#include <errno.h>
#include <string.h>

#define DMAR_HAW_OFFSET 36
#define DMAR_FLAGS_OFFSET 37
#define DMAR_STRUCTURES_OFFSET 48
#define DMAR_STRUCT_HEADER 4
#define DMAR_TYPE_DRHD 0
#define DRHD_MIN_LENGTH 16

int dmar_summarize(const struct acpi_header *dmar, struct dmar_summary *s)
{
	const uint8_t *t = (const uint8_t *)dmar;
	uint32_t len = dmar->length;

	memset(s, 0, sizeof(*s));
	if (len < DMAR_STRUCTURES_OFFSET) {
		log_err("dmar: table of %u bytes is too short\n", len);
		return -EINVAL;
	}
	s->host_address_width = t[DMAR_HAW_OFFSET] + 1u;
	s->flags = t[DMAR_FLAGS_OFFSET];

	for (uint32_t off = DMAR_STRUCTURES_OFFSET; off < len;) {
		uint16_t type, slen;

		if (len - off < DMAR_STRUCT_HEADER) {
			log_err("dmar: truncated structure header at offset %#x\n", off);
			return -EINVAL;
		}
		memcpy(&type, t + off, 2);
		memcpy(&slen, t + off + 2, 2);
		if (slen < DMAR_STRUCT_HEADER || slen > len - off) {
			log_err("dmar: structure at offset %#x has bad length %u\n",
				off, slen);
			return -EINVAL;
		}
		if (type == DMAR_TYPE_DRHD && slen >= DRHD_MIN_LENGTH &&
		    s->unit_count < DMAR_MAX_UNITS) {
			struct dmar_unit_summary *u = &s->unit[s->unit_count++];
			u->flags = t[off + 4];
			memcpy(&u->segment, t + off + 6, 2);
			memcpy(&u->register_base, t + off + 8, 8);
		} else {
			s->other_structures++;
		}
		off += slen;
	}
	return 0;
}
