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
import struct
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pcap as P  # noqa: E402

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


def follow_bytes(path, node):
    """tshark's reassembly of what `node` (ip:port) sent in TCP stream 0."""
    r = subprocess.run(["tshark", "-r", path, "-q", "-z", "follow,tcp,raw,0"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    nodes = [l for l in lines if l.startswith("Node ")]
    second = nodes[1].endswith(node)  # node 1's data lines start with a tab
    assert second or nodes[0].endswith(node), nodes
    data = [l.strip() for l in lines if l.strip() and not l.startswith(("=", "Follow", "Filter", "Node"))
            and l.startswith("\t") == second]
    return bytes.fromhex("".join(data))


# Hand-built captures of the server's direction (SoupBinTCP 3.00 layout; TCP
# header as RFC 9293, checksums left 0: tshark does not check them by default).
SRV_IP, CLI_IP, SRV_PORT, CLI_PORT = "10.0.0.1", "10.0.0.2", 26477, 50000


def soup_pkt(kind, payload=b""):
    return struct.pack("!H", 1 + len(payload)) + kind + payload


def soup_login(seq, session=b"BLANC00001"):
    return soup_pkt(b"A", session.rjust(10) + str(seq).rjust(20).encode())


def soup_data(msgs):
    return b"".join(soup_pkt(b"S", m) for m in msgs)


def server_capture(path, segs):
    """segs: (seq, payload, flags) of server packets, in capture order."""
    frames = []
    for i, (seq, data, flags) in enumerate(segs):
        t = struct.pack("!HHIIBBHHH", SRV_PORT, CLI_PORT, seq & 0xFFFFFFFF, 1, 5 << 4, flags,
                        65535, 0, 0) + data
        frames.append(P.Frame(P.link_frame(P.LINKTYPE_ETHERNET, P.ipv4(SRV_IP, CLI_IP, 6, t)),
                              10**9 + i * 1000))
    with open(path, "wb") as f:
        f.write(P.pcap(frames, nano=True))


def connection(isn, body, size=1000):
    """A SYN-ACK, then body in segments of `size` bytes."""
    segs = [(isn, b"", 0x12)]
    segs += [(isn + 1 + i, body[i:i + size], 0x18) for i in range(0, len(body), size)]
    return segs


def read_pcap(path):
    """(header, [record bytes]) of a little-endian pcap (pcap-savefile(5))."""
    with open(path, "rb") as f:
        d = f.read()
    assert struct.unpack("<I", d[:4])[0] in (0xA1B2C3D4, 0xA1B23C4D)
    recs, i = [], 24
    while i + 16 <= len(d):
        incl = struct.unpack("<I", d[i + 8:i + 12])[0]
        recs.append(d[i:i + 16 + incl])
        i += 16 + incl
    return d[:24], recs


def without_place(recs):
    """dump records without where they sat in the input (capture vs byte stream)."""
    out = []
    for r in recs:
        r = dict(r)
        for k in ("offset", "packet"):
            r.pop(k, None)
        out.append(r)
    return out


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

    def test_resume_after_a_reconnect_on_the_same_ports(self):
        # The first connection is cut inside message 1501's packet; the
        # client logs in again on the same ports and the server goes on at
        # 1501. A resume from any message must give the uninterrupted run,
        # and no message is lost: the books are the BinaryFILE's.
        with open(self.itch, "rb") as f:
            msgs = P.binaryfile_messages(f.read())
        self.assertEqual(len(msgs), 3000)
        cut_pkt = soup_pkt(b"S", msgs[1500])
        first = soup_login(1) + soup_data(msgs[:1500]) + cut_pkt[:len(cut_pkt) // 2]
        second = soup_login(1501) + soup_data(msgs[1500:]) + soup_pkt(b"Z")
        cap = os.path.join(self.tmp, "reconnect.pcap")
        server_capture(cap, connection(5000, first) + connection(900000, second))
        whole = replay(cap)
        self.same_books(whole)
        self.assertEqual(whole["transport"]["lost_messages"], 0)
        for cut in (5, 1499, 1500, 1501, 1600, 2999):
            snaps = os.path.join(self.tmp, "rc-snaps-%d" % cut)
            r = run("replay", cap, "--snapshot-at", str(cut), "--snapshot-out", snaps)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run("replay", "--json", cap, "--resume", os.path.join(snaps, "snap-i%d.snap" % cut))
            self.assertEqual(r.returncode, 0, (cut, r.stderr))
            got = json.loads(r.stdout)
            for k in ("l3", "l2", "stream", "input"):
                self.assertEqual(got["digests"][k], whole["digests"][k], (cut, k))
            self.assertEqual(got["transport"], whole["transport"], cut)

    def test_resume_before_locking_on(self):
        # A cut at 0 can pause before the reassembler has found the stream:
        # a run of 65536 damaged packets (DAMAGE_RUN in feed_capture.c) is
        # handed over alone as soon as it is read, before any message, and
        # the pause comes before it. Before that run the server sent its
        # SYN-ACK; after it, its second data segment overtakes the first, so
        # the reassembler locks on by content at the second, and only the
        # SYN-ACK says the first is the stream's start (not a copy of bytes
        # before it). The resume must know that SYN-ACK too.
        with open(self.itch, "rb") as f:
            msgs = P.binaryfile_messages(f.read())
        body = soup_login(1) + soup_data(msgs) + soup_pkt(b"Z")
        head = len(soup_login(1) + soup_data(msgs[:20]))  # a segment that ends on a packet
        isn = 70000
        rest = [(isn + 1 + i, body[i:i + 1000], 0x18) for i in range(head, len(body), 1000)]
        cap = os.path.join(self.tmp, "before-lock.pcap")
        server_capture(cap, [(isn, b"", 0x12)] + rest[:1] + [(isn + 1, body[:head], 0x18)]
                       + rest[1:])
        # The damaged run after the SYN-ACK: an Ethernet frame whose IPv4
        # header is cut short (4 bytes), the smallest damaged packet.
        hdr, recs = read_pcap(cap)
        bad = P.link_frame(P.LINKTYPE_ETHERNET, b"\x45\0\0\0")
        sec, frac = struct.unpack("<II", recs[0][:8])
        damaged = struct.pack("<IIII", sec, frac, len(bad), len(bad)) + bad
        with open(cap, "wb") as f:
            f.write(hdr + recs[0] + damaged * 65536 + b"".join(recs[1:]))
        whole = replay(cap)
        self.same_books(whole)
        t = whole["transport"]
        self.assertEqual((t["duplicates"], t["out_of_order"], t["sessions"]), (0, 1, 1))
        for cut in (0, 1, 25):
            snaps = os.path.join(self.tmp, "bl-snaps-%d" % cut)
            r = run("replay", cap, "--snapshot-at", str(cut), "--snapshot-out", snaps)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = run("replay", "--json", cap, "--resume", os.path.join(snaps, "snap-i%d.snap" % cut))
            self.assertEqual(r.returncode, 0, (cut, r.stderr))
            got = json.loads(r.stdout)
            self.assertEqual(got["messages"], whole["messages"], cut)
            for k in ("l3", "l2", "stream", "input"):
                self.assertEqual(got["digests"][k], whole["digests"][k], (cut, k))
            self.assertEqual(got["transport"], whole["transport"], cut)
            self.assertEqual(got["anomalies_total"], whole["anomalies_total"], cut)

    def test_repeated_syn_ack_after_data(self):
        # A retransmitted SYN-ACK (RFC 9293 3.8.1: the same ISN) after the
        # data started is the same connection: the replay is the capture's
        # without it, with one more capture packet.
        head, recs = read_pcap(self.clean)
        synack = [r for r in recs if r[16 + 14 + 20 + 13] == 0x12]
        self.assertEqual(len(synack), 1)
        for at in (len(recs) // 3, 2 * len(recs) // 3):
            cap = os.path.join(self.tmp, "synack-%d.pcap" % at)
            with open(cap, "wb") as f:
                f.write(head + b"".join(recs[:at] + synack + recs[at:]))
            for extra in ([], ["--channel", SERVER]):
                got, ref = replay(cap, *extra), replay(self.clean, *extra)
                self.same_books(got)
                for k in ("l3", "l2", "stream"):
                    self.assertEqual(got["digests"][k], ref["digests"][k], k)
                t, rt = dict(got["transport"]), dict(ref["transport"])
                self.assertEqual(t.pop("packets"), rt.pop("packets") + 1)
                self.assertEqual(t, rt)
                self.assertEqual(got["anomalies_total"], 0)

    def test_overlapping_copies_as_tshark_follows_them(self):
        # Copies of the same bytes with other content, delivered in order and
        # held past a hole: the messages must be the ones in tshark's
        # reassembly of the capture.
        with open(self.itch, "rb") as f:
            msgs = P.binaryfile_messages(f.read())[:40]
        s = [soup_pkt(b"S", m) for m in msgs]

        def alt(b):  # same length, the last byte (of a field of the message) changed
            return b[:-1] + bytes([b[-1] ^ 0x55])
        a = soup_login(1) + s[0]
        isn = 7000
        o = isn + 1
        o2, o3, o4 = o + len(a), o + len(a) + len(s[1]), o + len(a) + len(s[1]) + len(s[2])
        rest = b"".join(s[4:]) + soup_pkt(b"Z")
        segs = [(isn, b"", 0x12), (o, a, 0x18),
                (o, alt(a), 0x18),                          # in order again
                (o3, s[2], 0x18), (o3, alt(s[2]), 0x18),   # held, twice
                (o3 + 5, alt(s[2])[5:] + s[3][:9], 0x18),  # held, overlapping both
                (o2, s[1], 0x18),                          # the hole
                (o4, s[3], 0x18), (o4 + len(s[3]), rest, 0x18)]
        cap = os.path.join(self.tmp, "copies.pcap")
        server_capture(cap, segs)
        stream = os.path.join(self.tmp, "copies.soup")
        with open(stream, "wb") as f:
            f.write(follow_bytes(cap, SERVER))
        dumps = []
        for path in (cap, stream):
            r = run("dump", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            dumps.append(without_place(json.loads(l) for l in r.stdout.splitlines()))
        self.assertEqual(len(dumps[1]), 40)
        self.assertEqual(dumps[0], dumps[1])

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
