#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Captures end to end: small pcap/pcapng files written here (tests/pcap.py, from the
format documents) read by `blanc capture info`. Debian's tshark is the independent check:
its MoldUDP64 dissector's per-packet session, sequence number and count must equal
`blanc capture info --packets` on every capture. Per-session numbers (gaps and their
ranges, duplicates) are derived by hand from how each capture is built.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. /usr/bin/python3 tests/capture_test.py
"""
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap as P  # noqa: E402

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
PORT = 26477
GROUP = "233.54.12.111"
T0 = 1764597600 * 10**9  # 2025-12-01T14:00:00Z


def run(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def tshark_rows(path):
    """frame number -> (session, seq, count) for the frames tshark decodes as MoldUDP64."""
    r = subprocess.run(["tshark", "-r", path, "-d", "udp.port==%d,moldudp64" % PORT, "-T",
                        "fields", "-e", "frame.number", "-e", "moldudp64.session", "-e",
                        "moldudp64.sequence", "-e", "moldudp64.count"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    rows = {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        if len(f) == 4 and f[1]:
            rows[int(f[0])] = (f[1].rstrip(), int(f[2]), int(f[3]))
    return rows


def blanc_rows(path):
    """The same from blanc, for the packets to PORT; and every packet's kind."""
    r = run("capture", "info", "--packets", path)
    assert r.returncode == 0, r.stderr
    rows, kinds = {}, {}
    for line in r.stdout.splitlines():
        f = line.split("\t")
        n = int(f[0])
        if len(f) == 5:
            kinds[n] = "moldudp64"
            if f[1].endswith(":%d" % PORT):
                rows[n] = (f[2], int(f[3]), int(f[4]))
        else:
            kinds[n] = f[1] if len(f) == 2 else f[2]
    return rows, kinds


def udp_frame(linktype, payload, dport=PORT, sport=40000, vlans=(), frag=0, options=b"",
              group=GROUP):
    ip = P.ipv4("10.1.1.1", group, 17, P.udp(sport, dport, payload), frag=frag, options=options)
    return P.link_frame(linktype, ip, vlans=vlans)


def msgs(seq, n):
    """n fake messages; the walker and tshark only frame them."""
    return [b"S" + seq.to_bytes(8, "big") + bytes([i]) for i in range(n)]


def mold_frames(linktype=P.LINKTYPE_ETHERNET, vlans=()):
    """Session ABC: seq 1 (3 msgs), 4 (2), heartbeat at 6, a gap (6..8 lost), 9 (1),
    9 again (duplicate), end of session at 10."""
    spec = [(1, 3), (4, 2), (6, 0), (9, 1), (9, 1)]
    out = []
    for i, (seq, n) in enumerate(spec):
        out.append(P.Frame(udp_frame(linktype, P.mold("ABC", seq, msgs(seq, n)), vlans=vlans),
                           T0 + i * 1000 + 7))
    out.append(P.Frame(udp_frame(linktype, P.mold("ABC", 10, [], count=0xFFFF), vlans=vlans),
                       T0 + 9000 + 7))
    return out


