#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc bench compare on crafted bench.jsonl pairs: each metric exactly at, just below and
just above every profile's allowed ratio (bench/thresholds.json, and the same profiles built
into the binary), the markdown and JSON reports, and the errors (exit 2). The built-in
profiles equal the checked-in file; a file overrides them by name; compare needs no source
tree.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/compare_test.py
"""
import copy
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
THRESHOLDS = os.path.join(SRC, "bench", "thresholds.json")
METRICS = ["ns_per_msg", "p50", "p95", "p99", "p99.9"]


def bench(ns=1000.0, p50=1000, p95=2000, p99=3000, p999=5000, mode="book"):
    runs = [{"p50": p50, "p99": p99, "p99.9": p999}] * 3
    return {"schema": "blanc.bench/1", "mode": mode, "input_digest": "00112233445566aa",
            "throughput": {"ns_per_msg": [ns, ns, ns]},
            "latency_ns": {"count": 10, "min": 1, "p50": p50, "p90": p95, "p95": p95, "p99": p99,
                           "p99.9": p999, "p99.99": p999, "max": p999},
            "runs_latency_ns": runs}


class Compare(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        with open(THRESHOLDS) as f:
            cls.profiles = json.load(f)["profiles"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, *objs):
        p = os.path.join(self.tmp.name, name)
        with open(p, "w") as f:
            for o in objs:
                f.write(json.dumps(o) + "\n")
        return p

    def compare(self, base, new, *args, builtin=False):
        file = [] if builtin else ["--thresholds", THRESHOLDS]
        env = {k: v for k, v in os.environ.items() if k != "BLANC_THRESHOLDS"}
        return subprocess.run([BIN, "bench", "compare", base, new, *file, *args],
                              capture_output=True, text=True, env=env)

    def test_each_metric_at_below_above_every_profile(self):
        base_obj = bench()
        base = self.write("base.jsonl", bench(ns=9999), base_obj)  # the last object counts
        keys = {"ns_per_msg": "ns", "p50": "p50", "p95": "p95", "p99": "p99", "p99.9": "p999"}
        for (profile, ratios), builtin in ((p, b) for p in self.profiles.items()
                                           for b in (False, True)):
            for m in METRICS:
                b = {"ns_per_msg": 1000.0, "p50": 1000, "p95": 2000, "p99": 3000, "p99.9": 5000}[m]
                limit = b * ratios[m]
                for value, want in ((int(limit) if m != "ns_per_msg" else limit, 0),
                                    (int(limit) - 1, 0), (int(limit) + 1, 1)):
                    with self.subTest(profile=profile, metric=m, value=value, builtin=builtin):
                        new = self.write("new.jsonl", bench(**{keys[m]: value}))
                        r = self.compare(base, new, "--profile", profile, "--json",
                                         builtin=builtin)
                        self.assertEqual(r.returncode, want, r.stdout + r.stderr)
                        rep = json.loads(r.stdout)
                        row = next(x for x in rep["metrics"] if x["metric"] == m)
                        self.assertEqual(row["verdict"] == "regression", bool(want))
                        self.assertAlmostEqual(row["delta"], value - b, 6)
                        self.assertAlmostEqual(row["allowed_ratio"], ratios[m])
                        self.assertEqual(rep["verdict"], "regression" if want else "pass")

    def test_builtin_profiles_equal_the_checked_in_file(self):
        r = subprocess.run([BIN, "bench", "compare", "--print-thresholds"], capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["profiles"], self.profiles)

    def test_a_file_overrides_profiles_by_name(self):
        base = self.write("b.jsonl", bench())
        new = self.write("n.jsonl", bench(p99=4500))  # 1.5 x the base
        over = self.write("over.json", {"profiles": {"standard": {m: 2.0 for m in METRICS},
                                                     "mine": {m: 1.6 for m in METRICS}}})
        for profile, want in (("standard", 0), ("mine", 0), ("strict", 1), ("lenient", 1)):
            r = subprocess.run([BIN, "bench", "compare", base, new, "--thresholds", over,
                                "--profile", profile], capture_output=True, text=True)
            self.assertEqual(r.returncode, want, (profile, r.stdout, r.stderr))
        env = dict(os.environ, BLANC_THRESHOLDS=over)  # the variable names the same file
        r = subprocess.run([BIN, "bench", "compare", base, new], capture_output=True, text=True,
                           env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run([BIN, "bench", "compare", base, new, "--profile", "nope"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no profile 'nope'", r.stderr)

    def test_works_without_the_source_tree(self):
        # An installed blanc: the binary elsewhere, the source tree gone (hidden
        # under an empty tmpfs in a private mount namespace), no variable set.
        src = os.path.realpath(SRC)
        exe = os.path.join(self.tmp.name, "blanc")
        shutil.copy(BIN, exe)
        base = self.write("b.jsonl", bench())
        new = self.write("n.jsonl", bench(p99=3300))  # exactly at standard's 1.10
        script = 'mount -t tmpfs none "$1" && test ! -e "$1/bench" && cd / && exec "$2" bench ' \
                 'compare "$3" "$4" --json'
        env = {k: v for k, v in os.environ.items() if k != "BLANC_THRESHOLDS"}
        r = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", src, exe, base, new],
                           capture_output=True, text=True, env=env)
        if r.returncode != 0 and ("unshare" in r.stderr or "mount" in r.stderr):
            self.skipTest("no private mount namespace here: " + r.stderr.strip())
        self.assertEqual(r.returncode, 0, r.stderr)
        rep = json.loads(r.stdout)
        self.assertEqual(rep["verdict"], "pass")
        self.assertEqual(next(x for x in rep["metrics"] if x["metric"] == "p99")["allowed_ratio"],
                         self.profiles["standard"]["p99"])

    def test_markdown_report(self):
        base = self.write("b.jsonl", bench())
        new = self.write("n.jsonl", bench(p99=4000))
        r = self.compare(base, new)
        self.assertEqual(r.returncode, 1)
        self.assertIn("| p99 | 3000.0 | 4000.0 | +1000.0 | +33.3 % |", r.stdout)
        self.assertIn("**regression**", r.stdout)
        self.assertIn("| ns_per_msg | 1000.0 | 1000.0 | +0.0 | +0.0 % | 0.0 / 0.0 | ×1.10 | pass |",
                      r.stdout)
        r = self.compare(base, self.write("n2.jsonl", bench(p50=900)))
        self.assertEqual(r.returncode, 0)
        self.assertIn("| better |", r.stdout)

    def test_long_lines(self):
        """A bench of many runs is one long line (here ~400 KB): read whole, not in pieces."""
        big = bench()
        big["throughput"]["ns_per_msg"] = [1000.0] * 40000
        base = self.write("big.jsonl", big)
        new = self.write("n3.jsonl", bench(ns=1200.0))
        r = self.compare(base, new, "--json")
        self.assertEqual(r.returncode, 1, r.stderr)
        row = json.loads(r.stdout)["metrics"][0]
        self.assertEqual((row["metric"], row["base"], row["new"]), ("ns_per_msg", 1000.0, 1200.0))

    def test_errors(self):
        base = self.write("b.jsonl", bench())
        cases = [
            (base, self.write("m.jsonl", bench(mode="decode")), ()),
            (base, self.write("g.jsonl", "not a bench"), ()),
            (base, self.write("e.jsonl"), ()),
            (base, base, ("--profile", "nope")),
            (base, os.path.join(self.tmp.name, "missing.jsonl"), ()),
        ]
        broken = copy.deepcopy(bench())
        del broken["throughput"]
        cases.append((base, self.write("x.jsonl", broken), ()))
        for b, n, extra in cases:
            with self.subTest(new=os.path.basename(n), extra=extra):
                r = self.compare(b, n, *extra)
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertIn("blanc:", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
