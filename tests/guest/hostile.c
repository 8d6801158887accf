/* The hostile guest ("hostile=CLASS" on the command line) and its victim
 * ("heartbeat=N"). A hostile class does what a broken or malicious kernel
 * would do to hv through one interface, checks what it may observe of hv's
 * answer, and ends with the shutdown hypercall like any run; the boot
 * scenario beside it checks the rest (no hv CPU halts, the victim's run is
 * whole, hv's log about the hostile guest stays small). The victim beats
 * on its console meanwhile, so that a stall shows. */
#include "tests/guest/guest.h"

/* ---- helpers ------------------------------------------------------------------------- */

/* Interrupts that reached vCPU `cpu`, on any vector. */
static uint32_t irq_total(unsigned cpu)
{
	uint32_t n = 0;

	for (unsigned v = 0; v < 256; v++)
		n += irq_count[cpu][v];
	return n;
}

static bool bit_set(uint32_t reg_base, unsigned vector)
{
	return lapic_read(reg_base + 0x10 * (vector / 32)) & (1u << (vector % 32));
}

/* The one-shot timer on a legal vector still fires exactly once: the
 * guest's own LAPIC is usable after what was done to it. */
static bool timer_still_works(const char *when)
{
	volatile uint32_t *fired = &irq_count[this_cpu()][VEC_TIMER];
	uint32_t before = *fired;

	lapic_write(LAPIC_TIMER_DCR, 0xb); /* divide by 1 */
	lapic_write(LAPIC_LVT_TIMER, VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, 100000);
	irq_enable();
	bool got = wait_count(fired, before + 1, 1000000);
	delay_us(20000);
	irq_disable();
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	return expect(got && *fired == before + 1,
		      "%s: the one-shot timer on vector 0x%x fired %u times, not once", when,
		      VEC_TIMER, *fired - before);
}

/* ---- lvt: vectors below 32 and delivery modes other than fixed on every LVT ---------- */

#define LAPIC_LVT_LINT0     0x350
#define LAPIC_LVT_LINT1     0x360
#define LAPIC_LVT_ERROR     0x370
#define LVT_DELIVERY_SMI    0x200u
#define LVT_DELIVERY_NMI    0x400u
#define LVT_DELIVERY_INIT   0x500u
#define LVT_DELIVERY_EXTINT 0x700u
#define LVT_TIMER_PERIODIC  (1u << 17)
#define VEC_LEFT_PENDING    0x45 /* below VEC_NEVER_EOI's priority class: stays pending */

static const struct lvt {
	uint32_t reg;
	const char *name;
	bool has_delivery_mode; /* the timer's and the error LVT's bits 8-10 are reserved */
} lvts[] = {
	{ 0x2f0, "CMCI", true },     { LAPIC_LVT_TIMER, "timer", false }, { 0x330, "thermal", true },
	{ 0x340, "perf", true },     { LAPIC_LVT_LINT0, "LINT0", true },
	{ LAPIC_LVT_LINT1, "LINT1", true },   { LAPIC_LVT_ERROR, "error", false },
};

static const uint8_t exception_vectors[] = { 0x00, 0x02, 0x08, 0x0d, 0x0e, 0x12, 0x1f };
static const uint32_t bad_modes[] = { LVT_DELIVERY_SMI, LVT_DELIVERY_NMI, LVT_DELIVERY_INIT,
				      LVT_DELIVERY_EXTINT };

/* A LAPIC without the register (QEMU has no CMCI LVT) reads it as 0 even
 * after a write: then there is nothing there to arm. */
static bool lvt_exists(const struct lvt *l)
{
	lapic_write(l->reg, LVT_MASKED | VEC_TIMER);
	return lapic_read(l->reg) != 0;
}

/* Writes `value` and checks that it reads back masked; false if not. */
static bool lvt_write_refused(const struct lvt *l, uint32_t value, bool exists)
{
	lapic_write(l->reg, value);
	uint32_t r = lapic_read(l->reg);
	bool ok = (r & LVT_MASKED) || (!exists && r == 0);

	expect(ok, "%s LVT: wrote 0x%x, reads 0x%x: not masked", l->name, value, r);
	lapic_write(l->reg, LVT_MASKED | VEC_TIMER);
	return ok;
}

