#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""--emit lobster: LOBSTER's message and orderbook files, checked by an independent reader.

The reader (LobsterFiles, check_rows) is written from lobsterdata.com's description of the
format (the sample files' README and the "data structure" page), not from Blanc's code:
message rows Time,Type,OrderID,Size,Price,Direction; orderbook row k = AskP1,AskS1,BidP1,BidS1,...
after message k; empty levels 9999999999 / -9999999999 with size 0; types 1 submission,
2 partial cancel, 3 deletion, 4 visible execution, 5 hidden execution, 6 cross, 7 halt.
It checks each orderbook row follows from the one before by its message. It is first run on
real LOBSTER data (the AAPL 2012-06-21 sample excerpt in /work/shared/data/lobster, when
present) to show the reader itself agrees with LOBSTER; then on Blanc's files.

A second check rebuilds the expected rows from tests/reference/book.py's books (the reference
replay written from docs/SEMANTICS.md) and the mapping of docs/EMIT.md "LOBSTER", and compares
them with Blanc's files exactly.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/lobster_test.py
"""
import glob
import os
import struct
import subprocess
import sys
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
sys.path.insert(0, os.path.join(SRC, "tests", "reference"))
import book  # noqa: E402  (the reference replay)

EMPTY_ASK = 9999999999
EMPTY_BID = -9999999999
SAMPLE = "/work/shared/data/lobster"


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True)


# ---- the reader: LOBSTER's format as documented ------------------------------------------

def parse_time(text):
    """Seconds after midnight with a decimal fraction -> ns."""
    sec, _, frac = text.partition(".")
    assert sec.isdigit() and (frac == "" or frac.isdigit()) and len(frac) <= 9, text
    return int(sec) * 10**9 + int((frac + "000000000")[:9])


def read_files(msg_path, book_path, depth):
    """[(message tuple, orderbook row)]; raises AssertionError on a malformed file."""
    with open(msg_path) as f:
        msgs = [line.rstrip("\n").split(",") for line in f]
    with open(book_path) as f:
        books = [line.rstrip("\n").split(",") for line in f]
    assert len(msgs) == len(books), (len(msgs), len(books))
    out = []
    for m, b in zip(msgs, books):
        assert len(m) == 6, m
        assert len(b) == 4 * depth, len(b)
        msg = (parse_time(m[0]), int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]))
        assert 1 <= msg[1] <= 7 and msg[5] in (1, -1), m
        row = [int(x) for x in b]
        check_row(row, depth)
        out.append((msg, row))
    return out


def sides(row, depth):
    """({ask price: size}, {bid price: size}) of the occupied levels, in order."""
    asks = [(row[4 * k], row[4 * k + 1]) for k in range(depth)]
    bids = [(row[4 * k + 2], row[4 * k + 3]) for k in range(depth)]
    return ([a for a in asks if a[0] != EMPTY_ASK], [b for b in bids if b[0] != EMPTY_BID])


def check_row(row, depth):
    seen_empty = [False, False]
    for k in range(depth):
        for s, (p, q, empty) in enumerate(((row[4 * k], row[4 * k + 1], EMPTY_ASK),
                                           (row[4 * k + 2], row[4 * k + 3], EMPTY_BID))):
            if p == empty:
                assert q == 0, row
                seen_empty[s] = True
            else:
                assert not seen_empty[s] and q > 0 and p > 0, row  # occupied levels first
    asks, bids = sides(row, depth)
    assert all(asks[i][0] < asks[i + 1][0] for i in range(len(asks) - 1)), row
    assert all(bids[i][0] > bids[i + 1][0] for i in range(len(bids) - 1)), row


def apply_event(levels, price, delta, ascending):
    """One side's visible levels [(price, size)] after adding delta shares at price."""
    d = dict(levels)
    d[price] = d.get(price, 0) + delta
    if d[price] == 0:
        del d[price]
    return sorted(d.items(), reverse=not ascending)


