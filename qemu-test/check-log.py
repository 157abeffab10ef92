#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest boot from its serial log and the ivshmem backing files.

Each expected test program must have run (BEGIN/END markers from
qemu-test/init), exited 0 and printed a complete TAP plan with as many
cases as tests.conf says; its plan and results become the subtests of its
result ("# SKIP" counts as a failure: the topology guarantees the devices).
Each P2P-HOSTCHECK line is one result: the bytes the guest says a device
wrote must be in the host's copy: the ivshmem backing file that the line
names (--shm NAME=FILE, one per ivshmem device; a name without a file
fails), or, for "P2P-HOSTCHECK hostread:<id> ...", the bytes
qemu-test/host-read.py saved from QEMU while the guest waited (device
memory without a host file: <id>.bin in the --hostread directory holds the
len bytes whose pattern starts at offset). The kernel log must be free of
splats, and the guest must have reached the end of /init.

A missing or empty serial log, or one without the kmemleak marker that
/init prints after scanning (a kernel without kmemleak would otherwise
pass its leak check silently), is a failure. So is a boot at whose end
lockdep (debug_locks) or DMA-API debugging was no longer on, or had
counted an error: /init's "P2P-HARNESS: DEBUG" line says.

Prints a KTAP report (scripts/ktap.py, which also counts it: the stage
runner parses it again the same way); exits 1 if anything failed.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "scripts"))
import ktap  # noqa: E402

SPLATS = [
    r"\bBUG: ",
    r"\bWARNING: ",
    r"\bOops\b",
    r"\bKASAN\b",
    r"\bUBSAN: ",
    r"general protection fault",
    r"Kernel panic",
    r"possible circular locking dependency",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"lockdep is turned off",
    r"turning off the locking correctness validator",
    r"suspicious RCU usage",
    r"bad unlock balance",
    r"held lock freed",
    r"lock held when returning to user space",
    r"DEBUG_LOCKS_WARN_ON",
    r"DMA-API: debugging out of memory",
    r"kmemleak: .*suspected memory leak",
    r"unreferenced object 0x",
    r"INFO: task .* blocked for more than",
    r"rcu: INFO: .* detected stalls",
    r"\bCall Trace:",
]
SPLAT_RE = re.compile("|".join(SPLATS))
# Boot-time lines that match the patterns above but are not reports: each
# the whole line (after the timestamp), so that no report line that
# merely contains such words (a "BUG: KASAN: ... in foo_enabled+0x..") is
# allowed with it.
BENIGN = [
    r"kmemleak: Kernel memory leak detector initialized"
    r" \(mem pool available: \d+\)",
    r"kmemleak: Automatic memory scanning thread (started|ended)",
    r"kasan: KernelAddressSanitizer initialized( \([\w ,=-]*\))?",
]
BENIGN_RE = re.compile("|".join(f"(?:{b})" for b in BENIGN))
# What makes a line a report, never allowed whatever else it says.
REPORT_RE = re.compile(r"\b(BUG|WARNING|UBSAN): |\bOops\b|\bCall Trace:"
                       r"|general protection fault|Kernel panic")


def splat(line):
    """Is this log line (timestamp removed) a kernel report?"""
    if not SPLAT_RE.search(line):
        return False
    return bool(REPORT_RE.search(line)) or not BENIGN_RE.fullmatch(line)


KMEMLEAK_MARK = "P2P-HARNESS: KMEMLEAK scanned twice"
# qemu-test/init's last look at the debug checkers, after the tests: lockdep
# turns itself off for good after its first report or when a table fills
# (debug_locks 0, /proc/lockdep_stats), DMA-API debug when it runs out of
# entries (debugfs dma-api/disabled Y); from then on they report nothing,
# and the splat scan would have only the line that turned them off.
DEBUG_PREFIX = "P2P-HARNESS: DEBUG "
DEBUG_WANT = {
    "debug_locks": ("1", "lockdep turned itself off (/proc/lockdep_stats)"),
    "dma-api-disabled": ("N", "DMA-API debugging turned itself off"),
    "dma-api-errors": ("0", "DMA-API debugging counted errors"),
}
HOSTCHECK_RE = re.compile(
    r"P2P-HOSTCHECK (\S+) offset=(\d+) len=(\d+) seed=(\d+)")


def pattern_byte(seed, off):
    """Same function as qemu-test/guest/pcidev.h pattern_byte()."""
    return (seed + off * 13 + (off >> 8) * 7 + (off >> 16) * 3) & 0xFF