static unsigned lvt_refusals(const struct lvt *l)
{
	bool exists = lvt_exists(l);
	unsigned tried = 0;

	if (!exists)
		kprintf("# %s LVT reads 0 after a write: not in this LAPIC\n", l->name);
	for (unsigned i = 0; i < ARRAY_SIZE(exception_vectors); i++, tried++)
		lvt_write_refused(l, exception_vectors[i], exists);
	for (unsigned i = 0; i < ARRAY_SIZE(bad_modes) && l->has_delivery_mode; i++, tried++)
		lvt_write_refused(l, bad_modes[i] | VEC_TIMER, exists);
	return tried;
}

static enum result hostile_lvt_refused(void)
{
	unsigned tried = 0;

	lapic_enable();
	for (unsigned i = 0; i < ARRAY_SIZE(lvts); i++)
		tried += lvt_refusals(&lvts[i]);

	/* The timer armed for real on vector 0x12 (#MC): nothing may arrive
	 * (an exception here is fatal to this guest, and on hv's side it
	 * would be an interrupt on an exception vector). */
	uint32_t before = irq_total(0);
	lapic_write(LAPIC_TIMER_DCR, 0xb);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | 0x12);
	lapic_write(LAPIC_TIMER_ICR, 2000);
	irq_enable();
	delay_us(50000);
	irq_disable();
	uint32_t lvt = lapic_read(LAPIC_LVT_TIMER);
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	expect(lvt & LVT_MASKED, "the periodic timer on vector 0x12 reads 0x%x: not masked", lvt);
	expect(irq_total(0) == before, "%u interrupts arrived from the masked timer",
	       irq_total(0) - before);
	timer_still_works("after the refused LVT writes");
	kprintf("# %u LVT writes tried on %u LVTs\n", tried, (unsigned)ARRAY_SIZE(lvts));
	return PASS;
}

/* The state that made hv's CPUs halt once a guest stopped: its timer
 * running on an exception vector, LINT0/LINT1 as ExtINT/NMI, one legal
 * vector in service and one pending behind it. hv must clean it up after
 * the shutdown hypercall that follows. */
static enum result hostile_lvt_left_armed(void)
{
	uint32_t self = boot->apic_id[0];

	lapic_enable();
	irq_enable();
	lapic_send_ipi(self, ICR_ASSERT | ICR_FIXED | VEC_NEVER_EOI);
	bool taken = wait_count(&irq_count[0][VEC_NEVER_EOI], 1, 1000000);
	lapic_send_ipi(self, ICR_ASSERT | ICR_FIXED | VEC_LEFT_PENDING);
	delay_us(10000);
	irq_disable();
	lapic_write(LAPIC_TIMER_DCR, 0xb);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | 0x12);
	lapic_write(LAPIC_TIMER_ICR, 1000);
	lapic_write(LAPIC_LVT_LINT0, LVT_DELIVERY_EXTINT);
	lapic_write(LAPIC_LVT_LINT1, LVT_DELIVERY_NMI);
	lapic_write(LAPIC_LVT_ERROR, 0x03);

	expect(taken, "the self-IPI on vector 0x%x did not arrive", VEC_NEVER_EOI);
	expect(bit_set(LAPIC_ISR, VEC_NEVER_EOI), "vector 0x%x is not in service (no EOI sent)",
	       VEC_NEVER_EOI);
	expect(bit_set(LAPIC_IRR, VEC_LEFT_PENDING), "vector 0x%x is not pending behind 0x%x",
	       VEC_LEFT_PENDING, VEC_NEVER_EOI);
	expect(irq_count[0][VEC_LEFT_PENDING] == 0, "vector 0x%x arrived with 0x%x in service",
	       VEC_LEFT_PENDING, VEC_NEVER_EOI);
	kprintf("# left for hv: timer LVT 0x%x count %u, LINT0 0x%x, LINT1 0x%x, 0x%x in service, "
		"0x%x pending\n",
		lapic_read(LAPIC_LVT_TIMER), lapic_read(LAPIC_TIMER_CCR), lapic_read(LAPIC_LVT_LINT0),
		lapic_read(LAPIC_LVT_LINT1), VEC_NEVER_EOI, VEC_LEFT_PENDING);
	return PASS;
}

