#include "hv/guest/platform/aml.h"

#include <string.h>

/* AML opcodes and prefixes (ACPI 6.5, 20.2). */
#define AML_ZERO          0x00
#define AML_ONE           0x01
#define AML_NAME_OP       0x08
#define AML_BYTE_PREFIX   0x0a
#define AML_WORD_PREFIX   0x0b
#define AML_DWORD_PREFIX  0x0c
#define AML_QWORD_PREFIX  0x0e
#define AML_SCOPE_OP      0x10
#define AML_BUFFER_OP     0x11
#define AML_PACKAGE_OP    0x12
#define AML_DUAL_NAME     0x2e
#define AML_MULTI_NAME    0x2f
#define AML_EXT_PREFIX    0x5b
#define AML_DEVICE_OP     0x82 /* after AML_EXT_PREFIX */
#define AML_ROOT_CHAR     '\\'

#define NAME_SEG_LEN 4
#define NAME_SEGS_MAX 255 /* MultiNamePrefix's count is a byte */

/* Resource descriptor tags and fields (ACPI 6.5, 6.4). */
#define RES_IO_TAG          0x47 /* small item 0x08, 7 bytes */
#define RES_IO_DECODE16     0x01
#define RES_END_TAG         0x79 /* small item 0x0f, 1 byte */
#define RES_DWORD_ADDR_TAG  0x87
#define RES_WORD_ADDR_TAG   0x88
#define RES_QWORD_ADDR_TAG  0x8a
#define RES_TYPE_MEMORY     0
#define RES_TYPE_IO         1
#define RES_TYPE_BUS        2
/* General flags: _MAF and _MIF set, positive decode, bit 0 clear: the
 * bridge produces the range for its children. */
#define RES_FLAGS_PRODUCER_FIXED 0x0c
#define RES_MEM_READ_WRITE  0x01 /* _RW; _MEM 0: non-cacheable */
#define RES_IO_ENTIRE_RANGE 0x03 /* _RNG: ISA and non-ISA ports */

void aml_init(struct aml_writer *w, void *buf, size_t size)
{
	w->buf = buf;
	w->size = size;
	w->pos = 0;
	w->failed = false;
}

unsigned aml_pkg_length_encode(uint32_t len, uint8_t out[4])
{
	if (len > AML_PKG_LENGTH_MAX)
		return 0;
	if (len <= 0x3f) {
		out[0] = (uint8_t)len;
		return 1;
	}
	/* Lead byte: the count of bytes that follow in bits 7:6, the length's
	 * low nibble in bits 3:0; then the rest, 8 bits a byte. */
	unsigned follow = len <= 0xfff ? 1 : len <= 0xfffff ? 2 : 3;
	out[0] = (uint8_t)(follow << 6 | (len & 0xf));
	for (unsigned i = 0; i < follow; i++)
		out[1 + i] = (uint8_t)(len >> (4 + 8 * i));
	return 1 + follow;
}

static bool room(struct aml_writer *w, size_t n)
{
	if (w->failed || n > w->size - w->pos) {
		w->failed = true;
		return false;
	}
	return true;
}

void aml_bytes(struct aml_writer *w, const void *p, size_t n)
{
	if (!room(w, n))
		return;
	memcpy(w->buf + w->pos, p, n);
	w->pos += n;
}

static void byte(struct aml_writer *w, uint8_t b)
{
	aml_bytes(w, &b, 1);
}

/* Little-endian, n bytes of v. */
static void le(struct aml_writer *w, uint64_t v, unsigned n)
{
	uint8_t b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	aml_bytes(w, b, n);
}

/* Opens a gap of n bytes at `at` (inside what is written) and fills it. */
static void insert(struct aml_writer *w, size_t at, const uint8_t *p, size_t n)
{
	if (at > w->pos) {
		w->failed = true;
		return;
	}
	if (!room(w, n))
		return;
	memmove(w->buf + at + n, w->buf + at, w->pos - at);
	memcpy(w->buf + at, p, n);
	w->pos += n;
}

