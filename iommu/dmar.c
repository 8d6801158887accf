/* The DMAR table (Intel VT-d specification 4.1, chapter 8) read into the
 * platform model of iommu/dmar_model.h.
 *
 * Everything in the table is untrusted. No byte is read before the lengths
 * that lead to it have been checked against the table and the enclosing
 * structure; fields are copied out with memcpy because structures sit at
 * any byte offset (an ANDD's name has any length). Firmware bugs become
 * diagnostics with the offset where they were found, and the decision is
 * the one Linux takes (drivers/iommu/intel/dmar.c and irq_remapping.c):
 * ignore the structure or scope, refuse the whole table, or mark interrupt
 * remapping unsafe. The parser itself neither logs nor allocates, so the
 * hypervisor, the host tool dmar-dump, the unit tests and the fuzzer all
 * run exactly this code. x86 only: fields are little-endian like the host. */
#include "arch/x86/sizes.h"
#include "iommu/dmar_parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>


/* DMA Remapping Reporting structure (8.1): the ACPI header, then these. */
#define ACPI_HEADER_LENGTH     36
#define DMAR_OFF_SIGNATURE     0
#define DMAR_OFF_LENGTH        4
#define DMAR_OFF_REVISION      8
#define DMAR_OFF_OEM_ID        10
#define DMAR_OFF_OEM_TABLE_ID  16
#define DMAR_OFF_HAW           36 /* host address width - 1 */
#define DMAR_OFF_FLAGS         37
#define DMAR_OFF_STRUCTURES    48 /* after 10 reserved bytes */
#define DMAR_OEM_ID_LENGTH     6
#define DMAR_OEM_TABLE_ID_LENGTH 8
/* Linux refuses a table whose width is below a page (PAGE_SHIFT - 1). */
#define DMAR_MIN_HAW_FIELD     11

/* Remapping structure header (8.2): type and length, 16 bits each. */
#define RS_OFF_TYPE   0
#define RS_OFF_LENGTH 2
#define RS_HEADER_LENGTH 4

/* DMA Remapping Hardware Unit Definition (8.3). */
#define DRHD_OFF_FLAGS   4
#define DRHD_OFF_SIZE    5 /* register set: 2^size 4 KiB pages (VT-d 3.0+) */
#define DRHD_OFF_SEGMENT 6
#define DRHD_OFF_ADDRESS 8
#define DRHD_FIXED_LENGTH 16

/* Device Scope (8.3.1). */
#define SCOPE_OFF_TYPE      0
#define SCOPE_OFF_LENGTH    1
#define SCOPE_OFF_FLAGS     2
#define SCOPE_OFF_ENUM_ID   4
#define SCOPE_OFF_START_BUS 5
#define SCOPE_OFF_PATH      6 /* (device, function) pairs to the end */
#define SCOPE_HEADER_LENGTH 6
#define SCOPE_HOP_LENGTH    2
#define PCI_MAX_DEVICE      31
#define PCI_MAX_FUNCTION    7

/* Reserved Memory Region Reporting (8.4). */
#define RMRR_OFF_SEGMENT 6
#define RMRR_OFF_BASE    8
#define RMRR_OFF_LIMIT   16 /* last byte of the region */
#define RMRR_FIXED_LENGTH 24

/* Root Port ATS Capability Reporting (8.5). */
#define ATSR_OFF_FLAGS   4
#define ATSR_OFF_SEGMENT 6
#define ATSR_FIXED_LENGTH 8

/* Remapping Hardware Static Affinity (8.6). */
#define RHSA_OFF_ADDRESS   8
#define RHSA_OFF_PROXIMITY 16
#define RHSA_FIXED_LENGTH  20

/* ACPI Name-space Device Declaration (8.7). */
#define ANDD_OFF_DEVICE_NUMBER 7
#define ANDD_OFF_NAME          8 /* NUL-terminated, to the end */
#define ANDD_FIXED_LENGTH      8

/* SoC Integrated Address Translation Cache Reporting (8.8). */
#define SATC_OFF_FLAGS   4
#define SATC_OFF_SEGMENT 6
#define SATC_FIXED_LENGTH 8

/* SoC Integrated Device Property Reporting (8.9). */
#define SIDP_OFF_SEGMENT 6
#define SIDP_FIXED_LENGTH 8

#define PAGE_MASK_4K 0xfffull


/* ---- reading ------------------------------------------------------------ */

