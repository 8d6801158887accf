/* A small AML writer (ACPI 6.5, chapter 20) for the DSDT hv synthesises for
 * a Linux guest: just the terms and resource descriptors that DSDT needs.
 *
 * It writes into a caller's bounded buffer. Running out of room is sticky:
 * every later call does nothing, nothing is ever written past the end, and
 * aml_failed() reports it once at the end. Terms with a length in front
 * (Scope, Device, Package, Buffer) are opened, filled, then closed; closing
 * shifts the body up to make room for the PkgLength, so no space is
 * reserved in advance and a buffer exactly large enough suffices. */
#ifndef HV_GUEST_PLATFORM_AML_H
#define HV_GUEST_PLATFORM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml_writer {
	uint8_t *buf;
	size_t size, pos;
	bool failed; /* out of room, a bad name, or an unbalanced close */
};

/* Where an opened term's body starts; handed back to its close. */
typedef size_t aml_mark;

/* PkgLength's largest value: 28 bits. */
#define AML_PKG_LENGTH_MAX 0x0fffffffu

void aml_init(struct aml_writer *w, void *buf, size_t size);
static inline bool aml_failed(const struct aml_writer *w) { return w->failed; }
static inline size_t aml_length(const struct aml_writer *w) { return w->pos; }

/* Encodes PkgLength `len` (which counts its own bytes) into out[0..3];
 * returns how many bytes (1-4), or 0 when len exceeds AML_PKG_LENGTH_MAX. */
unsigned aml_pkg_length_encode(uint32_t len, uint8_t out[4]);

void aml_bytes(struct aml_writer *w, const void *p, size_t n);

/* A NameString: an optional leading '\', then 4-character NameSegs joined
 * by '.', as "\_SB.PCI0" or "_HID". A short last segment is padded with '_'
 * as ASL does; a bad character or an empty segment fails the writer. */
void aml_name_string(struct aml_writer *w, const char *path);

/* The shortest encoding: Zero, One, or Byte/Word/DWord/QWord prefixed. */
void aml_integer(struct aml_writer *w, uint64_t v);
/* A 7-character EISA ID ("PNP0A08") compressed to a DWord, as ASL's EisaId(). */
void aml_eisa_id(struct aml_writer *w, const char id[7]);

aml_mark aml_scope_open(struct aml_writer *w, const char *path);
aml_mark aml_device_open(struct aml_writer *w, const char *path);
/* Name(path, ...): the object follows (an integer, Package or Buffer). */
void aml_name(struct aml_writer *w, const char *path);
aml_mark aml_package_open(struct aml_writer *w, uint8_t elements);
/* A Buffer whose size is its contents' length. */
aml_mark aml_buffer_open(struct aml_writer *w);
/* Closes a Scope, Device or Package; aml_buffer_close() closes a Buffer. */
void aml_close(struct aml_writer *w, aml_mark m);
void aml_buffer_close(struct aml_writer *w, aml_mark m);

/* Resource descriptors (ACPI 6.5, 6.4), written inside a Buffer. The
 * address space ones describe what a bridge produces: fixed minimum and
 * maximum, positive decode, no translation; length = max - min + 1. */
void aml_res_word_bus_number(struct aml_writer *w, uint16_t min, uint16_t max);
void aml_res_word_io(struct aml_writer *w, uint16_t min, uint16_t max);
void aml_res_dword_memory(struct aml_writer *w, uint32_t min, uint32_t max);
void aml_res_qword_memory(struct aml_writer *w, uint64_t min, uint64_t max);
/* A 16-bit decoded I/O port range of `length` ports at the fixed `base`. */
void aml_res_io(struct aml_writer *w, uint16_t base, uint8_t length);
/* The End Tag closing a resource template (checksum 0: none). */
void aml_res_end(struct aml_writer *w);

#endif
