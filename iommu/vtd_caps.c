/* See vtd_caps.h. */
#include "iommu/vtd_caps.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "arch/x86/log.h"
#include "arch/x86/sizes.h"

int vtd_choose_levels(uint64_t cap, unsigned haw_bits, unsigned *levels,
		      unsigned *aw_bits)
{
	unsigned mgaw = cap_mgaw(cap), sagaw = cap_sagaw(cap);
	unsigned need = mgaw < haw_bits ? mgaw : haw_bits;
	unsigned chosen = 0;

	if (haw_bits == 0)
		return -EINVAL;
	/* Shallowest first: stop at the first depth that covers the need,
	 * else end on the deepest one offered. */
	for (unsigned l = 3; l <= 5; l++) {
		if (!(sagaw & (1u << vtd_levels_to_ctx_aw(l))))
			continue;
		chosen = l;
		if (vtd_levels_width(l) >= need)
			break;
	}
	if (!chosen)
		return -EOPNOTSUPP;
	*levels = chosen;
	*aw_bits = vtd_levels_width(chosen) < mgaw ? vtd_levels_width(chosen) : mgaw;
	return 0;
}

/* ---- the summary ----------------------------------------------------------- */

struct out {
	char *buf;
	size_t size;
	size_t len; /* what the whole text needs, even past size */
};

static void __attribute__((format(printf, 2, 3))) put(struct out *o, const char *fmt, ...)
{
	char *dst = NULL;
	size_t room = 0;
	va_list ap;

	if (o->len < o->size) {
		dst = o->buf + o->len;
		room = o->size - o->len;
	}
	va_start(ap, fmt);
	int n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

static void line_domains(struct out *o, uint64_t cap, uint64_t ecap)
{
	(void)ecap;
	put(o, "domains: %lu (%u-bit IDs%s); caching mode: %s",
	    (unsigned long)cap_nd(cap), cap_nd_bits(cap),
	    cap_nd_field(cap) == 7 ? ", ND=7 is reserved" : "",
	    cap_cm(cap) ? "yes (domain 0 reserved, not-present entries cached)" : "no");
}

static void line_widths(struct out *o, uint64_t cap, uint64_t ecap)
{
	static const char *const sagaw_name[] = {
		"2-level/30-bit (unused)", "3-level/39-bit", "4-level/48-bit",
		"5-level/57-bit", "reserved bit 4",
	};
	unsigned sagaw = cap_sagaw(cap);

	(void)ecap;
	put(o, "address widths: MGAW %u bits; SAGAW 0x%x:", cap_mgaw(cap), sagaw);
	if (!sagaw)
		put(o, " none");
	for (unsigned i = 0; i < ARRAY_SIZE(sagaw_name); i++)
		if (sagaw & (1u << i))
			put(o, " %s", sagaw_name[i]);
	put(o, "; zero-length reads: %s", yn(cap_zlr(cap)));
}

static void line_pages(struct out *o, uint64_t cap, uint64_t ecap)
{
	unsigned sllps = cap_sllps(cap);

	(void)ecap;
	put(o, "second-level superpages:%s%s%s%s", sllps & VTD_SLLPS_2M ? " 2M" : "",
	    sllps & VTD_SLLPS_1G ? " 1G" : "", sllps & ~(VTD_SLLPS_2M | VTD_SLLPS_1G) ?
	    " (reserved bits set)" : "", sllps ? "" : " none");
	if (cap_psi(cap))
		put(o, "; page-selective invalidation: yes, up to 2^%u pages", cap_mamv(cap));
	else
		put(o, "; page-selective invalidation: no");
	put(o, "; drain: read %s, write %s", yn(cap_drd(cap)), yn(cap_dwd(cap)));
}

static void line_faults(struct out *o, uint64_t cap, uint64_t ecap)
{
	(void)ecap;
	put(o, "fault recording: %u register%s at 0x%x; advanced fault log: %s",
	    cap_nfr(cap), cap_nfr(cap) == 1 ? "" : "s", cap_fro(cap), yn(cap_afl(cap)));
}

static void line_memory(struct out *o, uint64_t cap, uint64_t ecap)
{
	put(o, "page walks: %s; write-buffer flush: %s; protected memory: low %s, high %s",
	    ecap_c(ecap) ? "coherent" : "not coherent (flush cache lines)",
	    cap_rwbf(cap) ? "required" : "not required", yn(cap_plmr(cap)),
	    yn(cap_phmr(cap)));
}

static void line_invalidation(struct out *o, uint64_t cap, uint64_t ecap)
{
	put(o, "invalidation: %s; IOTLB registers at 0x%x; device-TLB: %s; "
	    "root table pointer flushes caches: %s",
	    ecap_qi(ecap) ? "queued (QI)" : "registers only (no QI)", ecap_iro(ecap),
	    yn(ecap_dt(ecap)), yn(cap_esrtps(cap)));
}

static void line_interrupts(struct out *o, uint64_t cap, uint64_t ecap)
{
	if (ecap_ir(ecap))
		put(o, "interrupt remapping: yes, x2APIC IDs (EIM) %s, handle mask up to 2^%u",
		    yn(ecap_eim(ecap)), ecap_mhmv(ecap));
	else
		put(o, "interrupt remapping: no");
	put(o, "; posted interrupts: %s", yn(cap_pi(cap)));
}

static void line_translation(struct out *o, uint64_t cap, uint64_t ecap)
{
	(void)cap;
	put(o, "pass-through: %s; snoop control: %s; scalable mode: %s "
	    "(first-level %s, second-level %s, nested %s, PASID %s, page requests %s)",
	    yn(ecap_pt(ecap)), yn(ecap_sc(ecap)), yn(ecap_smts(ecap)),
	    yn(ecap_flts(ecap)), yn(ecap_slts(ecap)), yn(ecap_nest(ecap)),
	    yn(ecap_pasid(ecap)), yn(ecap_prs(ecap)));
}

static void (*const describe_line[])(struct out *, uint64_t, uint64_t) = {
	line_domains, line_widths, line_pages, line_faults,
	line_memory, line_invalidation, line_interrupts, line_translation,
};

#define DESCRIBE_LINES (ARRAY_SIZE(describe_line))

size_t vtd_caps_describe(uint64_t cap, uint64_t ecap, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	if (buf && size)
		buf[0] = '\0';
	for (unsigned i = 0; i < DESCRIBE_LINES; i++) {
		if (i)
			put(&o, "\n");
		describe_line[i](&o, cap, ecap);
	}
	return o.len;
}

void vtd_caps_log(const char *prefix, uint64_t cap, uint64_t ecap)
{
	char line[VTD_CAPS_DESCRIBE_MAX / 4];

	log_info("%scap %#018llx ecap %#018llx\n", prefix, (unsigned long long)cap,
		 (unsigned long long)ecap);
	for (unsigned i = 0; i < DESCRIBE_LINES; i++) {
		struct out o = { line, sizeof(line), 0 };
		line[0] = '\0';
		describe_line[i](&o, cap, ecap);
		log_info("%s%s\n", prefix, line);
	}
}
