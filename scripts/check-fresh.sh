#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Prove the README's two commands on a fresh machine: a minimal Debian 12
# root (debootstrap --variant=minbase) in a chroot, with only what the
# README says a fresh Debian needs first (git and make), a clone of this
# checkout's HEAD, then "make demo" and "make check" inside it. A command
# that the scripts or the kernel build call without deps.sh installing it
# fails here, where the development machine would have hidden it.
#
# Needs root (debootstrap, chroot, mounts) and the network path to the
# Debian mirror apt already uses; nothing else leaves the machine.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-p] [-c] [-r ROOT]
  -p       prepare the root only (debootstrap), run nothing in it
  -c       cold: do not share this machine's compiler cache with the root
  -r ROOT  where the Debian root goes (default \$P2P_WORK/fresh-root)
  Environment: FRESH_SUITE (default bookworm), DEBIAN_MIRROR.
USAGE
}

prepare_only=0 share_ccache=1 root=$P2P_WORK/fresh-root
while getopts pcr:h opt; do
	case $opt in
	p) prepare_only=1 ;;
	c) share_ccache=0 ;;
	r) root=$(abspath "$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot)"
suite=${FRESH_SUITE:-bookworm}
mirror=$(apt_mirror)

if ! command -v debootstrap >/dev/null; then
	msg "installing debootstrap on this machine"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null ||
		die "cannot install debootstrap"
fi

# The root debootstrap made is kept as a tarball and unpacked anew for
# every run: a root that a previous run installed packages into would hide
# a missing install step, which is what this target is for.
pristine=$root.tar
# never remove a root with the host's /dev, /proc or /sys still bound in it
if grep -qF " $root/" /proc/mounts; then
	die "something is still mounted under $root (an earlier run killed?): umount it first"
fi
if [ ! -f "$pristine" ]; then
	msg "debootstrap --variant=minbase $suite into $root from $mirror"
	rm -rf --one-file-system "$root"
	debootstrap --variant=minbase "$suite" "$root" "$mirror" > "$P2P_WORK/fresh-debootstrap.log" 2>&1 ||
		die "debootstrap failed (log: $P2P_WORK/fresh-debootstrap.log)"
	tar -C "$root" -cf "$pristine.tmp" . || die "cannot save the fresh root as $pristine"
	mv "$pristine.tmp" "$pristine"
else
	msg "fresh root from $pristine (debootstrap'ed $(date -r "$pristine" '+%F %T'))"
	rm -rf --one-file-system "$root"
	mkdir -p "$root"
	tar -C "$root" -xf "$pristine" || die "cannot unpack $pristine"
fi
[ $prepare_only -eq 0 ] || { msg "root ready: $root"; exit 0; }

mounted=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[$i]}" 2>/dev/null || true
	done
}
trap cleanup EXIT
bind() {	# bind SRC DST
	mkdir -p "$2"
	mount --bind "$1" "$2"
	mounted+=("$2")
}
mount -t proc proc "$root/proc"; mounted+=("$root/proc")
bind /sys "$root/sys"
bind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if [ $share_ccache -eq 1 ]; then
	mkdir -p "${CCACHE_DIR:-$HOME/.cache/ccache}"
	bind "${CCACHE_DIR:-$HOME/.cache/ccache}" "$root/root/.cache/ccache"
fi

# The project as a user gets it: a clone, nothing of this checkout's build/.
rm -rf "$root/src/p2p-vma"
mkdir -p "$root/src"
git clone -q "$TOP" "$root/src/p2p-vma"
git -C "$root/src/p2p-vma" checkout -q "$(git -C "$TOP" rev-parse HEAD)"

log=$P2P_WORK/fresh-check.log
msg "running the README's commands in the fresh root (log: $log)"
# A clean environment: nothing of this machine's PATH (pyenv, /usr/local).
chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	bash -c 'set -e
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# what README.md says a fresh Debian 12 needs first
		apt-get install -y -qq --no-install-recommends git make ca-certificates >/dev/null
		cd /src/p2p-vma
		make demo
		make check' > "$log" 2>&1
rc=$?
tail -n 30 "$log"
exit $rc
