/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Per-message state output (docs/EMIT.md): minimal deltas of a chosen view of
 * the books, one record per book-changing message that changed the view.
 *
 * The replay calls before() and after() around every message. before() looks
 * up the order a message refers to while it still exists (a full execution
 * deletes it), so after() knows which side and price it touched. What changed
 * is then found without scanning the book: for full-depth L2 only the one or
 * two touched levels are read back; for BBO and top-N L2 the new top of the
 * touched book is compared with a small cached copy of what was last written.
 */
#include <stdlib.h>
#include <string.h>

#include "out/obuf.h"
#include "replay/replay.h"

typedef struct ent {
    char code, side;
    uint32_t price, count;
    uint64_t qty, ref, match;
} ent;

#define MAX_ENTS 4

struct blanc_emitter {
    blanc_replay *r;
    const blanc_health *health; /* records carry the publish gate when set */
    blanc_books *b;
    blanc_emit_options o;
    uint64_t records;
    /* before(): the order the message refers to, as it was */
    int pre_found;
    blanc_order pre;
    /* before(), full-depth L2: the levels the message touches, as they were */
    blanc_level touch[2];
    int ntouch;
    char touch_side;
    /* BBO and top-N L2: what was last written, per locate (allocated lazily) */
    blanc_level *view[65536];
    blanc_level *scratch; /* 2 * depth */
    uint8_t wanted[65536]; /* symbol filter: 0 unknown, 1 yes, 2 no */
    ent e[MAX_ENTS];
    size_t ne;
    obuf out;
};

int blanc_emit_kind_parse(const char *s)
{
    static const char *k[] = {"bbo", "l2", "l3", "trades"};
    for (int i = 0; i < 4; i++)
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

static int wanted(blanc_emitter *e, uint16_t locate)
{
    if (!e->o.n_symbols)
        return 1;
    if (!e->wanted[locate]) {
        blanc_instrument in;
        if (blanc_books_instrument(e->b, locate, &in))
            return 0; /* no directory yet: ask again later */
        e->wanted[locate] = 2;
        for (size_t i = 0; i < e->o.n_symbols; i++)
            if (!memcmp(e->o.symbols[i], in.symbol, 8))
                e->wanted[locate] = 1;
    }
    return e->wanted[locate] == 1;
}

/* ---- record writing ---------------------------------------------------- */

static void csv_symbol(obuf *o, const char sym[8])
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    blanc__ob_csv_chars(o, sym, n);
}

static void side_json(obuf *o, char side)
{
    ob_str(o, side == 'B' ? "\"B\"" : side == 'S' ? "\"S\"" : "\"\"");
}

static void write_jsonl(blanc_emitter *e, const blanc_event *ev, uint64_t index,
                        const char sym[8])
{
    obuf *o = &e->out;
    ob_str(o, "{\"index\":");
    ob_u64(o, index);
    ob_str(o, ",\"ts\":");
    ob_u64(o, ev->timestamp);
    ob_str(o, ",\"symbol\":");
    ob_json_symbol(o, sym);
    ob_str(o, ",\"locate\":");
    ob_u64(o, ev->locate);
    if (e->health)
        ob_str(o, blanc_health_publishable(e->health) ? ",\"pub\":1" : ",\"pub\":0");
    switch (e->o.kind) {
    case BLANC_EMIT_BBO:
        for (size_t i = 0; i < 2; i++) {
            ob_str(o, i ? ",\"ask\":[" : ",\"bid\":[");
            ob_u64(o, e->e[i].price);
            ob_cu64(o, e->e[i].qty);
            ob_cu64(o, e->e[i].count);
            ob_char(o, ']');
        }
        break;
    case BLANC_EMIT_L2:
        ob_str(o, ",\"levels\":[");
        for (size_t i = 0; i < e->ne; i++) {
            ob_str(o, i ? ",[" : "[");
            side_json(o, e->e[i].side);
            ob_cu64(o, e->e[i].price);
            ob_cu64(o, e->e[i].qty);
            ob_cu64(o, e->e[i].count);
            ob_char(o, ']');
        }
        ob_char(o, ']');
        break;
    case BLANC_EMIT_L3:
        ob_str(o, ",\"orders\":[");
        for (size_t i = 0; i < e->ne; i++) {
            ob_str(o, i ? ",[\"" : "[\"");
            ob_char(o, e->e[i].code);
            ob_str(o, "\",");
            ob_u64(o, e->e[i].ref);
            ob_char(o, ',');
            side_json(o, e->e[i].side);
            ob_cu64(o, e->e[i].price);
            ob_cu64(o, e->e[i].qty);
            ob_char(o, ']');
        }
        ob_char(o, ']');
        break;
    case BLANC_EMIT_TRADES:
        ob_str(o, ",\"type\":\"");
        ob_char(o, e->e[0].code);
        ob_str(o, "\",\"ref\":");
        ob_u64(o, e->e[0].ref);
        ob_str(o, ",\"side\":");
        side_json(o, e->e[0].side);
        ob_str(o, ",\"price\":");
        ob_u64(o, e->e[0].price);
        ob_str(o, ",\"shares\":");
        ob_u64(o, e->e[0].qty);
        ob_str(o, ",\"match\":");
        ob_u64(o, e->e[0].match);
        break;
    }
    ob_str(o, "}\n");
}

