#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Test the series tooling itself on a throwaway patch against the base:
#  - the intact patch applies (git am and quilt), as a control;
#  - with one context line changed, apply-series.sh and quilt-check.sh
#    both fail and name the patch;
#  - a patch missing from series, or listed but absent, fails the lint;
#  - check.sh's stage runners, with the KTAP parser, fail a missing,
#    truncated or garbled report, a "not ok", SKIP, XFAIL or XPASS whatever
#    the exit status, a nonzero exit, a traceback; a sparse skipped by
#    kbuild fails; the mbox stage checks the refusal without an identity
#    also where .git/config sets one; bench.sh makes no table from an
#    earlier run's serial log; make demo fails where it cannot show the
#    p2p vma interface; check.sh fails a run that counts other totals than
#    scripts/check-totals.conf pins, and a PARTIAL run;
#  - with KERNEL_SRC the series lands on a new branch of that tree and the
#    tree's own branch and working tree are not touched;
#  - the per-prefix link check fails an undefined and an unexported call;
#  - kconfig.sh lets a later fragment override an earlier one, and fails
#    an option whose dependencies are not met.
# Ends with its KTAP report (lib.sh result_report).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"


base=$(base_ref) || die "no base tree"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/good" "$tmp/bad"

# A one-hunk patch to the top-level README, made with git in the scratch tree.
worktree_at "$SCRATCH_TREE" "$base"
sed -i '3s/$/ (tooling self-test)/' "$SCRATCH_TREE/README"
git -C "$SCRATCH_TREE" -c user.name=selftest -c user.email=selftest@localhost \
	commit -q -a -s -m "README: tooling self-test" -m "A throwaway change."
"$TOP"/scripts/export-series.sh -t "$SCRATCH_TREE" -b "$base" \
	-o "$tmp/good" -s "$tmp/good/series" 2>/dev/null
p=$(sed -e 's/#.*//' -e '/^$/d' "$tmp/good/series" | head -n 1)
cp "$tmp/good/series" "$tmp/bad/series"
# Change the context line just above the added line.
awk '/^@@/{h=1} h && /^ / {last=NR} {l[NR]=$0} END{for(i=1;i<=NR;i++){if(i==last&&!done){sub(/^ /," BROKEN ",l[i]);done=1} print l[i]}}' \
	"$tmp/good/$p" > "$tmp/bad/$p"
cmp -s "$tmp/good/$p" "$tmp/bad/$p" && die "could not break the test patch"

if "$TOP"/scripts/apply-series.sh -t "$SCRATCH_TREE" -p "$tmp/good" -s "$tmp/good/series" 2>"$tmp/log"; then
	result OK "control: intact patch applies with git am"
else
	result FAIL "control: intact patch applies with git am" "$(tail -n 1 "$tmp/log")"
fi
if "$TOP"/scripts/quilt-check.sh -t "$SCRATCH_TREE" -p "$tmp/good" -s "$tmp/good/series" 2>"$tmp/log"; then
	result OK "control: intact patch applies with quilt"
else
	result FAIL "control: intact patch applies with quilt" "$(tail -n 1 "$tmp/log")"
fi
if "$TOP"/scripts/apply-series.sh -t "$SCRATCH_TREE" -p "$tmp/bad" -s "$tmp/bad/series" 2>"$tmp/log"; then
	result FAIL "broken context line: git am refuses it" "it applied"
elif grep -q "$p does not apply" "$tmp/log"; then
	result OK "broken context line: git am refuses it ($(tail -n 1 "$tmp/log"))"
else
	result FAIL "broken context line: git am refuses it" "message does not name the patch: $(tail -n 1 "$tmp/log")"
