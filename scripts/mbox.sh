#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The series as mail, ready to send, one part at a time: the patches of a
# part of the series file ("#: NAME cover=FILE" starts one) plus its cover
# letter become a threaded set of messages and one mbox, made by b4 under
# the identity of whoever runs this. -a does every part that is mailed.
#
#  - Identity: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL if set, else git's user.name
#    and user.email; no identity, no mbox. Patches whose author is the
#    placeholder get that identity as author; every patch loses the
#    placeholder's Signed-off-by and gets the sender's (git commit -s), so
#    From: and the last Signed-off-by: match, as the DCO wants.
#  - b4 prep: a branch b4/NAME in a worktree of the base repository
#    ($P2P_WORK/mbox-tree) with the part on the base and the parts before
#    it (its prerequisites: they are named in the cover letter as b4 does,
#    "prerequisite-patch-id:", with the real base as base-commit), the
#    cover letter
#    in the branch description (b4's "branch-description" cover strategy:
#    no extra commit, the branch holds exactly the series), and the version
#    and extra prefixes (RFC) from the Subject: line of COVER-LETTER.txt.
#  - To/Cc: scripts/get_maintainer.pl of the applied tree (--no-git
#    --no-git-fallback, through scripts/mbox-get-maintainer.sh): the cover
#    letter goes to everyone ("b4 prep --auto-to-cc"), each patch to what
#    get_maintainer.pl gives for that patch. The placeholder address is
#    never a recipient.
#  - b4 send -o: writes the messages and sends nothing (b4 runs with
#    --offline-mode, no signing, an SMTP "server" of /bin/false).
#
# Output: OUTDIR/NAME-vV/*.eml (one message each, for git send-email) and
# OUTDIR/NAME-vV.mbox (all of them, mboxrd). The cover letter's
# base-commit: is the base the series was applied to, if a reader can
# resolve it (base_published; not for the project's Debian import).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PLACEHOLDER_EMAIL=p2p-vma@example.org

usage() {
	cat <<USAGE
usage: ${0##*/} [-I] [-a | -p PART] [-o OUTDIR] [-n NAME] [-t TREE] [-w WORKTREE]
  -I           only check that there is an identity to send as, then exit
  -p PART      the part of the series file to mail (default core)
  -a           every part that is mailed, one mbox each (-n is the prefix)
  -o OUTDIR    where the messages and the mbox go (default $P2P_WORK/mbox)
  -n NAME      series name: branch b4/NAME, files NAME-vV (default
               p2p-vma-PART)
  -t TREE      applied tree that get_maintainer.pl runs in; must hold the
               same tree as base + patches/ (default $APPLIED_TREE)
  -w WORKTREE  b4's worktree (default $P2P_WORK/mbox-tree)
Identity: GIT_AUTHOR_NAME/GIT_AUTHOR_EMAIL, else git config user.name/user.email.
USAGE
}

outdir=$P2P_WORK/mbox
name=''
part=core all=0
identity_only=0
tree=$APPLIED_TREE
wt=$P2P_WORK/mbox-tree
args=("$@")
while getopts Iap:o:n:t:w:h opt; do
	case $opt in
	I) identity_only=1 ;;
	a) all=1 ;;
	p) part=$OPTARG ;;
	o) outdir=$(abspath "$OPTARG") ;;
	n) name=$OPTARG ;;
	t) tree=$(abspath "$OPTARG") ;;
	w) wt=$(abspath "$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ $all -eq 1 ] && [ $identity_only -eq 0 ]; then
	# once per mailed part, with the same options but -a
	rest=()
	for a in "${args[@]}"; do [ "$a" = -a ] || rest+=("$a"); done
	while read -r p _ _ mailed _; do
		[ "$mailed" = yes ] || continue
		"$0" "${rest[@]}" -p "$p" -n "${name:-p2p-vma}-$p" || exit
	done < <(series_parts)
	exit 0
fi
# 1. Who sends it. Nothing is done without an identity.
id_name=${GIT_AUTHOR_NAME:-$(git -C "$TOP" config user.name || true)}
id_email=${GIT_AUTHOR_EMAIL:-$(git -C "$TOP" config user.email || true)}
if [ -z "$id_name" ] || [ -z "$id_email" ]; then
	die "no identity: the mbox is sent as you and signed off by you (DCO).
  Set it with: git config --global user.name 'Your Name'
               git config --global user.email you@example.com"
fi
[[ $id_email =~ ^[^@[:space:]]+@[^@[:space:]]+$ ]] || die "identity email '$id_email' is not an address"
[ "${id_email,,}" != "$PLACEHOLDER_EMAIL" ] ||
	die "identity is the placeholder $PLACEHOLDER_EMAIL: set your own user.email"
ident="$id_name <$id_email>"
if [ $identity_only -eq 1 ]; then
	msg "sending as $ident"
	exit 0
fi
# Which part: the identity check above needs none (nor a series file).
read -r _ first count mailed cover _ < <(series_parts | awk -v p="$part" '$1 == p') ||
	die "no part '$part' in $SERIES_FILE"
[ "$mailed" = yes ] || die "part '$part' is not mailed (mailed=no in $SERIES_FILE)"
COVER_FILE=${COVER_FILE:-$TOP/$cover}
name=${name:-p2p-vma-$part}
[[ $name =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "series name '$name': use a-z, 0-9 and -"
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_AUTHOR_DATE
# The b4 branch is the sender's: commits and sign-offs in their name.
export GIT_COMMITTER_NAME=$id_name GIT_COMMITTER_EMAIL=$id_email

command -v b4 >/dev/null || die "b4 is not installed: run scripts/deps.sh"

# 2. What the cover letter claims: "Subject: [PATCH RFC v3 0/8] title".
[ -f "$COVER_FILE" ] || die "no cover letter $COVER_FILE"
subject=$(sed -n '1s/^Subject: //p' "$COVER_FILE")
[[ $subject =~ ^\[([^]]*)\][[:space:]]+(.+)$ ]] ||
	die "$COVER_FILE: line 1 is not 'Subject: [PATCH ...] title'"
tags=${BASH_REMATCH[1]} title=${BASH_REMATCH[2]}
version=1 claimed='' extras=() have_patch=0
for t in $tags; do
	case $t in
	PATCH) have_patch=1 ;;
	v[0-9]*) version=${t#v} ;;
	[0-9]*/[0-9]*) claimed=${t#*/} ;;
	*) extras+=("$t") ;;
	esac
