#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bisectability: for every prefix of the applied series, compile the kernel
# objects the series touches (that exist at that point), plus a few objects
# that include the headers the series changes, and check that they would
# link: every symbol they use is defined in vmlinux or, from a module,
# exported, at that prefix (scripts/link-check.sh, against the guest
# kernel built from the tip, minus what the series adds). Each header the
# series adds compiles on its own. Then compare W=1 + sparse
# (C=1) warnings in the touched files between the base and the tip: a new
# warning fails, and so does a new kernel-doc warning. Uses the guest
# config of the tip for every prefix, with the drivers of
# kconfig-fragments/compile-test/ added (compiled, not link-checked: the
# guest kernel has no modules of theirs to check against).
# Ends with its KTAP report (lib.sh result_report).
set -uo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

tree=$SCRATCH_TREE
obj=$BISECT_OBJ
# Objects that pull in the headers this series changes (mm.h, pci-p2pdma.h).
CANARIES=(mm/memory.o mm/gup.o drivers/pci/p2pdma.o)

finish() { result_report; exit; }

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

# the tip's guest config plus the drivers the guest does not run
# (kconfig-fragments/compile-test/), reused (through olddefconfig) at every
# prefix
"$TOP"/scripts/kconfig.sh -t "$APPLIED_TREE" -O "$obj" "$FRAG_DIR"/*.config \
	"$FRAG_DIR"/compile-test/*.config >/dev/null || die "no config"
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

# Headers the series adds, each compiled alone (as the first include of an
# empty file), so that one that needs an include it lacks fails here.
headers_alone() {
	local h ok=0
	for h in $(git -C "$tree" diff --name-only --diff-filter=A "$base" HEAD -- 'include/linux/*.h'); do
		printf '#include <%s>\n' "${h#include/}" > "$tree/lib/p2p-header-test.c"
		kmake lib/p2p-header-test.o >> "$1" 2>&1 || { echo "$h does not compile alone" >> "$1"; ok=1; }
	done
	rm -f "$tree/lib/p2p-header-test.c" "$obj/lib/p2p-header-test.o"
	return $ok
}

# Keep each prefix's objects for the link check.
save_objects() {	# save_objects N
	local o
	rm -rf "$obj/link-$1"
	for o in "${objs[@]}"; do
		[ -f "$obj/$o" ] || continue
		mkdir -p "$obj/link-$1/${o%/*}"
		cp "$obj/$o" "$obj/link-$1/$o"
	done
}

# A patch that changes only tools/ (selftests) or Documentation/ builds
# the same kernel objects as the prefix before it: reuse that prefix's.
kernel_unchanged() {	# kernel_unchanged COMMIT
	! git -C "$APPLIED_TREE" diff --name-only "$1^" "$1" |
		grep -qvE '^(tools|Documentation)/'
}

for i in $(seq 1 "$n"); do
	c=${commits[$((i - 1))]}
	subj=$(git -C "$APPLIED_TREE" log -1 --format=%s "$c")
	log=$obj/prefix-$i.log
	if [ "$i" -gt 1 ] && [ -d "$obj/link-$((i - 1))" ] && kernel_unchanged "$c"; then
		result OK "prefix $i/$n compiles ($subj): only tools/ or Documentation/ changed, the objects of prefix $((i - 1))"
		rm -rf "$obj/link-$i"
		cp -al "$obj/link-$((i - 1))" "$obj/link-$i"
		continue
	fi
	if build_at "$c" "$log" && headers_alone "$log"; then
		result OK "prefix $i/$n compiles ($subj)"
		save_objects "$i"
	else
		grep -E 'error:|Error [0-9]|does not compile alone' "$log" | head -n 10
		result FAIL "prefix $i/$n compiles ($subj)" "log: $log"
		rm -rf "$obj/link-$i"
	fi
done

# Link check, per prefix. What the rest of the kernel defines and exports
# comes from the guest kernel built from the tip, minus what the series'
# objects define and export at the tip; the objects of the prefix add back
# what they define at that point.
link_prefixes() {
	local g=$GUEST_OBJ l=$obj/link-tmp i o m mod f
	if [ ! -f "$g/vmlinux" ] || [ ! -f "$g/Module.symvers" ]; then
		result FAIL "per-prefix link check" "no guest kernel in $g: run scripts/build-kernel.sh first"
		return
	fi
	rm -rf "$l"
	mkdir -p "$l"
	# objects of each module of the guest config (kbuild's .mod files)
	declare -A modof=()
	while IFS= read -r f; do
		while IFS= read -r o; do
			modof[$o]=${f#"$g"/}
		done < "$f"
	done < <(find "$g" -name '*.mod' -type f)
	find "$obj/link-$n" -name '*.o' -type f -exec nm --defined-only -g {} + 2>/dev/null |
		awk 'NF == 3 {print $3}' | sort -u > "$l/tip-defs"
	find "$obj/link-$n" -name '*.o' -type f -exec nm -a {} + 2>/dev/null |
		awk '$NF ~ /^__export_symbol_/ {sub(/^__export_symbol_/, "", $NF); print $NF}' |
		sort -u > "$l/tip-exports"
	nm --defined-only -g "$g/vmlinux" | awk '{print $NF}' | sort -u |
		comm -23 - "$l/tip-defs" > "$l/defined"
	awk '{print $2}' "$g/Module.symvers" | sort -u | comm -23 - "$l/tip-exports" > "$l/exported"
	for i in $(seq 1 "$n"); do
		[ -d "$obj/link-$i" ] || { result FAIL "prefix $i/$n links" "it did not compile"; continue; }
		args=()
		while IFS= read -r o; do
			mod=${modof[$o]:-}
			if [ -z "$mod" ] && [ ! -f "$g/$o" ]; then
				# a compile-test driver: its module is not built
				[ "$i" -ne "$n" ] || msg "$o: compiled, not link-checked (not in the guest kernel)"
				continue
			fi
			if [ -z "$mod" ]; then
				args+=(-b "$obj/link-$i/$o")
				continue
			fi
			# the module's other objects, as at the tip, and this
			# prefix's own objects of the same module
			m=$l/mod-$i-${mod//\//_}
			if [ ! -f "$m" ]; then
				while IFS= read -r f; do
					if [ -f "$obj/link-$i/$f" ]; then
						nm --defined-only -g "$obj/link-$i/$f"
					elif [ ! -f "$obj/link-$n/$f" ] && [ -f "$g/$f" ]; then
						nm --defined-only -g "$g/$f"
					fi
				done < "$g/$mod" | awk 'NF == 3 {print $3}' | sort -u > "$m"
			fi
			args+=(-M "$m" -m "$obj/link-$i/$o")
		done < <(cd "$obj/link-$i" && find . -name '*.o' -type f | sed 's|^\./||' | sort)
		if out=$("$TOP"/scripts/link-check.sh -d "$l/defined" -e "$l/exported" "${args[@]}" 2>&1); then
			result OK "prefix $i/$n links (symbols defined, and exported to modules)"
		else
			printf '%s\n' "$out" | head -n 10
			result FAIL "prefix $i/$n links" "$(printf '%s\n' "$out" | head -n 1)"
		fi
	done
}
link_prefixes

# The touched kernel sources and headers (tools/ aside) get no new W=1 or
# sparse warnings (a header's show up while compiling the objects above)
# and no new kernel-doc warnings, base vs tip. Line numbers are dropped so
# that moved code does not count as new.
mapfile -t docfiles < <(git -C "$APPLIED_TREE" diff --name-only --diff-filter=AM "$base" "$tip" -- '*.c' '*.h' |
	grep -v '^tools/' || true)
# Sparse 0.6.4 (Debian 12) reports "bad constant expression" at every
# MODULE_*() and module_param() line of 7.3 (a newer sparse does not):
# not a finding.
sparse_known() {	# sparse_known COMMIT FILE LINE MSG: true if to be ignored
	[ "$4" = "error: bad constant expression" ] || return 1
	git -C "$APPLIED_TREE" show "$1:$2" 2>/dev/null | sed -n "$3p" |
		grep -qE '^(MODULE_|module_param)'
}
warnings() {	# warnings LOG COMMIT: normalised warnings about touched sources and headers
	local f line file ln msg
	for f in "${docfiles[@]}"; do
		grep -E "^([^ ]*/)?${f//./\\.}:[0-9]+(:[0-9]+)?: (warning|error):" "$1" |
		while IFS= read -r line; do
			file=$f
			ln=$(sed -E "s|^([^ ]*/)?${f//./\\.}:([0-9]+).*|\2|" <<< "$line")
			msg=$(sed -E 's/^[^ ]*:[0-9]+(:[0-9]+)?: //' <<< "$line")
			sparse_known "$2" "$file" "$ln" "$msg" && continue
			sed -E 's/:[0-9]+(:[0-9]+)?:/:/' <<< "$line"
		done
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

# Debian 12's sparse (0.6.4) does not know __typeof_unqual__, which v7.3's
# headers use, and kbuild then skips sparse with only a make warning: spell
# it as __typeof__ for sparse, and fail if sparse did not run all the same
# (sparse_ran, lib.sh; the tooling self-test feeds it a skip). No log of a
# previous run may stand in for a build that did not happen.
sparse_cmd="sparse -D__typeof_unqual__=__typeof__"
rm -f "$obj/warn-base.log" "$obj/warn-tip.log"
if command -v sparse >/dev/null; then
	build_at "$base" "$obj/warn-base.log" -k W=1 C=2 CHECK="$sparse_cmd" || true
	build_at "$tip" "$obj/warn-tip.log" -k W=1 C=2 CHECK="$sparse_cmd" || true
fi
sparse_ran "$sparse_cmd" "$obj/warn-base.log" "$obj/warn-tip.log" || finish
no_new "W=1 or sparse warnings in the ${#docfiles[@]} touched sources and headers" \
	"$(warnings "$obj/warn-base.log" "$base")" "$(warnings "$obj/warn-tip.log" "$tip")"
finish
