#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The main job: base tree, apply the series, build the guest kernel, boot
# it in QEMU and move bytes from one emulated PCIe device into another's
# BAR, then say in plain words what happened.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

stage_begin "packages";     "$TOP"/scripts/deps.sh;          stage_end
stage_begin "base tree";    "$TOP"/scripts/base-tree.sh;     stage_end
stage_begin "apply series"; "$TOP"/scripts/apply-series.sh;  stage_end
stage_begin "guest kernel"; "$TOP"/scripts/build-kernel.sh;  stage_end

# The peer-to-peer demo through the new interface once the series has it;
# until then the plumbing smoke test, which says so.
demo_test=p2p-plumbing
if grep -qE '^p2p-vma[[:space:]]' "$TOP/qemu-test/tests.conf" &&
   [ -f "$APPLIED_TREE/lib/test_p2p_vma_exp.c" ]; then
	demo_test=p2p-vma
	# and vfio-pci, the first real exporter, once the series has it
	if grep -qE '^p2p-vma-vfio[[:space:]]' "$TOP/qemu-test/tests.conf" &&
	   grep -q p2p_describe "$APPLIED_TREE/drivers/vfio/pci/vfio_pci_core.c"; then
		demo_test=p2p-vma,p2p-vma-vfio
	fi
fi

stage_begin "boot and transfer"
out=$P2P_WORK/guest/demo
rc=0
verdict=$("$TOP"/qemu-test/run-guest.sh -v default -o "$out" -l "$demo_test" 2>&1) || rc=$?
stage_end
log=$out/serial.log

echo
echo "=== What happened ==="
printf 'Kernel: %s\n' "$(grep -m1 -o 'P2P-HARNESS: boot kernel [^ ]*' "$log" | awk '{print $4}')"
"$TOP"/scripts/base-tree.sh 2>/dev/null | sed 's/^base: /Base:   /'
printf 'Series: %d patches\n' "$(series_list | wc -l)"
if [[ $demo_test == p2p-vma* ]]; then
	cat <<TXT
Mode:   THE P2P VMA INTERFACE. A process mmaps the ivshmem BAR through the
        test exporter (VM_IO|VM_PFNMAP with p2p_describe: a p2pdma provider
        and physical ranges); the test importer maps that user range with
        p2p_vma_map_user(), the mm core picks the path and maps it, and
        edu's DMA engine moves bytes to the addresses the core mapped.
TXT
fi
if [[ $demo_test == *p2p-vma-vfio* ]]; then
	cat <<TXT
        Then a REAL EXPORTER: the ivshmem is moved to vfio-pci, BAR 2 is
        mmap()ed through the vfio device file as a VMM does, and edu DMAs
        to that plain user pointer; a device reset, memory decode off and
        unbinding vfio-pci revoke the importer.
TXT
fi
if [ "$demo_test" = p2p-plumbing ]; then
	cat <<TXT
Mode:   PLUMBING SMOKE TEST. The series does not yet contain the p2p vma
        interface, so no kernel code chose a P2P path: a guest program drove
        the edu DMA engines through sysfs with raw BAR bus addresses.
TXT
fi
grep -oE 'test_p2p_vma_(exp|imp) [0-9a-f:.]+: (exporting|importer).*' "$log" |
	sed -E 's/^test_p2p_vma_(exp|imp) /Device: /' | sort -u || true
grep -oE 'edu [0-9a-f:.]+, ivshmem [0-9a-f:.]+ BAR2 at 0x[0-9a-f]+ \([0-9]+ KiB\)' "$log" |
	sort -u | sed 's/^/Pair:   /' || true
grep -oE 'P2P path: .*' "$log" | sort -u | sed 's/^P2P path: /Linux:  /' || true
bytes=$(grep -oE 'P2P-HOSTCHECK [^ ]+ offset=[0-9]+ len=[0-9]+' "$log" |
	sed 's/.*len=//' | awk '{s += $1} END {print s + 0}')
printf 'Moved:  %s bytes by device DMA into the ivshmem BAR (%s transfers)\n' "$bytes" \
	"$(grep -c 'P2P-HOSTCHECK' "$log" || true)"
echo "Host:   read back from the ivshmem backing file $out/exporter.mem:"
# the judge's KTAP report, counted as make check counts it (scripts/ktap.py)
results() { printf '%s\n' "$verdict" | sed -n '/^KTAP version 1$/,$p' | grep -E '^ *(not )?ok [0-9]+ ' || true; }
results | grep -E '^(not )?ok [0-9]+ host reads' | sed 's/^/        /' || true
echo "Tests:"
results | grep -v 'host reads' | sed 's/^/        /' || true
counts=$(printf '%s\n' "$verdict" | python3 "$TOP/scripts/ktap.py" --exit "$rc" - 2>/dev/null) || true
if [[ $counts =~ ^([0-9]+)\ 0$ ]]; then
	echo "Result: OK (${BASH_REMATCH[1]} checks passed; serial log $log)"
else
	printf '%s\n' "$verdict" | python3 "$TOP/scripts/ktap.py" --exit "$rc" - 2>&1 >/dev/null |
		sed 's/^/        /' || true
	echo "Result: FAILED (passed, failed: ${counts:-none}; serial log $log)"
	exit 1
fi
