#include "arch/x86/mcfg.h"
#include "arch/x86/acpi.h"
#include "arch/x86/log.h"

#include <errno.h>
#include <string.h>

#define MCFG_ENTRIES_OFFSET 44

struct mcfg_entry {
	uint64_t base;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t reserved;
} __attribute__((packed));

int mcfg_parse(const struct acpi_header *mcfg, struct mcfg_info *out)
{
	memset(out, 0, sizeof(*out));
	if (mcfg->length < MCFG_ENTRIES_OFFSET) {
		log_err("mcfg: table of %u bytes is too short\n", mcfg->length);
		return -EINVAL;
	}
	size_t n = (mcfg->length - MCFG_ENTRIES_OFFSET) / sizeof(struct mcfg_entry);
	const uint8_t *p = (const uint8_t *)mcfg + MCFG_ENTRIES_OFFSET;

	for (size_t i = 0; i < n; i++, p += sizeof(struct mcfg_entry)) {
		struct mcfg_entry e;

		memcpy(&e, p, sizeof(e));
		if (!e.base || e.start_bus > e.end_bus || e.base % (1u << 20)) {
			log_warn("mcfg: entry %zu (base %#llx, buses %u-%u) ignored\n",
				 i, (unsigned long long)e.base, e.start_bus, e.end_bus);
			continue;
		}
		if (out->count == MCFG_MAX_SEGMENTS) {
			log_warn("mcfg: more than %u windows, rest ignored\n",
				 MCFG_MAX_SEGMENTS);
			break;
		}
		out->window[out->count++] = (struct ecam_window){
			.base = e.base,
			.segment = e.segment,
			.start_bus = e.start_bus,
			.end_bus = e.end_bus,
		};
	}
	return 0;
}
