/* The test guest: a freestanding ELF64 image that hv loads and starts as
 * hv/guest/abi.h describes, and that reports KTAP on its UART. What its
 * files share: CPU helpers, the console, the local APIC, interrupts, the
 * vCPUs, time. */
#ifndef TESTS_GUEST_GUEST_H
#define TESTS_GUEST_GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/sizes.h"
#include "hv/guest/abi.h"


/* ---- the CPU ------------------------------------------------------------------------ */

#define MSR_EFER  0xc0000080u
#define EFER_LME  (1u << 8)
#define EFER_LMA  (1u << 10)
#define EFER_NXE  (1u << 11)
#define CR0_PE    (1ul << 0)
#define CR0_PG    (1ul << 31)
#define CR4_PAE   (1ul << 5)
#define RFLAGS_IF (1ul << 9)

struct cpuid {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

#define READ_CR(n)                                                             \
	static inline uint64_t read_cr##n(void)                                \
	{                                                                      \
		uint64_t v;                                                    \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));             \
		return v;                                                      \
	}
READ_CR(0)
READ_CR(2)
READ_CR(3)
READ_CR(4)
#undef READ_CR

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* Disables interrupts, returns whether they were on. */
static inline bool irq_save(void)
{
	bool on = read_rflags() & RFLAGS_IF;

	irq_disable();
	return on;
}

static inline void irq_restore(bool on)
{
	if (on)
		irq_enable();
}

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

/* Guest-physical accesses of one width each, one plain MOV each (hv decodes
 * the instruction of an access it traps): for the local APIC and the
 * addresses nothing claims. */
static inline uint8_t mmio_read8(uint64_t a)
{
	uint8_t v;

	__asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory");
	return v;
}

static inline uint32_t mmio_read32(uint64_t a)
{
	uint32_t v;

	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline uint64_t mmio_read64(uint64_t a)
{
	uint64_t v;

	__asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory");
	return v;
}

static inline void mmio_write8(uint64_t a, uint8_t v)
{
	__asm__ volatile("movb %0, (%1)" : : "q"(v), "r"(a) : "memory");
}

static inline void mmio_write32(uint64_t a, uint32_t v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

static inline void mmio_write64(uint64_t a, uint64_t v)
{
	__asm__ volatile("movq %0, (%1)" : : "r"(v), "r"(a) : "memory");
}

/* ---- time: the TSC, its rate unknown ------------------------------------------------
 * No timer is calibrated: waits assume the fastest plausible TSC, so a
 * delay is at least as long as asked, and a timeout at least as long (up to
 * TSC_HZ_MAX / real rate times longer: about 5x at 1 GHz, which is what
 * QEMU under -icount shift=0 gives). */
#define TSC_HZ_MAX 5000000000ull

static inline uint64_t deadline_us(uint64_t us)
{
	return rdtsc() + us * (TSC_HZ_MAX / 1000000);
}

static inline bool expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) >= 0;
}

static inline void delay_us(uint64_t us)
{
	uint64_t d = deadline_us(us);

	while (!expired(d))
		cpu_relax();
}

/* ---- the console (uart.c) --------------------------------------------------------------
 * kprintf() writes one whole line per call (the format ends in '\n'), under
 * a lock shared by the vCPUs. Formats: %d %i %u %x %X %c %s %p %%, with
 * flags '0' '-', a width, a precision for %s ("%.*s" too), and the l, ll, z
 * length modifiers. */
__attribute__((format(printf, 1, 2))) void kprintf(const char *fmt, ...);
__attribute__((format(printf, 3, 4))) int ksnprintf(char *buf, size_t size, const char *fmt,
						    ...);
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);
/* Ascending, in place (insertion sort: the benchmarks' few hundred samples). */
void sort_u64(uint64_t *v, unsigned n);
size_t strnlen(const char *s, size_t max);

#define STACK_SIZE 16384
extern uint8_t guest_stacks[HV_GUEST_MAX_CPUS][STACK_SIZE];

/* This vCPU's index (0 = the BSP), from the stack it runs on. */
static inline unsigned this_cpu(void)
{
	uintptr_t sp, base = (uintptr_t)guest_stacks;

	__asm__ volatile("movq %%rsp, %0" : "=r"(sp));
	if (sp <= base || sp > base + sizeof(guest_stacks))
		return 0;
	return (unsigned)((sp - 1 - base) / STACK_SIZE);
}

/* ---- the local APIC and interrupts (lapic.c) -------------------------------------------- */

#define LAPIC_BASE      0xfee00000ull
#define LAPIC_ID        0x020
#define LAPIC_VERSION   0x030
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ISR       0x100 /* + 0x10 per 32 vectors */
#define LAPIC_IRR       0x200
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3e0

