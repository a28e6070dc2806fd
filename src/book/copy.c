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

int books_copy_instrument(blanc_books *dst, const blanc_books *src, uint16_t locate)
{
    const book *bk = src->by_locate[locate];
    if (!bk)
        return BLANC_ENOTFOUND;
    int rc = books_restore_instrument(dst, locate, bk->symbol);
    for (int s = 0; s < 2 && !rc; s++) {
        const book_side *bs = &bk->sides[s];
        for (uint32_t c = 0; c < bs->nchunks && !rc; c++) {
            const side_chunk *ch = chunk_at(src, bs, c);
            for (uint32_t k = 0; k < ch->n && !rc; k++) {
                const level *l = lvl(src, ch->e[k].level);
                for (uint32_t h = l->head; h && !rc; h = ord(src, h)->next)
                    rc = books_restore_order(dst, locate, s ? 'S' : 'B', l->price,
                                             ord(src, h)->ref, ord(src, h)->shares);
            }
        }
    }
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
