/* What iommu/dmar.c (reading the structures) and iommu/dmar_checks.c
 * (checks over the whole table) share. Private to the DMAR parser. */
#ifndef IOMMU_DMAR_PARSER_H
#define IOMMU_DMAR_PARSER_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu/dmar_model.h"

struct parser {
	const uint8_t *table;
	uint32_t length; /* the header's, once checked against what is there */
	const struct dmar_madt_view *madt;
	struct dmar_table *out;
};

#define for_each_structure(t, s) \
	for (const struct dmar_structure *s = (t)->structure; \
	     s < (t)->structure + (t)->structure_count; s++)

/* Records a diagnostic; refuse() records an error and refuses the table. */
void __attribute__((format(printf, 4, 5)))
diag(struct parser *p, enum dmar_severity severity, uint32_t off, const char *fmt, ...);
void __attribute__((format(printf, 3, 4)))
refuse(struct parser *p, uint32_t off, const char *fmt, ...);

const char *scope_type_name(uint8_t type);
/* "bb:dd.f/dd.f..." of a scope's path; buf holds 32 characters. */
const char *format_path(const struct dmar_scope *sc, char buf[32]);
/* A structure of `type` that the parser has not ignored. */
bool usable(const struct dmar_structure *s, uint16_t type);
void ignore_scope(struct parser *p, const struct dmar_structure *s, struct dmar_scope *sc,
		  const char *why);

/* The checks that need the whole table read: units present, RHSA and
 * ANDD references, interrupt sources against each other and the MADT,
 * RMRR start buses. */
void dmar_check_whole_table(struct parser *p);

#endif
