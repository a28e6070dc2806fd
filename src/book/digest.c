/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Book digests (docs/DIGEST.md): one walk over the books in symbol order. */
#include "book/book.h"
#include "book/walk.h"
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
    side_walk d = {0};
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
            if (!with_orders || side_walk_orders(b, bs, &d, &nl)) {
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
    side_walk_free(&d);
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
