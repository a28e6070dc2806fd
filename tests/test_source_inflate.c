/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Compressed sources under every decoder path (ISA-L or zlib for gzip, on the
 * producer thread or inline) hand out the same bytes and end the same way as
 * zlib / libzstd called directly on the whole file in one go: the same
 * decoded bytes (a prefix of the original for a cut), the same end code
 * (0, BLANC_ESTREAMCUT, BLANC_ECORRUPT), the same decoded offset and the same
 * count of file bytes taken. The reference is a one-shot call, not Blanc's
 * chunked loop. Most inputs are 6 MiB decoded (one and a half 4 MiB windows
 * and ring slots); one is 24 MiB, so the ring of 4 slots wraps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "blanc.h"

#define PLAIN_N ((size_t)6 << 20)

static uint8_t *plain;
static size_t out_cap = PLAIN_N * 3; /* room for a result */

/* Compressible, not trivially: ITCH-like records from an LCG. */
static uint8_t *make_bytes(size_t n)
{
    uint8_t *b = malloc(n);
    uint64_t x = 12345;
    for (size_t i = 0; i < n;) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        size_t rec = 20 + (size_t)(x >> 59);
        for (size_t k = 0; k < rec && i < n; k++, i++)
            b[i] = k < 4 ? (uint8_t)"AADF"[k] : (uint8_t)((x >> (8 * (k % 7))) & (k & 1 ? 0x0f : 0xff));
    }
    return b;
}

/* gzip one member of p[0, n); hcrc: with a header CRC (FHCRC). */
static size_t gz_member(const uint8_t *p, size_t n, uint8_t *out, size_t cap, int hcrc)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    gz_header h;
    memset(&h, 0, sizeof h);
    h.hcrc = hcrc;
    h.name = (Bytef *)"day.itch";
    assert_int_equal(deflateSetHeader(&zs, &h), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)p;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    size_t len = zs.total_out;
    deflateEnd(&zs);
    return len;
}

typedef struct result {
    uint8_t *bytes;
    size_t len;
    int rc;
    uint64_t available, raw;
} result;

/* zlib over the whole file in one call per member. */
static result ref_gz(const uint8_t *in, size_t n)
{
    result r = {malloc(out_cap), 0, 0, 0, 0};
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    assert_int_equal(inflateInit2(&zs, 15 + 32), Z_OK);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = r.bytes;
    zs.avail_out = (uInt)out_cap;
    for (;;) {
        int z = inflate(&zs, Z_NO_FLUSH);
        if (z == Z_STREAM_END) {
            if (!zs.avail_in)
                break;
            inflateReset(&zs);
            continue;
        }
        r.rc = (z == Z_OK || z == Z_BUF_ERROR) ? BLANC_ESTREAMCUT : BLANC_ECORRUPT;
        break;
    }
    r.len = r.available = (size_t)(zs.next_out - r.bytes);
    r.raw = n - zs.avail_in;
    inflateEnd(&zs);
    return r;
}

static result ref_zstd(const uint8_t *in, size_t n)
{
    result r = {malloc(out_cap), 0, 0, 0, 0};
    ZSTD_DCtx *d = ZSTD_createDCtx();
    ZSTD_inBuffer ib = {in, n, 0};
    ZSTD_outBuffer ob = {r.bytes, out_cap, 0};
    size_t z = ZSTD_decompressStream(d, &ob, &ib);
    r.rc = ZSTD_isError(z) ? BLANC_ECORRUPT : z ? BLANC_ESTREAMCUT : 0;
    r.len = r.available = ob.pos;
    r.raw = ib.pos;
    ZSTD_freeDCtx(d);
    return r;
}

