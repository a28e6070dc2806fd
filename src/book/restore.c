/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Rebuilding books from a snapshot. Orders go in through the same apply path
 * as the feed (an add appends at the tail of its level, so adding a queue in
 * order rebuilds it in order) and the per-book digest state is set afterwards,
 * because those adds are not messages of the day and must leave no trace.
 */
#include <string.h>

#include "book/book.h"
#include "book/restore.h"

int books_restore_instrument(blanc_books *b, uint16_t locate, const char symbol[8])
{
    blanc_event ev = {0};
    ev.type = 'R';
    ev.locate = locate;
    memcpy(ev.stock, symbol, 8);
    if (b->by_locate[locate])
        return BLANC_EDIRCONFLICT;
    int rc = blanc_books_apply(b, &ev);
    return rc < 0 ? rc : 0;
}

int books_restore_order(blanc_books *b, uint16_t locate, char side, uint32_t price,
                        uint64_t ref, uint32_t shares)
{
    blanc_event ev = {0};
    ev.type = 'A';
    ev.locate = locate;
    ev.side = side;
    ev.price = price;
    ev.ref = ref;
    ev.shares = shares;
    int rc = blanc_books_apply(b, &ev);
    return rc < 0 ? rc : 0;
}

int books_restore_state(blanc_books *b, uint16_t locate, char trading_state, uint64_t stream,
                        uint64_t changes)
{
    book *bk = b->by_locate[locate];
    if (!bk)
        return BLANC_ENOTFOUND;
    bk->trading_state = trading_state;
    bk->stream = stream;
    bk->changes = changes;
    return 0;
}

void books_restore_peak(blanc_books *b, uint64_t peak)
{
    b->peak = peak > b->live ? peak : b->live;
}

void books_restore_prefetch(const blanc_books *b, uint16_t locate, uint64_t ref)
{
    const ri_page *pg = ri_page_of(&b->ri, ref);
    if (pg) {
        __builtin_prefetch(&pg->h[ref & (RI_PAGE - 1)]);
        return;
    }
    uint32_t tag = order_map_tag(&b->map, locate, ref);
    __builtin_prefetch(&b->map.slots[order_map_home(&b->map, tag)]);
}

uint64_t books_top_ref(const blanc_books *b)
{
    uint64_t top = b->ri.top_id > b->ri.bulk_top ? b->ri.top_id : b->ri.bulk_top;
    return top << RI_PAGE_BITS;
}

int books_ref_direct(uint64_t ref) { return ri_direct(ref); }
