/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Hostile input must not cost more than a bounded amount of work per message.
 * Work is counted, not timed: the order map's probe/shift counters and the
 * side arrays' element moves (book/order_map.h, book/book.h), asserted against
 * bounds for N = 200,000 hostile operations. Each bound is checked as the
 * program runs, so a quadratic structure fails within the first few thousand
 * operations instead of running for minutes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "book/book.h"
#include "book/restore.h"
#include "util.h"

#define N 200000u
#define PHI UINT64_C(0x9E3779B97F4A7C15) /* the old map's multiplier */

static blanc_books *one_book(void)
{
    blanc_books *b;
    blanc_books_create(&b, 0);
    assert_non_null(b);
    blanc_event e = ev_dir(1, "HOSTILE");
    assert_int_equal(blanc_books_apply(b, &e), BLANC_NOEFFECT);
    return b;
}

static int apply(blanc_books *b, blanc_event e) { return blanc_books_apply(b, &e); }

/* Map work so far within budget: total probes + shifts <= 8 per operation
 * done (plus one over-long run's worth, the most a rekey can follow), no
 * lookup reading more than a run and the empty slot after it, no run left
 * longer than the cap. */
static void map_within(const blanc_books *b, uint64_t ops, const char *what)
{
    const order_map_stats *st = &b->map.st;
    uint64_t work = st->probes + st->shifts;
    if (work > 8 * ops + ORDER_MAP_MAX_RUN * ORDER_MAP_MAX_RUN ||
        st->max_probe > ORDER_MAP_MAX_RUN + 1 ||
        st->max_run > ORDER_MAP_MAX_RUN) {
        print_error("%s: after %llu ops: probes %llu shifts %llu max_probe %u max_run %u\n",
                    what, (unsigned long long)ops, (unsigned long long)st->probes,
                    (unsigned long long)st->shifts, st->max_probe, st->max_run);
        fail();
    }
}

/* N adds of refs[i] on one instrument, then N deletes in the same order. */
static void adds_then_deletes(const uint64_t *refs, const char *what, int degenerate)
{
    blanc_books *b = one_book();
    if (degenerate) {
        /* A key the feed knows, under which every ref of locate 1 has tag 0:
         * the run cap alone must rescue the map (by rekeying). */
        b->map.key[1] = 1;
    }
    uint64_t ops = 0;
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(apply(b, ev_add(1, refs[i], 'B', 100, 1000000 + i % 16)),
                         BLANC_APPLIED);
        if (++ops % 1024 == 0)
            map_within(b, ops, what);
    }
    assert_int_equal(blanc_books_check(b), 0);
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(apply(b, ev_mod('D', 1, refs[i], 0)), BLANC_APPLIED);
        if (++ops % 1024 == 0)
            map_within(b, ops, what);
    }
    map_within(b, ops, what);
    print_message("%s: probes %llu shifts %llu max_probe %u max_run %u rekeys %llu (%u ops)\n",
                  what, (unsigned long long)b->map.st.probes,
                  (unsigned long long)b->map.st.shifts, b->map.st.max_probe,
                  b->map.st.max_run, (unsigned long long)b->map.st.rekeys, 2 * N);
    if (degenerate)
        assert_true(b->map.st.rekeys >= 1);
    assert_int_equal(blanc_books_check(b), 0);
    blanc_books_free(b);
}

/* The first pattern: a Fibonacci stride, refs < 2^47 and rising. */
static void map_fibonacci_stride_is_linear(void **state)
{
    (void)state;
    uint64_t *refs = malloc(N * sizeof *refs);
    assert_non_null(refs);
    for (uint32_t i = 0; i < N; i++)
        refs[i] = (uint64_t)(i + 1) * 433494437u;
    adds_then_deletes(refs, "fibonacci stride", 0);
    free(refs);
}

/* The second: refs whose old hash ((ref ^ locate << 48) * PHI) has the same
 * top 32 bits, so every key had the same tag AND home under the old map. */
