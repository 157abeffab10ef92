// SPDX-License-Identifier: GPL-2.0
/*
 * INTEGRATION test of the real kernel, not a unit test: Debian's
 * rdma-core userspace (libibverbs and its rxe provider, dlopen()ed through
 * /etc/libibverbs.d/rxe.driver) on the soft-RoCE driver rdma_rxe, bound to
 * a dummy netdev, with the series applied. ibv_reg_mr() goes through
 * uverbs to rxe_reg_user_mr():
 *  - without IBV_ACCESS_ON_DEMAND: rxe_mr_init_user() -> ib_umem_get_va(),
 *    the plain variant that does not opt in to p2p umems (rxe's DMA is
 *    virtual: it reaches memory through struct pages), so GUP's refusal of
 *    the VM_IO/VM_PFNMAP exporter mapping stands: -EFAULT, nothing pinned
 *    and the p2p core is never asked;
 *  - with IBV_ACCESS_ON_DEMAND: rxe_odp_mr_init_user() takes a snapshot
 *    of the range with hmm_range_fault() without faulting, which skips
 *    VM_PFNMAP vmas: the registration succeeds with no page valid, and the
 *    first access faults and fails (hmm refuses the vma with -EFAULT), so
 *    an RDMA WRITE into it completes with a remote access error, the BAR
 *    untouched.
 * Anonymous memory registers and works (an RDMA WRITE between two RC QPs
 * on the one port, rxe's loopback), the exporter unbinds with the
 * refused registrations behind it, and the rxe device can be deleted at
 * the end: nothing kept a reference or a pin.
 *
 * Built dynamically by qemu-test/run-guest.sh (source "harness-dyn:"),
 * which reads the two lines below: what to link with, and which files
 * (with the libraries they need, found with ldd) the initramfs must carry
 * besides those of the program itself.
 * P2P-BUILD-LDLIBS: -libverbs
 * P2P-BUILD-FILES: /etc/libibverbs.d/rxe.driver /usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav*.so
 */
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <rdma/rdma_netlink.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <infiniband/verbs.h>
#include <lib/test_p2p_vma_uapi.h>
#include "pcidev.h"
#include "kselftest_harness.h"

#define PAGE		4096UL
#define NETDEV		"dummy0"	/* modprobe dummy makes it */
#define NETDEV_IP	"10.99.0.1"
#define RXE_NAME	"rxe_p2p"
#define SYSFS_EXP_DRV	"/sys/bus/pci/drivers/test_p2p_vma_exp"
/*
 * What this test writes of the exporter's BAR: the pattern of the boot at
 * mapping offset ODP_OFF, which the other programs leave alone (and, as
 * they all write pattern bytes, could share); the host checks it.
 */
#define ODP_OFF		0x1f8000UL
#define ODP_LEN		(2 * PAGE)

#define say(...) do { printf(__VA_ARGS__); fflush(stdout); } while (0)

