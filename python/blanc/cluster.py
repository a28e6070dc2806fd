# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Dask's scheduler and worker, configured for day-long tasks (docs/SCALEOUT.md).

    python -m blanc.cluster scheduler --port 8786 [dask-scheduler options]
    python -m blanc.cluster worker tcp://HOST:8786 --nthreads 1 [dask-worker options]

Each is Distributed's own command (the same options) with :data:`CONFIG` as defaults.
Dask's defaults suit many short Python tasks; a Blanc task is one day of C with the
GIL released, and an idle Dask 2022.12 worker spends ~5 % of a core on its own
housekeeping: the statistical profiler samples every thread's stack 100 times a second
(it sees only ``replay_day`` calling the extension), the event loop's health tick runs
50 times a second, memory and system monitors 10 and 2 times. On a machine whose
cores all replay, that time is taken from the replays. A variable already set in the
environment (``DASK_…``) wins over these defaults.
"""
from __future__ import annotations

import os
import sys
from typing import Dict, List, Mapping, Optional, Sequence

# Dask configuration key -> value, for the scheduler, the nannies and the workers.
CONFIG: Dict[str, str] = {
    # the profiler has nothing to show in a task that is one C call
    "distributed.worker.profile.enabled": "False",
    # "is the event loop blocked?" once a second, not 50 times (warns after limit: 3 s)
    "distributed.admin.tick.interval": "1s",
    # process memory against the pause/terminate thresholds: a day's is bounded
    "distributed.worker.memory.monitor-interval": "1s",
    # host CPU, memory, network and disk counters for the dashboard
    "distributed.admin.system-monitor.interval": "5s",
}


def env_name(key: str) -> str:
    """The environment variable of a Dask key (``distributed.admin.tick.interval`` is
    ``DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL``)."""
    return "DASK_" + "__".join(p.upper().replace("-", "_") for p in key.split("."))


def defaults(environ: Optional[Mapping[str, str]] = None) -> Dict[str, str]:
    """:data:`CONFIG` without the keys the environment already sets."""
    environ = os.environ if environ is None else environ
    return {k: v for k, v in CONFIG.items() if env_name(k) not in environ}


def apply() -> None:
    """Put :func:`defaults` into this process's environment, for it and the processes it
    starts (a nanny's worker), and into Dask's configuration if Dask is loaded."""
    env = {env_name(k): v for k, v in defaults().items()}
    os.environ.update(env)
    if "dask" in sys.modules:  # else Dask reads the environment when imported
        import dask
        dask.config.update(dask.config.config, dask.config.collect_env(env))


def main(argv: Optional[Sequence[str]] = None) -> int:
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ("scheduler", "worker"):
        sys.stderr.write("usage: python -m blanc.cluster scheduler|worker [OPTIONS of "
                         "dask-scheduler or dask-worker]\n")
        return 2
    apply()
    if args[0] == "scheduler":
        from distributed.cli import dask_scheduler as cli
    else:
        from distributed.cli import dask_worker as cli
    cli.main(args=args[1:], prog_name="python -m blanc.cluster " + args[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
