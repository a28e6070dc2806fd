# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Self-checks of the reference replay (tests/reference/book.py).

Run from the repository root:  python3 -m unittest tests/reference/test_reference.py

Every stream is built by hand with struct.pack from docs/ITCH50.md, and every expected
value is worked out by hand (or with the small helpers below, which do not use book.py).
"""

import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import book  # noqa: E402

EMPTY = "cbf29ce484222325"


# -- a separately written FNV-1a 64 and word fold (not book.py's) -----------------
def fnv(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) % (1 << 64)
    return "%016x" % h


def fold_words(words):
    s = 14695981039346656037
    for w in words:
        s = ((s ^ w) * 1099511628211) % (1 << 64)
    return s


# -- message builders (docs/ITCH50.md layouts) -------------------------------------
def hdr(t, locate, ts):
    return t.encode() + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big")


def msg_S(ts=0, code=b"O"):
    return hdr("S", 0, ts) + code


def msg_R(locate, sym, ts=0):
    m = hdr("R", locate, ts) + sym.ljust(8).encode() + b"N" + b" " + struct.pack(">I", 100) \
        + b"N" + b"C" + b"  " + b"P" + b"N" + b" " + b"1" + b"N" + struct.pack(">I", 0) + b"N"
    assert len(m) == 39
    return m


def msg_H(locate, sym, state=b"T", ts=0):
    return hdr("H", locate, ts) + sym.ljust(8).encode() + state + b" " + b"    "


def msg_A(locate, ref, side, shares, price, ts=0, sym="ZZZ"):
    return hdr("A", locate, ts) + struct.pack(">QcI8sI", ref, side.encode(),
                                              shares, sym.ljust(8).encode(), price)


def msg_F(locate, ref, side, shares, price, ts=0, sym="ZZZ"):
    return hdr("F", locate, ts) + struct.pack(">QcI8sI", ref, side.encode(), shares,
                                              sym.ljust(8).encode(), price) + b"MPID"


def msg_E(locate, ref, shares, ts=0):
    return hdr("E", locate, ts) + struct.pack(">QIQ", ref, shares, 999)


def msg_C(locate, ref, shares, exec_price, ts=0):
    return hdr("C", locate, ts) + struct.pack(">QIQcI", ref, shares, 998, b"Y", exec_price)


def msg_X(locate, ref, shares, ts=0):
    return hdr("X", locate, ts) + struct.pack(">QI", ref, shares)


def msg_D(locate, ref, ts=0):
    return hdr("D", locate, ts) + struct.pack(">Q", ref)


def msg_U(locate, old, new, shares, price, ts=0):
    return hdr("U", locate, ts) + struct.pack(">QQII", old, new, shares, price)


def msg_P(locate, ref, side, shares, price, ts=0, sym="ZZZ"):
    return hdr("P", locate, ts) + struct.pack(">QcI8sIQ", ref, side.encode(), shares,
                                              sym.ljust(8).encode(), price, 5)


def frame(m):
    return struct.pack(">H", len(m)) + m


def stream(*msgs):
    return b"".join(frame(m) for m in msgs)


def run(data, **kw):
    return book.replay(data, **kw)


class BuildersAreRight(unittest.TestCase):
    def test_lengths(self):
        self.assertEqual(len(msg_S()), 12)
        self.assertEqual(len(msg_R(1, "A")), 39)
        self.assertEqual(len(msg_H(1, "A")), 25)
        self.assertEqual(len(msg_A(1, 1, "B", 1, 1)), 36)
        self.assertEqual(len(msg_F(1, 1, "B", 1, 1)), 40)
        self.assertEqual(len(msg_E(1, 1, 1)), 31)
        self.assertEqual(len(msg_C(1, 1, 1, 1)), 36)
        self.assertEqual(len(msg_X(1, 1, 1)), 23)
        self.assertEqual(len(msg_D(1, 1)), 19)
        self.assertEqual(len(msg_U(1, 1, 2, 1, 1)), 35)
        self.assertEqual(len(msg_P(1, 1, "B", 1, 1)), 44)


class Digests(unittest.TestCase):
    def test_empty_input(self):
        r = run(b"")
        self.assertEqual(r["digests"], {"l3": EMPTY, "l2": EMPTY, "stream": EMPTY})
        self.assertEqual(r["messages"], 0)
        self.assertEqual(r["anomalies"], {})
        self.assertIsNone(r["stopped_by"])
        self.assertFalse(r["ended_by_session_marker"])

    def test_fnv_basis(self):
        self.assertEqual(fnv(b""), EMPTY)
        self.assertEqual(fnv(b"a"), "af63dc4c8601ec8c")  # published FNV-1a 64 test vector

    def test_one_order_book_literal_bytes(self):
        # R AAPL at locate 5, A ref 7 buy 100 @ 1.0000 (10000)
        r = run(stream(msg_R(5, "AAPL"), msg_A(5, 7, "B", 100, 10000)))
        l3_bytes = bytes.fromhex(
            "4141504c20202020"          # "AAPL    "
            "42" "01000000"             # 'B', 1 level
            "10270000"                  # price 10000
            "6400000000000000"          # total shares 100
            "01000000"                  # 1 order
            "0700000000000000"          # ref 7
            "64000000"                  # 100 shares
            "53" "00000000"             # 'S', 0 levels
        )
        l2_bytes = bytes.fromhex(
            "4141504c20202020" "42" "01000000"
            "10270000" "6400000000000000" "01000000"
            "53" "00000000"
        )
        w0 = ord("A") | ord("B") << 8 | 10000 << 32
        s = fold_words([w0, 7, 100])
        stream_bytes = b"AAPL    " + struct.pack("<QQ", s, 1)
        self.assertEqual(r["digests"]["l3"], fnv(l3_bytes))
        self.assertEqual(r["digests"]["l2"], fnv(l2_bytes))
        self.assertEqual(r["digests"]["stream"], fnv(stream_bytes))

    def test_instrument_without_orders_not_in_l3(self):
        r = run(stream(msg_R(1, "AAA"), msg_R(2, "BBB"), msg_A(2, 1, "S", 5, 7)))
        expect = fnv(b"BBB     " + b"B" + struct.pack("<I", 0) + b"S" + struct.pack("<I", 1)
                     + struct.pack("<IQI", 7, 5, 1) + struct.pack("<QI", 1, 5))
        self.assertEqual(r["digests"]["l3"], expect)

    def test_stream_digest_path_sensitive_and_emptied_book(self):
        # add then delete: book empty (l3 = basis) but stream digest records the path
        r = run(stream(msg_R(1, "X"), msg_A(1, 9, "S", 10, 50), msg_D(1, 9)))
        self.assertEqual(r["digests"]["l3"], EMPTY)
        self.assertEqual(r["digests"]["l2"], EMPTY)
        wa = ord("A") | ord("S") << 8 | 50 << 32
        wd = ord("D") | ord("S") << 8 | 50 << 32
        s = fold_words([wa, 9, 10, wd, 9, 0])
        self.assertEqual(r["digests"]["stream"], fnv(b"X       " + struct.pack("<QQ", s, 2)))

    def test_symbol_order_is_bytewise(self):
        # "B" < "a" as bytes; locates in the other order
        r = run(stream(msg_R(1, "a"), msg_R(2, "B"),
                       msg_A(1, 1, "B", 1, 1), msg_A(2, 2, "B", 2, 2)))
        part = lambda sym, p, q, ref: (sym.ljust(8).encode() + b"B" + struct.pack("<I", 1)
                                       + struct.pack("<IQI", p, q, 1) + struct.pack("<QI", ref, q)
                                       + b"S" + struct.pack("<I", 0))
        self.assertEqual(r["digests"]["l3"], fnv(part("B", 2, 2, 2) + part("a", 1, 1, 1)))


class BookEffects(unittest.TestCase):
    def test_add_partial_execute_replace(self):
        data = stream(
            msg_S(1),
            msg_R(1, "ABC", 2),
            msg_A(1, 10, "B", 300, 1000, 3),
            msg_A(1, 11, "B", 200, 1000, 4),
            msg_A(1, 12, "B", 50, 1100, 5),
            msg_A(1, 13, "S", 70, 1200, 6),
            msg_E(1, 10, 100, 7),            # 10 keeps its place with 200
            msg_U(1, 12, 14, 40, 1000, 8),   # 12 @1100 leaves; 14 joins tail of 1000
            msg_C(1, 13, 20, 5555, 9),       # C price unused: 13 stays @1200 with 50
            msg_X(1, 11, 50, 10),            # 11 -> 150
            msg_P(1, 0, "B", 10, 1000, 11),  # trade: no book change
        )
        r = run(data, dump_books=True)
        self.assertEqual(r["messages"], 11)
        self.assertEqual(r["by_type"], {"S": 1, "R": 1, "A": 4, "E": 1, "U": 1, "C": 1, "X": 1, "P": 1})
        self.assertEqual(r["book_changes"], 8)
        self.assertEqual(r["anomalies"], {})
        self.assertEqual(r["live_orders"], 4)
        self.assertEqual(r["levels"], 2)
        self.assertEqual(r["instruments"], 1)
        self.assertEqual(r["books"], {"ABC": {
            "B": [[1000, 390, 3, [[10, 200], [11, 150], [14, 40]]]],
            "S": [[1200, 50, 1, [[13, 50]]]],
        }})
        # stream digest by hand
        B, S = ord("B") << 8, ord("S") << 8
        words = [
            ord("A") | B | 1000 << 32, 10, 300,
            ord("A") | B | 1000 << 32, 11, 200,
            ord("A") | B | 1100 << 32, 12, 50,
            ord("A") | S | 1200 << 32, 13, 70,
            ord("E") | B | 1000 << 32, 10, 200,
            ord("U") | B | 1000 << 32, 14, 40, 12,
            ord("C") | S | 1200 << 32, 13, 50,
            ord("X") | B | 1000 << 32, 11, 150,
        ]
        s = fold_words(words)
        self.assertEqual(r["digests"]["stream"], fnv(b"ABC     " + struct.pack("<QQ", s, 8)))

    def test_level_order_best_first(self):
        r = run(stream(msg_R(1, "Q"),
                       msg_A(1, 1, "B", 1, 100), msg_A(1, 2, "B", 1, 300), msg_A(1, 3, "B", 1, 200),
                       msg_A(1, 4, "S", 1, 900), msg_A(1, 5, "S", 1, 700), msg_A(1, 6, "S", 1, 800)),
                dump_books=True)
        self.assertEqual([lv[0] for lv in r["books"]["Q"]["B"]], [300, 200, 100])
        self.assertEqual([lv[0] for lv in r["books"]["Q"]["S"]], [700, 800, 900])

    def test_replace_same_ref_same_price_loses_priority(self):
        r = run(stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 100), msg_A(1, 2, "B", 10, 100),
                       msg_U(1, 1, 1, 10, 100)), dump_books=True)
        self.assertEqual(r["anomalies"], {})
        self.assertEqual(r["books"]["Q"]["B"], [[100, 20, 2, [[2, 10], [1, 10]]]])

    def test_execute_to_zero_removes_level(self):
        r = run(stream(msg_R(1, "Q"), msg_A(1, 1, "S", 10, 100), msg_E(1, 1, 4), msg_X(1, 1, 6)),
                dump_books=True)
        self.assertEqual(r["live_orders"], 0)
        self.assertEqual(r["levels"], 0)
        self.assertEqual(r["books"], {})
        self.assertEqual(r["book_changes"], 3)
        self.assertEqual(r["anomalies"], {})

    def test_orders_keyed_by_locate_and_ref(self):
        # the same ref in two instruments is two orders; D acts in the named instrument only
        r = run(stream(msg_R(1, "A1"), msg_R(2, "A2"),
                       msg_A(1, 5, "B", 1, 10), msg_A(2, 5, "B", 2, 20),
                       msg_D(2, 5), msg_D(2, 5)), dump_books=True)
        self.assertEqual(r["anomalies"], {"unknown_ref": {"count": 1, "first_offset": 2 * 41 + 2 * 38 + 21,
                                                          "first_index": 5}})
        self.assertEqual(r["books"], {"A1": {"B": [[10, 1, 1, [[5, 1]]]], "S": []}})

    def test_repeat_R_is_nothing_and_H_sets_nothing_visible(self):
        r = run(stream(msg_R(1, "Q"), msg_R(1, "Q"), msg_H(1, "Q")))
        self.assertEqual(r["anomalies"], {})
        self.assertEqual(r["instruments"], 1)
        self.assertEqual(r["book_changes"], 0)


def one_anomaly(testcase, result, key, offset, index, count=1):
    testcase.assertEqual(result["anomalies"], {key: {"count": count, "first_offset": offset,
                                                     "first_index": index}})


class Anomalies(unittest.TestCase):
    # frame sizes: S 14, R 41, A 38, E 33, X 25, D 21, U 37, H 27

    def test_truncated(self):
        r = run(stream(msg_S()) + b"\x00\x0cS\x00")
        one_anomaly(self, r, "truncated", 14, 1)
        self.assertEqual(r["messages"], 1)
        self.assertEqual(r["stopped_by"], "truncated")

    def test_truncated_single_byte(self):
        r = run(stream(msg_S(), msg_S()) + b"\x00")
        one_anomaly(self, r, "truncated", 28, 2)
        self.assertEqual(r["messages"], 2)

    def test_bad_length_skipped(self):
        r = run(stream(msg_S(), msg_S() + b"x", msg_S()))
        one_anomaly(self, r, "bad_length", 14, 1)
        self.assertEqual(r["messages"], 3)
        self.assertEqual(r["by_type"], {"S": 2})
        self.assertIsNone(r["stopped_by"])

    def test_unknown_type_skipped(self):
        r = run(stream(msg_S(), b"Zabc", msg_S()))
        one_anomaly(self, r, "unknown_type", 14, 1)
        self.assertEqual(r["messages"], 3)
        self.assertEqual(r["by_type"], {"S": 2})

    def test_zero_length_with_bytes_after(self):
        # SEMANTICS §1 step 2: counted for the next message (index 1) and skipped.
        r = run(stream(msg_S()) + b"\x00\x00" + stream(msg_S()))
        one_anomaly(self, r, "zero_length", 14, 1)
        self.assertEqual(r["messages"], 2)
        self.assertFalse(r["ended_by_session_marker"])
        self.assertIsNone(r["stopped_by"])

    def test_marker_at_end_is_fine(self):
        r = run(stream(msg_S()) + b"\x00\x00")
        self.assertEqual(r["anomalies"], {})
        self.assertTrue(r["ended_by_session_marker"])
        self.assertIsNone(r["stopped_by"])
        self.assertEqual(r["messages"], 1)

    def test_unknown_ref(self):
        r = run(stream(msg_R(1, "Q"), msg_E(1, 3, 1), msg_D(1, 3), msg_U(1, 3, 4, 1, 1), msg_X(9, 3, 1)))
        one_anomaly(self, r, "unknown_ref", 41, 1, count=4)
        self.assertEqual(r["book_changes"], 0)

    def test_overfill_applied_clamped(self):
        r = run(stream(msg_R(1, "Q"), msg_A(1, 1, "B", 100, 5), msg_E(1, 1, 150)))
        one_anomaly(self, r, "overfill", 79, 2)
        self.assertEqual(r["live_orders"], 0)
        self.assertEqual(r["book_changes"], 2)
        s = fold_words([ord("A") | ord("B") << 8 | 5 << 32, 1, 100,
                        ord("E") | ord("B") << 8 | 5 << 32, 1, 0])
        self.assertEqual(r["digests"]["stream"], fnv(b"Q       " + struct.pack("<QQ", s, 2)))

    def test_dup_ref(self):
        r = run(stream(msg_R(1, "Q"), msg_A(1, 1, "B", 1, 5), msg_A(1, 2, "B", 1, 5),
                       msg_F(1, 1, "S", 1, 6), msg_U(1, 2, 1, 1, 7)), dump_books=True)
        one_anomaly(self, r, "dup_ref", 41 + 38 + 38, 3, count=2)
        self.assertEqual(r["books"]["Q"], {"B": [[5, 2, 2, [[1, 1], [2, 1]]]], "S": []})

    def test_no_directory(self):
        r = run(stream(msg_A(3, 1, "B", 1, 5), msg_F(3, 2, "B", 1, 5), msg_H(3, "Q")))
        one_anomaly(self, r, "no_directory", 0, 0, count=3)
        self.assertEqual(r["live_orders"], 0)

    def test_bad_field(self):
        r = run(stream(msg_R(0, "Z"),                     # R locate 0
                       msg_R(1, "Q"),
                       msg_A(1, 1, "X", 1, 5),            # side
                       msg_A(1, 2, "B", 0, 5),            # shares 0
                       msg_A(1, 3, "B", 1, 0),            # price 0
                       msg_A(1, 4, "S", 9, 5),
                       msg_E(1, 4, 0),                    # shares 0
                       msg_U(1, 4, 5, 0, 5),              # new shares 0
                       msg_U(1, 4, 5, 1, 0),              # new price 0
                       msg_A(9, 1, "Q", 1, 5)))           # bad_field beats no_directory
        one_anomaly(self, r, "bad_field", 0, 0, count=8)
        self.assertEqual(r["instruments"], 1)
        self.assertEqual(r["live_orders"], 1)

    def test_dir_conflict(self):
        r = run(stream(msg_R(1, "AAA"), msg_R(1, "BBB"), msg_R(2, "AAA")))
        one_anomaly(self, r, "dir_conflict", 41, 1, count=2)
        self.assertEqual(r["instruments"], 1)

    def test_time_backwards_counted_once(self):
        r = run(stream(msg_S(10), msg_S(5), msg_S(7), msg_S(7)))
        one_anomaly(self, r, "time_backwards", 14, 1)

    def test_time_backwards_message_still_applied(self):
        r = run(stream(msg_R(1, "Q", 10), msg_A(1, 1, "B", 1, 5, 3)))
        one_anomaly(self, r, "time_backwards", 41, 1)
        self.assertEqual(r["live_orders"], 1)

    def test_unknown_type_fixed_stops(self):
        data = b"\x00\x00" + msg_S() + b"\x00\x00" + b"Zxxxxxxxxxxxxxx" + b"\x00\x00" + msg_S()
        r = run(data, framing="fixed")
        one_anomaly(self, r, "unknown_type", 14, 1)
        self.assertEqual(r["stopped_by"], "unknown_type")
        self.assertEqual(r["by_type"], {"S": 1})

    def test_trailing_marker_in_fixed_framing_is_truncated(self):
        # README ambiguity 2: a prefix with no type byte after it
        r = run(b"\x00\x00" + msg_S() + b"\x00\x00", framing="fixed")
        one_anomaly(self, r, "truncated", 14, 1)
        self.assertFalse(r["ended_by_session_marker"])

    def test_truncated_fixed(self):
        r = run(b"\x00\x00" + msg_S() + b"\x00\x00" + msg_S()[:5], framing="fixed")
        one_anomaly(self, r, "truncated", 14, 1)
        self.assertEqual(r["messages"], 1)


class Strict(unittest.TestCase):
    def test_strict_stops_before_applying(self):
        data = stream(msg_R(1, "Q"), msg_A(1, 1, "B", 100, 5), msg_E(1, 1, 150), msg_D(1, 1))
        r = run(data, strict=True)
        one_anomaly(self, r, "overfill", 79, 2)
        self.assertEqual(r["stopped_by"], "overfill")
        self.assertEqual(r["live_orders"], 1)      # the overfill was not applied
        self.assertEqual(r["book_changes"], 1)
        self.assertEqual(r["messages"], 3)

    def test_strict_time_backwards_not_applied(self):
        r = run(stream(msg_R(1, "Q", 10), msg_A(1, 1, "B", 1, 5, 3), msg_S(20)), strict=True)
        self.assertEqual(r["stopped_by"], "time_backwards")
        self.assertEqual(r["live_orders"], 0)


class Framing(unittest.TestCase):
    def setUp(self):
        self.plain = stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5), msg_A(1, 2, "S", 10, 6))

    def test_fixed_reads_zero_prefixed(self):
        zeroed = b"".join(b"\x00\x00" + m for m in
                          (msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5), msg_A(1, 2, "S", 10, 6)))
        a = run(zeroed, framing="fixed")
        b = run(self.plain)
        self.assertEqual(a, b)
        c = run(zeroed)   # read as BinaryFILE: the zero, then R's bytes as a length
        self.assertEqual(c["anomalies"]["zero_length"]["first_offset"], 0)

    def test_gzip_concatenated_members(self):
        half = len(self.plain) // 2
        data = gzip.compress(self.plain[:half]) + gzip.compress(self.plain[half:])
        self.assertEqual(run(data), run(self.plain))

    def test_gzip_cut_between_members(self):
        m1 = stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5))
        m2 = gzip.compress(stream(msg_A(1, 2, "S", 10, 6)))
        r = run(gzip.compress(m1) + m2[:10])  # header only: nothing of m2 decoded
        one_anomaly(self, r, "stream_cut", len(m1), 2)
        self.assertEqual(r["live_orders"], 1)
        self.assertEqual(r["stopped_by"], "stream_cut")

    def test_gzip_cut_after_partial_frame_is_not_truncated(self):
        m1 = stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5)) + frame(msg_S())[:7]
        r = run(gzip.compress(m1) + b"\x1f\x8b\x08")
        one_anomaly(self, r, "stream_cut", len(m1), 2)

    def test_gzip_corrupt_trailer(self):
        gz = bytearray(gzip.compress(self.plain))
        gz[-6] ^= 0xFF  # CRC32 damaged
        r = run(bytes(gz))
        one_anomaly(self, r, "stream_cut", len(self.plain), 3)
        self.assertEqual(r["live_orders"], 2)

    @unittest.skipUnless(shutil.which("zstd"), "zstd not installed")
    def test_zstd_plain_and_cut(self):
        z = lambda b: subprocess.run(["zstd", "-c", "-q"], input=b, stdout=subprocess.PIPE,
                                     check=True).stdout
        self.assertEqual(run(z(self.plain[:50]) + z(self.plain[50:])), run(self.plain))
        m1 = stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5))
        r = run(z(m1) + z(stream(msg_S()))[:6])
        one_anomaly(self, r, "stream_cut", len(m1), 2)


class Cli(unittest.TestCase):
    def test_cli_prints_sorted_json(self):
        import tempfile
        with tempfile.NamedTemporaryFile(suffix=".itch", delete=False) as f:
            f.write(stream(msg_R(1, "Q"), msg_A(1, 1, "B", 10, 5)))
            name = f.name
        try:
            out = subprocess.run([sys.executable, os.path.join(HERE, "book.py"), name,
                                  "--dump-books"], stdout=subprocess.PIPE, check=True).stdout
        finally:
            os.unlink(name)
        obj = json.loads(out)
        self.assertEqual(out.decode().strip(), json.dumps(obj, sort_keys=True))
        self.assertEqual(obj["books"], {"Q": {"B": [[5, 10, 1, [[1, 10]]]], "S": []}})


# -- snapshots (docs/SNAPSHOT.md, "Canonical JSON encoding") ------------------------
TYPES = "S R H Y L V W K J h A F E C X D U P Q B I N O".split()
ANOMALY_KEYS = ["truncated", "bad_length", "unknown_type", "zero_length", "stream_cut",
                "unknown_ref", "overfill", "dup_ref", "no_directory", "bad_field",
                "dir_conflict", "time_backwards", "bad_packet", "seq_gap"]


def xxh3(data):
    """XXH3-64 by the xxhsum command, parsed separately from book.py."""
    out = subprocess.run(["xxhsum", "-H3"], input=data, stdout=subprocess.PIPE,
                         check=True).stdout.decode().split()
    return out[-1] if out[0] == "XXH3" else out[0]


def snap_doc(data, books, digests, bytes_, input_bytes, messages, by_type, book_changes,
             anomalies=None, first_ts=0, last_ts=0, have_ts=0, peak=0, finished=0,
             marker=0, stop_error=0, strict=0, framing="binaryfile"):
    """A whole snapshot document, every member written out (SNAPSHOT.md's schema)."""
    anomalies = anomalies or {}
    zero = {"count": 0, "first_index": 0, "first_offset": 0}
    return {
        "books": books,
        "digests": digests,
        "format": "blanc-snapshot",
        "input": {"bytes": input_bytes, "xxh3": xxh3(data[:input_bytes])},
        "replay": {
            "anomalies": {k: anomalies.get(k, zero) for k in ANOMALY_KEYS},
            "anomalies_total": sum(a["count"] for a in anomalies.values()),
            "book_changes": book_changes,
            "by_type": {t: by_type.get(t, 0) for t in TYPES},
            "bytes": bytes_, "ended_by_session_marker": marker, "finished": finished,
            "first_timestamp": first_ts, "framing": framing, "have_timestamp": have_ts,
            "last_timestamp": last_ts, "messages": messages, "peak_orders": peak,
            "stop_error": stop_error, "strict": strict,
        },
        "version": 1,
    }


def text(doc):
    return json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n"


# S ts5 @0 (14) | R ABC ts6 @14 (41) | H ABC 'H' ts7 @55 (27) | A 10 B 300@1000 ts8 @82 (38)
# | A 11 S 50@1100 ts9 @120 (38) | E 10 100 ts10 @158 (33) | end 191
SNAP_BASE = stream(msg_S(5), msg_R(1, "ABC", 6), msg_H(1, "ABC", b"H", 7),
                   msg_A(1, 10, "B", 300, 1000, 8), msg_A(1, 11, "S", 50, 1100, 9),
                   msg_E(1, 10, 100, 10))
W_A10 = [ord("A") | ord("B") << 8 | 1000 << 32, 10, 300]
W_A11 = [ord("A") | ord("S") << 8 | 1100 << 32, 11, 50]
W_E10 = [ord("E") | ord("B") << 8 | 1000 << 32, 10, 200]


def abc_book(bid_shares, s, n, state="H"):
    return {"asks": [[1100, [[11, 50]]]], "bids": [[1000, [[10, bid_shares]]]], "changes": n,
            "locate": 1, "orders": 2, "stream": "%016x" % s, "symbol": "ABC",
            "trading_state": state}


def abc_digests(bid_shares, s, n):
    side_b = b"B" + struct.pack("<I", 1) + struct.pack("<IQI", 1000, bid_shares, 1)
    side_s = b"S" + struct.pack("<I", 1) + struct.pack("<IQI", 1100, 50, 1)
    l3 = (b"ABC     " + side_b + struct.pack("<QI", 10, bid_shares)
          + side_s + struct.pack("<QI", 11, 50))
    return {"l2": fnv(b"ABC     " + side_b + side_s), "l3": fnv(l3),
            "stream": fnv(b"ABC     " + struct.pack("<QQ", s, n))}


@unittest.skipUnless(shutil.which("xxhsum"), "xxhsum not installed")
class Snapshots(unittest.TestCase):
    def test_xxh3_vectors(self):
        self.assertEqual(book.xxh3_hex(b""), "2d06800538d394c2")
        self.assertEqual(book.xxh3_hex(b"abc"), "78af5f94892f3950")

    def test_cut_at_0_is_the_empty_state(self):
        snaps = book.snapshots(SNAP_BASE, [0])
        expect = snap_doc(SNAP_BASE, [], {"l2": EMPTY, "l3": EMPTY, "stream": EMPTY},
                          0, 0, 0, {}, 0)
        self.assertEqual(snaps[0], text(expect))
        # the encoding itself, written out: one line, sorted keys, no whitespace
        self.assertTrue(snaps[0].startswith(
            '{"books":[],"digests":{"l2":"cbf29ce484222325","l3":"cbf29ce484222325",'
            '"stream":"cbf29ce484222325"},"format":"blanc-snapshot","input":{"bytes":0,'
            '"xxh3":"2d06800538d394c2"},"replay":{"anomalies":{"bad_field":{"count":0,'
            '"first_index":0,"first_offset":0},'))
        self.assertTrue(snaps[0].endswith('"stop_error":0,"strict":0},"version":1}\n'))
        self.assertEqual(snaps[0].count("\n"), 1)

    def test_mid_cut_before_frame_5(self):
        snaps = book.snapshots(SNAP_BASE, [5, "end"])
        s = fold_words(W_A10 + W_A11)
        expect = snap_doc(SNAP_BASE, [abc_book(300, s, 2)], abc_digests(300, s, 2),
                          158, 158, 5, {"S": 1, "R": 1, "H": 1, "A": 2}, 2,
                          first_ts=5, last_ts=9, have_ts=1, peak=2)
        self.assertEqual(snaps[5], text(expect))
        s = fold_words(W_A10 + W_A11 + W_E10)
        expect = snap_doc(SNAP_BASE, [abc_book(200, s, 3)], abc_digests(200, s, 3),
                          191, 191, 6, {"S": 1, "R": 1, "H": 1, "A": 2, "E": 1}, 3,
                          first_ts=5, last_ts=10, have_ts=1, peak=2, finished=1)
        self.assertEqual(snaps["end"], text(expect))

    def test_zero_length_before_the_last_message(self):
        # SEMANTICS §1 step 2: a zero prefix @191 with an S (ts 11, 14 bytes) after it is
        # zero_length for message 6, and message 6 is replayed. An index cut at 6 is
        # taken before the zero prefix (input 191 bytes); the end has 7 messages.
        data = SNAP_BASE + b"\x00\x00" + stream(msg_S(11))
        snaps = book.snapshots(data, [6, "end"])
        s = fold_words(W_A10 + W_A11 + W_E10)
        at6 = snap_doc(data, [abc_book(200, s, 3)], abc_digests(200, s, 3),
                       191, 191, 6, {"S": 1, "R": 1, "H": 1, "A": 2, "E": 1}, 3,
                       first_ts=5, last_ts=10, have_ts=1, peak=2)
        self.assertEqual(snaps[6], text(at6))
        end = snap_doc(data, [abc_book(200, s, 3)], abc_digests(200, s, 3),
                       207, 207, 7, {"S": 2, "R": 1, "H": 1, "A": 2, "E": 1}, 3,
                       anomalies={"zero_length": {"count": 1, "first_index": 6,
                                                  "first_offset": 191}},
                       first_ts=5, last_ts=11, have_ts=1, peak=2, finished=1)
        self.assertEqual(snaps["end"], text(end))
        with self.assertRaises(book.CutError):
            book.snapshots(data, [8])

    def test_marker_last_is_consumed_no_anomaly(self):
        data = SNAP_BASE + b"\x00\x00"
        doc = json.loads(book.snapshots(data, ["end"])["end"])
        self.assertEqual(doc["replay"]["bytes"], 193)
        self.assertEqual(doc["input"], {"bytes": 193, "xxh3": xxh3(data)})
        self.assertEqual(doc["replay"]["anomalies_total"], 0)
        self.assertEqual(doc["replay"]["ended_by_session_marker"], 1)

    def test_truncated_tail_not_consumed(self):
        data = SNAP_BASE + frame(msg_S(11))[:7]
        doc = json.loads(book.snapshots(data, ["end"])["end"])
        self.assertEqual(doc["replay"]["bytes"], 191)
        self.assertEqual(doc["input"], {"bytes": 198, "xxh3": xxh3(data)})
        self.assertEqual(doc["replay"]["anomalies"]["truncated"],
                         {"count": 1, "first_index": 6, "first_offset": 191})
        self.assertEqual(doc["replay"]["finished"], 1)

    def test_strict_stop(self):
        # E 11 999 @191 (overfill, stops --strict), D 10 @224, end 245
        data = SNAP_BASE + stream(msg_E(1, 11, 999, 11), msg_D(1, 10, 12))
        snaps = book.snapshots(data, [6, 7, "end"], strict=True)
        s = fold_words(W_A10 + W_A11 + W_E10)
        counts = {"S": 1, "R": 1, "H": 1, "A": 2, "E": 1}
        mid = snap_doc(data, [abc_book(200, s, 3)], abc_digests(200, s, 3),
                       191, 191, 6, counts, 3, first_ts=5, last_ts=10, have_ts=1, peak=2,
                       strict=1)
        self.assertEqual(snaps[6], text(mid))
        counts["E"] = 2   # the stopping message is counted, not applied
        end = snap_doc(data, [abc_book(200, s, 3)], abc_digests(200, s, 3),
                       224, 245, 7, counts, 3,
                       anomalies={"overfill": {"count": 1, "first_index": 6,
                                               "first_offset": 191}},
                       first_ts=5, last_ts=11, have_ts=1, peak=2, finished=1,
                       stop_error=-20, strict=1)
        self.assertEqual(snaps["end"], text(end))
        self.assertEqual(snaps[7], snaps["end"])
        with self.assertRaises(book.CutError):
            book.snapshots(data, [8], strict=True)

    def test_peak_orders_and_books_without_orders(self):
        # R Q (no H: trading state ""), R with a Latin-1 symbol and no order
        r2 = msg_R(2, "Z")
        r2 = r2[:11] + b'Z"\xe9     ' + r2[19:]     # symbol bytes 5A 22 E9 + 5 spaces
        data = stream(msg_R(1, "Q"), r2,
                      msg_A(1, 1, "B", 5, 10), msg_A(1, 2, "B", 5, 10), msg_D(1, 1),
                      msg_U(1, 2, 3, 6, 11), msg_A(1, 4, "S", 1, 20))
        doc_text = book.snapshots(data, ["end"])["end"]
        doc = json.loads(doc_text)
        self.assertEqual(doc["replay"]["peak_orders"], 2)
        self.assertEqual([b["symbol"] for b in doc["books"]], ["Q", 'Z"\xe9'])
        self.assertIn(r'"symbol":"Z\"\u00e9"', doc_text)
        self.assertEqual(doc["books"][0]["trading_state"], "")
        self.assertEqual(doc["books"][0]["bids"], [[11, [[3, 6]]]])
        self.assertEqual(doc["books"][0]["asks"], [[20, [[4, 1]]]])
        self.assertEqual(doc["books"][1], {"asks": [], "bids": [], "changes": 0, "locate": 2,
                                           "orders": 0, "stream": EMPTY, "symbol": 'Z"\xe9',
                                           "trading_state": ""})

    def test_fixed_framing_unknown_type_is_a_frame(self):
        data = b"\x00\x00" + msg_S(1) + b"\x00\x00Zxxxx" + b"\x00\x00" + msg_S(2)
        snaps = book.snapshots(data, [1, "end"], framing="fixed")
        mid, end = json.loads(snaps[1]), json.loads(snaps["end"])
        self.assertEqual((mid["replay"]["bytes"], mid["replay"]["finished"]), (14, 0))
        self.assertEqual(mid["replay"]["framing"], "fixed")
        self.assertEqual((end["replay"]["messages"], end["replay"]["bytes"]), (2, 14))
        self.assertEqual(end["input"]["bytes"], len(data))

    def test_cli_writes_files(self):
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            name = os.path.join(d, "in.itch")
            with open(name, "wb") as f:
                f.write(SNAP_BASE)
            out = os.path.join(d, "snaps")
            cmd = [sys.executable, os.path.join(HERE, "book.py"), name, "--snapshot-out", out,
                   "--snapshot-at", "0", "--snapshot-at", "5", "--snapshot-at", "end"]
            subprocess.run(cmd, stdout=subprocess.PIPE, check=True)
            self.assertEqual(sorted(os.listdir(out)),
                             ["snap-end.json", "snap-i0.json", "snap-i5.json"])
            want = book.snapshots(SNAP_BASE, [0, 5, "end"])
            for cut, fname in ((0, "snap-i0.json"), (5, "snap-i5.json"),
                               ("end", "snap-end.json")):
                with open(os.path.join(out, fname), "rb") as f:
                    self.assertEqual(f.read(), want[cut].encode("ascii"))
            # a cut beyond the end: exit 2, the other cuts are still written
            p = subprocess.run(cmd + ["--snapshot-at", "7"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
            self.assertEqual(p.returncode, 2)
            self.assertFalse(os.path.exists(os.path.join(out, "snap-i7.json")))


if __name__ == "__main__":
    unittest.main()
