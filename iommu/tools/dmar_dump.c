/* dmar-dump FILE [--madt FILE]: reads a binary ACPI DMAR table (an acpidump
 * extract, /sys/firmware/acpi/tables/DMAR) with the hypervisor's own parser,
 * iommu/dmar.c, and prints its model as one JSON object. With the
 * machine's MADT, the DMAR's IOAPIC scopes are checked against it.
 *
 * Exit status: 0 parsed (warnings allowed), 1 the table is refused, 2 usage
 * or file error. Any input is fine: the parser never trusts a length. */
#include "arch/x86/acpi.h"
#include "arch/x86/madt.h"
#include "iommu/dmar_model.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_REFUSED 1
#define EXIT_USAGE 2
/* Far beyond any real table (structure lengths are 16-bit), small enough
 * to read whole. */
#define MAX_FILE_SIZE (16u << 20)

static const char usage[] =
	"usage: dmar-dump FILE [--madt FILE]\n"
	"  Prints the DMAR table in FILE as JSON. With --madt, the machine's MADT\n"
	"  (APIC table), its IOAPICs are checked against the DMAR's scopes.\n"
	"  Exit status: 0 parsed, 1 table refused, 2 usage or file error.\n";

/* ---- input -------------------------------------------------------------- */

static int file_error(const char *path, const char *why)
{
	fprintf(stderr, "dmar-dump: %s: %s\n", path, why);
	return -1;
}

static int grow(uint8_t **buf, size_t *cap)
{
	size_t want = *cap ? *cap * 2 : 4096;
	uint8_t *p;

	if (want > MAX_FILE_SIZE)
		want = MAX_FILE_SIZE;
	p = realloc(*buf, want);
	if (!p)
		return -1;
	*buf = p;
	*cap = want;
	return 0;
}

static int read_stream(FILE *f, const char *path, uint8_t **data, size_t *size)
{
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	for (;;) {
		if (n == cap && cap == MAX_FILE_SIZE) {
			if (fgetc(f) == EOF)
				break;
			free(buf);
			return file_error(path, "too large for an ACPI table");
		}
		if (n == cap && grow(&buf, &cap)) {
			free(buf);
			return file_error(path, "out of memory");
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (!got)
			break;
	}
	if (ferror(f)) {
		free(buf);
		return file_error(path, strerror(errno ? errno : EIO));
	}
	/* Exactly the file's size, so that a sanitizer sees any overread. */
	*data = n ? realloc(buf, n) : (free(buf), malloc(1));
	*size = n;
	return *data ? 0 : file_error(path, "out of memory");
}

static int read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	int err;

	if (!f)
		return file_error(path, strerror(errno));
	errno = 0;
	err = read_stream(f, path, data, size);
	fclose(f);
	return err;
}

/* The IOAPIC ids of the MADT in `path`, through the hypervisor's MADT
 * parser, which trusts the header's length: it is checked here first. */
static int load_madt(const char *path, uint8_t *ids, struct dmar_madt_view *view)
{
	static struct madt_info info;
	struct acpi_header h;
	uint8_t *data;
	size_t size;
	int err = -1;

	if (read_file(path, &data, &size))
		return -1;
	if (size < sizeof(h)) {
		file_error(path, "too short for an ACPI table");
		goto out;
	}
	memcpy(&h, data, sizeof(h));
	if (memcmp(h.signature, "APIC", 4))
		file_error(path, "not an MADT (signature is not APIC)");
	else if (h.length > size || h.length < sizeof(h))
		file_error(path, "MADT length field disagrees with the file size");
	else if (madt_parse((const struct acpi_header *)data, &info))
		file_error(path, "MADT unreadable");
	else
		err = 0;
out:
	for (unsigned i = 0; !err && i < info.ioapic_count; i++)
		ids[view->ioapic_count++] = info.ioapic[i].id;
	view->ioapic_ids = ids;
	free(data);
	return err;
}

/* ---- JSON --------------------------------------------------------------- */

/* Table strings are bytes: anything outside printable ASCII is escaped
 * (as its Latin-1 code point), so the output is always valid JSON. */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c < 0x20 || *c >= 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

static void print_scope(FILE *f, const struct dmar_scope *sc)
{
	fprintf(f, "{\"type\": %u, \"enumeration_id\": %u, \"start_bus\": %u, \"path\": [",
		sc->type, sc->enumeration_id, sc->start_bus);
	for (unsigned i = 0; i < sc->path_len; i++)
		fprintf(f, "%s[%u, %u]", i ? ", " : "", sc->path[i].dev, sc->path[i].fn);
	fprintf(f, "], \"ignored\": %s}", json_bool(sc->ignored));
}

static void print_scopes(FILE *f, const struct dmar_table *t, const struct dmar_structure *s)
{
	const struct dmar_scope *sc = dmar_scopes_of(t, s);

	fputs(", \"scopes\": [", f);
	for (unsigned i = 0; i < s->scope_count; i++) {
		fputs(i ? ", " : "", f);
		print_scope(f, &sc[i]);
	}
	fputc(']', f);
}

