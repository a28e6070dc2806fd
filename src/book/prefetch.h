/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Prefetch hints for the replay loop (internal to libblanc).
 *
 * A day's book work is dominated by dependent cache misses: map slot, then
 * order node, then its level. One message at a time they serialize; but the
 * input is right there, so the replay looks ahead and touches what a message
 * a few frames later will need: its map slot far ahead, its order node (read
 * from the now-cached slot) nearer. The misses of several messages overlap.
 * Hints only: they never change state, and a wrong guess costs one load.
 */
#ifndef BLANC_BOOK_PREFETCH_H
#define BLANC_BOOK_PREFETCH_H

#include "book/book.h"
#include "common/bytes.h"

/* Types whose effect starts with a lookup of an existing order. */
static inline int prefetch_wants(uint8_t t)
{
    return t == 'D' || t == 'E' || t == 'X' || t == 'U' || t == 'C';
}

static inline int prefetch_is_add(uint8_t t) { return t == 'A' || t == 'F'; }

/* Stage 1, far ahead. A lookup: the ref's direct cell (ref_index.h), else
 * its map slot. An add: the line of its book side (level cache and side
 * header, book.h) and the line of the book's stream digest. */
static inline void books_prefetch_slot(const blanc_books *b, const uint8_t *m)
{
    if (prefetch_is_add(m[0])) {
        const book *bk = b->by_locate[blanc_be16(m + 1)];
        if (bk) {
            __builtin_prefetch(&bk->sides[m[19] == 'S']);
            __builtin_prefetch(&bk->stream);
        }
        return;
    }
    if (!prefetch_wants(m[0]))
        return;
    uint64_t ref = blanc_be64(m + 11);
    const ri_page *pg = ri_page_of(&b->ri, ref);
    if (pg) {
        __builtin_prefetch(&pg->h[ref & (RI_PAGE - 1)]);
        return;
    }
    if (!b->map.count)
        return;
    uint32_t tag = order_map_tag(&b->map, blanc_be16(m + 1), ref);
    __builtin_prefetch(&b->map.slots[order_map_home(&b->map, tag)]);
}

/* The handle a lookup of m's ref finds in the direct cell, or 0 (the map is
 * left to the apply: a probe here would cost what it saves). */
static inline uint32_t prefetch_cell(const blanc_books *b, const uint8_t *m)
{
    uint64_t ref = blanc_be64(m + 11);
    const ri_page *pg = ri_page_of(&b->ri, ref);
    return pg ? pg->h[ref & (RI_PAGE - 1)] : 0;
}

/* The level an add at `price` will join, if the side's level cache knows it
 * (0 otherwise: a new level, or one the add will find in the chunks). */
static inline uint32_t prefetch_cached_level(const book *bk, int side, uint32_t price)
{
    const book_side *s = &bk->sides[side];
    uint32_t k = lc_slot(price);
    return s->lc_price[k] == price ? s->lc_level[k] : 0;
}

/* Stage 2, nearer. A lookup: the order node, read from the now-cached cell
 * (or map slot). An add: its level, from the now-cached level cache.
 * add_price: where the add's price is (32 in an ITCH message; a shard's ring
 * slot keeps it elsewhere); a constant at every call, so it costs nothing. */
static inline void books_prefetch_node_at(const blanc_books *b, const uint8_t *m, size_t add_price)
{
    if (prefetch_is_add(m[0])) {
        const book *bk = b->by_locate[blanc_be16(m + 1)];
        uint32_t lh = bk ? prefetch_cached_level(bk, m[19] == 'S', blanc_be32(m + add_price)) : 0;
        if (lh)
            __builtin_prefetch(lvl(b, lh));
        return;
    }
    if (!prefetch_wants(m[0]))
        return;
    uint64_t ref = blanc_be64(m + 11);
    const ri_page *pg = ri_page_of(&b->ri, ref);
    if (pg) {
        uint32_t h = pg->h[ref & (RI_PAGE - 1)];
        if (h)
            __builtin_prefetch(ord(b, h));
        return;
    }
    if (!b->map.count)
        return;
    uint32_t tag = order_map_tag(&b->map, blanc_be16(m + 1), ref);
    uint64_t s = b->map.slots[order_map_home(&b->map, tag)];
    if (s && (uint32_t)(s >> 32) == tag)
        __builtin_prefetch(ord(b, (uint32_t)s));
}

/* Stage 3, just ahead: what the apply will write next to the node or level
 * stage 2 brought in. A lookup: the order's level and book side (every
 * reduce writes the level's total); for a delete or replace, which unlink
 * the node, its queue neighbours; for a replace, the level its new price
 * joins. An add: the level's tail node (the new order links after it). */
static inline void books_prefetch_deps_at(const blanc_books *b, const uint8_t *m,
                                          size_t add_price, size_t u_price)
{
    if (prefetch_is_add(m[0])) {
        const book *bk = b->by_locate[blanc_be16(m + 1)];
        uint32_t lh = bk ? prefetch_cached_level(bk, m[19] == 'S', blanc_be32(m + add_price)) : 0;
        if (lh && lvl(b, lh)->tail)
            __builtin_prefetch(ord(b, lvl(b, lh)->tail), 1);
        return;
    }
    if (!prefetch_wants(m[0]))
        return;
    uint32_t h = prefetch_cell(b, m);
    if (!h)
        return;
    const order *o = ord(b, h);
    __builtin_prefetch(lvl(b, o->level), 1);
    const book *bk = b->by_locate[o->locate];
    if (bk)
        __builtin_prefetch(&bk->stream, 1);
    if (m[0] == 'D' || m[0] == 'U') {
        if (o->prev)
            __builtin_prefetch(ord(b, o->prev), 1);
        if (o->next)
            __builtin_prefetch(ord(b, o->next), 1);
    }
    if (m[0] == 'U' && bk) {
        __builtin_prefetch(&bk->sides[o->side]);
        uint32_t lh = prefetch_cached_level(bk, o->side, blanc_be32(m + u_price));
        if (lh)
            __builtin_prefetch(lvl(b, lh), 1);
    }
}

/* The stages on an ITCH message: an add's price at 32, a replace's new price at 31. */
static inline void books_prefetch_node(const blanc_books *b, const uint8_t *m)
{
    books_prefetch_node_at(b, m, 32);
}

static inline void books_prefetch_deps(const blanc_books *b, const uint8_t *m)
{
    books_prefetch_deps_at(b, m, 32, 31);
}

#endif