/* ---- in: IN's result in RAX ---------------------------------------------------------- */

#define PORT_POST 0x80 /* nothing claims it: reads all-ones */
#define PORT_UART_LSR 0x3fd
#define UART_LSR_IDLE 0x60 /* THR empty, transmitter empty */

static uint64_t in32_post(uint64_t rax)
{
	__asm__ volatile("inl $0x80, %%eax" : "+a"(rax));
	return rax;
}

static uint64_t in16_post(uint64_t rax)
{
	__asm__ volatile("inw $0x80, %%ax" : "+a"(rax));
	return rax;
}

static uint64_t in8_post(uint64_t rax)
{
	__asm__ volatile("inb $0x80, %%al" : "+a"(rax));
	return rax;
}

static uint64_t in32_dx(uint16_t port, uint64_t rax)
{
	__asm__ volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(port));
	return rax;
}

static uint64_t in8_dx(uint16_t port, uint64_t rax)
{
	__asm__ volatile("inb %%dx, %%al" : "+a"(rax) : "d"(port));
	return rax;
}

static uint64_t out32_post(uint64_t rax)
{
	__asm__ volatile("outl %%eax, $0x80" : "+a"(rax));
	return rax;
}

static void expect_rax(const char *insn, uint64_t before, uint64_t got, uint64_t want)
{
	expect(got == want, "%s with RAX 0x%llx: RAX 0x%llx, not 0x%llx", insn,
	       (unsigned long long)before, (unsigned long long)got, (unsigned long long)want);
}

static enum result hostile_in_zero_extends(void)
{
	const uint64_t high = 0xdeadbeef00000000ull, mixed = 0xdeadbeef12345678ull;

	expect_rax("inl $0x80", high, in32_post(high), 0x00000000ffffffffull);
	expect_rax("inl $0x80", mixed, in32_post(mixed), 0x00000000ffffffffull);
	expect_rax("inw $0x80", mixed, in16_post(mixed), 0xdeadbeef1234ffffull);
	expect_rax("inb $0x80", mixed, in8_post(mixed), 0xdeadbeef123456ffull);
	expect_rax("inb (0x3fd)", mixed, in8_dx(PORT_UART_LSR, mixed),
		   (mixed & ~0xffull) | UART_LSR_IDLE);
	/* The UART's registers are bytes: what a wider read gives is hv's
	 * choice, but it is a 32-bit result all the same. */
	uint64_t wide = in32_dx(PORT_UART_LSR, high);
	expect(wide >> 32 == 0, "inl (0x3fd) with RAX 0x%llx: RAX 0x%llx, upper half kept",
	       (unsigned long long)high, (unsigned long long)wide);
	expect_rax("outl $0x80", mixed, out32_post(mixed), mixed);
	return PASS;
}

/* ---- flood: the console as fast as it goes ------------------------------------------- */

#define FLOOD_LINES 20000
#define FLOOD_PAUSE_US 1500000 /* for the console budget to refill */
#define COM1_THR 0x3f8

/* Straight to the transmitter, no status polls: the fastest a guest can
 * write lines. */
static void flood_line(unsigned i)
{
	char line[32];
	int n = ksnprintf(line, sizeof(line), "# flood %u\n", i);

	for (int k = 0; k < n; k++)
		outb(COM1_THR, (uint8_t)line[k]);
}

