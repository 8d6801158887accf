/* hv/guest/uart16550_model.c: the guest's 16550A as Linux's 8250 driver
 * sees it (drivers/tty/serial/8250/8250_port.c): autoconfig() and
 * autoconfig_16550a() must find a PORT_16550A, serial8250_do_startup()
 * must find no TXEN bug, and a polled transmitter (no IRQ: the timer
 * reads IIR and sends only while it reports THRI) must send everything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hv/guest/uart16550_model.h"

enum port_type { PORT_UNKNOWN, PORT_8250, PORT_16550, PORT_16550A, PORT_16650, PORT_16750,
		 PORT_NS16550A, PORT_XSCALE, PORT_U6_16550A };

struct line {
	char out[512];
	unsigned len;
};

static struct uart_model u;
static struct line sent;

static uint8_t in(unsigned reg)
{
	return uart_model_read(&u, reg);
}

static void out(unsigned reg, uint8_t v)
{
	int c = uart_model_write(&u, reg, v);

	if (c >= 0 && sent.len < sizeof(sent.out))
		sent.out[sent.len++] = (char)c;
}

static int setup(void **state)
{
	(void)state;
	uart_model_reset(&u);
	memset(&sent, 0, sizeof(sent));
	return 0;
}

/* size_fifo(): characters sent in loopback, counted back out. */
static unsigned size_fifo(void)
{
	uint8_t lcr = in(UART_REG_LCR), mcr = in(UART_REG_MCR);
	unsigned count;

	out(UART_REG_IIR, 0x01);
	out(UART_REG_IIR, 0x07);
	out(UART_REG_MCR, 0x10);
	out(UART_REG_LCR, 0x80);
	uint8_t dll = in(UART_REG_DATA), dlm = in(UART_REG_IER);
	out(UART_REG_DATA, 0x01);
	out(UART_REG_IER, 0x00);
	out(UART_REG_LCR, 0x03);
	for (count = 0; count < 256; count++)
		out(UART_REG_DATA, (uint8_t)count);
	for (count = 0; (in(UART_REG_LSR) & 0x01) && count < 256; count++)
		in(UART_REG_DATA);
	out(UART_REG_IIR, 0x00);
	out(UART_REG_MCR, mcr);
	out(UART_REG_LCR, 0x80);
	out(UART_REG_DATA, dll);
	out(UART_REG_IER, dlm);
	out(UART_REG_LCR, lcr);
	return count;
}

static enum port_type autoconfig_16550a(void)
{
	out(UART_REG_LCR, 0x80); /* UART_LCR_CONF_MODE_A */
	if (in(UART_REG_IIR) == 0) /* EFR reads 0: ST16C650V1 */
		return PORT_16650;
	out(UART_REG_LCR, 0xbf); /* UART_LCR_CONF_MODE_B */
	if (in(UART_REG_IIR) == 0) /* EFRv2 */
		return PORT_16650;
	/* National Semiconductor SuperIO: EXCR1 in bank 2 follows MCR.LOOP. */
	out(UART_REG_LCR, 0);
	uint8_t status1 = in(UART_REG_MCR);
	out(UART_REG_LCR, 0xe0);
	uint8_t status2 = in(UART_REG_IIR);
	if (!((status2 ^ status1) & 0x10)) {
		out(UART_REG_LCR, 0);
		out(UART_REG_MCR, status1 ^ 0x10);
		out(UART_REG_LCR, 0xe0);
		status2 = in(UART_REG_IIR);
		out(UART_REG_LCR, 0);
		out(UART_REG_MCR, status1);
		if ((status2 ^ status1) & 0x10)
			return PORT_NS16550A;
	}
	out(UART_REG_LCR, 0);
	out(UART_REG_IIR, 0x01 | 0x20);
	status1 = in(UART_REG_IIR) >> 5;
	out(UART_REG_IIR, 0x01);
	out(UART_REG_LCR, 0x80);
	out(UART_REG_IIR, 0x01 | 0x20);
	status2 = in(UART_REG_IIR) >> 5;
	out(UART_REG_IIR, 0x01);
	out(UART_REG_LCR, 0);
	if (status1 == 6 && status2 == 7)
		return PORT_16750;
	uint8_t ier = in(UART_REG_IER);
	out(UART_REG_IER, ier & ~0x40);
	if (!(in(UART_REG_IER) & 0x40)) {
		out(UART_REG_IER, ier | 0x40);
		if (in(UART_REG_IER) & 0x40)
			return PORT_XSCALE;
	}
	out(UART_REG_IER, ier);
	return size_fifo() == 64 ? PORT_U6_16550A : PORT_16550A;
}

