#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Differential test: Blanc against the independent reference (tests/reference/book.py).

For a generated day (blanc gen --seed --messages --scenario) or a given file, replay it
with `blanc replay --json` and with the reference, and require equal digests, counts and
anomaly positions. The input digest is checked against `xxhsum -H3`, an independent
XXH3 implementation. With --compressed, the .gz and .zst forms of the same day must
give the same result as the plain file.

Exit 0 if everything agrees, 1 with the differences listed otherwise.
"""
import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reference"))
import book as reference  # noqa: E402


def run_blanc(blanc, path, framing):
    out = subprocess.run([blanc, "replay", path, "--json", "--framing", framing],
                         check=False, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"blanc replay {path} exited {out.returncode}: {out.stderr}")
    return json.loads(out.stdout)


def xxh3(path_or_bytes):
    if isinstance(path_or_bytes, bytes):
        out = subprocess.run(["xxhsum", "-H3", "-"], input=path_or_bytes, check=True,
                             capture_output=True)
    else:
        out = subprocess.run(["xxhsum", "-H3", path_or_bytes], check=True, capture_output=True)
    # "XXH3 (file) = 90466d4ea0031d87" or "90466d4ea0031d87  file"
    text = out.stdout.decode().strip()
    return text.split("=")[-1].strip() if "=" in text else text.split()[0]


def insert_zero_prefixes(data, k, seed):
    """Zero length prefixes (SEMANTICS §1 step 2) between frames, never first or last."""
    starts, pos = [], 0
    while pos + 2 <= len(data):
        starts.append(pos)
        pos += 2 + int.from_bytes(data[pos:pos + 2], "big")
    rnd = random.Random(seed)
    at = sorted(rnd.sample(starts[1:], k))
    out, last = [], 0
    for a in at:
        out += [data[last:a], b"\x00\x00" * rnd.randint(1, 3)]
        last = a
    out.append(data[last:])
    return b"".join(out)


def compare(name, blanc, ref, diffs):
    def eq(what, a, b):
        if a != b:
            diffs.append(f"{name}: {what}: blanc {a!r} != reference {b!r}")

    for k in ("l3", "l2", "stream"):
        eq(f"digest {k}", blanc["digests"][k], ref["digests"][k])
    for k in ("messages", "book_changes", "live_orders", "instruments", "levels",
              "ended_by_session_marker"):
        eq(k, blanc[k], ref[k])
    eq("by_type", {t: n for t, n in blanc["by_type"].items() if n}, ref["by_type"])
    eq("anomalies", blanc["anomalies"], ref["anomalies"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--blanc", required=True)
    ap.add_argument("--file", help="replay this file instead of generating one")
    ap.add_argument("--framing", default="binaryfile")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--messages", default="1M")
    ap.add_argument("--symbols", default="100")
    ap.add_argument("--scenario", default="normal")
    ap.add_argument("--zero-prefixes", type=int, default=0,
                    help="insert this many zero length prefixes (1-3 in a row) between frames")
    ap.add_argument("--compressed", action="store_true",
                    help="also replay .gz and .zst forms and require identical results")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="blanc-diff-")
    diffs = []
    try:
        if args.file:
            path, name = args.file, os.path.basename(args.file)
        else:
            name = f"seed{args.seed}-{args.scenario}-{args.messages}"
            path = os.path.join(tmp, name + ".itch")
            subprocess.run([args.blanc, "gen", "--seed", str(args.seed), "--messages",
                            args.messages, "--symbols", args.symbols, "--scenario",
                            args.scenario, "-o", path], check=True, capture_output=True)
        with open(path, "rb") as f:
            raw = f.read()
        data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
        if args.zero_prefixes:
            data = insert_zero_prefixes(data, args.zero_prefixes, args.seed)
            path = os.path.join(tmp, name + ".zeros.itch")
            with open(path, "wb") as f:
                f.write(data)
        b = run_blanc(args.blanc, path, args.framing)
        r = reference.replay(data, framing=args.framing)
        compare(name, b, r, diffs)
        want = xxh3(data)
        if b["digests"]["input"] != want:
            diffs.append(f"{name}: input digest {b['digests']['input']} != xxhsum -H3 {want}")
        if args.compressed:
            gz = path + ".gz"
            with open(gz, "wb") as f:
                f.write(gzip.compress(data, 6))
            zst = path + ".zst"
            subprocess.run(["zstd", "-q", "-3", path, "-o", zst], check=True)
            for p in (gz, zst):
                c = run_blanc(args.blanc, p, args.framing)
                for k in ("digests", "messages", "by_type", "anomalies", "book_changes",
                          "live_orders"):
                    if c[k] != b[k]:
                        diffs.append(f"{os.path.basename(p)}: {k} differs from the plain file")
        summary = (f"{name}: {b['messages']} messages, {b['book_changes']} book changes, "
                   f"{b['live_orders']} live orders, {b['anomalies_total']} anomalies, "
                   f"l3 {b['digests']['l3']} stream {b['digests']['stream']}")
        print(summary)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for d in diffs:
        print("DIFF", d)
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