static enum result hostile_flood(void)
{
	kprintf("# flood: start, %u lines\n", FLOOD_LINES);
	uint64_t t0 = rdtsc();
	for (unsigned i = 1; i <= FLOOD_LINES; i++)
		flood_line(i);
	uint64_t ticks = rdtsc() - t0;
	delay_us(FLOOD_PAUSE_US);
	kprintf("# flood: end, %u lines in %llu M TSC ticks\n", FLOOD_LINES,
		(unsigned long long)(ticks / 1000000));
	expect(inb(PORT_UART_LSR) & UART_LSR_IDLE,
	       "the UART's transmitter is not empty after the flood (LSR 0x%x)", inb(PORT_UART_LSR));
	return PASS;
}

/* ---- ipi: every ICR form to every APIC ID -------------------------------------------- */

#define ICR_LOWEST     0x100u
#define ICR_SMI        0x200u
#define ICR_MODE_RSVD  0x300u
#define ICR_NMI        0x400u
#define ICR_EXTINT     0x700u
#define ICR_LOGICAL    (1u << 11)
#define ICR_TO_SELF    (1u << 18)
#define ICR_TO_ALL     (2u << 18)
#define ICR_TO_OTHERS  (3u << 18)
#define APIC_ID_SCAN   16   /* IDs 0..15, then the xAPIC broadcast */
#define APIC_BROADCAST 0xff
#define VEC_TO_FOREIGN 0x46 /* sent only to IDs not ours */
#define VEC_LOGICAL    0x47 /* sent only by logical destination */
#define VEC_SHORTHAND  0x48 /* sent only by shorthands */
#define VEC_BROADCAST  0x49 /* sent only to APIC ID 0xff */
#define SIPI_GARBAGE   0x9f /* a SIPI page in the low area: no code there */

static unsigned ipis_sent, ipis_stuck;

static void send(uint32_t apic_id, uint32_t icr_low)
{
	ipis_sent++;
	if (!lapic_send_ipi(apic_id, icr_low))
		ipis_stuck++;
}

/* vCPU 0's IPI to AP `cpu` is answered (smp.c's APs answer VEC_IPI). */
static bool ap_answers(unsigned cpu)
{
	uint32_t back = irq_count[0][VEC_IPI_BACK];

	irq_enable();
	lapic_send_ipi(boot->apic_id[cpu], ICR_ASSERT | ICR_FIXED | VEC_IPI);
	bool ok = wait_count(&irq_count[0][VEC_IPI_BACK], back + 1, 1000000);
	irq_disable();
	return ok;
}

static const uint32_t refused_modes[] = { ICR_SMI, ICR_MODE_RSVD, ICR_NMI, ICR_EXTINT };

/* Not ours: every delivery mode, INIT and SIPI included. */
static void ipi_foreign(uint32_t id, uint32_t vector)
{
	send(id, ICR_ASSERT | ICR_FIXED | vector);
	send(id, ICR_ASSERT | ICR_LOWEST | vector);
	for (unsigned m = 0; m < ARRAY_SIZE(refused_modes); m++)
		send(id, ICR_ASSERT | refused_modes[m]);
	send(id, ICR_ASSERT | ICR_INIT);
	send(id, ICR_ASSERT | ICR_STARTUP | SIPI_GARBAGE);
}

/* Ours: fixed on exception vectors and the refused modes (an NMI or an
 * exception vector arriving would be fatal here); INIT is left to
 * ipi_own_restart, it stops the vCPU. */
static void ipi_own(uint32_t id)
{
	for (unsigned m = 0; m < ARRAY_SIZE(refused_modes); m++)
		send(id, ICR_ASSERT | refused_modes[m]);
	for (unsigned i = 0; i < ARRAY_SIZE(exception_vectors); i++)
		send(id, ICR_ASSERT | ICR_FIXED | exception_vectors[i]);
}

/* A running AP ignores SIPI. INIT, SIPI, SIPI either restarts it through
 * the trampoline (as hardware would) or leaves it running (hv may ignore
 * INIT to a running vCPU): usable either way, never lost. */
