#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install (with apt-get) the Debian packages the build and tests need.
# Already-installed packages are left alone, so a second run does nothing.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-n]
  -n   only list missing packages, install nothing (exit 1 if any missing)
USAGE
}

dry=0
while getopts nh opt; do
	case $opt in
	n) dry=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev cpio kmod xz-utils
	git ccache sparse quilt patch shellcheck python3 python3-ply python3-git perl
	qemu-system-x86 busybox-static rsync debian-archive-keyring b4
	libibverbs-dev ibverbs-providers
	gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	msg "all ${#pkgs[@]} packages present"
	exit 0
fi
if [ $dry -eq 1 ]; then
	printf '%s\n' "${missing[@]}"
	exit 1
fi

msg "installing: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: install ${missing[*]} by hand"
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq ||
	msg "apt-get update failed; trying the package lists already here"
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
msg "installed ${#missing[@]} packages"
