#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Per-message output (--emit): a consumer that applies the deltas in order rebuilds the book.

The consumer here is written from docs/EMIT.md and docs/DIGEST.md only: it rebuilds L2 (and L3,
BBO, top-N) books from each format, computes their digests independently, and compares them
with Blanc's digests and snapshots at sample points and at the end.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/emit_test.py
"""
import csv
import gzip
import io
import json
import os
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True)


def fnv(data, h=0xCBF29CE484222325):
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def pad(sym):
    return sym.encode("latin-1").ljust(8, b" ")


# ---- reading the three formats into one shape: [(index, ts, symbol, [entry...])] ----------

def read_jsonl(data, kind):
    out = []
    for line in data.decode().splitlines():
        r = json.loads(line)
        if kind == "bbo":
            ents = [("B",) + tuple(r["bid"]), ("S",) + tuple(r["ask"])]
        elif kind == "l2":
            ents = [tuple(e) for e in r["levels"]]
        elif kind == "l3":
            ents = [tuple(e) for e in r["orders"]]
        else:
            ents = [(r["type"], r["ref"], r["side"], r["price"], r["shares"], r["match"])]
        out.append((r["index"], r["ts"], r["symbol"], ents))
    return out


def read_csv(data, kind):
    rows = list(csv.reader(io.StringIO(data.decode())))
    header, rows = rows[0], rows[1:]
    out = []
    for row in rows:
        idx, ts, sym = int(row[0]), int(row[1]), row[2]
        v = row[4:]
        if kind == "bbo":
            n = list(map(int, v))
            ents = [("B", n[0], n[1], n[2]), ("S", n[3], n[4], n[5])]
        elif kind == "l2":
            ents = [(v[0], int(v[1]), int(v[2]), int(v[3]))]
        elif kind == "l3":
            ents = [(v[0], int(v[1]), v[2], int(v[3]), int(v[4]))]
        else:
            ents = [(v[0], int(v[1]), v[2], int(v[3]), int(v[4]), int(v[5]))]
        if out and out[-1][0] == idx and kind in ("l2", "l3"):
            out[-1][3].extend(ents)  # one record per message, one row per entry
        else:
            out.append((idx, ts, sym, ents))
    return out, header


def read_bin(data, kind):
    assert data[:8] == b"BLANCEMT", data[:8]
    version, k, _, depth = struct.unpack_from("<HBBI", data, 8)
    assert version == 1 and k == ["bbo", "l2", "l3", "trades"].index(kind)
    off, out = 16, []
    while off < len(data):
        idx, ts, sym, loc, n, _ = struct.unpack_from("<QQ8sHHI", data, off)
        off += 32
        ents = []
        for _ in range(n):
            code, side, _, price, count, _, qty, ref, match = struct.unpack_from(
                "<BBHIIIQQQ", data, off)
            off += 40
            s = chr(side) if side else ""
            if kind in ("bbo", "l2"):
                ents.append((s, price, qty, count))
            elif kind == "l3":
                ents.append((chr(code), ref, s, price, qty))
            else:
                ents.append((chr(code), ref, s, price, qty, match))
        out.append((idx, ts, sym.decode("latin-1").rstrip(" "), ents))
    return out


# ---- consumers ---------------------------------------------------------------------------

class L2:
    """Price levels per symbol: {sym: {side: {price: (shares, orders)}}}."""

    def __init__(self):
        self.books = {}

    def apply(self, sym, ents):
        b = self.books.setdefault(sym, {"B": {}, "S": {}})
        for side, price, shares, orders in ents:
            if shares == 0:
                b[side].pop(price, None)
            else:
                b[side][price] = (shares, orders)

    def top(self, sym, side, n):
        lv = self.books.get(sym, {"B": {}, "S": {}})[side]
        prices = sorted(lv, reverse=(side == "B"))[:n]
        return [(p,) + lv[p] for p in prices]

    def digest(self):
        out = bytearray()
        for sym in sorted(self.books, key=pad):
            b = self.books[sym]
            if not b["B"] and not b["S"]:
                continue
            out += pad(sym)
            for side in "BS":
                levels = self.top(sym, side, len(b[side]))
                out += side.encode() + struct.pack("<I", len(levels))
                for price, shares, orders in levels:
                    out += struct.pack("<IQI", price, shares, orders)
        return "%016x" % fnv(out)


class L3:
    """Orders per symbol in arrival order: {sym: {ref: [side, price, shares]}}."""

    def __init__(self):
        self.books = {}

    def apply(self, sym, ents):
        b = self.books.setdefault(sym, {})
        for op, ref, side, price, shares in ents:
            if op == "A":
                assert ref not in b
                b[ref] = [side, price, shares]
            elif op == "U":
                b[ref][2] = shares
            else:
                del b[ref]

    def digest(self):
        out = bytearray()
        for sym in sorted(self.books, key=pad):
            b = self.books[sym]
            if not b:
                continue
            out += pad(sym)
            for side in "BS":
                levels = {}
                for ref, (s, price, shares) in b.items():  # dict order = queue order
                    if s == side:
                        levels.setdefault(price, []).append((ref, shares))
                prices = sorted(levels, reverse=(side == "B"))
                out += side.encode() + struct.pack("<I", len(prices))
                for p in prices:
                    q = levels[p]
                    out += struct.pack("<IQI", p, sum(s for _, s in q), len(q))
                    for ref, shares in q:
                        out += struct.pack("<QI", ref, shares)
        return "%016x" % fnv(out)


def snapshot_top(snap, sym, side, n):
    for b in snap["books"]:
        if b["symbol"] == sym:
            levels = b["bids" if side == "B" else "asks"][:n]
            return [(p, sum(s for _, s in q), len(q)) for p, q in levels]
    return []


class Emit(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = cls.path("day.itch")
        r = run("gen", "--seed", 77, "--messages", 150000, "--symbols", 15, "--scenario",
                "gap", "-o", cls.day)
        assert r.returncode == 0, r.stderr
        cls.samples = [1000, 33333, 77777, 120000]
        out = cls.path("snaps")
        args = [cls.day, "--snapshot-out", out, "--snapshot-format", "json", "--json"]
        for s in cls.samples:
            args += ["--snapshot-at", s]
        r = run("replay", *args)
        assert r.returncode == 0, r.stderr
        cls.full = json.loads(r.stdout)
        cls.snaps = {}
        for s in cls.samples:
            with open(os.path.join(out, "snap-i%d.json" % s)) as f:
                cls.snaps[s] = json.load(f)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    @classmethod
    def path(cls, name):
        return os.path.join(cls.tmp.name, name)

    def emit(self, kind, fmt, *extra, src=None):
        out = self.path("out.%s.%s%s" % (kind, fmt, "".join(map(str, extra))))
        r = run("replay", src or self.day, "--emit", kind, "--format", fmt, "-o", out, *extra)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, "rb") as f:
            data = f.read()
        if out.endswith(".gz"):
            data = gzip.decompress(data)
        if fmt == "jsonl":
            return read_jsonl(data, kind)
        if fmt == "csv":
            return read_csv(data, kind)[0]
        return read_bin(data, kind)

    def test_formats_agree(self):
        for kind in ("bbo", "l2", "l3", "trades"):
            with self.subTest(kind=kind):
                j = self.emit(kind, "jsonl")
                self.assertEqual(self.emit(kind, "csv"), j)
                self.assertEqual(self.emit(kind, "bin"), j)
                self.assertTrue(j)
                idx = [r[0] for r in j]
                self.assertEqual(idx, sorted(set(idx)), "one record per message, in order")

    def test_l2_deltas_rebuild_the_book(self):
        for fmt in ("jsonl", "bin"):
            recs = self.emit("l2", fmt)
            book, k = L2(), 0
            for s in self.samples:
                while k < len(recs) and recs[k][0] < s:
                    book.apply(recs[k][2], recs[k][3])
                    k += 1
                self.assertEqual(book.digest(), self.snaps[s]["digests"]["l2"], "at %d" % s)
            for r in recs[k:]:
                book.apply(r[2], r[3])
            self.assertEqual(book.digest(), self.full["digests"]["l2"])

    def test_l2_deltas_are_minimal(self):
        # Every entry changes the consumer's book: no level is repeated unchanged.
        book = L2()
        for idx, ts, sym, ents in self.emit("l2", "jsonl"):
            for side, price, shares, orders in ents:
                cur = book.books.get(sym, {}).get(side, {}).get(price)
                new = (shares, orders) if shares else None
                self.assertNotEqual(cur, new, "record %d repeats %s %d" % (idx, side, price))
            book.apply(sym, ents)

    def test_l3_deltas_rebuild_the_book(self):
        book = L3()
        for idx, ts, sym, ents in self.emit("l3", "csv"):
            book.apply(sym, ents)
        self.assertEqual(book.digest(), self.full["digests"]["l3"])

    def test_bbo_and_top_n(self):
        for kind, extra, n in (("bbo", (), 1), ("l2", ("--depth", 3), 3)):
            recs = self.emit(kind, "jsonl", *extra)
            book, k = L2(), 0
            for s in self.samples:
                while k < len(recs) and recs[k][0] < s:
                    ents = recs[k][3]
                    if kind == "bbo":  # a BBO record replaces the whole top
                        book.books[recs[k][2]] = {"B": {}, "S": {}}
                        ents = [e for e in ents if e[2]]
                    book.apply(recs[k][2], ents)
                    k += 1
                for b in self.snaps[s]["books"]:
                    for side in "BS":
                        self.assertEqual(book.top(b["symbol"], side, n),
                                         snapshot_top(self.snaps[s], b["symbol"], side, n),
                                         "%s %s %s at %d" % (kind, b["symbol"], side, s))

    def test_trades(self):
        recs = self.emit("trades", "jsonl")
        bt = self.full["by_type"]
        unknown = self.full["anomalies"].get("unknown_ref", {}).get("count", 0)
        types = [r[3][0][0] for r in recs]
        self.assertEqual(types.count("P"), bt["P"])
        self.assertEqual(types.count("Q"), bt["Q"])
        # Executions of unknown orders (the gap scenario) change no book and are not trades.
        self.assertLessEqual(types.count("E") + types.count("C"), bt["E"] + bt["C"])
        self.assertGreaterEqual(types.count("E") + types.count("C"), bt["E"] + bt["C"] - unknown)
        for idx, ts, sym, ((t, ref, side, price, shares, match),) in recs:
            self.assertIn(side, ("B", "S") if t != "Q" else ("",))
            self.assertGreater(price, 0)

    def test_symbol_filter(self):
        recs = self.emit("l2", "jsonl")
        syms = sorted({r[2] for r in recs})
        pick = syms[:2]
        sub = self.emit("l2", "jsonl", "--symbol", pick[0], "--symbol", pick[1])
        self.assertEqual(sub, [r for r in recs if r[2] in pick])

    def test_resumed_emit_continues_the_stream(self):
        out = self.path("cut")
        full = self.emit("l2", "jsonl")
        r = run("replay", self.day, "--snapshot-at", 50000, "--snapshot-out", out)
        self.assertEqual(r.returncode, 0)
        rest = self.path("rest.jsonl")
        r = run("replay", self.day, "--resume", os.path.join(out, "snap-i50000.snap"),
                "--emit", "l2", "-o", rest)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(rest, "rb") as f:
            self.assertEqual(read_jsonl(f.read(), "l2"), [x for x in full if x[0] >= 50000])

    def test_real_sample_and_compressed_output(self):
        recs = self.emit("l2", "jsonl", src=RITCH)
        book = L2()
        for r in recs:
            book.apply(r[2], r[3])
        want = json.loads(run("replay", RITCH, "--json").stdout)["digests"]["l2"]
        self.assertEqual(book.digest(), want)
        out = self.path("x.csv.gz")
        r = run("replay", RITCH, "--emit", "bbo", "--format", "csv", "-o", out)
        self.assertEqual(r.returncode, 0)
        with open(out, "rb") as f:
            self.assertTrue(gzip.decompress(f.read()).startswith(b"index,ts,symbol"))

    def test_stdout_and_failures(self):
        r = run("replay", self.day, "--emit", "bbo", "-o", "-", "--json")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith(b'{"index":'))
        self.assertIn(b'"emit_records"', r.stderr)  # the summary moves to stderr
        bad = os.path.join(self.tmp.name, "no-such-dir", "x.jsonl")
        r = run("replay", self.day, "--emit", "bbo", "-o", bad)
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(bad))
        self.assertEqual(run("replay", self.day, "--emit", "nope", "-o", "x").returncode, 2)
        self.assertEqual(run("replay", self.day, "--emit", "bbo").returncode, 2)


if __name__ == "__main__":
    unittest.main()
