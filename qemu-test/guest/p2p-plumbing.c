// SPDX-License-Identifier: GPL-2.0
/*
 * PLUMBING smoke test, not the feature: prove that the emulated devices can
 * move bytes between each other at all, with no kernel patch involved.
 *
 * From userspace (sysfs resource files, no driver bound) it programs an edu
 * DMA engine to copy a pattern out of the ivshmem BAR2 into edu's buffer
 * and back into BAR2 at another offset, using raw BAR addresses. The CPU
 * only ever writes the source range; the destination range can only hold
 * the pattern if the DMA engine moved it. The host then checks the
 * destination in the ivshmem backing file (P2P-HOSTCHECK lines).
 *
 * Linux's P2P decision is NOT exercised here: raw addresses bypass the DMA
 * API, so this needs a variant without an IOMMU.
 */
#include <time.h>
#include "pcidev.h"
#include "kselftest_harness.h"

/* hw/misc/edu.c */
#define EDU_ID		0x00
#define EDU_LIVE	0x04
#define EDU_DMA_SRC	0x80
#define EDU_DMA_DST	0x88
#define EDU_DMA_CNT	0x90
#define EDU_DMA_CMD	0x98
#define EDU_CMD_RUN	0x1
#define EDU_CMD_TO_PCI	0x2	/* edu buffer -> bus address */
#define EDU_BUF		0x40000
#define EDU_DMA_MAX	4095	/* QEMU 7.2 aborts on 4096 */
#define EDU_BAR0_SIZE	(1 << 20)

static uint32_t rd32(volatile uint8_t *bar, unsigned int off)
{
	return *(volatile uint32_t *)(bar + off);
}

static void wr32(volatile uint8_t *bar, unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(bar + off) = v;
}

static void wr64(volatile uint8_t *bar, unsigned int off, uint64_t v)
{
	*(volatile uint64_t *)(bar + off) = v;	/* one 8-byte access */
}

/* Run one edu DMA command and wait for it; 0 or -ETIMEDOUT. */
static int edu_dma(volatile uint8_t *bar, uint64_t src, uint64_t dst,
		   uint32_t len, uint32_t dir)
{
	struct timespec t = { 0, 5 * 1000 * 1000 };
	int i;

	wr64(bar, EDU_DMA_SRC, src);
	wr64(bar, EDU_DMA_DST, dst);
	wr64(bar, EDU_DMA_CNT, len);
	wr64(bar, EDU_DMA_CMD, EDU_CMD_RUN | dir);
	for (i = 0; i < 2000; i++) {	/* ~100 ms per command, allow 10 s */
		if (!(rd32(bar, EDU_DMA_CMD) & EDU_CMD_RUN))
			return 0;
		nanosleep(&t, NULL);
	}
	return -ETIMEDOUT;
}

FIXTURE(plumbing) {
	struct pcidev edu, ivs;
	volatile uint8_t *regs;		/* edu BAR0 */
	volatile uint8_t *shm;		/* ivshmem BAR2 */
	uint64_t shm_bus, shm_size;
	unsigned int seed;
};

/* Which edu drives the copy: "peer" shares the switch, "far" does not. */
FIXTURE_VARIANT(plumbing) {
	int depth;
	uint64_t src_off, dst_off;
	uint32_t len;
};

/*
 * Offsets stay in [0x1c0000, 0x200000): the p2p-vma selftests, which run
 * later in the same boot, leave that part of the BAR alone (their moves
 * copy the first half over the second), so the host still finds the bytes.
 */
FIXTURE_VARIANT_ADD(plumbing, peer_edu) {
	.depth = 4, .src_off = 0x1f0000, .dst_off = 0x1c0003, .len = EDU_DMA_MAX,
};

FIXTURE_VARIANT_ADD(plumbing, far_edu) {
	.depth = 2, .src_off = 0x1f2000, .dst_off = 0x1d0001, .len = EDU_DMA_MAX,
};

FIXTURE_VARIANT_ADD(plumbing, peer_edu_one_byte) {
	.depth = 4, .src_off = 0x1f4000, .dst_off = 0x1e0fff, .len = 1,
};

FIXTURE_SETUP(plumbing)
{
	struct pcidev edus[2];
	uint64_t start = 0, size = 0;
	int n, i;

	n = pci_find(EDU_VENDOR, EDU_DEVICE, edus, 2);
	ASSERT_EQ(2, n);
	for (i = 0; i < n; i++)
		if (edus[i].depth == variant->depth)
			self->edu = edus[i];
	ASSERT_EQ(variant->depth, self->edu.depth);
	ASSERT_EQ(1, pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, &self->ivs, 1));

	ASSERT_EQ(0, pci_enable_master(&self->edu));
	ASSERT_EQ(0, pci_enable_master(&self->ivs));
	ASSERT_EQ(0, pci_bar_addr(&self->edu, 0, &start, &size));
	ASSERT_EQ(EDU_BAR0_SIZE, size);
	self->regs = pci_bar_map(&self->edu, 0, EDU_BAR0_SIZE);
	ASSERT_NE(MAP_FAILED, self->regs);
	ASSERT_EQ(0, pci_bar_addr(&self->ivs, 2, &self->shm_bus, &self->shm_size));
	self->shm = pci_bar_map(&self->ivs, 2, self->shm_size);
	ASSERT_NE(MAP_FAILED, self->shm);

	self->seed = boot_seed();
	ASSERT_NE(0, self->seed);
	TH_LOG("edu %s, ivshmem %s BAR2 at %#llx (%llu KiB)", self->edu.bdf,
	       self->ivs.bdf, (unsigned long long)self->shm_bus,
	       (unsigned long long)self->shm_size >> 10);
}

FIXTURE_TEARDOWN(plumbing)
{
	if (self->regs && self->regs != MAP_FAILED)
		munmap((void *)self->regs, EDU_BAR0_SIZE);
	if (self->shm && self->shm != MAP_FAILED)
		munmap((void *)self->shm, self->shm_size);
}

TEST_F(plumbing, edu_copies_within_ivshmem_bar)
{
	uint64_t src = variant->src_off, dst = variant->dst_off, i;
	uint32_t len = variant->len;
	unsigned int seed = self->seed;

	/* the edu responds: id register and the inverting liveness register */
	ASSERT_EQ(0x010000ed, rd32(self->regs, EDU_ID));
	wr32(self->regs, EDU_LIVE, 0x12345678);
	ASSERT_EQ(~0x12345678u, rd32(self->regs, EDU_LIVE));

	/* the CPU writes the source; the destination starts out different */
	for (i = 0; i < len; i++) {
		self->shm[src + i] = pattern_byte(seed, dst + i);
		self->shm[dst + i] = ~pattern_byte(seed, dst + i);
	}

	/* BAR2 -> edu buffer -> BAR2, by the edu's DMA engine */
	ASSERT_EQ(0, edu_dma(self->regs, self->shm_bus + src, EDU_BUF, len, 0));
	ASSERT_EQ(0, edu_dma(self->regs, EDU_BUF, self->shm_bus + dst, len,
			     EDU_CMD_TO_PCI));

	for (i = 0; i < len; i++)
		ASSERT_EQ(pattern_byte(seed, dst + i), self->shm[dst + i])
			TH_LOG("byte %llu of %u differs", (unsigned long long)i, len);
	hostcheck(dst, len, seed);
}

TEST_HARNESS_MAIN
