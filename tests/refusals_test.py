#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Bad input is refused up front, with what and where: numbers that do not fit
(blanc gen --messages past its bound, " -1" that strtoull would wrap), inputs
that are neither a snapshot nor ITCH (blanc diff, blanc bench), outputs that
cannot be created (blanc replay, before any input is read).

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/refusals_test.py
"""
import os
import struct
import subprocess
import tempfile
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")


def run(*args):
    # Bounded: before the fixes some of these ran until the disk was full.
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=30)


class Numbers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = os.path.join(self.tmp.name, "day.itch")

    def tearDown(self):
        self.tmp.cleanup()

    def gen(self, *args):
        return run("gen", "--seed", "1", *args, "-o", self.out)

    def assertRefused(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertFalse(os.path.exists(self.out), "a refused gen wrote its output")

    def test_gen_messages_has_a_documented_bound(self):
        # 2^64 - 1 would run for ever (or until the disk is full): refused.
        self.assertRefused(self.gen("--messages", "18446744073709551615"), "--messages",
                           "at most 10G")
        self.assertRefused(self.gen("--messages", "10000000001"), "at most 10G")
        self.assertRefused(self.gen("--messages", "11G"), "at most 10G")
        self.assertIn("at most 10G", run("gen", "--help").stdout)

    def test_signs_and_blanks_are_not_numbers(self):
        # strtoull skips blanks and negates "-1" into 2^64 - 1.
        for bad in ("-1", " -1", "\t-1", "+5", " 5", "", "1e3", "0x10", "5 "):
            with self.subTest(bad=bad):
                self.assertRefused(self.gen("--messages", bad), "--messages")
        self.assertRefused(run("gen", "--seed", " -1", "--messages", "1k", "-o", self.out),
                           "--seed")
        for opt in ("--runs", "--warmup", "--cpu"):
            with self.subTest(opt=opt):
                r = run("bench", self.out, opt, " -1")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(opt, r.stderr)
        for opt in ("--depth", "--threads", "--expect-orders", "--reorder-window"):
            with self.subTest(opt=opt):
                r = run("replay", self.out, opt, " -1")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(opt, r.stderr)

    def test_listen_idle_timeout_is_decimal_seconds(self):
        # strtod would also take blanks, signs, hex, exponents and "inf"; refused before any
        # socket is opened (the port is one no test listens on).
        for bad in ("0x10", " 5", "+5", "1e3", "inf", ".5", "5s", "0", "0.0"):
            with self.subTest(bad=bad):
                r = run("listen", "--group", "239.1.1.1", "--port", "1", "--idle-timeout", bad)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--idle-timeout wants seconds above 0", r.stderr)
                self.assertNotIn("listening", r.stderr)

    def test_times_and_dates_want_digits(self):
        day = os.path.join(self.tmp.name, "input.itch")
        self.assertEqual(run("gen", "--seed", "1", "--messages", "1k", "-o", day).returncode, 0)
        snaps = os.path.join(self.tmp.name, "snaps")
        for bad in (" 9:30:00", "+9:30:00", "09:+1:00", "09:30: 1"):
            with self.subTest(bad=bad):
                r = run("replay", day, "--snapshot-at", bad, "--snapshot-out", snaps)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn("--snapshot-at", r.stderr)
                self.assertFalse(os.path.exists(snaps))
        for bad in ("2020-+1-01", "2020- 1-01", "+020-01-01"):
            with self.subTest(bad=bad):
                self.assertRefused(self.gen("--messages", "1k", "--format", "pcapng", "--date",
                                            bad), "--date")
                if os.path.exists(self.out):
                    os.remove(self.out)


class DiffInputs(unittest.TestCase):
    """blanc diff takes snapshots and ITCH inputs (replayed to the other side's
    point); an empty file or one that is neither is an error, never an empty
    state to compare with."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.day = os.path.join(d, "day.itch")
        r = run("gen", "--seed", "3", "--messages", "20k", "--symbols", "10", "-o", cls.day)
        assert r.returncode == 0, r.stderr
        snaps = os.path.join(d, "snaps")
        r = run("replay", cls.day, "--snapshot-at", "9000", "--snapshot-out", snaps)
        assert r.returncode == 0, r.stderr
        cls.snap = os.path.join(snaps, "snap-i9000.snap")
        cls.empty = os.path.join(d, "empty")
        cls.text = os.path.join(d, "notes.txt")
        cls.cut = os.path.join(d, "cut.snap")
        open(cls.empty, "wb").close()
        with open(cls.text, "w") as f:
            f.write("hello, this is not a market\n")
        with open(cls.snap, "rb") as f, open(cls.cut, "wb") as g:
            g.write(f.read()[:300])
        cls.missing = os.path.join(d, "missing.snap")
        # The same day as a MoldUDP64 capture, and one whose 30th record claims more bytes
        # than the capture's snap length (libpcap stops there: a hard error of the container).
        cls.pcap = os.path.join(d, "day.pcap")
        r = run("gen", "--seed", "3", "--messages", "20k", "--symbols", "10",
                "--format", "moldudp64-pcap", "-o", cls.pcap)
        assert r.returncode == 0, r.stderr
        with open(cls.pcap, "rb") as f:
            b = bytearray(f.read())
        off = 24
        for _ in range(29):
            off += 16 + struct.unpack_from("<I", b, off + 8)[0]
        cls.bad_record = off
        struct.pack_into("<I", b, off + 8, 0x7FFFFFFF)
        cls.bad_pcap = os.path.join(d, "bad.pcap")
        with open(cls.bad_pcap, "wb") as f:
            f.write(b)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_a_capture_compares_with_its_binaryfile(self):
        """Chosen by content as replay chooses: the capture's books equal the BinaryFILE's
        (its bytes are another container's, not a difference), and a snapshot taken from the
        capture compares with both."""
        snaps = os.path.join(self.tmp.name, "pcap-snaps")
        r = run("replay", self.pcap, "--snapshot-at", "9000", "--snapshot-out", snaps)
        self.assertEqual(r.returncode, 0, r.stderr)
        psnap = os.path.join(snaps, "snap-i9000.snap")
        for a, b in ((self.day, self.pcap), (self.pcap, self.day), (psnap, self.pcap),
                     (self.pcap, self.snap)):
            with self.subTest(a=a, b=b):
                r = run("diff", a, b)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn("equal", r.stdout)

    def test_a_damaged_capture_says_which_packet(self):
        r = run("diff", self.bad_pcap, self.day)
        self.assertRefused(r, self.bad_pcap, "damaged capture packet", "packet 30",
                           f"record at byte {self.bad_record}")
        self.assertEqual(r.stderr, run("replay", self.bad_pcap).stderr, "not replay's words")

    def assertRefused(self, r, path, *words):
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "", "a refused diff printed a comparison")
        self.assertIn(path, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)

    def test_snapshots_and_inputs_still_compare(self):
        for a, b in ((self.day, self.snap), (self.snap, self.day), (self.snap, self.snap)):
            r = run("diff", a, b)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("equal", r.stdout)

    def test_an_empty_side_is_refused(self):
        for a, b in ((self.empty, self.snap), (self.snap, self.empty), (self.empty, self.empty),
                     (self.empty, self.day)):
            with self.subTest(a=a, b=b):
                self.assertRefused(run("diff", a, b), self.empty, "empty")

    def test_neither_a_snapshot_nor_itch_is_refused(self):
        self.assertRefused(run("diff", self.text, self.snap), self.text, "not a snapshot",
                           "not an ITCH 5.0 BinaryFILE",
                           f"first {os.path.getsize(self.text)} bytes")

    def test_a_damaged_snapshot_says_where(self):
        self.assertRefused(run("diff", self.cut, self.day), self.cut, "section", "byte")

    def test_open_failures_give_the_system_reason(self):
        for args in (("diff", self.missing, self.snap), ("diff", self.snap, self.missing),
                     ("snapshot", "show", self.missing)):
            with self.subTest(args=args):
                self.assertRefused(run(*args), self.missing, "cannot open",
                                   os.strerror(2))  # ENOENT

    def test_standard_input_is_read_once(self):
        for piped, other in ((self.day, self.snap), (self.snap, self.day)):
            with open(piped, "rb") as f:
                r = subprocess.run([BIN, "diff", "-", other], stdin=f, capture_output=True,
                                   text=True, timeout=30)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertIn("equal", r.stdout)
        self.assertRefused(run("diff", "-", "-"), "standard input")


