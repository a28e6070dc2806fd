/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The book under random VALID-shaped programs: every 4 input bytes are one
 * message (op, ref slot, shares, price) on 3 instruments, 256 refs and 256
 * prices each (enough for a side to span several level chunks), so most
 * messages hit live orders. After every message: blanc_books_check(), the
 * result code, every order and the best bid/ask agree with a shadow model
 * kept here from docs/SEMANTICS.md, and the work the message cost stays
 * within the structures' bounds (book/order_map.h, book/book.h): no lookup
 * reads more than a run of the order map, no run exceeds the cap, and the
 * level moves of one message are bounded by the chunk size. Every other
 * message goes through blanc_books_apply_change, whose record must agree with
 * the shadow (the order before and after) and with the queries (each level
 * reported, the BBO flag exactly when the best bid or offer moved).
 */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "book/book.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NLOC 3
#define NREF 256

typedef struct shadow {
    int live;
    char side;
    uint32_t shares, price;
} shadow;

static int expect(int cond)
{
    if (!cond)
        abort();
    return 0;
}

/* Work of one message: map slots read, level entries moved. */
typedef struct work {
    uint64_t map, moves, rekeys;
} work;

static work work_now(const blanc_books *b)
{
    work w = {b->map.st.probes + b->map.st.shifts, b->level_moves, b->map.st.rekeys};
    return w;
}

static void within_bounds(const blanc_books *b, work before)
{
    work w = work_now(b);
    expect(b->map.st.max_probe <= ORDER_MAP_MAX_RUN + 1);
    expect(order_map_longest_run(&b->map) <= ORDER_MAP_MAX_RUN);
    /* A message makes at most three lookups and one deletion, each within a
     * run (a rekey, never expected here, would rebuild the map instead). */
    if (w.rekeys == before.rekeys)
        expect(w.map - before.map <= 4 * (ORDER_MAP_MAX_RUN + 1));
    /* At most one level dropped and one made: each moves < SIDE_CHUNK entries
     * in a chunk, plus a split or merge (< SIDE_CHUNK) and a directory move or
     * regrowth (<= the chunks in use). */
    expect(w.moves - before.moves <= 4 * SIDE_CHUNK + 2 * (uint64_t)b->chunks_used);
}

static void compare(blanc_books *b, shadow sh[NLOC + 1][NREF])
{
    expect(blanc_books_check(b) == 0);
    for (int l = 1; l <= NLOC; l++) {
        uint32_t best_bid = 0, best_ask = UINT32_MAX;
        for (int i = 0; i < NREF; i++) {
            blanc_order o;
            int found = blanc_books_order(b, (uint16_t)l, (uint64_t)i + 1, &o) == 0;
            expect(found == sh[l][i].live);
            if (!found)
                continue;
            expect(o.shares == sh[l][i].shares && o.price == sh[l][i].price &&
                   o.side == sh[l][i].side);
            if (o.side == 'B' && o.price > best_bid)
                best_bid = o.price;
            if (o.side == 'S' && o.price < best_ask)
                best_ask = o.price;
        }
        blanc_level bid, ask;
        expect(blanc_books_bbo(b, (uint16_t)l, &bid, &ask) == 0);
        expect(bid.price == best_bid);
        expect(ask.price == (best_ask == UINT32_MAX ? 0 : best_ask));
    }
}

static int level_eq(const blanc_level *a, const blanc_level *b)
{
    return a->price == b->price && a->shares == b->shares && a->orders == b->orders;
}

/* The record of e (applied with result rc) against the shadow before it and
 * the books after it. */
