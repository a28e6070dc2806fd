/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * --emit l2 --every D / --at TIMES (docs/EMIT.md "Sampled books and bars"):
 * the top-N book of each instrument at each instant t of feed time, as the
 * books are after every message stamped at or before t. So instant t is
 * written just before the first message stamped after t is applied (the
 * observer's before() sees the books as they were), and at the end for the
 * instants up to the last timestamp.
 *
 * An instrument has rows from its first order on (an add applied while this
 * output watched it, or a level in the books it started from), then at every
 * instant, empty or not, in symbol order.
 */
#include <stdlib.h>
#include <string.h>

#include "out/emit.h"
#include "out/sample.h"
#include "replay/view.h"

typedef struct sampler {
    const blanc_books *b;
    blanc_emit_options o;
    obuf *out;
    uint64_t *records;
    uint64_t *at; /* sorted, unique; NULL with every_ns */
    size_t n_at, i_at;
    uint64_t next;   /* the next instant; UINT64_MAX: none left */
    uint64_t clock;  /* the largest timestamp seen */
    int started;     /* next and clock are set */
    size_t n_seen;   /* instruments with rows ... */
    uint16_t loc[65536]; /* ... their locates in symbol order */
    uint8_t seen[65536];
    char sym[65536][8];
    blanc_level *lv; /* 2 * depth: bids, then asks */
} sampler;

/* The first instant at or after t (instants before it have passed). */
static uint64_t first_from(sampler *s, uint64_t t)
{
    if (!s->at)
        return blanc__grid_ceil(s->o.from_ns, s->o.every_ns, t);
    while (s->i_at < s->n_at && s->at[s->i_at] < t)
        s->i_at++;
    return s->i_at < s->n_at ? s->at[s->i_at] : UINT64_MAX;
}

static void advance(sampler *s)
{
    if (s->at) {
        s->i_at++;
        s->next = s->i_at < s->n_at ? s->at[s->i_at] : UINT64_MAX;
    } else {
        s->next = UINT64_MAX - s->next < s->o.every_ns ? UINT64_MAX : s->next + s->o.every_ns;
    }
}

static void price(obuf *o, const sampler *s, const blanc_level *l)
{
    ob_char(o, ',');
    if (l->orders)
        blanc__ob_price(o, l->price, s->o.price_decimal, 0);
    ob_cu64(o, l->shares);
    ob_cu64(o, l->orders);
}

static void row_csv(sampler *s, const blanc_instrument *in, uint16_t locate, uint64_t t)
{
    obuf *o = s->out;
    uint32_t d = s->o.depth;
    blanc__ob_time(o, t, s->o.time_iso, 0);
    ob_char(o, ',');
    blanc__ob_csv_chars(o, in->symbol, blanc__sym_len(in->symbol));
    ob_cu64(o, locate);
    for (uint32_t i = 0; i < d; i++) {
        price(o, s, &s->lv[i]);
        price(o, s, &s->lv[d + i]);
    }
    ob_char(o, '\n');
}

static void side_json(sampler *s, const char *key, const blanc_level *l)
{
    obuf *o = s->out;
    ob_str(o, key);
    for (uint32_t i = 0; i < s->o.depth && l[i].orders; i++) {
        ob_str(o, i ? ",[" : "[");
        blanc__ob_price(o, l[i].price, s->o.price_decimal, 1);
        ob_cu64(o, l[i].shares);
        ob_cu64(o, l[i].orders);
        ob_char(o, ']');
    }
    ob_char(o, ']');
}

static void row_jsonl(sampler *s, const blanc_instrument *in, uint16_t locate, uint64_t t)
{
    obuf *o = s->out;
    ob_str(o, "{\"ts\":");
    blanc__ob_time(o, t, s->o.time_iso, 1);
    ob_str(o, ",\"symbol\":");
    ob_json_symbol(o, in->symbol);
    ob_str(o, ",\"locate\":");
    ob_u64(o, locate);
    side_json(s, ",\"bids\":[", s->lv);
    side_json(s, ",\"asks\":[", s->lv + s->o.depth);
    ob_str(o, "}\n");
}

static int sample(sampler *s, uint64_t t)
{
    uint32_t d = s->o.depth;
    for (size_t i = 0; i < s->n_seen; i++) {
        uint16_t l = s->loc[i];
        blanc_instrument in;
        memcpy(in.symbol, s->sym[l], 8);
        memset(s->lv, 0, 2 * d * sizeof *s->lv);
        blanc_books_levels(s->b, l, 'B', s->lv, d);
        blanc_books_levels(s->b, l, 'S', s->lv + d, d);
        if (s->o.format == BLANC_EMIT_CSV)
            row_csv(s, &in, l, t);
        else
            row_jsonl(s, &in, l, t);
        ++*s->records;
    }
    return s->out->err;
}

/* An instrument's first order: into the list in symbol order. Once per
 * instrument, so the insertion's move is paid at most 65536 times. An
 * instrument the directory does not name yet waits for its next add. */
static void mark(sampler *s, uint16_t l)
{
    blanc_instrument in;
    if (s->seen[l] || blanc_books_instrument(s->b, l, &in))
        return;
    s->seen[l] = 1;
    memcpy(s->sym[l], in.symbol, 8);
    size_t lo = 0, hi = s->n_seen;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(s->sym[s->loc[mid]], in.symbol, 8);
        if (c < 0 || (c == 0 && s->loc[mid] < l))
            lo = mid + 1;
        else
            hi = mid;
    }
    memmove(s->loc + lo + 1, s->loc + lo, (s->n_seen - lo) * sizeof *s->loc);
    s->loc[lo] = l;
    s->n_seen++;
}