def check_rows(rows, depth):
    """Each orderbook row follows from the one before by its message. Returns problems."""
    problems = []
    for k in range(1, len(rows)):
        (t, typ, oid, size, price, direction), row = rows[k]
        prev_asks, prev_bids = sides(rows[k - 1][1], depth)
        asks, bids = sides(row, depth)
        if rows[k - 1][0][0] > t:
            problems.append((k, "time goes backwards"))
        if typ in (5, 6, 7):
            if (asks, bids) != (prev_asks, prev_bids):
                problems.append((k, "type %d changed the book" % typ))
            continue
        ask_side = direction == -1
        prev, now, other_prev, other_now = ((prev_asks, asks, prev_bids, bids) if ask_side
                                            else (prev_bids, bids, prev_asks, asks))
        if other_prev != other_now:
            problems.append((k, "the other side changed"))
            continue
        if typ == 1:
            want = apply_event(prev, price, size, ask_side)[:depth]
            if now != want:
                problems.append((k, "add: %r -> %r, want %r" % (prev, now, want)))
            continue
        # 2, 3, 4 take `size` shares from a visible level at `price`
        if price not in dict(prev):
            problems.append((k, "type %d at a price not in view" % typ))
            continue
        if dict(prev)[price] < size:
            problems.append((k, "type %d takes more than the level holds" % typ))
            continue
        want = apply_event(prev, price, -size, ask_side)
        if len(want) < len(prev):
            # a level left the view: the one that comes in from beyond it is unknown
            n = len(want)
            ok = now[:n] == want and len(now) <= n + 1
            if ok and len(now) == n + 1 and n:
                ok = now[n][0] > want[-1][0] if ask_side else now[n][0] < want[-1][0]
            if not ok:
                problems.append((k, "type %d removing a level: %r -> %r" % (typ, prev, now)))
        elif now != want:
            problems.append((k, "type %d: %r -> %r, want %r" % (typ, prev, now, want)))
    return problems


# ---- the expectation: the reference books and docs/EMIT.md's mapping ---------------------

class LobsterReference(book.Replay):
    """book.Replay, writing the LOBSTER rows docs/EMIT.md describes for some symbols."""

    def __init__(self, symbols, depth, start_ns, end_ns):
        super().__init__(strict=False)
        self.want = {s.encode().ljust(8): s for s in symbols}
        self.depth, self.start, self.end = depth, start_ns, end_ns
        self.rows = {s: [] for s in symbols}
        self.cur = {}

    def top(self, inst, without=None):
        """The top-N row; `without`: the ref of an order to leave out."""
        def side(sb):
            out = []
            for p, q in inst.sorted_side(sb):
                shares = [v for r, v in q.items() if r != without]
                if shares:
                    out.append((p, sum(shares)))
            return out
        asks, bids, row = side(book.SIDE_S), side(book.SIDE_B), []
        for k in range(self.depth):
            row += [asks[k][0], asks[k][1]] if k < len(asks) else [EMPTY_ASK, 0]
            row += [bids[k][0], bids[k][1]] if k < len(bids) else [EMPTY_BID, 0]
        return row

    def message(self, buf, off, p, length, index):
        t = chr(buf[p])
        locate = (buf[p + 1] << 8) | buf[p + 2]
        ts = int.from_bytes(buf[p + 5:p + 11], "big")
        inst = self.instruments.get(locate)
        ours = inst is not None and inst.symbol in self.want
        order = None
        if ours and t in "ECXDU":
            ref = struct.unpack_from(">Q", buf, p + 11)[0]
            o = inst.orders.get(ref)
            order = list(o) if o is not None else None
        changes = self.book_changes
        super().message(buf, off, p, length, index)
        inst = self.instruments.get(locate)
        if inst is None or inst.symbol not in self.want:
            return
        sym = self.want[inst.symbol]
        if sym not in self.cur:
            self.cur[sym] = self.top(inst)
        cur = self.cur[sym]
        inwin = self.start <= ts < self.end
        out = self.rows[sym]
        d = {book.SIDE_B: 1, book.SIDE_S: -1}
        if self.book_changes == changes:  # nothing applied
            if not inwin or length != book.FIXED_LENGTH_BY_BYTE.get(buf[p]):
                return
            if t == "P":
                ref, side, shares, _s, price = struct.unpack_from(">QBI8sI", buf, p + 11)
                out.append(((ts, 5, ref, shares, price, 1 if side == book.SIDE_B else -1), cur))
            elif t == "Q":
                shares, _s, price, _m, ctype = struct.unpack_from(">Q8sIQc", buf, p + 11)
                oid = {b"O": -1, b"C": -2}.get(ctype, -3)
                out.append(((ts, 6, oid, shares, price, -1), cur))
            elif t == "H" and chr(buf[p + 19]) in "HPQT":
                state = chr(buf[p + 19])
                out.append(((ts, 7, 0, 0, {"T": 1, "Q": 0}.get(state, -1), -1), cur))
            return
        now = self.top(inst)
        if t == "U":
            old_ref, new_ref, shares, price = struct.unpack_from(">QQII", buf, p + 11)
            side, old_price, old_shares = order
            mid = self.top(inst, without=new_ref)
            if inwin and mid != cur:
                out.append(((ts, 3, old_ref, old_shares, old_price, d[side]), mid))
            if inwin and now != mid:
                out.append(((ts, 1, new_ref, shares, price, d[side]), now))
        elif inwin and now != cur:
            if t in "AF":
                ref, side, shares, _s, price = struct.unpack_from(">QBI8sI", buf, p + 11)
                out.append(((ts, 1, ref, shares, price, d[side]), now))
            else:
                ref = struct.unpack_from(">Q", buf, p + 11)[0]
                side, price, before = order
                o = inst.orders.get(ref)
                left = o[2] if o is not None else 0
                typ = {"X": 2, "D": 3, "E": 4, "C": 4}[t]
                out.append(((ts, typ, ref, before - left, price, d[side]), now))
        self.cur[sym] = now


