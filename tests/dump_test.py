#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc dump: every message, every field, against a decoder written here from the spec.

The decoder below is written from ../shared/spec/itch50.md (docs/ITCH50.md) alone: one
struct format per type, in the spec's field order, and the spec's field names in snake_case
(docs/FEEDS.md "Seeing the messages"). It knows nothing of src/feed/itch_fields.c; if the
table there has a wrong offset, width, kind or name, the records differ here.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/dump_test.py
"""
import csv
import decimal
import gzip
import io
import json
import os
import random
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")
RITCH_ZERO = os.path.join(SRC, "data", "ritch", "ex20101224.TEST_ITCH_50.gz")

# ---- the spec, as struct formats ---------------------------------------------------------
# Field codes: a<N> alpha of N bytes, u1 u2 u4 u8 unsigned big-endian, t timestamp (6 bytes),
# p4 Price(4), p8 Price(8). Every type begins with the 11-byte header.
HEADER = [("type", "a1"), ("stock_locate", "u2"), ("tracking_number", "u2"), ("timestamp", "t")]
SPEC = {
    "S": [("event_code", "a1")],
    "R": [("stock", "a8"), ("market_category", "a1"), ("financial_status", "a1"),
          ("round_lot_size", "u4"), ("round_lots_only", "a1"), ("issue_classification", "a1"),
          ("issue_sub_type", "a2"), ("authenticity", "a1"), ("short_sale_threshold", "a1"),
          ("ipo_flag", "a1"), ("luld_ref_price_tier", "a1"), ("etp_flag", "a1"),
          ("etp_leverage_factor", "u4"), ("inverse_indicator", "a1")],
    "H": [("stock", "a8"), ("trading_state", "a1"), ("reserved", "a1"), ("reason", "a4")],
    "Y": [("stock", "a8"), ("reg_sho_action", "a1")],
    "L": [("mpid", "a4"), ("stock", "a8"), ("primary_market_maker", "a1"),
          ("market_maker_mode", "a1"), ("participant_state", "a1")],
    "V": [("level_1", "p8"), ("level_2", "p8"), ("level_3", "p8")],
    "W": [("breached_level", "a1")],
    "K": [("stock", "a8"), ("release_time", "u4"), ("release_qualifier", "a1"),
          ("ipo_price", "p4")],
    "J": [("stock", "a8"), ("reference_price", "p4"), ("upper_collar", "p4"),
          ("lower_collar", "p4"), ("extension", "u4")],
    "h": [("stock", "a8"), ("market_code", "a1"), ("halt_action", "a1")],
    "A": [("order_ref", "u8"), ("side", "a1"), ("shares", "u4"), ("stock", "a8"),
          ("price", "p4")],
    "F": [("order_ref", "u8"), ("side", "a1"), ("shares", "u4"), ("stock", "a8"),
          ("price", "p4"), ("attribution", "a4")],
    "E": [("order_ref", "u8"), ("executed_shares", "u4"), ("match_number", "u8")],
    "C": [("order_ref", "u8"), ("executed_shares", "u4"), ("match_number", "u8"),
          ("printable", "a1"), ("execution_price", "p4")],
    "X": [("order_ref", "u8"), ("cancelled_shares", "u4")],
    "D": [("order_ref", "u8")],
    "U": [("original_order_ref", "u8"), ("new_order_ref", "u8"), ("shares", "u4"),
          ("price", "p4")],
    "P": [("order_ref", "u8"), ("side", "a1"), ("shares", "u4"), ("stock", "a8"),
          ("price", "p4"), ("match_number", "u8")],
    "Q": [("shares", "u8"), ("stock", "a8"), ("cross_price", "p4"), ("match_number", "u8"),
          ("cross_type", "a1")],
    "B": [("match_number", "u8")],
    "I": [("paired_shares", "u8"), ("imbalance_shares", "u8"), ("direction", "a1"),
          ("stock", "a8"), ("far_price", "p4"), ("near_price", "p4"), ("reference_price", "p4"),
          ("cross_type", "a1"), ("price_variation_indicator", "a1")],
    "N": [("stock", "a8"), ("interest_flag", "a1")],
    "O": [("stock", "a8"), ("open_eligibility", "a1"), ("min_price", "p4"), ("max_price", "p4"),
          ("near_exec_price", "p4"), ("near_exec_time", "u8"), ("lower_collar", "p4"),
          ("upper_collar", "p4")],
}
# The spec's stated lengths (its table's "len" column).
LENGTHS = {"S": 12, "R": 39, "H": 25, "Y": 20, "L": 26, "V": 35, "W": 12, "K": 28, "J": 35,
           "h": 21, "A": 36, "F": 40, "E": 31, "C": 36, "X": 23, "D": 19, "U": 35, "P": 44,
           "Q": 40, "B": 19, "I": 50, "N": 20, "O": 48}
STRUCT = {"u1": "B", "u2": "H", "u4": "I", "u8": "Q", "t": "6s", "p4": "I", "p8": "Q"}


def fmt(t):
    return ">" + "".join(STRUCT.get(c) or c[1:] + "s" for _, c in HEADER + SPEC[t])


def clock(ns):
    s = ns // 10**9
    return "%02d:%02d:%02d.%09d" % (s // 3600, s // 60 % 60, s % 60, ns % 10**9)


# per type: its struct, and each field's name and code (compiled once: 150k messages)
LAYOUT = {t: (struct.Struct(fmt(t)), HEADER + SPEC[t]) for t in SPEC}


def decode(msg, decimal_prices=False):
    """One message -> [(name, value)] in the spec's order, with "time" after "timestamp"."""
    st, fields = LAYOUT[chr(msg[0])]
    out = []
    for (name, code), v in zip(fields, st.unpack(msg)):
        if code[0] == "a":
            v = v.decode("latin-1").rstrip(" ")
        elif code == "t":
            v = int.from_bytes(v, "big")
            out.append((name, v))
            out.append(("time", clock(v)))
            continue
        elif code in ("p4", "p8") and decimal_prices:
            v = decimal.Decimal(v).scaleb(-int(code[1]))
        out.append((name, v))
    return out


