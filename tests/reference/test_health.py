# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Self-checks of the reference health model (tests/reference/health.py).

Run from the repository root:
    python3 -m unittest discover -s tests/reference -p "test_*.py"

Every stream is built by hand (message builders from test_reference.py, layouts of
docs/ITCH50.md) and every expected journal line, state and counter is worked out by hand
from docs/HEALTH.md in the comments next to it, not copied from the program's output.
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import book  # noqa: E402
import health  # noqa: E402
from test_reference import hdr, msg_A, msg_D, msg_R, msg_S, stream  # noqa: E402

OFF = (0, 0, 0, 0)


def config(W=100, Q=1000, gap=OFF, corrupt=OFF, skew=OFF, factor=8, min_messages=16, shift=10,
           min_run=2, events="O", at_index=(), at_time=()):
    """A HEALTH.md section 7 file (parsed by health.load_config, so the parser is used too)."""
    arr = lambda xs: "[" + ", ".join(str(x) for x in xs) + "]"
    return "\n".join([
        "# test config",
        "window_messages = %d" % W,
        "quiet_messages = %d" % Q,
        "[thresholds]",
        "gap = " + arr(gap),
        "corrupt = " + arr(corrupt),
        "skew = " + arr(skew),
        "[burst]",
        "factor = %d" % factor,
        "min_messages = %d" % min_messages,
        "baseline_shift = %d" % shift,
        "min_run_ms = %d" % min_run,
        "[reset]",
        'events = "%s"' % events,
        "at_index = " + arr(at_index),
        "at_time = [" + ", ".join('"%s"' % t for t in at_time) + "]",
        "",
    ])


def line(index, ts, frm, to, cause, values, crossed=(), locate=None, symbol=None):
    """One journal line, keys in the order of HEALTH.md section 8.

    values: (gap, corrupt, skew), for either scope (burst is in no line, section 8);
    crossed: (detector, level, threshold, value) tuples.
    """
    obj = {"index": index, "ts": ts, "scope": "global" if locate is None else "instrument"}
    if locate is not None:
        obj["locate"] = locate
        if symbol is not None:
            obj["symbol"] = symbol
    obj["from"] = frm
    obj["to"] = to
    obj["cause"] = cause
    assert len(values) == 3
    obj["values"] = dict(zip(("gap", "corrupt", "skew"), values))
    obj["crossed"] = [{"detector": d, "level": lv, "threshold": t, "value": v}
                      for d, lv, t, v in crossed]
    return json.dumps(obj, separators=(",", ":"))


def S(ts, code=b"Q"):
    """A System Event that is not a reset point (default reset.events is "O")."""
    return msg_S(ts, code)


def run(data, cfg, **kw):
    return health.health(data, config=health.load_config(cfg), **kw)


def trace(data, cfg, framing="binaryfile"):
    """Run the model and record, after each observation, the burst state (m0, n, b, w, R)."""
    buf, cut = book.load_input(data)
    r = book.Replay(False)
    h = health.Health(health.load_config(cfg), r)
    rows = {}

    def obs(i, *a):
        h.observe(i, *a)
        rows[i] = (h.m0, h.n, h.b, h.w, h.R)
    r.observer = obs
    r.run(buf, framing, cut)
    return h, rows


