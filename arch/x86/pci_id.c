#include "arch/x86/pci_id.h"

#include <stdio.h>

/* No <ctype.h>: the locale has no say in this syntax. */
static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Every hexadecimal digit at *s, which must be 1 to `max_digits` of them:
 * "00001" is too long a part, not a 1 with leading zeros. */
static bool read_hex(const char **s, unsigned max_digits, unsigned *out)
{
	const char *p = *s;
	unsigned v = 0, n = 0;

	for (; hex_value(*p) >= 0; p++, n++) {
		if (n < max_digits)
			v = v << 4 | (unsigned)hex_value(*p);
	}
	if (!n || n > max_digits)
		return false;
	*out = v;
	*s = p;
	return true;
}

bool pci_bdf_parse(const char *s, const char **end, struct pci_bdf *out)
{
	unsigned part[3], n = 0, fn;

	/* Two or three parts before the '.': [segment:]bus:device. */
	for (;;) {
		if (!read_hex(&s, 4, &part[n++]))
			return false;
		if (*s != ':' || n == 3)
			break;
		s++;
	}
	if (n < 2 || *s++ != '.' || !read_hex(&s, 1, &fn))
		return false;
	unsigned seg = n == 3 ? part[0] : 0, bus = part[n - 2], dev = part[n - 1];
	if (bus > PCI_BUS_MAX || dev > PCI_DEV_MAX || fn > PCI_FN_MAX)
		return false;
	*out = (struct pci_bdf){ (uint16_t)seg, (uint8_t)bus, (uint8_t)dev, (uint8_t)fn };
	*end = s;
	return true;
}

struct pci_bdf_text pci_bdf_format(struct pci_bdf d)
{
	struct pci_bdf_text t;

	if (d.segment)
		snprintf(t.s, sizeof(t.s), "%04x:%02x:%02x.%u", d.segment, d.bus, d.dev, d.fn);
	else
		snprintf(t.s, sizeof(t.s), "%02x:%02x.%u", d.bus, d.dev, d.fn);
	return t;
}
