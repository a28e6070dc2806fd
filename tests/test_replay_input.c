/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Bad input through the whole replay (docs/SEMANTICS.md §1-4): each case a
 * test; offsets and indexes derived by hand from the frame sizes below
 * (R = 2+39 bytes, A = 2+36, D = 2+19, E = 2+31). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "util.h"

typedef struct day {
    uint8_t b[4096];
    size_t n;
} day;

static void put(day *d, blanc_event e, uint64_t ts)
{
    e.timestamp = ts;
    int len = blanc_itch_encode(&e, d->b + d->n + 2, sizeof d->b - d->n - 2);
    assert_true(len > 0);
    d->b[d->n] = (uint8_t)(len >> 8);
    d->b[d->n + 1] = (uint8_t)len;
    d->n += 2 + (size_t)len;
}

/* R(1,"AB") @0, A ref 1 @41, A ref 2 @79, D ref 1 @117; 138 bytes. */
static day base_day(void)
{
    day d = {{0}, 0};
    put(&d, ev_dir(1, "AB"), 10);
    put(&d, ev_add(1, 1, 'B', 100, 5000), 20);
    put(&d, ev_add(1, 2, 'S', 50, 5100), 30);
    put(&d, ev_mod('D', 1, 1, 0), 40);
    assert_int_equal(d.n, 138);
    return d;
}

typedef struct run {
    blanc_replay *r;
    blanc_replay_stats st;
    int rc;
    char why[256];
} run;

static run replay_bytes(const uint8_t *p, size_t n, blanc_replay_options *o)
{
    run x;
    blanc_replay_create(&x.r, o);
    blanc_source *s;
    assert_int_equal(blanc_source_open_mem(&s, p, n), 0);
    x.rc = test_run_source(x.r, s, x.why, sizeof x.why);
    blanc_source_close(s);
    blanc_replay_get_stats(x.r, &x.st);
    assert_int_equal(blanc_books_check(blanc_replay_books(x.r)), 0);
    return x;
}

static void assert_anomaly(const run *x, blanc_anomaly a, uint64_t count, uint64_t off, uint64_t idx)
{
    assert_int_equal(x->st.anomalies[a].count, count);
    assert_int_equal(x->st.anomalies[a].first_offset, off);
    assert_int_equal(x->st.anomalies[a].first_index, idx);
}

static uint64_t live(run *x)
{
    blanc_books_stats s;
    blanc_books_get_stats(blanc_replay_books(x->r), &s);
    return s.live_orders;
}

static void clean_day(void **state)
{
    (void)state;
    day d = base_day();
    run x = replay_bytes(d.b, d.n, NULL);
    assert_int_equal(x.rc, 0);
    assert_int_equal(x.st.messages, 4);
    assert_int_equal(x.st.anomalies_total, 0);
    assert_int_equal(x.st.book_changes, 3);
    assert_int_equal(live(&x), 1);
    blanc_replay_free(x.r);
}

static void truncated_final_message_at_every_point(void **state)
{
    (void)state;
    day d = base_day();
    /* Cut the last frame (D at 117, 21 bytes) after k of its bytes. */
    for (size_t k = 1; k < 21; k++) {
        run x = replay_bytes(d.b, 117 + k, NULL);
        assert_int_equal(x.rc, 0);
        assert_int_equal(x.st.messages, 3);
        assert_anomaly(&x, BLANC_AN_TRUNCATED, 1, 117, 3);
        assert_int_equal(x.st.anomalies_total, 1);
        assert_int_equal(live(&x), 2); /* everything before was applied */
        blanc_replay_free(x.r);
    }
}

static void bad_length_and_unknown_type_are_skipped(void **state)
{
    (void)state;
    day d = base_day();
    /* A third add with a 37-byte frame (one byte extra), then an unknown type. */
    day e = d;
    put(&e, ev_add(1, 3, 'B', 1, 4900), 50);
    e.b[138 + 1] = 37;
    e.b[e.n++] = 0;
    uint8_t z[] = {0, 3, 'z', 1, 2};
    memcpy(e.b + e.n, z, sizeof z);
    e.n += sizeof z;
    put(&e, ev_mod('D', 1, 2, 0), 60);
    run x = replay_bytes(e.b, e.n, NULL);
    assert_int_equal(x.st.messages, 7);
    assert_anomaly(&x, BLANC_AN_BAD_LENGTH, 1, 138, 4);
    assert_anomaly(&x, BLANC_AN_UNKNOWN_TYPE, 1, 138 + 39, 5);
    assert_int_equal(live(&x), 0); /* ref 3 never added; ref 2 deleted after the damage */
    blanc_replay_free(x.r);
}