#define SVR_ENABLE         (1u << 8)
#define LVT_MASKED         (1u << 16)
#define LVT_PERIODIC       (1u << 17)
#define ICR_DELIVERY_BUSY  (1u << 12)
#define ICR_ASSERT         (1u << 14)
#define ICR_FIXED          0x000u
#define ICR_INIT           0x500u
#define ICR_STARTUP        0x600u

/* The vectors the guest uses. */
#define VEC_TIMER     0x40 /* its LAPIC timer */
#define VEC_IPI       0x41 /* vCPU 0 to the others */
#define VEC_IPI_BACK  0x42 /* their answer to vCPU 0 */
#define VEC_FOREIGN   0x43 /* sent to CPUs that are not ours: must never arrive */
#define VEC_PT_MSI0   0x50 /* a passed-through device's MSI, to vCPU 0 */
#define VEC_PT_MSI1   0x51 /* the same MSI moved to vCPU 1 */
#define VEC_PT_FOREIGN 0x52 /* the MSI aimed at a CPU not ours: must never arrive */
#define VEC_PT_MSIX0  0x53 /* a passed-through device's MSI-X vector 0, to vCPU 0 */
#define VEC_PT_MSIX1  0x54 /* the same entry retargeted to vCPU 1 */
#define VEC_SPURIOUS  0xff

#define MSR_APIC_BASE    0x1bu
#define APIC_BASE_EXTD   (1ull << 10) /* x2APIC mode */
#define X2APIC_MSR(reg)  (0x800u + (reg) / 16)
#define X2APIC_SELF_IPI  0x83fu

/* Whether each vCPU put its LAPIC in x2APIC mode (x2apic.c): then its
 * registers are MSRs 0x800 + offset / 16. */
extern bool lapic_x2apic[HV_GUEST_MAX_CPUS];

static inline uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2apic[this_cpu()])
		return (uint32_t)rdmsr(X2APIC_MSR(reg));
	return mmio_read32(LAPIC_BASE + reg);
}

static inline void lapic_write(uint32_t reg, uint32_t v)
{
	if (lapic_x2apic[this_cpu()])
		wrmsr(X2APIC_MSR(reg), v);
	else
		mmio_write32(LAPIC_BASE + reg, v);
}

/* This vCPU's APIC ID from its LAPIC's ID register, in either mode. */
uint32_t lapic_apic_id(void);
/* This vCPU's LAPIC to x2APIC mode (x2apic.c): false where hv offers none
 * or refused it. */
bool lapic_to_x2apic(void);

/* Software-enables this vCPU's LAPIC (spurious vector 0xff), TPR 0. */
void lapic_enable(void);
/* On vCPU 0: its LAPIC timer periodic every `count` ticks until
 * `interrupts` arrived or `wait_us` passed. Returns how many arrived, and
 * in *exits the vCPU's exits meanwhile, less the measurement's own. */
uint32_t lapic_timer_exits(uint32_t count, uint32_t interrupts, uint64_t wait_us, uint64_t *exits);
/* Writes ICR high then low with interrupts off, after waiting (bounded)
 * for the previous IPI to leave; false when the delivery-status bit stayed
 * set (before or after). */
bool lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);

/* Fills the IDT (every vector: exceptions are fatal, the rest counted) and
 * loads it on this vCPU; idt_ptr is what the other vCPUs load. */
void idt_init(void);
extern struct desc_ptr idt_ptr;

/* Waits (interrupts as they are) until *counter reaches `target`; false on
 * timeout. */
bool wait_count(volatile uint32_t *counter, uint32_t target, uint64_t us);
/* Interrupts seen, per vCPU and vector (written by the handlers). */
extern volatile uint32_t irq_count[HV_GUEST_MAX_CPUS][256];
/* The TSC when each vCPU last entered an interrupt handler (benchmarks). */
extern volatile uint64_t irq_last_tsc[HV_GUEST_MAX_CPUS];
/* Sum of irq_count over the vectors the guest does not use. */
uint32_t irq_unexpected(unsigned cpu);

/* The hostile guest (hostile.c) takes this vector and never EOIs it: it
 * leaves it in service on purpose. */
#define VEC_NEVER_EOI 0x44

/* ---- exceptions provoked on purpose (lapic.c) -----------------------------------------------
 * A hostile test provokes exceptions and must go on after them: fault_arm()
 * makes the next exception `vector` on this vCPU resume at t->resume (the
 * caller's inline assembly stores the address after the faulting
 * instruction there) instead of being fatal; fault_disarm() says whether it
 * came. Any other exception stays fatal. */
struct fault_trap {
	volatile int vector; /* armed for this one; -1: not armed */
	uint64_t resume;
	volatile bool taken;
	volatile uint64_t error; /* the exception's error code */
};
extern struct fault_trap fault_trap[HV_GUEST_MAX_CPUS];

void fault_arm(struct fault_trap *t, int vector);
bool fault_disarm(struct fault_trap *t);

/* RDMSR and WRMSR that may fault: whether they raised #GP (into this
 * guest's own handler, which resumes after them). */
