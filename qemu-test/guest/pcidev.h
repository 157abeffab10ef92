/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Small helpers for the harness's own guest programs: find the emulated
 * PCI devices of qemu-test/topology.sh in sysfs, enable them, map BARs,
 * and the data pattern the host checks in the ivshmem backing file.
 */
#ifndef P2P_HARNESS_PCIDEV_H
#define P2P_HARNESS_PCIDEV_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define SYSFS_PCI "/sys/bus/pci/devices"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8
#define IVSHMEM_VENDOR	0x1af4
#define IVSHMEM_DEVICE	0x1110

struct pcidev {
	char bdf[NAME_MAX + 1];	/* "0000:03:00.0" */
	char path[PATH_MAX];	/* resolved /sys/devices/pci0000:00/... */
	int depth;		/* PCI devices on the path, root port first */
};

static inline long sysfs_read_hex(const char *dir, const char *attr)
{
	char p[PATH_MAX + 64], buf[64];
	FILE *f;
	long v = -1;

	snprintf(p, sizeof(p), "%s/%s", dir, attr);
	f = fopen(p, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 16);
	fclose(f);
	return v;
}

/* All devices with this vendor:device, sorted by sysfs path. Returns count. */
static inline int pci_find(unsigned int vendor, unsigned int device,
			   struct pcidev *out, int max)
{
	char p[PATH_MAX];
	struct dirent **ents;
	int n, i, found = 0;

	n = scandir(SYSFS_PCI, &ents, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		struct pcidev *d;
		char *s;

		if (ents[i]->d_name[0] == '.')
			goto next;
		snprintf(p, sizeof(p), SYSFS_PCI "/%s", ents[i]->d_name);
		if (sysfs_read_hex(p, "vendor") != vendor ||
		    sysfs_read_hex(p, "device") != device || found >= max)
			goto next;
		d = &out[found++];
		snprintf(d->bdf, sizeof(d->bdf), "%s", ents[i]->d_name);
		if (!realpath(p, d->path))
			d->path[0] = '\0';
		d->depth = 0;
		for (s = strstr(d->path, "/pci0000:"); s && (s = strchr(s + 1, '/'));)
			d->depth++;
next:
		free(ents[i]);
	}
	free(ents);
	return found;
}

/* The sysfs path of the device "levels" hops above d (1 = its parent port). */
static inline void pci_ancestor(const struct pcidev *d, int levels,
				char *out, size_t len)
{
	char *s;

	snprintf(out, len, "%s", d->path);
	while (levels-- > 0) {
		s = strrchr(out, '/');
		if (!s)
			break;
		*s = '\0';
	}
}

/* Memory decoding and bus mastering on, through sysfs (no driver bound). */
static inline int pci_enable_master(const struct pcidev *d)
{
	char p[PATH_MAX + 16];
	uint16_t cmd;
	int fd, ret = 0;

	snprintf(p, sizeof(p), "%s/enable", d->path);
	fd = open(p, O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		ret = -errno;
	if (fd >= 0)
		close(fd);
	if (ret)
		return ret;

	snprintf(p, sizeof(p), "%s/config", d->path);
	fd = open(p, O_RDWR);
	if (fd < 0)
		return -errno;
	if (pread(fd, &cmd, 2, 4) != 2) {
		ret = -EIO;
	} else {
		cmd |= 0x6;	/* PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER */
		if (pwrite(fd, &cmd, 2, 4) != 2)
			ret = -EIO;
	}
	close(fd);
	return ret;
}

/* Start (bus/CPU physical) address and size of BAR "bar". */
static inline int pci_bar_addr(const struct pcidev *d, int bar,
			       uint64_t *start, uint64_t *size)
{
	char p[PATH_MAX + 16];
	unsigned long long s, e, fl;
	FILE *f;
	int i, ret = -ENOENT;

	snprintf(p, sizeof(p), "%s/resource", d->path);
	f = fopen(p, "r");
	if (!f)
		return -errno;
	for (i = 0; i <= bar; i++) {
		if (fscanf(f, "%llx %llx %llx", &s, &e, &fl) != 3)
			break;
		if (i == bar && e > s) {
			*start = s;
			*size = e - s + 1;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

static inline void *pci_bar_map(const struct pcidev *d, int bar, size_t size)
{
	char p[PATH_MAX + 16];
	void *m;
	int fd;

	snprintf(p, sizeof(p), "%s/resource%d", d->path, bar);
	fd = open(p, O_RDWR | O_SYNC);
	if (fd < 0)
		return MAP_FAILED;
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return m;
}

/* p2p_seed=N from the kernel command line; the host chose it for this boot. */
static inline unsigned int boot_seed(void)
{
	char buf[4096], *s;
	unsigned int seed = 0;
	FILE *f = fopen("/proc/cmdline", "r");

	if (!f)
		return 0;
	if (fgets(buf, sizeof(buf), f)) {
		s = strstr(buf, "p2p_seed=");
		if (s)
			seed = strtoul(s + 9, NULL, 0);
	}
	fclose(f);
	return seed;
}

/*
 * The byte at absolute offset "off" of the exporter's BAR for this seed.
 * qemu-test/check-log.py computes the same function on the host.
 */
static inline uint8_t pattern_byte(unsigned int seed, uint64_t off)
{
	return (uint8_t)(seed + off * 13 + (off >> 8) * 7 + (off >> 16) * 3);
}

/* Ask the host to check [off, off + len) of the exporter backing file. */
static inline void hostcheck(uint64_t off, size_t len, unsigned int seed)
{
	printf("P2P-HOSTCHECK exporter offset=%llu len=%zu seed=%u\n",
	       (unsigned long long)off, len, seed);
	fflush(stdout);
}

#endif
