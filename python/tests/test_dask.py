# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""blanc.dask, blanc.batch and blanc.manifest on a real cluster: a scheduler and two
worker processes on 127.0.0.1 (Debian's python3-distributed), started here, bounded in
time and killed at the end. The reference is the CLI: `blanc replay --json` of each file,
one process, and its `--emit` output."""
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")

import blanc.cluster as bc  # noqa: E402
import blanc.dask as bd  # noqa: E402
import blanc.manifest as mf  # noqa: E402
from conftest import BIN, cli, cli_json  # noqa: E402

PY = sys.executable
START_TIMEOUT = 60


def _wait_file(p, procs, timeout):
    t = time.monotonic() + timeout
    while not os.path.exists(p):
        for q in procs:
            if q.poll() is not None:
                raise RuntimeError("dask scheduler exited: %d" % q.returncode)
        if time.monotonic() > t:
            raise RuntimeError("dask scheduler did not start in %ds" % timeout)
        time.sleep(0.1)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """(client, scheduler address): a scheduler and two one-thread workers (each under
    a nanny, which restarts a killed worker), started by `python -m blanc.cluster`
    (Distributed's commands with blanc.cluster.CONFIG), all killed at the end."""
    d = tmp_path_factory.mktemp("dask")
    sf = str(d / "scheduler.json")
    env = dict(os.environ, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    common = dict(stdout=subprocess.DEVNULL, stderr=open(d / "log", "w"), env=env,
                  cwd=str(d), start_new_session=True)
    procs = [subprocess.Popen([PY, "-m", "blanc.cluster", "scheduler", "--host",
                               "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", sf], **common)]
    try:
        _wait_file(sf, procs, START_TIMEOUT)
        for k in range(2):
            procs.append(subprocess.Popen(
                [PY, "-m", "blanc.cluster", "worker", "--scheduler-file", sf,
                 "--nthreads", "1", "--nworkers", "1", "--no-dashboard", "--name", "w%d" % k,
                 "--local-directory", str(d / ("w%d" % k))], **common))
        client = distributed.Client(scheduler_file=sf, timeout=START_TIMEOUT)
        client.wait_for_workers(2, timeout=START_TIMEOUT)
        yield client, json.load(open(sf))["address"]
        client.close()
    finally:
        for q in procs:  # the whole group: a nanny's worker too
            try:
                os.killpg(q.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            q.wait(timeout=10)


@pytest.fixture(scope="module")
def days(tmp_path_factory):
    """Three generated days with dates in their names, and three damaged inputs: cut
    inside a message, not ITCH, missing."""
    d = tmp_path_factory.mktemp("days")
    good = []
    for i, name in enumerate(["20260105.NASDAQ_ITCH50", "itch-2026-01-06.bin", "01072026.NASDAQ_ITCH50"]):
        p = str(d / name)
        cli("gen", "--seed", 40 + i, "--messages", "120k", "--symbols", 12, "-o", p)
        good.append(p)
    cut = str(d / "20260108.cut.itch")
    with open(good[0], "rb") as f, open(cut, "wb") as g:
        g.write(f.read()[:1000017])
    noitch = str(d / "20260109.text.itch")
    with open(noitch, "w") as f:
        f.write("this is not an ITCH file\n" * 100)
    missing = str(d / "20260110.missing.itch")
    return good, [cut, noitch, missing]


def ref(path):
    return cli_json(path)


class Ran:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run_main(main, capsys, *args):
    """A `python -m` entry run in this process (each subprocess would import pandas
    again: seconds on a loaded machine); the tests run each entry once as a process."""
    capsys.readouterr()
    rc = main([str(a) for a in args])
    o = capsys.readouterr()
    return Ran(rc, o.out, o.err)


def test_cluster_config(cluster):
    """`python -m blanc.cluster` gives the scheduler, the nannies and the workers
    CONFIG's values as Dask itself reads them (dask.config.get in each process), except
    what the environment sets: the fixture's own DASK_DISTRIBUTED__WORKER__DAEMON, and
    in defaults() a variable set by hand. env_name is checked against Dask's own reading
    of the environment (dask.config.collect_env)."""
    import dask
    client, _ = cluster
    want = {"distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
            "distributed.worker.memory.monitor-interval": "1s",
            "distributed.admin.system-monitor.interval": "5s"}
    assert set(want) == set(bc.CONFIG)
    for k, v in want.items():
        assert dask.config.get(k, config=dask.config.collect_env(
            {bc.env_name(k): bc.CONFIG[k]})) == v
    got = lambda: {k: dask.config.get(k) for k in want}  # noqa: E731
    for w, c in client.run(got).items():
        assert c == want, w
    for n, c in client.run(got, nanny=True).items():
        assert c == want, n
    assert client.run_on_scheduler(got) == want
    assert client.run(dask.config.get, "distributed.worker.daemon") == {
        w: False for w in client.scheduler_info()["workers"]}
    mine = {bc.env_name("distributed.admin.tick.interval"): "20ms"}
    assert set(bc.defaults(mine)) == set(want) - {"distributed.admin.tick.interval"}
    assert set(bc.defaults({})) == set(want)


def test_date_of_name():
    assert mf.date_of_name("/x/20190130.NASDAQ_ITCH50.gz") == "2019-01-30"
    assert mf.date_of_name("01302019.NASDAQ_ITCH50") == "2019-01-30"
    assert mf.date_of_name("itch-2019-01-30.bin.zst") == "2019-01-30"
    assert mf.date_of_name("S20190130-v50.txt") == "2019-01-30"
    assert mf.date_of_name("day.itch") is None
    assert mf.date_of_name("123456789.itch") is None  # 9 digits: no date
    assert mf.date_of_name("20191330.itch") is None  # month 13


def test_replay_health_threads(corrupt_day, gen_day):
    """What the tasks read from the extension: health and threads of blanc.replay."""
    import blanc
    for day in (corrupt_day, gen_day):
        j = ref(day)
        for threads in (0, 1, 2):
            r = blanc.replay(day, health=True, threads=threads)
            assert r.digests == j["digests"] and r.stats["anomalies_total"] == j["anomalies_total"]
            assert r.health == {k: j["health"][k] for k in ("state", "worst", "published",
                                                            "gated", "transitions")}
        assert blanc.replay(day).health is None
    assert ref(corrupt_day)["health"]["worst"] != "fuse"  # the check above saw a breaker trip


def test_rows_equal_cli(cluster, days, tmp_path):
    client, _ = cluster
    good, bad = days
    order = [good[0], bad[0], good[1], bad[1], good[2], bad[2]]
    df = bd.replay_days(order, client, out=str(tmp_path), progress=False)
    assert list(df.path) == order
    for p in good:
        r = df[df.path == p].iloc[0]
        j = ref(p)
        assert r.error == ""
        assert {k: r[k] for k in ("l3", "l2", "stream", "input")} == j["digests"]
        assert (r["messages"], r["size"], r["anomalies"], r["health"]) == \
            (j["messages"], j["file_bytes"], j["anomalies_total"], j["health"]["worst"])
        assert r.worker.startswith("tcp://127.0.0.1:") and not r.skipped
    errs = dict(zip(df.path, df.error))
    t = ref(bad[0])["anomalies"]["truncated"]  # the CLI counts it (exit 0); a batch fails it
    assert errs[bad[0]].startswith("ETRUNCATED: ") and \
        "at byte %d (message %d)" % (t["first_offset"], t["first_index"]) in errs[bad[0]]
    assert errs[bad[1]].startswith("ENOTITCH: ")
    assert errs[bad[2]].startswith("EOPEN: ") and "No such file" in errs[bad[2]]
    # which worker takes which day is Dask's choice (the killed-worker test makes both run)
    assert set(df.worker) <= set(client.scheduler_info()["workers"])
    # the manifest: the good days only, as serial `blanc replay --json` runs make it
    got = (tmp_path / "manifest.jsonl").read_bytes()
    assert got.count(b"\n") == 3
    ser = tmp_path / "serial.jsonl"
    p = subprocess.run([PY, "-m", "blanc.manifest", "serial", *order, "-o", str(ser),
                        "--blanc", BIN], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    assert p.returncode == 1 and p.stderr.count("failed: ") == 3, p.stderr
    assert ser.read_bytes() == got
    assert hashlib.sha256(got).hexdigest() in p.stdout
    # the manifest by hand (docs/SCALEOUT.md): the entries as the CLI reports them
    want = []
    for q in good:
        j = ref(q)
        want.append({"anomalies": j["anomalies_total"], "bytes": j["file_bytes"],
                     "date": {"20260105.NASDAQ_ITCH50": "2026-01-05",
                              "itch-2026-01-06.bin": "2026-01-06",
                              "01072026.NASDAQ_ITCH50": "2026-01-07"}[os.path.basename(q)],
                     "file": os.path.basename(q), "health": j["health"]["worst"],
                     "messages": j["messages"], **j["digests"]})
    want.sort(key=lambda e: e["date"])
    assert got == "".join(json.dumps(e, sort_keys=True, separators=(",", ":")) + "\n"
                          for e in want).encode()


def test_merge_parts(days, tmp_path, capsys):
    good, bad = days
    parts = []
    for k, p in enumerate(reversed(good)):  # out of order, as array tasks finish
        q = tmp_path / ("part%d.json" % k)
        q.write_text(cli("replay", p, "--json").stdout)
        parts.append(str(q))
    cutp = tmp_path / "cut.json"
    cutp.write_text(cli("replay", bad[0], "--json").stdout)
    empty = tmp_path / "empty.json"
    empty.write_text("")
    ser = tmp_path / "serial.jsonl"
    assert run_main(mf.main, capsys, "serial", *good, "-o", ser, "--blanc", BIN).returncode == 0

    def merge(*ps):
        out = tmp_path / "m.jsonl"
        r = run_main(mf.main, capsys, "merge", *ps, "-o", out)
        return r, out.read_bytes() if out.exists() else None

    r, m = merge(*parts)
    assert r.returncode == 0 and m == ser.read_bytes()
    # a manifest is a part too; an entry twice is one line
    r, m = merge(ser, parts[0], parts[1])
    assert r.returncode == 0 and m == ser.read_bytes()
    # a cut day and a failed task's empty part: named, exit 1, the rest merged
    r, m = merge(*parts, cutp, empty)
    assert r.returncode == 1 and m == ser.read_bytes()
    assert "ETRUNCATED" in r.stderr and "empty.json" in r.stderr
    # two different entries for one file: refused
    lines = ser.read_text().splitlines()
    e = json.loads(lines[0])
    e["l3"] = "0" * 16
    other = tmp_path / "other.jsonl"
    other.write_text(json.dumps(e) + "\n")
    (tmp_path / "m.jsonl").unlink()
    r, m = merge(ser, other)
    assert r.returncode == 2 and "two different entries" in r.stderr and m is None
    d = run_main(mf.main, capsys, "digest", ser).stdout.strip()
    assert d == hashlib.sha256(ser.read_bytes()).hexdigest()


def test_emit_and_rerun_skip(cluster, days, tmp_path, capsys):
    client, _ = cluster
    good, _ = days
    out = str(tmp_path / "run")
    df = bd.replay_days(good, client, out=out, emit="bbo", format="csv", progress=False)
    assert (df.error == "").all() and not df.skipped.any()
    for p, o, n in zip(good, df.output, df.records):
        assert o == os.path.join(out, "date=" + mf.date_of_name(p),
                                 os.path.basename(p) + ".bbo.csv")
        want = tmp_path / "want.csv"
        cli("replay", p, "--emit", "bbo", "--format", "csv", "-o", want)
        assert open(o, "rb").read() == want.read_bytes()
        assert n == want.read_bytes().count(b"\n") - 1  # the header
    assert sorted(os.listdir(out)) == [".manifest.lock", "date=2026-01-05", "date=2026-01-06",
                                       "date=2026-01-07", "manifest.jsonl"]
    man = open(os.path.join(out, "manifest.jsonl"), "rb").read()
    mtimes = [os.stat(o).st_mtime_ns for o in df.output]
    # again: nothing recomputed, rows from the manifest
    again = bd.replay_days(good, client, out=out, emit="bbo", format="csv", progress=False)
    assert again.skipped.all() and (again.elapsed == 0).all() and (again.worker == "").all()
    assert list(again.l3) == list(df.l3) and list(again.messages) == list(df.messages)
    assert [os.stat(o).st_mtime_ns for o in df.output] == mtimes
    # an output gone: that day alone is replayed
    os.unlink(df.output[1])
    capsys.readouterr()
    third = bd.replay_days(good, client, out=out, emit="bbo", format="csv")
    assert list(third.skipped) == [True, False, True]
    assert capsys.readouterr().err == ""  # progress: none when stderr is no terminal
    assert open(os.path.join(out, "manifest.jsonl"), "rb").read() == man
    # redo: all replayed, same manifest
    capsys.readouterr()
    redo = bd.replay_days(good, client, out=out, emit="bbo", format="csv", redo=True,
                          progress=True)
    err = capsys.readouterr().err  # the progress line, forced on (stderr is no tty here)
    assert re.fullmatch(r"\rblanc: 1/3 days, \d+\.\d\d M msg/s\rblanc: 2/3 days, \d+\.\d\d M "
                        r"msg/s\rblanc: 3/3 days, \d+\.\d\d M msg/s\n", err), repr(err)
    assert not redo.skipped.any() and list(redo.l3) == list(df.l3)
    assert open(os.path.join(out, "manifest.jsonl"), "rb").read() == man
    assert [os.stat(o).st_mtime_ns for o in df.output] != mtimes


def test_batch_cli(cluster, days, tmp_path, capsys):
    _, addr = cluster
    good, bad = days
    out = tmp_path / "b"
    r = subprocess.run([PY, "-m", "blanc.batch", "--scheduler", addr, *good, bad[1],
                        "--out", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    assert r.returncode == 1, r.stderr
    failed = [ln for ln in r.stderr.splitlines() if ln.startswith("failed: ")]
    assert failed == [ln for ln in failed if ln.startswith("failed: %s: ENOTITCH: " % bad[1])]
    assert len(failed) == 1, r.stderr
    data = (out / "manifest.jsonl").read_bytes()
    assert "sha256 %s" % hashlib.sha256(data).hexdigest() in r.stdout
    for p in good:
        assert ref(p)["digests"]["l3"] in r.stdout
    import blanc.batch
    r = run_main(blanc.batch.main, capsys, "--scheduler", addr, *good, "--out", out)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    assert (out / "manifest.jsonl").read_bytes() == data


def test_killed_worker(cluster, days, tmp_path, capsys):
    """SIGKILL the worker process running a day: Dask reruns it on a live worker; the
    row is there once, from that worker, and the manifest and output are those of an
    undisturbed run."""
    client, _ = cluster
    good, _ = days
    pids = client.run(os.getpid)
    # every task first sleeps, so that it is surely running when the kill comes
    client.run(setattr, bd, "_SLOW", 3.0)
    out = str(tmp_path / "k")
    res = {}
    t = threading.Thread(target=lambda: res.update(df=bd.replay_days(
        good[:2], client, out=out, emit="trades", format="csv.zst", progress=False)))
    t.start()
    try:
        deadline = time.monotonic() + 30
        victim = None
        while victim is None and time.monotonic() < deadline:
            busy = {w: ks for w, ks in client.processing().items() if ks}
            if len(busy) == 2:
                victim = sorted(busy)[0]
            time.sleep(0.05)
        assert victim, "the days never ran on both workers"
        time.sleep(0.5)
        os.kill(pids[victim], signal.SIGKILL)
        t.join(90)
        assert not t.is_alive(), "replay_days did not finish after the kill"
    finally:
        try:
            client.run(setattr, bd, "_SLOW", 0.0)
        except Exception:
            pass
    df = res["df"]
    assert list(df.path) == good[:2] and (df.error == "").all()
    assert victim not in set(df.worker) and victim not in client.run(os.getpid)
    assert (df.elapsed > 0).all()
    ser = tmp_path / "serial.jsonl"
    assert run_main(mf.main, capsys, "serial", *good[:2], "-o", ser, "--blanc", BIN).returncode == 0
    assert open(os.path.join(out, "manifest.jsonl"), "rb").read() == ser.read_bytes()
    for p, o in zip(good[:2], df.output):
        want = tmp_path / "want.csv.zst"
        cli("replay", p, "--emit", "trades", "--format", "csv", "-o", want)
        got = subprocess.run(["zstd", "-dc", o], stdout=subprocess.PIPE, check=True).stdout
        ref_ = subprocess.run(["zstd", "-dc", str(want)], stdout=subprocess.PIPE,
                              check=True).stdout
        assert got == ref_
        # one published file per day; the killed task may have left only a .tmp- file
        d = os.path.dirname(o)
        assert [f for f in os.listdir(d) if not f.startswith(".")] == [os.path.basename(o)]
    client.wait_for_workers(2, timeout=START_TIMEOUT)  # the nanny restarted it