class Captures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def write(self, name, data):
        p = os.path.join(self.tmp, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def agree(self, path, expect_rows=None, tshark_path=None):
        """blanc and tshark list the same MoldUDP64 packets; returns blanc's kinds."""
        rows, kinds = blanc_rows(path)
        ts = tshark_rows(tshark_path or path)
        self.assertEqual(rows, ts)
        if expect_rows is not None:
            self.assertEqual(len(rows), expect_rows)
        return kinds

    def info(self, path):
        r = run("capture", "info", "--json", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def check_abc(self, path, packets=6, **totals):
        j = self.info(path)
        self.assertEqual(len(j["sessions"]), 1)
        s = j["sessions"][0]
        self.assertEqual(s["channel"], "%s:%d" % (GROUP, PORT))
        self.assertEqual(s["session"], "ABC")
        self.assertEqual(s["packets"], 6)
        self.assertEqual(s["messages"], 7)  # carried on the line: 3 + 2 + 1 + 1 (9 twice)
        self.assertEqual(s["first_seq"], 1)
        self.assertEqual(s["gaps"], 1)
        self.assertEqual(s["lost_messages"], 3)
        self.assertEqual(s["gap_ranges"], [[6, 8]])
        self.assertEqual(s["duplicates"], 1)
        self.assertEqual(s["heartbeats"], 1)
        self.assertTrue(s["ended"])
        self.assertEqual(j["packets"]["total"], packets)
        for k, v in totals.items():
            self.assertEqual(j["packets"][k], v, k)
        return j

    def test_ethernet_vlan_stacked(self):
        frames = mold_frames()
        # the same session behind one tag, and behind 802.1ad + 802.1Q (QinQ)
        frames[1] = P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 4, msgs(4, 2)),
                                      vlans=[(0x8100, 12)]), frames[1].ts_ns)
        frames[3] = P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 9, msgs(9, 1)),
                                      vlans=[(0x88A8, 100), (0x8100, 200)]), frames[3].ts_ns)
        p = self.write("vlan.pcap", P.pcap(frames))
        self.agree(p, expect_rows=6)
        j = self.check_abc(p, udp=6, damaged=0)
        self.assertEqual(j["sessions"][0]["first_ts_ns"], (T0 + 7) // 1000 * 1000)  # us file

    def test_linux_cooked(self):
        for lt, name in ((P.LINKTYPE_LINUX_SLL, "sll"), (P.LINKTYPE_LINUX_SLL2, "sll2"),
                         (P.LINKTYPE_RAW, "raw")):
            with self.subTest(name):
                p = self.write(name + ".pcap", P.pcap(mold_frames(lt), linktype=lt))
                self.agree(p, expect_rows=6)
                self.check_abc(p)

    def test_nanosecond_and_big_endian(self):
        p = self.write("ns.pcap", P.pcap(mold_frames(), nano=True, big_endian=True))
        self.agree(p, expect_rows=6)
        j = self.check_abc(p)
        self.assertEqual(j["sessions"][0]["first_ts_ns"], T0 + 7)
        self.assertEqual(j["sessions"][0]["last_ts_ns"], T0 + 9007)

    def test_pcapng(self):
        p = self.write("a.pcapng", P.pcapng(mold_frames(), comment_every=2))
        self.agree(p, expect_rows=6)
        j = self.check_abc(p)
        self.assertEqual(j["sessions"][0]["first_ts_ns"], T0 + 7)

    def test_compressed(self):
        plain = P.pcap(mold_frames(), nano=True)
        ref = self.write("c.pcap", plain)
        gz = self.write("c.pcap.gz", gzip.compress(plain))
        zst = os.path.join(self.tmp, "c.pcap.zst")
        subprocess.run(["zstd", "-q", "-f", ref, "-o", zst], check=True)
        for p in (gz, zst):
            with self.subTest(p):
                self.agree(p, expect_rows=6, tshark_path=ref)
                self.check_abc(p)

    def test_damaged_and_skipped(self):
        frames = mold_frames()
        ts = T0 + 50000
        whole = udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 3, msgs(3, 1)))
        extra = [
            # cut by the snap length inside the UDP header: neither reader can see MoldUDP64
            P.Frame(whole, ts, caplen=14 + 20 + 4),
            # a first fragment (MF) and a later one (offset 185 * 8)
            P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 3, msgs(3, 1)), frag=0x2000),
                    ts + 1),
            P.Frame(udp_frame(P.LINKTYPE_ETHERNET, b"x" * 40, frag=185), ts + 2),
            # IPv4 with options, valid: a duplicate of 4-5
            P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 4, msgs(4, 2)),
                              options=b"\x01\x01\x01\x00"), ts + 3),
            # ARP, TCP, IPv6: not UDP
            P.Frame(P.link_frame(P.LINKTYPE_ETHERNET, b"\0" * 28, ethertype=0x0806), ts + 4),
            P.Frame(P.link_frame(P.LINKTYPE_ETHERNET, P.ipv4("10.1.1.1", "10.1.1.2", 6, P.tcp(
                40001, 9000, 1, b"hello"))), ts + 5),
            P.Frame(P.link_frame(P.LINKTYPE_ETHERNET, b"\x60" + b"\0" * 39, ethertype=0x86DD),
                    ts + 6),
            # UDP to another port: another channel (the same session name)
            P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 1, msgs(1, 1)), dport=5353),
                    ts + 7),
        ]
        frames = frames[:2] + extra + frames[2:]
        p = self.write("mixed.pcap", P.pcap(frames))
        kinds = self.agree(p, expect_rows=7)
        self.assertEqual([kinds[n] for n in range(3, 11)],
                         ["damaged: IPv4 packet cut by the snap length", "damaged: IP fragment",
                          "damaged: IP fragment", "moldudp64", "other", "tcp", "other",
                          "moldudp64"])
        j = self.info(p)
        self.assertEqual(j["packets"], {"total": 14, "udp": 8, "tcp": 1, "other": 2,
                                        "damaged": 3})
        main = [s for s in j["sessions"] if s["channel"].endswith(":%d" % PORT)]
        self.assertEqual(len(main), 1)
        self.assertEqual(main[0]["duplicates"], 3)  # 4, 5 (with options) and 9
        self.assertEqual(main[0]["gap_ranges"], [[6, 8]])
        self.assertEqual(len(j["sessions"]), 2)

    def test_truncated_file(self):
        data = P.pcap(mold_frames())
        p = self.write("cut.pcap", data[:-10])
        r = run("capture", "info", p)
        self.assertEqual(r.returncode, 2)
        self.assertIn("packet 6", r.stderr)
        self.assertIn("truncated", r.stderr)
        self.assertIn("5 packets", r.stdout)  # what came before is shown
        r = run("capture", "info", self.write("junk.pcap", b"\x00\x2e" * 20))
        self.assertEqual(r.returncode, 2)
        self.assertIn("not a capture", r.stderr)

    def test_replay_selection(self):
        p = self.write("sel.pcap", P.pcap(mold_frames(), nano=True))
        r = run("replay", "--json", p, "--session", "ABC", "--channel", "%s:%d" % (GROUP, PORT))
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["framing"], "pcap")
        # delivered 1-5 and 9; 6-8 lost (one gap), the second 9 a duplicate, 1 heartbeat
        self.assertEqual({k: j["transport"][k] for k in ("packets", "messages", "sessions", "gaps",
                                                        "lost_messages", "duplicates",
                                                        "heartbeats")},
                         {"packets": 6, "messages": 6, "sessions": 1, "gaps": 1,
                          "lost_messages": 3, "duplicates": 1, "heartbeats": 1})
        self.assertTrue(j["ended_by_session_marker"])
        r = run("replay", p)
        self.assertIn("transport    6 packets, 6 messages, 1 sessions, 1 gaps (3 messages lost)",
                      r.stdout)
        r = run("replay", p, "--session", "NOPE")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no such session or channel in the capture", r.stderr)
        r = run("replay", p, "--channel", "233.54.12:1")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--channel wants GROUP:PORT", r.stderr)

    def test_unsequenced_warns_once(self):
        """Sequence number 0 (anonymized captures): the messages replay in capture order,
        nothing is counted as a gap or copy, and stderr says so once."""
        day = os.path.join(SRC, "data", "sample-day.itch.zst")
        data = subprocess.run(["zstd", "-dc", day], capture_output=True, check=True).stdout
        pkts = P.packetize(P.binaryfile_messages(data))[:40]
        frames = [P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ANON", 0, ms)), T0 + i * 1000)
                  for i, (_, ms) in enumerate(pkts)]
        p = self.write("anon.pcap", P.pcap(frames, nano=True))
        r = run("replay", "--json", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        t = json.loads(r.stdout)["transport"]
        self.assertEqual(t["messages"], sum(len(ms) for _, ms in pkts))
        self.assertEqual((t["gaps"], t["duplicates"], t["out_of_order"]), (0, 0, 0))
        warn = [ln for ln in r.stderr.splitlines() if "sequence number 0" in ln]
        self.assertEqual(len(warn), 1, r.stderr)
        self.assertIn("anon.pcap: warning:", warn[0])
        # a sequenced capture does not warn
        r = run("replay", self.write("seq.pcap", P.pcap(mold_frames(), nano=True)))
        self.assertNotIn("sequence number 0", r.stderr)

    def test_bogus_record_names_its_byte(self):
        """A record libpcap cannot read on from (a capture length past the snap length):
        replay stops with exit 2 naming the record's packet number and byte (not where the
        messages ended) and libpcap's reason, in libpcap 1.10's words (savefile.c)."""
        frames = mold_frames()
        data = bytearray(P.pcap(frames, nano=True))
        at = 24 + 16 + len(frames[0].data) + 16 + len(frames[1].data)  # third record
        data[at + 8:at + 12] = (0x00ffffff).to_bytes(4, "little")
        p = self.write("bogus.pcap", bytes(data))
        r = run("replay", p)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("after 5 messages; packet 3, record at byte %d: invalid packet capture "
                      "length 16777215, bigger than snaplen of 65535" % at, r.stderr)

    def test_text(self):
        p = self.write("t.pcap", P.pcap(mold_frames(), nano=True))
        r = run("capture", "info", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("channel %s:%d session 'ABC': 6 packets, 7 messages" % (GROUP, PORT),
                      r.stdout)
        self.assertIn("  gap 6..8\n", r.stdout)
        self.assertIn("2025-12-01T14:00:00.000000007Z", r.stdout)

    def test_late_packet(self):
        """Seq 2 held up behind 68 later packets (the default window holds 64): 2 is declared
        lost, and when it comes it is late, not a duplicate, and stays lost; with a window of
        100 it is only out of order. Counted by hand from the frames below."""
        spec = [1] + list(range(3, 71)) + [2]
        frames = [P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", q, msgs(q, 1))),
                          T0 + i * 1000) for i, q in enumerate(spec)]
        frames.append(P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("ABC", 71, [], count=0xFFFF)),
                              T0 + 99000))
        p = self.write("late.pcap", P.pcap(frames, nano=True))
        r = run("replay", "--json", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        t = json.loads(r.stdout)["transport"]
        self.assertEqual((t["messages"], t["gaps"], t["lost_messages"], t["late"],
                          t["duplicates"], t["out_of_order"]), (69, 1, 1, 1, 0, 0))
        r = run("replay", p)
        self.assertIn("1 gaps (1 messages lost, 1 came late), 0 duplicates", r.stdout)
        r = run("replay", "--json", p, "--reorder-window", "100")
        t = json.loads(r.stdout)["transport"]
        self.assertEqual((t["messages"], t["gaps"], t["lost_messages"], t["late"],
                          t["duplicates"], t["out_of_order"]), (70, 0, 0, 0, 0, 1))
        r = run("capture", "info", "--json", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        (sess,) = json.loads(r.stdout)["sessions"]
        self.assertEqual((sess["gaps"], sess["lost_messages"], sess["late"], sess["duplicates"]),
                         (1, 1, 1, 0))
        r = run("capture", "info", p)
        self.assertIn("gaps 1 (1 messages lost, 1 came late), duplicates 0", r.stdout)
        r = run("replay", p, "--reorder-window", "0")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--reorder-window wants a number from 1 to 4096", r.stderr)


class SameBooks(unittest.TestCase):
    """The bundled sample day as a MoldUDP64 capture replays to the books of the BinaryFILE
    it was made from: the l3, l2 and stream digests are equal (docs/DIGEST.md; the input
    digest differs, it covers the capture's bytes). Packets of at most 1400 bytes, with a
    heartbeat every 50 packets and the end of session last, some behind a VLAN tag."""

    def test_sample_day(self):
        day = os.path.join(SRC, "data", "sample-day.itch.zst")
        data = subprocess.run(["zstd", "-dc", day], capture_output=True, check=True).stdout
        frames, ts = [], T0
        pkts = P.packetize(P.binaryfile_messages(data))
        for i, (seq, ms) in enumerate(pkts):
            vl = [(0x8100, 5)] if i % 3 == 0 else ()
            frames.append(P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("SAMPLE", seq, ms),
                                            vlans=vl), ts))
            ts += 1000
            if i % 50 == 49:
                frames.append(P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold(
                    "SAMPLE", seq + len(ms), [], count=0)), ts))
        end = pkts[-1][0] + len(pkts[-1][1])
        frames.append(P.Frame(udp_frame(P.LINKTYPE_ETHERNET, P.mold("SAMPLE", end, [],
                                                                     count=0xFFFF)), ts))
        with tempfile.TemporaryDirectory() as tmp:
            cap = os.path.join(tmp, "sample.pcap")
            with open(cap, "wb") as f:
                f.write(P.pcap(frames, nano=True))
            ref = run("replay", "--json", day)
            self.assertEqual(ref.returncode, 0, ref.stderr)
            info = run("capture", "info", "--json", cap)
            self.assertEqual(info.returncode, 0, info.stderr)
            (sess,) = json.loads(info.stdout)["sessions"]
            self.assertEqual((sess["session"], sess["messages"], sess["gaps"], sess["ended"]),
                             ("SAMPLE", json.loads(ref.stdout)["messages"], 0, True))
            got = run("replay", "--json", cap)
            self.assertEqual(got.returncode, 0, got.stderr)
            a, b = json.loads(ref.stdout), json.loads(got.stdout)
            for k in ("l3", "l2", "stream"):
                self.assertEqual(a["digests"][k], b["digests"][k], k)
            self.assertEqual(a["messages"], b["messages"])
            self.assertEqual(b["transport"]["messages"], a["messages"])
            self.assertEqual(b["transport"]["packets"], len(frames))
            self.assertEqual(b["transport"]["gaps"], 0)
            self.assertEqual(b["transport"]["sessions"], 1)
            self.assertEqual(a["anomalies_total"], b["anomalies_total"])
            # resumed from a snapshot in the middle: the same books at the end
            snaps = os.path.join(tmp, "snaps")
            r = run("replay", cap, "--snapshot-at", "77777", "--snapshot-out", snaps)
            self.assertEqual(r.returncode, 0, r.stderr)
            res = run("replay", "--json", cap, "--resume", os.path.join(snaps, "snap-i77777.snap"))
            self.assertEqual(res.returncode, 0, res.stderr)
            c = json.loads(res.stdout)
            for k in ("l3", "l2", "stream", "input"):
                self.assertEqual(c["digests"][k], b["digests"][k], k)
            self.assertEqual(c["transport"], b["transport"])


