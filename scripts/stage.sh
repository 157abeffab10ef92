# SPDX-License-Identifier: GPL-2.0
# Stage runners for scripts/check.sh (and its self-test). Source it after
# setting logdir (where stage logs go); it keeps passed, failed and times.
# shellcheck shell=bash disable=SC2034

: "${logdir:?set logdir before sourcing stage.sh}"
passed=${passed:-0}
failed=${failed:-0}
times=("${times[@]}")
KTAP_PARSER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ktap.py

# Every stage is judged from one KTAP report, by one parser
# (scripts/ktap.py: what fails is said there). kstage NAME CMD...: CMD
# judges several things and ends with its report; none, or one that is
# truncated or garbled, fails whatever the exit status (a crashed judge
# must not pass). stage NAME CMD...: a plain CMD, one test that passes if
# it exits 0; the runner writes its one-test report. Either way a nonzero
# exit fails, and so does a Python traceback in the output. Returns 0 if
# the stage had no failure.
stage() { run_stage plain "$@"; }
kstage() { run_stage ktap "$@"; }
# Installing packages is a precondition, not a test: only a failure counts.
prereq() { run_stage prereq "$@"; }

run_stage() {
	local kind=$1 name=$2 log t0 t rc counts p=0 f=1
	shift 2
	log=$logdir/${name// /-}.log
	printf '\n==> %s\n' "$name"
	t0=$(date +%s)
	"$@" > "$log" 2>&1
	rc=$?
	t=$(( $(date +%s) - t0 ))
	times+=("$(printf '%-28s %3dm%02ds' "$name" $((t / 60)) $((t % 60)))")
	if [ "$kind" != ktap ]; then
		if [ $rc -eq 0 ]; then
			printf 'KTAP version 1\n1..1\nok 1 %s\n' "$name"
		else
			printf 'KTAP version 1\n1..1\nnot ok 1 %s # exit %d\n' "$name" "$rc"
		fi >> "$log"
	fi
	counts=$(python3 "$KTAP_PARSER" --exit "$rc" "$log" 2> "$log.why")
	if [[ $counts =~ ^([0-9]+)\ ([0-9]+)$ ]]; then
		p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]}
	else
		printf 'ktap: the parser failed: %s\n' "$counts" >> "$log.why"
	fi
	[ "$kind" != prereq ] || p=0
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$kind" = prereq ] && [ "$f" -eq 0 ]; then
		return 0
	fi
	# the report, then what the parser found wrong
	sed -n '/^KTAP version 1$/,$p' "$log"
	sed 's/^/  /' "$log.why"
	if [ "$f" -eq 0 ]; then
		[ "$kind" = ktap ] || grep -E '^(base: |[a-z-]+\.sh: )' "$log" | tail -n 3 | sed 's/^/  /'
		return 0
	fi
	printf '  (log %s, last lines before the report:)\n' "$log"
	sed '/^KTAP version 1$/,$d' "$log" | grep -vE '^[a-z-]+\.sh: (not )?ok [0-9]+ ' |
		tail -n 25 | sed 's/^/  /'
	return 1
}