static void check_change(const blanc_books *b, const blanc_event *e, int rc, const blanc_change *c,
                         shadow pre, const blanc_level *bid0, const blanc_level *ask0)
{
    expect(c->rc == rc && c->type == e->type && c->locate == e->locate);
    int changed = rc == BLANC_APPLIED || rc == BLANC_EOVERFILL;
    if (!changed || e->type == 'H' || e->type == 'R') {
        expect(c->flags == 0 && c->n_levels == 0);
        expect(c->trade.type == (e->type == 'P' ? 'P' : 0));
        return;
    }
    if (e->type != 'A' && e->type != 'F') {
        expect((c->flags & BLANC_CHANGE_BEFORE) && c->before.ref == e->ref);
        expect(c->before.shares == pre.shares && c->before.price == pre.price &&
               c->before.side == pre.side);
    }
    blanc_order now;
    uint64_t live_ref = e->type == 'U' ? e->new_ref : e->ref;
    int live = blanc_books_order(b, e->locate, live_ref, &now) == 0 && e->type != 'D';
    expect(!!(c->flags & BLANC_CHANGE_AFTER) == live);
    if (live)
        expect(c->after.shares == now.shares && c->after.price == now.price &&
               c->after.ref == live_ref);
    expect(c->n_levels <= 2);
    for (uint32_t i = 0; i < c->n_levels; i++) {
        blanc_level q;
        if (blanc_books_level(b, e->locate, c->side, c->levels[i].price, &q) != 1)
            q = (blanc_level){c->levels[i].price, 0, 0};
        expect(level_eq(&q, &c->levels[i]));
    }
    blanc_level bid, ask;
    blanc_books_bbo(b, e->locate, &bid, &ask);
    int moved = !level_eq(&bid, bid0) || !level_eq(&ask, ask0);
    expect(!!(c->flags & BLANC_CHANGE_BBO) == moved);
    if (e->type == 'E' || e->type == 'C')
        expect(c->trade.type == e->type && c->trade.shares == e->shares &&
               c->trade.price == (e->type == 'C' ? e->price : pre.price));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static shadow sh[NLOC + 1][NREF];
    memset(sh, 0, sizeof sh);
    blanc_books *b;
    blanc_books_create(&b, 0);
    if (!b)
        abort();
    for (int l = 1; l <= NLOC; l++) {
        blanc_event r = {0};
        r.type = 'R';
        r.locate = (uint16_t)l;
        memcpy(r.stock, l == 1 ? "AAA     " : l == 2 ? "BBB     " : "CCC     ", 8);
        expect(blanc_books_apply(b, &r) == BLANC_NOEFFECT);
    }
    for (size_t k = 0; k + 4 <= size; k += 4) {
        const uint8_t *p = data + k;
        blanc_event e = {0};
        static const char ops[] = "AFEXCDUUPBSH";
        e.type = ops[p[0] % (sizeof ops - 1)];
        e.locate = (uint16_t)(1 + (p[0] >> 4) % (NLOC + 1)); /* sometimes 4: no directory */
        unsigned idx = p[1] % NREF;
        e.ref = idx + 1;
        e.new_ref = (unsigned)(p[1] >> 2) % NREF + 1;
        e.shares = p[2] < 8 ? p[2] : (uint32_t)p[2] * 3;
        e.price = p[3] < 4 ? p[3] : 1000 + (uint32_t)(p[3] % 32) * 100 + (uint32_t)(p[2] >> 5) * 10;
        e.side = (p[3] & 0x40) ? 'S' : (p[3] & 0x20) ? 'B' : (p[0] & 8 ? 'Z' : 'B');
        work before = work_now(b);
        shadow *o = e.locate <= NLOC ? &sh[e.locate][idx] : NULL;
        int with_change = (k / 4) % 2;
        blanc_level bid0 = {0, 0, 0}, ask0 = {0, 0, 0};
        shadow pre = o ? *o : (shadow){0, 0, 0, 0};
        if (with_change)
            blanc_books_bbo(b, e.locate, &bid0, &ask0);
        blanc_change chg;
        int rc = with_change ? blanc_books_apply_change(b, &e, &chg) : blanc_books_apply(b, &e);
        within_bounds(b, before);
        if (with_change)
            check_change(b, &e, rc, &chg, pre, &bid0, &ask0);
        switch (e.type) {
        case 'A':
        case 'F':
            if (e.side != 'B' && e.side != 'S')
                expect(rc == BLANC_EBADFIELD);
            else if (!e.price || !e.shares)
                expect(rc == BLANC_EBADFIELD);
            else if (!o)
                expect(rc == BLANC_ENODIR);
            else if (o->live)
                expect(rc == BLANC_EDUPREF);
            else {
                expect(rc == BLANC_APPLIED);
                *o = (shadow){1, e.side, e.shares, e.price};
            }
            break;
        case 'E':
        case 'X':
        case 'C':
        case 'D':
            if (!o || !o->live)
                expect(rc == BLANC_EUNKNOWNREF);
            else if (e.type == 'D')
                expect(rc == BLANC_APPLIED), o->live = 0;
            else if (!e.shares)
                expect(rc == BLANC_EBADFIELD);
            else if (e.shares > o->shares)
                expect(rc == BLANC_EOVERFILL), o->live = 0;
            else {
                expect(rc == BLANC_APPLIED);
                o->shares -= e.shares;
                o->live = o->shares > 0;
            }
            break;
        case 'U': {
            shadow *n = o ? &sh[e.locate][e.new_ref - 1] : NULL;
            if (!o || !o->live)
                expect(rc == BLANC_EUNKNOWNREF);
            else if (!e.shares || !e.price)
                expect(rc == BLANC_EBADFIELD);
            else if (e.new_ref != e.ref && n->live)
                expect(rc == BLANC_EDUPREF);
            else {
                expect(rc == BLANC_APPLIED);
                char side = o->side;
                o->live = 0;
                *n = (shadow){1, side, e.shares, e.price};
            }
            break;
        }
        case 'H':
            expect(rc == (o ? BLANC_NOEFFECT : BLANC_ENODIR));
            break;
        default:
            expect(rc == BLANC_NOEFFECT);
        }
        compare(b, sh);
    }
    blanc_books_free(b);
    return 0;
}