static void print_fields(FILE *f, const struct dmar_table *t, const struct dmar_structure *s)
{
	switch (s->type) {
	case DMAR_DRHD:
		fprintf(f, ", \"flags\": %u, \"size\": %u, \"segment\": %u, \"address\": %llu",
			s->drhd.flags, s->drhd.size, s->drhd.segment,
			(unsigned long long)s->drhd.address);
		break;
	case DMAR_RMRR:
		fprintf(f, ", \"segment\": %u, \"base\": %llu, \"limit\": %llu", s->rmrr.segment,
			(unsigned long long)s->rmrr.base, (unsigned long long)s->rmrr.limit);
		break;
	case DMAR_ATSR:
		fprintf(f, ", \"flags\": %u, \"segment\": %u", s->atsr.flags, s->atsr.segment);
		break;
	case DMAR_RHSA:
		fprintf(f, ", \"address\": %llu, \"proximity_domain\": %u",
			(unsigned long long)s->rhsa.address, s->rhsa.proximity_domain);
		return;
	case DMAR_ANDD:
		fprintf(f, ", \"device_number\": %u, \"name\": ", s->andd.device_number);
		json_string(f, s->andd.name);
		return;
	case DMAR_SATC:
		fprintf(f, ", \"flags\": %u, \"segment\": %u", s->satc.flags, s->satc.segment);
		break;
	case DMAR_SIDP:
		fprintf(f, ", \"segment\": %u", s->sidp.segment);
		break;
	default:
		fprintf(f, ", \"type_code\": %u", s->type_code);
		return;
	}
	print_scopes(f, t, s);
}

static void print_structures(FILE *f, const struct dmar_table *t)
{
	fputs("  \"structures\": [", f);
	for (unsigned i = 0; i < t->structure_count; i++) {
		const struct dmar_structure *s = &t->structure[i];

		fprintf(f, "%s\n    {\"type\": \"%s\", \"offset\": %u, \"length\": %u, "
			"\"ignored\": %s", i ? "," : "", dmar_struct_type_name(s->type),
			s->offset, s->length, json_bool(s->ignored));
		print_fields(f, t, s);
		fputc('}', f);
	}
	fputs(t->structure_count ? "\n  ],\n" : "],\n", f);
}

static void print_diagnostics(FILE *f, const struct dmar_table *t)
{
	fputs("  \"diagnostics\": [", f);
	for (unsigned i = 0; i < t->diagnostic_count; i++) {
		const struct dmar_diagnostic *d = &t->diagnostic[i];

		fprintf(f, "%s\n    {\"severity\": \"%s\", \"offset\": %u, \"message\": ",
			i ? "," : "", dmar_severity_name(d->severity), d->offset);
		json_string(f, d->message);
		fputc('}', f);
	}
	fputs(t->diagnostic_count ? "\n  ],\n" : "],\n", f);
	fprintf(f, "  \"diagnostics_dropped\": %u\n", t->diagnostics_dropped);
}

static void print_table(FILE *f, const struct dmar_table *t)
{
	fprintf(f, "{\n  \"revision\": %u,\n  \"oem_id\": ", t->revision);
	json_string(f, t->oem_id);
	fputs(",\n  \"oem_table_id\": ", f);
	json_string(f, t->oem_table_id);
	fprintf(f, ",\n  \"host_address_width\": %u,\n  \"flags\": %u,\n"
		"  \"refused\": %s,\n  \"intr_remap_unsafe\": %s,\n",
		t->host_address_width, t->flags, json_bool(t->refused),
		json_bool(t->intr_remap_unsafe));
	print_structures(f, t);
	print_diagnostics(f, t);
	fputs("}\n", f);
}

/* ---- main --------------------------------------------------------------- */

struct args {
	const char *dmar, *madt;
};

static int parse_args(int argc, char **argv, struct args *a)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--madt") && i + 1 < argc && !a->madt)
			a->madt = argv[++i];
		else if (argv[i][0] != '-' && !a->dmar)
			a->dmar = argv[i];
		else
			return -1;
	}
	return a->dmar ? 0 : -1;
}

int main(int argc, char **argv)
{
	uint8_t ioapic_ids[MADT_MAX_IOAPICS];
	struct dmar_madt_view view = { 0, ioapic_ids };
	struct args a = { 0 };
	struct dmar_table *t;
	uint8_t *data;
	size_t size;
	int err;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		fputs(usage, stdout);
		return 0;
	}
	if (parse_args(argc, argv, &a)) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (a.madt && load_madt(a.madt, ioapic_ids, &view))
		return EXIT_USAGE;
	if (read_file(a.dmar, &data, &size))
		return EXIT_USAGE;
	t = malloc(sizeof(*t));
	if (!t) {
		file_error(a.dmar, "out of memory");
		return EXIT_USAGE;
	}
	err = dmar_parse(data, size, a.madt ? &view : NULL, t);
	print_table(stdout, t);
	free(t);
	free(data);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "dmar-dump: writing the output failed\n");
		return EXIT_USAGE;
	}
	return err ? EXIT_REFUSED : 0;
}
