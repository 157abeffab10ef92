#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything "make check" runs, in order, with the time each stage took:
# packages, lint, base tree, git am, export/import round trip, the mbox
# round trip, quilt, tooling self-test, guest kernel, per-patch builds and
# links, QEMU boots of every topology variant, the tiny benchmark; last,
# what each stage counted against scripts/check-totals.conf (stage
# "pinned totals"). Each stage is judged from its KTAP report
# (scripts/stage.sh, scripts/ktap.py). Ends with one line
# "N passed, N failed".
#
# VARIANTS="default ..." boots only these variants, STAGES="lint,boot *"
# runs only the stages whose names match (comma-separated shell patterns):
# a PARTIAL run, which says so before its last line, counts each stage it
# left out as a failure (a SKIP) and exits non-zero. A full run is every
# stage of scripts/check-totals.conf, its boot variants included.
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

TOTALS=$TOP/scripts/check-totals.conf
FULL_VARIANTS=$(sed -n 's/^boot \([^[:space:]]*\)\t.*/\1/p' "$TOTALS" | tr '\n' ' ')
FULL_VARIANTS=${FULL_VARIANTS% }
VARIANTS=${VARIANTS:-$FULL_VARIANTS}
# for this script's stage runners only (not exported to the stages)
STAGE_FILTER=${STAGES:-}
STAGES_GIVEN=$STAGE_FILTER
unset STAGES
passed=0 failed=0 times=()
logdir=$P2P_WORK/check
mkdir -p "$logdir"

# A partial run leaves stages out on purpose: those STAGES filters out
# (stage.sh), and the boot variants of a full run not in VARIANTS.
variants_left=()
for v in $FULL_VARIANTS; do
	[[ " $VARIANTS " == *" $v "* ]] || variants_left+=("$v")
done

START=$(date +%s)
summary() {
	local t=$(( $(date +%s) - START )) v left why=()
	# the pinned totals: every stage, also where the run stopped early
	for v in "${variants_left[@]}"; do
		STAGE_LEFT_OUT["boot $v"]="VARIANTS='$VARIANTS'"
	done
	STAGE_FILTER=
	kstage "pinned totals" totals_report "$TOTALS" "$TOP/qemu-test/tests.conf" \
		"$(series_list | wc -l)"
	printf '\nStage times:\n'
	printf '  %s\n' "${times[@]}"
	printf '  %-28s %3dm%02ds\n' "total" $((t / 60)) $((t % 60))
	# (the line .ci/run parses stays last)
	if [ ${#STAGE_LEFT_OUT[@]} -gt 0 ]; then
		left=$(printf '%s\n' "${!STAGE_LEFT_OUT[@]}" | sort | paste -sd, | sed 's/,/, /g')
		[ -z "$STAGES_GIVEN" ] || why+=("STAGES='$STAGES_GIVEN'")
		[ ${#variants_left[@]} -eq 0 ] || why+=("VARIANTS='$VARIANTS'")
		printf 'PARTIAL: not a full make check (%s): left out %s\n' "${why[*]}" "$left"
	fi
	printf '%d passed, %d failed\n' "$passed" "$failed"
	[ "$failed" -eq 0 ] && [ ${#STAGE_LEFT_OUT[@]} -eq 0 ]
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
# the suite fails on a kernel broken on purpose (qemu-test/mutations.conf)
kstage "mutations" "$TOP"/scripts/mutations.sh
kstage "bench (tiny)" "$TOP"/scripts/bench.sh -t
summary
