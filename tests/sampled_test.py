#!/usr/bin/env python3
"""Sampled books and bars (docs/EMIT.md "Sampled books and bars").

- `--emit l2 --every D` / `--at TIMES` against books rebuilt here from Blanc's full-depth
  `--emit l2` deltas (an independent path: the sampler reads the books, the deltas come from the
  change record), with the sampling rule of docs/EMIT.md applied here: the book after every
  message stamped <= t, instants on the grid from the first message to the last timestamp, an
  instrument from its first order on.
- `--emit bars --every D` against bars computed here from `--emit trades` and the C messages'
  printable flag read from the ITCH bytes here.
- Both on the bundled sample day and a generated day, csv and jsonl the same rows, and
  `--price decimal` / `--time iso` the same values.
- A hand-built day with hand-computed rows for the edge rules: instants exactly at a message's
  time, after the last message, --from, --at, an instrument that never had an order; bar
  boundaries, a non-printable C, a zero-share cross, a cross-only bar, VWAP rounding.

Run: BLANC_BIN=build/blanc python3 tests/sampled_test.py
"""
import csv
import functools
import io
import json
import os
import struct
import subprocess
import tempfile
import unittest
from decimal import Decimal

BIN = os.environ.get("BLANC_BIN", "build/blanc")
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SAMPLE = os.path.join(ROOT, "data", "sample-day.itch.zst")
S = 10**9


def run(*args, ok=True):
    r = subprocess.run([BIN, *args], capture_output=True)
    if ok and r.returncode != 0:
        raise AssertionError("blanc %s: %s" % (" ".join(args), r.stderr.decode()))
    return r


def out(*args):
    return run(*args, "-o", "-", "--no-health").stdout.decode()


def itch_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] == b"\x28\xb5\x2f\xfd":
        raw = subprocess.run(["zstd", "-dc"], input=raw, capture_output=True, check=True).stdout
    return raw


def frames(raw):
    i = 0
    while i + 2 <= len(raw):
        n = struct.unpack(">H", raw[i:i + 2])[0]
        if n == 0:
            return
        yield raw[i + 2:i + 2 + n]
        i += 2 + n


def c_printable(raw):
    """match number -> printable flag of each C (Order Executed With Price)."""
    flags = {}
    for m in frames(raw):
        if m[:1] == b"C" and len(m) == 36:
            match = struct.unpack(">Q", m[23:31])[0]
            flags[match] = m[31:32].decode()
    return flags


@functools.lru_cache(maxsize=None)
def cached(path, kind):
    """The whole day's full-depth deltas or trades, read once per test run."""
    return list(csv.DictReader(io.StringIO(out("replay", path, "--emit", kind, "--format",
                                               "csv"))))


@functools.lru_cache(maxsize=None)
def summary(path):
    return json.loads(run("replay", path, "--json", "--no-health").stdout)


# ---- the reference for sampled l2 -------------------------------------------------------

