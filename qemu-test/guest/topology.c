// SPDX-License-Identifier: GPL-2.0
/*
 * Does the guest see the machine qemu-test/topology.sh describes? Every
 * other test relies on these facts, so they are asserted, not assumed.
 */
#include "pcidev.h"
#include "kselftest_harness.h"

#define PCI_EXT_CAP_ID_ACS	0x0d

/* Walk the extended capability list (needs ACPI MMCONFIG in the guest). */
static int has_ext_cap(const char *devpath, unsigned int id)
{
	char p[PATH_MAX + 16];
	uint32_t hdr;
	unsigned int pos = 0x100;
	int fd, loops = 0, found = 0;

	snprintf(p, sizeof(p), "%s/config", devpath);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -errno;
	while (pos >= 0x100 && loops++ < 64) {
		if (pread(fd, &hdr, 4, pos) != 4)
			break;	/* config space is only 256 bytes */
		if ((hdr & 0xffff) == id) {
			found = 1;
			break;
		}
		pos = hdr >> 20;
	}
	close(fd);
	return found;
}

TEST(devices_present)
{
	struct pcidev d[4];

	ASSERT_EQ(2, pci_find(EDU_VENDOR, EDU_DEVICE, d, 4));
	/* "exporter" and "exporter2" */
	ASSERT_EQ(2, pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, d, 4));
}

/*
 * Both exporters and the peer sit on downstream ports of one switch
 * upstream port; "exporter" comes first in PCI address order.
 */
TEST(switch_peers)
{
	char up_ivs[2][PATH_MAX], up_edu[PATH_MAX];
	struct pcidev edu[2], ivs[2];
	int i;

	ASSERT_EQ(2, pci_find(EDU_VENDOR, EDU_DEVICE, edu, 2));
	ASSERT_EQ(2, pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, ivs, 2));
	for (i = 0; i < 2; i++) {
		/* root port, switch upstream port, downstream port, device */
		ASSERT_EQ(4, ivs[i].depth);
		pci_ancestor(&ivs[i], 2, up_ivs[i], sizeof(up_ivs[i]));
	}
	/* exactly one edu is behind the same switch */
	ASSERT_EQ(4, edu[0].depth + edu[1].depth - 2);
	pci_ancestor(edu[0].depth == 4 ? &edu[0] : &edu[1], 2, up_edu,
		     sizeof(up_edu));
	ASSERT_STREQ(up_ivs[0], up_edu);
	ASSERT_STREQ(up_ivs[1], up_edu);
	/* the peer's bus lies between the two exporters' (topology.sh order) */
	ASSERT_GT(0, strcmp(ivs[0].bdf, edu[0].depth == 4 ? edu[0].bdf : edu[1].bdf));
	ASSERT_LT(0, strcmp(ivs[1].bdf, edu[0].depth == 4 ? edu[0].bdf : edu[1].bdf));
}

/* the far edu is alone under a root port that is not the switch's */
TEST(far_root_port)
{
	struct pcidev edu[2], ivs;
	char rp_far[PATH_MAX], rp_ivs[PATH_MAX];
	const struct pcidev *far;

	ASSERT_EQ(2, pci_find(EDU_VENDOR, EDU_DEVICE, edu, 2));
	/* the first exporter; the second is behind the same root port */
	ASSERT_EQ(1, pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, &ivs, 1));
	far = edu[0].depth == 2 ? &edu[0] : &edu[1];
	ASSERT_EQ(2, far->depth);
	pci_ancestor(far, 1, rp_far, sizeof(rp_far));
	pci_ancestor(&ivs, 3, rp_ivs, sizeof(rp_ivs));
	ASSERT_STRNE(rp_far, rp_ivs);
	/* pcie-root-port has ACS; seeing it proves extended config space works */
	ASSERT_EQ(1, has_ext_cap(rp_far, PCI_EXT_CAP_ID_ACS));
	ASSERT_EQ(1, has_ext_cap(rp_ivs, PCI_EXT_CAP_ID_ACS));
}

/* IOMMU groups exist exactly when the variant turned VT-d on */
TEST(iommu_matches_cmdline)
{
	char buf[4096] = "";
	struct dirent *e;
	int groups = 0, want;
	FILE *f;
	DIR *dir;

	f = fopen("/proc/cmdline", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(buf, sizeof(buf), f));
	fclose(f);
	want = strstr(buf, "intel_iommu=on") != NULL;

	dir = opendir("/sys/kernel/iommu_groups");
	if (dir) {
		while ((e = readdir(dir)))
			if (e->d_name[0] != '.')
				groups++;
		closedir(dir);
	}
	ASSERT_EQ(want, groups > 0);
}

TEST_HARNESS_MAIN
