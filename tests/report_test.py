#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc bench report (docs/TELEMETRY.md, "The benchmarking report"): the page's figures are
the benches' own, recomputed here from the JSON (medians, MAD, the baseline's deltas and
verdicts by the profile's ratios); the input digest on the page equals the one `blanc replay`
computes; the page is self-contained, deterministic and escapes what it quotes; errors write
nothing. With Chromium (required under CI=true) the page is rendered headless and each plot is
found in the screenshot by its colour (tests/png.py decodes it), and --pdf prints a PDF.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/report_test.py
"""
import copy
import html.parser
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import png  # noqa: E402
from stalled import reap, signal_when_blocked  # noqa: E402

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The plots' colours (cli/report_plots.c): distribution bars, tail line, p99 per run,
# throughput per run, baseline ratio bars within the allowed ratio.
PLOTS = {"distribution": "#1f77b4", "tail": "#d62728", "p99": "#ff7f0e",
         "throughput": "#9467bd", "baseline": "#2ca02c"}


class Tables(html.parser.HTMLParser):
    """Every <table id=...> as a list of rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables, self.cur, self.row, self.cell = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "id" in a:
            self.cur = self.tables.setdefault(a["id"], [])
        elif tag == "tr" and self.cur is not None:
            self.row = []
            self.cur.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""

    def handle_endtag(self, tag):
        if tag == "table":
            self.cur = self.row = None
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row.append(self.cell.strip())
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def tables(page):
    t = Tables()
    t.feed(page)
    return t.tables


def kv(table):
    return {r[0]: r[1] for r in table if len(r) == 2}


