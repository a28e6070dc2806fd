/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Rebuilding books from a snapshot (src/replay/snapshot*.c). */
#ifndef BLANC_BOOK_RESTORE_H
#define BLANC_BOOK_RESTORE_H

#include "blanc.h"

/* A new instrument; BLANC_EDIRCONFLICT if its locate or symbol is taken. */
int books_restore_instrument(blanc_books *b, uint16_t locate, const char symbol[8]);
/* Append an order at the tail of its level (negative apply codes on bad fields). */
int books_restore_order(blanc_books *b, uint16_t locate, char side, uint32_t price,
                        uint64_t ref, uint32_t shares);
/* Set what the feed, not the orders, determined: call after the orders. */
int books_restore_state(blanc_books *b, uint16_t locate, char trading_state, uint64_t stream,
                        uint64_t changes);
void books_restore_peak(blanc_books *b, uint64_t peak);
/* A hint: the map slot of an order that will be added soon (the adds of a
 * restore hit random slots; overlapping their misses halves the time). */
void books_restore_prefetch(const blanc_books *b, uint16_t locate, uint64_t ref);

/* A bulk copy into b begins (orders of the day so far, added out of feed
 * order): orders whose ref lies more than RI_RECENT pages (ref_index.h)
 * behind top_ref, or behind b's own newest page, go to the map unless their
 * page is there already, as the pages a run empties into it. A layout choice
 * only: lookups find a key in either part. books_bulk_end: the copy is over. */
void books_bulk(blanc_books *b, uint64_t top_ref);
void books_bulk_end(blanc_books *b);
/* A ref at or past b's newest page: what a bulk copy out of b passes on. */
uint64_t books_top_ref(const blanc_books *b);
/* Whether ref is in the paged direct index's range (ref_index.h): one
 * beyond it always goes to the map. */
int books_ref_direct(uint64_t ref);

/* copy.c: instrument `locate` of src, orders in queue order and digest
 * state, as a new instrument of dst (BLANC_ENOTFOUND if src has none). */
int books_copy_instrument(blanc_books *dst, const blanc_books *src, uint16_t locate);
/* Exchange the contents of a and b: a caller's pointer to a stays valid
 * while what it points to is replaced. */
void books_swap(blanc_books *a, blanc_books *b);

#endif