static enum port_type autoconfig(void)
{
	uint8_t scratch = in(UART_REG_IER);
	out(UART_REG_IER, 0);
	uint8_t scratch2 = in(UART_REG_IER) & 0x0f;
	out(UART_REG_IER, 0x0f);
	uint8_t scratch3 = in(UART_REG_IER) & 0x0f;
	out(UART_REG_IER, scratch);
	if (scratch2 != 0 || scratch3 != 0x0f)
		return PORT_UNKNOWN;
	uint8_t mcr = in(UART_REG_MCR), lcr = in(UART_REG_LCR);
	out(UART_REG_MCR, 0x10 | 0x0a);
	uint8_t status1 = in(UART_REG_MSR) & 0xf0;
	out(UART_REG_MCR, mcr);
	if (status1 != 0x90)
		return PORT_UNKNOWN;
	out(UART_REG_LCR, 0xbf);
	out(UART_REG_IIR, 0); /* EFR */
	out(UART_REG_LCR, 0);
	out(UART_REG_IIR, 0x01);
	enum port_type t;
	switch (in(UART_REG_IIR) >> 6) {
	case 0: t = in(UART_REG_SCR) == 0xff ? PORT_UNKNOWN : PORT_8250; break;
	case 1: t = PORT_UNKNOWN; break;
	case 2: t = PORT_16550; break;
	default: t = autoconfig_16550a(); break;
	}
	out(UART_REG_LCR, lcr);
	/* The reset that follows: FIFOs cleared and off, interrupts off. */
	out(UART_REG_IIR, 0x01);
	out(UART_REG_IIR, 0x07);
	out(UART_REG_IIR, 0x00);
	in(UART_REG_DATA);
	out(UART_REG_IER, 0);
	return t;
}

static void linux_finds_a_16550a(void **state)
{
	(void)state;
	/* The scratch test of autoconfig_8250(), here by hand. */
	out(UART_REG_SCR, 0xa5);
	assert_int_equal(in(UART_REG_SCR), 0xa5);
	out(UART_REG_SCR, 0x5a);
	assert_int_equal(in(UART_REG_SCR), 0x5a);
	assert_int_equal(autoconfig(), PORT_16550A);
	assert_int_equal(sent.len, 0); /* loopback sent nothing to the line */
}

static void loopback_wires_modem_lines(void **state)
{
	(void)state;
	out(UART_REG_MCR, 0x10 | 0x0a); /* LOOP, RTS, OUT2 */
	assert_int_equal(in(UART_REG_MSR) & 0xf0, 0x90);
	out(UART_REG_MCR, 0x10 | 0x05); /* LOOP, DTR, OUT1 */
	uint8_t msr = in(UART_REG_MSR);
	assert_int_equal(msr & 0xf0, 0x60);
	/* CTS, DSR and DCD changed; RI rose (no trailing edge). */
	assert_int_equal(msr & 0x0f, 0x0b);
	assert_int_equal(in(UART_REG_MSR) & 0x0f, 0); /* read clears the deltas */
	out(UART_REG_MCR, 0x10 | 0x01);
	assert_int_equal(in(UART_REG_MSR) & 0x0f, 0x04); /* RI fell: TERI */
	out(UART_REG_MCR, 0x0b); /* loopback off: the line is ready */
	assert_int_equal(in(UART_REG_MSR) & 0xf0, 0xb0);
}

static void loopback_data_reaches_the_receiver(void **state)
{
	(void)state;
	out(UART_REG_MCR, 0x10);
	out(UART_REG_DATA, 'x');
	assert_int_equal(sent.len, 0);
	assert_int_equal(in(UART_REG_LSR) & 0x61, 0x61);
	assert_int_equal(in(UART_REG_DATA), 'x');
	assert_int_equal(in(UART_REG_LSR) & 0x01, 0);
	/* Without the FIFO a second character overruns the first. */
	out(UART_REG_DATA, 'a');
	out(UART_REG_DATA, 'b');
	assert_int_equal(in(UART_REG_LSR) & 0x03, 0x03);
	assert_int_equal(in(UART_REG_LSR) & 0x02, 0); /* OE clears on read */
	assert_int_equal(in(UART_REG_DATA), 'a');
	/* With it, 16 fit: size_fifo() counts 16, not a U6's 64. */
	assert_int_equal(size_fifo(), 16);
}

