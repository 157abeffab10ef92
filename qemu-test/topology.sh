# SPDX-License-Identifier: GPL-2.0
# The QEMU machine the tests boot: which devices sit where, per variant.
# Data only (sourced by run-guest.sh); README.md draws the same picture.
#
#   q35 host bridge (8086:29c0)
#   +-- pcie-root-port rp1 (has ACS)
#   |   +-- x3130-upstream sw-up           <- a PCIe switch, no ACS
#   |       +-- xio3130-downstream sw-dn1 -- ivshmem-plain "exporter" (BAR2 = host file)
#   |       +-- xio3130-downstream sw-dn2 -- edu "peer" (importer, same switch)
#   |       +-- xio3130-downstream sw-dn3 -- ivshmem-plain "exporter2" (second
#   |                                        exporter, its own host file)
#   |       +-- xio3130-downstream sw-dn4 -- qxl "gpu" (a TTM exporter: BOs in
#   |                                        its RAM BAR 0, which QEMU backs
#   |                                        with no host file)
#   +-- pcie-root-port rp2
#       +-- edu "far" (importer on its own root port: not a peer of the
#                      exporter unless the host bridge may forward P2P)
#
# Linux 7.3's P2P decision (drivers/pci/p2pdma.c) for exporter <-> peer is
# PCI_P2PDMA_MAP_BUS_ADDR (same switch); for exporter <-> far it is
# NOT_SUPPORTED on the default CPU (host bridge not whitelisted) and
# THRU_HOST_BRIDGE with "-cpu qemu64,family=23" (AMD Zen), which the iommu
# variant uses too, so that the far edu's DMA goes through VT-d.
#
# Each variant tells the tests on the kernel command line what the machine
# must give (the tests assert it, they do not detect it):
#   p2p_far=exdev|host_bridge   the far edu's path to the exporter
#   p2p_iommu=strict            VT-d translates, IOTLB flushed at unmap
# shellcheck shell=bash disable=SC2034,SC2054

# Set by run-guest.sh before sourcing: $SHM_DIR, where the ivshmem backing
# files go, one per name in TOPO_SHM: NAME.mem, the file the guest's
# "P2P-HOSTCHECK NAME ..." lines name. PCI enumeration follows the device
# order below: "exporter" has the lower bus number (it is the first
# ivshmem the guest finds, and the test driver's first exporter), the far
# edu comes last.
# $QMP_SOCK and $HOSTREAD_SOCK: where qemu-test/host-read.py reaches QEMU to
# read device memory that has no host file (qxl's) while the guest waits.
TOPO_MEMORY=1G
TOPO_SMP=2
TOPO_SHM_SIZE=4M
TOPO_SHM=(exporter exporter2)
# a backing file's size when it is not TOPO_SHM_SIZE
declare -A TOPO_SHM_SIZES=()

TOPO_MACHINE=(-M q35 -m "$TOPO_MEMORY" -smp "$TOPO_SMP" -nodefaults -no-reboot
	-display none -monitor none)

# The switch every machine has: the exporter (BAR 2 of size $1), the peer
# edu, the second exporter and, on sw-dn4, the device $2 names (qxl, or
# the bench's NVMe). A machine adds its own devices and the host-read
# channel after it.
topo_switch() {	# EXPORTER_SIZE SW_DN4_DEVICE
	TOPO_DEVICES=(
		-device pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x10
		-device x3130-upstream,id=sw-up,bus=rp1
		-device xio3130-downstream,id=sw-dn1,bus=sw-up,chassis=2,slot=1
		-device xio3130-downstream,id=sw-dn2,bus=sw-up,chassis=2,slot=2
		-object "memory-backend-file,id=exporter-mem,mem-path=$SHM_DIR/exporter.mem,size=$1,share=on"
		-device ivshmem-plain,id=exporter,memdev=exporter-mem,bus=sw-dn1
		-device edu,id=peer,bus=sw-dn2,dma_mask=0xffffffffffffffff
		-device xio3130-downstream,id=sw-dn3,bus=sw-up,chassis=2,slot=3
		-object "memory-backend-file,id=exporter2-mem,mem-path=$SHM_DIR/exporter2.mem,size=$TOPO_SHM_SIZE,share=on"
		-device ivshmem-plain,id=exporter2,memdev=exporter2-mem,bus=sw-dn3
		-device xio3130-downstream,id=sw-dn4,bus=sw-up,chassis=2,slot=4
		-device "$2"
	)
}
TOPO_HOSTREAD=(
	# the guest's ttyS1: requests to host-read.py ("P2P-HOSTREAD ...")
	-chardev "socket,id=hostread,path=$HOSTREAD_SOCK,server=on,wait=off"
	-device isa-serial,chardev=hostread,index=1
	-qmp "unix:$QMP_SOCK,server=on,wait=off"
)

