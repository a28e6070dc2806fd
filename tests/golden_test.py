#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Golden book snapshots: Blanc's snapshots at fixed cut points of fixed scenario days must equal,
byte for byte, the ones the independent reference wrote (tests/golden/expected/). On a
difference the test prints `blanc diff expected actual`, so a reviewer sees exactly what a
change did to the book. Regenerate deliberately with scripts/update-golden.sh.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/golden_test.py
"""
import glob
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
GOLDEN = os.path.join(SRC, "tests", "golden")


def cases():
    with open(os.path.join(GOLDEN, "CASES")) as f:
        for line in f:
            w = line.split()
            if w and not w[0].startswith("#"):
                yield w[0], w[4:]


class Golden(unittest.TestCase):
    def test_every_case(self):
        seen = 0
        for scenario, cuts in cases():
            with self.subTest(scenario=scenario), tempfile.TemporaryDirectory() as out:
                # book snapshots: without health they are version 1, as the reference
                # writes them (the health section is tested by health_test.py)
                args = [BIN, "replay", os.path.join(GOLDEN, scenario + ".itch.zst"), "--no-health",
                        "--snapshot-out", out, "--snapshot-format", "json"]
                for c in cuts:
                    args += ["--snapshot-at", c]
                r = subprocess.run(args, capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                expected = sorted(glob.glob(os.path.join(GOLDEN, "expected", scenario, "*.json")))
                self.assertEqual(len(expected), len(cuts), "expected files for %s" % scenario)
                for exp in expected:
                    act = os.path.join(out, os.path.basename(exp))
                    d = subprocess.run([BIN, "diff", exp, act], capture_output=True, text=True)
                    with open(exp, "rb") as f1, open(act, "rb") as f2:
                        same_bytes = f1.read() == f2.read()
                    self.assertEqual(d.returncode, 0, "\n%s changed the book:\n%s%s" % (
                        os.path.relpath(exp, SRC), d.stdout, d.stderr))
                    self.assertTrue(same_bytes, "%s: same state, but not the canonical bytes"
                                    % os.path.relpath(exp, SRC))
                    seen += 1
        self.assertGreaterEqual(seen, 16)


if __name__ == "__main__":
    unittest.main()
