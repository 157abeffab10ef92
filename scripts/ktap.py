#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Count a stage's KTAP report: the one parser of every "make check" stage.

Every stage's output ends with one KTAP version 1 report (the format of
the kernel's Documentation/dev-tools/ktap.rst, which kunit.py and
kselftest use): "KTAP version 1", the plan "1..N", then N results, each
"ok I NAME" or "not ok I NAME", optionally followed by "# SKIP WHY" or
"# WHY". A result may have subtests: their own report, indented by 4
spaces, just before it. Lines starting with "#" in the report are
diagnostics; what comes before the report is the stage's own output and
is not read. A "#" in a NAME is written "\\#".

Each ok result without subtests counts one pass, each other one failure;
a result with subtests counts as its subtests, plus one failure if it
says "not ok" while none of them failed. These count one failure more
each, whatever the exit status:
  - no report (a judge that crashed, or never ran), or a second one;
  - no plan, or the plan 1..0 (a report of nothing);
  - fewer results than the plan (a truncated report), or more;
  - a result numbered out of order;
  - a line inside the report that is neither a result, a diagnostic nor
    a subtest (something cut into it: an unparsable report);
  - a "# SKIP" or "# TODO": make check has no optional test, a check
    that did not run is a failure;
  - a "# XFAIL" or "# XPASS" (kselftest_harness's XFAIL_ADD()), "ok" or
    "not ok": an expected failure is still a failure, and an unexpected
    pass means the expectation is wrong;
  - a Python traceback anywhere in the output (a crashed helper);
  - a nonzero exit status (--exit) although nothing else failed.

Usage: ktap.py [--exit STATUS] LOG  (LOG "-": standard input)
Prints "PASSED FAILED" on stdout, why each failure that is not a "not ok"
line happened on stderr; exits 1 if anything failed.
"""
import argparse
import re
import sys

VERSION = "KTAP version 1"
INDENT = "    "
PLAN_RE = re.compile(r"1\.\.(\d+)")
# "ok 3 name # SKIP why": the name stops at the first "#" not escaped
RESULT_RE = re.compile(r"(not ok|ok) (\d+)((?:[^#\\]|\\.)*)(?:#\s*(.*))?")
DIRECTIVE_RE = re.compile(r"(SKIP|TODO|XFAIL|XPASS)\b", re.I)
TRACEBACK_RE = re.compile(r"\s*Traceback \(most recent call last\):")


class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.problems = []	# why each failure that is no "not ok" line

    def problem(self, why):
        self.failed += 1
        self.problems.append(why)

    def add(self, other):
        self.passed += other.passed
        self.failed += other.failed
        self.problems += other.problems


def result_line(text):
    """(ok, name, directive) of a result line (indent removed), or None."""
    m = RESULT_RE.fullmatch(text)
    if not m:
        return None
    name = m.group(3).strip().removeprefix("- ").replace("\\#", "#")
    return m.group(1) == "ok", int(m.group(2)), name, m.group(4) or ""


def parse_block(lines, i, indent, r):
    """Count the report whose version line is lines[i], at indent, into r.
    Returns the index of the first line after it."""
    i += 1
    while i < len(lines) and lines[i].startswith(indent + "#"):
        i += 1
    text = lines[i] if i < len(lines) else ""
    m = text.startswith(indent) and PLAN_RE.fullmatch(text[len(indent):])
    if m:
        plan = int(m.group(1))
        if plan == 0:
            r.problem(f"line {i + 1}: plan 1..0, a report of nothing")
        i += 1
    else:
        plan = None
        r.problem(f"line {i + 1}: no plan after '{VERSION}'")
    n = 0
    sub = None	# the subtests of the result to come
    garbled = False
    while i < len(lines) and (plan is None or n < plan):
        line = lines[i]
        if not line.startswith(indent):
            break	# a subtest report ends where its parent goes on
        text = line[len(indent):]
        res = result_line(text)
        if text == INDENT + VERSION:
            if sub is not None:
                r.problem(f"line {i + 1}: two subtest reports for one result")
                r.add(sub)
            sub = Report()
            i = parse_block(lines, i, indent + INDENT, sub)
            continue
        if text.startswith("#"):
            pass
        elif res:
            n += 1
            ok, number, name, directive = res
            if number != n:
                r.problem(f"line {i + 1}: result {number} where {n} was due "
                          "(out of order)")
            skipped = DIRECTIVE_RE.match(directive)
            if skipped:
                why = ("a check that did not run fails"
                       if skipped.group(1).upper() in ("SKIP", "TODO") else
                       "an expected failure or an unexpected pass fails")
                r.problem(f"line {i + 1}: {name}: {directive} ({why})")
                ok = False
            if sub is not None:
                r.add(sub)
                if not ok and not skipped and sub.failed == 0:
                    r.failed += 1
                sub = None
            elif ok:
                r.passed += 1
            elif not skipped:
                r.failed += 1
        elif plan is None:
            break	# without a plan, the report ends at the first stray line
        elif not garbled:
            garbled = True
            r.problem(f"line {i + 1}: not a KTAP result, diagnostic or "
                      f"subtest: {line!r}")
        i += 1
    if sub is not None:
        r.problem(f"line {i}: subtests without their result line")
        r.add(sub)
    if plan is not None and n < plan:
        r.problem(f"line {i}: {n} results, the plan says {plan} (truncated)")
    return i


def parse(lines, exit_status=0):
    """A Report of the lines of a stage's output (the stage exited with
    exit_status)."""
    lines = [line.rstrip("\r\n") for line in lines]
    r = Report()
    for i, line in enumerate(lines):
        if TRACEBACK_RE.match(line):
            r.problem(f"line {i + 1}: a Python traceback")
            break
    if VERSION not in lines:
        r.problem(f"no KTAP report ('{VERSION}' line)")
    else:
        i = parse_block(lines, lines.index(VERSION), "", r)
        for j in range(i, len(lines)):
            if lines[j] == VERSION:
                r.problem(f"line {j + 1}: a second KTAP report")
                break
            if result_line(lines[j]):
                r.problem(f"line {j + 1}: a result after the plan's last")
                break
    if exit_status and not r.failed:
        r.problem(f"exit status {exit_status} although every result is ok")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exit", type=int, default=0, metavar="STATUS",
                    help="the stage's exit status")
    ap.add_argument("log", help='the stage\'s output, "-" for stdin')
    args = ap.parse_args()
    try:
        if args.log == "-":
            lines = sys.stdin.readlines()
        else:
            with open(args.log, errors="replace") as f:
                lines = f.readlines()
    except OSError as e:
        print(f"ktap: cannot read {args.log}: {e.strerror}", file=sys.stderr)
        lines = []
    r = parse(lines, args.exit)
    for why in r.problems:
        print(f"ktap: {why}", file=sys.stderr)
    print(r.passed, r.failed)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
