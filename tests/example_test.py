#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""examples/subscribe.c, a subscriber of the C API, prints exactly what the CLI's emitter writes.

Its BBO and trade rows come from observers' on_bbo/on_trade callbacks; the CLI's from the
emitter (another observer of the same change record, with its own diffing against what it
last wrote). The two must agree row for row: `blanc replay FILE --emit bbo|trades --format csv
--no-health` over the same file, for all instruments and for a --symbol selection.

Run: BLANC_BIN=build/blanc BLANC_EXAMPLE=build/subscribe python3 tests/example_test.py
"""
import os
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
EXAMPLE = os.environ.get("BLANC_EXAMPLE", "build/subscribe")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")


class Subscriber(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.files = []
        for scenario in ("normal", "corrupt"):
            path = os.path.join(cls.tmp.name, scenario + ".itch")
            r = subprocess.run([BIN, "gen", "--seed", "21", "--messages", "60k", "--symbols", "8",
                                "--scenario", scenario, "-o", path], capture_output=True)
            assert r.returncode == 0, r.stderr
            cls.files.append(path)
        cls.files.append(os.path.join(SRC, "data", "sample-day.itch.zst"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def compare(self, kind, path, symbols):
        ex = subprocess.run([EXAMPLE, kind, path, *symbols], capture_output=True)
        self.assertEqual(ex.returncode, 0, ex.stderr)
        args = [BIN, "replay", path, "--emit", kind, "--format", "csv", "--no-health", "-o", "-"]
        for s in symbols:
            args += ["--symbol", s]
        cli = subprocess.run(args, capture_output=True)
        self.assertEqual(cli.returncode, 0, cli.stderr)
        self.assertGreater(cli.stdout.count(b"\n"), 50)
        self.assertEqual(ex.stdout, cli.stdout)
        self.assertIn(b"book changes", ex.stderr)

    def symbols_of(self, path):
        out = subprocess.run([BIN, "replay", path, "--emit", "bbo", "--format", "csv",
                              "--no-health", "-o", "-"], capture_output=True).stdout
        seen = []
        for line in out.decode().splitlines()[1:]:
            s = line.split(",")[2]
            if s not in seen:
                seen.append(s)
        return seen[:2]

    def test_bbo(self):
        for f in self.files:
            self.compare("bbo", f, [])

    def test_trades(self):
        for f in self.files:
            self.compare("trades", f, [])

    def test_symbols(self):
        for f in self.files:
            syms = self.symbols_of(f)
            self.compare("bbo", f, syms)
            self.compare("trades", f, syms)

    def test_usage(self):
        r = subprocess.run([EXAMPLE, "l2", self.files[0]], capture_output=True)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