/* Callers have checked that the bytes lie inside the table. */
static uint8_t rd8(const struct parser *p, uint32_t off)
{
	return p->table[off];
}

static uint16_t rd16(const struct parser *p, uint32_t off)
{
	uint16_t v;

	memcpy(&v, p->table + off, sizeof(v));
	return v;
}

static uint32_t rd32(const struct parser *p, uint32_t off)
{
	uint32_t v;

	memcpy(&v, p->table + off, sizeof(v));
	return v;
}

static uint64_t rd64(const struct parser *p, uint32_t off)
{
	uint64_t v;

	memcpy(&v, p->table + off, sizeof(v));
	return v;
}

/* Copies a fixed-size, possibly unterminated string field, up to its first
 * NUL. */
static void rd_string(const struct parser *p, uint32_t off, size_t n, char *dst)
{
	size_t i;

	for (i = 0; i < n && p->table[off + i]; i++)
		dst[i] = (char)p->table[off + i];
	dst[i] = '\0';
}

/* ---- diagnostics -------------------------------------------------------- */

/* When the list is full an error still goes in, in place of the last
 * remark or warning: the reason a table is refused is never the one lost. */
static bool make_room_for_error(struct dmar_table *t)
{
	for (unsigned i = t->diagnostic_count; i-- > 0;) {
		if (t->diagnostic[i].severity == DMAR_ERROR)
			continue;
		memmove(&t->diagnostic[i], &t->diagnostic[i + 1],
			(t->diagnostic_count - i - 1) * sizeof(t->diagnostic[0]));
		t->diagnostic_count--;
		return true;
	}
	return false;
}

static void vdiag(struct parser *p, enum dmar_severity severity, uint32_t off,
		  const char *fmt, va_list ap)
{
	struct dmar_table *t = p->out;
	struct dmar_diagnostic *d;

	if (t->diagnostic_count == DMAR_MAX_DIAGNOSTICS) {
		t->diagnostics_dropped++;
		if (severity != DMAR_ERROR || !make_room_for_error(t))
			return;
	}
	d = &t->diagnostic[t->diagnostic_count++];
	d->severity = severity;
	d->offset = off;
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

void __attribute__((format(printf, 4, 5)))
diag(struct parser *p, enum dmar_severity severity, uint32_t off, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(p, severity, off, fmt, ap);
	va_end(ap);
}

/* An error that makes the whole table unusable: the hypervisor then runs
 * without VT-d, as Linux does. */
void __attribute__((format(printf, 3, 4)))
refuse(struct parser *p, uint32_t off, const char *fmt, ...)
{
	va_list ap;

	p->out->refused = true;
	va_start(ap, fmt);
	vdiag(p, DMAR_ERROR, off, fmt, ap);
	va_end(ap);
}

/* ---- names -------------------------------------------------------------- */

static const char *const struct_names[] = {
	[DMAR_DRHD] = "DRHD", [DMAR_RMRR] = "RMRR", [DMAR_ATSR] = "ATSR",
	[DMAR_RHSA] = "RHSA", [DMAR_ANDD] = "ANDD", [DMAR_SATC] = "SATC",
	[DMAR_SIDP] = "SIDP",
};

const char *dmar_struct_type_name(uint16_t type)
{
	return type < ARRAY_SIZE(struct_names) ? struct_names[type] : "unknown";
}

const char *dmar_severity_name(enum dmar_severity severity)
{
	switch (severity) {
	case DMAR_INFO:
		return "info";
	case DMAR_WARNING:
		return "warning";
	default:
		return "error";
	}
}

const char *scope_type_name(uint8_t type)
{
	switch (type) {
	case DMAR_SCOPE_ENDPOINT:
		return "endpoint";
	case DMAR_SCOPE_BRIDGE:
		return "bridge";
	case DMAR_SCOPE_IOAPIC:
		return "IOAPIC";
	case DMAR_SCOPE_HPET:
		return "HPET";
	case DMAR_SCOPE_ACPI_NAMESPACE:
		return "ACPI namespace";
	default:
		return "unknown";
	}
}

/* "bb:dd.f", then "/dd.f" per further hop (the first three), for messages. */
const char *format_path(const struct dmar_scope *sc, char buf[32])
{
	int n = snprintf(buf, 32, "%02x:", sc->start_bus);

	if (!sc->path_len)
		return strcat(buf, "(no path)");
	for (unsigned i = 0; i < sc->path_len && i < 3; i++)
		n += snprintf(buf + n, 32 - n, "%s%02x.%x", i ? "/" : "",
			      sc->path[i].dev, sc->path[i].fn);
	if (sc->path_len > 3)
		strcat(buf, "/...");
	return buf;
}

/* ---- model helpers -------------------------------------------------------- */

const struct dmar_scope *dmar_scopes_of(const struct dmar_table *t,
					const struct dmar_structure *s)
{
	return &t->scope[s->first_scope];
}

bool usable(const struct dmar_structure *s, uint16_t type)
{
	return s->type == type && !s->ignored;
}

const struct dmar_structure *dmar_catch_all_unit(const struct dmar_table *t,
						 uint16_t segment)
{
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];

		if (usable(s, DMAR_DRHD) && s->drhd.segment == segment &&
		    (s->drhd.flags & DRHD_FLAG_INCLUDE_PCI_ALL))
			return s;
	}
	return NULL;
}

