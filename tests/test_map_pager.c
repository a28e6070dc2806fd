/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A mapped file large enough for the pager thread (src/feed/map_pager.c):
 * read through with consumes of many sizes (pauses of 0 bytes among them),
 * with the pager (the default) and without (BLANC_MAP_THREAD=0), every byte
 * equals the file's and the digest equals XXH3 of the whole file in one call
 * (not the source's chunked updates), and so does the digest of the prefix
 * read at points along the way (with the pager, which hashes what it gives
 * back, the reader hashes the rest). The pager does its two jobs: pages
 * ahead of the reader get mapped without the reader touching them (where the
 * kernel has MADV_POPULATE_READ), and the pages behind it are given back, so
 * the mapping's resident size stays bounded. The thread starts once the
 * reader is a slice in, and not at all when the caller turns it off
 * (blanc__source_no_pager). Closing early (mid-file, right after open)
 * stops the thread.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xxhash.h>

#include <cmocka.h>

#include "blanc.h"
#include "feed/map_pager.h"

#define FILE_N ((size_t)64 << 20)

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

static uint8_t *bytes;
static char path[64];

static int setup(void **state)
{
    (void)state;
    bytes = malloc(FILE_N);
    if (!bytes)
        return -1;
    uint64_t x = 777;
    for (size_t i = 0; i < FILE_N; i++) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        bytes[i] = (uint8_t)(x >> 56);
    }
    snprintf(path, sizeof path, "/tmp/test_map_pager_%d.bin", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(bytes, 1, FILE_N, f);
    fclose(f);
    return w == FILE_N ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    free(bytes);
    return 0;
}

/* Resident KiB of the mapping that holds addr (/proc/self/smaps), or -1. */
static long rss_kib(const void *addr)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (!f)
        return -1;
    char line[512];
    int in = 0;
    long rss = -1;
    uintptr_t a = (uintptr_t)addr;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
            in = a >= lo && a < hi;
            continue;
        }
        if (in && sscanf(line, "Rss: %ld kB", &rss) == 1)
            break;
    }
    fclose(f);
    return rss;
}

/* Waits up to ~5 s for the mapping's resident size to satisfy cmp. */
static long wait_rss(const void *addr, long kib, int at_least)
{
    long r = rss_kib(addr);
    for (int i = 0; i < 500 && r >= 0 && (at_least ? r < kib : r > kib); i++) {
        usleep(10000);
        r = rss_kib(addr);
    }
    return r;
}

static int kernel_populates(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    void *m = mmap(NULL, (size_t)pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 0;
    int ok = madvise(m, (size_t)pg, MADV_POPULATE_READ) == 0 || errno != EINVAL;
    munmap(m, (size_t)pg);
    return ok;
}

/* Pager threads of this process (/proc/self/task/N/comm is "blanc-pager"),
 * or -1. By name, not all threads: a sanitizer's runtime has threads of its
 * own (TSan starts one with the first pthread_create). */
static int threads_now(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d)
        return -1;
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char p[300], comm[32] = "";
        snprintf(p, sizeof p, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(p, "r");
        if (!f)
            continue; /* the thread ended between the two reads */
        if (!fgets(comm, sizeof comm, f))
            comm[0] = 0;
        fclose(f);
        n += !strcmp(comm, "blanc-pager\n");
    }
    closedir(d);
    return n;
}

/* Waits up to ~5 s for the process to have `want` pager threads; the count then.
 * A thread just joined (an earlier test's pager) may still be listed for a
 * moment: its exit wakes the joiner before the kernel drops its entry. */
static int wait_threads(int want)
{
    int n = threads_now();
    for (int i = 0; i < 500 && n != want; i++) {
        usleep(10000);
        n = threads_now();
    }
    return n;
}

/* How the source is told about the pager: the default, BLANC_MAP_THREAD=0,
 * or blanc__source_no_pager after the open (a caller whose threads fill the
 * CPUs, src/replay/session.c). */
enum { PAGER, ENV_OFF, CALL_OFF };

