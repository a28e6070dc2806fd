/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Moving an instrument between two sets of books (the sharded replay splits
 * the books over its workers and gathers them back, src/replay/shard.c).
 * Through the restore path, as a snapshot does: each queue is appended in
 * time priority, then the digest state is set, so the copy has the same
 * levels, queues and digests; only the internal layout may differ.
 */
#include <string.h>

#include "book/book.h"
#include "book/restore.h"
#include "book/walk.h"
#include "common/bytes.h"

/* Side s of bk, one chain at a time: when the walk below fails (memory). */
static int copy_side_plain(blanc_books *dst, const blanc_books *src, const book *bk, int s,
                           uint16_t locate)
{
    const book_side *bs = &bk->sides[s];
    int rc = 0;
    for (uint32_t c = 0; c < bs->nchunks && !rc; c++) {
        const side_chunk *ch = chunk_at(src, bs, c);
        for (uint32_t k = 0; k < ch->n && !rc; k++) {
            const level *l = lvl(src, ch->e[k].level);
            for (uint32_t h = l->head; h && !rc; h = ord(src, h)->next)
                rc = books_restore_order(dst, locate, s ? 'S' : 'B', l->price, ord(src, h)->ref,
                                         ord(src, h)->shares);
        }
    }
    return rc;
}

/* How far ahead of its add an order's ref cell in dst is asked for. */
enum { COPY_AHEAD = 8 };

/* A place in a walked side, in the order the copy adds: worst level first,
 * each level's orders in queue order. */
typedef struct copy_at {
    size_t j; /* the level (nl before the first) */
    const uint8_t *o, *end;
} copy_at;

/* The next order from c (c->o already past the last one of its level). */
static void copy_settle(const side_walk *w, copy_at *c)
{
    while (c->o == c->end && c->j > 0) {
        c->j--;
        c->o = w->ob + w->at[c->j] * 12;
        c->end = w->ob + w->at[c->j + 1] * 12;
    }
}

/* Ask for the ref cell of the order at a, if any, and move a past it. */
static void copy_ask(blanc_books *dst, uint16_t locate, const side_walk *w, copy_at *a)
{
    if (a->o == a->end)
        return;
    books_restore_prefetch(dst, locate, blanc_le64(a->o));
    a->o += 12;
    copy_settle(w, a);
}

/*
 * The orders of a side are read out with the chains followed side by side
 * (walk.h: one chain at a time was a DRAM miss an order, and the end-of-run
 * gather of a sharded replay is serial, docs/PERFORMANCE.md "Threads"), then
 * added worst level first, so that each new level lands at the best end of
 * the side's sorted array (best first would move the whole array at each),
 * with the destination's ref cell asked for COPY_AHEAD orders ahead.
 */
static int copy_side(blanc_books *dst, const blanc_books *src, const book *bk, int s,
                     uint16_t locate, side_walk *w)
{
    size_t nl;
    if (side_walk_orders(src, &bk->sides[s], w, &nl))
        return copy_side_plain(dst, src, bk, s, locate);
    const char side = s ? 'S' : 'B';
    copy_at at = {nl, NULL, NULL}, ahead;
    copy_settle(w, &at);
    ahead = at;
    for (int k = 0; k < COPY_AHEAD; k++)
        copy_ask(dst, locate, w, &ahead);
    while (at.o != at.end) {
        copy_ask(dst, locate, w, &ahead);
        uint32_t price = lvl(src, w->lv[at.j])->price;
        int rc = books_restore_order(dst, locate, side, price, blanc_le64(at.o),
                                     blanc_le32(at.o + 8));
        if (rc)
            return rc;
        at.o += 12;
        copy_settle(w, &at);
    }
    return 0;
}

int books_copy_instrument(blanc_books *dst, const blanc_books *src, uint16_t locate)
{
    const book *bk = src->by_locate[locate];
    if (!bk)
        return BLANC_ENOTFOUND;
    int rc = books_restore_instrument(dst, locate, bk->symbol);
    side_walk w = {0};
    for (int s = 0; s < 2 && !rc; s++)
        rc = copy_side(dst, src, bk, s, locate, &w);
    side_walk_free(&w);
    return rc ? rc : books_restore_state(dst, locate, bk->trading_state, bk->stream, bk->changes);
}

void books_swap(blanc_books *a, blanc_books *b)
{
    /* In pieces: the struct holds the 512 KiB locate table. */
    unsigned char tmp[4096], *pa = (unsigned char *)a, *pb = (unsigned char *)b;
    for (size_t at = 0; at < sizeof *a; at += sizeof tmp) {
        size_t n = sizeof *a - at < sizeof tmp ? sizeof *a - at : sizeof tmp;
        memcpy(tmp, pa + at, n);
        memcpy(pa + at, pb + at, n);
        memcpy(pb + at, tmp, n);
    }
    a->map.ctx = a; /* the map reads keys back through its books */
    b->map.ctx = b;
}