class Gap(unittest.TestCase):
    # W = 100: one event in the window is 1,000,000 / 100 = 10,000 ppm.
    # R(1) then unknown-ref deletes: each D is `unknown_ref`, a gap event for global and for
    # instrument 1 (decoded, locate 1). Timestamps 1, 2, 3, ...: no skew event.
    def data(self, deletes):
        return stream(msg_R(1, "AAA", 1), *[msg_D(1, 100 + k, 2 + k) for k in range(deletes)])

    def test_exactly_at_threshold(self):
        # Local = 30,000 ppm. c = 3 at index 3: 3 x 1e6 >= 30,000 x 100 (equal) -> crossed.
        # c = 1, 2 at indexes 1, 2: 1e6, 2e6 < 3e6 -> not crossed. Feeder = 50,000: c = 5 at
        # index 5 (5e6 >= 5e6). ts = G after the message = its timestamp (index + 1).
        lines, s = run(self.data(6), config(gap=(30000, 50000, 0, 0)))
        self.assertEqual(lines, [
            '{"index":3,"ts":4,"scope":"global","from":"fuse","to":"local","cause":"escalate",'
            '"values":{"gap":30000,"corrupt":0,"skew":0},'
            '"crossed":[{"detector":"gap","level":"local","threshold":30000,"value":30000}]}',
            '{"index":3,"ts":4,"scope":"instrument","locate":1,"symbol":"AAA","from":"fuse",'
            '"to":"local","cause":"escalate","values":{"gap":30000,"corrupt":0,"skew":0},'
            '"crossed":[{"detector":"gap","level":"local","threshold":30000,"value":30000}]}',
            line(5, 6, "local", "feeder", "escalate", (50000, 0, 0),
                 [("gap", "feeder", 50000, 50000)]),
            line(5, 6, "local", "feeder", "escalate", (50000, 0, 0),
                 [("gap", "feeder", 50000, 50000)], locate=1, symbol="AAA"),
        ])
        # Feeder from index 5: messages 5 and 6 gated, 0..4 published (Local publishes).
        self.assertEqual(s["published"], 5)
        self.assertEqual(s["gated"], 2)
        self.assertEqual(s["first_gated"], 5)
        self.assertEqual(s["global_state"], "feeder")
        self.assertEqual(s["global_worst"], "feeder")
        self.assertEqual(s["instruments_worst"], {"local": 0, "feeder": 1, "main": 0, "kill": 0})
        self.assertEqual(s["transitions"], 4)
        self.assertEqual(s["events"], {"gap": 6, "corrupt": 0, "skew": 0})

    def test_one_above_threshold(self):
        # Local = 30,001: c = 3 -> 3e6 < 3,000,100, not crossed; c = 4 at index 4 -> 4e6 >=
        # 3,000,100: Local, reported rate 40,000.
        lines, s = run(self.data(4), config(gap=(30001, 0, 0, 0)))
        self.assertEqual(lines, [
            line(4, 5, "fuse", "local", "escalate", (40000, 0, 0),
                 [("gap", "local", 30001, 40000)]),
            line(4, 5, "fuse", "local", "escalate", (40000, 0, 0),
                 [("gap", "local", 30001, 40000)], locate=1, symbol="AAA"),
        ])
        self.assertEqual(s["gated"], 0)
        self.assertEqual(s["published"], 5)

    def test_one_below_threshold(self):
        # Local = 29,999: c = 2 -> 2e6 < 2,999,900; c = 3 at index 3 -> 3e6 >= 2,999,900.
        lines, _ = run(self.data(3), config(gap=(29999, 0, 0, 0)))
        self.assertEqual(lines, [
            line(3, 4, "fuse", "local", "escalate", (30000, 0, 0),
                 [("gap", "local", 29999, 30000)]),
            line(3, 4, "fuse", "local", "escalate", (30000, 0, 0),
                 [("gap", "local", 29999, 30000)], locate=1, symbol="AAA"),
        ])

    def test_exact_crossing_not_the_rounded_rate(self):
        # W = 7: one event -> rate floor(1e6 / 7) = 142,857 ppm.
        # Local = 142,857: 1e6 >= 142,857 x 7 = 999,999 -> crossed at index 1.
        lines, _ = run(self.data(1), config(W=7, gap=(142857, 0, 0, 0)))
        self.assertEqual(len(lines), 2)
        self.assertEqual(json.loads(lines[0])["values"]["gap"], 142857)
        # Local = 142,858: 1e6 < 1,000,006 -> never crossed by one event.
        lines, _ = run(self.data(1), config(W=7, gap=(142858, 0, 0, 0)))
        self.assertEqual(lines, [])

    def test_no_directory_without_symbol(self):
        # A for locate 9 with no R: `no_directory` -> gap event, attributed to instrument 9
        # (decoded, locate != 0); it has no directory entry, so no "symbol" key.
        data = stream(msg_A(9, 1, "B", 10, 100, 5))
        lines, _ = run(data, config(W=10, gap=(100000, 0, 0, 0)))
        self.assertEqual(lines, [
            line(0, 5, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)]),
            line(0, 5, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)], locate=9),
        ])
        self.assertNotIn('"symbol"', lines[1])

    def test_symbol_bytes_escaped(self):
        # symbol bytes e9 'T' then 6 spaces: trailing spaces dropped, byte 0xe9 read as
        # Latin-1 U+00E9, which json.dumps writes as \u00e9.
        r = hdr("R", 1, 1) + b"\xe9T      " + b"N " + struct.pack(">I", 100) + b"NC  PN 1N" \
            + struct.pack(">I", 0) + b"N"
        self.assertEqual(len(r), 39)
        lines, _ = run(stream(r, msg_D(1, 5, 2)), config(W=10, gap=(100000, 0, 0, 0)))
        self.assertIn('"locate":1,"symbol":"\\u00e9T","from"', lines[1])


