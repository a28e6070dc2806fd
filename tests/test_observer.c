/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Observers and the change record (include/blanc.h "blanc_observer",
 * "blanc_change"). The record is checked against the books' own queries made
 * before and after each message (blanc_books_order, blanc_books_level,
 * blanc_books_bbo: a separate read path), over generated days (normal and
 * damaged) and hand-built edge cases; the list is checked for order, several
 * at once, symbol filters, removal and errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

/* ---- the record against the queries ------------------------------------ */

typedef struct checker {
    const blanc_books *b;
    int pre_found;
    blanc_order pre;
    blanc_level bid0, ask0;       /* BBO before the message */
    blanc_level lv_old, lv_new;   /* levels at the order's prices before */
    uint64_t messages, changes, bbo_calls, bbo_changes, trades, e_with_after;
} checker;

static int chk_before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)index;
    checker *k = ctx;
    k->pre_found = 0;
    if (ev->type == 'E' || ev->type == 'C' || ev->type == 'X' || ev->type == 'D' ||
        ev->type == 'U')
        k->pre_found = blanc_books_order(k->b, ev->locate, ev->ref, &k->pre) == 0;
    memset(&k->bid0, 0, sizeof k->bid0);
    memset(&k->ask0, 0, sizeof k->ask0);
    blanc_books_bbo(k->b, ev->locate, &k->bid0, &k->ask0);
    return 0;
}

static void order_is(const blanc_order *a, const blanc_order *b)
{
    assert_int_equal(a->ref, b->ref);
    assert_int_equal(a->shares, b->shares);
    assert_int_equal(a->price, b->price);
    assert_int_equal(a->locate, b->locate);
    assert_int_equal(a->side, b->side);
}

static int level_eq(const blanc_level *a, const blanc_level *b)
{
    return a->price == b->price && a->shares == b->shares && a->orders == b->orders;
}

static void level_now(const blanc_books *b, uint16_t loc, char side, uint32_t price,
                      blanc_level *out)
{
    if (blanc_books_level(b, loc, side, price, out) != 1)
        *out = (blanc_level){price, 0, 0};
}

static int chk_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    (void)index;
    checker *k = ctx;
    k->messages++;
    assert_int_equal(c->type, ev->type);
    assert_int_equal(c->locate, ev->locate);
    int changed = c->rc == BLANC_APPLIED || c->rc == BLANC_EOVERFILL;
    if (!changed) {
        assert_int_equal(c->flags, 0);
        assert_int_equal(c->n_levels, 0);
        assert_int_equal(c->side, 0);
        if (ev->type == 'P') {
            assert_int_equal(c->trade.type, 'P');
            assert_int_equal(c->trade.price, ev->price);
            assert_int_equal(c->trade.shares, ev->shares);
            assert_int_equal(c->trade.side, ev->side);
        } else if (ev->type == 'Q') {
            assert_int_equal(c->trade.type, 'Q');
            assert_int_equal(c->trade.shares, ev->u.cross.shares);
        } else {
            assert_int_equal(c->trade.type, 0);
        }
        return 0;
    }
    k->changes++;
    blanc_order now;
    int live;
    switch (ev->type) {
    case 'A':
    case 'F':
        assert_int_equal(c->flags & ~BLANC_CHANGE_BBO, BLANC_CHANGE_AFTER);
        assert_int_equal(c->after.ref, ev->ref);
        assert_int_equal(c->after.price, ev->price);
        assert_int_equal(c->after.shares, ev->shares);
        assert_int_equal(c->side, ev->side);
        assert_int_equal(c->n_levels, 1);
        break;
    case 'U':
        assert_true(k->pre_found);
        assert_int_equal(c->flags & ~BLANC_CHANGE_BBO, BLANC_CHANGE_BEFORE | BLANC_CHANGE_AFTER);
        order_is(&c->before, &k->pre);
        assert_int_equal(blanc_books_order(k->b, ev->locate, ev->new_ref, &now), 0);
        order_is(&c->after, &now);
        if (k->pre.price != ev->price)
            assert_int_equal(c->n_levels, 2);
        else
            assert_int_equal(c->n_levels, k->pre.shares != ev->shares);
        break;
    default: /* E C X D */
        assert_true(k->pre_found);
        assert_int_equal(c->flags & BLANC_CHANGE_BEFORE, BLANC_CHANGE_BEFORE);
        order_is(&c->before, &k->pre);
        live = blanc_books_order(k->b, ev->locate, ev->ref, &now) == 0;
        assert_int_equal(!!(c->flags & BLANC_CHANGE_AFTER), live);
        if (live) {
            order_is(&c->after, &now);
            k->e_with_after += ev->type == 'E';
        }
        assert_int_equal(c->n_levels, 1);
        if (ev->type == 'E' || ev->type == 'C') {
            k->trades++;
            assert_int_equal(c->trade.type, ev->type);
            assert_int_equal(c->trade.side, k->pre.side);
            assert_int_equal(c->trade.price, ev->type == 'C' ? ev->price : k->pre.price);
            assert_int_equal(c->trade.shares, ev->shares);
            assert_int_equal(c->trade.ref, ev->ref);
            assert_int_equal(c->trade.match, ev->match);
        } else {
            assert_int_equal(c->trade.type, 0);
        }
        break;
    }
    /* Every level reported is as the books now say; its side is the order's. */
    for (uint32_t i = 0; i < c->n_levels; i++) {
        blanc_level q;
        level_now(k->b, ev->locate, c->side, c->levels[i].price, &q);
        assert_true(level_eq(&q, &c->levels[i]));
    }
    if (c->n_levels)
        assert_int_equal(c->side, ev->type == 'A' || ev->type == 'F' ? ev->side : k->pre.side);
    /* BBO: the flag says exactly whether the touched side's best level moved. */
    blanc_level bid, ask;
    blanc_books_bbo(k->b, ev->locate, &bid, &ask);
    int moved = !level_eq(&bid, &k->bid0) || !level_eq(&ask, &k->ask0);
    assert_int_equal(!!(c->flags & BLANC_CHANGE_BBO), moved);
    k->bbo_changes += moved;
    return 0;
}

