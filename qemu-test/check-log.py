#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Judge one guest boot from its serial log and the ivshmem backing files.

Each expected test program must have run (BEGIN/END markers from
qemu-test/init) and printed a complete TAP plan; each TAP case is one
result ("# SKIP" counts as a failure: the topology guarantees the devices,
unless the program expects exactly that many skips, NAME=CASES/SKIPS:...:
then each is a SKIP line, neither passed nor failed, and their number is
one result).
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
pass its leak check silently), is a failure.

Prints one "PASS|FAIL <what>" line per result and a last line
"counts <passed> <failed>"; exits 1 if anything failed.
"""
import argparse
import re
import sys

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
    r"suspicious RCU usage",
    r"bad unlock balance",
    r"held lock freed",
    r"lock held when returning to user space",
    r"DEBUG_LOCKS_WARN_ON",
    r"kmemleak: .*suspected memory leak",
    r"unreferenced object 0x",
    r"INFO: task .* blocked for more than",
    r"rcu: INFO: .* detected stalls",
    r"\bCall Trace:",
]
SPLAT_RE = re.compile("|".join(SPLATS))
# Boot-time lines that match the patterns above but are not reports.
BENIGN_RE = re.compile(
    r"kmemleak: Kernel memory leak detector initialized"
    r"|kmemleak: Automatic memory scanning thread"
    r"|KASAN: .*(initialized|enabled)"
    r"|kasan: KernelAddressSanitizer initialized"
)
TAP_RE = re.compile(r"^(not ok|ok) (\d+) (.*?)(\s+#\s*(SKIP|skip).*)?$")
PLAN_RE = re.compile(r"^1\.\.(\d+)$")
KMEMLEAK_MARK = "P2P-HARNESS: KMEMLEAK scanned twice"
HOSTCHECK_RE = re.compile(
    r"P2P-HOSTCHECK (\S+) offset=(\d+) len=(\d+) seed=(\d+)")


def pattern_byte(seed, off):
    """Same function as qemu-test/guest/pcidev.h pattern_byte()."""
    return (seed + off * 13 + (off >> 8) * 7 + (off >> 16) * 3) & 0xFF


class Judge:
    def __init__(self, tag):
        self.tag = tag
        self.passed = 0
        self.failed = 0

    def result(self, ok, what, why=""):
        if ok:
            self.passed += 1
            print(f"PASS {self.tag}: {what}")
        else:
            self.failed += 1
            print(f"FAIL {self.tag}: {what}" + (f" ({why})" if why else ""))


def strip_time(line):
    return re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line.rstrip("\r\n"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True)
    ap.add_argument("--variant", required=True)
    ap.add_argument("--tests", default="",
                    help="comma-separated programs, each "
                    "NAME=CASES[/SKIPS]:HOSTCHECKS: the exact number of TAP "
                    "cases (of them, SKIPS skipped; default 0) and of "
                    "P2P-HOSTCHECK lines it must print")
    ap.add_argument("--shm", action="append", default=[],
                    metavar="NAME=FILE",
                    help="ivshmem backing file for P2P-HOSTCHECK NAME lines "
                    "(once per device)")
    ap.add_argument("--hostread",
                    help="directory of host-read.py's saved reads")
    ap.add_argument("--seed", type=int, required=True)
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
        print(f"counts {j.passed} {j.failed}")
        return 1

    # 1. each program: markers, plan, results
    expected = {}
    for t in [t for t in args.tests.split(",") if t]:
        m = re.fullmatch(r"([\w.-]+)=(\d+)(?:/(\d+))?:(\d+)", t)
        if not m:
            j.result(False, f"expectation {t}",
                     "not NAME=CASES[/SKIPS]:HOSTCHECKS")
            continue
        expected[m.group(1)] = (int(m.group(2)), int(m.group(3) or 0),
                                int(m.group(4)))
    if not expected:
        j.result(False, "programs", "the harness expects no program at all")
    for name, (want_cases, want_skips, want_checks) in expected.items():
        try:
            begin = lines.index(f"P2P-HARNESS: BEGIN {name}")
        except ValueError:
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
        failed_before = j.failed
        body = lines[begin + 1:end if end is not None else len(lines)]
        plan = None
        cases = 0
        skips = []
        for line in body:
            m = PLAN_RE.match(line)
            if m:
                plan = int(m.group(1))
            m = TAP_RE.match(line)
            if not m:
                continue
            cases += 1
            what = f"{name}: {m.group(3)}"
            if m.group(4) and want_skips:
                skips.append(f"{what} ({m.group(4).strip(' #')})")
            elif m.group(4):
                j.result(False, what, "skipped: " + m.group(4).strip(" #"))
            else:
                j.result(m.group(1) == "ok", what)
        if end is None:
            j.result(False, f"{name}: finished", "no END marker (hang or crash)")
        elif plan is None or plan != cases or plan == 0:
            j.result(False, f"{name}: TAP plan",
                     f"plan {plan}, {cases} results, exit {rc}")
        elif rc != 0 and j.failed == failed_before:
            j.result(False, f"{name}: exit status", f"exit {rc}")
        for s in skips:
            print(f"SKIP {j.tag}: {s}")
        if want_skips:
            j.result(len(skips) == want_skips,
                     f"{name}: {want_skips} of {want_cases} cases skipped",
                     f"{len(skips)} skipped")
        if cases != want_cases:
            j.result(False, f"{name}: {want_cases} test cases",
                     f"{cases} ran (a test filter that matches nothing, "
                     "or a test added or lost)")
        nchecks = sum(1 for line in body if HOSTCHECK_RE.search(line))
        if nchecks != want_checks:
            j.result(False, f"{name}: {want_checks} host-checked ranges",
                     f"{nchecks} reported")

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
    splats = [l for l in lines if SPLAT_RE.search(l) and not BENIGN_RE.search(l)]
    j.result(not splats, "kernel log free of BUG/WARNING/Oops/KASAN/lockdep/kmemleak",
             "; ".join(splats[:5]))

    # 4. kmemleak really scanned (its reports are splats above)
    j.result(KMEMLEAK_MARK in lines, "kmemleak scanned after the tests",
             "no marker: kmemleak missing or not scanned")

    # 5. the guest reached the end of /init
    j.result("P2P-HARNESS: DONE" in lines, "guest ran /init to the end",
             "no P2P-HARNESS: DONE (timeout, panic or hang)")

    print(f"counts {j.passed} {j.failed}")
    return 1 if j.failed else 0


if __name__ == "__main__":
    sys.exit(main())
