#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the guest kernel in one topology variant, run the tests of
# qemu-test/tests.conf listed for it, and judge the run (check-log.py).
# The serial log and the ivshmem backing files are kept in the output dir.
# Ends with the judge's KTAP report, a subtest report for each program.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=scripts/lib.sh
. "$HERE/../scripts/lib.sh"

usage() {
	cat <<USAGE
usage: ${0##*/} [-v VARIANT] [-t TREE] [-O OBJDIR] [-o OUTDIR] [-T SECONDS] [-l TESTS] [-C CONF]
  -v VARIANT  topology variant: default, amd, iommu, bench or bench-tiny
              (default: default)
  -t TREE     patched kernel tree, for selftest sources (default $APPLIED_TREE)
  -O OBJDIR   kernel build directory (default $GUEST_OBJ)
  -o OUTDIR   where the initramfs, serial log and backing files go
              (default \$P2P_WORK/guest/VARIANT)
  -T SECONDS  kill QEMU after this long (default \$P2P_RUN_TIMEOUT or 900)
  Each program is killed after \$P2P_TEST_TIMEOUT seconds (default 600).
  -l TESTS    run only these programs (comma separated; default: tests.conf)
  -C CONF     read the programs from CONF, in tests.conf's format (default
              qemu-test/tests.conf; scripts/mutations.sh writes its own)
  QEMU_ACCEL=kvm to try KVM (default tcg: a KVM guest hung on the CI machines)
USAGE
}

variant=default tree=$APPLIED_TREE obj=$GUEST_OBJ out='' only='' conf=$HERE/tests.conf
limit=${P2P_RUN_TIMEOUT:-900}
test_limit=${P2P_TEST_TIMEOUT:-600}
while getopts v:t:O:o:T:l:C:h opt; do
	case $opt in
	v) variant=$OPTARG ;;
	t) tree=$OPTARG ;;
	O) obj=$OPTARG ;;
	o) out=$OPTARG ;;
	T) limit=$OPTARG ;;
	l) only=$OPTARG ;;
	C) conf=$(abspath "$OPTARG") ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || out=$P2P_WORK/guest/$variant
# Nothing of an earlier run may stand in for this one (a serial log that
# bench.sh or demo.sh would read): gone before anything can stop this run.
rm -rf "$out"
kernel=$obj/arch/x86/boot/bzImage
[ -f "$kernel" ] || die "no kernel at $kernel: run scripts/build-kernel.sh"
busybox=/bin/busybox	# from busybox-static
[ -x "$busybox" ] || die "busybox-static missing: run scripts/deps.sh"

SHM_DIR=$out
QMP_SOCK=$out/qmp.sock
HOSTREAD_SOCK=$out/hostread.sock
# shellcheck source=qemu-test/topology.sh
. "$HERE/topology.sh"
topo_variant "$variant" || die "unknown variant $variant (have: ${TOPO_VARIANTS[*]})"

# The shared libraries and the loader of an ELF file, as ldd finds them.
ldd_libs() {
	ldd "$1" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'
}

# Copy a file into the initramfs root at the same path, and for an ELF
# file the libraries it needs.
copy_in() {
	local root=$1 f=$2 lib
	[ -e "$root$f" ] && return 0
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
	[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || return 0
	for lib in $(ldd_libs "$f"); do
		copy_in "$root" "$lib"
	done
}

# A "harness-dyn:" program: its libraries, and the files its source names
# on a "P2P-BUILD-FILES:" line (globs; e.g. a plugin it dlopen()s), each
# with its libraries.
dyn_files() {
	local root=$1 prog=$2 src=$3 pat f lib
	for lib in $(ldd_libs "$prog"); do
		copy_in "$root" "$lib"
	done
	# shellcheck disable=SC2013 # words, not lines
	for pat in $(sed -n 's/^ \* P2P-BUILD-FILES: //p' "$src"); do
		f=$(compgen -G "$pat" | head -n 1) ||
			die "$src: no file $pat (run scripts/deps.sh)"
		copy_in "$root" "$f"
	done
}

mkdir -p "$out/root"/{bin,sbin,proc,sys,dev,tmp,tests,lib}
root=$out/root

# 1. test programs for this variant
tests=()
expect=()
while read -r name variants cases hostchecks modules src args; do
	case $name in ''|'#'*) continue ;; esac
	case ",$variants," in *",$variant,"*) ;; *) continue ;; esac
	if [ -n "$only" ]; then
		case ",$only," in *",$name,"*) ;; *) continue ;; esac
	fi
	# FILE[+MORE.c...]: the program's other sources (the helpers its
	# Makefile links in) are named relative to FILE's directory
	IFS=+ read -r -a files <<< "$src"
	link=-static ldlibs=()
	case ${files[0]} in
	harness:*) files[0]=$HERE/guest/${files[0]#harness:} ;;
	harness-dyn:*) files[0]=$HERE/guest/${files[0]#harness-dyn:} link= ;;
	kernel:*) files[0]=$tree/${files[0]#kernel:} ;;
	*) die "tests.conf: bad source $src" ;;
	esac
	for i in "${!files[@]}"; do
		[ "$i" -eq 0 ] || files[i]=$(dirname "${files[0]}")/${files[i]}
		[ -f "${files[i]}" ] || die "test source ${files[i]} missing"
	done
	file=${files[0]}
	if [ -z "$link" ]; then
		# shellcheck disable=SC2207 # link flags are words
		ldlibs=($(sed -n 's/^ \* P2P-BUILD-LDLIBS: //p' "$file"))
	fi
	# like tools/testing/selftests/mm/Makefile: -Wall, the tree, and the
	# uapi headers as system headers (its KHDR_INCLUDES: glibc's and the
	# kernel's <linux/mman.h> define the same MAP_* flags)
	gcc $link -O2 -g -Wall -Werror -pthread \
		-I "$HERE/guest" -I "$tree/tools/testing/selftests" -I "$tree" \
		-isystem "$obj/usr-headers/include" \
		-o "$root/tests/$name" "${files[@]}" "${ldlibs[@]}" ||
		die "cannot build test $name from ${files[*]}"
	[ -n "$link" ] || dyn_files "$root" "$root/tests/$name" "$file"
	tests+=("$name")
	expect+=("$name=$cases:$hostchecks")
	printf '%s|%s|%s|%s\n' "$name" "$test_limit" "${modules//,/ }" "$args" >> "$root/tests/run-list"