def frames(data):
    """BinaryFILE framing (docs/SEMANTICS.md 1): (index, offset, msg) for every frame, valid
    or not; zero prefixes are no frame."""
    off, index = 0, 0
    while off + 2 <= len(data):
        n = struct.unpack_from(">H", data, off)[0]
        if n == 0:
            off += 2
            continue
        if off + 2 + n > len(data):
            break
        yield index, off, data[off + 2:off + 2 + n]
        index += 1
        off += 2 + n


def decode_all(data):
    """(index, offset, type, fields) of every valid message, decoded once."""
    out = []
    for index, off, msg in frames(data):
        t = chr(msg[0])
        if t in SPEC and len(msg) == LENGTHS[t]:
            out.append((index, off, t, decode(msg)))
    return out


PLACES = {t: {n: int(c[1]) for n, c in SPEC[t] if c in ("p4", "p8")} for t in SPEC}


def to_decimal(t, fields):
    places = PLACES[t]
    return [(n, decimal.Decimal(v).scaleb(-places[n]) if n in places else v) for n, v in fields]


def expected(data, types=None, symbols=None, t0=None, t1=None, decimal_prices=False):
    """The records blanc dump must print, by the rule of docs/FEEDS.md: a message is kept if
    its type is asked for, its timestamp is in [t0, t1] and, with symbols, its locate was
    named for one by the latest R of that locate, or its Stock field holds one. data: the
    bytes, or decode_all() of them."""
    named = {}
    for index, off, t, fields in decode_all(data) if isinstance(data, bytes) else data:
        d = dict(fields)
        if t == "R":
            named[d["stock_locate"]] = d["stock"]
        if types and t not in types:
            continue
        if t0 is not None and d["timestamp"] < t0 or t1 is not None and d["timestamp"] > t1:
            continue
        if symbols and named.get(d["stock_locate"]) not in symbols and d.get("stock") not in symbols:
            continue
        if decimal_prices:
            fields = to_decimal(t, fields)
        yield fields + [("message", index), ("offset", off)]


