/* Price levels: the sorted side arrays and the level pool. */
#include <stdlib.h>

#include "book/book.h"
#include "common/bytes.h"

/* How far to scan linearly from the top before bisecting: activity clusters
 * at the best few prices, where a short scan beats a binary search. */
#define TOP_SCAN 8

/* First index whose key is >= key (n if none). */
static uint32_t side_lower_bound(const book_side *s, uint32_t key)
{
    uint32_t n = s->n;
    uint32_t stop = n > TOP_SCAN ? n - TOP_SCAN : 0;
    uint32_t i = n;
    while (i > stop && s->e[i - 1].key >= key)
        i--;
    if (i > stop || stop == 0)
        return i;
    /* Not within the top: bisect [0, stop). */
    uint32_t lo = 0, hi = stop;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

long side_find(const book_side *s, uint32_t key)
{
    uint32_t i = side_lower_bound(s, key);
    return (i < s->n && s->e[i].key == key) ? (long)i : -1;
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

uint32_t level_get(blanc_books *b, book *bk, int side, uint32_t price)
{
    book_side *s = &bk->sides[side];
    uint32_t key = side_key(side, price);
    uint32_t i = side_lower_bound(s, key);
    if (i < s->n && s->e[i].key == key)
        return s->e[i].level;
    if (s->n == s->cap) {
        side_entry *e = book_grow(s->e, &s->cap, sizeof *e, 16);
        if (!e)
            return 0;
        s->e = e;
    }
    uint32_t h = level_alloc(b);
    if (!h)
        return 0;
    level *l = lvl(b, h);
    l->shares = 0;
    l->price = price;
    l->count = 0;
    l->head = l->tail = 0;
    memmove(&s->e[i + 1], &s->e[i], (size_t)(s->n - i) * sizeof *s->e);
    s->e[i].key = key;
    s->e[i].level = h;
    s->n++;
    b->n_levels++;
    return h;
}

void level_drop(blanc_books *b, book *bk, int side, uint32_t lh)
{
    book_side *s = &bk->sides[side];
    level *l = lvl(b, lh);
    uint32_t i = side_lower_bound(s, side_key(side, l->price));
    memmove(&s->e[i], &s->e[i + 1], (size_t)(s->n - i - 1) * sizeof *s->e);
    s->n--;
    b->n_levels--;
    l->head = b->levels_free;
    b->levels_free = lh;
}
