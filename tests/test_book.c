/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Book semantics, one test per rule of docs/SEMANTICS.md §3, with expected
 * states worked out by hand in each test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "util.h"

static blanc_books *books_with(int n, ...)
{
    blanc_books *b;
    blanc_books_create(&b, 0);
    assert_non_null(b);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *sym = va_arg(ap, const char *);
        blanc_event e = ev_dir((uint16_t)(i + 1), sym);
        assert_int_equal(blanc_books_apply(b, &e), BLANC_NOEFFECT);
    }
    va_end(ap);
    return b;
}

static int apply(blanc_books *b, blanc_event e) { return blanc_books_apply(b, &e); }

/* Refs of the queue at (side, price), in order, as a compact check. */
static void assert_queue(blanc_books *b, uint16_t loc, char side, uint32_t price, size_t n,
                         const uint64_t *refs, const uint32_t *shares)
{
    blanc_order q[16];
    long total = blanc_books_queue(b, loc, side, price, q, 16);
    assert_int_equal(total, (long)n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(q[i].ref, refs[i]);
        assert_int_equal(q[i].shares, shares[i]);
        assert_int_equal(q[i].price, price);
        assert_int_equal(q[i].side, side);
    }
}

static void check(blanc_books *b) { assert_int_equal(blanc_books_check(b), 0); }