class Corrupt(unittest.TestCase):
    def test_dup_ref_and_undecodable_frame(self):
        # W = 10: one event = 100,000 ppm; corrupt Local 100,000, Feeder 200,000.
        # 0 R(1) ts 1; 1 A ref 5 ts 2; 2 A ref 5 again ts 3 -> dup_ref: corrupt event for
        # global (c=1, Local) and instrument 1 (c=1, Local);
        # 3 frame "Sxx": a known type (S is 12 bytes) of length 3 -> bad_length, did not
        #   decode: global only, c=2 -> Feeder; G stays 3.
        # 4 frame "Zxx": a type this build does not know -> unknown_type, which is no event
        #   (section 2): nothing changes; gated because the feed is in Feeder.
        data = stream(msg_R(1, "AAA", 1), msg_A(1, 5, "B", 100, 10, 2),
                      msg_A(1, 5, "B", 100, 10, 3), b"Sxx", b"Zxx")
        lines, s = run(data, config(W=10, corrupt=(100000, 200000, 0, 0)))
        self.assertEqual(lines, [
            line(2, 3, "fuse", "local", "escalate", (0, 100000, 0),
                 [("corrupt", "local", 100000, 100000)]),
            line(2, 3, "fuse", "local", "escalate", (0, 100000, 0),
                 [("corrupt", "local", 100000, 100000)], locate=1, symbol="AAA"),
            line(3, 3, "local", "feeder", "escalate", (0, 200000, 0),
                 [("corrupt", "feeder", 200000, 200000)]),
        ])
        self.assertEqual(s["published"], 3)
        self.assertEqual(s["gated"], 2)
        self.assertEqual(s["first_gated"], 3)
        self.assertEqual(s["events"], {"gap": 0, "corrupt": 2, "skew": 0})
        self.assertEqual(s["instruments_worst"], {"local": 1, "feeder": 0, "main": 0, "kill": 0})

    def test_truncated_end_observation_at_N(self):
        # Two frames (N = 2), then a partial frame: `truncated` observed at index 2, did not
        # decode, no instrument: a corrupt event for global only. corrupt Local 50,000,
        # Feeder 100,000, W = 10: c = 1 -> 100,000 -> Feeder at index 2, ts = G = 7.
        # Index 2 is not a message: neither published nor gated.
        data = stream(msg_R(1, "AAA", 5), msg_A(1, 1, "S", 10, 10, 7)) + b"\x00\x10ab"
        lines, s = run(data, config(W=10, corrupt=(50000, 100000, 0, 0)))
        self.assertEqual(lines, [line(2, 7, "fuse", "feeder", "escalate", (0, 100000, 0),
                                      [("corrupt", "feeder", 100000, 100000)])])
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (2, 0, None))
        self.assertEqual(s["global_state"], "feeder")

    def test_zero_length_goes_with_the_next_message(self):
        # A zero prefix with bytes after it: `zero_length` for the message that
        # follows (index 1, ts 5, so G = 5), which is replayed: one corrupt event.
        data = stream(S(4)) + b"\x00\x00" + stream(S(5))
        lines, s = run(data, config(W=10, corrupt=(100000, 0, 0, 0)))
        self.assertEqual(lines, [line(1, 5, "fuse", "local", "escalate", (0, 100000, 0),
                                      [("corrupt", "local", 100000, 100000)])])
        self.assertEqual((s["published"], s["gated"]), (2, 0))

    def test_zero_length_at_the_end_goes_with_the_end(self):
        # Zero prefix, then 1 byte: zero_length and truncated, both observed at N = 1.
        data = stream(S(4)) + b"\x00\x00\x05"
        lines, s = run(data, config(W=10, corrupt=(100000, 0, 0, 0)))
        self.assertEqual(lines, [line(1, 4, "fuse", "local", "escalate", (0, 100000, 0),
                                      [("corrupt", "local", 100000, 100000)])])
        self.assertEqual((s["published"], s["gated"]), (1, 0))

    def test_strict_stop_is_observed(self):
        # --strict: the unknown_ref at index 1 stops the replay; it is still an observation:
        # gap event, global and instrument 1 Local (100,000 >= 100,000). No index 2.
        data = stream(msg_R(1, "AAA", 1), msg_D(1, 9, 2), S(3))
        lines, s = run(data, config(W=10, gap=(100000, 0, 0, 0)), strict=True)
        self.assertEqual(lines, [
            line(1, 2, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)]),
            line(1, 2, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)], locate=1, symbol="AAA"),
        ])
        self.assertEqual((s["published"], s["gated"]), (2, 0))

    def test_fixed_framing_unknown_type_is_observed(self):
        # fixed framing: S, S, then type 'Z' -> frame index 2, unknown_type, the replay stops.
        # It is observed (a message, published) but unknown_type is no event (section 2):
        # with corrupt = [100000, 100000, 0, 0] (one event would be Feeder) nothing happens.
        data = b"\x00\x00" + S(10) + b"\x00\x00" + S(11) + b"\x00\x00Zxxxx"
        lines, s = run(data, config(W=10, corrupt=(100000, 100000, 0, 0)), framing="fixed")
        self.assertEqual(lines, [])
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (3, 0, None))
        self.assertEqual(s["events"]["corrupt"], 0)

    def test_many_unknown_types_interleaved(self):
        # 200 frames of unknown types ('z', lengths 5..24) between 201 System Events, with
        # default thresholds (corrupt Local at 1 ppm, Kill at 500): every frame publishable.
        frames = [S(1000)]
        for k in range(200):
            frames += [b"z" + bytes(4 + k % 20), S(1001 + k)]
        lines, s = run(stream(*frames), "")
        self.assertEqual(lines, [])
        self.assertEqual((s["published"], s["gated"], s["events"]["corrupt"]), (401, 0, 0))


