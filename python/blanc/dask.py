# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Replay many days on a Dask cluster (docs/SCALEOUT.md).

    >>> from distributed import Client
    >>> import blanc.dask
    >>> df = blanc.dask.replay_days(paths, Client("tcp://head:8786"), out="run/")

One task per file, run on a worker with the blanc extension (the replay runs in the
worker process, the GIL released). A file that fails gives its row an ``error`` and
never stops the others; a worker that dies mid-day has its task rerun elsewhere by
Dask, and the day is written once (outputs are renamed into place only when whole).
"""
from __future__ import annotations

import os
import sys
import time
import uuid
from typing import Dict, List, Mapping, Optional, Sequence

import pandas as pd

from . import _blanc
from . import manifest as mf

COLUMNS = ["path", "date", "size", "messages", "l3", "l2", "stream", "input", "anomalies",
           "health", "records", "output", "elapsed", "worker", "skipped", "error"]
FORMATS = ("csv", "jsonl", "bin")
KINDS = ("bbo", "l2", "l3", "trades")
_SUFFIXES = (".gz", ".zst")


def output_name(path: str, emit: str, fmt: str) -> str:
    """The emitted file's name: the input's name without .gz/.zst, then .KIND.FORMAT
    (``20190130.NASDAQ_ITCH50.gz`` with bbo, csv.zst: ``20190130.NASDAQ_ITCH50.bbo.csv.zst``)."""
    base = os.path.basename(path)
    for s in _SUFFIXES:
        if base.endswith(s):
            base = base[:-len(s)]
    return "%s.%s.%s" % (base, emit, fmt)


def output_path(out: str, date: str, path: str, emit: str, fmt: str) -> str:
    return os.path.join(out, "date=" + date, output_name(path, emit, fmt))


def _worker() -> str:
    try:
        from distributed import get_worker
        return get_worker().address
    except (ImportError, ValueError):
        return ""


# A test hook: seconds each task waits before its replay on this worker process
# (client.run(setattr, blanc.dask, "_SLOW", 3.0)), so that a test can kill a worker
# while a day is surely running on it.
_SLOW = 0.0


def replay_day(path: str, *, date: Optional[str] = None, emit: Optional[str] = None,
               fmt: str = "csv", out: Optional[str] = None,
               symbols: Optional[Sequence[str]] = None, threads: int = 1) -> Dict:
    """Replay one day and return its row (the task of :func:`replay_days`). Never
    raises: a failure is the row's ``error``."""
    t0 = time.perf_counter()
    row: Dict = {c: None for c in COLUMNS}
    row.update(path=path, date=date, worker=_worker(), skipped=False, error="")
    tmp = None
    try:
        if _SLOW:
            time.sleep(_SLOW)
        kw: Dict = {"health": True, "threads": int(threads)}
        if emit:
            if not date:
                raise ValueError("no date in the file's name: give dates={path: 'YYYY-MM-DD'}")
            final = output_path(out, date, path, emit, fmt)
            d = os.path.dirname(final)
            os.makedirs(d, exist_ok=True)
            # The library's sink writes its own temporary file and renames it onto tmp
            # (keeping the .zst/.gz suffix, which picks the compression); tmp is then
            # fsynced and renamed onto the final name.
            tmp = os.path.join(d, ".tmp-%s-%s" % (uuid.uuid4().hex, os.path.basename(final)))
            kw.update(emit=emit, emit_format=fmt.split(".")[0], emit_out=tmp,
                      symbols=[s.strip().upper() for s in symbols] if symbols else None)
        st = _blanc._replay(path, False, **kw)
        row["size"] = os.stat(path).st_size
        stats = st.stats()
        h = st.health()
        row.update(messages=st.messages(), anomalies=stats["anomalies_total"],
                   health=h["worst"] if h else None, **st.digests())
        cut = mf.truncated(path, stats["anomalies"])
        if cut:
            row["error"] = cut  # and its output is not published
        elif emit:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
            os.replace(tmp, final)
            tmp = None
            mf.fsync_dir(os.path.dirname(final))
            row.update(records=st.emit_records(), output=final)
    except Exception as e:  # a failing day is a row, never a failed task
        row["error"] = "%s: %s" % (type(e).__name__, e)
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    row["elapsed"] = time.perf_counter() - t0
    return row


def _entry(row: Mapping) -> Dict:
    return mf.entry(row["path"], bytes=row["size"], messages=row["messages"],
                    digests={k: row[k] for k in ("l3", "l2", "stream", "input")},
                    anomalies=row["anomalies"], health=row["health"], date=row["date"])


def _skipped(path: str, e: Mapping, output: Optional[str]) -> Dict:
    row: Dict = {c: None for c in COLUMNS}
    row.update(path=path, date=e["date"], size=e["bytes"], messages=e["messages"],
               anomalies=e["anomalies"], health=e["health"], output=output, elapsed=0.0,
               worker="", skipped=True, error="",
               **{k: e[k] for k in ("l3", "l2", "stream", "input")})
    return row


