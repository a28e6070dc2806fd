#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""A replay is exact or loudly not: every way `blanc replay` used to lose data
quietly or blame the wrong thing, as the CLI user meets it.

Each expected number here is derived in the test from the bytes it wrote
(frame sizes, offsets) or from an uninterrupted run of the same input, never
copied from Blanc's output.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. /usr/bin/python3 tests/trust_test.py
"""
import gzip
import json
import os
import random
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")


def run(*args, stdin=None):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, input=stdin)


def replay_json(*args, stdin=None):
    r = run("replay", *args, "--json", stdin=stdin)
    assert r.returncode in (0, 1), r.stderr.decode()
    return json.loads(r.stdout), r


def read(p, mode="rb"):
    with open(p, mode) as f:
        return f.read()


def frames(data):
    """(offset, length) of every BinaryFILE frame: the test's own walk."""
    out, pos = [], 0
    while pos + 2 <= len(data):
        n = struct.unpack(">H", data[pos:pos + 2])[0]
        out.append((pos, n))
        pos += 2 + n
    return out


class Trust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.zst = SAMPLE
        r = subprocess.run(["zstd", "-dc", SAMPLE], capture_output=True)
        assert r.returncode == 0
        cls.plain_bytes = r.stdout
        cls.plain = cls.path("day.itch", cls.plain_bytes)
        cls.gz = cls.path("day.itch.gz", gzip.compress(cls.plain_bytes, 1))
        cls.full, _ = replay_json(cls.plain)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name, data):
        p = os.path.join(cls.tmp.name, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def same_as_full(self, j):
        self.assertEqual(j["messages"], self.full["messages"])
        self.assertEqual(j["anomalies_total"], 0)
        for k in ("l3", "l2", "stream", "input"):
            self.assertEqual(j["digests"][k], self.full["digests"][k], k)

    # -- silent data loss ------------------------------------------------------

    def test_snapshot_before_anything_on_streaming_sources(self):
        """The cut at 0 (or before the first stamp) on gzip/zstd/stdin used to
        stop at decompressed byte 4,194,296 with exit 0."""
        self.assertEqual(self.full["messages"], 150000)
        for i, (src, stdin) in enumerate([(self.zst, None), (self.gz, None), ("-", self.zst),
                                          ("-", self.plain)]):
            for cut in ("0", "03:00:00"):
                out = os.path.join(self.tmp.name, "s%d%s" % (i, cut.replace(":", "")))
                data = read(stdin) if stdin else None
                j, r = replay_json(src, "--snapshot-at", cut, "--snapshot-out", out, stdin=data)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.same_as_full(j)
                self.assertEqual(j["snapshots"][0]["messages"], 0)
                # And the snapshot resumes to the same end.
                res, r = replay_json(self.plain, "--resume", j["snapshots"][0]["path"])
                self.same_as_full(res)

    def test_zero_length_in_the_middle_is_an_anomaly_not_an_end(self):
        fr = frames(self.plain_bytes)
        k = len(fr) // 3
        at = fr[k][0]
        data = self.plain_bytes[:at] + b"\0\0" + self.plain_bytes[at:]
        p = self.path("zero.itch", data)
        j, r = replay_json(p)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(j["messages"], len(fr))  # everything after it replayed
        z = j["anomalies"]["zero_length"]
        self.assertEqual((z["count"], z["first_offset"], z["first_index"]), (1, at, k))
        err = r.stderr.decode()
        self.assertIn("zero_length", err)
        self.assertIn("first at byte %d, message %d" % (at, k), err)
        self.assertIn("%d bytes follow the first" % (len(data) - at - 2), err)
        # The books are those of the clean day (the marker carries nothing).
        self.assertEqual(j["digests"]["l3"], self.full["digests"]["l3"])
        r = run("replay", p, "--strict", "--json")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(json.loads(r.stdout)["messages"], k)

    def test_a_cut_never_splits_a_zero_prefix_from_its_message(self):
        """The zero_length anomaly belongs to the message after it (its health
        event too): a time cut between them would hold it half counted, and the
        resumed journal would miss it. Both cut kinds pause before the zeros."""
        fr = frames(self.plain_bytes)
        k = 2 * len(fr) // 3
        at = fr[k][0]
        data = self.plain_bytes[:at] + b"\0\0" * 3 + self.plain_bytes[at:]
        ts = int.from_bytes(self.plain_bytes[at + 2 + 5:at + 2 + 11], "big")
        for name, blob in (("zeros.itch", data), ("zeros.itch.gz", gzip.compress(data, 1))):
            p = self.path(name, blob)
            full_j = os.path.join(self.tmp.name, name + ".full.jsonl")
            full, _ = replay_json(p, "--health-journal", full_j)
            t = "%02d:%02d:%02d.%09d" % ((ts - 1) // 3600000000000, (ts - 1) // 60000000000 % 60,
                                         (ts - 1) // 1000000000 % 60, (ts - 1) % 1000000000)
            for cut in (str(k), t):
                out = os.path.join(self.tmp.name, name + ".snaps" + cut.replace(":", ""))
                j, r = replay_json(p, "--snapshot-at", cut, "--snapshot-out", out)
                snap = j["snapshots"][0]
                # Before message k, whose own stamp is the first past ts - 1 —
                # unless an earlier message shares that stamp.
                self.assertLessEqual(snap["messages"], k)
                res_j = os.path.join(self.tmp.name, name + cut.replace(":", "") + ".res.jsonl")
                res, r = replay_json(p, "--resume", snap["path"], "--health-journal", res_j)
                self.assertEqual(res["anomalies"], full["anomalies"])
                for h in (res["health"], full["health"]):
                    h.pop("journal", None)
                self.assertEqual(res["health"], full["health"])
                want = [l for l in read(full_j, "r").splitlines()
                        if json.loads(l)["index"] >= snap["messages"]]
                got = read(res_j, "r").splitlines()
                self.assertTrue(any('"zero_length"' in l or '"corrupt"' in l for l in want))
                self.assertEqual(got, want)

    def test_a_long_run_of_zeros_with_a_time_cut_ends(self):
        fr = frames(self.plain_bytes)
        at = fr[len(fr) // 2][0]
        data = self.plain_bytes[:at] + bytes(5 << 20) + self.plain_bytes[at:]
        p = self.path("manyzeros.itch.gz", gzip.compress(data, 1))
        r = subprocess.run([BIN, "replay", p, "--json", "--snapshot-at", "23:00:00",
                            "--snapshot-out", os.path.join(self.tmp.name, "mz")],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["messages"], len(fr))
        self.assertEqual(j["anomalies"]["zero_length"]["count"], (5 << 20) // 2)

    def test_not_itch_is_refused(self):
        rnd = random.Random(5)
        pcap = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)
        pcap += struct.pack("<IIII", 0, 0, 60, 60) + bytes(rnd.randrange(256) for _ in range(60))
        cases = {"readme.txt": b"# Blanc\n\nThis is a README, not market data.\n" * 40,
                 "random.bin": rnd.randbytes(1 << 20),
                 "capture.pcap": pcap}
        for name, data in cases.items():
            p = self.path(name, data)
            # A capture is an input now (docs/FEEDS.md): as a BinaryFILE it is still refused.
            framing = ["--framing", "binaryfile"] if name.endswith(".pcap") else []
            r = run("replay", p, *framing)
            self.assertEqual(r.returncode, 2, name)
            err = r.stderr.decode()
            self.assertIn("%s: not an ITCH 5.0 BinaryFILE (" % p, err)
            self.assertRegex(err, "frames in the first|no whole frame in its first")
            self.assertEqual(r.stdout, b"", name)
            # Compressed garbage too.
            r = run("replay", self.path(name + ".gz", gzip.compress(data)), *framing)
            self.assertEqual(r.returncode, 2, name)

    def test_anomalies_warn_on_stderr_in_default_mode(self):
        fr = frames(self.plain_bytes)
        # Turn one frame's type into an unknown one ('z') and cut the last frame short.
        off = fr[100][0]
        data = bytearray(self.plain_bytes)
        data[off + 2] = ord("z")
        data = bytes(data[:-3])
        r = run("replay", self.path("damaged.itch", data))
        self.assertEqual(r.returncode, 0)
        lines = [l for l in r.stderr.decode().splitlines() if "warning:" in l]
        kinds = sorted(l.split()[4] for l in lines)
        self.assertIn("unknown_type", kinds)
        self.assertIn("truncated", kinds)
        self.assertIn("first at byte %d, message 100" % off,
                      [l for l in lines if "unknown_type" in l][0])
        self.assertIn("first at byte %d, message %d" % (fr[-1][0], len(fr) - 1),
                      [l for l in lines if "truncated" in l][0])

    def test_cut_compressed_files_label_their_offsets(self):
        for name, comp in (("cut.gz", gzip.compress(self.plain_bytes)),
                           ("cut.zst", read(self.zst))):
            data = comp[: len(comp) // 4]
            p = self.path(name, data)
            j, r = replay_json(p)
            sc = j["anomalies"]["stream_cut"]
            # The cut lies where the decoded ITCH stream ended; every whole
            # frame before it is replayed, and the file bytes are the file's.
            self.assertEqual(sc["first_offset"], j["stream_bytes"])
            self.assertLessEqual(j["bytes"], j["stream_bytes"])
            self.assertEqual(j["file_bytes"], len(data))
            whole = [f for f in frames(self.plain_bytes) if f[0] + 2 + f[1] <= j["stream_bytes"]]
            self.assertEqual(j["messages"], len(whole))
            self.assertEqual(j["bytes"], whole[-1][0] + 2 + whole[-1][1])
            text = run("replay", p).stdout.decode().splitlines()[0]
            self.assertIn("%d bytes read; ITCH stream %d bytes after decompression, %d in whole frames"
                          % (len(data), j["stream_bytes"], j["bytes"]), text)

    # -- errors that blame the wrong thing ---------------------------------------

    def test_flags_that_do_nothing_are_usage_errors(self):
        snaps = os.path.join(self.tmp.name, "never")
        for args, what in [(["--format", "csv"], "--format"),
                           (["--metrics-linger", "3"], "--metrics-linger"),
                           (["--force"], "--force"),
                           (["--depth", "3"], "--depth"),
                           (["--snapshot-out", snaps], "--snapshot-out"),
                           (["--snapshot-format", "json"], "--snapshot-format")]:
            r = run("replay", self.plain, *args)
            self.assertEqual(r.returncode, 2, args)
            err = r.stderr.decode().strip().splitlines()
            self.assertEqual(len(err), 1, err)
            self.assertIn(what, err[0])
            self.assertEqual(r.stdout, b"")
        self.assertFalse(os.path.exists(snaps))
        r = run("replay", self.plain, "--reset-at", 10**7)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--reset-at 10000000 is past the end", r.stderr.decode())
        r = run("replay", self.plain, "--reset-at", "23:59:00")
        self.assertEqual(r.returncode, 2)
        self.assertIn("past the end", r.stderr.decode())
        # A reset point inside the day is fine.
        self.assertEqual(run("replay", self.plain, "--reset-at", 1000).returncode, 0)

    def test_a_bad_flag_is_one_line(self):
        for args, flag in [(["--bogus"], "--bogus"), (["-Q"], "-Q"), (["--depth"], "--depth")]:
            r = run("replay", self.plain, *args) if args != ["--depth"] else run("replay", self.plain, "--depth")
            self.assertEqual(r.returncode, 2)
            err = r.stderr.decode().strip().splitlines()
            self.assertEqual(len(err), 1, err)
            self.assertIn(flag, err[0])
            self.assertIn("--help", err[0])

    def test_symbols_are_normalized_and_unknown_ones_warned(self):
        sym = read(os.path.join(SRC, "data", "sample-day.symbols"), "r").split()[0]
        a, _ = replay_json(self.plain, "--symbol", sym)
        b, r = replay_json(self.plain, "--symbol", "  %s " % sym.lower())
        self.assertEqual(r.returncode, 0)
        self.assertEqual(a["books"], b["books"])
        r = run("replay", self.plain, "--symbol", "NOPE")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--symbol NOPE is not in the stock directory", r.stderr.decode())

    def test_resume_rates_count_replayed_messages_only(self):
        out = os.path.join(self.tmp.name, "rate")
        replay_json(self.plain, "--snapshot-at", 140000, "--snapshot-out", out)
        j, r = replay_json(self.plain, "--resume", os.path.join(out, "snap-i140000.snap"))
        self.assertEqual(j["messages"], 150000)
        self.assertEqual(j["messages_replayed"], 10000)
        if j["elapsed_s"] > 0:
            self.assertAlmostEqual(j["messages_per_s"] * j["elapsed_s"], 10000, delta=1)
        self.assertIn("10000 replayed after resuming at 140000", run(
            "replay", self.plain, "--resume", os.path.join(out, "snap-i140000.snap")).stdout.decode())


if __name__ == "__main__":
    unittest.main()
