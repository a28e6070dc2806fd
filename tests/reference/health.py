#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Independent reference model of Blanc's feed health and circuit breaker.

Written from docs/HEALTH.md only (plus docs/SEMANTICS.md for message indexing and anomalies),
without looking at the C engine. Python 3.11 standard library only. It drives the reference
replay (book.py) and follows, observation by observation, HEALTH.md sections 2-8.

    python3 tests/reference/health.py FILE [--framing binaryfile|fixed] [--strict]
        [--config TOML] [--reset-at N|HH:MM:SS[.nnn]]... [--journal OUT]

writes the decision journal (JSON lines, HEALTH.md section 8) to OUT ('-' = stdout) and prints
one JSON summary line (sorted keys) on stdout, or on stderr when the journal goes to stdout.
Importable: health(data, framing, strict, config, reset_at) -> (journal_lines, summary).
"""

import json
import os
import re
import sys
import tomllib
from collections import deque

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)
import book  # noqa: E402

# -- HEALTH.md section 5: states, healthy to worst ------------------------------------------
FUSE, LOCAL, FEEDER, MAIN, KILL = range(5)
STATE_NAMES = ("fuse", "local", "feeder", "main", "kill")

# detectors, in journal order (section 8); burst is measured but is no breaker input (section 4)
GAP, CORRUPT, SKEW = range(3)
DETECTORS = ("gap", "corrupt", "skew")
DAY_NS = 86_400_000_000_000   # section 2: no ITCH timestamp reaches 24:00

# section 2: the anomaly keys behind each event
GAP_KEYS = frozenset(("unknown_ref", "no_directory"))
CORRUPT_KEYS = frozenset(("truncated", "bad_length", "zero_length",
                          "stream_cut", "bad_field", "dup_ref", "overfill", "dir_conflict"))

U64_MAX = (1 << 64) - 1
GLOBAL = 0  # scope key of the global breaker (locate 0 is never an instrument)


class ConfigError(ValueError):
    """A refused configuration (message starts with 'LINE: ' when a line is known)."""


# -- configuration (section 7) ---------------------------------------------------------------

def default_config():
    return {
        "window_messages": 1000000,
        "quiet_messages": 100000,
        "thresholds": {
            "gap": [5, 50, 200, 1000],
            "corrupt": [1, 10, 50, 500],
            "skew": [5, 20, 100, 0],
        },
        "skew": {},
        "burst": {"factor": 8, "min_messages": 16, "baseline_shift": 10, "min_run_ms": 2},
        "reset": {"events": "O", "at_index": [], "at_time": []},
    }


TIME_RE = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?$")


def parse_time(text):
    """'HH:MM:SS[.fraction]' (fraction up to 9 digits) -> ns since midnight."""
    m = TIME_RE.match(text)
    if m is None:
        raise ValueError("bad time %r (expected HH:MM:SS[.nnnnnnnnn])" % text)
    hh, mm, ss = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if hh > 23 or mm > 59 or ss > 59:
        raise ValueError("bad time %r (out of range)" % text)
    frac = (m.group(4) or "").ljust(9, "0")
    return ((hh * 60 + mm) * 60 + ss) * 1_000_000_000 + int(frac)


def _key_line(text, section, key):
    """Line number (1-based) of `key = ...` in [section] ('' = top level), or 0."""
    cur = ""
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        h = re.match(r"^\[\s*([A-Za-z0-9_-]+)\s*\]", s)
        if h:
            cur = h.group(1)
            if section and cur == section and not key:
                return n
            continue
        if cur == section and re.match(r"^%s\s*=" % re.escape(key), s):
            return n
    if not section and key:
        return _key_line(text, key, "")   # an unknown [section]
    return 0


def _strip_comment(line):
    """The line without a trailing # comment (quotes are respected; no escapes exist)."""
    out = []
    quote = None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out)