class _Progress:
    """days done / total and messages/s on one terminal line (stderr), only on a tty."""

    def __init__(self, total: int, show: Optional[bool]):
        self.total, self.done, self.msgs = total, 0, 0
        self.t0 = time.perf_counter()
        self.show = sys.stderr.isatty() if show is None else show

    def step(self, row: Mapping) -> None:
        self.done += 1
        self.msgs += row.get("messages") or 0
        if self.show:
            dt = max(time.perf_counter() - self.t0, 1e-9)
            sys.stderr.write("\rblanc: %d/%d days, %.2f M msg/s" %
                             (self.done, self.total, self.msgs / dt / 1e6))
            if self.done == self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def replay_days(paths: Sequence[str], client, *, emit: Optional[str] = None,
                out: Optional[str] = None, symbols: Optional[Sequence[str]] = None,
                threads: int = 1, redo: bool = False, format: str = "csv",
                dates: Optional[Mapping[str, str]] = None,
                progress: Optional[bool] = None) -> pd.DataFrame:
    """Replay each file as one task on the cluster of ``client`` (a
    ``distributed.Client``) and return one row per file in the order given.

    Columns: path, date, size (bytes of the file), messages, l3, l2, stream, input (the
    digests as ``blanc replay --json`` prints them), anomalies (total), health (worst
    global state of feed health, default configuration), records and output (the
    emitted file), elapsed (seconds in the task), worker (its address), skipped (the day
    was already done: not recomputed) and error ("" when fine).

    ``out``: folder of ``manifest.jsonl`` (written atomically by this client, under a
    lock, merged with what is there) and of emitted files. ``emit``: bbo, l2, l3 or
    trades, written to ``out/date=YYYY-MM-DD/NAME.KIND.FORMAT`` (``format``: csv,
    jsonl or bin, with .gz or .zst to compress: "csv.zst"), atomically on the worker;
    ``symbols`` narrows it as ``--symbol`` does. The date comes from ``dates[path]``,
    else the file's name (:func:`blanc.manifest.date_of_name`); a day to emit with no
    date fails. ``threads``: book threads per task (``--threads``; keep 1 on workers
    that run one task per core; 0: as many as :func:`blanc.replay`'s default). Without
    ``redo``, a day whose manifest entry exists (same file name and size) and whose
    output exists (when emitting) is not replayed: its row comes from the manifest with
    skipped=True. ``progress``: the progress line on stderr (default: when stderr is a
    terminal).
    """
    from distributed import as_completed

    paths = [os.fspath(p) for p in paths]
    if emit is not None:
        if emit not in KINDS:
            raise ValueError("emit is one of %s" % ", ".join(KINDS))
        if out is None:
            raise ValueError("emit needs out")
        base, _, comp = format.partition(".")
        if base not in FORMATS or comp not in ("", "gz", "zst"):
            raise ValueError("format is csv, jsonl or bin, with .gz or .zst to compress")
    names = [os.path.basename(p) for p in paths]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ValueError("file names given twice (the manifest names days by file name): "
                         + ", ".join(dup))
    dates = dict(dates or {})
    day_of = [dates.get(p) or mf.date_of_name(p) for p in paths]
    done: Dict[str, Dict] = {}
    if out is not None and not redo:
        done = {mf.key(e): e for e in mf.read(os.path.join(out, mf.NAME))}
    rows: List[Optional[Dict]] = [None] * len(paths)
    futures = {}
    for i, p in enumerate(paths):
        e = done.get(names[i])
        target = output_path(out, day_of[i], p, emit, format) if emit and day_of[i] else None
        try:
            same = e is not None and e["bytes"] == os.stat(p).st_size
        except OSError:
            same = False
        if same and (not emit or (target is not None and os.path.exists(target))):
            rows[i] = _skipped(p, e, target)
            continue
        f = client.submit(replay_day, p, date=day_of[i], emit=emit, fmt=format, out=out,
                          symbols=list(symbols) if symbols else None, threads=threads,
                          pure=False, key="blanc-day-%d-%s" % (i, uuid.uuid4().hex))
        futures[f] = i
    prog = _Progress(len(futures), progress)
    for f in as_completed(list(futures)):
        i = futures[f]
        try:
            rows[i] = f.result()
        except Exception as e:  # the task itself failed (e.g. killed too often)
            row = {c: None for c in COLUMNS}
            row.update(path=paths[i], date=day_of[i], skipped=False,
                       error="%s: %s" % (type(e).__name__, e))
            rows[i] = row
        prog.step(rows[i])
    df = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("size", "messages", "anomalies", "records"):
        df[c] = df[c].astype("Int64")  # counts stay integers beside a failed day's NA
    if out is not None:
        good = [_entry(r) for r in rows if r and not r["error"] and not r["skipped"]]
        with mf.locked(out):
            mf.merge_into(os.path.join(out, mf.NAME), good)
    return df