def reference_samples(path, every, depth, at=None, start=0):
    """Rows (ts, symbol, locate, [(bp, bs, bo, ap, as, ao) per level]) by the rule of
    docs/EMIT.md, from the full-depth l2 deltas."""
    deltas = cached(path, "l2")
    st = summary(path)
    first, last = st["first_timestamp"], st["last_timestamp"]
    if at is not None:
        instants = sorted(set(t for t in at if t <= last))
    else:
        t = start if first <= start else start + -(-(first - start) // every) * every
        instants = []
        while t <= last:
            instants.append(t)
            t += every
    books, locs, rows, i = {}, {}, [], 0
    for t in instants:
        while i < len(deltas) and int(deltas[i]["ts"]) <= t:
            d = deltas[i]
            side = books.setdefault(d["symbol"], ({}, {}))[d["side"] == "S"]
            locs[d["symbol"]] = int(d["locate"])
            if int(d["orders"]) == 0:
                side.pop(int(d["price"]), None)
            else:
                side[int(d["price"])] = (int(d["shares"]), int(d["orders"]))
            i += 1
        for sym in sorted(books):
            bids = sorted(books[sym][0].items(), reverse=True)[:depth]
            asks = sorted(books[sym][1].items())[:depth]
            levels = []
            for k in range(depth):
                b = (bids[k][0], *bids[k][1]) if k < len(bids) else (None, 0, 0)
                a = (asks[k][0], *asks[k][1]) if k < len(asks) else (None, 0, 0)
                levels.append(b + a)
            rows.append((t, sym, locs[sym], levels))
    return rows


def read_sample_csv(text, depth):
    r = csv.reader(io.StringIO(text))
    head = next(r)
    cols = ["ts", "symbol", "locate"]
    for k in range(1, depth + 1):
        cols += ["%s_%s_%d" % (s, f, k) for s in ("bid", "ask") for f in ("price", "shares",
                                                                          "orders")]
    assert head == cols, head
    rows = []
    for x in r:
        levels = []
        for k in range(depth):
            v = x[3 + 6 * k:9 + 6 * k]
            levels.append(tuple(None if (j % 3 == 0 and v[j] == "") else int(v[j])
                                for j in range(6)))
        rows.append((int(x[0]), x[1], int(x[2]), levels))
    return rows


def read_sample_jsonl(text, depth):
    rows = []
    for line in text.splitlines():
        o = json.loads(line)
        levels = []
        for k in range(depth):
            b = tuple(o["bids"][k]) if k < len(o["bids"]) else (None, 0, 0)
            a = tuple(o["asks"][k]) if k < len(o["asks"]) else (None, 0, 0)
            levels.append(b + a)
        rows.append((o["ts"], o["symbol"], o["locate"], levels))
    return rows


# ---- the reference for bars ------------------------------------------------------------

def reference_bars(path, every):
    trades = cached(path, "trades")
    printable = c_printable(itch_bytes(path))
    bars = {}
    for t in trades:
        shares, price = int(t["shares"]), int(t["price"])
        if shares == 0 or (t["type"] == "C" and printable[int(t["match"])] != "Y"):
            continue
        key = (int(t["ts"]) // every * every, t["symbol"])
        b = bars.setdefault(key, {"locate": int(t["locate"]), "px": [], "q": []})
        b["q" if t["type"] == "Q" else "px"].append((price, shares))
    rows = []
    for (start, sym), b in sorted(bars.items()):
        px, q = b["px"], b["q"]
        vol = sum(s for _, s in px)
        num = sum(p * s for p, s in px)
        rows.append((start, sym, b["locate"],
                     px[0][0] if px else None, max(p for p, _ in px) if px else None,
                     min(p for p, _ in px) if px else None, px[-1][0] if px else None,
                     vol, (2 * num + vol) // (2 * vol) if px else None, len(px),
                     sum(s for _, s in q), q[-1][0] if q else None, len(q)))
    return rows


def read_bars_csv(text):
    r = csv.reader(io.StringIO(text))
    assert next(r) == ["ts", "symbol", "locate", "open", "high", "low", "close", "volume",
                       "vwap", "trades", "cross_shares", "cross_price", "crosses"]
    return [tuple(x[1] if i == 1 else (int(x[i]) if x[i] != "" else None) for i in range(13))
            for x in r]


def read_bars_jsonl(text):
    keys = ["ts", "symbol", "locate", "open", "high", "low", "close", "volume", "vwap",
            "trades", "cross_shares", "cross_price", "crosses"]
    rows = []
    for line in text.splitlines():
        o = json.loads(line)
        assert list(o) == keys, list(o)
        rows.append(tuple(o[k] for k in keys))
    return rows


# ---- a hand-built day -------------------------------------------------------------------

def frame(m):
    return struct.pack(">H", len(m)) + m


def head(t, locate, ts):
    return t + struct.pack(">HH", locate, 0) + int(ts).to_bytes(6, "big")


def R(locate, sym):
    return head(b"R", locate, 1) + sym.ljust(8).encode() + b"QN" + struct.pack(">I", 100) \
        + b"NC  P N1N" + struct.pack(">I", 0) + b"N"


def A(ts, ref, side, shares, price, sym="ABC", locate=1):
    return head(b"A", locate, ts) + struct.pack(">Q", ref) + side + struct.pack(">I", shares) \
        + sym.ljust(8).encode() + struct.pack(">I", price)


def D(ts, ref, locate=1):
    return head(b"D", locate, ts) + struct.pack(">Q", ref)


def E(ts, ref, shares, match, locate=1):
    return head(b"E", locate, ts) + struct.pack(">QIQ", ref, shares, match)


def C(ts, ref, shares, match, printable, price, locate=1):
    return head(b"C", locate, ts) + struct.pack(">QIQ", ref, shares, match) + printable \
        + struct.pack(">I", price)


def P(ts, shares, price, match, sym="ABC", locate=1):
    return head(b"P", locate, ts) + struct.pack(">Q", 0) + b"B" + struct.pack(">I", shares) \
        + sym.ljust(8).encode() + struct.pack(">IQ", price, match)


def Q(ts, shares, price, match, sym="ABC", locate=1):
    return head(b"Q", locate, ts) + struct.pack(">Q", shares) + sym.ljust(8).encode() \
        + struct.pack(">IQ", price, match) + b"O"


def write_day(path, msgs):
    with open(path, "wb") as f:
        f.write(b"".join(frame(m) for m in msgs))


class Sampled(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.gen = os.path.join(cls.tmp.name, "gen.itch")
        run("gen", "--seed", "17", "--messages", "40k", "--symbols", "6", "--session", "23400",
            "-o", cls.gen)
        cls.days = [(SAMPLE, 300 * S), (cls.gen, 60 * S)]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_l2_every_matches_rebuilt_books(self):
        for path, every in self.days:
            for depth in (1, 5):
                with self.subTest(path=path, depth=depth):
                    want = reference_samples(path, every, depth)
                    self.assertGreater(len(want), 20)
                    args = ["replay", path, "--emit", "l2", "--every", "%dms" % (every // 10**6),
                            "--depth", str(depth)]
                    got = read_sample_csv(out(*args, "--format", "csv"), depth)
                    self.assertEqual(got, want)
                    self.assertEqual(read_sample_jsonl(out(*args), depth), want)

    def test_l2_default_depth_and_from(self):
        path, every = self.days[1]
        start = 34200 * S + 250 * 10**6
        want = reference_samples(path, every, 5, start=start)
        got = read_sample_csv(out("replay", path, "--emit", "l2", "--every", "1m", "--from",
                                  "09:30:00.25", "--format", "csv"), 5)
        self.assertEqual(got, want)
        self.assertTrue(all((r[0] - start) % every == 0 for r in got))

    def test_l2_at(self):
        path = SAMPLE
        at = [36000 * S, 34300 * S + 5, 45000 * S, 36000 * S]
        want = reference_samples(path, 0, 3, at=at)
        got = read_sample_csv(out("replay", path, "--emit", "l2", "--at",
                                  "10:00:00,12:30:00,09:31:40.000000005,10:00:00",
                                  "--depth", "3", "--format", "csv"), 3)
        self.assertEqual(got, want)
        self.assertEqual(sorted(set(r[0] for r in got)), sorted(set(at)))

    def test_l2_symbol(self):
        path, every = self.days[1]
        syms = sorted(set(r[1] for r in reference_samples(path, every, 2)))[:2]
        want = [r for r in reference_samples(path, every, 2) if r[1] in syms]
        args = ["replay", path, "--emit", "l2", "--every", "1m", "--depth", "2", "--format",
                "csv"]
        for s in syms:
            args += ["--symbol", s]
        self.assertEqual(read_sample_csv(out(*args), 2), want)

    def test_bars_match_trades(self):
        for path, every in self.days:
            with self.subTest(path=path):
                want = reference_bars(path, every)
                self.assertGreater(len(want), 10)
                args = ["replay", path, "--emit", "bars", "--every", "%ds" % (every // S)]
                self.assertEqual(read_bars_csv(out(*args, "--format", "csv")), want)
                self.assertEqual(read_bars_jsonl(out(*args)), want)
        self.assertTrue(any(r[12] for r in reference_bars(SAMPLE, 300 * S)), "no cross")

    def test_human(self):
        def dollars(v):
            return "" if v in ("", None) else str((Decimal(int(v)) / 10000).quantize(
                Decimal("0.0001")))

        def clock(ns):
            s, f = divmod(int(ns), S)
            return "%02d:%02d:%02d.%09d" % (s // 3600, s // 60 % 60, s % 60, f)

        for kind, extra in (("l2", ["--depth", "2"]), ("bars", [])):
            base = ["replay", SAMPLE, "--emit", kind, "--every", "10m", *extra]
            args = base + ["--format", "csv"]
            plain = list(csv.reader(io.StringIO(out(*args))))
            human = list(csv.reader(io.StringIO(out(*args, "--price", "decimal", "--time",
                                                    "iso"))))
            self.assertEqual(plain[0], human[0])
            prices = [i for i, c in enumerate(plain[0])
                      if "price" in c or c in ("open", "high", "low", "close", "vwap")]
            self.assertEqual(len(plain), len(human))
            for p, h in zip(plain[1:], human[1:]):
                want = list(p)
                want[0] = clock(p[0])
                for i in prices:
                    want[i] = dollars(p[i])
                self.assertEqual(h, want)
            js = out(*base, "--price", "decimal", "--time", "iso").splitlines()
            self.assertEqual(len(js), len(plain) - 1)
            o = json.loads(js[0])
            self.assertEqual(o["ts"], human[1][0])

    def test_resume(self):
        """A run resumed from a snapshot at 12:00:00 writes the uninterrupted rows from
        there: every sample from 12:00:00 on, every bar after the one the cut splits."""
        snaps = os.path.join(self.tmp.name, "snaps")
        run("replay", SAMPLE, "--snapshot-at", "12:00:00", "--snapshot-out", snaps,
            "--no-health")
        snap = os.path.join(snaps, "snap-t120000.000000000.snap")
        cut = 43200 * S
        for kind, extra, first in (("l2", ["--depth", "3"], cut), ("bars", [], cut + 60 * S)):
            with self.subTest(kind=kind):
                args = ["replay", SAMPLE, "--emit", kind, "--every", "1m", "--format", "csv",
                        *extra]
                whole = out(*args).splitlines()
                resumed = out(*args, "--resume", snap).splitlines()
                self.assertEqual(whole[0], resumed[0])
                tail = [x for x in whole[1:] if int(x.split(",")[0]) >= first]
                self.assertGreater(len(tail), 10)
                self.assertEqual([x for x in resumed[1:] if int(x.split(",")[0]) >= first],
                                 tail)
                if kind == "l2":
                    self.assertEqual(resumed[1:], tail)

    # ---- hand-computed -----------------------------------------------------------------

    def test_hand_l2(self):
        day = os.path.join(self.tmp.name, "hand_l2.itch")
        write_day(day, [
            R(1, "ABC"), R(2, "XYZ"),
            A(S // 2, 1, b"B", 100, 500000),
            A(S, 2, b"B", 200, 500000),            # at the instant 1 s: in it
            A(S + 1, 3, b"S", 300, 510000),        # 1 ns later: not in it
            D(3 * S + S // 2, 1),                  # instants 2 s and 3 s are due first
            A(4 * S, 4, b"S", 100, 520000),        # the last message: 4 s is written at the end
        ])
        got = out("replay", day, "--emit", "l2", "--every", "1s", "--depth", "2",
                  "--format", "csv").splitlines()
        self.assertEqual(got[1:], [
            "1000000000,ABC,1,500000,300,2,,0,0,,0,0,,0,0",
            "2000000000,ABC,1,500000,300,2,510000,300,1,,0,0,,0,0",
            "3000000000,ABC,1,500000,300,2,510000,300,1,,0,0,,0,0",
            "4000000000,ABC,1,500000,200,1,510000,300,1,,0,0,520000,100,1",
        ])  # XYZ never had an order: no rows
        got = out("replay", day, "--emit", "l2", "--every", "1s", "--from", "00:00:00.5",
                  "--depth", "1", "--format", "csv").splitlines()
        self.assertEqual(got[1:], [
            "500000000,ABC,1,500000,100,1,,0,0",
            "1500000000,ABC,1,500000,300,2,510000,300,1",
            "2500000000,ABC,1,500000,300,2,510000,300,1",
            "3500000000,ABC,1,500000,200,1,510000,300,1",
        ])  # 4.5 s is after the last timestamp
        got = out("replay", day, "--emit", "l2", "--at", "00:00:09,00:00:02,00:00:00.1",
                  "--depth", "1", "--format", "csv").splitlines()
        self.assertEqual(got[1:], ["2000000000,ABC,1,500000,300,2,510000,300,1"])
        self.assertEqual(json.loads(out("replay", day, "--emit", "l2", "--at", "00:00:04",
                                        "--depth", "1", "--price", "decimal")),
                         {"ts": 4 * S, "symbol": "ABC", "locate": 1,
                          "bids": [["50.0000", 200, 1]], "asks": [["51.0000", 300, 1]]})

    def test_hand_bars(self):
        day = os.path.join(self.tmp.name, "hand_bars.itch")
        write_day(day, [
            R(1, "ABC"),
            A(S // 2, 1, b"S", 1000, 1000000),
            A(S * 6 // 10, 2, b"S", 500, 1000100),
            E(S, 1, 100, 11),                           # bar [1 s, 2 s) at the resting price
            C(S * 12 // 10, 2, 200, 12, b"Y", 1000300),  # at its own price
            C(S * 13 // 10, 2, 50, 13, b"N", 999999),    # not printable: not in the bar
            P(S * 19 // 10, 300, 1000001, 14),
            Q(S * 195 // 100, 1000, 1000050, 15),       # a cross: apart
            E(3 * S, 1, 10, 16),                        # [2 s, 3 s) had nothing: no row
            Q(4 * S + S // 2, 0, 1000000, 17),          # no shares crossed: nothing
            Q(5 * S + S // 5, 200, 1000010, 18),        # a bar of a cross alone
        ])
        got = out("replay", day, "--emit", "bars", "--every", "1s", "--format", "csv")
        # VWAP: (1000000*100 + 1000300*200 + 1000001*300) / 600 = 1000100.5 -> 1000101
        self.assertEqual(got.splitlines()[1:], [
            "1000000000,ABC,1,1000000,1000300,1000000,1000001,600,1000101,3,1000,1000050,1",
            "3000000000,ABC,1,1000000,1000000,1000000,1000000,10,1000000,1,0,,0",
            "5000000000,ABC,1,,,,,0,,0,200,1000010,1",
        ])
        got = out("replay", day, "--emit", "bars", "--every", "2s", "--from", "00:00:01",
                  "--price", "decimal")
        rows = [json.loads(x) for x in got.splitlines()]
        self.assertEqual([r["ts"] for r in rows], [S, 3 * S, 5 * S])
        self.assertEqual(rows[0]["vwap"], "100.0101")
        self.assertEqual(rows[2]["open"], None)
        # a print at 3 s starts the bar [3 s, 5 s)
        self.assertEqual(rows[1]["volume"], 10)

    def test_usage_errors(self):
        for args, msg in (
                (["--emit", "bars"], b"--emit bars needs --every"),
                (["--emit", "bars", "--at", "10:00:00"], b"needs --every"),
                (["--emit", "l3", "--every", "1s"], b"apply to --emit l2 and bars"),
                (["--emit", "l2", "--every", "1s", "--at", "10:00:00"], b"one or the other"),
                (["--emit", "l2", "--every", "1s", "--format", "bin"], b"not bin"),
                (["--emit", "l2", "--every", "1us"], b"1ms or more"),
                (["--emit", "l2", "--every", "soon"], b"1ms or more"),
                (["--emit", "l2", "--at", "25:00:00"], b"--at wants"),
                (["--emit", "l2", "--at", "10:00:00,"], b"--at"),
                (["--emit", "bars", "--every", "1s", "--depth", "3"], b"--depth"),
                (["--emit", "l2", "--from", "10:00:00"], b"--from applies")):
            with self.subTest(args=args):
                r = run("replay", SAMPLE, *args, "-o", "-", ok=False)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)


if __name__ == "__main__":
    unittest.main()