fi
# A user whose git config asks for 3-way merges (which would merge the
# broken context line cleanly: the patch names the real blob) and has a hook.
printf '[am]\n\tthreeWay = true\n[core]\n\thooksPath = %s\n' "$tmp/hooks" > "$tmp/gitconfig"
mkdir -p "$tmp/hooks"
printf '#!/bin/sh\nexit 1\n' > "$tmp/hooks/applypatch-msg"
chmod +x "$tmp/hooks/applypatch-msg"
if GIT_CONFIG_GLOBAL=$tmp/gitconfig "$TOP"/scripts/apply-series.sh -t "$SCRATCH_TREE" \
		-p "$tmp/bad" -s "$tmp/bad/series" 2>"$tmp/log"; then
	result FAIL "broken context line with am.threeWay=true in the user's config: refused" "it applied"
else
	result OK "broken context line with am.threeWay=true in the user's config: refused"
fi
if GIT_CONFIG_GLOBAL=$tmp/gitconfig "$TOP"/scripts/apply-series.sh -t "$SCRATCH_TREE" \
		-p "$tmp/good" -s "$tmp/good/series" 2>"$tmp/log"; then
	result OK "a failing applypatch-msg hook in the user's config is not run"
else
	result FAIL "a failing applypatch-msg hook in the user's config is not run" "$(tail -n 1 "$tmp/log")"
fi
if "$TOP"/scripts/quilt-check.sh -t "$SCRATCH_TREE" -p "$tmp/bad" -s "$tmp/bad/series" 2>"$tmp/log"; then
	result FAIL "broken context line: quilt refuses it" "it applied"
else
	result OK "broken context line: quilt refuses it ($(tail -n 1 "$tmp/log"))"
fi

# lint: series and patches/ must agree both ways
: > "$tmp/bad/series"
if PATCH_DIR=$tmp/bad SERIES_FILE=$tmp/bad/series "$TOP"/scripts/lint.sh > "$tmp/log" 2>&1; then
	result FAIL "lint: a patch missing from series fails" "lint passed"
else
	result OK "lint: a patch missing from series fails"
fi
printf 'ghost.patch\n' > "$tmp/bad/series"
rm -f "$tmp/bad/$p"
if PATCH_DIR=$tmp/bad SERIES_FILE=$tmp/bad/series "$TOP"/scripts/lint.sh > "$tmp/log" 2>&1; then
	result FAIL "lint: a series entry without its patch fails" "lint passed"
else
	result OK "lint: a series entry without its patch fails"
fi

