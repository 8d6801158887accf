/* 16550 UART on I/O ports (PC16550D datasheet). */
#ifndef ARCH_X86_UART16550_H
#define ARCH_X86_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_PORT 0x3f8

bool uart16550_init(uint16_t base);
void uart16550_write(const char *s, unsigned long len);

#endif