static void csv_prefix(obuf *o, const blanc_event *ev, uint64_t index, const char sym[8])
{
    ob_u64(o, index);
    ob_cu64(o, ev->timestamp);
    ob_char(o, ',');
    csv_symbol(o, sym);
    ob_cu64(o, ev->locate);
}

static void csv_side(obuf *o, char side)
{
    ob_char(o, ',');
    if (side)
        ob_char(o, side);
}

/* The gate column ends every row when health is tracked. */
static void csv_end(const blanc_emitter *e, obuf *o)
{
    if (e->health)
        ob_str(o, blanc_health_publishable(e->health) ? ",1" : ",0");
    ob_char(o, '\n');
}

static void write_csv(blanc_emitter *e, const blanc_event *ev, uint64_t index, const char sym[8])
{
    obuf *o = &e->out;
    if (e->o.kind == BLANC_EMIT_BBO) {
        csv_prefix(o, ev, index, sym);
        for (size_t i = 0; i < 2; i++) {
            ob_cu64(o, e->e[i].price);
            ob_cu64(o, e->e[i].qty);
            ob_cu64(o, e->e[i].count);
        }
        csv_end(e, o);
        return;
    }
    for (size_t i = 0; i < e->ne; i++) {
        const ent *x = &e->e[i];
        csv_prefix(o, ev, index, sym);
        if (e->o.kind == BLANC_EMIT_L2) {
            csv_side(o, x->side);
            ob_cu64(o, x->price);
            ob_cu64(o, x->qty);
            ob_cu64(o, x->count);
        } else {
            ob_char(o, ',');
            ob_char(o, x->code);
            ob_cu64(o, x->ref);
            csv_side(o, x->side);
            ob_cu64(o, x->price);
            ob_cu64(o, x->qty);
            if (e->o.kind == BLANC_EMIT_TRADES) {
                ob_cu64(o, x->match);
            }
        }
        csv_end(e, o);
    }
}

static void write_bin(blanc_emitter *e, const blanc_event *ev, uint64_t index, const char sym[8])
{
    obuf *o = &e->out;
    ob_le(o, index, 8);
    ob_le(o, ev->timestamp, 8);
    ob_put(o, sym, 8);
    ob_le(o, ev->locate, 2);
    ob_le(o, e->ne, 2);
    /* flags: bit 0 health tracked, bit 1 publishable */
    ob_le(o, e->health ? 1u | (blanc_health_publishable(e->health) ? 2u : 0u) : 0u, 4);
    for (size_t i = 0; i < e->ne; i++) {
        const ent *x = &e->e[i];
        ob_le(o, (uint8_t)x->code, 1);
        ob_le(o, (uint8_t)x->side, 1);
        ob_le(o, 0, 2);
        ob_le(o, x->price, 4);
        ob_le(o, x->count, 4);
        ob_le(o, 0, 4);
        ob_le(o, x->qty, 8);
        ob_le(o, x->ref, 8);
        ob_le(o, x->match, 8);
    }
}

