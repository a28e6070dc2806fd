/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The replay's counters read in place, for the library's own layers (the
 * outputs, the session, the plan, the bench timer). Callers outside the
 * library get a copy from blanc_replay_get_stats (docs/API.md "Statistics"):
 * one getter shape for every object, and nothing a user could hold on to
 * while the replay changes it.
 */
#ifndef BLANC_REPLAY_VIEW_H
#define BLANC_REPLAY_VIEW_H

#include "blanc.h"

/* Never NULL; current whenever the replay is not inside run(). */
const blanc_replay_stats *blanc__replay_stats(const blanc_replay *r);

/* Whether the runs to come keep every CPU this process may use busy: as
 * many book threads as CPUs, and nothing that keeps the run on one thread
 * (replay.c use_workers). A helper thread of the input (map_pager.h) would
 * then take a core rather than use an idle one. */
int blanc__replay_fills_cpus(const blanc_replay *r);

#endif
