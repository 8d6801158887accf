/* The guest configuration file: an INI-like text file on the ESP beside
 * hv.efi (CONFIG_FILE_DEFAULT), one [guest NAME] section per guest and an
 * optional [hv] section of hypervisor options. The format is in README.md.
 *
 * config_parse() (config_parse.c) checks everything the text alone decides;
 * config_validate() (config_check.c) checks the result against the machine
 * (CPUs, free RAM, PCI functions and IOMMU groups), described by a plain
 * struct so host tests can fabricate one. Both collect every error they find as "FILE:LINE: reason" instead of
 * stopping at the first, so one boot shows all that is wrong with the file;
 * nothing may start unless both return 0.
 *
 * Pure code: no hardware, no allocation; only <string.h> and <stdio.h>'s
 * vsnprintf from the C library. */
#ifndef HV_GUEST_CONFIG_H
#define HV_GUEST_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "arch/x86/log.h"
#include "arch/x86/pci_id.h"
#include "hv/guest/abi.h"
#include "hv/guest/line_budget.h"
#include "hv/guest/restart_budget.h"
#include "hv/options.h"

#define CONFIG_FILE_DEFAULT "hv.cfg"

#define HV_CONFIG_MAX_GUESTS 8
#define CONFIG_GUEST_PCI_MAX 8      /* functions per guest */
#define CONFIG_PATH_MAX 256         /* image path: 255 characters and the NUL */
#define CONFIG_LINE_MAX 512         /* characters per line, without its end */
#define CONFIG_CPU_INDEX_MAX 4095   /* larger indices are refused by the parser */
#define CONFIG_FILE_NAME_MAX 64     /* the file name errors carry (cut short) */

enum guest_on_reset { GUEST_ON_RESET_STOP, GUEST_ON_RESET_RESTART };

/* Every *_line below is the line the key was given on, 0 when it was not:
 * config_validate() names it in its errors, and the caller can tell an
 * [hv] option given from a default. */
struct config_guest {
	char name[HV_GUEST_NAME_MAX];   /* [A-Za-z0-9_-]{1,31}, unique */
	unsigned line;                  /* of its [guest NAME] header */

	/* Physical CPU indices as hv numbers them (0 = the bootstrap CPU,
	 * kept as the service CPU), in the order given: cpu[i] runs vCPU i,
	 * so cpu[0] runs the guest's BSP. */
	unsigned cpus_line, cpu_count;
	uint16_t cpu[HV_GUEST_MAX_CPUS];

	unsigned memory_line;
	uint64_t memory;                /* bytes, a multiple of 2 MiB, <= HV_GUEST_MEM_MAX */

	unsigned image_line;
	char image[CONFIG_PATH_MAX];    /* as written: '\' or '/' separators */

	unsigned initrd_line;
	char initrd[CONFIG_PATH_MAX];   /* a Linux image's initramfs, "" when none */

	unsigned cmdline_line;
	char cmdline[HV_GUEST_CMDLINE_MAX]; /* "" when not given */

	/* What a reset the guest asks for (its ACPI reset register) does, and
	 * what its crash (a triple fault) does. */
	unsigned on_reset_line;
	enum guest_on_reset on_reset;   /* GUEST_ON_RESET_STOP when not given */
	unsigned on_crash_line;
	enum guest_on_reset on_crash;   /* GUEST_ON_RESET_STOP when not given */
	/* Restarts a minute before it stays stopped (hv/guest/restart_budget.h):
	 * RESTART_LIMIT_DEFAULT when not given, else 0..RESTART_LIMIT_MAX. */
	unsigned restart_limit_line;
	unsigned restart_limit;
	unsigned restart_window_line;
	unsigned restart_window;        /* seconds restart_limit counts over */
	/* Whether it may stop or restart other guests (HV_HC_GUEST_CONTROL,
	 * hv/guest/abi.h): false when not given. */
	unsigned control_line;
	bool control;

	unsigned pci_line, pci_count;
	pci_sbdf_t pci[CONFIG_GUEST_PCI_MAX]; /* passed through, in the order given */

	/* Its UART's share of the console (hv/guest/line_budget.h): the
	 * defaults when not given, else 1..LINE_BUDGET_MAX. */
	unsigned uart_burst_line, uart_rate_line;
	uint32_t uart_burst;            /* lines at once */
	uint32_t uart_rate;             /* lines per second after that */
};

struct hv_config {
	char file[CONFIG_FILE_NAME_MAX]; /* the name errors are reported under */

	/* [hv]: the same options as the command line's words of those names. */
	struct {
		unsigned line;           /* of the [hv] header, 0 when none */
		unsigned log_level_line;
		enum log_level log_level;
		unsigned selftest_line;
		char selftest_suites[SELFTEST_SUITES_MAX]; /* "" = all */
		unsigned exit_line;
		enum exit_mode exit;
		unsigned audit_line;
		enum audit_mode audit;
	} hv;

	unsigned guest_count;
	struct config_guest guest[HV_CONFIG_MAX_GUESTS];
};

/* What the machine offers, for config_validate(). */
struct config_pci_function {
	pci_sbdf_t sbdf;
	uint16_t group;                 /* IOMMU group (iommu/group.c) */
	uint32_t class_code;            /* base << 16 | sub << 8 | interface */
	bool has_flr;                   /* a function-level reset: what a restart needs */
};

struct config_platform {
	unsigned cpu_count;             /* online CPUs: indices 0..cpu_count-1 */
	uint64_t free_memory;           /* bytes of RAM the guests may have in all */
	unsigned pci_count;
	const struct config_pci_function *pci;
};

#define CONFIG_ERRORS_MAX 16
#define CONFIG_ERROR_LEN 160

/* Errors in the order found, each "FILE:LINE: reason" (cut short to fit);
 * beyond CONFIG_ERRORS_MAX they are only counted. */
struct config_errors {
	unsigned count;
	unsigned dropped;
	char msg[CONFIG_ERRORS_MAX][CONFIG_ERROR_LEN];
};

void config_errors_init(struct config_errors *errs);

/* Records "FILE:LINE: reason" (for errors found outside the parser, such
 * as an image that cannot be read). */
__attribute__((format(printf, 4, 5)))
void config_error_at(struct config_errors *errs, const char *file, unsigned line,
		     const char *fmt, ...);

/* Parses `len` bytes of `text` (no NUL needed) into `out`, which it
 * initialises. `file_name` (NULL: "config") prefixes every error. Clears
 * `errs`, then records every error in the file. Returns 0, or -EINVAL when
 * there was any; `out` then holds what could be read, safe to pass to
 * config_validate() for more errors but not to act on. */
int config_parse(const char *text, size_t len, const char *file_name,
		 struct hv_config *out, struct config_errors *errs);

/* Checks a parsed configuration against the machine: CPUs that exist, are
 * not the service CPU 0 and go to one guest only; guest memory that fits in
 * free RAM; PCI functions that exist, are not host bridges, go to one guest
 * only, and take their whole IOMMU group with them. Appends its errors to
 * `errs` (so a caller can parse, validate, then print both). Returns 0, or
 * -EINVAL when it found any. */
int config_validate(const struct hv_config *c, const struct config_platform *p,
		    struct config_errors *errs);

/* Whether a restart can put the function back as at boot: it has a
 * function-level reset, or it is a bridge (never the guest's to reset). */
bool config_function_resettable(const struct config_pci_function *f);

/* Logs each error at LOG_ERR, and how many were dropped. */
void config_errors_print(const struct config_errors *errs);

#endif
