#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""SoupBinTCP end to end: the bundled days written as SoupBinTCP streams (each
message an 'S' packet, with login accepted, heartbeats and end of session, laid
out by hand from the SoupBinTCP 3.00 packet format, not by Blanc) replay to the
same l3/l2/stream digests as the BinaryFILE they came from, from a file, from
stdin and gzip-compressed.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/soup_test.py
"""
import gzip
import json
import os
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")


def frames(b):
    i = 0
    while i + 2 <= len(b):
        n = struct.unpack(">H", b[i:i + 2])[0]
        if n == 0:
            break
        yield b[i + 2:i + 2 + n]
        i += 2 + n


def pkt(t, payload=b""):
    return struct.pack(">H", len(payload) + 1) + t + payload


def soup(binaryfile, first_seq=1, session=b"SAMPLE"):
    out = [pkt(b"A", b"%10s%20d" % (session, first_seq))]
    n = 0
    for n, m in enumerate(frames(binaryfile), 1):
        out.append(pkt(b"S", m))
        if n % 1000 == 0:
            out.append(pkt(b"H"))
            out.append(pkt(b"+", b"debug %d" % n))
    out.append(pkt(b"Z"))
    return b"".join(out), n


def replay(path, stdin=None):
    r = subprocess.run([BIN, "replay", path, "--json"], capture_output=True, input=stdin)
    if r.returncode != 0:
        raise AssertionError("blanc replay %s: exit %d: %s" % (path, r.returncode, r.stderr.decode()))
    return json.loads(r.stdout)


class SoupReplay(unittest.TestCase):
    def check_day(self, binaryfile):
        with tempfile.TemporaryDirectory() as d:
            itch = os.path.join(d, "day.itch")
            with open(itch, "wb") as f:
                f.write(binaryfile)
            stream, n = soup(binaryfile)
            path = os.path.join(d, "day.soup")
            with open(path, "wb") as f:
                f.write(stream)
            with gzip.open(path + ".gz", "wb") as f:
                f.write(stream)
            ref = replay(itch)
            self.assertEqual(ref["messages"], n)
            for j in (replay(path), replay("-", stdin=stream), replay(path + ".gz")):
                self.assertEqual(j["digests"]["l3"], ref["digests"]["l3"])
                self.assertEqual(j["digests"]["l2"], ref["digests"]["l2"])
                self.assertEqual(j["digests"]["stream"], ref["digests"]["stream"])
                self.assertEqual(j["messages"], n)
                if "framing" in j:
                    self.assertEqual(j["framing"], "soupbintcp")
                if "transport" in j:
                    self.assertEqual(j["transport"]["messages"], n)
                    self.assertEqual(j["transport"]["sessions"], 1)

    def test_snapshot_resumes(self):
        """A snapshot of a SoupBinTCP replay (the feed's state in its FEED
        section) resumes to the uninterrupted end, plain and gzipped."""
        with open(RITCH, "rb") as f:
            binaryfile = f.read()
        stream, n = soup(binaryfile)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "day.soup")
            with open(path, "wb") as f:
                f.write(stream)
            with gzip.open(path + ".gz", "wb") as f:
                f.write(stream)
            for p in (path, path + ".gz"):
                whole = replay(p)
                snaps = os.path.join(d, "snaps-" + os.path.basename(p))
                for cut in ("1", "4321", str(n - 1)):
                    r = subprocess.run([BIN, "replay", p, "--snapshot-at", cut, "--snapshot-out", snaps],
                                       capture_output=True)
                    self.assertEqual(r.returncode, 0, r.stderr.decode())
                files = sorted(os.listdir(snaps))
                self.assertEqual(len(files), 3, files)
                for snap in files:
                    r = subprocess.run([BIN, "replay", p, "--resume", os.path.join(snaps, snap), "--json"],
                                       capture_output=True)
                    self.assertEqual(r.returncode, 0, r.stderr.decode())
                    j = json.loads(r.stdout)
                    self.assertEqual(j["digests"], whole["digests"])
                    self.assertEqual(j["messages"], n)

    def test_ritch_day(self):
        with open(RITCH, "rb") as f:
            self.check_day(f.read())

    def test_sample_day(self):
        day = subprocess.run(["zstd", "-dc", SAMPLE], capture_output=True, check=True).stdout
        self.check_day(day)

    def test_resync_through_debug_shaped_bytes(self):
        """After damage the stream looks for a boundary byte by byte; bytes shaped like long
        debug packets ('+' runs, each cut by a byte that is not printable) are judged once,
        not once a position (a speed-up the verdicts must not see). By hand: no position
        starts a plausible packet until the real debug packet after the runs (then an 'S'
        and the end of session), so the runs are one damage and the 'S' comes out."""
        with open(RITCH, "rb") as f:
            first = next(iter(frames(f.read())))
        runs = b"".join(b"\x80" + b"+" * 3000 for _ in range(20))
        tail = pkt(b"+", b"resynced here") + pkt(b"S", first) + pkt(b"Z")
        body = pkt(b"A", b"%10s%20d" % (b"SAMPLE", 1)) + b"\xff\xff\xff" + runs + tail
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "runs.soup")
            with open(path, "wb") as f:
                f.write(body)
            r = subprocess.run([BIN, "replay", path, "--framing", "soupbintcp", "--json"],
                               capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            j = json.loads(r.stdout)
            self.assertEqual(j["messages"], 1)
            self.assertEqual(j["transport"]["bad_packets"], 1)
            self.assertEqual(j["transport"]["skipped"], 1)  # the debug packet, after the resync

    def test_the_binaryfile_is_not_taken_for_soup(self):
        j = replay(RITCH)
        if "framing" in j:
            self.assertEqual(j["framing"], "binaryfile")


if __name__ == "__main__":
    unittest.main()
