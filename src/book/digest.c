/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Book digests (docs/DIGEST.md): one walk over the books in symbol order. */
#include <stdlib.h>

#include "book/book.h"
#include "common/bytes.h"

/* Buffer the serialization and hash it in chunks: the byte layout stays
 * exactly the documented one, written out field by field. */
typedef struct hbuf {
    uint64_t h;
    size_t n;
    uint8_t b[4096];
} hbuf;

static void hflush(hbuf *x)
{
    x->h = blanc_fnv1a64(x->h, x->b, x->n);
    x->n = 0;
}

static void hput(hbuf *x, const void *p, size_t n)
{
    if (x->n + n > sizeof x->b)
        hflush(x);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}

static void hle32(hbuf *x, uint32_t v)
{
    uint8_t t[4];
    blanc_put_le32(t, v);
    hput(x, t, 4);
}

static void hle64(hbuf *x, uint64_t v)
{
    uint8_t t[8];
    blanc_put_le64(t, v);
    hput(x, t, 8);
}

/* Bytes too many for the buffer go to the hash directly (FNV-1a runs byte
 * by byte: where the chunks end changes nothing). */
static void hput_long(hbuf *x, const uint8_t *p, size_t n)
{
    if (n <= sizeof x->b) {
        hput(x, p, n);
        return;
    }
    hflush(x);
    x->h = blanc_fnv1a64(x->h, p, n);
}

/* The levels of one side in digest order, and for each the place of its
 * orders' bytes (12 each) in `ob`. */
typedef struct dscratch {
    uint32_t *lv;
    size_t *at;
    size_t lv_cap, at_cap;
    uint8_t *ob;
    size_t ob_cap;
} dscratch;

static int grow(void **p, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < want)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Chains walked side by side: the order nodes of a digest are scattered
 * over the pool and mostly out of cache at the end of a day, and a level's
 * chain can only be followed one miss at a time, so several levels' chains
 * are followed at once, each into its own range of `ob`. */
enum { DIGEST_WAYS = 16 };

/* One chain being followed: its next node and where its bytes go. */
typedef struct way {
    uint32_t h;
    size_t o, end;
} way;

/* Start w on the next level from *next that has orders (its first node
 * prefetched). 1: started; 0: no level left; -1: a level's head and count
 * disagree. */
static int way_take(const blanc_books *b, const dscratch *d, size_t nl, size_t *next, way *w)
{
    for (; *next < nl; ++*next) {
        size_t i = *next;
        uint32_t h = lvl(b, d->lv[i])->head;
        if (!h != (d->at[i] == d->at[i + 1]))
            return -1;
        if (!h)
            continue;
        __builtin_prefetch(ord(b, h));
        w->h = h, w->o = d->at[i] * 12, w->end = d->at[i + 1] * 12;
        ++*next;
        return 1;
    }
    return 0;
}

/* The orders of side bs into d->ob, in queue order level by level. Returns
 * 0, or -1 if a chain and its level's count disagree or memory ran out
 * (the caller then walks the plain way). */
