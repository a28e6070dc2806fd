# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""examples/slurm: the array script run as Slurm would run each task (bash with
SLURM_ARRAY_TASK_ID set), then the merge script; the manifest must be the one serial
`blanc replay --json` runs give (python -m blanc.manifest serial), and a failed day must
be named. With a working Slurm (sinfo answers), the same through sbatch."""
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BIN, SRC, cli

PY = sys.executable
SLURM = os.path.join(SRC, "examples", "slurm")


@pytest.fixture(scope="module")
def listed(tmp_path_factory):
    d = tmp_path_factory.mktemp("slurm")
    files = []
    for i, name in enumerate(["20260202.NASDAQ_ITCH50", "20260203.NASDAQ_ITCH50"]):
        p = str(d / name)
        cli("gen", "--seed", 70 + i, "--messages", "50k", "--symbols", 8, "-o", p)
        files.append(p)
    bad = str(d / "20260204.NASDAQ_ITCH50")
    with open(bad, "w") as f:
        f.write("not ITCH\n" * 200)
    lst = d / "days.txt"
    lst.write_text("".join(p + "\n" for p in files + [bad]))
    ser = d / "serial.jsonl"
    subprocess.run([PY, "-m", "blanc.manifest", "serial", *files, "-o", str(ser), "--blanc",
                    BIN], check=True, stdout=subprocess.DEVNULL)
    return d, files, bad, str(lst), ser.read_bytes()


def env(**kw):
    e = dict(os.environ, BLANC=BIN, PYTHON=PY)
    e.update({k: str(v) for k, v in kw.items()})
    return e


def test_array_then_merge(listed, tmp_path):
    d, files, bad, lst, serial = listed
    out = tmp_path / "out"
    for i in (2, 0, 1):  # in any order, as the array's tasks run
        subprocess.run(["bash", os.path.join(SLURM, "replay-days.sbatch"), lst, str(out)],
                       env=env(SLURM_ARRAY_TASK_ID=i, SLURM_JOB_ID=100 + i), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
    assert sorted(os.listdir(out / "parts")) == sorted(os.path.basename(p) + ".json"
                                                       for p in files + [bad])
    r = subprocess.run(["bash", os.path.join(SLURM, "merge.sbatch"), lst, str(out)], env=env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 1
    failed = r.stderr.splitlines()
    assert len(failed) == 1 and failed[0].startswith("failed: %s: exit 2: " % bad), r.stderr
    assert "not an ITCH 5.0 BinaryFILE" in failed[0]
    assert (out / "manifest.jsonl").read_bytes() == serial
    # a task that never wrote its part is named too
    os.unlink(out / "parts" / (os.path.basename(files[1]) + ".json"))
    r = subprocess.run(["bash", os.path.join(SLURM, "merge.sbatch"), lst, str(out)], env=env(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.returncode == 1 and "%s: no part" % files[1] in r.stderr


def _slurm_up():
    if not shutil.which("sbatch") or not shutil.which("sinfo"):
        return False
    try:
        r = subprocess.run(["sinfo", "-h", "-o", "%T"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and "idle" in r.stdout


@pytest.mark.skipif(not _slurm_up(), reason="no running Slurm (slurmctld + slurmd)")
def test_sbatch(listed, tmp_path):
    d, files, bad, lst, serial = listed
    out = tmp_path / "sb"
    r = subprocess.run(["sh", os.path.join(SLURM, "submit.sh"), lst, str(out)], env=env(),
                       cwd=str(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30, check=True)
    merge = r.stdout.split("merge ")[1].split(":")[0]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        q = subprocess.run(["squeue", "-h", "-j", merge], stdout=subprocess.PIPE, text=True)
        if not q.stdout.strip():
            break
        time.sleep(1)
    assert (out / "manifest.jsonl").read_bytes() == serial
    log = (tmp_path / ("blanc-merge-%s.log" % merge)).read_text()
    assert "failed: %s: exit 2: " % bad in log
