/* The register model of a 16550A UART (National Semiconductor PC16550D
 * datasheet), pure, for hv/guest/vuart.c and the host unit tests: what
 * Linux's 8250 driver probes (scratch, IER, loopback MSR, IIR FIFO bits,
 * the divisor latch) and how it drives the chip without an interrupt
 * line, polling IIR for THRI.
 *
 * The transmitter is infinitely fast: a THR write is on the line at once,
 * so LSR always reads THRE|TEMT and the THRE interrupt comes back after
 * every character. In loopback (MCR.LOOP) a character goes to the
 * receiver instead (its 16-byte FIFO when FCR enabled it, else the one
 * holding register; overrun sets LSR.OE), and the modem inputs follow the
 * modem outputs as the chip wires them. Nothing else is ever received.
 * No interrupt line is modelled: IIR says what would be pending. */
#ifndef HV_GUEST_UART16550_MODEL_H
#define HV_GUEST_UART16550_MODEL_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets from the base port. */
#define UART_REG_DATA 0 /* RBR/THR; DLL with LCR.DLAB */
#define UART_REG_IER  1 /* DLM with LCR.DLAB */
#define UART_REG_IIR  2 /* read; FCR on write */
#define UART_REG_LCR  3
#define UART_REG_MCR  4
#define UART_REG_LSR  5
#define UART_REG_MSR  6
#define UART_REG_SCR  7

#define UART_RX_FIFO 16

struct uart_model {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_on;      /* FCR bit 0 */
	bool thre_pending; /* the THRE interrupt latch */
	bool overrun;      /* LSR.OE, until LSR is read */
	uint8_t msr_delta; /* MSR bits 3:0, until MSR is read */
	uint8_t rx[UART_RX_FIFO];
	uint8_t rx_head, rx_count;
};

/* The state after a hardware reset (MR): all registers 0 but LSR (THRE,
 * TEMT) and IIR (no interrupt). */
void uart_model_reset(struct uart_model *u);

/* A byte read of register reg (0..7; others read 0xff), with its side
 * effects (RBR pops, IIR clears the THRE latch it reports, LSR clears
 * OE, MSR clears its deltas). */
uint8_t uart_model_read(struct uart_model *u, unsigned reg);

/* A byte write of register reg: the character put on the line (a THR
 * write outside loopback), or -1 when none is. */
int uart_model_write(struct uart_model *u, unsigned reg, uint8_t v);

#endif
