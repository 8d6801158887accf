/* The guest's virtual 16550A at 0x3F8 (hv/guest/vuart.c): its output, each
 * line onto the physical console under the guest's name. */
#ifndef HV_GUEST_VUART_H
#define HV_GUEST_VUART_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/guest/line_budget.h"
#include "hv/guest/uart16550_model.h"

#define VUART_LINE_MAX 160

struct guest;

/* One guest's UART: the line being collected, the registers a driver
 * reads back, and its share of the console, one budget for all its vCPUs.
 * Under its guest's uart_lock. */
struct vuart {
	char line[VUART_LINE_MAX];
	unsigned len;
	struct uart_model regs;
	struct line_budget budget;
};

/* Claims ports 0x3F8-0x3FF in g's port table, its output held to `burst`
 * lines at once and `rate` lines per second after that (each
 * 1..LINE_BUDGET_MAX): 0, or a negative errno. */
int vuart_attach(struct guest *g, uint32_t burst, uint32_t rate);

#endif