static int chk_bbo(void *ctx, const blanc_event *ev, uint64_t index, const blanc_level *bid,
                   const blanc_level *ask)
{
    (void)index;
    checker *k = ctx;
    blanc_level b2, a2;
    blanc_books_bbo(k->b, ev->locate, &b2, &a2);
    assert_true(level_eq(bid, &b2));
    assert_true(level_eq(ask, &a2));
    assert_false(level_eq(bid, &k->bid0) && level_eq(ask, &k->ask0));
    k->bbo_calls++;
    return 0;
}

/* A generated day in a temp file. */
static void gen_day(char *path, size_t cap, uint64_t seed, uint64_t messages,
                    blanc_scenario sc)
{
    snprintf(path, cap, "/tmp/test_observer_%d_%llu.itch", (int)getpid(),
             (unsigned long long)seed);
    blanc_sink *s;
    int err;
    assert_int_equal(blanc_sink_open(&s, path, &err), 0);
    blanc_gen_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.seed = seed;
    cfg.messages = messages;
    cfg.symbols = 12;
    cfg.scenario = sc;
    blanc_gen_result res;
    memset(&res, 0, sizeof res);
    assert_int_equal(blanc_gen_write(&cfg, s, &res), 0);
    blanc_gen_result_free(&res); /* the injections of a damaged day */
    assert_int_equal(blanc_sink_commit(s), 0);
}

static void check_day(blanc_scenario sc, uint64_t seed)
{
    char path[256];
    gen_day(path, sizeof path, seed, 60000, sc);
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    checker k;
    memset(&k, 0, sizeof k);
    k.b = blanc_replay_books_const(r);
    blanc_observer o = {.ctx = &k, .before = chk_before, .on_message = chk_message,
                        .on_bbo = chk_bbo};
    assert_true(blanc_replay_add_observer(r, &o) >= 0);
    blanc_source *src;
    int err;
    assert_int_equal(blanc_source_open(&src, path, &err), 0);
    assert_int_equal(test_run_source(r, src, NULL, 0), 0);
    blanc_source_close(src);
    unlink(path);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    assert_true(k.changes == st.book_changes);
    assert_true(k.bbo_calls == k.bbo_changes && k.bbo_calls > 1000);
    assert_true(k.trades > 100 && k.e_with_after > 10);
    if (sc == BLANC_SCENARIO_CORRUPT)
        assert_true(st.anomalies_total > 0);
    blanc_replay_free(r);
}

static void record_matches_queries_on_a_day(void **state)
{
    (void)state;
    check_day(BLANC_SCENARIO_NORMAL, 5);
}