static void read_through(int how)
{
    int pager = how == PAGER;
    if (how == ENV_OFF)
        setenv("BLANC_MAP_THREAD", "0", 1);
    else
        unsetenv("BLANC_MAP_THREAD");
    assert_int_equal(wait_threads(0), 0); /* no pager left over */
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    if (how == CALL_OFF)
        blanc__source_no_pager(s);
    const uint8_t *p;
    size_t n;
    assert_true(blanc_source_next(s, &p, &n) >= 0);
    const uint8_t *first = p;
    /* No thread before the reader is a slice in (a feed's sniffing reads
     * the first bytes before the caller may turn the pager off); then one,
     * with the pager. */
    assert_int_equal(threads_now(), 0);
    assert_int_equal(n, (size_t)4 << 20);
    assert_memory_equal(p, bytes, n);
    blanc_source_consume(s, n);
    size_t off = n, step = 0;
    assert_int_equal(threads_now(), pager); /* started in the consume, or not at all */
    /* The reader read 4 MiB (the input digest); the next slices are mapped
     * by the pager alone (where the kernel has MADV_POPULATE_READ). */
    if (pager && kernel_populates())
        assert_true(wait_rss(first, 10 * 1024, 1) >= 10 * 1024);
    assert_true(blanc_source_next(s, &p, &n) >= 0);
    long peak = 0;
    for (;;) {
        assert_int_equal(blanc_source_offset(s), off);
        assert_true(n <= FILE_N - off);
        assert_memory_equal(p, bytes + off, n < 4096 ? n : 4096);
        size_t take = n ? (step * 7919 + 1) % (n < 600000 ? n + 1 : 600000) : 0;
        if (step % 13 == 0)
            take = 0; /* a pause */
        if (take && memcmp(p, bytes + off, take))
            fail_msg("bytes differ at %zu", off);
        blanc_source_consume(s, take);
        off += take;
        step++;
        /* The digest of the prefix read so far, mid-file: with the pager it
         * keeps the digest, and the reader hashes on from where it was. */
        if (step % 37 == 0)
            assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, off));
        if (step % 64 == 0) {
            long r = rss_kib(first);
            if (r > peak)
                peak = r;
        }
        int rc = blanc_source_next(s, &p, &n);
        assert_true(rc >= 0);
        if (rc == 0 && n == 0)
            break;
    }
    assert_int_equal(off, FILE_N);
    assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, FILE_N));
    /* Behind the reader the pages go back, with the pager a little later. */
    assert_true(wait_rss(first, 12 * 1024, 0) <= 12 * 1024);
    assert_true(peak <= 34 * 1024); /* one drop with the pager, one waiting, 8 + 4 + 4 ahead */
    blanc_source_close(s);
}

static void test_with_pager(void **state)
{
    (void)state;
    read_through(PAGER);
}

static void test_without_pager(void **state)
{
    (void)state;
    read_through(ENV_OFF);
}

static void test_pager_turned_off(void **state)
{
    (void)state;
    read_through(CALL_OFF);
}

/* Hashing turned off mid-file while the pager keeps the digest: the digest
 * is that of the bytes read while it was on, as without a pager. */
static void test_hashing_off_midway(void **state)
{
    (void)state;
    unsetenv("BLANC_MAP_THREAD");
    const size_t on_for = (size_t)20 << 20;
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    size_t off = 0;
    const uint8_t *p;
    size_t n;
    while (blanc_source_next(s, &p, &n) >= 0 && n) {
        size_t take = n < ((size_t)1 << 20) ? n : (size_t)1 << 20;
        if (off < on_for && off + take > on_for)
            take = on_for - off;
        blanc_source_consume(s, take);
        off += take;
        if (off == on_for)
            blanc_source_set_hashing(s, 0);
    }
    assert_int_equal(off, FILE_N);
    assert_int_equal(blanc_source_digest(s), XXH3_64bits(bytes, on_for));
    blanc_source_close(s);
}

static void test_early_close(void **state)
{
    (void)state;
    unsetenv("BLANC_MAP_THREAD");
    for (int k = 0; k < 3; k++) {
        blanc_source *s;
        assert_int_equal(blanc_source_open(&s, path, NULL), 0);
        const uint8_t *p;
        size_t n;
        for (int i = 0; i < k * 3; i++) {
            assert_true(blanc_source_next(s, &p, &n) >= 0);
            blanc_source_consume(s, n);
        }
        blanc_source_close(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_with_pager),
        cmocka_unit_test(test_without_pager),
        cmocka_unit_test(test_pager_turned_off),
        cmocka_unit_test(test_hashing_off_midway),
        cmocka_unit_test(test_early_close),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
