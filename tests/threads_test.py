#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""`blanc replay --threads N` (docs/ARCHITECTURE.md "Sharded replay"): for N = 2, 3, 8 (8 is more
than this machine's cores) every figure of the summary (digests, counts by type, book changes, live
and peak orders, anomalies with their first offset and index, health), the warnings, the exit code,
the health journal, the snapshots taken at cuts and a resume from them are identical to --threads 1,
the one-thread path that tests/differential.py checks against the independent reference. Inputs:
the bundled sample day, generated multi-symbol, corrupt and gap days, and a MoldUDP64 capture with
lost packets. Also: --emit runs on one thread and writes the same bytes, the threads report, and
--threads errors.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/threads_test.py
"""
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")
THREADS = (2, 3, 8)
TIMING = ("elapsed_s", "messages_per_s", "ns_per_message", "threads")


def run(*args, env=None):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True, env=env)


def orphans_day(path, reps=12):
    """Messages of instruments whose R comes a little later (as on a damaged day): each
    instrument-scope health line about them, written before their R, names no symbol with
    one thread. A sharded reader routes the R (its directory runs ahead of the counting)
    before those lines are written, so they must not name it either."""
    out = bytearray()

    def frame(m):
        out.extend(struct.pack(">H", len(m)) + m)

    def head(t, loc, ts):
        return t + struct.pack(">HH", loc, 0) + ts.to_bytes(6, "big")

    def r(ts, loc, sym):
        frame(head(b"R", loc, ts) + sym.ljust(8).encode() + b"QN" + struct.pack(">I", 100) +
              b"NC  PN 1N" + struct.pack(">I", 0) + b"N")

    def add(ts, loc, ref, px):
        frame(head(b"A", loc, ts) + struct.pack(">Q", ref) + b"B" + struct.pack(">I", 100) +
              b"SYM     " + struct.pack(">I", px))

    def delete(ts, loc, ref):
        frame(head(b"D", loc, ts) + struct.pack(">Q", ref))

    ts, ref = 34200 * 10**9, 1
    frame(head(b"S", 0, ts) + b"O")
    for loc in range(1, 20):
        r(ts, loc, "S%d" % loc)
    for k in range(reps):
        loc = 100 + k
        for i in range(8):  # its orders unknown: it has no directory entry yet
            delete(ts, loc, 10**9 + k * 10 + i)
            ts += 1000
        for i in range(20):
            add(ts, 1 + i % 19, ref, 10000 + i)
            ref, ts = ref + 1, ts + 1000
        r(ts, loc, "L%d" % loc)
        for i in range(2000):
            add(ts, 1 + i % 19, ref, 10000 + i % 50)
            delete(ts, 1 + i % 19, ref)
            ref, ts = ref + 1, ts + 1000
    frame(head(b"S", 0, ts) + b"C")
    with open(path, "wb") as f:
        f.write(out)


def old_pages_day(path):
    """Orders that rest in pages of their own far behind the newest ref: each of 60 old index
    pages holds 40 orders of one instrument only, then the day moves on past ref 5,000,000
    (over 1,024 pages ahead), and at the end executes or deletes every old order. On N
    threads the shards, a move, the gathers, a snapshot's restore and a resume's split copy
    those orders in bulk, and put them in the map rather than in pages of their own
    (books_bulk); each later lookup must still find them (an order not found is an anomaly
    and changes the digests)."""
    out = bytearray()

    def frame(m):
        out.extend(struct.pack(">H", len(m)) + m)

    def head(t, loc, ts):
        return t + struct.pack(">HH", loc, 0) + ts.to_bytes(6, "big")

    def add(ts, loc, ref, px, shares=100):
        frame(head(b"A", loc, ts) + struct.pack(">Q", ref) + (b"B" if px < 20000 else b"S") +
              struct.pack(">I", shares) + b"SYM     " + struct.pack(">I", px))

    ts = 34200 * 10**9
    frame(head(b"S", 0, ts) + b"O")
    for loc in range(1, 21):
        frame(head(b"R", loc, ts) + ("S%d" % loc).ljust(8).encode() + b"QN" +
              struct.pack(">I", 100) + b"NC  PN 1N" + struct.pack(">I", 0) + b"N")
    old = []
    for page in range(60):
        loc = 1 + page % 20
        for k in range(40):
            ref = page * 4096 + 1 + k * 50
            add(ts, loc, ref, 10000 + k % 7 if k % 2 else 20000 + k % 5)
            old.append((loc, ref))
            ts += 1000
    ref = 5_000_000
    for i in range(30000):
        loc = 1 + i % 20
        add(ts, loc, ref, 10000 + i % 11)
        if i % 2:
            frame(head(b"D", 1 + (i - 1) % 20, ts) + struct.pack(">Q", ref - 1))
        ref, ts = ref + 1, ts + 1000
    for j, (loc, r) in enumerate(old):
        if j % 3:
            frame(head(b"E", loc, ts) + struct.pack(">QIQ", r, 10, 9_000_000 + j))
        else:
            frame(head(b"D", loc, ts) + struct.pack(">Q", r))
        ts += 1000
    frame(head(b"S", 0, ts) + b"C")
    with open(path, "wb") as f:
        f.write(out)


def strip_paths(d, tmp):
    """The snapshot list names per-run folders: keep only the file names and counts."""
    for s in d.get("snapshots", []):
        s["path"] = os.path.basename(s["path"])
    return d


class Threads(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="blanc-threads-")
        cls.inputs = {"sample": SAMPLE}
        days = {
            "multi": ["--seed", "31", "--messages", "150k", "--symbols", "2000"],
            "corrupt": ["--seed", "32", "--messages", "150k", "--symbols", "300",
                        "--scenario", "corrupt"],
            "gap": ["--seed", "33", "--messages", "150k", "--symbols", "300",
                    "--scenario", "gap"],
            "capture": ["--seed", "34", "--messages", "100k", "--symbols", "200",
                        "--format", "moldudp64-pcap", "--drop-packets", "0.01"],
        }
        for name, args in days.items():
            path = os.path.join(cls.tmp, name + (".pcap" if name == "capture" else ".itch"))
            p = run("gen", *args, "-o", path)
            assert p.returncode == 0, p.stderr
            cls.inputs[name] = path
        cls.inputs["orphans"] = os.path.join(cls.tmp, "orphans.itch")
        orphans_day(cls.inputs["orphans"])
        cls.inputs["old_pages"] = os.path.join(cls.tmp, "old_pages.itch")
        old_pages_day(cls.inputs["old_pages"])
        # Thresholds low enough that the corrupt and gap days move the breakers.
        cls.config = os.path.join(cls.tmp, "health.toml")
        with open(cls.config, "w") as f:
            f.write("window_messages = 20000\nquiet_messages = 5000\n[thresholds]\n"
                    "gap = [1, 5, 20, 100]\ncorrupt = [1, 3, 10, 50]\nskew = [1, 5, 20, 0]\n")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def replay(self, path, threads, *extra):
        p = run("replay", path, "--threads", threads, "--json", *extra)
        d = json.loads(p.stdout) if p.stdout else {}
        th = d.get("threads")
        for k in TIMING:
            d.pop(k, None)
        return p.returncode, strip_paths(d, self.tmp), p.stderr, th

    def same_as_one(self, path, *extra):
        one = self.replay(path, 1, *extra)
        self.assertEqual(one[3]["workers"], 0)
        for n in THREADS:
            got = self.replay(path, n, *extra)
            with self.subTest(input=os.path.basename(path), threads=n):
                self.assertEqual(got[:3], one[:3])
                self.assertEqual(got[3]["requested"], n)
                self.assertEqual(got[3]["workers"], n - 1, "ran on one thread")
                self.assertEqual(len(got[3]["cpus"]), n - 1)
                allowed = sorted(os.sched_getaffinity(0))
                # Worker k (1 .. n-1) on the k-th allowed CPU: the first is left to the reader.
                self.assertEqual(got[3]["cpus"],
                                 [allowed[i % len(allowed)] for i in range(1, n)])
                self.assertEqual(len(got[3]["worker_cpu_s"]), n - 1)
                self.assertGreater(got[3]["reader_cpu_s"], 0)
        return one

    def test_summaries(self):
        for name, path in self.inputs.items():
            one = self.same_as_one(path)
            self.assertEqual(one[0], 0, one[2])
            if name in ("corrupt", "gap", "capture"):
                self.assertGreater(one[1]["anomalies_total"], 0, name)

    def test_summaries_without_health(self):
        # Without health the log carries no health observations: book anomalies must still
        # count with the one-thread first offset and index (a worker's offset rides in its
        # ring slot, shard 0 counts its own as it applies).
        for name in ("corrupt", "gap", "capture"):
            one = self.same_as_one(self.inputs[name], "--no-health")
            self.assertEqual(one[0], 0, one[2])
            book = [a for a in ("unknown_ref", "dup_ref", "overfill")
                    if one[1]["anomalies"].get(a, {}).get("count")]
            self.assertTrue(book or name != "corrupt", "no book anomaly: the test cannot fail")

    def test_health_journal(self):
        for name in ("corrupt", "gap", "capture", "orphans"):
            journals = {}
            for n in (1,) + THREADS:
                j = os.path.join(self.tmp, "journal-%s-%d.jsonl" % (name, n))
                p = run("replay", self.inputs[name], "--threads", n, "--health-config", self.config,
                        "--health-journal", j, "--reset-at", "30000", "--json")
                self.assertEqual(p.returncode, 0, p.stderr)
                d = json.loads(p.stdout)
                for k in TIMING:
                    d.pop(k, None)
                d["health"].pop("journal", None)  # names this run's file
                with open(j) as f:
                    journals[n] = (f.read(), d)
            self.assertTrue(journals[1][0], "no transition on %s: the test cannot fail" % name)
            if name == "orphans":  # lines about an instrument before its R: no name yet
                lines = [json.loads(x) for x in journals[1][0].splitlines()]
                early = [x for x in lines if x.get("locate", 0) >= 100 and "symbol" not in x]
                self.assertTrue(early, "no line before an R: the test cannot fail")
            for n in THREADS:
                self.assertEqual(journals[n], journals[1], "%s, --threads %d" % (name, n))

    def snapshots(self, path, threads, cuts, tag, fmt="bin"):
        out = os.path.join(self.tmp, "snaps-%s-%d" % (tag, threads))
        args = []
        for c in cuts:
            args += ["--snapshot-at", c]
        res = self.replay(path, threads, *args, "--snapshot-out", out, "--snapshot-format", fmt)
        files = {}
        for name in sorted(os.listdir(out)):
            with open(os.path.join(out, name), "rb") as f:
                files[name] = f.read()
        return res[:3], files, out

    def test_snapshots_and_resume(self):
        cuts = ["1", "777", "40000", "10:30:00", "90000", "end"]
        for name in ("multi", "corrupt", "capture"):
            path = self.inputs[name]
            fmt = "json" if name == "corrupt" else "bin"
            one, files1, out1 = self.snapshots(path, 1, cuts, name, fmt)
            self.assertEqual(len(files1), len(cuts))
            for n in THREADS:
                got, files, _ = self.snapshots(path, n, cuts, name, fmt)
                self.assertEqual(got, one, "%s --threads %d" % (name, n))
                self.assertEqual(files, files1, "%s --threads %d snapshots" % (name, n))
            # Resume from the middle (taken on one thread) on N threads: the uninterrupted run.
            snap = os.path.join(out1, "snap-i40000." + ("json" if fmt == "json" else "snap"))
            full = self.replay(path, 1)
            first = None
            for n in (1,) + THREADS:
                rc, d, err, th = self.replay(path, n, "--resume", snap)
                self.assertEqual(rc, 0, err)
                self.assertEqual(d["digests"], full[1]["digests"], "%s resumed on %d" % (name, n))
                self.assertEqual(d["messages"], full[1]["messages"])
                self.assertEqual(d["anomalies"], full[1]["anomalies"])
                self.assertEqual(d["peak_orders"], full[1]["peak_orders"])
                if first is None:
                    first = (rc, d, err)
                self.assertEqual((rc, d, err), first, "%s resumed on %d" % (name, n))

    def test_old_pages_copied_in_bulk(self):
        """old_pages_day on N threads, with instruments moved mid-run, a snapshot restored and
        a resume split onto the shards: every old order is found by its execution or delete
        after the bulk copies (no anomaly on any count), and the results are one thread's."""
        path = self.inputs["old_pages"]
        one = self.replay(path, 1)
        self.assertEqual(one[0], 0, one[2])
        self.assertEqual(one[1]["anomalies_total"], 0)
        self.assertEqual(one[1]["by_type"]["E"], 1600)
        cuts = ["30000", "end"]
        ref, files1, out1 = self.snapshots(path, 1, cuts, "old1")
        snap = os.path.join(out1, "snap-i30000.snap")
        full = self.replay(path, 1, "--resume", snap)
        self.assertEqual(full[1]["digests"], one[1]["digests"])
        for n in THREADS:
            for moves in (False, True):
                env = (dict(os.environ, BLANC_SHARD_SHED="1", BLANC_READER_SHARE="1000")
                       if moves else None)
                with self.subTest(threads=n, moves=moves):
                    out = os.path.join(self.tmp, "snaps-old-%d-%d" % (n, moves))
                    p = run("replay", path, "--threads", n, "--json", "--snapshot-out", out,
                            "--snapshot-at", cuts[0], "--snapshot-at", cuts[1], env=env)
                    d = json.loads(p.stdout)
                    th = d.pop("threads")
                    for k in TIMING:
                        d.pop(k, None)
                    self.assertEqual((p.returncode, strip_paths(d, self.tmp), p.stderr), ref)
                    if moves:
                        self.assertGreater(th["moved"], 0, "nothing moved: the test cannot fail")
                    files = {}
                    for f in sorted(os.listdir(out)):
                        with open(os.path.join(out, f), "rb") as fh:
                            files[f] = fh.read()
                    self.assertEqual(files, files1)
                    p = run("replay", path, "--threads", n, "--json", "--resume", snap, env=env)
                    d = json.loads(p.stdout)
                    self.assertEqual(d["digests"], one[1]["digests"], p.stderr)
                    self.assertEqual(d["anomalies_total"], 0)

    def test_reader_share_extremes(self):
        """The reader's share of the books (BLANC_READER_SHARE, per mille) moves work, never
        results: none (every book on the workers), all (the workers get nothing), a third."""
        for name in ("multi", "corrupt", "gap", "capture"):
            path = self.inputs[name]
            one = self.replay(path, 1)
            for share, want in (("0", 0), ("1000", 1000), ("333", 333)):
                env = dict(os.environ, BLANC_READER_SHARE=share)
                for n in (2, 3):
                    p = run("replay", path, "--threads", n, "--json", "--snapshot-at", "40000",
                            "--snapshot-out", os.path.join(self.tmp, "share-%s-%s-%d" %
                                                           (name, share, n)), env=env)
                    d = json.loads(p.stdout)
                    th = d.pop("threads")
                    for k in TIMING:
                        d.pop(k, None)
                    d.pop("snapshots", None)
                    with self.subTest(input=name, share=share, threads=n):
                        self.assertEqual(th["reader_share_permille"], want)
                        self.assertEqual(th["workers"], n - 1)
                        self.assertEqual((p.returncode, d), (one[0], {k: v for k, v in
                                         one[1].items() if k != "snapshots"}))

    def test_moves(self):
        """Instruments moved from the reader to the workers mid-run (BLANC_SHARD_SHED=K forces a
        move of the reader's busiest instrument every K batches, round-robin over the workers):
        the summary, the health journal and the snapshots at cuts are still those of one thread,
        and so is a resume from a snapshot."""
        cuts = ["777", "40000", "10:30:00", "end"]
        for name in ("multi", "corrupt", "capture"):
            path = self.inputs[name]
            one, files1, out1 = self.snapshots(path, 1, cuts, "mv1-" + name)
            j1 = os.path.join(self.tmp, "mv-journal-%s-1.jsonl" % name)
            run("replay", path, "--health-config", self.config, "--health-journal", j1,
                "--threads", 1)
            snap = os.path.join(out1, "snap-i40000.snap")
            full = self.replay(path, 1, "--resume", snap)
            for every, share in (("1", "1000"), ("3", "500")):
                env = dict(os.environ, BLANC_SHARD_SHED=every, BLANC_READER_SHARE=share)
                for n in (2, 3):
                    tag = "mv-%s-%s-%d" % (name, every, n)
                    with self.subTest(input=name, every=every, threads=n):
                        out = os.path.join(self.tmp, "snaps-" + tag)
                        args = ["replay", path, "--threads", n, "--json", "--snapshot-out", out]
                        for c in cuts:
                            args += ["--snapshot-at", c]
                        p = run(*args, env=env)
                        d = json.loads(p.stdout)
                        th = d.pop("threads")
                        for k in TIMING:
                            d.pop(k, None)
                        strip_paths(d, self.tmp)
                        self.assertGreater(th["moved"], 0, "nothing moved: the test cannot fail")
                        self.assertEqual((p.returncode, d, p.stderr), one)
                        files = {}
                        for f in sorted(os.listdir(out)):
                            with open(os.path.join(out, f), "rb") as fh:
                                files[f] = fh.read()
                        self.assertEqual(files, files1)
                        j = os.path.join(self.tmp, "mv-journal-%s.jsonl" % tag)
                        run("replay", path, "--health-config", self.config, "--health-journal",
                            j, "--threads", n, env=env)
                        with open(j) as a, open(j1) as b:
                            self.assertEqual(a.read(), b.read())
                        p = run("replay", path, "--threads", n, "--json", "--resume", snap, env=env)
                        d = json.loads(p.stdout)
                        d.pop("threads")
                        for k in TIMING:
                            d.pop(k, None)
                        self.assertEqual((p.returncode, d, p.stderr), full[:3])

    def test_emit_runs_on_one_thread(self):
        outs = {}
        for n in (1, 3):
            o = os.path.join(self.tmp, "emit-%d.jsonl" % n)
            p = run("replay", self.inputs["corrupt"], "--threads", n, "--emit", "l2", "-o", o,
                    "--json")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertEqual(json.loads(p.stdout)["threads"]["workers"], 0)
            with open(o, "rb") as f:
                outs[n] = f.read()
        self.assertTrue(outs[1])
        self.assertEqual(outs[3], outs[1])
        p = run("replay", self.inputs["corrupt"], "--threads", 3, "--emit", "bbo", "-o",
                os.path.join(self.tmp, "e.jsonl"))
        self.assertIn("threads      1 (--emit runs on one)", p.stdout)

    def test_text_report_and_errors(self):
        p = run("replay", self.inputs["multi"], "--threads", 2)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout, r"threads      2: the reader \(with \d+ per mille of the books\) "
                                   r"and 1 book worker on CPU")
        # a run that must be on one thread says which option made it so, and --json still
        # reports the threads asked for
        for opt in (["--metrics-listen", "127.0.0.1:0"], ["--emit", "bbo", "-o", os.devnull]):
            with self.subTest(opt=opt[0]):
                p = run("replay", self.inputs["multi"], "--threads", 2, *opt)
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertIn("threads      1 (%s runs on one)" % opt[0], p.stdout + p.stderr)
                p = run("replay", self.inputs["multi"], "--threads", 2, "--json", *opt)
                th = json.loads(p.stdout)["threads"]
                self.assertEqual((th["requested"], th["workers"]), (2, 0))
        for bad in ("0", "65", "x", "-1"):
            p = run("replay", self.inputs["multi"], "--threads", bad)
            self.assertEqual(p.returncode, 2, bad)
            self.assertIn("--threads wants a number from 1 to 64", p.stderr)

    def test_default_threads(self):
        """Without --threads: one per allowed CPU, less one for a compressed input's inflate
        thread (it decodes all run long), at least one; the digests are those of one thread."""
        cpus = len(os.sched_getaffinity(0))
        one = self.replay(self.inputs["multi"], 1)
        gz = os.path.join(self.tmp, "multi.itch.gz")
        with open(self.inputs["multi"], "rb") as f, open(gz, "wb") as out:
            subprocess.run(["gzip", "-6", "-c"], stdin=f, stdout=out, check=True)
        for path, want, inflate in ((self.inputs["multi"], cpus, False),
                                    (gz, max(cpus - 1, 1), True)):
            with self.subTest(input=os.path.basename(path)):
                p = run("replay", path, "--json")
                self.assertEqual(p.returncode, 0, p.stderr)
                d = json.loads(p.stdout)
                th = d["threads"]
                self.assertTrue(th["auto"])
                self.assertEqual(th["requested"], want)
                self.assertEqual(th["workers"], want - 1)
                self.assertEqual("inflate" in th["helpers"], inflate)
                self.assertEqual(d["digests"], one[1]["digests"])
                p = run("replay", path)
                if want == 1 and inflate and cpus > 1:
                    self.assertIn("threads      1 (the inflate thread has the other CPU)",
                                  p.stdout)
        p = run("replay", gz, "--threads", 2, "--json")
        th = json.loads(p.stdout)["threads"]
        self.assertFalse(th["auto"])
        self.assertEqual((th["requested"], th["workers"]), (2, 1))


if __name__ == "__main__":
    unittest.main()
