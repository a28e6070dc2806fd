# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc.replay's book threads: by default (None, or 0) as many as the CLI's default
--threads takes (blanc_threads_auto: one per usable CPU, less one for a compressed file's
inflate thread, at least one, at most 64), checked against that rule and against
`blanc replay --json`'s threads.requested; an explicit count is kept; every count gives
the one-thread digests, books and at= states."""
import contextlib
import gzip
import os
import shutil

import pytest

import blanc
from conftest import cli_json

MAX_THREADS = 64


def expected(packed):
    """The rule for a file, compressed or not (packed), from this thread's CPU affinity
    (what blanc_cpus_usable reads)."""
    cpus = len(os.sched_getaffinity(0))
    # The inflate thread runs for a regular compressed file unless turned off.
    busy = 1 if packed and os.environ.get("BLANC_INFLATE_THREAD") != "0" else 0
    n = cpus - busy if cpus > busy + 1 else 1
    return min(n, MAX_THREADS)


def compressed(path):
    """gzip or zstd, by magic number (as the source tells them)."""
    with open(path, "rb") as f:
        head = f.read(4)
    return head[:2] == b"\x1f\x8b" or head == b"\x28\xb5\x2f\xfd"


@contextlib.contextmanager
def cpus(n):
    """This thread (the one the replay runs on, and the CLI it starts) on its first n
    usable CPUs only."""
    was = os.sched_getaffinity(0)
    os.sched_setaffinity(0, sorted(was)[:n])
    try:
        yield
    finally:
        os.sched_setaffinity(0, was)


@pytest.fixture(scope="session")
def gz_day(gen_day, tmp_path_factory):
    p = tmp_path_factory.mktemp("gz") / "day.itch.gz"
    with open(gen_day, "rb") as f, gzip.open(p, "wb", compresslevel=1) as g:
        shutil.copyfileobj(f, g)
    return str(p)


def _check_default(day):
    want = expected(compressed(day))
    assert blanc.replay(day).threads == want
    assert blanc.replay(day, threads=None).threads == want
    assert blanc.replay(day, threads=0).threads == want  # 0: automatic too
    assert cli_json(day)["threads"]["requested"] == want  # the CLI's default
    assert all(s.threads == want for s in blanc.replay(day, at=[1000, 5000]))


def test_default_is_the_cli_rule(gen_day, gz_day, sample):
    assert [compressed(d) for d in (gen_day, gz_day, sample)] == [False, True, True]
    for day in (gen_day, gz_day, sample):
        _check_default(day)


def test_default_on_one_and_two_cpus(gen_day, gz_day, sample):
    """The rule's edges whatever the host: one CPU gives one thread, compressed or not;
    two give two for a plain file and one beside an inflate thread."""
    with cpus(1):
        assert len(os.sched_getaffinity(0)) == 1
        for day in (gen_day, gz_day, sample):
            assert blanc.replay(day).threads == 1
            assert cli_json(day)["threads"]["requested"] == 1
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("one usable CPU")
    with cpus(2):
        assert blanc.replay(gen_day).threads == 2
        if os.environ.get("BLANC_INFLATE_THREAD") != "0":
            assert blanc.replay(gz_day).threads == 1
            assert blanc.replay(sample).threads == 1
        for day in (gen_day, gz_day, sample):
            _check_default(day)


def test_explicit_threads_kept(gen_day, sample):
    assert blanc.replay(sample, threads=1).threads == 1
    assert blanc.replay(gen_day, threads=1).threads == 1
    assert blanc.replay(gen_day, threads=3).threads == 3
    assert [s.threads for s in blanc.replay(gen_day, at=[10, 20], threads=2)] == [2, 2]
    assert blanc.replay(gen_day, threads=MAX_THREADS).threads == MAX_THREADS
    # Any integer type, as the old "I" format took: numpy's from a DataFrame, say.
    import numpy as np
    assert blanc.replay(gen_day, threads=np.int64(2)).threads == 2
    assert blanc.replay(gen_day, threads=np.uint8(1)).threads == 1


def test_bad_threads(sample):
    for bad in (-1, MAX_THREADS + 1, 2 ** 70):
        with pytest.raises(blanc.EINVAL):
            blanc.replay(sample, threads=bad)
    for bad in ("2", 2.0, True):
        with pytest.raises(TypeError):
            blanc.replay(sample, threads=bad)


def test_default_results_equal_one_thread(day):
    """Digests, counters, books and queues with the default count are the one-thread
    ones (the count itself checked too: the default must be the rule, not one)."""
    d, one = blanc.replay(day, depth=0), blanc.replay(day, depth=0, threads=1)
    assert d.threads == expected(compressed(day)) and one.threads == 1
    assert d.digests == one.digests
    assert d.messages == one.messages and d.stats == one.stats
    assert d.anomalies == one.anomalies
    for s in one.symbols()[:10]:
        assert d.book(s).equals(one.book(s))
        assert d.orders(s).equals(one.orders(s))


def test_default_at_states_equal_one_thread(gen_day):
    cuts = [0, 1000, 77777, "10:30:00", "13:00:00.5"]
    d, one = blanc.replay(gen_day, at=cuts), blanc.replay(gen_day, at=cuts, threads=1)
    assert [s.threads for s in d] == [expected(False)] * len(cuts)
    for a, b in zip(d, one):
        assert a.digests == b.digests and a.messages == b.messages
        for s in b.symbols()[:5]:
            assert a.orders(s).equals(b.orders(s))
