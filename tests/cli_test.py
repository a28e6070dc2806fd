#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""End-to-end tests of the blanc CLI: exit codes, error messages, --json, --help.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/cli_test.py
"""
import json
import os
import re
import stat
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")
RITCH_ZERO = os.path.join(SRC, "data", "ritch", "ex20101224.TEST_ITCH_50.gz")


def run(*args, stdin=None):
    return subprocess.run([BIN, *args], capture_output=True, text=True, input=stdin)


def frame(msg):
    return struct.pack(">H", len(msg)) + msg


def dir_msg(locate, sym):
    return b"R" + struct.pack(">HH", locate, 0) + (1).to_bytes(6, "big") + sym.ljust(8).encode() \
        + b"QN" + struct.pack(">I", 100) + b"NC  P N1N" + struct.pack(">I", 0) + b"N"


def add_msg(locate, ref, side, shares, sym, price, ts=2):
    return b"A" + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big") + struct.pack(
        ">Q", ref) + side + struct.pack(">I", shares) + sym.ljust(8).encode() + struct.pack(
        ">I", price)


def del_msg(locate, ref, ts=3):
    return b"D" + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big") + struct.pack(">Q", ref)


class Cli(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name, data):
        p = os.path.join(self.tmp.name, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def test_help_for_every_command(self):
        for cmd in ([], ["replay"], ["gen"]):
            r = run(*cmd, "--help")
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage", r.stdout)

    def test_usage_errors_exit_2(self):
        self.assertEqual(run().returncode, 2)
        self.assertEqual(run("nosuchcommand").returncode, 2)
        self.assertEqual(run("replay").returncode, 2)
        self.assertEqual(run("replay", RITCH, "--depth", "x").returncode, 2)
        self.assertEqual(run("replay", RITCH, "--framing", "odd").returncode, 2)
        self.assertEqual(run("replay", RITCH, "--symbol", "WAYTOOLONG").returncode, 2)
        self.assertEqual(run("replay", RITCH, "--bogus").returncode, 2)

    def test_unreadable_inputs_exit_2_with_the_reason(self):
        r = run("replay", os.path.join(self.tmp.name, "missing.itch"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.itch", r.stderr)
        self.assertIn("No such file", r.stderr)
        r = run("replay", self.tmp.name)
        self.assertEqual(r.returncode, 2)
        self.assertIn("directory", r.stderr)
        r = run("replay", self.path("empty.itch", b""))
        self.assertEqual(r.returncode, 2)
        self.assertIn("empty", r.stderr)
        if os.geteuid() != 0:
            p = self.path("locked.itch", b"x")
            os.chmod(p, 0)
            self.assertEqual(run("replay", p).returncode, 2)

    def test_an_empty_input_is_one_error_in_every_command(self):
        # A 0-byte file, and one that decompresses to 0 bytes, holds nothing to replay,
        # dump, describe or time: each command says so in the same words (BLANC_EEMPTY's),
        # naming the file, exits 2, prints no summary (before: replay printed a summary of
        # 0 messages with digests and then exited 2; capture info gave libpcap's "truncated
        # dump file") and leaves no output behind.
        empty = self.path("empty.itch", b"")
        zst = self.path("empty.itch.zst", bytes.fromhex("28b52ffd240001000099e9d851"))
        for f in (empty, zst):
            outs = [os.path.join(self.tmp.name, n)
                    for n in ("o.jsonl", "j.jsonl", "snaps", "h.jsonl", "m.prom", "d.jsonl")]
            for args in (["replay", f], ["replay", f, "--json"],
                         ["replay", f, "--framing", "pcap"],
                         ["replay", f, "--emit", "bbo", "-o", outs[0], "--health-journal",
                          outs[1], "--snapshot-at", "end", "--snapshot-out", outs[2]],
                         ["dump", f, "-o", outs[5]], ["capture", "info", f],
                         ["capture", "info", f, "--json"],
                         ["bench", f, "--runs", "1", "--jsonl", outs[3], "--prom", outs[4]]):
                r = run(*args)
                self.assertEqual(r.returncode, 2, args)
                self.assertEqual(r.stdout, "", args)
                self.assertEqual(r.stderr, "blanc: %s: input is empty: it holds no messages\n"
                                 % f, args)
                for o in outs:
                    self.assertFalse(os.path.exists(o), (args, o))

    def test_real_sample_counts_match_the_published_figures(self):
        r = run("replay", RITCH, "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        # RITCH README: 12,012 messages; 5,000 orders (A+F); 2,000 modifications.
        self.assertEqual(j["messages"], 12012)
        t = j["by_type"]
        self.assertEqual(t["A"] + t["F"], 5000)
        self.assertEqual(t["D"] + t["E"] + t["C"] + t["X"] + t["U"], 2000)
        self.assertEqual(t["P"], 5000)
        self.assertEqual(j["anomalies"]["unknown_ref"]["count"], 117)

    def test_zero_prefixed_file_is_detected(self):
        # Forced BinaryFILE framing: not ITCH that way, exit 2, with the hint.
        r = run("replay", RITCH_ZERO, "--framing", "binaryfile")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not an ITCH 5.0 BinaryFILE", r.stderr)
        self.assertIn("zero length prefix at byte 0", r.stderr)
        self.assertIn("--framing fixed", r.stderr)
        # The default (auto) finds fixed framing by content: the same replay.
        auto = json.loads(run("replay", RITCH_ZERO, "--json").stdout)
        self.assertEqual(auto["framing"], "fixed")
        plain = json.loads(run("replay", RITCH, "--json").stdout)
        self.assertEqual(plain["framing"], "binaryfile")
        fixed = json.loads(run("replay", RITCH_ZERO, "--framing", "fixed", "--json").stdout)
        self.assertEqual(auto["digests"], fixed["digests"])
        self.assertEqual(plain["digests"]["l3"], fixed["digests"]["l3"])
        self.assertEqual(plain["digests"]["stream"], fixed["digests"]["stream"])
        self.assertEqual(plain["messages"], fixed["messages"])

    def test_strict_exits_1_on_an_anomaly_and_names_it(self):
        day = frame(dir_msg(1, "AB")) + frame(add_msg(1, 5, b"B", 100, "AB", 1000)) \
            + frame(del_msg(1, 6)) + frame(del_msg(1, 5))
        p = self.path("bad.itch", day)
        r = run("replay", p)
        self.assertEqual(r.returncode, 0)
        r = run("replay", p, "--strict", "--json")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown order", r.stderr)
        j = json.loads(r.stdout)
        self.assertEqual(j["anomalies"]["unknown_ref"],
                         {"count": 1, "first_offset": 2 + 39 + 2 + 36, "first_index": 2})
        # Strict stopped right after the anomaly: the last delete was not applied.
        self.assertEqual(j["live_orders"], 1)

    def test_stdin_and_symbol_book(self):
        day = frame(dir_msg(1, "AB")) + frame(add_msg(1, 5, b"B", 100, "AB", 1000)) \
            + frame(add_msg(1, 6, b"S", 30, "AB", 1100)) + frame(add_msg(1, 7, b"B", 1, "AB", 1000))
        with open(self.path("d.itch", day), "rb") as f:
            r = subprocess.run([BIN, "replay", "-", "--symbol", "AB", "--json"], stdin=f,
                               capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = json.loads(r.stdout)
        book = j["books"]["AB"]
        self.assertEqual(book["bids"], [{"price": 1000, "shares": 101, "orders": 2}])
        self.assertEqual(book["asks"], [{"price": 1100, "shares": 30, "orders": 1}])
        r = run("replay", self.path("d2.itch", day), "--symbol", "AB")
        self.assertIn("0.1000", r.stdout)
        self.assertIn("0.1100", r.stdout)

    def test_symbol_cap_is_the_same_for_every_command(self):
        # One cap for every command: the library's LOBSTER cap, BLANC_LOBSTER_MAX_SYMBOLS in
        # include/blanc.h (read from the header, not from the CLI).
        with open(os.path.join(SRC, "include", "blanc.h")) as f:
            cap = int(re.search(r"#define BLANC_LOBSTER_MAX_SYMBOLS (\d+)", f.read()).group(1))
        day = self.path("d.itch", frame(dir_msg(1, "AB")) + frame(add_msg(1, 5, b"B", 100, "AB", 1000)))
        snaps = os.path.join(self.tmp.name, "snaps")
        self.assertEqual(run("replay", day, "--snapshot-at", "end", "--snapshot-out", snaps).returncode, 0)
        snap = os.path.join(snaps, os.listdir(snaps)[0])
        for cmd in (["replay", day], ["dump", day], ["snapshot", "show", snap]):
            flags = lambda n: [x for i in range(n) for x in ("--symbol", "S%d" % i)]
            r = run(*cmd, *flags(cap - 1), "--symbol", "AB")
            self.assertEqual(r.returncode, 0, (cmd, r.stderr))
            r = run(*cmd, *flags(cap + 1))
            self.assertEqual(r.returncode, 2, cmd)
            self.assertIn("--symbol", r.stderr)

    def test_gen_is_deterministic_and_replayable(self):
        a = os.path.join(self.tmp.name, "a.itch")
        b = os.path.join(self.tmp.name, "b.itch.zst")
        self.assertEqual(run("gen", "--seed", "7", "--messages", "20000", "-o", a).returncode, 0)
        self.assertEqual(run("gen", "--seed", "7", "--messages", "20000", "-o", b).returncode, 0)
        ja = json.loads(run("replay", a, "--json").stdout)
        jb = json.loads(run("replay", b, "--json").stdout)
        self.assertEqual(ja["digests"], jb["digests"])
        self.assertEqual(ja["messages"], 20000)
        self.assertEqual(ja["anomalies_total"], 0)
        self.assertEqual(run("gen", "--seed", "x", "-o", a).returncode, 2)
        self.assertEqual(run("gen", "--seed", "1", "--messages", "100", "--scenario", "nope",
                             "-o", a).returncode, 2)

    def test_non_ascii_paths_round_trip_through_json(self):
        # docs/EMIT.md "JSON strings": valid UTF-8 as is, so a path read back
        # with json is the path; a byte that is not UTF-8 becomes U+FFFD and
        # the document stays strict JSON (no lone surrogates).
        d = os.path.join(self.tmp.name, "\u00e9")          # é
        os.mkdir(d)
        day = os.path.join(d, "\u00fc.itch")                # é/ü.itch
        self.assertEqual(run("gen", "--seed", "3", "--messages", "2000", "--symbols", "5",
                             "-o", day).returncode, 0)
        snaps = os.path.join(d, "snaps-\u20ac-\U0001f600")  # € and a 4-byte character
        r = subprocess.run([BIN, "replay", day, "--json", "--snapshot-at", "end",
                            "--snapshot-out", snaps], capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\u00e9/\u00fc.itch".encode(), r.stdout)  # raw UTF-8, not \u00c3\u00a9
        j = json.loads(r.stdout.decode("utf-8"))
        self.assertEqual(j["file"], day)
        snap = j["snapshots"][0]["path"]
        self.assertEqual(snap, os.path.join(snaps, "snap-end.snap"))
        self.assertTrue(os.path.exists(snap))  # the path read back opens the file
        r = subprocess.run([BIN, "snapshot", "show", snap, "--json"], capture_output=True)
        self.assertEqual(json.loads(r.stdout.decode("utf-8"))["snapshot"], snap)
        r = subprocess.run([BIN, "diff", snap, day, "--json"], capture_output=True)
        j = json.loads(r.stdout.decode("utf-8"))
        self.assertEqual((j["a"], j["b"]), (snap, day))
        hist = os.path.join(d, "h\u00e9.jsonl")
        r = subprocess.run([BIN, "bench", day, "--runs", "1", "--warmup", "0", "--jsonl", hist],
                           capture_output=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(hist, encoding="utf-8") as f:
            self.assertEqual(json.loads(f.read())["file"], day)
        # Not UTF-8: b"caf\xe9" (Latin-1) and a cut 3-byte sequence.
        for raw, shown in ((b"caf\xe9.itch", "caf\ufffd.itch"),
                           (b"x\xe2\x82y.itch", "x\ufffdy.itch")):
            bad = os.path.join(os.fsencode(self.tmp.name), raw)
            with open(day, "rb") as src, open(bad, "wb") as dst:
                dst.write(src.read())
            r = subprocess.run([os.fsencode(BIN), b"replay", bad, b"--json"], capture_output=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            text = r.stdout.decode("utf-8")  # strict: the output is valid UTF-8
            self.assertNotIn("\\ud", text.lower())   # no surrogate escapes
            self.assertEqual(json.loads(text)["file"],
                             os.path.join(self.tmp.name, shown))


    def test_gen_profiles(self):
        """--profile: flat is the default's bytes; each profile is deterministic from the seed;
        the System Events sit at 04:00, 09:30, 16:00 and 20:00 and time never goes back; the
        rate follows the documented curve (docs/CLI.md): sparse pre-market and after hours, a
        spike in the first half second of 09:30, a U over the session, the closing cross in the
        quarter second after 16:00; step: a 2 s preamble, then about 500 per feed ms."""
        d = self.tmp.name
        out = {}
        for name, extra in (("none", []), ("flat", ["--profile", "flat"]),
                            ("intraday", ["--profile", "intraday"]),
                            ("intraday2", ["--profile", "intraday"]),
                            ("step", ["--profile", "step"])):
            out[name] = os.path.join(d, "p-%s.itch" % name)
            r = run("gen", "--seed", "4", "--messages", "200000", *extra, "-o", out[name])
            self.assertEqual(r.returncode, 0, r.stderr)
        raw = {}
        for k, v in out.items():
            with open(v, "rb") as fh:
                raw[k] = fh.read()
        self.assertEqual(raw["none"], raw["flat"])
        self.assertEqual(raw["intraday"], raw["intraday2"])

        def frames(data):
            off, res = 0, []
            while off < len(data):
                n = struct.unpack_from(">H", data, off)[0]
                m = data[off + 2:off + 2 + n]
                res.append((m[:1], int.from_bytes(m[5:11], "big"), m[11:12]))
                off += 2 + n
            return res
        S = 1_000_000_000
        for name in ("intraday", "step"):
            f = frames(raw[name])
            self.assertEqual(len(f), 200000)
            ts = [t for _, t, _ in f]
            self.assertEqual(ts, sorted(ts))
            sys_ev = {code: t for typ, t, code in f if typ == b"S"}
            self.assertEqual((sys_ev[b"Q"], sys_ev[b"M"], sys_ev[b"E"]),
                             (34200 * S, 57600 * S, 72000 * S))
        f = frames(raw["intraday"])
        body = [t for typ, t, _ in f if typ not in (b"S", b"R", b"H")]
        def share(t0, t1):
            return sum(t0 <= t < t1 for t in body) / len(body)
        # pre-market 3 %, spike 2.5 % in 0.5 s, session 88 %, close 2.5 % in 0.25 s, after 4 %
        self.assertAlmostEqual(share(4 * 3600 * S, 34200 * S), 0.03, delta=0.002)
        self.assertAlmostEqual(share(34200 * S, 34200 * S + S // 2), 0.025, delta=0.002)
        self.assertAlmostEqual(share(57600 * S, 57600 * S + S // 4), 0.025, delta=0.002)
        self.assertAlmostEqual(share(57600 * S + S // 4, 72000 * S), 0.04, delta=0.002)
        half = [share(34200 * S + k * 1800 * S + (S // 2 if k == 0 else 0),
                      34200 * S + (k + 1) * 1800 * S) for k in range(13)]
        u = (40, 30, 22, 17, 13, 11, 10, 10, 11, 13, 17, 24, 36)   # per 254 of the 88 %
        for k in range(13):
            self.assertAlmostEqual(half[k], 0.88 * u[k] / 254, delta=0.002)
        f = frames(raw["step"])
        self.assertEqual(f[0][1], 34198 * S)                       # 09:29:58: a 2 s preamble
        step_body = [t for typ, t, _ in f if typ not in (b"S", b"R", b"H")]
        per_ms = (len(step_body) - 1) * 1_000_000 / (step_body[-1] - step_body[0])
        self.assertAlmostEqual(per_ms, 500, delta=10)
        r = run("gen", "--seed", "1", "--messages", "1000", "--profile", "nope", "-o",
                out["none"])
        self.assertEqual(r.returncode, 2)
        self.assertIn("--profile is flat, intraday or step", r.stderr)
        r = run("gen", "--seed", "1", "--messages", "1000", "--profile", "step", "--session",
                "100", "-o", out["none"])
        self.assertEqual(r.returncode, 2)



    def test_gen_outputs_are_both_or_neither(self):
        """gen -o and --manifest are one result: when either cannot be written, the error names
        that path and the system's reason, and neither is committed (no file, no temp file
        left, an existing file of that name untouched)."""
        d = tempfile.mkdtemp(dir=self.tmp.name)
        out, man = os.path.join(d, "g.itch"), os.path.join(d, "g.man")
        base = ["gen", "--seed", "1", "--messages", "5000", "--scenario", "corrupt"]
        # the manifest cannot be opened: the day must not appear
        r = run(*base, "--manifest", "/proc/x", "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--manifest /proc/x: cannot open file: ", r.stderr)
        self.assertRegex(r.stderr, r"cannot open file: \S")   # the system's reason follows
        self.assertEqual(os.listdir(d), [])
        # the day cannot be opened: the manifest must not appear
        r = run(*base, "--manifest", man, "-o", "/proc/y.itch")
        self.assertEqual(r.returncode, 2)
        self.assertIn("-o /proc/y.itch: cannot open file: ", r.stderr)
        self.assertEqual(os.listdir(d), [])
        # an existing day is left as it was when the manifest fails
        with open(out, "wb") as fh:
            fh.write(b"old")
        r = run(*base, "--manifest", "/proc/x", "-o", out)
        self.assertEqual(r.returncode, 2)
        with open(out, "rb") as fh:
            self.assertEqual(fh.read(), b"old")
        os.remove(out)
        # the manifest fails only at its commit (its name is a directory): the day is removed
        os.mkdir(man)
        r = run(*base, "--manifest", man, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--manifest %s" % man, r.stderr)
        self.assertEqual(sorted(os.listdir(d)), ["g.man"])
        self.assertEqual(os.listdir(man), [])
        os.rmdir(man)
        # and both together when nothing fails
        r = run(*base, "--manifest", man, "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(os.listdir(d)), ["g.itch", "g.man"])



if __name__ == "__main__":
    unittest.main()
