/* The test guest's run: the KTAP header, each test of tests.c in turn (then
 * those of passthrough.c when the guest has a PCI view; or instead a
 * hostile class of hostile.c), the summary, and the shutdown hypercall with
 * the verdict. */
#include "tests/guest/guest.h"

const struct hv_guest_boot *boot = (const struct hv_guest_boot *)(uintptr_t)HV_GUEST_BOOT;

/* The boot data's CPU count, 1 where it is garbage (guest_boot_data says so). */
unsigned cpu_count(void)
{
	uint32_t n = boot->cpu_count;

	return n >= 1 && n <= HV_GUEST_MAX_CPUS ? n : 1;
}

bool own_apic_id(uint32_t id)
{
	for (unsigned i = 0; i < cpu_count(); i++)
		if (boot->apic_id[i] == id)
			return true;
	return false;
}

/* In .data: entry.S writes it before it clears the .bss. */
struct entry_state entry_state __attribute__((section(".data")));

/* The test running now, for a crash report. */
static unsigned current_number;
static const char *current_name = "(none)";
static bool current_failed;
static char skip_reason[128];

bool expect_fmt(bool cond, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (cond)
		return true;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kprintf("# %s: FAIL: %s\n", current_name, msg);
	current_failed = true;
	return false;
}

enum result skip_because(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	return SKIP;
}

/* Whether the guest's command line has the word `key`, or "key=VALUE" (then
 * *value points at VALUE, which ends at a blank or the line's end). */
