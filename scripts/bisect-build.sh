#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bisectability: for every prefix of the applied series, compile the kernel
# objects the series touches (that exist at that point), plus a few objects
# that include the headers the series changes. Then compare W=1 + sparse
# (C=1) warnings in the touched files between the base and the tip: a new
# warning fails, and so does a new kernel-doc warning. Uses the guest
# config of the tip for every prefix.
# Last line: "counts <passed> <failed>".
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tree=$SCRATCH_TREE
obj=$BISECT_OBJ
# Objects that pull in the headers this series changes (mm.h, pci-p2pdma.h).
CANARIES=(mm/memory.o mm/gup.o drivers/pci/p2pdma.o)

RESULT_TAG=build
finish() { result_counts; exit; }

base=$(base_ref) || die "no base tree"
tip=$(git -C "$APPLIED_TREE" rev-parse HEAD) || die "no applied tree: run scripts/apply-series.sh"
mapfile -t commits < <(git -C "$APPLIED_TREE" rev-list --reverse "$base..$tip")
n=${#commits[@]}
if [ "$n" -eq 0 ]; then
	msg "no patches: nothing to build per patch"
	finish
fi

# Kernel C files the series adds or changes (selftests under tools/ are
# built by the guest harness instead).
mapfile -t cfiles < <(git -C "$APPLIED_TREE" diff --name-only --diff-filter=AM "$base" "$tip" -- '*.c' |
	grep -v '^tools/' | grep -v '^samples/' || true)

cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"
kmake() { make -C "$tree" O="$obj" ARCH=x86_64 CC="$cc" -j"$(jobs_count)" "$@"; }

# the tip's guest config, reused (through olddefconfig) at every prefix
"$TOP"/scripts/kconfig.sh -t "$APPLIED_TREE" -O "$obj" >/dev/null || die "no config"
cp "$obj/.config" "$obj/tip.config"

# Does the config at this prefix build OBJ? Its Makefile line says which
# symbol it hangs on ("obj-$(CONFIG_FOO) += foo.o"); obj-y or no such line:
# yes. A file whose symbol nothing selects yet is not built by anyone at
# that point, so compiling it alone would test nothing real.
config_builds() {
	local dir=${1%/*} file=${1##*/} sym
	sym=$(grep -oE "^obj-\\\$\(CONFIG_[A-Z0-9_]+\)[[:space:]]*[+:]?=.*([[:space:]]|^)$file([[:space:]]|$)" \
		"$tree/$dir/Makefile" 2>/dev/null | head -n 1 | sed -E 's/^obj-\$\((CONFIG_[A-Z0-9_]+)\).*/\1/')
	[ -z "$sym" ] || grep -qE "^$sym=(y|m)$" "$obj/.config"
}

objects_at() {	# objects to build with the tree at its current commit
	local f o
	for f in "${cfiles[@]}"; do
		[ -f "$tree/$f" ] || continue
		o=${f%.c}.o
		if config_builds "$o"; then
			printf '%s\n' "$o"
		else
			msg "$(git -C "$tree" log -1 --format=%h): $o not built by this config yet" >&2
		fi
	done
	printf '%s\n' "${CANARIES[@]}"
}

build_at() {	# build_at COMMIT LOG [make args...]: 0 if every object built
	local commit=$1 log=$2
	shift 2
	worktree_at "$tree" "$commit" || return 1
	cp "$obj/tip.config" "$obj/.config"
	# The core's symbol has a prompt under COMPILE_TEST: build it from the
	# patch that adds it, before anything selects it.
	"$tree"/scripts/config --file "$obj/.config" -e COMPILE_TEST -e P2P_VMA
	kmake olddefconfig > "$log" 2>&1 || return 1
	mapfile -t objs < <(objects_at | sort -u)
	kmake "$@" "${objs[@]}" >> "$log" 2>&1
}

for i in $(seq 1 "$n"); do
	c=${commits[$((i - 1))]}
	subj=$(git -C "$APPLIED_TREE" log -1 --format=%s "$c")
	log=$obj/prefix-$i.log
	if build_at "$c" "$log"; then
		result OK "prefix $i/$n compiles ($subj)"
	else
		grep -E 'error:|Error [0-9]' "$log" | head -n 10
		result FAIL "prefix $i/$n compiles ($subj)" "log: $log"
	fi
done

# The touched kernel sources and headers (tools/ aside) get no new W=1 or
# sparse warnings (a header's show up while compiling the objects above)
# and no new kernel-doc warnings, base vs tip. Line numbers are dropped so
# that moved code does not count as new.
mapfile -t docfiles < <(git -C "$APPLIED_TREE" diff --name-only --diff-filter=AM "$base" "$tip" -- '*.c' '*.h' |
	grep -v '^tools/' || true)
warnings() {	# warnings LOG: normalised warnings about touched sources and headers
	local f
	for f in "${docfiles[@]}"; do
		grep -E "^([^ ]*/)?${f//./\\.}:[0-9]+(:[0-9]+)?: (warning|error):" "$1" |
			sed -E 's/:[0-9]+(:[0-9]+)?:/:/' || true
	done | sort -u
}
kdoc() {	# kdoc COMMIT: normalised kernel-doc warnings for the touched files
	local f
	for f in "${docfiles[@]}"; do
		# one file per commit: never shared, even if two calls overlap
		git -C "$APPLIED_TREE" show "$1:$f" > "$obj/kdoc-$1.tmp" 2>/dev/null || continue
		# "file:line: msg" (older kernel-doc) or "Warning: file:line msg"
		"$APPLIED_TREE"/scripts/kernel-doc -Wall -none "$obj/kdoc-$1.tmp" 2>&1 |
			sed -E -e "s|^Warning: [^ :]*:[0-9]+ |Warning: $f: |" \
				-e "s|^[^ :]*:[0-9]+: |$f: |"
	done | sort -u
}
# no_new WHAT BEFORE AFTER: one result; the lines only in AFTER are new.
no_new() {
	local new
	new=$(comm -13 <(printf '%s\n' "$2") <(printf '%s\n' "$3") | sed '/^$/d')
	if [ -z "$new" ]; then
		result OK "no new $1"
	else
		printf '%s\n' "$new" | head -n 20
		result FAIL "no new $1" "$(printf '%s\n' "$new" | wc -l) new"
	fi
}
no_new "kernel-doc warnings in the ${#docfiles[@]} touched kernel sources" \
	"$(kdoc "$base")" "$(kdoc "$tip")"

if ! command -v sparse >/dev/null; then
	result FAIL "sparse and W=1 warnings" "sparse missing: run scripts/deps.sh"
	finish
fi
build_at "$base" "$obj/warn-base.log" -k W=1 C=2 || true
build_at "$tip" "$obj/warn-tip.log" -k W=1 C=2 || true
no_new "W=1 or sparse warnings in the ${#docfiles[@]} touched sources and headers" \
	"$(warnings "$obj/warn-base.log")" "$(warnings "$obj/warn-tip.log")"
finish
