#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything "make check" runs, in order, with the time each stage took:
# packages, lint, base tree, git am, export/import round trip, the mbox
# round trip, quilt, tooling self-test, guest kernel, per-patch builds and
# links, QEMU boots of every topology variant. Each stage is judged from
# its KTAP report (scripts/stage.sh, scripts/ktap.py). Ends with one line
# "N passed, N failed".
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

VARIANTS=${VARIANTS:-default amd iommu}
passed=0 failed=0 times=()
logdir=$P2P_WORK/check
mkdir -p "$logdir"

START=$(date +%s)
summary() {
	local t=$(( $(date +%s) - START ))
	printf '\nStage times:\n'
	printf '  %s\n' "${times[@]}"
	printf '  %-28s %3dm%02ds\n' "total" $((t / 60)) $((t % 60))
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[ "$failed" -eq 0 ]
	exit
}

# shellcheck source=scripts/stage.sh
. "$TOP/scripts/stage.sh"

# A stage that the rest depends on stops the run when it fails.
prereq "packages" "$TOP"/scripts/deps.sh || summary
kstage "lint" "$TOP"/scripts/lint.sh
stage "base tree" "$TOP"/scripts/base-tree.sh || summary
stage "apply (git am)" "$TOP"/scripts/apply-series.sh || summary
stage "export round trip" "$TOP"/scripts/roundtrip.sh
kstage "mbox round trip" "$TOP"/scripts/mbox-check.sh
stage "apply (quilt)" "$TOP"/scripts/quilt-check.sh
kstage "tooling self-test" "$TOP"/scripts/selftest-tooling.sh
# The per-patch link check compares with the guest kernel: build it first.
stage "guest kernel" "$TOP"/scripts/build-kernel.sh || summary
kstage "per-patch builds" "$TOP"/scripts/bisect-build.sh
for v in $VARIANTS; do
	kstage "boot $v" "$TOP"/qemu-test/run-guest.sh -v "$v"
done
kstage "bench (tiny)" "$TOP"/scripts/bench.sh -t
summary
