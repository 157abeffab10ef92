#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Test the series tooling itself on a throwaway patch against the base:
#  - the intact patch applies (git am and quilt), as a control;
#  - with one context line changed, apply-series.sh and quilt-check.sh
#    both fail and name the patch;
#  - a patch missing from series, or listed but absent, fails the lint;
#  - with KERNEL_SRC the series lands on a new branch of that tree and the
#    tree's own branch and working tree are not touched;
#  - the per-prefix link check fails an undefined and an unexported call;
#  - kconfig.sh lets a later fragment override an earlier one, and fails
#    an option whose dependencies are not met.
# Last line: "counts <passed> <failed>".
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

RESULT_TAG=tooling

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

# check.sh's stage runners: a judging stage that ends without its counts
# line fails whatever its exit status (a crashed judge once passed), and
# so does a stage whose output has a Python traceback; an apt run counts
# only if it fails.
if (
	logdir=$tmp/stages passed=0 failed=0 times=()
	mkdir -p "$logdir"
	# shellcheck source=scripts/stage.sh
	. "$TOP/scripts/stage.sh"
	cstage "judge that died" bash -c 'echo "PASS x: one"; exit 0' >/dev/null
	cstage "judge that counted" bash -c 'echo "PASS x: one"; echo "counts 1 0"' >/dev/null
	stage "tool that crashed" bash -c 'echo "Traceback (most recent call last):"; exit 0' >/dev/null
	prereq "packages" true >/dev/null
	[ "$passed $failed" = "1 2" ]
); then
	result OK "a judging stage without counts, or with a traceback, fails; packages do not count"
else
	result FAIL "a judging stage without counts, or with a traceback, fails; packages do not count"
fi

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
result_counts
