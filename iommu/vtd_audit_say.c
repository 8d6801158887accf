#include "iommu/vtd_audit.h"
#include "iommu/vtd_audit_bits.h"

#include <stdarg.h>
#include <stdio.h>

#define SAY_MAX 160

void vtd_audit_say(const struct vtd_audit_sink *s, const char *fmt, ...)
{
	char text[SAY_MAX];
	va_list ap;

	if (!s->malformed)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	s->malformed(s->ctx, text);
}