class Skew(unittest.TestCase):
    def test_backwards_and_past_midnight(self):
        # W = 10 (1 event = 100,000 ppm); skew Local 100,000, Feeder 200,000.
        # 0 R(1) ts 1000: no G yet. G = 1000, H1 = 1000.
        # 1 R(2) ts 1500: G = 1500, H2 = 1500.
        # 2 A(1) ts 1200: 1200 < G (backwards overall, step 300) although H1 = 1000 <= 1200
        #   (fine within instrument 1): one event, global (c=1 Local) AND instrument 1 (the
        #   observation has an instrument: attribution, section 2) -> Local. H1 = 1200.
        # 3 S ts 24:00 + 5: past midnight (condition 2), global only, c=2 -> Feeder. G stays
        #   1500 (no mark moves), so the journal's ts is 1500.
        # 4 A(2) ts 1400: < G = 1500 (step 100) and < H2 = 1500: one event (not two); global
        #   c=3 stays Feeder (Main off), instrument 2 c=1 -> Local.
        # 5 S ts 3_600_000_000_000 (01:00): a forward jump of an hour: no event (section 2).
        day = 86_400_000_000_000
        data = stream(msg_R(1, "AAA", 1000), msg_R(2, "BBB", 1500),
                      msg_A(1, 7, "B", 10, 10, 1200), S(day + 5), msg_A(2, 8, "S", 10, 10, 1400),
                      S(3_600_000_000_000))
        lines, s = run(data, config(W=10, skew=(100000, 200000, 0, 0)))
        self.assertEqual(lines, [
            line(2, 1500, "fuse", "local", "escalate", (0, 0, 100000),
                 [("skew", "local", 100000, 100000)]),
            line(2, 1500, "fuse", "local", "escalate", (0, 0, 100000),
                 [("skew", "local", 100000, 100000)], locate=1, symbol="AAA"),
            line(3, 1500, "local", "feeder", "escalate", (0, 0, 200000),
                 [("skew", "feeder", 200000, 200000)]),
            line(4, 1500, "fuse", "local", "escalate", (0, 0, 100000),
                 [("skew", "local", 100000, 100000)], locate=2, symbol="BBB"),
        ])
        self.assertEqual(s["events"], {"gap": 0, "corrupt": 0, "skew": 3})
        self.assertEqual(s["max_backward_ns"], 300)
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (3, 3, 3))
        # messages 0-4 in feed millisecond 0 (message 3 counts in the current one): peak 5
        # per ms; message 5 opens ms 3_600_000 after a new start (w = 0): never hot
        self.assertEqual(s["peak_msgs_per_ms"], 5)
        self.assertEqual(s["longest_burst_ms"], 0)

    def test_quiet_hours_are_not_skew(self):
        # a thin feed: one message every 10 minutes from 04:00 to 20:00 (97 messages), then
        # messages an hour apart: every step forward is a quiet period, none is an event.
        ts = [14_400_000_000_000 + k * 600_000_000_000 for k in range(97)]
        ts += [ts[-1] + 3_600_000_000_000 * k for k in (1, 2, 3)]
        _, s = run(stream(*[S(t) for t in ts]), config(W=10, skew=(1, 0, 0, 0)))
        self.assertEqual((s["events"]["skew"], s["gated"], s["global_worst"]), (0, 0, "fuse"))

    def test_time_backwards_is_not_an_input(self):
        # 10, 5, 6: message 1 is skew (5 < G = 10); message 2 is time_backwards? no (6 > 5),
        # but still < G = 10: a skew event too. 10, 5, 20: message 2 (20 >= G) is not.
        # Only the high-water mark counts, never the replay's time_backwards.
        _, s = run(stream(S(10), S(5), S(6)), config(W=10))
        self.assertEqual(s["events"]["skew"], 2)
        self.assertEqual(s["max_backward_ns"], 5)
        _, s = run(stream(S(10), S(5), S(20)), config(W=10))
        self.assertEqual(s["events"]["skew"], 1)


