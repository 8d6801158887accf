/* The test guest's console: the 16550 at 0x3F8 (hv's virtual one), a small
 * printf, and the string functions the compiler may call. */
#include "tests/guest/guest.h"

#define COM1     0x3f8
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE (1u << 5)

#define LINE_MAX 256

static void uart_putc(char c)
{
	/* Bounded: a UART that never says "empty" slows the guest down but
	 * does not hang it. */
	for (unsigned i = 0; i < 100000; i++)
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}

/* One line at a time, whole, whichever vCPU prints. Bounded too: a vCPU
 * that dies holding it (an exception while printing) must not silence the
 * others. */
static volatile uint32_t print_lock;

void kprintf(const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line)) { /* truncated: still one line */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}

	bool on = irq_save();
	bool locked = false;
	for (unsigned spins = 0; spins < 10000000; spins++) {
		if (!__atomic_exchange_n(&print_lock, 1, __ATOMIC_ACQUIRE)) {
			locked = true;
			break;
		}
		cpu_relax();
	}
	for (int i = 0; i < n; i++)
		uart_putc(line[i]);
	if (locked)
		__atomic_store_n(&print_lock, 0, __ATOMIC_RELEASE);
	irq_restore(on);
}

/* ---- formatting ---------------------------------------------------------------------- */

struct out {
	char *buf;
	size_t size, len; /* len counts what would have been written */
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	for (size_t i = 0; i < n; i++)
		put(o, s[i]);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, uint64_t v, bool negative, unsigned base, bool upper,
		       int width, bool left, bool zero)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = digits[v % base];
		v /= base;
	} while (v);
	if (negative) {
		if (zero && !left) {
			put(o, '-');
			width = width > 0 ? width - 1 : 0;
		} else {
			tmp[sizeof(tmp) - 1 - n++] = '-';
		}
	}
	put_padded(o, tmp + sizeof(tmp) - n, n, width, left, zero && !left ? '0' : ' ');
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			put(&o, *p);
			continue;
		}
		bool left = false, zero = false;
		int width = 0, prec = -1, lng = 0;

		for (p++; *p == '-' || *p == '0'; p++) {
			if (*p == '-')
				left = true;
			else
				zero = true;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			p++;
		}
		for (; *p >= '0' && *p <= '9'; p++)
			width = width * 10 + (*p - '0');
		if (*p == '.') {
			prec = 0;
			if (*++p == '*') {
				prec = va_arg(ap, int);
				p++;
			}
			for (; *p >= '0' && *p <= '9'; p++)
				prec = prec * 10 + (*p - '0');
		}
		for (; *p == 'l' || *p == 'z'; p++)
			lng = *p == 'z' ? 2 : lng + 1;

		uint64_t u;
		int64_t s;
		switch (*p) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			put_number(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, s < 0, 10, false, width,
				   left, zero);
			break;
		case 'u':
		case 'x':
		case 'X':
			u = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			put_number(&o, u, false, *p == 'u' ? 10 : 16, *p == 'X', width, left, zero);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_number(&o, (uintptr_t)va_arg(ap, void *), false, 16, false, width, left,
				   zero);
			break;
		case 'c': {
			char c = (char)va_arg(ap, int);
			put_padded(&o, &c, 1, width, left, ' ');
			break;
		}
		case 's': {
			const char *str = va_arg(ap, const char *);
			if (!str)
				str = "(null)";
			put_padded(&o, str, strnlen(str, prec < 0 ? SIZE_MAX : (size_t)prec), width,
				   left, ' ');
			break;
		}
		case '%':
			put(&o, '%');
			break;
		case '\0':
			p--; /* a lone '%' at the end */
			break;
		default:
			put(&o, '%');
			put(&o, *p);
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* ---- what the compiler may call ---------------------------------------------------------- */

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

void sort_u64(uint64_t *v, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}
