/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * FIX market data (docs/EMIT.md "FIX"): the books as a FIX 4.4 or 5.0SP2
 * market-data stream, one message per line.
 *
 * An observer of the replay. A MarketDataSnapshotFullRefresh (35=W) gives an
 * instrument's whole book: one for each instrument known when the writer is
 * attached (a resumed replay's), one (empty) at each instrument's directory
 * message, and one for every instrument at the end. Between them each
 * applied message that changed a level, or printed a trade, is one
 * MarketDataIncrementalRefresh (35=X) straight from the change record: the
 * one or two levels it changed (new, change or delete, told apart by the
 * level's order count after it) and the trade. Nothing is looked up but the
 * symbol.
 */
#include <stdlib.h>
#include <string.h>

#include "out/fix.h"
#include "replay/view.h"

#define COMP_MAX 64

struct blanc_fix {
    blanc_replay *r;
    int obs_id;
    const blanc_books *b;
    blanc_fix_version v;
    int nanos; /* 5.0SP2: times to the nanosecond; 4.4: milliseconds */
    int no_trades, finished, rc;
    int32_t day;
    uint64_t offset; /* New York's from UTC that day, ns */
    uint64_t every, next; /* --every: the grid step and its next instant */
    char sender[COMP_MAX + 1], target[COMP_MAX + 1];
    char (*symbols)[8];
    size_t n_symbols;
    uint64_t seq; /* the last MsgSeqNum written */
    unsigned char *announced; /* per locate: its 35=W was written */
    blanc_level *lv;
    size_t lv_cap;
    fix_msg m;
    obuf out;
};

int blanc_fix_version_parse(const char *s)
{
    if (!s)
        return BLANC_EINVAL;
    if (!strcmp(s, "4.4"))
        return BLANC_FIX_44;
    const char *t = "5.0sp2";
    for (size_t i = 0;; i++) {
        char c = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
        if (c != t[i])
            return BLANC_EINVAL;
        if (!c)
            return BLANC_FIX_50SP2;
    }
}

/* The symbol without its trailing spaces. A byte that is not printable
 * ASCII (a damaged feed's) becomes '?': an SOH would end the field. */
static void symbol_field(fix_msg *m, const char sym[8])
{
    char t[8];
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < n; i++)
        t[i] = sym[i] >= ' ' && sym[i] <= '~' ? sym[i] : '?';
    if (!n)
        t[n++] = '?';
    blanc__fix_str(m, 55, t, n);
}

/* The standard header after BodyLength, with SendingTime from feed time. */
static void begin(blanc_fix *f, char type, uint64_t ts, fix_utc *u)
{
    f->m.n = 0;
    f->m.oom = 0;
    blanc__fix_str(&f->m, 35, &type, 1);
    if (f->v == BLANC_FIX_50SP2)
        blanc__fix_str(&f->m, 1128, "9", 1);
    blanc__fix_str(&f->m, 49, f->sender, strlen(f->sender));
    blanc__fix_str(&f->m, 56, f->target, strlen(f->target));
    blanc__fix_u64(&f->m, 34, f->seq + 1);
    blanc__fix_utc(f->day, f->offset, ts, f->nanos, u);
    char st[28];
    memcpy(st, u->date, 8);
    st[8] = '-';
    size_t tl = strlen(u->time);
    memcpy(st + 9, u->time, tl);
    blanc__fix_str(&f->m, 52, st, 9 + tl);
}

static int end(blanc_fix *f)
{
    if (f->m.oom)
        return BLANC_ENOMEM;
    blanc__fix_frame(&f->out, f->v == BLANC_FIX_50SP2 ? "FIXT.1.1" : "FIX.4.4", &f->m);
    f->seq++;
    return f->out.err;
}

static void when(blanc_fix *f, const fix_utc *u)
{
    blanc__fix_str(&f->m, 272, u->date, 8);
    blanc__fix_str(&f->m, 273, u->time, strlen(u->time));
}

static void transact(blanc_fix *f, const fix_utc *u)
{
    if (f->v != BLANC_FIX_50SP2)
        return;
    char st[28];
    memcpy(st, u->date, 8);
    st[8] = '-';
    size_t tl = strlen(u->time);
    memcpy(st + 9, u->time, tl);
    blanc__fix_str(&f->m, 60, st, 9 + tl);
}

/* 35=W: the instrument's whole book, bids then offers, best first. */
static int snapshot(blanc_fix *f, uint16_t locate, uint64_t ts)
{
    blanc_instrument in;
    if (blanc_books_instrument(f->b, locate, &in))
        return 0;
    size_t need = (size_t)in.bid_levels + in.ask_levels;
    if (need > f->lv_cap) {
        blanc_level *lv = realloc(f->lv, need * sizeof *lv);
        if (!lv)
            return BLANC_ENOMEM;
        f->lv = lv;
        f->lv_cap = need;
    }
    int nb = need ? blanc_books_levels(f->b, locate, 'B', f->lv, in.bid_levels) : 0;
    int na = need ? blanc_books_levels(f->b, locate, 'S', f->lv + in.bid_levels, in.ask_levels)
                  : 0;
    if (nb < 0 || na < 0)
        return nb < 0 ? nb : na;
    fix_utc u;
    begin(f, 'W', ts, &u);
    symbol_field(&f->m, in.symbol);
    blanc__fix_u64(&f->m, 268, (uint64_t)nb + (uint64_t)na);
    for (int s = 0; s < 2 && need; s++) {
        const blanc_level *lv = f->lv + (s ? in.bid_levels : 0);
        for (int k = 0; k < (s ? na : nb); k++) {
            blanc__fix_str(&f->m, 269, s ? "1" : "0", 1);
            blanc__fix_px(&f->m, 270, lv[k].price);
            blanc__fix_u64(&f->m, 271, lv[k].shares);
            when(f, &u);
            blanc__fix_u64(&f->m, 346, lv[k].orders);
        }
    }
    f->announced[locate] = 1;
    return end(f);
}

static int wanted(const blanc_fix *f, const char sym[9])
{
    if (!f->n_symbols)
        return 1;
    for (size_t i = 0; i < f->n_symbols; i++)
        if (!memcmp(f->symbols[i], sym, 8))
            return 1;
    return 0;
}

/* A 35=W for each chosen instrument the books know, in symbol order. */
static int snapshot_all(blanc_fix *f, uint64_t ts)
{
    size_t n = blanc_books_symbols(f->b, NULL, 0);
    uint16_t *loc = n ? malloc(n * sizeof *loc) : NULL;
    if (n && !loc)
        return BLANC_ENOMEM;
    blanc_books_symbols(f->b, loc, n);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        blanc_instrument in;
        if (!blanc_books_instrument(f->b, loc[i], &in) && wanted(f, in.symbol))
            rc = snapshot(f, loc[i], ts);
    }
    free(loc);
    return rc;
}

