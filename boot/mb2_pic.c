/* The BIOS leaves the 8259 PICs unmasked with IRQ 0-7 at vectors 8-15 (its
 * real-mode layout), so the PIT's tick arrives as a "#DF" once hv enables
 * interrupts; UEFI firmware leaves them masked. Masked, they never raise
 * INTR (not even a spurious IRQ 7), so no remap is needed. */
#include "arch/x86/cpu.h"

#define PIC_MASTER_IMR 0x21
#define PIC_SLAVE_IMR 0xa1

void mb2_mask_legacy_pic(void);

void mb2_mask_legacy_pic(void)
{
	outb(PIC_MASTER_IMR, 0xff);
	outb(PIC_SLAVE_IMR, 0xff);
}
