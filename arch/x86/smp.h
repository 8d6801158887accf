/* The application processors: started once at boot, then idle with
 * interrupts on, handling what is routed to them. CPU indices are dense:
 * 0 is the BSP (the service CPU), the APs follow in the order they came
 * online. */
#ifndef ARCH_X86_SMP_H
#define ARCH_X86_SMP_H

#include <stdbool.h>
#include <stdint.h>

struct madt_info;

#define SMP_MAX_CPUS 256
#define SMP_NO_APIC_ID 0xffffffffu

/* Registers the BSP as CPU 0 and starts every other CPU `madt` lists, one
 * at a time, through the pages at `trampoline` (TRAMPOLINE_PAGES below
 * 1 MiB, see arch/x86/trampoline.h). Needs the LAPIC (lapic_init()), the
 * page allocator and paging. Returns 0 when all came up; -ENODEV without a
 * trampoline or MADT (the BSP runs alone), -EINVAL for an unusable
 * trampoline address; or the first failure: -ENOMEM, -ETIMEDOUT (a CPU did
 * not start: logged, and left out), an IPI's error, -EBUSY (a CPU that did
 * not start could not be stopped either, so no later one was tried). The
 * CPUs that did start stay online in every case. */
int smp_init(uint64_t trampoline, const struct madt_info *madt);

/* CPUs online, the BSP included (0 before smp_init()). */
unsigned smp_cpu_count(void);
/* The bound for CPU indices: the BSP and every CPU smp_init() tried to
 * start. Indices from smp_cpu_count() up to it are offline. */
unsigned smp_cpu_count_max(void);
bool smp_cpu_online(unsigned index);
/* SMP_NO_APIC_ID for an index that is not online. */
uint32_t smp_apic_id(unsigned index);
/* The index of the online CPU with this APIC ID, or -1. */
int smp_cpu_of_apic_id(uint32_t apic_id);

/* Has CPU `index` (an AP) run fn(arg) from its idle loop, once. -EBUSY
 * while an earlier call is not taken yet, -EINVAL for the BSP or an
 * offline CPU. fn may keep the CPU (a vCPU's loop) and return later. */
int smp_call(unsigned index, void (*fn)(void *arg), void *arg);

/* Wakes CPU `index` from its idle loop (a fixed IPI). */
int smp_wake(unsigned index);

/* Wakes the service CPU (CPU 0) from a HLT. */
int smp_wake_service_cpu(void);

/* Sends CPU `index` an NMI: what reaches a CPU that runs a guest, whose
 * interrupts are the guest's. */
int smp_kick(unsigned index);

/* An AP's idle loop. */
__attribute__((noreturn)) void smp_idle(void);

#endif
