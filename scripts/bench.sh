#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# make bench: boot the bench machine (qemu-test/topology.sh), run the
# benchmark there (tools/testing/selftests/mm/p2p-vma-bench.c with
# lib/test_p2p_vma_bench.c, in the series), and make one table of what it
# measured (qemu-test/bench-report.py): printed, and written with a CSV and a
# plot to the output directory. The full run boots a production kernel
# of its own (no KASAN, lockdep, DMA-API debug, kmemleak or DEBUG_VM:
# kconfig-fragments/bench/production.config), built here into $BENCH_OBJ;
# the tiny run (-t, make check) boots the debug guest kernel (make kernel),
# which only checks that the benchmark works: its report judges no goal.
# Ends with one KTAP report: the report's results, the boot judge's report
# as the subtests of one of them.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t] [-o OUTDIR]
  -t         the tiny run make check does (variant bench-tiny: sizes 4K to
             4M, one repetition, on the debug guest kernel), so that the
             benchmark cannot rot
  -o OUTDIR  where the table, CSV, plot and guest files go
             (default \$P2P_WORK/bench, or \$P2P_WORK/bench-tiny with -t)
  The whole run can take an hour under TCG: P2P_TEST_TIMEOUT and
  P2P_RUN_TIMEOUT default to 3600 s and 4200 s here.
USAGE
}

variant=bench out='' obj=$BENCH_OBJ
while getopts to:h opt; do
	case $opt in
	t) variant=bench-tiny obj=$GUEST_OBJ ;;
	o) out=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || out=$P2P_WORK/$variant
out=$(abspath "$out")
mkdir -p "$out"
export P2P_TEST_TIMEOUT=${P2P_TEST_TIMEOUT:-3600}
export P2P_RUN_TIMEOUT=${P2P_RUN_TIMEOUT:-4200}

# shellcheck source=qemu-test/topology.sh
SHM_DIR='' QMP_SOCK='' HOSTREAD_SOCK='' . "$TOP/qemu-test/topology.sh"
machine="QEMU q35, -smp $TOPO_SMP, -m $BENCH_MEMORY, ivshmem BAR $BENCH_SHM_SIZE (1/2 exported), NVMe CMB ${BENCH_CMB_MB} MiB"

# The table comes from this run's serial log only: what an earlier run
# left (its log, judge's report, table, CSV and plot) goes first, so a boot
# that never happens leaves no log, and the report fails for it.
rm -rf "$out/guest" "$out/judge.txt" "$out/bench.txt" "$out/bench.csv" \
	"$out/bench-raw.csv" "$out/bench.png"
if [ "$obj" = "$BENCH_OBJ" ]; then
	"$TOP"/scripts/build-kernel.sh -O "$obj" "${BENCH_FRAGMENTS[@]}"
fi

# bench VARIANT OUTDIR [REPORT ARGS...]: one boot and its report
bench() {
	local v=$1 o=$2 rc=0
	shift 2
	"$TOP"/qemu-test/run-guest.sh -v "$v" -O "$obj" -o "$o/guest" > "$o/judge.txt" || rc=$?
	msg "boot judge ($v): exit $rc (its report: $o/judge.txt; serial log $o/guest/serial.log)"
	python3 "$TOP"/qemu-test/bench-report.py --log "$o/guest/serial.log" \
		--out "$o" --accel "${QEMU_ACCEL:-tcg}" --machine "$machine" \
		--judge "$o/judge.txt" --config "$obj/.config" "$@"
}

if [ "$variant" = bench-tiny ]; then
	bench "$variant" "$out"
	exit
fi
# The main table first, then the IOMMU table into its own directory; both
# must pass. The main report (with its KTAP) is printed, the IOMMU one is
# in its directory.
rc=0
bench "$variant" "$out" || rc=$?
rm -rf "$out/iommu"
mkdir -p "$out/iommu"
irc=0
bench bench-iommu "$out/iommu" --iommu > "$out/iommu/report.txt" || irc=$?
msg "IOMMU table: $out/iommu/bench.txt (exit $irc)"
[ "$irc" -eq 0 ] || die "the IOMMU table's report failed: $out/iommu/report.txt"
exit "$rc"