static void add_builds_levels_best_first(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "AAPL");
    assert_int_equal(apply(b, ev_add(1, 1, 'B', 100, 1000000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(1, 2, 'B', 200, 1010000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(1, 3, 'B', 300, 990000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(1, 4, 'S', 50, 1030000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(1, 5, 'S', 60, 1020000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(1, 6, 'B', 7, 1010000)), BLANC_APPLIED);
    blanc_level lv[8];
    assert_int_equal(blanc_books_levels(b, 1, 'B', lv, 8), 3);
    assert_int_equal(lv[0].price, 1010000);
    assert_int_equal(lv[0].shares, 207);
    assert_int_equal(lv[0].orders, 2);
    assert_int_equal(lv[1].price, 1000000);
    assert_int_equal(lv[2].price, 990000);
    assert_int_equal(blanc_books_levels(b, 1, 'S', lv, 8), 2);
    assert_int_equal(lv[0].price, 1020000);
    assert_int_equal(lv[1].price, 1030000);
    assert_int_equal(blanc_books_levels(b, 1, 'S', lv, 1), 1);
    blanc_level bid, ask;
    assert_int_equal(blanc_books_bbo(b, 1, &bid, &ask), 0);
    assert_int_equal(bid.price, 1010000);
    assert_int_equal(ask.price, 1020000);
    assert_int_equal(ask.shares, 60);
    uint64_t refs[] = {2, 6};
    uint32_t sh[] = {200, 7};
    assert_queue(b, 1, 'B', 1010000, 2, refs, sh);
    blanc_books_stats st;
    blanc_books_get_stats(b, &st);
    assert_int_equal(st.live_orders, 6);
    assert_int_equal(st.levels, 5);
    check(b);
    blanc_books_free(b);
}

static void execute_keeps_priority_and_removes_at_zero(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "MSFT");
    apply(b, ev_add(1, 10, 'S', 100, 500));
    apply(b, ev_add(1, 11, 'S', 200, 500));
    apply(b, ev_add(1, 12, 'S', 300, 500));
    assert_int_equal(apply(b, ev_mod('E', 1, 10, 40)), BLANC_APPLIED);
    uint64_t r1[] = {10, 11, 12};
    uint32_t s1[] = {60, 200, 300};
    assert_queue(b, 1, 'S', 500, 3, r1, s1);
    assert_int_equal(apply(b, ev_mod('E', 1, 10, 60)), BLANC_APPLIED);
    uint64_t r2[] = {11, 12};
    uint32_t s2[] = {200, 300};
    assert_queue(b, 1, 'S', 500, 2, r2, s2);
    blanc_order o;
    assert_int_equal(blanc_books_order(b, 1, 10, &o), BLANC_ENOTFOUND);
    blanc_level lv[1];
    blanc_books_levels(b, 1, 'S', lv, 1);
    assert_int_equal(lv[0].shares, 500);
    assert_int_equal(lv[0].orders, 2);
    check(b);
    blanc_books_free(b);
}

static void c_executes_at_the_orders_own_price(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    apply(b, ev_add(1, 1, 'B', 100, 700));
    blanc_event c = ev_mod('C', 1, 1, 30);
    c.price = 9999; /* execution price: must not matter */
    assert_int_equal(apply(b, c), BLANC_APPLIED);
    blanc_level lv[2];
    assert_int_equal(blanc_books_levels(b, 1, 'B', lv, 2), 1);
    assert_int_equal(lv[0].price, 700);
    assert_int_equal(lv[0].shares, 70);
    check(b);
    blanc_books_free(b);
}

static void overfill_clamps_and_removes(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    apply(b, ev_add(1, 1, 'B', 100, 700));
    apply(b, ev_add(1, 2, 'B', 5, 700));
    assert_int_equal(apply(b, ev_mod('X', 1, 1, 101)), BLANC_EOVERFILL);
    blanc_level lv[1];
    assert_int_equal(blanc_books_levels(b, 1, 'B', lv, 1), 1);
    assert_int_equal(lv[0].shares, 5); /* never negative: the 100 left, no more */
    assert_int_equal(lv[0].orders, 1);
    assert_int_equal(apply(b, ev_mod('E', 1, 2, 6)), BLANC_EOVERFILL);
    assert_int_equal(blanc_books_levels(b, 1, 'B', lv, 1), 0);
    check(b);
    blanc_books_free(b);
}

static void cancel_partial_and_delete(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    apply(b, ev_add(1, 1, 'S', 100, 700));
    apply(b, ev_add(1, 2, 'S', 100, 800));
    assert_int_equal(apply(b, ev_mod('X', 1, 1, 99)), BLANC_APPLIED);
    blanc_order o;
    assert_int_equal(blanc_books_order(b, 1, 1, &o), 0);
    assert_int_equal(o.shares, 1);
    assert_int_equal(apply(b, ev_mod('D', 1, 1, 0)), BLANC_APPLIED);
    blanc_level lv[2];
    assert_int_equal(blanc_books_levels(b, 1, 'S', lv, 2), 1);
    assert_int_equal(lv[0].price, 800);
    assert_int_equal(apply(b, ev_mod('D', 1, 1, 0)), BLANC_EUNKNOWNREF);
    assert_int_equal(apply(b, ev_mod('X', 1, 2, 0)), BLANC_EBADFIELD);
    assert_int_equal(apply(b, ev_mod('E', 1, 77, 1)), BLANC_EUNKNOWNREF);
    check(b);
    blanc_books_free(b);
}

static void replace_moves_to_tail_with_new_ref(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    apply(b, ev_add(1, 1, 'B', 100, 700));
    apply(b, ev_add(1, 2, 'B', 200, 700));
    /* Same price: loses priority. */
    assert_int_equal(apply(b, ev_replace(1, 1, 3, 150, 700)), BLANC_APPLIED);
    uint64_t r1[] = {2, 3};
    uint32_t s1[] = {200, 150};
    assert_queue(b, 1, 'B', 700, 2, r1, s1);
    /* New price: new level, same side. */
    assert_int_equal(apply(b, ev_replace(1, 2, 4, 10, 650)), BLANC_APPLIED);
    blanc_order o;
    assert_int_equal(blanc_books_order(b, 1, 4, &o), 0);
    assert_int_equal(o.side, 'B');
    assert_int_equal(o.price, 650);
    assert_int_equal(o.shares, 10);
    assert_int_equal(blanc_books_order(b, 1, 2, &o), BLANC_ENOTFOUND);
    /* Anomalies change nothing. */
    assert_int_equal(apply(b, ev_replace(1, 99, 5, 10, 650)), BLANC_EUNKNOWNREF);
    assert_int_equal(apply(b, ev_replace(1, 3, 4, 10, 650)), BLANC_EDUPREF);
    assert_int_equal(apply(b, ev_replace(1, 3, 5, 0, 650)), BLANC_EBADFIELD);
    assert_int_equal(apply(b, ev_replace(1, 3, 5, 10, 0)), BLANC_EBADFIELD);
    assert_int_equal(blanc_books_order(b, 1, 3, &o), 0);
    assert_int_equal(o.shares, 150);
    assert_int_equal(blanc_books_order(b, 1, 5, &o), BLANC_ENOTFOUND);
    /* Replacing with its own ref is a re-add at the tail. */
    apply(b, ev_add(1, 6, 'B', 1, 700));
    assert_int_equal(apply(b, ev_replace(1, 3, 3, 20, 700)), BLANC_APPLIED);
    uint64_t r2[] = {6, 3};
    uint32_t s2[] = {1, 20};
    assert_queue(b, 1, 'B', 700, 2, r2, s2);
    check(b);
    blanc_books_free(b);
}

static void add_anomalies_change_nothing(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    uint64_t before = blanc_books_digest_l3(b);
    assert_int_equal(apply(b, ev_add(2, 1, 'B', 100, 700)), BLANC_ENODIR);
    assert_int_equal(apply(b, ev_add(1, 1, 'Z', 100, 700)), BLANC_EBADFIELD);
    assert_int_equal(apply(b, ev_add(1, 1, 'B', 0, 700)), BLANC_EBADFIELD);
    assert_int_equal(apply(b, ev_add(1, 1, 'B', 100, 0)), BLANC_EBADFIELD);
    assert_int_equal(blanc_books_digest_l3(b), before);
    assert_int_equal(blanc_books_digest_stream(b), BLANC_FNV64_OFFSET);
    assert_int_equal(apply(b, ev_add(1, 1, 'B', 100, 700)), BLANC_APPLIED);
    before = blanc_books_digest_l3(b);
    uint64_t stream = blanc_books_digest_stream(b);
    assert_int_equal(apply(b, ev_add(1, 1, 'S', 5, 900)), BLANC_EDUPREF);
    assert_int_equal(blanc_books_digest_l3(b), before);
    assert_int_equal(blanc_books_digest_stream(b), stream);
    check(b);
    blanc_books_free(b);
}

static void orders_are_keyed_by_locate_and_ref(void **state)
{
    (void)state;
    blanc_books *b = books_with(2, "AAA", "BBB");
    assert_int_equal(apply(b, ev_add(1, 42, 'B', 100, 700)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(2, 42, 'S', 10, 800)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_mod('D', 2, 42, 0)), BLANC_APPLIED);
    blanc_order o;
    assert_int_equal(blanc_books_order(b, 1, 42, &o), 0);
    assert_int_equal(o.shares, 100);
    assert_int_equal(apply(b, ev_mod('D', 2, 42, 0)), BLANC_EUNKNOWNREF);
    check(b);
    blanc_books_free(b);
}

static void directory_rules(void **state)
{
    (void)state;
    blanc_books *b = books_with(2, "ZETA", "ALPHA");
    blanc_event e = ev_dir(1, "ZETA");
    assert_int_equal(apply(b, e), BLANC_NOEFFECT);
    assert_int_equal(apply(b, ev_dir(1, "OTHER")), BLANC_EDIRCONFLICT);
    assert_int_equal(apply(b, ev_dir(3, "ALPHA")), BLANC_EDIRCONFLICT);
    assert_int_equal(apply(b, ev_dir(0, "NEW")), BLANC_EBADFIELD);
    assert_int_equal(apply(b, ev_dir(7, "MID")), BLANC_NOEFFECT);
    uint16_t loc[8];
    assert_int_equal(blanc_books_symbols(b, loc, 8), 3);
    assert_int_equal(loc[0], 2); /* ALPHA */
    assert_int_equal(loc[1], 7); /* MID */
    assert_int_equal(loc[2], 1); /* ZETA */
    char pad[8];
    blanc_symbol_pad("MID", pad);
    assert_int_equal(blanc_books_find(b, pad), 7);
    blanc_symbol_pad("NOPE", pad);
    assert_int_equal(blanc_books_find(b, pad), BLANC_ENOTFOUND);
    assert_int_equal(blanc_symbol_pad("TOOLONGXX", pad), BLANC_EINVAL);
    assert_int_equal(blanc_symbol_pad("", pad), BLANC_EINVAL);
    blanc_event h;
    memset(&h, 0, sizeof h);
    h.type = 'H';
    h.locate = 7;
    h.u.trading.state = 'H';
    assert_int_equal(apply(b, h), BLANC_NOEFFECT);
    blanc_instrument in;
    assert_int_equal(blanc_books_instrument(b, 7, &in), 0);
    assert_int_equal(in.trading_state, 'H');
    assert_string_equal(in.symbol, "MID     ");
    h.locate = 9;
    assert_int_equal(apply(b, h), BLANC_ENODIR);
    check(b);
    blanc_books_free(b);
}

static void trades_do_not_touch_the_book(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "X");
    apply(b, ev_add(1, 1, 'B', 100, 700));
    uint64_t l3 = blanc_books_digest_l3(b), st = blanc_books_digest_stream(b);
    const char types[] = "PQBSYLVWKJhINO";
    for (const char *t = types; *t; t++) {
        blanc_event e = ev_add(1, 1, 'B', 100, 700);
        e.type = *t;
        assert_int_equal(apply(b, e), BLANC_NOEFFECT);
    }
    assert_int_equal(blanc_books_digest_l3(b), l3);
    assert_int_equal(blanc_books_digest_stream(b), st);
    blanc_books_free(b);
}

/* A deterministic random walk against a naive model: arrays indexed by ref. */
#define NREF 4096
typedef struct model_order {
    int live;
    char side;
    uint32_t shares, price;
    uint64_t seq; /* time priority */
} model_order;

static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void random_ops_match_a_naive_model(void **state)
{
    (void)state;
    blanc_books *b = books_with(1, "RND");
    static model_order m[NREF];
    memset(m, 0, sizeof m);
    uint64_t seq = 0;
    for (int step = 0; step < 300000; step++) {
        uint64_t r = rnd();
        uint64_t ref = 1 + r % (NREF - 1);
        int op = (int)(r >> 20) % 10;
        uint32_t sh = (uint32_t)(1 + (r >> 32) % 300);
        uint32_t px = (uint32_t)(1000 + (r >> 44) % 40);
        char side = (r >> 60) & 1 ? 'S' : 'B';
        model_order *o = &m[ref];
        int rc;
        if (op < 4) {
            rc = apply(b, ev_add(1, ref, side, sh, px));
            if (o->live) {
                assert_int_equal(rc, BLANC_EDUPREF);
            } else {
                assert_int_equal(rc, BLANC_APPLIED);
                *o = (model_order){1, side, sh, px, seq++};
            }
        } else if (op < 6) {
            rc = apply(b, ev_mod('D', 1, ref, 0));
            assert_int_equal(rc, o->live ? BLANC_APPLIED : BLANC_EUNKNOWNREF);
            o->live = 0;
        } else if (op < 8) {
            rc = apply(b, ev_mod(op == 6 ? 'E' : 'X', 1, ref, sh));
            if (!o->live) {
                assert_int_equal(rc, BLANC_EUNKNOWNREF);
            } else if (sh > o->shares) {
                assert_int_equal(rc, BLANC_EOVERFILL);
                o->live = 0;
            } else {
                assert_int_equal(rc, BLANC_APPLIED);
                o->shares -= sh;
                o->live = o->shares > 0;
            }
        } else {
            uint64_t nref = 1 + (r >> 8) % (NREF - 1);
            rc = apply(b, ev_replace(1, ref, nref, sh, px));
            if (!o->live) {
                assert_int_equal(rc, BLANC_EUNKNOWNREF);
            } else if (nref != ref && m[nref].live) {
                assert_int_equal(rc, BLANC_EDUPREF);
            } else {
                assert_int_equal(rc, BLANC_APPLIED);
                char s = o->side;
                o->live = 0;
                m[nref] = (model_order){1, s, sh, px, seq++};
            }
        }
        if (step % 5000 == 0 || step == 299999) {
            check(b);
            /* Every model order is in the book with the same shares and price,
             * and the level queues are in model sequence order. */
            uint64_t live = 0;
            for (uint64_t i = 1; i < NREF; i++) {
                blanc_order bo;
                int found = blanc_books_order(b, 1, i, &bo) == 0;
                assert_int_equal(found, m[i].live);
                if (!found)
                    continue;
                live++;
                assert_int_equal(bo.shares, m[i].shares);
                assert_int_equal(bo.price, m[i].price);
                assert_int_equal(bo.side, m[i].side);
            }
            blanc_books_stats st;
            blanc_books_get_stats(b, &st);
            assert_int_equal(st.live_orders, live);
            for (uint32_t p = 1000; p < 1040; p++) {
                for (int s = 0; s < 2; s++) {
                    blanc_order q[NREF / 8];
                    long n = blanc_books_queue(b, 1, s ? 'S' : 'B', p, q, NREF / 8);
                    assert_true(n <= NREF / 8);
                    for (long k = 1; k < n; k++)
                        assert_true(m[q[k - 1].ref].seq < m[q[k].ref].seq);
                }
            }
        }
    }
    blanc_books_free(b);
}

static void order_map_grows_and_shrinks_live_set(void **state)
{
    (void)state;
    blanc_books *b = books_with(2, "A", "B");
    for (uint64_t i = 1; i <= 200000; i++)
        assert_int_equal(apply(b, ev_add((uint16_t)(1 + i % 2), i * 7, i % 3 ? 'B' : 'S',
                                         (uint32_t)i % 500 + 1, (uint32_t)(i % 97) * 100 + 100)),
                         BLANC_APPLIED);
    for (uint64_t i = 1; i <= 200000; i += 2)
        assert_int_equal(apply(b, ev_mod('D', (uint16_t)(1 + i % 2), i * 7, 0)), BLANC_APPLIED);
    check(b);
    blanc_books_stats st;
    blanc_books_get_stats(b, &st);
    assert_int_equal(st.live_orders, 100000);
    assert_int_equal(st.peak_orders, 200000);
    for (uint64_t i = 2; i <= 200000; i += 2) {
        blanc_order o;
        assert_int_equal(blanc_books_order(b, (uint16_t)(1 + i % 2), i * 7, &o), 0);
        assert_int_equal(o.shares, (uint32_t)i % 500 + 1);
    }
    blanc_books_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(add_builds_levels_best_first),
        cmocka_unit_test(execute_keeps_priority_and_removes_at_zero),
        cmocka_unit_test(c_executes_at_the_orders_own_price),
        cmocka_unit_test(overfill_clamps_and_removes),
        cmocka_unit_test(cancel_partial_and_delete),
        cmocka_unit_test(replace_moves_to_tail_with_new_ref),
        cmocka_unit_test(add_anomalies_change_nothing),
        cmocka_unit_test(orders_are_keyed_by_locate_and_ref),
        cmocka_unit_test(directory_rules),
        cmocka_unit_test(trades_do_not_touch_the_book),
        cmocka_unit_test(random_ops_match_a_naive_model),
        cmocka_unit_test(order_map_grows_and_shrinks_live_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