static void map_same_old_home_is_linear(void **state)
{
    (void)state;
    uint64_t inv = PHI; /* PHI^-1 mod 2^64 by Newton's iteration */
    for (int k = 0; k < 6; k++)
        inv *= 2 - PHI * inv;
    assert_true(inv * PHI == 1);
    uint64_t *refs = malloc(N * sizeof *refs);
    assert_non_null(refs);
    for (uint32_t i = 0; i < N; i++) {
        refs[i] = ((UINT64_C(0x1234567) << 32 | i) * inv) ^ (UINT64_C(1) << 48);
        assert_true((uint32_t)(((refs[i] ^ UINT64_C(1) << 48) * PHI) >> 32) == 0x1234567);
    }
    adds_then_deletes(refs, "same old home", 0);
    free(refs);
}

/* A key under which all refs collide (as if a feed had learnt it): the run
 * cap makes the map rekey, and the work stays linear. */
static void map_run_cap_rekeys_a_broken_key(void **state)
{
    (void)state;
    uint64_t *refs = malloc(N * sizeof *refs);
    assert_non_null(refs);
    /* Past the paged direct index (ref_index.h), so the map holds them. */
    for (uint32_t i = 0; i < N; i++)
        refs[i] = (UINT64_C(1) << 40) + i + 1;
    adds_then_deletes(refs, "broken key", 1);
    free(refs);
}

/* The direct index under refs spread one per page: pages stop at the bound
 * (RI_BASE_PAGES, then one per RI_MIN_DENSITY orders held directly), the
 * rest goes to the map, and everything stays correct; all pages are freed
 * with their last order. */
static void direct_index_pages_are_bounded(void **state)
{
    (void)state;
    blanc_books *b = one_book();
    uint64_t page = RI_PAGE;
    for (uint32_t i = 0; i < N; i++)
        assert_int_equal(apply(b, ev_add(1, (uint64_t)(i + 1) * page + 7, 'B', 100, 1000 + i % 8)),
                         BLANC_APPLIED);
    print_message("spread refs: %u pages, %llu direct, %u in the map, %llu refused\n", b->ri.pages,
                  (unsigned long long)b->ri.live, b->map.count, (unsigned long long)b->ri.refused);
    assert_true(b->ri.pages <= RI_BASE_PAGES + b->ri.live / RI_MIN_DENSITY + 1);
    assert_true(b->map.count > 0 && b->ri.refused == b->map.count);
    assert_int_equal(b->ri.live + b->map.count, N);
    assert_int_equal(blanc_books_check(b), 0);
    for (uint32_t i = 0; i < N; i++) {
        blanc_order o;
        assert_int_equal(blanc_books_order(b, 1, (uint64_t)(i + 1) * page + 7, &o), 0);
        assert_int_equal(apply(b, ev_mod('D', 1, (uint64_t)(i + 1) * page + 7, 0)), BLANC_APPLIED);
    }
    assert_int_equal(b->ri.pages, 0);
    assert_int_equal(b->ri.live, 0);
    assert_int_equal(b->map.count, 0);
    blanc_books_free(b);
}

/*
 * A bulk copy (restore.h books_bulk: the gather of a sharded replay, a move
 * of an instrument, a snapshot restored) makes no page far behind the newest:
 * an instrument with one order in each of OLD old pages went into OLD new
 * pages of the destination before (the gather at the end of a sharded
 * full-size day made 29k such pages, 480 MB), into the map now; its orders in
 * recent pages still go direct. The copy is the same book either way: every
 * order is found, a duplicate is refused, the L3 digest equals that of the
 * instrument built by its own adds, and deleting everything leaves nothing.
 */