static int sysfs_write(const char *file, const char *val)
{
	int fd = open(file, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Pinned memory of this process, from /proc/self/status (VmPin), in KiB. */
static long vm_pin_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmPin: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* ifconfig NAME [ADDR/24] up, with ioctls: busybox's ip is not needed. */
static int netdev_up(const char *name, const char *addr)
{
	struct ifreq ifr = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (addr) {
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sin->sin_addr);
		if (ioctl(fd, SIOCSIFADDR, &ifr))
			ret = -errno;
		inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
		if (!ret && ioctl(fd, SIOCSIFNETMASK, &ifr))
			ret = -errno;
	}
	if (!ret && ioctl(fd, SIOCGIFFLAGS, &ifr))
		ret = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!ret && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	close(fd);
	return ret;
}

static void nl_put_str(struct nlmsghdr *nlh, unsigned short type,
		       const char *s)
{
	struct nlattr *a = (void *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);
	size_t len = strlen(s) + 1;

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	memcpy((char *)a + NLA_HDRLEN, s, len);
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static void nl_put_u32(struct nlmsghdr *nlh, unsigned short type, uint32_t v)
{
	struct nlattr *a = (void *)nlh + NLMSG_ALIGN(nlh->nlmsg_len);

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + sizeof(v);
	memcpy((char *)a + NLA_HDRLEN, &v, sizeof(v));
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

/* One RDMA netlink (nldev) request; the kernel's answer, 0 or -errno. */
static int nldev_request(struct nlmsghdr *nlh)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[4096];
	struct nlmsghdr *r = (void *)buf;
	int fd, ret;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_RDMA);
	if (fd < 0)
		return -errno;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	if (sendto(fd, nlh, nlh->nlmsg_len, 0, (void *)&sa, sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		ret = -errno;
	else if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
		 r->nlmsg_type != NLMSG_ERROR)
		ret = -EPROTO;
	else
		ret = ((struct nlmsgerr *)NLMSG_DATA(r))->error;
out:
	close(fd);
	return ret;
}

/* rdma link add RXE_NAME type rxe netdev NETDEV */
static int rxe_link_add(void)
{
	union { struct nlmsghdr h; char b[512]; } m = { 0 };

	m.h.nlmsg_len = NLMSG_LENGTH(0);
	m.h.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_NEWLINK);
	nl_put_str(&m.h, RDMA_NLDEV_ATTR_DEV_NAME, RXE_NAME);
	nl_put_str(&m.h, RDMA_NLDEV_ATTR_LINK_TYPE, "rxe");
	nl_put_str(&m.h, RDMA_NLDEV_ATTR_NDEV_NAME, NETDEV);
	return nldev_request(&m.h);
}

/* rdma link delete RXE_NAME (by its device index) */
static int rxe_link_del(uint32_t index)
{
	union { struct nlmsghdr h; char b[512]; } m = { 0 };

	m.h.nlmsg_len = NLMSG_LENGTH(0);
	m.h.nlmsg_type = RDMA_NL_GET_TYPE(RDMA_NL_NLDEV, RDMA_NLDEV_CMD_DELLINK);
	nl_put_u32(&m.h, RDMA_NLDEV_ATTR_DEV_INDEX, index);
	return nldev_request(&m.h);
}

/* The rxe device on the dummy netdev, made on first use; 0 or -errno. */
static int rxe_ensure(void)
{
	int ret;

	if (!access("/sys/class/infiniband/" RXE_NAME, F_OK))
		return 0;
	ret = netdev_up("lo", NULL);
	if (!ret)
		ret = netdev_up(NETDEV, NETDEV_IP);
	if (!ret)
		ret = rxe_link_add();
	return ret;
}

static struct ibv_device *find_ibdev(struct ibv_device **list)
{
	for (; list && *list; list++)
		if (!strcmp(ibv_get_device_name(*list), RXE_NAME))
			return *list;
	return NULL;
}

/*
 * The exporter of the first ivshmem (the "exporter" backing file), found
 * by its PCI parent; 0 with its /dev name and PCI address.
 */
static int find_exporter(char *name, size_t len, char *bdf, size_t bdflen)
{
	struct pcidev ivs[2];
	char dir[PATH_MAX + 8];
	struct dirent *e;
	DIR *d;
	int ret = -ENOENT;

	if (pci_find(IVSHMEM_VENDOR, IVSHMEM_DEVICE, ivs, 2) < 1)
		return -ENODEV;
	snprintf(bdf, bdflen, "%s", ivs[0].bdf);
	snprintf(dir, sizeof(dir), "%s/misc", ivs[0].path);
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "p2p_vma_exp", 11)) {
			snprintf(name, len, "%s", e->d_name);
			ret = 0;
			break;
		}
	closedir(d);
	return ret;
}

static struct p2p_vma_test_exp_info exp_info(int fd)
{
	struct p2p_vma_test_exp_info info = { 0 };

	if (ioctl(fd, P2P_VMA_TEST_EXP_INFO, &info))
		info.half_size = 0;
	return info;
}

