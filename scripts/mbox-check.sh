#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The mail round trip, for "make check": scripts/mbox.sh under a test-only
# identity (GIT_AUTHOR_NAME/EMAIL below), for each part of the series that
# is mailed (the "#:" lines of the series file), then
#  - without any identity, mbox.sh refuses and writes nothing (always
#    checked, also where this clone's .git/config sets an identity; -r:
#    only this);
#  - every subject is "[PATCH <cover letter's prefixes> vV k/N] <subject of
#    patch k of the part>", N the part's count, and the cover letter's
#    base-commit: is the base (none for a local import: the cover letter
#    says why), with a prerequisite-patch-id: for each
#    patch of the parts before it (b4's "git patch-id --stable"), in order;
#  - From: is the sender, every patch's last Signed-off-by: is the sender
#    and the placeholder signs nothing (DCO);
#  - To/Cc: each patch's recipients are what get_maintainer.pl of the
#    applied tree gives for it and its Cc: trailers (minus the placeholder
#    and the sender), the
#    cover letter's are all of them, linux-mm for every patch touching mm/,
#    and the cover letter reaches the lists its "#:" line names;
#  - checkpatch.pl --strict (the applied tree's) on every patch message:
#    0 errors, 0 warnings;
#  - "b4 am" of the mbox, then "git am" of what b4 made, onto the base and
#    the parts before it, gives the tree of base + patches/ up to the end of
#    the part, with N commits by the sender.
# Ends with its KTAP report (lib.sh result_report).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

TEST_NAME="Mbox Round-Trip Test"
TEST_EMAIL='mbox-roundtrip-test@example.invalid'
PLACEHOLDER_EMAIL=p2p-vma@example.org
prefix=p2p-vma-check
out=$P2P_WORK/mbox-check
wt=$P2P_WORK/mbox-tree

refusal_only=0
while getopts rh opt; do
	case $opt in
	r) refusal_only=1 ;;
	h) printf 'usage: %s [-r]\n  -r  only the refusal without an identity (the tooling self-test)\n' "${0##*/}"; exit 0 ;;
	*) exit 2 ;;
	esac