class BenchInputs(unittest.TestCase):
    """blanc bench refuses what blanc replay refuses, in the same words (what,
    and where: the bytes judged, the message and packet it stopped at)."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.text = os.path.join(d, "notes.txt")
        with open(cls.text, "w") as f:
            f.write("hello, this is not a market\n")
        cls.noise = os.path.join(d, "noise.bin")
        with open(cls.noise, "wb") as f:
            f.write(bytes((i * 7919 + 13) % 251 for i in range(5000)))
        cls.capture = os.path.join(d, "day.pcapng")
        r = run("gen", "--seed", "4", "--messages", "3k", "--symbols", "5", "--format", "pcapng",
                "-o", cls.capture)
        assert r.returncode == 0, r.stderr
        # A block length past the end, halfway in: libpcap cannot read on from there.
        with open(cls.capture, "rb") as f:
            data = bytearray(f.read())
        at = data.find(b"\x06\x00\x00\x00", len(data) // 2)
        data[at + 4:at + 8] = b"\xff\xff\xff\x0f"
        cls.damaged = os.path.join(d, "damaged.pcapng")
        with open(cls.damaged, "wb") as f:
            f.write(data)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def replay_error(self, path):
        r = run("replay", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.startswith(f"blanc: {path}: ")
                 and "warning" not in l]
        self.assertEqual(len(lines), 1, r.stderr)
        return lines[0]

    def test_refused_as_replay_refuses(self):
        for path, words in ((self.text, "not an ITCH 5.0 BinaryFILE (no whole frame"),
                            (self.noise, "not an ITCH 5.0 BinaryFILE"),
                            (self.damaged, "damaged capture packet (after ")):
            with self.subTest(path=path):
                said = self.replay_error(path)
                self.assertIn(words, said)
                r = run("bench", path, "--runs", "1", "--warmup", "0")
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertNotIn("invalid argument", r.stderr)
                self.assertIn(said, r.stderr.splitlines())
                self.assertEqual(r.stdout, "")

    def test_a_capture_replay_reads_is_benched(self):
        r = run("bench", self.capture, "--runs", "1", "--warmup", "0", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"messages":3000', r.stdout.replace(" ", ""))


class OutputPaths(unittest.TestCase):
    """Every output of blanc replay is checked before the input is read: a
    missing folder, a file where a folder goes (or in the way of the path),
    a folder where a file goes. Refused at once, saying which and why, and
    nothing is made."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.day = os.path.join(d, "day.itch")
        r = run("gen", "--seed", "5", "--messages", "20k", "--symbols", "5", "-o", cls.day)
        assert r.returncode == 0, r.stderr
        cls.afile = os.path.join(d, "afile")
        open(cls.afile, "w").close()
        cls.adir = os.path.join(d, "adir")
        os.mkdir(cls.adir)
        cls.nodir = os.path.join(d, "nodir")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    # (option words, wants a folder)
    OUTPUTS = (
        (("--snapshot-at", "end", "--snapshot-out"), True),
        (("--emit", "bbo", "-o"), False),
        (("--emit", "fix", "--date", "2024-01-02", "-o"), False),
        (("--health-journal",), False),
        (("--emit", "lobster", "--symbol", "AAPL", "--depth", "1", "--date", "2024-01-02",
          "-o"), True),
    )

    def bad_paths(self, folder):
        yield os.path.join(self.nodir, "x"), "its folder", os.strerror(2)  # ENOENT
        yield os.path.join(self.afile, "x"), "is not a folder", os.strerror(20)  # ENOTDIR
        if folder:
            yield self.afile, "is not a folder", os.strerror(20)
        else:
            yield self.adir, "is a directory", os.strerror(21)  # EISDIR

    def listing(self):
        return sorted(os.listdir(self.tmp.name)), sorted(os.listdir(self.adir))

    def test_refused_before_the_input_is_read(self):
        before = self.listing()
        for words, folder in self.OUTPUTS:
            for path, why, reason in self.bad_paths(folder):
                with self.subTest(option=words[-1] if len(words) == 1 else words[0:2],
                                  path=path):
                    # Standard input that never ends: reading it would hang.
                    rfd, wfd = os.pipe()
                    try:
                        r = subprocess.run([BIN, "replay", "-", *words, path], stdin=rfd,
                                           capture_output=True, text=True, timeout=20)
                    finally:
                        os.close(rfd)
                        os.close(wfd)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertIn(path, r.stderr)
                    self.assertIn(why, r.stderr)
                    self.assertIn(reason, r.stderr)
                    self.assertEqual(r.stdout, "")
                    self.assertEqual(self.listing(), before, "a refused run made something")

    def test_refused_at_once_with_a_file_input(self):
        path = os.path.join(self.nodir, "snaps")
        r = run("replay", self.day, "--snapshot-at", "100", "--snapshot-out", path)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(r.stderr.strip(),
                         f"blanc: {path}: cannot open file: {os.strerror(2)} "
                         f"(its folder '{self.nodir}' does not exist)")
        self.assertEqual(r.stdout, "", "the replay ran before the refusal")

    def test_good_paths_still_work(self):
        snaps = os.path.join(self.tmp.name, "new-snaps")
        out = os.path.join(self.adir, "bbo.jsonl")
        r = run("replay", self.day, "--snapshot-at", "end", "--snapshot-out", snaps,
                "--emit", "bbo", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(snaps, "snap-end.snap")))
        self.assertTrue(os.path.getsize(out) > 0)
        # An existing folder takes the snapshots; an existing file is replaced.
        r = run("replay", self.day, "--snapshot-at", "end", "--snapshot-out", snaps,
                "--emit", "bbo", "-o", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        os.remove(out)
        for f in os.listdir(snaps):
            os.remove(os.path.join(snaps, f))
        os.rmdir(snaps)


if __name__ == "__main__":
    unittest.main()