FIXTURE(rxe) {
	struct ibv_device **list;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_port_attr port;
	union ibv_gid gid;
	int gid_index;
	char exp_name[NAME_MAX + 1], exp_bdf[NAME_MAX + 1];
	int exp_fd;
	struct p2p_vma_test_exp_info info;
	uint8_t *map;		/* the exporter mapping: half of its BAR 2 */
	size_t size;
	unsigned int seed;
};

/* The port's RoCE v2 GID of NETDEV_IP (::ffff:10.99.0.1); -1 if none yet. */
static int find_ipv4_gid(struct ibv_context *ctx, int len, union ibv_gid *gid)
{
	static const uint8_t want[16] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 99, 0, 1,
	};
	int i;

	for (i = 0; i < len; i++)
		if (!ibv_query_gid(ctx, 1, i, gid) &&
		    !memcmp(gid->raw, want, sizeof(want)))
			return i;
	return -1;
}

FIXTURE_SETUP(rxe)
{
	struct ibv_device *dev;
	char path[PATH_MAX];
	int i;

	self->exp_fd = -1;
	self->map = MAP_FAILED;
	self->seed = boot_seed();
	ASSERT_NE(0, self->seed);
	ASSERT_EQ(0, rxe_ensure());
	self->list = ibv_get_device_list(NULL);
	ASSERT_NE(NULL, self->list);
	dev = find_ibdev(self->list);
	ASSERT_NE(NULL, dev) TH_LOG("libibverbs does not list " RXE_NAME);
	self->ctx = ibv_open_device(dev);
	ASSERT_NE(NULL, self->ctx) TH_LOG("no rxe provider? errno %d", errno);
	/* the port follows the netdev, and the GID its address: both async */
	for (i = 0; i < 100; i++) {
		ASSERT_EQ(0, ibv_query_port(self->ctx, 1, &self->port));
		self->gid_index = find_ipv4_gid(self->ctx,
						self->port.gid_tbl_len,
						&self->gid);
		if (self->port.state == IBV_PORT_ACTIVE && self->gid_index >= 0)
			break;
		usleep(100 * 1000);
	}
	ASSERT_EQ(IBV_PORT_ACTIVE, self->port.state);
	ASSERT_LE(0, self->gid_index);
	self->pd = ibv_alloc_pd(self->ctx);
	ASSERT_NE(NULL, self->pd);

	ASSERT_EQ(0, find_exporter(self->exp_name, sizeof(self->exp_name),
				   self->exp_bdf, sizeof(self->exp_bdf)))
		TH_LOG("no exporter: modprobe test_p2p_vma_exp");
	snprintf(path, sizeof(path), "/dev/%s", self->exp_name);
	self->exp_fd = open(path, O_RDWR);
	ASSERT_LE(0, self->exp_fd);
	self->info = exp_info(self->exp_fd);
	ASSERT_LE(ODP_OFF + ODP_LEN, self->info.half_size);
	self->size = self->info.half_size;
	self->map = mmap(NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 self->exp_fd, 0);
	ASSERT_NE(MAP_FAILED, self->map);
}

FIXTURE_TEARDOWN(rxe)
{
	if (self->map != MAP_FAILED)
		munmap(self->map, self->size);
	if (self->exp_fd >= 0)
		close(self->exp_fd);
	if (self->pd)
		ibv_dealloc_pd(self->pd);
	if (self->ctx)
		ibv_close_device(self->ctx);
	if (self->list)
		ibv_free_device_list(self->list);
}

/*
 * Two RC QPs connected to each other on the one port: rxe delivers their
 * packets by loopback. Work is posted on qp[0]; qp[1] is the responder,
 * so that a responder error (which moves its QP to the error state) comes
 * back to qp[0] as a NAK, not as a flush of qp[0]'s own send queue.
 */
struct loop {
	struct ibv_cq *cq;
	struct ibv_qp *qp[2];
};

