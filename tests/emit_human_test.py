#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""--price decimal and --time iso (docs/EMIT.md "For people"): the same records as the integer
output, with each price written as dollars and each ts as HH:MM:SS.nnnnnnnnn.

The expectation converts Blanc's integer output here, by docs/EMIT.md's rule (ticks of 1e-4
dollars, ns since midnight) with Python's decimal arithmetic, and must equal the human output
field for field, for every kind in csv and jsonl.

Run: BLANC_BIN=build/blanc python3 tests/emit_human_test.py
"""
import csv
import io
import json
import os
import subprocess
import tempfile
import unittest
from decimal import Decimal

BIN = os.environ.get("BLANC_BIN", "build/blanc")

PRICE_COLS = {"bbo": ("bid_price", "ask_price"), "l2": ("price",), "l3": ("price",),
              "trades": ("price",)}


def dollars(ticks):
    return str((Decimal(int(ticks)) / Decimal(10000)).quantize(Decimal("0.0001")))


def clock(ns):
    ns = int(ns)
    s, frac = divmod(ns, 10**9)
    return "%02d:%02d:%02d.%09d" % (s // 3600, s // 60 % 60, s % 60, frac)


class Human(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        r = subprocess.run([BIN, "gen", "--seed", "31", "--messages", "30k", "--symbols", "5",
                            "-o", cls.day], capture_output=True)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def emit(self, kind, fmt, *extra):
        r = subprocess.run([BIN, "replay", self.day, "--emit", kind, "--format", fmt, *extra,
                            "-o", "-"], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.decode()

    def test_csv(self):
        for kind in PRICE_COLS:
            plain = list(csv.DictReader(io.StringIO(self.emit(kind, "csv"))))
            human = list(csv.DictReader(io.StringIO(
                self.emit(kind, "csv", "--price", "decimal", "--time", "iso"))))
            self.assertEqual(len(plain), len(human))
            self.assertGreater(len(plain), 100)
            for p, h in zip(plain, human):
                want = dict(p)
                want["ts"] = clock(p["ts"])
                for c in PRICE_COLS[kind]:
                    want[c] = dollars(p[c])
                self.assertEqual(h, want)

    def test_jsonl(self):
        for kind in PRICE_COLS:
            plain = [json.loads(x) for x in self.emit(kind, "jsonl").splitlines()]
            human = [json.loads(x) for x in
                     self.emit(kind, "jsonl", "--price", "decimal", "--time", "iso").splitlines()]
            self.assertEqual(len(plain), len(human))
            for p, h in zip(plain, human):
                want = dict(p)
                want["ts"] = clock(p["ts"])
                if kind == "bbo":
                    for s in ("bid", "ask"):
                        want[s] = [dollars(p[s][0])] + p[s][1:]
                elif kind == "l2":
                    want["levels"] = [[e[0], dollars(e[1])] + e[2:] for e in p["levels"]]
                elif kind == "l3":
                    want["orders"] = [e[:3] + [dollars(e[3]), e[4]] for e in p["orders"]]
                else:
                    want["price"] = dollars(p["price"])
                self.assertEqual(h, want)

    def test_one_at_a_time(self):
        t = self.emit("bbo", "csv", "--time", "iso").splitlines()[1].split(",")
        self.assertRegex(t[1], r"^\d\d:\d\d:\d\d\.\d{9}$")
        self.assertTrue(t[4].isdigit())  # prices stay ticks
        p = self.emit("bbo", "csv", "--price", "decimal").splitlines()[1].split(",")
        self.assertTrue(p[1].isdigit())
        self.assertRegex(p[4], r"^\d+\.\d{4}$")

    def test_refused(self):
        for args in (["--emit", "bbo", "--format", "bin", "--price", "decimal", "-o", "-"],
                     ["--price", "decimal"], ["--emit", "bbo", "--time", "utc", "-o", "-"],
                     ["--emit", "bbo", "--price", "float", "-o", "-"]):
            r = subprocess.run([BIN, "replay", self.day, *args], capture_output=True)
            self.assertEqual(r.returncode, 2, args)


if __name__ == "__main__":
    unittest.main()