static void a_bulk_copy_makes_no_old_pages(void **state)
{
    (void)state;
    enum { OLD = 300, RECENT = 10 };
    const uint64_t top = OLD + RI_RECENT + RECENT; /* page ids */
    blanc_books *src = one_book(), *own = one_book();
    blanc_event e = ev_dir(2, "OTHER");
    assert_int_equal(blanc_books_apply(src, &e), BLANC_NOEFFECT);
    uint64_t refs[OLD + RECENT];
    for (uint32_t i = 0; i < OLD + RECENT; i++) {
        uint64_t p = i < OLD ? i : top - RECENT + (i - OLD);
        refs[i] = p * RI_PAGE + 5;
        blanc_event a = ev_add(1, refs[i], i % 2 ? 'S' : 'B', 10 + i, 100 + i % 9);
        assert_int_equal(apply(src, a), BLANC_APPLIED);
        assert_int_equal(apply(own, a), BLANC_APPLIED);
        /* The other instrument keeps the pages alive in src. */
        assert_int_equal(apply(src, ev_add(2, refs[i] + 1, 'B', 7, 50)), BLANC_APPLIED);
    }
    blanc_books *dst;
    assert_int_equal(blanc_books_create(&dst, 0), 0);
    /* src itself holds at most RI_BASE_PAGES pages of these sparse refs (the
     * bound), so its own newest page is not top: name it. */
    books_bulk(dst, top * RI_PAGE);
    assert_int_equal(books_top_ref(dst), top * RI_PAGE);
    assert_int_equal(books_copy_instrument(dst, src, 1), 0);
    books_bulk_end(dst);
    print_message("bulk copy: %u pages, %u in the map\n", dst->ri.pages, dst->map.count);
    assert_true(dst->ri.pages <= RECENT);
    assert_int_equal(dst->map.count, OLD);
    assert_int_equal(dst->ri.live, RECENT);
    /* Their pages are flagged, not the whole map: a lookup that misses a
     * page without map keys (an add's duplicate check) still probes nothing. */
    assert_int_equal(dst->ri.map_wide, 0);
    assert_int_equal(blanc_books_check(dst), 0);
    assert_int_equal(blanc_books_digest_l3(dst), blanc_books_digest_l3(own));
    assert_int_equal(blanc_books_digest_l2(dst), blanc_books_digest_l2(own));
    for (uint32_t i = 0; i < OLD + RECENT; i++) {
        blanc_order o;
        assert_int_equal(blanc_books_order(dst, 1, refs[i], &o), 0);
        assert_int_equal(o.shares, 10 + i);
        assert_int_equal(apply(dst, ev_add(1, refs[i], 'B', 100, 1)), BLANC_EDUPREF);
    }
    /* After the copy a new old-range order makes its page again, as in a run. */
    assert_int_equal(apply(dst, ev_add(1, 3 * RI_PAGE + 9, 'B', 100, 1)), BLANC_APPLIED);
    assert_int_equal(dst->ri.live, RECENT + 1);
    assert_int_equal(apply(dst, ev_mod('D', 1, 3 * RI_PAGE + 9, 0)), BLANC_APPLIED);
    for (uint32_t i = 0; i < OLD + RECENT; i++)
        assert_int_equal(apply(dst, ev_mod('D', 1, refs[i], 0)), BLANC_APPLIED);
    assert_int_equal(dst->ri.pages, 0);
    assert_int_equal(dst->map.count, 0);
    assert_int_equal(blanc_books_check(dst), 0);
    blanc_books_free(dst);
    blanc_books_free(own);
    blanc_books_free(src);
}

/* A memory sink for a_snapshot_restore_ignores_refs_past_the_index. */
typedef struct mem_buf {
    uint8_t *p;
    size_t n;
} mem_buf;

static int mem_put(void *ctx, const void *p, size_t n)
{
    mem_buf *m = ctx;
    uint8_t *q = realloc(m->p, m->n + n);
    if (!q)
        return BLANC_ENOMEM;
    memcpy(q + m->n, p, n);
    m->p = q;
    m->n += n;
    return 0;
}

static void replay_event(blanc_replay *r, const blanc_event *e)
{
    uint8_t m[64];
    int len = blanc_itch_encode(e, m, sizeof m);
    assert_true(len > 0);
    assert_true(blanc_replay_message(r, m, (size_t)len, 0) >= 0);
}

