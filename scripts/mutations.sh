#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Mutation controls: show that the guest suite fails on a broken kernel.
# For each line of qemu-test/mutations.conf, boot the default variant of
# the guest kernel with a test driver broken on purpose (a "mutate_*"
# module parameter of lib/test_p2p_vma_*.c), run the tests the line names
# and check, from the boot judge's report, that exactly the tests under "must fail"
# failed, that the controls under "must pass" passed, and that the boot's
# judge found the kernel log clean (a mutation must fail tests, not crash
# the kernel). One result per mutation; a mutation whose tests pass fails.
# Ends with its KTAP report (lib.sh result_report).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

CONF=$TOP/qemu-test/mutations.conf
SRC=tools/testing/selftests/mm/p2p-vma-tests.c
OUT=$P2P_WORK/mutations

# The boot's results, from its judge's report (check-log.py already
# frames the program's output and parses its TAP): "ok TEST" or
# "not ok TEST" for each subtest of the one program the boot runs.
judged_results() {
	sed -n 's/^    \(ok\|not ok\) [0-9]\+ \([^ #]*\).*/\1 \2/p' "$1"
}

mutation() {	# mutation NAME MODULES MUST_FAIL MUST_PASS
	local name=$1 modules=$2 fail=$3 pass=$4 dir=$OUT/$1 t args='' n=0
	local got want_fail want_pass bad=() judge
	rm -rf "$dir"
	mkdir -p "$dir"
	for t in ${fail//,/ } ${pass//,/ }; do
		args+=" -r $t"
		n=$((n + 1))
	done
	printf 'p2p-vma\tdefault\t%d\t0\t%s\tkernel:%s\t%s\n' \
		"$n" "$modules" "$SRC" "${args# }" > "$dir/tests.conf"
	# the judge fails this boot (tests fail on purpose): its report is read
	# below, its exit status is not
	"$TOP"/qemu-test/run-guest.sh -v default -C "$dir/tests.conf" \
		-o "$dir/boot" > "$dir/judge.log" 2> "$dir/run.log"
	if ! grep -q '^KTAP version 1' "$dir/judge.log"; then
		result FAIL "mutation $name" "no judge report (see $dir/run.log)"
		return
	fi
	got=$(judged_results "$dir/judge.log")
	for t in ${fail//,/ }; do
		want_fail=${t/:/.}
		grep -qx "not ok $want_fail" <<< "$got" ||
			bad+=("$want_fail did not fail")
	done
	for t in ${pass//,/ }; do
		want_pass=${t/:/.}
		grep -qx "ok $want_pass" <<< "$got" ||
			bad+=("control $want_pass did not pass")
	done
	[ "$(grep -c . <<< "$got")" -eq "$n" ] ||
		bad+=("$(grep -c . <<< "$got") results, not $n")
	judge=$(grep -E '^(not )?ok [0-9]+ kernel log free' "$dir/judge.log")
	[[ $judge == ok* ]] || bad+=("kernel log: ${judge:-no judge report}")
	if [ ${#bad[@]} -eq 0 ]; then
		result OK "mutation $name: ${fail//,/, } fail as expected, ${pass//,/, } pass"
	else
		result FAIL "mutation $name" "$(IFS=';'; echo "${bad[*]}") (see $dir)"
	fi
}

[ -f "$GUEST_OBJ/arch/x86/boot/bzImage" ] ||
	die "no guest kernel: run scripts/build-kernel.sh"
while IFS=$'\t' read -r name modules fail pass; do
	case $name in ''|'#'*) continue ;; esac
	mutation "$name" "$modules" "$fail" "$pass"
done < "$CONF"
result_report
