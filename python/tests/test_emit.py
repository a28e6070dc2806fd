# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc.emit against the CLI: for every kind, the DataFrame equals pandas.read_csv of
`blanc replay --emit KIND --format csv` (columns, dtypes, values), with and without
health, with --depth and --symbol, whole or in chunks."""
import struct

import pandas as pd
import pytest

import blanc
from conftest import cli

KINDS = ["bbo", "l2", "l3", "trades"]


def same(got, want):
    """assert_frame_equal, in a fraction of its time on object columns: the same
    columns and dtypes, equal integers, equal strings and NaN in the same places."""
    assert list(got.columns) == list(want.columns)
    assert list(got.dtypes) == list(want.dtypes), (got.dtypes, want.dtypes)
    assert len(got) == len(want)
    for c in got.columns:
        a, b = got[c].to_numpy(), want[c].to_numpy()
        if a.dtype == object:
            na, nb = pd.isna(a), pd.isna(b)
            assert (na == nb).all(), c
            assert a[~na].tolist() == b[~nb].tolist(), c
        else:
            assert (a == b).all(), c


def cli_csv(path, tmp_path, kind, *args):
    out = tmp_path / ("%s.csv" % kind)
    cli("replay", path, "--emit", kind, "--format", "csv", "-o", out, *args)
    # "NA" and the like are symbols, not missing values: only an empty field is NaN
    return pd.read_csv(out, keep_default_na=False, na_values=[""])


@pytest.mark.parametrize("kind", KINDS)
def test_equals_cli_csv(day, tmp_path, kind):
    args = ["--depth", 5] if kind == "l2" else []
    want = cli_csv(day, tmp_path, kind, *args)
    got = blanc.emit(day, kind)
    assert list(got.columns) == blanc.EMIT_KINDS[kind] + ["pub"]
    assert len(want) > 0
    same(got, want)


@pytest.mark.parametrize("kind", ["l2", "trades"])
def test_no_health_full_depth(gen_day, tmp_path, kind):
    want = cli_csv(gen_day, tmp_path, kind, "--no-health")
    got = blanc.emit(gen_day, kind, depth=None, health=False)
    assert list(got.columns) == blanc.EMIT_KINDS[kind]
    same(got, want)


def test_symbols(gen_day, tmp_path):
    r = blanc.replay(gen_day)
    syms = r.symbols()[3:5]
    want = cli_csv(gen_day, tmp_path, "l3", "--symbol", syms[0], "--symbol", syms[1])
    got = blanc.emit(gen_day, "l3", symbols=[s.lower() for s in syms])
    assert set(got.symbol) == set(syms)
    same(got, want)


@pytest.mark.parametrize("chunksize", [1, 999, 10 ** 5, 10 ** 7])
def test_chunks(sample, chunksize):
    whole = blanc.emit(sample, "l2")
    parts = list(blanc.emit(sample, "l2", chunksize=chunksize)) if chunksize > 1 else \
        [c for _, c in zip(range(2000), blanc.emit(sample, "l2", chunksize=1))]
    assert all(len(p) == chunksize for p in parts[:-1])
    if chunksize == 1:
        whole = whole.iloc[:2000].reset_index(drop=True)
    else:
        assert 0 < len(parts[-1]) <= chunksize
    same(pd.concat(parts, ignore_index=True), whole)


def test_empty(sample):
    df = blanc.emit(sample, "bbo", symbols=["NOSUCH"])
    assert len(df) == 0 and list(df.columns) == blanc.EMIT_KINDS["bbo"] + ["pub"]
    assert list(blanc.emit(sample, "bbo", symbols=["NOSUCH"], chunksize=10)) == []


def test_kinds():
    with pytest.raises(blanc.EINVAL):
        blanc.emit("x", "l4")
    with pytest.raises(blanc.EINVAL):  # lobster without symbols (test_lobster.py)
        blanc.emit("x", "lobster")
    with pytest.raises(ValueError):
        blanc.emit("x", "bbo", chunksize=0)


def _ts(ns):
    return ns.to_bytes(6, "big")


def _frame(m):
    return struct.pack(">H", len(m)) + m


def _R(loc, sym, t):  # Stock Directory, 39 bytes (docs/ITCH50.md)
    return (b"R" + struct.pack(">HH", loc, 0) + _ts(t) + sym.ljust(8).encode() + b"QN" +
            struct.pack(">I", 100) + b"NCZ " + b"PN 1N" + struct.pack(">I", 0) + b"N")


def _P(loc, sym, t, side, shares, price, match):  # Trade (non-cross), 44 bytes
    return (b"P" + struct.pack(">HH", loc, 0) + _ts(t) + struct.pack(">Q", 0) + side +
            struct.pack(">I", shares) + sym.ljust(8).encode() + struct.pack(">IQ", price, match))


def test_symbol_before_its_directory(tmp_path):
    """A trade before its instrument's directory entry has an empty symbol (NaN, as
    read_csv reads the empty field); the same locate is named once the entry came; a
    symbol spelled NA is the string "NA". Built by hand from the message layouts."""
    msgs = [_P(1, "ZZT", 2000, b"B", 100, 123400, 1), _R(1, "ZZT", 3000), _R(2, "NA", 3500),
            _P(1, "ZZT", 4000, b"S", 200, 123500, 2), _P(2, "NA", 5000, b"B", 7, 10000, 3)]
    assert [len(m) for m in msgs] == [44, 39, 39, 44, 44]
    p = tmp_path / "blank.itch"
    p.write_bytes(b"".join(_frame(m) for m in msgs))
    got = blanc.emit(p, "trades", health=False)
    assert got.symbol.isna().tolist() == [True, False, False]
    assert got.symbol.tolist()[1:] == ["ZZT", "NA"]
    assert got.locate.tolist() == [1, 1, 2] and got.price.tolist() == [123400, 123500, 10000]
    same(got, cli_csv(p, tmp_path, "trades", "--no-health"))


@pytest.mark.parametrize("kind", ["l3", "lobster"])
def test_a_stream_stopped_by_an_error_stays_stopped(corrupt_day, kind):
    """A strict stream over a damaged day raises the run's error with where it was (byte and
    message), and every read after it says the stream stopped instead of going on past it."""
    from blanc import _blanc
    if kind == "lobster":
        syms = blanc.replay(corrupt_day).symbols()[:2]
        stream = _blanc._lobster(corrupt_day, syms, 1, start=None, end=None, strict=True)
    else:
        stream = _blanc._emit(corrupt_day, kind, symbols=None, depth=0, health=False,
                              strict=True)
    with pytest.raises(blanc.Error, match=r"strict mode .* at byte \d+, message \d+"):
        for _ in range(10 ** 4):
            if stream.read(100) is None:
                break
    for _ in range(2):
        with pytest.raises(RuntimeError, match="stopped on an error"):
            stream.read(100)
