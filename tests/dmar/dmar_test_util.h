/* Shared by the DMAR unit tests (tests/unit/test_dmar*.c): loading the
 * iasl-compiled fixtures and the real tables, parsing them from buffers of
 * exactly their size (so that ASan sees any overread), and the model's
 * invariants. Include after <cmocka.h>. */
#ifndef TESTS_DMAR_DMAR_TEST_UTIL_H
#define TESTS_DMAR_DMAR_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu/dmar_model.h"

/* Set by tests/dmar.mk; the environment variables of the same names win. */
#ifndef DMAR_FIXTURE_DIR
#define DMAR_FIXTURE_DIR "build/dmar/fixtures"
#endif
#ifndef DMAR_SHARED_DIR
#define DMAR_SHARED_DIR "../shared/dmar"
#endif

struct blob {
	uint8_t *data;
	size_t size;
};

const char *dmar_fixture_dir(void);
const char *dmar_shared_dir(void);

/* Reads a whole file into an exactly sized buffer. Returns 0 or -errno. */
int blob_read(const char *path, struct blob *b);
void blob_free(struct blob *b);
/* A fresh exactly sized copy of n bytes (n may be 0). */
uint8_t *exact_copy(const void *data, size_t n);

/* Loads DMAR_FIXTURE_DIR/name.aml; fails the test when it is missing. */
struct blob fixture_load(const char *name);

/* Calls fn for each *.DMAR.dat of dmar_shared_dir() in name order, with its
 * machine's name and the table; `madt` holds the machine's *.APIC.dat, or
 * nothing (size 0). Returns how many tables there were, or -errno when
 * the directory cannot be read (the caller skips). */
/* The name for a cmocka test over the shared tables: `name` itself, or,
 * when the directory is absent, `name` followed by the reason, which is
 * what cmocka's "# SKIP name" line then carries to the results. */
const char *shared_test_name(const char *name);

typedef void shared_table_fn(const char *machine, const struct blob *dmar,
			     const struct blob *madt, void *arg);
int for_each_shared_table(shared_table_fn *fn, void *arg);

/* The model the tests parse into: too big for a stack. */
extern struct dmar_table dmar_test_table;

/* Parses n bytes from an exact copy into dmar_test_table, checks the
 * model's invariants and returns dmar_parse()'s result. */
int parse_bytes(const void *data, size_t n, const struct dmar_madt_view *madt);
int parse_blob(const struct blob *b, const struct dmar_madt_view *madt);

/* Sets the ACPI checksum byte so that the first `len` bytes sum to 0. */
void fix_checksum(uint8_t *table, size_t len);

/* The first diagnostic of `severity` at `offset` whose message contains
 * `needle` (any offset when offset is ~0u), or NULL. */
#define ANY_OFFSET (~0u)
const struct dmar_diagnostic *find_diag(const struct dmar_table *t, enum dmar_severity severity,
					uint32_t offset, const char *needle);
unsigned count_diags(const struct dmar_table *t, enum dmar_severity severity);
/* Prints the diagnostics (to stderr: TAP stays clean), for failing tests. */
void print_diags(const struct dmar_table *t);

/* What every parse must leave, whatever the input: counts within the
 * arrays, every structure and scope inside the table and its parent,
 * strings terminated, refused exactly when an error was raised. */
void check_invariants(const struct dmar_table *t, size_t len);
/* No message was cut at DMAR_DIAG_MESSAGE_MAX. */
void check_messages_whole(const struct dmar_table *t);

#endif
