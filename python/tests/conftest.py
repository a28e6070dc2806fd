# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Shared fixtures: the CLI (the reference the package is checked against), the bundled
sample day and generated days. BLANC_BIN names the CLI (ctest sets it); BLANC_SOURCE_DIR
the source tree."""
import json
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("BLANC_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BIN = os.environ.get("BLANC_BIN", os.path.join(SRC, "build", "blanc"))
SAMPLE = os.path.join(SRC, "data", "sample-day.itch.zst")


def cli(*args, check=True):
    """Run the CLI; its stdout."""
    p = subprocess.run([BIN, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and p.returncode:
        raise AssertionError("blanc %s: exit %d: %s" % (" ".join(map(str, args)), p.returncode,
                                                        p.stderr))
    return p


def cli_json(path, *args):
    return json.loads(cli("replay", path, "--json", *args).stdout)


@pytest.fixture(scope="session")
def sample():
    return SAMPLE


@pytest.fixture(scope="session")
def gen_day(tmp_path_factory):
    """A generated day: 300k messages over 40 instruments (seconds to replay)."""
    p = tmp_path_factory.mktemp("gen") / "day.itch"
    cli("gen", "--seed", 17, "--messages", "200k", "--symbols", 40, "-o", p)
    return str(p)


@pytest.fixture(scope="session")
def long_day(tmp_path_factory):
    """A generated day long enough that one replay lasts well over 10 ms on a fast host."""
    p = tmp_path_factory.mktemp("gen") / "long.itch"
    cli("gen", "--seed", 17, "--messages", "2M", "--symbols", 40, "-o", p)
    return str(p)


@pytest.fixture(scope="session")
def corrupt_day(tmp_path_factory):
    """A damaged day: every kind of anomaly the generator injects."""
    p = tmp_path_factory.mktemp("gen") / "corrupt.itch"
    cli("gen", "--seed", 3, "--messages", "100k", "--symbols", 20, "--scenario", "corrupt",
        "-o", p)
    return str(p)


@pytest.fixture(scope="session", params=["sample", "gen_day", "corrupt_day"])
def day(request):
    return request.getfixturevalue(request.param)
