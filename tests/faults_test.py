#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Faults in the environment end in a clear error, not a signal (issue "Hardening"):
an input truncated while it is mapped, temp files a killed run left behind, and a
snapshot that cannot name its input.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. /usr/bin/python3 tests/faults_test.py
"""
import glob
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True)


class Faults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        r = run("gen", "--seed", 3, "--messages", "3M", "--symbols", 50, "-o", cls.day)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def fresh(self, name):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        return d, os.path.join(d, name)

    def test_input_truncated_while_mapped(self):
        """Another process truncates the plain input mid-replay: exit 2 with the
        offset, no core, no output and no temp file left (it used to be SIGBUS,
        exit 135, and a temp file behind)."""
        d, inp = self.fresh("victim.itch")
        with open(self.day, "rb") as f, open(inp, "wb") as g:
            g.write(f.read())
        size = os.path.getsize(inp)
        out = os.path.join(d, "out.csv")
        p = subprocess.Popen([BIN, "replay", inp, "--emit", "l3", "--format", "csv", "-o", out],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        # Wait until the replay has started writing (its temp file grows),
        # then cut the input to a fifth: the replay is then far before the end.
        deadline = time.time() + 30
        while time.time() < deadline:
            tmps = glob.glob(out + ".tmp-*")
            if tmps and os.path.getsize(tmps[0]) > 0:
                break
            time.sleep(0.002)
        os.truncate(inp, size // 5)
        _, err = p.communicate(timeout=60)
        err = err.decode()
        if p.returncode == 0:
            self.skipTest("the replay finished before the truncation")
        self.assertEqual(p.returncode, 2, err)
        self.assertIn("%s: the file was truncated while being read (a read at byte" % inp, err)
        at = int(err.split("a read at byte ")[1].split(" ")[0])
        self.assertGreaterEqual(at, size // 5 - 4096)   # the first byte gone, to the page
        self.assertLess(at, size)
        self.assertEqual(os.listdir(d), ["victim.itch"])

    def test_temp_files_of_killed_runs_are_removed_by_the_next(self):
        d, out = self.fresh("bbo.jsonl")
        p = subprocess.Popen([BIN, "replay", self.day, "--emit", "l3", "-o", out],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while time.time() < deadline and not glob.glob(out + ".tmp-*"):
            time.sleep(0.002)
        p.send_signal(signal.SIGKILL)
        p.wait()
        stale = glob.glob(out + ".tmp-*")
        self.assertEqual(len(stale), 1)
        host = "".join(c if c.isalnum() else "_" for c in socket.gethostname())
        self.assertTrue(os.path.basename(stale[0]).startswith(
            "bbo.jsonl.tmp-%s-%d." % (host, p.pid)), stale)
        # A temp file of a live process and one of another host stay.
        alive = out + ".tmp-%s-%d.abcdef" % (host, os.getpid())
        other = out + ".tmp-otherhost-%d.abcdef" % p.pid
        for f in (alive, other):
            open(f, "w").close()
        r = run("replay", self.day, "--emit", "bbo", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(d)),
                         sorted(["bbo.jsonl", os.path.basename(alive), os.path.basename(other)]))

    def test_resume_without_an_input_digest_needs_force(self):
        d, snaps = self.fresh("s")
        r = run("replay", self.day, "--no-input-digest", "--snapshot-at", 1000, "--snapshot-out",
                snaps)
        self.assertEqual(r.returncode, 0, r.stderr)
        snap = os.path.join(snaps, "snap-i1000.snap")
        noise = os.path.join(d, "noise.itch")
        with open(noise, "wb") as f:
            f.write(os.urandom(1 << 20))
        for inp in (noise, self.day):
            r = run("replay", inp, "--resume", snap)
            self.assertEqual(r.returncode, 2, inp)
            err = r.stderr.decode()
            self.assertIn("no input digest", err)
            self.assertIn("--force", err)
        r = run("replay", self.day, "--resume", snap, "--force", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["messages"], 3000000)


if __name__ == "__main__":
    unittest.main()