static void interrupt_priorities(void **state)
{
	(void)state;
	assert_int_equal(in(UART_REG_IIR), 0x01);
	out(UART_REG_IIR, 0x01);
	assert_int_equal(in(UART_REG_IIR), 0xc1);
	out(UART_REG_MCR, 0x10);
	out(UART_REG_IER, 0x0f); /* THRE latched on 0 -> 1 */
	out(UART_REG_MCR, 0x12); /* a CTS delta */
	/* Received data comes before THRE, THRE before modem status; the
	 * line status (an overrun) before everything. */
	out(UART_REG_DATA, '1'); /* goes to RBR in loopback */
	assert_int_equal(in(UART_REG_IIR), 0xc4);
	for (unsigned i = 0; i < 16; i++)
		out(UART_REG_DATA, 'x');
	assert_int_equal(in(UART_REG_IIR), 0xc6);
	in(UART_REG_LSR);
	assert_int_equal(in(UART_REG_IIR), 0xc4);
	out(UART_REG_IIR, 0x03); /* clear the receive FIFO */
	assert_int_equal(in(UART_REG_IIR), 0xc2);
	/* Reading IIR acknowledged THRE: modem status is next, then none. */
	assert_int_equal(in(UART_REG_IIR), 0xc0);
	in(UART_REG_MSR);
	assert_int_equal(in(UART_REG_IIR), 0xc1);
	/* A THR write brings THRE back, as soon as the character is sent. */
	out(UART_REG_DATA, 'y');
	out(UART_REG_IIR, 0x03);
	assert_int_equal(in(UART_REG_IIR), 0xc2);
	/* Disabled, it is not reported; re-enabled with THR empty it is. */
	out(UART_REG_IER, 0x00);
	assert_int_equal(in(UART_REG_IIR), 0xc1);
	out(UART_REG_IER, 0x02);
	assert_int_equal(in(UART_REG_IIR), 0xc2);
	assert_int_equal(in(UART_REG_IIR), 0xc1);
}

static void divisor_latch_and_registers_read_back(void **state)
{
	(void)state;
	out(UART_REG_IER, 0x05);
	out(UART_REG_LCR, 0x83);
	out(UART_REG_DATA, 0x01);
	out(UART_REG_IER, 0x02);
	assert_int_equal(in(UART_REG_DATA), 0x01);
	assert_int_equal(in(UART_REG_IER), 0x02);
	assert_int_equal(in(UART_REG_LCR), 0x83);
	out(UART_REG_LCR, 0x03);
	assert_int_equal(in(UART_REG_IER), 0x05);
	out(UART_REG_IER, 0xff);
	assert_int_equal(in(UART_REG_IER), 0x0f);
	out(UART_REG_MCR, 0xff);
	assert_int_equal(in(UART_REG_MCR), 0x1f);
	assert_int_equal(sent.len, 0); /* divisor writes are not characters */
	assert_int_equal(in(UART_REG_LSR), 0x60);
	assert_int_equal(in(8), 0xff);
}

/* serial8250_do_startup() without an IRQ, then the timer's polls. */
static void polled_transmit_sends_everything(void **state)
{
	(void)state;
	const char *msg = "Linux version 6.1.0 (polled, forty-odd characters)\n";
	size_t n = strlen(msg), next = 0;

	assert_int_equal(autoconfig(), PORT_16550A);
	out(UART_REG_IIR, 0x01);
	out(UART_REG_IIR, 0x07);
	out(UART_REG_IIR, 0x00);
	in(UART_REG_LSR);
	in(UART_REG_DATA);
	in(UART_REG_IIR);
	in(UART_REG_MSR);
	assert_int_not_equal(in(UART_REG_LSR), 0xff);
	out(UART_REG_LCR, 0x03);
	out(UART_REG_IIR, 0x81); /* uart_config[PORT_16550A].fcr */
	/* The TXEN test: THRI enabled with an empty THR must interrupt. */
	out(UART_REG_IER, 0x02);
	uint8_t lsr = in(UART_REG_LSR), iir = in(UART_REG_IIR);
	out(UART_REG_IER, 0);
	assert_false((lsr & 0x40) && (iir & 0x01));
	out(UART_REG_MCR, 0x0b);
	out(UART_REG_IER, 0x05); /* RLSI | RDI */
	uint8_t ier = 0x05;
	/* start_tx */
	ier |= 0x02;
	out(UART_REG_IER, ier);
	for (unsigned poll = 0; poll < 100 && next < n; poll++) {
		iir = in(UART_REG_IIR);
		if (iir & 0x01)
			continue; /* serial8250_handle_irq: nothing pending */
		lsr = in(UART_REG_LSR);
		in(UART_REG_MSR);
		if (!(lsr & 0x20) || !(ier & 0x02))
			continue;
		for (unsigned k = 0; k < 16 && next < n; k++)
			out(UART_REG_DATA, (uint8_t)msg[next++]);
		if (next == n) {
			ier &= (uint8_t)~0x02; /* __stop_tx */
			out(UART_REG_IER, ier);
		}
	}
	assert_int_equal(sent.len, n);
	assert_memory_equal(sent.out, msg, n);
	assert_int_equal(in(UART_REG_IIR), 0xc1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(linux_finds_a_16550a, setup),
		cmocka_unit_test_setup(loopback_wires_modem_lines, setup),
		cmocka_unit_test_setup(loopback_data_reaches_the_receiver, setup),
		cmocka_unit_test_setup(interrupt_priorities, setup),
		cmocka_unit_test_setup(divisor_latch_and_registers_read_back, setup),
		cmocka_unit_test_setup(polled_transmit_sends_everything, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
