# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts in this directory. Source it; do not run it.
#
# Paths (all overridable from the environment):
#   P2P_WORK     build area, ignored by git           (default: <checkout>/build)
#   KERNEL_SRC   a user's own kernel git tree          (default: Debian linux-source-7.3)
#   KERNEL_BASE  the ref in KERNEL_SRC to apply onto   (default: HEAD)
#   CCACHE_DIR   compiler cache                         (default: ~/.cache/ccache)
# shellcheck shell=bash disable=SC2034

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
P2P_WORK=${P2P_WORK:-$TOP/build}
PATCH_DIR=${PATCH_DIR:-$TOP/patches}
SERIES_FILE=${SERIES_FILE:-$TOP/series}
FRAG_DIR=$TOP/kconfig-fragments

# The Debian package the default base tree comes from (scripts/fetch-source.sh).
LINUX_SOURCE_SERIES=${LINUX_SOURCE_SERIES:-7.3}
LINUX_SOURCE_SUITE=${LINUX_SOURCE_SUITE:-trixie-backports}

# The Debian base repository made by base-tree.sh and the tree the series is
# applied to (a git worktree of whichever base repository is in use).
DEB_REPO=$P2P_WORK/linux-base
APPLIED_TREE=${P2P_APPLIED_TREE:-$P2P_WORK/linux}
GUEST_OBJ=$P2P_WORK/obj-guest
# The bench kernel: the guest's fragments without debug.config, plus
# kconfig-fragments/bench/production.config (scripts/bench.sh).
BENCH_OBJ=$P2P_WORK/obj-bench
BENCH_FRAGMENTS=("$FRAG_DIR"/qemu-guest.config "$FRAG_DIR"/p2p-features.config
	"$FRAG_DIR"/bench/production.config)
# A second worktree for checks that check out other commits (per-patch
# builds, quilt, tooling self-tests), so the applied tree is left alone.
SCRATCH_TREE=$P2P_WORK/linux-scratch
BISECT_OBJ=$P2P_WORK/obj-bisect

# Branches in the base repository.
BASE_BRANCH=debian-base
SERIES_BRANCH=p2p-vma

# Tools (checkpatch's spdxcheck.py, kernel-doc) run with the python3 that
# Debian's packages (python3-ply, python3-git) were installed for, not with
# whatever python3 comes first on the user's PATH.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir -p "$P2P_WORK/bin"
	ln -sfn /usr/bin/python3 "$P2P_WORK/bin/python3"
	PATH=$P2P_WORK/bin:$PATH
fi

# A fixed identity for commits this tooling makes, so that the base commit
# and the commits made by "git am" are the same on every machine.
export GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-p2p-vma tooling}
export GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-p2p-vma@localhost}

# Absolute path of a directory that may not exist yet.
abspath() {
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s/%s\n' "$PWD" "$1" ;;
	esac
}

msg() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }
die() { printf '%s: error: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Patch file names, in series order, comments and blank lines dropped.
series_list() {
	[ -f "$SERIES_FILE" ] || die "no series file at $SERIES_FILE"
	sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$SERIES_FILE" | awk '{print $1}'
}

# series_parts: the parts of the series as they are mailed, one line each:
# NAME FIRST COUNT MAILED COVER LISTS (FIRST: 1-based patch number;
# MAILED: yes or no; COVER: the cover letter, relative to the top, or -;
# LISTS: comma separated lists its cover letter must go to, or -). A part
# starts at a "#: NAME [cover=FILE] [lists=L1,L2] [mailed=no]" line of
# the series file.
series_parts() {
	[ -f "$SERIES_FILE" ] || die "no series file at $SERIES_FILE"
	awk '
	function flush() { if (name != "") print name, first, cnt, mailed, cover, lists }
	/^#:/ {
		flush()
		name = $2; mailed = "yes"; cover = "-"; lists = "-"; first = n + 1; cnt = 0
		for (i = 3; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "cover") cover = kv[2]
			else if (kv[1] == "mailed") mailed = kv[2]
			else if (kv[1] == "lists") lists = kv[2]
		}
		next
	}
	{ sub(/#.*/, "") }
	/^[[:space:]]*$/ { next }
	{ n++; cnt++ }
	END { flush() }' "$SERIES_FILE"
}

# The git repository and ref that the series applies to.
base_repo() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		printf '%s\n' "$KERNEL_SRC"
	else
		printf '%s\n' "$DEB_REPO"
	fi
}