static int flush_record(blanc_emitter *e, const blanc_event *ev, uint64_t index)
{
    if (!e->ne)
        return 0;
    blanc_instrument in;
    if (blanc_books_instrument(e->b, ev->locate, &in))
        memset(in.symbol, ' ', 8);
    switch (e->o.format) {
    case BLANC_EMIT_JSONL: write_jsonl(e, ev, index, in.symbol); break;
    case BLANC_EMIT_CSV: write_csv(e, ev, index, in.symbol); break;
    case BLANC_EMIT_BIN: write_bin(e, ev, index, in.symbol); break;
    }
    e->records++;
    e->ne = 0;
    return e->out.err;
}

static void push(blanc_emitter *e, char code, char side, uint32_t price, uint32_t count,
                 uint64_t qty, uint64_t ref, uint64_t match)
{
    if (e->ne < MAX_ENTS) {
        ent *x = &e->e[e->ne++];
        x->code = code;
        x->side = side;
        x->price = price;
        x->count = count;
        x->qty = qty;
        x->ref = ref;
        x->match = match;
    }
}

/* ---- what changed ------------------------------------------------------ */

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

/* Full-depth L2: the one or two levels a message touches, read before and
 * after it; only a level that really changed is written (a replace at the same
 * price and size moves the order to the back of the queue, which L2 cannot see). */
static void touched(blanc_emitter *e, const blanc_event *ev)
{
    e->ntouch = 0;
    switch (ev->type) {
    case 'A':
    case 'F':
        e->touch[e->ntouch++] = (blanc_level){ev->price, 0, 0};
        e->touch_side = ev->side;
        break;
    case 'U':
        if (!e->pre_found)
            return;
        e->touch[e->ntouch++] = (blanc_level){e->pre.price, 0, 0};
        if (ev->price != e->pre.price)
            e->touch[e->ntouch++] = (blanc_level){ev->price, 0, 0};
        e->touch_side = e->pre.side;
        break;
    default:
        if (!e->pre_found)
            return;
        e->touch[e->ntouch++] = (blanc_level){e->pre.price, 0, 0};
        e->touch_side = e->pre.side;
        break;
    }
    for (int i = 0; i < e->ntouch; i++)
        blanc_books_level(e->b, ev->locate, e->touch_side, e->touch[i].price, &e->touch[i]);
}

static int diff_l2_full(blanc_emitter *e, const blanc_event *ev)
{
    for (int i = 0; i < e->ntouch; i++) {
        blanc_level now;
        blanc_books_level(e->b, ev->locate, e->touch_side, e->touch[i].price, &now);
        if (!level_eq(&now, &e->touch[i]))
            push(e, 0, e->touch_side, now.price, now.orders, now.shares, 0, 0);
    }
    return 0;
}

static int diff_l3(blanc_emitter *e, const blanc_event *ev)
{
    blanc_order o;
    switch (ev->type) {
    case 'A':
    case 'F': push(e, 'A', ev->side, ev->price, 0, ev->shares, ev->ref, 0); break;
    case 'D': push(e, 'D', e->pre.side, e->pre.price, 0, 0, ev->ref, 0); break;
    case 'U':
        push(e, 'D', e->pre.side, e->pre.price, 0, 0, ev->ref, 0);
        push(e, 'A', e->pre.side, ev->price, 0, ev->shares, ev->new_ref, 0);
        break;
    default: /* E C X */
        if (blanc_books_order(e->b, ev->locate, ev->ref, &o) == 0)
            push(e, 'U', o.side, o.price, 0, o.shares, ev->ref, 0);
        else
            push(e, 'D', e->pre.side, e->pre.price, 0, 0, ev->ref, 0);
        break;
    }
    return 0;
}

static int before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)index;
    blanc_emitter *e = ctx;
    if (e->o.depth) /* BBO and top-N compare whole tops: no order to look up */
        return 0;
    switch (ev->type) {
    case 'E': case 'C': case 'X': case 'D': case 'U':
        e->pre_found = blanc_books_order(e->b, ev->locate, ev->ref, &e->pre) == 0;
        break;
    default: e->pre_found = 0; break;
    }
    if (e->o.kind == BLANC_EMIT_L2 && !e->o.depth)
        touched(e, ev);
    return 0;
}

