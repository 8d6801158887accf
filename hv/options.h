/* Hypervisor options from the command line (UEFI load options or hv.cmdline):
 * space-separated words, `switch` or `key=value`. */
#ifndef HV_OPTIONS_H
#define HV_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/log.h"
#include "arch/x86/pci_id.h"

enum exit_mode {
	EXIT_HALT,     /* stop the CPUs and wait (default) */
	EXIT_QEMU,     /* write the result to QEMU's isa-debug-exit port */
	EXIT_SHUTDOWN, /* firmware ResetSystem(shutdown) */
	EXIT_BOCHS,    /* end Bochs through its debug port 0x8900 */
};

/* The VT-d audit before the guests start (and of each IRTE hv rewrites
 * for them later): a violation stops them (on), is only reported (warn),
 * or nothing is walked (off). */
enum audit_mode {
	AUDIT_ON,
	AUDIT_WARN,
	AUDIT_OFF,
};

/* QEMU's isa-debug-exit as the boot tests configure it; QEMU exits with
 * status (value << 1) | 1. */
#define QEMU_EXIT_PORT 0xf4
#define QEMU_EXIT_SUCCESS 0x10
#define QEMU_EXIT_FAILURE 0x11

/* Bochs's debug port: 'D' breaks into its debugger, whose next command
 * (the boot test's `quit`) exits 0; the string "Shutdown" ends Bochs with
 * status 1. Bochs has no isa-debug-exit. */
#define BOCHS_DEBUG_PORT 0x8900
#define BOCHS_DEBUG_BREAK 'D'
#define BOCHS_DEBUG_SHUTDOWN "Shutdown"

#define EXPECT_LIST_MAX 8
#define EXPECT_GROUP_MAX 8
#define OPTIONS_NAME_MAX 32
#define OPTIONS_PATH_MAX 256

/* What the boot test knows about the machine it built, for self-tests that
 * compare firmware's description with reality. Unset ones skip. */
struct expectations {
	bool cpus_set, dmar_set, ecam_set, units_all;
	unsigned cpus;
	bool dmar;
	uint64_t ecam;
	/* expect.group=A,B,...: exactly these functions form one IOMMU group. */
	unsigned group_count;
	struct {
		unsigned count;
		pci_sbdf_t member[EXPECT_GROUP_MAX];
	} group[EXPECT_LIST_MAX];
	/* expect.alias=A>R: the IOMMU sees A's DMA with requester ID R. */
	unsigned alias_count;
	struct {
		pci_sbdf_t function, requester;
	} alias[EXPECT_LIST_MAX];
	/* expect.guest_failure=NAME: that guest must stop by an error (a
	 * scenario that feeds it a bad instruction stream), the others pass. */
	char guest_failure[OPTIONS_NAME_MAX];
};

#define SELFTEST_SUITES_MAX 64
#define IRT_ENTRIES_DEFAULT 1024

struct hv_options {
	bool selftest;
	char selftest_suites[SELFTEST_SUITES_MAX]; /* "" = all */
	enum exit_mode exit;
	enum log_level log_level;
	bool intremap;          /* intremap=on|off: interrupt remapping (default on) */
	unsigned irt_entries;   /* irt.entries=N: per unit, a power of two 2..65536 */
	char config[OPTIONS_PATH_MAX]; /* config=PATH: the guest configuration file */
	bool test_peer_dma;     /* test.peer_dma: tell guests where another's RAM is */
	bool test_exit_fault;   /* test.exit_fault: HV_HC_TEST_FAULT faults in hv */
	enum audit_mode audit;  /* audit=on|warn|off (default on) */
	struct expectations expect;
};

#define OPTIONS_ERROR_MAX 128

/* Parses the whole line. Returns 0, or -EINVAL with a message naming the
 * first bad word in `error`; the other words still take effect. */
int options_parse(const char *cmdline, struct hv_options *out,
		  char error[OPTIONS_ERROR_MAX]);

/* The defaults options_parse() starts from. */
void options_defaults(struct hv_options *out);

/* options_parse() on top of what *o already holds: the command line's
 * words override, what it does not name stays. */
int options_apply(const char *cmdline, struct hv_options *o, char error[OPTIONS_ERROR_MAX]);

#endif
