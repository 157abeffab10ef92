# SPDX-License-Identifier: GPL-2.0
# Stage runners for scripts/check.sh (and its self-test). Source it after
# setting logdir (where stage logs go); it keeps passed, failed and times.
# shellcheck shell=bash disable=SC2034

: "${logdir:?set logdir before sourcing stage.sh}"
passed=${passed:-0}
failed=${failed:-0}
times=("${times[@]}")
KTAP_PARSER=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/ktap.py
# What each stage counted ("PASSED FAILED"), by name, for the pinned totals
# (totals_report); the stages left out on purpose, by name: why.
declare -gA STAGE_RESULTS=() STAGE_LEFT_OUT=()
# STAGE_FILTER: comma-separated shell patterns of the stage names to run
# (check.sh's STAGES=); empty: every stage. Not exported: only this shell's
# runners read it, not the stages' own (the tooling self-test's) runners.
STAGE_FILTER=${STAGE_FILTER:-}

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

# stage_selected NAME: does STAGE_FILTER let it run?
stage_selected() {
	local pat pats
	[ -n "$STAGE_FILTER" ] || return 0
	IFS=, read -r -a pats <<< "$STAGE_FILTER"
	for pat in "${pats[@]}"; do
		# shellcheck disable=SC2053 # a pattern
		[[ $1 == $pat ]] && return 0
	done
	return 1
}

run_stage() {
	local kind=$1 name=$2 log t0 t rc counts p=0 f=1 p0 f0
	shift 2
	if ! stage_selected "$name"; then
		printf '\n==> %s: left out (STAGES=%s)\n' "$name" "$STAGE_FILTER"
		STAGE_LEFT_OUT[$name]="STAGES=$STAGE_FILTER"
		return 0
	fi
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
	# a stage run twice (VARIANTS="amd amd") counts twice: not as pinned
	read -r p0 f0 <<< "${STAGE_RESULTS[$name]:-0 0}"
	STAGE_RESULTS[$name]="$((p0 + p)) $((f0 + f))"
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

# totals_eval EXPR TESTS_CONF N: the number of results EXPR pins (see
# scripts/check-totals.conf): N the patches, M those that are mailed, P
# the parts that are mailed (series_parts), boot:V what TESTS_CONF pins for
# variant V. Prints the number, then the expression with the values put
# in; fails on anything else in EXPR.
totals_eval() {
	local expr=$1 conf=$2 n=$3 v sum m p
	if [[ $expr == *[MP]* ]]; then
		read -r m p < <(series_parts | awk '$4 == "yes" { m += $3; p++ } END { print m + 0, p + 0 }') ||
			return 1
	fi
	while [[ $expr =~ boot:([A-Za-z0-9_-]+) ]]; do
		v=${BASH_REMATCH[1]}
		# cases (CASES or CASES/SKIPS) and host checks of each program of v
		sum=$(awk -v v="$v" '$1 !~ /^#/ && NF >= 4 && ("," $2 ",") ~ ("," v ",") {
			split($3, c, "/"); s += c[1] + $4 } END { print s + 0 }' "$conf") || return 1
		expr=${expr//"boot:$v"/$sum}
	done
	expr=${expr//N/$n}
	[[ $expr != *M* ]] || expr=${expr//M/$m}
	[[ $expr != *P* ]] || expr=${expr//P/$p}
	[[ $expr =~ ^[0-9+*()\ -]+$ ]] || return 1
	printf '%d %s\n' "$((expr))" "$expr"
}

# totals_report TOTALS TESTS_CONF N: the KTAP report of the pinned totals,
# one result for each stage TOTALS lists: ok if it ran and counted (passed
# + failed) exactly what TOTALS pins; a "# SKIP" (a failure) if the run
# left it out on purpose (STAGE_LEFT_OUT); "not ok" if it did not run or
# counted another number; and a "not ok" for each stage that ran
# (STAGE_RESULTS) and TOTALS does not list.
totals_report() {
	local file=$1 conf=$2 n=$3 name expr pinned shown p f k=0 out=()
	declare -A listed=()
	while IFS=$'\t' read -r name expr; do
		case $name in ''|'#'*) continue ;; esac
		k=$((k + 1))
		listed[$name]=1
		if ! read -r pinned shown < <(totals_eval "$expr" "$conf" "$n"); then
			out+=("not ok $k $name # $file: cannot read '$expr'")
		elif [ -n "${STAGE_RESULTS[$name]:-}" ]; then
			read -r p f <<< "${STAGE_RESULTS[$name]}"
			if [ $((p + f)) -eq "$pinned" ]; then
				out+=("ok $k $name: $pinned results, as pinned ($expr = $shown)")
			else
				out+=("not ok $k $name # $p passed + $f failed = $((p + f)) results, pinned $pinned ($expr = $shown)")
			fi
		elif [ -n "${STAGE_LEFT_OUT[$name]:-}" ]; then
			out+=("ok $k $name # SKIP left out by ${STAGE_LEFT_OUT[$name]} (pinned: $pinned results)")
		else
			out+=("not ok $k $name # did not run (pinned: $pinned results)")
		fi
	done < "$file"
	for name in "${!STAGE_RESULTS[@]}"; do
		[ -z "${listed[$name]:-}" ] || continue
		k=$((k + 1))
		out+=("not ok $k $name # ran, but $file pins no count for it")
	done
	printf 'KTAP version 1\n1..%d\n# %s; N = %d patches\n' "$k" "$file" "$n"
	[ $k -eq 0 ] || printf '%s\n' "${out[@]}"
}