static void ipi_own_restart(unsigned cpu)
{
	uint32_t starts = ap_state[cpu].starts;

	send(boot->apic_id[cpu], ICR_ASSERT | ICR_STARTUP | SIPI_GARBAGE);
	delay_us(10000);
	expect(ap_state[cpu].starts == starts && ap_answers(cpu),
	       "vCPU %u: a SIPI while it runs restarted or stopped it", cpu);
	__atomic_store_n(&ap_state[cpu].alive, 0, __ATOMIC_RELEASE);
	bool restarted = smp_start_ap(cpu);
	kprintf("# vCPU %u after INIT, SIPI, SIPI: %s\n", cpu,
		restarted ? "restarted" : "still running (INIT to a running vCPU ignored)");
	expect(ap_state[cpu].starts == starts + (restarted ? 1 : 0),
	       "vCPU %u started %u times, was %u", cpu, ap_state[cpu].starts, starts);
	expect(ap_answers(cpu), "vCPU %u lost after INIT, SIPI, SIPI", cpu);
}

static void ipi_logical(void)
{
	for (unsigned bit = 0; bit < 8; bit++) {
		send(1u << bit, ICR_ASSERT | ICR_LOGICAL | ICR_FIXED | VEC_LOGICAL);
		send(1u << bit, ICR_ASSERT | ICR_LOGICAL | ICR_NMI);
		send(1u << bit, ICR_ASSERT | ICR_LOGICAL | ICR_INIT);
	}
	send(APIC_BROADCAST, ICR_ASSERT | ICR_LOGICAL | ICR_FIXED | VEC_LOGICAL);
}

static const uint32_t shorthands[] = { ICR_TO_SELF, ICR_TO_ALL, ICR_TO_OTHERS };

/* INIT and SIPI by shorthand are left out: to all they would stop this
 * vCPU too, which nothing could restart. */
static void ipi_shorthands(void)
{
	for (unsigned s = 0; s < ARRAY_SIZE(shorthands); s++) {
		send(0, ICR_ASSERT | shorthands[s] | ICR_FIXED | VEC_SHORTHAND);
		send(0, ICR_ASSERT | shorthands[s] | ICR_FIXED | 0x02);
		for (unsigned m = 0; m < ARRAY_SIZE(refused_modes); m++)
			send(0, ICR_ASSERT | shorthands[s] | refused_modes[m]);
	}
}

static void expect_no_irq(unsigned vector, const char *what)
{
	for (unsigned c = 0; c < cpu_count(); c++)
		expect(irq_count[c][vector] == 0, "vCPU %u got vector 0x%x %u times (%s)", c,
		       vector, irq_count[c][vector], what);
}

static void expect_at_most(unsigned vector, uint32_t most, const char *what)
{
	for (unsigned c = 0; c < cpu_count(); c++)
		expect(irq_count[c][vector] <= most, "vCPU %u got vector 0x%x %u times (%s)", c,
		       vector, irq_count[c][vector], what);
}

static enum result hostile_ipi(void)
{
	if (cpu_count() < 2)
		return skip_because("one vCPU only: nothing to restart");
	lapic_enable();
	if (!expect(smp_start_ap(1), "vCPU 1 did not start"))
		return FAIL;
	irq_enable();
	for (uint32_t id = 0; id < APIC_ID_SCAN; id++) {
		if (own_apic_id(id))
			ipi_own(id);
		else
			ipi_foreign(id, VEC_TO_FOREIGN);
	}
	ipi_foreign(APIC_BROADCAST, VEC_BROADCAST);
	ipi_logical();
	ipi_shorthands();
	delay_us(50000);
	irq_disable();
	for (unsigned cpu = 1; cpu < cpu_count(); cpu++)
		ipi_own_restart(cpu);

