/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The replay's observers (include/blanc.h "blanc_observer"): a short list
 * called in order around each decoded message. The loop reads one flag per
 * message (n_obs, want_before); the change record is filled by the apply only
 * while some observer needs it (want_change), so a replay without observers,
 * or with only the bench timer, applies exactly as before.
 */
#include <stdlib.h>
#include <string.h>

#include "book/book.h"
#include "common/bytes.h"
#include "replay/replay.h"

typedef struct replay_observer {
    blanc_observer o;
    int id;
    char (*symbols)[8]; /* owned copy of o.symbols */
    uint8_t *wanted;    /* per locate: 0 unknown yet, 1 yes, 2 no (only with symbols) */
    int extras;         /* it has on_bbo or on_trade */
} replay_observer;

static void refresh(blanc_replay *r)
{
    r->want_before = r->want_change = 0;
    for (uint32_t i = 0; i < r->n_obs; i++) {
        const blanc_observer *o = &r->obs[i].o;
        r->want_before |= o->before != NULL;
        r->want_change |= o->on_bbo || o->on_trade ||
                          (o->on_message && !(o->flags & BLANC_OBSERVE_RC_ONLY));
    }
    const replay_observer *x = r->n_obs == 1 ? &r->obs[0] : NULL;
    int fast = x && x->o.on_message && !x->wanted && !x->extras && r->want_change;
    r->fast_message = fast ? x->o.on_message : NULL;
    r->fast_ctx = fast ? x->o.ctx : NULL;
}

int blanc_replay_add_observer(blanc_replay *r, const blanc_observer *o)
{
    if (!r || !o || r->n_obs >= BLANC_MAX_OBSERVERS || (o->n_symbols && !o->symbols))
        return BLANC_EINVAL;
    if (!r->obs && !(r->obs = calloc(BLANC_MAX_OBSERVERS, sizeof *r->obs)))
        return BLANC_ENOMEM;
    replay_observer x = {*o, r->next_obs_id, NULL, NULL, o->on_bbo || o->on_trade};
    if (o->n_symbols) {
        x.symbols = malloc(o->n_symbols * sizeof *x.symbols);
        x.wanted = calloc(65536, 1);
        if (!x.symbols || !x.wanted) {
            free(x.symbols);
            free(x.wanted);
            return BLANC_ENOMEM;
        }
        memcpy(x.symbols, o->symbols, o->n_symbols * sizeof *x.symbols);
        x.o.symbols = (const char (*)[8])x.symbols;
    }
    r->obs[r->n_obs++] = x;
    r->next_obs_id++;
    refresh(r);
    return x.id;
}

int blanc_replay_remove_observer(blanc_replay *r, int id)
{
    if (!r)
        return BLANC_ENOTFOUND;
    for (uint32_t i = 0; i < r->n_obs; i++) {
        if (r->obs[i].id != id)
            continue;
        free(r->obs[i].symbols);
        free(r->obs[i].wanted);
        memmove(&r->obs[i], &r->obs[i + 1], (r->n_obs - i - 1) * sizeof *r->obs);
        r->n_obs--;
        refresh(r);
        return 0;
    }
    return BLANC_ENOTFOUND;
}

void blanc__observers_free(blanc_replay *r)
{
    for (uint32_t i = 0; i < r->n_obs; i++) {
        free(r->obs[i].symbols);
        free(r->obs[i].wanted);
    }
    free(r->obs);
    r->obs = NULL;
    r->n_obs = 0;
    refresh(r);
}

int blanc__observe_before(blanc_replay *r, const blanc_event *ev, uint64_t index)
{
    for (uint32_t i = 0; i < r->n_obs; i++) {
        const blanc_observer *o = &r->obs[i].o;
        if (o->before) {
            int rc = o->before(o->ctx, ev, index);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

/* Whether the observer follows this instrument: one known by its directory
 * and in its list (asked again while the locate has no directory). */
static int wanted(const blanc_replay *r, replay_observer *x, uint16_t locate)
{
    if (!x->wanted[locate]) {
        blanc_instrument in;
        if (blanc_books_instrument(r->books, locate, &in))
            return 0;
        x->wanted[locate] = 2;
        for (size_t i = 0; i < x->o.n_symbols; i++)
            if (!memcmp(x->symbols[i], in.symbol, 8))
                x->wanted[locate] = 1;
    }
    return x->wanted[locate] == 1;
}

/* The per-instrument callbacks of observer x, after its on_message. */
static int observe_extras(blanc_replay *r, replay_observer *x, const blanc_event *ev,
                          uint64_t index, int *bbo_read, blanc_level *bid, blanc_level *ask)
{
    const blanc_change *c = &r->chg;
    const blanc_observer *o = &x->o;
    int hr = 0;
    if (o->on_bbo && (c->flags & BLANC_CHANGE_BBO)) {
        if (!*bbo_read) {
            blanc_books_bbo(r->books, ev->locate, bid, ask);
            *bbo_read = 1;
        }
        if ((hr = o->on_bbo(o->ctx, ev, index, bid, ask)) < 0)
            return hr;
    }
    if (o->on_trade && c->trade.type)
        hr = o->on_trade(o->ctx, ev, index, &c->trade);
    return hr;
}

int blanc__observe_after(blanc_replay *r, const blanc_event *ev, uint64_t index, int rc)
{
    blanc_change *c = &r->chg;
    if (!r->want_change) /* the apply filled nothing: the minimum for RC_ONLY */
        blanc__change_clear(c, ev);
    c->rc = rc;
    int bbo_read = 0;
    blanc_level bid, ask;
    for (uint32_t i = 0; i < r->n_obs; i++) {
        replay_observer *x = &r->obs[i];
        if (blanc_unlikely(x->wanted != NULL) && !wanted(r, x, ev->locate))
            continue;
        int hr;
        if (x->o.on_message && (hr = x->o.on_message(x->o.ctx, ev, index, c)) < 0)
            return hr;
        if (blanc_unlikely(x->extras) &&
            (hr = observe_extras(r, x, ev, index, &bbo_read, &bid, &ask)) < 0)
            return hr;
    }
    return 0;
}