static void zero_length_frame(void **state)
{
    (void)state;
    day d = base_day();
    /* At the very end: a clean end of session. */
    day e = d;
    e.b[e.n++] = 0, e.b[e.n++] = 0;
    run x = replay_bytes(e.b, e.n, NULL);
    assert_int_equal(x.st.anomalies_total, 0);
    assert_true(x.st.ended_by_session_marker);
    blanc_replay_free(x.r);
    /* In the middle (before A ref 2 at 79): an anomaly counted for the message
     * that follows it (index 2), and the replay goes on: R, A1, A2, D1 = 4
     * messages, ref 2 live. */
    day m = {{0}, 0};
    memcpy(m.b, d.b, 79);
    m.b[79] = 0, m.b[80] = 0;
    memcpy(m.b + 81, d.b + 79, d.n - 79);
    m.n = d.n + 2;
    x = replay_bytes(m.b, m.n, NULL);
    assert_int_equal(x.rc, 0);
    assert_anomaly(&x, BLANC_AN_ZERO_LENGTH, 1, 79, 2);
    assert_int_equal(x.st.messages, 4);
    assert_int_equal(x.st.bytes, m.n);
    assert_false(x.st.ended_by_session_marker);
    assert_int_equal(live(&x), 1);
    blanc_order o;
    assert_int_equal(blanc_books_order(blanc_replay_books(x.r), 1, 2, &o), 0);
    blanc_replay_free(x.r);
    /* Three in a row are three anomalies, still for message 2. */
    day t = {{0}, 0};
    memcpy(t.b, d.b, 79);
    memset(t.b + 79, 0, 6);
    memcpy(t.b + 85, d.b + 79, d.n - 79);
    t.n = d.n + 6;
    x = replay_bytes(t.b, t.n, NULL);
    assert_anomaly(&x, BLANC_AN_ZERO_LENGTH, 3, 79, 2);
    assert_int_equal(x.st.messages, 4);
    blanc_replay_free(x.r);
    /* Strict: stops at the first, after 2 messages. */
    blanc_replay_options so = {0};
    so.strict = 1;
    x = replay_bytes(m.b, m.n, &so);
    assert_int_equal(x.rc, BLANC_ESTRICT);
    assert_anomaly(&x, BLANC_AN_ZERO_LENGTH, 1, 79, 2);
    assert_int_equal(x.st.messages, 2);
    blanc_replay_free(x.r);
}

static void empty_input(void **state)
{
    (void)state;
    run x = replay_bytes((const uint8_t *)"", 0, NULL);
    assert_int_equal(x.rc, 0);
    assert_int_equal(x.st.messages, 0);
    assert_int_equal(x.st.anomalies_total, 0);
    blanc_replay_free(x.r);
}

static void strict_stops_before_applying(void **state)
{
    (void)state;
    day d = {{0}, 0};
    put(&d, ev_dir(1, "AB"), 10);
    put(&d, ev_add(1, 1, 'B', 100, 5000), 20);
    put(&d, ev_mod('E', 1, 1, 101), 30); /* overfill */
    put(&d, ev_mod('D', 1, 1, 0), 40);
    blanc_replay_options o = {0};
    run x = replay_bytes(d.b, d.n, &o);
    assert_anomaly(&x, BLANC_AN_OVERFILL, 1, 79, 2);
    assert_anomaly(&x, BLANC_AN_UNKNOWN_REF, 1, 79 + 33, 3); /* the overfill removed it */
    blanc_replay_free(x.r);
    o.strict = 1;
    x = replay_bytes(d.b, d.n, &o);
    assert_int_equal(x.rc, BLANC_ESTRICT);
    assert_int_equal(x.st.messages, 3);
    assert_int_equal(x.st.anomalies_total, 1);
    blanc_order ord;
    assert_int_equal(blanc_books_order(blanc_replay_books(x.r), 1, 1, &ord), 0);
    assert_int_equal(ord.shares, 100); /* the overfill was not applied */
    blanc_replay_free(x.r);
}

static void non_monotonic_timestamps(void **state)
{
    (void)state;
    day d = {{0}, 0};
    put(&d, ev_dir(1, "AB"), 100);
    put(&d, ev_add(1, 1, 'B', 100, 5000), 50);
    put(&d, ev_add(1, 2, 'B', 100, 5000), 60);
    put(&d, ev_add(1, 3, 'B', 100, 5000), 10);
    run x = replay_bytes(d.b, d.n, NULL);
    assert_anomaly(&x, BLANC_AN_TIME_BACKWARDS, 2, 41, 1);
    assert_int_equal(live(&x), 3); /* still applied */
    blanc_replay_free(x.r);
}