/*
 * A binary snapshot's restore is a bulk copy whose newest ref it takes from
 * the orders; one ref past the direct index (2^40 here, in the map in any
 * case) is not that: taken as the top, it made every order "old" (no page,
 * all in the map) and, past the table, marked the whole map.
 */
static void a_snapshot_restore_ignores_refs_past_the_index(void **state)
{
    (void)state;
    enum { RECENT = 10 };
    blanc_replay *r;
    assert_int_equal(blanc_replay_create(&r, NULL), 0);
    blanc_event e = ev_dir(1, "HOSTILE");
    replay_event(r, &e);
    for (uint32_t i = 0; i < RECENT; i++) {
        e = ev_add(1, (uint64_t)(100 + i) * RI_PAGE + 5, 'B', 10 + i, 100);
        replay_event(r, &e);
    }
    e = ev_add(1, UINT64_C(1) << 40, 'S', 5, 200);
    replay_event(r, &e);
    blanc_sink *sk;
    mem_buf m = {NULL, 0};
    assert_int_equal(blanc_sink_open_fn(&sk, mem_put, &m), 0);
    assert_int_equal(blanc_snapshot_write(r, BLANC_SNAP_BINARY, sk), 0);
    assert_int_equal(blanc_sink_commit(sk), 0);
    blanc_replay *back;
    assert_int_equal(blanc_snapshot_read(&back, m.p, m.n, NULL), 0);
    const blanc_books *b = blanc_replay_books(back);
    print_message("restored: %u pages, %u in the map\n", b->ri.pages, b->map.count);
    assert_int_equal(b->ri.pages, RECENT);
    assert_int_equal(b->map.count, 1);
    assert_int_equal(b->ri.map_wide, 1); /* by the 2^40 ref past the table, as in the run */
    assert_int_equal(blanc_books_digest_l3(b), blanc_books_digest_l3(blanc_replay_books(r)));
    blanc_replay_free(back);
    blanc_replay_free(r);
    free(m.p);
}

/* The order placed in cell k of page p (sparse_pages_go_to_the_map). */
static blanc_event sparse_order(uint64_t p, uint32_t k)
{
    uint64_t ref = p * RI_PAGE + (uint64_t)k * 13u;
    return ev_add((uint16_t)(1 + ref % 2), ref, ref % 3 ? 'B' : 'S', 100 + (uint32_t)(ref % 7),
                  1000 + (uint32_t)(ref % 50));
}

/*
 * Pages left sparse behind the newest (ref_index.h RI_SPARSE, RI_RECENT) are
 * emptied into the map, and nothing changes for a user: their orders are
 * found, executed, replaced and deleted there; a duplicate of one is still
 * refused, also once a new order has made a page for the same ref range
 * again; the end state equals (L3 digest) books built from the surviving
 * orders alone, which never had a sparse page to empty; the checker holds
 * and every page and map entry goes with its last order.
 */