static int loop_create(FIXTURE_DATA(rxe) *self, struct loop *l)
{
	struct ibv_qp_init_attr init = {
		.qp_type = IBV_QPT_RC, .sq_sig_all = 1,
		.cap = { .max_send_wr = 4, .max_recv_wr = 4,
			 .max_send_sge = 1, .max_recv_sge = 1 },
	};
	struct ibv_qp_attr a;
	int i;

	l->cq = ibv_create_cq(self->ctx, 16, NULL, NULL, 0);
	if (!l->cq)
		return -errno;
	init.send_cq = init.recv_cq = l->cq;
	for (i = 0; i < 2; i++) {
		l->qp[i] = ibv_create_qp(self->pd, &init);
		if (!l->qp[i])
			return -errno;
	}
	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_INIT;
		a.port_num = 1;
		a.qp_access_flags = IBV_ACCESS_LOCAL_WRITE |
				    IBV_ACCESS_REMOTE_WRITE |
				    IBV_ACCESS_REMOTE_READ;
		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE |
				  IBV_QP_PKEY_INDEX | IBV_QP_PORT |
				  IBV_QP_ACCESS_FLAGS))
			return -errno;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTR;
		a.path_mtu = self->port.active_mtu;
		a.dest_qp_num = l->qp[!i]->qp_num;
		a.max_dest_rd_atomic = 1;
		a.min_rnr_timer = 12;
		a.ah_attr.is_global = 1;
		a.ah_attr.grh.dgid = self->gid;
		a.ah_attr.grh.sgid_index = self->gid_index;
		a.ah_attr.grh.hop_limit = 64;
		a.ah_attr.port_num = 1;
		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE | IBV_QP_AV |
				  IBV_QP_PATH_MTU | IBV_QP_DEST_QPN |
				  IBV_QP_RQ_PSN | IBV_QP_MAX_DEST_RD_ATOMIC |
				  IBV_QP_MIN_RNR_TIMER))
			return -errno;
		memset(&a, 0, sizeof(a));
		a.qp_state = IBV_QPS_RTS;
		/* ~4 s, 7 times: TCG is slow, and a timeout is a retry */
		a.timeout = 20;
		a.retry_cnt = 7;
		a.rnr_retry = 7;
		a.max_rd_atomic = 1;
		if (ibv_modify_qp(l->qp[i], &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
				  IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
				  IBV_QP_SQ_PSN | IBV_QP_MAX_QP_RD_ATOMIC))
			return -errno;
	}
	return 0;
}

static void loop_destroy(struct loop *l)
{
	int i;

	for (i = 0; i < 2; i++)
		if (l->qp[i])
			ibv_destroy_qp(l->qp[i]);
	if (l->cq)
		ibv_destroy_cq(l->cq);
}

/*
 * RDMA WRITE of len bytes from src (lkey) to raddr (rkey), posted on
 * qp[0]; the work completion's status, or -1 if none came within 60 s.
 */
static int loop_write(struct loop *l, void *src, uint32_t len, uint32_t lkey,
		      uint64_t raddr, uint32_t rkey)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)src, .length = len, .lkey = lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = 0x9, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_RDMA_WRITE, .send_flags = IBV_SEND_SIGNALED,
		.wr.rdma = { .remote_addr = raddr, .rkey = rkey },
	}, *bad;
	struct ibv_wc wc;
	int i, n;

	if (ibv_post_send(l->qp[0], &wr, &bad))
		return -1;
	for (i = 0; i < 60000; i++) {
		n = ibv_poll_cq(l->cq, 1, &wc);
		if (n < 0)
			return -1;
		if (n == 1)
			return wc.wr_id == 0x9 ? (int)wc.status : -1;
		usleep(1000);
	}
	return -1;
}

/* rxe's counters that are not zero: what went over the port, retries. */
static void dump_counters(void)
{
	const char *dir = "/sys/class/infiniband/" RXE_NAME "/ports/1/hw_counters";
	char p[PATH_MAX], buf[64];
	struct dirent *e;
	DIR *d = opendir(dir);
	FILE *f;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && strtoul(buf, NULL, 0))
			say("# rxe counter %s: %s", e->d_name, buf);
		fclose(f);
	}
	closedir(d);
}

#define MR_RW	(IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
		 IBV_ACCESS_REMOTE_READ)

