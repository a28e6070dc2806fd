#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc bench drift on a crafted history (docs/TELEMETRY.md): the slope, worst day, rolling
baseline and alert computed here independently from the same numbers; the --days window; the
HTML report's plots; errors. With Chromium installed, the HTML is rendered headless and the
screenshot checked for each plot's colour (scripts/drift-screenshot.sh, with tests/png.py).

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/drift_test.py
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")


def bench(day, ns, p50, p99, p999, mode="book"):
    return {"schema": "blanc.bench/1", "time": "2026-11-%02dT03:00:00Z" % day, "mode": mode,
            "file": "/x/day.itch", "input_digest": "0011223344556677",
            "build": {"git_sha": "abc%d" % day},
            "throughput": {"ns_per_msg": [ns - 1, ns, ns + 1], "median_ns_per_msg": ns},
            "latency_ns": {"p50": p50, "p99": p99, "p99.9": p999},
            "latency_hist_ns": [[16, 5], [64, 90], [512, 5]]}


def rows(md):
    out = {}
    for line in md.splitlines():
        c = [x.strip() for x in line.strip("|").split("|")]
        if len(c) == 7 and c[0] in ("ns_per_msg", "p50", "p99", "p99.9"):
            out[c[0]] = c
    return out


class Drift(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = os.path.join(self.tmp.name, "history")
        os.mkdir(self.dir)

    def tearDown(self):
        self.tmp.cleanup()

    def history(self, benches, split=2):
        for k in range(0, len(benches), split):
            with open(os.path.join(self.dir, "night-%02d.jsonl" % k), "w") as f:
                for b in benches[k:k + split]:
                    f.write(json.dumps(b) + "\n")

    def drift(self, *args):
        return subprocess.run([BIN, "bench", "drift", "--history", self.dir, *args],
                              capture_output=True, text=True)

    def test_trends_match_an_independent_computation(self):
        days = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        p99 = [300, 310, 305, 320, 315, 330, 325, 340, 335, 350]
        self.history([bench(d, 100 + d, 50, v, 2 * v) for d, v in zip(days, p99)])
        r = self.drift("--days", "30")
        self.assertEqual(r.returncode, 0, r.stderr)
        row = rows(r.stdout)["p99"]
        # least squares of p99 against days
        n = len(days)
        mx, my = sum(days) / n, sum(p99) / n
        slope = sum((x - mx) * (y - my) for x, y in zip(days, p99)) / sum((x - mx) ** 2 for x in days)
        base = sorted(p99[-8:-1])[3]  # median of the 7 before the current
        self.assertEqual(row[1], "%.1f" % 350)
        self.assertEqual(row[2], "%.1f" % base)
        self.assertEqual(row[3], "%+.1f %%" % ((350 / base - 1) * 100))
        self.assertTrue(row[4].startswith("%+.2f (" % slope), row)
        self.assertEqual(row[5], "350.0 (2026-11-10T03:00:00Z)")
        self.assertEqual(row[6], "")  # 350 vs 325: under the standard 1.10

    def test_alert_and_window(self):
        benches = [bench(d, 100, 50, 300, 600) for d in range(1, 9)] + [bench(9, 100, 50, 400, 600)]
        self.history(benches)
        r = self.drift()
        self.assertEqual(r.returncode, 1, r.stdout)  # 400 > 300 x 1.10
        self.assertIn("**drift**", rows(r.stdout)["p99"][6])
        r = self.drift("--days", "2")  # days 7..9 only
        self.assertIn("3 benches", r.stdout)

    def test_html_report(self):
        self.history([bench(d, 100 + d, 50, 300 + d, 600) for d in range(1, 6)])
        out = os.path.join(self.tmp.name, "drift.html")
        md = os.path.join(self.tmp.name, "drift.md")
        r = self.drift("--html", out, "--markdown", md)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            page = f.read()
        self.assertEqual(page.count("<svg"), 3)
        self.assertIn("Latency CDF of the latest bench", page)
        self.assertNotIn("<script", page)  # self-contained, nothing to fetch or run
        self.assertEqual(len(re.findall(r"<circle ", page)), 15)  # 5 benches x 3 runs
        with open(md) as f:
            self.assertIn("| p99 |", f.read())
        if not (shutil.which("chromium") or shutil.which("chromium-browser")):
            if os.environ.get("CI"):
                self.fail("chromium is required under CI (scripts/deps.sh --ci installs it)")
            return
        shot = os.path.join(SRC, "scripts", "drift-screenshot.sh")
        png = os.path.join(self.tmp.name, "drift.png")
        s = subprocess.run([shot, out, png], capture_output=True, text=True)
        self.assertEqual(s.returncode, 0, s.stdout + s.stderr)
        # The check can fail: a page without the plots is refused, naming what is missing.
        blank = os.path.join(self.tmp.name, "blank.html")
        with open(blank, "w") as f:
            f.write(re.sub(r"<svg.*?</svg>", "", page, flags=re.S))
        s = subprocess.run([shot, blank, png], capture_output=True, text=True)
        self.assertEqual(s.returncode, 1, s.stdout + s.stderr)
        self.assertIn("not drawn: p50 over time", s.stderr)

    def test_errors(self):
        self.assertEqual(self.drift().returncode, 2)  # empty history
        with open(os.path.join(self.dir, "bad.jsonl"), "w") as f:
            f.write("{\"schema\": \"other\"}\n")
        r = self.drift()
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.jsonl:1:", r.stderr)
        self.assertEqual(subprocess.run([BIN, "bench", "drift"], capture_output=True).returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
