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
 * level moves of one message are bounded by the chunk size.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static shadow sh[NLOC + 1][NREF];
    memset(sh, 0, sizeof sh);
    blanc_books *b = blanc_books_create(0);
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
        int rc = blanc_books_apply(b, &e);
        within_bounds(b, before);
        shadow *o = e.locate <= NLOC ? &sh[e.locate][idx] : NULL;
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
