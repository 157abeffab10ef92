#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Make (once) the git base tree the series applies to, and print what it is.
#
# Default: Debian's linux-source-7.3 tarball (fetched by fetch-source.sh
# with a private apt directory, never touching /etc/apt), unpacked into
# $P2P_WORK and committed as a single base commit on branch "debian-base".
# The Debian stanza at the end of the top-level .gitignore ("/*", which
# ignores every top-level entry) is dropped in that commit, so the tree is
# as close to a vanilla v7.3.y checkout as the package allows and new files
# in working branches are not ignored. Every file of the tarball is
# committed, and the count is checked. Author, committer and dates are
# fixed, so the same package version gives the same base commit id on every
# machine.
#
# With KERNEL_SRC=/path/to/linux, that git tree is used as it is: nothing is
# fetched or unpacked and the user's branches and working tree are not
# touched.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PKG=linux-source-$LINUX_SOURCE_SERIES

make_debian_base() {
	local pkgver=$1 TARBALL=$2 stamp=$DEB_REPO/.git/p2p-vma-base
	if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgver" ] &&
	   git -C "$DEB_REPO" rev-parse -q --verify "$BASE_BRANCH" >/dev/null; then
		msg "cached base tree for $PKG $pkgver"
		return
	fi

	msg "unpacking $TARBALL ($PKG $pkgver)"
	rm -rf "$DEB_REPO" "$DEB_REPO.tmp"
	mkdir -p "$DEB_REPO.tmp"
	tar -xf "$TARBALL" -C "$DEB_REPO.tmp"
	mv "$DEB_REPO.tmp/$PKG" "$DEB_REPO"
	rmdir "$DEB_REPO.tmp"

	local nfiles
	nfiles=$(cd "$DEB_REPO" && find . ! -type d | wc -l)

	# Drop the Debian packaging stanza (from its comment block to EOF).
	local gi=$DEB_REPO/.gitignore
	if grep -q '^# Debian packaging' "$gi"; then
		awk '/^# Debian packaging/{exit} {print}' "$gi" > "$gi.new"
		# the stanza starts with a lone "#" line: drop it and blank tail lines
		sed -i -e '${/^#$/d}' "$gi.new"
		sed -i -e ':a' -e '/^\n*$/{$d;N;ba' -e '}' "$gi.new"
		mv "$gi.new" "$gi"
	fi

	msg "committing $nfiles files"
	git -C "$DEB_REPO" init -q -b "$BASE_BRANCH"
	git -C "$DEB_REPO" config core.autocrlf false
	git -C "$DEB_REPO" config gc.auto 0
	git -C "$DEB_REPO" add -A -f .
	local ncommitted
	ncommitted=$(git -C "$DEB_REPO" ls-files | wc -l)
	[ "$ncommitted" -eq "$nfiles" ] ||
		die "base commit would hold $ncommitted files, the tarball has $nfiles"
	GIT_AUTHOR_NAME="Debian kernel team ($PKG)" \
	GIT_AUTHOR_EMAIL="debian-kernel@lists.debian.org" \
	GIT_COMMITTER_NAME="p2p-vma tooling" GIT_COMMITTER_EMAIL="p2p-vma@localhost" \
	GIT_AUTHOR_DATE="2026-11-01T00:00:00+00:00" \
	GIT_COMMITTER_DATE="2026-11-01T00:00:00+00:00" \
	git -C "$DEB_REPO" commit -q -F - <<MSG
Linux $(makefile_version "$DEB_REPO/Makefile") from Debian $PKG $pkgver

Unpacked from ${TARBALL##*/} with every file of the tarball
($nfiles files). The Debian packaging stanza at the end of the top-level
.gitignore ("/*" and "!/debian/") is dropped, so that the tree behaves
like a vanilla v$LINUX_SOURCE_SERIES.y checkout.
MSG
	printf '%s\n' "$pkgver" > "$stamp"
}

if [ -n "${KERNEL_SRC:-}" ]; then
	git -C "$KERNEL_SRC" rev-parse --git-dir >/dev/null 2>&1 ||
		die "KERNEL_SRC=$KERNEL_SRC is not a git tree"
	src=$KERNEL_SRC
	pkg="(user tree KERNEL_SRC=$KERNEL_SRC, ref ${KERNEL_BASE:-HEAD})"
else
	read -r pkgver tarball < <("$TOP/scripts/fetch-source.sh") ||
		die "could not fetch $PKG (see above)"
	[ -n "${tarball:-}" ] || die "could not fetch $PKG (see above)"
	make_debian_base "$pkgver" "$tarball"
	src=$DEB_REPO
	pkg="Debian $PKG $pkgver"
fi

commit=$(base_ref)
version=$(git -C "$src" show "$commit:Makefile" | makefile_version)
printf 'base: Linux %s, %s, commit %s\n' "$version" "$pkg" "$commit"
