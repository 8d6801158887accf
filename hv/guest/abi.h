/* What a guest image is given by hv, and how it talks back: the contract
 * between hv/guest*.c and the test guest (tests/guest). Freestanding: no
 * header but <stdint.h>.
 *
 * Image: an ELF64 x86-64 executable (ET_EXEC), PT_LOAD segments placed at
 * their physical addresses (p_paddr) in guest RAM, every one at or above
 * HV_GUEST_IMAGE_MIN and inside RAM.
 *
 * Guest physical memory: RAM from GPA 0 to mem_size, except the legacy
 * hole 0xA0000-0xFFFFF (reads all-ones, writes dropped, like every GPA
 * nothing claims); mem_size <= HV_GUEST_MEM_MAX. The local APIC page at
 * 0xFEE00000 is the physical one, guarded (accesses trap and are
 * forwarded; ICR writes only to the guest's own CPUs, never INIT/SIPI/SMI
 * to anyone else). A 16550 UART at port 0x3F8 (THR writes, LSR reads say
 * "transmitter empty"), line-buffered onto the console with the guest's
 * name as prefix.
 *
 * Entry of vCPU 0: 64-bit mode, paging on with hv's tables in guest RAM at
 * HV_GUEST_TABLES (an identity map, write-back: of the first 512 GiB with
 * 1 GiB pages where the CPU has them, CPUID 0x80000001 EDX[26]; else of the
 * first HV_GUEST_IDMAP_2M_GIB GiB with 2 MiB pages, the page directories
 * after the PDPT), CS = HV_GUEST_SEL_CODE64 and the data selectors
 * HV_GUEST_SEL_DATA in a GDT at HV_GUEST_GDT, interrupts off, RIP = the
 * ELF entry, RDI = HV_GUEST_BOOT (struct hv_guest_boot), RSP = 0 (the
 * guest sets up its own stack and IDT). The other vCPUs wait for INIT and
 * SIPI from vCPU 0 and start in real mode at CS = vector << 8, IP = 0, as
 * on hardware.
 *
 * Hypercalls: VMMCALL (AMD) or VMCALL (Intel) with the function in RAX and
 * arguments in RBX, RCX; the result comes back in RAX. */
#ifndef HV_GUEST_ABI_H
#define HV_GUEST_ABI_H

#include <stdint.h>

#define HV_GUEST_BOOT        0x1000ull /* struct hv_guest_boot */
#define HV_GUEST_GDT         0x2000ull
#define HV_GUEST_TABLES      0x3000ull /* PML4, the PDPT at + 0x1000, then its PDs */
#define HV_GUEST_IDMAP_2M_GIB 8        /* GiB mapped where there are no 1 GiB pages */
#define HV_GUEST_LOW_FREE    0xd000ull /* from here to 0xA0000: the guest's */
#define HV_GUEST_IMAGE_MIN   0x100000ull
#define HV_GUEST_MEM_MAX     0xc0000000ull /* below the 32-bit MMIO hole */
#define HV_GUEST_LEGACY_HOLE 0xa0000ull
#define HV_GUEST_LEGACY_END  0x100000ull

#define HV_GUEST_SEL_CODE64 0x08
#define HV_GUEST_SEL_DATA   0x10

#define HV_GUEST_MAX_CPUS 8
#define HV_GUEST_NAME_MAX 32
#define HV_GUEST_CMDLINE_MAX 256

#define HV_GUEST_BOOT_MAGIC 0x31544f4f42564855ull /* "HVBOOT1" */

struct hv_guest_boot {
	uint64_t magic;
	uint32_t version;                 /* 1 */
	uint32_t cpu_count;               /* vCPUs, 1..HV_GUEST_MAX_CPUS */
	uint64_t mem_size;                /* RAM: [0, mem_size), bytes */
	uint32_t apic_id[HV_GUEST_MAX_CPUS]; /* of vCPU i; [0] is the BSP */
	uint64_t pci_ecam;                /* its PCI view's ECAM window, 0: none */
	char name[HV_GUEST_NAME_MAX];     /* NUL-terminated */
	char cmdline[HV_GUEST_CMDLINE_MAX];
	/* Only under hv's test.peer_dma option, for isolation tests: an address
	 * outside this guest's RAM where another guest's RAM lies in host
	 * memory (its devices' DMA there must fault); 0 otherwise. */
	uint64_t test_peer_ram;
};

/* Hypercall functions (RAX). */
#define HV_HC_SHUTDOWN 1 /* RBX: 0 when every test passed, else nonzero */
#define HV_HC_EXITS    2 /* RAX <- the calling vCPU's exits so far, this one included */
/* Only under hv's test.exit_fault option: hv takes an exception while it
 * handles this call (the guest must be stopped, nothing else); otherwise
 * -ENOSYS like any unknown function. */
#define HV_HC_TEST_FAULT 3
/* Only from a guest whose configuration says control = yes: stops (as if
 * powered off by the operator, a clean stop) or restarts (as on_reset =
 * restart does: its restart budget spent, RAM scrubbed, image loaded
 * again) another guest. RBX: HV_GUEST_CONTROL_*; RCX: the target's index
 * among the configuration's guests, 0-based, in their order there.
 * RAX <- 0 once the target was told to stop (it stops, or is rebuilt,
 * soon after), or a negative errno: -EPERM without the right (nothing
 * happens), -EINVAL for a bad operation or index or the caller itself,
 * -EBUSY when the target is not running (stopped, or being restarted),
 * -EOPNOTSUPP for a restart of a guest the configuration check could not
 * let restart (a passed-through function without function-level reset). */
#define HV_HC_GUEST_CONTROL 4
#define HV_GUEST_CONTROL_STOP    1
#define HV_GUEST_CONTROL_RESTART 2

#endif