# check.sh's stage runners and the one parser they count with
# (stage.sh, ktap.py): each fake stage below prints what it is named
# after; the passed and failed counts it adds must be these. The old
# behaviour each guards against is in its comment ("counts": the
# PASS/FAIL lines and last "counts P F" line every stage printed before
# KTAP, whose numbers the runner took as they were).
# fake NAME STATUS LINE...: a stage command printing LINEs, exiting STATUS
fake() {
	local f=$tmp/fake-$1
	printf '%s\n' "${@:3}" > "$f"
	printf '#!/bin/sh\ncat "%s"\nexit %d\n' "$f" "$2" > "$f.sh"
	chmod +x "$f.sh"
}
# expect_stage "PASSED FAILED" WHAT RUNNER NAME CMD...
expect_stage() {
	local want=$1 what=$2 got
	shift 2
	# shellcheck disable=SC2030,SC2031 # the counters of this stage alone
	got=$(
		logdir=$tmp/stages passed=0 failed=0 times=()
		mkdir -p "$logdir"
		# shellcheck source=scripts/stage.sh
		. "$TOP/scripts/stage.sh"
		"$@" > /dev/null
		echo "$passed $failed"
	)
	if [ "$got" = "$want" ]; then
		result OK "stage runner: $what ($got: passed, failed)"
	else
		result FAIL "stage runner: $what" "passed, failed $got, want $want"
	fi
}
K='KTAP version 1'
# control: a whole report counts its results
fake good 0 "$K" 1..2 "ok 1 one" "ok 2 two"
expect_stage "2 0" "a whole report of 2 results counts 2 passes" kstage good "$tmp/fake-good.sh"
# missing report: a judge that crashed before its verdict, under a
# wrapper that exited 0, once counted as a pass
fake missing 0 "ok 1 one" "some output"
expect_stage "0 1" "no report, exit 0: a failure" kstage missing "$tmp/fake-missing.sh"
# truncated: "counts" had no plan, so a judge that stopped after 3 of its
# 5 checks and printed "counts 3 0" passed
fake truncated 0 "$K" 1..5 "ok 1 one" "ok 2 two" "ok 3 three"
expect_stage "3 1" "plan 1..5, 3 results, exit 0: truncated, a failure" kstage truncated "$tmp/fake-truncated.sh"
# unparsable: "counts" read only the last line, so anything could cut
# into the results (a crash message, another program's output) unseen
fake garbled 0 "$K" 1..2 "ok 1 one" "Segmentation fault" "ok 2 two"
expect_stage "2 1" "a stray line where a result is due: a failure" kstage garbled "$tmp/fake-garbled.sh"
# out of order: nothing checked the numbers (nor, in the boot judge, a
# guest program's: two "ok 1" made a plan of 2 complete)
fake order 0 "$K" 1..2 "ok 1 one" "ok 1 two"
expect_stage "2 1" "a result numbered out of order: a failure" kstage order "$tmp/fake-order.sh"
# exit 0 with a "not ok": the runner took "counts 2 0" as it was, even
# with a FAIL line above it; the counts now come from the results
fake notok 0 "$K" 1..2 "ok 1 one" "not ok 2 two # it broke"
expect_stage "1 1" "exit 0 with a \"not ok\": a failure" kstage notok "$tmp/fake-notok.sh"
# nonzero exit with every result ok: a runner that died after judging
# (the old runner had this rule too; kept)
fake died 1 "$K" 1..2 "ok 1 one" "ok 2 two"
expect_stage "2 1" "exit 1 with every result ok: a failure" kstage died "$tmp/fake-died.sh"
# a crash traceback, even with a whole report and exit 0 (the old runner
# caught one at the start of a line only, not in indented output)
fake crash 0 "Traceback (most recent call last):" "$K" 1..1 "ok 1 one"
expect_stage "1 1" "a Python traceback: a failure" kstage crash "$tmp/fake-crash.sh"
fake crash2 0 "  Traceback (most recent call last):" "$K" 1..1 "ok 1 one"
expect_stage "1 1" "an indented Python traceback: a failure" kstage crash2 "$tmp/fake-crash2.sh"
fake plaincrash 0 "Traceback (most recent call last):"
expect_stage "1 1" "a plain stage with a traceback, exit 0: a failure" stage plaincrash "$tmp/fake-plaincrash.sh"
# subtests (a boot's programs): a truncated subtest report fails even
# under an "ok" parent
fake nested 0 "$K" 1..1 "    $K" "    1..3" "    ok 1 a" "    ok 2 b" "ok 1 prog"
expect_stage "2 1" "a truncated subtest report under an ok result: a failure" kstage nested "$tmp/fake-nested.sh"
# a SKIP is a failure: make check has nothing optional (the boot judge
# failed a guest's SKIP already; now every stage does)
fake skip 0 "$K" 1..1 "ok 1 sparse ran # SKIP no sparse"
expect_stage "0 1" "an ok result with a SKIP directive: a failure" kstage skip "$tmp/fake-skip.sh"
# XFAIL/XPASS (kselftest_harness's XFAIL_ADD): an expected failure once
# counted as a pass, and so did an unexpected pass
fake xfail 0 "$K" 1..2 "ok 1 one" "ok 2 two # XFAIL known to fail"
expect_stage "1 1" "an ok result with an XFAIL directive: a failure" kstage xfail "$tmp/fake-xfail.sh"
fake xpass 0 "$K" 1..2 "ok 1 one" "not ok 2 two # XPASS expected to fail"
expect_stage "1 1" "a result with an XPASS directive: a failure" kstage xpass "$tmp/fake-xpass.sh"
# plain stages: one result by exit status; packages count only failing
expect_stage "1 0" "a plain stage that exits 0: 1 pass" stage plain true
expect_stage "0 1" "a plain stage that exits 1: 1 failure" stage plain false
expect_stage "0 0" "packages that install: not counted" prereq packages true
expect_stage "0 1" "packages that fail: 1 failure" prereq packages false

