/* Application processor bring-up (SDM Vol. 3A, 9.4.4.1; 8.4.4.1 in editions
 * before 2023): INIT, SIPI, SIPI to each CPU the MADT lists, one at a time
 * through one trampoline (arch/x86/trampoline.S), each AP on its own stack
 * with its own per-CPU data. */
#include "arch/x86/smp.h"
#include "arch/x86/cpu.h"
#include "arch/x86/desc.h"
#include "arch/x86/irq.h"
#include "arch/x86/lapic.h"
#include "arch/x86/log.h"
#include "arch/x86/madt.h"
#include "arch/x86/memmap.h"
#include "arch/x86/paging.h"
#include "arch/x86/percpu.h"
#include "arch/x86/pt.h"
#include "arch/x86/time.h"
#include "arch/x86/trampoline.h"

#include <errno.h>
#include <string.h>

#define AP_STACK_PAGES 4
/* The delays of the INIT-SIPI-SIPI sequence (SDM Vol. 3A, 9.4.4.1). */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
#define SIPI_COUNT 2
/* From the last SIPI until the AP must have reported online. */
#define AP_ONLINE_TIMEOUT_US 200000
/* After the INIT that parks an AP given up on: its delivery before the
 * trampoline is rewritten for the next one. */
#define AP_PARK_DELAY_US 10000

_Static_assert(SMP_MAX_CPUS >= MADT_MAX_CPUS, "an index for every MADT CPU");

/* An AP's boot_state: the AP and the BSP each try to move it away from
 * STARTING; whoever succeeds decides whether the AP counts. */
enum smp_boot_state { AP_STARTING, AP_ONLINE, AP_ABANDONED };

/* Written by the BSP only, entry before count (release), so a reader that
 * sees a count sees its entries. */
static struct percpu *cpus[SMP_MAX_CPUS];
static unsigned cpu_count, cpu_count_max;

/* What each AP loads so that it runs under the BSP's controls: the same
 * page tables, memory types (PAT), NX, write protection and CR4 features. */
static struct {
	uint64_t cr0, cr3, cr4, efer, pat;
} bsp_state;

static void publish(struct percpu *pc)
{
	cpus[pc->index] = pc;
	__atomic_store_n(&cpu_count, pc->index + 1, __ATOMIC_RELEASE);
}

unsigned smp_cpu_count(void)
{
	return __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE);
}

unsigned smp_cpu_count_max(void)
{
	return cpu_count_max;
}

bool smp_cpu_online(unsigned index)
{
	return index < smp_cpu_count();
}

uint32_t smp_apic_id(unsigned index)
{
	return smp_cpu_online(index) ? cpus[index]->apic_id : SMP_NO_APIC_ID;
}

int smp_cpu_of_apic_id(uint32_t apic_id)
{
	unsigned n = smp_cpu_count();

	for (unsigned i = 0; i < n; i++)
		if (cpus[i]->apic_id == apic_id)
			return (int)i;
	return -1;
}