static void sparse_pages_go_to_the_map(void **state)
{
    (void)state;
    blanc_books *b = one_book();
    blanc_event e = ev_dir(2, "OTHER");
    assert_int_equal(blanc_books_apply(b, &e), BLANC_NOEFFECT);
    enum { EXTRA = 12, OLD = 40 };
    const uint32_t keep = RI_SPARSE + 1, per = RI_SPARSE + 1 + EXTRA;
    const uint64_t pages = RI_RECENT + 1 + OLD;
    for (uint64_t p = 0; p < pages; p++) {
        for (uint32_t k = 0; k < per; k++)
            assert_int_equal(apply(b, sparse_order(p, k)), BLANC_APPLIED);
        for (uint32_t k = keep; k < per; k++) {
            blanc_event a = sparse_order(p, k);
            assert_int_equal(apply(b, ev_mod('D', a.locate, a.ref, 0)), BLANC_APPLIED);
        }
        /* The page RI_RECENT + 1 behind this one falls to RI_SPARSE. */
        if (p > RI_RECENT) {
            blanc_event a = sparse_order(p - RI_RECENT - 1, RI_SPARSE);
            assert_int_equal(apply(b, ev_mod('D', a.locate, a.ref, 0)), BLANC_APPLIED);
        }
    }
    assert_int_equal(b->ri.emptied, OLD);
    assert_int_equal(b->map.count, (uint64_t)OLD * RI_SPARSE);
    assert_int_equal(blanc_books_check(b), 0);
    /* In the map now: each found; every third executed by 1, every fifth
     * replaced by a new ref in its page's range (a new page there), every
     * seventh deleted. A duplicate of a map order is refused. */
    for (uint64_t p = 0; p < OLD; p++) {
        for (uint32_t k = 0; k < RI_SPARSE; k++) {
            blanc_event a = sparse_order(p, k);
            blanc_order o;
            assert_int_equal(blanc_books_order(b, a.locate, a.ref, &o), 0);
            assert_int_equal(o.shares, a.shares);
            assert_int_equal(apply(b, a), BLANC_EDUPREF);
            if (k % 3 == 0)
                assert_int_equal(apply(b, ev_mod('E', a.locate, a.ref, 1)), BLANC_APPLIED);
            if (k % 5 == 0) {
                blanc_event u = ev_replace(a.locate, a.ref, a.ref + 1, 77, a.price + 1);
                assert_int_equal(apply(b, u), BLANC_APPLIED);
            } else if (k % 7 == 0) {
                assert_int_equal(apply(b, ev_mod('D', a.locate, a.ref, 0)), BLANC_APPLIED);
            }
        }
        blanc_event a = sparse_order(p, 1); /* in the map, its page made again */
        assert_int_equal(apply(b, a), BLANC_EDUPREF);
    }
    assert_int_equal(blanc_books_check(b), 0);
    /* The same end state from the survivors alone, in the same order. */
    blanc_books *r = one_book();
    e = ev_dir(2, "OTHER");
    assert_int_equal(blanc_books_apply(r, &e), BLANC_NOEFFECT);
    for (uint64_t p = 0; p < pages; p++) {
        uint32_t n = p < pages - RI_RECENT - 1 ? RI_SPARSE : keep;
        for (uint32_t k = 0; k < n; k++) {
            blanc_event a = sparse_order(p, k);
            if (p < OLD && k % 3 == 0)
                a.shares--;
            if (p < OLD && k % 5 == 0)
                continue; /* replaced: added after, below */
            if (p < OLD && k % 7 == 0)
                continue;
            assert_int_equal(apply(r, a), BLANC_APPLIED);
        }
    }
    assert_int_equal(r->ri.emptied, 0);
    assert_true(blanc_books_digest_l3(r) != blanc_books_digest_l3(b)); /* the replaces */
    for (uint64_t p = 0; p < OLD; p++)
        for (uint32_t k = 0; k < RI_SPARSE; k += 5) {
            blanc_event a = sparse_order(p, k);
            assert_int_equal(apply(r, ev_add(a.locate, a.ref + 1, a.side, 77, a.price + 1)),
                             BLANC_APPLIED);
        }
    assert_int_equal(blanc_books_digest_l3(r), blanc_books_digest_l3(b));
    assert_int_equal(blanc_books_digest_l2(r), blanc_books_digest_l2(b));
    blanc_books_free(r);
    /* Everything deleted: no page, nothing in the map. */
    for (uint64_t p = 0; p < pages; p++)
        for (uint32_t k = 0; k < keep; k++) {
            blanc_event a = sparse_order(p, k);
            uint64_t ref = p < OLD && k % 5 == 0 ? a.ref + 1 : a.ref;
            blanc_order o;
            if (blanc_books_order(b, a.locate, ref, &o) == 0)
                assert_int_equal(apply(b, ev_mod('D', a.locate, ref, 0)), BLANC_APPLIED);
        }
    assert_int_equal(b->ri.pages, 0);
    assert_int_equal(b->map.count, 0);
    assert_int_equal(b->live, 0);
    assert_int_equal(blanc_books_check(b), 0);
    blanc_books_free(b);
}

