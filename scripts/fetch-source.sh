#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's linux-source-$LINUX_SOURCE_SERIES package (default 7.3,
# from trixie-backports) into $P2P_WORK/apt without touching the system's
# apt configuration: a private sources.list, list directory and cache, the
# archive signature checked with the system's Debian keyring. Unpacks the
# .deb there and prints "<version> <tarball>" on stdout.
#
# LINUX_SOURCE_TARBALL=<file> skips the download (a tarball you have).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/}
  Environment: LINUX_SOURCE_SERIES (default $LINUX_SOURCE_SERIES),
  LINUX_SOURCE_SUITE (default $LINUX_SOURCE_SUITE), DEBIAN_MIRROR (default:
  the mirror the system's apt uses), LINUX_SOURCE_TARBALL (use this file).
USAGE
}
while getopts h opt; do
	case $opt in
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

pkg=linux-source-$LINUX_SOURCE_SERIES
if [ -n "${LINUX_SOURCE_TARBALL:-}" ]; then
	[ -f "$LINUX_SOURCE_TARBALL" ] || die "LINUX_SOURCE_TARBALL=$LINUX_SOURCE_TARBALL: no such file"
	printf '%s %s\n' "local" "$LINUX_SOURCE_TARBALL"
	exit 0
fi

mirror=$(apt_mirror)
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring missing: install debian-archive-keyring"

dir=$P2P_WORK/apt
mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
printf 'deb [signed-by=%s] %s %s main\n' "$keyring" "$mirror" "$LINUX_SOURCE_SUITE" \
	> "$dir/sources.list"
apt_opts=(-o "Dir::Etc::sourcelist=$dir/sources.list"
	-o Dir::Etc::sourceparts=/dev/null
	-o "Dir::State::Lists=$dir/lists"
	-o "Dir::Cache=$dir/cache"
	-o APT::Sandbox::User=root)

msg "apt-get update of $mirror $LINUX_SOURCE_SUITE (private lists in $dir)"
apt-get "${apt_opts[@]}" -qq update >&2 ||
	die "cannot read $LINUX_SOURCE_SUITE from $mirror: set DEBIAN_MIRROR, or LINUX_SOURCE_TARBALL to a tarball you have"
version=$(apt-cache "${apt_opts[@]}" show "$pkg" 2>/dev/null |
	awk '/^Version:/ {print $2; exit}')
[ -n "$version" ] || die "$pkg is not in $LINUX_SOURCE_SUITE at $mirror"

tarball=$dir/deb/$version/usr/src/$pkg.tar.xz
if [ ! -f "$tarball" ]; then
	msg "downloading $pkg $version"
	rm -f "$dir"/"${pkg}"_*.deb
	(cd "$dir" && apt-get "${apt_opts[@]}" -qq download "$pkg=$version") >&2 ||
		die "cannot download $pkg $version"
	rm -rf "$dir/deb/$version"
	dpkg-deb -x "$dir/${pkg}_${version//:/%3a}_all.deb" "$dir/deb/$version.tmp"
	mv "$dir/deb/$version.tmp" "$dir/deb/$version"
	rm -f "$dir/${pkg}_${version//:/%3a}_all.deb"
	[ -f "$tarball" ] || die "$pkg $version has no $tarball"
fi
printf '%s %s\n' "$version" "$tarball"
