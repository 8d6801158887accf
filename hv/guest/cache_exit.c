/* WBINVD and WBNOINVD from a guest. Run at will they would write back and
 * empty caches that other guests share (the last-level cache), so every
 * one exits, and it is a no-op whenever nothing could tell the
 * difference. */
#include "arch/x86/insn_wbinvd.h"
#include "hv/guest/exits.h"

#define INVD_LEN 2

/* Caches matter only to what reads memory around them. The nested table
 * maps a guest's RAM write-back (vcpu_npt_ram_flags() sets no PCD/PWT),
 * and the CPUs keep their caches coherent with each other, so for the
 * CPUs alone a flush changes nothing. A device's DMA is snooped only if
 * it asks: hv maps device domains without VT-d's SNP bit, which is
 * what would force snooping on a unit with snoop control, so a device
 * that the guest owns may read or write memory behind the caches, and its
 * driver's WBINVD has to happen. */
static bool wbinvd_needs_real_flush(const struct guest *g)
{
	return g->pt.count > 0;
}

/* The instruction's length, from the exit or from its bytes at RIP; 0
 * (the guest stopped) when neither gives one. */
static unsigned wbinvd_len(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_mode mode;

	if (e->wbinvd.len)
		return e->wbinvd.len;
	/* The CPU just fetched it: a shorter read is a guest that changed
	 * its tables or code since, decoded for what it got. */
	size_t got = guest_fetch_insn(gv, bytes, &mode);
	int len = insn_wbinvd_len(bytes, got, mode);
	if (len < 0) {
		guest_vcpu_stop_with_error(gv, got ? "WBINVD exit at bytes that are no WBINVD"
						   : "cannot fetch the WBINVD that exited");
		return 0;
	}
	return (unsigned)len;
}

static void write_back_if_needed(struct guest_vcpu *gv)
{
	if (wbinvd_needs_real_flush(gv->guest)) {
		/* This CPU is the guest's own; WBNOINVD's write-back is part
		 * of what WBINVD does. */
		__asm__ volatile("wbinvd" ::: "memory");
		gv->wbinvd_flushes++;
	}
}

void guest_wbinvd_exit(struct guest_vcpu *gv, const struct vcpu_exit *e)
{
	unsigned len = wbinvd_len(gv, e);

	if (!len)
		return;
	write_back_if_needed(gv);
	gv->vcpu.regs.rip += len;
}

/* INVD would drop the hypervisor's stores still in this CPU's cache: it
 * is done as WBINVD, which loses nothing. */
void guest_invd_exit(struct guest_vcpu *gv)
{
	write_back_if_needed(gv);
	gv->vcpu.regs.rip += INVD_LEN;
}
