# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc.emit(path, "lobster") against the CLI's LOBSTER files: for each symbol, the
frame's rows equal, row for row and value for value, the message and orderbook CSV
files of `blanc replay --emit lobster` read back with pandas (header=None), the Time
field parsed from its text to ns independently of the float; whole or in chunks; and
the errors of bad arguments."""
import glob
import os

import numpy as np
import pandas as pd
import pytest

import blanc
from conftest import SRC, cli

BOOK = ("ask_price", "ask_size", "bid_price", "bid_size")


def sample_symbols():
    with open(os.path.join(SRC, "data", "sample-day.symbols")) as f:
        return [w for w in f.read().split() if not w.startswith("-")]


def gen_symbols(path):
    return blanc.replay(path).symbols()[:3]


def cli_files(path, tmp_path, symbols, depth, *window):
    """{symbol: (message frame, orderbook frame)} as the CLI writes and pandas reads them."""
    out = tmp_path / ("lob%d" % depth)
    args = []
    for s in symbols:
        args += ["--symbol", s]
    cli("replay", path, "--emit", "lobster", "--depth", depth, "--date", "2026-12-01",
        *window, "-o", out, *args)
    files = {}
    for s in symbols:
        msg, = glob.glob(str(out / ("%s_2026-12-01_*_message_%d.csv" % (s, depth))))
        book, = glob.glob(str(out / ("%s_2026-12-01_*_orderbook_%d.csv" % (s, depth))))
        empty = os.path.getsize(msg) == 0
        m = (pd.DataFrame(columns=range(6)) if empty else
             pd.read_csv(msg, header=None, dtype={0: str}))
        b = (pd.DataFrame(columns=range(4 * depth)) if empty else
             pd.read_csv(book, header=None))
        files[s] = (m, b)
    return files


def ns_of(text):
    """'34200.004241176' -> 34200004241176, from the digits (no float)."""
    sec, frac = text.split(".")
    assert len(frac) == 9, text
    return int(sec) * 1000000000 + int(frac)


def check(df, files, depth):
    assert list(df.columns) == blanc.lobster_columns(depth)
    assert df["symbol"].isin(list(files)).all()
    total = 0
    for s, (m, b) in files.items():
        got = df[df["symbol"] == s]
        assert len(got) == len(m) == len(b), s
        total += len(m)
        if not len(m):
            continue
        assert got["ts"].tolist() == [ns_of(t) for t in m[0]], s
        assert got["time"].tolist() == [float(t) for t in m[0]], s
        for k, c in enumerate(["type", "order_id", "size", "price", "direction"]):
            assert got[c].dtype == np.int64
            assert got[c].tolist() == m[k + 1].astype("int64").tolist(), (s, c)
        for lvl in range(depth):
            for j, c in enumerate(BOOK):
                col = "%s_%d" % (c, lvl + 1)
                assert got[col].dtype == np.int64
                assert got[col].tolist() == b[4 * lvl + j].astype("int64").tolist(), (s, col)
    assert total == len(df)
    return total


@pytest.mark.parametrize("depth", [1, 5])
def test_sample_equals_cli(sample, tmp_path, depth):
    syms = sample_symbols()
    assert syms
    df = blanc.emit(sample, "lobster", symbols=syms, depth=depth)
    assert check(df, cli_files(sample, tmp_path, syms, depth), depth) > 1000


@pytest.mark.parametrize("depth", [1, 5])
def test_generated_equals_cli(gen_day, tmp_path, depth):
    syms = gen_symbols(gen_day)
    df = blanc.emit(gen_day, "lobster", symbols=syms, depth=depth)
    assert df["symbol"].nunique() == len(syms)
    assert check(df, cli_files(gen_day, tmp_path, syms, depth), depth) > 1000


def test_window(gen_day, tmp_path):
    syms = gen_symbols(gen_day)
    df = blanc.emit(gen_day, "lobster", symbols=syms, depth=3, start="10:15:00",
                    end="13:00:00.5")
    n = check(df, cli_files(gen_day, tmp_path, syms, 3, "--from", "10:15:00", "--to",
                            "13:00:00.5"), 3)
    assert 0 < n < len(blanc.emit(gen_day, "lobster", symbols=syms, depth=3))
    assert df["ts"].min() >= 36900 * 10**9 and df["ts"].max() < 46800 * 10**9 + 5 * 10**8
    ns = blanc.emit(gen_day, "lobster", symbols=syms, depth=3, start=36900 * 10**9,
                    end=46800 * 10**9 + 5 * 10**8)
    pd.testing.assert_frame_equal(ns, df)
    # only one end given: the other is the default (16:00)
    late = blanc.emit(gen_day, "lobster", symbols=syms, depth=1, start="15:00:00")
    assert late["ts"].min() >= 54000 * 10**9 and late["ts"].max() < 57600 * 10**9


@pytest.mark.parametrize("chunk", [1000, 7777])
def test_chunks(gen_day, chunk):
    syms = gen_symbols(gen_day)
    whole = blanc.emit(gen_day, "lobster", symbols=syms, depth=2)
    parts = list(blanc.emit(gen_day, "lobster", symbols=syms, depth=2, chunksize=chunk))
    assert all(len(p) == chunk for p in parts[:-1]) and 0 < len(parts[-1]) <= chunk
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_empty(gen_day):
    syms = gen_symbols(gen_day)
    df = blanc.emit(gen_day, "lobster", symbols=syms, depth=2, start="03:00:00",
                    end="03:00:01")
    assert len(df) == 0 and list(df.columns) == blanc.lobster_columns(2)
    assert list(blanc.emit(gen_day, "lobster", symbols=syms, depth=2, start="03:00:00",
                           end="03:00:01", chunksize=10)) == []
    # a symbol not in the day: no rows, no error (as the CLI writes empty files)
    assert len(blanc.emit(gen_day, "lobster", symbols=["NOSUCH"], depth=1)) == 0


@pytest.mark.parametrize("kw", [
    {}, {"symbols": []}, {"symbols": None},
    {"symbols": ["A"], "depth": 0}, {"symbols": ["A"], "depth": None},
    {"symbols": ["A"], "depth": 1001},
    {"symbols": ["A"], "start": "12:00:00", "end": "11:00:00"},
    {"symbols": ["A"], "start": "12:00:00", "end": "12:00:00"},
    {"symbols": ["A"], "start": "17:00:00"},
    {"symbols": ["A"], "start": "9:3x"}, {"symbols": ["A"], "end": -1},
    {"symbols": ["A/B"]}, {"symbols": ["TOOLONGSYM"]},
])
def test_bad_arguments(sample, kw):
    with pytest.raises(blanc.EINVAL) as e:
        blanc.emit(sample, "lobster", **kw)
    assert e.value.code == -2 and e.value.name == "BLANC_EINVAL"


def test_other_errors(sample, tmp_path):
    with pytest.raises(ValueError):
        blanc.emit(sample, "bbo", start="10:00:00")
    with pytest.raises(ValueError):
        blanc.emit(sample, "lobster", symbols=["ONZ"], chunksize=0)
    with pytest.raises(TypeError):
        blanc.emit(sample, "lobster", symbols="ONZ")
    with pytest.raises(TypeError):
        blanc.emit(sample, "lobster", symbols=["ONZ"], start=10.5)
    with pytest.raises(blanc.EOPEN):
        blanc.emit(str(tmp_path / "missing.itch"), "lobster", symbols=["ONZ"])
    bad = tmp_path / "text.itch"
    bad.write_text("not itch at all\n" * 100)
    with pytest.raises(blanc.Error):
        blanc.emit(str(bad), "lobster", symbols=["ONZ"])