done < "$conf"
[ ${#tests[@]} -gt 0 ] || die "no tests for variant $variant"
touch "$root/tests/run-list"

# 2. initramfs: busybox, init, tests, modules
cp "$busybox" "$root/bin/busybox"
cp "$HERE/init" "$root/init"
if [ -d "$obj/modroot/lib/modules" ]; then
	cp -a "$obj/modroot/lib/modules" "$root/lib/"
fi
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1) \
	> "$out/initramfs.cpio.gz"

# 3. boot
seed=0
while [ "$seed" -eq 0 ]; do
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
done
shm_args=()
for name in "${TOPO_SHM[@]}"; do
	rm -f "$SHM_DIR/$name.mem"
	truncate -s "${TOPO_SHM_SIZES[$name]:-$TOPO_SHM_SIZE}" "$SHM_DIR/$name.mem"
	shm_args+=(--shm "$name=$SHM_DIR/$name.mem")
done
log=$out/serial.log
accel=${QEMU_ACCEL:-tcg}
msg "booting variant $variant (accel $accel, seed $seed, tests: ${tests[*]})"
t0=$(date +%s)
rc=0
timeout -k 10 "$limit" qemu-system-x86_64 -accel "$accel" \
	"${TOPO_MACHINE[@]}" "${VARIANT_QEMU[@]}" "${TOPO_DEVICES[@]}" \
	-kernel "$kernel" -initrd "$out/initramfs.cpio.gz" \
	-append "$TOPO_CMDLINE $VARIANT_CMDLINE p2p_seed=$seed" \
	-serial "file:$log" > "$out/qemu.out" 2>&1 &
qemu=$!
# reads device memory without a host file (qxl) while the guest waits;
# it ends when QEMU closes its sockets
python3 "$HERE/host-read.py" --qmp "$QMP_SOCK" --chan "$HOSTREAD_SOCK" \
	--out "$out/hostread" &
agent=$!
wait "$qemu" || rc=$?
wait "$agent" || msg "variant $variant: host-read agent failed (see $out/hostread/agent.log)"
msg "variant $variant: QEMU exited $rc after $(( $(date +%s) - t0 ))s (serial log: $log)"
if [ $rc -ne 0 ]; then
	sed 's/^/  qemu: /' "$out/qemu.out" >&2
	[ $rc -ne 124 ] || msg "variant $variant: killed after ${limit}s"
fi

# 4. judge
# Its exit status is this script's: a judge that fails or crashes fails the run.
# The bench kernel (scripts/bench.sh) has no kmemleak, lockdep or DMA-API
# debug: its .config says so, and the judge checks the guest agrees.
prod=()
if ! grep -qE '^CONFIG_(DEBUG_KMEMLEAK|PROVE_LOCKING|DMA_API_DEBUG)=y' "$obj/.config"; then
	prod=(--production)
fi
exec python3 "$HERE/check-log.py" --log "$log" --variant "$variant" \
	--tests "$(IFS=,; echo "${expect[*]}")" "${shm_args[@]}" --seed "$seed" \
	--hostread "$out/hostread" "${prod[@]}"