def run(*args, check=True):
    r = subprocess.run([BIN, *map(str, args)], capture_output=True)
    if check:
        assert r.returncode == 0, (args, r.returncode, r.stderr.decode())
    return r


def dump_jsonl(path, *args):
    r = run("dump", path, *args)
    out = []
    for line in r.stdout.decode("utf-8").splitlines():
        # a dict keeps the order of its keys; a repeated key would shorten it
        obj = json.loads(line, parse_float=decimal.Decimal)
        out.append(list(obj.items()))
    return out, r


def frame(msg, prefix=None):
    return struct.pack(">H", len(msg) if prefix is None else prefix) + msg


def random_message(rng, t):
    """A message of type t with every byte random (awkward alpha bytes included), and a
    timestamp below 24:00."""
    body = bytearray(rng.getrandbits(8) for _ in range(LENGTHS[t]))
    body[0] = ord(t)
    body[5:11] = rng.randrange(0, 86400 * 10**9).to_bytes(6, "big")
    return bytes(body)


class Table(unittest.TestCase):
    def test_spec_formats_have_the_spec_lengths(self):
        # the decoder of this file against the spec's length column
        for t in SPEC:
            self.assertEqual(struct.calcsize(fmt(t)), LENGTHS[t], t)
        self.assertEqual(len(SPEC), 23)