def reference_rows(path, symbols, depth, start_ns, end_ns):
    with open(path, "rb") as f:
        buf, cut = book.load_input(f.read())
    r = LobsterReference(symbols, depth, start_ns, end_ns)
    r.run(buf, "binaryfile", cut)
    return r.rows


# ---- tests -------------------------------------------------------------------------------

class ReaderOnRealData(unittest.TestCase):
    """The reader agrees with LOBSTER's own files (real AAPL data, level 10)."""

    def test_sample(self):
        msgs = glob.glob(os.path.join(SAMPLE, "*_message_10.csv"))
        if not msgs:
            self.skipTest("no LOBSTER sample on this machine")
        rows = read_files(msgs[0], msgs[0].replace("_message_", "_orderbook_"), 10)
        self.assertGreater(len(rows), 900)
        problems = check_rows(rows, 10)
        self.assertEqual(problems, [])

    def test_reader_can_fail(self):
        """A row that does not follow from its message is caught."""
        row0 = [101, 5, 99, 7] + [EMPTY_ASK, 0, EMPTY_BID, 0]
        good = [101, 5, 99, 10] + [EMPTY_ASK, 0, EMPTY_BID, 0]
        bad = [101, 5, 99, 11] + [EMPTY_ASK, 0, EMPTY_BID, 0]
        add = (1, 1, 9, 3, 99, 1)
        self.assertEqual(check_rows([((0, 1, 8, 7, 99, 1), row0), (add, good)], 2), [])
        self.assertEqual(len(check_rows([((0, 1, 8, 7, 99, 1), row0), (add, bad)], 2)), 1)
        gone = [101, 5, EMPTY_BID, 0] + [EMPTY_ASK, 0, EMPTY_BID, 0]
        self.assertEqual(check_rows([((0, 1, 8, 7, 99, 1), row0), ((1, 3, 8, 7, 99, 1), gone)],
                                    2), [])
        with self.assertRaises(AssertionError):
            check_row([99, 5, 101, 7, 98, 1, EMPTY_BID, 0], 2)  # asks not ascending