/* The snapshots of every grid instant a message stamped ts has passed. */
static int instants_before(blanc_fix *f, uint64_t ts)
{
    int rc = 0;
    while (f->every && ts > f->next && !rc) {
        rc = snapshot_all(f, f->next);
        f->next += f->every;
    }
    return rc;
}

static int before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)index;
    return instants_before(ctx, ev->timestamp);
}

static int on_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    (void)index;
    blanc_fix *f = ctx;
    if (c->rc < 0 && c->rc != BLANC_EOVERFILL)
        return 0;
    if (ev->type == 'R')
        return f->announced[ev->locate] ? 0 : snapshot(f, ev->locate, ev->timestamp);
    const blanc_trade *t = &c->trade;
    int trade = !f->no_trades && (t->type == 'E' || t->type == 'P' ||
                                  (t->type == 'C' && t->printable == 'Y'));
    if (!c->n_levels && !trade)
        return 0;
    blanc_instrument in;
    if (blanc_books_instrument(f->b, ev->locate, &in))
        return 0;
    fix_utc u;
    begin(f, 'X', ev->timestamp, &u);
    blanc__fix_u64(&f->m, 268, c->n_levels + (uint64_t)trade);
    const char *type = c->side == 'B' ? "0" : "1";
    for (uint32_t i = 0; i < c->n_levels; i++) {
        const blanc_level *l = &c->levels[i];
        int added = ev->type == 'A' || ev->type == 'F' || (ev->type == 'U' && i == 1);
        char act = l->orders == 0 ? '2' : l->orders == 1 && added ? '0' : '1';
        blanc__fix_str(&f->m, 279, &act, 1);
        blanc__fix_str(&f->m, 269, type, 1);
        symbol_field(&f->m, in.symbol);
        blanc__fix_px(&f->m, 270, l->price);
        if (act != '2')
            blanc__fix_u64(&f->m, 271, l->shares);
        when(f, &u);
        if (act != '2')
            blanc__fix_u64(&f->m, 346, l->orders);
        transact(f, &u);
    }
    if (trade) {
        blanc__fix_str(&f->m, 279, "0", 1);
        blanc__fix_str(&f->m, 269, "2", 1);
        symbol_field(&f->m, in.symbol);
        blanc__fix_px(&f->m, 270, t->price);
        blanc__fix_u64(&f->m, 271, t->shares);
        when(f, &u);
        transact(f, &u);
    }
    return end(f);
}

