/* hvio: the block I/O the Linux guest's /init and make bench drive on its NVMe namespace,
 * static (gcc -static) so the initramfs needs no libc. Every transfer is O_DIRECT, so
 * each one reaches the device (and raises its interrupt) instead of the page cache.
 *
 *   hvio randread DEV COUNT    COUNT reads of 4 KiB at random 4 KiB-aligned offsets
 *   hvio seqread DEV MIB       MIB reads of 1 MiB from offset 0 (wrapping at the end)
 *   hvio admin CTRL COUNT      COUNT Identify Controller commands on the controller's
 *                              character device (/dev/nvme0): admin-queue interrupts
 *
 * Each prints one line "hvio: KIND ... ns N rate R UNIT irqs I" (R: IOPS, or KiB/s for
 * seqread; I: the interrupts of every nvme queue, summed over the CPUs, from
 * /proc/interrupts before and after) and exits 0, or names what failed and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/nvme_ioctl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define SMALL 4096u
#define LARGE (1u << 20)
#define MAX_COUNT 10000000ul

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The sum of every CPU column of the /proc/interrupts lines whose name starts "nvme". */
static uint64_t nvme_interrupts(void)
{
	FILE *f = fopen("/proc/interrupts", "r");
	char line[4096];
	uint64_t sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, " nvme"))
			continue;
		char *p = strchr(line, ':');
		while (p && *++p) {
			char *end;
			unsigned long long n = strtoull(p, &end, 10);
			if (end == p)
				break;
			sum += n;
			p = end - 1;
		}
	}
	fclose(f);
	return sum;
}

static void *aligned(size_t size)
{
	void *buf;
	if (posix_memalign(&buf, SMALL, size))
		return NULL;
	memset(buf, 0, size);
	return buf;
}

static unsigned long parse_count(const char *s)
{
	char *end;
	unsigned long n = strtoul(s, &end, 0);
	return (*s && !*end && n && n <= MAX_COUNT) ? n : 0;
}

static uint64_t xorshift(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static int read_blocks(int fd, uint64_t size, unsigned long count, size_t len, int random)
{
	uint64_t blocks = size / len, state = 0x9e3779b97f4a7c15ull;
	void *buf = aligned(len);

	if (!buf || !blocks) {
		fprintf(stderr, "hvio: %s\n", buf ? "device smaller than one transfer" : "no memory");
		return -1;
	}
	for (unsigned long i = 0; i < count; i++) {
		uint64_t block = random ? xorshift(&state) % blocks : i % blocks;
		ssize_t got = pread(fd, buf, len, (off_t)(block * len));
		if (got != (ssize_t)len) {
			fprintf(stderr, "hvio: read of %zu bytes at %llu: %s\n", len,
				(unsigned long long)(block * len), got < 0 ? strerror(errno) : "short");
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int identify(int fd, unsigned long count)
{
	void *buf = aligned(SMALL);
	if (!buf)
		return -1;
	for (unsigned long i = 0; i < count; i++) {
		struct nvme_admin_cmd cmd = {
			.opcode = 0x06,		/* Identify */
			.addr = (uint64_t)(uintptr_t)buf,
			.data_len = SMALL,
			.cdw10 = 1,		/* CNS 1: the controller */
		};
		int rc = ioctl(fd, NVME_IOCTL_ADMIN_CMD, &cmd);
		if (rc) {
			fprintf(stderr, "hvio: Identify: %s\n", rc < 0 ? strerror(errno) : "NVMe error");
			free(buf);
			return -1;
		}
	}
	free(buf);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: hvio randread DEV COUNT | seqread DEV MIB | admin CTRL COUNT\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return usage();
	const char *kind = argv[1], *dev = argv[2];
	unsigned long count = parse_count(argv[3]);
	int admin = !strcmp(kind, "admin"), seq = !strcmp(kind, "seqread");
	if (!count || (!admin && !seq && strcmp(kind, "randread")))
		return usage();

	int fd = open(dev, admin ? O_RDONLY : O_RDONLY | O_DIRECT);
	if (fd < 0) {
		fprintf(stderr, "hvio: %s: %s\n", dev, strerror(errno));
		return 1;
	}
	uint64_t size = 0;
	if (!admin && ioctl(fd, BLKGETSIZE64, &size)) {
		fprintf(stderr, "hvio: %s: size: %s\n", dev, strerror(errno));
		return 1;
	}

	uint64_t irqs = nvme_interrupts(), start = now_ns();
	int rc = admin ? identify(fd, count)
		       : read_blocks(fd, size, count, seq ? LARGE : SMALL, !seq);
	uint64_t ns = now_ns() - start;
	irqs = nvme_interrupts() - irqs;
	close(fd);
	if (rc)
		return 1;
	if (!ns)
		ns = 1;
	/* KiB/s for sequential 1 MiB reads, operations per second otherwise. */
	uint64_t rate = seq ? (uint64_t)count * 1024u * 1000000000u / ns
			    : (uint64_t)count * 1000000000u / ns;
	printf("hvio: %s %lu x %u B ns %llu rate %llu %s irqs %llu\n", kind, count,
	       seq ? LARGE : SMALL, (unsigned long long)ns, (unsigned long long)rate,
	       seq ? "KiB/s" : "IOPS", (unsigned long long)irqs);
	return 0;
}