static int after(void *ctx, const blanc_event *ev, uint64_t index, int rc)
{
    blanc_emitter *e = ctx;
    int changed = rc == BLANC_APPLIED || rc == BLANC_EOVERFILL;
    e->ne = 0;
    if (e->o.kind == BLANC_EMIT_TRADES) {
        char t = ev->type;
        if ((t == 'E' || t == 'C') && changed && wanted(e, ev->locate))
            push(e, t, e->pre.side, t == 'C' ? ev->price : e->pre.price, 0, ev->shares, ev->ref,
                 ev->match);
        else if (t == 'P' && wanted(e, ev->locate))
            push(e, t, ev->side, ev->price, 0, ev->shares, ev->ref, ev->match);
        else if (t == 'Q' && wanted(e, ev->locate))
            push(e, t, 0, ev->price, 0, ev->u.cross.shares, 0, ev->match);
        return flush_record(e, ev, index);
    }
    if (!changed || !wanted(e, ev->locate))
        return 0;
    int r = 0;
    switch (e->o.kind) {
    case BLANC_EMIT_BBO: r = diff_bbo(e, ev->locate); break;
    case BLANC_EMIT_L2: r = e->o.depth ? diff_top(e, ev->locate) : diff_l2_full(e, ev); break;
    case BLANC_EMIT_L3: r = diff_l3(e, ev); break;
    default: break;
    }
    return r ? r : flush_record(e, ev, index);
}

/* ---- lifetime ---------------------------------------------------------- */

static void write_header(blanc_emitter *e)
{
    static const char *csv[] = {
        "index,ts,symbol,locate,bid_price,bid_shares,bid_orders,ask_price,ask_shares,ask_orders\n",
        "index,ts,symbol,locate,side,price,shares,orders\n",
        "index,ts,symbol,locate,op,ref,side,price,shares\n",
        "index,ts,symbol,locate,type,ref,side,price,shares,match\n"};
    if (e->o.format == BLANC_EMIT_CSV) {
        const char *h = csv[e->o.kind];
        ob_put(&e->out, h, strlen(h) - 1);
        ob_str(&e->out, e->health ? ",pub\n" : "\n");
    } else if (e->o.format == BLANC_EMIT_BIN) {
        ob_put(&e->out, "BLANCEMT", 8);
        ob_le(&e->out, 1, 2);
        ob_le(&e->out, (uint8_t)e->o.kind, 1);
        ob_le(&e->out, e->health ? 1 : 0, 1); /* flags: bit 0 records carry the gate */
        ob_le(&e->out, e->o.depth, 4);
    }
}

int blanc_emitter_create(blanc_emitter **out, blanc_replay *r, const blanc_emit_options *o,
                         blanc_sink *sink)
{
    if (!out || !r || !o || !sink || (unsigned)o->kind > BLANC_EMIT_TRADES ||
        (unsigned)o->format > BLANC_EMIT_BIN || o->depth > 100000)
        return BLANC_EINVAL;
    blanc_emitter *e = calloc(1, sizeof *e);
    if (!e)
        return BLANC_ENOMEM;
    e->r = r;
    e->health = r->health;
    e->b = blanc_replay_books(r);
    e->o = *o;
    if (e->o.kind == BLANC_EMIT_BBO)
        e->o.depth = 1;
    else if (e->o.kind != BLANC_EMIT_L2)
        e->o.depth = 0;
    if (e->o.depth && !(e->scratch = calloc(2 * e->o.depth, sizeof *e->scratch))) {
        free(e);
        return BLANC_ENOMEM;
    }
    e->out.sink = sink;
    if (e->o.depth && prime_views(e)) {
        blanc_emitter_free(e);
        return BLANC_ENOMEM;
    }
    write_header(e);
    blanc_replay_hooks h = {e, before, after};
    blanc_replay_set_hooks(r, &h);
    *out = e;
    return 0;
}

int blanc_emitter_finish(blanc_emitter *e)
{
    ob_flush(&e->out);
    return e->out.err;
}

uint64_t blanc_emitter_records(const blanc_emitter *e) { return e->records; }

void blanc_emitter_free(blanc_emitter *e)
{
    if (!e)
        return;
    blanc_replay_set_hooks(e->r, NULL);
    for (size_t i = 0; i < 65536; i++)
        free(e->view[i]);
    free(e->scratch);
    free(e);
}