class Report(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.runs = os.path.join(cls.tmp.name, "runs.jsonl")
        for _ in range(2):  # two real benches of the bundled day
            subprocess.run([BIN, "bench", SAMPLE, "--runs", "3", "--warmup", "0", "--jsonl",
                            cls.runs], check=True, capture_output=True)
        with open(cls.runs) as f:
            cls.benches = [json.loads(line) for line in f if line.strip()]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def report(self, *args, env=None):
        return subprocess.run([BIN, "bench", "report", *args], capture_output=True, text=True,
                              env=dict(os.environ, **(env or {})))

    def page(self, *args):
        out = self.path("page.html")
        r = self.report(*args, "-o", out)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        with open(out, encoding="utf-8") as f:
            return r.returncode, f.read()

    def write(self, name, benches):
        p = self.path(name)
        with open(p, "w") as f:
            for b in benches:
                f.write(json.dumps(b) + "\n")
        return p

    def test_figures_are_the_benches(self):
        rc, page = self.page(self.runs)
        self.assertEqual(rc, 0)
        t = tables(page)
        runs = t["runs"][1:]
        self.assertEqual(len(runs), len(self.benches))
        for row, b in zip(runs, self.benches):
            per_run = b["throughput"]["ns_per_msg"]
            med = statistics.median(per_run)
            mad = statistics.median(abs(x - med) for x in per_run)
            self.assertEqual(row[5], "%.1f" % med)
            self.assertEqual(row[6], "%.1f" % mad)
            self.assertAlmostEqual(float(row[7]), 1e3 / med, delta=0.006)  # M msg/s
            self.assertEqual(row[8].rstrip("†"), str(b["latency_ns"]["p50"]))
            self.assertEqual(row[9].rstrip("†"), str(b["latency_ns"]["p99"]))
        s = self.benches[-1]  # the subject
        types = {r[0]: r for r in t["types"][1:]}
        self.assertEqual(set(types), set(s["latency_by_type_ns"]) | {"all"})
        pcts = ["min", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max"]
        for letter, lat in list(s["latency_by_type_ns"].items()) + [("all", s["latency_ns"])]:
            row = types[letter]
            self.assertEqual(int(row[2]), lat["count"])
            for k, name in enumerate(pcts):
                want = str(lat[name]) + ("" if lat["valid"][name] else "†")
                self.assertEqual(row[3 + k], want, (letter, name))
        self.assertEqual(sum(int(types[x][2]) for x in s["latency_by_type_ns"]),
                         s["latency_ns"]["count"])
        machine, build, inp = kv(t["machine"]), kv(t["build"]), kv(t["input"])
        self.assertEqual(machine["CPU"], s["host"]["cpu_model"])
        self.assertEqual(machine["kernel"], s["host"]["kernel"])
        self.assertEqual(build["commit"], s["build"]["git_sha"])
        self.assertEqual(build["compiler"], s["build"]["compiler"].strip())
        self.assertEqual(int(inp["messages"]), s["messages"])
        # The digest on the page is the one an independent replay of the file computes.
        replay = json.loads(subprocess.run([BIN, "replay", SAMPLE, "--json"], capture_output=True,
                                           text=True).stdout)
        self.assertEqual(inp["input digest (XXH3-64)"], replay["digests"]["input"])
        self.assertIn("--runs 3 --warmup 0", page)  # how to reproduce, with this bench's values
        self.assertIn("No baseline given", page)
        self.assertEqual(page.count("<circle class=\"run\""),
                         sum(len(b["runs_latency_ns"]) + len(b["throughput"]["ns_per_msg"])
                             for b in self.benches))

    def test_baseline_deltas_and_verdicts(self):
        s = self.benches[-1]
        base = copy.deepcopy(s)
        base["throughput"]["ns_per_msg"] = [x / 2 for x in s["throughput"]["ns_per_msg"]]
        base["latency_ns"]["p99"] = s["latency_ns"]["p99"] * 2
        bp = self.write("base.jsonl", [base])
        rc, page = self.page(self.runs, "--baseline", bp, "--profile", "strict")
        self.assertEqual(rc, 1)  # ns/msg doubled: past strict's 1.05
        rows = {r[0]: r for r in tables(page)["baseline"][1:]}
        strict = {"ns_per_msg": 1.05, "p50": 1.05, "p95": 1.05, "p99": 1.05, "p99.9": 1.10}
        bmed = statistics.median(base["throughput"]["ns_per_msg"])
        smed = statistics.median(s["throughput"]["ns_per_msg"])
        want = {"ns_per_msg": (bmed, smed), "p99": (base["latency_ns"]["p99"], s["latency_ns"]["p99"]),
                "p50": (s["latency_ns"]["p50"],) * 2}
        for m, (b, n) in want.items():
            row = rows[m]
            self.assertEqual(row[1], "%.1f" % b)
            self.assertEqual(row[2], "%.1f" % n)
            self.assertEqual(row[3], "%+.1f" % ((n - b) / b * 100))
            self.assertEqual(float(row[4]), strict[m])
            verdict = "regression" if n > b * strict[m] else "better" if n < b else "pass"
            self.assertEqual(row[5], verdict, m)
        self.assertIn("Same input", page)
        # The same bench as its own baseline: every metric passes, exit 0.
        rc, page = self.page(self.runs, "--baseline", self.runs)
        self.assertEqual(rc, 0)
        self.assertEqual({r[5] for r in tables(page)["baseline"][1:]}, {"pass"})
        other = copy.deepcopy(s)
        other["input_digest"] = "0000000000000000"
        rc, page = self.page(self.runs, "--baseline", self.write("other.jsonl", [other]))
        self.assertIn("The inputs differ", page)

    def test_self_contained_deterministic_and_escaped(self):
        _, a = self.page(self.runs)
        _, b = self.page(self.runs)
        self.assertEqual(a, b)  # a function of the benches: no clock, no host of its own
        self.assertNotIn("<script", a)
        self.assertNotRegex(a, r"<(link|img|iframe)\b|\ssrc=|\shref=")
        self.assertEqual(set(re.findall(r"https?://[^\s\"<]+", a)), {"http://www.w3.org/2000/svg"})
        evil = copy.deepcopy(self.benches[-1])
        evil["file"] = "/x/<script>alert(1)</script>&.itch"
        evil["host"]["cpu_model"] = "\"><b>cpu"
        _, page = self.page(self.write("evil.jsonl", [evil]))
        self.assertNotIn("<script", page)
        self.assertNotIn("<b>cpu", page)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;&amp;.itch", page)

    def test_decode_only_bench(self):
        p = self.path("decode.jsonl")
        subprocess.run([BIN, "bench", SAMPLE, "--no-book", "--runs", "2", "--warmup", "0",
                        "--jsonl", p], check=True, capture_output=True)
        rc, page = self.page(p)
        self.assertEqual(rc, 0)
        self.assertIn("decode only", page)
        self.assertNotIn("id=\"types\"", page)
        self.assertIn("--no-book", page)

    def test_errors_write_nothing(self):
        out = self.path("kept.html")
        with open(out, "w") as f:
            f.write("before")
        r = self.report(self.path("missing.jsonl"), "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("missing.jsonl: cannot open", r.stderr)
        bad = self.path("bad.jsonl")
        with open(bad, "w") as f:
            f.write(json.dumps(self.benches[0]) + "\n{\"schema\": \"other\"}\n")
        r = self.report(bad, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bad.jsonl:2: not a blanc.bench/1 object", r.stderr)
        empty = self.write("empty.jsonl", [])
        r = self.report(empty, "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no bench in it", r.stderr)
        self.assertEqual(self.report(self.runs).returncode, 2)  # neither -o nor --pdf
        dec = copy.deepcopy(self.benches[0])
        dec["mode"] = "decode"
        r = self.report(self.runs, "--baseline", self.write("dec.jsonl", [dec]), "-o", out)
        self.assertEqual(r.returncode, 2)
        self.assertIn("not comparable", r.stderr)
        with open(out) as f:
            self.assertEqual(f.read(), "before")  # nothing written by any of them
        r = self.report(self.runs, "-o", out, "--pdf", self.path("x.pdf"),
                        env={"BLANC_CHROMIUM": "/bin/false"})
        self.assertEqual(r.returncode, 2)
        self.assertIn("did not print a PDF", r.stderr)
        self.assertFalse(os.path.exists(self.path("x.pdf")))
        with open(out) as f:  # all or nothing: no new page without its PDF
            self.assertEqual(f.read(), "before")
        self.assertEqual([n for n in os.listdir(self.tmp.name) if ".pdf." in n or ".html." in n], [])

    def chromium(self):
        if not CHROMIUM:
            if os.environ.get("CI"):
                self.fail("chromium is required under CI (scripts/deps.sh --ci installs it)")
            self.skipTest("chromium not installed")

    def screenshot(self, page_path, png_path):
        profile = tempfile.mkdtemp(dir=self.tmp.name)
        # Half scale: a quarter of the pixels for the pure-Python decoder.
        subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--user-data-dir=" + profile,
                        "--force-device-scale-factor=0.5", "--window-size=800,4600",
                        "--screenshot=" + png_path, "file://" + os.path.abspath(page_path)],
                       capture_output=True, timeout=120)
        return png.count_colours(png_path, list(PLOTS.values()))

    def test_screenshot_shows_every_plot(self):
        self.chromium()
        out = self.path("shot.html")
        base = copy.deepcopy(self.benches[-1])
        base["throughput"]["ns_per_msg"] = [x * 2 for x in base["throughput"]["ns_per_msg"]]
        self.assertEqual(self.report(self.runs, "--baseline", self.write("b2.jsonl", [base]),
                                     "-o", out).returncode, 0)
        seen = self.screenshot(out, self.path("shot.png"))
        for name, colour in PLOTS.items():
            self.assertGreater(seen[colour], 40, "%s plot (%s) not drawn: %s" % (name, colour, seen))
        # Without a baseline there is no baseline plot, and the check sees that.
        self.assertEqual(self.report(self.runs, "-o", out).returncode, 0)
        seen = self.screenshot(out, self.path("shot2.png"))
        self.assertLess(seen[PLOTS["baseline"]], 10, seen)

    def test_pdf(self):
        self.chromium()
        pdf = self.path("report.pdf")
        r = self.report(self.runs, "--pdf", pdf, "--title", "Report of the test")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"%PDF-"))
        # The browser printed the page, not its source: the PDF's title is the page's <title>
        # (a file taken for text would be titled by its name).
        self.assertIn(b"/Title (Report of the test)", data)
        self.assertGreaterEqual(len(re.findall(rb"/Type\s*/Page[^s]", data)), 2)
        self.assertEqual([n for n in os.listdir(self.tmp.name) if ".pdf." in n], [])
        both = self.path("both.html")
        self.assertEqual(self.report(self.runs, "-o", both, "--pdf", pdf).returncode, 0)
        with open(both) as f:
            self.assertIn("<svg", f.read())


    def test_sigint_during_pdf_leaves_nothing(self):
        # A SIGINT while Chromium prints: before the fix blanc ended at once and left the
        # page's temp (.XXXXXX.html), Chromium's half-written PDF (.pdf.XXXXXX) and its
        # profile folder, with Chromium still running and writing into them. Now the
        # signal waits for blanc to stop the browser (its whole process group) and remove
        # all three, then ends blanc as usual.
        self.chromium()
        import signal
        import time
        d = tempfile.mkdtemp(dir=self.tmp.name)
        pdf = os.path.join(d, "report.pdf")

        def default_signals():
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, signal.SIG_DFL)

        p = subprocess.Popen([BIN, "bench", "report", self.runs, "--pdf", pdf],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, TMPDIR=d), preexec_fn=default_signals)

        def profiles():
            return [os.path.join(d, n) for n in os.listdir(d) if n.startswith("blanc-chromium-")]

        def browsers():  # processes whose command line names a profile of this test
            found = []
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        if ("--user-data-dir=" + d).encode() in f.read():
                            found.append(int(pid))
                except OSError:
                    pass
            return found

        try:
            deadline = time.time() + 60
            while time.time() < deadline and p.poll() is None and not browsers():
                time.sleep(0.01)
            started = profiles()  # made before the browser starts
            p.send_signal(signal.SIGINT)  # at once: a print takes about a second
            self.assertTrue(started, "chromium never started: " + p.stderr.read())
            p.wait(30)
            time.sleep(0.5)  # anything left running would go on writing
            self.assertEqual(p.returncode, -signal.SIGINT, p.stderr.read())
            self.assertEqual(browsers(), [], "chromium left running")
            self.assertEqual(sorted(os.listdir(d)), [], "left behind")
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stderr.close()
            for pid in browsers():  # the ones this test started, if the fix is missing
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
    def test_a_stalled_pdf_reader_does_not_hold_off_a_signal(self):
        """The PDF goes to a FIFO whose reader has stopped reading: the write blocks, and a
        SIGTERM must still end blanc at once, with no temp left and -o as it was (the PDF
        and the page are put in place together or not at all). A stand-in browser
        ($BLANC_CHROMIUM: a script that writes a PDF larger than a pipe holds) makes this
        independent of Chromium."""
        import signal
        d = tempfile.mkdtemp(dir=self.tmp.name)
        fake = os.path.join(d, "fake-chromium")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\nfor a; do case $a in --print-to-pdf=*) out=${a#--print-to-pdf=};;"
                    " esac; done\n{ printf '%%PDF-1.4\\n'; head -c 300000 /dev/zero; } > \"$out\"\n")
        os.chmod(fake, 0o755)
        fifo = os.path.join(d, "report.pdf")
        os.mkfifo(fifo)
        page = os.path.join(d, "page.html")
        with open(page, "w") as f:
            f.write("old")
        rfd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader that never reads
        p = subprocess.Popen([BIN, "bench", "report", self.runs, "--pdf", fifo, "-o", page],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, BLANC_CHROMIUM=fake, TMPDIR=d))
        try:
            # before the fix: blanc stayed blocked, the signal held
            signal_when_blocked(self, p, signal.SIGTERM, 30)
        finally:
            reap(p)
            os.close(rfd)
        with open(page) as f:
            self.assertEqual(f.read(), "old")
        self.assertEqual(sorted(os.listdir(d)), ["fake-chromium", "page.html", "report.pdf"])

    def test_the_browser_says_why_with_stdio_closed(self):
        """A browser that fails has its own words in blanc's error, also when blanc runs with
        its standard streams closed (from a daemon, `<&- >&-`): then the browser's log and
        /dev/null opened in the child are fds 0 and 1, and copying them onto 0, 1 and 2 had
        closed the log (the browser's words went to /dev/null: 'no output')."""
        d = tempfile.mkdtemp(dir=self.tmp.name)
        fake = os.path.join(d, "fake-chromium")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'browser says: boom' >&2\nexit 3\n")
        os.chmod(fake, 0o755)
        for closed in ("<&-", "<&- >&-"):
            err = os.path.join(d, "err.txt")
            r = subprocess.run(["sh", "-c", 'exec "$0" bench report "$1" --pdf "$2" %s 2>"$3"'
                                % closed, BIN, self.runs, os.path.join(d, "x.pdf"), err],
                               env=dict(os.environ, BLANC_CHROMIUM=fake, TMPDIR=d), timeout=60)
            with open(err) as f:
                msg = f.read()
            self.assertEqual(r.returncode, 2, msg)
            self.assertIn("did not print a PDF", msg)
            self.assertIn("browser says: boom", msg, closed)

    def test_a_killed_blanc_takes_the_browser_with_it(self):
        """SIGKILL leaves blanc no chance to stop the browser itself: before the fix the
        browser went on running (a Chromium, hung or not, for as long as it liked). Now the
        kernel kills it when blanc dies (PR_SET_PDEATHSIG). The stand-in browser notes its
        pid and becomes `sleep 60` (exec: the same process, blanc's direct child)."""
        import signal
        import time
        d = tempfile.mkdtemp(dir=self.tmp.name)
        fake, pidfile = os.path.join(d, "fake-chromium"), os.path.join(d, "browser.pid")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho $$ > %s.tmp && mv %s.tmp %s\nexec sleep 60\n"
                    % (pidfile, pidfile, pidfile))
        os.chmod(fake, 0o755)

        def alive(pid):  # a zombie is gone: nothing may reap it once blanc is dead
            try:
                with open("/proc/%d/stat" % pid) as f:
                    return f.read().rsplit(")", 1)[1].split()[0] != "Z"
            except OSError:
                return False

        p = subprocess.Popen([BIN, "bench", "report", self.runs, "--pdf",
                              os.path.join(d, "report.pdf")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             env=dict(os.environ, BLANC_CHROMIUM=fake, TMPDIR=d))
        pid = None
        try:
            deadline = time.time() + 30
            while time.time() < deadline and p.poll() is None and not os.path.exists(pidfile):
                time.sleep(0.01)
            self.assertTrue(os.path.exists(pidfile), "the browser never started: " +
                            ("" if p.poll() is None else p.stderr.read()))
            with open(pidfile) as f:
                pid = int(f.read())
            p.kill()
            p.wait()
            deadline = time.time() + 5
            while time.time() < deadline and alive(pid):
                time.sleep(0.02)
            self.assertFalse(alive(pid), "the browser outlived a killed blanc")
        finally:
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stderr.close()
            if pid and alive(pid):  # this test's browser, if the fix is missing
                os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    unittest.main(verbosity=2)
