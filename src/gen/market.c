/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "gen/market.h"

/* Tickers: deterministic, unique, 1-5 letters, spread over the alphabet. */
static void make_ticker(rng *r, uint32_t i, char out[8])
{
    memset(out, ' ', 8);
    uint32_t len = 1 + rng_below(r, 4) + (i > 500 ? 1 : 0);
    if (len > 5)
        len = 5;
    for (uint32_t k = 0; k < len; k++)
        out[k] = (char)('A' + rng_below(r, 26));
}

static int ticker_taken(const market *m, uint32_t upto, const char t[8])
{
    for (uint32_t i = 0; i < upto; i++)
        if (!memcmp(m->s[i].name, t, 8))
            return 1;
    return 0;
}

int market_init(market *m, rng *r, uint32_t symbols, uint64_t messages)
{
    memset(m, 0, sizeof *m);
    m->s = calloc(symbols, sizeof *m->s);
    m->cum = calloc(symbols, sizeof *m->cum);
    if (!m->s || !m->cum)
        return BLANC_ENOMEM;
    m->n = symbols;
    uint64_t total = 0;
    for (uint32_t i = 0; i < symbols; i++) {
        sym *s = &m->s[i];
        do
            make_ticker(r, i, s->name);
        while (ticker_taken(m, i, s->name));
        s->locate = (uint16_t)(i + 1);
        s->base = 500 + rng_below(r, 49500) - WINDOW / 2;
        if (s->base < 100)
            s->base = 100;
        s->mid = WINDOW / 2;
        s->best[0] = -1;
        s->best[1] = WINDOW;
        /* Weight 1/(rank+1): a few symbols carry most of the traffic. */
        uint64_t w = (UINT64_C(1) << 32) / (i + 1);
        total += w;
        m->cum[i] = total;
        /* Resting depth grows with a symbol's share of traffic, bounded. */
        uint64_t share = messages / 40 * w / ((UINT64_C(1) << 32) * 6);
        s->target = (uint32_t)(share < 30 ? 30 : share > 4000 ? 4000 : share);
    }
    m->total = total;
    m->next_ref = 1000 + rng_below(r, 100000);
    m->next_match = 1 + rng_below(r, 1000);
    return 0;
}

void market_free(market *m)
{
    for (uint32_t i = 0; i < m->n; i++)
        free(m->s[i].o);
    free(m->s);
    free(m->cum);
}

uint32_t market_pick(const market *m, rng *r)
{
    uint64_t x = ((rng_next(r) >> 11) % m->total);
    uint32_t lo = 0, hi = m->n - 1;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (m->cum[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

uint32_t price_of(const sym *s, uint32_t tick) { return (s->base + tick) * TICK; }

uint32_t choose_tick(sym *s, rng *r, int side)
{
    /* Mostly a few ticks from the top; now and then deeper in the book. */
    uint32_t d = rng_below(r, 16) ? rng_geom(r) : rng_below(r, 60);
    int32_t t;
    if (side == 0) {
        int32_t top = s->best[1] < WINDOW ? s->best[1] - 1 : s->mid;
        if (s->mid < top)
            top = s->mid;
        t = top - (int32_t)d;
    } else {
        int32_t top = s->best[0] >= 0 ? s->best[0] + 1 : s->mid + 1;
        if (s->mid + 1 > top)
            top = s->mid + 1;
        t = top + (int32_t)d;
    }
    if (t < 0)
        t = 0;
    if (t > WINDOW - 1)
        t = WINDOW - 1;
    /* Clamping must not cross: fall back to the edge on our side of the spread. */
    if (side == 0 && s->best[1] < WINDOW && t >= s->best[1])
        t = s->best[1] - 1;
    if (side == 1 && s->best[0] >= 0 && t <= s->best[0])
        t = s->best[0] + 1;
    return (uint32_t)t;
}

uint32_t choose_shares(rng *r)
{
    uint32_t k = rng_below(r, 100);
    if (k < 70)
        return 100 * (1 + rng_geom(r) % 10);
    if (k < 90)
        return 1 + rng_below(r, 99);
    return 100 * (1 + rng_below(r, 50));
}

int order_add(sym *s, uint64_t ref, int side, uint32_t tick, uint32_t shares)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        live_order *o = realloc(s->o, cap * sizeof *o);
        if (!o)
            return BLANC_ENOMEM;
        s->o = o;
        s->cap = cap;
    }
    s->o[s->n++] = (live_order){ref, shares, (uint16_t)tick, (uint8_t)side, 0};
    s->cnt[side][tick]++;
    if (side == 0 && (int32_t)tick > s->best[0])
        s->best[0] = (int32_t)tick;
    if (side == 1 && (int32_t)tick < s->best[1])
        s->best[1] = (int32_t)tick;
    return 0;
}

void order_drop(sym *s, uint32_t i)
{
    live_order o = s->o[i];
    /* Keep the array in add order (a memmove of the tail) so "recent" stays
     * meaningful; the tail is short because most removals are recent. */
    memmove(&s->o[i], &s->o[i + 1], (s->n - i - 1) * sizeof *s->o);
    s->n--;
    if (--s->cnt[o.side][o.tick] == 0 && (int32_t)o.tick == s->best[o.side]) {
        if (o.side == 0) {
            int32_t t = o.tick;
            while (t >= 0 && !s->cnt[0][t])
                t--;
            s->best[0] = t;
        } else {
            int32_t t = o.tick;
            while (t < WINDOW && !s->cnt[1][t])
                t++;
            s->best[1] = t;
        }
    }
}

void order_reduce(sym *s, uint32_t i, uint32_t by)
{
    if (by >= s->o[i].shares)
        order_drop(s, i);
    else
        s->o[i].shares -= by;
}

uint32_t pick_recent(const sym *s, rng *r)
{
    /* Short lifetimes dominate real books: 3 in 4 removals hit one of the
     * last few orders, the rest anything (the long-lived tail). */
    if (rng_below(r, 4)) {
        uint32_t back = rng_geom(r) * 2 + rng_below(r, 2);
        return back < s->n ? s->n - 1 - back : rng_below(r, s->n);
    }
    return rng_below(r, s->n);
}

uint32_t oldest_at_best(const sym *s, int side)
{
    int32_t t = s->best[side];
    if (t < 0 || t >= WINDOW)
        return UINT32_MAX;
    /* The array is in add order, so the first match is the oldest. */
    for (uint32_t i = 0; i < s->n; i++)
        if (s->o[i].side == side && s->o[i].tick == (uint16_t)t)
            return i;
    return UINT32_MAX;
}
