# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc.replay against the CLI: digests, counters and anomalies equal `blanc replay
--json`; books equal its --symbol books; at= states equal the snapshots `blanc replay
--snapshot-at` writes (their recorded digests, levels and queues)."""
import json
import threading
import time

import pytest

import blanc
from conftest import cli, cli_json


def test_digests_counters_anomalies_equal_cli(day):
    r = blanc.replay(day)
    j = cli_json(day)
    assert r.digests == j["digests"]
    assert r.messages == j["messages"]
    assert r.anomalies == j["anomalies"]
    assert r.stats["book_changes"] == j["book_changes"]
    assert r.stats["live_orders"] == j["live_orders"]
    assert len(r.symbols()) == j["instruments"]
    assert r.symbols() == sorted(r.symbols())


def test_books_equal_cli_symbol_books(day):
    r = blanc.replay(day)
    syms = r.symbols()[:3]
    args = []
    for s in syms:
        args += ["--symbol", s]
    j = cli_json(day, *args, "--depth", 4)
    for s in syms:
        b = r.book(s, depth=4)
        want = [("B", x["price"], x["shares"], x["orders"]) for x in j["books"][s]["bids"]]
        want += [("S", x["price"], x["shares"], x["orders"]) for x in j["books"][s]["asks"]]
        assert list(b.itertuples(index=False, name=None)) == want
        assert list(b.columns) == ["side", "price", "shares", "orders"]


def _snapshot_book(snap, symbol):
    for b in snap["books"]:
        if b["symbol"].rstrip() == symbol:
            return b
    raise KeyError(symbol)


def _levels(b):
    """(side, price, shares, orders) from a JSON snapshot's queues."""
    out = []
    for side, key in (("B", "bids"), ("S", "asks")):
        for price, queue in b[key]:
            out.append((side, price, sum(q[1] for q in queue), len(queue)))
    return out


def _queue(b):
    out = []
    for side, key in (("B", "bids"), ("S", "asks")):
        for price, queue in b[key]:
            out += [(side, price, i, ref, shares) for i, (ref, shares) in enumerate(queue)]
    return out


def test_at_equals_snapshots(gen_day, tmp_path):
    cuts = [0, 1000, 77777, "10:30:00", "13:00:00.5"]
    names = ["snap-i0", "snap-i1000", "snap-i77777", "snap-t103000.000000000",
             "snap-t130000.500000000"]
    args = []
    for c in cuts:
        args += ["--snapshot-at", c]
    cli("replay", gen_day, *args, "--snapshot-format", "json", "--snapshot-out", tmp_path)
    states = blanc.replay(gen_day, at=cuts, depth=None)
    assert [s.at for s in states] == cuts
    for st, name in zip(states, names):
        snap = json.load(open(tmp_path / (name + ".json")))
        assert {k: st.digests[k] for k in ("l3", "l2", "stream")} == \
            {k: snap["digests"][k] for k in ("l3", "l2", "stream")}, name
        assert st.digests["input"] == snap["input"]["xxh3"], name  # of the prefix read
        assert st.messages == snap["replay"]["messages"], name
        assert st.stats["bytes"] == snap["replay"]["bytes"], name
        for sym in st.symbols()[:5]:
            b = _snapshot_book(snap, sym)
            assert list(st.book(sym).itertuples(index=False, name=None)) == _levels(b)
            assert list(st.orders(sym).itertuples(index=False, name=None)) == _queue(b)
    # the state at the end of a plain replay is the last of a cut at 'the end'
    end = blanc.replay(gen_day)
    assert states[2].messages == 77777 and end.messages > 77777


def test_at_past_the_end(sample):
    with pytest.raises(blanc.ECUTPAST) as e:
        blanc.replay(sample, at=[10 ** 9])
    assert e.value.code == -26 and e.value.name == "BLANC_ECUTPAST"
    assert "10000000" in str(e.value)


def test_bad_cut():
    with pytest.raises(blanc.EINVAL):
        blanc.replay("x", at=["25:61"])
    with pytest.raises(TypeError):
        blanc.replay("x", at=[1.5])


def test_symbols_and_depth(sample):
    r = blanc.replay(sample, symbols=["onz", "NU", "NOPE"], depth=2)
    assert r.symbols() == ["ONZ", "NU"]
    assert set(r.books()) == {"ONZ", "NU"}
    assert len(r.book("ONZ")) == 4
    assert len(r.book("ONZ", depth=0)) == sum(r.book("ONZ", depth=0).side.notna())
    with pytest.raises(blanc.ENOTFOUND):
        r.book("NOPE")
    with pytest.raises(blanc.ENOTFOUND):
        r.orders("NOPE")


def test_orders_add_up_to_the_book(sample):
    r = blanc.replay(sample, depth=0)
    for s in r.symbols()[:10]:
        o = r.orders(s)
        g = o.groupby(["side", "price"], sort=False).agg(shares=("shares", "sum"),
                                                          orders=("ref", "size"))
        lv = r.book(s).set_index(["side", "price"])
        assert g.shares.tolist() == lv.shares.tolist()
        assert g.orders.tolist() == lv.orders.tolist()
        assert (o.position == o.groupby(["side", "price"], sort=False).cumcount()).all()


def test_gil_released(long_day):
    """Another thread runs Python code while the replay is inside C."""
    ticks, stop = [], threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.001)

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.01)
    windows = []
    # Replays until they add up to enough time to tell (a fast machine needs more of them).
    for _ in range(500):
        if sum(b - a for a, b in windows) >= 0.2:
            break
        t0 = time.monotonic()
        blanc.replay(long_day)
        # Only the inside of a replay, 5 ms off each end (Python's switch interval): a
        # replay shorter than 10 ms has none (long_day: 2M messages, ~0.1 s).
        a, b = t0 + 0.005, time.monotonic() - 0.005
        if b > a:
            windows.append((a, b))
    stop.set()
    t.join()
    inside = [x for x in ticks if any(a < x < b for a, b in windows)]
    assert sum(b - a for a, b in windows) > 0.1, "the replays are too short to tell"
    assert len(inside) > 10
