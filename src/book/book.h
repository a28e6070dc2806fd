/*
 * Internal layout of the books.
 *
 * Orders and levels live in two pools (growable arrays) and refer to each other
 * by 32-bit handles (index + 1; 0 = none): half the size of pointers, so an
 * order node is 32 bytes and two share a cache line, and a pool can move when
 * it grows. Freed slots go on a free list threaded through `next`, so a day
 * allocates only when the live set reaches a new peak — never per message.
 *
 * Each side of a book is an array of (key, level handle) sorted by key with the
 * best price at the END: key = price for bids, ~price for asks, so "better" is
 * "larger key" on both sides. Most activity is within a few ticks of the top,
 * so inserting or removing a level moves only the few entries above it.
 * A level keeps its orders in a doubly linked FIFO (time priority): O(1) append,
 * O(1) removal from the middle.
 */
#ifndef BLANC_BOOK_H
#define BLANC_BOOK_H

#include "blanc.h"
#include "book/order_map.h"

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

typedef struct book_side {
    side_entry *e;
    uint32_t n, cap;
} book_side;

typedef struct book {
    book_side sides[2];
    uint64_t stream;  /* per-instrument stream digest (docs/DIGEST.md) */
    uint64_t changes; /* book-changing messages folded into `stream` */
    uint64_t orders;  /* live orders */
    uint16_t locate;
    char symbol[8];
    char trading_state;
} book;

struct blanc_books {
    order_map map;
    order *orders; /* orders[h - 1] for handle h */
    uint32_t orders_cap, orders_used, orders_free;
    level *levels;
    uint32_t levels_cap, levels_used, levels_free;
    uint64_t live, peak, n_levels;
    uint32_t n_books;
    uint16_t *by_symbol; /* locates sorted by symbol: lookup and digest order */
    book *by_locate[65536];
};

static inline order *ord(const blanc_books *b, uint32_t h) { return &b->orders[h - 1]; }
static inline level *lvl(const blanc_books *b, uint32_t h) { return &b->levels[h - 1]; }
static inline uint32_t side_key(int side, uint32_t price) { return side ? ~price : price; }

/* The array `arr` of *cap elements, doubled (or `first` long if empty);
 * handles stay 32-bit. NULL, with arr and *cap untouched, if that fails. */
void *book_grow(void *arr, uint32_t *cap, size_t elem, uint32_t first);

/* levels.c */
uint32_t level_get(blanc_books *b, book *bk, int side, uint32_t price); /* 0 on ENOMEM */
void level_drop(blanc_books *b, book *bk, int side, uint32_t lh);
/* Index in the side array of the level with this key, or -1. */
long side_find(const book_side *s, uint32_t key);

/* query.c: index in by_symbol of the first symbol >= sym. */
uint32_t symbol_lower_bound(const blanc_books *b, const char sym[8]);

/* digest.c */
static inline uint64_t stream_fold(uint64_t h, uint64_t w)
{
    return (h ^ w) * BLANC_FNV64_PRIME;
}

#endif
