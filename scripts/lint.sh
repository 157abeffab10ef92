#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Quick checks that need no build: series and patches/ agree, every patch
# passes checkpatch.pl --strict with 0 errors and 0 warnings, the shell
# scripts pass shellcheck, the boot judge's own tests pass.
# Ends with its KTAP report (lib.sh result_report).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"


# 1. series <-> patches/
mapfile -t listed < <(series_list)
bad=
for p in "${listed[@]}"; do
	[ -f "$PATCH_DIR/$p" ] || bad="$bad series names $p, not in patches/;"
done
for f in "$PATCH_DIR"/*.patch; do
	[ -e "$f" ] || continue
	printf '%s\n' "${listed[@]}" | grep -qxF "${f##*/}" ||
		bad="$bad ${f##*/} is not in series;"
done
dups=$(printf '%s\n' "${listed[@]}" | sort | uniq -d | tr '\n' ' ')
[ -z "$dups" ] || bad="$bad listed twice: $dups;"
sorted=$(printf '%s\n' "${listed[@]}" | LC_ALL=C sort | tr '\n' ' ')
[ "$sorted" = "$(printf '%s\n' "${listed[@]}" | tr '\n' ' ')" ] ||
	bad="$bad series is not in patch-number order;"
if [ -z "$bad" ]; then result OK "series and patches/ agree (${#listed[@]} patches)"
else result FAIL "series and patches/ agree" "$bad"; fi

# 2. checkpatch --strict, with the base tree's copy of the script
ksrc=$(base_repo)
notree=()
if [ ! -f "$ksrc/scripts/checkpatch.pl" ]; then
	notree=(--no-tree)
	ksrc=$P2P_WORK/checkpatch
	if [ ! -f "$ksrc/scripts/checkpatch.pl" ] &&
	   read -r _ tarball < <("$TOP/scripts/fetch-source.sh"); then
		d=linux-source-$LINUX_SOURCE_SERIES
		mkdir -p "$ksrc"
		tar -xf "$tarball" -C "$ksrc" --strip-components=1 \
			"$d/scripts/checkpatch.pl" "$d/scripts/spelling.txt" \
			"$d/scripts/const_structs.checkpatch"
	fi
fi
if [ ${#listed[@]} -gt 0 ] && [ ! -f "$ksrc/scripts/checkpatch.pl" ]; then
	result FAIL "checkpatch" "no checkpatch.pl: run scripts/base-tree.sh"
fi
# one checkpatch per CPU at a time, results in series order
mapfile -t cpx < <(checkpatch_args)
cpdir=$(mktemp -d)
ncpu=$(nproc 2>/dev/null || echo 1)
for i in "${!listed[@]}"; do
	p=${listed[$i]}
	if [ ! -f "$PATCH_DIR/$p" ] || [ ! -f "$ksrc/scripts/checkpatch.pl" ]; then
		continue
	fi
	while [ "$(jobs -rp | wc -l)" -ge "$ncpu" ]; do wait -n; done
	(cd "$ksrc" && perl scripts/checkpatch.pl --strict "${notree[@]}" "${cpx[@]}" --color=never \
		--summary-file --showfile "$PATCH_DIR/$p" > "$cpdir/$i" 2>&1) &
done
wait
for i in "${!listed[@]}"; do
	[ -f "$cpdir/$i" ] || continue
	checkpatch_result "${listed[$i]}" "$(cat "$cpdir/$i")"
done
rm -rf "$cpdir"

# 3. shellcheck
mapfile -t shells < <(cd "$TOP" && ls scripts/*.sh qemu-test/*.sh qemu-test/init .ci/run 2>/dev/null)
if out=$(cd "$TOP" && shellcheck -x "${shells[@]}" 2>&1); then
	result OK "shellcheck (${#shells[@]} files)"
else
	printf '%s\n' "$out" | head -n 30
	result FAIL "shellcheck" "see above"
fi

# 4. The boot judge: it must fail every kind of bad run (test-check-log.py)
if out=$(cd "$TOP" && python3 qemu-test/test-check-log.py 2>&1); then
	result OK "boot judge fails bad runs ($(printf '%s\n' "$out" | grep -oE 'Ran [0-9]+ tests'))"
else
	printf '%s\n' "$out" | tail -n 20
	result FAIL "boot judge fails bad runs" "qemu-test/test-check-log.py"
fi

result_report
