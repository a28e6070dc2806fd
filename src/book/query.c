/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Read-only queries over the books, and the invariant checker. */
#include <stdlib.h>
#include <string.h>

#include "book/book.h"

uint32_t symbol_lower_bound(const blanc_books *b, const char sym[8])
{
    uint32_t lo = 0, hi = b->n_books;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (memcmp(b->by_locate[b->by_symbol[mid]]->symbol, sym, 8) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int blanc_books_find(const blanc_books *b, const char symbol[8])
{
    uint32_t i = symbol_lower_bound(b, symbol);
    if (i < b->n_books && !memcmp(b->by_locate[b->by_symbol[i]]->symbol, symbol, 8))
        return b->by_symbol[i];
    return BLANC_ENOTFOUND;
}

int blanc_symbol_pad(const char *user, char out[8])
{
    size_t n = user ? strlen(user) : 0;
    if (n == 0 || n > 8)
        return BLANC_EINVAL;
    memset(out, ' ', 8);
    memcpy(out, user, n);
    return 0;
}

size_t blanc_books_symbols(const blanc_books *b, uint16_t *out, size_t n)
{
    for (size_t i = 0; i < n && i < b->n_books; i++)
        out[i] = b->by_symbol[i];
    return b->n_books;
}

static int side_index(char side)
{
    return side == 'B' ? 0 : side == 'S' ? 1 : -1;
}

int blanc_books_instrument(const blanc_books *b, uint16_t locate, blanc_instrument *out)
{
    const book *bk = b->by_locate[locate];
    if (!bk)
        return BLANC_ENOTFOUND;
    memcpy(out->symbol, bk->symbol, 8);
    out->symbol[8] = 0;
    out->locate = locate;
    out->trading_state = bk->trading_state;
    out->bid_levels = bk->sides[0].n;
    out->ask_levels = bk->sides[1].n;
    out->orders = bk->orders;
    return 0;
}

static void level_out(const level *l, blanc_level *out)
{
    out->price = l->price;
    out->orders = l->count;
    out->shares = l->shares;
}

int blanc_books_levels(const blanc_books *b, uint16_t locate, char side, blanc_level *out,
                       size_t n)
{
    const book *bk = b->by_locate[locate];
    int s = side_index(side);
    if (!bk)
        return BLANC_ENOTFOUND;
    if (s < 0)
        return BLANC_EINVAL;
    const book_side *bs = &bk->sides[s];
    size_t k = 0;
    for (uint32_t c = bs->nchunks; c-- > 0 && k < n;) {
        const side_chunk *ch = chunk_at(b, bs, c);
        for (uint32_t j = ch->n; j-- > 0 && k < n;)
            level_out(lvl(b, ch->e[j].level), &out[k++]);
    }
    return (int)k;
}

int blanc_books_bbo(const blanc_books *b, uint16_t locate, blanc_level *bid, blanc_level *ask)
{
    blanc_level z = {0, 0, 0};
    *bid = z;
    *ask = z;
    int rc = blanc_books_levels(b, locate, 'B', bid, 1);
    if (rc < 0)
        return rc;
    rc = blanc_books_levels(b, locate, 'S', ask, 1);
    return rc < 0 ? rc : 0;
}

/* The level at one price: 1 and *l, 0 if there is none, or a negative error. */
static int level_at(const blanc_books *b, uint16_t locate, char side, uint32_t price,
                    const level **l)
{
    const book *bk = b->by_locate[locate];
    int s = side_index(side);
    if (!bk)
        return BLANC_ENOTFOUND;
    if (s < 0)
        return BLANC_EINVAL;
    uint32_t lh = side_find(b, &bk->sides[s], side_key(s, price));
    if (!lh)
        return 0;
    *l = lvl(b, lh);
    return 1;
}

static void order_out(const order *o, blanc_order *out)
{
    out->ref = o->ref;
    out->shares = o->shares;
    out->price = o->price;
    out->locate = o->locate;
    out->side = o->side ? 'S' : 'B';
}

long blanc_books_queue(const blanc_books *b, uint16_t locate, char side, uint32_t price,
                       blanc_order *out, size_t n)
{
    const level *l;
    int rc = level_at(b, locate, side, price, &l);
    if (rc <= 0)
        return rc;
    size_t k = 0;
    for (uint32_t h = l->head; h && k < n; h = ord(b, h)->next)
        order_out(ord(b, h), &out[k++]);
    return (long)l->count;
}

int blanc_books_order(const blanc_books *b, uint16_t locate, uint64_t ref, blanc_order *out)
{
    uint32_t h = books_find(b, locate, ref);
    if (!h)
        return BLANC_ENOTFOUND;
    order_out(ord(b, h), out);
    return 0;
}

int blanc_books_get_stats(const blanc_books *b, blanc_books_stats *out)
{
    out->instruments = b->n_books;
    out->live_orders = b->live;
    out->levels = b->n_levels;
    out->peak_orders = b->peak;
    out->order_capacity = b->orders_cap;
    return 0;
}

/* One level of the checker: its queue against its counters; adds its orders
 * to *orders. */
static int check_level(const blanc_books *b, const book *bk, int s, const side_entry *e,
                       uint64_t *orders)
{
    const level *l = lvl(b, e->level);
    if (side_key(s, l->price) != e->key || l->count == 0)
        return BLANC_EINVAL;
    uint64_t sum = 0;
    uint32_t cnt = 0, prev = 0;
    for (uint32_t h = l->head; h; h = ord(b, h)->next) {
        const order *o = ord(b, h);
        if (o->prev != prev || o->level != e->level || o->side != s || o->price != l->price ||
            o->shares == 0 || o->locate != bk->locate)
            return BLANC_EINVAL;
        blanc_order found;
        if (blanc_books_order(b, o->locate, o->ref, &found) || found.price != o->price)
            return BLANC_EINVAL;
        sum += o->shares;
        prev = h;
        if (++cnt > l->count)
            return BLANC_EINVAL;
    }
    if (cnt != l->count || sum != l->shares || l->tail != prev)
        return BLANC_EINVAL;
    *orders += cnt;
    return 0;
}

/* One side: the directory, its chunks (non-empty, at most SIDE_CHUNK, first
 * keys in the directory), keys strictly rising, and every level. */
static int check_side(const blanc_books *b, const book *bk, int s, uint64_t *orders)
{
    const book_side *bs = &bk->sides[s];
    if ((uint64_t)bs->lo + bs->nchunks > bs->dircap)
        return BLANC_EINVAL;
    if (bs->nchunks ? memcmp(&bs->top, &bs->dir[bs->lo + bs->nchunks - 1], sizeof bs->top)
                    : bs->top.level != 0)
        return BLANC_EINVAL;
    uint32_t n = 0, last = 0;
    for (uint32_t c = 0; c < bs->nchunks; c++) {
        const side_chunk *ch = chunk_at(b, bs, c);
        if (ch->n == 0 || ch->n > SIDE_CHUNK || bs->dir[bs->lo + c].key != ch->e[0].key)
            return BLANC_EINVAL;
        for (uint32_t k = 0; k < ch->n; k++) {
            if (n++ && last >= ch->e[k].key)
                return BLANC_EINVAL;
            last = ch->e[k].key;
            if (check_level(b, bk, s, &ch->e[k], orders))
                return BLANC_EINVAL;
        }
    }
    return n == bs->n ? 0 : BLANC_EINVAL;
}

/* Walk everything and compare against the counters kept incrementally. */
int blanc_books_check(const blanc_books *b)
{
    uint64_t live = 0, levels = 0;
    for (uint32_t i = 0; i < b->n_books; i++) {
        const book *bk = b->by_locate[b->by_symbol[i]];
        if (!bk || (i && memcmp(b->by_locate[b->by_symbol[i - 1]]->symbol, bk->symbol, 8) >= 0))
            return BLANC_EINVAL;
        uint64_t book_orders = 0;
        for (int s = 0; s < 2; s++) {
            if (check_side(b, bk, s, &book_orders))
                return BLANC_EINVAL;
            levels += bk->sides[s].n;
        }
        if (book_orders != bk->orders)
            return BLANC_EINVAL;
        live += book_orders;
    }
    /* The direct index: every listed page is in the table at its place and
     * holds orders, and their count is what the index says it holds. */
    uint64_t direct = 0;
    for (uint32_t i = 0; i < b->ri.pages; i++) {
        const ri_page *pg = b->ri.table[b->ri.ids[i]];
        uint32_t n = b->ri.live_of[b->ri.ids[i]];
        if (!pg || pg->at != i || !n)
            return BLANC_EINVAL;
        direct += n;
    }
    if (direct != b->ri.live)
        return BLANC_EINVAL;
    if (live != b->live || levels != b->n_levels || live != b->map.count + b->ri.live)
        return BLANC_EINVAL;
    /* Best bid strictly below best ask is NOT an invariant: real feeds cross. */
    return 0;
}

int blanc_books_level(const blanc_books *b, uint16_t locate, char side, uint32_t price,
                      blanc_level *out)
{
    const level *l;
    int rc = level_at(b, locate, side, price, &l);
    if (rc < 0)
        return rc;
    out->price = price;
    out->orders = 0;
    out->shares = 0;
    if (rc)
        level_out(l, out);
    return rc;
}

int blanc_books_book_digest(const blanc_books *b, uint16_t locate, uint64_t *stream,
                            uint64_t *changes)
{
    const book *bk = b->by_locate[locate];
    if (!bk)
        return BLANC_ENOTFOUND;
    *stream = bk->stream;
    *changes = bk->changes;
    return 0;
}
