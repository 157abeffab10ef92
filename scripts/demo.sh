#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: base tree, apply the series, build the guest kernel, boot
# it in QEMU and move bytes from one emulated PCIe device into another's
# BAR, then say in plain words what happened.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-B]
  -B  boot what is built: no packages, base tree, apply or kernel build
USAGE
}
build=1
while getopts Bh opt; do
	case $opt in
	B) build=0 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

if [ $build -eq 1 ]; then
	stage_begin "packages";     "$TOP"/scripts/deps.sh;          stage_end
	stage_begin "base tree";    "$TOP"/scripts/base-tree.sh;     stage_end
	stage_begin "apply series"; "$TOP"/scripts/apply-series.sh;  stage_end
	stage_begin "guest kernel"; "$TOP"/scripts/build-kernel.sh;  stage_end
fi

# The peer-to-peer DMA through the new interface: the test exporter and
# importer (p2p-vma), then vfio-pci, the first real exporter
# (p2p-vma-vfio). No fallback: where the series or tests.conf lacks
# either, the demo cannot show the interface and fails, saying why (the
# plumbing smoke test, which it once ran instead and called OK, involves
# no code of the series).
demo_tests=(p2p-vma p2p-vma-vfio)
missing=()
for t in "${demo_tests[@]}"; do
	awk -v t="$t" '$1 == t && ("," $2 ",") ~ /,default,/ { f = 1 } END { exit !f }' \
		"$TOP/qemu-test/tests.conf" || missing+=("qemu-test/tests.conf runs no $t in variant default")
done
[ -f "$APPLIED_TREE/lib/test_p2p_vma_exp.c" ] ||
	missing+=("no test exporter: $APPLIED_TREE/lib/test_p2p_vma_exp.c")
grep -qs p2p_describe "$APPLIED_TREE/drivers/vfio/pci/vfio_pci_core.c" ||
	missing+=("vfio-pci has no p2p_describe in $APPLIED_TREE/drivers/vfio/pci/vfio_pci_core.c")
if [ ${#missing[@]} -gt 0 ]; then
	echo
	echo "=== What happened ==="
	echo "Nothing was booted: the p2p vma interface cannot be shown with this tree."
	printf '        %s\n' "${missing[@]}"
	echo "Result: FAILED (the p2p vma interface not shown; run make apply, or see qemu-test/tests.conf)"
	exit 1
fi
demo_test=$(IFS=,; echo "${demo_tests[*]}")

stage_begin "boot and transfer"
out=$P2P_WORK/guest/demo
rc=0
verdict=$("$TOP"/qemu-test/run-guest.sh -v default -o "$out" -l "$demo_test" 2>&1) || rc=$?
stage_end
log=$out/serial.log

echo
echo "=== What happened ==="
printf 'Kernel: %s\n' "$(grep -m1 -o 'P2P-HARNESS: boot kernel [^ ]*' "$log" 2>/dev/null | awk '{print $4}')"
"$TOP"/scripts/base-tree.sh 2>/dev/null | sed 's/^base: /Base:   /'
printf 'Series: %d patches\n' "$(series_list | wc -l)"
cat <<TXT
Mode:   THE P2P VMA INTERFACE. A process mmaps the ivshmem BAR through the
        test exporter (VM_IO|VM_PFNMAP with p2p_describe: a p2pdma provider
        and physical ranges); the test importer maps that user range with
        p2p_vma_map_user(), the mm core picks the path and maps it, and
        edu's DMA engine moves bytes to the addresses the core mapped.
        Then a REAL EXPORTER: the ivshmem is moved to vfio-pci, BAR 2 is
        mmap()ed through the vfio device file as a VMM does, and edu DMAs
        to that plain user pointer; a device reset, memory decode off and
        unbinding vfio-pci revoke the importer.
TXT
grep -oE 'test_p2p_vma_(exp|imp) [0-9a-f:.]+: (exporting|importer).*' "$log" |
	sed -E 's/^test_p2p_vma_(exp|imp) /Device: /' | sort -u || true
grep -oE 'edu [0-9a-f:.]+, ivshmem [0-9a-f:.]+ BAR2 at 0x[0-9a-f]+ \([0-9]+ KiB\)' "$log" |
	sort -u | sed 's/^/Pair:   /' || true
grep -oE 'P2P path: .*' "$log" | sort -u | sed 's/^P2P path: /Linux:  /' || true
bytes=$({ grep -oE 'P2P-HOSTCHECK [^ ]+ offset=[0-9]+ len=[0-9]+' "$log" || true; } |
	sed 's/.*len=//' | awk '{s += $1} END {print s + 0}')
printf 'Moved:  %s bytes by device DMA into the ivshmem BAR (%s transfers)\n' "$bytes" \
	"$(grep -c 'P2P-HOSTCHECK' "$log" 2>/dev/null || true)"
echo "Host:   read back from the ivshmem backing file $out/exporter.mem:"
# the judge's KTAP report, counted as make check counts it (scripts/ktap.py)
results() { printf '%s\n' "$verdict" | sed -n '/^KTAP version 1$/,$p' | grep -E '^ *(not )?ok [0-9]+ ' || true; }
results | grep -E '^(not )?ok [0-9]+ host reads' | sed 's/^/        /' || true
echo "Tests:"
results | grep -v 'host reads' | sed 's/^/        /' || true
counts=$(printf '%s\n' "$verdict" | python3 "$TOP/scripts/ktap.py" --exit "$rc" - 2>/dev/null) || true
# each program of the demo ran and passed (a tests.conf line the boot did
# not pick up must not leave a smaller demo that passes)
notshown=()
for t in "${demo_tests[@]}"; do
	results | grep -qE "^ok [0-9]+ $t\$" || notshown+=("$t")
done
if [ ${#notshown[@]} -eq 0 ] && [[ $counts =~ ^([0-9]+)\ 0$ ]]; then
	echo "Result: OK (${BASH_REMATCH[1]} checks passed; serial log $log)"
else
	printf '%s\n' "$verdict" | python3 "$TOP/scripts/ktap.py" --exit "$rc" - 2>&1 >/dev/null |
		sed 's/^/        /' || true
	[ ${#notshown[@]} -eq 0 ] || echo "        not shown (did not run and pass): ${notshown[*]}"
	echo "Result: FAILED (passed, failed: ${counts:-none}; serial log $log)"
	exit 1
fi
