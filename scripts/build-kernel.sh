#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest kernel (bzImage + modules) out of tree with ccache, and
# install the modules into a staging directory for the initramfs.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-t TREE] [-O OBJDIR] [FRAGMENT...]
  -t TREE    kernel source tree (default $APPLIED_TREE)
  -O OBJDIR  out-of-tree build directory (default $GUEST_OBJ)
  FRAGMENT   config fragments (default: those of the guest, see kconfig.sh)
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
[ -f "$tree/Makefile" ] || die "no kernel tree at $tree: run scripts/apply-series.sh"

"$TOP"/scripts/kconfig.sh -t "$tree" -O "$obj" "$@"

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
log=$obj/build.log
msg "building bzImage and modules in $obj (log: $log)"
if ! make -C "$tree" O="$obj" ARCH=x86_64 CC="$cc" -j"$(jobs_count)" \
		bzImage modules > "$log" 2>&1; then
	grep -E 'error|Error' "$log" | head -n 30 >&2 || tail -n 30 "$log" >&2
	die "kernel build failed (full log: $log)"
fi
rm -rf "$obj/modroot"
make -s -C "$tree" O="$obj" ARCH=x86_64 INSTALL_MOD_PATH="$obj/modroot" \
	INSTALL_MOD_STRIP=1 modules_install >> "$log" 2>&1 ||
	die "modules_install failed (log: $log)"
make -s -C "$tree" O="$obj" ARCH=x86_64 INSTALL_HDR_PATH="$obj/usr-headers" \
	headers_install >> "$log" 2>&1 || die "headers_install failed (log: $log)"
warnings=$(grep -c 'warning:' "$log" || true)
msg "kernel $(cat "$obj/include/config/kernel.release") built: $obj/arch/x86/boot/bzImage ($warnings compiler warnings, see $log)"