static void fixed_framing_reads_zero_prefixes(void **state)
{
    (void)state;
    day d = base_day();
    day z = d;
    for (size_t pos = 0; pos < z.n;) {
        size_t len = (size_t)z.b[pos] << 8 | z.b[pos + 1];
        z.b[pos] = z.b[pos + 1] = 0;
        pos += 2 + len;
    }
    /* Read as BinaryFILE it is not ITCH (a zero prefix, then an R's bytes as
     * a length): refused, nothing replayed. */
    blanc_replay_options o = {0};
    o.framing = BLANC_FRAMING_BINARYFILE;
    run x = replay_bytes(z.b, z.n, &o);
    assert_int_equal(x.rc, BLANC_ENOTITCH);
    assert_int_equal(x.st.messages, 0);
    assert_non_null(strstr(x.why, "zero length prefix at byte 0"));
    blanc_replay_free(x.r);
    o.framing = BLANC_FRAMING_FIXED;
    x = replay_bytes(z.b, z.n, &o);
    assert_int_equal(x.st.messages, 4);
    assert_int_equal(x.st.anomalies_total, 0);
    assert_int_equal(live(&x), 1);
    blanc_replay_free(x.r);
    /* Automatic framing finds fixed framing by content; plain files stay BinaryFILE. */
    o.framing = BLANC_FRAMING_AUTO;
    x = replay_bytes(z.b, z.n, &o);
    assert_int_equal(x.rc, 0);
    assert_int_equal(x.st.messages, 4);
    assert_int_equal(live(&x), 1);
    assert_int_equal(blanc_replay_get_options(x.r)->framing, BLANC_FRAMING_FIXED);
    blanc_replay_free(x.r);
    x = replay_bytes(d.b, d.n, &o);
    assert_int_equal(x.st.messages, 4);
    assert_int_equal(blanc_replay_get_options(x.r)->framing, BLANC_FRAMING_BINARYFILE);
    blanc_replay_free(x.r);
}

/* What is not ITCH is refused with a reason, before anything is counted. */
static void not_itch_is_refused(void **state)
{
    (void)state;
    static uint8_t junk[1 << 20];
    uint64_t x64 = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < sizeof junk; i++) {
        x64 ^= x64 << 13, x64 ^= x64 >> 7, x64 ^= x64 << 17;
        junk[i] = (uint8_t)x64;
    }
    const char text[] = "Hello, this is a README, not a market data file.\n";
    /* A pcap global header (little-endian magic) and the start of a record. */
    const uint8_t pcap[] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                            0xff, 0xff, 0, 0, 1, 0, 0, 0, 0x10, 0x20, 0x30, 0x40};
    const struct { const uint8_t *p; size_t n; } in[] = {
        {junk, sizeof junk}, {(const uint8_t *)text, sizeof text - 1}, {pcap, sizeof pcap}};
    for (int framing = 0; framing < 3; framing++) {
        for (size_t i = 0; i < 3; i++) {
            if (i == 2 && framing == BLANC_FRAMING_AUTO)
                continue; /* by content a capture (test_feed_capture.c), refused as ITCH only */
            blanc_replay_options o = {0};
            o.framing = (blanc_framing)framing;
            run r = replay_bytes(in[i].p, in[i].n, &o);
            assert_int_equal(r.rc, BLANC_ENOTITCH);
            assert_int_equal(r.st.messages, 0);
            assert_int_equal(r.st.anomalies_total, 0);
            assert_true(strlen(r.why) > 10);
            blanc_replay_free(r.r);
        }
    }
    /* A real start with damage in it still passes: 4 valid frames of 7. */
    day d = base_day();
    uint8_t bad[] = {0, 5, 'A', 1, 2, 3, 4, 0, 3, 'z', 1, 2, 0, 1, 'y'};
    memcpy(d.b + d.n, bad, sizeof bad);
    d.n += sizeof bad;
    run r = replay_bytes(d.b, d.n, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.st.messages, 7);
    blanc_replay_free(r.r);
    /* ... but 4 of 8 is not more than half. */
    uint8_t more[] = {0, 1, 'x'};
    memcpy(d.b + d.n, more, sizeof more);
    d.n += sizeof more;
    r = replay_bytes(d.b, d.n, NULL);
    assert_int_equal(r.rc, BLANC_ENOTITCH);
    blanc_replay_free(r.r);
}

/* Compressed streams cut short: frames before the cut are kept. */
static run replay_file(const void *p, size_t n)
{
    char path[] = "/tmp/blanc-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    run x;
    blanc_replay_create(&x.r, NULL);
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    x.rc = test_run_source(x.r, s, x.why, sizeof x.why);
    blanc_source_close(s);
    unlink(path);
    blanc_replay_get_stats(x.r, &x.st);
    assert_int_equal(blanc_books_check(blanc_replay_books(x.r)), 0);
    return x;
}

/* A decompressed window is not moved for every small consume (libpcap reads a
 * capture through a cookie 16 bytes at a time: moving the 4 MiB window each
 * time made a .gz/.zst capture take minutes), and what it hands out across
 * the moves is the stream, byte for byte. */
