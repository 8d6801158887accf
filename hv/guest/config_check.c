/* A parsed configuration against the machine (config_validate(), config.h):
 * what the text alone cannot tell, such as CPUs and PCI functions that
 * exist and IOMMU groups that stay whole. */
#include "arch/x86/sizes.h"
#include "hv/guest/config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#define CLASS_HOST_BRIDGE 0x0600

static int find_function(const struct config_platform *p, pci_sbdf_t f)
{
	for (unsigned i = 0; i < p->pci_count; i++) {
		if (p->pci[i].sbdf == f)
			return (int)i;
	}
	return -1;
}

static bool guest_has_function(const struct config_guest *g, pci_sbdf_t f)
{
	for (unsigned i = 0; i < g->pci_count; i++) {
		if (g->pci[i] == f)
			return true;
	}
	return false;
}

static void validate_cpus(const struct hv_config *c, const struct config_platform *p,
			  struct config_errors *e, unsigned gi)
{
	const struct config_guest *g = &c->guest[gi];

	for (unsigned i = 0; i < g->cpu_count; i++) {
		unsigned cpu = g->cpu[i];
		if (cpu == 0) {
			config_error_at(e, c->file, g->cpus_line,
				 "CPU 0 is the service CPU: it cannot be given to guest '%s'",
				 g->name);
			continue;
		}
		if (cpu >= p->cpu_count) {
			config_error_at(e, c->file, g->cpus_line,
				 "CPU %u does not exist (%u online)", cpu,
				 p->cpu_count);
			continue;
		}
		for (unsigned gj = 0; gj < gi; gj++) {
			const struct config_guest *o = &c->guest[gj];
			for (unsigned j = 0; j < o->cpu_count; j++) {
				if (o->cpu[j] == cpu)
					config_error_at(e, c->file, g->cpus_line,
						 "CPU %u is given to both guest '%s' (line %u) "
						 "and guest '%s'", cpu, o->name, o->cpus_line,
						 g->name);
			}
		}
	}
}

/* Every member of the IOMMU group of g->pci[i] must be g's too: the IOMMU
 * cannot tell their DMA apart, so splitting a group would let one guest's
 * device reach another's memory. Reported once per group and guest. */
static void validate_group(const struct hv_config *c, const struct config_platform *p,
			   struct config_errors *e, const struct config_guest *g, unsigned i,
			   uint16_t group)
{
	for (unsigned j = 0; j < i; j++) {
		int k = find_function(p, g->pci[j]);
		if (k >= 0 && p->pci[k].group == group)
			return;
	}
	unsigned missing = 0;
	pci_sbdf_t first = 0;
	for (unsigned k = 0; k < p->pci_count; k++) {
		if (p->pci[k].group != group || guest_has_function(g, p->pci[k].sbdf))
			continue;
		if (!missing++)
			first = p->pci[k].sbdf;
	}
	if (missing == 1)
		config_error_at(e, c->file, g->pci_line,
			 "%s splits IOMMU group %u: %s is not given to guest '%s'",
			 pci_sbdf_format(g->pci[i]).s, group, pci_sbdf_format(first).s, g->name);
	else if (missing)
		config_error_at(e, c->file, g->pci_line,
			 "%s splits IOMMU group %u: %s and %u more are not given to guest '%s'",
			 pci_sbdf_format(g->pci[i]).s, group, pci_sbdf_format(first).s, missing - 1,
			 g->name);
}

static void validate_pci(const struct hv_config *c, const struct config_platform *p,
			 struct config_errors *e, unsigned gi)
{
	const struct config_guest *g = &c->guest[gi];

	for (unsigned i = 0; i < g->pci_count; i++) {
		pci_sbdf_t f = g->pci[i];
		int k = find_function(p, f);
		if (k < 0) {
			config_error_at(e, c->file, g->pci_line, "no PCI function %s on this machine",
				 pci_sbdf_format(f).s);
			continue;
		}
		if (p->pci[k].class_code >> 8 == CLASS_HOST_BRIDGE) {
			config_error_at(e, c->file, g->pci_line,
				 "%s is a host bridge: it cannot be given to a guest",
				 pci_sbdf_format(f).s);
			continue;
		}
		for (unsigned gj = 0; gj < gi; gj++) {
			const struct config_guest *o = &c->guest[gj];
			if (guest_has_function(o, f))
				config_error_at(e, c->file, g->pci_line,
					 "%s is given to both guest '%s' (line %u) and guest '%s'",
					 pci_sbdf_format(f).s, o->name, o->pci_line, g->name);
		}
		validate_group(c, p, e, g, i, p->pci[k].group);
	}
}

/* A bridge goes with its group but is never the guest's to reset
 * (hv/pci/passthrough.c takes it unseen): a restart has nothing to reset. */
#define CLASS_PCI_BRIDGE 0x0604

bool config_function_resettable(const struct config_pci_function *f)
{
	return f->class_code >> 8 == CLASS_PCI_BRIDGE || f->has_flr;
}

/* A restart releases the guest's functions, resets them and gives them
 * again (hv/guest/supervisor.c): as they were at boot only by a
 * function-level reset; one without it keeps what the
 * last boot's driver left (DMA set up, interrupts pending). */
static void refuse_without_flr(const struct hv_config *c, const struct config_platform *p,
			       struct config_errors *e, const struct config_guest *g,
			       const char *key, unsigned line)
{
	for (unsigned i = 0; i < g->pci_count; i++) {
		int k = find_function(p, g->pci[i]);
		if (k < 0 || config_function_resettable(&p->pci[k]))
			continue; /* validate_pci() names one that is not there */
		config_error_at(e, c->file, line,
			 "%s = restart: guest '%s' has %s, which offers no function-level "
			 "reset, so a restart could not reset it", key, g->name,
			 pci_sbdf_format(g->pci[i]).s);
	}
}

static void validate_restart(const struct hv_config *c, const struct config_platform *p,
			     struct config_errors *e, unsigned gi)
{
	const struct config_guest *g = &c->guest[gi];

	if (!g->pci_count)
		return;
	if (g->on_reset == GUEST_ON_RESET_RESTART)
		refuse_without_flr(c, p, e, g, "on_reset", g->on_reset_line);
	if (g->on_crash == GUEST_ON_RESET_RESTART)
		refuse_without_flr(c, p, e, g, "on_crash", g->on_crash_line);
}

int config_validate(const struct hv_config *c, const struct config_platform *p,
		    struct config_errors *e)
{
	unsigned before = e->count + e->dropped;
	uint64_t total = 0;
	const struct config_guest *over = NULL;

	for (unsigned gi = 0; gi < c->guest_count && gi < HV_CONFIG_MAX_GUESTS; gi++) {
		const struct config_guest *g = &c->guest[gi];
		validate_cpus(c, p, e, gi);
		validate_pci(c, p, e, gi);
		validate_restart(c, p, e, gi);
		total += g->memory;
		if (!over && total > p->free_memory)
			over = g;
	}
	/* Named at the guest that no longer fits, with the total: the fix may
	 * be any guest's memory line. */
	if (over)
		config_error_at(e, c->file, over->memory_line,
			 "guest '%s' does not fit in memory: the guests need %lluM in all, "
			 "%lluM is free", over->name, (unsigned long long)(total / MIB),
			 (unsigned long long)(p->free_memory / MIB));
	return e->count + e->dropped != before ? -EINVAL : 0;
}
