#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Snapshots end to end: resume = uninterrupted at many cut points, on generated days of every
scenario and on the real RITCH sample; every damaged or foreign snapshot refused clearly.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/snapshot_test.py
"""
import glob
import json
import os
import random
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")
RITCH_ZERO = os.path.join(SRC, "data", "ritch", "ex20101224.TEST_ITCH_50.gz")


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)


def replay_json(*args):
    r = run("replay", *args, "--json")
    if r.returncode not in (0, 1):
        raise AssertionError("blanc replay %s: exit %d: %s" % (args, r.returncode, r.stderr))
    return json.loads(r.stdout)


def outcome(d):
    """What must be equal between a resumed and an uninterrupted run."""
    return {k: d[k] for k in ("digests", "messages", "by_type", "book_changes", "anomalies",
                              "anomalies_total", "live_orders", "peak_orders", "levels",
                              "first_timestamp", "last_timestamp", "bytes",
                              "ended_by_session_marker")}


def frame_types(raw):
    """Message index -> type byte, by walking the 2-byte length prefixes."""
    types, off = [], 0
    while off + 2 <= len(raw):
        n = struct.unpack_from(">H", raw, off)[0]
        if n == 0 or off + 2 + n > len(raw):
            break
        types.append(raw[off + 2])
        off += 2 + n
    return types


class Resume(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def gen(self, name, seed, scenario, messages=120000, symbols=12):
        path = os.path.join(self.tmp.name, name)
        manifest = path + ".manifest"
        r = run("gen", "--seed", seed, "--messages", messages, "--symbols", symbols,
                "--scenario", scenario, "--manifest", manifest, "-o", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(manifest) as f:
            inj = [json.loads(line) for line in f if line.strip()]
        return path, inj

    def cuts_for(self, path, total, injections, seed):
        """Start, end, around every kind of injection, around replaces, random points."""
        cuts = {0, 1, total - 1, total}
        for i in injections[:6]:
            cuts |= {i["index"], i["index"] + 1, i["index"] + max(1, i["count"] // 2)}
        if not path.endswith(".gz"):
            with open(path, "rb") as f:
                types = frame_types(f.read())
            us = [i for i, t in enumerate(types) if t == ord("U")]
            for i in us[:: max(1, len(us) // 4)][:4]:
                cuts |= {i, i + 1}  # right before and right after a replace
        rng = random.Random(seed)
        cuts |= {rng.randrange(total) for _ in range(8)}
        return sorted(c for c in cuts if 0 <= c <= total)

    def check_file(self, path, injections=(), framing=(), seed=1, fmt="bin"):
        full = replay_json(path, *framing)
        total = full["messages"]
        cuts = self.cuts_for(path, total, list(injections), seed)
        out = os.path.join(self.tmp.name, os.path.basename(path) + "." + fmt + ".snaps")
        args = [path, *framing, "--snapshot-out", out, "--snapshot-format", fmt]
        for c in cuts:
            args += ["--snapshot-at", c]
        args.append("--snapshot-at")
        args.append("end")
        taking = replay_json(*args)
        self.assertEqual(outcome(taking), outcome(full), "taking snapshots changed the run")
        snaps = sorted(glob.glob(os.path.join(out, "snap-*")))
        self.assertEqual(len(snaps), len(cuts) + 1)
        for snap in snaps:
            resumed = replay_json(path, "--resume", snap)
            self.assertEqual(outcome(resumed), outcome(full), "resume from %s" % snap)
            # The snapshot equals a fresh replay of the input to the same point.
            d = run("diff", snap, path)  # the framing comes from the snapshot
            self.assertEqual(d.returncode, 0, d.stdout + d.stderr)
        return cuts

    def test_generated_scenarios(self):
        for seed, scenario in ((11, "normal"), (12, "burst"), (13, "corrupt"), (14, "gap")):
            with self.subTest(scenario=scenario):
                path, inj = self.gen(scenario + ".itch", seed, scenario)
                self.assertTrue(inj or scenario == "normal")
                self.check_file(path, inj, seed=seed)

    def test_json_snapshots_and_compressed_input(self):
        path, inj = self.gen("c.itch.zst", 21, "corrupt", messages=60000)
        self.check_file(path, inj, seed=21, fmt="json")

    def test_real_sample(self):
        self.check_file(RITCH, seed=31)
        self.check_file(RITCH_ZERO, framing=("--framing", "fixed"), seed=32)

    def test_time_cut(self):
        path, _ = self.gen("t.itch", 41, "normal", messages=40000)
        out = os.path.join(self.tmp.name, "tcut")
        full = replay_json(path)
        d = replay_json(path, "--snapshot-at", "10:30:00", "--snapshot-out", out,
                        "--snapshot-format", "json")
        self.assertEqual(len(d["snapshots"]), 1)
        with open(d["snapshots"][0]["path"]) as f:
            snap = json.load(f)
        # Every handled message is at or before 10:30, the next one is after it.
        limit = (10 * 3600 + 30 * 60) * 10**9
        self.assertLessEqual(snap["replay"]["last_timestamp"], limit)
        with open(path, "rb") as f:
            raw = f.read()
        off = snap["replay"]["bytes"]
        ts = int.from_bytes(raw[off + 2 + 5: off + 2 + 11], "big")
        self.assertGreater(ts, limit)
        self.assertEqual(outcome(replay_json(path, "--resume", d["snapshots"][0]["path"])),
                         outcome(full))


class Refusals(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        r = run("gen", "--seed", 5, "--messages", 20000, "--symbols", 5, "-o", cls.day)
        assert r.returncode == 0, r.stderr
        cls.other = os.path.join(cls.tmp.name, "other.itch")
        run("gen", "--seed", 6, "--messages", 20000, "--symbols", 5, "-o", cls.other)
        out = os.path.join(cls.tmp.name, "s")
        for fmt in ("bin", "json"):
            r = run("replay", cls.day, "--snapshot-at", 9000, "--snapshot-out", out,
                    "--snapshot-format", fmt)
            assert r.returncode == 0, r.stderr
        cls.bin = os.path.join(out, "snap-i9000.snap")
        cls.json = os.path.join(out, "snap-i9000.json")
        with open(cls.bin, "rb") as f:
            cls.raw = f.read()

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def write(self, name, data):
        p = os.path.join(self.tmp.name, name)
        with open(p, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return p

    def refused(self, path, *expect):
        r = run("snapshot", "show", path)
        self.assertEqual(r.returncode, 2, r.stdout)
        for e in expect:
            self.assertIn(e, r.stderr)
        r = run("replay", self.day, "--resume", path)
        self.assertEqual(r.returncode, 2)
        return r.stderr

    def sections(self):
        """(tag, offset of header, payload length) of each binary section."""
        out, off = [], 16
        while off < len(self.raw):
            tag = self.raw[off:off + 4].decode()
            n = struct.unpack_from("<Q", self.raw, off + 8)[0]
            out.append((tag, off, n))
            off += 16 + n + 8
        return out

    def test_good_ones_load(self):
        for p in (self.bin, self.json):
            r = run("snapshot", "show", p)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("after 9000 messages", r.stdout)
        self.assertEqual(run("diff", self.bin, self.json).returncode, 0)

    def test_truncated_everywhere(self):
        secs = self.sections()
        # taken with health (the default): version 2, the health state in a fourth section
        self.assertEqual([s[0] for s in secs], ["META", "INST", "ORDR", "HLTH"])
        points = [0, 7, 15, 16 + 3]
        for tag, off, n in secs:
            points += [off + 8, off + 16 + n // 2, off + 16 + n + 4]
        for cut in points:
            with self.subTest(cut=cut):
                p = self.write("trunc.snap", self.raw[:cut])
                err = self.refused(p)
                self.assertTrue("truncated" in err or "not a Blanc snapshot" in err, err)

    def test_version(self):
        bad = bytearray(self.raw)
        struct.pack_into("<I", bad, 8, 4)
        self.refused(self.write("v4.snap", bytes(bad)), "version 4", "header")
        # version 1 has no health section: its 3 sections, not 4
        struct.pack_into("<I", bad, 8, 1)
        self.refused(self.write("v1.snap", bytes(bad)), "4 sections, version 1 has 3", "header")
        with open(self.json) as f:
            doc = json.load(f)
        doc["version"] = 7
        self.refused(self.write("v7.json", json.dumps(doc)), "version 7")

    def test_checksum_each_section(self):
        for tag, off, n in self.sections():
            if n == 0:
                continue
            with self.subTest(section=tag):
                bad = bytearray(self.raw)
                bad[off + 16 + n // 2] ^= 0x40
                self.refused(self.write("flip.snap", bytes(bad)), "checksum mismatch", tag)

    def test_trailing_bytes(self):
        self.refused(self.write("tail.snap", self.raw + b"\0"), "unexpected bytes", "trailer")

    def test_hand_edited_json(self):
        with open(self.json) as f:
            doc = json.load(f)
        book = next(b for b in doc["books"] if b["bids"])
        book["bids"][0][1][0][1] += 1  # one more share on the first bid
        self.refused(self.write("edit.json", json.dumps(doc)), "l3 digest", "state")
        with open(self.json) as f:
            doc = json.load(f)
        book = next(b for b in doc["books"] if len(b["bids"]) > 1)
        book["bids"][0], book["bids"][1] = book["bids"][1], book["bids"][0]
        self.refused(self.write("order.json", json.dumps(doc)), "out of order")
        with open(self.json) as f:
            doc = json.load(f)
        book = next(b for b in doc["books"] if b["asks"])
        book["asks"][0][1].append(list(book["asks"][0][1][0]))
        self.refused(self.write("dup.json", json.dumps(doc)), "appears twice")
        with open(self.json) as f:
            doc = json.load(f)
        del doc["replay"]["messages"]
        self.refused(self.write("missing.json", json.dumps(doc)), "replay.messages", "missing")
        self.refused(self.write("broken.json", "{\"books\": ["), "json", "line 1")

    def test_not_a_snapshot(self):
        r = run("snapshot", "show", self.day)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a Blanc snapshot", r.stderr)

    def test_other_input_refused_unless_forced(self):
        r = run("replay", self.other, "--resume", self.bin)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not the one the snapshot was taken from", r.stderr)
        self.assertIn("--force", r.stderr)
        r = run("replay", self.other, "--resume", self.bin, "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.day, "rb") as f:
            short = self.write("short.itch", f.read()[:1000])
        self.assertEqual(run("replay", short, "--resume", self.bin).returncode, 2)

    def test_framing_conflict(self):
        r = run("replay", self.day, "--resume", self.bin, "--framing", "fixed")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--framing binaryfile", r.stderr)

    def test_cut_past_the_end(self):
        # The size proves it (613 kB hold at most 204,363 frames): refused
        # before replaying, nothing printed on stdout, no folder made.
        late = os.path.join(self.tmp.name, "late")
        r = run("replay", self.day, "--snapshot-at", 10**9, "--snapshot-out", late)
        self.assertEqual(r.returncode, 2)
        self.assertIn("past the end", r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertFalse(os.path.exists(late))
        # Only the replay can tell (within the size bound, past the last
        # message): exit 2, and the snapshot it did take is not kept either.
        r = run("replay", self.day, "--snapshot-at", 100, "--snapshot-at", 150000,
                "--snapshot-out", late)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no snapshot at message 150000: the input ended after", r.stderr)
        self.assertFalse(os.path.exists(late))
        # Before a resumed snapshot's position: refused up front.
        r = run("replay", self.day, "--resume", self.bin, "--snapshot-at", 10,
                "--snapshot-out", late)
        self.assertEqual(r.returncode, 2)
        self.assertIn("before the snapshot's position", r.stderr)
        self.assertFalse(os.path.exists(late))


class Show(unittest.TestCase):
    def test_ladder_matches_replay(self):
        with tempfile.TemporaryDirectory() as t:
            day = os.path.join(t, "d.itch")
            run("gen", "--seed", 8, "--messages", 30000, "--symbols", 4, "-o", day)
            out = os.path.join(t, "s")
            run("replay", day, "--snapshot-at", "end", "--snapshot-out", out)
            full = replay_json(day, "--symbol", "AAA", "--depth", 3)
            sym = json.loads(run("snapshot", "show", os.path.join(out, "snap-end.snap"),
                                 "--json", "--depth", 3).stdout)
            self.assertEqual(sym["digests"]["l3"], full["digests"]["l3"])
            for name, book in sym["books"].items():
                again = replay_json(day, "--symbol", name, "--depth", 3)["books"][name]
                self.assertEqual(book, again)

    def test_unnamed_symbol_is_left_out(self):
        # An R whose stock is 8 spaces has no name to look up; `show` lists the busiest
        # instruments it can name (here AB, one order) and no "not in the stock directory".
        def frame(m):
            return struct.pack(">H", len(m)) + m

        def head(t, loc):
            return t + struct.pack(">HH", loc, 0) + (34200 * 10**9).to_bytes(6, "big")

        def r(loc, sym):
            return frame(head(b"R", loc) + sym.ljust(8).encode() + b"QN" +
                         struct.pack(">I", 100) + b"NC  PN 1N" + struct.pack(">I", 0) + b"N")

        def add(loc, ref, px):
            return frame(head(b"A", loc) + struct.pack(">QcI", ref, b"B", 100) + b"SYM     " +
                         struct.pack(">I", px))

        data = r(1, "") + r(2, "AB") + b"".join(add(1, i + 1, 10000 + i) for i in range(5))
        data += add(2, 100, 5000)
        with tempfile.TemporaryDirectory() as t:
            day = os.path.join(t, "blank.itch")
            with open(day, "wb") as f:
                f.write(data)
            out = os.path.join(t, "s")
            self.assertEqual(run("replay", day, "--snapshot-at", "end",
                                 "--snapshot-out", out).returncode, 0)
            r = run("snapshot", "show", os.path.join(out, "snap-end.snap"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("instruments  2, live orders 6", r.stdout)
            self.assertIn("AB (locate 2", r.stdout)
            self.assertNotIn("not in the stock directory", r.stdout)


if __name__ == "__main__":
    unittest.main()