# The mbox stage's refusal without an identity once recorded nothing, no
# result and no failure, where this clone's .git/config set an identity. A
# copy of scripts/ in a repository that sets one: mbox.sh finds it there
# (the control), and mbox-check.sh -r checks the refusal all the same.
git init -q "$tmp/ident"
git -C "$tmp/ident" config user.name "Local Identity"
git -C "$tmp/ident" config user.email local-identity@example.invalid
cp -r "$TOP/scripts" "$tmp/ident/"
if ! env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL P2P_WORK="$tmp/ident/build" \
		"$tmp/ident/scripts/mbox.sh" -I > "$tmp/log" 2>&1 ||
   ! grep -q 'sending as Local Identity' "$tmp/log"; then
	result FAIL "mbox: the refusal is checked where .git/config sets an identity" \
		"control: mbox.sh does not find the local identity: $(tail -n 1 "$tmp/log")"
else
	expect_stage "1 0" "mbox: the refusal without an identity is checked where .git/config sets one" \
		kstage mbox-refusal env P2P_WORK="$tmp/ident/build" "$tmp/ident/scripts/mbox-check.sh" -r
fi

# bench.sh once made its table from whatever serial log was in its
# directory: a boot that never happened (here: no kernel) left an earlier
# run's log, and its figures became this run's table.
mkdir -p "$tmp/bw/bench-tiny/guest"
printf '%s\n' 'P2P-BENCH run method=p2p_pinned size=4096 ranges=1 pages=0 map=1000 unmap=1000' \
	> "$tmp/bw/bench-tiny/guest/serial.log"
if P2P_WORK=$tmp/bw "$TOP"/scripts/bench.sh -t > "$tmp/log" 2>&1; then
	result FAIL "bench: no table from an earlier run's serial log" "it passed without a boot"
elif grep -qE '^\| +4K ' "$tmp/log" "$tmp/bw/bench-tiny/bench.txt" 2>/dev/null ||
     [ -e "$tmp/bw/bench-tiny/guest/serial.log" ]; then
	result FAIL "bench: no table from an earlier run's serial log" "the stale log's figures are in the table"
else
	result OK "bench: no table from an earlier run's serial log (a boot that did not happen fails)"
fi

# make demo once fell back to the plumbing smoke test (no code of the
# series) where the p2p vma interface was missing, and said "Result: OK".
# A copy of scripts/ and qemu-test/ whose run-guest.sh is a stand-in that
# prints a boot report (and base-tree.sh one that fetches nothing), on a
# stand-in applied tree: demo.sh -B must fail without a test exporter, and
# booting nothing; fail when a demo program is missing from the report;
# pass (the control) when both ran and passed.
d=$tmp/demo
mkdir -p "$d/build/linux/lib" "$d/build/linux/drivers/vfio/pci"
cp -r "$TOP/scripts" "$TOP/qemu-test" "$d/"
cp "$SERIES_FILE" "$d/series"
printf '#!/bin/sh\necho "base: stand-in"\n' > "$d/scripts/base-tree.sh"
printf '#!/bin/sh\necho booted >> "%s/booted"\ncat "%s/report"\n' "$d" "$d" > "$d/qemu-test/run-guest.sh"
printf '.p2p_describe = x,\n' > "$d/build/linux/drivers/vfio/pci/vfio_pci_core.c"
demo() {	# demo REPORT-LINE...: demo.sh -B on that boot report
	printf '%s\n' "$K" "1..$#" "$@" > "$d/report"
	P2P_WORK=$d/build PATCH_DIR=$d/patches SERIES_FILE=$d/series "$d/scripts/demo.sh" -B > "$tmp/log" 2>&1
}
if demo "ok 1 serial log" || ! grep -q '^Result: FAILED' "$tmp/log" || [ -e "$d/booted" ]; then
	result FAIL "demo: no p2p vma interface, no demo" "$(grep '^Result' "$tmp/log")"