static const char *write_tmp(const uint8_t *p, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/blanc_inflate_%d.bin", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

/* Blanc's source over the file, read the way the feeds read it: consume all
 * but a short tail each time (a partial frame carried over). */
static result via_source(const char *path)
{
    result r = {malloc(out_cap), 0, 0, 0, 0};
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    for (;;) {
        const uint8_t *p;
        size_t n;
        int more = blanc_source_next(s, &p, &n);
        size_t take = more > 0 && n > 7 ? n - 7 : n;
        assert_true(r.len + take <= out_cap);
        memcpy(r.bytes + r.len, p, take);
        r.len += take;
        blanc_source_consume(s, take);
        if (more <= 0) {
            r.rc = more;
            break;
        }
    }
    r.available = blanc_source_available(s);
    r.raw = blanc_source_raw_bytes(s);
    blanc_source_close(s);
    return r;
}

static int failures;

static const char *const modes[][2] = {
    {"auto", "1"}, {"zlib", "1"}, {"auto", "0"}, {"zlib", "0"}, /* engine, thread */
};

/* libzstd reports the bytes of a call only when the call succeeds, so how
 * much of the prefix before damage a corrupt frame yields depends on the
 * output room of the calls: one-shot or inline (the window's room), or the
 * ring's fixed 4 MiB slots, which give one answer per file. Those are checked
 * as a prefix of the original, the same on a second run, ending in ECORRUPT. */
static void check_zstd_threaded(const char *path, size_t file_n)
{
    setenv("BLANC_INFLATE_THREAD", "1", 1);
    result a = via_source(path), b = via_source(path);
    assert_int_equal(a.rc, BLANC_ECORRUPT);
    assert_true(a.len <= PLAIN_N && !memcmp(a.bytes, plain, a.len));
    assert_true(a.len == b.len && a.raw == b.raw && a.available == a.len && a.raw <= file_n);
    free(a.bytes);
    free(b.bytes);
}

static void check(const uint8_t *file, size_t n, int zstd, int want_rc, const char *what)
{
    result ref = zstd ? ref_zstd(file, n) : ref_gz(file, n);
    if (want_rc != 99)
        assert_int_equal(ref.rc, want_rc); /* the case is what it says it is */
    assert_true(ref.len <= out_cap);
    const char *path = write_tmp(file, n);
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        if (zstd && ref.rc == BLANC_ECORRUPT && !strcmp(modes[m][1], "1")) {
            check_zstd_threaded(path, n);
            continue;
        }
        setenv("BLANC_INFLATE", modes[m][0], 1);
        setenv("BLANC_INFLATE_THREAD", modes[m][1], 1);
        result got = via_source(path);
        int bad = 0;
        if (got.rc != ref.rc || got.len != ref.len || got.available != ref.available ||
            got.raw != ref.raw || memcmp(got.bytes, ref.bytes, ref.len))
            print_error("%s [%s, thread %s]: rc %d/%d len %zu/%zu available %llu/%llu raw %llu/%llu",
                     what, modes[m][0], modes[m][1], got.rc, ref.rc, got.len, ref.len,
                     (unsigned long long)got.available, (unsigned long long)ref.available,
                     (unsigned long long)got.raw, (unsigned long long)ref.raw), bad++;
        free(got.bytes);
        failures += bad;
    }
    unlink(path);
    free(ref.bytes);
    assert_int_equal(failures, 0);
}

static void test_gzip_cases(void **state)
{
    (void)state;
    size_t cap = PLAIN_N * 2 + 4096;
    uint8_t *gz = malloc(cap), *buf = malloc(cap);
    size_t n = gz_member(plain, PLAIN_N, gz, cap, 0);

    check(gz, n, 0, 0, "clean");
    /* Cut: in the header, early, in the middle, in the trailer, one short. */
    const size_t cuts[] = {5, 12, n / 7, n / 2, n - 6, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "cut at %zu of %zu", cuts[i], n);
        check(gz, cuts[i], 0, BLANC_ESTREAMCUT, what);
    }
    /* Corrupt: deflate data early and late (zlib's verdict, whatever it is:
     * a bad code or a CRC mismatch), the CRC, the length. */
    const size_t flips[] = {200, n / 3, n - 20, n - 7, n - 2};
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        memcpy(buf, gz, n);
        for (size_t k = 0; k < 4 && flips[i] + k < n; k++)
            buf[flips[i] + k] ^= 0x5a;
        char what[64];
        snprintf(what, sizeof what, "corrupt at %zu of %zu", flips[i], n);
        check(buf, n, 0, 99, what);
    }
    memcpy(buf, gz, n);
    buf[n - 7] ^= 1; /* a CRC bit: every byte decodes, the check fails */
    check(buf, n, 0, BLANC_ECORRUPT, "crc");

    /* Two members, then trailing bytes that are not a third. */
    size_t n1 = gz_member(plain, PLAIN_N / 3, buf, cap, 0);
    size_t n2 = gz_member(plain + PLAIN_N / 3, PLAIN_N - PLAIN_N / 3, buf + n1, cap - n1, 0);
    check(buf, n1 + n2, 0, 0, "two members");
    check(buf, n1 + n2 / 2, 0, BLANC_ESTREAMCUT, "second member cut");
    memcpy(buf + n1 + n2, "junk", 4);
    check(buf, n1 + n2 + 4, 0, BLANC_ECORRUPT, "trailing junk");
    memset(buf + n1 + n2, 0, 64);
    check(buf, n1 + n2 + 64, 0, BLANC_ECORRUPT, "trailing zeros");

    /* A header CRC: zlib checks it; a wrong one fails before any byte. */
    size_t nh = gz_member(plain, PLAIN_N, buf, cap, 1);
    check(buf, nh, 0, 0, "header crc");
    buf[10 + 9] ^= 0xff; /* in the name: the header CRC no longer matches */
    check(buf, nh, 0, BLANC_ECORRUPT, "bad header crc");
    free(gz);
    free(buf);
}

