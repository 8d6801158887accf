/* A guest: a static partition of dedicated physical CPUs (one per vCPU,
 * never the service CPU), RAM from GPA 0 backed by one contiguous, 2M/1G
 * aligned host range, a nested page table mapping exactly that RAM, a
 * virtual UART (hv/guest/vuart.h) and a guarded LAPIC (hv/guest/vlapic.h).
 * hv/guest/partition.c builds it; hv/guest/vcpu_loop.c runs its vCPUs and
 * hands their exits to the handlers hv/guest/exits.h lists. */
#ifndef HV_GUEST_PARTITION_H
#define HV_GUEST_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/pt.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/vcpu.h"
#include "hv/guest/abi.h"
#include "hv/guest/io_table.h"
#include "hv/guest/platform/devices.h"
#include "hv/guest/loader/linux_boot.h"
#include "hv/guest/restart_budget.h"
#include "hv/guest/vuart.h"
#include "hv/pci/passthrough.h"

#define GUEST_MAX 8
#define GUEST_UNCLAIMED_LOG_PAGES 16

/* STOPPING: a stop won the race and is filling in why; STOPPED: done. */
enum guest_state { GUEST_CREATED, GUEST_RUNNING, GUEST_STOPPING, GUEST_STOPPED };

/* A vCPU's life: the first starts at the image's entry; the others wait
 * for INIT and a start-up IPI from their own guest. */
enum guest_vcpu_state { GVCPU_WAIT_INIT, GVCPU_WAIT_SIPI, GVCPU_RUNNING, GVCPU_STOPPED };

struct guest;

struct guest_vcpu {
	struct guest *guest;
	unsigned index;          /* within the guest */
	unsigned cpu;            /* the physical CPU (index) it is pinned to */
	uint32_t apic_id;        /* that CPU's: guests see physical IDs */
	struct vcpu vcpu;
	int state;               /* enum guest_vcpu_state, changed atomically */
	int sipi_vector;         /* -1: none pending */
	uint32_t icr_high;       /* the guest's last ICR high word */
	uint32_t ldr, dfr;       /* its xAPIC LDR/DFR as it wrote them (vlapic.c) */
	bool x2apic;             /* APIC_BASE EXTD: switched to x2APIC mode (vlapic_x2apic.c) */
	unsigned long exits[VCPU_EXIT_ERROR + 1];
	unsigned long wbinvd_flushes; /* of its WBINVD exits, those run for real */
	/* MTRRdefType XOR its reset value (hv/guest/cpu_policy.c), so that a
	 * zeroed vCPU reads the reset value. */
	uint64_t mtrr_def_type_flipped;
};

struct guest {
	char name[HV_GUEST_NAME_MAX];
	unsigned index;          /* 0..GUEST_MAX-1; its vCPUs' tag is index + 1 */
	uint64_t mem_size;
	uint64_t ram;            /* host-physical base of its RAM */
	uint64_t entry;          /* vCPU 0 starts here */
	bool linux_image;        /* a bzImage: Linux's boot protocol */
	struct linux_boot linux_boot; /* its plan and command line (linux_image only) */
	/* Ports its vCPUs read without an exit (the host's PM timer): none
	 * when count is 0. */
	uint16_t direct_port;
	unsigned direct_port_count;
	enum guest_on_reset on_reset;
	enum guest_on_reset on_crash; /* what a triple fault does */
	struct restart_budget restarts;
	/* Set by the stop that won, before STOPPED: the service CPU is to
	 * build it again rather than release it. */
	bool restart_pending;
	struct pt npt;
	unsigned vcpu_count;
	struct guest_vcpu vcpu[HV_GUEST_MAX_CPUS];
	int state;               /* enum guest_state */
	int status;              /* from its shutdown hypercall: 0 = its tests passed */
	bool failed;             /* stopped by an error (triple fault, bad exit) */
	char stop_reason[96];
	struct guest_io_table io; /* its emulated devices' ports and MMIO */
	struct vuart uart;
	struct spinlock uart_lock;
	/* Pages of unclaimed GPAs already logged (logged once each). */
	uint64_t unclaimed_logged[GUEST_UNCLAIMED_LOG_PAGES];
	unsigned unclaimed_count;    /* slots claimed (may run past the array) */
	unsigned long refused_ipis;
	unsigned long logical_ipis;  /* sent to flat logical destinations */
	unsigned long refused_lapic_writes; /* for the log budget */
	struct passthrough pt;   /* its PCI functions */
	bool released;           /* its devices blocked after its stop */
	bool test_exit_fault;    /* hv's test.exit_fault option */
	bool control;            /* may stop or restart the others (HV_HC_GUEST_CONTROL) */
	bool control_refusal_logged; /* its calls without that right: logged once */
	/* Whether a restart can bring it back as it was: false when one of its
	 * passed-through functions has no function-level reset. */
	bool restartable;
	unsigned long refused_msis; /* for the log budget */
	unsigned long routes_logged; /* its MSI routes, for the log budget */
	struct guest_platform platform; /* a Linux guest's legacy devices */
};

