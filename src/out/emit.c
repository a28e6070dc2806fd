/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Per-message state output (docs/EMIT.md): minimal deltas of a chosen view of
 * the books, one record per book-changing message that changed the view.
 *
 * The emitter is one observer of the replay: the change record of each
 * message says which order it touched (before and after), the totals of the
 * one or two levels it changed and whether the best level moved, so nothing
 * is looked up around the apply. Full-depth L2 and L3 are written straight
 * from the record; BBO and top-N L2 compare the new top of the touched book
 * with a small cached copy of what was last written, and only when the
 * record says the view may have changed. The bytes are a format's job
 * (emit_jsonl.c, emit_csv.c, emit_bin.c).
 */
#include <stdlib.h>
#include <string.h>

#include "out/emit.h"
#include "out/sample.h"

#define MAX_ENTS 4

struct blanc_emitter {
    blanc_replay *r;
    int obs_id;                 /* its observer in r, -1 when not added */
    const blanc_health *health; /* records carry the publish gate when set */
    const blanc_books *b;
    blanc_emit_options o;
    const emit_format *fmt;
    uint64_t records;
    const sampled_ops *sampled; /* l2 --every/--at, bars: sample.h */
    void *sctx;
    /* BBO and top-N L2: what was last written, per locate (allocated lazily) */
    blanc_level *view[65536];
    blanc_level *scratch; /* 2 * depth */
    emit_ent e[MAX_ENTS];
    size_t ne;
    obuf out;
};

int blanc_emit_kind_parse(const char *s)
{
    static const char *k[] = {"bbo", "l2", "l3", "trades", "bars"};
    for (int i = 0; i < 5; i++)
        if (s && !strcmp(s, k[i]))
            return i;
    return BLANC_EINVAL;
}

int blanc_emit_format_parse(const char *s)
{
    static const char *f[] = {"jsonl", "csv", "bin"};
    for (int i = 0; i < 3; i++)
        if (s && !strcmp(s, f[i]))
            return i;
    return BLANC_EINVAL;
}

static int flush_record(blanc_emitter *e, const blanc_event *ev, uint64_t index)
{
    if (!e->ne)
        return 0;
    blanc_instrument in;
    if (blanc_books_instrument(e->b, ev->locate, &in))
        memset(in.symbol, ' ', 8);
    emit_rec rec = {e->o.kind, index, ev->timestamp, in.symbol, ev->locate,
                    e->health ? blanc_health_publishable(e->health) != 0 : -1,
                    e->o.price_decimal, e->o.time_iso, e->e, e->ne};
    e->fmt->record(&e->out, &rec);
    e->records++;
    e->ne = 0;
    return e->out.err;
}

static void push(blanc_emitter *e, char code, char side, uint32_t price, uint32_t count,
                 uint64_t qty, uint64_t ref, uint64_t match)
{
    if (e->ne < MAX_ENTS)
        e->e[e->ne++] = (emit_ent){code, side, price, count, qty, ref, match};
}

/* ---- BBO and top-N: compare with what was last written ------------------ */

/* The top `depth` levels of both sides into v[0..depth) bids, v[depth..) asks,
 * unused slots zero. */
static void top(blanc_emitter *e, uint16_t locate, blanc_level *v)
{
    uint32_t d = e->o.depth;
    memset(v, 0, 2 * d * sizeof *v);
    blanc_books_levels(e->b, locate, 'B', v, d);
    blanc_books_levels(e->b, locate, 'S', v + d, d);
}

/* The last written view of a book. One first seen here was empty before the
 * message being handled: books that existed when the emitter was created had
 * their view taken then (prime_views). */
static blanc_level *view_of(blanc_emitter *e, uint16_t locate)
{
    if (!e->view[locate])
        e->view[locate] = calloc(2 * e->o.depth, sizeof(blanc_level));
    return e->view[locate];
}

/* Deltas are relative to the books as they are when the emitter starts (a
 * resumed replay starts from a snapshot's books, not from empty ones). */
static int prime_views(blanc_emitter *e)
{
    size_t n = blanc_books_symbols(e->b, NULL, 0);
    uint16_t *loc = malloc((n + 1) * sizeof *loc);
    if (!loc)
        return BLANC_ENOMEM;
    blanc_books_symbols(e->b, loc, n);
    for (size_t i = 0; i < n; i++) {
        blanc_level *v = view_of(e, loc[i]);
        if (!v) {
            free(loc);
            return BLANC_ENOMEM;
        }
        top(e, loc[i], v);
    }
    free(loc);
    return 0;
}