base_ref() {
	if [ -n "${KERNEL_SRC:-}" ]; then
		git -C "$KERNEL_SRC" rev-parse --verify "${KERNEL_BASE:-HEAD}^{commit}"
	else
		git -C "$DEB_REPO" rev-parse --verify "$BASE_BRANCH^{commit}"
	fi
}

# base_published: whether a reader can resolve the base commit. A user's
# own tree (KERNEL_SRC) is taken to be upstream history; the project's
# base is a git import of Debian's source package, whose commit exists
# only on the machine that made it, so mail names no base-commit for it.
base_published() {
	[ -n "${KERNEL_SRC:-}" ]
}

# trailer_cc MESSAGE: the addresses of the "Cc:" trailers of a patch mail
# (its message before the first "---" line), one a line; b4 and git
# send-email copy them to the mail, as for stable@vger.kernel.org.
trailer_cc() {
	awk 'body && /^---$/ { exit } body && /^Cc: / { sub(/^Cc: /, ""); print }
		!body && /^$/ { body = 1 }' "$1"
}

# checkpatch_args: what every checkpatch.pl --strict run here adds, one
# word a line. On a base that is not upstream history (base_published
# fails) checkpatch cannot find the commit a Fixes: tag names and warns
# UNKNOWN_COMMIT_ID for every one; those ids are checked against public
# mainline history by hand instead (cover-letters/fixes.txt says how).
checkpatch_args() {
	base_published || printf '%s\n' --ignore UNKNOWN_COMMIT_ID
}

# "7.3.4" from a kernel top-level Makefile (a path, or stdin).
makefile_version() {
	awk -F' *= *' '/^VERSION/{v=$2} /^PATCHLEVEL/{p=$2} /^SUBLEVEL/{s=$2}
		/^EXTRAVERSION/{e=$2} END{print v "." p "." s e}' "${1:-/dev/stdin}"
}

