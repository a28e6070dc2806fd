#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Feed health end to end (docs/HEALTH.md): breaker trajectories on generated days checked
against what the generator says it injected (its manifest), clean days that never leave Fuse,
the publish gate of --emit against the journal, byte-identical journals, reset points, the real
sample's recorded outcome, CLI errors, and (when present) the independent reference model.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/health_test.py
"""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
RITCH = os.path.join(SRC, "data", "ritch", "20101224.TEST_ITCH_50.reframed")
REFERENCE = os.path.join(SRC, "tests", "reference", "health.py")
LEVELS = ["fuse", "local", "feeder", "main", "kill"]

# Generator damage kinds and the detector each must feed (docs/HEALTH.md §2).
# unknown_type is not corruption (§2): a type this build does not know is skipped and counted.
CORRUPT_KINDS = {"bad_length", "bad_field", "overfill", "dup_ref"}
GAP_KINDS = {"unknown_ref"}


def run(*args):
    return subprocess.run([BIN, *map(str, args)], capture_output=True, text=True)


def config(path, window=1000000, quiet=100000, gap=(5, 50, 200, 1000), corrupt=(1, 10, 50, 500),
           skew=(5, 20, 100, 0), min_run=2, events="O"):
    with open(path, "w") as f:
        f.write("window_messages = %d\nquiet_messages = %d\n[thresholds]\n" % (window, quiet))
        for name, t in (("gap", gap), ("corrupt", corrupt), ("skew", skew)):
            f.write("%s = [%s]\n" % (name, ", ".join(map(str, t))))
        f.write("[burst]\nmin_run_ms = %d\n" % min_run)
        f.write('[reset]\nevents = "%s"\n' % events)
    return path


def journal(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def manifest(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


class Health(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.days = {}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def day(self, seed, messages, scenario="normal", symbols=None, session=None, ext=".itch"):
        key = (seed, messages, scenario, symbols, session, ext)
        if key not in self.days:
            out = self.path("day-%d-%s-%s-%s-%s%s" % (seed, messages, scenario, symbols, session, ext))
            args = ["gen", "--seed", seed, "--messages", messages, "--scenario", scenario,
                    "-o", out, "--manifest", out + ".man"]
            if symbols:
                args += ["--symbols", symbols]
            if session:
                args += ["--session", session]
            r = run(*args)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.days[key] = out
        return self.days[key]

    def replay(self, f, *args, name="j.jl"):
        jl = self.path(name)
        r = run("replay", f, "--json", "--health-journal", jl, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)["health"], journal(jl), jl

    # ---- clean days ------------------------------------------------------------------

    def test_clean_days_never_leave_fuse(self):
        for seed, n, symbols, session in ((1, "300k", None, None), (2, "1M", None, 100),
                                          (3, "400k", 2000, None), (4, "1M", 20, 60)):
            with self.subTest(seed=seed):
                h, jl, _ = self.replay(self.day(seed, n, symbols=symbols, session=session))
                self.assertEqual(jl, [])
                self.assertEqual((h["state"], h["worst"], h["gated"]), ("fuse", "fuse", 0))
                self.assertEqual(sum(h["instruments_worst"].values()), 0)
                self.assertEqual(h["detectors"]["gap"]["events"], 0)
                self.assertEqual(h["detectors"]["corrupt"]["events"], 0)

    def test_generated_profiles_publish_everything(self):
        """A clean feed never gates (docs/HEALTH.md §4, §10), whatever its rate curve: the issue's
        step (2 s sparse preamble, then ~500 msg per feed ms; the old engine ended in Kill) and
        the intraday curve (sparse pre-market, a spike at 09:30, the U-shaped session, the
        closing cross; the old engine ended in Kill too), several seeds and widths: 0 anomalies,
        nothing gated, the feed and every instrument Fuse now and at worst, and every --emit bbo
        record pub=1. The bursts are still measured."""
        for profile, n, seed, symbols in (("step", "200k", 1, None), ("step", "200k", 7, 20),
                                          ("step", "300k", 9, 500), ("intraday", "400k", 1, None),
                                          ("intraday", "400k", 5, 30),
                                          ("intraday", "1M", 6, 1000)):
            with self.subTest(profile=profile, seed=seed):
                f = self.path("p-%s-%d.itch" % (profile, seed))
                args = ["gen", "--seed", seed, "--messages", n, "--profile", profile, "-o", f]
                if symbols:
                    args += ["--symbols", symbols]
                r = run(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                bbo = self.path("p.bbo")
                r = run("replay", f, "--json", "--emit", "bbo", "-o", bbo)
                self.assertEqual(r.returncode, 0, r.stderr)
                doc = json.loads(r.stdout)
                h = doc["health"]
                self.assertEqual(doc["anomalies_total"], 0)
                self.assertEqual((h["gated"], h["first_gated"], h["state"], h["worst"]),
                                 (0, None, "fuse", "fuse"))
                self.assertEqual(h["instruments_worst"],
                                 {"local": 0, "feeder": 0, "main": 0, "kill": 0})
                self.assertEqual(h["published"], doc["messages"])
                self.assertGreaterEqual(h["detectors"]["burst"]["bursts"], 1)
                with open(bbo) as fh:
                    pubs = {json.loads(x)["pub"] for x in fh}
                self.assertEqual(pubs, {1})

    def test_bundled_sample_day_stays_in_fuse(self):
        h, jl, _ = self.replay(os.path.join(SRC, "data", "sample-day.itch.zst"))
        self.assertEqual((jl, h["worst"], h["gated"]), ([], "fuse", 0))

    def test_unknown_types_interleaved_publish_everything(self):
        """docs/HEALTH.md §2: a type this build does not know (Nasdaq adds types: 'O' came in
        2023) is skipped by its length and counted as unknown_type, and moves no breaker. A
        clean day with an unknown-type frame (types 'z', 'j', '0', lengths 3..42) after every
        25th frame: every record and every message publishable, the anomaly count exactly the
        frames inserted (counted while inserting)."""
        raw = read(self.day(5, "200k"))
        out, off, k, inserted = bytearray(), 0, 0, 0
        while off < len(raw):
            n = int.from_bytes(raw[off:off + 2], "big")
            out += raw[off:off + 2 + n]
            off += 2 + n
            k += 1
            if k % 25 == 0 and n:
                body = bytes([b"zj0"[inserted % 3]]) + bytes(2 + inserted % 40)
                out += len(body).to_bytes(2, "big") + body
                inserted += 1
        f = self.path("unknown-types.itch")
        with open(f, "wb") as fh:
            fh.write(out)
        bbo = self.path("unknown-types.bbo")
        r = run("replay", f, "--json", "--emit", "bbo", "-o", bbo)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        h = doc["health"]
        self.assertGreater(inserted, 7000)
        self.assertEqual(doc["anomalies"]["unknown_type"]["count"], inserted)
        self.assertEqual((h["gated"], h["state"], h["worst"]), (0, "fuse", "fuse"))
        self.assertEqual(h["detectors"]["corrupt"]["events"], 0)
        self.assertEqual(h["published"], doc["messages"])
        with open(bbo) as fh:
            pubs = [json.loads(x)["pub"] for x in fh]
        self.assertGreater(len(pubs), 1000)
        self.assertEqual(set(pubs), {1})

    # ---- damaged days: trajectories from the manifest --------------------------------

    def test_corrupt_day_trajectory_is_the_manifest(self):
        """With the window longer than the day nothing leaves it, so the global level after each
        injection follows from counting the manifest's corrupt and gap kinds against the
        thresholds: each escalation must happen exactly at its injection (0 messages late)."""
        corrupt_t, gap_t = (1, 10, 50, 500), (5, 50, 200, 1000)
        cfg = config(self.path("c.toml"), corrupt=corrupt_t, gap=gap_t, skew=(0, 0, 0, 0))
        for seed in (3, 13, 23):
            with self.subTest(seed=seed):
                f = self.day(seed, "400k", "corrupt")
                want, level, nc, ng = [], 0, 0, 0
                for m in manifest(f + ".man"):
                    nc += m["kind"] in CORRUPT_KINDS
                    ng += m["kind"] in GAP_KINDS
                    new = max(sum(nc >= t for t in corrupt_t), sum(ng >= t for t in gap_t))
                    if new > level:
                        want.append((m["index"], LEVELS[level], LEVELS[new]))
                        level = new
                self.assertGreaterEqual(len(want), 2)  # Local and Feeder at least
                h, jl, _ = self.replay(f, "--health-config", cfg)
                got = [(j["index"], j["from"], j["to"]) for j in jl if j["scope"] == "global"]
                self.assertEqual(got, want)
                self.assertEqual(h["detectors"]["corrupt"]["events"], nc)
                self.assertEqual(h["detectors"]["gap"]["events"], ng)
                self.assertEqual(h["first_gated"], want[1][0])  # Feeder gates

    def test_burst_day_every_burst_measured_and_nothing_gated(self):
        """A dense day (about 11 messages per feed ms) whose bursts run 50x faster: a burst is
        load, not damage (docs/HEALTH.md §4). Every burst of at least 1000 messages (about 2 ms
        at 50x) is a hot run of at least 2 ms, so bursts (min_run_ms 2) counts at least that
        many, and the peak per ms is far above the body's; yet with the default thresholds
        nothing escalates and nothing is gated."""
        for seed in (2, 8):
            with self.subTest(seed=seed):
                f = self.day(seed, "1M", "burst", session=100)
                bursts = manifest(f + ".man")
                h, jl, _ = self.replay(f)
                self.assertEqual((jl, h["gated"], h["state"], h["worst"]), ([], 0, "fuse", "fuse"))
                self.assertGreaterEqual(h["detectors"]["burst"]["bursts"],
                                        sum(b["count"] >= 1000 for b in bursts))
                self.assertGreaterEqual(h["detectors"]["burst"]["longest_ms"], 2)
                self.assertGreater(h["detectors"]["burst"]["peak_per_ms"], 50)

    def test_retired_keys_are_refused_with_the_line(self):
        day = self.day(1, "300k")
        for name, text, line, what in (
                ("old-burst.toml", "window_messages = 10\n[thresholds]\nburst = [2, 5, 10, 100]\n",
                 3, "thresholds.burst is no longer accepted"),
                ("old-jump.toml", "[skew]\njump_ns = 60000000000\n", 2,
                 "skew.jump_ns is no longer accepted"),
                ("skew-kill.toml", "[thresholds]\nskew = [5, 20, 100, 1000]\n", 2,
                 "skew's Kill threshold must be 0")):
            with self.subTest(name=name):
                p = self.path(name)
                with open(p, "w") as fh:
                    fh.write(text)
                r = run("replay", day, "--health-config", p)
                self.assertEqual(r.returncode, 2)
                self.assertIn("%s:%d: %s" % (name, line, what), r.stderr)

    def test_gap_day_detected_after_damage_only(self):
        """Without sequence numbers a lost add is seen when its order is next touched: every
        gap event comes after the first injection; a window of 2000 messages with Local at one
        event and no latching gives escalations only after injections."""
        cfg = config(self.path("g.toml"), window=2000, quiet=500, gap=(500, 0, 0, 0),
                     corrupt=(0, 0, 0, 0), skew=(0, 0, 0, 0))
        for seed in (4, 5):
            with self.subTest(seed=seed):
                f = self.day(seed, "300k", "gap")
                first = manifest(f + ".man")[0]["index"]
                h, jl, _ = self.replay(f, "--health-config", cfg)
                self.assertGreater(len(jl), 0)
                self.assertGreaterEqual(min(j["index"] for j in jl), first)
                self.assertGreater(h["detectors"]["gap"]["events"], 0)
                # the same day without damage: nothing
                h0, jl0, _ = self.replay(self.day(seed, "300k"), "--health-config", cfg, name="n.jl")
                self.assertEqual((jl0, h0["detectors"]["gap"]["events"]), ([], 0))

    def test_gap_after_a_lost_packet_is_the_feeds_detector_by_detector(self):
        """docs/HEALTH.md §2: a seq_gap counts for the feed alone, decided detector by detector.
        The message after a lost MoldUDP64 packet (an add, so it raises no unknown_ref) is given
        a time of 24:00 or later, or a time before the previous message's: its skew event still
        counts for its instrument, and the gap is not credited to its instrument because the
        late time also raised time_backwards. Captures written here from the format documents
        (tests/pcap.py)."""
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import pcap as P
        msgs = P.binaryfile_messages(read(self.day(11, "20k")))
        pkts = P.packetize(msgs, max_payload=400)
        k = next(j for j in range(len(pkts) // 2, len(pkts) - 1)
                 if pkts[j + 1][1][0][:1] == b"A")
        after = pkts[k + 1][1][0]
        locate = struct.unpack("!H", after[1:3])[0]
        index = sum(len(m) for _, m in pkts[:k])  # the lost packet's messages are not counted
        before_ts = int.from_bytes(pkts[k - 1][1][-1][5:11], "big")

        def capture(name, ts):
            frames = []
            for j, (seq, ms) in enumerate(pkts):
                if j == k:
                    continue
                if j == k + 1:
                    ms = [ms[0][:5] + ts.to_bytes(6, "big") + ms[0][11:]] + ms[1:]
                ip = P.ipv4("10.1.1.1", "233.54.12.111", 17,
                            P.udp(40000, 26477, P.mold("SESS1", seq, ms)))
                frames.append(P.Frame(P.link_frame(P.LINKTYPE_ETHERNET, ip), 10**18 + j * 1000))
            path = self.path(name)
            with open(path, "wb") as f:
                f.write(P.pcap(frames))
            return path

        def lines_at(jl, scope):
            return [j for j in jl if j["index"] == index and j["scope"] == scope and
                    (scope == "global" or j["locate"] == locate)]

        # a skew the instrument must see: only the skew detector on
        cfg = config(self.path("skew.toml"), window=1000, quiet=100, gap=(0, 0, 0, 0),
                     corrupt=(0, 0, 0, 0), skew=(1, 0, 0, 0))
        h, jl, _ = self.replay(capture("late24.pcap", 86400 * 10**9 + 5), "--health-config", cfg,
                               name="a.jl")
        self.assertEqual(len(lines_at(jl, "global")), 1, jl[:4])
        inst = lines_at(jl, "instrument")
        self.assertEqual(len(inst), 1, jl[:4])
        self.assertEqual([c["detector"] for c in inst[0]["crossed"]], ["skew"])

        # a gap the instrument must not take: only the gap detector on
        cfg = config(self.path("gap.toml"), window=1000, quiet=100, gap=(1, 0, 0, 0),
                     corrupt=(0, 0, 0, 0), skew=(0, 0, 0, 0))
        h, jl, _ = self.replay(capture("back.pcap", before_ts - 1000), "--health-config", cfg,
                               name="b.jl")
        g = lines_at(jl, "global")
        self.assertEqual(len(g), 1, jl[:4])
        self.assertEqual(g[0]["lost"], len(pkts[k][1]))
        self.assertEqual([c["detector"] for c in g[0]["crossed"]], ["gap"])
        self.assertEqual(lines_at(jl, "instrument"), [])

    # ---- the gate, determinism, resets -----------------------------------------------

    def test_emit_gate_follows_the_journal(self):
        """Rebuild every scope's state from the journal alone and check each --emit record's
        pub flag: publishable iff the feed and the record's instrument are Fuse or Local after
        the record's message."""
        f = self.day(3, "400k", "corrupt")
        # skew off: the generator's 1 ms late messages are skew events, and in a window of
        # 50000 one event is 20 ppm (Feeder by default); this test is about corrupt
        cfg = config(self.path("e.toml"), window=50000, quiet=5000, corrupt=(1, 3, 6, 0),
                     skew=(0, 0, 0, 0))
        out = self.path("bbo.jsonl")
        h, jl, _ = self.replay(f, "--health-config", cfg, "--emit", "bbo", "-o", out)
        self.assertGreater(h["gated"], 0)
        self.assertGreater(h["published"], 0)
        states, k, checked = {}, 0, [0, 0]
        with open(out) as fh:
            for line in fh:
                r = json.loads(line)
                while k < len(jl) and jl[k]["index"] <= r["index"]:
                    key = jl[k].get("locate", 0)
                    self.assertEqual(states.get(key, "fuse"), jl[k]["from"])
                    states[key] = jl[k]["to"]
                    k += 1
                ok = LEVELS.index(states.get(0, "fuse")) <= 1 and \
                    LEVELS.index(states.get(r["locate"], "fuse")) <= 1
                self.assertEqual(r["pub"], int(ok), r)
                checked[ok] += 1
        self.assertGreater(min(checked), 100)

    def test_emit_formats_carry_the_gate(self):
        f = self.day(3, "400k", "corrupt")
        cfg = config(self.path("e2.toml"), window=50000, quiet=5000, corrupt=(1, 3, 6, 0),
                     skew=(0, 0, 0, 0))
        flags = {}
        for fmt in ("jsonl", "csv", "bin"):
            out = self.path("l3." + fmt)
            self.replay(f, "--health-config", cfg, "--emit", "l3", "--format", fmt, "-o", out)
            with open(out, "rb") as fh:
                raw = fh.read()
            if fmt == "jsonl":
                flags[fmt] = [(json.loads(x)["index"], json.loads(x)["pub"]) for x in raw.splitlines()]
            elif fmt == "csv":
                rows = raw.decode().splitlines()
                self.assertTrue(rows[0].endswith(",pub"))
                seen = {}
                for row in rows[1:]:
                    c = row.split(",")
                    seen.setdefault(int(c[0]), int(c[-1]))
                flags[fmt] = sorted(seen.items())
            else:
                import struct
                self.assertEqual(raw[11] & 1, 1)
                off, got = 16, []
                while off < len(raw):
                    idx, _, _, _, n, fl = struct.unpack_from("<QQ8sHHI", raw, off)
                    self.assertEqual(fl & 1, 1)
                    got.append((idx, (fl >> 1) & 1))
                    off += 32 + 40 * n
                flags[fmt] = got
        self.assertEqual(flags["jsonl"], flags["csv"])
        self.assertEqual(flags["jsonl"], flags["bin"])
        self.assertIn(0, {p for _, p in flags["jsonl"]})

    def test_no_health_means_no_gate_field(self):
        out = self.path("plain.jsonl")
        r = run("replay", self.day(3, "400k", "corrupt"), "--no-health", "--emit", "bbo", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(b'"pub"', read(out).split(b"\n")[0])

    def test_journal_is_byte_identical_across_runs_and_encodings(self):
        plain = self.day(13, "400k", "corrupt")
        zst = self.day(13, "400k", "corrupt", ext=".itch.zst")
        _, _, a = self.replay(plain, name="a.jl")
        _, _, b = self.replay(plain, name="b.jl")
        _, _, c = self.replay(zst, name="c.jl")
        ba, bb, bc = (read(p) for p in (a, b, c))
        self.assertGreater(len(ba), 0)
        self.assertEqual(ba, bb)
        self.assertEqual(ba, bc)

    def test_reset_at_releases_a_latch(self):
        f = self.day(3, "400k", "corrupt")
        h, jl, _ = self.replay(f)
        feeder = next(j["index"] for j in jl if j["scope"] == "global" and j["to"] == "feeder")
        at = feeder + 1000
        h2, jl2, _ = self.replay(f, "--reset-at", at, name="r.jl")
        resets = [j for j in jl2 if j["cause"] == "reset"]
        self.assertTrue(resets and all(j["index"] == at for j in resets))
        self.assertIn({"scope": "global", "from": "feeder", "to": "fuse"},
                      [{k: j[k] for k in ("scope", "from", "to")} for j in resets])
        self.assertEqual(h2["resets"], h["resets"] + 1)
        self.assertLess(h2["gated"], h["gated"])
        # by feed time: the message stamped at or after it
        r = run("replay", f, "--reset-at", "23:59:59", "--json")
        self.assertEqual(json.loads(r.stdout)["health"]["resets"], h["resets"])

    def test_real_sample_outcome(self):
        """RITCH's test file is a thinned excerpt of a day: 117 of its references point to orders
        added before the excerpt (gap); consecutive messages are often minutes apart, which is
        a quiet period, not skew (docs/HEALTH.md §2). The window (10^6) is longer than the file,
        so nothing leaves it: Local at the 5th gap event (5 ppm), Feeder at the 50th. The gap
        events' indexes come from the reference replay (tests/reference/book.py), not from the
        engine; recorded in docs/HEALTH.md §10 as 391 and 5356."""
        h, jl, _ = self.replay(RITCH)
        glob = [(j["index"], j["to"]) for j in jl if j["scope"] == "global"]
        self.assertEqual(h["detectors"]["gap"]["events"], 117)
        self.assertEqual(h["detectors"]["skew"]["events"], 0)
        self.assertEqual(h["first_gated"], 5356)
        self.assertEqual(glob, [(391, "local"), (5356, "feeder")])
        if os.path.exists(REFERENCE):
            sys.path.insert(0, os.path.dirname(REFERENCE))
            import book
            gaps = []
            r = book.Replay(False)
            r.observer = lambda i, dec, ts, loc, an, code: gaps.append(i) if an & {
                "unknown_ref", "no_directory"} else None
            buf, cut = book.load_input(read(RITCH))
            r.run(buf, "binaryfile", cut)
            self.assertEqual(len(gaps), 117)
            self.assertEqual(glob, [(gaps[4], "local"), (gaps[49], "feeder")])

    # ---- health in snapshots: resume = uninterrupted ---------------------------------

    def states_at(self, jl, cut):
        """Every scope's state after message cut - 1, rebuilt from the journal alone."""
        st = {}
        for j in jl:
            if j["index"] < cut:
                st[j.get("locate", 0)] = j["to"]
        return st

    def resume_matches(self, f, cfg, cuts, extra=(), fmt_of=lambda k: "bin"):
        """Take snapshots at cuts in one run and resume from each: the resumed journal is the
        tail of the uninterrupted one (and the snapshot run's is the whole of it), the resumed
        --emit bbo gates are the tail of the uninterrupted ones, and the final health (--json)
        is the same in every key but the journal's path."""
        full_h, full_jl, full_path = self.replay(f, "--health-config", cfg, *extra, "--emit",
                                                 "bbo", "-o", self.path("full.bbo"),
                                                 name="full.jl")
        with open(self.path("full.bbo")) as fh:
            full_bbo = [json.loads(x) for x in fh]
        for k, cut in enumerate(cuts):
            fmt = fmt_of(k)
            d = self.path("snaps-%d" % k)
            snap_h, _, snap_path = self.replay(f, "--health-config", cfg, *extra,
                                               "--snapshot-at", cut, "--snapshot-out", d,
                                               "--snapshot-format", fmt, name="snap.jl")
            self.assertEqual(read(snap_path), read(full_path))   # taking one changes nothing
            snap = os.path.join(d, "snap-i%d.%s" % (cut, "snap" if fmt == "bin" else "json"))
            with self.subTest(cut=cut, fmt=fmt):
                h, jl, _ = self.replay(f, "--health-config", cfg, *extra, "--resume", snap,
                                       "--emit", "bbo", "-o", self.path("r.bbo"), name="r.jl")
                self.assertEqual(jl, [j for j in full_jl if j["index"] >= cut])
                with open(self.path("r.bbo")) as fh:
                    bbo = [json.loads(x) for x in fh]
                self.assertEqual([(b["index"], b["pub"]) for b in bbo],
                                 [(b["index"], b["pub"]) for b in full_bbo if b["index"] >= cut])
                h.pop("journal")
                self.assertEqual(h, {k2: v for k2, v in full_h.items() if k2 != "journal"})
                self.assertFalse(h["restarted"])
        return full_h, full_jl

    def test_resume_continues_health(self):
        """docs/SNAPSHOT.md, health section: cuts at 1, while instrument(s) are Local with an
        armed quiet timer (from the journal: a recover at R means the timer was armed at R - Q,
        so a cut in (R - Q, R) is inside it), while the feed is latched in Main, just after a
        --reset-at point, and a few others; binary and JSON snapshots alternately."""
        f = self.day(3, "200k", "corrupt")
        Q = 5000
        # W = 50000: one event is 20 ppm; corrupt Local 1, Feeder 3, Main 5 events; skew Local 1
        cfg = config(self.path("res.toml"), window=50000, quiet=Q, corrupt=(20, 60, 100, 0),
                     skew=(20, 0, 0, 0))
        extra = ("--reset-at", "150000", "--reset-at", "13:00:00")
        _, jl, _ = self.replay(f, "--health-config", cfg, *extra, name="probe.jl")
        rec = [j["index"] for j in jl if j["cause"] == "recover" and j["scope"] == "instrument"]
        main = [j["index"] for j in jl if j["scope"] == "global" and j["to"] == "main"]
        self.assertTrue(rec and main, "the probe run must show a recovery and a Main latch")
        armed = rec[0] - Q // 2
        latched = main[0] + 100
        st = self.states_at(jl, armed)
        loc = next(j["locate"] for j in jl if j["index"] == rec[0] and j["cause"] == "recover")
        self.assertEqual(st.get(loc), "local")
        self.assertEqual(self.states_at(jl, latched).get(0), "main")
        cuts = [1, armed, latched, 150001, 77777, 199990]
        self.resume_matches(f, cfg, cuts, extra, fmt_of=lambda k: ("bin", "json")[k % 2])

    def test_resume_inside_a_burst_run(self):
        """The burst state (baseline, run, current millisecond) is part of the snapshot: a cut
        inside the issue's step (about 137 ms of hot run starting at the step) resumes to the
        same bursts, longest run and peak."""
        f = self.path("step.itch")
        r = run("gen", "--seed", 1, "--messages", "200k", "--profile", "step", "-o", f)
        self.assertEqual(r.returncode, 0, r.stderr)
        cfg = config(self.path("step.toml"))
        h, _ = self.resume_matches(f, cfg, [20000, 60000], fmt_of=lambda k: ("json", "bin")[k])
        self.assertGreater(h["detectors"]["burst"]["longest_ms"], 100)

    def test_resume_refusals_and_old_snapshots(self):
        f = self.day(3, "200k", "corrupt")
        d = self.path("snaps-ref")
        for fmt in ("bin", "json"):
            r = run("replay", f, "--snapshot-at", 90000, "--snapshot-out", d,
                    "--snapshot-format", fmt)
            self.assertEqual(r.returncode, 0, r.stderr)
        r = run("replay", f, "--no-health", "--snapshot-at", 90001, "--snapshot-out", d)
        self.assertEqual(r.returncode, 0, r.stderr)
        snap, snapj = os.path.join(d, "snap-i90000.snap"), os.path.join(d, "snap-i90000.json")
        # another configuration: refused, naming the reason
        other = config(self.path("other.toml"), window=20000)
        for extra in (("--health-config", other), ("--reset-at", "100000")):
            with self.subTest(extra=extra):
                r = run("replay", f, "--resume", snap, *extra)
                self.assertEqual(r.returncode, 2)
                self.assertIn("health configuration", r.stderr)
        # without health: fine; from a snapshot without health: health restarts, and says so
        self.assertEqual(run("replay", f, "--resume", snap, "--no-health").returncode, 0)
        r = run("replay", f, "--resume", os.path.join(d, "snap-i90001.snap"), "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(json.loads(r.stdout)["health"]["restarted"])
        r = run("replay", f, "--resume", os.path.join(d, "snap-i90001.snap"))
        self.assertIn("without health state", r.stdout + r.stderr)
        # a hostile health section is refused with a reason, never trusted
        with open(snapj) as fh:
            doc = json.load(fh)
        self.assertEqual(doc["version"], 2)
        ev = doc["health"]["events"]
        self.assertGreater(len(ev), 0)

        def edited(name, fn):
            bad = json.loads(json.dumps(doc))
            fn(bad["health"])
            p = self.path(name)
            with open(p, "w") as fh:
                json.dump(bad, fh)
            return p
        hostile = {
            "state.json": lambda h: h["scalars"].update(global_state=9),
            "locate.json": lambda h: h["events"][0].__setitem__(1, 70000),
            "count.json": lambda h: h["events"].pop(),
            "order.json": lambda h: h["events"].reverse() if len(h["events"]) > 1
            else h["events"][0].__setitem__(0, 10 ** 9),
            "timer.json": lambda h: h["timers"].append([1, 65536, 0]),
            "hwm.json": lambda h: h["hwm"].append([0, 5]),
            "worst.json": lambda h: h["scalars"].update(instruments_worst_1=12345),
            "width.json": lambda h: h["scopes"].append([1, 2]),
            "scalars.json": lambda h: h["scalars"].pop("base"),
        }
        for name, fn in hostile.items():
            with self.subTest(hostile=name):
                r = run("replay", f, "--resume", edited(name, fn))
                self.assertEqual(r.returncode, 2, r.stdout)
                self.assertTrue("health" in r.stderr, r.stderr)
        # version 2 without its health member, version 1 with one
        for name, ver, drop in (("v2-no.json", 2, True), ("v1-with.json", 1, False)):
            bad = json.loads(json.dumps(doc))
            bad["version"] = ver
            if drop:
                del bad["health"]
            p = self.path(name)
            with open(p, "w") as fh:
                json.dump(bad, fh)
            self.assertEqual(run("replay", f, "--resume", p).returncode, 2)

    # ---- errors ----------------------------------------------------------------------

    def test_cli_errors(self):
        bad = self.path("bad.toml")
        with open(bad, "w") as f:
            f.write("window_messages = 10\n[thresholds]\ngap = [1, 2]\n")
        day = self.day(1, "300k")
        r = run("replay", day, "--health-config", bad)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.toml:3:", r.stderr)
        for args in (("--no-health", "--health-journal", self.path("x.jl")),
                     ("--no-book", "--reset-at", "5"), ("--reset-at", "12:61:00"),
                     ("--health-config", self.path("missing.toml"))):
            with self.subTest(args=args):
                self.assertEqual(run("replay", day, *args).returncode, 2)
        self.assertFalse(os.path.exists(self.path("x.jl")))

    # ---- the independent reference (tests/reference/health.py) -------------------------

    @unittest.skipUnless(os.path.exists(REFERENCE), "no reference model")
    def test_reference_model_writes_the_same_journal(self):
        cfg = config(self.path("ref.toml"), window=20000, quiet=3000, gap=(50, 200, 1000, 0),
                     corrupt=(50, 150, 400, 0), skew=(50, 100, 0, 0), min_run=3)
        cases = [(RITCH, ()), (self.day(3, "60k", "corrupt"), ()), (self.day(4, "60k", "gap"), ()),
                 (self.day(2, "100k", "burst", session=10), ("--reset-at", "30000"))]
        for f, extra in cases:
            with self.subTest(f=os.path.basename(f)):
                _, _, mine = self.replay(f, "--health-config", cfg, *extra, name="mine.jl")
                ref = self.path("ref.jl")
                r = subprocess.run([sys.executable, REFERENCE, f, "--config", cfg, *extra,
                                    "--journal", ref], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(read(mine), read(ref))

    @unittest.skipUnless(os.path.exists(REFERENCE), "no reference model")
    def test_reset_pairs_journal_matches_the_reference(self):
        """Resets visit only the instruments not in Fuse (docs/HEALTH.md §6) and still list them
        global first, then by ascending locate: pairs of [adds with price 0][System Event 'O'],
        the adds on locates in scrambled order, some reaching Feeder or Main."""
        def frame(m):
            return struct.pack(">H", len(m)) + m

        def add0(locate, ref, ts):
            return frame(b"A" + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big") +
                         struct.pack(">Q", ref) + b"B" + struct.pack(">I", 100) + b"ZZZ     " +
                         struct.pack(">I", 0))

        def sys_o(ts):
            return frame(b"S" + struct.pack(">HH", 0, 0) + ts.to_bytes(6, "big") + b"O")

        rounds = [[65535], [300, 5, 65535, 17], [9, 9, 9, 2, 40000], [65535, 1, 65535]]
        data, ts, ref = b"", 34200 * 10**9, 1
        for k in range(400):
            for loc in rounds[k % len(rounds)]:
                data += add0(loc, ref, ts)
                ref += 1
                ts += 1
            data += sys_o(ts)
            ts += 1
        f = self.path("reset-pairs.itch")
        with open(f, "wb") as out:
            out.write(data)
        cfg = config(self.path("pairs.toml"), window=1000, quiet=100000, gap=(1000, 2000, 3000, 0),
                     corrupt=(1000, 2000, 3000, 0), skew=(0, 0, 0, 0))
        h, jl, mine = self.replay(f, "--health-config", cfg, name="pairs.jl")
        self.assertEqual(h["resets"], 400)
        resets = [e for e in jl if e["cause"] == "reset"]
        self.assertGreater(len(resets), 800)
        ref_jl = self.path("pairs-ref.jl")
        r = subprocess.run([sys.executable, REFERENCE, f, "--config", cfg, "--journal", ref_jl],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(mine), read(ref_jl))


if __name__ == "__main__":
    unittest.main(verbosity=2)
