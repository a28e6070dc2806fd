#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc listen end to end on loopback (docs/FEEDS.md "Live").

A test sender written here sends the bundled sample day as MoldUDP64 packets
(unicast to 127.0.0.1, and to a multicast group on lo where the kernel lets
it), with deliberate drops; a test retransmission server written here answers
MoldUDP64 request packets (session, sequence, count) from the same day. The
checks: with re-requests the books equal `blanc replay` of the BinaryFILE
(same l3/l2/stream digests, same messages); without, the lost count is exactly
the messages dropped; SIGINT ends with a final summary and snapshot; end of
session ends with exit 0. Every run is bounded by --idle-timeout and a
subprocess timeout; the sender's loops are bounded by the day's packet count.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. /usr/bin/python3 tests/listen_test.py
"""
import json
import os
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
DAY = os.path.join(SRC, "data", "sample-day.itch.zst")
SESSION = b"LIVETEST01"
PER_PACKET = 20
TIMEOUT = 60  # seconds any one blanc run may take, at most


def load_day():
    """The sample day's messages (the BinaryFILE's frames, up to end of session)."""
    raw = subprocess.run(["zstd", "-dc", DAY], capture_output=True, check=True).stdout
    msgs, at = [], 0
    while at + 2 <= len(raw):
        n = struct.unpack_from(">H", raw, at)[0]
        if n == 0:
            break
        msgs.append(raw[at + 2:at + 2 + n])
        at += 2 + n
    return raw, msgs


RAW, MSGS = load_day()


def packets(msgs, first=0, last=None):
    """MoldUDP64 packets of PER_PACKET messages: (seq, payload) from seq 1."""
    last = len(msgs) if last is None else last
    out = []
    for i in range(first, last, PER_PACKET):
        chunk = msgs[i:min(i + PER_PACKET, last)]
        body = b"".join(struct.pack(">H", len(m)) + m for m in chunk)
        out.append((i + 1, SESSION + struct.pack(">QH", i + 1, len(chunk)) + body))
    return out


def end_of_session(next_seq):
    return SESSION + struct.pack(">QH", next_seq, 0xFFFF)


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Retransmitter(threading.Thread):
    """Answers MoldUDP64 request packets from the day, to the requester, in
    packets of PER_PACKET messages; bounded by stop() and a 0.1 s poll.
    requests logs (seq, count, answer packets sent before it came). With
    hold=N it answers nothing until requests from N different first numbers
    came (or hold_s passed), then what it held, in order, and the rest as
    they come."""

    def __init__(self, hold=0, hold_s=5.0):
        super().__init__(daemon=True)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.requests = []
        self.answers = 0
        self.hold, self.hold_s = hold, hold_s
        self.running = True

    def answer(self, seq, count, peer):
        first = seq - 1
        last = min(first + count, len(MSGS))
        for _, p in packets(MSGS, first, last):
            self.sock.sendto(p, peer)
            self.answers += 1

    def run(self):
        held, since = [], None
        while self.running:
            try:
                req, peer = self.sock.recvfrom(64)
            except socket.timeout:
                req = None
            if req is not None and len(req) == 20 and req[:10] == SESSION:
                seq, count = struct.unpack(">QH", req[10:])
                self.requests.append((seq, count, self.answers))
                if self.hold:
                    held.append((seq, count, peer))
                    since = since or time.monotonic()
                else:
                    self.answer(seq, count, peer)
            if self.hold and held and (len({r[0] for r in self.requests}) >= self.hold
                                       or time.monotonic() - since > self.hold_s):
                self.hold = 0
                for seq, count, peer in held:
                    self.answer(seq, count, peer)

    def stop(self):
        self.running = False
        self.join(2)
        self.sock.close()


def send_day(addr, drop=(), upto=None, eos=True, mcast_if=None):
    """Send the day's packets to addr except those whose index is in drop; then
    end of session. Paced a little so the sender never outruns a loaded CI box's
    receiver (the receiver's speed is a benchmark, not this test)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if mcast_if:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(mcast_if))
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 1)
    pk = packets(MSGS, 0, upto)
    dropped = 0
    for i, (seq, p) in enumerate(pk):
        if i in drop:
            dropped += (len(p) and struct.unpack_from(">H", p, 18)[0])
            continue
        s.sendto(p, addr)
        if i % 100 == 99:
            time.sleep(0.002)
    if eos:
        for _ in range(3):
            s.sendto(end_of_session((upto or len(MSGS)) + 1), addr)
            time.sleep(0.01)
    s.close()
    return dropped


