#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply patches/ (in "series" order) with "git am" onto a fresh branch from
# the base, in a git worktree at $P2P_WORK/linux. This is also the import
# half of the export/import round trip.
#
# Default base: the Debian tree from base-tree.sh, branch "p2p-vma" (reset
# on every run). With KERNEL_SRC, a new branch "p2p-vma-<timestamp>" is made
# in the user's repository from KERNEL_BASE (default HEAD); the worktree is
# separate, so the user's current branch and working tree are not touched.
#
# Any patch that does not apply exactly stops the run with the patch name.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t TREE] [-p PATCHDIR] [-s SERIES]
  -t TREE     worktree to create (default $APPLIED_TREE)
  -p PATCHDIR patches to apply (default $PATCH_DIR)
  -s SERIES   series file (default $SERIES_FILE)
USAGE
}

tree=$APPLIED_TREE
while getopts t:p:s:h opt; do
	case $opt in
	t) tree=$OPTARG ;;
	p) PATCH_DIR=$OPTARG ;;
	s) SERIES_FILE=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

base=$(base_ref) || die "no base: run scripts/base-tree.sh first"
if [ -n "${KERNEL_SRC:-}" ]; then
	branch=$SERIES_BRANCH-$(date +%Y%m%d-%H%M%S)
else
	branch=$SERIES_BRANCH
	[ "$tree" = "$APPLIED_TREE" ] || branch=$SERIES_BRANCH-${tree##*/}
fi

# "git am" runs in the scratch worktree; the target tree is then moved to
# the result with one checkout, which rewrites only the files that differ.
# With fixed committer identity and dates the commits are the same on every
# run, so an unchanged series leaves the target tree (and the kernel build
# that depends on its timestamps) untouched.
am_tree=$tree
[ "$tree" != "$APPLIED_TREE" ] || am_tree=$SCRATCH_TREE
worktree_at "$am_tree" "$base"

mapfile -t patches < <(series_list)
n=0
for p in "${patches[@]}"; do
	f=$PATCH_DIR/$p
	[ -f "$f" ] || die "series names $p, which is not in $PATCH_DIR"
	# --no-3way and no hooks: whatever the user's git config says, a patch
	# that does not apply exactly is never merged.
	if ! out=$(git -C "$am_tree" -c core.hooksPath=/dev/null -c am.threeWay=false \
		am --no-3way --quiet --keep-cr --committer-date-is-author-date "$f" 2>&1); then
		git -C "$am_tree" am --abort >/dev/null 2>&1 || true
		printf '%s\n' "$out" >&2
		die "patch $((n + 1))/${#patches[@]} $p does not apply to $base"
	fi
	n=$((n + 1))
done
head=$(git -C "$am_tree" rev-parse HEAD)
if [ "$am_tree" = "$tree" ]; then
	git -C "$tree" checkout -q -B "$branch" "$head"
else
	worktree_at "$tree" "$head" "$branch"
	git -C "$am_tree" checkout -q --detach "$base"
fi
msg "applied $n patches onto $base: $tree (branch $branch, HEAD $(git -C "$tree" rev-parse --short=12 HEAD))"
