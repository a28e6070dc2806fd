#!/usr/bin/env python3
"""blanc replay --metrics-listen: scrape /metrics over HTTP while a replay runs (its input fed
through a pipe in two halves, so the scrape provably happens mid-replay), check the exposition
with promtool, the counters against the finished replay, and the errors.

Run: BLANC_BIN=build/blanc python3 tests/metrics_test.py
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

BIN = os.environ.get("BLANC_BIN", "build/blanc")


def scrape(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as r:
        return r.headers.get("Content-Type"), r.read().decode()


def value(text, name):
    m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
    return float(m.group(1)) if m else None


class Metrics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.day = os.path.join(cls.tmp.name, "day.itch")
        r = subprocess.run([BIN, "gen", "--seed", "3", "--messages", "2500k", "-o", cls.day],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        cls.final = json.loads(subprocess.run([BIN, "replay", cls.day, "--json"],
                                              capture_output=True, text=True).stdout)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def poll(self, port, ok, seconds=30):
        end = time.time() + seconds
        while time.time() < end:
            try:
                ctype, text = scrape(port)
                if ok(text):
                    return ctype, text
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.1)
        self.fail("no scrape satisfied the condition in %d s" % seconds)

    def test_scrape_during_and_after_a_replay(self):
        p = subprocess.Popen([BIN, "replay", "-", "--metrics-listen", "127.0.0.1:0",
                              "--metrics-linger", "3"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            with open(self.day, "rb") as f:
                data = f.read()
            half = len(data) * 3 // 5
            # The replay reads its first bytes (to tell the compression) before it starts
            # serving: feed the first part from a thread while this one waits for the port.
            feed = threading.Thread(target=lambda: (p.stdin.write(data[:half]), p.stdin.flush()))
            feed.start()
            line = p.stderr.readline().decode()
            port = int(re.search(r"127\.0\.0\.1:(\d+)/metrics", line).group(1))
            feed.join()
            # mid-replay: the input is not all there yet, so the replay cannot have finished
            ctype, mid = self.poll(port, lambda t: (value(t, "blanc_replay_messages_total") or 0) >= 1 << 20)
            self.assertTrue(ctype.startswith("text/plain; version=0.0.4"))
            self.assertLess(value(mid, "blanc_replay_messages_total"), self.final["messages"])
            self.assertLessEqual(value(mid, "blanc_replay_book_changes_total"),
                                 value(mid, "blanc_replay_messages_total"))
            if shutil.which("promtool"):
                c = subprocess.run(["promtool", "check", "metrics"], input=mid.encode(),
                                   capture_output=True)
                self.assertEqual(c.returncode, 0, c.stdout + c.stderr)
            p.stdin.write(data[half:])
            p.stdin.close()
            n = self.final["messages"]
            _, end = self.poll(port, lambda t: value(t, "blanc_replay_messages_total") == n)
            self.assertEqual(value(end, "blanc_replay_book_changes_total"), self.final["book_changes"])
            self.assertEqual(value(end, "blanc_replay_live_orders"), self.final["live_orders"])
            self.assertEqual(value(end, 'blanc_health_breaker_state{scope="global"}'), 0)
            self.assertEqual(value(end, 'blanc_health_messages_total{gate="published"}'), n)
            self.assertEqual(p.wait(timeout=30), 0)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()

    def test_bad_addresses(self):
        for addr in ("nonsense", "127.0.0.1", "localhost:9", "127.0.0.1:99999"):
            with self.subTest(addr=addr):
                r = subprocess.run([BIN, "replay", self.day, "--metrics-listen", addr],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 2)
                self.assertIn("--metrics-listen", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