bool cmdline_word(const char *key, const char **value)
{
	const char *s = boot->cmdline;
	size_t len = strnlen(s, HV_GUEST_CMDLINE_MAX), klen = strnlen(key, 64);

	for (size_t i = 0; i < len;) {
		while (i < len && s[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && s[i] != ' ')
			i++;
		size_t wlen = i - start;
		if (wlen < klen || memcmp(s + start, key, klen))
			continue;
		if (wlen == klen) {
			if (value)
				*value = s + i;
			return true;
		}
		if (s[start + klen] == '=') {
			if (value)
				*value = s + start + klen + 1;
			return true;
		}
	}
	return false;
}

bool cmdline_number(const char *key, unsigned max, unsigned *n)
{
	const char *v;
	unsigned value = 0, digits = 0;

	if (!cmdline_word(key, &v))
		return false;
	for (; *v >= '0' && *v <= '9' && digits < 9; v++, digits++)
		value = value * 10 + (unsigned)(*v - '0');
	if (!digits || (*v && *v != ' ') || value > max) {
		kprintf("# command line: bad %s=N (0..%u): ignored\n", key, max);
		return false;
	}
	*n = value;
	return true;
}

/* Asked once: the CPUID is an exit of its own, which the hypercalls that
 * count exits would count. */
static bool vendor_is_amd(void)
{
	static volatile int amd = -1;

	if (amd < 0) {
		struct cpuid r = cpuid(0, 0);
		/* "AuthenticAMD" in EBX, EDX, ECX. */
		amd = r.ebx == 0x68747541 && r.edx == 0x69746e65 && r.ecx == 0x444d4163;
	}
	return amd;
}

uint64_t hypercall(uint64_t fn, uint64_t arg1, uint64_t arg2)
{
	uint64_t ret;

	if (vendor_is_amd())
		__asm__ volatile("vmmcall" : "=a"(ret) : "a"(fn), "b"(arg1), "c"(arg2) : "memory");
	else
		__asm__ volatile("vmcall" : "=a"(ret) : "a"(fn), "b"(arg1), "c"(arg2) : "memory");
	return ret;
}

static volatile uint32_t exiting;

void guest_exit(bool failed)
{
	if (!__atomic_exchange_n(&exiting, 1, __ATOMIC_SEQ_CST)) {
		uint64_t r = hypercall(HV_HC_SHUTDOWN, failed ? 1 : 0, 0);
		kprintf("# the shutdown hypercall returned 0x%llx: halting\n",
			(unsigned long long)r);
	}
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23",
	"24", "25", "26", "27", "#HV", "#VC", "#SX", "31",
};

void guest_fatal(const struct frame *f, unsigned cpu)
{
	static volatile uint32_t fatal_once;

	/* A second exception (in this report, or on another vCPU) only
	 * halts. */
	if (__atomic_exchange_n(&fatal_once, 1, __ATOMIC_SEQ_CST))
		for (;;)
			__asm__ volatile("cli; hlt" ::: "memory");
	kprintf("# vCPU %u: exception %llu %s, error 0x%llx, at rip 0x%llx (cs 0x%llx, "
		"rflags 0x%llx, rsp 0x%llx), cr2 0x%llx\n",
		cpu, (unsigned long long)f->vector, exception_names[f->vector & 31],
		(unsigned long long)f->error, (unsigned long long)f->rip,
		(unsigned long long)f->cs, (unsigned long long)f->rflags,
		(unsigned long long)f->rsp, (unsigned long long)read_cr2());
	kprintf("# rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx rsi 0x%llx rdi 0x%llx\n",
		(unsigned long long)f->rax, (unsigned long long)f->rbx,
		(unsigned long long)f->rcx, (unsigned long long)f->rdx,
		(unsigned long long)f->rsi, (unsigned long long)f->rdi);
	if (current_number)
		kprintf("not ok %u %s # exception on vCPU %u\n", current_number, current_name,
			cpu);
	kprintf("# guest %.*s: stopped by an exception\n", HV_GUEST_NAME_MAX, boot->name);
	guest_exit(true);
}

void guest_main(uint64_t rdi);

/* secret=N (hv's restart scenario, on_crash = restart): the last page of
 * RAM must read zero at entry, as hv scrubs a restarted guest's RAM; then
 * N is written all over it and the guest triple-faults (an IDT of limit
 * 0), so that hv builds it again and the next boot looks once more. */
static void secret_then_crash(void)
{
	static const struct __attribute__((packed)) { uint16_t limit; uint64_t base; } no_idt;
	volatile uint64_t *page = (volatile uint64_t *)(uintptr_t)(boot->mem_size - PAGE_SIZE);
	unsigned secret, written = 0;

	if (!cmdline_number("secret", 999999999, &secret))
		return;
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		written += page[i] != 0;
	kprintf("# secret: the last page reads %s\n", written ? "written: NOT scrubbed" : "zero");
	for (unsigned i = 0; i < PAGE_SIZE / 8; i++)
		page[i] = secret;
	kprintf("# secret: %u written; triple fault\n", secret);
	__asm__ volatile("lidt %0; int3" ::"m"(no_idt) : "memory");
}

/* This run's tests: a hostile class alone, or (after the heartbeat and
 * the guest-control calls, when asked for) guest_tests, then the
 * passthrough tests when the guest has a PCI view. */
static const struct test *plan[32];

static unsigned plan_tests(void)
{
	unsigned n = hostile_tests_select(plan, ARRAY_SIZE(plan));

	/* A hostile guest runs its class alone: the point is what hv does
	 * with it, not the ordinary tests again. */
	if (n)
		return n;
	const struct test *beat = heartbeat_test();
	if (beat)
		plan[n++] = beat;
	const struct test *control = control_test();
	if (control)
		plan[n++] = control;
	for (unsigned i = 0; i < guest_test_count && n < ARRAY_SIZE(plan); i++)
		plan[n++] = &guest_tests[i];
	/* Garbage boot data (guest_boot_data fails) gives no PCI view. */
	if (boot->magic == HV_GUEST_BOOT_MAGIC && boot->pci_ecam)
		n += pt_tests_select(plan + n, ARRAY_SIZE(plan) - n);
	return n;
}

void guest_main(uint64_t rdi)
{
	unsigned passed = 0, failed = 0, skipped = 0;

	(void)rdi; /* in entry_state, checked by guest_boot_data */
	secret_then_crash();
	idt_init();
	if (!strcmp(boot->cmdline, "bench"))
		guest_bench();

	unsigned count = plan_tests();
	kprintf("KTAP version 1\n");
	kprintf("1..%u\n", count);
	kprintf("# test guest at 0x%llx-0x%llx, entry state: rdi 0x%llx rsp 0x%llx rflags 0x%llx\n",
		(unsigned long long)(uintptr_t)__image_start,
		(unsigned long long)(uintptr_t)__image_end,
		(unsigned long long)entry_state.rdi, (unsigned long long)entry_state.rsp,
		(unsigned long long)entry_state.rflags);

	for (unsigned i = 0; i < count; i++) {
		const struct test *t = plan[i];

		current_number = i + 1;
		current_name = t->name;
		current_failed = false;
		skip_reason[0] = '\0';
		enum result r = t->run();
		if (r == PASS && current_failed)
			r = FAIL;
		switch (r) {
		case PASS:
			kprintf("ok %u %s\n", current_number, t->name);
			passed++;
			break;
		case SKIP:
			kprintf("ok %u %s # SKIP %s\n", current_number, t->name,
				skip_reason[0] ? skip_reason : "no reason given");
			skipped++;
			break;
		case FAIL:
			kprintf("not ok %u %s\n", current_number, t->name);
			failed++;
			break;
		}
	}
	current_number = 0;
	kprintf("# guest %.*s: %u passed, %u failed, %u skipped\n", HV_GUEST_NAME_MAX,
		boot->name, passed, failed, skipped);
	guest_exit(failed != 0);
}