static void record_matches_queries_on_a_damaged_day(void **state)
{
    (void)state;
    check_day(BLANC_SCENARIO_CORRUPT, 6);
}

/* ---- hand-built cases -------------------------------------------------- */

static void record_edge_cases(void **state)
{
    (void)state;
    blanc_books *b;
    blanc_books_create(&b, 0);
    blanc_change c;
    blanc_event e = ev_dir(1, "AB");
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_NOEFFECT);
    assert_int_equal(c.flags, 0);
    e = ev_add(1, 10, 'B', 100, 5000);
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_APPLIED);
    assert_int_equal(c.flags, BLANC_CHANGE_AFTER | BLANC_CHANGE_BBO);
    assert_int_equal(c.levels[0].shares, 100);
    e = ev_add(1, 11, 'B', 50, 4900); /* below the best: the BBO stays */
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_APPLIED);
    assert_int_equal(c.flags, BLANC_CHANGE_AFTER);
    /* a replace at the same price and size: no level changes, the BBO neither */
    e = ev_replace(1, 11, 12, 50, 4900);
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_APPLIED);
    assert_int_equal(c.n_levels, 0);
    assert_int_equal(c.side, 0);
    assert_int_equal(c.flags, BLANC_CHANGE_BEFORE | BLANC_CHANGE_AFTER);
    assert_int_equal(c.before.ref, 11);
    assert_int_equal(c.after.ref, 12);
    /* ... to a new price above the best: two levels, the BBO moves */
    e = ev_replace(1, 12, 13, 50, 5100);
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_APPLIED);
    assert_int_equal(c.n_levels, 2);
    assert_int_equal(c.levels[0].price, 4900);
    assert_int_equal(c.levels[0].orders, 0);
    assert_int_equal(c.levels[1].price, 5100);
    assert_int_equal(c.levels[1].shares, 50);
    assert_true(c.flags & BLANC_CHANGE_BBO);
    /* an overfill: applied, clamped, the print says the message's shares */
    e = ev_mod('E', 1, 13, 80);
    e.match = 77;
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_EOVERFILL);
    assert_int_equal(c.rc, BLANC_EOVERFILL);
    assert_int_equal(c.flags, BLANC_CHANGE_BEFORE | BLANC_CHANGE_BBO);
    assert_int_equal(c.trade.type, 'E');
    assert_int_equal(c.trade.shares, 80);
    assert_int_equal(c.trade.price, 5100);
    assert_int_equal(c.trade.match, 77);
    /* C prints at its own price with its flag */
    e = ev_mod('C', 1, 10, 30);
    e.price = 5001;
    e.u.printable = 'N';
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_APPLIED);
    assert_int_equal(c.trade.price, 5001);
    assert_int_equal(c.trade.printable, 'N');
    assert_int_equal(c.after.shares, 70);
    assert_int_equal(c.levels[0].shares, 70);
    /* anomalies say nothing but their code */
    e = ev_mod('X', 1, 999, 5);
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_EUNKNOWNREF);
    assert_int_equal(c.rc, BLANC_EUNKNOWNREF);
    assert_int_equal(c.flags, 0);
    assert_int_equal(c.trade.type, 0);
    e = ev_add(1, 10, 'S', 5, 6000);
    assert_int_equal(blanc_books_apply_change(b, &e, &c), BLANC_EDUPREF);
    assert_int_equal(c.flags, 0);
    assert_int_equal(blanc_books_check(b), 0);
    blanc_books_free(b);
}

/* ---- the list ---------------------------------------------------------- */

typedef struct logger {
    int id;
    int *log;
    size_t *n;
    uint64_t msgs, bbos, trades, befores;
    int fail_at; /* return an error at this message index (-1: never) */
} logger;

static int lg_before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)ev, (void)index;
    ((logger *)ctx)->befores++;
    return 0;
}

static int lg_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    logger *l = ctx;
    assert_int_equal(c->type, ev->type);
    l->log[(*l->n)++ % 64] = l->id;
    l->msgs++;
    return (int)index == l->fail_at ? BLANC_EIO : 0;
}

static int lg_bbo(void *ctx, const blanc_event *ev, uint64_t index, const blanc_level *bid,
                  const blanc_level *ask)
{
    (void)ev, (void)index, (void)bid, (void)ask;
    ((logger *)ctx)->bbos++;
    return 0;
}