static int level_eq(const blanc_level *a, const blanc_level *b)
{
    return a->price == b->price && a->shares == b->shares && a->orders == b->orders;
}

static int diff_bbo(blanc_emitter *e, uint16_t locate)
{
    blanc_level *old = view_of(e, locate);
    if (!old)
        return BLANC_ENOMEM;
    blanc_level bid, ask;
    blanc_books_bbo(e->b, locate, &bid, &ask);
    if (level_eq(&old[0], &bid) && level_eq(&old[1], &ask))
        return 0;
    old[0] = bid;
    old[1] = ask;
    push(e, 0, 'B', bid.price, bid.orders, bid.shares, 0, 0);
    push(e, 0, 'S', ask.price, ask.orders, ask.shares, 0, 0);
    return 0;
}

/* Top-N: every price in the old or new view whose (shares, orders) differ. */
static int diff_top(blanc_emitter *e, uint16_t locate)
{
    blanc_level *old = view_of(e, locate), *now = e->scratch;
    if (!old)
        return BLANC_ENOMEM;
    uint32_t d = e->o.depth;
    top(e, locate, now);
    for (uint32_t s = 0; s < 2; s++) {
        blanc_level *a = old + s * d, *b = now + s * d;
        char side = s ? 'S' : 'B';
        for (uint32_t i = 0; i < d; i++) { /* gone from the view or changed */
            if (!a[i].orders)
                break;
            uint32_t j = 0;
            while (j < d && b[j].orders && b[j].price != a[i].price)
                j++;
            if (j == d || !b[j].orders)
                push(e, 0, side, a[i].price, 0, 0, 0, 0);
            else if (!level_eq(&a[i], &b[j]))
                push(e, 0, side, b[j].price, b[j].orders, b[j].shares, 0, 0);
        }
        for (uint32_t j = 0; j < d; j++) { /* new in the view */
            if (!b[j].orders)
                break;
            uint32_t i = 0;
            while (i < d && a[i].orders && a[i].price != b[j].price)
                i++;
            if (i == d || !a[i].orders)
                push(e, 0, side, b[j].price, b[j].orders, b[j].shares, 0, 0);
        }
    }
    memcpy(old, now, 2 * d * sizeof *old);
    return 0;
}

/* ---- L3 and full-depth L2: straight from the record -------------------- */

static void diff_l3(blanc_emitter *e, const blanc_event *ev, const blanc_change *c)
{
    const blanc_order *pre = &c->before, *post = &c->after;
    switch (ev->type) {
    case 'A':
    case 'F': push(e, 'A', ev->side, ev->price, 0, ev->shares, ev->ref, 0); break;
    case 'D': push(e, 'D', pre->side, pre->price, 0, 0, ev->ref, 0); break;
    case 'U':
        push(e, 'D', pre->side, pre->price, 0, 0, ev->ref, 0);
        push(e, 'A', pre->side, ev->price, 0, ev->shares, ev->new_ref, 0);
        break;
    default: /* E C X */
        if (c->flags & BLANC_CHANGE_AFTER)
            push(e, 'U', post->side, post->price, 0, post->shares, ev->ref, 0);
        else
            push(e, 'D', pre->side, pre->price, 0, 0, ev->ref, 0);
        break;
    }
}

static int on_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    blanc_emitter *e = ctx;
    e->ne = 0;
    if (e->o.kind == BLANC_EMIT_TRADES) {
        const blanc_trade *t = &c->trade;
        if (t->type)
            push(e, t->type, t->side, t->price, 0, t->shares, t->ref, t->match);
        return flush_record(e, ev, index);
    }
    if (c->rc != BLANC_APPLIED && c->rc != BLANC_EOVERFILL)
        return 0;
    int r = 0;
    switch (e->o.kind) {
    case BLANC_EMIT_BBO:
        if (c->flags & BLANC_CHANGE_BBO)
            r = diff_bbo(e, ev->locate);
        break;
    case BLANC_EMIT_L2:
        if (e->o.depth) {
            if (c->n_levels)
                r = diff_top(e, ev->locate);
        } else {
            for (uint32_t i = 0; i < c->n_levels; i++)
                push(e, 0, c->side, c->levels[i].price, c->levels[i].orders,
                     c->levels[i].shares, 0, 0);
        }
        break;
    case BLANC_EMIT_L3: diff_l3(e, ev, c); break;
    default: break;
    }
    return r ? r : flush_record(e, ev, index);
}