/* The first usable structure of `type` before `before` for which `same`
 * holds, or NULL. */
static const struct dmar_structure *
find_earlier(const struct parser *p, const struct dmar_structure *before, uint16_t type,
	     bool (*same)(const struct parser *, const struct dmar_structure *,
			  const struct dmar_structure *))
{
	for (const struct dmar_structure *s = p->out->structure; s < before; s++)
		if (usable(s, type) && same(p, s, before))
			return s;
	return NULL;
}

/* Linux ignores an ATSR or SATC that repeats an earlier one byte for byte
 * (dmar_find_atsr, dmar_find_satc). */
static bool same_bytes(const struct parser *p, const struct dmar_structure *a,
		       const struct dmar_structure *b)
{
	return a->length == b->length &&
	       !memcmp(p->table + a->offset, p->table + b->offset, a->length);
}

static void ignore_repeat(struct parser *p, struct dmar_structure *s)
{
	const struct dmar_structure *first = find_earlier(p, s, s->type, same_bytes);

	if (!first)
		return;
	s->ignored = true;
	diag(p, DMAR_INFO, s->offset, "%s repeats the one at %#x byte for byte: ignored",
	     dmar_struct_type_name(s->type), first->offset);
}

/* ---- DRHD (8.3) ----------------------------------------------------------- */

static bool same_register_base(const struct parser *p, const struct dmar_structure *a,
			       const struct dmar_structure *b)
{
	(void)p;
	return a->drhd.address == b->drhd.address;
}

static bool same_catch_all_segment(const struct parser *p, const struct dmar_structure *a,
				   const struct dmar_structure *b)
{
	(void)p;
	return (a->drhd.flags & DRHD_FLAG_INCLUDE_PCI_ALL) &&
	       a->drhd.segment == b->drhd.segment;
}

/* Linux (dmar_validate_one_drhd, warn_invalid_dmar) turns VT-d off for the
 * whole machine when a unit sits at address 0, or when its registers read
 * back all ones; a base of all ones cannot hold a register set either. */
static bool check_register_base(struct parser *p, struct dmar_structure *s)
{
	uint64_t base = s->drhd.address;

	if (base == 0 || base == ~0ull) {
		s->ignored = true;
		refuse(p, s->offset, "[Firmware Bug] DRHD reported at address %#llx: table refused,"
		       " as Linux does", (unsigned long long)base);
		return false;
	}
	if (base & PAGE_MASK_4K)
		diag(p, DMAR_WARNING, s->offset, "DRHD register base %#llx is not 4 KiB aligned",
		     (unsigned long long)base);
	return true;
}

static void parse_drhd(struct parser *p, struct dmar_structure *s)
{
	const struct dmar_structure *other;
	uint32_t off = s->offset;

	s->drhd.flags = rd8(p, off + DRHD_OFF_FLAGS);
	s->drhd.size = rd8(p, off + DRHD_OFF_SIZE);
	s->drhd.segment = rd16(p, off + DRHD_OFF_SEGMENT);
	s->drhd.address = rd64(p, off + DRHD_OFF_ADDRESS);

	if (!check_register_base(p, s))
		return;
	/* One register set, one unit: Linux keeps the first (dmar_find_dmaru). */
	other = find_earlier(p, s, DMAR_DRHD, same_register_base);
	if (other) {
		s->ignored = true;
		diag(p, DMAR_WARNING, off, "DRHD at %#llx (segment %u) duplicates the one at %#x"
		     " (segment %u): ignored", (unsigned long long)s->drhd.address,
		     s->drhd.segment, other->offset, other->drhd.segment);
		return;
	}
	/* Linux matches devices to the first INCLUDE_PCI_ALL unit of their
	 * segment; a second one is still hardware (programmed, blocking all
	 * DMA) but no device falls to it. */
	if (!(s->drhd.flags & DRHD_FLAG_INCLUDE_PCI_ALL))
		return;
	other = find_earlier(p, s, DMAR_DRHD, same_catch_all_segment);
	if (other)
		diag(p, DMAR_WARNING, off, "[Firmware Bug] second INCLUDE_PCI_ALL DRHD of segment %u:"
		     " the one at %#x takes the segment's devices", s->drhd.segment,
		     other->offset);
}