/* Anonymous memory: GUP pins it (charged as VmPin) and dereg unpins it. */
TEST_F(rxe, anon_mr_registers)
{
	size_t len = 16 * PAGE;
	long pin0 = vm_pin_kb();
	struct ibv_mr *mr;
	uint8_t *buf;

	TH_LOG("integration test: rdma_rxe on " NETDEV ", Debian libibverbs");
	ASSERT_LE(0, pin0);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	mr = ibv_reg_mr(self->pd, buf, len, MR_RW);
	ASSERT_NE(NULL, mr) TH_LOG("ibv_reg_mr: errno %d", errno);
	EXPECT_EQ(len, mr->length);
	EXPECT_EQ(pin0 + (long)(len >> 10), vm_pin_kb());
	ASSERT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(pin0, vm_pin_kb());
	munmap(buf, len);
}

/* The MRs' keys work: RDMA WRITE between two anonymous MRs, by loopback. */
TEST_F_TIMEOUT(rxe, anon_mr_rdma_write_loopback, 120)
{
	size_t len = 4 * PAGE, i;
	struct ibv_mr *smr, *dmr;
	struct loop l = { 0 };
	uint8_t *src, *dst;
	int st;

	src = mmap(NULL, 2 * len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	dst = src + len;
	for (i = 0; i < len; i++) {
		src[i] = pattern_byte(self->seed, i);
		dst[i] = ~src[i];
	}
	smr = ibv_reg_mr(self->pd, src, len, MR_RW);
	ASSERT_NE(NULL, smr);
	dmr = ibv_reg_mr(self->pd, dst, len, MR_RW);
	ASSERT_NE(NULL, dmr);
	ASSERT_EQ(0, loop_create(self, &l));
	/* unaligned, across pages */
	st = loop_write(&l, src + 100, 2 * PAGE + 5, smr->lkey,
			(uintptr_t)dst + 300, dmr->rkey);
	dump_counters();
	ASSERT_EQ(IBV_WC_SUCCESS, st) TH_LOG("status %d", st);
	for (i = 0; i < 2 * PAGE + 5; i++)
		ASSERT_EQ(src[100 + i], dst[300 + i]) TH_LOG("byte %zu", i);
	EXPECT_EQ((uint8_t)~src[299], dst[299]);
	EXPECT_EQ((uint8_t)~src[300 + 2 * PAGE + 5], dst[300 + 2 * PAGE + 5]);
	loop_destroy(&l);
	EXPECT_EQ(0, ibv_dereg_mr(smr));
	EXPECT_EQ(0, ibv_dereg_mr(dmr));
	munmap(src, 2 * len);
}

/*
 * The exporter mapping: rxe_mr_init_user() -> ib_umem_get_va() (not the
 * revocable variant), GUP refuses the VM_PFNMAP vma: EFAULT, for writable
 * and read-only MRs, aligned or not, one page or the whole mapping;
 * nothing pinned, the p2p core not even asked (no p2p_describe call).
 */
TEST_F(rxe, p2p_mr_refused)
{
	static const struct { size_t off, len; int access; } cases[] = {
		{ 0, PAGE, MR_RW },
		{ 100, 3 * PAGE, MR_RW },
		{ 0, 0, MR_RW },	/* len 0: the whole mapping */
		{ PAGE, 2 * PAGE, 0 },	/* read-only: no FOLL_WRITE */
		{ 7, 1, IBV_ACCESS_LOCAL_WRITE },
	};
	struct p2p_vma_test_exp_info before = exp_info(self->exp_fd), after;
	long pin0 = vm_pin_kb();
	struct ibv_mr *mr;
	unsigned int i;

	ASSERT_NE(0, before.half_size);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : self->size;

		errno = 0;
		mr = ibv_reg_mr(self->pd, self->map + cases[i].off, len,
				cases[i].access);
		EXPECT_EQ(NULL, mr) TH_LOG("case %u registered", i);
		if (mr)
			ibv_dereg_mr(mr);
		EXPECT_EQ(EFAULT, errno) TH_LOG("case %u: errno %d", i, errno);
		EXPECT_EQ(pin0, vm_pin_kb());
	}
	after = exp_info(self->exp_fd);
	/* no dma-buf: the exporter was not asked at all */
	EXPECT_EQ(0, after.dmabufs);
	EXPECT_EQ(0, after.dmabuf_pins);
	EXPECT_EQ(before.describes, after.describes);
	say("# ibv_reg_mr on the p2p mapping: EFAULT (GUP refuses it, rxe does not opt in)\n");
}