	expect(ipis_stuck == 0, "%u of %u IPIs stayed pending in the ICR", ipis_stuck, ipis_sent);
	expect_no_irq(VEC_TO_FOREIGN, "sent to APIC IDs not ours");
	/* This guest leaves every LDR 0: a logical destination bit names none of
	 * its vCPUs and is refused; the logical broadcast reaches each of its
	 * own vCPUs once, and no one else's. */
	expect_at_most(VEC_LOGICAL, 1, "single-bit logical destinations name no vCPU of ours");
	/* Shorthands may reach the guest's own vCPUs, at most once each. */
	expect_at_most(VEC_SHORTHAND, 2, "two shorthands include each vCPU");
	expect_at_most(VEC_BROADCAST, 2, "fixed and lowest priority to APIC ID 0xff");
	for (unsigned cpu = 1; cpu < cpu_count(); cpu++)
		expect(ap_answers(cpu), "vCPU %u does not answer an IPI after the others", cpu);
	timer_still_works("after the IPIs");
	kprintf("# %u IPIs sent; vector 0x%x by shorthand arrived %u times on vCPU 0, "
		"0x%x to 0xff %u times\n",
		ipis_sent, VEC_SHORTHAND, irq_count[0][VEC_SHORTHAND], VEC_BROADCAST,
		irq_count[0][VEC_BROADCAST]);
	return PASS;
}

/* ---- msr: odd and reserved MSRs, each #GP caught here -------------------------------- */

#define MSR_APIC_BASE 0x1bu
#define MSR_PAT       0x277u
#define EFER_SVME     (1ull << 12)

static const struct odd_msr {
	uint32_t msr;
	bool write;
	uint64_t value;
	const char *what;
} odd_msrs[] = {
	{ 0x00000000, false, 0, "P5_MC_ADDR" },
	{ 0x0000003a, false, 0, "FEATURE_CONTROL" },
	{ 0x00000480, false, 0, "VMX_BASIC" },
	{ 0x00001fff, false, 0, "the low range's last" },
	{ 0x00002000, false, 0, "past the low range" },
	{ 0x40000000, false, 0, "the hypervisor range" },
	{ 0x12345678, false, 0, "nothing" },
	{ 0xc0002000, false, 0, "past the high range" },
	{ 0xc0010114, false, 0, "VM_CR" },
	{ 0xc0010117, false, 0, "VM_HSAVE_PA" },
	{ 0xffffffff, false, 0, "the last" },
	{ 0x00000010, true, 0, "TSC" },
	{ 0x00000079, true, 0x1000, "BIOS_UPDT_TRIG" },
	{ MSR_APIC_BASE, true, 0xfee00400, "APIC_BASE x2APIC but disabled" },
	{ MSR_APIC_BASE, true, 0xfed00800, "APIC_BASE moved" },
	{ MSR_APIC_BASE, true, 0xfee00100, "APIC_BASE disabled" },
	{ MSR_EFER, true, EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE, "EFER with SVME" },
	{ MSR_EFER, true, (1ull << 63) | EFER_LME | EFER_LMA | EFER_NXE, "EFER reserved bit" },
	{ MSR_PAT, true, 0x0007040600070402ull, "PAT with type 2" },
	{ MSR_PAT, true, 0x0007040600070408ull, "PAT with type 8" },
	{ 0xc0010114, true, 0x10, "VM_CR" },
	{ 0xc0010117, true, 0, "VM_HSAVE_PA" },
	{ 0xc0010015, true, 0, "HWCR" },
	{ 0x40000000, true, 1, "the hypervisor range" },
	{ 0xffffffff, true, 1, "the last" },
};

static void expect_gp(const struct odd_msr *m)
{
	uint64_t v = 0;
	bool gp = m->write ? wrmsr_faults(m->msr, m->value) : rdmsr_faults(m->msr, &v);

	if (m->write)
		expect(gp, "WRMSR 0x%x (%s) of 0x%llx: no #GP", m->msr, m->what,
		       (unsigned long long)m->value);
	else
		expect(gp, "RDMSR 0x%x (%s): no #GP, read 0x%llx", m->msr, m->what,
		       (unsigned long long)v);
	expect(!gp || fault_trap[this_cpu()].error == 0, "MSR 0x%x (%s): #GP error code 0x%llx",
	       m->msr, m->what, (unsigned long long)fault_trap[this_cpu()].error);
}

