/* The guest's 16550 at 0x3F8 (what a Linux console=ttyS0 needs): a
 * transmitter that is always empty, its output line-buffered onto the
 * physical console as "NAME| line", so the boot tests can tell each
 * guest's KTAP apart, and held to the guest's console budget so one
 * guest cannot drown the others' lines. Receiving is not emulated:
 * nothing ever arrives. */
#include "hv/guest/vuart.h"
#include "arch/x86/log.h"
#include "arch/x86/spinlock.h"
#include "arch/x86/time.h"
#include "hv/guest/partition.h"

#define UART_BASE 0x3f8
#define UART_PORTS 8
#define REG_DATA 0    /* THR/RBR, DLL when DLAB */
#define REG_IER 1     /* DLM when DLAB */
#define REG_IIR_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INTERRUPT 0x01
#define MSR_DCD_DSR_CTS 0xb0

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

static uint32_t uart_read(struct vuart *u, unsigned reg)
{
	switch (reg) {
	case REG_IER: return u->lcr & LCR_DLAB ? 0 : u->ier;
	case REG_IIR_FCR: return IIR_NO_INTERRUPT;
	case REG_LCR: return u->lcr;
	case REG_MCR: return u->mcr;
	case REG_LSR: return LSR_THRE | LSR_TEMT;
	case REG_MSR: return MSR_DCD_DSR_CTS;
	case REG_SCR: return u->scratch;
	default: return 0; /* nothing received; the divisor reads 0 */
	}
}

static void uart_write(struct guest *g, unsigned reg, uint8_t v)
{
	struct vuart *u = &g->uart;

	switch (reg) {
	case REG_DATA:
		if (!(u->lcr & LCR_DLAB))
			put_char(g, (char)v);
		return;
	case REG_IER:
		if (!(u->lcr & LCR_DLAB))
			u->ier = v & 0x0f;
		return;
	case REG_LCR: u->lcr = v; return;
	case REG_MCR: u->mcr = v & 0x1f; return;
	case REG_SCR: u->scratch = v; return;
	default: return;
	}
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
		*value = size == 1 ? uart_read(&g->uart, (unsigned)reg) : 0xffffffffu;
	else if (size == 1)
		uart_write(g, (unsigned)reg, (uint8_t)*value);
	spin_unlock(&g->uart_lock, flags);
	return 0;
}

int vuart_attach(struct guest *g, uint32_t burst, uint32_t rate)
{
	line_budget_init(&g->uart.budget, burst, rate, time_ns());
	return guest_port_register(&g->io, UART_BASE, UART_PORTS, uart_io, g);
}
