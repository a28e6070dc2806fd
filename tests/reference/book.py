#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Independent reference replay of ITCH 5.0 streams (Blanc differential test).

Written from docs/SEMANTICS.md, docs/DIGEST.md and docs/ITCH50.md only, without
looking at the C engine. Python 3.11 standard library only; simple rather than fast.

    python3 tests/reference/book.py FILE [--framing binaryfile|fixed] [--strict] [--dump-books]
        [--snapshot-at N|end ... --snapshot-out DIR]

prints one JSON object (sorted keys). Importable: replay(data, framing, strict, dump_books).
With --snapshot-at it also writes canonical JSON snapshots (docs/SNAPSHOT.md) to
DIR/snap-iN.json and DIR/snap-end.json; importable as snapshots(data, cuts, framing, strict).
"""

import json
import os
import re
import struct
import subprocess
import sys
import zlib

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = 0xFFFFFFFFFFFFFFFF

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

# docs/ITCH50.md, "Message types (23) and lengths"
FIXED_LENGTH = {
    "S": 12, "R": 39, "H": 25, "Y": 20, "L": 26, "V": 35, "W": 12, "K": 28,
    "J": 35, "h": 21, "A": 36, "F": 40, "E": 31, "C": 36, "X": 23, "D": 19,
    "U": 35, "P": 44, "Q": 40, "B": 19, "I": 50, "N": 20, "O": 48,
}
# the same table keyed by the type byte's integer value
FIXED_LENGTH_BY_BYTE = {ord(t): n for t, n in FIXED_LENGTH.items()}

SIDE_B = ord("B")
SIDE_S = ord("S")

# docs/SEMANTICS.md section 4, in that order
ANOMALY_KEYS = ("truncated", "bad_length", "unknown_type", "zero_length", "stream_cut",
                "unknown_ref", "overfill", "dup_ref", "no_directory", "bad_field",
                "dir_conflict", "time_backwards",
                # transport anomalies (docs/FEEDS.md): a BinaryFILE never has them
                "bad_packet", "seq_gap")

# snapshot stop_error when --strict stopped the replay (BLANC_ESTRICT, value from the brief
# of this reference: the docs name the error but not its number)
E_STRICT = -20


# ---------------------------------------------------------------------------
# hashing helpers (docs/DIGEST.md, "Building blocks")

def fnv1a64(data, h=FNV_OFFSET):
    for b in data:
        h = ((h ^ b) * FNV_PRIME) & MASK64
    return h


def fold(s, w):
    return ((s ^ w) * FNV_PRIME) & MASK64


def le32(x):
    return struct.pack("<I", x)


def le64(x):
    return struct.pack("<Q", x)


def xxh3_hex(data):
    """XXH3-64 (seed 0) of data as 16 hex digits, by the xxhsum command (no stdlib XXH3)."""
    out = subprocess.run(["xxhsum", "-H3"], input=data, stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    # xxhsum 0.8: "XXH3 (stdin) = 78af5f94892f3950"; older: "78af5f94892f3950  stdin"
    m = re.search(r"\b([0-9a-f]{16})\b", out)
    if m is None:
        raise RuntimeError("cannot parse xxhsum output %r" % out)
    return m.group(1)


# ---------------------------------------------------------------------------
# input: plain, gzip (concatenated members) or zstd, chosen by magic bytes

def gunzip_tolerant(raw):
    """Decompress concatenated gzip members.

    Returns (decompressed bytes, cut). cut is True when the stream is corrupt or
    ends inside a member; the bytes are then everything decoded before the failure.
    On an error the failing 64 KiB chunk is re-fed one byte at a time, so that as
    much output as zlib can produce before detecting the damage is kept.
    """
    chunk_size = 1 << 16
    out = bytearray()
    pos = 0
    n = len(raw)
    d = zlib.decompressobj(31)
    member_has_input = False
    slow_until = 0
    while pos < n:
        step = 1 if pos < slow_until else chunk_size
        chunk = raw[pos:pos + step]
        saved = d.copy()
        try:
            got = d.decompress(chunk)
        except zlib.error:
            if step > 1:
                d = saved
                slow_until = pos + step
                continue
            return bytes(out), True
        out += got
        if d.eof:
            pos += len(chunk) - len(d.unused_data)
            d = zlib.decompressobj(31)  # next member, if any bytes remain
            member_has_input = False
        else:
            pos += len(chunk)
            member_has_input = True
    return bytes(out), member_has_input


def unzstd_tolerant(raw):
    """Decompress with the zstd command. Returns (bytes, cut)."""
    proc = subprocess.run(["zstd", "-dc", "-q"], input=raw,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return proc.stdout, proc.returncode != 0


def load_input(raw):
    """Returns (stream bytes, cut) for raw file content."""
    if raw[:2] == GZIP_MAGIC:
        return gunzip_tolerant(raw)
    if raw[:4] == ZSTD_MAGIC:
        return unzstd_tolerant(raw)
    return raw, False


# ---------------------------------------------------------------------------
# the book

class Instrument:
    def __init__(self, symbol, locate):
        self.symbol = symbol          # 8 bytes as sent in R
        self.locate = locate
        self.trading_state = None
        self.orders = {}              # ref -> [side byte, price, shares]
        # side byte -> {price -> {ref -> shares}}; dicts keep insertion order,
        # which is exactly queue (time-priority) order.
        self.levels = {SIDE_B: {}, SIDE_S: {}}
        self.s = FNV_OFFSET           # stream digest state
        self.n = 0                    # book-changing messages

    def add(self, ref, side, price, shares):
        self.orders[ref] = [side, price, shares]
        level = self.levels[side].setdefault(price, {})
        level[ref] = shares  # a new key joins the tail

    def remove(self, ref):
        side, price, _ = self.orders.pop(ref)
        side_levels = self.levels[side]
        level = side_levels[price]
        del level[ref]
        if not level:
            del side_levels[price]

    def set_shares(self, ref, shares):
        order = self.orders[ref]
        order[2] = shares
        self.levels[order[0]][order[1]][ref] = shares  # existing key keeps its place

    def record(self, *words):
        s = self.s
        for w in words:
            s = fold(s, w)
        self.s = s
        self.n += 1

    def sorted_side(self, side):
        """[(price, {ref: shares}), ...] best first."""
        prices = sorted(self.levels[side], reverse=(side == SIDE_B))
        return [(p, self.levels[side][p]) for p in prices]


class StopReplay(Exception):
    pass


class CutError(ValueError):
    """A snapshot cut N beyond the final message count (docs/SNAPSHOT.md: exit 2)."""


class Replay:
    def __init__(self, strict):
        self.strict = strict
        self.instruments = {}     # locate -> Instrument
        self.symbol_owner = {}    # symbol -> locate
        self.anomalies = {}       # key -> {"count", "first_offset", "first_index"}
        self.by_type = {}
        self.messages = 0
        self.book_changes = 0
        self.prev_ts = None
        self.ended_by_session_marker = False
        self.stopped_by = None
        self.stop_error = 0
        # for snapshots (docs/SNAPSHOT.md)
        self.framing = "binaryfile"
        self.buf = b""
        self.consumed = 0         # input bytes consumed by the replay
        self.first_ts = 0
        self.last_ts = 0
        self.have_ts = False
        self.live = 0             # live orders, all instruments
        self.peak = 0
        self.pending = set()      # message-index cuts not yet taken
        self.snaps = {}           # cut (int or "end") -> document dict
        self.bad_cuts = []        # cuts N > final messages: not taken
        # optional observer (tests/reference/health.py): called once per frame after its
        # handling, and once for an end-of-input anomaly, as
        # observer(index, decoded, timestamp, locate, anomalies, event_code)
        self.observer = None
        self.obs_anoms = None     # anomaly keys of the observation being handled
        self.carry = set()        # zero_length keys waiting for the next observation

    # -- anomalies ----------------------------------------------------------
    def anomaly(self, key, offset, index, stops=False):
        if self.obs_anoms is not None:
            self.obs_anoms.add(key)
        a = self.anomalies.get(key)
        if a is None:
            self.anomalies[key] = {"count": 1, "first_offset": offset, "first_index": index}
        else:
            a["count"] += 1
        if stops or self.strict:
            self.stopped_by = key
            if self.strict:
                self.stop_error = E_STRICT
            raise StopReplay()

    # -- framing (SEMANTICS §1) ----------------------------------------------
    def run(self, buf, framing, cut):
        self.framing = framing
        self.buf = buf
        try:
            if framing == "binaryfile":
                self.frames_binaryfile(buf, cut)
            elif framing == "fixed":
                self.frames_fixed(buf, cut)
            else:
                raise ValueError("unknown framing %r" % framing)
        except StopReplay:
            pass

    def end_of_data(self, offset, cut, buf_len):
        """Input ran out at `offset` (a frame would start there or be partial)."""
        if cut:
            # a trailing partial frame before a stream cut is not also 'truncated'
            self.end_anomaly("stream_cut", buf_len)
        elif offset < buf_len:
            self.end_anomaly("truncated", offset)
        # else: clean end of input

    def end_anomaly(self, key, offset):
        """An end-of-input anomaly (stops the replay); observed at index `messages`
        with whatever zero_length anomalies came just before it."""
        self.obs_anoms, self.carry = self.carry, set()
        try:
            self.anomaly(key, offset, self.messages, stops=True)
        finally:
            self.observe(self.messages, None, 0, 0)

    def observe(self, index, buf, p, length):
        """Report one observation to the observer (frame at buf[p:p+length], or an
        end-of-input anomaly when buf is None)."""
        anoms = frozenset(self.obs_anoms)
        self.obs_anoms = None
        if self.observer is None:
            return
        if buf is None or FIXED_LENGTH_BY_BYTE.get(buf[p]) != length:
            self.observer(index, False, None, None, anoms, None)
            return
        ts = int.from_bytes(buf[p + 5:p + 11], "big")
        locate = (buf[p + 1] << 8) | buf[p + 2]
        code = buf[p + 11] if buf[p] == ord("S") else None
        self.observer(index, True, ts, locate, anoms, code)

    def frames_binaryfile(self, buf, cut):
        n = len(buf)
        o = 0
        while True:
            rem = n - o
            if rem < 2:
                self.end_of_data(o, cut, n)
                return
            length = (buf[o] << 8) | buf[o + 1]
            if length == 0:
                self.consumed = o + 2
                if rem == 2:  # the last two bytes: the end-of-session marker
                    self.ended_by_session_marker = True
                    return
                # Data follows: an anomaly, counted for the message that comes
                # next (SEMANTICS §1 step 2), and the next 2 bytes are a prefix.
                self.before_frame(o)
                self.obs_anoms = self.carry
                try:
                    self.anomaly("zero_length", o, self.messages)
                except StopReplay:
                    # strict: observed at index `messages`, as an end anomaly is
                    self.obs_anoms = self.carry
                    self.carry = set()
                    self.observe(self.messages, None, 0, 0)
                    raise
                self.obs_anoms = None
                o += 2
                continue
            if rem < 2 + length:
                self.end_of_data(o, cut, n)
                return
            self.before_frame(o)
            index = self.messages
            self.messages += 1
            self.consumed = o + 2 + length  # a frame that stops --strict is consumed
            self.obs_anoms, self.carry = self.carry, set()
            try:
                self.message(buf, o, o + 2, length, index)
            finally:
                self.observe(index, buf, o + 2, length)
            o += 2 + length

    def frames_fixed(self, buf, cut):
        n = len(buf)
        o = 0
        while True:
            rem = n - o
            if rem < 3:
                self.end_of_data(o, cut, n)
                return
            length = FIXED_LENGTH_BY_BYTE.get(buf[o + 2])
            if length is None:
                self.before_frame(o)
                index = self.messages
                self.messages += 1
                self.obs_anoms = set()
                try:
                    self.anomaly("unknown_type", o, index, stops=True)
                finally:
                    self.observe(index, None, 0, 0)
                return
            if rem < 2 + length:
                self.end_of_data(o, cut, n)
                return
            self.before_frame(o)
            index = self.messages
            self.messages += 1
            self.consumed = o + 2 + length  # a frame that stops --strict is consumed
            self.obs_anoms = set()
            try:
                self.message(buf, o, o + 2, length, index)
            finally:
                self.observe(index, buf, o + 2, length)
            o += 2 + length

    # -- decoding (SEMANTICS §2) ---------------------------------------------
    def message(self, buf, off, p, length, index):
        t = buf[p]
        expected = FIXED_LENGTH_BY_BYTE.get(t)
        if expected is None:
            self.anomaly("unknown_type", off, index)
            return
        if length != expected:
            self.anomaly("bad_length", off, index)
            return
        tc = chr(t)
        self.by_type[tc] = self.by_type.get(tc, 0) + 1
        ts = int.from_bytes(buf[p + 5:p + 11], "big")
        if not self.have_ts:
            self.have_ts = True
            self.first_ts = ts
        self.last_ts = ts
        if self.prev_ts is not None and ts < self.prev_ts:
            self.anomaly("time_backwards", off, index)
        self.prev_ts = ts
        locate = (buf[p + 1] << 8) | buf[p + 2]
        handler = self.HANDLERS.get(tc)
        if handler is not None:
            handler(self, buf, p, locate, off, index)

    # -- book effects (SEMANTICS §3) -----------------------------------------
    def do_R(self, buf, p, locate, off, index):
        symbol = bytes(buf[p + 11:p + 19])
        if locate == 0:
            self.anomaly("bad_field", off, index)
            return
        inst = self.instruments.get(locate)
        if inst is not None:
            if inst.symbol != symbol:
                self.anomaly("dir_conflict", off, index)
            return  # same symbol: a repeat, nothing happens
        if symbol in self.symbol_owner:
            self.anomaly("dir_conflict", off, index)
            return
        self.instruments[locate] = Instrument(symbol, locate)
        self.symbol_owner[symbol] = locate

    def do_H(self, buf, p, locate, off, index):
        inst = self.instruments.get(locate)
        if inst is None:
            self.anomaly("no_directory", off, index)
            return
        inst.trading_state = buf[p + 19]

    def do_AF(self, buf, p, locate, off, index):
        t = buf[p]
        ref, side, shares, _stock, price = struct.unpack_from(">QBI8sI", buf, p + 11)
        if side not in (SIDE_B, SIDE_S) or price == 0 or shares == 0:
            self.anomaly("bad_field", off, index)
            return
        inst = self.instruments.get(locate)
        if inst is None:
            self.anomaly("no_directory", off, index)
            return
        if ref in inst.orders:
            self.anomaly("dup_ref", off, index)
            return
        inst.add(ref, side, price, shares)
        self.count_live(+1)
        inst.record(t | (side << 8) | (price << 32), ref, shares)
        self.book_changes += 1

    def do_ECX(self, buf, p, locate, off, index):
        t = buf[p]
        ref, shares = struct.unpack_from(">QI", buf, p + 11)
        inst = self.instruments.get(locate)
        order = inst.orders.get(ref) if inst is not None else None
        if order is None:
            self.anomaly("unknown_ref", off, index)
            return
        if shares == 0:
            self.anomaly("bad_field", off, index)
            return
        side, price, remaining = order
        if shares > remaining:
            self.anomaly("overfill", off, index)  # under --strict this stops first
            left = 0
        else:
            left = remaining - shares
        if left == 0:
            inst.remove(ref)
            self.count_live(-1)
        else:
            inst.set_shares(ref, left)
        inst.record(t | (side << 8) | (price << 32), ref, left)
        self.book_changes += 1

    def do_D(self, buf, p, locate, off, index):
        t = buf[p]
        (ref,) = struct.unpack_from(">Q", buf, p + 11)
        inst = self.instruments.get(locate)
        order = inst.orders.get(ref) if inst is not None else None
        if order is None:
            self.anomaly("unknown_ref", off, index)
            return
        side, price, _ = order
        inst.remove(ref)
        self.count_live(-1)
        inst.record(t | (side << 8) | (price << 32), ref, 0)
        self.book_changes += 1

    def do_U(self, buf, p, locate, off, index):
        t = buf[p]
        old_ref, new_ref, shares, price = struct.unpack_from(">QQII", buf, p + 11)
        inst = self.instruments.get(locate)
        order = inst.orders.get(old_ref) if inst is not None else None
        if order is None:
            self.anomaly("unknown_ref", off, index)
            return
        if shares == 0 or price == 0:
            self.anomaly("bad_field", off, index)
            return
        if new_ref != old_ref and new_ref in inst.orders:
            self.anomaly("dup_ref", off, index)
            return
        side = order[0]
        inst.remove(old_ref)
        inst.add(new_ref, side, price, shares)
        inst.record(t | (side << 8) | (price << 32), new_ref, shares, old_ref)
        self.book_changes += 1

    def count_live(self, delta):
        self.live += delta
        if self.live > self.peak:
            self.peak = self.live

    HANDLERS = {
        "R": do_R, "H": do_H,
        "A": do_AF, "F": do_AF,
        "E": do_ECX, "C": do_ECX, "X": do_ECX,
        "D": do_D, "U": do_U,
    }

    # -- results ---------------------------------------------------------------
    def by_symbol(self):
        return sorted(self.instruments.values(), key=lambda inst: inst.symbol)

    def digests(self):
        l3 = bytearray()
        l2 = bytearray()
        stream = bytearray()
        for inst in self.by_symbol():
            if inst.n > 0:
                stream += inst.symbol + le64(inst.s) + le64(inst.n)
            if not inst.orders:
                continue
            l3 += inst.symbol
            l2 += inst.symbol
            for side in (SIDE_B, SIDE_S):
                levels = inst.sorted_side(side)
                l3 += bytes([side]) + le32(len(levels))
                l2 += bytes([side]) + le32(len(levels))
                for price, queue in levels:
                    head = le32(price) + le64(sum(queue.values())) + le32(len(queue))
                    l3 += head
                    l2 += head
                    for ref, shares in queue.items():
                        l3 += le64(ref) + le32(shares)
        return {
            "l3": "%016x" % fnv1a64(l3),
            "l2": "%016x" % fnv1a64(l2),
            "stream": "%016x" % fnv1a64(stream),
        }

    def books(self):
        out = {}
        for inst in self.by_symbol():
            if not inst.orders:
                continue
            name = inst.symbol.decode("latin-1").rstrip(" ")
            out[name] = {}
            for side in (SIDE_B, SIDE_S):
                out[name][chr(side)] = [
                    [price, sum(q.values()), len(q), [[r, s] for r, s in q.items()]]
                    for price, q in inst.sorted_side(side)
                ]
        return out

    def result(self, dump_books):
        res = {
            "digests": self.digests(),
            "messages": self.messages,
            "by_type": {t: n for t, n in self.by_type.items() if n > 0},
            "book_changes": self.book_changes,
            "anomalies": self.anomalies,
            "live_orders": sum(len(i.orders) for i in self.instruments.values()),
            "instruments": len(self.instruments),
            "levels": sum(len(i.levels[SIDE_B]) + len(i.levels[SIDE_S])
                          for i in self.instruments.values()),
            "ended_by_session_marker": self.ended_by_session_marker,
            "stopped_by": self.stopped_by,
        }
        if dump_books:
            res["books"] = self.books()
        return res

    # -- snapshots (docs/SNAPSHOT.md) ------------------------------------------
    def before_frame(self, offset):
        """Called just before frame `self.messages`, which starts at `offset`, is handled."""
        if self.messages in self.pending:
            self.pending.discard(self.messages)
            self.snaps[self.messages] = self.snapshot_doc(offset, finished=False,
                                                          input_bytes=offset)

    def take_end_snapshots(self, cuts):
        """After the replay ended: every cut not taken yet is the end state, except a
        cut N beyond the final message count, which is not taken (listed in bad_cuts)."""
        end = None
        for c in cuts:
            if c in self.snaps:
                continue
            if c != "end" and c > self.messages:
                self.bad_cuts.append(c)
                continue
            if end is None:
                end = self.snapshot_doc(self.consumed, finished=True,
                                        input_bytes=len(self.buf))
            self.snaps[c] = end

    def snapshot_doc(self, consumed, finished, input_bytes):
        """The snapshot document of the current state ("Canonical JSON encoding")."""
        def side(inst, side_byte):
            return [[price, [[ref, shares] for ref, shares in queue.items()]]
                    for price, queue in inst.sorted_side(side_byte)]

        books = [{
            "asks": side(inst, SIDE_S),
            "bids": side(inst, SIDE_B),
            "changes": inst.n,
            "locate": inst.locate,
            "orders": len(inst.orders),
            "stream": "%016x" % inst.s,
            "symbol": inst.symbol.decode("latin-1").rstrip(" "),
            "trading_state": ("" if inst.trading_state is None
                              else chr(inst.trading_state)),
        } for inst in self.by_symbol()]
        zero = {"count": 0, "first_offset": 0, "first_index": 0}
        anomalies = {k: dict(self.anomalies.get(k, zero)) for k in ANOMALY_KEYS}
        return {
            "books": books,
            "digests": self.digests(),
            "format": "blanc-snapshot",
            "input": {"bytes": input_bytes, "xxh3": xxh3_hex(self.buf[:input_bytes])},
            "replay": {
                "anomalies": anomalies,
                "anomalies_total": sum(a["count"] for a in anomalies.values()),
                "book_changes": self.book_changes,
                "by_type": {t: self.by_type.get(t, 0) for t in FIXED_LENGTH},
                "bytes": consumed,
                "ended_by_session_marker": int(self.ended_by_session_marker),
                "finished": int(finished),
                "first_timestamp": self.first_ts,
                "framing": self.framing,
                "have_timestamp": int(self.have_ts),
                "last_timestamp": self.last_ts,
                "messages": self.messages,
                "peak_orders": self.peak,
                "stop_error": self.stop_error,
                "strict": int(self.strict),
            },
            "version": 1,
        }


def canonical_json(doc):
    """docs/SNAPSHOT.md, "Canonical JSON encoding": the exact file content."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n"


