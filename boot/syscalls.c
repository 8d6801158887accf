/* The system calls newlib's x86_64-elf build expects (plain names: write,
 * not _write): output goes to the hypervisor console, memory comes from a
 * fixed arena, everything else fails cleanly. */
#include "arch/x86/console.h"
#include "boot/heap.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#undef errno
extern int errno;

static uint8_t *heap_base, *heap_brk, *heap_end;

void heap_init(void *base, size_t size)
{
	heap_base = heap_brk = base;
	heap_end = heap_base + size;
}

void *sbrk(ptrdiff_t incr)
{
	if (!heap_base || incr > heap_end - heap_brk || incr < heap_base - heap_brk) {
		errno = ENOMEM;
		return (void *)-1;
	}
	void *old = heap_brk;
	heap_brk += incr;
	return old;
}

int write(int fd, const void *buf, size_t len)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, len);
	return (int)len;
}

int read(int fd, void *buf, size_t len)
{
	(void)fd, (void)buf, (void)len;
	errno = EBADF;
	return -1;
}

int close(int fd)
{
	(void)fd;
	errno = EBADF;
	return -1;
}

int fstat(int fd, struct stat *st)
{
	(void)fd;
	st->st_mode = S_IFCHR; /* a character device: line buffered */
	return 0;
}

int isatty(int fd)
{
	return fd >= 0 && fd <= 2;
}

off_t lseek(int fd, off_t off, int whence)
{
	(void)fd, (void)off, (void)whence;
	errno = ESPIPE;
	return -1;
}

int getpid(void)
{
	return 1;
}

int kill(int pid, int sig)
{
	(void)pid, (void)sig;
	errno = EINVAL;
	return -1;
}

__attribute__((noreturn)) void _exit(int status)
{
	(void)status;
	for (;;)
		__asm__ volatile("cli; hlt");
}
