#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Everything "make check" runs, in order, with the time each stage took:
# packages, lint, base tree, git am, export/import round trip, quilt,
# tooling self-test, per-patch builds, guest kernel, QEMU boots of every
# topology variant. Ends with one line "N passed, N failed".
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

# stage NAME CMD...: run CMD, log it, count it as one result by its exit
# status. cstage NAME CMD...: CMD judges several things and must end with
# "counts P F"; those count, and a missing counts line is a failure
# whatever the exit status (a crashed judge must not pass).
stage() { run_stage plain "$@"; }
cstage() { run_stage counts "$@"; }
run_stage() {
	local kind=$1 name=$2 log t0 t rc last
	shift 2
	log=$logdir/${name// /-}.log
	printf '\n==> %s\n' "$name"
	t0=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	t=$(( $(date +%s) - t0 ))
	times+=("$(printf '%-28s %3dm%02ds' "$name" $((t / 60)) $((t % 60)))")
	last=$(tail -n 1 "$log")
	if grep -q '^Traceback (most recent call last):' "$log"; then
		failed=$((failed + 1))
		printf 'FAIL %s: a Python traceback in the output (log %s)\n' "$name" "$log"
		rc=1
	elif [ "$kind" = counts ]; then
		if [[ $last =~ ^counts\ ([0-9]+)\ ([0-9]+)$ ]]; then
			local p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
			grep -E '^(PASS|FAIL) ' "$log"
			if [ "$f" -gt 0 ]; then
				printf '  (log %s, last lines:)\n' "$log"
				grep -vE '^(PASS|FAIL) |^counts ' "$log" | tail -n 25 | sed 's/^/  /'
			fi
			passed=$((passed + p))
			failed=$((failed + f))
			# a runner that died after judging is a failure too
			if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
				failed=$((failed + 1)); printf 'FAIL %s: exit %d\n' "$name" "$rc"
			fi
		else
			failed=$((failed + 1))
			printf 'FAIL %s: no "counts" line (exit %d, log %s):\n' "$name" "$rc" "$log"
			tail -n 25 "$log" | sed 's/^/  /'
			[ $rc -ne 0 ] || rc=1
		fi
	elif [ $rc -eq 0 ]; then
		passed=$((passed + 1))
		printf 'PASS %s\n' "$name"
		grep -E '^(base: |[a-z-]+\.sh: )' "$log" | tail -n 3 | sed 's/^/  /'
	else
		failed=$((failed + 1))
		printf 'FAIL %s (exit %d, log %s):\n' "$name" "$rc" "$log"
		tail -n 25 "$log" | sed 's/^/  /'
	fi
	return $rc
}

# Installing packages is a precondition, not a test: only a failure counts.
prereq() {
	local name=$1 log t0 t rc
	shift
	log=$logdir/${name// /-}.log
	printf '\n==> %s\n' "$name"
	t0=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	t=$(( $(date +%s) - t0 ))
	times+=("$(printf '%-28s %3dm%02ds' "$name" $((t / 60)) $((t % 60)))")
	if [ $rc -ne 0 ]; then
		failed=$((failed + 1))
		printf 'FAIL %s (exit %d, log %s):\n' "$name" "$rc" "$log"
		tail -n 25 "$log" | sed 's/^/  /'
	fi
	return $rc
}

# A stage that the rest depends on stops the run when it fails.
prereq "packages" "$TOP"/scripts/deps.sh || summary
cstage "lint" "$TOP"/scripts/lint.sh
stage "base tree" "$TOP"/scripts/base-tree.sh || summary
stage "apply (git am)" "$TOP"/scripts/apply-series.sh || summary
stage "export round trip" "$TOP"/scripts/roundtrip.sh
stage "apply (quilt)" "$TOP"/scripts/quilt-check.sh
cstage "tooling self-test" "$TOP"/scripts/selftest-tooling.sh
cstage "per-patch builds" "$TOP"/scripts/bisect-build.sh
stage "guest kernel" "$TOP"/scripts/build-kernel.sh || summary
for v in $VARIANTS; do
	cstage "boot $v" "$TOP"/qemu-test/run-guest.sh -v "$v"
done
summary
