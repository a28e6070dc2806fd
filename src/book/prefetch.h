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

/* The ref's direct cell (ref_index.h), else its map slot. */
static inline void books_prefetch_slot(const blanc_books *b, const uint8_t *m)
{
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

static inline void books_prefetch_node(const blanc_books *b, const uint8_t *m)
{
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

#endif
