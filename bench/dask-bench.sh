#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Dask scale-out benchmark (a benchmark, not a test: it asserts nothing; docs/PERFORMANCE.md
# "Scale-out").
#   bench/dask-bench.sh [BLANC] [DAYS] [MESSAGES] [SYMBOLS] [RUNS] [WORKERS]
# Generates DAYS deterministic days (seeds 1..DAYS) of MESSAGES messages into
# $BLANC_BENCH_OUT (default /tmp/blanc-dask-bench; 8 x 5M is ~1.2 GB), warms the page
# cache, starts a Dask scheduler and WORKERS one-thread workers on 127.0.0.1, then RUNS
# times in turn: the days one after another with `blanc replay FILE --json --threads 1`
# (serial-1), the same with the CLI's default threads (serial), and
# blanc.dask.replay_days on the cluster (threads=1 per task). For each it prints wall
# seconds and CPU seconds (user + sys: the children's for serial, the workers' own
# getrusage for Dask), the medians and the median of the per-round ratios. Then the
# overhead per task: 64 tasks of a 1,000-message day, and (WORKERS x wall - sum of the
# tasks' own elapsed) / tasks for the big days. The machine's load (uptime) is printed
# before and after: on a shared machine the wall ratio is pessimistic.
# The cluster is started with `python -m blanc.cluster scheduler|worker` (Distributed's
# commands with blanc.cluster.CONFIG: no profiler, slower housekeeping ticks); with
# BLANC_DASK_PLAIN=1, Distributed's own `dask-scheduler` / `dask-worker` with Dask's defaults.
# The CPU of every cluster process (scheduler, nannies, workers) is printed too.
# PYTHON: an interpreter that imports blanc and distributed (default: /usr/bin/python3 with
# BLANC_PYTHONPATH, default build/python/lib as ctest's python test builds it).
set -euo pipefail
BLANC=$(readlink -f "${1:-build/blanc}")
DAYS=${2:-8}
MESSAGES=${3:-5M}
SYMBOLS=${4:-200}
RUNS=${5:-3}
WORKERS=${6:-2}
PY=${PYTHON:-/usr/bin/python3}
export PYTHONPATH=${BLANC_PYTHONPATH:-$(readlink -f build/python/lib)}${PYTHONPATH:+:$PYTHONPATH}
dir=${BLANC_BENCH_OUT:-/tmp/blanc-dask-bench}
mkdir -p "$dir"
files=()
for i in $(seq 1 "$DAYS"); do
    f=$(printf '%s/2026%04d.s%d-%s-%s.itch' "$dir" "$((100 + i))" "$i" "$MESSAGES" "$SYMBOLS")
    [ -s "$f" ] || "$BLANC" gen --seed "$i" --messages "$MESSAGES" --symbols "$SYMBOLS" -o "$f" >/dev/null 2>&1
    files+=("$f")
done
tiny="$dir/tiny"
mkdir -p "$tiny"
[ -s "$tiny/20260101.t0.itch" ] || for i in $(seq 0 63); do
    "$BLANC" gen --seed "$((1000 + i))" --messages 1000 --symbols 5 -o "$tiny/20260101.t$i.itch" >/dev/null 2>&1
done
cat "${files[@]}" >/dev/null  # page cache
echo "uptime before: $(uptime)"
"$PY" - "$BLANC" "$RUNS" "$WORKERS" "$dir" "${files[@]}" <<'EOF'
import glob, json, os, resource, signal, statistics, subprocess, sys, time
import distributed
import psutil
import blanc.dask as bd

blanc, runs, workers, d, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5:]
sf = os.path.join(d, "scheduler.json")
if os.path.exists(sf):
    os.unlink(sf)
log = open(os.path.join(d, "dask.log"), "w")
kw = dict(stdout=log, stderr=log, start_new_session=True, cwd=d)
plain = os.environ.get("BLANC_DASK_PLAIN") == "1"
cmd = {k: ["-m", "distributed.cli.dask_" + k] if plain else ["-m", "blanc.cluster", k]
       for k in ("scheduler", "worker")}
print("cluster: %s" % ("dask-scheduler, dask-worker (Dask's defaults)" if plain else
                       "python -m blanc.cluster scheduler|worker"), flush=True)
