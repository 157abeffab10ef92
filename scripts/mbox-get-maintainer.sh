#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/get_maintainer.pl of the applied tree, for one message or patch on
# stdin (or the files named), with no network and no git history mining.
# b4 ("b4 prep --auto-to-cc") and mbox.sh call it; extra arguments go to
# get_maintainer.pl (--nol: maintainers and reviewers, --nom: reviewers and
# lists). The tree is $P2P_MBOX_TREE if set, else the applied tree.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tree=${P2P_MBOX_TREE:-$APPLIED_TREE}
if [ ! -f "$tree/scripts/get_maintainer.pl" ] || [ ! -f "$tree/MAINTAINERS" ]; then
	die "no scripts/get_maintainer.pl and MAINTAINERS in $tree: run make apply"
fi
cd "$tree"
exec perl scripts/get_maintainer.pl --no-git --no-git-fallback \
	--nogit-chief-penguins --norolestats "$@"