def start_listen(*args):
    p = subprocess.Popen([BIN, "listen", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    line = p.stderr.readline()  # "blanc: listening on ...": the socket is bound
    if "listening" not in line:
        out, err = p.communicate(timeout=TIMEOUT)
        raise AssertionError("listen did not start: " + line + err)
    return p


def finish(p):
    out, err = p.communicate(timeout=TIMEOUT)
    return p.returncode, out, err


# Drops: a scattered few and a run of 4 packets, never the first packet (the
# stream starts at the first it sees) nor the last (a tail gap is seen only
# through the end-of-session packet: covered by its own test).
DROPS = {7, 99, 100, 101, 102, 1234, 3000, 5555}
DROP_RUNS = 5  # 7, 99-102, 1234, 3000, 5555


class Listen(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with tempfile.NamedTemporaryFile(suffix=".itch", delete=False) as f:
            f.write(RAW)
            cls.day = f.name
        r = subprocess.run([BIN, "replay", "--json", cls.day], capture_output=True, text=True,
                           timeout=TIMEOUT)
        assert r.returncode == 0, r.stderr
        cls.want = json.loads(r.stdout)

    @classmethod
    def tearDownClass(cls):
        os.unlink(cls.day)

    def same_books(self, got):
        for k in ("l3", "l2", "stream"):
            self.assertEqual(got["digests"][k], self.want["digests"][k], k)
        self.assertEqual(got["messages"], self.want["messages"])
        self.assertEqual(got["by_type"], self.want["by_type"])

    def listen_and_send(self, group, listen_args, drop, mcast_if=None, **kw):
        port = free_port()
        p = start_listen("--group", group, "--port", str(port), "--json",
                         "--idle-timeout", "10", *listen_args)
        dropped = send_day((group, port), drop=drop, mcast_if=mcast_if, **kw)
        rc, out, err = finish(p)
        self.assertEqual(rc, 0, err)
        return json.loads(out), dropped, err

    def test_rerequest_fills_gaps_unicast(self):
        rt = Retransmitter()
        rt.start()
        try:
            got, dropped, err = self.listen_and_send(
                "127.0.0.1", ["--rerequest", "127.0.0.1:%d" % rt.port], DROPS)
        finally:
            rt.stop()
        self.assertGreater(dropped, 0)
        self.same_books(got)
        t = got["transport"]
        self.assertEqual(t["lost_messages"], 0)
        self.assertEqual(t["gaps"], 0)
        self.assertEqual(got["ended_by"], "end_of_session")
        self.assertGreaterEqual(len(rt.requests), DROP_RUNS)
        # each request asks from the first missing message
        firsts = {i * PER_PACKET + 1 for i in DROPS}
        self.assertTrue(all(seq in firsts for seq, _, _ in rt.requests), rt.requests)
        self.assertEqual(got["live"]["rerequests"], len(rt.requests))
        self.assertEqual(got["live"]["recovered"], dropped)

    def test_holes_asked_for_together(self):
        # Two holes far apart and a server that holds its answers until both
        # were asked for (at most 5 s): both requests come before its first
        # answer, every message is recovered. Tending one hole at a time asked
        # for the second only after the first was answered.
        # Near the day's end, so that fewer packets than the reorder window
        # follow the first hole: however late the answers come, the window
        # cannot give it up.
        npk = len(packets(MSGS))
        a, b = npk - 1500, npk - 500
        rt = Retransmitter(hold=2)
        rt.start()
        try:
            got, dropped, err = self.listen_and_send(
                "127.0.0.1", ["--rerequest", "127.0.0.1:%d" % rt.port, "--gap-wait", "2000"],
                {a, b})
        finally:
            rt.stop()
        self.same_books(got)
        self.assertEqual(got["transport"]["lost_messages"], 0)
        self.assertEqual(got["live"]["recovered"], dropped)
        self.assertEqual(got["live"]["gaps_given_up"], 0)
        firsts = {}
        for seq, _, before in rt.requests:
            firsts.setdefault(seq, before)
        self.assertEqual(sorted(firsts), [a * PER_PACKET + 1, b * PER_PACKET + 1])
        self.assertEqual(list(firsts.values()), [0, 0], rt.requests)
        self.assertEqual(got["live"]["rerequests"], len(rt.requests))

    def test_rerequest_fills_gaps_multicast(self):
        group = "239.255.12.%d" % (os.getpid() % 200 + 10)
        try:  # can this kernel loop multicast back on lo?
            probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((group, 0))
            probe.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                             socket.inet_aton(group) + socket.inet_aton("127.0.0.1"))
            probe.settimeout(1)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton("127.0.0.1"))
            s.sendto(b"probe", (group, probe.getsockname()[1]))
            probe.recvfrom(16)
            probe.close()
            s.close()
        except OSError as e:
            print("SKIP multicast on lo: not permitted here (%s); try "
                  "'ip link set lo multicast on'" % e)
            self.skipTest("multicast on lo not permitted: %s" % e)
        rt = Retransmitter()
        rt.start()
        try:
            got, _, _ = self.listen_and_send(
                group, ["--interface", "127.0.0.1", "--rerequest", "127.0.0.1:%d" % rt.port],
                DROPS, mcast_if="127.0.0.1")
        finally:
            rt.stop()
        self.same_books(got)
        self.assertEqual(got["transport"]["lost_messages"], 0)

    def test_without_rerequest_lost_is_what_was_dropped(self):
        got, dropped, err = self.listen_and_send("127.0.0.1", [], DROPS)
        self.assertEqual(got["live"]["kernel_drops"], 0,
                         "the kernel dropped datagrams (receive buffer %d): not the test's drops"
                         % got["live"]["rcvbuf"])
        t = got["transport"]
        self.assertEqual(t["lost_messages"], dropped)
        self.assertEqual(t["gaps"], DROP_RUNS)
        self.assertEqual(got["messages"] + dropped, self.want["messages"])
        self.assertIn("seq_gap", got["anomalies"])
        self.assertEqual(got["ended_by"], "end_of_session")

    def test_tail_loss_filled_through_end_of_session(self):
        last = len(packets(MSGS)) - 1
        rt = Retransmitter()
        rt.start()
        try:
            got, dropped, _ = self.listen_and_send(
                "127.0.0.1", ["--rerequest", "127.0.0.1:%d" % rt.port], {last - 1, last})
        finally:
            rt.stop()
        self.assertGreater(dropped, 0)
        self.same_books(got)

    def test_sigint_gives_summary_and_snapshot(self):
        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            snaps = os.path.join(d, "snaps")
            p = start_listen("--group", "127.0.0.1", "--port", str(port), "--json",
                             "--idle-timeout", "20", "--snapshot-dir", snaps)
            half = (len(MSGS) // 2 // PER_PACKET) * PER_PACKET
            send_day(("127.0.0.1", port), upto=half, eos=False)
            time.sleep(0.5)  # let it take them in
            p.send_signal(signal.SIGINT)
            rc, out, err = finish(p)
            self.assertEqual(rc, 0, err)
            got = json.loads(out)
            self.assertEqual(got["messages"], half)
            self.assertEqual(got["ended_by"], "signal")
            self.assertEqual(len(got["snapshots"]), 1)
            snap = got["snapshots"][0]["path"]
            self.assertTrue(os.path.exists(snap), snap)
            self.assertEqual(got["snapshots"][0]["messages"], half)
            show = subprocess.run([BIN, "snapshot", "show", snap], capture_output=True,
                                  text=True, timeout=TIMEOUT)
            self.assertEqual(show.returncode, 0, show.stderr)

    def test_an_ignored_sigint_stays_ignored(self):
        # Started with SIGINT ignored (nohup, a background job): listen must not take it
        # over. Before the fix its handler ended the session at the first SIGINT.
        port = free_port()
        p = subprocess.Popen([BIN, "listen", "--group", "127.0.0.1", "--port", str(port),
                              "--json", "--idle-timeout", "1"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        line = p.stderr.readline()
        self.assertIn("listening", line)
        half = (len(MSGS) // 2 // PER_PACKET) * PER_PACKET
        send_day(("127.0.0.1", port), upto=half, eos=False)
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        rc, out, err = finish(p)
        self.assertEqual(rc, 0, err)
        got = json.loads(out)
        self.assertEqual(got["ended_by"], "idle_timeout")
        self.assertEqual(got["messages"], half)

    def test_a_second_sigint_leaves_no_half_written_output(self):
        # The first SIGINT ends the session gracefully; here that end never comes (the -o
        # FIFO's reader reads nothing, so the emit write blocks). The second SIGINT then
        # ends the process without the summary, but as every command's signal does: the
        # journal's temp file and the snapshot folder removed. Before the fix the first
        # handler was one-shot (SA_RESETHAND) and the second SIGINT killed the process with
        # the temp left.
        def default_signals():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)

        port = free_port()
        with tempfile.TemporaryDirectory() as d:
            fifo, journal = os.path.join(d, "l3.fifo"), os.path.join(d, "journal.jsonl")
            snaps = os.path.join(d, "snaps")
            os.mkfifo(fifo)
            reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # there, never reading
            try:
                p = subprocess.Popen([BIN, "listen", "--group", "127.0.0.1", "--port",
                                      str(port), "--idle-timeout", "20", "--emit", "l3", "-o",
                                      fifo, "--health-journal", journal, "--snapshot-dir",
                                      snaps], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=default_signals)
                self.assertIn("listening", p.stderr.readline())
                send_day(("127.0.0.1", port), eos=False)
                deadline = time.time() + TIMEOUT
                while not [n for n in os.listdir(d) if ".tmp-" in n] and time.time() < deadline:
                    time.sleep(0.01)
                time.sleep(0.5)  # blocked on the FIFO by now (16 MB of l3 records)
                p.send_signal(signal.SIGINT)
                time.sleep(0.5)
                self.assertIsNone(p.poll(), "the session ended: the FIFO did not block it")
                p.send_signal(signal.SIGINT)
                out, err = p.communicate(timeout=TIMEOUT)
            finally:
                os.close(reader)
            self.assertEqual(p.returncode, -signal.SIGINT, err)
            self.assertEqual(out, "")  # no summary: the session did not end
            left = sorted(n for n in os.listdir(d) if n != "l3.fifo")
            self.assertEqual(left, [], "half-written outputs left behind")

    def test_idle_timeout_without_packets_is_an_error(self):
        port = free_port()
        r = subprocess.run([BIN, "listen", "--group", "127.0.0.1", "--port", str(port),
                            "--idle-timeout", "0.3"], capture_output=True, text=True,
                           timeout=TIMEOUT)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no MoldUDP64 packet", r.stderr)

    def test_damaged_datagram_is_an_anomaly(self):
        port = free_port()
        p = start_listen("--group", "127.0.0.1", "--port", str(port), "--json",
                         "--idle-timeout", "10")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        pk = packets(MSGS, 0, 200)
        s.sendto(pk[0][1], ("127.0.0.1", port))
        s.sendto(SESSION + struct.pack(">QH", 21, 5) + b"\x00\x05ab", ("127.0.0.1", port))
        for _, d in pk[1:]:
            s.sendto(d, ("127.0.0.1", port))
        s.sendto(end_of_session(201), ("127.0.0.1", port))
        s.close()
        rc, out, err = finish(p)
        self.assertEqual(rc, 0, err)
        got = json.loads(out)
        self.assertEqual(got["messages"], 200)
        self.assertEqual(got["anomalies"]["bad_packet"]["count"], 1)

    def stopped(self, p):
        """SIGSTOP p and wait (bounded) until the kernel says it is stopped, so
        that what is sent next waits in its socket, to be read as one batch."""
        p.send_signal(signal.SIGSTOP)
        for _ in range(200):
            with open("/proc/%d/stat" % p.pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] in ("T", "t"):
                    return
            time.sleep(0.01)
        self.fail("listen did not stop")

    def test_truncated_datagram_damages_the_next_message(self):
        # Packet 1 is taken; then, read as one batch: packet 2, a datagram too
        # long for a slot, packet 3. The damage is packet 3's first message's:
        # under --strict, the run stops there, and packet 2 (which came before
        # the damage) is kept.
        port = free_port()
        p = start_listen("--group", "127.0.0.1", "--port", str(port), "--json",
                         "--idle-timeout", "10", "--strict")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        pk = packets(MSGS, 0, 3 * PER_PACKET)
        try:
            s.sendto(pk[0][1], ("127.0.0.1", port))
            time.sleep(0.3)  # taken alone
            self.stopped(p)
            s.sendto(pk[1][1], ("127.0.0.1", port))
            s.sendto(b"X" * 10000, ("127.0.0.1", port))
            s.sendto(pk[2][1], ("127.0.0.1", port))
            s.sendto(end_of_session(3 * PER_PACKET + 1), ("127.0.0.1", port))
        finally:
            p.send_signal(signal.SIGCONT)
            s.close()
        rc, out, err = finish(p)
        self.assertEqual(rc, 1, err)
        got = json.loads(out)
        self.assertEqual(got["live"]["truncated"], 1)
        self.assertEqual(got["anomalies"]["bad_packet"]["count"], 1)
        self.assertEqual(got["messages"], 2 * PER_PACKET)

    def other_session(self, seq):
        body = struct.pack(">H", len(MSGS[0])) + MSGS[0]
        return b"OTHERSESS " + struct.pack(">QH", seq, 1) + body

    def test_session_named_is_the_one_reported(self):
        # Another session's packet first: the summary names the followed one.
        port = free_port()
        p = start_listen("--group", "127.0.0.1", "--port", str(port), "--json",
                         "--idle-timeout", "10", "--session", SESSION.decode())
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(self.other_session(1), ("127.0.0.1", port))
        for _, d in packets(MSGS, 0, 2 * PER_PACKET):
            s.sendto(d, ("127.0.0.1", port))
        s.sendto(end_of_session(2 * PER_PACKET + 1), ("127.0.0.1", port))
        s.close()
        rc, out, err = finish(p)
        self.assertEqual(rc, 0, err)
        got = json.loads(out)
        self.assertEqual(got["session"], SESSION.decode())
        self.assertEqual(got["messages"], 2 * PER_PACKET)

    def test_session_named_never_arrived_is_an_error(self):
        # Only another session's packets: exit 2, as the usage says.
        port = free_port()
        p = start_listen("--group", "127.0.0.1", "--port", str(port), "--json",
                         "--idle-timeout", "0.5", "--session", SESSION.decode())
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for seq in range(1, 4):
            s.sendto(self.other_session(seq), ("127.0.0.1", port))
        s.close()
        rc, out, err = finish(p)
        self.assertEqual(rc, 2, err)
        self.assertIn("no packet of session " + SESSION.decode(), err)

    def test_usage_errors(self):
        for args, what in ((["--port", "1"], "--group"),
                           (["--group", "127.0.0.1"], "--port"),
                           (["--group", "nope", "--port", "1"], "IPv4"),
                           (["--group", "127.0.0.1", "--port", "1", "--rerequest", "x"],
                            "HOST:PORT"),
                           (["--group", "127.0.0.1", "--port", "1", "--session", "ELEVENCHARS"],
                            "session"),
                           # more ms than the library's 32 bits: refused, not clamped
                           (["--group", "127.0.0.1", "--port", "1", "--idle-timeout",
                             "4294968"], "at most 4294967 seconds"),
                           (["--group", "127.0.0.1", "--port", "1", "--idle-timeout", "inf"],
                            "--idle-timeout")):
            r = subprocess.run([BIN, "listen", *args], capture_output=True, text=True,
                               timeout=TIMEOUT)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn(what, r.stderr, args)


if __name__ == "__main__":
    unittest.main()
