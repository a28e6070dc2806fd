# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Replay many days on a Dask cluster from the command line (docs/SCALEOUT.md).

    python -m blanc.batch --scheduler tcp://HOST:PORT FILES... [--emit KIND --out DIR]
    python -m blanc.batch --local 2 FILES... --out DIR

Prints one row per file, writes DIR/manifest.jsonl (with --out) and exits 1 when a day
failed, naming it.
"""
from __future__ import annotations

import argparse
import os
import sys
from typing import Optional, Sequence

import pandas as pd

from . import dask as bd
from . import manifest as mf

TABLE = ["path", "date", "messages", "l3", "l2", "stream", "input", "anomalies", "health",
         "elapsed", "worker", "skipped", "error"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m blanc.batch",
                                 description="Replay FILES on a Dask cluster, one task per "
                                 "file; print a row per file and write the manifest.")
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", metavar="ADDR", help="the scheduler, tcp://HOST:PORT")
    where.add_argument("--local", type=int, metavar="N",
                       help="start a LocalCluster of N one-thread worker processes")
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("--out", metavar="DIR", help="manifest.jsonl and emitted days go here")
    ap.add_argument("--emit", choices=bd.KINDS, help="write each day's records (needs --out)")
    ap.add_argument("--format", default="csv",
                    help="csv (default), jsonl or bin; .gz or .zst compresses (csv.zst)")
    ap.add_argument("--symbol", action="append", metavar="SYM",
                    help="with --emit: only these instruments (repeatable)")
    ap.add_argument("--threads", type=int, default=1, metavar="N",
                    help="book threads per task (default 1)")
    ap.add_argument("--redo", action="store_true",
                    help="replay days already in the manifest again")
    a = ap.parse_args(argv)
    if a.emit and not a.out:
        ap.error("--emit needs --out")

    from distributed import Client, LocalCluster
    cluster = None
    if a.local:
        from . import cluster as bc
        bc.apply()  # the workers' housekeeping of `python -m blanc.cluster worker`
        cluster = LocalCluster(n_workers=a.local, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(a.scheduler, timeout=30)
    try:
        df = bd.replay_days(a.files, client, emit=a.emit, out=a.out, symbols=a.symbol,
                            threads=a.threads, redo=a.redo, format=a.format)
    except ValueError as e:
        print("blanc.batch: %s" % e, file=sys.stderr)
        return 2
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    with pd.option_context("display.max_rows", None, "display.max_columns", None,
                           "display.width", 250, "display.max_colwidth", 80):
        print(df[TABLE].to_string(index=False))
    if a.out:
        with open(os.path.join(a.out, mf.NAME), "rb") as f:
            data = f.read()
        print("%s: %d days, sha256 %s" % (os.path.join(a.out, mf.NAME), data.count(b"\n"),
                                           mf.digest(data)))
    bad = df[df.error != ""]
    for p, e in zip(bad.path, bad.error):
        print("failed: %s: %s" % (p, e), file=sys.stderr)
    return 1 if len(bad) else 0


if __name__ == "__main__":
    sys.exit(main())