/* ---- RMRR (8.4) ----------------------------------------------------------- */

static void parse_rmrr(struct parser *p, struct dmar_structure *s)
{
	uint32_t off = s->offset;
	uint64_t base, limit;

	s->rmrr.segment = rd16(p, off + RMRR_OFF_SEGMENT);
	base = s->rmrr.base = rd64(p, off + RMRR_OFF_BASE);
	limit = s->rmrr.limit = rd64(p, off + RMRR_OFF_LIMIT);

	/* Linux warns ("Your BIOS is broken; bad RMRR") and maps it anyway;
	 * an empty or wrapping range has nothing to map, so it goes. */
	if (base > limit || limit == ~0ull) {
		s->ignored = true;
		diag(p, DMAR_WARNING, off, "[Firmware Bug] bad RMRR [%#llx-%#llx]: empty range,"
		     " ignored", (unsigned long long)base, (unsigned long long)limit);
	} else if ((base & PAGE_MASK_4K) || ((limit + 1) & PAGE_MASK_4K)) {
		diag(p, DMAR_WARNING, off, "[Firmware Bug] bad RMRR [%#llx-%#llx]: not 4 KiB aligned,"
		     " its whole pages are mapped", (unsigned long long)base,
		     (unsigned long long)limit);
	}
}

/* ---- ATSR (8.5), RHSA (8.6), ANDD (8.7), SATC (8.8), SIDP (8.9) --------- */

static void parse_atsr(struct parser *p, struct dmar_structure *s)
{
	s->atsr.flags = rd8(p, s->offset + ATSR_OFF_FLAGS);
	s->atsr.segment = rd16(p, s->offset + ATSR_OFF_SEGMENT);
	ignore_repeat(p, s);
}

/* Its unit is looked up once the whole table is read (check_rhsa). */
static void parse_rhsa(struct parser *p, struct dmar_structure *s)
{
	s->rhsa.address = rd64(p, s->offset + RHSA_OFF_ADDRESS);
	s->rhsa.proximity_domain = rd32(p, s->offset + RHSA_OFF_PROXIMITY);
}

static bool same_device_number(const struct parser *p, const struct dmar_structure *a,
			       const struct dmar_structure *b)
{
	(void)p;
	return a->andd.device_number == b->andd.device_number;
}

static void parse_andd(struct parser *p, struct dmar_structure *s)
{
	uint32_t name = s->offset + ANDD_OFF_NAME;
	size_t room = s->length - ANDD_OFF_NAME;
	size_t n = room < DMAR_ANDD_NAME_MAX - 1 ? room : DMAR_ANDD_NAME_MAX - 1;
	const struct dmar_structure *other;

	s->andd.device_number = rd8(p, s->offset + ANDD_OFF_DEVICE_NUMBER);
	rd_string(p, name, n, s->andd.name);

	/* Linux refuses the whole table here; only this device's name is
	 * lost, so the hypervisor drops just the declaration. */
	if (!memchr(p->table + name, '\0', room)) {
		s->ignored = true;
		diag(p, DMAR_WARNING, s->offset, "[Firmware Bug] ANDD name is not NUL-terminated:"
		     " ignored");
		return;
	}
	if (strlen(s->andd.name) == n && n < room && p->table[name + n])
		diag(p, DMAR_INFO, s->offset, "ANDD name is longer than %u bytes: truncated",
		     DMAR_ANDD_NAME_MAX - 1);
	other = find_earlier(p, s, DMAR_ANDD, same_device_number);
	if (other) {
		s->ignored = true;
		diag(p, DMAR_WARNING, s->offset, "ANDD device number %u is already declared at %#x:"
		     " ignored", s->andd.device_number, other->offset);
	}
}

