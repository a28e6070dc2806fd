#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""--emit fix: every message read back by QuickFIX against its data dictionary.

tests/fix/fix_check (C++, libquickfix-dev) parses each line of a generated day's output with
QuickFIX's FIX44.xml, or FIXT11.xml + FIX50SP2.xml (tests/fix/README.md): BodyLength, CheckSum,
required fields, every field's type and enum values, MsgSeqNum from 1, BeginString/ApplVerID;
it rebuilds the books from the messages alone (35=W replaces, 35=X sets or deletes levels) and
checks every closing 35=W against them. Here its final books must equal the reference replay's
(tests/reference/book.py, written from docs/SEMANTICS.md) and the books from applying
`blanc replay --emit l2` deltas; each 35=X must carry the levels of its l2 record, with
SendingTime, MDEntryDate/Time (and TransactTime in 5.0SP2) the feed time converted from
America/New_York to UTC by Python's zoneinfo (EST and EDT days, next to both switches).
The checker is shown to fail on damaged messages.

Run: BLANC_BIN=build/blanc BLANC_FIX_CHECK=build/tests/fix_check BLANC_SOURCE_DIR=. \\
     python3 tests/fix_test.py
"""
import csv
import datetime
import os
import re
import subprocess
import sys
import tempfile
import unittest
import zoneinfo

BIN = os.environ.get("BLANC_BIN", "build/blanc")
CHECK = os.environ.get("BLANC_FIX_CHECK", "build/tests/fix_check")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
DICTS = os.path.join(SRC, "tests", "fix")
sys.path.insert(0, os.path.join(SRC, "tests", "reference"))
import book  # noqa: E402  (the reference replay)

NY = zoneinfo.ZoneInfo("America/New_York")
SOH = "\x01"


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)


def fields(line):
    """A message as [(tag, value)] in order."""
    assert line.endswith(SOH), line[-20:]
    return [(int(t), v) for t, v in (f.split("=", 1) for f in line[:-1].split(SOH))]


def entries(fs):
    """The NoMDEntries entries of a message, each a dict (the group starts at 279 or 269)."""
    out, cur, first = [], None, None
    for tag, v in fs:
        if tag == 268:
            first = None
            continue
        if first is None and tag in (279, 269) and any(t == 268 for t, _ in fs):
            first = tag
        if tag == first:
            cur = {}
            out.append(cur)
        if cur is not None and tag not in (10,):
            cur[tag] = v
    return out


def utc_text(date, ts, nanos):
    """Feed time (ns after New York midnight) as FIX's UTCTimestamp, by zoneinfo."""
    y, m, d = map(int, date.split("-"))
    wall = datetime.datetime(y, m, d, tzinfo=NY) + datetime.timedelta(seconds=ts // 10**9)
    u = wall.astimezone(datetime.timezone.utc)
    frac = ts % 10**9
    tail = "%09d" % frac if nanos else "%03d" % (frac // 10**6)
    return u.strftime("%Y%m%d-%H:%M:%S.") + tail


def l2_records(path):
    """--emit l2 --format csv --no-health: [(ts, [(side, price, shares, orders)])] by index."""
    recs, last = [], None
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["index"] != last:
                recs.append((int(row["ts"]), row["symbol"], []))
                last = row["index"]
            recs[-1][2].append((row["side"], int(row["price"]), int(row["shares"]),
                                int(row["orders"])))
    return recs


def ticks(px):
    ip, _, fp = px.partition(".")
    assert ip.isdigit() and fp.isdigit() and len(fp) == 4, px
    return int(ip) * 10000 + int(fp)


class FixTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        # intraday: pre-market from 04:00 to after hours at 20:00 (past UTC midnight in EST)
        r = run("gen", "--seed", 17, "--messages", "12k", "--symbols", 6, "--profile",
                "intraday", "-o", cls.day)
        assert r.returncode == 0, r.stderr
        with open(cls.day, "rb") as f:
            buf, cut = book.load_input(f.read())
        ref = book.Replay(False)
        ref.run(buf, "binaryfile", cut)
        cls.ref = {(sym, side, lv[0]): (lv[1], lv[2]) for sym, sides in ref.books().items()
                   for side, lvs in sides.items() for lv in lvs}
        cls.l2 = os.path.join(cls.tmp.name, "l2.csv")
        r = run("replay", cls.day, "--emit", "l2", "--format", "csv", "--no-health", "-o", cls.l2)
        assert r.returncode == 0, r.stderr

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def emit(self, version, date, *extra, name="out.fix"):
        out = os.path.join(self.tmp.name, name)
        r = run("replay", self.day, "--emit", "fix", "--fix-version", version, "--date", date,
                *extra, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def check(self, version, path):
        r = subprocess.run([CHECK, version, DICTS, path], capture_output=True, text=True)
        return r

    def quickfix_books(self, version, path):
        r = self.check(version, path)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertTrue(lines[-1].startswith("messages "), lines[-1:])
        got = {}
        for ln in lines[:-1]:
            sym, side, px, shares, orders = ln.split()
            got[(sym, side, int(px))] = (int(shares), int(orders))
        return got, lines[-1]

    def test_versions_validate_and_rebuild_the_books(self):
        for version in ("4.4", "5.0sp2"):
            with self.subTest(version=version):
                out = self.emit(version, "2026-12-01")
                got, summary = self.quickfix_books(version, out)
                self.assertEqual(got, self.ref)
                self.assertGreater(int(summary.split()[7]), 0, summary)  # trades seen
                # the same books from Blanc's own l2 deltas
                mine = {}
                for _, sym, levels in l2_records(self.l2):
                    for side, px, shares, orders in levels:
                        if shares:
                            mine[(sym, side, px)] = (shares, orders)
                        else:
                            del mine[(sym, side, px)]
                self.assertEqual(got, mine)

    def test_increments_follow_the_l2_deltas_with_utc_times(self):
        for version, date in (("4.4", "2026-03-06"), ("5.0sp2", "2026-03-09"),
                              ("4.4", "2026-10-30"), ("5.0sp2", "2026-11-02")):
            with self.subTest(version=version, date=date):
                nanos = version == "5.0sp2"
                out = self.emit(version, date, name="t.fix")
                with open(out, newline="\n") as f:
                    msgs = [fields(ln.rstrip("\n")) for ln in f]
                begin = "FIXT.1.1" if nanos else "FIX.4.4"
                booked = []
                for fs in msgs:
                    self.assertEqual(fs[0], (8, begin))
                    if dict(fs)[35] == "X":
                        es = [e for e in entries(fs) if e[269] in "01"]
                        if es:
                            booked.append((dict(fs), es))
                recs = l2_records(self.l2)
                self.assertEqual(len(booked), len(recs))
                for (head, es), (ts, sym, levels) in zip(booked, recs):
                    want = utc_text(date, ts, nanos)
                    self.assertEqual(head[52], want)
                    self.assertEqual(len(es), len(levels))
                    for e, (side, px, shares, orders) in zip(es, levels):
                        self.assertEqual(e[55], sym)
                        self.assertEqual(e[269], "0" if side == "B" else "1")
                        self.assertEqual(ticks(e[270]), px)
                        self.assertEqual(e[272] + "-" + e[273], want)
                        if nanos:
                            self.assertEqual(e[60], want)
                        else:
                            self.assertNotIn(60, e)
                        if shares == 0:
                            self.assertEqual(e[279], "2")
                            self.assertNotIn(271, e)
                        else:
                            self.assertIn(e[279], "01")
                            self.assertEqual((int(e[271]), int(e[346])), (shares, orders))

    def test_symbol_and_comp_ids(self):
        sym = sorted(self.ref)[0][0]
        out = self.emit("5.0sp2", "2026-12-01", "--symbol", sym, "--fix-sender", "NASDAQ-MD",
                        "--fix-target", "DESK_7")
        got, _ = self.quickfix_books("5.0sp2", out)
        self.assertTrue(got)
        self.assertEqual(got, {k: v for k, v in self.ref.items() if k[0] == sym})
        with open(out) as f:
            text = f.read()
        self.assertEqual(set(re.findall("\x0155=([^\x01]*)", text)), {sym})
        self.assertNotIn("\x0149=BLANC\x01", text)
        self.assertIn("\x0149=NASDAQ-MD\x0156=DESK_7\x01", text)
        self.assertIn("\x011128=9\x01", text)

    def test_resume_starts_with_the_snapshot_books(self):
        snaps = os.path.join(self.tmp.name, "snaps")
        r = run("replay", self.day, "--snapshot-at", 6000, "--snapshot-out", snaps)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = self.emit("4.4", "2026-12-01", "--resume", os.path.join(snaps, "snap-i6000.snap"),
                        name="resumed.fix")
        got, summary = self.quickfix_books("4.4", out)
        self.assertEqual(got, self.ref)
        with open(out) as f:
            first = f.readline()
        self.assertIn("\x0135=W\x01", first)
        self.assertIn("\x01268=", first)
        self.assertNotIn("\x01268=0\x01", first)  # the book at message 6000, not empty

    def test_every_writes_snapshots_at_each_instant(self):
        out = self.emit("4.4", "2026-12-01", "--every", "1h", name="every.fix")
        got, _ = self.quickfix_books("4.4", out)  # each 35=W equals the rebuilt books
        self.assertEqual(got, self.ref)
        with open(out) as f:
            ws = [dict(fields(ln.rstrip("\n"))) for ln in f if "\x0135=W\x01" in ln]
        syms = {w[55] for w in ws}
        # the first are the directory messages' empty books, the last the closing ones
        hours = [w[52] for w in ws[len(syms):-len(syms)]]
        # an instant every hour of feed time the day spans (04:00 to 20:00 New York)
        want = sorted(utc_text("2026-12-01", h * 3600 * 10**9, False) for h in range(5, 21))
        self.assertEqual(sorted(set(hours)), want)
        self.assertEqual(len(hours), len(want) * len(syms))

    def test_checker_fails_on_damage(self):
        out = self.emit("4.4", "2026-12-01")
        with open(out) as f:
            lines = f.read().split("\n")[:-1]
        x = next(i for i, ln in enumerate(lines) if "\x0135=X\x01" in ln)

        def reframe(msg):
            body = msg.split("\x019=", 1)[1].split(SOH, 1)[1].rsplit("10=", 1)[0]
            m = "8=FIX.4.4\x019=%d\x01%s" % (len(body), body)
            return m + "10=%03d\x01" % (sum(m.encode()) % 256)

        cases = {
            "checksum": lines[x].replace("\x01271=", "\x01271=9", 1),
            "bodylength": reframe(lines[x]).replace("\x0135=X", "\x0135=X\x0158=hi", 1),
            "enum": reframe(lines[x].replace("\x01279=0\x01", "\x01279=7\x01", 1)
                            .replace("\x01279=1\x01", "\x01279=7\x01", 1)),
            "type": reframe(re.sub("\x01271=\\d+", "\x01271=ten", lines[x], count=1)),
            "header": reframe(re.sub("\x0134=\\d+", "", lines[x], count=1)),
            "seqnum": reframe(re.sub("\x0134=\\d+", "\x0134=999999", lines[x], count=1)),
        }
        for what, bad in cases.items():
            with self.subTest(damage=what):
                self.assertNotEqual(bad, lines[x])
                path = os.path.join(self.tmp.name, "bad.fix")
                with open(path, "w") as f:
                    f.write("\n".join(lines[:x] + [bad] + lines[x + 1:]) + "\n")
                r = self.check("4.4", path)
                self.assertEqual(r.returncode, 1, (what, r.stdout[-200:]))
                self.assertIn("message %d:" % (x + 1), r.stderr)

    def test_usage_errors(self):
        for args, msg in (
            (["--emit", "fix", "--fix-version", "4.2", "--date", "2026-12-01"], "--fix-version"),
            (["--emit", "fix", "--format", "csv", "--date", "2026-12-01"], "no --format"),
            (["--emit", "fix"], "--date"),
            (["--emit", "fix", "--date", "2026-13-01x"], "--date"),
            (["--emit", "fix", "--date", "2026-13-01"], "--date wants"),
            (["--emit", "fix", "--date", "2026-12-01", "--fix-sender", "A B"], "--fix-sender"),
            (["--emit", "l2", "--fix-version", "4.4"], "apply to --emit fix"),
            (["--emit", "fix", "--date", "2026-12-01", "--at", "10:00:00"], "not --at"),
        ):
            with self.subTest(args=args):
                r = run("replay", self.day, *args, "-o", os.path.join(self.tmp.name, "u.fix"))
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(msg, r.stderr)
                self.assertFalse(os.path.exists(os.path.join(self.tmp.name, "u.fix")))


if __name__ == "__main__":
    unittest.main()
