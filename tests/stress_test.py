#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Stress tests: the extremes of issue 13 replayed through `blanc replay --json`.

Each scenario is built here, message by message (struct.pack from docs/ITCH50.md), with
its expected end state computed alongside: live orders, price levels, instruments, per-type
counts, no anomalies. Each runs once at full size, where the peak resident set of the blanc
process (wait4's rusage) must stay under the bound documented in docs/PERFORMANCE.md
("Stress bounds"), and once scaled down to 1/40, where its digests must equal those of the
independent reference (tests/reference/book.py). Functional, not timed.

    /usr/bin/python3 tests/stress_test.py [--only NAME] [--keep DIR]
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import book as reference  # noqa: E402

BLANC = os.environ.get("BLANC_BIN", os.path.join(HERE, "..", "build", "blanc"))
T0 = 9 * 3600 * 10**9 + 30 * 60 * 10**9  # 09:30 in ns since midnight
MiB = 1 << 20
# ASan's shadow memory and quarantine multiply the resident set: the bounds are for a
# plain build, so a sanitizer build checks everything else and says it skipped them.
SANITIZED = os.environ.get("BLANC_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")


def ts6(t):
    return t.to_bytes(6, "big")


def frame(m):
    return struct.pack(">H", len(m)) + m


def msg_s(t, code):
    return frame(b"S" + struct.pack(">HH", 0, 0) + ts6(t) + code)


def msg_r(t, loc, sym):
    body = sym.ljust(8).encode() + b"Q" + b"N" + struct.pack(">I", 100) + b"N" + b"C" + b"  " \
        + b"P" + b"N" + b"N" + b"1" + b"N" + struct.pack(">I", 0) + b"N"
    m = b"R" + struct.pack(">HH", loc, 0) + ts6(t) + body
    assert len(m) == 39
    return frame(m)


def msg_a(t, loc, ref, side, shares, sym, price):
    m = b"A" + struct.pack(">HH", loc, 0) + ts6(t) + struct.pack(">Q", ref) + side \
        + struct.pack(">I", shares) + sym.ljust(8).encode() + struct.pack(">I", price)
    return frame(m)


def msg_d(t, loc, ref):
    return frame(b"D" + struct.pack(">HH", loc, 0) + ts6(t) + struct.pack(">Q", ref))


def msg_e(t, loc, ref, shares, match):
    return frame(b"E" + struct.pack(">HH", loc, 0) + ts6(t) + struct.pack(">QIQ", ref, shares, match))


class Day:
    """Messages and the expected outcome, kept side by side."""

    def __init__(self):
        self.parts = []
        self.by_type = {}
        self.t = T0

    def add(self, kind, data, dt=1000):
        self.parts.append(data)
        self.by_type[kind] = self.by_type.get(kind, 0) + 1
        self.t += dt

    def start(self, symbols):
        self.add("S", msg_s(self.t, b"O"))
        for loc, sym in symbols:
            self.add("R", msg_r(self.t, loc, sym), 0)

    def bytes(self):
        self.add("S", msg_s(self.t, b"C"))
        return b"".join(self.parts)


def refs_2_40(scale):
    """Refs spread over [1, 2^40): each order on its own 4,096-ref page and most past 2^33,
    so the paged index falls back to the keyed map. Half are deleted, a quarter executed
    in part."""
    n = 1_000_000 // scale
    d = Day()
    d.start([(1, "WIDE")])
    mult = 0x9E3779B97F  # odd: i -> i * mult mod 2^40 is a bijection, so refs are distinct
    refs = [((i * mult) % (1 << 40)) or (1 << 40) - 1 for i in range(1, n + 1)]
    live = {}
    for i, ref in enumerate(refs):
        side = b"B" if i % 2 else b"S"
        price = 100_000 - 1 - (i % 100) if side == b"B" else 100_000 + (i % 100)
        d.add("A", msg_a(d.t, 1, ref, side, 100, "WIDE", price))
        live[ref] = (side, price, 100)
    for i, ref in enumerate(refs):
        if i % 2 == 0:
            d.add("D", msg_d(d.t, 1, ref))
            del live[ref]
        elif i % 4 == 1:
            d.add("E", msg_e(d.t, 1, ref, 40, i))
            s, p, q = live[ref]
            live[ref] = (s, p, q - 40)
    levels = len({(s, p) for s, p, _ in live.values()})
    return d, {"live_orders": len(live), "levels": levels, "instruments": 1, "peak_orders": n}


def instruments_65535(scale):
    """65,535 instruments (every locate from 1), four orders each (two a side), then one
    bid of each deleted; at 1/scale, 65,535 / scale instruments."""
    k = 65_535 // scale
    d = Day()
    syms = [(loc, "S%05d" % loc) for loc in range(1, k + 1)]
    d.start(syms)
    ref = 0
    first_bid = {}
    for loc, sym in syms:
        for j, (side, price) in enumerate(((b"B", 10_000), (b"B", 9_900), (b"S", 10_100), (b"S", 10_100))):
            ref += 1
            if j == 0:
                first_bid[loc] = ref
            d.add("A", msg_a(d.t, loc, ref, side, 100 + j, sym, price))
    for loc, _ in syms:
        d.add("D", msg_d(d.t, loc, first_bid[loc]))
    # left per instrument: one bid level (9_900) and one ask level (10_100, two orders)
    return d, {"live_orders": 3 * k, "levels": 2 * k, "instruments": k, "peak_orders": 4 * k}


def one_level_1m(scale):
    """1M orders at one price (one FIFO queue), the middle half deleted (from the centre
    outward, so every delete unlinks from inside the queue), then the front executed."""
    n = 1_000_000 // scale
    d = Day()
    d.start([(7, "DEEP")])
    for ref in range(1, n + 1):
        d.add("A", msg_a(d.t, 7, ref, b"B", 10, "DEEP", 500_000))
    lo, hi = n // 4, 3 * n // 4  # delete refs lo+1 .. hi
    mid = (lo + hi) // 2
    order = []
    for k in range(hi - lo):
        order.append(mid - k // 2 if k % 2 == 0 else mid + 1 + k // 2)
    assert sorted(order) == list(range(lo + 1, hi + 1))
    for ref in order:
        d.add("D", msg_d(d.t, 7, ref))
    # execute the first 1,000 in time priority: refs 1..1000 fully, by their refs
    for ref in range(1, 1001):
        d.add("E", msg_e(d.t, 7, ref, 10, ref))
    live = n - (hi - lo) - 1000
    return d, {"live_orders": live, "levels": 1, "instruments": 1, "peak_orders": n}


def levels_1m(scale):
    """1M bids each at its own price, added at ever worse prices (the old sorted array's
    worst case), then every other one deleted from the best down."""
    n = 1_000_000 // scale
    d = Day()
    d.start([(3, "LADDER")])
    for i in range(n):
        d.add("A", msg_a(d.t, 3, i + 1, b"B", 100, "LADDER", 2_000_000 - i))
    for i in range(0, n, 2):
        d.add("D", msg_d(d.t, 3, i + 1))
    return d, {"live_orders": n // 2, "levels": n // 2, "instruments": 1, "peak_orders": n}


def burst_1m(scale):
    """1M messages inside one feed millisecond (1 ns apart): adds and deletes on 16
    instruments; what is left is every fourth add."""
    n = 1_000_000 // scale
    d = Day()
    d.start([(loc, "B%d" % loc) for loc in range(1, 17)])
    d.t = T0 + 10**9
    ref = 0
    live = []
    while len(d.parts) < n:
        ref += 1
        loc = 1 + ref % 16
        d.add("A", msg_a(d.t, loc, ref, b"B" if ref % 2 else b"S", 100,
                         "B%d" % loc, 10_000 + (ref % 50) * (1 if ref % 2 else -1) + (0 if ref % 2 else 100)),
              dt=1)
        if ref % 4:
            d.add("D", msg_d(d.t, loc, ref), dt=1)
        else:
            live.append(ref)
    assert d.t - (T0 + 10**9) < 10**6  # all inside one millisecond, the closing S too
    levels = {(1 + r % 16, r % 2, r % 50) for r in live}
    in_ms = len(d.parts) - 1 - 16 + 1  # all but the opening S and the directory, plus the closing S
    return d, {"live_orders": len(live), "levels": len(levels), "instruments": 16, "peak_orders": None,
               "peak_per_ms": in_ms}


# Peak RSS bounds of the blanc process at full size (docs/PERFORMANCE.md, "Stress bounds").
SCENARIOS = {
    "refs_2_40": (refs_2_40, 160 * MiB),
    "instruments_65535": (instruments_65535, 160 * MiB),
    "one_level_1m": (one_level_1m, 96 * MiB),
    "levels_1m": (levels_1m, 160 * MiB),
    "burst_1m": (burst_1m, 64 * MiB),
}


def run_blanc_rss(path):
    """The same, started with os.fork/exec so wait4 sees this child alone."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.dup2(w, 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(r)
        os.execv(BLANC, [BLANC, "replay", "--json", path])
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 1 << 16)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status, ru = os.wait4(pid, 0)
    return os.waitstatus_to_exitcode(status), json.loads(b"".join(chunks)), ru.ru_maxrss * 1024


def make_file(name, scale, path, with_reference):
    """In a child process (so the parent, which starts blanc, stays small: a forked child
    starts with its parent's resident set and wait4 would count it): write the day and
    print what is expected of it."""
    day, want = SCENARIOS[name][0](scale)
    data = day.bytes()
    with open(path, "wb") as f:
        f.write(data)
    out = {"want": want, "by_type": day.by_type}
    if with_reference:
        ref = reference.replay(data, "binaryfile", False, False)
        out["ref"] = {"digests": ref["digests"], "live_orders": ref["live_orders"],
                      "levels": ref["levels"]}
    json.dump(out, sys.stdout)


def made(name, scale, path, with_reference):
    cmd = [sys.executable, os.path.abspath(__file__), "--make", name, "--scale", str(scale),
           "--out", path] + (["--reference"] if with_reference else [])
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)


def check_counts(name, got, m):
    want, by_type = m["want"], m["by_type"]
    errors = []
    for key in ("live_orders", "levels", "instruments", "peak_orders"):
        if want[key] is not None and got[key] != want[key]:
            errors.append("%s: %s %s, expected %s" % (name, key, got[key], want[key]))
    if "peak_per_ms" in want:  # the health tracker saw the whole burst in one millisecond
        peak = got["health"]["detectors"]["burst"]["peak_per_ms"]
        if peak != want["peak_per_ms"]:
            errors.append("%s: peak_per_ms %s, expected %s" % (name, peak, want["peak_per_ms"]))
    if got["anomalies_total"] != 0:
        errors.append("%s: anomalies %s" % (name, got["anomalies"]))
    for t, c in by_type.items():
        if got["by_type"].get(t, 0) != c:
            errors.append("%s: by_type %s = %s, expected %s" % (name, t, got["by_type"].get(t), c))
    if got["messages"] != sum(by_type.values()):
        errors.append("%s: messages %s" % (name, got["messages"]))
    return errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--keep")
    ap.add_argument("--make")
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--reference", action="store_true")
    a = ap.parse_args()
    if a.make:
        make_file(a.make, a.scale, a.out, a.reference)
        return 0
    tmp = a.keep or tempfile.mkdtemp(prefix="blanc_stress_")
    os.makedirs(tmp, exist_ok=True)
    errors = []
    for name, (make, bound) in SCENARIOS.items():
        if a.only and name != a.only:
            continue
        # Full size: counts and the memory bound.
        path = os.path.join(tmp, name + ".itch")
        m = made(name, 1, path, False)
        rc, got, rss = run_blanc_rss(path)
        errors += check_counts(name, got, m)
        if rc != 0:
            errors.append("%s: exit %d" % (name, rc))
        if rss > bound and not SANITIZED:
            errors.append("%s: peak RSS %.1f MiB over the bound %.0f MiB" % (name, rss / MiB, bound / MiB))
        print("%-18s %8d messages  peak RSS %6.1f MiB (bound %d%s)  live %d  levels %d" %
              (name, got["messages"], rss / MiB, bound // MiB,
               ", not checked: sanitizer build" if SANITIZED else "", got["live_orders"], got["levels"]))
        if not a.keep:
            os.unlink(path)
        # 1/40: digests against the reference.
        path = os.path.join(tmp, name + ".small.itch")
        m = made(name, 40, path, True)
        rc, got, _ = run_blanc_rss(path)
        errors += check_counts(name + "/40", got, m)
        for k in ("l3", "l2", "stream"):
            if got["digests"][k] != m["ref"]["digests"][k]:
                errors.append("%s/40: digest %s %s, reference %s" % (name, k, got["digests"][k], m["ref"]["digests"][k]))
        for k in ("live_orders", "levels"):
            if got[k] != m["ref"][k]:
                errors.append("%s/40: %s %s, reference %s" % (name, k, got[k], m["ref"][k]))
        if not a.keep:
            os.unlink(path)
    if not a.keep:
        os.rmdir(tmp)
    for e in errors:
        print("FAIL", e)
    n = len(SCENARIOS) if not a.only else 1
    failed = len({e.split(":")[0].split("/")[0] for e in errors})
    print("%d passed, %d failed" % (n - failed, failed))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
