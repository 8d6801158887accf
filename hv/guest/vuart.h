/* The guest's virtual 16550 at 0x3F8 (hv/guest/vuart.c): output only, each
 * line onto the physical console under the guest's name. */
#ifndef HV_GUEST_VUART_H
#define HV_GUEST_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_LINE_MAX 160

struct guest;

/* One guest's UART: the line being collected and the registers a driver
 * reads back. Under its guest's uart_lock. */
struct vuart {
	char line[VUART_LINE_MAX];
	unsigned len;
	uint8_t scratch, ier, lcr, mcr;
};

/* Claims ports 0x3F8-0x3FF in g's port table: 0, or its negative errno. */
int vuart_attach(struct guest *g);

#endif
