#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Export a working branch into patches/ and series with "git format-patch".
#
# The output depends only on the commits: format options are fixed here
# instead of coming from the user's git config, the "From <sha>" line is
# zeroed and there is no version signature, so exporting what
# apply-series.sh imported gives back patches/ byte for byte.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t TREE] [-b BASE] [-o PATCHDIR] [-s SERIES] [-P PARTS]
  -t TREE     kernel git tree holding the branch (default $APPLIED_TREE)
  -b BASE     commit the series starts from (default: the base of this project)
  -o PATCHDIR where to write the patches (default $PATCH_DIR); its *.patch are replaced
  -s SERIES   series file to write (default $SERIES_FILE)
  -P PARTS    series file whose "#:" lines (the parts, see below) the new
              one keeps (default: SERIES itself, as it was)
USAGE
}

tree=$APPLIED_TREE
base='' parts_from=''
while getopts t:b:o:s:P:h opt; do
	case $opt in
	t) tree=$OPTARG ;;
	b) base=$OPTARG ;;
	o) PATCH_DIR=$OPTARG ;;
	s) SERIES_FILE=$OPTARG ;;
	P) parts_from=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$base" ] || base=$(base_ref)
git -C "$tree" rev-parse -q --verify "$base^{commit}" >/dev/null ||
	die "$base is not a commit in $tree"
[ -z "$(git -C "$tree" status --porcelain --untracked-files=no)" ] ||
	msg "warning: $tree has uncommitted changes; they are not exported"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$tree" \
	-c core.abbrev=12 -c diff.algorithm=myers -c diff.renames=true \
	-c diff.noprefix=false -c diff.mnemonicPrefix=false -c diff.relative=false \
	-c format.signature= -c format.coverLetter=false -c format.numbered=auto \
	-c format.headers= -c format.suffix=.patch -c format.thread=false \
	format-patch --quiet --zero-commit --no-signature --no-base \
	--stat=72 --no-attach --no-to --no-cc --subject-prefix="PATCH RFC v4" \
	-o "$tmp" "$base..HEAD"

# The "#:" lines of the series file (each starts a part of the series as
# it is mailed, scripts/mbox.sh) stay before the same patch number.
[ -n "$parts_from" ] || parts_from=$SERIES_FILE
declare -A part=()
if [ -f "$parts_from" ]; then
	k=0
	while IFS= read -r line; do
		case $line in
		'#:'*) part[$((k + 1))]+="$line"$'\n' ;;
		'#'* | '') ;;
		*) k=$((k + 1)) ;;
		esac
	done < "$parts_from"
fi

mkdir -p "$PATCH_DIR"
rm -f "$PATCH_DIR"/*.patch
n=0
{
	printf '# Apply in this order (quilt reads this file; so does scripts/apply-series.sh).\n'
	printf '# A "#: NAME cover=FILE lists=..." line starts a part of the series as it\n'
	printf '# is mailed (scripts/mbox.sh -p NAME; its cover letter must reach the\n'
	printf '# lists), mailed=no one that is never mailed.\n'
	for f in "$tmp"/*.patch; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		printf '%s' "${part[$n]:-}"
		mv "$f" "$PATCH_DIR/"
		printf '%s\n' "${f##*/}"
	done
} > "$SERIES_FILE"
msg "exported $n patches from $tree ($base..HEAD) to $PATCH_DIR"
