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

/* Port I/O to the UART at 0x3F8-0x3FF; false for other ports. */
bool vuart_io(struct guest *g, uint16_t port, bool in, unsigned size, uint32_t *value);

#endif