class SampleDay(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.data = decode_all(subprocess.run(["zstd", "-dc", SAMPLE], capture_output=True,
                                             check=True).stdout)
        cls.records, cls.result = dump_jsonl(SAMPLE)

    def check(self, got, want):
        want = list(want)
        self.assertEqual(len(got), len(want))
        for g, w in zip(got, want):
            if g != w:
                self.assertEqual(g, w)  # the first record that differs, in full

    def test_every_message_every_field(self):
        self.check(self.records, expected(self.data))
        # the day has every type, so every row of the table was compared
        self.assertEqual({dict(r)["type"] for r in self.records}, set(SPEC))
        self.assertEqual(self.result.stderr, b"")

    def test_decimal_prices(self):
        got, r = dump_jsonl(SAMPLE, "--type", "V,C,I,J,O,K", "--price", "decimal")
        self.check(got, expected(self.data, types="VCIJOK", decimal_prices=True))
        # every decimal written with all its places: 4 for Price(4), 8 for Price(8)
        for rec in got:
            d = dict(rec)
            places = 8 if d["type"] == "V" else 4
            for name, code in SPEC[d["type"]]:
                if code in ("p4", "p8"):
                    self.assertEqual(d[name].as_tuple().exponent, -places, (name, d))

    def test_type_filter(self):
        got, _ = dump_jsonl(SAMPLE, "--type", "E,X", "--type", "h")
        self.check(got, expected(self.data, types="EXh"))
        self.assertTrue(any(dict(r)["type"] == "h" for r in got))
        self.assertFalse(any(dict(r)["type"] == "H" for r in got))  # case matters

    def test_symbol_filter(self):
        with open(os.path.join(SRC, "data", "sample-day.symbols")) as f:
            syms = f.read().split()[:2]
        got, _ = dump_jsonl(SAMPLE, "--symbol", syms[0], "--symbol", syms[1].lower())
        want = list(expected(self.data, symbols=set(syms)))
        self.check(got, want)
        self.assertGreater(len(want), 1000)
        # executions and deletes carry no Stock: they are kept by locate
        self.assertTrue(any(dict(r)["type"] == "D" for r in got))

    def test_time_window(self):
        lo, hi = 10 * 3600 * 10**9, 10 * 3600 * 10**9 + 30 * 10**9
        got, _ = dump_jsonl(SAMPLE, "--from", "10:00:00", "--to", "10:00:30")
        want = list(expected(self.data, t0=lo, t1=hi))
        self.check(got, want)
        self.assertTrue(want)
        # both ends inclusive: a window of one message's own stamp holds it
        ts = dict(want[0])["timestamp"]
        one, _ = dump_jsonl(SAMPLE, "--from", clock(ts), "--to", clock(ts))
        self.check(one, expected(self.data, t0=ts, t1=ts))
        self.assertIn(want[0], one)

    def test_filters_combined(self):
        with open(os.path.join(SRC, "data", "sample-day.symbols")) as f:
            sym = f.read().split()[0]
        got, _ = dump_jsonl(SAMPLE, "--type", "E,C,X", "--symbol", sym, "--from", "09:45:00")
        self.check(got, expected(self.data, types="ECX", symbols={sym}, t0=(9 * 60 + 45) * 60 * 10**9))

    def test_csv(self):
        for t in ("U", "R", "V"):
            r = run("dump", SAMPLE, "--format", "csv", "--type", t, "--price", "decimal")
            rows = list(csv.reader(io.StringIO(r.stdout.decode("latin-1"))))
            want = list(expected(self.data, types=t, decimal_prices=True))
            self.assertEqual(rows[0], [n for n, _ in want[0]])
            self.assertEqual(rows[1:], [[str(v) for _, v in rec] for rec in want])

    def test_output_file_compressed(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "d.jsonl.gz")
            r = run("dump", SAMPLE, "--type", "B", "-o", out)
            self.assertEqual(r.stdout, b"")
            with gzip.open(out, "rt") as f:
                got = [list(json.loads(l).items()) for l in f]
            self.check(got, expected(self.data, types="B"))
            self.assertEqual(os.listdir(tmp), ["d.jsonl.gz"])


class Synthetic(unittest.TestCase):
    """Every type with random bytes in every field: quotes, backslashes, commas, control and
    high bytes in alpha fields, the largest integers."""

    @classmethod
    def setUpClass(cls):
        rng = random.Random(12)
        msgs = [random_message(rng, t) for t in SPEC for _ in range(40)]
        rng.shuffle(msgs)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.path = os.path.join(cls.tmp.name, "synthetic.itch")
        cls.data = b"".join(frame(m) for m in msgs)
        with open(cls.path, "wb") as f:
            f.write(cls.data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_jsonl(self):
        got, r = dump_jsonl(self.path)
        self.assertEqual(got, list(expected(self.data)))
        self.assertEqual(r.stderr, b"")

    def test_jsonl_decimal(self):
        got, r = dump_jsonl(self.path, "--price", "decimal")
        self.assertEqual(got, list(expected(self.data, decimal_prices=True)))

    def test_csv_every_type(self):
        for t in SPEC:
            r = run("dump", self.path, "--format", "csv", "--type", t)
            rows = list(csv.reader(io.StringIO(r.stdout.decode("latin-1"), newline="")))
            want = list(expected(self.data, types=t))
            self.assertEqual(rows[0], [n for n, _ in HEADER] + ["time"] +
                             [n for n, _ in SPEC[t]] + ["message", "offset"], t)
            self.assertEqual(rows[1:], [[str(v) for _, v in rec] for rec in want], t)


class Damaged(unittest.TestCase):
    """Damage is skipped and reported as blanc replay reports it: kind, count, first byte
    offset and message index; the indexes of later messages count the damaged frames."""

    def test_damaged_frames(self):
        rng = random.Random(5)
        good = [random_message(rng, t) for t in "SRAAFDEXCUPQBSIN"]
        parts, offsets = [], {}
        def add(kind, blob):
            offsets.setdefault(kind, sum(map(len, parts)))
            parts.append(blob)
        for i, m in enumerate(good):
            add("ok", frame(m))
            if i == 3:
                add("bad_length", frame(good[2][:20]))   # an A 20 bytes long
            if i == 5:
                add("unknown_type", frame(b"Z" + bytes(18)))
            if i == 7:
                add("zero_length", b"\0\0")
        add("truncated", frame(good[0])[:7])
        data = b"".join(parts)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "damaged.itch")
            with open(path, "wb") as f:
                f.write(data)
            got, r = dump_jsonl(path)
            self.assertEqual(r.returncode, 0)
            self.assertEqual(got, list(expected(data[:offsets["truncated"]])))
            self.assertEqual(len(got), len(good))
            err = r.stderr.decode()
            # message indexes: bad_length is frame 4, unknown_type frame 7, the zero prefix is
            # counted for the frame after it (10), the truncated frame would have been 18
            for kind, index in (("bad_length", 4), ("unknown_type", 7), ("zero_length", 10),
                                ("truncated", 18)):
                line = f"blanc: {path}: warning: 1 {kind} "
                self.assertIn(line, err)
                tail = err.split(line, 1)[1].splitlines()[0]
                self.assertIn(f"first at byte {offsets[kind]}, message {index}", tail, kind)
            self.assertEqual(len(err.strip().splitlines()), 4, err)

    def test_ritch_file(self):
        # a third-party file (RITCH): decoded the same way by both
        with open(RITCH, "rb") as f:
            data = f.read()
        got, r = dump_jsonl(RITCH)
        self.assertEqual(got, list(expected(data)))
        # the same file as RITCH ships it (zeroed prefixes, gzip): fixed framing, found by
        # content or asked for; the prefixes are still there, so the offsets are the same
        self.assertEqual(dump_jsonl(RITCH_ZERO)[0], got)
        self.assertEqual(dump_jsonl(RITCH_ZERO, "--framing", "fixed")[0], got)

    def test_fixed_framing_stops_at_an_unknown_type(self):
        rng = random.Random(9)
        good = [random_message(rng, t) for t in "SRAD"]
        data = b"".join(frame(m, 0) for m in good) + b"\0\0Z" + bytes(40)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "fixed.itch")
            with open(path, "wb") as f:
                f.write(data)
            got, r = dump_jsonl(path, "--framing", "fixed")
            self.assertEqual(len(got), 4)
            self.assertEqual(got[3][-2:], [("message", 3), ("offset", len(data) - 43 - 21)])
            self.assertEqual(r.stderr.decode(),
                             f"blanc: {path}: warning: 1 unknown_type (unknown message type), "
                             f"first at byte {len(data) - 43}, message 4\n")