done
tmp=$(mktemp -d /tmp/mbox-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 1. No identity, no mbox. Always checked (a check that does not run
# fails): in an environment where git finds no identity anywhere it looks,
# also when this clone's .git/config sets one (common on a developer's
# clone): a clean HOME, no global, system or command-line config, and
# GIT_DIR an empty repository, so that "git -C $TOP config" reads no local
# config either. That git finds nothing there is checked first.
mkdir -p "$tmp/home"
git init -q --bare "$tmp/noident.git"
noident=(env -u GIT_AUTHOR_NAME -u GIT_AUTHOR_EMAIL -u GIT_CONFIG -u GIT_CONFIG_PARAMETERS
	-u GIT_CONFIG_COUNT HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/home/.config"
	GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_SYSTEM=/dev/null GIT_CONFIG_NOSYSTEM=1
	GIT_DIR="$tmp/noident.git")
left=$("${noident[@]}" git -C "$TOP" config --get-regexp '^user\.(name|email)$' 2>&1)
if [ -n "$left" ]; then
	result FAIL "refuses without an identity" "git still finds one: $left"
elif "${noident[@]}" "$TOP"/scripts/mbox.sh -o "$tmp/refused" -n "$prefix" \
		> "$tmp/refused.log" 2>&1; then
	result FAIL "refuses without an identity" "it ran"
elif ! grep -q 'no identity' "$tmp/refused.log"; then
	result FAIL "refuses without an identity" "$(tail -n 1 "$tmp/refused.log")"
elif [ -e "$tmp/refused" ]; then
	result FAIL "refuses without an identity" "it wrote $tmp/refused"
else
	result OK "refuses without an identity (no user.name/user.email in any git config, no GIT_AUTHOR_*)"
fi

if [ $refusal_only -eq 1 ]; then
	result_report
	exit
fi

base=$(base_ref) || die "no base tree: run scripts/base-tree.sh"
[ -d "$APPLIED_TREE" ] || die "no applied tree: run scripts/apply-series.sh"
mapfile -t every < <(series_list)
mapfile -t cpx < <(checkpatch_args)

# mailinfo FILE...: "index<TAB>KEY<TAB>value" lines for each message (index
# from 0): SUBJ (unfolded, decoded), TITLE (subject without [..]), FROM,
# TO, CC (one address each), PATH (files in the diff), SOB (Signed-off-by
# before the ---), BODYFROM (an in-body From:), BASE (base-commit:),
# PREREQ (prerequisite-patch-id:).
mailinfo() {
	python3 - "$@" <<'PY'
import email
import email.policy
import re
import sys

for i, path in enumerate(sys.argv[1:]):
    with open(path, 'rb') as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    def out(key, val):
        print(f'{i}\t{key}\t{val}')
    subj = ' '.join(str(m.get('Subject', '')).split())
    out('SUBJ', subj)
    out('TITLE', re.sub(r'^\[[^]]*\]\s*', '', subj))
    for hdr in ('From', 'To', 'Cc'):
        for h in m.get_all(hdr, []):
            for a in h.addresses:
                out(hdr.upper(), a.addr_spec.lower())
    body = m.get_body(('plain',)).get_content() if m.is_multipart() else m.get_content()
    msgpart = re.split(r'^---$', body, maxsplit=1, flags=re.M)[0]
    first = body.lstrip('\n').split('\n', 1)[0]
    if first.startswith('From: '):
        out('BODYFROM', first[6:])
    for line in msgpart.splitlines():
        if line.startswith('Signed-off-by: '):
            out('SOB', line[len('Signed-off-by: '):].strip())
    for a, b in re.findall(r'^diff --git a/(\S+) b/(\S+)$', body, flags=re.M):
        out('PATH', a)
        out('PATH', b)
    for sha in re.findall(r'^base-commit: (\S+)$', body, flags=re.M):
        out('BASE', sha)
    for pid in re.findall(r'^prerequisite-patch-id: (\S+)$', body, flags=re.M):
        out('PREREQ', pid)
PY
}
# field INFO INDEX KEY: the values, one a line
field() { awk -F '\t' -v i="$2" -v k="$3" '$1 == i && $2 == k { print $3 }' "$1"; }

# prereqs_into WORKTREE: git am the patches of the parts before $part
prereqs_into() {
	local p
	for p in "${every[@]:0:first - 1}"; do
		git -C "$1" -c core.hooksPath=/dev/null -c am.threeWay=false \
			am --no-3way --quiet "$PATCH_DIR/$p" > /dev/null 2>&1 ||
			{ git -C "$1" am --abort > /dev/null 2>&1; return 1; }
	done
	fork=$(git -C "$1" rev-parse HEAD)
}

# check_part PART FIRST COUNT COVER LISTS: the checks above for one part
check_part() {
local part=$1 first=$2 n=$3 cover=$4 lists=$5 name=$prefix-$1 fork=$base
local patches=("${every[@]:first - 1:n}")
# 2. The mbox, as a test-only sender.
if ! mbox=$(GIT_AUTHOR_NAME=$TEST_NAME GIT_AUTHOR_EMAIL=$TEST_EMAIL \
		"$TOP"/scripts/mbox.sh -o "$out" -p "$part" -n "$name" 2> "$tmp/mbox.log" | tail -n 1) ||
   [ ! -f "$mbox" ]; then
	tail -n 25 "$tmp/mbox.log"
	result FAIL "$part: mbox.sh as '$TEST_NAME <$TEST_EMAIL>'" "exit status or no mbox"
	return
fi
grep 'warning:' "$tmp/mbox.log"
dir=${mbox%.mbox}
mapfile -t msgs < <(find "$dir" -maxdepth 1 -name '*.eml' | LC_ALL=C sort)
if [ ${#msgs[@]} -eq $((n + 1)) ]; then
	result OK "$part: mbox.sh wrote the cover letter and $n patches: $mbox"
else
	result FAIL "$part: mbox.sh wrote the cover letter and $n patches" "${#msgs[@]} messages in $dir"
	return
fi
mailinfo "${msgs[@]}" > "$tmp/info"
patch_files=()
for p in "${patches[@]}"; do patch_files+=("$PATCH_DIR/$p"); done
mailinfo "${patch_files[@]}" > "$tmp/pinfo"

# 3. Subjects and base-commit.
tags=$(sed -n '1s/^Subject: \[\([^]]*\)\].*/\1/p' "$TOP/$cover")
title=$(sed -n '1s/^Subject: \[[^]]*\][[:space:]]*//p' "$TOP/$cover")
pfx=PATCH ver=''
for t in $tags; do
	case $t in
	PATCH|[0-9]*/[0-9]*) ;;
	v[0-9]*) ver=$t ;;
	*) pfx="$pfx $t" ;;
	esac
done
[ -z "$ver" ] || [ "$ver" = v1 ] || pfx="$pfx $ver"
bad=
for k in $(seq 0 "$n"); do
	want="[$pfx $(printf '%0*d' ${#n} "$k")/$n] "
	got=$(field "$tmp/info" "$k" SUBJ)
	if [ "$k" -gt 0 ]; then
		want="$want$(field "$tmp/pinfo" $((k - 1)) TITLE)"
	else
		want="$want$title"
	fi
	[ "$got" = "$want" ] || bad="$bad '$got' (want '$want');"
done
if [ -z "$bad" ]; then result OK "$part: subjects: '$(field "$tmp/info" 0 SUBJ)', then [$pfx k/$n] and the subjects of patches/ in order"
else result FAIL "$part: subjects [$pfx k/$n]" "$bad"; fi
cbase=$(field "$tmp/info" 0 BASE)
if base_published; then
	if [ "$cbase" = "$base" ]; then result OK "$part: cover letter base-commit: $base"
	else result FAIL "$part: cover letter base-commit: $base" "it says '${cbase:-nothing}'"; fi
elif [ -z "$cbase" ] && grep -qi 'no base-commit' "$TOP/$cover"; then
	result OK "$part: no base-commit: (the base $base is a local import) and the cover letter says why"
else
	result FAIL "$part: no base-commit: for a local base" "base-commit '${cbase:-none}', or the cover letter does not say 'no base-commit'"
fi
: > "$tmp/want-prereq"
for p in "${every[@]:0:first - 1}"; do
	git -C "$APPLIED_TREE" patch-id --stable < "$PATCH_DIR/$p" | awk '{print $1}' >> "$tmp/want-prereq"
done
field "$tmp/info" 0 PREREQ > "$tmp/got-prereq"
if cmp -s "$tmp/want-prereq" "$tmp/got-prereq"; then
	result OK "$part: prerequisite-patch-id: the $((first - 1)) patches of the parts before it, in order"
else
	result FAIL "$part: prerequisite-patch-id" "$(wc -l < "$tmp/got-prereq") named, want the $((first - 1)) patches before the part"
fi

# 4. Identity and DCO.
bad=
for k in $(seq 0 "$n"); do
	from=$(field "$tmp/info" "$k" FROM)
	[ "$from" = "$TEST_EMAIL" ] || bad="$bad $k: From $from;"
	[ "$k" -gt 0 ] || continue
	[ -z "$(field "$tmp/info" "$k" BODYFROM)" ] || bad="$bad $k: in-body From;"
	[ "$(field "$tmp/info" "$k" SOB | tail -n 1)" = "$TEST_NAME <$TEST_EMAIL>" ] ||
		bad="$bad $k: last Signed-off-by is not the sender;"
	! field "$tmp/info" "$k" SOB | grep -qiF "<$PLACEHOLDER_EMAIL>" ||
		bad="$bad $k: placeholder Signed-off-by;"
done
if [ -z "$bad" ]; then result OK "$part: From: and last Signed-off-by: are the sender, no placeholder sign-off"
else result FAIL "$part: From: and Signed-off-by: (DCO)" "$bad"; fi

# 5. Recipients.
rcpt() { { field "$tmp/info" "$1" TO; field "$tmp/info" "$1" CC; } | sort -u; }
rcpt 0 > "$tmp/rcpt0"
: > "$tmp/all"
for k in $(seq 1 "$n"); do
	m=${msgs[$k]}
	rcpt "$k" > "$tmp/rcpt"
	"$TOP"/scripts/mbox-get-maintainer.sh < "$m" > "$tmp/gm" 2>/dev/null
	trailer_cc "$m" >> "$tmp/gm"
	python3 -c 'import email.utils, sys
for n, a in email.utils.getaddresses([l.strip() for l in open(sys.argv[1]) if l.strip()]):
    print(a.lower())' "$tmp/gm" | grep -vixF -e "$PLACEHOLDER_EMAIL" -e "$TEST_EMAIL" | sort -u > "$tmp/want"
	cat "$tmp/want" >> "$tmp/all"
	lists=$("$TOP"/scripts/mbox-get-maintainer.sh --nom --nor < "$m" 2>/dev/null | tr '\n' ' ')
	why=
	cmp -s "$tmp/rcpt" "$tmp/want" ||
		why="$why differs from get_maintainer.pl: $(diff "$tmp/want" "$tmp/rcpt" | grep '^[<>]' | tr '\n' ' ');"
	if field "$tmp/info" "$k" PATH | grep -q '^mm/' && ! grep -qx 'linux-mm@kvack.org' "$tmp/rcpt"; then
		why="$why touches mm/ but no linux-mm@kvack.org;"
	fi
	extra=$(comm -23 "$tmp/rcpt" "$tmp/rcpt0" | tr '\n' ' ')
	[ -z "$extra" ] || why="$why not on the cover letter: $extra;"
	grep -qixF "$PLACEHOLDER_EMAIL" "$tmp/rcpt" && why="$why the placeholder is a recipient;"
	if [ -z "$why" ]; then
		result OK "$part: patch $k/$n To/Cc = get_maintainer.pl ($(wc -l < "$tmp/rcpt") addresses; lists: ${lists% })"
	else
		result FAIL "$part: patch $k/$n To/Cc" "$why"
	fi
done
why=
for l in ${lists//,/ }; do
	[ "$l" = - ] || grep -qx "$l" "$tmp/rcpt0" || why="$why no $l;"
done
sort -u "$tmp/all" | cmp -s - "$tmp/rcpt0" ||
	why="$why not the union of the patches': $(sort -u "$tmp/all" | diff - "$tmp/rcpt0" | grep '^[<>]' | tr '\n' ' ');"
grep -qixF "$PLACEHOLDER_EMAIL" "$tmp/rcpt0" && why="$why the placeholder is a recipient;"
if [ -z "$why" ]; then
	result OK "$part: cover letter To/Cc: all $(wc -l < "$tmp/rcpt0") recipients of the patches, ${lists//,/ } among them"
else
	result FAIL "$part: cover letter To/Cc" "$why"
fi

# 6. checkpatch --strict on what is sent.
for k in $(seq 1 "$n"); do
	m=${msgs[$k]}
	cp_out=$(cd "$APPLIED_TREE" && perl scripts/checkpatch.pl --strict "${cpx[@]}" --color=never \
		--summary-file --showfile "$m" 2>&1)
	checkpatch_result "${m##*/}" "$cp_out"
done

# 7. b4 am, then git am, onto the base: the tree of base + patches/. The
# mbox goes to b4 on stdin: b4 0.12 reads a named mbox with Python's mailbox
# module and crashes on folded Subject: lines; stdin goes through git
# mailsplit --mboxrd.
after=$(( ${#every[@]} - first - n + 1 ))
want_tree=$(git -C "$APPLIED_TREE" rev-parse "HEAD~$after^{tree}")
branch_tree=$(git -C "$wt" rev-parse "b4/$name^{tree}" 2>/dev/null)
mkdir -p "$tmp/am-$part"
if ! (cd "$wt" && GIT_CONFIG_COUNT=2 GIT_CONFIG_KEY_0=user.name GIT_CONFIG_VALUE_0="$TEST_NAME" \
		GIT_CONFIG_KEY_1=user.email GIT_CONFIG_VALUE_1="$TEST_EMAIL" \
		b4 --offline-mode --no-interactive am -m - -o "$tmp/am-$part" < "$mbox") > "$tmp/am.log" 2>&1; then
	tail -n 20 "$tmp/am.log"
	result FAIL "$part: b4 am of the mbox" "exit status"
else
	mapfile -t mbx < <(find "$tmp/am-$part" -name '*.mbx')
	total=$(sed -n 's/^Total patches: //p' "$tmp/am.log")
	if [ ${#mbx[@]} -ne 1 ] || [ "$total" != "$n" ]; then
		tail -n 20 "$tmp/am.log"
		result FAIL "$part: b4 am of the mbox" "${#mbx[@]} mbx files, 'Total patches: $total', want $n"
	elif base_published && ! grep -q "Base: using specified base-commit $base" "$tmp/am.log"; then
		grep 'Base:' "$tmp/am.log"
		result FAIL "$part: b4 am of the mbox" "b4 does not find base-commit $base"
	else
		result OK "$part: b4 am: $n patches, base-commit $base"
		if ! worktree_at "$wt" "$base" || ! prereqs_into "$wt"; then
			result FAIL "$part: git am of b4's mbox onto the base and the parts before it" "no worktree at $base and the parts before"
		elif ! git -C "$wt" -c core.hooksPath=/dev/null -c am.threeWay=false \
				am --no-3way --quiet "${mbx[0]}" > "$tmp/gitam.log" 2>&1; then
			tail -n 20 "$tmp/gitam.log"
			git -C "$wt" am --abort > /dev/null 2>&1
			result FAIL "$part: git am of b4's mbox onto the base and the parts before it" "does not apply"
		else
			got_tree=$(git -C "$wt" rev-parse 'HEAD^{tree}')
			count=$(git -C "$wt" rev-list --count "$fork..HEAD")
			authors=$(git -C "$wt" log --format='%an <%ae>' "$fork..HEAD" | sort -u | tr '\n' ' ')
			printf 'tree of base + git am of the mbox: %s\n' "$got_tree"
			printf 'tree of base + patches/ to the part (%s): %s\n' "$APPLIED_TREE" "$want_tree"
			printf 'tree of b4/%s:               %s\n' "$name" "${branch_tree:-none}"
			if [ "$got_tree" = "$want_tree" ] && [ "$got_tree" = "$branch_tree" ] &&
			   [ "$count" = "$n" ] && [ "$authors" = "$TEST_NAME <$TEST_EMAIL> " ]; then
				result OK "$part: round trip: base + git am of the mbox = base + patches/ (tree $got_tree, $n commits by the sender)"
			else
				result FAIL "$part: round trip: base + git am of the mbox = base + patches/" \
					"tree $got_tree vs $want_tree, $count commits, authors $authors"
			fi
		fi
	fi
fi
}

while read -r part first count mailed cover lists; do
	[ "$mailed" = yes ] || continue
	check_part "$part" "$first" "$count" "$cover" "$lists"
done < <(series_parts)

result_report
