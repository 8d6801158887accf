#include "arch/x86/uart16550.h"
#include "arch/x86/cpu.h"

/* Register offsets from the port base. */
#define UART_THR 0 /* transmit holding (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7

#define LCR_8N1  0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS 0x03

#define BAUD_DIVISOR_115200 1

/* A 16550 drains one byte in ~87 us at 115200 baud; this many polls is far
 * beyond that on any CPU, so a UART that never gets ready is declared dead
 * instead of hanging the hypervisor. */
#define THRE_POLL_LIMIT 1000000

static uint16_t uart_base;
static bool uart_alive;

bool uart16550_init(uint16_t base)
{
	/* No UART decodes the port when the scratch register does not hold a value. */
	outb(base + UART_SCR, 0x5a);
	if (inb(base + UART_SCR) != 0x5a)
		return false;

	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DLL, BAUD_DIVISOR_115200);
	outb(base + UART_DLM, 0);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE_CLEAR);
	outb(base + UART_MCR, MCR_DTR_RTS);
	uart_base = base;
	uart_alive = true;
	return true;
}

static void uart_putc(char c)
{
	for (unsigned long i = 0; !(inb(uart_base + UART_LSR) & LSR_THRE); i++) {
		if (i == THRE_POLL_LIMIT) {
			uart_alive = false;
			return;
		}
		cpu_relax();
	}
	outb(uart_base + UART_THR, (uint8_t)c);
}

void uart16550_write(const char *s, unsigned long len)
{
	for (unsigned long i = 0; i < len && uart_alive; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
}