static void test_zstd_cases(void **state)
{
    (void)state;
    size_t cap = ZSTD_compressBound(PLAIN_N);
    uint8_t *z = malloc(cap), *buf = malloc(cap);
    size_t n = ZSTD_compress(z, cap, plain, PLAIN_N, 3);
    assert_false(ZSTD_isError(n));
    check(z, n, 1, 0, "zstd clean");
    check(z, n / 2, 1, BLANC_ESTREAMCUT, "zstd cut");
    memcpy(buf, z, n);
    for (size_t k = 0; k < 8; k++)
        buf[n / 3 + k] ^= 0x5a;
    check(buf, n, 1, 99, "zstd corrupt");
    free(z);
    free(buf);
}

/* Closing early (a replay stopped at --until, an error above the source)
 * stops the producer wherever it is: right after open, with the ring full,
 * after the end; never a hang, and (under ASan) no leak. The digest of what
 * was consumed is the plain bytes' digest. */
static void test_early_close(void **state)
{
    (void)state;
    size_t cap = PLAIN_N * 2;
    uint8_t *gz = malloc(cap);
    size_t n = gz_member(plain, PLAIN_N, gz, cap, 0);
    const char *path = write_tmp(gz, n);
    setenv("BLANC_INFLATE", "auto", 1);
    setenv("BLANC_INFLATE_THREAD", "1", 1);
    for (int k = 0; k < 4; k++) {
        blanc_source *s;
        assert_int_equal(blanc_source_open(&s, path, NULL), 0);
        if (k >= 1) {
            const uint8_t *p;
            size_t got;
            assert_int_equal(blanc_source_next(s, &p, &got), 1);
            assert_true(got > 0 && !memcmp(p, plain, got));
            blanc_source_consume(s, got / 2);
            if (k == 2)
                usleep(50 * 1000); /* let the producer fill the ring and wait */
            if (k == 3) {
                assert_int_equal(blanc_source_drain(s), 0);
                assert_true(blanc_source_digest(s) == XXH3_64bits(plain, PLAIN_N));
            }
        }
        blanc_source_close(s);
    }
    unlink(path);
    free(gz);
}

/* 24 MiB decoded: the ring of 4 x 4 MiB slots wraps and the window
 * refills six times; clean, cut and corrupt late. */
static void test_long_gzip(void **state)
{
    (void)state;
    size_t n = (size_t)24 << 20, cap = n + (n >> 3) + 4096;
    uint8_t *big = make_bytes(n), *gz = malloc(cap);
    size_t gn = gz_member(big, n, gz, cap, 0);
    out_cap = n + 4096;
    check(gz, gn, 0, 0, "long clean");
    check(gz, gn * 3 / 4, 0, BLANC_ESTREAMCUT, "long cut");
    for (size_t k = 0; k < 4; k++)
        gz[gn * 3 / 4 + k] ^= 0x5a;
    check(gz, gn, 0, 99, "long corrupt");
    out_cap = PLAIN_N * 3;
    free(big);
    free(gz);
}

int main(void)
{
    plain = make_bytes(PLAIN_N);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_cases),
        cmocka_unit_test(test_zstd_cases),
        cmocka_unit_test(test_early_close),
        cmocka_unit_test(test_long_gzip),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(plain);
    return rc;
}
