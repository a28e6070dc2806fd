#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""SoupBinTCP in a pcap end to end (docs/FEEDS.md "SoupBinTCP in a capture").

`blanc gen --format soupbintcp-pcap` writes the day as one TCP connection. Debian's
tshark is the independent check of the capture: the server->client bytes it reassembles
(`-z follow,tcp,raw`) must be the SoupBinTCP byte stream `gen --format soupbintcp` writes
for the same day, byte for byte, and its TCP analysis must flag exactly the retransmitted
and reordered segments the generator reports. Then `blanc replay` of the capture (plain
and .gz, clean and with retransmissions and reordering, resumed from mid-run snapshots)
must give the BinaryFILE's l3/l2/stream digests, count the retransmissions as duplicates,
and a capture holding MoldUDP64 too replays MoldUDP64 unless --channel names the server.

Run: BLANC_BIN=build/blanc /usr/bin/python3 tests/tcp_capture_test.py
"""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
DAY = ["--seed", "11", "--messages", "3000", "--session", "30"]
SERVER = "10.0.0.1:26477"


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def gen(tmp, name, *extra):
    path = os.path.join(tmp, name)
    hb = ["--heartbeat", "0"] if "--format" in extra else []
    r = run("gen", *DAY, *hb, *extra, "-o", path, "--manifest", path + ".manifest")
    assert r.returncode == 0, r.stderr
    with open(path + ".manifest") as f:
        kinds = [json.loads(l) for l in f]
    tr = [k for k in kinds if k.get("kind") == "transport"]
    return path, (tr[0] if tr else None)


def replay(*args):
    r = run("replay", "--json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def server_bytes(path):
    """tshark's reassembly of the server's direction of TCP stream 0."""
    r = subprocess.run(["tshark", "-r", path, "-q", "-z", "follow,tcp,raw,0"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    nodes = [l for l in lines if l.startswith("Node ")]
    # Node 0 is the side that sent first (the client's SYN): its data lines have no tab.
    assert nodes[1].endswith(SERVER), nodes
    data = [l[1:] for l in lines if l.startswith("\t") and l.strip()]
    return bytes.fromhex("".join(data))


def tshark_analysis(path):
    r = subprocess.run(["tshark", "-r", path, "-o", "tcp.check_checksum:TRUE", "-T", "fields",
                        "-e", "tcp.srcport", "-e", "tcp.len", "-e", "tcp.analysis.retransmission",
                        "-e", "tcp.analysis.out_of_order", "-e", "tcp.checksum.status",
                        "-e", "ip.checksum.status", "-o", "ip.check_checksum:TRUE"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    retr = ooo = bad = 0
    for line in r.stdout.splitlines():
        port, n, re_, oo, tcs, ics = line.split("\t")
        bad += tcs != "1" or ics != "1"  # 1: good (0 bad, 2 unverified)
        if port == "26477" and int(n) > 0:
            retr += re_ != ""
            ooo += oo != ""
    return retr, ooo, bad


class TcpCapture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="blanc-tcp-")
        t = cls.tmp
        cls.itch, _ = gen(t, "day.itch")
        cls.soup, _ = gen(t, "day.soup", "--format", "soupbintcp")
        cls.clean, cls.clean_tr = gen(t, "clean.pcap", "--format", "soupbintcp-pcap")
        cls.lossy, cls.lossy_tr = gen(t, "lossy.pcap", "--format", "soupbintcp-pcap",
                                      "--retransmit-packets", "0.05", "--reorder-packets", "0.05",
                                      "--payload", "300")
        cls.ref = replay(cls.itch)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def same_books(self, got):
        for k in ("l3", "l2", "stream"):
            self.assertEqual(got["digests"][k], self.ref["digests"][k], k)
        self.assertEqual(got["messages"], self.ref["messages"])

    def test_tshark_reassembles_the_soup_stream(self):
        with open(self.soup, "rb") as f:
            soup = f.read()
        for cap in (self.clean, self.lossy):
            self.assertEqual(server_bytes(cap), soup, cap)

    def test_tshark_sees_the_faults_the_generator_wrote(self):
        self.assertEqual(tshark_analysis(self.clean), (0, 0, 0))
        tr = self.lossy_tr
        self.assertGreater(tr["retransmitted_packets"], 10)
        self.assertGreater(tr["reordered_packets"], 10)
        self.assertEqual(tshark_analysis(self.lossy),
                         (tr["retransmitted_packets"], tr["reordered_packets"], 0))

    def test_replay_equals_the_binaryfile(self):
        for cap in (self.clean, self.lossy):
            gz = cap + ".gz"
            with open(cap, "rb") as a, gzip.open(gz, "wb") as b:
                b.write(a.read())
            for path in (cap, gz):
                got = replay(path)
                self.same_books(got)
                t = got["transport"]
                self.assertEqual((t["messages"], t["sessions"], t["gaps"], t["bad_packets"]),
                                 (self.ref["messages"], 1, 0, 0), path)
                tr = self.clean_tr if cap == self.clean else self.lossy_tr
                self.assertEqual(t["duplicates"], tr.get("retransmitted_packets", 0), path)
                self.assertEqual(t["out_of_order"] > 0, cap == self.lossy)
                self.assertEqual(got["anomalies_total"], 0)

    def test_resume_mid_stream(self):
        whole = replay(self.lossy)
        for cut in (5, 1234, 2999):
            snaps = os.path.join(self.tmp, "snaps-%d" % cut)
            r = run("replay", self.lossy, "--snapshot-at", str(cut), "--snapshot-out", snaps)
            self.assertEqual(r.returncode, 0, r.stderr)
            got = replay(self.lossy, "--resume", os.path.join(snaps, "snap-i%d.snap" % cut))
            for k in ("l3", "l2", "stream", "input"):
                self.assertEqual(got["digests"][k], whole["digests"][k], (cut, k))
            self.assertEqual(got["transport"], whole["transport"], cut)

    def test_capture_info_and_dump(self):
        r = run("capture", "info", "--json", self.lossy)
        self.assertEqual(r.returncode, 0, r.stderr)
        info = json.loads(r.stdout)
        tcp = info["tcp"]
        self.assertEqual((tcp["server"], tcp["client"], tcp["session"]),
                         (SERVER, "10.0.0.2:50000", "BLANC00001"))
        self.assertEqual((tcp["messages"], tcp["first_seq"], tcp["last_seq"], tcp["ended"]),
                         (3000, 1, 3000, True))
        self.assertEqual(tcp["retransmits"], self.lossy_tr["retransmitted_packets"])
        self.assertEqual(info["sessions"], [])
        r = run("capture", "info", self.lossy)
        self.assertIn("tcp %s -> 10.0.0.2:50000 SoupBinTCP session 'BLANC00001'" % SERVER,
                      r.stdout)
        r = run("dump", self.lossy)
        self.assertEqual(r.returncode, 0, r.stderr)
        recs = [json.loads(l) for l in r.stdout.splitlines()]
        self.assertEqual(len(recs), 3000)
        self.assertEqual([m["seq"] for m in recs], list(range(1, 3001)))
        self.assertEqual({m["session"] for m in recs}, {"BLANC00001"})
        self.assertTrue(all(m["packet"] > 4 for m in recs))  # after the handshake and login

    def test_mixed_capture_moldudp64_wins_unless_selected(self):
        mold, _ = gen(self.tmp, "other.pcap", "--format", "moldudp64-pcap", "--seed", "12")
        mixed = os.path.join(self.tmp, "mixed.pcap")
        r = subprocess.run(["mergecap", "-F", "pcap", "-w", mixed, mold, self.clean],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        m = replay(mold)
        got = replay(mixed)
        for k in ("l3", "l2", "stream"):
            self.assertEqual(got["digests"][k], m["digests"][k], k)
        got = replay(mixed, "--channel", SERVER)
        self.same_books(got)
        self.assertEqual(got["transport"]["messages"], 3000)
        r = run("replay", mixed, "--channel", "10.9.9.9:1")
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