else
	result OK "demo: no p2p vma interface (no test exporter): fails, boots nothing"
fi
touch "$d/build/linux/lib/test_p2p_vma_exp.c"
if demo "ok 1 serial log" "ok 2 p2p-vma" || ! grep -q '^Result: FAILED' "$tmp/log"; then
	result FAIL "demo: a demo program that did not run fails it" "$(grep '^Result' "$tmp/log")"
else
	result OK "demo: a demo program that did not run (p2p-vma-vfio) fails it"
fi
if demo "ok 1 serial log" "ok 2 p2p-vma" "ok 3 p2p-vma-vfio" && grep -q '^Result: OK' "$tmp/log"; then
	result OK "demo: control, both demo programs ran and passed: OK"
else
	result FAIL "demo: control, both demo programs ran and passed: OK" "$(tail -n 3 "$tmp/log")"
fi

# The pinned totals (check.sh, stage.sh totals_report, check-totals.conf):
# once any run that ended "N passed, 0 failed" passed, with a boot variant
# or a stage left out (VARIANTS=default, VARIANTS=' ') or a test lost. A
# copy of scripts/ and qemu-test/ in which every stage is a stand-in
# printing a fixed number of results, with a totals file, tests.conf and
# series of its own (2 patches): check.sh must pass the run that counts
# what is pinned, and fail, naming the difference, every other one.
c=$tmp/check
mkdir -p "$c/build"
cp -r "$TOP/scripts" "$TOP/qemu-test" "$c/"
printf '%s\n' a.patch b.patch > "$c/series"
printf 'p\tdefault,amd,iommu\t2\t1\t-\tharness:p.c\nq\tamd\t1\t0\t-\tharness:q.c\n' \
	> "$c/qemu-test/tests.conf"
printf '%s\t%s\n' packages 0 lint 'N + 1' 'base tree' 1 'apply (git am)' 1 \
	'export round trip' 1 'mbox round trip' 1 'apply (quilt)' 1 'tooling self-test' 1 \
	'guest kernel' 1 'per-patch builds' 1 'boot default' 'boot:default + 1' \
	'boot amd' 'boot:amd + 1' 'boot iommu' 'boot:iommu + 1' mutations 1 \
	'bench (tiny)' 1 > "$c/scripts/check-totals.conf"
for f in deps base-tree apply-series roundtrip quilt-check build-kernel; do
	printf '#!/bin/sh\nexit 0\n' > "$c/scripts/$f.sh"
done
for f in scripts/lint.sh scripts/mbox-check.sh scripts/selftest-tooling.sh \
	 scripts/bisect-build.sh scripts/mutations.sh scripts/bench.sh \
	 qemu-test/run-guest.sh; do
	# prints as many results as the file boot-VARIANT (or NAME.n) says
	cat > "$c/$f" <<'STUB'
