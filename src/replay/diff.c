/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Comparing two replay states (blanc diff): every difference, in a fixed
 * order, from the coarsest (a counter, a missing instrument) to the finest (an
 * order at one queue position), so the first one reported is the most telling.
 * Uses only the public query API: it would work on any two books.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"

typedef struct differ {
    blanc_diff_fn fn;
    void *ctx;
    int quiet;
    blanc_diff_summary *sum;
    blanc_diff_item it; /* the instrument context is kept between reports */
} differ;

static void report(differ *d, blanc_diff_kind kind, const char *field, uint64_t a, uint64_t b)
{
    uint64_t *c[] = {&d->sum->counters, &d->sum->instruments, &d->sum->states,
                     &d->sum->levels, &d->sum->orders};
    ++*c[kind];
    d->sum->total++;
    if (d->quiet || !d->fn)
        return;
    d->it.kind = kind;
    snprintf(d->it.field, sizeof d->it.field, "%s", field);
    d->it.a = a;
    d->it.b = b;
    if (d->fn(d->ctx, &d->it))
        d->quiet = 1;
}

static void counter(differ *d, const char *field, uint64_t a, uint64_t b)
{
    if (a != b)
        report(d, BLANC_DIFF_COUNTER, field, a, b);
}

static void counters(differ *d, const blanc_replay *ra, const blanc_replay *rb)
{
    const blanc_replay_stats *a = &ra->st, *b = &rb->st;
    char f[48];
    counter(d, "messages", a->messages, b->messages);
    /* Bytes are the container's: a capture's records, a BinaryFILE's
     * frames. The same messages in two containers differ there alone. */
    if (ra->opts.framing == rb->opts.framing)
        counter(d, "bytes", a->bytes, b->bytes);
    counter(d, "book_changes", a->book_changes, b->book_changes);
    counter(d, "first_timestamp", a->first_timestamp, b->first_timestamp);
    counter(d, "last_timestamp", a->last_timestamp, b->last_timestamp);
    for (int t = 0; t < BLANC_ITCH_NTYPES; t++) {
        snprintf(f, sizeof f, "by_type.%c", blanc_itch_types[t]);
        counter(d, f, a->by_type[t], b->by_type[t]);
    }
    counter(d, "anomalies_total", a->anomalies_total, b->anomalies_total);
    for (int k = 0; k < BLANC_AN_COUNT; k++) {
        const char *key = blanc_anomaly_key((blanc_anomaly)k);
        snprintf(f, sizeof f, "anomalies.%s.count", key);
        counter(d, f, a->anomalies[k].count, b->anomalies[k].count);
        snprintf(f, sizeof f, "anomalies.%s.first_index", key);
        counter(d, f, a->anomalies[k].first_index, b->anomalies[k].first_index);
    }
    blanc_books_stats sa, sb;
    blanc_books_get_stats(ra->books, &sa);
    blanc_books_get_stats(rb->books, &sb);
    counter(d, "live_orders", sa.live_orders, sb.live_orders);
    counter(d, "levels", sa.levels, sb.levels);
}

static void queues(differ *d, const blanc_books *a, const blanc_books *b, uint16_t la,
                   uint16_t lb, char side, const blanc_level *lv_a, const blanc_level *lv_b)
{
    blanc_order *qa = malloc(lv_a->orders * sizeof *qa), *qb = malloc(lv_b->orders * sizeof *qb);
    if (qa && qb) {
        blanc_books_queue(a, la, side, lv_a->price, qa, lv_a->orders);
        blanc_books_queue(b, lb, side, lv_b->price, qb, lv_b->orders);
        uint32_t n = lv_a->orders > lv_b->orders ? lv_a->orders : lv_b->orders;
        for (uint32_t i = 0; i < n; i++) {
            d->it.position = i;
            if (i >= lv_a->orders || i >= lv_b->orders)
                report(d, BLANC_DIFF_ORDER, "absent", i < lv_a->orders ? qa[i].ref : 0,
                       i < lv_b->orders ? qb[i].ref : 0);
            else if (qa[i].ref != qb[i].ref)
                report(d, BLANC_DIFF_ORDER, "ref", qa[i].ref, qb[i].ref);
            else if (qa[i].shares != qb[i].shares)
                report(d, BLANC_DIFF_ORDER, "shares", qa[i].shares, qb[i].shares);
        }
    }
    d->it.position = 0;
    free(qa);
    free(qb);
}

