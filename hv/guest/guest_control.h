/* One guest stopping or restarting another at run time (HV_HC_GUEST_CONTROL,
 * hv/guest/abi.h), when its configuration gives it that right. */
#ifndef HV_GUEST_GUEST_CONTROL_H
#define HV_GUEST_GUEST_CONTROL_H

#include <stdint.h>

#include "hv/guest/partition.h"

/* The guests a call may name, by their index in the configuration; set
 * once they were built, before any runs. */
void guest_control_set_guests(struct guest *guests, unsigned count);

/* From a vCPU of `caller`: HV_GUEST_CONTROL_STOP or _RESTART of guest
 * `target`. 0, or the negative errno abi.h lists; refusals are logged
 * (those for want of the right once per caller). */
int64_t guest_control(struct guest *caller, uint64_t op, uint64_t target);

#endif
