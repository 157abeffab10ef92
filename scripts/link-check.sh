#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Would these objects link? What modpost and the vmlinux link check, for a
# few objects, without linking the kernel at every prefix of the series.
#
#   link-check.sh -d DEFINED -e EXPORTED [-b OBJ]... [-m OBJ]...
#
# DEFINED: symbols the rest of the kernel defines (one per line);
# EXPORTED: symbols it exports to modules. Each -b OBJ is built into
# vmlinux: every symbol it leaves undefined must be in DEFINED or defined by
# one of the -b objects. Each -m OBJ goes into a module: its undefined
# symbols must be in EXPORTED, exported by one of the objects given, or
# defined in the same module (-M MODULE_DEFS, a file of the symbols the
# module's objects define, applies to the -m objects after it). Weak
# references are fine, and so is what the module loader provides.
# Prints one line per unresolved reference; exits 1 if there is one.
set -euo pipefail

usage() { echo "usage: ${0##*/} -d DEFINED -e EXPORTED [-M MODULE_DEFS] [-b OBJ]... [-m OBJ]..." >&2; exit 2; }

defined='' exported='' moddefs=/dev/null
builtin=() module=() module_defs=()
while getopts d:e:M:b:m: o; do
	case $o in
	d) defined=$OPTARG ;;
	e) exported=$OPTARG ;;
	M) moddefs=$OPTARG ;;
	b) builtin+=("$OPTARG") ;;
	m) module+=("$OPTARG"); module_defs+=("$moddefs") ;;
	*) usage ;;
	esac
done
if [ -z "$defined" ] || [ -z "$exported" ]; then usage; fi
[ ${#builtin[@]} -gt 0 ] || [ ${#module[@]} -gt 0 ] || usage

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# What the given objects define (built-in ones) and export (all).
for f in "${builtin[@]}" "${module[@]}"; do
	[ -f "$f" ] || { echo "link-check: no object $f" >&2; exit 2; }
done
for f in "${builtin[@]}"; do
	nm --defined-only -g "$f" | awk '{print $NF}'
done | sort -u > "$tmp/own-defs"
for f in "${builtin[@]}" "${module[@]}"; do
	nm -a "$f" | awk '$NF ~ /^__export_symbol_/ {sub(/^__export_symbol_/, "", $NF); print $NF}'
done | sort -u > "$tmp/own-exports"

# The loader resolves these for every module (modpost does not ask for them).
printf '%s\n' __this_module > "$tmp/loader"

sort -u "$defined" "$tmp/own-defs" > "$tmp/builtin-ok"
bad=0
check() {	# check OBJ ALLOWED: undefined references of OBJ not in ALLOWED
	local missing
	missing=$(nm -u "$1" | awk '$1 == "U" {print $2}' | sort -u | comm -23 - "$2")
	if [ -n "$missing" ]; then
		printf '%s: undefined or not exported: %s\n' "$1" "${missing//$'\n'/ }"
		bad=1
	fi
}
for f in "${builtin[@]}"; do
	check "$f" "$tmp/builtin-ok"
done
for i in "${!module[@]}"; do
	sort -u "$exported" "$tmp/own-exports" "${module_defs[$i]}" \
		"$tmp/loader" > "$tmp/module-ok"
	check "${module[$i]}" "$tmp/module-ok"
done
exit $bad
