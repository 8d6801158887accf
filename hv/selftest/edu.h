/* QEMU's edu device (docs/specs/edu.rst, hw/misc/edu.c): a DMA engine with a
 * 4 KiB buffer at device address 0x40000 and a 28-bit address window. The
 * hypervisor's test device for DMA and interrupt remapping. */
#ifndef HV_SELFTEST_EDU_H
#define HV_SELFTEST_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/pci_enum.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_BUFFER 0x40000u
#define EDU_BUFFER_SIZE 4096u
#define EDU_DMA_MAX 4095u    /* 0 and 4096 abort QEMU */
#define EDU_DMA_MASK ((1ull << 28) - 1)

struct edu {
	const struct pci_function *fn;
	uintptr_t regs;
};

/* The index-th edu in the topology, or NULL. */
const struct pci_function *edu_find(unsigned index);

/* Maps BAR0 and turns on memory decoding and bus mastering. */
int edu_open(struct edu *e, const struct pci_function *f);
void edu_close(struct edu *e);

/* Raises the interrupt status bits `bits`: one MSI per call when MSI and
 * bus mastering are enabled. */
void edu_raise(struct edu *e, uint32_t bits);
/* Acknowledges (clears) interrupt status bits. */
void edu_ack(struct edu *e, uint32_t bits);

/* Copies `len` bytes between RAM at `addr` (an IOVA) and the device
 * buffer at EDU_BUFFER + `offset`; waits, bounded, for completion. */
int edu_dma(struct edu *e, uint64_t addr, uint32_t offset, uint32_t len, bool to_ram);

#endif
