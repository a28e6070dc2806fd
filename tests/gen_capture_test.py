#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc gen --format moldudp64-pcap|pcapng|soupbintcp, checked by tools no one here wrote.

Debian's tshark (its own MoldUDP64 dissector, IPv4 and UDP checksum validation) and capinfos
read every generated capture; what they report is compared with what the generator says it
wrote (its --packet-log and --manifest) and with the BinaryFILE of the same day, generated
separately: the message blocks tshark shows, taken once each in sequence order, must be that
BinaryFILE's frames byte for byte. The SoupBinTCP stream is read by a parser written here from
the SoupBinTCP 3.0 spec. Checks that need commands not yet on main (blanc capture info, replay
of a capture) are skipped with the reason printed.

Run: BLANC_BIN=build/blanc python3 tests/gen_capture_test.py
"""
import collections
import gzip
import json
import os
import shutil
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
PORT = 26477
EPOCH_NS = 1704153600 * 10**9  # 2024-01-02 00:00 UTC, gen's default --date
DAY = ["--seed", "7", "--messages", "6000", "--symbols", "20", "--session", "6"]


def run(*args, check=True):
    r = subprocess.run([BIN, *args], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError("blanc %s: exit %d\n%s" % (" ".join(args), r.returncode, r.stderr))
    return r


def frames_of(binaryfile):
    """The BinaryFILE's messages (2-byte big-endian length, message), in order."""
    out, i = [], 0
    while i < len(binaryfile):
        (n,) = struct.unpack_from(">H", binaryfile, i)
        out.append(binaryfile[i + 2:i + 2 + n])
        i += 2 + n
    assert i == len(binaryfile)
    return out


Packet = collections.namedtuple("Packet", "frame ts_ns dst port session seq count msgs")


