# SPDX-License-Identifier: GPL-2.0
# Stage runners for scripts/check.sh (and its self-test). Source it after
# setting logdir (where stage logs go); it keeps passed, failed and times.
# shellcheck shell=bash disable=SC2034

: "${logdir:?set logdir before sourcing stage.sh}"
passed=${passed:-0}
failed=${failed:-0}
times=("${times[@]}")

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
	elif [ $rc -eq 0 ] && [ "$kind" = prereq ]; then
		:
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
prereq() { run_stage prereq "$@"; }
