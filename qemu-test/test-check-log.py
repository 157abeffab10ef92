#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Tests for check-log.py: the judge must fail every kind of bad run.

A judge that passes everything would make every boot test worthless, so
each way a run can go wrong is fed to it here, next to a good run. Its
KTAP report is counted by scripts/ktap.py, as the stage runner counts it.
"""
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import importlib.util  # noqa: E402

spec = importlib.util.spec_from_file_location("check_log",
                                              os.path.join(HERE, "check-log.py"))
check_log = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_log)
ktap = check_log.ktap

SEED = 12345
GOOD = """[    0.000000] Linux version 7.3.4+
[    0.500000] rcu: 	RCU lockdep checking is enabled.
[    0.521595] kasan: KernelAddressSanitizer initialized
[   26.945638] kmemleak: Kernel memory leak detector initialized (mem pool available: 15083)
P2P-HARNESS: boot kernel 7.3.4+ cmdline: console=ttyS0 p2p_seed=12345
P2P-HARNESS: BEGIN prog
TAP version 13
1..2
# Starting 2 tests from 1 test cases.
ok 1 t.one
# P2P-HOSTCHECK exporter offset=16 len=32 seed=12345
ok 2 t.two
# Totals: pass:2 fail:0 xfail:0 xpass:0 skip:0 error:0
P2P-HARNESS: END prog rc=0
P2P-HARNESS: KMEMLEAK scanned twice
P2P-HARNESS: DEBUG debug_locks=1 dma-api-disabled=N dma-api-errors=0
P2P-HARNESS: DONE
"""
DEBUG_LINE = "P2P-HARNESS: DEBUG debug_locks=1 dma-api-disabled=N dma-api-errors=0"


def shm_bytes(seed=SEED, size=4096):
    return bytes(check_log.pattern_byte(seed, i) for i in range(size))


class Judge(unittest.TestCase):
    def judge(self, log, shm=None, tests="prog=2:1", nolog=False, shm2=None,
              hostread=None):
        """shm: bytes of exporter.mem; shm2: of exporter2.mem, if given;
        hostread: {id: bytes} as host-read.py would have saved them."""
        with tempfile.TemporaryDirectory() as d:
            lp = os.path.join(d, "serial.log")
            files = {"exporter": shm_bytes() if shm is None else shm}
            if shm2 is not None:
                files["exporter2"] = shm2
            shm_args = []
            for name, data in files.items():
                sp = os.path.join(d, name + ".mem")
                with open(sp, "wb") as f:
                    f.write(data)
                shm_args += ["--shm", f"{name}={sp}"]
            hd = os.path.join(d, "hostread")
            os.mkdir(hd)
            for rid, data in (hostread or {}).items():
                with open(os.path.join(hd, f"{rid}.bin"), "wb") as f:
                    f.write(data)
            if not nolog:
                with open(lp, "w") as f:
                    f.write(log)
            r = subprocess.run(
                [sys.executable, os.path.join(HERE, "check-log.py"),
                 "--log", lp, "--variant", "t", "--tests", tests,
                 *shm_args, "--seed", str(SEED), "--hostread", hd],
                capture_output=True, text=True)
        self.assertNotIn("Traceback", r.stderr)
        rep = ktap.parse(r.stdout.splitlines())
        # the judge's status is the parser's verdict on its report
        self.assertEqual(1 if rep.failed else 0, r.returncode, r.stdout)
        return r.returncode, rep.passed, rep.failed, r.stdout

    def assertFails(self, log, **kw):
        rc, _, failed, out = self.judge(log, **kw)
        self.assertEqual(1, rc, out)
        self.assertGreater(failed, 0, out)
        return out

    def test_good_run_passes(self):
        rc, passed, failed, out = self.judge(GOOD)
        self.assertEqual((0, 0), (rc, failed), out)
        # log read, 2 cases, 1 host check, no splat, kmemleak, debug on,
        # DONE
        self.assertEqual(8, passed, out)

    def test_not_ok(self):
        self.assertFails(GOOD.replace("ok 2 t.two", "not ok 2 t.two"))

    def test_skip_is_a_failure(self):
        self.assertFails(GOOD.replace("ok 2 t.two", "ok 2 t.two # SKIP no device"))

    def test_xfail_xpass_are_failures(self):
        # kselftest_harness's XFAIL_ADD(): counted as passes before
        for line in ["ok 2 t.two # XFAIL known bug", "not ok 2 t.two # XPASS"]:
            with self.subTest(line=line):
                out = self.assertFails(GOOD.replace("ok 2 t.two", line))
                self.assertIn("expected failure or an unexpected pass", out)

    def test_program_never_ran(self):
        out = self.assertFails(GOOD, tests="prog=2:1,other=1:0")
        self.assertIn("never started", out)

    def test_short_plan(self):
        self.assertFails(GOOD.replace("1..2", "1..3"))

    def test_truncated_tap(self):
        # plan 5, 3 results, and tests.conf expecting those 3 (the old
        # judge failed it too: plan and results differ)
        log = GOOD.replace("1..2", "1..5").replace(
            "ok 2 t.two\n", "ok 2 t.two\nok 3 t.three\n")
        out = self.assertFails(log, tests="prog=3:1")
        self.assertIn("the plan says 5 (truncated)", out)

    def test_result_numbers_out_of_order(self):
        # the old judge counted results and never read their numbers: two
        # "ok 1" made a plan of 2 complete and passed
        out = self.assertFails(GOOD.replace("ok 2 t.two", "ok 1 t.two"))
        self.assertIn("out of order", out)

    def test_tap_garbled(self):
        # a second plan inside the results (two TAP streams mixed, e.g. a
        # forked child that also printed one): the old judge took the last
        # plan, 2 = 2 results, and passed
        out = self.assertFails(GOOD.replace("ok 1 t.one\n", "ok 1 t.one\n1..2\n"))
        self.assertIn("not a KTAP result", out)

    def test_no_plan(self):
        self.assertFails(GOOD.replace("1..2\n", ""))

    def test_no_end_marker(self):
        self.assertFails(GOOD.replace("P2P-HARNESS: END prog rc=0\n", ""))

    def test_nonzero_exit_without_failures(self):
        self.assertFails(GOOD.replace("END prog rc=0", "END prog rc=1"))

    def test_no_done(self):
        self.assertFails(GOOD.replace("P2P-HARNESS: DONE\n", ""))

    def test_splats(self):
        for splat in [
            "[ 9.1] BUG: KASAN: slab-use-after-free in p2p_vma_unmap_user+0x10/0x20",
            "[ 9.1] WARNING: possible circular locking dependency detected",
            "[ 9.1] WARNING: CPU: 0 PID: 1 at mm/p2p_vma.c:90 p2p_vma_map_one+0x1",
            "[ 9.1] BUG: sleeping function called from invalid context at mm/x.c:1",
            "[ 9.1] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
            "unreferenced object 0xffff888003a1c000 (size 64):",
            "[ 9.1] Oops: general protection fault, probably for non-canonical address",
            "[ 9.1] INFO: task p2p-vma:80 blocked for more than 120 seconds.",
        ]:
            with self.subTest(splat=splat):
                self.assertFails(GOOD.replace("P2P-HARNESS: DONE", splat + "\nP2P-HARNESS: DONE"))

    def test_benign_boot_lines_pass(self):
        log = GOOD.replace("P2P-HARNESS: DONE", "\n".join([
            "[    0.5] kasan: KernelAddressSanitizer initialized (generic)",
            "[   27.1] kmemleak: Automatic memory scanning thread started",
            "P2P-HARNESS: DONE"]))
        rc, _, failed, out = self.judge(log)
        self.assertEqual((0, 0), (rc, failed), out)

    def test_report_lines_never_allowed(self):
        # the allow-list once matched anywhere in a line: a report with
        # "initialized" or "enabled" in it passed
        for splat in [
            "[ 9.1] BUG: KASAN: slab-out-of-bounds in p2p_dma_enabled+0x10/0x20",
            "[ 9.1] BUG: KASAN: use-after-free in kasan_initialized_fn+0x1/0x2",
            "[ 9.1] WARNING: CPU: 0 PID: 1 at mm/x.c:1 KASAN: is enabled",
            "[ 9.1] kmemleak: Kernel memory leak detector initialized BUG: x",
            "[ 9.1] kasan: KernelAddressSanitizer initialized (generic) Call Trace:",
            "[ 9.1] KASAN: null-ptr-deref in range [0x0-0x7] enabled",
            "[ 9.1] turning off the locking correctness validator.",
            "[ 9.1] DMA-API: debugging out of memory - disabling",
        ]:
            with self.subTest(splat=splat):
                out = self.assertFails(GOOD.replace(
                    "P2P-HARNESS: DONE", splat + "\nP2P-HARNESS: DONE"))
                self.assertRegex(out, r"\nnot ok \d+ kernel log free of")

    def test_debug_checkers_off_at_the_end(self):
        # lockdep off after an earlier report, DMA-API debug out of
        # entries, or not readable at all: once unseen
        for line in [
            "P2P-HARNESS: DEBUG debug_locks=0 dma-api-disabled=N dma-api-errors=0",
            "P2P-HARNESS: DEBUG debug_locks=1 dma-api-disabled=Y dma-api-errors=0",
            "P2P-HARNESS: DEBUG debug_locks=1 dma-api-disabled=N dma-api-errors=2",
            "P2P-HARNESS: DEBUG debug_locks=missing dma-api-disabled=N dma-api-errors=0",
            "P2P-HARNESS: DEBUG debug_locks=1 dma-api-disabled=missing dma-api-errors=missing",
            "P2P-HARNESS: DEBUG debug_locks=1",
        ]:
            with self.subTest(line=line):
                out = self.assertFails(GOOD.replace(DEBUG_LINE, line))
                self.assertRegex(out, r"\nnot ok \d+ lockdep and DMA-API debug")

    def test_debug_line_missing_or_twice(self):
        self.assertFails(GOOD.replace(DEBUG_LINE + "\n", ""))
        self.assertFails(GOOD.replace(DEBUG_LINE, DEBUG_LINE + "\n" + DEBUG_LINE))

    def test_host_bytes_differ(self):
        shm = bytearray(shm_bytes())
        shm[20] ^= 0xFF
        out = self.assertFails(GOOD, shm=bytes(shm))
        self.assertIn("1 bytes differ", out)

    # a range of the second exporter: checked in its own backing file
    TWO = GOOD.replace("seed=12345\nok 2",
                       "seed=12345\n# P2P-HOSTCHECK exporter2 offset=100 len=8 seed=12345\nok 2")

    def test_host_check_second_file(self):
        rc, passed, failed, out = self.judge(self.TWO, tests="prog=2:2",
                                             shm2=shm_bytes())
        self.assertEqual((0, 0), (rc, failed), out)
        self.assertRegex(out, r"\nok \d+ host reads 8 bytes at exporter2\+0x64\n")

    def test_host_check_second_file_differs(self):
        # right bytes in the first file, wrong in the second: the name
        # selects the file
        shm2 = bytearray(shm_bytes())
        shm2[103] ^= 0xFF
        out = self.assertFails(self.TWO, tests="prog=2:2", shm2=bytes(shm2))
        self.assertRegex(out, r"\nnot ok \d+ host reads 8 bytes at exporter2\+0x64 #")
        self.assertRegex(out, r"\nok \d+ host reads 32 bytes at exporter\+0x10\n")

    def test_host_check_first_file_differs(self):
        # and the first exporter's range is read from the first file only
        shm = bytearray(shm_bytes())
        shm[20] ^= 0xFF
        out = self.assertFails(self.TWO, tests="prog=2:2", shm=bytes(shm),
                               shm2=shm_bytes())
        self.assertRegex(out, r"\nnot ok \d+ host reads 32 bytes at exporter\+0x10 #")
        self.assertRegex(out, r"\nok \d+ host reads 8 bytes at exporter2\+0x64\n")

    def test_host_check_unknown_file(self):
        out = self.assertFails(self.TWO, tests="prog=2:2")
        self.assertIn("no backing file named exporter2", out)

    def test_host_check_other_seed(self):
        self.assertFails(GOOD.replace("seed=12345\nok 2", "seed=999\nok 2"))

    def test_host_check_count_is_exact(self):
        self.assertFails(GOOD, tests="prog=2:2")
        self.assertFails(GOOD, tests="prog=2:0")

    def test_case_count_is_exact(self):
        # a -t filter matching fewer tests than expected: plan and results agree
        log = GOOD.replace("1..2", "1..1").replace("ok 2 t.two\n", "")
        out = self.assertFails(log, tests="prog=2:1")
        self.assertIn("tests.conf says 2", out)

    # device memory the host read from QEMU while the guest waited (qxl)
    HOSTREAD = GOOD.replace("exporter offset=16 len=32",
                            "hostread:7-1 offset=8192 len=64")

    def hostread_bytes(self, off=8192, ln=64):
        return bytes(check_log.pattern_byte(SEED, off + i) for i in range(ln))

    def test_host_read_passes(self):
        rc, passed, failed, out = self.judge(
            self.HOSTREAD, hostread={"7-1": self.hostread_bytes()})
        self.assertEqual((0, 0, 8), (rc, failed, passed), out)

    def test_host_read_never_done(self):
        out = self.assertFails(self.HOSTREAD)
        self.assertIn("never read", out)

    def test_host_read_bytes_differ(self):
        data = bytearray(self.hostread_bytes())
        data[63] ^= 1
        out = self.assertFails(self.HOSTREAD, hostread={"7-1": bytes(data)})
        self.assertIn("1 bytes differ", out)

    def test_host_read_wrong_place(self):
        # the device wrote elsewhere: what the host read has another pattern
        out = self.assertFails(self.HOSTREAD,
                               hostread={"7-1": self.hostread_bytes(off=4096)})
        self.assertIn("bytes differ", out)

    def test_host_read_short(self):
        out = self.assertFails(self.HOSTREAD,
                               hostread={"7-1": self.hostread_bytes(ln=32)})
        self.assertIn("read 32 bytes", out)

    def test_host_read_bad_id(self):
        out = self.assertFails(GOOD.replace("exporter offset=16",
                                            "hostread:../x offset=16"))
        self.assertIn("bad id", out)

    def test_bad_expectation(self):
        self.assertFails(GOOD, tests="prog")

    def test_missing_serial_log(self):
        out = self.assertFails(GOOD, nolog=True)
        self.assertIn("cannot read", out)

    def test_empty_serial_log(self):
        out = self.assertFails("")
        self.assertIn("serial log", out)

    def test_no_kmemleak_marker(self):
        out = self.assertFails(GOOD.replace("P2P-HARNESS: KMEMLEAK scanned twice\n", ""))
        self.assertIn("kmemleak", out)


if __name__ == "__main__":
    unittest.main(verbosity=1)
