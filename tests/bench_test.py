#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc bench end to end (docs/TELEMETRY.md): the bench.jsonl schema, counts cross-checked
against a plain replay, append-only history, the Prometheus exposition checked by promtool,
CPU pinning errors, decode-only mode.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/bench_test.py
"""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
PCTS = ["min", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max"]
NUM = (int, float)

# docs/TELEMETRY.md, schema blanc.bench/1: key -> type (dict = nested object)
LATENCY = {"count": int, **{p: int for p in PCTS}, "valid": {p: bool for p in PCTS}}
SCHEMA = {
    "schema": str, "time": str, "file": str, "input_digest": str, "bytes": int,
    "messages": int, "mode": str, "runs": int, "warmup": int, "cpu": (int, type(None)),
    "clock": {"source": str, "tsc": bool, "ticks_per_ns": NUM, "overhead_ns": NUM,
              "overhead_subtracted": bool},
    "throughput": {"ns_per_msg": list, "median_ns_per_msg": NUM, "mad_ns_per_msg": NUM,
                   "median_msgs_per_s": NUM},
    "host": {"cpu_model": str, "cpu_mhz": NUM, "logical_cpus": int, "physical_cores": int,
             "caches": str, "governor": str, "kernel": str, "mem_bytes": int},
    "build": {"version": str, "git_sha": str, "compiler": str, "cflags": str, "build_type": str},
}
BOOK_ONLY = {"latency_ns": LATENCY, "latency_by_type_ns": dict, "runs_latency_ns": list,
             "p99_spread_pct": NUM, "latency_hist_ns": list}


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)


def check_schema(test, obj, schema, where="$"):
    for k, t in schema.items():
        test.assertIn(k, obj, "%s.%s missing" % (where, k))
        if isinstance(t, dict):
            test.assertIsInstance(obj[k], dict, "%s.%s" % (where, k))
            check_schema(test, obj[k], t, where + "." + k)
        else:
            test.assertIsInstance(obj[k], t, "%s.%s" % (where, k))
            if t is int or t == NUM:
                test.assertNotIsInstance(obj[k], bool, "%s.%s" % (where, k))


class Bench(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        r = run("gen", "--seed", 9, "--messages", "100k", "--symbols", 20, "-o", cls.day)
        assert r.returncode == 0, r.stderr
        cls.replay = json.loads(run("replay", cls.day, "--json", "--no-health").stdout)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def test_jsonl_schema_and_counts(self):
        out = self.path("bench.jsonl")
        r = run("bench", self.day, "--runs", 3, "--warmup", 1, "--jsonl", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("bench", self.day, "--runs", 2, "--warmup", 0, "--jsonl", out, "--no-tsc")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            lines = [json.loads(x) for x in f]
        self.assertEqual(len(lines), 2)  # appended, not rewritten
        for d, runs in zip(lines, (3, 2)):
            check_schema(self, d, {**SCHEMA, **BOOK_ONLY})
            self.assertEqual(d["schema"], "blanc.bench/1")
            self.assertEqual(d["runs"], runs)
            self.assertEqual(len(d["throughput"]["ns_per_msg"]), runs)
            self.assertEqual(len(d["runs_latency_ns"]), runs)
            # cross-checks against a plain replay of the same input
            self.assertEqual(d["messages"], self.replay["messages"])
            self.assertEqual(d["input_digest"], self.replay["digests"]["input"])
            self.assertEqual(d["latency_ns"]["count"], runs * self.replay["book_changes"])
            self.assertEqual(sum(c for _, c in d["latency_hist_ns"]), d["latency_ns"]["count"])
            bounds = [b for b, _ in d["latency_hist_ns"]]
            self.assertEqual(bounds, sorted(set(bounds)))
            by_type = sum(v["count"] for v in d["latency_by_type_ns"].values())
            self.assertEqual(by_type, d["latency_ns"]["count"])
            lat = [d["latency_ns"][p] for p in PCTS]
            self.assertEqual(lat, sorted(lat))  # percentiles never decrease
            med = sorted(d["throughput"]["ns_per_msg"])[(runs - 1) // 2: runs // 2 + 1]
            self.assertAlmostEqual(d["throughput"]["median_ns_per_msg"], sum(med) / len(med), 3)
            # 200k book changes per run: p99.9 has 200 samples beyond it, p99.99 20 (or 40)
            self.assertTrue(d["latency_ns"]["valid"]["p99.9"])
            self.assertFalse(d["latency_ns"]["valid"]["p99.99"])
        self.assertFalse(lines[1]["clock"]["tsc"])

    def test_decode_only(self):
        r = run("bench", self.day, "--runs", 2, "--no-book", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        d = json.loads(r.stdout)
        check_schema(self, d, SCHEMA)
        self.assertEqual(d["mode"], "decode")
        self.assertNotIn("latency_ns", d)

    @unittest.skipUnless(shutil.which("promtool"), "promtool (Debian: prometheus) not installed")
    def test_prometheus_exposition_passes_promtool(self):
        for extra in ((), ("--no-book",)):
            prom = self.path("metrics.prom")
            r = run("bench", self.day, "--runs", 2, "--prom", prom, *extra)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(prom, "rb") as f:
                text = f.read()
            c = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True)
            self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
            self.assertIn(b"blanc_bench_throughput_messages_per_second", text)
            if not extra:
                count = [l for l in text.splitlines()
                         if l.startswith(b"blanc_bench_message_latency_seconds_count")]
                self.assertEqual(int(count[0].split()[1]), 2 * self.replay["book_changes"])

    def test_errors(self):
        cases = [("--cpu", 1000), ("--cpu", 4095), ("--runs", 0), ("--runs", "x")]
        for args in cases:
            with self.subTest(args=args):
                r = run("bench", self.day, *args)
                self.assertEqual(r.returncode, 2)
        self.assertIn("not allowed", run("bench", self.day, "--cpu", 1000).stderr)
        self.assertEqual(run("bench", self.path("missing.itch")).returncode, 2)
        empty = self.path("empty")
        open(empty, "wb").close()
        self.assertEqual(run("bench", empty).returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