class BlancLobster(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "20240102.itch")
        r = run("gen", "--seed", 11, "--messages", "80k", "--symbols", 6, "-o", cls.day)
        assert r.returncode == 0, r.stderr
        out = run("replay", cls.day, "--emit", "l3", "--format", "csv", "-o", "-").stdout
        counts = {}
        for line in out.decode().splitlines()[1:]:
            s = line.split(",")[2]
            counts[s] = counts.get(s, 0) + 1
        cls.syms = sorted(counts, key=lambda s: -counts[s])[:2]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def emit(self, depth, *extra, date=None):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        out = os.path.join(d, "out")
        args = ["replay", self.day, "--emit", "lobster", "--depth", depth, "-o", out, *extra]
        for s in self.syms:
            args += ["--symbol", s]
        if date:
            args += ["--date", date]
        r = run(*args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def files(self, out, sym, depth, start, end, date="2024-01-02"):
        base = os.path.join(out, "%s_%s_%d_%d_" % (sym, date, start, end))
        return base + "message_%d.csv" % depth, base + "orderbook_%d.csv" % depth

    refs = {}

    def reference(self, depth, start_ms, end_ms):
        """The whole day's rows at this depth, cut to the window: the rows a window holds
        are the whole day's that fall in it (the book is followed outside it too)."""
        if depth not in self.refs:
            self.refs[depth] = reference_rows(self.day, self.syms, depth, 0, 86400 * 10**9)
        lo, hi = start_ms * 10**6, end_ms * 10**6
        return {s: [x for x in v if lo <= x[0][0] < hi] for s, v in self.refs[depth].items()}

    def check(self, depth, start_ms, end_ms, *extra):
        out = self.emit(depth, *extra)
        ref = self.reference(depth, start_ms, end_ms)
        types = set()
        for sym in self.syms:
            m, b = self.files(out, sym, depth, start_ms, end_ms)
            rows = read_files(m, b, depth)
            self.assertGreater(len(rows), 100)
            self.assertEqual(check_rows(rows, depth), [], sym)
            got = [(msg, row) for msg, row in rows]
            want = [(msg, row) for msg, row in ref[sym]]
            self.assertEqual(len(got), len(want), sym)
            for k, (g, w) in enumerate(zip(got, want)):
                self.assertEqual(g, w, "%s row %d" % (sym, k))
            for msg, _ in rows:
                self.assertTrue(start_ms * 10**6 <= msg[0] < end_ms * 10**6)
                types.add(msg[1])
            with open(m) as f:  # 9 decimals, no header
                first = f.readline()
            self.assertRegex(first, r"^\d+\.\d{9},[1-7],")
        return types

    def test_default_window_depth_5(self):
        types = self.check(5, 34200000, 57600000)
        self.assertTrue({1, 2, 3, 4, 5, 6} <= types, types)

    def test_depth_1_whole_day(self):
        types = self.check(1, 0, 86399000, "--from", "00:00:00", "--to", "23:59:59")
        self.assertIn(7, types)  # the trading actions before 09:30

    def test_window(self):
        self.check(5, 36000000, 36600000, "--from", "10:00:00", "--to", "10:10:00")

    def test_date_and_names(self):
        out = self.emit(2, date="2019-01-30")
        names = sorted(os.listdir(out))
        self.assertEqual(names, sorted(
            "%s_2019-01-30_34200000_57600000_%s_2.csv" % (s, k)
            for s in self.syms for k in ("message", "orderbook")))

    def test_resume(self):
        """Resumed from a snapshot at a feed time, the files are the uninterrupted run's rows
        stamped after it (the book is the snapshot's)."""
        snaps = os.path.join(self.tmp.name, "snaps")
        r = run("replay", self.day, "--snapshot-at", "12:00:00", "--snapshot-out", snaps)
        self.assertEqual(r.returncode, 0, r.stderr)
        whole = self.emit(4)
        part = self.emit(4, "--resume", os.path.join(snaps, os.listdir(snaps)[0]))
        for sym in self.syms:
            a = read_files(*self.files(whole, sym, 4, 34200000, 57600000), 4)
            b = read_files(*self.files(part, sym, 4, 34200000, 57600000), 4)
            tail = [x for x in a if x[0][0] > 12 * 3600 * 10**9]
            self.assertGreater(len(tail), 50)
            self.assertEqual(b, tail)

    def test_usage_errors(self):
        base = ["replay", self.day, "--emit", "lobster", "--symbol", self.syms[0]]
        for extra in (["-o", "x"], ["--depth", "5"], ["--depth", "5", "-o", "x", "--format", "csv"],
                      ["--depth", "5", "-o", "x", "--date", "2024-13-01"],
                      ["--depth", "5", "-o", "x", "--from", "11:00:00", "--to", "10:00:00"]):
            r = run(*base, *extra)
            self.assertEqual(r.returncode, 2, (extra, r.stderr))
        undated = os.path.join(self.tmp.name, "day.itch")
        os.link(self.day, undated)
        r = run("replay", undated, "--emit", "lobster", "--symbol", self.syms[0], "--depth", 2,
                "-o", os.path.join(self.tmp.name, "u"))
        self.assertEqual(r.returncode, 2)
        self.assertIn(b"--date", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "u")))


if __name__ == "__main__":
    unittest.main()