static int before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)index;
    sampler *s = ctx;
    uint64_t ts = ev->timestamp;
    if (!s->started || !s->n_seen) {
        /* No instrument has rows yet: the instants before this one write
         * nothing, so skip them rather than walk them. */
        if (!s->started || ts > s->clock)
            s->clock = ts;
        s->started = 1;
        s->next = first_from(s, s->clock);
        return 0;
    }
    if (ts <= s->clock)
        return 0;
    s->clock = ts;
    while (s->next < ts) {
        int rc = sample(s, s->next);
        if (rc)
            return rc;
        advance(s);
    }
    return 0;
}

static int on_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    (void)index;
    sampler *s = ctx;
    if (c->rc == BLANC_APPLIED && (ev->type == 'A' || ev->type == 'F'))
        mark(s, ev->locate);
    return 0;
}

static int finish(void *ctx)
{
    sampler *s = ctx;
    while (s->started && s->n_seen && s->next <= s->clock) {
        int rc = sample(s, s->next);
        if (rc)
            return rc;
        advance(s);
    }
    return 0;
}

static void sampler_free(void *ctx)
{
    sampler *s = ctx;
    if (!s)
        return;
    free(s->at);
    free(s->lv);
    free(s);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The books it starts from (a resumed replay's): instruments with a level
 * have had an order, and the clock is where the replay stopped. */
static int prime(sampler *s, const blanc_replay *r, const blanc_emit_options *o)
{
    size_t n = blanc_books_symbols(s->b, NULL, 0);
    uint16_t *all = malloc((n + 1) * sizeof *all);
    if (!all)
        return BLANC_ENOMEM;
    blanc_books_symbols(s->b, all, n);
    for (size_t i = 0; i < n; i++) {
        blanc_level bid, ask;
        blanc_instrument in;
        uint16_t l = all[i];
        if (blanc_books_bbo(s->b, l, &bid, &ask) || (!bid.orders && !ask.orders) ||
            blanc_books_instrument(s->b, l, &in))
            continue;
        int wanted = !o->n_symbols;
        for (size_t k = 0; k < o->n_symbols && !wanted; k++)
            wanted = !memcmp(in.symbol, o->symbols[k], 8);
        if (wanted)
            mark(s, l);
    }
    free(all);
    const blanc_replay_stats *st = blanc__replay_stats(r);
    if (st->messages) {
        s->started = 1;
        s->clock = st->last_timestamp;
        s->next = first_from(s, s->clock);
    }
    return 0;
}

static int create(void **ctx, blanc_observer *ob, blanc_replay *r, const blanc_emit_options *o,
                  obuf *out, uint64_t *records)
{
    sampler *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    s->b = blanc_replay_books_const(r);
    s->o = *o;
    if (!s->o.depth)
        s->o.depth = 5;
    s->out = out;
    s->records = records;
    s->lv = calloc(2 * (size_t)s->o.depth, sizeof *s->lv);
    if (o->n_at) {
        s->at = malloc(o->n_at * sizeof *s->at);
        if (s->at) {
            memcpy(s->at, o->at, o->n_at * sizeof *s->at);
            qsort(s->at, o->n_at, sizeof *s->at, cmp_u64);
            size_t k = 0;
            for (size_t i = 0; i < o->n_at; i++)
                if (!k || s->at[i] != s->at[k - 1])
                    s->at[k++] = s->at[i];
            s->n_at = k;
        }
    }
    if (!s->lv || (o->n_at && !s->at)) {
        sampler_free(s);
        return BLANC_ENOMEM;
    }
    if (prime(s, r, o)) {
        sampler_free(s);
        return BLANC_ENOMEM;
    }
    *ob = (blanc_observer){.ctx = s, .before = before, .on_message = on_message,
                           .flags = BLANC_OBSERVE_RC_ONLY};
    if (o->format == BLANC_EMIT_CSV) {
        ob_str(out, "ts,symbol,locate");
        static const char *const col[] = {"bid_price_", "bid_shares_", "bid_orders_",
                                          "ask_price_", "ask_shares_", "ask_orders_"};
        for (uint32_t i = 1; i <= s->o.depth; i++)
            for (int c = 0; c < 6; c++) {
                ob_char(out, ',');
                ob_str(out, col[c]);
                ob_u64(out, i);
            }
        ob_char(out, '\n');
    }
    *ctx = s;
    return 0;
}

const sampled_ops blanc__sample_l2 = {create, finish, sampler_free};