static void parse_satc(struct parser *p, struct dmar_structure *s)
{
	s->satc.flags = rd8(p, s->offset + SATC_OFF_FLAGS);
	s->satc.segment = rd16(p, s->offset + SATC_OFF_SEGMENT);
	ignore_repeat(p, s);
}

static void parse_sidp(struct parser *p, struct dmar_structure *s)
{
	s->sidp.segment = rd16(p, s->offset + SIDP_OFF_SEGMENT);
}

/* Newer specifications add types; Linux skips them for forward
 * compatibility, and so does the hypervisor. */
static void parse_unknown(struct parser *p, struct dmar_structure *s)
{
	diag(p, DMAR_INFO, s->offset, "structure type %u (%u bytes) is not known: skipped",
	     s->type_code, s->length);
}

/* ---- structure kinds -------------------------------------------------------- */

#define SCOPE_BIT(type) (1u << (type))
#define PCI_SCOPES (SCOPE_BIT(DMAR_SCOPE_ENDPOINT) | SCOPE_BIT(DMAR_SCOPE_BRIDGE))

struct structure_kind {
	uint16_t fixed_length; /* bytes before the scopes (or the ANDD name) */
	bool has_scopes;
	unsigned scope_types;  /* SCOPE_BIT()s that mean something here */
	void (*parse)(struct parser *p, struct dmar_structure *s);
};

static const struct structure_kind kinds[] = {
	[DMAR_DRHD] = { DRHD_FIXED_LENGTH, true,
			PCI_SCOPES | SCOPE_BIT(DMAR_SCOPE_IOAPIC) | SCOPE_BIT(DMAR_SCOPE_HPET) |
			SCOPE_BIT(DMAR_SCOPE_ACPI_NAMESPACE), parse_drhd },
	[DMAR_RMRR] = { RMRR_FIXED_LENGTH, true, PCI_SCOPES, parse_rmrr },
	[DMAR_ATSR] = { ATSR_FIXED_LENGTH, true, PCI_SCOPES, parse_atsr },
	[DMAR_RHSA] = { RHSA_FIXED_LENGTH, false, 0, parse_rhsa },
	[DMAR_ANDD] = { ANDD_FIXED_LENGTH, false, 0, parse_andd },
	[DMAR_SATC] = { SATC_FIXED_LENGTH, true, PCI_SCOPES, parse_satc },
	[DMAR_SIDP] = { SIDP_FIXED_LENGTH, true,
			PCI_SCOPES | SCOPE_BIT(DMAR_SCOPE_ACPI_NAMESPACE), parse_sidp },
};

static const struct structure_kind unknown_kind = { RS_HEADER_LENGTH, false, 0, parse_unknown };

static const struct structure_kind *kind_of(uint16_t type)
{
	return type < ARRAY_SIZE(kinds) ? &kinds[type] : &unknown_kind;
}

/* ---- device scopes (8.3.1) -------------------------------------------------- */

void ignore_scope(struct parser *p, const struct dmar_structure *s,
		  struct dmar_scope *sc, const char *why)
{
	char path[32], type[16];

	sc->ignored = true;
	if (sc->type >= DMAR_SCOPE_ENDPOINT && sc->type <= DMAR_SCOPE_ACPI_NAMESPACE)
		snprintf(type, sizeof(type), "%s", scope_type_name(sc->type));
	else
		snprintf(type, sizeof(type), "type-%u", sc->type);
	diag(p, DMAR_WARNING, sc->offset, "%s scope %s of the %s at %#x %s: ignored", type,
	     format_path(sc, path), dmar_struct_type_name(s->type), s->offset, why);
}

static bool path_is_pci(const struct dmar_scope *sc)
{
	for (unsigned i = 0; i < sc->path_len; i++)
		if (sc->path[i].dev > PCI_MAX_DEVICE || sc->path[i].fn > PCI_MAX_FUNCTION)
			return false;
	return true;
}

/* Linux skips scope types it does not know ("Unsupported device scope");
 * a path that is empty, deeper than the model holds, or no PCI device and
 * function can match no device, so it goes too. */
