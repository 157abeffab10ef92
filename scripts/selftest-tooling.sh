#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Test the series tooling itself on a throwaway patch against the base:
#  - the intact patch applies (git am and quilt), as a control;
#  - with one context line changed, apply-series.sh and quilt-check.sh
#    both fail and name the patch;
#  - a patch missing from series, or listed but absent, fails the lint;
#  - with KERNEL_SRC the series lands on a new branch of that tree and the
#    tree's own branch and working tree are not touched.
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

# KERNEL_SRC: the series goes onto a new branch of the user's tree, in a
# separate worktree; the user's branch, HEAD and working tree stay as they were.
user=$DEB_REPO
head_before=$(git -C "$user" symbolic-ref -q HEAD || git -C "$user" rev-parse HEAD)
status_before=$(git -C "$user" status --porcelain | md5sum)
branches_before=$(git -C "$user" branch --list "$SERIES_BRANCH-2*" | wc -l)
if KERNEL_SRC=$user KERNEL_BASE=$base "$TOP"/scripts/apply-series.sh \
		-t "$SCRATCH_TREE" -p "$tmp/good" -s "$tmp/good/series" 2>"$tmp/log"; then
	new=$(git -C "$SCRATCH_TREE" symbolic-ref -q --short HEAD || true)
	if [ "$(git -C "$user" symbolic-ref -q HEAD || git -C "$user" rev-parse HEAD)" != "$head_before" ] ||
	   [ "$(git -C "$user" status --porcelain | md5sum)" != "$status_before" ]; then
		result FAIL "KERNEL_SRC: user's tree untouched" "HEAD or working tree changed"
	elif [ "$(git -C "$user" branch --list "$SERIES_BRANCH-2*" | wc -l)" -ne $((branches_before + 1)) ] ||
	     [ "${new#"$SERIES_BRANCH"-2}" = "$new" ]; then
		result FAIL "KERNEL_SRC: series on a new branch" "branch '$new'"
	else
		result OK "KERNEL_SRC: series on new branch $new, user's tree untouched"
	fi
	git -C "$SCRATCH_TREE" checkout -q -f --detach "$base"
	[ -z "$new" ] || git -C "$user" branch -q -D "$new"
else
	result FAIL "KERNEL_SRC: apply onto a user's tree" "$(tail -n 1 "$tmp/log")"
fi

git -C "$SCRATCH_TREE" checkout -q -f --detach "$base"
result_counts
