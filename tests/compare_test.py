#!/usr/bin/env python3
"""blanc bench compare on crafted bench.jsonl pairs: each metric exactly at, just below and
just above every profile's allowed ratio (bench/thresholds.json), the markdown and JSON
reports, and the errors (exit 2).

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/compare_test.py
"""
import copy
import json
import os
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

    def compare(self, base, new, *args):
        r = subprocess.run([BIN, "bench", "compare", base, new, "--thresholds", THRESHOLDS, *args],
                           capture_output=True, text=True)
        return r

    def test_each_metric_at_below_above_every_profile(self):
        base_obj = bench()
        base = self.write("base.jsonl", bench(ns=9999), base_obj)  # the last object counts
        keys = {"ns_per_msg": "ns", "p50": "p50", "p95": "p95", "p99": "p99", "p99.9": "p999"}
        for profile, ratios in self.profiles.items():
            for m in METRICS:
                b = {"ns_per_msg": 1000.0, "p50": 1000, "p95": 2000, "p99": 3000, "p99.9": 5000}[m]
                limit = b * ratios[m]
                for value, want in ((int(limit) if m != "ns_per_msg" else limit, 0),
                                    (int(limit) - 1, 0), (int(limit) + 1, 1)):
                    with self.subTest(profile=profile, metric=m, value=value):
                        new = self.write("new.jsonl", bench(**{keys[m]: value}))
                        r = self.compare(base, new, "--profile", profile, "--json")
                        self.assertEqual(r.returncode, want, r.stdout + r.stderr)
                        rep = json.loads(r.stdout)
                        row = next(x for x in rep["metrics"] if x["metric"] == m)
                        self.assertEqual(row["verdict"] == "regression", bool(want))
                        self.assertAlmostEqual(row["delta"], value - b, 6)
                        self.assertAlmostEqual(row["allowed_ratio"], ratios[m])
                        self.assertEqual(rep["verdict"], "regression" if want else "pass")

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
