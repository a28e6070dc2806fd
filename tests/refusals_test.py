#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bad input is refused up front, with what and where: numbers that do not fit
(blanc gen --messages past its bound, " -1" that strtoull would wrap), inputs
that are neither a snapshot nor ITCH (blanc diff, blanc bench), outputs that
cannot be created (blanc replay, before any input is read).

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/refusals_test.py
"""
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")


def run(*args):
    # Bounded: before the fixes some of these ran until the disk was full.
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)


class Numbers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "day.itch")

    def tearDown(self):
        self.tmp.cleanup()

    def gen(self, *args):
        return run("gen", "--seed", "1", *args, "-o", self.out)

    def assertRefused(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertFalse(os.path.exists(self.out), "a refused gen wrote its output")

    def test_gen_messages_has_a_documented_bound(self):
        # 2^64 - 1 would run for ever (or until the disk is full): refused.
        self.assertRefused(self.gen("--messages", "18446744073709551615"), "--messages",
                           "at most 10G")
        self.assertRefused(self.gen("--messages", "10000000001"), "at most 10G")
        self.assertRefused(self.gen("--messages", "11G"), "at most 10G")
        self.assertIn("at most 10G", run("gen", "--help").stdout)

    def test_signs_and_blanks_are_not_numbers(self):
        # strtoull skips blanks and negates "-1" into 2^64 - 1.
        for bad in ("-1", " -1", "\t-1", "+5", " 5", "", "1e3", "0x10", "5 "):
            with self.subTest(bad=bad):
                self.assertRefused(self.gen("--messages", bad), "--messages")
        self.assertRefused(run("gen", "--seed", " -1", "--messages", "1k", "-o", self.out),
                           "--seed")
        for opt in ("--runs", "--warmup", "--cpu"):
            with self.subTest(opt=opt):
                r = run("bench", self.out, opt, " -1")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(opt, r.stderr)
        for opt in ("--depth", "--threads", "--expect-orders", "--reorder-window"):
            with self.subTest(opt=opt):
                r = run("replay", self.out, opt, " -1")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(opt, r.stderr)

    def test_times_and_dates_want_digits(self):
        day = os.path.join(self.tmp.name, "input.itch")
        self.assertEqual(run("gen", "--seed", "1", "--messages", "1k", "-o", day).returncode, 0)
        snaps = os.path.join(self.tmp.name, "snaps")
        for bad in (" 9:30:00", "+9:30:00", "09:+1:00", "09:30: 1"):
            with self.subTest(bad=bad):
                r = run("replay", day, "--snapshot-at", bad, "--snapshot-out", snaps)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--snapshot-at", r.stderr)
                self.assertFalse(os.path.exists(snaps))
        for bad in ("2020-+1-01", "2020- 1-01", "+020-01-01"):
            with self.subTest(bad=bad):
                self.assertRefused(self.gen("--messages", "1k", "--format", "pcapng", "--date",
                                            bad), "--date")
                if os.path.exists(self.out):
                    os.remove(self.out)


if __name__ == "__main__":
    unittest.main()