/* ---- lifetime ---------------------------------------------------------- */

static int sampled_valid(const blanc_emit_options *o)
{
    int timed = o->every_ns || o->n_at;
    if (o->kind == BLANC_EMIT_BARS)
        return o->every_ns && !o->n_at;
    if (!timed)
        return !o->from_ns;
    return o->kind == BLANC_EMIT_L2 && o->format != BLANC_EMIT_BIN && (!o->every_ns != !o->n_at) &&
           (!o->every_ns || o->every_ns >= BLANC_MIN_EVERY_NS) && (!o->n_at || o->at) &&
           (!o->n_at || !o->from_ns);
}

/* The sampled outputs are observers of their own, writing into this buffer. */
static int create_sampled(blanc_emitter *e, blanc_replay *r, const blanc_emit_options *o)
{
    e->sampled = o->kind == BLANC_EMIT_BARS ? &blanc__bars : &blanc__sample_l2;
    blanc_observer ob;
    int rc = e->sampled->create(&e->sctx, &ob, r, o, &e->out, &e->records);
    if (rc)
        return rc;
    ob.symbols = o->symbols;
    ob.n_symbols = o->n_symbols;
    rc = blanc_replay_add_observer(r, &ob);
    if (rc < 0)
        return rc;
    e->obs_id = rc;
    return 0;
}

int blanc_emitter_create(blanc_emitter **out, blanc_replay *r, const blanc_health *health,
                         const blanc_emit_options *o, blanc_sink *sink)
{
    if (!out || !r || !o || !sink || (unsigned)o->kind > BLANC_EMIT_BARS || !sampled_valid(o) ||
        (o->kind == BLANC_EMIT_BARS && o->format == BLANC_EMIT_BIN) ||
        (unsigned)o->format > BLANC_EMIT_BIN || o->depth > 100000 ||
        (o->n_symbols && !o->symbols) ||
        ((o->price_decimal || o->time_iso) && o->format == BLANC_EMIT_BIN))
        return BLANC_EINVAL;
    blanc_emitter *e = calloc(1, sizeof *e);
    if (!e)
        return BLANC_ENOMEM;
    static const emit_format *const fmts[] = {&blanc__emit_jsonl, &blanc__emit_csv,
                                              &blanc__emit_bin};
    e->r = r;
    e->obs_id = -1;
    e->health = health;
    e->b = blanc_replay_books_const(r);
    e->o = *o;
    e->fmt = fmts[o->format];
    if (e->o.kind == BLANC_EMIT_BBO)
        e->o.depth = 1;
    else if (e->o.kind != BLANC_EMIT_L2)
        e->o.depth = 0;
    e->out.sink = sink;
    if (o->kind == BLANC_EMIT_BARS || o->every_ns || o->n_at) {
        int rc = create_sampled(e, r, o);
        if (rc) {
            blanc_emitter_free(e);
            return rc;
        }
        *out = e;
        return 0;
    }
    if (e->o.depth && (!(e->scratch = calloc(2 * e->o.depth, sizeof *e->scratch)) ||
                       prime_views(e))) {
        blanc_emitter_free(e);
        return BLANC_ENOMEM;
    }
    blanc_observer ob = {.ctx = e, .on_message = on_message, .symbols = o->symbols,
                         .n_symbols = o->n_symbols};
    int id = blanc_replay_add_observer(r, &ob);
    if (id < 0) {
        blanc_emitter_free(e);
        return id;
    }
    e->obs_id = id;
    e->fmt->header(&e->out, e->o.kind, e->o.depth, health != NULL);
    *out = e;
    return 0;
}

int blanc_emitter_finish(blanc_emitter *e)
{
    int rc = e->sampled ? e->sampled->finish(e->sctx) : 0;
    if (rc)
        return rc;
    ob_flush(&e->out);
    return e->out.err;
}

uint64_t blanc_emitter_records(const blanc_emitter *e) { return e->records; }

void blanc_emitter_free(blanc_emitter *e)
{
    if (!e)
        return;
    if (e->obs_id >= 0)
        blanc_replay_remove_observer(e->r, e->obs_id);
    if (e->sampled)
        e->sampled->free(e->sctx);
    for (size_t i = 0; i < 65536; i++)
        free(e->view[i]);
    free(e->scratch);
    free(e);
}