class Burst(unittest.TestCase):
    def test_decay(self):
        # s = 2: P0 = 2^32 - 2^30 = 0.75, P1 = 0.5625 (exact); k = 3 -> Q = 0.75 x 0.5625 =
        # 27/64: floor(1000 x 27 / 64) = floor(421.875) = 421.
        self.assertEqual(health.decay(1000, 3, 2), 421)
        # s = 10, k = 1: floor(5000 x 1023 / 1024) = floor(4995.117...) = 4995
        self.assertEqual(health.decay(5000, 1, 10), 4995)
        # k = 0: Q = 2^32, unchanged; s = 0: P0 = 0 -> 0
        self.assertEqual(health.decay(777, 0, 10), 777)
        self.assertEqual(health.decay(777, 1, 0), 0)

    def test_runs_baseline_and_no_breaker(self):
        # s = 1 (2^s = 2 ms), min_messages 2, factor 2, min_run_ms 2; Q = 1. Burst is measured
        # exactly as before this revision but moves no breaker: the journal stays empty.
        # Per millisecond (ms: message indexes):
        #   ms0: 0 | ms1: 1 | ms2: 2 | ms3: 3-6 | ms4: 7-8 | ms5: 9 | ms8: 10-11
        #   ms9: 12-14 | ms10: 15 | ms11: 16 | ms100: 17-19 | ms101: 20-22 | ms102: 23-27
        # Closing a ms: b := b - floor(b/2) + floor(n x 65536 / 2).
        # 0: first: m0=0 n=1 b=0 w=0.
        # 1: close ms0 (n=1): b = 32768, w = 1.                            n=1 (< 2)
        # 2: close ms1: b = 32768 - 16384 + 32768 = 49152, w = 2.         n=1
        # 3: close ms2: b = 49152 - 24576 + 32768 = 57344, w = 3.         n=1
        # 4: n=2, w=3 >= 2, 2 x 65536 = 131072 >= 2 x 57344 = 114688: hot, R=1.
        # 7: close ms3 (n=4, hot: R stays 1): b = 57344 - 28672 + 131072 = 159744, w=4.
        # 8: n=2: 131072 < 319488, not hot.
        # 9: close ms4 (not hot): R=0; b = 159744 - 79872 + 65536 = 145408, w=5.
        # 10: close ms5: b = 145408 - 72704 + 32768 = 105472, w=6; k = 8-5-1 = 2 empty ms
        #    (<= 32 x 2): decay by (1/2)^2 -> 26368, w=8.
        # 11: n=2: 131072 >= 52736: hot, R=1.
        # 12: close ms8 (hot): b = 26368 - 13184 + 65536 = 78720, w=9, R stays 1.
        # 13: n=2: 131072 < 157440. 14: n=3: 196608 >= 157440: hot, R=2 = min_run_ms: a burst.
        # 15: close ms9 (hot): b = 78720 - 39360 + 98304 = 137664, w=10, R=2.
        # 16: close ms10 (not hot): R=0, b = 137664 - 68832 + 32768 = 101600, w=11.
        # 17: close ms11: b = 101600 - 50800 + 32768 = 83568, w=12; k = 88 > 64: b=0, w=0.
        # 18, 19: w = 0 < 2: never hot.
        # 20: close ms100 (n=3): b = 98304, w=1. 21, 22: w=1 < 2.
        # 23: close ms101 (n=3): b = 98304 - 49152 + 98304 = 147456, w=2.
        # 24-26: n=2..4: 262144 < 294912. 27: n=5: 327680 >= 294912: hot, R=1 (3rd run).
        per_ms = [(0, 1), (1, 1), (2, 1), (3, 4), (4, 2), (5, 1), (8, 2), (9, 3), (10, 1),
                  (11, 1), (100, 3), (101, 3), (102, 5)]
        msgs = []
        for ms, count in per_ms:
            for j in range(count):
                msgs.append(S(ms * 1_000_000 + j * 1000 + 1))
        ts = [int.from_bytes(m[5:11], "big") for m in msgs]
        cfg = config(Q=1, factor=2, min_messages=2, shift=1, min_run=2)
        h, rows = trace(stream(*msgs), cfg)
        expect = {0: (0, 1, 0, 0, 0), 1: (1, 1, 32768, 1, 0), 2: (2, 1, 49152, 2, 0),
                  3: (3, 1, 57344, 3, 0), 4: (3, 2, 57344, 3, 1), 7: (4, 1, 159744, 4, 1),
                  8: (4, 2, 159744, 4, 1), 9: (5, 1, 145408, 5, 0), 10: (8, 1, 26368, 8, 0),
                  11: (8, 2, 26368, 8, 1), 12: (9, 1, 78720, 9, 1), 13: (9, 2, 78720, 9, 1),
                  14: (9, 3, 78720, 9, 2), 15: (10, 1, 137664, 10, 2),
                  16: (11, 1, 101600, 11, 0), 17: (100, 1, 0, 0, 0), 19: (100, 3, 0, 0, 0),
                  20: (101, 1, 98304, 1, 0), 23: (102, 1, 147456, 2, 0),
                  26: (102, 4, 147456, 2, 0), 27: (102, 5, 147456, 2, 1)}
        for i, row in expect.items():
            self.assertEqual(rows[i], row, "after message %d" % i)
        self.assertEqual(h.journal_lines(), [])
        s = h.summary()
        self.assertEqual(s["longest_burst_ms"], 2)
        self.assertEqual(s["peak_msgs_per_ms"], 5)
        self.assertEqual(s["bursts"], 1)                 # runs at 4, 11, 27: only 11's reaches 2
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (28, 0, None))
        self.assertEqual((s["global_state"], s["global_worst"]), ("fuse", "fuse"))
        # min_run_ms 1: every run counts; 0: the count is off
        h1, _ = trace(stream(*msgs), config(Q=1, factor=2, min_messages=2, shift=1, min_run=1))
        h0, _ = trace(stream(*msgs), config(Q=1, factor=2, min_messages=2, shift=1, min_run=0))
        self.assertEqual((h1.summary()["bursts"], h0.summary()["bursts"]), (3, 0))