#!/bin/sh
top=$(dirname "$0")/..
n=$(cat "$top/${0##*/}.n" 2>/dev/null || echo 1)
[ "$1" != -v ] || n=$(cat "$top/boot-$2")
printf 'KTAP version 1\n1..%d\n' "$n"
for i in $(seq 1 "$n"); do echo "ok $i stand-in"; done
STUB
done
echo 3 > "$c/lint.sh.n"
# check_case WHAT RUN-MUST-PASS GREP [VAR=VALUE...]: check.sh of the copy;
# its exit status, "PARTIAL" line and last line, and GREP in its output
check_case() {
	local what=$1 pass=$2 pat=$3 rc=0 last partial
	shift 3
	printf '%s\n' 4 > "$c/boot-default"
	printf '%s\n' 5 > "$c/boot-amd"
	printf '%s\n' 4 > "$c/boot-iommu"
	printf '%s\n' 2 > "$c/boot-bench"
	[ "${1:-}" != short-amd ] || { echo 4 > "$c/boot-amd"; shift; }
	env -u VARIANTS -u STAGES P2P_WORK="$c/build" "$@" "$c/scripts/check.sh" > "$tmp/log" 2>&1 || rc=$?
	last=$(tail -n 1 "$tmp/log")
	partial=$(grep '^PARTIAL' "$tmp/log" || true)
	if ! [[ $last =~ ^[0-9]+\ passed,\ [0-9]+\ failed$ ]]; then
		result FAIL "pinned totals: $what" "last line '$last'"
	elif [ "$pass" = pass ] && { [ $rc -ne 0 ] || [ -n "$partial" ] || [[ $last != *" 0 failed" ]]; }; then
		result FAIL "pinned totals: $what" "exit $rc, '$last' $partial"
	elif [ "$pass" != pass ] && { [ $rc -eq 0 ] || [[ $last == *" 0 failed" ]]; }; then
		result FAIL "pinned totals: $what" "exit $rc, '$last'"
	elif [ "$pass" = partial ] && [ -z "$partial" ]; then
		result FAIL "pinned totals: $what" "no PARTIAL line"
	elif ! grep -qE "$pat" "$tmp/log"; then
		result FAIL "pinned totals: $what" "no '$pat' in its output"
	else
		result OK "pinned totals: $what ($last${partial:+; $partial})"
	fi
}
check_case "control: a full run that counts what is pinned passes" pass \
	'^ok 12 boot amd: 5 results, as pinned \(boot:amd \+ 1 = 4 \+ 1\)$'
check_case "VARIANTS=default: PARTIAL, fails" partial \
	"^PARTIAL: .*VARIANTS='default'.*left out boot amd, boot iommu" VARIANTS=default
check_case "VARIANTS=' ' (no boot at all): PARTIAL, fails" partial \
	"left out boot amd, boot default, boot iommu" VARIANTS=' '
check_case "STAGES='lint,boot *': PARTIAL, fails" partial \
	"^PARTIAL: .*STAGES='lint,boot \*'.*left out .*mbox round trip" STAGES='lint,boot *'
check_case "a boot with one result less than tests.conf pins fails, named" fail \
	'^not ok 12 boot amd # 4 passed \+ 0 failed = 4 results, pinned 5' short-amd
check_case "a variant run twice fails" fail \
	'^not ok 12 boot amd # 10 passed' VARIANTS='default amd iommu amd'
check_case "a stage no count is pinned for fails" fail \
	'^not ok [0-9]+ boot bench # ran, but .* pins no count' VARIANTS='default amd iommu bench'

# Sparse skipped: the per-patch builds run sparse through kbuild (W=1
# C=2 CHECK="sparse ..."), and kbuild drops it with a mere make warning
# when the checker is missing or cannot parse v7.3's headers (Debian 12's
# sparse and __typeof_unqual__): the build passes. Before 8b21e26 the
# stage then compared two empty warning lists and passed; bisect-build.sh
# judges it with sparse_ran (lib.sh), fed here what kbuild wrote, and a
# skip must fail the stage.
check="sparse -D__typeof_unqual__=__typeof__"
printf '%s\n' "Makefile:1311: C=2 specified, but $check is not available or not up to date" \
	'  CC      mm/memory.o' '  CC      mm/gup.o' > "$tmp/sparse-skipped.log"
printf '%s\n' '  CC      mm/memory.o' '  CHECK   mm/memory.c' > "$tmp/sparse-ran.log"
printf '%s\n' '  CC      mm/memory.o' > "$tmp/sparse-none.log"
sparse_stage() {	# sparse_stage CHECK LOG...: sparse_ran and its report
	bash -c '. "$0"; sparse_ran "$@"; result_report' "$TOP/scripts/lib.sh" "$@"
}
if command -v sparse > /dev/null; then
	expect_stage "1 0" "control: sparse ran in both builds" \
		kstage sparse sparse_stage "$check" "$tmp/sparse-ran.log" "$tmp/sparse-ran.log"