def parse_cut(text):
    """'end' or a message index N >= 0 (time cuts are not implemented here)."""
    if text == "end":
        return "end"
    if text.isdigit():
        return int(text)
    raise ValueError("snapshot cut %r: expected a message index or 'end'" % text)


def snapshot_name(cut):
    return "snap-end.json" if cut == "end" else "snap-i%d.json" % cut


def run_replay(data, framing="binaryfile", strict=False, cuts=()):
    """Replay raw file content (plain, gzip or zstd, by magic); returns the Replay object.

    cuts: message indexes N and/or "end"; the snapshot documents are in .snaps, the
    cuts N beyond the final message count (not taken) in .bad_cuts.
    """
    buf, cut = load_input(bytes(data))
    r = Replay(strict)
    r.pending = {c for c in cuts if c != "end"}
    r.run(buf, framing, cut)
    r.take_end_snapshots(cuts)
    return r


def replay(data, framing="binaryfile", strict=False, dump_books=False):
    """Replay raw file content (plain, gzip or zstd, by magic) and return the result dict."""
    return run_replay(data, framing, strict).result(dump_books)


def snapshots(data, cuts, framing="binaryfile", strict=False):
    """{cut: canonical JSON text} for each cut (an int N or "end"); CutError if N is too big."""
    r = run_replay(data, framing, strict, cuts)
    if r.bad_cuts:
        raise CutError("cut at message %d is beyond the end (%d messages)"
                       % (r.bad_cuts[0], r.messages))
    return {c: canonical_json(r.snaps[c]) for c in cuts}


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description="Blanc reference ITCH 5.0 replay")
    ap.add_argument("file", help="input file, or - for stdin")
    ap.add_argument("--framing", choices=["binaryfile", "fixed"], default="binaryfile")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--dump-books", action="store_true")
    ap.add_argument("--snapshot-at", action="append", default=[], metavar="N|end",
                    help="write a snapshot before message N, or at the end (repeatable)")
    ap.add_argument("--snapshot-out", metavar="DIR", help="directory for the snapshots")
    args = ap.parse_args(argv)
    try:
        cuts = list(dict.fromkeys(parse_cut(c) for c in args.snapshot_at))
    except ValueError as e:
        ap.error(str(e))
    if cuts and not args.snapshot_out:
        ap.error("--snapshot-at needs --snapshot-out DIR")
    if args.file == "-":
        raw = sys.stdin.buffer.read()
    else:
        with open(args.file, "rb") as f:
            raw = f.read()
    r = run_replay(raw, args.framing, args.strict, cuts)
    if cuts:
        os.makedirs(args.snapshot_out, exist_ok=True)
        for c in r.snaps:
            path = os.path.join(args.snapshot_out, snapshot_name(c))
            with open(path + ".tmp", "w", encoding="ascii", newline="\n") as f:
                f.write(canonical_json(r.snaps[c]))
            os.replace(path + ".tmp", path)
    sys.stdout.write(json.dumps(r.result(args.dump_books), sort_keys=True) + "\n")
    for c in r.bad_cuts:
        sys.stderr.write("book.py: %s: snapshot at message %d not taken: the input ended "
                         "after %d messages\n" % (args.file, c, r.messages))
    return 2 if r.bad_cuts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