# Results of a checking script, as the KTAP report that scripts/stage.sh
# counts with scripts/ktap.py. "result OK|FAIL|SKIP WHAT [WHY]" records
# one result, "ok N WHAT", "not ok N WHAT # WHY" or "ok N WHAT # SKIP WHY"
# (a check that could not run: the stage fails all the same), and prints
# it at once as progress (msg, on stderr). result_report prints the
# report, last: "KTAP version 1", "1..N", the N results; it fails if any
# failed. A script that dies before it leaves no report: a failure too.
RESULT_LINES=()
RESULT_FAIL=0
result() {
	local n=$((${#RESULT_LINES[@]} + 1)) what=$2 why=${3:-} line
	# one line each; a "#" in WHAT would start a directive
	what=${what//$'\n'/ }
	what=${what//\#/\\#}
	why=${why//$'\n'/; }
	case $1 in
	OK) line="ok $n $what" ;;
	SKIP) line="ok $n $what # SKIP${why:+ $why}" ;;
	*) line="not ok $n $what${why:+ # $why}" ;;
	esac
	[ "$1" = OK ] || RESULT_FAIL=$((RESULT_FAIL + 1))
	RESULT_LINES+=("$line")
	msg "$line"
}

# One result for a checkpatch run: checkpatch_result NAME OUTPUT. OK only
# with "0 errors, 0 warnings"; a Python traceback (a helper that did not
# run) fails whatever the totals say.
checkpatch_result() {
	local total
	total=$(printf '%s\n' "$2" | grep -oE 'total: [0-9]+ errors, [0-9]+ warnings.*' | tail -n 1)
	if printf '%s\n' "$2" | grep -q '^Traceback'; then
		printf '%s\n' "$2" | grep -A 4 '^Traceback' | head -n 10
		result FAIL "checkpatch --strict $1" "a helper crashed (Traceback), so a check did not run"
	elif printf '%s\n' "$total" | grep -qE '^total: 0 errors, 0 warnings'; then
		result OK "checkpatch --strict $1: ${total#total: }"
	else
		printf '%s\n' "$2" | grep -E '(ERROR|WARNING): ' -A 3 | head -n 30
		result FAIL "checkpatch --strict $1" "${total:-no verdict}"
	fi
}

result_report() {
	printf 'KTAP version 1\n1..%d\n' "${#RESULT_LINES[@]}"
	[ ${#RESULT_LINES[@]} -eq 0 ] || printf '%s\n' "${RESULT_LINES[@]}"
	[ "$RESULT_FAIL" -eq 0 ]
}

# sparse_ran CHECK LOG...: one result, OK if kbuild ran the checker CHECK
# (C=1/C=2 CHECK="...") in the builds that wrote each LOG. kbuild skips it
# with a mere make warning, "C=2 specified, but CHECK is not available or
# not up to date", if the program is missing or cannot parse the headers
# (checker-valid.sh), and the build passes: that, no CHECK line at all, a
# missing log or no such program is a SKIP, which fails the stage.
sparse_ran() {
	local check=$1 l
	shift
	if ! command -v "${check%% *}" > /dev/null; then
		result SKIP "sparse ran" "no ${check%% *}: run scripts/deps.sh"
		return 1
	fi
	for l; do
		if [ ! -s "$l" ]; then
			result SKIP "sparse ran" "no build log $l: the build did not run"
			return 1
		elif grep -q ' is not available or not up to date' "$l" ||
		     ! grep -qE '^ +CHECK ' "$l"; then
			result SKIP "sparse ran" "kbuild skipped it: see $l"
			return 1
		fi
	done
	result OK "sparse ran ($(cat "$@" | grep -cE '^ +CHECK ') files checked in $# builds)"
}

# The Debian mirror the system's apt uses (deb822 or one-line sources),
# DEBIAN_MIRROR if set, else deb.debian.org.
apt_mirror() {
	local m=${DEBIAN_MIRROR:-}
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}')
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ {
		for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list 2>/dev/null || true)
	printf '%s\n' "${m:-http://deb.debian.org/debian}"
}

# Stage timing: stage_begin NAME; ...; stage_end
stage_begin() {
	STAGE_NAME=$1
	STAGE_T0=$(date +%s)
	printf '\n==> %s\n' "$STAGE_NAME" >&2
}

stage_end() {
	local t=$(( $(date +%s) - STAGE_T0 ))
	printf '==> %s: done in %dm%02ds\n' "$STAGE_NAME" $((t / 60)) $((t % 60)) >&2
}

jobs_count() {
	nproc 2>/dev/null || echo 2
}

# worktree_at TREE COMMIT [BRANCH]: a clean worktree of the base repository
# at COMMIT, on BRANCH (made or reset) or detached. Made the first time and
# reused after: a checkout of the changed files instead of 86k. Fails (in
# callers without set -e too) if the checkout fails.
worktree_at() {
	local tree=$1 commit=$2 branch=${3:-} repo common
	local how=(--detach)
	[ -z "$branch" ] || how=(-B "$branch")
	repo=$(base_repo)
	common=$(git -C "$repo" rev-parse --path-format=absolute --git-common-dir)
	if [ -d "$tree" ] &&
	   [ "$(git -C "$tree" rev-parse --path-format=absolute --git-common-dir 2>/dev/null)" = "$common" ]; then
		git -C "$tree" am --abort >/dev/null 2>&1 || true
		rm -rf "$tree/.pc"
		git -C "$tree" checkout -q -f "${how[@]}" "$commit" &&
			git -C "$tree" clean -q -f -d -x &&
			[ "$(git -C "$tree" rev-parse HEAD)" = "$(git -C "$repo" rev-parse "$commit^{commit}")" ]
	else
		rm -rf "$tree"
		git -C "$repo" worktree prune
		git -C "$repo" worktree add -q -f "${how[@]}" "$tree" "$commit"
	fi
}