class Judge:
    def __init__(self, variant):
        self.variant = variant
        self.results = []	# (ok, what, why, subtest report lines or None)

    def result(self, ok, what, why="", sub=None):
        self.results.append((ok, what, why, sub))

    def report(self):
        """The KTAP report of the results so far, as lines."""
        lines = [ktap.VERSION, f"1..{len(self.results)}",
                 f"# boot of variant {self.variant}"]
        for n, (ok, what, why, sub) in enumerate(self.results, 1):
            lines += [ktap.INDENT + line for line in sub or []]
            what = what.replace("#", "\\#")
            lines.append(f"ok {n} {what}" if ok else
                         f"not ok {n} {what}" + (f" # {why}" if why else ""))
        return lines

    def finish(self):
        """Print the report; the exit status: 1 if it counts a failure."""
        lines = self.report()
        print("\n".join(lines))
        return 1 if ktap.parse(lines).failed else 0


def strip_time(line):
    return re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line.rstrip("\r\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--variant", required=True)
    ap.add_argument("--tests", default="",
                    help="comma-separated programs, each NAME=CASES:HOSTCHECKS: "
                    "the exact number of TAP cases and of P2P-HOSTCHECK "
                    "lines it must print")
    ap.add_argument("--shm", action="append", default=[],
                    metavar="NAME=FILE",
                    help="ivshmem backing file for P2P-HOSTCHECK NAME lines "
                    "(once per device)")
    ap.add_argument("--hostread",
                    help="directory of host-read.py's saved reads")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--production", action="store_true",
                    help="the guest kernel has no kmemleak, lockdep or DMA-API "
                    "debug (the bench kernel): check that they are absent "
                    "instead of that they stayed on")
    args = ap.parse_args()

    j = Judge(args.variant)
    try:
        with open(args.log, errors="replace") as f:
            lines = [strip_time(l) for l in f]
    except OSError as e:
        lines = []
        j.result(False, "serial log", f"cannot read {args.log}: {e.strerror}")
    else:
        j.result(bool(lines), "serial log", "empty")
    if not lines:
        return j.finish()

    # 1. each program: markers, plan, results
    expected = {}
    for t in [t for t in args.tests.split(",") if t]:
        m = re.fullmatch(r"([\w.-]+)=(\d+):(\d+)", t)
        if not m:
            j.result(False, f"expectation {t}", "not NAME=CASES:HOSTCHECKS")
            continue
        expected[m.group(1)] = (int(m.group(2)), int(m.group(3)))
    if not expected:
        j.result(False, "programs", "the harness expects no program at all")
    for name, (want_cases, want_checks) in expected.items():
        # a console message may follow the marker on its line
        tag = f"P2P-HARNESS: BEGIN {name}"
        begin = next((i for i, l in enumerate(lines)
                      if l == tag or l.startswith(tag + "[")), None)
        if begin is None:
            j.result(False, name, "never started")
            continue
        end = None
        rc = None
        for i in range(begin + 1, len(lines)):
            m = re.match(rf"P2P-HARNESS: END {re.escape(name)} rc=(\d+)$",
                         lines[i])
            if m:
                end, rc = i, int(m.group(1))
                break
        body = lines[begin + 1:end if end is not None else len(lines)]
        # the program's TAP plan and results, as they came, are the
        # subtests: the parser checks the plan, the order and SKIP
        sub = [ktap.VERSION] + [line for line in body if
                                ktap.PLAN_RE.fullmatch(line) or
                                ktap.result_line(line)]
        tap = ktap.parse(sub)
        cases = sum(1 for line in sub if ktap.result_line(line))
        why = []
        if tap.failed:
            why.append(f"TAP: {tap.failed} failed")
            why += [p.split(": ", 1)[-1] for p in tap.problems]
        if end is None:
            why.append("no END marker (hang or crash)")
        elif rc != 0:
            why.append(f"exit {rc}")
        if cases != want_cases:
            why.append(f"{cases} test cases, tests.conf says {want_cases} "
                       "(a test filter that matches nothing, or a test "
                       "added or lost)")
        nchecks = sum(1 for line in body if HOSTCHECK_RE.search(line))
        if nchecks != want_checks:
            why.append(f"{nchecks} host-checked ranges reported, tests.conf "
                       f"says {want_checks}")
        j.result(not why, name, "; ".join(why), sub)

    # 2. host-side checks of bytes the devices wrote
    checks = [HOSTCHECK_RE.search(l) for l in lines]
    checks = [m for m in checks if m]
    files = {}
    for s in args.shm:
        name, sep, path = s.partition("=")
        if not sep or not name or not path:
            j.result(False, f"backing file {s}", "not NAME=FILE")
        else:
            files[name] = path
    data = {}
    for m in checks:
        name = m.group(1)
        off, ln, seed = int(m.group(2)), int(m.group(3)), int(m.group(4))
        what = f"host reads {ln} bytes at {name}+{off:#x}"
        if name.startswith("hostread:"):
            # saved by host-read.py: the file's byte 0 is pattern offset off
            rid = name[len("hostread:"):]
            if not args.hostread or not re.fullmatch(r"\w[\w.-]*", rid):
                j.result(False, what, "no host-read directory or bad id")
                continue
            try:
                with open(f"{args.hostread}/{rid}.bin", "rb") as f:
                    got = f.read()
            except OSError:
                j.result(False, what, "the host never read it")
                continue
            if len(got) != ln:
                j.result(False, what, f"the host read {len(got)} bytes")
                continue
        else:
            if name not in data:
                if name not in files:
                    j.result(False, what, f"no backing file named {name}")
                    continue
                try:
                    with open(files[name], "rb") as f:
                        data[name] = f.read()
                except OSError as e:
                    j.result(False, what,
                             f"cannot read {files[name]}: {e.strerror}")
                    continue
            if off + ln > len(data[name]):
                j.result(False, what, "beyond the backing file")
                continue
            got = data[name][off:off + ln]
        if seed != args.seed:
            j.result(False, what, f"seed {seed}, this boot's is {args.seed}")
            continue
        bad = [i for i in range(ln) if got[i] != pattern_byte(seed, off + i)]
        j.result(not bad, what,
                 f"{len(bad)} bytes differ, first at +{bad[0]:#x}" if bad else "")

    # 3. kernel splats anywhere in the log
    splats = [l for l in lines if splat(l)]
    j.result(not splats, "kernel log free of BUG/WARNING/Oops/KASAN/lockdep/kmemleak",
             "; ".join(splats[:5]))

    if args.production:
        # 4-5. a production kernel: no debugging to have stayed on, and
        # the guest must find none (else this is not the kernel it says)
        seen = [l[len(DEBUG_PREFIX):].split() for l in lines
                if l.startswith(DEBUG_PREFIX)]
        got = dict(w.partition("=")[::2] for w in seen[0]) if len(seen) == 1 else {}
        j.result(KMEMLEAK_MARK not in lines, "production kernel: no kmemleak scan",
                 "kmemleak scanned: a debug kernel")
        j.result(bool(got) and all(v == "missing" for v in got.values()),
                 "production kernel: no lockdep or DMA-API debug in the guest",
                 f"guest reports {seen}")
        j.result("P2P-HARNESS: DONE" in lines, "guest ran /init to the end",
                 "no P2P-HARNESS: DONE (timeout, panic or hang)")
        return j.finish()

    # 4. kmemleak really scanned (its reports are splats above)
    j.result(KMEMLEAK_MARK in lines, "kmemleak scanned after the tests",
             "no marker: kmemleak missing or not scanned")

    # 5. lockdep and DMA-API debug still on when the tests were done
    seen = [l[len(DEBUG_PREFIX):].split() for l in lines
            if l.startswith(DEBUG_PREFIX)]
    why = []
    if len(seen) != 1:
        why.append(f"{len(seen)} '{DEBUG_PREFIX.strip()}' lines, want 1")
    else:
        got = dict(w.partition("=")[::2] for w in seen[0])
        for key, (want, what) in DEBUG_WANT.items():
            if got.get(key) != want:
                why.append(f"{key}={got.get(key, '(none)')}, want {want}: "
                           + (what if got.get(key) not in (None, "missing")
                              else "not readable in the guest"))
    j.result(not why, "lockdep and DMA-API debug still on after the tests "
             "(debug_locks=1, dma-api disabled=N, 0 errors)", "; ".join(why))

    # 6. the guest reached the end of /init
    j.result("P2P-HARNESS: DONE" in lines, "guest ran /init to the end",
             "no P2P-HARNESS: DONE (timeout, panic or hang)")

    return j.finish()


if __name__ == "__main__":
    sys.exit(main())