class Hysteresis(unittest.TestCase):
    def test_recover_after_Q_and_cancel(self):
        # W = 5, Q = 3, gap Local 200,000 (1 event), Feeder 600,000 (3 events).
        # 0 R(1); unknown-ref D at 1, 10, 17; every other index an S (no event). ts = 1000 + i.
        # 1: c=1 -> Local (global, instrument 1).
        # 6 = 1 + W: the event leaves, c=0, target Fuse < Local: timers due 6 + 3 = 9.
        # 9: both recover (values all 0, crossed empty).
        # 10: c=1 -> Local again. 15: leaves -> timers due 18.
        # 17: c=1 before 18: target Local >= state Local: timers disarmed (no line at 18).
        # 22 = 17 + W: leaves -> timers due 25. 25: recover.
        msgs = []
        for i in range(27):
            msgs.append(msg_R(1, "AAA", 1000) if i == 0 else
                        msg_D(1, 900 + i, 1000 + i) if i in (1, 10, 17) else S(1000 + i))
        lines, s = run(stream(*msgs), config(W=5, Q=3, gap=(200000, 600000, 0, 0)))
        up = lambda i: [line(i, 1000 + i, "fuse", "local", "escalate", (200000, 0, 0),
                             [("gap", "local", 200000, 200000)]),
                        line(i, 1000 + i, "fuse", "local", "escalate", (200000, 0, 0),
                             [("gap", "local", 200000, 200000)], locate=1, symbol="AAA")]
        down = lambda i: [line(i, 1000 + i, "local", "fuse", "recover", (0, 0, 0)),
                          line(i, 1000 + i, "local", "fuse", "recover", (0, 0, 0),
                               locate=1, symbol="AAA")]
        self.assertEqual(lines, up(1) + down(9) + up(10) + down(25))
        self.assertEqual((s["published"], s["gated"]), (27, 0))
        self.assertEqual(s["global_state"], "fuse")
        self.assertEqual(s["global_worst"], "local")

    def test_quiet_zero_recovers_at_once(self):
        # Q = 0: the timer armed at index 6 (the event of 1 left) is due at 6: recover at 6.
        msgs = [msg_R(1, "AAA", 1), msg_D(1, 5, 2)] + [S(3 + k) for k in range(6)]
        lines, _ = run(stream(*msgs), config(W=5, Q=0, gap=(200000, 0, 0, 0)))
        self.assertEqual([json.loads(x)["index"] for x in lines], [1, 1, 6, 6])
        self.assertEqual(json.loads(lines[2])["cause"], "recover")

    def test_burst_with_quiet_zero_moves_nothing(self):
        # Once a Local-at-1-ms burst with Q = 0 (a recovery at the same index); now burst is
        # no input: s = 0 (2^s = 1), min 2, factor 1, min_run_ms 1; all messages of locate 2.
        # 0 R(2) ms0: first, n=1, w=0.
        # 1 A ms1: close ms0: b = 0 - 0 + 65536, w=1; n=1 (< 2).
        # 2 A ms1: n=2, w=1 >= 1, 131072 >= 65536: hot, R=1 (a burst: R = min_run_ms).
        # 3 A ms3: close ms1 (hot, R kept): w=2; k = 1 empty ms -> R=0.
        # No journal line, nothing gated.
        A = lambda ref, t: msg_A(2, ref, "B", 1, 1, t)
        msgs = [msg_R(2, "AB", 1), A(1, 1_000_001), A(2, 1_000_002), A(3, 3_000_001)]
        lines, s = run(stream(*msgs), config(Q=0, shift=0, factor=1, min_messages=2, min_run=1))
        self.assertEqual(lines, [])
        self.assertEqual((s["bursts"], s["longest_burst_ms"], s["gated"]), (1, 1, 0))