/* One ref on two instruments (a damaged feed): the second cannot have the
 * direct cell and lives in the map; each is found, executed and deleted as
 * its own order. */
static void same_ref_on_two_instruments(void **state)
{
    (void)state;
    blanc_books *b = one_book();
    blanc_event e = ev_dir(2, "OTHER");
    assert_int_equal(blanc_books_apply(b, &e), BLANC_NOEFFECT);
    assert_int_equal(apply(b, ev_add(1, 42, 'B', 100, 1000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(2, 42, 'S', 70, 2000)), BLANC_APPLIED);
    assert_int_equal(apply(b, ev_add(2, 42, 'S', 70, 2000)), BLANC_EDUPREF);
    assert_int_equal(b->ri.live, 1);
    assert_int_equal(b->map.count, 1);
    blanc_order o;
    assert_int_equal(blanc_books_order(b, 2, 42, &o), 0);
    assert_int_equal(o.shares, 70);
    assert_int_equal(blanc_books_order(b, 3, 42, &o), BLANC_ENOTFOUND);
    blanc_event x = ev_mod('E', 2, 42, 20);
    assert_int_equal(blanc_books_apply(b, &x), BLANC_APPLIED);
    assert_int_equal(blanc_books_order(b, 2, 42, &o), 0);
    assert_int_equal(o.shares, 50);
    assert_int_equal(blanc_books_order(b, 1, 42, &o), 0);
    assert_int_equal(o.shares, 100);
    assert_int_equal(apply(b, ev_mod('D', 1, 42, 0)), BLANC_APPLIED);
    assert_int_equal(blanc_books_order(b, 2, 42, &o), 0);
    assert_int_equal(apply(b, ev_mod('D', 2, 42, 0)), BLANC_APPLIED);
    assert_int_equal(b->ri.live + b->map.count, 0);
    assert_int_equal(blanc_books_check(b), 0);
    blanc_books_free(b);
}

/* Outputs never depend on the map's key or layout: the same feed into two
 * books, one rekeyed again and again along the way, gives the same digests,
 * queues and levels. */
static void outputs_do_not_depend_on_the_key(void **state)
{
    (void)state;
    blanc_books *a = one_book(), *b = one_book();
    uint64_t x = 42;
    for (uint32_t i = 0; i < 50000; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint32_t r = (uint32_t)(x >> 33);
        blanc_event e;
        uint64_t ref = (uint64_t)r % 4096 + 1;
        switch (r % 5) {
        case 0:
        case 1:
            e = ev_add(1, ref, r & 64 ? 'B' : 'S', r % 300 + 1, 1000 + r % 50);
            break;
        case 2:
            e = ev_mod('D', 1, ref, 0);
            break;
        case 3:
            e = ev_mod('X', 1, ref, r % 50 + 1);
            break;
        default:
            e = ev_replace(1, ref, ref + 1, r % 200 + 1, 1000 + r % 40);
        }
        assert_int_equal(blanc_books_apply(a, &e), blanc_books_apply(b, &e));
        if (i % 997 == 0)
            order_map_rekey(&b->map);
    }
    assert_true(b->map.st.rekeys >= 50);
    assert_int_equal(blanc_books_check(a), 0);
    assert_int_equal(blanc_books_check(b), 0);
    assert_true(blanc_books_digest_l3(a) == blanc_books_digest_l3(b));
    assert_true(blanc_books_digest_l2(a) == blanc_books_digest_l2(b));
    assert_true(blanc_books_digest_stream(a) == blanc_books_digest_stream(b));
    for (uint64_t ref = 1; ref <= 4097; ref++) {
        blanc_order oa, ob;
        int ra = blanc_books_order(a, 1, ref, &oa), rb = blanc_books_order(b, 1, ref, &ob);
        assert_int_equal(ra, rb);
        if (!ra)
            assert_true(oa.shares == ob.shares && oa.price == ob.price && oa.side == ob.side);
    }
    blanc_books_free(a);
    blanc_books_free(b);
}

/* Level work so far within budget: element moves <= SIDE_CHUNK per op. */
static void levels_within(const blanc_books *b, uint64_t ops, const char *what)
{
    if (b->level_moves > SIDE_CHUNK * ops + 4096) {
        print_error("%s: after %llu ops: %llu level moves\n", what, (unsigned long long)ops,
                    (unsigned long long)b->level_moves);
        fail();
    }
}

/* N adds on one side, each at a price worse than any before, then deletes
 * from the worst inward: every add and delete lands at the far end of the
 * side from the best, where one sorted array moves every level. */
static void worst_prices_then_inward(char side)
{
    const char *what = side == 'B' ? "bids at new worst prices" : "asks at new worst prices";
    blanc_books *b = one_book();
    uint64_t ops = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t price = side == 'B' ? 3000000 - i : 1000000 + i;
        assert_int_equal(apply(b, ev_add(1, i + 1, side, 100, price)), BLANC_APPLIED);
        if (++ops % 1024 == 0)
            levels_within(b, ops, what);
    }
    blanc_instrument in;
    assert_int_equal(blanc_books_instrument(b, 1, &in), 0);
    assert_int_equal(side == 'B' ? in.bid_levels : in.ask_levels, N);
    blanc_level lv[3];
    assert_int_equal(blanc_books_levels(b, 1, side, lv, 3), 3);
    assert_int_equal(lv[0].price, side == 'B' ? 3000000 : 1000000);
    assert_int_equal(lv[2].price, side == 'B' ? 2999998 : 1000002);
    blanc_level one;
    assert_int_equal(blanc_books_level(b, 1, side, side == 'B' ? 3000000 - N / 2 : 1000000 + N / 2,
                                       &one),
                     1);
    assert_int_equal(blanc_books_check(b), 0);
    for (uint32_t i = N; i-- > 0;) {
        assert_int_equal(apply(b, ev_mod('D', 1, i + 1, 0)), BLANC_APPLIED);
        if (++ops % 1024 == 0)
            levels_within(b, ops, what);
        if (i == N / 2)
            assert_int_equal(blanc_books_check(b), 0);
    }
    levels_within(b, ops, what);
    print_message("%s: %llu level moves (%llu ops)\n", what, (unsigned long long)b->level_moves,
                  (unsigned long long)ops);
    assert_int_equal(blanc_books_check(b), 0);
    assert_int_equal(blanc_books_instrument(b, 1, &in), 0);
    assert_int_equal(in.bid_levels + in.ask_levels, 0);
    blanc_books_free(b);
}

