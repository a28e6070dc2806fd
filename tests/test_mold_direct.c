/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The MoldUDP64 stream's direct path (src/feed/mold_direct.c) against its
 * general path: the same random captures (in order, lost, duplicated,
 * swapped, A/B lines, heartbeats, other sessions, damaged packets, variable
 * message lengths, an end of session), read the way the capture feed reads
 * them (lent packets, batches of random size, consumed short at random, the
 * caller's bytes released and overwritten as a capture window moves), once
 * through push_lent() alone and once through direct_begin()/push_direct()
 * first, and once through push_spans() in runs as the capture's fast walk
 * hands them over. Everything handed out (bytes, seq, session, packet, offset, lost,
 * damage), every saved blob at every consume point and the final counters
 * must be the same: the direct path is only a faster way to the same stream.
 * Overwritten bytes make any message left pointing at released memory show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "feed/mold.h"
#include "feed/mold_stream_impl.h"
#include "feed/udp_span.h"

#define MAXPK 3000
#define GROUP_A 0xe9360c01u
#define GROUP_B 0xe9360c02u

typedef struct pkt {
    uint8_t *b;
    size_t n;
    uint32_t group;
} pkt;

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* One packet: count messages from seq, each 1..40 bytes, the first 8 its
 * number (so content names the message). */
static size_t build(uint8_t *b, const char *sess, uint64_t seq, uint16_t count, uint64_t *r)
{
    memset(b, ' ', 10);
    memcpy(b, sess, strlen(sess));
    blanc_put_be64(b + 10, seq);
    blanc_put_be16(b + 18, count);
    size_t n = MOLD_HEADER;
    if (count == MOLD_END_OF_SESSION)
        return n;
    for (uint16_t i = 0; i < count; i++) {
        uint16_t len = (uint16_t)(8 + rng(r) % 33);
        blanc_put_be16(b + n, len);
        blanc_put_be64(b + n + 2, seq + i);
        for (uint16_t j = 8; j < len; j++)
            b[n + 2 + j] = (uint8_t)(seq + i + j);
        n += 2u + len;
    }
    return n;
}

/* Rough (odd seeds: every 25th packet lost, 30% on line B) or nearly clean. */
static size_t scenario(uint64_t seed, int rough, pkt *pk)
{
    uint64_t r = seed | 1;
    size_t np = 0;
    uint64_t seq = 1;
    uint8_t b[20 + 42 * 8];
    while (np < MAXPK - 8 && seq < 4000) {
        uint16_t count = (uint16_t)(1 + (rng(&r) % 100 < 80 ? 0 : rng(&r) % 7));
        size_t n = build(b, "S1", seq, count, &r);
        unsigned roll = (unsigned)(rng(&r) % 100);
        unsigned bad = rough ? 4 : 1;
        int copies = roll < bad ? 0 : roll < 2 * bad ? 2 : 1; /* lost, duplicated */
        for (int c = 0; c < copies; c++) {
            pk[np].b = malloc(n);
            memcpy(pk[np].b, b, n);
            pk[np].n = n;
            pk[np].group = rng(&r) % 100 < (rough ? 30 : 1) ? GROUP_B : GROUP_A;
            np++;
        }
        seq += count;
        if (rng(&r) % 100 < bad && np >= 2) { /* swap the last two */
            pkt t = pk[np - 1];
            pk[np - 1] = pk[np - 2];
            pk[np - 2] = t;
        }
        roll = (unsigned)(rng(&r) % 100);
        if (roll < 3) { /* heartbeat, other session, damaged */
            size_t m = roll == 0   ? build(b, "S1", seq, 0, &r)
                       : roll == 1 ? build(b, "OTHER", seq, 2, &r)
                                   : build(b, "S1", seq, 3, &r) - 5;
            pk[np].b = malloc(m);
            memcpy(pk[np].b, b, m);
            pk[np].n = m;
            pk[np].group = GROUP_A;
            np++;
        }
    }
    size_t n = build(b, "S1", seq, MOLD_END_OF_SESSION, &r);
    pk[np].b = malloc(n);
    memcpy(pk[np].b, b, n);
    pk[np].n = n;
    pk[np].group = GROUP_A;
    return np + 1;
}

typedef struct logbuf {
    uint8_t *p;
    size_t n, cap;
} logbuf;

static void logw(logbuf *l, const void *v, size_t n)
{
    if (l->n + n > l->cap) {
        l->cap = (l->n + n) * 2;
        l->p = realloc(l->p, l->cap);
        assert_non_null(l->p);
    }
    memcpy(l->p + l->n, v, n);
    l->n += n;
}

/* The capture feed's reading, with the direct path or without. */
static size_t replay(const pkt *src, size_t np, int direct, uint64_t seed, logbuf *log,
                     blanc_transport_stats *st)
{
    /* Private copies: released ones are overwritten. */
    pkt *pk = calloc(np, sizeof *pk);
    for (size_t i = 0; i < np; i++) {
        pk[i] = src[i];
        pk[i].b = malloc(src[i].n ? src[i].n : 1);
        memcpy(pk[i].b, src[i].b, src[i].n);
    }
    static const char *const sess[] = {"S1"};
    mold_stream_options o = {NULL, 0, sess, 1, 8, 0};
    mold_stream *m;
    assert_int_equal(blanc__mold_stream_create(&m, &o), 0);
    uint64_t r = seed | 1, runs = seed * 31 + 7;
    size_t next = 0, gone = 0;
    int flushed = 0;
    size_t hits = 0;
    blanc_msg out[64];
    for (;;) {
        size_t cap = 1 + rng(&r) % 64;
        if (direct)
            blanc__mold_stream_direct_begin(m, out, cap);
        while (blanc__mold_stream_ready(m) < cap && next < np && !blanc__mold_stream_ended(m)) {
            if (next % 7 == 3) { /* the window moves: what is lent goes */
                assert_int_equal(blanc__mold_stream_release(m), 0);
                for (; gone < next; gone++)
                    memset(pk[gone].b, 0xee, pk[gone].n);
            }
            if (direct == 2) {
                /* The capture feed's fast walk: runs of spans, not past the
                 * next point where the window moves. */
                udp_span sp[8];
                size_t run = 1 + rng(&runs) % 8, k = 0; /* not r: the same batches */
                for (size_t j = next; j < np && k < run && (j == next || j % 7 != 3); j++, k++)
                    sp[k] = (udp_span){pk[j].b, pk[j].n, pk[j].group, 26400, j + 1,
                                       (j + 1) * 100, 0, j};
                int err;
                size_t took = blanc__mold_stream_push_spans(m, sp, k, k, &err);
                assert_int_equal(err, 0);
                hits += took;
                next += took;
                /* What stopped it goes the general way (unless the batch is full). */
                if (took == k || blanc__mold_stream_ready(m) >= cap)
                    continue;
            }
            mold_origin from = {pk[next].group, 26400, next + 1, (next + 1) * 100, next};
            int rc = direct ? blanc__mold_stream_push_direct(m, &from, pk[next].b, pk[next].n)
                            : 0;
            assert_true(rc >= 0);
            hits += rc == 1;
            if (rc == 0)
                rc = blanc__mold_stream_push_lent(m, &from, pk[next].b, pk[next].n);
            assert_true(rc >= 0 || rc == BLANC_EBADPACKET);
            next++;
        }
        if (!flushed && (next == np || blanc__mold_stream_ended(m))) {
            blanc__mold_stream_flush(m);
            flushed = 1;
        }
        int n = blanc__mold_stream_take(m, out, cap);
        assert_true(n >= 0 && (size_t)n <= cap);
        if (n == 0 && flushed)
            break;
        size_t k = rng(&r) % 4 ? (size_t)n : (size_t)(rng(&r) % (size_t)(n + 1));
        for (size_t i = 0; i < k; i++) {
            const blanc_msg *g = &out[i];
            uint64_t f[] = {g->len, g->seq, g->session, g->packet, g->offset, g->lost,
                            g->damage, g->damage_at, g->damage_kind, g->p == NULL};
            logw(log, f, sizeof f);
            if (g->p) {
                assert_true(blanc_be64(g->p) == g->seq);
                logw(log, g->p, g->len);
            }
        }
        blanc__mold_stream_consume(m, k);
        assert_int_equal(blanc__mold_stream_release(m), 0); /* the feed's settle */
        for (; gone < next; gone++)
            memset(pk[gone].b, 0xee, pk[gone].n);
        if (rng(&r) % 8 == 0) {
            uint8_t *blob;
            size_t len;
            assert_int_equal(blanc__mold_stream_save(m, &blob, &len), 0);
            uint64_t h = blanc_fnv1a64(BLANC_FNV64_OFFSET, blob, len);
            logw(log, &h, sizeof h);
            free(blob);
        }
    }
    blanc__mold_stream_stats(m, st);
    blanc__mold_stream_free(m);
    for (size_t i = 0; i < np; i++)
        free(pk[i].b);
    free(pk);
    return hits;
}

static void direct_path_equals_general_path(void **state)
{
    (void)state;
    static pkt pk[MAXPK];
    for (uint64_t seed = 1; seed <= 40; seed++) {
        int rough = (int)(seed & 1);
        size_t np = scenario(seed * 0x9e3779b97f4a7c15ull, rough, pk);
        logbuf a = {0}, b = {0}, c = {0};
        blanc_transport_stats sa, sb, sc;
        assert_int_equal(replay(pk, np, 0, seed, &a, &sa), 0);
        size_t hits = replay(pk, np, 1, seed, &b, &sb);
        size_t span_hits = replay(pk, np, 2, seed, &c, &sc);
        /* The direct path is what is tested: often enough to meet every kind
         * of packet after it (each disturbance sends the rest of its batch,
         * and a batch ending in a queued packet the next one, the general
         * way; a real clean capture, with heartbeats only, goes direct). */
        assert_true(hits > (rough ? np / 100 : np / 5));
        assert_true(span_hits > (rough ? np / 100 : np / 5));
        assert_true(a.n > 1000);
        assert_int_equal(a.n, b.n);
        assert_memory_equal(a.p, b.p, a.n);
        assert_memory_equal(&sa, &sb, sizeof sa);
        assert_int_equal(a.n, c.n); /* and in runs of spans */
        assert_memory_equal(a.p, c.p, a.n);
        assert_memory_equal(&sa, &sc, sizeof sa);
        assert_true(sa.lost_messages > 0 && sa.duplicates + sa.arbitrated > 0 && sa.bad_packets > 0);
        assert_true(sa.out_of_order > 0 && sa.heartbeats > 0 && sa.skipped > 0);
        free(a.p);
        free(b.p);
        free(c.p);
        for (size_t i = 0; i < np; i++)
            free(pk[i].b);
    }
}

/* The direct path is taken: a clean in-order run goes through it whole. */
static void clean_packets_go_direct(void **state)
{
    (void)state;
    mold_stream *m;
    assert_int_equal(blanc__mold_stream_create(&m, NULL), 0);
    uint64_t r = 7;
    uint8_t b[3][20 + 42 * 8];
    size_t n[3];
    for (int i = 0; i < 3; i++)
        n[i] = build(b[i], "S1", 1 + 2 * (uint64_t)i, 2, &r);
    blanc_msg out[8];
    blanc__mold_stream_direct_begin(m, out, 8);
    mold_origin from = {GROUP_A, 26400, 1, 0, 0};
    /* The first packet of a stream takes the general path (the line is new). */
    assert_int_equal(blanc__mold_stream_push_direct(m, &from, b[0], n[0]), 0);
    assert_int_equal(blanc__mold_stream_push_lent(m, &from, b[0], n[0]), 0);
    assert_int_equal(blanc__mold_stream_take(m, out, 8), 2);
    blanc__mold_stream_consume(m, 2);
    blanc__mold_stream_direct_begin(m, out, 8);
    assert_int_equal(blanc__mold_stream_push_direct(m, &from, b[1], n[1]), 1);
    assert_int_equal(blanc__mold_stream_push_direct(m, &from, b[2], n[2]), 1);
    assert_int_equal(blanc__mold_stream_ready(m), 4);
    /* In place: no copy. */
    assert_ptr_equal(out[0].p, b[1] + MOLD_HEADER + 2);
    assert_int_equal(blanc__mold_stream_take(m, out, 8), 4);
    for (int i = 0; i < 4; i++)
        assert_true(out[i].seq == 3 + (uint64_t)i && blanc_be64(out[i].p) == out[i].seq);
    blanc__mold_stream_consume(m, 4);
    blanc_transport_stats st;
    blanc__mold_stream_stats(m, &st);
    assert_true(st.messages == 6 && st.packets == 3);
    blanc__mold_stream_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_packets_go_direct),
        cmocka_unit_test(direct_path_equals_general_path),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
