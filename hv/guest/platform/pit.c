/* The 8254's counting as a function of time: a channel's position is the
 * ticks since it was loaded (or triggered), and its count and output are
 * computed from that on each read, so nothing runs between accesses.
 * Mode numbers, control word and read-back as in the 8254 data sheet. */
#include "hv/guest/platform/pit.h"
#include "hv/guest/platform/clock_ticks.h"

#define CW_CHANNEL_SHIFT 6
#define CW_READ_BACK     3        /* in the channel field */
#define CW_ACCESS_SHIFT  4
#define CW_ACCESS_LATCH  0
#define CW_MODE_SHIFT    1
#define CW_BCD           0x01
#define RB_NO_COUNT      0x20
#define RB_NO_STATUS     0x10
#define RB_CHANNEL(c)    (0x02u << (c))
#define STATUS_OUT       0x80
#define STATUS_NULL      0x40
#define ACCESS_LSB       1
#define ACCESS_MSB       2
#define ACCESS_WORD      3
#define REFRESH_HALF_PERIOD_NS 15085

static uint32_t modulus(const struct pit_channel *c)
{
	return c->bcd ? 10000 : 65536;
}

/* Modes 1 and 5 start on a gate edge and ignore the gate after it. */
static bool gate_triggered(const struct pit_channel *c)
{
	return c->mode == 1 || c->mode == 5;
}

static uint64_t elapsed_ticks(const struct pit_channel *c, uint64_t now_ns)
{
	bool ticking = c->gate || gate_triggered(c);
	uint64_t since = now_ns > c->start_ns ? now_ns - c->start_ns : 0;

	return c->held_ticks + (ticking ? clock_ticks(since, PIT_HZ) : 0);
}

/* Binary, 0..modulus-1 (a full count of 65536 reads as 0). */
static uint32_t counter_at(const struct pit_channel *c, uint64_t t)
{
	uint32_t n = c->initial, m = modulus(c);

	switch (c->mode) {
	case 2: return (uint32_t)(n - t % n) % m;
	case 3: return (uint32_t)(n - 2 * t % n) % m;   /* by twos, twice a period */
	default: return (uint32_t)((n + m - t % m) % m); /* down through 0 and on */
	}
}

static bool out_at(const struct pit_channel *c, uint64_t t)
{
	uint32_t n = c->initial;

	switch (c->mode) {
	case 0: case 1: return t >= n;          /* high from the terminal count */
	case 2: return t % n != n - 1;          /* low while the count is 1 */
	case 3: return 2 * (t % n) < n;         /* high the first half period */
	default: return t != n;                 /* 4, 5: a strobe at terminal count */
	}
}

static uint16_t counter(const struct pit_channel *c, uint64_t now_ns)
{
	if (c->state != PIT_COUNTING)
		return c->frozen;
	return (uint16_t)counter_at(c, elapsed_ticks(c, now_ns));
}

static bool out(const struct pit_channel *c, uint64_t now_ns)
{
	if (c->state != PIT_COUNTING)
		return c->mode != 0; /* mode 0 drives OUT low until the count ends */
	return out_at(c, elapsed_ticks(c, now_ns));
}

static uint16_t to_bcd(uint16_t v)
{
	return (uint16_t)(v % 10 | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000 % 10) << 12);
}

/* Digits above 9 count as their value, as they would on the chip's
 * decade counters for one pass. */
static uint32_t from_bcd(uint16_t v)
{
	return (v & 0xf) + (v >> 4 & 0xf) * 10 + (v >> 8 & 0xf) * 100 + (v >> 12 & 0xf) * 1000u;
}

static uint16_t visible(const struct pit_channel *c, uint16_t binary)
{
	return c->bcd ? to_bcd(binary) : binary;
}

static void start(struct pit_channel *c, uint64_t now_ns)
{
	c->state = PIT_COUNTING;
	c->held_ticks = 0;
	c->start_ns = now_ns;
}

static void stop(struct pit_channel *c, uint64_t now_ns)
{
	c->frozen = counter(c, now_ns);
	c->state = PIT_WAITING;
}

static void load(struct pit_channel *c, uint16_t written, uint64_t now_ns)
{
	uint32_t n = c->bcd ? from_bcd(written) : written;

	c->initial = n ? n : modulus(c);
	c->null_count = false;
	c->frozen = (uint16_t)(c->initial % modulus(c));
	c->state = PIT_WAITING;
	if (!c->counts || gate_triggered(c))
		return;
	/* Modes 2 and 3 start with the gate high; 0 and 4 start and pause. */
	if (c->gate || c->mode == 0 || c->mode == 4)
		start(c, now_ns);
}

static void program(struct pit_channel *c, uint8_t cw, uint64_t now_ns)
{
	unsigned mode = cw >> CW_MODE_SHIFT & 7;

	c->frozen = counter(c, now_ns);
	c->access = cw >> CW_ACCESS_SHIFT & 3;
	c->mode = (uint8_t)(mode >= 6 ? mode - 4 : mode); /* 6, 7 are 2, 3 */
	c->bcd = cw & CW_BCD;
	c->state = PIT_UNLOADED;
	c->null_count = true;
	c->write_msb_next = c->read_msb_next = false;
	c->count_latched = c->status_latched = false;
}

static void latch_count(struct pit_channel *c, uint64_t now_ns)
{
	if (c->count_latched)
		return; /* the first latch holds until it is read */
	c->latch = visible(c, counter(c, now_ns));
	c->count_latched = true;
}