/* Entered from the trampoline on the AP's stack, still on the PML4 copy. */
static __attribute__((noreturn)) void ap_main(struct percpu *pc)
{
	write_cr3(bsp_state.cr3);
	wrmsr(MSR_IA32_PAT, bsp_state.pat);
	wrmsr(MSR_IA32_EFER, bsp_state.efer);
	write_cr0(bsp_state.cr0);
	write_cr4(bsp_state.cr4);
	desc_init_cpu(pc);
	lapic_init();

	int starting = AP_STARTING;
	if (!__atomic_compare_exchange_n(&pc->boot_state, &starting, AP_ONLINE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		cpu_halt_forever(); /* too late: the BSP has given up on this CPU */
	smp_idle();
}

/* Woken by IRQ_VECTOR_WAKE (or any interrupt), runs what smp_call() left;
 * in between, device interrupts routed here are handled by
 * arch/x86/irq.c. cli before the check and sti;hlt after it: a call
 * posted in between still wakes the HLT. */
__attribute__((noreturn)) void smp_idle(void)
{
	struct percpu *pc = this_cpu();

	for (;;) {
		__asm__ volatile("cli" ::: "memory");
		void (*fn)(void *) = __atomic_exchange_n(&pc->call, NULL, __ATOMIC_ACQUIRE);
		if (fn) {
			fn(pc->call_arg);
			continue;
		}
		__asm__ volatile("sti; hlt" ::: "memory");
	}
}

static void wake_handler(uint8_t vector, void *ctx)
{
	(void)vector, (void)ctx;
}

int smp_call(unsigned index, void (*fn)(void *arg), void *arg)
{
	if (index == 0 || !smp_cpu_online(index) || !fn)
		return -EINVAL;
	struct percpu *pc = cpus[index];
	if (__atomic_load_n(&pc->call, __ATOMIC_ACQUIRE))
		return -EBUSY;
	pc->call_arg = arg;
	__atomic_store_n(&pc->call, fn, __ATOMIC_RELEASE);
	return lapic_send_ipi(pc->apic_id, IRQ_VECTOR_WAKE);
}

int smp_wake(unsigned index)
{
	if (!smp_cpu_online(index))
		return -EINVAL;
	return lapic_send_ipi(cpus[index]->apic_id, IRQ_VECTOR_WAKE);
}

int smp_wake_service_cpu(void)
{
	return lapic_send_ipi(cpus[0]->apic_id, IRQ_VECTOR_WAKE);
}

int smp_kick(unsigned index)
{
	if (!smp_cpu_online(index))
		return -EINVAL;
	return lapic_send_ipi(cpus[index]->apic_id, ICR_DELIVERY_NMI);
}

static void save_bsp_state(void)
{
	bsp_state.cr0 = read_cr0();
	bsp_state.cr3 = read_cr3();
	/* LA57 cannot change in IA-32e mode, and the tables are 4-level. */
	bsp_state.cr4 = read_cr4() & ~CR4_LA57;
	bsp_state.efer = rdmsr(MSR_IA32_EFER);
	bsp_state.pat = rdmsr(MSR_IA32_PAT);
}

/* Copies the trampoline to `base` and fills in what does not change
 * between APs. Returns its parameter block, or NULL when the code would
 * not fit before the PML4 copy. */
static struct trampoline_params *trampoline_install(uint64_t base)
{
	size_t len = (size_t)(trampoline_end - trampoline_start);
	uint8_t *copy = (uint8_t *)(uintptr_t)base;

	if (len > TRAMPOLINE_PML4_OFFSET)
		return NULL;
	memcpy(copy, trampoline_start, len);
	struct trampoline_params *tp = (void *)(copy + (trampoline_params - trampoline_start));
	tp->gdt_limit = (uint16_t)(trampoline_gdt_end - trampoline_gdt - 1);
	tp->gdt_base = (uint32_t)(base + (trampoline_gdt - trampoline_start));
	tp->far32 = (struct far_ptr32){ (uint32_t)(base + (trampoline_entry32 - trampoline_start)),
					TRAMPOLINE_SEL_CODE32, 0 };
	tp->far64 = (struct far_ptr32){ (uint32_t)(base + (trampoline_entry64 - trampoline_start)),
					TRAMPOLINE_SEL_CODE64, 0 };
	tp->cr3 = (uint32_t)(base + TRAMPOLINE_PML4_OFFSET);
	return tp;
}

/* Sends INIT, then the SIPIs (SDM Vol. 3A, 9.4.4.1). */
static int send_init_sipi_sipi(uint32_t apic_id, uint8_t vector)
{
	int err = lapic_send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);

	if (err)
		return err;
	time_delay_us(INIT_DELAY_US);
	for (unsigned i = 0; i < SIPI_COUNT; i++) {
		if ((err = lapic_send_ipi(apic_id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT |
							   ICR_VECTOR(vector))))
			return err;
		time_delay_us(SIPI_DELAY_US);
	}
	return 0;
}

static int start_ap(struct trampoline_params *tp, uint64_t base, unsigned index,
		    uint32_t apic_id)
{
	struct percpu *pc = percpu_alloc(index, apic_id, AP_STACK_PAGES);

	if (!pc)
		return -ENOMEM;
	pc->boot_state = AP_STARTING;
	/* Taken now, so no top-level entry added since is missing. */
	memcpy((void *)(uintptr_t)(base + TRAMPOLINE_PML4_OFFSET),
	       (const void *)(uintptr_t)(bsp_state.cr3 & PTE_ADDR_MASK), PAGE_SIZE);
	tp->stack_top = pc->stack_top;
	tp->entry = (uintptr_t)ap_main;
	tp->arg = (uintptr_t)pc;

	int err = send_init_sipi_sipi(apic_id, (uint8_t)(base >> PAGE_SHIFT));
	uint64_t deadline = deadline_after_us(AP_ONLINE_TIMEOUT_US);
	while (!err && __atomic_load_n(&pc->boot_state, __ATOMIC_ACQUIRE) == AP_STARTING &&
	       !deadline_passed(deadline))
		cpu_relax();

	int starting = AP_STARTING;
	if (!__atomic_compare_exchange_n(&pc->boot_state, &starting, AP_ABANDONED, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		publish(pc); /* it set AP_ONLINE first */
		return 0;
	}
	/* An AP still on its way must not run into the next one's trampoline
	 * parameters: INIT parks it in wait-for-SIPI. Its stack and per-CPU
	 * pages are not freed, since it may have been using them. */
	int park_err = lapic_send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
	if (park_err) {
		log_err("smp: cannot park APIC ID %u (%d)\n", apic_id, park_err);
		return -EBUSY;
	}
	time_delay_us(AP_PARK_DELAY_US);
	return err ? err : -ETIMEDOUT;
}

static void log_online(void)
{
	log_info("smp: %u of %u CPUs online (APIC IDs", smp_cpu_count(), cpu_count_max);
	for (unsigned i = 0; i < smp_cpu_count(); i++)
		log_raw(" %u", cpus[i]->apic_id);
	log_raw(")\n");
}

static int trampoline_usable(uint64_t base)
{
	if (!base)
		return -ENODEV;
	if (base % PAGE_SIZE || base + TRAMPOLINE_PAGES * PAGE_SIZE > TRAMPOLINE_MAX_ADDR + 1)
		return -EINVAL;
	return 0;
}

static int start_all(uint64_t base, const struct madt_info *madt)
{
	uint32_t bsp_id = cpus[0]->apic_id;
	int err, first_err = 0;

	/* The hypervisor's tables map low memory NX; the APs execute the
	 * copy, through the same tables, only while they start. */
	if ((err = paging_set_identity(base, PAGE_SIZE, PTE_W)))
		return err;
	struct trampoline_params *tp = trampoline_install(base);
	if (!tp) {
		log_err("smp: the trampoline does not fit in its page\n");
		first_err = -EINVAL;
	}
	for (unsigned i = 0; tp && i < madt->cpu_count; i++) {
		uint32_t id = madt->cpu_apic_id[i];

		if (id == bsp_id)
			continue;
		if (cpu_count_max == SMP_MAX_CPUS) {
			log_warn("smp: CPU %u (APIC ID %u) and later ones are beyond %u CPUs, left out\n",
				 i, id, SMP_MAX_CPUS);
			break;
		}
		cpu_count_max++;
		if ((err = start_ap(tp, base, smp_cpu_count(), id))) {
			log_warn("smp: CPU %u (APIC ID %u) did not start (%d)\n", i, id, err);
			if (!first_err)
				first_err = err;
			/* It may still be in the trampoline: no other AP may use it. */
			if (err == -EBUSY)
				break;
		}
	}
	if ((err = paging_set_identity(base, PAGE_SIZE, PTE_W | PTE_NX)) && !first_err)
		first_err = err;
	return first_err;
}

int smp_init(uint64_t trampoline, const struct madt_info *madt)
{
	struct percpu *bsp = percpu_bsp();
	int err;

	bsp->apic_id = lapic_id();
	irq_register(IRQ_VECTOR_WAKE, wake_handler, NULL);
	cpu_count_max = 1;
	publish(bsp);
	if ((err = trampoline_usable(trampoline)) || !madt) {
		log_warn("smp: %s, running on the BSP only\n",
			 err == -EINVAL ? "the trampoline address is unusable" :
			 err ? "no trampoline pages below 1 MiB" : "no MADT");
		return err ? err : -ENODEV;
	}
	log_debug("smp: trampoline at %#llx, SIPI vector %#llx\n", (unsigned long long)trampoline,
		  (unsigned long long)(trampoline >> PAGE_SHIFT));
	save_bsp_state();
	err = start_all(trampoline, madt);
	log_online();
	return err;
}