class Latching(unittest.TestCase):
    # W = 10 (1 event = 100,000 ppm); gap Local 100,000, Feeder 200,000, Main off,
    # Kill 300,000. 0 R(1); unknown-ref D at 1, 2 (and 3 for Kill); fillers S 'Q'.
    CFG = dict(W=10, Q=1, gap=(100000, 200000, 0, 300000))

    def esc(self, i, ts, frm, to, c):
        lvl = ("fuse", "local", "feeder", "main", "kill")[c if c < 3 else 4]
        thr = {1: 100000, 2: 200000, 3: 300000}[c]
        cr = [("gap", lvl, thr, c * 100000)]
        return [line(i, ts, frm, to, "escalate", (c * 100000, 0, 0), cr),
                line(i, ts, frm, to, "escalate", (c * 100000, 0, 0), cr, locate=1,
                     symbol="AAA")]

    def test_feeder_latches_until_system_event_O(self):
        # 1: Local; 2: Feeder; 3, 4 gated; 5: S 'O' is a reset point: windows emptied (the
        # events of 1 and 2 no longer count), Feeder -> Fuse for global (burst 0) and
        # instrument 1, cause reset, values 0, nothing crossed; 5 is then published.
        # 6: a new event: c=1 -> Local. 11 = 1 + W: the event of 1 is gone already, nothing.
        # 16 = 6 + W: c=0 -> timers due 17; 17: recover. ts = index (S/D stamped i, R 0).
        msgs = [msg_R(1, "AAA", 0), msg_D(1, 91, 1), msg_D(1, 92, 2), S(3), S(4),
                msg_S(5, b"O"), msg_D(1, 93, 6)] + [S(i) for i in range(7, 18)]
        lines, s = run(stream(*msgs), config(**self.CFG))
        self.assertEqual(lines, self.esc(1, 1, "fuse", "local", 1)
                         + self.esc(2, 2, "local", "feeder", 2) + [
            line(5, 5, "feeder", "fuse", "reset", (0, 0, 0)),
            line(5, 5, "feeder", "fuse", "reset", (0, 0, 0), locate=1, symbol="AAA"),
        ] + self.esc(6, 6, "fuse", "local", 1) + [
            line(17, 17, "local", "fuse", "recover", (0, 0, 0)),
            line(17, 17, "local", "fuse", "recover", (0, 0, 0), locate=1, symbol="AAA"),
        ])
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (15, 3, 2))
        self.assertEqual(s["resets"], 1)
        self.assertEqual(s["transitions"], 10)
        self.assertEqual(s["global_worst"], "feeder")
        self.assertEqual(s["instruments_worst"], {"local": 0, "feeder": 1, "main": 0, "kill": 0})

    def test_feeder_latches_until_reset_at_index(self):
        # no 'O': 1 Local, 2 Feeder; 11 and 12 (events leave, c -> 0) change nothing: Feeder
        # latches (no timer). reset_at=[14]: Feeder -> Fuse at 14. Gated: 2..13 (12).
        msgs = [msg_R(1, "AAA", 0), msg_D(1, 91, 1), msg_D(1, 92, 2)] \
            + [S(i) for i in range(3, 16)]
        expect = self.esc(1, 1, "fuse", "local", 1) + self.esc(2, 2, "local", "feeder", 2) + [
            line(14, 14, "feeder", "fuse", "reset", (0, 0, 0)),
            line(14, 14, "feeder", "fuse", "reset", (0, 0, 0), locate=1, symbol="AAA"),
        ]
        for cfg, kw in ((config(**self.CFG), {"reset_at": [14]}),
                        (config(at_index=[14], **self.CFG), {})):
            lines, s = run(stream(*msgs), cfg, **kw)
            self.assertEqual(lines, expect)
            self.assertEqual((s["published"], s["gated"], s["first_gated"]), (4, 12, 2))
            self.assertEqual(s["resets"], 1)
            self.assertEqual(s["global_state"], "fuse")
        # without any reset point: still Feeder at the end, everything from 2 gated
        lines, s = run(stream(*msgs), config(**self.CFG))
        self.assertEqual(lines, expect[:4])
        self.assertEqual((s["global_state"], s["gated"], s["resets"]), ("feeder", 14, 0))

    def test_kill_is_final(self):
        # 3: c=3 -> 300,000 >= Kill. 4: S 'O' reset: Kill scopes keep Kill, no line; the
        # reset still counts. Everything from 2 on is gated, for ever.
        msgs = [msg_R(1, "AAA", 0), msg_D(1, 91, 1), msg_D(1, 92, 2), msg_D(1, 93, 3),
                msg_S(4, b"O")] + [S(i) for i in range(5, 30)]
        lines, s = run(stream(*msgs), config(**self.CFG), reset_at=[20])
        self.assertEqual(lines, self.esc(1, 1, "fuse", "local", 1)
                         + self.esc(2, 2, "local", "feeder", 2)
                         + self.esc(3, 3, "feeder", "kill", 3))
        self.assertEqual((s["published"], s["gated"], s["first_gated"]), (2, 28, 2))
        self.assertEqual(s["resets"], 2)
        self.assertEqual(s["global_state"], "kill")
        self.assertEqual(s["instruments_worst"], {"local": 0, "feeder": 0, "main": 0, "kill": 1})

    def test_reset_at_time_once(self):
        # time points 00:00:00.000001 (1,000 ns) and 00:00:00.0000012 (1,200 ns): both first
        # reached by message 2 (ts 1,500): one reset point (index 2). Message 3 (ts 900, a
        # later message below the times again) and 4 (ts 2,000) are not reset points.
        # 1: gap event -> Local; 2: reset -> Fuse (G after message 2 = 1,500).
        msgs = [msg_R(1, "AAA", 500), msg_D(1, 1, 600), S(1500), S(900), S(2000)]
        lines, s = run(stream(*msgs), config(W=10, gap=(100000, 0, 0, 0)),
                       reset_at=["00:00:00.000001", "00:00:00.0000012"])
        self.assertEqual([(json.loads(x)["index"], json.loads(x)["cause"]) for x in lines],
                         [(1, "escalate"), (1, "escalate"), (2, "reset"), (2, "reset")])
        self.assertEqual(json.loads(lines[2])["ts"], 1500)
        self.assertEqual(s["resets"], 1)

    def test_reset_during_a_burst_run_gives_fuse(self):
        # a reset while a burst run is open: every scope takes Fuse (burst is no input).
        # s = 0 (2^s = 1 ms), min 2, factor 1; gap Local 100,000 (W = 10).
        # 0 S ms0: first, w=0.   1 A(locate 9, no directory) ms1: close ms0: b = 65536, w=1;
        # no_directory: a gap event -> global Local and instrument 9 Local. n=1.
        # 2 S ms1: n=2, w=1 >= 1, 131072 >= 65536: hot, R=1: nothing decided.
        # 3 S 'O' ms1: reset: windows emptied; global Local -> Fuse, then instrument 9
        # Local -> Fuse (global first), values 0, nothing crossed; ts = G = 1_000_003.
        msgs = [S(1), msg_A(9, 1, "B", 1, 1, 1_000_001), S(1_000_002),
                msg_S(1_000_003, b"O")]
        lines, s = run(stream(*msgs), config(W=10, gap=(100000, 0, 0, 0), shift=0, factor=1,
                                             min_messages=2))
        self.assertEqual(lines, [
            line(1, 1_000_001, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)]),
            line(1, 1_000_001, "fuse", "local", "escalate", (100000, 0, 0),
                 [("gap", "local", 100000, 100000)], locate=9),
            line(3, 1_000_003, "local", "fuse", "reset", (0, 0, 0)),
            line(3, 1_000_003, "local", "fuse", "reset", (0, 0, 0), locate=9),
        ])
        self.assertEqual(s["global_state"], "fuse")