procs = [subprocess.Popen([sys.executable] + cmd["scheduler"] + ["--host",
                           "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", sf], **kw)]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def serial(threads):
    c0, t0 = children_cpu(), time.perf_counter()
    digests = []
    for f in files:
        cmd = [blanc, "replay", f, "--json"] + (["--threads", str(threads)] if threads else [])
        digests.append(json.loads(subprocess.run(cmd, stdout=subprocess.PIPE, check=True).stdout)["digests"])
    return time.perf_counter() - t0, children_cpu() - c0, digests


def cluster_cpu():
    """user + sys of the scheduler, nannies and workers (every process of their groups)."""
    t = 0.0
    for q in procs:
        try:
            ps = [psutil.Process(q.pid)]
            ps += ps[0].children(recursive=True)
        except psutil.NoSuchProcess:
            continue
        for x in ps:
            try:
                c = x.cpu_times()
                t += c.user + c.system
            except psutil.NoSuchProcess:
                pass
    return t


def workers_cpu(client):
    return sum(r.ru_utime + r.ru_stime for r in
               (resource.struct_rusage(v) for v in client.run(resource.getrusage, resource.RUSAGE_SELF).values()))


try:
    while not os.path.exists(sf):
        time.sleep(0.1)
    for k in range(workers):
        procs.append(subprocess.Popen([sys.executable] + cmd["worker"] + ["--scheduler-file", sf,
                                       "--nthreads", "1", "--no-dashboard", "--name", "w%d" % k], **kw))
    client = distributed.Client(scheduler_file=sf, timeout=60)
    client.wait_for_workers(workers, timeout=60)
    bd.replay_days(files[:workers], client, progress=False)  # warm: imports, first tasks
    rows = []
    for r in range(runs):
        s1 = serial(1)
        s = serial(None)
        c0, a0, t0 = workers_cpu(client), cluster_cpu(), time.perf_counter()
        df = bd.replay_days(files, client, threads=1, progress=False)
        wall = time.perf_counter() - t0
        cpu = workers_cpu(client) - c0
        allcpu = cluster_cpu() - a0
        assert (df.error == "").all(), df.error
        same = [dict(l3=a, l2=b, stream=c, input=e) for a, b, c, e in zip(df.l3, df.l2, df.stream, df.input)] == s1[2] == s[2]
        over = (workers * wall - df.elapsed.sum()) / len(files)
        rows.append((s1[0], s1[1], s[0], s[1], wall, cpu, over, same, allcpu))
        print("round %d: serial-1 %.2f s wall %.2f s cpu | serial %.2f s wall %.2f s cpu | dask %.2f s wall %.2f s cpu"
              " (cluster %.2f) | dask/serial-1 %.3f, dask/serial %.3f | overhead %.3f s/task | digests equal: %s"
              % (r + 1, s1[0], s1[1], s[0], s[1], wall, cpu, allcpu, wall / s1[0], wall / s[0], over, same),
              flush=True)
    med = lambda i: statistics.median(x[i] for x in rows)
    print("median: serial-1 %.2f s (cpu %.2f), serial %.2f s (cpu %.2f), dask %.2f s (cpu %.2f, workers' own;"
          " %.2f all cluster processes)" % (med(0), med(1), med(2), med(3), med(4), med(5), med(8)))
    print("median ratio dask/serial-1 %.3f, dask/serial %.3f; overhead %.3f s/task"
          % (statistics.median(x[4] / x[0] for x in rows), statistics.median(x[4] / x[2] for x in rows), med(6)))
    tiny = sorted(glob.glob(os.path.join(d, "tiny", "*.itch")))
    walls = []
    for r in range(runs):
        t0 = time.perf_counter()
        df = bd.replay_days(tiny, client, progress=False)
        walls.append(time.perf_counter() - t0)
    w = statistics.median(walls)
    print("tiny days: %d tasks in %.3f s (median of %d): %.1f ms a task of wall, %.1f ms of a worker each "
          "(task's own replay %.2f ms)" % (len(tiny), w, runs, 1000 * w / len(tiny), 1000 * w * workers / len(tiny),
                                           1000 * df.elapsed.median()))
    client.close()
finally:
    for q in procs:
        try:
            os.killpg(q.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
EOF
echo "uptime after: $(uptime)"