static void levels_bids_at_new_worst_prices_are_linear(void **state)
{
    (void)state;
    worst_prices_then_inward('B');
}

static void levels_asks_at_new_worst_prices_are_linear(void **state)
{
    (void)state;
    worst_prices_then_inward('S');
}

/* Adds at the median: within a chunk as anywhere, but a new chunk in the
 * middle of the directory moves the shorter half of it (book.h), so the
 * budget per op is twice the edges' one. */
static void median_within(const blanc_books *b, uint64_t ops)
{
    if (b->level_moves > 2 * SIDE_CHUNK * ops + 4096) {
        print_error("median adds: after %llu ops: %llu level moves\n", (unsigned long long)ops,
                    (unsigned long long)b->level_moves);
        fail();
    }
}

/* The middle: prices alternately just above the low group and just below
 * the high group, so every add lands between the two, at the median. */
static void levels_median_adds_are_bounded(void **state)
{
    (void)state;
    blanc_books *b = one_book();
    uint64_t ops = 0;
    for (uint32_t i = 0; i < N; i++) {
        uint32_t price = i % 2 ? 1000000 + i / 2 : 2000000 - i / 2;
        assert_int_equal(apply(b, ev_add(1, i + 1, 'B', 100, price)), BLANC_APPLIED);
        if (++ops % 1024 == 0)
            median_within(b, ops);
    }
    for (uint32_t i = 0; i < N; i++) {
        assert_int_equal(apply(b, ev_mod('D', 1, i + 1, 0)), BLANC_APPLIED);
        if (++ops % 1024 == 0)
            median_within(b, ops);
    }
    print_message("median adds: %llu level moves (%llu ops)\n",
                  (unsigned long long)b->level_moves, (unsigned long long)ops);
    assert_int_equal(blanc_books_check(b), 0);
    blanc_books_free(b);
}