static int comp_id(char *out, const char *s, const char *dflt)
{
    if (!s)
        s = dflt;
    size_t n = strlen(s);
    if (!n || n > COMP_MAX)
        return BLANC_EINVAL;
    for (size_t i = 0; i < n; i++)
        if (s[i] <= ' ' || s[i] > '~')
            return BLANC_EINVAL;
    memcpy(out, s, n + 1);
    return 0;
}

void blanc_fix_free(blanc_fix *f)
{
    if (!f)
        return;
    if (f->obs_id >= 0)
        blanc_replay_remove_observer(f->r, f->obs_id);
    free(f->symbols);
    free(f->announced);
    free(f->lv);
    free(f->m.b);
    free(f);
}

int blanc_fix_create(blanc_fix **out, blanc_replay *r, const blanc_fix_options *o,
                     blanc_sink *sink)
{
    if (!out || !r || !o || !sink || (unsigned)o->version > BLANC_FIX_50SP2 ||
        (o->n_symbols && !o->symbols))
        return BLANC_EINVAL;
    blanc_fix *f = calloc(1, sizeof *f);
    if (!f)
        return BLANC_ENOMEM;
    f->r = r;
    f->obs_id = -1;
    f->b = blanc_replay_books_const(r);
    f->v = o->version;
    f->nanos = o->version == BLANC_FIX_50SP2;
    f->no_trades = o->no_trades;
    f->out.sink = sink;
    int rc = BLANC_EINVAL;
    if ((f->day = blanc__fix_day(o->date)) < 0 || comp_id(f->sender, o->sender, "BLANC") ||
        comp_id(f->target, o->target, "CLIENT"))
        goto fail;
    f->offset = blanc__fix_offset(f->day);
    rc = BLANC_ENOMEM;
    if (!(f->announced = calloc(65536, 1)))
        goto fail;
    if (o->n_symbols) {
        if (!(f->symbols = malloc(o->n_symbols * sizeof *f->symbols)))
            goto fail;
        memcpy(f->symbols, o->symbols, o->n_symbols * sizeof *f->symbols);
        f->n_symbols = o->n_symbols;
    }
    if ((rc = snapshot_all(f, blanc__replay_stats(r)->last_timestamp)))
        goto fail;
    if ((f->every = o->every_ns)) {
        uint64_t at = blanc__replay_stats(r)->last_timestamp;
        f->next = o->from_ns;
        if (f->next < at) /* a resumed replay: the instants still ahead */
            f->next += (at - f->next + f->every - 1) / f->every * f->every;
    }
    blanc_observer ob = {.ctx = f, .before = f->every ? before : NULL, .on_message = on_message,
                         .symbols = (const char (*)[8])f->symbols, .n_symbols = f->n_symbols};
    if ((rc = blanc_replay_add_observer(r, &ob)) < 0)
        goto fail;
    f->obs_id = rc;
    *out = f;
    return 0;
fail:
    blanc_fix_free(f);
    return rc;
}

int blanc_fix_finish(blanc_fix *f)
{
    if (!f->finished) {
        f->finished = 1;
        uint64_t last = blanc__replay_stats(f->r)->last_timestamp;
        if (f->every && (f->rc = instants_before(f, last + (last != UINT64_MAX))))
            return f->rc;
        if ((f->rc = snapshot_all(f, blanc__replay_stats(f->r)->last_timestamp)))
            return f->rc;
    }
    ob_flush(&f->out);
    return f->rc ? f->rc : f->out.err;
}

uint64_t blanc_fix_messages(const blanc_fix *f) { return f ? f->seq : 0; }