def load_config(text):
    """Parse a section 7 config text; returns the full config dict (defaults + file).

    Raises ConfigError (message 'LINE: reason') for anything refused; nothing is applied.
    """
    # numbers are unsigned decimal integers: refuse signs, hex/octal/binary, floats
    for n, line in enumerate(text.splitlines(), 1):
        body = _strip_comment(line)
        if "=" not in body:
            continue
        value = body.split("=", 1)[1]
        value = re.sub(r"\"[^\"]*\"|'[^']*'", '""', value)
        for tok in re.findall(r"[^\s,\[\]{}=]+", value):
            if tok == '""':
                continue
            if not re.fullmatch(r"[0-9](?:_?[0-9])*", tok):
                raise ConfigError("%d: bad number %r (unsigned decimal integer expected)"
                                  % (n, tok))
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"line (\d+)", str(e))
        raise ConfigError("%s: %s" % (m.group(1) if m else "0", e)) from None

    cfg = default_config()

    def fail(section, key, why):
        raise ConfigError("%d: %s" % (_key_line(text, section, key), why))

    def uint(section, key, v):
        if type(v) is not int or v < 0 or v > U64_MAX:
            fail(section, key, "%s: unsigned integer expected" % key)
        return v

    sections = {"thresholds": ("gap", "corrupt", "skew"),
                "skew": (),
                "burst": ("factor", "min_messages", "baseline_shift", "min_run_ms"),
                "reset": ("events", "at_index", "at_time")}
    for key, v in doc.items():
        if key in ("window_messages", "quiet_messages"):
            cfg[key] = uint("", key, v)
            continue
        if key not in sections:
            fail("", key, "unknown key or section %r" % key)
        if not isinstance(v, dict):
            fail("", key, "%r must be a section" % key)
        for sub, sv in v.items():
            # section 7: keys of earlier versions, refused with the reason
            if (key, sub) == ("thresholds", "burst"):
                fail(key, sub, "thresholds.burst is no longer accepted: burst never gates")
            if (key, sub) == ("skew", "jump_ns"):
                fail(key, sub, "skew.jump_ns is no longer accepted: a forward jump is no event")
            if sub not in sections[key]:
                fail(key, sub, "unknown key %r in [%s]" % (sub, key))
            if key == "thresholds":
                if (not isinstance(sv, list) or len(sv) != 4):
                    fail(key, sub, "%s: four thresholds expected" % sub)
                sv = [uint(key, sub, x) for x in sv]
                nz = [x for x in sv if x != 0]
                if nz != sorted(nz):
                    fail(key, sub, "%s: thresholds must not decrease" % sub)
                if sub == "skew" and sv[3] != 0:
                    fail(key, sub, "skew: the Kill threshold must be 0 (section 5)")
                cfg[key][sub] = sv
            elif key == "reset" and sub == "events":
                if not isinstance(sv, str) or any(ord(c) > 255 for c in sv):
                    fail(key, sub, "events: a string of event codes expected")
                cfg[key][sub] = sv
            elif key == "reset" and sub == "at_index":
                if not isinstance(sv, list):
                    fail(key, sub, "at_index: an array expected")
                cfg[key][sub] = [uint(key, sub, x) for x in sv]
            elif key == "reset" and sub == "at_time":
                if not isinstance(sv, list) or not all(isinstance(x, str) for x in sv):
                    fail(key, sub, "at_time: an array of strings expected")
                for x in sv:
                    try:
                        parse_time(x)
                    except ValueError as e:
                        fail(key, sub, str(e))
                cfg[key][sub] = list(sv)
            else:
                cfg[key][sub] = uint(key, sub, sv)
    if cfg["window_messages"] == 0:
        fail("", "window_messages", "window_messages must be at least 1")
    if cfg["burst"]["baseline_shift"] > 32:
        fail("burst", "baseline_shift", "baseline_shift must be at most 32")
    return cfg


# -- the tracker (sections 2-6) ---------------------------------------------------------------

def decay(b, k, s):
    """b x (1 - 2^-s)^k in 32-bit fixed point (section 4)."""
    p = (1 << 32) - (1 << (32 - s))
    q = 1 << 32
    while k:
        if k & 1:
            q = (q * p) >> 32
        k >>= 1
        p = (p * p) >> 32
    return (b * q) >> 32