else
	result FAIL "stage runner: control: sparse ran in both builds" "no sparse: run scripts/deps.sh"
fi
expect_stage "0 1" "sparse skipped by kbuild (its warning, no CHECK line): a failure" \
	kstage sparse sparse_stage "$check" "$tmp/sparse-ran.log" "$tmp/sparse-skipped.log"
expect_stage "0 1" "no CHECK line in a build: a failure" \
	kstage sparse sparse_stage "$check" "$tmp/sparse-ran.log" "$tmp/sparse-none.log"
expect_stage "0 1" "no log of a build (it did not run): a failure" \
	kstage sparse sparse_stage "$check" "$tmp/sparse-ran.log" "$tmp/no-such.log"
expect_stage "0 1" "no sparse program: a failure" \
	kstage sparse sparse_stage "no-such-sparse -D__typeof_unqual__=__typeof__" "$tmp/sparse-ran.log"

# A python3 without ply first on PATH (a pyenv shim did that once): the
# tools must still use Debian's, and lint must not pass with a crashed check.
mkdir -p "$tmp/badpy"
printf '#!/bin/sh\necho "Traceback (most recent call last):"\necho "ModuleNotFoundError: No module named ply"\nexit 1\n' \
	> "$tmp/badpy/python3"
chmod +x "$tmp/badpy/python3"
if PATH=$tmp/badpy:$PATH "$TOP"/scripts/lint.sh > "$tmp/log" 2>&1 &&
   ! grep -q Traceback "$tmp/log"; then
	result OK "lint with a broken python3 first on PATH uses Debian's python3"
else
	result FAIL "lint with a broken python3 first on PATH uses Debian's python3" \
		"$(grep -m1 -E 'Traceback|FAIL' "$tmp/log")"
fi

# KERNEL_SRC: the series goes onto a new branch of the user's tree, in a
# separate worktree; the user's branch, HEAD and working tree stay as they
# were. A small throwaway repository stands in for the user's kernel tree
# (its README is the base's, so the test patch applies), which also works
# when this whole run uses KERNEL_SRC and there is no Debian tree.
user=$tmp/user
git init -q -b main "$user"
git -C "$(base_repo)" show "$base:README" > "$user/README"
printf 'local change\n' > "$user/untracked-file"
git -C "$user" add README
git -C "$user" -c user.name=selftest -c user.email=selftest@localhost commit -q -m base
head_before=$(git -C "$user" symbolic-ref -q HEAD)
status_before=$(git -C "$user" status --porcelain | md5sum)
if KERNEL_SRC=$user KERNEL_BASE=HEAD "$TOP"/scripts/apply-series.sh \
		-t "$tmp/user-wt" -p "$tmp/good" -s "$tmp/good/series" 2>"$tmp/log"; then
	new=$(git -C "$tmp/user-wt" symbolic-ref -q --short HEAD || true)
	if [ "$(git -C "$user" symbolic-ref -q HEAD)" != "$head_before" ] ||
	   [ "$(git -C "$user" status --porcelain | md5sum)" != "$status_before" ]; then
		result FAIL "KERNEL_SRC: user's tree untouched" "HEAD or working tree changed"
	elif [ "$(git -C "$user" branch --list "$SERIES_BRANCH-2*" | wc -l)" -ne 1 ] ||
	     [ "${new#"$SERIES_BRANCH"-2}" = "$new" ] ||
	     ! grep -q "(tooling self-test)" "$tmp/user-wt/README"; then
		result FAIL "KERNEL_SRC: series on a new branch" "branch '$new'"
	else
		result OK "KERNEL_SRC: series on new branch $new, user's tree untouched"
	fi
else
	result FAIL "KERNEL_SRC: apply onto a user's tree" "$(tail -n 1 "$tmp/log")"