static void latch_status(struct pit_channel *c, uint64_t now_ns)
{
	if (c->status_latched)
		return;
	c->status = (uint8_t)((out(c, now_ns) ? STATUS_OUT : 0) | (c->null_count ? STATUS_NULL : 0) |
			      c->access << CW_ACCESS_SHIFT | c->mode << CW_MODE_SHIFT |
			      (c->bcd ? CW_BCD : 0));
	c->status_latched = true;
}

static void read_back(struct pit *p, uint8_t cw, uint64_t now_ns)
{
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		if (!(cw & RB_CHANNEL(i)))
			continue;
		if (!(cw & RB_NO_COUNT))
			latch_count(&p->ch[i], now_ns);
		if (!(cw & RB_NO_STATUS))
			latch_status(&p->ch[i], now_ns);
	}
}

static void control_write(struct pit *p, uint8_t cw, uint64_t now_ns)
{
	unsigned channel = cw >> CW_CHANNEL_SHIFT;

	if (channel == CW_READ_BACK)
		read_back(p, cw, now_ns);
	else if ((cw >> CW_ACCESS_SHIFT & 3) == CW_ACCESS_LATCH)
		latch_count(&p->ch[channel], now_ns);
	else
		program(&p->ch[channel], cw, now_ns);
}

static void data_write(struct pit_channel *c, uint8_t v, uint64_t now_ns)
{
	switch (c->access) {
	case ACCESS_LSB:
		load(c, v, now_ns);
		return;
	case ACCESS_MSB:
		load(c, (uint16_t)(v << 8), now_ns);
		return;
	default:
		if (c->write_msb_next) {
			c->write_msb_next = false;
			load(c, (uint16_t)(c->write_lsb | v << 8), now_ns);
			return;
		}
		c->write_lsb = v;
		c->write_msb_next = true;
		/* Mode 0 stops counting at the first byte of a new count. */
		if (c->mode == 0 && c->state == PIT_COUNTING)
			stop(c, now_ns);
		return;
	}
}

static uint8_t data_read(struct pit_channel *c, uint64_t now_ns)
{
	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	uint16_t v = c->count_latched ? c->latch : visible(c, counter(c, now_ns));
	bool msb = c->access == ACCESS_MSB || (c->access == ACCESS_WORD && c->read_msb_next);

	if (c->access == ACCESS_WORD)
		c->read_msb_next = !c->read_msb_next;
	if (c->access != ACCESS_WORD || msb)
		c->count_latched = false; /* all of the latch has been read */
	return (uint8_t)(msb ? v >> 8 : v);
}

static void set_gate(struct pit_channel *c, bool gate, uint64_t now_ns)
{
	if (gate == c->gate)
		return;
	if (!gate) {
		/* Modes 0 and 4 pause; 2 and 3 stop, OUT high, until the next
		 * rising edge reloads them; 1 and 5 ignore a falling gate. */
		if (c->state == PIT_COUNTING && (c->mode == 0 || c->mode == 4))
			c->held_ticks = elapsed_ticks(c, now_ns);
		else if (c->state == PIT_COUNTING && !gate_triggered(c))
			stop(c, now_ns);
		c->gate = false;
		return;
	}
	c->gate = true;
	if (c->mode == 0 || c->mode == 4) {
		if (c->state == PIT_COUNTING)
			c->start_ns = now_ns; /* on from where it paused */
	} else if (c->state != PIT_UNLOADED && c->counts) {
		start(c, now_ns); /* a rising edge (re)starts 1, 2, 3 and 5 */
	}
}

void pit_init(struct pit *p)
{
	*p = (struct pit){ 0 };
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		struct pit_channel *c = &p->ch[i];
		c->access = ACCESS_WORD;
		c->mode = 0;
		c->initial = 65536;
		c->counts = i == PIT_COUNTING_CHANNEL;
		c->gate = i != PIT_COUNTING_CHANNEL; /* 0, 1: tied high; 2: port 0x61 */
		c->state = PIT_UNLOADED;
	}
}

uint8_t pit_read(struct pit *p, unsigned offset, uint64_t now_ns)
{
	if (offset >= PIT_CHANNELS)
		return 0xff; /* the control word cannot be read back */
	return data_read(&p->ch[offset], now_ns);
}

void pit_write(struct pit *p, unsigned offset, uint8_t value, uint64_t now_ns)
{
	if (offset == PIT_PORT_CONTROL)
		control_write(p, value, now_ns);
	else if (offset < PIT_CHANNELS)
		data_write(&p->ch[offset], value, now_ns);
}

uint8_t pit_sys_ctrl_read(struct pit *p, uint64_t now_ns)
{
	const struct pit_channel *c2 = &p->ch[PIT_COUNTING_CHANNEL];
	bool refresh = now_ns / REFRESH_HALF_PERIOD_NS & 1;

	return (uint8_t)(p->sys_ctrl | (refresh ? SYS_CTRL_REFRESH : 0) |
			 (out(c2, now_ns) ? SYS_CTRL_OUT2 : 0));
}

void pit_sys_ctrl_write(struct pit *p, uint8_t value, uint64_t now_ns)
{
	p->sys_ctrl = value & SYS_CTRL_WRITABLE;
	set_gate(&p->ch[PIT_COUNTING_CHANNEL], value & SYS_CTRL_GATE2, now_ns);
}
