/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The digests of docs/DIGEST.md, checked against the documented byte layout
 * written out literally here and hashed by this file's own FNV-1a. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util.h"

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

typedef struct buf {
    uint8_t b[1024];
    size_t n;
} buf;

static void put(buf *x, const void *p, size_t n)
{
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void u8(buf *x, uint8_t v) { put(x, &v, 1); }
static void le32(buf *x, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        u8(x, (uint8_t)(v >> (8 * i)));
}
static void le64(buf *x, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        u8(x, (uint8_t)(v >> (8 * i)));
}

static uint64_t fold(uint64_t s, uint64_t w) { return (s ^ w) * 0x100000001b3ull; }

static blanc_books *build(void)
{
    blanc_books *b;
    blanc_books_create(&b, 0);
    blanc_event e[] = {
        ev_dir(1, "BB"), ev_dir(2, "AA"), ev_dir(3, "CC"), ev_dir(4, "DD"),
        ev_add(2, 7, 'B', 100, 5000), ev_add(2, 8, 'S', 30, 5100),
        ev_add(2, 9, 'B', 20, 5000),  ev_add(1, 1, 'S', 4, 200),
        ev_mod('E', 1, 1, 3),         ev_add(3, 5, 'S', 10, 300),
        ev_mod('D', 3, 5, 0),
    };
    for (size_t i = 0; i < sizeof e / sizeof e[0]; i++)
        assert_true(blanc_books_apply(b, &e[i]) >= 0);
    return b;
}

static void empty_books_hash_to_the_offset_basis(void **state)
{
    (void)state;
    blanc_books *b;
    blanc_books_create(&b, 0);
    assert_int_equal(blanc_books_digest_l3(b), 0xcbf29ce484222325ull);
    assert_int_equal(blanc_books_digest_l2(b), 0xcbf29ce484222325ull);
    assert_int_equal(blanc_books_digest_stream(b), 0xcbf29ce484222325ull);
    blanc_books_free(b);
}

static void l3_and_l2_follow_the_documented_layout(void **state)
{
    (void)state;
    blanc_books *b = build();
    buf l3 = {{0}, 0}, l2 = {{0}, 0};
    /* AA: bids one level (5000: refs 7 then 9), asks one level (5100: ref 8). */
    put(&l3, "AA      ", 8);
    u8(&l3, 'B'), le32(&l3, 1);
    le32(&l3, 5000), le64(&l3, 120), le32(&l3, 2);
    le64(&l3, 7), le32(&l3, 100), le64(&l3, 9), le32(&l3, 20);
    u8(&l3, 'S'), le32(&l3, 1);
    le32(&l3, 5100), le64(&l3, 30), le32(&l3, 1);
    le64(&l3, 8), le32(&l3, 30);
    /* BB: no bids; one ask (200: ref 1 with 1 share left). CC and DD: empty, skipped. */
    put(&l3, "BB      ", 8);
    u8(&l3, 'B'), le32(&l3, 0);
    u8(&l3, 'S'), le32(&l3, 1);
    le32(&l3, 200), le64(&l3, 1), le32(&l3, 1);
    le64(&l3, 1), le32(&l3, 1);

    put(&l2, "AA      ", 8);
    u8(&l2, 'B'), le32(&l2, 1), le32(&l2, 5000), le64(&l2, 120), le32(&l2, 2);
    u8(&l2, 'S'), le32(&l2, 1), le32(&l2, 5100), le64(&l2, 30), le32(&l2, 1);
    put(&l2, "BB      ", 8);
    u8(&l2, 'B'), le32(&l2, 0);
    u8(&l2, 'S'), le32(&l2, 1), le32(&l2, 200), le64(&l2, 1), le32(&l2, 1);

    assert_int_equal(blanc_books_digest_l3(b), fnv(l3.b, l3.n));
    assert_int_equal(blanc_books_digest_l2(b), fnv(l2.b, l2.n));
    blanc_books_free(b);
}

static uint64_t w0(char type, char side, uint32_t price)
{
    return (uint64_t)(uint8_t)type | (uint64_t)(uint8_t)side << 8 | (uint64_t)price << 32;
}

static void stream_follows_the_documented_folds(void **state)
{
    (void)state;
    blanc_books *b = build();
    uint64_t off = 0xcbf29ce484222325ull;
    uint64_t aa = off, bb = off, cc = off;
    aa = fold(fold(fold(aa, w0('A', 'B', 5000)), 7), 100);
    aa = fold(fold(fold(aa, w0('A', 'S', 5100)), 8), 30);
    aa = fold(fold(fold(aa, w0('A', 'B', 5000)), 9), 20);
    bb = fold(fold(fold(bb, w0('A', 'S', 200)), 1), 4);
    bb = fold(fold(fold(bb, w0('E', 'S', 200)), 1), 1);
    cc = fold(fold(fold(cc, w0('A', 'S', 300)), 5), 10);
    cc = fold(fold(fold(cc, w0('D', 'S', 300)), 5), 0);
    buf x = {{0}, 0};
    put(&x, "AA      ", 8), le64(&x, aa), le64(&x, 3);
    put(&x, "BB      ", 8), le64(&x, bb), le64(&x, 2);
    put(&x, "CC      ", 8), le64(&x, cc), le64(&x, 2); /* empty now, but it changed */
    assert_int_equal(blanc_books_digest_stream(b), fnv(x.b, x.n));

    /* U folds four words: new price/side, new ref, new shares, original ref. */
    blanc_event u = ev_replace(1, 1, 77, 9, 250);
    assert_int_equal(blanc_books_apply(b, &u), BLANC_APPLIED);
    bb = fold(fold(fold(fold(bb, w0('U', 'S', 250)), 77), 9), 1);
    x.n = 0;
    put(&x, "AA      ", 8), le64(&x, aa), le64(&x, 3);
    put(&x, "BB      ", 8), le64(&x, bb), le64(&x, 3);
    put(&x, "CC      ", 8), le64(&x, cc), le64(&x, 2);
    assert_int_equal(blanc_books_digest_stream(b), fnv(x.b, x.n));
    blanc_books_free(b);
}

static void same_end_state_by_different_paths(void **state)
{
    (void)state;
    /* Path 1: add 100. Path 2: add 150, cancel 50. Same book, different stream. */
    blanc_books *p, *q;
    blanc_books_create(&p, 0);
    blanc_books_create(&q, 0);
    blanc_event d = ev_dir(1, "S"), a1 = ev_add(1, 1, 'B', 100, 10), a2 = ev_add(1, 1, 'B', 150, 10),
                x = ev_mod('X', 1, 1, 50);
    blanc_books_apply(p, &d), blanc_books_apply(p, &a1);
    blanc_books_apply(q, &d), blanc_books_apply(q, &a2), blanc_books_apply(q, &x);
    assert_int_equal(blanc_books_digest_l3(p), blanc_books_digest_l3(q));
    assert_int_equal(blanc_books_digest_l2(p), blanc_books_digest_l2(q));
    assert_int_not_equal(blanc_books_digest_stream(p), blanc_books_digest_stream(q));
    /* Queue order matters to l3 but not l2. */
    blanc_books *r, *s;
    blanc_books_create(&r, 0);
    blanc_books_create(&s, 0);
    blanc_event o1 = ev_add(1, 1, 'B', 5, 10), o2 = ev_add(1, 2, 'B', 5, 10);
    blanc_books_apply(r, &d), blanc_books_apply(r, &o1), blanc_books_apply(r, &o2);
    blanc_books_apply(s, &d), blanc_books_apply(s, &o2), blanc_books_apply(s, &o1);
    assert_int_not_equal(blanc_books_digest_l3(r), blanc_books_digest_l3(s));
    assert_int_equal(blanc_books_digest_l2(r), blanc_books_digest_l2(s));
    blanc_books_free(p), blanc_books_free(q), blanc_books_free(r), blanc_books_free(s);
}

static void digests_do_not_depend_on_locates(void **state)
{
    (void)state;
    blanc_books *p, *q;
    blanc_books_create(&p, 0);
    blanc_books_create(&q, 0);
    blanc_event pe[] = {ev_dir(1, "X"), ev_dir(2, "Y"), ev_add(1, 1, 'B', 5, 10),
                        ev_add(2, 2, 'S', 6, 11)};
    blanc_event qe[] = {ev_dir(9, "Y"), ev_dir(3, "X"), ev_add(9, 2, 'S', 6, 11),
                        ev_add(3, 1, 'B', 5, 10)};
    for (int i = 0; i < 4; i++)
        blanc_books_apply(p, &pe[i]), blanc_books_apply(q, &qe[i]);
    assert_int_equal(blanc_books_digest_l3(p), blanc_books_digest_l3(q));
    assert_int_equal(blanc_books_digest_stream(p), blanc_books_digest_stream(q));
    blanc_books_free(p), blanc_books_free(q);
}

/* Many levels with chains of every length (none, one, more than the walk's
 * 16 ways, one level of 1,500 orders: 18,000 bytes, past the hash buffer),
 * queues cut in the middle by deletes: the L3 layout written out from the
 * test's own model of each queue. */
enum { NLV = 40, LONG_LV = 7, LONG_N = 1500 };
static size_t level_len(int j) { return j == LONG_LV ? LONG_N : (size_t)((j * 7) % 23); }

static void l3_of_many_levels_and_long_queues(void **state)
{
    (void)state;
    blanc_books *b;
    blanc_books_create(&b, 0);
    blanc_event d = ev_dir(1, "MANY");
    assert_true(blanc_books_apply(b, &d) >= 0);
    /* The model: the refs of each level, side by side and level by level, in
     * queue order (0 once deleted), and their shares. */
    size_t total = 0;
    for (int j = 0; j < NLV; j++)
        total += 2 * level_len(j);
    uint64_t *refs = calloc(total, sizeof *refs);
    uint32_t *shr = calloc(total, sizeof *shr);
    assert_non_null(refs), assert_non_null(shr);
    uint64_t ref = 1;
    size_t at = 0;
    for (int s = 0; s < 2; s++)
        for (int j = 0; j < NLV; j++)
            for (size_t k = 0; k < level_len(j); k++, at++) {
                uint32_t price = s ? 6000 + (uint32_t)j : 5000 - (uint32_t)j;
                refs[at] = ref, shr[at] = (uint32_t)(1 + (ref * 37) % 500);
                blanc_event e = ev_add(1, ref++, s ? 'S' : 'B', shr[at], price);
                assert_true(blanc_books_apply(b, &e) >= 0);
            }
    /* Delete every third ref: queues lose their middles, short levels may
     * empty out. */
    for (size_t i = 0; i < total; i++)
        if (refs[i] % 3 == 0) {
            blanc_event e = ev_mod('D', 1, refs[i], 0);
            assert_true(blanc_books_apply(b, &e) >= 0);
            refs[i] = 0;
        }
    size_t cap = 64 + total * 12 + 2 * NLV * 16;
    uint8_t *x = malloc(cap);
    assert_non_null(x);
    size_t n = 0;
#define PUT(p, len) (memcpy(x + n, (p), (len)), n += (len))
#define LE(v, w) do { for (int i_ = 0; i_ < (w); i_++) x[n++] = (uint8_t)((uint64_t)(v) >> (8 * i_)); } while (0)
    PUT("MANY    ", 8);
    at = 0;
    for (int s = 0; s < 2; s++) {
        uint32_t nl = 0;
        size_t a = at;
        for (int j = 0; j < NLV; j++) {
            int live = 0;
            for (size_t k = 0; k < level_len(j); k++, a++)
                live |= refs[a] != 0;
            nl += (uint32_t)live;
        }
        x[n++] = s ? 'S' : 'B';
        LE(nl, 4);
        /* best first: bids from 5000 down, asks from 6000 up, both j = 0.. */
        for (int j = 0; j < NLV; j++, at += level_len(j - 1)) {
            uint32_t cnt = 0;
            uint64_t sh = 0;
            for (size_t k = 0; k < level_len(j); k++)
                if (refs[at + k])
                    cnt++, sh += shr[at + k];
            if (!cnt)
                continue;
            LE(s ? 6000 + (uint32_t)j : 5000 - (uint32_t)j, 4);
            LE(sh, 8);
            LE(cnt, 4);
            for (size_t k = 0; k < level_len(j); k++)
                if (refs[at + k]) {
                    LE(refs[at + k], 8);
                    LE(shr[at + k], 4);
                }
        }
    }
#undef PUT
#undef LE
    assert_true(n <= cap);
    assert_int_equal(blanc_books_digest_l3(b), fnv(x, n));
    free(x), free(refs), free(shr);
    blanc_books_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_books_hash_to_the_offset_basis),
        cmocka_unit_test(l3_and_l2_follow_the_documented_layout),
        cmocka_unit_test(stream_follows_the_documented_folds),
        cmocka_unit_test(same_end_state_by_different_paths),
        cmocka_unit_test(digests_do_not_depend_on_locates),
        cmocka_unit_test(l3_of_many_levels_and_long_queues),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
