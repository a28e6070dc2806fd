/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The read-through source (blanc__source_read_through, what a capture asks
 * for): a plain file read into a reused 2 MiB window instead of mapped hands
 * out the same bytes, offsets, sizes and input digest as the file itself,
 * whatever the consumer's pattern (a partial frame carried over, a pause
 * that consumes nothing, a frame larger than what is left of the window);
 * it switches only before anything is consumed and only a mapped file; a
 * file that shrinks while being read ends early, cleanly. The reference is
 * the bytes as written and XXH3_64bits over them in one call.
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

#include <cmocka.h>

#include "blanc.h"
#include "feed/feed.h"

#define FILE_N ((size_t)5 << 20) /* two and a half windows */

static uint8_t *bytes;

static const char *write_tmp(const uint8_t *p, size_t n)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/blanc_read_%d.bin", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
    return path;
}

static blanc_source *open_read(const char *path)
{
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(blanc_source_next(s, &p, &n), 1); /* as the sniffing does */
    assert_int_equal(blanc__source_read_through(s), 1);
    assert_int_equal(blanc__source_read_through(s), 0); /* once */
    return s;
}

/* Read everything: each window's bytes are checked against the file where
 * the offset says they are; frames of `step` bytes are consumed (the tail
 * shorter than a frame is carried over), every third call consumes nothing. */
static size_t read_all(blanc_source *s, size_t step, size_t want_n)
{
    size_t calls = 0;
    for (;;) {
        const uint8_t *p;
        size_t n;
        uint64_t off = blanc_source_offset(s);
        int more = blanc_source_next(s, &p, &n);
        assert_true(more >= 0);
        assert_true(off + n <= want_n);
        assert_memory_equal(p, bytes + off, n);
        assert_int_equal(blanc_source_available(s), off + n);
        size_t take = more > 0 ? n / step * step : n;
        if (more > 0 && ++calls % 3 == 0)
            take = 0;
        blanc_source_consume(s, take);
        if (more == 0)
            return (size_t)blanc_source_offset(s);
    }
}

static void test_same_bytes(void **state)
{
    (void)state;
    const char *path = write_tmp(bytes, FILE_N);
    static const size_t steps[] = {1, 7, 31, 4096, 300000, (size_t)1 << 20};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        blanc_source *s = open_read(path);
        uint64_t size = 0;
        assert_int_equal(blanc_source_size(s, &size), 1);
        assert_int_equal(size, FILE_N);
        assert_int_equal(read_all(s, steps[i], FILE_N), FILE_N);
        assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, FILE_N));
        assert_int_equal(blanc_source_raw_bytes(s), FILE_N);
        assert_int_equal(blanc_source_compression(s), BLANC_COMP_NONE);
        /* Not a mapping any more: a fault handler has nothing to name. */
        uint64_t off;
        assert_int_equal(blanc_source_mapped_offset(s, bytes, &off), 0);
        blanc_source_close(s);
    }
    /* skip and drain, as a resume and an early stop use them. */
    blanc_source *s = open_read(path);
    assert_int_equal(blanc_source_skip(s, 3000001), 0);
    assert_int_equal(blanc_source_offset(s), 3000001);
    assert_int_equal(blanc_source_drain(s), 0);
    assert_int_equal(blanc_source_offset(s), FILE_N);
    assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, FILE_N));
    blanc_source_close(s);
    unlink(path);
}

static void test_only_before_consuming(void **state)
{
    (void)state;
    const char *path = write_tmp(bytes, FILE_N);
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(blanc_source_next(s, &p, &n), 1);
    blanc_source_consume(s, 10);
    assert_int_equal(blanc__source_read_through(s), 0); /* stays mapped */
    uint64_t off;
    assert_int_equal(blanc_source_mapped_offset(s, p + 20, &off), 1);
    assert_int_equal(off, 20);
    blanc_source_close(s);
    /* Memory and empty files stay as they are. */
    assert_int_equal(blanc_source_open_mem(&s, bytes, 100), 0);
    assert_int_equal(blanc__source_read_through(s), 0);
    blanc_source_close(s);
    path = write_tmp(bytes, 0);
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    assert_int_equal(blanc__source_read_through(s), 0);
    assert_int_equal(blanc_source_next(s, &p, &n), 0);
    assert_int_equal(n, 0);
    blanc_source_close(s);
    unlink(path);
}

/* Shrunk after the open: the reads end where the file now ends (mapped, a
 * read there would be a SIGBUS); grown: only what was there at the open. */
static void test_file_changes(void **state)
{
    (void)state;
    const char *path = write_tmp(bytes, FILE_N);
    blanc_source *s = open_read(path);
    assert_int_equal(truncate(path, 3000000), 0);
    assert_int_equal(read_all(s, 13, 3000000), 3000000);
    assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, 3000000));
    blanc_source_close(s);

    write_tmp(bytes, 1000000);
    s = open_read(path);
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes + 1000000, 1, 1000000, f), 1000000);
    fclose(f);
    assert_int_equal(read_all(s, 5, 1000000), 1000000);
    assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, 1000000));
    blanc_source_close(s);
    unlink(path);
}

int main(void)
{
    bytes = malloc(FILE_N);
    uint64_t x = 88172645463325252u;
    for (size_t i = 0; i < FILE_N; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        bytes[i] = (uint8_t)x;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_bytes),
        cmocka_unit_test(test_only_before_consuming),
        cmocka_unit_test(test_file_changes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(bytes);
    return rc;
}