static void expect_msr_kept(uint32_t msr, uint64_t before, const char *name)
{
	uint64_t now = 0;
	bool gp = rdmsr_faults(msr, &now); /* before the message reads `now` */

	expect(!gp && now == before,
	       "%s 0x%llx after the refused writes, was 0x%llx", name, (unsigned long long)now,
	       (unsigned long long)before);
}

static enum result hostile_msr(void)
{
	uint64_t efer = rdmsr(MSR_EFER), pat = rdmsr(MSR_PAT), base = rdmsr(MSR_APIC_BASE);

	/* x2APIC mode is the guest's only where hv offers it. */
	static const struct odd_msr extd = { MSR_APIC_BASE, true, 0xfee00c00, "APIC_BASE with x2APIC" };
	bool x2apic_offered = cpuid(1, 0).ecx & (1u << 21);

	for (unsigned i = 0; i < ARRAY_SIZE(odd_msrs); i++)
		expect_gp(&odd_msrs[i]);
	if (!x2apic_offered)
		expect_gp(&extd);
	expect_msr_kept(MSR_EFER, efer, "EFER");
	expect_msr_kept(MSR_PAT, pat, "PAT");
	expect_msr_kept(MSR_APIC_BASE, base, "APIC_BASE");
	/* A write hv takes still goes through after all the refusals. */
	expect(!wrmsr_faults(MSR_PAT, pat), "WRMSR PAT of its own value 0x%llx: #GP",
	       (unsigned long long)pat);
	kprintf("# %u odd MSR accesses, each a #GP in this guest's handler\n",
		(unsigned)ARRAY_SIZE(odd_msrs) + !x2apic_offered);
	return PASS;
}

/* ---- gpa: 100k distinct unmapped guest-physical pages -------------------------------- */

#define GPA_PAGES       100000u
#define GPA_LOW_START   0x40000000ull  /* 1 GiB: above any small guest's RAM */
#define GPA_LOW_END     0xe0000000ull  /* below the PCI window and the LAPIC */
#define GPA_HIGH_START  (8 * GIB)
#define GPA_WRITE_EVERY 16

static bool gpa_usable(uint64_t a)
{
	if (a < boot->mem_size)
		return false;
	return !boot->pci_ecam || a < boot->pci_ecam || a >= boot->pci_ecam + 256 * MIB;
}

/* The i-th page probed: half below 4 GiB, half above, each distinct. */
static uint64_t gpa_page(unsigned i)
{
	uint64_t low_pages = (GPA_LOW_END - GPA_LOW_START) / PAGE_SIZE;
	uint64_t offset = (i * 0x48ull) & 0xff8; /* not always the page's start */

	if (i % 2 == 0 && i / 2 < low_pages)
		return GPA_LOW_START + (uint64_t)(i / 2) * PAGE_SIZE + offset;
	return GPA_HIGH_START + (uint64_t)(i / 2) * PAGE_SIZE + offset;
}

static enum result hostile_gpa(void)
{
	volatile uint64_t *canary = (volatile uint64_t *)(uintptr_t)(boot->mem_size - PAGE_SIZE);
	unsigned probed = 0, bad = 0, writes = 0;

	if (boot->mem_size > GPA_LOW_START)
		return skip_because("RAM (%llu MiB) reaches into the probed range",
				    (unsigned long long)(boot->mem_size / MIB));
	*canary = 0x0123456789abcdefull;
	uint64_t t0 = rdtsc();
	for (unsigned i = 0; i < GPA_PAGES; i++) {
		uint64_t a = gpa_page(i);
		if (!gpa_usable(a))
			continue;
		if (i % GPA_WRITE_EVERY == 0) {
			mmio_write64(a, 0);
			writes++;
		}
		uint64_t v = mmio_read64(a);
		probed++;
		if (v != ~0ull && bad++ < 4)
			expect(false, "GPA 0x%llx reads 0x%llx, not all-ones", (unsigned long long)a,
			       (unsigned long long)v);
	}
	uint64_t ticks = rdtsc() - t0;
	expect(bad == 0, "%u of %u unmapped GPAs did not read all-ones", bad, probed);
	expect(probed == GPA_PAGES, "only %u of %u GPAs probed", probed, GPA_PAGES);
	expect(*canary == 0x0123456789abcdefull, "the guest's last RAM page changed: 0x%llx",
	       (unsigned long long)*canary);
	kprintf("# %u distinct unmapped pages read (%u written first) in %llu M TSC ticks\n",
		probed, writes, (unsigned long long)(ticks / 1000000));
	return PASS;
}

