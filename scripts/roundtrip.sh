#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The import/export round trip: export the branch apply-series.sh made and
# compare with patches/ and series byte for byte.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

[ -d "$APPLIED_TREE" ] || die "no applied tree: run scripts/apply-series.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$TOP"/scripts/export-series.sh -t "$APPLIED_TREE" -o "$tmp/patches" -s "$tmp/series" \
	-P "$SERIES_FILE" 2>/dev/null
if ! diff -u "$SERIES_FILE" "$tmp/series" >&2; then
	die "exported series differs from $SERIES_FILE"
fi
# patches/wip/ is not part of the series (see its README)
if ! diff -r -u -x wip "$PATCH_DIR" "$tmp/patches" >&2; then
	die "exported patches differ from $PATCH_DIR (diff above)"
fi
msg "round trip stable: $(series_list | wc -l) patches and series identical"
