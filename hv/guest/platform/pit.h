/* The 8254 PIT a Linux guest calibrates its TSC against: channel 2
 * counts from hv's clock at 1.193182 MHz, its gate and output through
 * port 0x61 bits 0 and 5 (quick_pit_calibrate() watches its MSB count
 * down; the slow calibration waits for OUT2). Channels 0 and 1 take
 * control words and counts and read back what was written, but never
 * count: no timer interrupt is emulated, and a guest told by a
 * hardware-reduced FADT has no PIT timer looks no further.
 *
 * Pure (the time handed in), for the host unit tests; the caller
 * serialises accesses (hv/guest/platform/devices.c). */
#ifndef HV_GUEST_PLATFORM_PIT_H
#define HV_GUEST_PLATFORM_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_HZ 1193182u
#define PIT_CHANNELS 3
#define PIT_COUNTING_CHANNEL 2

/* Port offsets from GUEST_PORT_PIT. */
#define PIT_PORT_CONTROL 3

/* Port 0x61 (GUEST_PORT_SYS_CTRL). */
#define SYS_CTRL_GATE2       0x01
#define SYS_CTRL_SPEAKER     0x02
#define SYS_CTRL_WRITABLE    0x0f /* gate, speaker, parity and IOCHK disables */
#define SYS_CTRL_REFRESH     0x10 /* toggles every ~15 us, as DRAM refresh did */
#define SYS_CTRL_OUT2        0x20

enum pit_channel_state {
	PIT_UNLOADED,  /* control word written, count not yet (complete) */
	PIT_WAITING,   /* count loaded, waiting for a gate edge, or idle */
	PIT_COUNTING,
};

struct pit_channel {
	uint8_t access;        /* 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t mode;          /* 0..5 */
	bool bcd;
	bool counts;           /* channel 2: channels 0 and 1 never do */
	bool gate;
	enum pit_channel_state state;
	uint32_t initial;      /* 1..65536 (binary) or 1..10000 (BCD) */
	uint64_t start_ns;     /* counting (again) since */
	uint64_t held_ticks;   /* counted before start_ns (modes 0 and 4 pause) */
	uint16_t frozen;       /* what a channel not counting reads, binary */
	bool write_msb_next, read_msb_next;
	uint8_t write_lsb;
	bool count_latched, status_latched;
	uint16_t latch;        /* as the guest reads it (BCD in BCD mode) */
	uint8_t status;
	bool null_count;       /* a count written but not yet loaded */
};

struct pit {
	struct pit_channel ch[PIT_CHANNELS];
	uint8_t sys_ctrl;      /* port 0x61's writable bits */
};

void pit_init(struct pit *p);

/* A byte at GUEST_PORT_PIT + offset (0..3). */
uint8_t pit_read(struct pit *p, unsigned offset, uint64_t now_ns);
void pit_write(struct pit *p, unsigned offset, uint8_t value, uint64_t now_ns);

/* Port 0x61. */
uint8_t pit_sys_ctrl_read(struct pit *p, uint64_t now_ns);
void pit_sys_ctrl_write(struct pit *p, uint8_t value, uint64_t now_ns);

#endif
