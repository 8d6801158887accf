/* See vtd_fault_reason.h. */
#include "iommu/vtd_fault_reason.h"

#include <stddef.h>

/* Scalable-mode reasons: one generic text each, with the value in it. */
#define SM(v) [v] = "scalable-mode fault " #v
#define SM16(h) SM(0x##h##0), SM(0x##h##1), SM(0x##h##2), SM(0x##h##3), \
		SM(0x##h##4), SM(0x##h##5), SM(0x##h##6), SM(0x##h##7), \
		SM(0x##h##8), SM(0x##h##9), SM(0x##h##a), SM(0x##h##b), \
		SM(0x##h##c), SM(0x##h##d), SM(0x##h##e), SM(0x##h##f)

static const char *const reason_text[256] = {
	/* Legacy-mode address translation faults. 0 is reserved (Linux's
	 * "Software": advanced fault logging). */
	[VTD_FR_ROOT_NOT_PRESENT] = "root entry not present",
	[VTD_FR_CONTEXT_NOT_PRESENT] = "context entry not present",
	[VTD_FR_CONTEXT_INVALID] = "invalid context entry (AW or TT not supported, or reserved)",
	[VTD_FR_ADDR_BEYOND_AW] = "address beyond the domain's address width (MGAW or table depth)",
	[VTD_FR_WRITE] = "write to a page without write permission",
	[VTD_FR_READ] = "read of a page without read permission",
	[VTD_FR_SL_ENTRY_ACCESS] = "error accessing a second-level paging entry",
	[VTD_FR_ROOT_TABLE_ACCESS] = "error accessing the root table",
	[VTD_FR_CONTEXT_TABLE_ACCESS] = "error accessing the context table",
	[VTD_FR_ROOT_RESERVED] = "non-zero reserved field in a root entry",
	[VTD_FR_CONTEXT_RESERVED] = "non-zero reserved field in a context entry",
	[VTD_FR_SL_ENTRY_RESERVED] = "non-zero reserved field in a second-level paging entry",
	[VTD_FR_TT_BLOCKED] = "request blocked by the context entry's translation type (TT)",
	[VTD_FR_INTERRUPT_RANGE] = "translated address in the interrupt range 0xFEEx_xxxx",

	/* Interrupt translation faults. */
	[VTD_FR_IR_REQUEST_RESERVED] = "reserved field set in a remappable interrupt request",
	[VTD_FR_IR_INDEX] = "interrupt index beyond the interrupt-remapping table",
	[VTD_FR_IR_NOT_PRESENT] = "interrupt-remapping table entry not present",
	[VTD_FR_IR_TABLE_ACCESS] = "error accessing the interrupt-remapping table",
	[VTD_FR_IR_IRTE_RESERVED] = "non-zero reserved field in an interrupt-remapping table entry",
	[VTD_FR_IR_COMPAT_BLOCKED] = "compatibility-format interrupt blocked",
	[VTD_FR_IR_SOURCE_ID] = "interrupt blocked by source-id verification",
	[VTD_FR_IR_PID_ACCESS] = "error accessing a posted-interrupt descriptor",
	[VTD_FR_IR_PID_RESERVED] = "non-zero reserved field in a posted-interrupt descriptor",
	[VTD_FR_IR_UNTRANSLATED] = "invalid untranslated interrupt request",

	SM16(3), SM16(4), SM16(5), SM16(6), SM16(7), SM16(8), SM16(9),
};

#undef SM16
#undef SM

_Static_assert(VTD_FR_SM_FIRST == 0x30 && VTD_FR_SM_LAST == 0x9f,
	       "the SM16() rows above cover 0x30-0x9f");

const char *vtd_fault_reason(uint8_t reason)
{
	const char *s = reason_text[reason];
	return s ? s : "unknown fault reason";
}

bool vtd_fault_is_interrupt(uint8_t reason)
{
	return reason >= VTD_FR_IR_REQUEST_RESERVED && reason <= VTD_FR_IR_UNTRANSLATED;
}