class Errors(unittest.TestCase):
    def assertUsage(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stdout, b"")
        err = r.stderr.decode()
        self.assertEqual(len(err.strip().splitlines()), 1, err)
        for w in words:
            self.assertIn(w, err)

    def test_usage_errors(self):
        cases = [
            (["--type", "Z"], "'Z'"),
            (["--type", "AD"], "'AD'"),
            (["--type", "A,"], "--type"),
            (["--format", "csv"], "--type with exactly one type"),
            (["--format", "csv", "--type", "A,D"], "--type with exactly one type"),
            (["--format", "xml"], "'xml'"),
            (["--price", "float"], "'float'"),
            (["--from", "25:00:00"], "--from"),
            (["--to", "x"], "--to"),
            (["--from", "10:00:00", "--to", "09:00:00"], "--to is before --from"),
            (["--symbol", "TOOLONGSYM"], "--symbol"),
            (["--framing", "what"], "--framing"),
            (["--bogus"], "option '--bogus' is unknown"),
        ]
        for extra, word in cases:
            with self.subTest(extra=extra):
                self.assertUsage(run("dump", SAMPLE, *extra, check=False), word)
        self.assertUsage(run("dump", check=False), "exactly one FILE")

    def test_bad_inputs(self):
        with tempfile.TemporaryDirectory() as tmp:
            missing = os.path.join(tmp, "missing.itch")
            self.assertUsage(run("dump", missing, check=False), missing, "cannot open")
            self.assertUsage(run("dump", tmp, check=False), tmp, "directory")
            empty = os.path.join(tmp, "empty.itch")
            open(empty, "wb").close()
            self.assertUsage(run("dump", empty, check=False), empty, "empty")
            text = os.path.join(tmp, "notes.txt")
            with open(text, "w") as f:
                f.write("these are not ITCH messages\n" * 50)
            self.assertUsage(run("dump", text, check=False), text, "not an ITCH 5.0 BinaryFILE")
            self.assertUsage(run("dump", RITCH_ZERO, "--framing", "binaryfile", check=False),
                             "zero length prefix at byte 0", "--framing fixed or auto")
            out = os.path.join(tmp, "no", "such", "dir.jsonl")
            r = run("dump", SAMPLE, "-o", out, check=False)
            self.assertUsage(r, out)
            self.assertNotIn(SAMPLE, r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