static bool seg_char_ok(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* Checks the segments of `path` (no root char) and counts them. */
static unsigned count_segments(const char *path)
{
	unsigned segs = 0;

	for (const char *s = path;; s++) {
		unsigned len = 0;

		for (; *s && *s != '.'; s++, len++)
			if (len == NAME_SEG_LEN || !seg_char_ok(*s, len == 0))
				return 0;
		if (len == 0 || ++segs > NAME_SEGS_MAX)
			return 0;
		if (!*s)
			return segs;
	}
}

void aml_name_string(struct aml_writer *w, const char *path)
{
	if (*path == AML_ROOT_CHAR) {
		byte(w, AML_ROOT_CHAR);
		path++;
	}
	unsigned segs = count_segments(path);
	if (segs == 0) {
		w->failed = true;
		return;
	}
	if (segs == 2) {
		byte(w, AML_DUAL_NAME);
	} else if (segs > 2) {
		byte(w, AML_MULTI_NAME);
		byte(w, (uint8_t)segs);
	}
	for (const char *s = path; *s; s += *s == '.') {
		char seg[NAME_SEG_LEN] = { '_', '_', '_', '_' };

		for (unsigned i = 0; *s && *s != '.'; s++)
			seg[i++] = *s;
		aml_bytes(w, seg, sizeof(seg));
	}
}

void aml_integer(struct aml_writer *w, uint64_t v)
{
	if (v == 0) {
		byte(w, AML_ZERO);
	} else if (v == 1) {
		byte(w, AML_ONE);
	} else if (v <= 0xff) {
		byte(w, AML_BYTE_PREFIX);
		le(w, v, 1);
	} else if (v <= 0xffff) {
		byte(w, AML_WORD_PREFIX);
		le(w, v, 2);
	} else if (v <= 0xffffffff) {
		byte(w, AML_DWORD_PREFIX);
		le(w, v, 4);
	} else {
		byte(w, AML_QWORD_PREFIX);
		le(w, v, 8);
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisa_id(struct aml_writer *w, const char id[7])
{
	uint32_t v = 0;

	/* Three letters of 5 bits each ('A' is 1), then four hex digits, most
	 * significant first (bit 31 stays 0); stored big-endian. */
	for (unsigned i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			w->failed = true;
			return;
		}
		v = v << 5 | (uint32_t)(id[i] - 'A' + 1);
	}
	for (unsigned i = 3; i < 7; i++) {
		int d = hex_digit(id[i]);
		if (d < 0) {
			w->failed = true;
			return;
		}
		v = v << 4 | (uint32_t)d;
	}
	byte(w, AML_DWORD_PREFIX);
	for (int shift = 24; shift >= 0; shift -= 8)
		byte(w, (uint8_t)(v >> shift));
}

aml_mark aml_scope_open(struct aml_writer *w, const char *path)
{
	byte(w, AML_SCOPE_OP);
	aml_mark m = w->pos;
	aml_name_string(w, path);
	return m;
}

aml_mark aml_device_open(struct aml_writer *w, const char *path)
{
	byte(w, AML_EXT_PREFIX);
	byte(w, AML_DEVICE_OP);
	aml_mark m = w->pos;
	aml_name_string(w, path);
	return m;
}

void aml_name(struct aml_writer *w, const char *path)
{
	byte(w, AML_NAME_OP);
	aml_name_string(w, path);
}

aml_mark aml_package_open(struct aml_writer *w, uint8_t elements)
{
	byte(w, AML_PACKAGE_OP);
	aml_mark m = w->pos;
	byte(w, elements);
	return m;
}

aml_mark aml_buffer_open(struct aml_writer *w)
{
	byte(w, AML_BUFFER_OP);
	return w->pos;
}

void aml_close(struct aml_writer *w, aml_mark m)
{
	uint8_t enc[4];

	if (w->failed)
		return;
	if (m > w->pos) {
		w->failed = true;
		return;
	}
	/* The length counts its own bytes: try each size until one holds. */
	size_t body = w->pos - m;
	for (unsigned n = 1; n <= 4; n++) {
		if (body + n > AML_PKG_LENGTH_MAX)
			break;
		if (aml_pkg_length_encode((uint32_t)(body + n), enc) == n) {
			insert(w, m, enc, n);
			return;
		}
	}
	w->failed = true;
}

void aml_buffer_close(struct aml_writer *w, aml_mark m)
{
	if (w->failed)
		return;
	if (m > w->pos) {
		w->failed = true;
		return;
	}
	/* BufferSize precedes the bytes it counts: encode it apart, then
	 * slide it in front of them. */
	uint8_t size[9];
	struct aml_writer tmp;

	aml_init(&tmp, size, sizeof(size));
	aml_integer(&tmp, w->pos - m);
	insert(w, m, size, aml_length(&tmp));
	aml_close(w, m);
}

/* An address space descriptor's fields after its tag and length: type,
 * general flags, type-specific flags, then granularity (0: fixed range),
 * min, max, translation (0) and length, each `width` bytes. */
static void address_space(struct aml_writer *w, uint8_t tag, unsigned width,
			  uint8_t type, uint8_t type_flags, uint64_t min, uint64_t max)
{
	byte(w, tag);
	le(w, 3 + 5 * width, 2);
	byte(w, type);
	byte(w, RES_FLAGS_PRODUCER_FIXED);
	byte(w, type_flags);
	le(w, 0, width);
	le(w, min, width);
	le(w, max, width);
	le(w, 0, width);
	/* A whole 64-bit space would wrap to 0; nothing here describes one. */
	le(w, max - min + 1, width);
}

void aml_res_word_bus_number(struct aml_writer *w, uint16_t min, uint16_t max)
{
	address_space(w, RES_WORD_ADDR_TAG, 2, RES_TYPE_BUS, 0, min, max);
}

void aml_res_word_io(struct aml_writer *w, uint16_t min, uint16_t max)
{
	address_space(w, RES_WORD_ADDR_TAG, 2, RES_TYPE_IO, RES_IO_ENTIRE_RANGE, min, max);
}

void aml_res_dword_memory(struct aml_writer *w, uint32_t min, uint32_t max)
{
	address_space(w, RES_DWORD_ADDR_TAG, 4, RES_TYPE_MEMORY, RES_MEM_READ_WRITE, min, max);
}

void aml_res_qword_memory(struct aml_writer *w, uint64_t min, uint64_t max)
{
	address_space(w, RES_QWORD_ADDR_TAG, 8, RES_TYPE_MEMORY, RES_MEM_READ_WRITE, min, max);
}

void aml_res_io(struct aml_writer *w, uint16_t base, uint8_t length)
{
	byte(w, RES_IO_TAG);
	byte(w, RES_IO_DECODE16);
	le(w, base, 2);
	le(w, base, 2);
	byte(w, 1); /* alignment: any, the range is fixed */
	byte(w, length);
}

void aml_res_end(struct aml_writer *w)
{
	byte(w, RES_END_TAG);
	byte(w, 0);
}
