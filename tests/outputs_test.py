#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Where outputs land and what is left of them: a FIFO or a link as an output (written in
place / followed, never replaced), SIGINT/SIGTERM/SIGHUP in the middle of a run (no temp file
left, the process ends by the signal), two outputs of one run at one file (refused before any
work), and a failed write to stdout (an error, not exit 0).

No test here writes to /dev/null or another device: before the fix a run as root would
replace it. A FIFO in a temporary folder shows the same thing harmlessly.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/outputs_test.py
"""
import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from stalled import reap, signal_when_blocked  # noqa: E402

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")
GEN = ["gen", "--seed", "7", "--messages", "20k"]


def run(*args, **kw):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=120, **kw)


def default_signals():
    # A test started from a background job inherits SIGINT ignored, and blanc
    # (rightly) keeps an ignored signal ignored: give the child the default.
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, signal.SIG_DFL)


class FifoReader:
    """Read a FIFO to its end on a thread. A hard link to it keeps a name for the FIFO
    itself, so a reader still waiting in open() can be let go even if the FIFO's own name
    was replaced (what the bug did)."""

    def __init__(self, path):
        self.path, self.data = path, b""
        self.keep = path + ".keep"
        os.link(path, self.keep)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        with open(self.path, "rb") as f:
            self.data = f.read()

    def finish(self):
        self.t.join(10)
        if self.t.is_alive():  # no writer ever came: open and close one
            os.close(os.open(self.keep, os.O_WRONLY | os.O_NONBLOCK))
            self.t.join(10)
        os.unlink(self.keep)
        return self.data


class Outputs(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        self.want = self.p("want.itch")
        self.assertEqual(run(*GEN, "-o", self.want).returncode, 0)
        with open(self.want, "rb") as f:
            self.day = f.read()

    def tearDown(self):
        self.tmp.cleanup()

    def p(self, name):
        return os.path.join(self.d, name)

    def temps(self):
        return [n for n in os.listdir(self.d) if ".tmp-" in n]

    # 1. Non-regular targets are written in place; links are followed.

    def test_a_fifo_output_is_written_in_place_and_stays_a_fifo(self):
        fifo = self.p("fifo")
        os.mkfifo(fifo)
        reader = FifoReader(fifo)
        r = run(*GEN, "-o", fifo)
        got = reader.finish()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced")
        self.assertEqual(got, self.day)
        self.assertEqual(self.temps(), [])

    def test_a_fifo_as_the_manifest_and_the_emit_output(self):
        fifo = self.p("fifo")
        os.mkfifo(fifo)
        reader = FifoReader(fifo)
        r = run(*GEN, "--scenario", "corrupt", "-o", self.p("day"), "--manifest", fifo)
        got = reader.finish()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertTrue(got.startswith(b'{"scenario":"corrupt"'), got[:80])
        reader = FifoReader(fifo)
        r = run("replay", self.want, "--emit", "bbo", "-o", fifo, "--health-journal",
                self.p("journal"))
        got = reader.finish()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertTrue(got.startswith(b'{"index":'), got[:80])

    def test_a_link_is_followed_and_stays_a_link(self):
        real = self.p("real.itch")
        with open(real, "wb") as f:
            f.write(b"old")
        link = self.p("link.itch")
        os.symlink("real.itch", link)
        r = run(*GEN, "-o", link)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(link))
        with open(real, "rb") as f:
            self.assertEqual(f.read(), self.day)
        # a link to nothing yet: the file it names is made
        dangling = self.p("dangling")
        os.symlink("made.itch", dangling)
        self.assertEqual(run(*GEN, "-o", dangling).returncode, 0)
        self.assertTrue(os.path.islink(dangling))
        with open(self.p("made.itch"), "rb") as f:
            self.assertEqual(f.read(), self.day)
        # a link to a FIFO: both stay what they are
        fifo = self.p("fifo")
        os.mkfifo(fifo)
        to_fifo = self.p("to-fifo")
        os.symlink("fifo", to_fifo)
        reader = FifoReader(fifo)
        r = run(*GEN, "-o", to_fifo)
        got = reader.finish()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(to_fifo))
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertEqual(got, self.day)
        self.assertEqual(self.temps(), [])

    # 2. A signal removes the temp files and ends the process by the signal.

    def interrupt(self, args, sig, outputs):
        p = subprocess.Popen([BIN, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             preexec_fn=default_signals)
        deadline = time.time() + 60
        while len(self.temps()) < len(outputs) and time.time() < deadline and p.poll() is None:
            time.sleep(0.01)
        self.assertIsNone(p.poll(), "finished before the signal: make the run longer")
        self.assertEqual(len(self.temps()), len(outputs), os.listdir(self.d))
        time.sleep(0.1)
        p.send_signal(sig)
        p.wait(60)
        p.stderr.close()
        self.assertEqual(p.returncode, -sig)
        self.assertEqual(self.temps(), [])
        for o in outputs:
            self.assertFalse(os.path.exists(o), o)

    def test_sigint_during_gen_leaves_no_temp_file(self):
        out, man = self.p("big.itch"), self.p("big.manifest")
        self.interrupt(["gen", "--seed", "1", "--messages", "50M", "-o", out,
                        "--manifest", man], signal.SIGINT, [out, man])

    def test_sigterm_and_sighup_during_replay_leave_no_temp_file(self):
        big = self.p("big.itch")
        self.assertEqual(run("gen", "--seed", "1", "--messages", "5M", "-o", big).returncode, 0)
        for sig in (signal.SIGTERM, signal.SIGHUP):
            out, journal = self.p("l3.jsonl"), self.p("journal.jsonl")
            self.interrupt(["replay", big, "--emit", "l3", "-o", out, "--health-journal",
                            journal], sig, [out, journal])

    def test_sigint_during_dump_keeps_the_earlier_output(self):
        big = self.p("big.itch")
        self.assertEqual(run("gen", "--seed", "1", "--messages", "5M", "-o", big).returncode, 0)
        out = self.p("dump.jsonl")
        with open(out, "w") as f:
            f.write("earlier\n")
        p = subprocess.Popen([BIN, "dump", big, "-o", out], stderr=subprocess.DEVNULL,
                             preexec_fn=default_signals)
        while not self.temps() and p.poll() is None:
            time.sleep(0.01)
        time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        p.wait(60)
        self.assertEqual(p.returncode, -signal.SIGINT)
        self.assertEqual(self.temps(), [])
        with open(out) as f:
            self.assertEqual(f.read(), "earlier\n")

    def test_a_signal_during_bench_leaves_no_new_history(self):
        # bench makes its --jsonl history when it starts (a bad path is refused before the
        # measuring), outside a sink: before the fix a signal left it there, empty. Now the
        # interrupt handler removes the file this bench created; an existing history is
        # untouched (its line is appended with the .prom's commit, in a step signals wait
        # for), and the .prom is not written either.
        day = self.p("day.itch")
        self.assertEqual(run("gen", "--seed", "1", "--messages", "1M", "-o", day).returncode, 0)
        old = self.p("old.jsonl")
        with open(old, "w") as f:
            f.write('{"earlier": 1}\n')
        for sig, hist in ((signal.SIGINT, self.p("new.jsonl")), (signal.SIGTERM, old)):
            prom = self.p("bench.prom")
            p = subprocess.Popen([BIN, "bench", day, "--runs", "10000", "--jsonl", hist,
                                  "--prom", prom], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, preexec_fn=default_signals)
            deadline = time.time() + 60
            while not (os.path.exists(hist) and self.temps()) and time.time() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)  # measuring now
            self.assertIsNone(p.poll(), "finished before the signal")
            p.send_signal(sig)
            p.wait(60)
            self.assertEqual(p.returncode, -sig)
            self.assertEqual(self.temps(), [])
            self.assertFalse(os.path.exists(prom))
            if hist == old:
                with open(old) as f:
                    self.assertEqual(f.read(), '{"earlier": 1}\n')
            else:
                self.assertFalse(os.path.exists(hist), "an empty new history was left")

    def test_a_stalled_history_reader_does_not_hold_off_a_signal(self):
        # A --jsonl history that is a FIFO whose reader has stopped reading: the line's
        # write blocks. Before the fix it was written with signals held (to keep the line
        # and the .prom together), so SIGINT waited for a write that never ended: blanc
        # could be stopped only by SIGKILL. Now only the .prom's rename is held; the signal
        # ends blanc at once, with no temp and no .prom left. The pipe is filled first, by
        # the test, so the write blocks whatever the line's length.
        fifo, prom = self.p("history.fifo"), self.p("bench.prom")
        os.mkfifo(fifo)
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads
        wfd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            while True:
                os.write(wfd, b"\n" * 4096)
        except BlockingIOError:
            pass
        p = subprocess.Popen([BIN, "bench", self.want, "--runs", "2", "--warmup", "0",
                              "--jsonl", fifo, "--prom", prom], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
        try:
            # before the fix: blanc stayed blocked, the signal held
            signal_when_blocked(self, p, signal.SIGINT, 60)
        finally:
            reap(p)
            os.close(wfd)
            os.close(rfd)
        self.assertEqual(self.temps(), [])
        self.assertFalse(os.path.exists(prom))
        self.assertTrue(stat.S_ISFIFO(os.stat(fifo).st_mode))

    def test_a_signal_just_after_the_history_line_takes_it_back(self):
        # The line is no longer written under the hold (above), so a signal may come after
        # it is in and before the .prom is: the handler then cuts the history back to its
        # old length and removes the .prom's temp (neither output, as a signal during the
        # measuring gives; when the line was written held, the signal waited and both were
        # kept). But never another bench's line: when a second bench appended its own
        # after this one's, both stay (the cut had taken the second bench's line with it).
        # strace holds each write(2) 1 s on its way out, which makes that moment last;
        # without strace (or ptrace) the test is skipped.
        import shutil
        if not shutil.which("strace") or subprocess.run(
                ["strace", "-o", "/dev/null", "true"], capture_output=True).returncode:
            self.skipTest("strace cannot trace here")
        for other in (False, True):
            old = self.p("old.jsonl")
            with open(old, "w") as f:
                f.write('{"earlier": 1}\n')
            prom = self.p("bench.prom")
            p = subprocess.Popen(["strace", "-o", "/dev/null", "-e", "trace=write", "-e",
                                  "inject=write:delay_exit=1000000", BIN, "bench", self.want,
                                  "--runs", "2", "--warmup", "0", "--jsonl", old, "--prom",
                                  prom], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                 text=True, preexec_fn=default_signals)
            try:
                deadline = time.time() + 60
                while (time.time() < deadline and p.poll() is None and
                       os.path.getsize(old) == 15):
                    time.sleep(0.01)
                self.assertIsNone(p.poll(), "finished before the signal")
                mine = os.path.getsize(old)
                self.assertGreater(mine, 15)  # the line is in, its write not done
                if other:  # a second bench on the same history, whole, meanwhile
                    r = run("bench", self.want, "--runs", "2", "--warmup", "0", "--jsonl", old)
                    self.assertEqual(r.returncode, 0, r.stderr)
                    self.assertGreater(os.path.getsize(old), mine)
                blanc = []  # strace's child
                for pid in filter(str.isdigit, os.listdir("/proc")):
                    try:
                        with open("/proc/%s/stat" % pid) as f:
                            if int(f.read().rsplit(")", 1)[1].split()[1]) == p.pid:
                                blanc.append(int(pid))
                    except OSError:
                        pass
                self.assertEqual(len(blanc), 1, blanc)
                os.kill(blanc[0], signal.SIGTERM)
                p.wait(30)
                # strace ends as blanc did
                self.assertEqual(p.returncode, -signal.SIGTERM, p.stderr.read())
            finally:
                if p.poll() is None:
                    p.kill()
                p.wait()
                p.stderr.close()
            with open(old) as f:
                lines = f.read().splitlines()
            if other:
                self.assertEqual(len(lines), 3, lines)  # earlier, this bench's, the other's
                self.assertEqual(lines[0], '{"earlier": 1}')
                self.assertTrue(all(json.loads(x) for x in lines[1:]))
            else:
                self.assertEqual(lines, ['{"earlier": 1}'])
            self.assertFalse(os.path.exists(prom))
        self.assertEqual(self.temps(), [])

    def test_a_signal_while_gen_puts_its_files_in_place_leaves_all_or_nothing(self):
        # gen's day, manifest and packet log are one result. Before the fix they were put in
        # place one after another, each commit still draining its buffer: a signal in
        # between left the day without its manifest. A packet log that is a FIFO whose
        # reader stops before the end makes that moment last: the final drain blocks. Now
        # every output is written out before the first rename, and the renames wait for no
        # signal, so the signal here (during the drain) leaves nothing new.
        import fcntl
        args = ["gen", "--format", "moldudp64-pcap", "--seed", "3", "--messages", "500k",
                "--drop-packets", "1%"]
        ref = self.p("ref.log")
        self.assertEqual(run(*args, "-o", self.p("ref.pcap"), "--packet-log", ref).returncode,
                         0)
        size = os.path.getsize(ref)
        last = size % (1 << 20)  # the sink writes 1 MiB at a time: the rest at the end
        fifo = self.p("log.fifo")
        os.mkfifo(fifo)
        hold_back = 150000
        self.assertLess(hold_back, last, "pick a size whose last write is longer")
        reached = threading.Event()
        fds = []

        def read_most():
            fd = os.open(fifo, os.O_RDONLY)
            fds.append(fd)  # then the pipe's capacity
            fds.append(fcntl.fcntl(fd, getattr(fcntl, "F_GETPIPE_SZ", 1032)))
            got = 0
            while got < size - hold_back:
                b = os.read(fd, min(1 << 16, size - hold_back - got))
                if not b:
                    return
                got += len(b)
            reached.set()  # the final drain is under way and will block

        t = threading.Thread(target=read_most, daemon=True)
        t.start()
        day, man = self.p("day.pcap"), self.p("day.manifest")
        p = subprocess.Popen([BIN, *args, "-o", day, "--manifest", man, "--packet-log", fifo],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             preexec_fn=default_signals)
        try:
            self.assertTrue(reached.wait(60), "the reader never got to the last write")
            self.assertLess(fds[1], hold_back, "the pipe holds the rest: the drain won't block")
            time.sleep(0.3)
            self.assertIsNone(p.poll(), "gen finished: the drain did not block")
            p.send_signal(signal.SIGINT)
            p.wait(60)
        finally:
            if p.poll() is None:
                p.kill()
            t.join(10)
            if fds:
                os.close(fds[0])
        self.assertEqual(p.returncode, -signal.SIGINT)
        self.assertEqual(self.temps(), [])
        self.assertFalse(os.path.exists(day), "the day was put in place before all its files were written")
        self.assertFalse(os.path.exists(man))

    # 3. Two files of one run that are one are refused before any work.

    def assert_refused(self, r, *words):
        self.assertEqual(r.returncode, 2, r.stderr)
        for w in words:
            self.assertIn(w, r.stderr)
        self.assertEqual(r.stderr.count("\n"), 1, r.stderr)

    def test_two_outputs_at_one_file_are_refused(self):
        x = self.p("x")
        self.assert_refused(run(*GEN, "-o", x, "--manifest", x), "-o", "--manifest", x,
                            "same file")
        self.assertFalse(os.path.exists(x))
        # another spelling of the same new file
        self.assert_refused(run(*GEN, "-o", x, "--manifest",
                                os.path.join(self.d, ".", "x")), "-o", "--manifest")
        self.assertFalse(os.path.exists(x))
        # an existing file through a link
        os.symlink("want.itch", self.p("l"))
        self.assert_refused(run(*GEN, "-o", self.want, "--manifest", self.p("l")), "same file")
        out = self.p("out")
        self.assert_refused(run("replay", self.want, "--emit", "bbo", "-o", out,
                                "--health-journal", out), "-o", "--health-journal")
        self.assertFalse(os.path.exists(out))
        self.assert_refused(run(*GEN, "-o", "-", "--manifest", "-"), "stdout")

    def test_a_dangling_link_and_the_file_it_names_are_one(self):
        # The link's target does not exist yet: the output through the link would make it.
        os.symlink("new.csv", self.p("dangling"))
        for a, b in ((self.p("dangling"), self.p("new.csv")),
                     (self.p("new.csv"), self.p("dangling")),
                     (self.p("dangling"), os.path.join(self.d, ".", "new.csv"))):
            with self.subTest(a=a, b=b):
                self.assert_refused(run("replay", self.want, "--emit", "bbo", "-o", a,
                                        "--health-journal", b), "-o", "--health-journal",
                                    "same file")
                self.assertFalse(os.path.exists(self.p("new.csv")))
        # two dangling links to one new file, one of them through a second link
        os.symlink("dangling", self.p("chain"))
        self.assert_refused(run(*GEN, "-o", self.p("chain"), "--manifest", self.p("dangling")),
                            "same file")
        self.assertFalse(os.path.exists(self.p("new.csv")))
        # a dangling link to another new file is no clash
        os.symlink("other.csv", self.p("elsewhere"))
        r = run("replay", self.want, "--emit", "bbo", "-o", self.p("elsewhere"),
                "--health-journal", self.p("new.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.islink(self.p("elsewhere")))
        self.assertTrue(os.path.isfile(self.p("other.csv")))

    def test_an_output_at_the_input_is_refused(self):
        with open(self.want, "rb") as f:
            before = f.read()
        self.assert_refused(run("replay", self.want, "--emit", "bbo", "-o", self.want),
                            "the input", "-o")
        self.assert_refused(run("replay", self.want, "--health-journal", self.want), "input")
        self.assert_refused(run("dump", self.want, "-o", self.want), "the input", "-o")
        self.assert_refused(run("bench", self.want, "--prom", self.want, "--runs", "1"),
                            "--prom")
        with open(self.want, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_what_is_not_a_clash(self):
        # two different files; stdin and stdout; an input named twice
        self.assertEqual(run(*GEN, "-o", self.p("a"), "--manifest", self.p("b")).returncode, 0)
        with open(self.want, "rb") as f:
            r = run("replay", "-", "--emit", "bbo", "-o", "-", stdin=f)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = run("replay", self.want, "--snapshot-at", "end", "--snapshot-out", self.d,
                "--emit", "bbo", "-o", self.p("bbo"))
        self.assertEqual(r.returncode, 0, r.stderr)
        # (Two outputs on one character device, /dev/null twice, are no clash
        # either; not tested here: see the module's docstring.)

    # 4. A failed write to stdout is an error.

    @unittest.skipUnless(os.path.exists("/dev/full"), "no /dev/full")
    def test_a_failed_write_to_stdout_is_an_error(self):
        for args in (["replay", SAMPLE], ["replay", SAMPLE, "--json"], ["--help"],
                     ["gen", "--help"]):
            with open("/dev/full", "w") as full:
                r = subprocess.run([BIN, *args], stdout=full, stderr=subprocess.PIPE,
                                   text=True, timeout=120)
            self.assertEqual(r.returncode, 2, args)
            self.assertIn("blanc: error writing standard output: No space left on device",
                          r.stderr, args)

    def test_a_closed_stdout_is_an_error_only_when_written(self):
        r = subprocess.run([BIN, "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                           text=True, pass_fds=(), close_fds=True,
                           preexec_fn=lambda: os.close(1))
        self.assertEqual(r.returncode, 2)
        self.assertIn("error writing standard output", r.stderr)
        r = subprocess.run([BIN, *GEN, "-o", self.p("q")], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1))
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
