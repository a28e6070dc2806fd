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

#endif