def tshark_packets(path):
    """Every frame as tshark's MoldUDP64 dissector sees it."""
    fields = ["frame.number", "frame.time_epoch", "ip.dst", "udp.dstport", "moldudp64.session",
              "moldudp64.sequence", "moldudp64.count", "moldudp64.msglen", "moldudp64.msgdata"]
    cmd = ["tshark", "-r", path, "-d", "udp.port==%d,moldudp64" % PORT, "-T", "fields",
           "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in fields:
        cmd += ["-e", f]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    out = []
    for line in r.stdout.splitlines():
        c = line.split("\t")
        sec, _, frac = c[1].partition(".")
        ts = int(sec) * 10**9 + int((frac + "000000000")[:9])
        lens = [int(x) for x in c[7].split(",")] if c[7] else []
        datas = [bytes.fromhex(x) for x in c[8].split(",")] if c[8] else []
        assert [len(d) for d in datas] == lens, line[:200]
        out.append(Packet(int(c[0]), ts, c[2], int(c[3]), c[4], int(c[5]), int(c[6]), datas))
    return out


def tshark_problems(path):
    """Frames tshark finds malformed or warns about, with IP and UDP checksums checked."""
    r = subprocess.run(["tshark", "-r", path, "-o", "ip.check_checksum:TRUE",
                        "-o", "udp.check_checksum:TRUE", "-d", "udp.port==%d,moldudp64" % PORT,
                        "-Y", "_ws.malformed or _ws.expert.severity >= warning"],
                       capture_output=True, text=True, check=True)
    return r.stdout.splitlines()


LogEntry = collections.namedtuple("LogEntry", "frame line channel session seq count what")


def packet_log(path):
    out = []
    with open(path) as f:
        for line in f:
            fr, ln, ch, sess, seq, count, what = line.split()
            out.append(LogEntry(None if fr == "-" else int(fr), ln, ch, sess, int(seq),
                                int(count), what))
    return out


def manifest_transport(path):
    lines, lost = {}, None
    with open(path) as f:
        for line in f:
            j = json.loads(line)
            if j["kind"] == "transport":
                lines[j["line"]] = j
            elif j["kind"] == "transport_lost":
                lost = j["lost_all_lines"]
    return lines, lost


def itch_ts(msg):
    return int.from_bytes(msg[5:11], "big")


@unittest.skipUnless(shutil.which("tshark") and shutil.which("capinfos"),
                     "tshark and capinfos (Debian package tshark) are needed")
class GenCapture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = cls.path("day.itch")
        run("gen", *DAY, "-o", cls.day)
        with open(cls.day, "rb") as f:
            cls.day_bytes = f.read()
        cls.frames = frames_of(cls.day_bytes)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def gen(self, name, *opts, fmt="moldudp64-pcap"):
        out = self.path(name)
        r = run("gen", *DAY, "--format", fmt, *opts, "--packet-log", out + ".log",
                "--manifest", out + ".man", "-o", out)
        return out, r

    # ---- what every MoldUDP64 capture must satisfy ---------------------------------------

    def check_against_log(self, cap, pk):
        """tshark's frames are the packet log's written entries, one for one."""
        log = packet_log(cap + ".log")
        written = [e for e in log if e.frame is not None]
        self.assertEqual([e.frame for e in written], list(range(1, len(written) + 1)))
        written.sort(key=lambda e: e.frame)
        self.assertEqual(len(pk), len(written))
        for p, e in zip(pk, written):
            self.assertEqual((p.frame, "%s:%d" % (p.dst, p.port), p.session, p.seq, p.count),
                             (e.frame, e.channel, e.session, e.seq, e.count), p)
        return log

    def check_line(self, pk, dropped_messages, dup_packets, reordered):
        """One line's packets, from tshark alone: numbering, content, loss, copies, order."""
        n = len(self.frames)
        self.assertTrue(pk, "no packets")
        end = pk[-1]
        self.assertEqual((end.count, end.seq), (0xFFFF, n + 1), "end of session last")
        self.assertEqual(sum(p.count == 0xFFFF for p in pk), 1)
        seen, dups, late, top = {}, 0, 0, 0
        for p in pk:
            self.assertEqual(p.session, "BLANC00001")
            if p.count in (0, 0xFFFF):
                self.assertEqual(p.msgs, [])
                continue
            self.assertEqual(len(p.msgs), p.count)
            if p.seq in seen:
                dups += 1
                self.assertEqual(seen[p.seq], p.msgs, "a duplicate is the same packet")
                continue
            if p.seq < top:
                late += 1
            top = max(top, p.seq)
            seen[p.seq] = p.msgs
            for k, m in enumerate(p.msgs):
                # each message is the BinaryFILE's message of that sequence number
                self.assertEqual(m, self.frames[p.seq + k - 1], (p, k))
        got = sorted(seen)
        covered = sum(len(seen[s]) for s in got)
        self.assertEqual(n - covered, dropped_messages, "lost messages = the manifest's")
        self.assertEqual(dups, dup_packets)
        self.assertEqual(late, reordered)
        for a, b in zip(got, got[1:]):  # packets never overlap
            self.assertLessEqual(a + len(seen[a]), b)
        return seen

    def test_clean_pcap_rebuilds_the_binaryfile(self):
        cap, r = self.gen("clean.pcap", "--heartbeat", "600")
        pk = tshark_packets(cap)
        self.assertEqual(tshark_problems(cap), [])
        self.check_against_log(cap, pk)
        seen = self.check_line(pk, 0, 0, 0)
        # in sequence order the blocks are the BinaryFILE, byte for byte
        rebuilt = b"".join(struct.pack(">H", len(m)) + m for s in sorted(seen) for m in seen[s])
        self.assertEqual(rebuilt, self.day_bytes)
        # sequence numbers run on without a hole, from 1
        nxt = 1
        for p in pk:
            self.assertEqual(p.seq, nxt, p)
            if p.count != 0xFFFF:
                nxt += p.count
        # packing: payload limit and window respected, heartbeats there and empty
        for p in pk:
            self.assertLessEqual(20 + sum(2 + len(m) for m in p.msgs), 1400)
            if p.msgs:
                self.assertLess(itch_ts(p.msgs[-1]) - itch_ts(p.msgs[0]), 1000000)
        self.assertGreater(sum(p.count == 0 for p in pk), 50)  # 04:00-20:00 at 600 s
        self.assertGreater(max(p.count for p in pk if p.count != 0xFFFF), 1)
        # capture time: the date plus the ITCH time of the packet's last message
        for p in pk:
            if p.msgs:
                self.assertEqual(p.ts_ns, EPOCH_NS + itch_ts(p.msgs[-1]), p)
        self.assertEqual([p.ts_ns for p in pk], sorted(p.ts_ns for p in pk))
        self.assertEqual(r.returncode, 0)
        lines, lost = manifest_transport(cap + ".man")
        self.assertEqual(lost, 0)
        self.assertEqual(lines["A"]["packets"], len(pk))
        info = subprocess.run(["capinfos", "-M", cap], capture_output=True, text=True,
                              check=True).stdout
        self.assertIn("nanosecond", info)
        self.assertRegex(info, r"Number of packets:\s+%d\b" % len(pk))

    def test_pcapng_has_the_same_packets(self):
        cap, _ = self.gen("clean.pcapng", "--heartbeat", "600", fmt="pcapng")
        ref, _ = self.gen("ref.pcap", "--heartbeat", "600")
        info = subprocess.run(["capinfos", "-M", cap], capture_output=True, text=True,
                              check=True).stdout
        self.assertIn("pcapng", info)
        self.assertIn("nanoseconds (9)", info)
        self.assertEqual(tshark_problems(cap), [])
        self.assertEqual(tshark_packets(cap), tshark_packets(ref))

    def test_loss_duplicates_and_reordering(self):
        cap, r = self.gen("lossy.pcap", "--heartbeat", "0", "--drop-packets", "0.05",
                          "--dup-packets", "3%", "--reorder-packets", "0.05")
        pk = tshark_packets(cap)
        self.assertEqual(tshark_problems(cap), [])
        log = self.check_against_log(cap, pk)
        lines, lost = manifest_transport(cap + ".man")
        a = lines["A"]
        for k in ("dropped_packets", "dup_packets", "reordered_packets"):
            self.assertGreater(a[k], 0, k)  # each kind happened, so each check can fail
        self.assertEqual(lost, a["dropped_messages"])
        self.check_line(pk, a["dropped_messages"], a["dup_packets"], a["reordered_packets"])
        dropped = [e for e in log if e.what == "dropped"]
        self.assertEqual(len(dropped), a["dropped_packets"])
        self.assertEqual(sum(e.count for e in dropped), a["dropped_messages"])
        self.assertIn("dropped %d (%d messages)" % (a["dropped_packets"], a["dropped_messages"]),
                      r.stderr)

    def test_ab_lines_lose_independently(self):
        cap, _ = self.gen("ab.pcap", "--heartbeat", "0", "--ab", "--drop-packets", "0.2",
                          "--channel", "239.1.2.3:%d" % PORT, "--channel", "239.1.2.4:%d" % PORT)
        pk = tshark_packets(cap)
        self.assertEqual(tshark_problems(cap), [])
        self.check_against_log(cap, pk)
        lines, lost = manifest_transport(cap + ".man")
        by = {"A": [p for p in pk if p.dst == "239.1.2.3"],
              "B": [p for p in pk if p.dst == "239.1.2.4"]}
        self.assertEqual(len(by["A"]) + len(by["B"]), len(pk))
        seen = {k: self.check_line(by[k], lines[k]["dropped_messages"], 0, 0) for k in by}
        # lost on both lines = what neither line carries
        carried = set()
        for k in by:
            for s, msgs in seen[k].items():
                carried.update(range(s, s + len(msgs)))
        self.assertEqual(len(self.frames) - len(carried), lost)
        self.assertGreater(lines["A"]["dropped_messages"], 2 * lost)
        self.assertLess(lost, lines["A"]["dropped_messages"])
        self.assertNotEqual(set(seen["A"]), set(seen["B"]))  # losses drawn independently

    def test_compressed_and_deterministic(self):
        a, _ = self.gen("d1.pcap", "--heartbeat", "0", "--drop-packets", "0.1")
        b, _ = self.gen("d2.pcap.gz", "--heartbeat", "0", "--drop-packets", "0.1")
        with open(a, "rb") as f, gzip.open(b, "rb") as g:
            self.assertEqual(f.read(), g.read())
        out = self.path("d3.pcap")
        run("gen", "--seed", "8", *DAY[2:], "--format", "moldudp64-pcap", "--heartbeat", "0",
            "--drop-packets", "0.1", "-o", out)
        with open(a, "rb") as f, open(out, "rb") as g:
            self.assertNotEqual(f.read(), g.read())

    # ---- SoupBinTCP, read by a parser written here from the 3.0 spec --------------------

    def test_soupbintcp_stream(self):
        out = self.path("day.soup")
        run("gen", *DAY, "--format", "soupbintcp", "--heartbeat", "600", "-o", out)
        with open(out, "rb") as f:
            b = f.read()
        i, pkts = 0, []
        while i < len(b):
            (n,) = struct.unpack_from(">H", b, i)
            self.assertGreaterEqual(n, 1)
            pkts.append((chr(b[i + 2]), b[i + 3:i + 2 + n]))
            i += 2 + n
        self.assertEqual(i, len(b))
        self.assertEqual(pkts[0], ("A", b"BLANC00001" + b"1".rjust(20)))
        self.assertEqual(pkts[-1], ("Z", b""))
        kinds = collections.Counter(t for t, _ in pkts)
        self.assertEqual(set(kinds), {"A", "S", "H", "Z"})
        self.assertTrue(all(body == b"" for t, body in pkts if t == "H"))
        msgs = [body for t, body in pkts if t == "S"]
        self.assertEqual(msgs, self.frames)

    # ---- refusals and atomic outputs ------------------------------------------------------

    def test_refusals(self):
        out = self.path("no.pcap")
        cases = [
            (["--drop-packets", "0.1"], "want --format"),
            (["--format", "soupbintcp", "--ab"], "SoupBinTCP"),
            (["--format", "pcap"], "--format is"),
            (["--format", "pcapng", "--drop-packets", "1.5"], "--drop-packets wants"),
            (["--format", "pcapng", "--channel", "233.1.1.1"], "--channel wants"),
            (["--format", "pcapng", "--channel", "1.1.1.1:1", "--channel", "1.1.1.2:1"],
             "wants --ab"),
            (["--format", "pcapng", "--session-name", "TOOLONGNAME1"], "--session-name"),
            (["--format", "pcapng", "--date", "2024-02-30"], "--date"),
        ]
        for opts, msg in cases:
            r = run("gen", *DAY, *opts, "-o", out, check=False)
            self.assertEqual(r.returncode, 2, opts)
            self.assertIn(msg, r.stderr, opts)
            self.assertFalse(os.path.exists(out))

    def test_outputs_all_or_none(self):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        out = os.path.join(d, "x.pcap")
        r = run("gen", *DAY, "--format", "moldudp64-pcap", "--packet-log", "/proc/nope",
                "-o", out, check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--packet-log /proc/nope", r.stderr)
        self.assertEqual(os.listdir(d), [])
        log = os.path.join(d, "x.log")
        os.mkdir(log)  # fails only at its commit: the capture is removed again
        r = run("gen", *DAY, "--format", "moldudp64-pcap", "--packet-log", log, "-o", out,
                check=False)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(os.listdir(d), ["x.log"])

    # ---- against Blanc's own readers, once they are on main ------------------------------

    def test_capture_info_packets_equal_tshark(self):
        if run("capture", "--help", check=False).returncode != 0:
            self.skipTest("blanc capture info is not on this branch yet (helper 'capture')")
        cap, _ = self.gen("info.pcap", "--heartbeat", "600", "--ab", "--drop-packets", "0.05",
                          "--dup-packets", "0.02", "--reorder-packets", "0.02")
        r = run("capture", "info", cap, "--packets", "--json")
        mine = []
        for line in r.stdout.splitlines():
            j = json.loads(line)
            self.assertEqual(j.get("kind"), "moldudp64", j)
            mine.append((j["packet"], j["channel"], j["session"].rstrip(), j["seq"], j["count"]))
        theirs = [(p.frame, "%s:%d" % (p.dst, p.port), p.session, p.seq, p.count)
                  for p in tshark_packets(cap)]
        self.assertEqual(mine, theirs)
        # A/B of one session is one arbitrated stream: lost is what no line carries
        self.check_capture_info(cap)
        one, _ = self.gen("info1.pcap", "--heartbeat", "0", "--drop-packets", "0.05",
                          "--dup-packets", "0.03", "--reorder-packets", "0.03")
        x = self.check_capture_info(one)[0]
        m = manifest_transport(one + ".man")[0]["A"]
        self.assertEqual(x["lost_messages"], m["dropped_messages"])
        self.assertEqual(x["duplicates"], m["dup_messages"])

    def check_capture_info(self, cap):
        """capture info's loss, gap count and gap ranges per session: the messages of
        sequence numbers no written packet of the log carries, in merged ranges."""
        _, lost = manifest_transport(cap + ".man")
        carried = set()
        for e in packet_log(cap + ".log"):
            if e.frame is not None and e.count not in (0, 0xFFFF):
                carried.update(range(e.seq, e.seq + e.count))
        ranges = []
        for q in range(1, len(self.frames) + 1):
            if q in carried:
                continue
            if ranges and ranges[-1][1] + 1 == q:
                ranges[-1][1] = q
            else:
                ranges.append([q, q])
        self.assertEqual(sum(b - a + 1 for a, b in ranges), lost)
        info = json.loads(run("capture", "info", cap, "--json").stdout)
        for x in info["sessions"]:
            self.assertEqual(x["session"].rstrip(), "BLANC00001")
            self.assertEqual(x["last_seq"], len(self.frames))
            self.assertTrue(x["ended"])
            self.assertEqual(x["lost_messages"], lost)
            self.assertEqual(x["gaps"], len(ranges))
            self.assertEqual(x["gap_ranges"], ranges[:len(x["gap_ranges"])])
        return info["sessions"]

    def replay_json(self, path, *opts):
        r = run("replay", path, "--json", *opts, check=False)
        if r.returncode not in (0, 1):
            self.skipTest("blanc replay does not read captures on this branch yet: " +
                          r.stderr.strip()[:200])
        return json.loads(r.stdout)

    def test_replay_of_captures_equals_the_binaryfile(self):
        ref = self.replay_json(self.day)
        for fmt, name in (("moldudp64-pcap", "r.pcap"), ("pcapng", "r.pcapng"),
                          ("soupbintcp", "r.soup")):
            out = self.path(name)
            opts = ["--heartbeat", "600"] if fmt == "soupbintcp" else ["--heartbeat", "600",
                                                                       "--ab"]
            run("gen", *DAY, "--format", fmt, *opts, "-o", out)
            j = self.replay_json(out)
            self.assertEqual(j["digests"]["l3"], ref["digests"]["l3"], fmt)
            self.assertEqual(j["digests"]["l2"], ref["digests"]["l2"], fmt)
            self.assertEqual(j["digests"]["stream"], ref["digests"]["stream"], fmt)
            self.assertEqual(j["messages"], ref["messages"], fmt)

    def test_replay_arbitrates_ab_loss(self):
        cap, _ = self.gen("arb.pcap", "--heartbeat", "0", "--ab", "--drop-packets", "0.1")
        lines, lost = manifest_transport(cap + ".man")
        j = self.replay_json(cap)
        t = j.get("transport")
        self.assertIsNotNone(t, "no transport section in the summary")
        self.assertEqual(t["lost_messages"], lost)
        self.assertEqual(j["messages"], len(self.frames) - lost)
        self.assertGreater(t["arbitrated"], 0)

    def test_copies_split_by_the_line_that_won(self):
        # No loss, so every number is delivered once: by the line whose copy came first (a
        # packet reordered 1-3 packets late waits in the window for the numbers before it,
        # and those come on the other line or right after). Every other copy of the number
        # is a duplicate on the winner's line and arbitrated on the other one. Counted here
        # from tshark's packets, in capture order.
        cap, _ = self.gen("copies.pcap", "--heartbeat", "0", "--ab", "--dup-packets", "0.03",
                          "--reorder-packets", "0.05")
        winner, dup, arb = {}, 0, 0
        for p in tshark_packets(cap):
            for n in range(p.seq, p.seq + (p.count if p.count != 0xFFFF else 0)):
                if n not in winner:
                    winner[n] = p.dst
                elif winner[n] == p.dst:
                    dup += 1
                else:
                    arb += 1
        self.assertEqual(len(winner), len(self.frames))
        self.assertGreater(dup, 0)  # both kinds happen, so either count can be wrong
        self.assertGreater(arb, dup)
        t = self.replay_json(cap)["transport"]
        self.assertEqual((t["duplicates"], t["arbitrated"], t["lost_messages"]), (dup, arb, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
