/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Price levels: the two-level side arrays (book.h explains the shape) and
 * the level pool. */
#include <stdlib.h>

#include "book/book.h"
#include "common/bytes.h"

/* How far to scan linearly from the top of a chunk before bisecting:
 * activity clusters at the best few prices, where a short scan beats a
 * binary search. */
#define TOP_SCAN 8
/* A chunk under MERGE_BELOW entries merges with a neighbour when the two fit
 * in MERGE_FIT: after a merge >= 16 removals or inserts pass before the next
 * split or merge of the same chunk, so the two cannot alternate. */
#define MERGE_BELOW (SIDE_CHUNK / 4)
#define MERGE_FIT (3 * SIDE_CHUNK / 4)

static inline side_entry *dir_of(const book_side *s) { return s->dir + s->lo; }

/* First index in the chunk whose key is >= key (n if none). */
static uint32_t chunk_lower_bound(const side_chunk *ch, uint32_t key)
{
    uint32_t n = ch->n;
    uint32_t stop = n > TOP_SCAN ? n - TOP_SCAN : 0;
    uint32_t i = n;
    while (i > stop && ch->e[i - 1].key >= key)
        i--;
    if (i > stop || stop == 0)
        return i;
    /* Not within the top: bisect [0, stop). */
    uint32_t lo = 0, hi = stop;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ch->e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The chunk that holds `key` or would: the last whose first key is <= key,
 * or the first chunk. The side has at least one chunk. */
static uint32_t dir_find(const book_side *s, uint32_t key)
{
    const side_entry *d = dir_of(s);
    uint32_t n = s->nchunks;
    if (s->top.key <= key)
        return n - 1; /* the top chunk: the common case */
    uint32_t lo = 0, hi = n - 1; /* first chunk whose first key > key */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (d[mid].key <= key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : 0;
}

/* The chunk dir_find(s, key) names. */
static inline side_chunk *chunk_for(const blanc_books *b, const book_side *s, uint32_t c)
{
    return &b->chunks[(c + 1 == s->nchunks ? s->top.level : dir_of(s)[c].level) - 1];
}

/* Refresh the copy of the top directory entry after the directory changed. */
static inline void sync_top(book_side *s)
{
    if (s->nchunks)
        s->top = dir_of(s)[s->nchunks - 1];
    else
        s->top.key = s->top.level = 0;
}

uint32_t side_find(const blanc_books *b, const book_side *s, uint32_t key)
{
    if (!s->nchunks)
        return 0;
    const side_chunk *ch = chunk_for(b, s, dir_find(s, key));
    uint32_t i = chunk_lower_bound(ch, key);
    return (i < ch->n && ch->e[i].key == key) ? ch->e[i].level : 0;
}

void *book_grow(void *arr, uint32_t *cap, size_t elem, uint32_t first)
{
    if (*cap >= UINT32_MAX / 2)
        return NULL;
    uint32_t n = *cap ? *cap * 2 : first;
    void *p = realloc(arr, (size_t)n * elem);
    if (p)
        *cap = n;
    return p;
}

static uint32_t level_alloc(blanc_books *b)
{
    uint32_t h = b->levels_free;
    if (h) {
        b->levels_free = lvl(b, h)->head;
        return h;
    }
    if (b->levels_used == b->levels_cap) {
        level *l = book_grow(b->levels, &b->levels_cap, sizeof *l, 1024);
        if (!l)
            return 0;
        b->levels = l;
    }
    return ++b->levels_used;
}

/* An empty chunk from the pool (which may move: re-read chunk pointers). */
static uint32_t chunk_alloc(blanc_books *b)
{
    uint32_t h = b->chunks_free;
    if (h) {
        b->chunks_free = b->chunks[h - 1].e[0].level;
    } else {
        if (b->chunks_used == b->chunks_cap) {
            side_chunk *c = book_grow(b->chunks, &b->chunks_cap, sizeof *c, 64);
            if (!c)
                return 0;
            b->chunks = c;
        }
        h = ++b->chunks_used;
    }
    b->chunks[h - 1].n = 0;
    return h;
}

static void chunk_free(blanc_books *b, uint32_t h)
{
    b->chunks[h - 1].e[0].level = b->chunks_free;
    b->chunks_free = h;
}

/* Room for one more directory entry, at one end or the other. */
static int dir_reserve(blanc_books *b, book_side *s)
{
    if (s->lo > 0 || s->lo + s->nchunks < s->dircap)
        return 0;
    if (s->dircap >= UINT32_MAX / 2)
        return BLANC_ENOMEM;
    uint32_t cap = s->dircap ? s->dircap * 2 : 4;
    side_entry *d = malloc((size_t)cap * sizeof *d);
    if (!d)
        return BLANC_ENOMEM;
    uint32_t lo = (cap - s->nchunks) / 2; /* centred: room at both ends */
    if (s->nchunks)
        memcpy(d + lo, dir_of(s), (size_t)s->nchunks * sizeof *d);
    b->level_moves += s->nchunks;
    free(s->dir);
    s->dir = d;
    s->dircap = cap;
    s->lo = lo;
    return 0;
}

/* Make (key, chunk h) directory entry j, moving the shorter side. */
static void dir_insert(blanc_books *b, book_side *s, uint32_t j, uint32_t key, uint32_t h)
{
    uint32_t n = s->nchunks;
    side_entry *d = dir_of(s);
    if (s->lo > 0 && (j < n - j || s->lo + n == s->dircap)) {
        memmove(d - 1, d, (size_t)j * sizeof *d);
        s->lo--;
        b->level_moves += j;
    } else {
        memmove(d + j + 1, d + j, (size_t)(n - j) * sizeof *d);
        b->level_moves += n - j;
    }
    dir_of(s)[j].key = key;
    dir_of(s)[j].level = h;
    s->nchunks++;
}

static void dir_remove(blanc_books *b, book_side *s, uint32_t j)
{
    uint32_t n = s->nchunks;
    side_entry *d = dir_of(s);
    if (j < n - 1 - j) {
        memmove(d + 1, d, (size_t)j * sizeof *d);
        s->lo++;
        b->level_moves += j;
    } else {
        memmove(d + j, d + j + 1, (size_t)(n - 1 - j) * sizeof *d);
        b->level_moves += n - 1 - j;
    }
    if (--s->nchunks == 0)
        s->lo = s->dircap / 2;
}

/* Put (key, level h) at index i of chunk c, which has room. */
static void chunk_insert(blanc_books *b, book_side *s, side_chunk *ch, uint32_t c, uint32_t i,
                         uint32_t key, uint32_t h)
{
    memmove(&ch->e[i + 1], &ch->e[i], (size_t)(ch->n - i) * sizeof *ch->e);
    b->level_moves += ch->n - i;
    ch->e[i].key = key;
    ch->e[i].level = h;
    ch->n++;
    if (i == 0) {
        dir_of(s)[c].key = key;
        if (c + 1 == s->nchunks)
            s->top.key = key;
    }
}

enum { IN_PLACE, TO_NEXT, NEW_AT, SPLIT };

uint32_t level_get(blanc_books *b, book *bk, int side, uint32_t price)
{
    book_side *s = &bk->sides[side];
    uint32_t *lc = lc_of(bk, side, price);
    if (*lc && lvl(b, *lc)->price == price)
        return *lc;
    uint32_t key = side_key(side, price);
    uint32_t c = 0, i = 0;
    int how = NEW_AT;
    if (s->nchunks) {
        c = dir_find(s, key);
        const side_chunk *ch = chunk_for(b, s, c);
        i = chunk_lower_bound(ch, key);
        if (i < ch->n && ch->e[i].key == key) {
            return *lc = ch->e[i].level;
        }
        if (ch->n < SIDE_CHUNK)
            how = IN_PLACE;
        else if (i == SIDE_CHUNK && c + 1 < s->nchunks && chunk_at(b, s, c + 1)->n < SIDE_CHUNK)
            how = TO_NEXT; /* the front of the next chunk is the same place */
        else if (i == 0 || i == SIDE_CHUNK) {
            how = NEW_AT; /* a new chunk of one, at the edge of the full one */
            if (i)
                c++;
        } else
            how = SPLIT;
    }
    /* Take every resource before the first change: ENOMEM changes nothing. */
    uint32_t nh = 0;
    if (how == NEW_AT || how == SPLIT) {
        if (dir_reserve(b, s) || !(nh = chunk_alloc(b)))
            return 0;
    }
    uint32_t h = level_alloc(b);
    if (!h) {
        if (nh)
            chunk_free(b, nh);
        return 0;
    }
    level *l = lvl(b, h);
    l->shares = 0;
    l->price = price;
    l->count = 0;
    l->head = l->tail = 0;
    /* The chunk by its pointer, not through the directory: an insert that
     * changes no directory entry (most) then reads no directory line, only
     * the side's copy of its top entry (book.h), which it keeps current. */
    switch (how) {
    case IN_PLACE:
        chunk_insert(b, s, chunk_for(b, s, c), c, i, key, h);
        break;
    case TO_NEXT:
        chunk_insert(b, s, chunk_at(b, s, c + 1), c + 1, 0, key, h);
        break;
    case NEW_AT:
        dir_insert(b, s, c, key, nh);
        chunk_insert(b, s, &b->chunks[nh - 1], c, 0, key, h);
        sync_top(s);
        break;
    default: { /* SPLIT a full chunk in halves, then insert into one */
        side_chunk *ch = chunk_at(b, s, c), *nc = &b->chunks[nh - 1];
        uint32_t half = SIDE_CHUNK / 2;
        memcpy(nc->e, ch->e + half, half * sizeof *ch->e);
        b->level_moves += half;
        nc->n = half;
        ch->n = half;
        dir_insert(b, s, c + 1, nc->e[0].key, nh);
        if (i <= half)
            chunk_insert(b, s, ch, c, i, key, h);
        else
            chunk_insert(b, s, nc, c + 1, i - half, key, h);
        sync_top(s);
    }
    }
    s->n++;
    b->n_levels++;
    *lc = h;
    return h;
}

/* Chunk c has fallen under MERGE_BELOW: fold it into a neighbour that has
 * room for both, or the neighbour into it. */
static void chunk_merge(blanc_books *b, book_side *s, uint32_t c)
{
    side_chunk *ch = chunk_at(b, s, c);
    if (c > 0) {
        side_chunk *left = chunk_at(b, s, c - 1);
        if (left->n + ch->n <= MERGE_FIT) {
            memcpy(left->e + left->n, ch->e, (size_t)ch->n * sizeof *ch->e);
            b->level_moves += ch->n;
            left->n += ch->n;
            chunk_free(b, dir_of(s)[c].level);
            dir_remove(b, s, c);
            return;
        }
    }
    if (c + 1 < s->nchunks) {
        side_chunk *right = chunk_at(b, s, c + 1);
        if (ch->n + right->n <= MERGE_FIT) {
            memcpy(ch->e + ch->n, right->e, (size_t)right->n * sizeof *ch->e);
            b->level_moves += right->n;
            ch->n += right->n;
            chunk_free(b, dir_of(s)[c + 1].level);
            dir_remove(b, s, c + 1);
        }
    }
}

void level_drop(blanc_books *b, book *bk, int side, uint32_t lh)
{
    book_side *s = &bk->sides[side];
    level *l = lvl(b, lh);
    uint32_t *lc = lc_of(bk, side, l->price);
    if (*lc == lh)
        *lc = 0;
    uint32_t key = side_key(side, l->price);
    uint32_t c = dir_find(s, key);
    side_chunk *ch = chunk_for(b, s, c);
    uint32_t i = chunk_lower_bound(ch, key);
    memmove(&ch->e[i], &ch->e[i + 1], (size_t)(ch->n - i - 1) * sizeof *ch->e);
    b->level_moves += ch->n - i - 1;
    /* As in level_get: the directory is read only when it changes. */
    if (--ch->n == 0) {
        chunk_free(b, dir_of(s)[c].level);
        dir_remove(b, s, c);
        sync_top(s);
    } else {
        if (i == 0) {
            dir_of(s)[c].key = ch->e[0].key;
            if (c + 1 == s->nchunks)
                s->top.key = ch->e[0].key;
        }
        if (ch->n < MERGE_BELOW && s->nchunks > 1) {
            chunk_merge(b, s, c);
            sync_top(s);
        }
    }
    s->n--;
    b->n_levels--;
    l->head = b->levels_free;
    b->levels_free = lh;
}
