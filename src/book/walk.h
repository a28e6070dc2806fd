/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The orders of one side read out level by level, in queue order, with the
 * levels' chains followed side by side (walk.c): for the digests (digest.c)
 * and for moving an instrument between books (copy.c). At the end of a day
 * the order nodes are scattered over the pool and mostly out of cache; a
 * chain can only be followed one miss at a time, so one chain at a time
 * cost a DRAM miss per order. Internal to libblanc.
 */
#ifndef BLANC_BOOK_WALK_H
#define BLANC_BOOK_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "book/book.h"

/* A side read out: lv[0..nl) its levels in digest order (best first), and
 * for level j its orders' bytes at ob[at[j] * 12 .. at[j + 1] * 12), 12 an
 * order, as the L3 digest has them (docs/DIGEST.md): ref (8) and shares (4),
 * little-endian. Reused from side to side; zero-initialised before the
 * first, side_walk_free after the last. */
typedef struct side_walk {
    uint32_t *lv;
    size_t *at;
    size_t lv_cap, at_cap;
    uint8_t *ob;
    size_t ob_cap;
} side_walk;

/* Side bs of books b into d; *nl: its levels. 0, or -1 if a chain and its
 * level's count disagree or memory ran out (the caller then walks the plain
 * way, one chain at a time). */
int side_walk_orders(const blanc_books *b, const book_side *bs, side_walk *d, size_t *nl);
void side_walk_free(side_walk *d);

#endif
