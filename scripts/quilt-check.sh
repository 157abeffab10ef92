#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Apply the series with quilt onto a clean checkout of the base and fail on
# anything but an exact apply: no fuzz, no offsets, no rejects.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t TREE] [-p PATCHDIR] [-s SERIES]
  -t TREE     scratch worktree to use (default $SCRATCH_TREE)
  -p PATCHDIR patches (default $PATCH_DIR)
  -s SERIES   series file (default $SERIES_FILE)
USAGE
}

tree=$SCRATCH_TREE
while getopts t:p:s:h opt; do
	case $opt in
	t) tree=$OPTARG ;;
	p) PATCH_DIR=$OPTARG ;;
	s) SERIES_FILE=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
command -v quilt >/dev/null || die "quilt missing: run scripts/deps.sh"

n=$(series_list | wc -l)
if [ "$n" -eq 0 ]; then
	msg "series is empty: nothing for quilt to apply"
	exit 0
fi
worktree_at "$tree" "$(base_ref)"

# quilt wants the series beside the patches or named by QUILT_SERIES.
qdir=$(mktemp -d)
trap 'rm -rf "$qdir"' EXIT
cp "$PATCH_DIR"/*.patch "$qdir/"
series_list > "$qdir/series"
if ! out=$(cd "$tree" && QUILT_PATCHES=$qdir QUILT_PC=.pc \
		quilt push -a --fuzz=0 2>&1); then
	printf '%s\n' "$out" | tail -n 20 >&2
	die "quilt push -a failed"
fi
if printf '%s\n' "$out" | grep -E 'offset [0-9]+ line|with fuzz|FAILED|saving rejects' >&2; then
	die "quilt applied the series only approximately (offsets or fuzz above): refresh the patches"
fi
msg "quilt push -a: $n patches applied exactly"