done
if [ $have_patch -ne 1 ] || ! [[ $version =~ ^[0-9]+$ ]]; then
	die "$COVER_FILE: cannot read the prefix '[$tags]'"
fi
if grep -n '^#' "$COVER_FILE" >&2; then
	die "$COVER_FILE: b4 drops lines starting with '#' (above) from a cover letter"
fi

mapfile -t every < <(series_list)
prereqs=("${every[@]:0:first - 1}")
patches=("${every[@]:first - 1:count}")
n=${#patches[@]}
[ "$n" -gt 0 ] || die "part '$part' is empty"
for p in "${patches[@]}"; do
	if grep -qiE "^\+M:.*<${PLACEHOLDER_EMAIL//./\\.}>" "$PATCH_DIR/$p"; then
		msg "warning: $p makes the placeholder a maintainer (M: in MAINTAINERS): put a real one there before sending"
	fi
done
if [ -n "$claimed" ] && [ "$claimed" != "$n" ]; then
	msg "warning: $COVER_FILE says 0/$claimed but part '$part' has $n patches; the mail says 0/$n (update the cover letter and its shortlog)"
fi

# 3. The applied tree, where get_maintainer.pl runs.
base=$(base_ref) || die "no base: run make apply"
if [ ! -d "$tree" ] || ! git -C "$tree" rev-parse -q --verify HEAD >/dev/null; then
	die "no applied tree at $tree: run make apply"
fi
git -C "$tree" diff --quiet HEAD -- MAINTAINERS scripts/get_maintainer.pl ||
	die "$tree has local changes to MAINTAINERS or scripts/get_maintainer.pl"

# 4. Configuration for git and b4, for this run only (nothing is written to
# any git config file except b4's own branch description and tracking).
gitcfg() {
	local i=${GIT_CONFIG_COUNT:-0}
	export "GIT_CONFIG_KEY_$i=$1" "GIT_CONFIG_VALUE_$i=$2"
	export GIT_CONFIG_COUNT=$((i + 1))
}
gm=$(printf '%q' "$TOP/scripts/mbox-get-maintainer.sh")
export P2P_MBOX_TREE=$tree
gitcfg user.name "$id_name"
gitcfg user.email "$id_email"
gitcfg sendemail.from "$ident"
gitcfg sendemail.smtpserver /bin/false
gitcfg b4.prep-cover-strategy branch-description
gitcfg b4.send-auto-to-cmd "$gm --nol"
gitcfg b4.send-auto-cc-cmd "$gm --nom"
gitcfg b4.email-exclude "$PLACEHOLDER_EMAIL"
gitcfg core.hooksPath /dev/null
gitcfg am.threeWay false
b4run() { (cd "$wt" && b4 --offline-mode --no-interactive --no-stdin "$@"); }

tmp=$(mktemp -d /tmp/mbox.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# 5. The cover letter as b4 wants it: title, blank line, body. b4 adds the
# shortlog, diffstat and base-commit itself, so COVER-LETTER.txt's are dropped.
{
	printf '%s\n\n' "$title"
	awk 'NR == 1 { next }
		/^[^ \t].* \([0-9]+\):$/ { shortlog = 1; next }
		shortlog && /^  / { next }
		{ shortlog = 0 }
		/^base-commit: / { next }
		{ print }' "$COVER_FILE" | sed '/./,$!d' | cat -s
} > "$tmp/cover"
sed -i -e :a -e '/^\n*$/{$d;N;ba' -e '}' "$tmp/cover"

# b4 0.12's default cover template, but with the base written out: with the
# branch-description strategy b4 0.12 starts the series at the fork point
# and reports that commit's parent as base-commit (its "commit" strategy
# gets it right but edits the branch with git-filter-repo).
cat > "$tmp/cover-template" <<'TEMPLATE'
${cover}

---
${shortlog}

${diffstat}
---
@BASE@change-id: ${change_id}
@PREREQ@
Best regards,
-- 
${signature}
TEMPLATE
if base_published; then
	sed -i "s/@BASE@/base-commit: $base\n/" "$tmp/cover-template"
else
	# the cover letter says why there is none
	sed -i "s/@BASE@//" "$tmp/cover-template"
fi
# the parts before this one, as b4 names prerequisites it cannot fetch
: > "$tmp/prereq"
for p in "${prereqs[@]}"; do
	id=$(git -C "$tree" patch-id --stable < "$PATCH_DIR/$p" | awk '{print $1}')
	[ -n "$id" ] || die "no patch-id for $p"
	printf 'prerequisite-patch-id: %s\n' "$id" >> "$tmp/prereq"
done
python3 - "$tmp/cover-template" "$tmp/prereq" <<'PY'
import sys
t, p = sys.argv[1:3]
s = open(t).read().replace('@PREREQ@', open(p).read())
open(t, 'w').write(s)
PY
gitcfg b4.prep-cover-template "$tmp/cover-template"

# 6. b4 prep: a fresh branch b4/NAME on the base and the parts before this
# one (only a branch this script made is ever deleted).
branch=b4/$name
worktree_at "$wt" "$base" "$name-base" ||
	die "cannot check out $base in $wt"
for p in "${prereqs[@]}"; do
	git -C "$wt" am --no-3way --quiet --keep-cr "$PATCH_DIR/$p" ||
		{ git -C "$wt" am --abort || true; die "$p does not apply to $base"; }
done
fork=$(git -C "$wt" rev-parse HEAD)
if git -C "$wt" rev-parse -q --verify "refs/heads/$branch" >/dev/null; then
	[ "$(git -C "$wt" config --bool "branch.$branch.p2p-vma-mbox" || true)" = true ] ||
		die "branch $branch exists and was not made by ${0##*/}: delete it or use -n"
	git -C "$wt" branch -q -D "$branch"
fi
prefix_args=()
[ ${#extras[@]} -eq 0 ] || prefix_args=(--set-prefixes "${extras[@]}")
( gitcfg core.editor "cp -- $(printf '%q' "$tmp/cover")"
  b4run prep -n "$name" -f "$fork" --force-revision "$version" "${prefix_args[@]}" --edit-cover ) ||
	die "b4 prep failed"
[ "$(git -C "$wt" symbolic-ref --short HEAD)" = "$branch" ] || die "b4 prep did not make $branch"
git -C "$wt" config "branch.$branch.p2p-vma-mbox" true

# 7. The patches, as the sender: same trees, new author and sign-off.
for p in "${patches[@]}"; do
	f=$PATCH_DIR/$p
	[ -f "$f" ] || die "series names $p, which is not in $PATCH_DIR"
	git -C "$wt" am --no-3way --quiet --keep-cr "$f" ||
		{ git -C "$wt" am --abort || true; die "$p does not apply to $base"; }
	author=()
	[ "$(git -C "$wt" log -1 --format=%ae)" != "$PLACEHOLDER_EMAIL" ] || author=(--author="$ident")
	git -C "$wt" log -1 --format=%B |
		grep -viE "^Signed-off-by: .*<${PLACEHOLDER_EMAIL//./\\.}>[[:space:]]*$" > "$tmp/msg" || true
	git -C "$wt" commit -q --amend --no-verify --allow-empty --cleanup=whitespace \
		--signoff "${author[@]}" -F "$tmp/msg"
done
mine=$(git -C "$wt" rev-parse 'HEAD^{tree}')
after=$(( ${#every[@]} - first - count + 1 ))
applied=$(git -C "$tree" rev-parse "HEAD~$after^{tree}")
[ "$mine" = "$applied" ] ||
	die "$tree at HEAD~$after (tree $applied) is not base + patches/ up to part '$part' (tree $mine): run make apply"

# 8. To/Cc for the cover letter, then the messages.
b4run prep --auto-to-cc >&2 || die "b4 prep --auto-to-cc failed"
b4run send --no-sign --not-me-too -o "$tmp/out" >&2 || die "b4 send -o failed"
mapfile -t msgs < <(find "$tmp/out" -maxdepth 1 -name '*.eml' -printf '%f\n' | LC_ALL=C sort)
[ ${#msgs[@]} -eq $((n + 1)) ] || die "b4 wrote ${#msgs[@]} messages, expected $((n + 1))"

# Each patch to what get_maintainer.pl says for that patch (maintainers and
# reviewers in To:, lists and reviewers in Cc:, minus the placeholder).
set_recipients() {
	python3 - "$@" <<'PY'
import email.utils
import sys

eml, tofile, ccfile, exclude = sys.argv[1:5]
excl = {x.strip().lower() for x in exclude.split(',') if x.strip()}


def addrs(path):
    with open(path, encoding='utf-8') as f:
        return email.utils.getaddresses([l.strip() for l in f if l.strip()])


seen = set()
lists = {'To': [], 'Cc': []}
for hdr, src in (('To', tofile), ('Cc', ccfile)):
    for name, addr in addrs(src):
        key = addr.lower()
        if '@' not in addr or key in excl or key in seen:
            continue
        seen.add(key)
        lists[hdr].append((name, addr))
if not lists['To']:
    lists['To'], lists['Cc'] = lists['Cc'], []
with open(eml, 'rb') as f:
    data = f.read()
head, sep, body = data.partition(b'\n\n')
out, skip = [], False
for line in head.split(b'\n'):
    if line[:1] in (b' ', b'\t'):
        if not skip:
            out.append(line)
        continue
    skip = line.lower().startswith((b'to:', b'cc:'))
    if not skip:
        out.append(line)
for hdr in ('To', 'Cc'):
    if lists[hdr]:
        vals = [email.utils.formataddr(p, charset='utf-8') for p in lists[hdr]]
        out.append((hdr + ': ' + ',\n '.join(vals)).encode('ascii'))
with open(eml, 'wb') as f:
    f.write(b'\n'.join(out) + sep + body)
PY
}
for m in "${msgs[@]:1}"; do
	"$TOP"/scripts/mbox-get-maintainer.sh --nol < "$tmp/out/$m" > "$tmp/to"
	"$TOP"/scripts/mbox-get-maintainer.sh --nom < "$tmp/out/$m" > "$tmp/cc"
	trailer_cc "$tmp/out/$m" >> "$tmp/cc"
	set_recipients "$tmp/out/$m" "$tmp/to" "$tmp/cc" "$PLACEHOLDER_EMAIL,$id_email"
done

# 9. Out: one file per message, and the mbox (mboxrd: ">From " escaped).
dir=$outdir/$name-v$version
mbox=$outdir/$name-v$version.mbox
rm -rf "$dir" "$mbox"
mkdir -p "$dir"
for m in "${msgs[@]}"; do
	mv "$tmp/out/$m" "$dir/$m"
	printf 'From mboxrd@z Thu Jan  1 00:00:00 1970\n'
	sed 's/^\(>*From \)/>\1/' "$dir/$m"
	printf '\n'
done > "$mbox"

cover_subject=$(grep -m 1 '^Subject: ' "$dir/${msgs[0]}" || true)
msg "sender: $ident"
msg "$cover_subject"
msg "base-commit: $base (tree of $tree)"
msg "b4 branch: $branch (worktree $wt; made again on every run)"
msg "wrote $((n + 1)) messages to $dir/ and $mbox"
printf '%s\n' "$mbox"
