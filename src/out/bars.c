/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * --emit bars --every D (docs/EMIT.md "Sampled books and bars"): OHLCV bars
 * [from + k D, from + (k+1) D) of feed time per instrument, from the printable
 * executions (E at the resting order's price, C printable at its execution
 * price, P), with the VWAP and the trade count; cross prints (Q) are counted
 * apart (cross_shares, cross_price, crosses). A trade belongs to the bar of
 * the feed clock when it prints. A bar is written once the clock reaches its
 * end (just before the first message stamped at or after it is applied), or
 * at the end of the input; a bar with no print is not written.
 */
#include <stdlib.h>
#include <string.h>

#include "out/emit.h"
#include "out/sample.h"
#include "replay/view.h"

__extension__ typedef unsigned __int128 u128;

typedef struct bar {
    uint32_t open, high, low, close, cross_price;
    uint64_t volume, trades, cross_shares, crosses;
    u128 notional; /* sum of price * shares: 2^32 * 2^32 per print */
} bar;

typedef struct bars {
    const blanc_books *b;
    blanc_emit_options o;
    obuf *out;
    uint64_t *records;
    uint64_t start;  /* the open bar's start */
    uint64_t clock;  /* the largest timestamp seen */
    int started;
    size_t n_touched; /* instruments with a print in the open bar */
    uint16_t touched[65536];
    bar *bar[65536]; /* allocated on an instrument's first print */
    char sym[65536][8];
    struct keyed {
        char sym[8];
        uint16_t locate;
    } order[65536]; /* the open bar's instruments, sorted for writing */
} bars;

static int by_symbol(const void *a, const void *b)
{
    const struct keyed *x = a, *y = b;
    int c = memcmp(x->sym, y->sym, 8);
    return c ? c : (x->locate > y->locate) - (x->locate < y->locate);
}

/* Nearest tick, halves up: floor((2 n + d) / 2 d). */
static uint64_t vwap(const bar *x)
{
    return (uint64_t)((2 * x->notional + x->volume) / (2 * (u128)x->volume));
}

static void opt_price(obuf *o, const bars *s, int have, uint64_t p)
{
    ob_char(o, ',');
    if (have)
        blanc__ob_price(o, p, s->o.price_decimal, 0);
}

static void row_csv(bars *s, uint16_t l, const bar *x)
{
    obuf *o = s->out;
    int t = x->trades != 0;
    blanc__ob_time(o, s->start, s->o.time_iso, 0);
    ob_char(o, ',');
    blanc__ob_csv_chars(o, s->sym[l], blanc__sym_len(s->sym[l]));
    ob_cu64(o, l);
    opt_price(o, s, t, x->open);
    opt_price(o, s, t, x->high);
    opt_price(o, s, t, x->low);
    opt_price(o, s, t, x->close);
    ob_cu64(o, x->volume);
    opt_price(o, s, t, t ? vwap(x) : 0);
    ob_cu64(o, x->trades);
    ob_cu64(o, x->cross_shares);
    opt_price(o, s, x->crosses != 0, x->cross_price);
    ob_cu64(o, x->crosses);
    ob_char(o, '\n');
}

/* ",KEY:" and a price, or null without one. */
static void jprice(obuf *o, const bars *s, const char *k, int have, uint64_t p)
{
    ob_str(o, k);
    if (have)
        blanc__ob_price(o, p, s->o.price_decimal, 1);
    else
        ob_str(o, "null");
}

static void row_jsonl(bars *s, uint16_t l, const bar *x)
{
    obuf *o = s->out;
    int t = x->trades != 0;
    ob_str(o, "{\"ts\":");
    blanc__ob_time(o, s->start, s->o.time_iso, 1);
    ob_str(o, ",\"symbol\":");
    ob_json_symbol(o, s->sym[l]);
    ob_str(o, ",\"locate\":");
    ob_u64(o, l);
    jprice(o, s, ",\"open\":", t, x->open);
    jprice(o, s, ",\"high\":", t, x->high);
    jprice(o, s, ",\"low\":", t, x->low);
    jprice(o, s, ",\"close\":", t, x->close);
    ob_str(o, ",\"volume\":");
    ob_u64(o, x->volume);
    jprice(o, s, ",\"vwap\":", t, t ? vwap(x) : 0);
    ob_str(o, ",\"trades\":");
    ob_u64(o, x->trades);
    ob_str(o, ",\"cross_shares\":");
    ob_u64(o, x->cross_shares);
    jprice(o, s, ",\"cross_price\":", x->crosses != 0, x->cross_price);
    ob_str(o, ",\"crosses\":");
    ob_u64(o, x->crosses);
    ob_str(o, "}\n");
}