static int lg_trade(void *ctx, const blanc_event *ev, uint64_t index, const blanc_trade *t)
{
    (void)ev, (void)index;
    assert_true(t->type);
    ((logger *)ctx)->trades++;
    return 0;
}

static void feed(blanc_replay *r, const blanc_event *evs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[64];
        int len = blanc_itch_encode(&evs[i], buf, sizeof buf);
        assert_true(len > 0);
        blanc_replay_message(r, buf, (size_t)len, 0);
    }
}

static void several_observers_in_order(void **state)
{
    (void)state;
    int log[64];
    size_t n = 0;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    logger a = {0, log, &n, 0, 0, 0, 0, -1}, b = {1, log, &n, 0, 0, 0, 0, -1},
           s = {2, log, &n, 0, 0, 0, 0, -1};
    blanc_observer oa = {.ctx = &a, .on_message = lg_message, .flags = BLANC_OBSERVE_RC_ONLY};
    blanc_observer ob = {.ctx = &b, .before = lg_before, .on_message = lg_message,
                         .on_bbo = lg_bbo, .on_trade = lg_trade};
    char only[1][8];
    blanc_symbol_pad("CD", only[0]);
    blanc_observer os = {.ctx = &s, .on_message = lg_message, .on_bbo = lg_bbo,
                         .on_trade = lg_trade, .symbols = (const char (*)[8])only,
                         .n_symbols = 1};
    int ida = blanc_replay_add_observer(r, &oa);
    int idb = blanc_replay_add_observer(r, &ob);
    int ids = blanc_replay_add_observer(r, &os);
    assert_true(ida >= 0 && idb > ida && ids > idb);
    blanc_event evs[] = {ev_dir(1, "AB"), ev_dir(2, "CD"), ev_add(1, 1, 'B', 100, 5000),
                         ev_add(2, 2, 'S', 100, 7000), ev_mod('E', 2, 2, 10),
                         ev_add(2, 3, 'S', 10, 7100)};
    feed(r, evs, 6);
    /* every message: a then b; s only for CD's (its R, add, E, add) */
    int want[] = {0, 1, 0, 1, 2, 0, 1, 0, 1, 2, 0, 1, 2, 0, 1, 2};
    assert_int_equal(n, sizeof want / sizeof *want);
    assert_memory_equal(log, want, sizeof want);
    assert_int_equal(b.befores, 6);
    assert_int_equal(b.bbos, 3);
    assert_int_equal(b.trades, 1);
    assert_int_equal(s.bbos, 2);
    assert_int_equal(s.trades, 1);
    /* removing one keeps the others and their order */
    assert_int_equal(blanc_replay_remove_observer(r, idb), 0);
    assert_int_equal(blanc_replay_remove_observer(r, idb), BLANC_ENOTFOUND);
    n = 0;
    blanc_event more[] = {ev_mod('D', 2, 3, 0)};
    feed(r, more, 1);
    assert_int_equal(n, 2);
    assert_int_equal(log[0], 0);
    assert_int_equal(log[1], 2);
    /* an error stops the replay with it */
    s.fail_at = 7;
    blanc_event last[] = {ev_add(2, 4, 'S', 10, 7100), ev_add(2, 5, 'S', 10, 7100)};
    feed(r, last, 1);
    assert_int_equal(replay_stats_of(r).stop_error, BLANC_EIO);
    blanc_replay_free(r);
}

static void the_list_is_bounded(void **state)
{
    (void)state;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_observer o = {.ctx = NULL};
    for (int i = 0; i < BLANC_MAX_OBSERVERS; i++)
        assert_int_equal(blanc_replay_add_observer(r, &o), i);
    assert_int_equal(blanc_replay_add_observer(r, &o), BLANC_EINVAL);
    assert_int_equal(blanc_replay_add_observer(r, NULL), BLANC_EINVAL);
    blanc_observer bad = {.n_symbols = 2};
    assert_int_equal(blanc_replay_remove_observer(r, 3), 0);
    assert_int_equal(blanc_replay_add_observer(r, &bad), BLANC_EINVAL);
    assert_int_equal(blanc_replay_add_observer(r, &o), BLANC_MAX_OBSERVERS);
    blanc_replay_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(record_matches_queries_on_a_day),
        cmocka_unit_test(record_matches_queries_on_a_damaged_day),
        cmocka_unit_test(record_edge_cases),
        cmocka_unit_test(several_observers_in_order),
        cmocka_unit_test(the_list_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