/*
 * Anonymous page, then the exporter mapping right after it: GUP pins the
 * first page, then refuses: EFAULT, and the pinned page is released
 * (VmPin back, as before). The reverse order stops at the first page.
 */
TEST_F(rxe, mixed_range_refused)
{
	long pin0 = vm_pin_kb();
	struct ibv_mr *mr;
	uint8_t *r, *m;

	r = mmap(NULL, 3 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	m = mmap(r + PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->exp_fd, 0);
	ASSERT_EQ(r + PAGE, m);
	ASSERT_EQ(0, mprotect(r, PAGE, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, mprotect(r + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE));
	r[0] = 1;
	r[2 * PAGE] = 1;

	errno = 0;
	mr = ibv_reg_mr(self->pd, r, 2 * PAGE, MR_RW);
	EXPECT_EQ(NULL, mr);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(pin0, vm_pin_kb());
	errno = 0;
	mr = ibv_reg_mr(self->pd, m, 2 * PAGE, MR_RW);
	EXPECT_EQ(NULL, mr);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(pin0, vm_pin_kb());
	EXPECT_EQ(0, exp_info(self->exp_fd).dmabufs);
	/* the anonymous page alone still registers */
	mr = ibv_reg_mr(self->pd, r, PAGE, MR_RW);
	ASSERT_NE(NULL, mr);
	EXPECT_EQ(pin0 + 4, vm_pin_kb());
	EXPECT_EQ(0, ibv_dereg_mr(mr));
	EXPECT_EQ(pin0, vm_pin_kb());
	munmap(r, 3 * PAGE);
}

/*
 * On-demand paging: rxe_odp_mr_init_user() snapshots the range without
 * faulting, hmm skips the VM_PFNMAP vma, and the MR registers with no
 * valid page and nothing pinned. The first access faults it in, hmm
 * refuses the vma (-EFAULT): the responder NAKs the RDMA WRITE, which
 * completes with a remote access error (one QP connected to itself would
 * see its send queue flushed instead, by its own responder's error); the
 * BAR keeps its bytes (the host checks them).
 */
TEST_F_TIMEOUT(rxe, odp_mr_on_p2p_faults_cleanly, 120)
{
	struct ibv_device_attr_ex attr = { 0 };
	uint8_t *bar = self->map + ODP_OFF, *src;
	long pin0 = vm_pin_kb();
	struct ibv_mr *omr, *smr;
	struct loop l = { 0 };
	uint64_t base, i;
	int st;

	ASSERT_EQ(0, ibv_query_device_ex(self->ctx, NULL, &attr));
	ASSERT_TRUE(attr.odp_caps.general_caps & IBV_ODP_SUPPORT);
	ASSERT_TRUE(attr.odp_caps.per_transport_caps.rc_odp_caps &
		    IBV_ODP_SUPPORT_WRITE);

	self->info = exp_info(self->exp_fd);
	base = self->info.half * self->info.half_size + ODP_OFF;
	src = mmap(NULL, ODP_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, src);
	for (i = 0; i < ODP_LEN; i++) {
		bar[i] = pattern_byte(self->seed, base + i);
		src[i] = ~bar[i];
	}
	smr = ibv_reg_mr(self->pd, src, ODP_LEN, MR_RW);
	ASSERT_NE(NULL, smr);

	omr = ibv_reg_mr(self->pd, bar, ODP_LEN, MR_RW | IBV_ACCESS_ON_DEMAND);
	ASSERT_NE(NULL, omr) TH_LOG("ODP ibv_reg_mr: errno %d", errno);
	EXPECT_EQ(pin0 + (long)(ODP_LEN >> 10), vm_pin_kb());	/* src only */
	EXPECT_EQ(0, exp_info(self->exp_fd).dmabufs);

	ASSERT_EQ(0, loop_create(self, &l));
	st = loop_write(&l, src, ODP_LEN, smr->lkey, (uintptr_t)bar, omr->rkey);
	dump_counters();
	EXPECT_EQ(IBV_WC_REM_ACCESS_ERR, st)
		TH_LOG("status %d (%s)", st,
		       st >= 0 ? ibv_wc_status_str(st) : "no completion");
	for (i = 0; i < ODP_LEN; i++)
		ASSERT_EQ(pattern_byte(self->seed, base + i), bar[i])
			TH_LOG("BAR byte %llu changed", (unsigned long long)i);
	loop_destroy(&l);
	EXPECT_EQ(0, ibv_dereg_mr(omr));
	EXPECT_EQ(0, ibv_dereg_mr(smr));
	EXPECT_EQ(pin0, vm_pin_kb());
	EXPECT_EQ(0, exp_info(self->exp_fd).dmabufs);
	munmap(src, ODP_LEN);
	hostcheck(base, ODP_LEN, self->seed);
	say("# ODP ibv_reg_mr on the p2p mapping: registered, RDMA WRITE: %s\n",
	    st >= 0 ? ibv_wc_status_str(st) : "no completion");
}

/*
 * After refused registrations, with the rxe context, PD and the mapping
 * still there, the exporter unbinds (nothing pinned its memory, nothing to
 * revoke) and binds again; its new mapping is refused the same way.
 */
TEST_F_TIMEOUT(rxe, exporter_unbinds_after_refusal, 60)
{
	char path[PATH_MAX], name[NAME_MAX + 1], bdf[NAME_MAX + 1];
	struct p2p_vma_test_exp_info info;
	struct ibv_mr *mr;
	uint8_t *map;
	int fd;

	mr = ibv_reg_mr(self->pd, self->map, 4 * PAGE, MR_RW);
	ASSERT_EQ(NULL, mr);
	ASSERT_EQ(EFAULT, errno);
	info = exp_info(self->exp_fd);
	ASSERT_EQ(0, info.dmabuf_pins);
	ASSERT_EQ(0, info.dmabufs);
	/* a rebound exporter starts on half 0: keep both halves alike */
	if (info.half)
		ASSERT_EQ(0, ioctl(self->exp_fd, P2P_VMA_TEST_EXP_MOVE));

	ASSERT_EQ(0, sysfs_write(SYSFS_EXP_DRV "/unbind", self->exp_bdf));
	ASSERT_EQ(0, sysfs_write(SYSFS_EXP_DRV "/bind", self->exp_bdf));
	ASSERT_EQ(0, find_exporter(name, sizeof(name), bdf, sizeof(bdf)));
	snprintf(path, sizeof(path), "/dev/%s", name);
	fd = open(path, O_RDWR);
	ASSERT_LE(0, fd);
	map = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, map);
	errno = 0;
	mr = ibv_reg_mr(self->pd, map, 4 * PAGE, MR_RW);
	EXPECT_EQ(NULL, mr);
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, exp_info(fd).dmabufs);
	munmap(map, 4 * PAGE);
	close(fd);
}

/*
 * Last: with every context closed, the rxe device deletes (rdma link
 * delete, which waits for all users): no refused registration left a
 * reference on it.
 */
TEST_F_TIMEOUT(rxe, rxe_link_deletes, 60)
{
	int index = ibv_get_device_index(self->ctx->device);

	ASSERT_LE(0, index);
	ASSERT_EQ(0, ibv_dealloc_pd(self->pd));
	self->pd = NULL;
	ASSERT_EQ(0, ibv_close_device(self->ctx));
	self->ctx = NULL;
	ibv_free_device_list(self->list);
	self->list = NULL;
	ASSERT_EQ(0, rxe_link_del(index));
	EXPECT_NE(0, access("/sys/class/infiniband/" RXE_NAME, F_OK));
}

TEST_HARNESS_MAIN