bool rdmsr_faults(uint32_t msr, uint64_t *value);
bool wrmsr_faults(uint32_t msr, uint64_t value);

/* ---- vCPUs (smp.c) ----------------------------------------------------------------------- */

struct ap_state {
	volatile uint32_t starts;     /* times ap_main ran */
	volatile uint32_t alive;      /* set when it is up */
	volatile uint32_t cpuid_apic; /* CPUID.1 EBX[31:24] it saw */
	volatile uint32_t lapic_id;   /* its LAPIC ID register >> 24 */
};
extern struct ap_state ap_state[HV_GUEST_MAX_CPUS];

/* Starts vCPU `cpu` (1..cpu_count-1) by INIT, SIPI, SIPI through the
 * trampoline; true when it said it is alive in time. */
bool smp_start_ap(unsigned cpu);
/* The trampoline's page and SIPI vector. */
uint64_t smp_trampoline_base(void);

/* ---- the run (main.c) --------------------------------------------------------------------- */

extern const struct hv_guest_boot *boot;
/* Its vCPUs (1 where the boot data is garbage), and whether an APIC ID is one of theirs. */
unsigned cpu_count(void);
bool own_apic_id(uint32_t id);

/* What hv handed over at entry (entry.S). */
struct entry_state {
	uint64_t rdi, rsp, rflags;
	uint64_t cs, ds, ss;
	uint64_t bss_nonzero; /* nonzero bytes found in .bss before it was cleared */
};
extern struct entry_state entry_state;

/* The image, from the linker script. */
extern char __image_start[], __image_end[];

enum result { PASS, FAIL, SKIP };

struct test {
	const char *name;
	enum result (*run)(void);
};

extern const struct test guest_tests[];
/* vCPU 0 to x2APIC mode where hv offers it (x2apic.c); the tests after it
 * run there in that mode. */
enum result guest_x2apic(void);
extern const unsigned guest_test_count;

/* The passthrough tests (passthrough.c), run after guest_tests when the
 * boot data gives the guest a PCI view: puts those this run wants (by the
 * command line) in `list`, at most `max`, and returns how many. */
unsigned pt_tests_select(const struct test **list, unsigned max);

/* Inside a test: report a failed check (a KTAP diagnostic line) and mark the
 * test failed; expect() returns cond. skip_because() sets the reason of a
 * SKIP result. */
__attribute__((format(printf, 2, 3))) bool expect_fmt(bool cond, const char *fmt, ...);
#define expect(cond, ...) expect_fmt(!!(cond), __VA_ARGS__)
__attribute__((format(printf, 1, 2))) enum result skip_because(const char *fmt, ...);

/* Whether the guest's command line has the word `key`, or "key=VALUE" (then
 * *value points at VALUE, which ends at a blank or the line's end). */
bool cmdline_word(const char *key, const char **value);
/* "key=N" with N a decimal number up to `max`: true and *n = N; false when
 * the word is not there or its number is bad (said on the console). */
bool cmdline_number(const char *key, unsigned max, unsigned *n);

/* The hostile guest's classes (hostile.c): with "hostile=CLASS" on the
 * command line, the tests of that class go in `list` (at most `max`) instead
 * of guest_tests; 0 when the command line names none. */
unsigned hostile_tests_select(const struct test **list, unsigned max);
/* The victim's heartbeat (hostile.c): with "heartbeat=N", a test that
 * prints N beats 100 ms apart before the others; NULL without. */
const struct test *heartbeat_test(void);
/* Guest control (tests.c): with "control=stop:IDX", "control=restart:IDX"
 * (expecting 0) or "control=probe:IDX" (expecting -EPERM) words, a test
 * that makes those HV_HC_GUEST_CONTROL calls in order, 2 s apart; NULL
 * without. */
const struct test *control_test(void);

/* The AMD or Intel hypercall instruction, by the CPUID vendor. */
uint64_t hypercall(uint64_t fn, uint64_t arg1, uint64_t arg2);
/* Ends the run: the shutdown hypercall, then halts if it returns. */
__attribute__((noreturn)) void guest_exit(bool failed);

/* What the interrupt stubs (entry.S) push: the registers, the vector, the
 * error code (0 where the CPU pushes none), the CPU's frame. */
struct frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* A test that provokes exceptions sets this: it sees every exception
 * first, and returns true for one it expected (the frame is what IRET
 * returns to, and may be changed); false leaves it fatal. */
extern bool (*volatile exception_hook)(struct frame *f);

/* An exception: reported, the current test fails, the guest exits. */
__attribute__((noreturn)) void guest_fatal(const struct frame *f, unsigned cpu);

/* The benchmarks of `make bench` instead of the tests (bench.c). */
__attribute__((noreturn)) void guest_bench(void);
/* With a passthrough edu: exits and latency per device interrupt
 * (passthrough.c); false when there is none or it failed. */
bool pt_bench_device_interrupts(void);

#endif