class Config(unittest.TestCase):
    def test_defaults_and_partial_file(self):
        cfg = health.load_config("window_messages = 1_000\n[burst]\nfactor = 3 # comment\n")
        d = health.default_config()
        self.assertEqual(cfg["window_messages"], 1000)
        self.assertEqual(cfg["burst"], {"factor": 3, "min_messages": 16, "baseline_shift": 10,
                                        "min_run_ms": 2})
        self.assertEqual(d["thresholds"]["skew"], [5, 20, 100, 0])
        self.assertNotIn("burst", d["thresholds"])
        self.assertEqual(cfg["thresholds"], d["thresholds"])
        self.assertEqual(d["thresholds"]["gap"], [5, 50, 200, 1000])
        self.assertEqual(health.load_config(""), d)

    def test_refused(self):
        for text, lineno in (("window_messages = 5\nbogus = 1\n", 2),
                             ("[thresholds]\ngap = [5, 4, 0, 0]\n", 2),
                             ("[thresholds]\ngap = [5, 0, 4, 0]\n", 2),
                             ("[thresholds]\ngap = [5, 6, 7]\n", 2),
                             ("[nope]\n", 1),
                             ("[burst]\nmin_run_ms = -1\n", 2),
                             ("[burst]\nmin_run_ms = 0x10\n", 2),
                             ("[burst]\nmin_run_ms = 1.5\n", 2),
                             # retired keys (section 7) and skew at Kill (section 5)
                             ("[skew]\njump_ns = 60000000000\n", 2),
                             ("# x\n[thresholds]\nburst = [2, 5, 10, 100]\n", 3),
                             ("[thresholds]\nskew = [5, 20, 100, 1000]\n", 2),
                             ("quiet_messages = 1\nquiet_messages = 2\n", 2),
                             ("[reset]\nat_time = [\"12:61:00\"]\n", 2)):
            with self.subTest(text=text):
                with self.assertRaises(health.ConfigError) as cm:
                    health.load_config(text)
                self.assertTrue(str(cm.exception).startswith("%d:" % lineno), cm.exception)
        # zeros are allowed anywhere among the thresholds
        health.load_config("[thresholds]\ngap = [0, 5, 0, 9]\n")

    def test_times(self):
        self.assertEqual(health.parse_time("09:30:00"), 34_200_000_000_000)
        self.assertEqual(health.parse_time("00:00:01.5"), 1_500_000_000)
        self.assertEqual(health.parse_time("00:00:00.000000001"), 1)


class Cli(unittest.TestCase):
    def test_cli_journal_and_summary(self):
        # Gap.test_exactly_at_threshold through the command line, with --reset-at 4:
        # 3 Local; 4 reset (windows emptied, Local -> Fuse), then message 4 counts as usual:
        # c = 1 at 4, 2 at 5, 3 at 6 -> Local again at 6 (Feeder needs 5).
        data = stream(msg_R(1, "AAA", 1), *[msg_D(1, 100 + k, 2 + k) for k in range(6)])
        with tempfile.TemporaryDirectory() as d:
            f = os.path.join(d, "in.itch")
            cfg = os.path.join(d, "h.toml")
            jl = os.path.join(d, "out.jl")
            with open(f, "wb") as fh:
                fh.write(data)
            with open(cfg, "w") as fh:
                fh.write(config(gap=(30000, 50000, 0, 0)))
            cmd = [sys.executable, os.path.join(HERE, "health.py"), f, "--config", cfg,
                   "--reset-at", "4"]
            r = subprocess.run(cmd + ["--journal", jl], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(jl) as fh:
                journal = fh.read()
            self.assertEqual([json.loads(x)["cause"] for x in journal.splitlines()],
                             ["escalate", "escalate", "reset", "reset", "escalate",
                              "escalate"])
            summary = json.loads(r.stdout)
            self.assertEqual(summary["resets"], 1)
            self.assertEqual(summary["published"], 7)
            self.assertEqual(list(summary), sorted(summary))
            r2 = subprocess.run(cmd + ["--journal", "-"], capture_output=True, text=True)
            self.assertEqual(r2.stdout, journal)
            self.assertEqual(json.loads(r2.stderr), summary)
            with open(cfg, "a") as fh:
                fh.write("bogus = 1\n")
            r3 = subprocess.run(cmd, capture_output=True, text=True)
            self.assertEqual(r3.returncode, 2)
            self.assertIn("h.toml:17:", r3.stderr)   # config() writes 16 lines


if __name__ == "__main__":
    unittest.main()