static void check_scope(struct parser *p, const struct dmar_structure *s,
			const struct structure_kind *k, struct dmar_scope *sc, unsigned hops)
{
	if (sc->type < DMAR_SCOPE_ENDPOINT || sc->type > DMAR_SCOPE_ACPI_NAMESPACE)
		ignore_scope(p, s, sc, "has an undefined type");
	else if (!(k->scope_types & SCOPE_BIT(sc->type)))
		ignore_scope(p, s, sc, "means nothing there");
	else if (hops == 0)
		ignore_scope(p, s, sc, "has an empty path");
	else if (hops > DMAR_MAX_PATH)
		ignore_scope(p, s, sc, "is deeper than 16 hops");
	else if (!path_is_pci(sc))
		ignore_scope(p, s, sc, "names no PCI device/function");
}

static void add_scope(struct parser *p, struct dmar_structure *s,
		      const struct structure_kind *k, uint32_t off, uint8_t length)
{
	struct dmar_scope *sc = &p->out->scope[p->out->scope_count++];
	unsigned hops = (length - SCOPE_HEADER_LENGTH) / SCOPE_HOP_LENGTH;

	s->scope_count++;
	sc->offset = off;
	sc->type = rd8(p, off + SCOPE_OFF_TYPE);
	sc->flags = rd8(p, off + SCOPE_OFF_FLAGS);
	sc->enumeration_id = rd8(p, off + SCOPE_OFF_ENUM_ID);
	sc->start_bus = rd8(p, off + SCOPE_OFF_START_BUS);
	sc->path_len = (uint8_t)(hops < DMAR_MAX_PATH ? hops : DMAR_MAX_PATH);
	for (unsigned i = 0; i < sc->path_len; i++) {
		uint32_t hop = off + SCOPE_OFF_PATH + i * SCOPE_HOP_LENGTH;

		sc->path[i].dev = rd8(p, hop);
		sc->path[i].fn = rd8(p, hop + 1);
	}
	check_scope(p, s, k, sc, hops);
}

/* Returns 0, -EINVAL when a scope does not fit its structure, -ENOSPC when
 * the model holds no more scopes; the table is then refused, the scopes
 * before are kept. */
static int parse_scopes(struct parser *p, struct dmar_structure *s,
			const struct structure_kind *k)
{
	const char *name = dmar_struct_type_name(s->type);
	uint32_t end = s->offset + s->length;
	uint32_t off = s->offset + k->fixed_length;

	while (off < end) {
		uint32_t left = end - off;
		uint8_t length;

		if (left < SCOPE_OFF_LENGTH + 1) {
			refuse(p, off, "%s at %#x: %u stray byte after its scopes", name,
			       s->offset, left);
			return -EINVAL;
		}
		length = rd8(p, off + SCOPE_OFF_LENGTH);
		if (length < SCOPE_HEADER_LENGTH || length > left) {
			refuse(p, off, "%s at %#x: scope length %u %s (%u bytes left)", name,
			       s->offset, length, length > left ? "runs past the structure" :
			       "is shorter than a scope header", left);
			return -EINVAL;
		}
		if ((length - SCOPE_HEADER_LENGTH) % SCOPE_HOP_LENGTH) {
			refuse(p, off, "%s at %#x: scope length %u ends inside a path entry", name,
			       s->offset, length);
			return -EINVAL;
		}
		if (p->out->scope_count == DMAR_MAX_SCOPES) {
			refuse(p, off, "more than %u device scopes: the model holds no more",
			       DMAR_MAX_SCOPES);
			return -ENOSPC;
		}
		add_scope(p, s, k, off, length);
		off += length;
	}
	return 0;
}

/* ---- the table --------------------------------------------------------------- */

/* Returns 0, or -ENOSPC when the model is full (the walk stops). */
static int parse_structure(struct parser *p, uint32_t off, uint16_t type_code,
			   uint16_t length)
{
	int err = 0;
	struct dmar_table *t = p->out;
	struct dmar_structure *s = &t->structure[t->structure_count++];
	const struct structure_kind *k = kind_of(type_code);

	s->type = type_code < ARRAY_SIZE(kinds) ? type_code : DMAR_UNKNOWN;
	s->type_code = type_code;
	s->offset = off;
	s->length = length;
	s->first_scope = (uint16_t)t->scope_count;

	if (length < k->fixed_length) {
		s->ignored = true;
		refuse(p, off, "%s: length %u is shorter than its fixed fields (%u bytes)",
		       dmar_struct_type_name(s->type), length, k->fixed_length);
		return 0;
	}
	k->parse(p, s);
	if (k->has_scopes)
		err = parse_scopes(p, s, k);
	if (err)
		s->ignored = true;
	return err == -ENOSPC ? err : 0;
}

