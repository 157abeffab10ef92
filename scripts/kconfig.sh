#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make the guest .config: tinyconfig + kconfig-fragments/*.config, merged
# with the kernel's merge_config.sh, then checked. merge_config.sh and
# olddefconfig drop an option whose dependencies are not met without a
# word; this script fails instead, naming each option a fragment asked for
# that the final .config does not have.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t TREE] [-O OBJDIR] [FRAGMENT...]
  -t TREE    kernel source tree (default $APPLIED_TREE)
  -O OBJDIR  out-of-tree build directory (default $GUEST_OBJ)
  FRAGMENT   fragments to merge (default: all of $FRAG_DIR/*.config)
USAGE
}

tree=$APPLIED_TREE
obj=$GUEST_OBJ
while getopts t:O:h opt; do
	case $opt in
	t) tree=$OPTARG ;;
	O) obj=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
tree=$(abspath "$tree")
obj=$(abspath "$obj")
if [ $# -eq 0 ]; then
	set -- "$FRAG_DIR"/*.config
fi

mkdir -p "$obj"
# A scratch build directory of its own, kept so its kconfig tools are built once.
tmp=$obj.kconfig
mkdir -p "$tmp"
rm -f "$tmp/.config"
kmake() { make -s -C "$tree" O="$tmp" ARCH=x86_64 "$@"; }

kmake tinyconfig >/dev/null
(cd "$tmp" && "$tree"/scripts/kconfig/merge_config.sh -m -O "$tmp" "$tmp/.config" "$@" >/dev/null)
kmake olddefconfig >/dev/null

# Every option a fragment sets must be in the result with that value; where
# two fragments set one option, the later one counts (as in merge_config.sh).
bad=0
declare -A last=()
nfrag=0
for frag in "$@"; do
	nfrag=$((nfrag + 1))
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) last[${line%%=*}]=$nfrag ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; last[${sym%% *}]=$nfrag ;;
		esac
	done < "$frag"
done
nfrag=0
for frag in "$@"; do
	nfrag=$((nfrag + 1))
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*|"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%%=*}
			sym=${sym%% *}
			[ "${last[$sym]}" -eq "$nfrag" ] || continue ;;
		esac
		case $line in
		CONFIG_*=n)
			sym=${line%%=*}
			if grep -q "^$sym=" "$tmp/.config"; then
				msg "${frag##*/}: $sym=n asked, got $(grep "^$sym=" "$tmp/.config")"
				bad=1
			fi ;;
		CONFIG_*=*)
			sym=${line%%=*}
			if ! grep -qxF "$line" "$tmp/.config"; then
				got=$(grep -E "^$sym=|^# $sym is not set" "$tmp/.config" || echo "absent (unmet dependencies?)")
				msg "${frag##*/}: $line asked, got $got"
				bad=1
			fi ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			if grep -q "^$sym=" "$tmp/.config"; then
				msg "${frag##*/}: $sym unset asked, got $(grep "^$sym=" "$tmp/.config")"
				bad=1
			fi ;;
		esac
	done < "$frag"
done
[ $bad -eq 0 ] || die "kernel config does not have what the fragments ask for (see above)"

# Replace .config only when it changed, so an unchanged config rebuilds nothing.
if ! cmp -s "$tmp/.config" "$obj/.config"; then
	cp "$tmp/.config" "$obj/.config"
	msg "wrote $obj/.config ($(grep -c '=[ym]$' "$obj/.config") options on)"
else
	msg "$obj/.config unchanged"
fi