fi

# The per-prefix link check (scripts/link-check.sh) on objects made here: a
# call to a function nobody defines, and a module's call to a function the
# kernel defines but does not export, must fail; their controls pass.
mkdir -p "$tmp/link"
printf 'void defined_fn(void);\nvoid missing_fn(void);\nvoid a(void) { defined_fn(); missing_fn(); }\n' > "$tmp/link/b.c"
printf 'void exported_fn(void);\nvoid internal_fn(void);\nvoid m(void) { exported_fn(); internal_fn(); }\n' > "$tmp/link/m.c"
printf 'void exported_fn(void);\nvoid c(void) { exported_fn(); }\n' > "$tmp/link/c.c"
printf '%s\n' defined_fn exported_fn internal_fn > "$tmp/link/defined"
printf '%s\n' exported_fn > "$tmp/link/exported"
for f in b m c; do
	gcc -c -O2 -o "$tmp/link/$f.o" "$tmp/link/$f.c"
done
lc() { "$TOP"/scripts/link-check.sh -d "$tmp/link/defined" -e "$tmp/link/exported" "$@" > "$tmp/log" 2>&1; }
if lc -b "$tmp/link/b.o"; then
	result FAIL "link check: a call to an undefined function fails" "it passed"
elif grep -q missing_fn "$tmp/log" && ! grep -q defined_fn "$tmp/log"; then
	result OK "link check: a call to an undefined function fails ($(cat "$tmp/log"))"
else
	result FAIL "link check: a call to an undefined function fails" "$(cat "$tmp/log")"
fi
if lc -m "$tmp/link/m.o"; then
	result FAIL "link check: a module's call to an unexported function fails" "it passed"
elif grep -q internal_fn "$tmp/log" && ! grep -q exported_fn "$tmp/log"; then
	result OK "link check: a module's call to an unexported function fails"
else
	result FAIL "link check: a module's call to an unexported function fails" "$(cat "$tmp/log")"
fi
if lc -b "$tmp/link/m.o" -m "$tmp/link/c.o"; then
	result OK "link check: control, the same calls built in, and an exported call from a module, pass"
else
	result FAIL "link check: control, the same calls built in, and an exported call from a module, pass" "$(cat "$tmp/log")"
fi

# kconfig.sh: where two fragments set one option the later one counts
# (the per-patch config turns INPUT back on for the GPU drivers), and an
# option whose dependencies are not met still fails, naming it.
git -C "$SCRATCH_TREE" checkout -q -f --detach "$base"
printf 'CONFIG_PRINTK=n\n' > "$tmp/kc1.config"
printf 'CONFIG_PRINTK=y\n' > "$tmp/kc2.config"
printf 'CONFIG_DRM_QXL=m\n' > "$tmp/kc3.config"
if "$TOP"/scripts/kconfig.sh -t "$SCRATCH_TREE" -O "$tmp/kc" "$tmp/kc1.config" \
		"$tmp/kc2.config" > "$tmp/log" 2>&1 &&
   grep -qx 'CONFIG_PRINTK=y' "$tmp/kc/.config"; then
	result OK "kconfig: a later fragment overrides an earlier one"
else
	result FAIL "kconfig: a later fragment overrides an earlier one" "$(tail -n 2 "$tmp/log")"
fi
if "$TOP"/scripts/kconfig.sh -t "$SCRATCH_TREE" -O "$tmp/kc" "$tmp/kc3.config" > "$tmp/log" 2>&1; then
	result FAIL "kconfig: an option with unmet dependencies fails" "it passed"
elif grep -q 'CONFIG_DRM_QXL=m asked' "$tmp/log"; then
	result OK "kconfig: an option with unmet dependencies fails, named"
else
	result FAIL "kconfig: an option with unmet dependencies fails" "$(tail -n 2 "$tmp/log")"
fi

git -C "$SCRATCH_TREE" checkout -q -f --detach "$base"
result_report