static void side_levels(differ *d, const blanc_books *a, const blanc_books *b, uint16_t la,
                        uint16_t lb, char side)
{
    blanc_instrument ia, ib;
    blanc_books_instrument(a, la, &ia);
    blanc_books_instrument(b, lb, &ib);
    uint32_t na = side == 'B' ? ia.bid_levels : ia.ask_levels;
    uint32_t nb = side == 'B' ? ib.bid_levels : ib.ask_levels;
    blanc_level *va = malloc((na + 1) * sizeof *va), *vb = malloc((nb + 1) * sizeof *vb);
    if (!va || !vb)
        goto out;
    blanc_books_levels(a, la, side, va, na);
    blanc_books_levels(b, lb, side, vb, nb);
    d->it.side = side;
    uint32_t i = 0, j = 0;
    while (i < na || j < nb) {
        /* Merge best-first: for bids the higher price comes first. */
        int which;
        if (i == na)
            which = 1;
        else if (j == nb)
            which = -1;
        else if (va[i].price == vb[j].price)
            which = 0;
        else
            which = (side == 'B') == (va[i].price > vb[j].price) ? -1 : 1;
        if (which < 0) {
            d->it.price = va[i].price;
            report(d, BLANC_DIFF_LEVEL, "absent", va[i].shares, 0);
            i++;
        } else if (which > 0) {
            d->it.price = vb[j].price;
            report(d, BLANC_DIFF_LEVEL, "absent", 0, vb[j].shares);
            j++;
        } else {
            d->it.price = va[i].price;
            if (va[i].shares != vb[j].shares)
                report(d, BLANC_DIFF_LEVEL, "shares", va[i].shares, vb[j].shares);
            if (va[i].orders != vb[j].orders)
                report(d, BLANC_DIFF_LEVEL, "orders", va[i].orders, vb[j].orders);
            queues(d, a, b, la, lb, side, &va[i], &vb[j]);
            i++, j++;
        }
    }
out:
    d->it.side = 0;
    d->it.price = 0;
    free(va);
    free(vb);
}

static void set_instrument(differ *d, const blanc_books *b, uint16_t locate)
{
    blanc_instrument in;
    blanc_books_instrument(b, locate, &in);
    size_t n = 8;
    while (n && in.symbol[n - 1] == ' ')
        n--;
    memcpy(d->it.symbol, in.symbol, n);
    d->it.symbol[n] = 0;
    d->it.locate = locate;
}

static void instrument(differ *d, const blanc_books *a, const blanc_books *b, uint16_t la,
                       uint16_t lb)
{
    blanc_instrument ia, ib;
    uint64_t sa, ca, sb, cb;
    blanc_books_instrument(a, la, &ia);
    blanc_books_instrument(b, lb, &ib);
    blanc_books_book_digest(a, la, &sa, &ca);
    blanc_books_book_digest(b, lb, &sb, &cb);
    if (la != lb)
        report(d, BLANC_DIFF_STATE, "locate", la, lb);
    if (ia.trading_state != ib.trading_state)
        report(d, BLANC_DIFF_STATE, "trading_state", (uint8_t)ia.trading_state,
               (uint8_t)ib.trading_state);
    if (ca != cb)
        report(d, BLANC_DIFF_STATE, "changes", ca, cb);
    if (sa != sb)
        report(d, BLANC_DIFF_STATE, "stream", sa, sb);
    side_levels(d, a, b, la, lb, 'B');
    side_levels(d, a, b, la, lb, 'S');
}

int blanc_diff(const blanc_replay *ra, const blanc_replay *rb, blanc_diff_fn fn, void *ctx,
               blanc_diff_summary *sum)
{
    blanc_diff_summary local;
    differ d = {fn, ctx, 0, sum ? sum : &local, {0}};
    memset(d.sum, 0, sizeof *d.sum);
    counters(&d, ra, rb);
    const blanc_books *a = ra->books, *b = rb->books;
    size_t na = blanc_books_symbols(a, NULL, 0), nb = blanc_books_symbols(b, NULL, 0);
    uint16_t *sa = malloc((na + 1) * sizeof *sa), *sb = malloc((nb + 1) * sizeof *sb);
    if (!sa || !sb) {
        free(sa);
        free(sb);
        return BLANC_ENOMEM;
    }
    blanc_books_symbols(a, sa, na);
    blanc_books_symbols(b, sb, nb);
    size_t i = 0, j = 0;
    while (i < na || j < nb) {
        blanc_instrument ia, ib;
        int c;
        if (i == na)
            c = 1;
        else if (j == nb)
            c = -1;
        else {
            blanc_books_instrument(a, sa[i], &ia);
            blanc_books_instrument(b, sb[j], &ib);
            c = memcmp(ia.symbol, ib.symbol, 8);
        }
        if (c < 0) {
            set_instrument(&d, a, sa[i]);
            report(&d, BLANC_DIFF_INSTRUMENT, "absent", 1, 0);
            i++;
        } else if (c > 0) {
            set_instrument(&d, b, sb[j]);
            report(&d, BLANC_DIFF_INSTRUMENT, "absent", 0, 1);
            j++;
        } else {
            set_instrument(&d, a, sa[i]);
            instrument(&d, a, b, sa[i], sb[j]);
            i++, j++;
        }
    }
    free(sa);
    free(sb);
    return d.sum->total ? 1 : 0;
}
