/* VMCS accesses of the wrong width, which the typed field encodings
 * (arch/x86/vmx/vmcs_fields.h) and the image writer's callbacks
 * (arch/x86/vmx/vmcs_image.h) must refuse to compile, and an encoding
 * whose width bits disagree with its type. Each case is compiled alone by
 * tests/check-compile-fail.sh; CONTROL, the right widths, must compile.
 * expect-error: incompatible type\|negative */
#include "arch/x86/vmx/vmcs_image.h"

void misuse(const struct vmcs_writer *w);

void misuse(const struct vmcs_writer *w)
{
#if defined(CONTROL)
	w->write16(w->ctx, VMCS_GUEST_CS_SELECTOR, 0x10);
	w->write32(w->ctx, VMCS_PIN_CONTROLS, 0x16);
	w->write64(w->ctx, VMCS_GUEST_EFER, 0xd00);
	w->write_natural(w->ctx, VMCS_GUEST_RIP, 0x100000);
#elif defined(WRITE64_OF_FIELD32)
	w->write64(w->ctx, VMCS_PIN_CONTROLS, 0x16);
#elif defined(WRITE32_OF_FIELD64)
	w->write32(w->ctx, VMCS_EPT_POINTER, 0);
#elif defined(WRITE16_OF_FIELD32)
	w->write16(w->ctx, VMCS_GUEST_CS_AR, 0xa09b);
#elif defined(WRITE64_OF_NATURAL)
	w->write64(w->ctx, VMCS_GUEST_CR0, 0x80000031);
#elif defined(NATURAL_OF_FIELD64)
	w->write_natural(w->ctx, VMCS_LINK_POINTER, ~0ull);
#elif defined(PLAIN_ENCODING)
	w->write32(w->ctx, 0x4000, 0x16);
#elif defined(MISTYPED_ENCODING)
	/* 0x681e is natural-width (bits 14:13 = 3), declared as 32-bit. */
	w->write32(w->ctx, VMCS32(0x681e), 0);
#endif
}