/* ---- exit_fault: hv faults while handling this guest's exit -------------------------- */

/* Under hv's test.exit_fault, the hypercall makes hv take an exception while
 * it handles it: this guest must be stopped (as failed) right there, so
 * returning from it at all is the failure. */
static enum result hostile_exit_fault(void)
{
	kprintf("# exit_fault: asking hv to fault in this exit\n");
	uint64_t r = hypercall(HV_HC_TEST_FAULT, 0, 0);

	expect(false, "the hypercall returned 0x%llx: this guest still runs",
	       (unsigned long long)r);
	return FAIL;
}

/* ---- the classes --------------------------------------------------------------------- */

static const struct hostile_class {
	const char *name;
	struct test tests[2];
} classes[] = {
	{ "lvt", { { "hostile_lvt_refused", hostile_lvt_refused },
		   { "hostile_lvt_left_armed", hostile_lvt_left_armed } } },
	{ "in", { { "hostile_in_zero_extends", hostile_in_zero_extends } } },
	{ "flood", { { "hostile_flood", hostile_flood } } },
	{ "ipi", { { "hostile_ipi", hostile_ipi } } },
	{ "msr", { { "hostile_msr", hostile_msr } } },
	{ "gpa", { { "hostile_gpa", hostile_gpa } } },
	{ "exit_fault", { { "hostile_exit_fault", hostile_exit_fault } } },
};

static bool class_named(const struct hostile_class *c, const char *v)
{
	size_t len = strnlen(c->name, 32);

	return !memcmp(v, c->name, len) && (v[len] == '\0' || v[len] == ' ');
}

unsigned hostile_tests_select(const struct test **list, unsigned max)
{
	const char *v;
	unsigned n = 0;

	if (!cmdline_word("hostile", &v))
		return 0;
	for (unsigned i = 0; i < ARRAY_SIZE(classes); i++) {
		if (!class_named(&classes[i], v))
			continue;
		for (unsigned k = 0; k < ARRAY_SIZE(classes[i].tests) && n < max; k++)
			if (classes[i].tests[k].run)
				list[n++] = &classes[i].tests[k];
		return n;
	}
	kprintf("# command line: no hostile class '%s': running the ordinary tests\n", v);
	return 0;
}

/* ---- the victim's heartbeat ---------------------------------------------------------- */

#define HEARTBEAT_MAX      1000
#define HEARTBEAT_US       100000
#define HEARTBEAT_STALL_US 5000000 /* a beat this late: the vCPU was starved */

static unsigned heartbeats;

static enum result guest_heartbeat(void)
{
	uint64_t worst = 0, last = rdtsc();

	for (unsigned i = 1; i <= heartbeats; i++) {
		delay_us(HEARTBEAT_US);
		kprintf("# heartbeat %u\n", i);
		uint64_t now = rdtsc();
		if (now - last > worst)
			worst = now - last;
		last = now;
	}
	kprintf("# %u beats, the longest %llu M TSC ticks apart\n", heartbeats,
		(unsigned long long)(worst / 1000000));
	expect(worst <= HEARTBEAT_STALL_US * (TSC_HZ_MAX / 1000000),
	       "a beat came %llu M TSC ticks after the one before", (unsigned long long)(worst / 1000000));
	return PASS;
}

static const struct test heartbeat = { "guest_heartbeat", guest_heartbeat };

const struct test *heartbeat_test(void)
{
	if (!heartbeats && !cmdline_number("heartbeat", HEARTBEAT_MAX, &heartbeats))
		return NULL;
	return heartbeats ? &heartbeat : NULL;
}
