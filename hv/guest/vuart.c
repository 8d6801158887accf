/* The guest's 16550A at 0x3F8 (what a Linux console=ttyS0 needs): the
 * registers as hv/guest/uart16550_model.h models them, with a
 * transmitter that is always empty; what it sends is line-buffered onto
 * the physical console as "NAME| line", so the boot tests can tell each
 * guest's KTAP apart, and held to the guest's console budget so one
 * guest cannot drown the others' lines. Nothing is ever received but
 * what the guest sends itself in loopback. */
#include "hv/guest/vuart.h"
#include "arch/x86/log.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/time.h"
#include "hv/guest/partition.h"

#define UART_BASE 0x3f8
#define UART_PORTS 8

/* Over its budget a line is dropped; the next one printed is preceded by
 * how many were, so a reader of the console knows output is missing. */
static void flush_line(struct guest *g)
{
	struct vuart *u = &g->uart;
	struct line_verdict v = line_budget_line(&u->budget, time_ns());

	if (v.dropped_before)
		log_warn("guest %s: %llu lines dropped (over its console budget)\n", g->name,
			 (unsigned long long)v.dropped_before);
	if (v.print)
		log_raw("%s| %.*s\n", g->name, (int)u->len, u->line);
	u->len = 0;
}

static void put_char(struct guest *g, char c)
{
	struct vuart *u = &g->uart;

	if (c == '\r')
		return;
	if (c == '\n') {
		flush_line(g);
		return;
	}
	u->line[u->len++] = (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?';
	if (u->len == VUART_LINE_MAX)
		flush_line(g);
}

static void uart_write(struct guest *g, unsigned reg, uint8_t v)
{
	int sent = uart_model_write(&g->uart.regs, reg, v);

	if (sent >= 0)
		put_char(g, (char)sent);
}

/* Its registers are bytes: wider reads float high, wider writes are lost. */
static int uart_io(struct guest_vcpu *gv, void *ctx, uint64_t reg, bool write, unsigned size,
		   uint64_t *value)
{
	struct guest *g = ctx;

	(void)gv;
	/* A guest's vCPUs share the UART. */
	uint64_t flags = spin_lock(&g->uart_lock);
	if (!write)
		*value = size == 1 ? uart_model_read(&g->uart.regs, (unsigned)reg) : 0xffffffffu;
	else if (size == 1)
		uart_write(g, (unsigned)reg, (uint8_t)*value);
	spin_unlock(&g->uart_lock, flags);
	return 0;
}

int vuart_attach(struct guest *g, uint32_t burst, uint32_t rate)
{
	uart_model_reset(&g->uart.regs);
	line_budget_init(&g->uart.budget, burst, rate, time_ns());
	return guest_port_register(&g->io, UART_BASE, UART_PORTS, uart_io, g);
}