class WalkAhead(unittest.TestCase):
    """With one book thread on two cores a pcap's records are walked ahead of the replay on a
    second thread (src/feed/capture_ahead.c; the summary's threads.helpers says "walk"). It must
    change nothing: the same summary as with it off (BLANC_CAPTURE_THREAD=0), the BinaryFILE's
    books for a clean capture, and the same after a resume from a snapshot taken mid-file. The
    lossy A/B capture makes the replay leave the walk ahead for the general path and come back
    (gaps, copies, reordering); the pcapng one is walked block by block. Captures of over 16 MiB:
    smaller maps get no helper threads."""

    TIMING = ("elapsed_s", "messages_per_s", "ns_per_message", "threads")

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="blanc-walk-")
        day = ["--seed", "41", "--messages", "250k", "--symbols", "100"]
        cls.itch = os.path.join(cls.tmp, "day.itch")
        cls.clean = os.path.join(cls.tmp, "day.pcap")
        cls.lossy = os.path.join(cls.tmp, "lossy.pcap")
        cls.ng = os.path.join(cls.tmp, "day.pcapng")
        for args, out in ((day, cls.itch), (day + ["--format", "moldudp64-pcap"], cls.clean),
                          (day + ["--format", "pcapng"], cls.ng),
                          (day + ["--format", "moldudp64-pcap", "--ab", "--drop-packets", "0.01",
                                  "--dup-packets", "0.01", "--reorder-packets", "0.01"],
                           cls.lossy)):
            p = run("gen", *args, "-o", out)
            assert p.returncode == 0, p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def replay(self, path, walk, *extra):
        env = dict(os.environ, BLANC_CAPTURE_THREAD="1" if walk else "0")
        p = subprocess.run([BIN, "replay", path, "--threads", "1", "--json", *extra],
                           capture_output=True, text=True, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        d = json.loads(p.stdout)
        helpers = d["threads"]["helpers"]
        for k in self.TIMING:
            d.pop(k, None)
        return d, helpers

    def test_same_as_without(self):
        if len(os.sched_getaffinity(0)) < 2:
            self.skipTest("one CPU: no helper threads")
        ref, _ = self.replay(self.itch, False)
        for path in (self.clean, self.lossy, self.ng):
            self.assertGreater(os.path.getsize(path), 16 << 20, "too small for helper threads")
            with self.subTest(capture=os.path.basename(path)):
                off, h_off = self.replay(path, False)
                on, h_on = self.replay(path, True)
                self.assertEqual(h_off, ["pager"])
                self.assertEqual(h_on, ["pager", "walk"])
                self.assertEqual(on, off)
                if path != self.lossy:
                    for k in ("l3", "l2", "stream"):
                        self.assertEqual(on["digests"][k], ref["digests"][k], k)
                else:
                    t = on["transport"]
                    self.assertGreater(t["gaps"] + t["duplicates"] + t["arbitrated"], 0)

    def test_resume_mid_file(self):
        if len(os.sched_getaffinity(0)) < 2:
            self.skipTest("one CPU: no helper threads")
        whole, _ = self.replay(self.lossy, True)
        snaps = os.path.join(self.tmp, "snaps")
        env = dict(os.environ, BLANC_CAPTURE_THREAD="1")
        p = subprocess.run([BIN, "replay", self.lossy, "--threads", "1", "--snapshot-at",
                            "150000", "--snapshot-out", snaps], capture_output=True, text=True,
                           env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        res, helpers = self.replay(self.lossy, True, "--resume",
                                   os.path.join(snaps, "snap-i150000.snap"))
        self.assertIn("walk", helpers)
        self.assertEqual(res["digests"], whole["digests"])
        self.assertEqual(res["transport"], whole["transport"])


if __name__ == "__main__":
    unittest.main()