topo_switch "$TOPO_SHM_SIZE" qxl,id=gpu,bus=sw-dn4
TOPO_DEVICES+=(
	-device pcie-root-port,id=rp2,bus=pcie.0,chassis=3,slot=1,addr=0x11
	-device edu,id=far,bus=rp2,dma_mask=0xffffffffffffffff
	"${TOPO_HOSTREAD[@]}"
)

# vfio-pci may take the exporter's ivshmem without an IOMMU (the vfio
# tests of p2p-vma-tests; the iommu variant does not run them: without ACS
# in the switch, the ivshmem shares its IOMMU group with the peer edu).
TOPO_CMDLINE="console=ttyS0 panic=-1 printk.devkmsg=on vfio.enable_unsafe_noiommu_mode=1"

# The bench machine (scripts/bench.sh, make bench; bench-tiny is the same
# machine for the tiny run of make check): 6 GiB of RAM, to keep 1 GiB of
# it in 4 KiB pages and 1 GiB in THP faulted in while the paths take turns
# pinning them; the exporter's BAR is 2 GiB, since the test exporter mmaps half of its BAR
# and the largest mapping is 1 GiB; a second, 4 MiB exporter that moves (a
# move copies the whole half); the edu importer; and an NVMe controller
# without namespaces whose 1 GiB controller memory buffer the nvme driver
# registers as P2PDMA memory (struct pages), the mainline provider to
# compare with. All on one switch: every path is PCI bus addresses.
#
#   q35 host bridge
#   +-- pcie-root-port rp1
#       +-- x3130-upstream sw-up
#           +-- xio3130-downstream sw-dn1 -- ivshmem-plain "exporter" (2 GiB BAR2)
#           +-- xio3130-downstream sw-dn2 -- edu "peer" (importer)
#           +-- xio3130-downstream sw-dn3 -- ivshmem-plain "exporter2" (4 MiB)
#           +-- xio3130-downstream sw-dn4 -- nvme "cmb" (1 GiB CMB, BAR 2)
BENCH_MEMORY=6G
BENCH_SHM_SIZE=2G
BENCH_CMB_MB=1024
bench_machine() {
	TOPO_SHM_SIZES=([exporter]=$BENCH_SHM_SIZE)
	TOPO_MACHINE=(-M q35 -m "$BENCH_MEMORY" -smp "$TOPO_SMP" -nodefaults
		-no-reboot -display none -monitor none)
	topo_switch "$BENCH_SHM_SIZE" \
		"nvme,id=cmb,serial=p2p-vma-bench,cmb_size_mb=$BENCH_CMB_MB,bus=sw-dn4"
	TOPO_DEVICES+=("${TOPO_HOSTREAD[@]}")
}

# Variants: extra QEMU arguments (placed before the devices) and extra
# kernel command line.
TOPO_VARIANTS=(default amd iommu bench bench-tiny bench-iommu)
topo_variant() {
	case $1 in
	default)
		VARIANT_QEMU=()
		VARIANT_CMDLINE="p2p_far=exdev" ;;
	amd)	# AMD Zen: Linux lets P2P go through the host bridge
		VARIANT_QEMU=(-cpu qemu64,family=23)
		VARIANT_CMDLINE="p2p_far=host_bridge" ;;
	iommu)	# VT-d translating every device's DMA, IOTLB flushed at unmap;
		# the AMD CPU model lets Linux send P2P through the host
		# bridge, i.e. through VT-d
		VARIANT_QEMU=(-cpu qemu64,family=23 -device intel-iommu,intremap=off)
		VARIANT_CMDLINE="intel_iommu=on iommu.strict=1 p2p_far=host_bridge p2p_iommu=strict" ;;
	bench|bench-tiny)
		bench_machine
		VARIANT_QEMU=()
		VARIANT_CMDLINE="" ;;
	bench-iommu)	# the bench machine with VT-d (strict) and a second
		# edu behind the host bridge, on a root port of its own: its
		# p2p DMA goes through the host bridge (the AMD CPU model), so
		# the kernel maps it through the IOMMU (dma_iova_link())
		bench_machine
		TOPO_DEVICES+=(
			-device pcie-root-port,id=rp2,bus=pcie.0,chassis=3,slot=1,addr=0x11
			-device edu,id=far,bus=rp2,dma_mask=0xffffffffffffffff
		)
		VARIANT_QEMU=(-cpu qemu64,family=23 -device intel-iommu,intremap=off)
		VARIANT_CMDLINE="intel_iommu=on iommu.strict=1" ;;
	*)
		return 1 ;;
	esac
}
