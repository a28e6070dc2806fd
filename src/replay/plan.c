/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A run plan: replay to the end, pausing at each cut (docs/SNAPSHOT.md
 * "Cut points") and every `tick` messages, calling the caller there.
 *
 * This lives in the library, not in a CLI, because the rules are easy to get
 * subtly wrong and every caller needs the same ones: a cut at 0 pauses before
 * anything is consumed (the source must then hand the same window back), a
 * time cut is due only once a later-stamped message is seen (or at the end),
 * cuts at one position are all taken at that position, a cut the input never
 * reaches is reported, not silently dropped.
 */
#include <stddef.h>

#include "blanc.h"
#include "replay/view.h"

static int due_index(const blanc_cut *c, uint64_t at)
{
    return !c->taken && c->kind == BLANC_CUT_INDEX && c->at <= at;
}

/* The earliest untaken index and time limits. */
static void next_limits(const blanc_run_plan *p, uint64_t *idx, uint64_t *ts)
{
    *idx = *ts = BLANC_NO_LIMIT;
    for (size_t i = 0; i < p->n_cuts; i++) {
        const blanc_cut *c = &p->cuts[i];
        if (c->taken)
            continue;
        if (c->kind == BLANC_CUT_INDEX && c->at < *idx)
            *idx = c->at;
        if (c->kind == BLANC_CUT_TIME && c->at < *ts)
            *ts = c->at;
    }
}

static int take(const blanc_run_plan *p, blanc_replay *r, blanc_cut *c)
{
    c->taken = 1;
    c->messages = blanc__replay_stats(r)->messages;
    return p->on_pause ? p->on_pause(p->ctx, r, c) : 0;
}

int blanc_run_plan_check(const blanc_run_plan *p, const blanc_replay *r)
{
    const blanc_replay_stats *st = blanc__replay_stats(r);
    for (size_t i = 0; i < p->n_cuts; i++) {
        const blanc_cut *c = &p->cuts[i];
        if (c->kind != BLANC_CUT_INDEX && c->kind != BLANC_CUT_TIME && c->kind != BLANC_CUT_END)
            return BLANC_EINVAL;
        /* A resumed replay cannot go back to a state before its position. */
        if (c->kind == BLANC_CUT_INDEX && c->at < st->messages)
            return BLANC_EINVAL;
        if (c->kind == BLANC_CUT_TIME && st->messages && c->at < st->last_timestamp)
            return BLANC_EINVAL;
    }
    return 0;
}

int blanc_replay_run_plan(blanc_replay *r, blanc_feed *f, blanc_run_plan *p)
{
    int rc = blanc_run_plan_check(p, r);
    if (rc)
        return rc;
    for (size_t i = 0; i < p->n_cuts; i++)
        p->cuts[i].taken = 0, p->cuts[i].messages = 0;
    for (;;) {
        uint64_t idx, ts, now = blanc__replay_stats(r)->messages;
        next_limits(p, &idx, &ts);
        uint64_t tick = p->tick ? now + p->tick : BLANC_NO_LIMIT;
        int tick_first = tick < idx;
        rc = blanc_replay_run_until(r, f, tick_first ? tick : idx, ts);
        if (rc != BLANC_REPLAY_PAUSED)
            break;
        uint64_t at = blanc__replay_stats(r)->messages;
        int taken = 0;
        /* Index cuts first: at one position they come before time cuts. */
        for (size_t i = 0; i < p->n_cuts; i++) {
            if (due_index(&p->cuts[i], at)) {
                taken = 1;
                if ((rc = take(p, r, &p->cuts[i])) < 0)
                    return rc;
            }
        }
        /* Else, unless this is a tick, the earliest time cut(s) came due: the
         * next message is stamped later. Later time cuts that are due too are
         * taken by the next pause, which comes at once at this same place. */
        if (!taken && !(tick_first && at == tick)) {
            for (size_t i = 0; i < p->n_cuts; i++) {
                blanc_cut *c = &p->cuts[i];
                if (!c->taken && c->kind == BLANC_CUT_TIME && c->at == ts) {
                    taken = 1;
                    if ((rc = take(p, r, c)) < 0)
                        return rc;
                }
            }
        }
        if (tick_first && at == tick && p->on_pause && (rc = p->on_pause(p->ctx, r, NULL)) < 0)
            return rc;
    }
    if (rc != 0 && rc != BLANC_ESTRICT)
        return rc;
    /* The end: end cuts, time cuts no later message passed, and index cuts at
     * exactly the number of messages there were (the input ended right there:
     * a final session marker, a truncated tail or a strict stop adds none). */
    int missed = 0;
    uint64_t n = blanc__replay_stats(r)->messages;
    for (size_t i = 0; i < p->n_cuts; i++) {
        blanc_cut *c = &p->cuts[i];
        if (c->taken)
            continue;
        if (c->kind == BLANC_CUT_END || c->kind == BLANC_CUT_TIME || c->at <= n) {
            int cr = take(p, r, c);
            if (cr < 0)
                return cr;
        } else {
            missed = 1;
        }
    }
    if (rc == 0 && missed)
        return BLANC_ECUTPAST;
    return rc;
}