/* Write the open bar's rows in symbol order and clear them. */
static int flush(bars *s)
{
    if (!s->n_touched)
        return 0;
    for (size_t i = 0; i < s->n_touched; i++) {
        memcpy(s->order[i].sym, s->sym[s->touched[i]], 8);
        s->order[i].locate = s->touched[i];
    }
    qsort(s->order, s->n_touched, sizeof s->order[0], by_symbol);
    for (size_t i = 0; i < s->n_touched; i++)
        s->touched[i] = s->order[i].locate;
    for (size_t i = 0; i < s->n_touched; i++) {
        uint16_t l = s->touched[i];
        if (s->o.format == BLANC_EMIT_CSV)
            row_csv(s, l, s->bar[l]);
        else
            row_jsonl(s, l, s->bar[l]);
        memset(s->bar[l], 0, sizeof(bar));
        ++*s->records;
    }
    s->n_touched = 0;
    return s->out->err;
}

/* The start of the bar holding ts (>= from). */
static uint64_t bar_of(const bars *s, uint64_t ts)
{
    return s->o.from_ns + (ts - s->o.from_ns) / s->o.every_ns * s->o.every_ns;
}

static int before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)index;
    bars *s = ctx;
    uint64_t ts = ev->timestamp;
    if (s->started && ts <= s->clock)
        return 0;
    s->clock = ts;
    s->started = 1;
    if (ts < s->o.from_ns)
        return 0;
    uint64_t start = bar_of(s, ts);
    if (start != s->start) {
        int rc = flush(s);
        s->start = start;
        return rc;
    }
    return 0;
}

static int on_trade(void *ctx, const blanc_event *ev, uint64_t index, const blanc_trade *t)
{
    (void)index;
    bars *s = ctx;
    int cross = t->type == 'Q';
    if (!t->shares || s->clock < s->o.from_ns || (t->type == 'C' && t->printable != 'Y'))
        return 0;
    uint16_t l = ev->locate;
    bar *x = s->bar[l];
    if (!x) {
        if (!(x = s->bar[l] = calloc(1, sizeof *x)))
            return BLANC_ENOMEM;
    }
    if (!x->trades && !x->crosses) {
        blanc_instrument in;
        if (blanc_books_instrument(s->b, l, &in))
            memset(in.symbol, ' ', 8);
        memcpy(s->sym[l], in.symbol, 8);
        s->touched[s->n_touched++] = l;
    }
    if (cross) {
        x->cross_shares += t->shares;
        x->cross_price = t->price;
        x->crosses++;
        return 0;
    }
    if (!x->trades) {
        x->open = x->high = x->low = t->price;
    } else {
        x->high = t->price > x->high ? t->price : x->high;
        x->low = t->price < x->low ? t->price : x->low;
    }
    x->close = t->price;
    x->volume += t->shares;
    x->notional += (u128)t->price * t->shares;
    x->trades++;
    return 0;
}

static int finish(void *ctx) { return flush(ctx); }

static void bars_free(void *ctx)
{
    bars *s = ctx;
    if (!s)
        return;
    for (size_t i = 0; i < 65536; i++)
        free(s->bar[i]);
    free(s);
}

static int create(void **ctx, blanc_observer *ob, blanc_replay *r, const blanc_emit_options *o,
                  obuf *out, uint64_t *records)
{
    bars *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    s->b = blanc_replay_books_const(r);
    s->o = *o;
    s->out = out;
    s->records = records;
    const blanc_replay_stats *st = blanc__replay_stats(r);
    if (st->messages) { /* resumed: the clock goes on from there */
        s->started = 1;
        s->clock = st->last_timestamp;
        if (s->clock >= o->from_ns)
            s->start = bar_of(s, s->clock);
    }
    *ob = (blanc_observer){.ctx = s, .before = before, .on_trade = on_trade};
    if (o->format == BLANC_EMIT_CSV)
        ob_str(out, "ts,symbol,locate,open,high,low,close,volume,vwap,trades,cross_shares,"
                    "cross_price,crosses\n");
    *ctx = s;
    return 0;
}

const sampled_ops blanc__bars = {create, finish, bars_free};