static void stream_window_moves_rarely(void **state)
{
    (void)state;
    size_t n = (size_t)6 << 20;
    uint8_t *raw = malloc(n), *z = malloc(ZSTD_compressBound(n));
    assert_non_null(raw);
    assert_non_null(z);
    for (size_t i = 0; i < n; i++)
        raw[i] = (uint8_t)(i * 2654435761u >> 13);
    size_t zn = ZSTD_compress(z, ZSTD_compressBound(n), raw, n, 1);
    assert_false(ZSTD_isError(zn));
    char path[] = "/tmp/blanc-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, z, zn), (ssize_t)zn);
    close(fd);
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    const uint8_t *p0, *p1;
    size_t n0, n1;
    assert_int_equal(blanc_source_next(s, &p0, &n0), 1);
    assert_true(n0 > 16);
    blanc_source_consume(s, 16);
    assert_int_equal(blanc_source_next(s, &p1, &n1), 1);
    assert_ptr_equal(p1, p0 + 16); /* not moved */
    assert_int_equal(n1, n0 - 16);
    size_t at = 16;
    int rc = 1;
    while (at < n) {
        const uint8_t *p;
        size_t k;
        rc = blanc_source_next(s, &p, &k);
        assert_true(rc >= 0);
        assert_true(k > 0);
        size_t step = k < 65521 ? k : 65521;
        assert_memory_equal(p, raw + at, step);
        blanc_source_consume(s, step);
        at += step;
    }
    assert_int_equal(at, n);
    assert_int_equal(blanc_source_offset(s), n);
    blanc_source_close(s);
    unlink(path);
    free(raw);
    free(z);
}

static void compressed_streams_cut_short(void **state)
{
    (void)state;
    /* A longer day so the cut falls mid-stream. */
    static day d;
    d.n = 0;
    put(&d, ev_dir(1, "AB"), 1);
    for (uint64_t i = 1; i <= 100; i++)
        put(&d, ev_add(1, i, 'B', 100, (uint32_t)(5000 + i)), 1 + i);
    uint8_t gz[8192], zs[8192];
    z_stream zst;
    memset(&zst, 0, sizeof zst);
    assert_int_equal(deflateInit2(&zst, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zst.next_in = d.b;
    zst.avail_in = (uInt)d.n;
    zst.next_out = gz;
    zst.avail_out = sizeof gz;
    assert_int_equal(deflate(&zst, Z_FINISH), Z_STREAM_END);
    size_t gzn = sizeof gz - zst.avail_out;
    deflateEnd(&zst);
    size_t zsn = ZSTD_compress(zs, sizeof zs, d.b, d.n, 1);
    assert_false(ZSTD_isError(zsn));
    /* Whole streams: no anomaly. */
    run x = replay_file(gz, gzn);
    assert_int_equal(x.st.anomalies_total, 0);
    assert_int_equal(x.st.messages, 101);
    blanc_replay_free(x.r);
    x = replay_file(zs, zsn);
    assert_int_equal(x.st.anomalies_total, 0);
    blanc_replay_free(x.r);
    /* Cut: stream_cut, and only whole frames before it applied. */
    const struct { const uint8_t *p; size_t n; } cuts[] = {{gz, gzn / 2}, {gz, gzn - 4},
                                                           {zs, zsn / 2}, {zs, zsn - 1}};
    for (size_t i = 0; i < 4; i++) {
        x = replay_file(cuts[i].p, cuts[i].n);
        assert_int_equal(x.rc, 0);
        assert_int_equal(x.st.anomalies[BLANC_AN_STREAM_CUT].count, 1);
        assert_int_equal(x.st.anomalies[BLANC_AN_TRUNCATED].count, 0);
        assert_true(x.st.messages <= 101);
        /* A zstd block decodes whole or not at all, so a cut inside the only
         * block yields nothing; deflate streams out, so half a gzip does. */
        if (i == 0)
            assert_true(x.st.messages > 1);
        assert_int_equal(live(&x), x.st.messages ? x.st.messages - 1 : 0);
        blanc_replay_free(x.r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clean_day),
        cmocka_unit_test(truncated_final_message_at_every_point),
        cmocka_unit_test(bad_length_and_unknown_type_are_skipped),
        cmocka_unit_test(zero_length_frame),
        cmocka_unit_test(empty_input),
        cmocka_unit_test(strict_stops_before_applying),
        cmocka_unit_test(non_monotonic_timestamps),
        cmocka_unit_test(fixed_framing_reads_zero_prefixes),
        cmocka_unit_test(compressed_streams_cut_short),
        cmocka_unit_test(stream_window_moves_rarely),
        cmocka_unit_test(not_itch_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
