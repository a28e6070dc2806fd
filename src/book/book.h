/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Internal layout of the books.
 *
 * Orders and levels live in two pools (growable arrays) and refer to each other
 * by 32-bit handles (index + 1; 0 = none): half the size of pointers, so an
 * order node is 32 bytes and two share a cache line, and a pool can move when
 * it grows. Freed slots go on a free list threaded through `next`, so a day
 * allocates only when the live set reaches a new peak — never per message.
 *
 * Each side of a book keeps its levels sorted by key, best at the END:
 * key = price for bids, ~price for asks, so "better" is "larger key" on both
 * sides. Most activity is within a few ticks of the top, where a sorted array
 * moves only the few entries above the touch; but a single array moves ALL of
 * them for a level far from the top (a feed adding ever-worse prices made 1M
 * adds cost 52 s). So the array is cut in two levels (a B+tree of height 2):
 *  - chunks of at most SIDE_CHUNK (64) sorted (key, level) entries, pooled in
 *    blanc_books and named by 32-bit handles; an insert or removal moves at
 *    most 63 entries, wherever it lands;
 *  - a directory per side: (first key, chunk handle) per chunk, ascending,
 *    kept with free room at BOTH ends so that a chunk added or dropped at
 *    either end (a new best or a new worst) moves no directory entry; in the
 *    middle it moves the shorter half, <= levels / 128, and chunks are only
 *    added once per >= 32 new levels.
 * A full chunk hands an entry to a neighbour with room, or splits (at the
 * touch if the insert is at its edge, else in halves); a chunk under 1/4 full
 * merges with a neighbour if the two fit in 3/4, so chunks stay >= ~1/4 full
 * on average and memory stays linear in levels. The top chunk is the last in
 * the directory, and a copy of its entry sits in the side itself, so the
 * common case reads the chunk where it used to read the array.
 * Every entry and directory entry moved is counted in blanc_books.level_moves
 * (tests/test_book_hostile.c bounds it).
 * A level keeps its orders in a doubly linked FIFO (time priority): O(1) append,
 * O(1) removal from the middle.
 */
#ifndef BLANC_BOOK_H
#define BLANC_BOOK_H

#include "blanc.h"
#include "book/order_map.h"
#include "book/ref_index.h"

typedef struct order {
    uint64_t ref;
    uint32_t shares;
    uint32_t price;
    uint32_t prev, next; /* queue links; `next` also links the free list */
    uint32_t level;
    uint16_t locate;
    uint8_t side; /* 0 bid, 1 ask */
    uint8_t unused;
} order;

typedef struct level {
    uint64_t shares;
    uint32_t price;
    uint32_t count;
    uint32_t head, tail;
} level;

typedef struct side_entry {
    uint32_t key;
    uint32_t level;
} side_entry;

#define SIDE_CHUNK 64u

typedef struct side_chunk {
    uint32_t n;    /* entries in use; the free list links through e[0].level */
    uint32_t unused;
    side_entry e[SIDE_CHUNK];
} side_chunk;

/* Price -> level handle, direct-mapped on the price: an add at a price the
 * side saw recently finds its level here and reads no directory or chunk.
 * An entry holds only the handle: the level it names carries its price,
 * which the add reads anyway (it writes the level), so a match costs no
 * extra line. Exact, not a guess: level_get fills an entry, level_drop
 * clears the entry of the level it frees, so a non-zero entry is a live
 * level of this side (at the price the level says). 64 entries a side:
 * with 4 (one line, in the side) a quarter of a 10M day's adds missed and
 * searched the chunks, and those searches (dependent misses on lines the
 * look-ahead cannot name) made most of the latency tail; with 32, 5 %
 * missed; with 64, 0.4 % (docs/PERFORMANCE.md "Latency"). The entry a
 * message needs is named by its price, so the look-ahead fetches it
 * (book/prefetch.h). */
#define LEVEL_CACHE_BITS 6u
#define LEVEL_CACHE (1u << LEVEL_CACHE_BITS)

typedef struct book_side {
    side_entry *dir; /* dir[lo .. lo + nchunks): (first key, chunk handle) */
    uint32_t lo, nchunks, dircap;
    uint32_t n;       /* levels */
    side_entry top;   /* copy of the last directory entry: the common case reads no directory */
} book_side;
_Static_assert(sizeof(book_side) == 32, "both sides share one cache line");

/* The level cache entry of a price. Prices are multiples of the tick (100
 * in Price(4) units for most stocks), so their low bits say nothing: a
 * Fibonacci multiply spreads neighbouring ticks over the entries. */
