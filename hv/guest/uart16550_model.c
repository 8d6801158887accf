/* The 16550A's registers (see hv/guest/uart16550_model.h). */
#include "hv/guest/uart16550_model.h"

#include <string.h>

#define IER_RDA   0x01 /* ERBFI */
#define IER_THRE  0x02 /* ETBEI */
#define IER_RLS   0x04 /* ELSI */
#define IER_MS    0x08 /* EDSSI */
#define IER_MASK  0x0f

#define IIR_NONE  0x01
#define IIR_MS    0x00
#define IIR_THRE  0x02
#define IIR_RDA   0x04
#define IIR_RLS   0x06
#define IIR_FIFOS 0xc0 /* FCR.0 set; bit 5 (a 16750's 64-byte FIFO) never */

#define FCR_ENABLE   0x01
#define FCR_CLEAR_RX 0x02

#define LCR_DLAB  0x80

#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_MASK  0x1f

#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_THRE  0x20
#define LSR_TEMT  0x40

#define MSR_DCTS  0x01
#define MSR_DDSR  0x02
#define MSR_TERI  0x04
#define MSR_DDCD  0x08
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80
/* Outside loopback the far end is a null modem that is always ready. */
#define MSR_LINE_READY (MSR_DCD | MSR_DSR | MSR_CTS)

void uart_model_reset(struct uart_model *u)
{
	memset(u, 0, sizeof(*u));
}

/* The modem inputs: in loopback RTS drives CTS, DTR DSR, OUT1 RI and
 * OUT2 DCD, inside the chip. */
static uint8_t modem_inputs(const struct uart_model *u)
{
	uint8_t m = u->mcr;

	if (!(m & MCR_LOOP))
		return MSR_LINE_READY;
	return (m & MCR_RTS ? MSR_CTS : 0) | (m & MCR_DTR ? MSR_DSR : 0) |
	       (m & MCR_OUT1 ? MSR_RI : 0) | (m & MCR_OUT2 ? MSR_DCD : 0);
}

/* What changed between two readings of the modem inputs, as MSR 3:0 say
 * it: any edge of CTS, DSR, DCD; only the trailing edge of RI. */
static uint8_t modem_deltas(uint8_t before, uint8_t after)
{
	uint8_t changed = before ^ after, d = 0;

	if (changed & MSR_CTS)
		d |= MSR_DCTS;
	if (changed & MSR_DSR)
		d |= MSR_DDSR;
	if ((before & MSR_RI) && !(after & MSR_RI))
		d |= MSR_TERI;
	if (changed & MSR_DCD)
		d |= MSR_DDCD;
	return d;
}

/* The highest-priority interrupt pending among the enabled ones. */
static uint8_t interrupt_id(const struct uart_model *u)
{
	if ((u->ier & IER_RLS) && u->overrun)
		return IIR_RLS;
	if ((u->ier & IER_RDA) && u->rx_count)
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_pending)
		return IIR_THRE;
	if ((u->ier & IER_MS) && u->msr_delta)
		return IIR_MS;
	return IIR_NONE;
}

static uint8_t receive(struct uart_model *u)
{
	if (!u->rx_count)
		return 0;
	uint8_t c = u->rx[u->rx_head];
	u->rx_head = (uint8_t)((u->rx_head + 1) % UART_RX_FIFO);
	u->rx_count--;
	return c;
}

/* Loopback: the receiver takes what was sent, up to its FIFO's depth
 * (one holding register without the FIFO); beyond, the character is lost
 * and LSR.OE says so. */
static void loop_back(struct uart_model *u, uint8_t c)
{
	unsigned depth = u->fifo_on ? UART_RX_FIFO : 1;

	if (u->rx_count >= depth) {
		u->overrun = true;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_RX_FIFO] = c;
	u->rx_count++;
}

uint8_t uart_model_read(struct uart_model *u, unsigned reg)
{
	uint8_t v;

	switch (reg) {
	case UART_REG_DATA:
		return u->lcr & LCR_DLAB ? u->dll : receive(u);
	case UART_REG_IER:
		return u->lcr & LCR_DLAB ? u->dlm : u->ier;
	case UART_REG_IIR:
		v = interrupt_id(u);
		/* Reading IIR acknowledges a THRE interrupt it reports. */
		if (v == IIR_THRE)
			u->thre_pending = false;
		return v | (u->fifo_on ? IIR_FIFOS : 0);
	case UART_REG_LCR:
		return u->lcr;
	case UART_REG_MCR:
		return u->mcr;
	case UART_REG_LSR:
		v = LSR_THRE | LSR_TEMT | (u->rx_count ? LSR_DR : 0) | (u->overrun ? LSR_OE : 0);
		u->overrun = false;
		return v;
	case UART_REG_MSR:
		v = modem_inputs(u) | u->msr_delta;
		u->msr_delta = 0;
		return v;
	case UART_REG_SCR:
		return u->scr;
	default:
		return 0xff;
	}
}

static int write_data(struct uart_model *u, uint8_t v)
{
	/* Written, the character is sent at once: THR is empty again and
	 * the THRE interrupt is back. */
	u->thre_pending = true;
	if (u->mcr & MCR_LOOP) {
		loop_back(u, v);
		return -1;
	}
	return v;
}

static void write_ier(struct uart_model *u, uint8_t v)
{
	uint8_t ier = v & IER_MASK;

	/* Enabling it with THR empty (always) raises the THRE interrupt. */
	if (!(u->ier & IER_THRE) && (ier & IER_THRE))
		u->thre_pending = true;
	u->ier = ier;
}

static void write_fcr(struct uart_model *u, uint8_t v)
{
	bool on = v & FCR_ENABLE;

	/* Turning the FIFOs on or off empties them, as FCR.1 does. */
	if (on != u->fifo_on || (v & FCR_CLEAR_RX)) {
		u->rx_count = 0;
		u->rx_head = 0;
	}
	u->fifo_on = on;
}

static void write_mcr(struct uart_model *u, uint8_t v)
{
	uint8_t before = modem_inputs(u);

	u->mcr = v & MCR_MASK;
	u->msr_delta |= modem_deltas(before, modem_inputs(u));
}

int uart_model_write(struct uart_model *u, unsigned reg, uint8_t v)
{
	switch (reg) {
	case UART_REG_DATA:
		if (u->lcr & LCR_DLAB) {
			u->dll = v;
			return -1;
		}
		return write_data(u, v);
	case UART_REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = v;
		else
			write_ier(u, v);
		return -1;
	case UART_REG_IIR:
		write_fcr(u, v);
		return -1;
	case UART_REG_LCR:
		u->lcr = v;
		return -1;
	case UART_REG_MCR:
		write_mcr(u, v);
		return -1;
	case UART_REG_SCR:
		u->scr = v;
		return -1;
	default: /* LSR and MSR are read-only (factory test writes) */
		return -1;
	}
}