static int gather_side(const blanc_books *b, const book_side *bs, dscratch *d, size_t *nl_out)
{
    size_t nl = 0, total = 0;
    if (grow((void **)&d->lv, &d->lv_cap, bs->n + 1, sizeof *d->lv))
        return -1;
    if (grow((void **)&d->at, &d->at_cap, bs->n + 1, sizeof *d->at))
        return -1;
    for (uint32_t c = bs->nchunks; c-- > 0;) {
        const side_chunk *ch = chunk_at(b, bs, c);
        for (uint32_t k = ch->n; k-- > 0;) {
            if (nl == bs->n)
                return -1;
            uint32_t lh = ch->e[k].level;
            d->lv[nl] = lh;
            d->at[nl++] = total;
            total += lvl(b, lh)->count;
        }
    }
    d->at[nl] = total;
    *nl_out = nl;
    if (grow((void **)&d->ob, &d->ob_cap, total * 12, 1))
        return -1;
    way cur[DIGEST_WAYS];
    size_t next = 0, active = 0;
    int rc = 0;
    while (active < DIGEST_WAYS && (rc = way_take(b, d, nl, &next, &cur[active])) > 0)
        active++;
    if (rc < 0)
        return -1;
    while (active) {
        for (size_t w = 0; w < active;) {
            const order *o = ord(b, cur[w].h);
            uint8_t *q = d->ob + cur[w].o;
            blanc_put_le64(q, o->ref);
            blanc_put_le32(q + 8, o->shares);
            cur[w].o += 12;
            cur[w].h = o->next;
            if (cur[w].h && cur[w].o < cur[w].end) {
                __builtin_prefetch(ord(b, cur[w].h));
                w++;
                continue;
            }
            if (cur[w].h || cur[w].o != cur[w].end)
                return -1;
            /* This level is done: the slot takes the next one with orders. */
            if ((rc = way_take(b, d, nl, &next, &cur[w])) < 0)
                return -1;
            if (!rc)
                cur[w] = cur[--active];
            else
                w++;
        }
    }
    return 0;
}

/* The plain walk of one side: each chain followed in turn. */
static void side_plain(const blanc_books *b, const book_side *bs, int with_orders, hbuf *x)
{
    for (uint32_t c = bs->nchunks; c-- > 0;) {
        const side_chunk *ch = chunk_at(b, bs, c);
        for (uint32_t k = ch->n; k-- > 0;) {
            const level *l = lvl(b, ch->e[k].level);
            hle32(x, l->price);
            hle64(x, l->shares);
            hle32(x, l->count);
            if (!with_orders)
                continue;
            for (uint32_t h = l->head; h; h = ord(b, h)->next) {
                hle64(x, ord(b, h)->ref);
                hle32(x, ord(b, h)->shares);
            }
        }
    }
}

static uint64_t book_digest(const blanc_books *b, int with_orders)
{
    hbuf x;
    x.h = BLANC_FNV64_OFFSET;
    x.n = 0;
    dscratch d = {0};
    for (uint32_t i = 0; i < b->n_books; i++) {
        const book *bk = b->by_locate[b->by_symbol[i]];
        if (!bk->orders)
            continue;
        hput(&x, bk->symbol, 8);
        for (int s = 0; s < 2; s++) {
            const book_side *bs = &bk->sides[s];
            uint8_t sb = s ? 'S' : 'B';
            hput(&x, &sb, 1);
            hle32(&x, bs->n);
            size_t nl;
            if (!with_orders || gather_side(b, bs, &d, &nl)) {
                side_plain(b, bs, with_orders, &x);
                continue;
            }
            for (size_t j = 0; j < nl; j++) {
                const level *l = lvl(b, d.lv[j]);
                hle32(&x, l->price);
                hle64(&x, l->shares);
                hle32(&x, l->count);
                hput_long(&x, d.ob + d.at[j] * 12, (d.at[j + 1] - d.at[j]) * 12);
            }
        }
    }
    free(d.lv);
    free(d.at);
    free(d.ob);
    hflush(&x);
    return x.h;
}

uint64_t blanc_books_digest_l3(const blanc_books *b) { return book_digest(b, 1); }

uint64_t blanc_books_digest_l2(const blanc_books *b) { return book_digest(b, 0); }

uint64_t blanc_books_digest_stream(const blanc_books *b)
{
    hbuf x;
    x.h = BLANC_FNV64_OFFSET;
    x.n = 0;
    for (uint32_t i = 0; i < b->n_books; i++) {
        const book *bk = b->by_locate[b->by_symbol[i]];
        if (!bk->changes)
            continue;
        hput(&x, bk->symbol, 8);
        hle64(&x, bk->stream);
        hle64(&x, bk->changes);
    }
    hflush(&x);
    return x.h;
}