static inline uint32_t lc_slot(uint32_t price)
{
    return (price * 2654435769u) >> (32 - LEVEL_CACHE_BITS);
}

/* 64-byte aligned (apply_directory): both sides' headers are one cache
 * line, the digest state and counters the second, then the level caches. */
typedef struct book {
    _Alignas(64) book_side sides[2];
    uint64_t stream;  /* per-instrument stream digest (docs/DIGEST.md) */
    uint64_t changes; /* book-changing messages folded into `stream` */
    uint64_t orders;  /* live orders */
    uint16_t locate;
    char symbol[8];
    char trading_state;
    _Alignas(64) uint32_t lc[2][LEVEL_CACHE]; /* level cache (above), 0 = empty */
} book;

static inline uint32_t *lc_of(book *bk, int side, uint32_t price)
{
    return &bk->lc[side][lc_slot(price)];
}

struct blanc_books {
    ref_index ri;  /* the paged direct part of the ref index (ref_index.h) */
    order_map map; /* ... and its keyed-hash part */
    order *orders; /* orders[h - 1] for handle h */
    uint32_t orders_cap, orders_used, orders_free;
    level *levels;
    uint32_t levels_cap, levels_used, levels_free;
    side_chunk *chunks;
    uint32_t chunks_cap, chunks_used, chunks_free;
    uint64_t level_moves; /* side entries + directory entries moved (work counter) */
    uint64_t live, peak, n_levels;
    uint32_t n_books;
    uint16_t *by_symbol; /* locates sorted by symbol: lookup and digest order */
    book *by_locate[65536];
};

static inline order *ord(const blanc_books *b, uint32_t h) { return &b->orders[h - 1]; }
static inline level *lvl(const blanc_books *b, uint32_t h) { return &b->levels[h - 1]; }

/* The handle of (locate, ref), or 0: the direct cell, then the map (ref_index.h).
 * For queries; the apply path (books.c) also counts the map's probes. */
static inline uint32_t books_find(const blanc_books *b, uint16_t locate, uint64_t ref)
{
    const ri_page *pg = ri_page_of(&b->ri, ref);
    if (pg) {
        uint32_t h = pg->h[ref & (RI_PAGE - 1)];
        if (h && b->orders[h - 1].locate == locate)
            return h;
    }
    if (!b->map.count)
        return 0;
    uint32_t tag = order_map_tag(&b->map, locate, ref), idx, steps;
    int found;
#define KEY_EQ_(h) (b->orders[(h) - 1].ref == ref && b->orders[(h) - 1].locate == locate)
    ORDER_MAP_PROBE(&b->map, tag, found, idx, steps, KEY_EQ_);
#undef KEY_EQ_
    (void)steps;
    return found ? (uint32_t)b->map.slots[idx] : 0;
}
static inline uint32_t side_key(int side, uint32_t price) { return side ? ~price : price; }
static inline side_chunk *chunk_at(const blanc_books *b, const book_side *s, uint32_t c)
{
    return &b->chunks[s->dir[s->lo + c].level - 1];
}

/* The array `arr` of *cap elements, doubled (or `first` long if empty);
 * handles stay 32-bit. NULL, with arr and *cap untouched, if that fails. */
void *book_grow(void *arr, uint32_t *cap, size_t elem, uint32_t first);

/* levels.c */
uint32_t level_get(blanc_books *b, book *bk, int side, uint32_t price); /* 0 on ENOMEM */
void level_drop(blanc_books *b, book *bk, int side, uint32_t lh);
/* Handle of the level with this key on this side, or 0. */
uint32_t side_find(const blanc_books *b, const book_side *s, uint32_t key);


/* query.c: index in by_symbol of the first symbol >= sym. */
uint32_t symbol_lower_bound(const blanc_books *b, const char sym[8]);

/* digest.c */
static inline uint64_t stream_fold(uint64_t h, uint64_t w)
{
    return (h ^ w) * BLANC_FNV64_PRIME;
}

/* A change record made empty (the apply, and observe.c when no observer
 * asked for it to be filled): only what says which parts are valid is
 * cleared, the rest is read only under its flag (a day's worth of 100-byte
 * memsets is not free). */
static inline void blanc__change_clear(blanc_change *c, const blanc_event *ev)
{
    c->type = ev->type;
    c->side = 0;
    c->locate = ev->locate;
    c->flags = 0;
    c->n_levels = 0;
    c->trade.type = 0;
}

#endif
