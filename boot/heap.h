#ifndef BOOT_HEAP_H
#define BOOT_HEAP_H

#include <stddef.h>

/* The arena behind newlib's sbrk: fixed, taken from firmware before
 * ExitBootServices so it is never part of the page allocator's pool. */
void heap_init(void *base, size_t size);

#endif