/* Many levels, random adds and deletes all over the side, against a naive
 * model (a count per price): the full level list, best first, must match;
 * this drives chunk splits, hand-offs and merges in every position. */
#define PRICES 6000
static void levels_match_a_naive_model_across_chunks(void **state)
{
    (void)state;
    static uint32_t live_at[2][PRICES];
    static uint64_t ref_price[PRICES * 8];
    static blanc_level got[PRICES + 1];
    memset(live_at, 0, sizeof live_at);
    memset(ref_price, 0, sizeof ref_price);
    blanc_books *b = one_book();
    uint64_t x = 7;
    for (uint32_t step = 0; step < 300000; step++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        uint32_t r = (uint32_t)(x >> 33);
        uint32_t slot = r % (PRICES * 8);
        /* Phases: fill, thin out, refill around the middle. */
        int want_add = (step / 50000) % 2 == 0 ? r % 4 != 0 : r % 4 == 0;
        if (!ref_price[slot] && want_add) {
            uint32_t p = (step / 100000) == 2 ? PRICES / 2 - 500 + (r >> 8) % 1000
                                              : (r >> 8) % PRICES;
            int s = (r >> 20) & 1;
            assert_int_equal(apply(b, ev_add(1, slot + 1, s ? 'S' : 'B', 10, p + 1)),
                             BLANC_APPLIED);
            ref_price[slot] = (uint64_t)s << 32 | (p + 1);
            live_at[s][p]++;
        } else if (ref_price[slot]) {
            assert_int_equal(apply(b, ev_mod('D', 1, slot + 1, 0)), BLANC_APPLIED);
            live_at[ref_price[slot] >> 32][(uint32_t)ref_price[slot] - 1]--;
            ref_price[slot] = 0;
        }
        if (step % 10007 == 0 || step == 299999) {
            assert_int_equal(blanc_books_check(b), 0);
            for (int s = 0; s < 2; s++) {
                int n = blanc_books_levels(b, 1, s ? 'S' : 'B', got, PRICES + 1);
                int k = 0;
                for (uint32_t j = 0; j < PRICES; j++) {
                    uint32_t p = s ? j : PRICES - 1 - j; /* best first */
                    if (!live_at[s][p])
                        continue;
                    assert_true(k < n);
                    assert_int_equal(got[k].price, p + 1);
                    assert_int_equal(got[k].orders, live_at[s][p]);
                    k++;
                }
                assert_int_equal(k, n);
            }
        }
    }
    blanc_books_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(map_fibonacci_stride_is_linear),
        cmocka_unit_test(map_same_old_home_is_linear),
        cmocka_unit_test(map_run_cap_rekeys_a_broken_key),
        cmocka_unit_test(direct_index_pages_are_bounded),
        cmocka_unit_test(sparse_pages_go_to_the_map),
        cmocka_unit_test(a_bulk_copy_makes_no_old_pages),
        cmocka_unit_test(a_snapshot_restore_ignores_refs_past_the_index),
        cmocka_unit_test(same_ref_on_two_instruments),
        cmocka_unit_test(outputs_do_not_depend_on_the_key),
        cmocka_unit_test(levels_bids_at_new_worst_prices_are_linear),
        cmocka_unit_test(levels_asks_at_new_worst_prices_are_linear),
        cmocka_unit_test(levels_median_adds_are_bounded),
        cmocka_unit_test(levels_match_a_naive_model_across_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
