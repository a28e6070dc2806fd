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
 *
 * What the tail of `blanc bench` latency was made of (docs/PERFORMANCE.md
 * "Latency"): adds whose level the level cache did not know, adds that made
 * a level and deletes that emptied one; each read lines the look-ahead did
 * not name (the chunk of sorted levels, the level cache, the directory).
 * So the stages below also name those, from the message (its book and
 * price) and from the node (an order with no queue neighbours is the last
 * of its level).
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

/* The lines of the side's chunk that a level insert or removal at `key`
 * reads and moves (levels.c): only the top chunk is named (most sides have
 * one; a key below it would need the directory, left to the apply), and of
 * it only the entries in use when the side has one chunk. Called where the
 * side's header is already cached. */
static inline void prefetch_chunk(const blanc_books *b, const book *bk, int side, uint32_t key)
{
    const book_side *s = &bk->sides[side];
    if (!s->nchunks || (s->nchunks > 1 && key < s->top.key))
        return;
    const char *c = (const char *)&b->chunks[s->top.level - 1];
    uint32_t n = s->nchunks == 1 ? s->n : SIDE_CHUNK;
    const char *end = (const char *)&((const side_chunk *)c)->e[n];
    for (; c < end; c += 64)
        __builtin_prefetch(c, 1);
    __builtin_prefetch(end, 1); /* the entry an insert moves the last one to */
}

/* Stage 1, far ahead. A lookup: the ref's direct cell (ref_index.h), else
 * its map slot, and the header line and digest line of the message's book
 * (a removal that empties a level reads the side; every change folds the
 * digest); a replace also the level cache entries of its new price (its
 * side is in the node, not yet read). An add: the book's header and digest
 * lines and the level cache entry of its price. add_price, u_price: where
 * those prices are (constants at every call). */
static inline void books_prefetch_slot_at(const blanc_books *b, const uint8_t *m,
                                          size_t add_price, size_t u_price)
{
    book *bk = b->by_locate[blanc_be16(m + 1)];
    if (prefetch_is_add(m[0])) {
        if (bk) {
            __builtin_prefetch(bk->sides);
            __builtin_prefetch(&bk->stream, 1);
            __builtin_prefetch(lc_of(bk, m[19] == 'S', blanc_be32(m + add_price)));
        }
        return;
    }
    if (!prefetch_wants(m[0]))
        return;
    if (bk) {
        __builtin_prefetch(bk->sides);
        __builtin_prefetch(&bk->stream, 1);
        if (m[0] == 'U') {
            uint32_t p = blanc_be32(m + u_price);
            __builtin_prefetch(lc_of(bk, 0, p));
            __builtin_prefetch(lc_of(bk, 1, p));
        }
    }
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

/* The level the cache names for `price` (0: none, a new level or one the
 * add will find in the chunks). Unconfirmed: the level's own price says
 * whether it is the one (book.h), and that line may not be here yet. */
static inline uint32_t prefetch_cached_level(book *bk, int side, uint32_t price)
{
    return *lc_of(bk, side, price);
}

/* An add as stages 2 and 3 see it: its book (NULL: none, nothing to name),
 * side and price, and the level the now-cached level cache entry names. */
typedef struct prefetch_add {
    book *bk;
    int side;
    uint32_t price, lh;
} prefetch_add;

static inline prefetch_add prefetch_add_of(const blanc_books *b, const uint8_t *m,
                                           size_t add_price)
{
    prefetch_add a = {b->by_locate[blanc_be16(m + 1)], m[19] == 'S', 0, 0};
    if (a.bk) {
        a.price = blanc_be32(m + add_price);
        a.lh = prefetch_cached_level(a.bk, a.side, a.price);
    }
    return a;
}

/* What level_get reads when the cache does not know a price: the side's
 * chunk, and the free level it may take. */
static inline void prefetch_level_miss(const blanc_books *b, const book *bk, int side,
                                       uint32_t price)
{
    prefetch_chunk(b, bk, side, side_key(side, price));
    if (b->levels_free)
        __builtin_prefetch(lvl(b, b->levels_free), 1);
}

/* Stage 2, nearer. A lookup: the order node, read from the now-cached cell
 * (or map slot). An add: the level its now-cached level cache entry names,
 * or, if the entry is empty, what level_get reads instead. */
static inline void books_prefetch_node_at(const blanc_books *b, const uint8_t *m, size_t add_price)
{
    if (prefetch_is_add(m[0])) {
        prefetch_add a = prefetch_add_of(b, m, add_price);
        if (!a.bk)
            return;
        if (a.lh)
            __builtin_prefetch(lvl(b, a.lh), 1);
        else
            prefetch_level_miss(b, a.bk, a.side, a.price);
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
 * stage 2 brought in. A lookup: the order's level (every reduce writes the
 * level's total); for a delete or replace, which unlink the node, its queue
 * neighbours; for one that takes the last order of its level (the node has
 * no neighbours), the chunk the level leaves; for a replace, the level its
 * new price joins, or the chunk if the cache does not know it. An add: the
 * level's tail node (the new order links after it); if the level the cache
 * named has another price, what level_get reads instead. */
static inline void books_prefetch_deps_at(const blanc_books *b, const uint8_t *m,
                                          size_t add_price, size_t u_price)
{
    if (prefetch_is_add(m[0])) {
        prefetch_add a = prefetch_add_of(b, m, add_price);
        if (!a.lh)
            return;
        const level *l = lvl(b, a.lh);
        if (l->price != a.price)
            prefetch_level_miss(b, a.bk, a.side, a.price); /* another price's level */
        else if (l->tail)
            __builtin_prefetch(ord(b, l->tail), 1);
        return;
    }
    if (!prefetch_wants(m[0]))
        return;
    uint32_t h = prefetch_cell(b, m);
    if (!h)
        return;
    const order *o = ord(b, h);
    __builtin_prefetch(lvl(b, o->level), 1);
    book *bk = b->by_locate[o->locate];
    if (!bk)
        return;
    int unlink = m[0] == 'D' || m[0] == 'U';
    if (unlink) {
        if (o->prev)
            __builtin_prefetch(ord(b, o->prev), 1);
        if (o->next)
            __builtin_prefetch(ord(b, o->next), 1);
    }
    int drop = !o->prev && !o->next; /* the only order of its level */
    if (m[0] == 'U') {
        uint32_t price = blanc_be32(m + u_price);
        uint32_t lh = prefetch_cached_level(bk, o->side, price);
        if (lh)
            __builtin_prefetch(lvl(b, lh), 1);
        else
            drop = 1; /* a new level: the same chunk */
    }
    if (drop && unlink) {
        __builtin_prefetch(lc_of(bk, o->side, o->price), 1); /* level_drop clears it */
        prefetch_chunk(b, bk, o->side, side_key(o->side, o->price));
    }
}

/* The stages on an ITCH message: an add's price at 32, a replace's new price at 31. */
static inline void books_prefetch_slot(const blanc_books *b, const uint8_t *m)
{
    books_prefetch_slot_at(b, m, 32, 31);
}

static inline void books_prefetch_node(const blanc_books *b, const uint8_t *m)
{
    books_prefetch_node_at(b, m, 32);
}

static inline void books_prefetch_deps(const blanc_books *b, const uint8_t *m)
{
    books_prefetch_deps_at(b, m, 32, 31);
}

#endif
