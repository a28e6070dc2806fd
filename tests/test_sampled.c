/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Sampled books and bars through the library (docs/EMIT.md "Sampled books
 * and bars"): which option mixes blanc_emitter_create refuses, and the feed
 * clock on a damaged feed (a message stamped earlier than one before it does
 * not move it back), with rows computed by hand. The CLI and whole days are
 * tests/sampled_test.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util.h"

#define S UINT64_C(1000000000)

typedef struct mem {
    char b[4096];
    size_t n;
} mem;

static int keep(void *ctx, const void *p, size_t n)
{
    mem *m = ctx;
    if (m->n + n >= sizeof m->b)
        return BLANC_EIO;
    memcpy(m->b + m->n, p, n);
    m->n += n;
    m->b[m->n] = 0;
    return 0;
}

static int create(blanc_replay *r, const blanc_emit_options *o, mem *m, blanc_emitter **e,
                  blanc_sink **s)
{
    assert_int_equal(blanc_sink_open_fn(s, keep, m), 0);
    int rc = blanc_emitter_create(e, r, NULL, o, *s);
    if (rc)
        blanc_sink_abort(*s);
    return rc;
}

static void refused_mixes(void **state)
{
    (void)state;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    uint64_t at[1] = {S};
    const blanc_emit_options bad[] = {
        {.kind = BLANC_EMIT_BARS, .format = BLANC_EMIT_CSV},                      /* no every */
        {.kind = BLANC_EMIT_BARS, .format = BLANC_EMIT_BIN, .every_ns = S},
        {.kind = BLANC_EMIT_BARS, .format = BLANC_EMIT_CSV, .at = at, .n_at = 1},
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .every_ns = 999999},
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .every_ns = S, .at = at, .n_at = 1},
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .at = at, .n_at = 1, .from_ns = 1},
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .n_at = 1},              /* at NULL */
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_BIN, .every_ns = S},
        {.kind = BLANC_EMIT_L3, .format = BLANC_EMIT_CSV, .every_ns = S},
        {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .from_ns = S},           /* no every */
        {.kind = (blanc_emit_kind)5, .format = BLANC_EMIT_CSV, .every_ns = S},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mem m = {0};
        blanc_emitter *e = NULL;
        blanc_sink *s = NULL;
        assert_int_equal(create(r, &bad[i], &m, &e, &s), BLANC_EINVAL);
    }
    blanc_emit_options ok = {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV,
                             .every_ns = 1000000};
    mem m = {0};
    blanc_emitter *e;
    blanc_sink *s;
    assert_int_equal(create(r, &ok, &m, &e, &s), 0);
    blanc_emitter_free(e);
    blanc_sink_abort(s);
    blanc_replay_free(r);
}

static void feed(blanc_replay *r, blanc_event *ev, uint64_t ts)
{
    uint8_t buf[64];
    ev->timestamp = ts;
    int len = blanc_itch_encode(ev, buf, sizeof buf);
    assert_true(len > 0);
    blanc_replay_message(r, buf, (size_t)len, 0);
}

static void run_day(const blanc_emit_options *o, mem *m)
{
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_emitter *e;
    blanc_sink *s;
    assert_int_equal(create(r, o, m, &e, &s), 0);
    blanc_event ev = ev_dir(1, "ABC");
    feed(r, &ev, 1);
    ev = ev_add(1, 1, 'S', 100, 1000);
    feed(r, &ev, S / 2);
    ev = ev_mod('E', 1, 1, 10);
    ev.match = 1;
    feed(r, &ev, 3 * S); /* instants 1 s, 2 s due; bar [0, 1 s) had no trade */
    ev = ev_add(1, 2, 'B', 50, 900);
    feed(r, &ev, 2 * S); /* stamped back: the clock stays at 3 s, so its bar is [3 s, 4 s) */
    ev = ev_mod('E', 1, 1, 20);
    ev.match = 2;
    feed(r, &ev, 2 * S + 1);
    ev = ev_mod('D', 1, 2, 0);
    feed(r, &ev, 3 * S); /* not after the clock: instant 3 s is not due yet */
    assert_int_equal(blanc_emitter_finish(e), 0); /* 3 s at the end: the clock */
    assert_int_equal(blanc_sink_commit(s), 0);
    blanc_emitter_free(e);
    blanc_replay_free(r);
}

static void the_clock_does_not_go_back(void **state)
{
    (void)state;
    mem m = {0};
    blanc_emit_options o = {.kind = BLANC_EMIT_L2, .format = BLANC_EMIT_CSV, .every_ns = S,
                            .depth = 1};
    run_day(&o, &m);
    assert_string_equal(m.b, "ts,symbol,locate,bid_price_1,bid_shares_1,bid_orders_1,"
                             "ask_price_1,ask_shares_1,ask_orders_1\n"
                             "1000000000,ABC,1,,0,0,1000,100,1\n"
                             "2000000000,ABC,1,,0,0,1000,100,1\n"
                             "3000000000,ABC,1,,0,0,1000,70,1\n");
    mem b = {0};
    blanc_emit_options ob = {.kind = BLANC_EMIT_BARS, .format = BLANC_EMIT_JSONL,
                             .every_ns = S, .price_decimal = 1};
    run_day(&ob, &b);
    assert_string_equal(b.b, "{\"ts\":3000000000,\"symbol\":\"ABC\",\"locate\":1,"
                             "\"open\":\"0.1000\",\"high\":\"0.1000\",\"low\":\"0.1000\","
                             "\"close\":\"0.1000\",\"volume\":30,\"vwap\":\"0.1000\","
                             "\"trades\":2,\"cross_shares\":0,\"cross_price\":null,"
                             "\"crosses\":0}\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refused_mixes),
        cmocka_unit_test(the_clock_does_not_go_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
