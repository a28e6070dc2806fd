"""blanc.emit against the CLI: for every kind, the DataFrame equals pandas.read_csv of
`blanc replay --emit KIND --format csv` (columns, dtypes, values), with and without
health, with --depth and --symbol, whole or in chunks."""
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
    with pytest.raises(blanc.EUNSUPPORTED):
        blanc.emit("x", "lobster")
    with pytest.raises(ValueError):
        blanc.emit("x", "bbo", chunksize=0)
