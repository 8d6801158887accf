#include "hv/selftest/edu.h"
#include "arch/x86/cpu.h"
#include "arch/x86/log.h"
#include "arch/x86/time.h"
#include "hv/platform.h"

#include <errno.h>

#define EDU_REG_ID      0x00
#define EDU_REG_IRQ_RAISE 0x60
#define EDU_REG_IRQ_ACK 0x64
#define EDU_REG_DMA_SRC 0x80
#define EDU_REG_DMA_DST 0x88
#define EDU_REG_DMA_CNT 0x90
#define EDU_REG_DMA_CMD 0x98
#define EDU_CMD_RUN     (1u << 0)
#define EDU_CMD_TO_RAM  (1u << 1)
/* A transfer takes 100 ms of virtual time; TCG can be slow beyond that. */
#define EDU_DMA_TIMEOUT_US 5000000


const struct pci_function *edu_find(unsigned index)
{
	const struct pci_topology *t = platform.pci;

	for (unsigned i = 0; t && i < t->count; i++)
		if (t->fn[i].vendor == EDU_VENDOR && t->fn[i].device == EDU_DEVICE &&
		    index-- == 0)
			return &t->fn[i];
	return NULL;
}

int edu_open(struct edu *e, const struct pci_function *f)
{
	uint32_t bar = pci_read32(f->bdf, PCI_BAR(0));
	uint64_t base = bar & ~0xfull;

	if (bar & PCI_BAR_IO)
		return -ENODEV;
	if ((bar & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64)
		base |= (uint64_t)pci_read32(f->bdf, PCI_BAR(0) + 4) << 32;
	if (!base)
		return -ENODEV; /* firmware left it unassigned */
	e->fn = f;
	e->regs = base;
	pci_command_update(f->bdf, PCI_COMMAND_MEMORY | PCI_COMMAND_BUS_MASTER, 0);
	return 0;
}

void edu_close(struct edu *e)
{
	pci_command_update(e->fn->bdf, 0, PCI_COMMAND_BUS_MASTER);
}

void edu_raise(struct edu *e, uint32_t bits)
{
	mmio_write32(e->regs + EDU_REG_IRQ_RAISE, bits);
}

void edu_ack(struct edu *e, uint32_t bits)
{
	mmio_write32(e->regs + EDU_REG_IRQ_ACK, bits);
}

int edu_dma(struct edu *e, uint64_t addr, uint32_t offset, uint32_t len, bool to_ram)
{
	volatile uint64_t *reg = (volatile uint64_t *)e->regs;

	if (!len || len > EDU_DMA_MAX || offset + len > EDU_BUFFER_SIZE)
		return -EINVAL;
	reg[EDU_REG_DMA_SRC / 8] = to_ram ? EDU_BUFFER + offset : addr;
	reg[EDU_REG_DMA_DST / 8] = to_ram ? addr : EDU_BUFFER + offset;
	reg[EDU_REG_DMA_CNT / 8] = len;
	reg[EDU_REG_DMA_CMD / 8] = EDU_CMD_RUN | (to_ram ? EDU_CMD_TO_RAM : 0);

	uint64_t deadline = deadline_after_us(EDU_DMA_TIMEOUT_US);
	while (reg[EDU_REG_DMA_CMD / 8] & EDU_CMD_RUN) {
		if (deadline_passed(deadline)) {
			log_err("edu %02x:%02x.%u: DMA did not complete\n", e->fn->bdf.bus,
				e->fn->bdf.dev, e->fn->bdf.fn);
			return -ETIMEDOUT;
		}
		cpu_relax();
	}
	return 0;
}