/* Where a guest with PCI functions finds its view's ECAM window (bus 0
 * only), announced in its boot data. Above the most RAM a guest can have. */
#define GUEST_PCI_ECAM      0xe0000000ull
#define GUEST_PCI_ECAM_SIZE 0x100000ull

/* Flat 64-bit code and data descriptors of the GDTs guests enter on. */
#define GUEST_GDT_CODE64 0x00af9a000000ffffull
#define GUEST_GDT_DATA   0x00cf92000000ffffull

struct guest_config_view {
	const char *name;
	unsigned cpu_count;
	const unsigned *cpus;    /* physical CPU indices */
	uint64_t mem_size;
	const char *cmdline;
	uint32_t uart_burst, uart_rate; /* its UART's console budget */
	const void *image;       /* a guest ELF or a Linux bzImage, told apart by content */
	size_t image_size;
	const void *initrd;      /* a Linux image's initramfs; size 0: none */
	size_t initrd_size;
	enum guest_on_reset on_reset;
	enum guest_on_reset on_crash;
	unsigned restart_limit;  /* restarts per restart_window (hv/guest/restart_budget.h) */
	unsigned restart_window; /* seconds */
	bool control;            /* may stop or restart the others */
	bool restartable;        /* its functions all have a function-level reset */
};

/* Builds guest `index` from its configuration and its image: RAM, nested
 * table, the image loaded, its platform devices, and vCPUs not yet
 * started. 0, or a negative errno with the reason logged. */
int guest_create(struct guest *g, unsigned index, const struct guest_config_view *cfg);

/* Once its PCI functions were given (their BARs are in its view): what the
 * image reads at entry (hv/guest/abi.h's boot data, or a Linux zero page
 * with its e820 map and ACPI tables). 0, or a negative errno, logged. */
int guest_write_boot_data(struct guest *g, const struct guest_config_view *cfg);

/* Builds a stopped guest again from the same configuration, in place:
 * its RAM scrubbed (zeroed) and its image, emulated devices and vCPUs set
 * up anew, reusing its RAM, nested table and vCPUs' backend state; its
 * restart budget kept. Every vCPU must have stopped (GVCPU_STOPPED), and
 * cfg must name the same CPUs and memory. 0, or a negative errno. */
int guest_rebuild(struct guest *g, const struct guest_config_view *cfg);

/* Starts vCPU 0 at the image's entry and parks the others waiting for
 * INIT/SIPI, each on its own CPU. */
int guest_start(struct guest *g);

/* Stops the whole guest (from any of its vCPUs, or the service CPU):
 * the others are kicked out of guest mode and park. The first stop's
 * reason wins. */
void guest_stop(struct guest *g, int status, bool failed, const char *reason);

/* guest_stop(), and with `restart` the service CPU builds it again
 * (hv/guest/supervisor.c) once its vCPUs stopped. true when this stop
 * won (the guest was running), false when it had stopped already. */
bool guest_stop_or_restart(struct guest *g, int status, bool failed, const char *reason,
			   bool restart);

/* The guest of `gv` asked to be reset (through `source`, which the log
 * and its stop reason name). */
void guest_reset(struct guest_vcpu *gv, const char *source);

/* Stops the guest of `gv` as failed, from that vCPU: `reason` logged with
 * its registers. */
void guest_vcpu_stop_with_error(struct guest_vcpu *gv, const char *reason);

/* The same for its crash (a triple fault): with on_crash = restart it is
 * built again. */
void guest_vcpu_crash(struct guest_vcpu *gv, const char *reason);

/* The vCPU of `g` on APIC ID `apic_id`, or NULL. */
struct guest_vcpu *guest_vcpu_of_apic_id(struct guest *g, uint32_t apic_id);

/* The vCPU loop, run on its own CPU through smp_call(). */
void guest_vcpu_main(void *gv);

/* Host pointer to guest-physical [gpa, gpa + len) when it is RAM, else NULL. */
void *guest_ram_ptr(const struct guest *g, uint64_t gpa, uint64_t len);

#endif