/* Returns 0, or -EINVAL when a structure's length cannot be trusted (the
 * next structure cannot be found) or the model is full: the walk stops. */
static int walk_structures(struct parser *p)
{
	struct dmar_table *t = p->out;

	for (uint32_t off = DMAR_OFF_STRUCTURES; off < p->length;) {
		uint32_t left = p->length - off;
		uint16_t type, length;

		if (left < RS_HEADER_LENGTH) {
			refuse(p, off, "%u stray bytes at the end of the table: the walk stops here",
			       left);
			return -EINVAL;
		}
		type = rd16(p, off + RS_OFF_TYPE);
		length = rd16(p, off + RS_OFF_LENGTH);
		if (length < RS_HEADER_LENGTH || length > left) {
			refuse(p, off, "%s: length %u %s (%u bytes left): the walk stops here",
			       dmar_struct_type_name(type), length,
			       length > left ? "runs past the table" : "is below a header's 4",
			       left);
			return -EINVAL;
		}
		if (t->structure_count == DMAR_MAX_STRUCTURES) {
			refuse(p, off, "more than %u structures: the model holds no more",
			       DMAR_MAX_STRUCTURES);
			return -EINVAL;
		}
		if (parse_structure(p, off, type, length))
			return -EINVAL;
		off += length;
	}
	return 0;
}

static uint8_t table_sum(const struct parser *p)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < p->length; i++)
		sum += p->table[i];
	return sum;
}

static void read_header_fields(struct parser *p)
{
	struct dmar_table *t = p->out;

	t->revision = rd8(p, DMAR_OFF_REVISION);
	rd_string(p, DMAR_OFF_OEM_ID, DMAR_OEM_ID_LENGTH, t->oem_id);
	rd_string(p, DMAR_OFF_OEM_TABLE_ID, DMAR_OEM_TABLE_ID_LENGTH, t->oem_table_id);
}

/* Returns 0 when the structures can be walked (p->length set). */
static int parse_header(struct parser *p, size_t avail)
{
	struct dmar_table *t = p->out;
	uint32_t length;
	uint8_t sum;

	if (avail < ACPI_HEADER_LENGTH) {
		refuse(p, 0, "%zu bytes: shorter than an ACPI table header (%u)", avail,
		       ACPI_HEADER_LENGTH);
		return -EINVAL;
	}
	read_header_fields(p);
	if (memcmp(p->table + DMAR_OFF_SIGNATURE, "DMAR", 4)) {
		refuse(p, 0, "signature is not DMAR");
		return -EINVAL;
	}
	length = rd32(p, DMAR_OFF_LENGTH);
	if (length > avail || length < DMAR_OFF_STRUCTURES) {
		refuse(p, DMAR_OFF_LENGTH, "table length %u %s (%zu bytes present)", length,
		       length > avail ? "runs past the data" : "is shorter than the DMAR header",
		       avail);
		return -EINVAL;
	}
	if (length < avail)
		diag(p, DMAR_INFO, length, "%zu bytes after the table's end ignored",
		     avail - length);
	p->length = length;
	t->host_address_width = rd8(p, DMAR_OFF_HAW) + 1u;
	t->flags = rd8(p, DMAR_OFF_FLAGS);
	/* ACPICA warns and uses the table (ACPI_CHECKSUM_ABORT is off). */
	sum = table_sum(p);
	if (sum)
		diag(p, DMAR_WARNING, 0, "[Firmware Bug] table checksum is wrong (sum %#x):"
		     " table used anyway, as Linux does", sum);
	if (rd8(p, DMAR_OFF_HAW) < DMAR_MIN_HAW_FIELD)
		refuse(p, DMAR_OFF_HAW, "host address width of %u bits is below a page:"
		       " table refused, as Linux does", t->host_address_width);
	return 0;
}

int dmar_parse(const void *table, size_t len, const struct dmar_madt_view *madt,
	       struct dmar_table *out)
{
	struct parser p = { .table = table, .madt = madt, .out = out };

	memset(out, 0, sizeof(*out));
	if (!table)
		len = 0;
	if (parse_header(&p, len) == 0 && walk_structures(&p) == 0)
		dmar_check_whole_table(&p);
	return out->refused ? -EINVAL : 0;
}