class Health:
    def __init__(self, cfg, replay, reset_at=()):
        self.replay = replay
        self.W = cfg["window_messages"]
        self.Q = cfg["quiet_messages"]
        th = cfg["thresholds"]
        self.th = (tuple(th["gap"]), tuple(th["corrupt"]), tuple(th["skew"]))
        self.min_run = cfg["burst"]["min_run_ms"]
        self.factor = cfg["burst"]["factor"]
        self.min_messages = cfg["burst"]["min_messages"]
        self.s = cfg["burst"]["baseline_shift"]
        rs = cfg["reset"]
        self.reset_codes = frozenset(ord(c) for c in rs["events"])
        self.reset_index = set(rs["at_index"])
        times = [parse_time(t) for t in rs["at_time"]]
        for r in reset_at:
            if isinstance(r, int):
                self.reset_index.add(r)
            else:
                times.append(parse_time(r))
        self.reset_times = sorted(times)   # not yet fired (each resets once)

        # skew marks (section 2)
        self.G = None
        self.H = {}
        self.max_back = 0
        # windows (section 3): (index, (gap, corrupt, skew), locate or 0) of observations
        # that had an event, oldest first
        self.window = deque()
        self.gcount = [0, 0, 0]
        self.icount = {}
        # burst (section 4)
        self.b_started = False
        self.m0 = self.n = self.b = self.w = 0
        self.hot = False
        self.R = 0
        self.longest = 0
        self.peak = 0
        self.bursts = 0
        # breakers (section 5): scope key GLOBAL or a locate
        self.state = {GLOBAL: FUSE}
        self.worst = {GLOBAL: FUSE}
        self.timer = {}                   # scope -> due index
        # results
        self.journal = []                 # line dicts
        self.events = [0, 0, 0]
        self.resets = 0
        self.published = 0
        self.gated = 0
        self.first_gated = None

    # -- values ---------------------------------------------------------------------------
    def counts(self, scope):
        if scope == GLOBAL:
            return self.gcount
        return self.icount.get(scope, (0, 0, 0))

    def levels(self, scope):
        """[(detector, level, threshold, value)] for each detector of the scope, and the
        values dict (rates in ppm). Burst is not among them (section 4)."""
        W = self.W
        out = []
        values = {}
        c3 = self.counts(scope)
        for d in (GAP, CORRUPT, SKEW):
            c = c3[d]
            rate = c * 1_000_000 // W
            values[DETECTORS[d]] = rate
            lvl, thr = 0, 0
            for k in range(4, 0, -1):
                T = self.th[d][k - 1]
                if T != 0 and c * 1_000_000 >= T * W:
                    lvl, thr = k, T
                    break
            out.append((d, lvl, thr, rate))
        return out, values

    def target(self, scope):
        lv, _ = self.levels(scope)
        return max(x[1] for x in lv)

    def line(self, i, scope, frm, to, cause):
        lv, values = self.levels(scope)
        obj = {"index": i, "ts": None, "scope": "global" if scope == GLOBAL else "instrument"}
        if scope != GLOBAL:
            obj["locate"] = scope
            inst = self.replay.instruments.get(scope)
            if inst is not None:
                obj["symbol"] = inst.symbol.decode("latin-1").rstrip(" ")
        obj["from"] = STATE_NAMES[frm]
        obj["to"] = STATE_NAMES[to]
        obj["cause"] = cause
        obj["values"] = values
        crossed = []
        if cause != "recover":
            for d, lvl, thr, val in lv:
                if lvl:
                    crossed.append({"detector": DETECTORS[d], "level": STATE_NAMES[lvl],
                                    "threshold": thr, "value": val})
        obj["crossed"] = crossed
        return obj

    def set_state(self, scope, to):
        self.state[scope] = to
        if to > self.worst.get(scope, FUSE):
            self.worst[scope] = to

    # -- one observation --------------------------------------------------------------------
    def observe(self, i, decoded, ts, locate, anoms, code):
        is_message = i < self.replay.messages   # the end-of-input observation is at N
        has_inst = decoded and locate != 0
        lines = []

        # 1. reset
        reset = False
        if decoded and code is not None and code in self.reset_codes:
            reset = True
        if i in self.reset_index:
            reset = True
        if decoded and self.reset_times and ts >= self.reset_times[0]:
            while self.reset_times and ts >= self.reset_times[0]:
                self.reset_times.pop(0)
            reset = True
        if reset:
            self.do_reset(i, lines)

        # 2. expire
        touched = set()
        W = self.W
        while self.window and self.window[0][0] <= i - W:
            _, ev, L = self.window.popleft()
            ic = self.icount.get(L) if L else None
            for d in (GAP, CORRUPT, SKEW):
                if ev[d]:
                    self.gcount[d] -= 1
                    if ic is not None:
                        ic[d] -= 1
            touched.add(GLOBAL)
            if L:
                touched.add(L)

        # 3. count
        gap = bool(anoms & GAP_KEYS)
        corrupt = bool(anoms & CORRUPT_KEYS)
        skew = False
        if decoded and ts >= DAY_NS:
            # condition 2: past midnight; no mark moves, burst counts it in m0 once started
            skew = True
            if self.G is not None:
                self.burst_step(self.m0)
        elif decoded:
            G = self.G
            if G is not None and ts < G:
                skew = True
                self.max_back = max(self.max_back, G - ts)
            if has_inst:
                h = self.H.get(locate)
                if h is not None and ts < h:
                    skew = True
                self.H[locate] = ts if h is None else max(h, ts)
            self.G = ts if G is None else max(G, ts)
            self.burst_step(self.G // 1_000_000)
        ev = (gap, corrupt, skew)
        if gap or corrupt or skew:
            L = locate if has_inst else 0
            self.window.append((i, ev, L))
            if L:
                ic = self.icount.setdefault(L, [0, 0, 0])
            for d in (GAP, CORRUPT, SKEW):
                if ev[d]:
                    self.events[d] += 1
                    self.gcount[d] += 1
                    if L:
                        ic[d] += 1
            touched.add(GLOBAL)
            if L:
                touched.add(L)

        # 4. decide
        for scope in sorted(touched):
            st = self.state.get(scope, FUSE)
            tg = self.target(scope)
            if tg > st:
                lines.append(self.line(i, scope, st, tg, "escalate"))
                self.set_state(scope, tg)
                st = tg
            if st == LOCAL and tg < LOCAL:
                if scope not in self.timer:
                    self.timer[scope] = i + self.Q
            if tg >= st:
                self.timer.pop(scope, None)

        # 5. recover
        for scope in sorted(s for s, due in self.timer.items() if due == i):
            del self.timer[scope]
            st = self.state.get(scope, FUSE)
            tg = self.target(scope)
            lines.append(self.line(i, scope, st, tg, "recover"))
            self.set_state(scope, tg)

        # journal: ts is G after the observation
        ts_after = self.G if self.G is not None else 0
        for obj in lines:
            obj["ts"] = ts_after
        self.journal.extend(lines)

        # 6. gate
        if is_message:
            ok = self.state[GLOBAL] <= LOCAL
            if has_inst and self.state.get(locate, FUSE) > LOCAL:
                ok = False
            if ok:
                self.published += 1
            else:
                self.gated += 1
                if self.first_gated is None:
                    self.first_gated = i

    def do_reset(self, i, lines):
        """Section 6: empty the windows, disarm the timers, non-Kill scopes take their target."""
        self.resets += 1
        self.window.clear()
        self.gcount = [0, 0, 0]
        self.icount = {}
        self.timer = {}
        for scope in sorted(self.state):
            st = self.state[scope]
            if st == KILL:
                continue
            tg = self.target(scope)   # Fuse: the windows are empty
            if tg != st:
                lines.append(self.line(i, scope, st, tg, "reset"))
                self.set_state(scope, tg)

    def burst_step(self, m):
        """Section 4 for one decoded message in millisecond m (m = floor(G / 1e6))."""
        s = self.s
        if not self.b_started:
            self.b_started = True
            self.m0, self.n, self.b, self.w, self.hot, self.R = m, 0, 0, 0, False, 0
        elif m > self.m0:
            b = self.b
            self.b = b - (b >> s) + ((self.n << 16) >> s)
            if not self.hot:
                self.R = 0
            self.w += 1
            k = m - self.m0 - 1
            if k > (32 << s):
                self.b = 0
                self.w = 0
            else:
                self.b = decay(self.b, k, s)
                self.w += k
            if k >= 1:
                self.R = 0
            self.m0, self.n, self.hot = m, 0, False
        self.n += 1
        if self.n > self.peak:
            self.peak = self.n
        if (not self.hot and self.n >= self.min_messages and self.w >= (1 << s)
                and (self.n << 16) >= self.factor * self.b):
            self.hot = True
            self.R += 1
            if self.R > self.longest:
                self.longest = self.R
            if self.min_run != 0 and self.R == self.min_run:
                self.bursts += 1

    # -- results ---------------------------------------------------------------------------
    def journal_lines(self):
        return [json.dumps(obj, separators=(",", ":")) for obj in self.journal]

    def summary(self):
        inst_worst = {"local": 0, "feeder": 0, "main": 0, "kill": 0}
        for scope, wst in self.worst.items():
            if scope != GLOBAL and wst != FUSE:
                inst_worst[STATE_NAMES[wst]] += 1
        return {
            "published": self.published,
            "gated": self.gated,
            "first_gated": self.first_gated,
            "global_state": STATE_NAMES[self.state[GLOBAL]],
            "global_worst": STATE_NAMES[self.worst[GLOBAL]],
            "instruments_worst": inst_worst,
            "transitions": len(self.journal),
            "resets": self.resets,
            "events": {"gap": self.events[GAP], "corrupt": self.events[CORRUPT],
                       "skew": self.events[SKEW]},
            "max_backward_ns": self.max_back,
            "longest_burst_ms": self.longest,
            "peak_msgs_per_ms": self.peak,
            "bursts": self.bursts,
        }


def health(data, framing="binaryfile", strict=False, config=None, reset_at=()):
    """Replay raw file content (plain, gzip or zstd) with health tracking.

    config: None (defaults), a config dict as returned by load_config(), or TOML text.
    reset_at: index reset points (int) and/or feed times ('HH:MM:SS[.nnn]').
    Returns (journal_lines, summary_dict); journal lines have no trailing newline.
    """
    if config is None:
        cfg = default_config()
    elif isinstance(config, str):
        cfg = load_config(config)
    else:
        cfg = config
    buf, cut = book.load_input(bytes(data))
    r = book.Replay(strict)
    h = Health(cfg, r, reset_at)
    r.observer = h.observe
    r.run(buf, framing, cut)
    return h.journal_lines(), h.summary()


def parse_reset_at(text):
    if ":" in text:
        parse_time(text)  # validate
        return text
    if re.fullmatch(r"[0-9]+", text):
        return int(text)
    raise ValueError("--reset-at %r: expected a message index or HH:MM:SS[.nnn]" % text)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Blanc reference feed-health model")
    ap.add_argument("file", help="input file, or - for stdin")
    ap.add_argument("--framing", choices=["binaryfile", "fixed"], default="binaryfile")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--config", metavar="TOML")
    ap.add_argument("--reset-at", action="append", default=[], metavar="N|HH:MM:SS[.nnn]")
    ap.add_argument("--journal", metavar="OUT", help="journal file, or - for stdout")
    args = ap.parse_args(argv)
    try:
        reset_at = [parse_reset_at(x) for x in args.reset_at]
    except ValueError as e:
        ap.error(str(e))
    cfg = default_config()
    if args.config:
        try:
            with open(args.config, "rb") as f:
                text = f.read().decode("utf-8")
            cfg = load_config(text)
        except (OSError, UnicodeDecodeError) as e:
            sys.stderr.write("health.py: %s: %s\n" % (args.config, e))
            return 2
        except ConfigError as e:
            sys.stderr.write("health.py: %s:%s\n" % (args.config, e))
            return 2
    if args.file == "-":
        raw = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            raw = f.read()
    lines, summary = health(raw, args.framing, args.strict, cfg, reset_at)
    text = "".join(line + "\n" for line in lines)
    out = sys.stdout
    if args.journal == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        out = sys.stderr
    elif args.journal:
        tmp = args.journal + ".tmp"
        with open(tmp, "w", encoding="ascii", newline="\n") as f:
            f.write(text)
        os.replace(tmp, args.journal)
    out.write(json.dumps(summary, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
