/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The latency histogram against exact nearest-rank percentiles computed by
 * sorting the same samples: every reported percentile must be at or above the
 * exact one and within the stated relative error 2^-b.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bench/hist.h"

static uint64_t sm_state;
static uint64_t splitmix(void)
{
    uint64_t z = (sm_state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static const double PS[] = {0, 50, 90, 95, 99, 99.9, 99.99, 100};

/* The exact nearest-rank percentile of sorted v[0..n). */
static uint64_t exact(const uint64_t *v, size_t n, double p)
{
    if (p <= 0)
        return v[0];
    double r = p / 100.0 * (double)n - 1e-9;
    size_t rank = r > 0 ? (size_t)r : 0;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    return v[rank - 1];
}

static void check(uint64_t *v, size_t n, int bits, uint64_t max_value)
{
    blanc_hist h;
    assert_int_equal(blanc_hist_init(&h, max_value, bits), 0);
    for (size_t i = 0; i < n; i++)
        blanc_hist_record(&h, v[i]);
    qsort(v, n, sizeof *v, cmp_u64);
    assert_int_equal(blanc_hist_count(&h), n);
    assert_int_equal(blanc_hist_min(&h), v[0]);
    assert_int_equal(blanc_hist_max(&h), v[n - 1]);
    double bound = 1.0 / (double)(1u << bits);
    for (size_t k = 0; k < sizeof PS / sizeof PS[0]; k++) {
        uint64_t want = exact(v, n, PS[k]), got = blanc_hist_percentile(&h, PS[k]);
        if (got < want || (double)(got - want) > bound * (double)want)
            fail_msg("p%g: got %llu, exact %llu (n %zu)", PS[k], (unsigned long long)got,
                     (unsigned long long)want, n);
    }
    blanc_hist_free(&h);
}

static void uniform_and_long_tailed(void **state)
{
    (void)state;
    enum { N = 200000 };
    static uint64_t v[N];
    sm_state = 1;
    for (size_t i = 0; i < N; i++)
        v[i] = splitmix() % 1000000;
    check(v, N, 7, UINT64_C(1) << 40);
    /* Long tail: most values small, a few orders of magnitude larger. */
    for (size_t i = 0; i < N; i++)
        v[i] = (splitmix() % 4096) << (splitmix() % 64 < 60 ? 0 : splitmix() % 24);
    check(v, N, 7, UINT64_C(1) << 40);
    check(v, N, 3, UINT64_C(1) << 40); /* a coarser histogram, a looser bound */
}

static void adversarial_shapes(void **state)
{
    (void)state;
    static uint64_t v[70000];
    size_t n = 0;
    for (int k = 1; k < 40; k++) { /* around every power of two */
        uint64_t p = UINT64_C(1) << k;
        v[n++] = p - 1;
        v[n++] = p;
        v[n++] = p + 1;
    }
    check(v, n, 7, UINT64_C(1) << 40);
    for (n = 0; n < 1000; n++)
        v[n] = 777; /* all equal */
    check(v, n, 7, UINT64_C(1) << 40);
    /* 99 % at 100, 1 % at 1e6: p99 must be 100, p99.9 on the far spike */
    for (n = 0; n < 69300; n++)
        v[n] = 100;
    for (; n < 70000; n++)
        v[n] = 1000000;
    check(v, n, 7, UINT64_C(1) << 40);
    v[0] = 42;
    check(v, 1, 7, UINT64_C(1) << 40); /* a single sample */
    v[0] = 0;
    v[1] = 0;
    check(v, 2, 7, UINT64_C(1) << 40);
}

static void overflow_keeps_max_exact(void **state)
{
    (void)state;
    blanc_hist h;
    assert_int_equal(blanc_hist_init(&h, 1000, 7), 0);
    for (int i = 0; i < 99; i++)
        blanc_hist_record(&h, 10);
    blanc_hist_record(&h, 123456789);
    assert_int_equal(h.overflow, 1);
    assert_int_equal(blanc_hist_max(&h), 123456789);
    assert_int_equal(blanc_hist_percentile(&h, 100), 123456789);
    assert_int_equal(blanc_hist_percentile(&h, 99), 10);
    blanc_hist_free(&h);
    assert_int_equal(blanc_hist_init(&h, 10, 7), BLANC_HIST_EINVAL);
}

static void merge_equals_recording_both(void **state)
{
    (void)state;
    blanc_hist a, b, both;
    assert_int_equal(blanc_hist_init(&a, 1u << 30, 7), 0);
    assert_int_equal(blanc_hist_init(&b, 1u << 30, 7), 0);
    assert_int_equal(blanc_hist_init(&both, 1u << 30, 7), 0);
    sm_state = 7;
    for (int i = 0; i < 50000; i++) {
        uint64_t x = splitmix() % 100000, y = splitmix() % 5000000;
        blanc_hist_record(&a, x);
        blanc_hist_record(&b, y);
        blanc_hist_record(&both, x);
        blanc_hist_record(&both, y);
    }
    assert_int_equal(blanc_hist_merge(&a, &b), 0);
    assert_int_equal(a.total, both.total);
    assert_memory_equal(a.counts, both.counts, a.n * sizeof *a.counts);
    assert_int_equal(a.min, both.min);
    assert_int_equal(a.max, both.max);
    blanc_hist c;
    assert_int_equal(blanc_hist_init(&c, 1u << 30, 6), 0);
    assert_int_equal(blanc_hist_merge(&a, &c), BLANC_HIST_EINVAL);
    blanc_hist_free(&a);
    blanc_hist_free(&b);
    blanc_hist_free(&both);
    blanc_hist_free(&c);
}

static void validity_at_the_boundary(void **state)
{
    (void)state;
    blanc_hist h;
    assert_int_equal(blanc_hist_init(&h, 1u << 20, 7), 0);
    blanc_hist_record_n(&h, 5, 1000000);
    /* p99.99 of 1,000,000 samples has exactly 100 beyond it */
    assert_true(blanc_hist_percentile_valid(&h, 99.99, 100));
    assert_false(blanc_hist_percentile_valid(&h, 99.99, 101));
    blanc_hist_reset(&h);
    blanc_hist_record_n(&h, 5, 999999);
    assert_false(blanc_hist_percentile_valid(&h, 99.99, 100));
    assert_true(blanc_hist_percentile_valid(&h, 99.9, 100));
    blanc_hist_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uniform_and_long_tailed),
        cmocka_unit_test(adversarial_shapes),
        cmocka_unit_test(overflow_keeps_max_exact),
        cmocka_unit_test(merge_equals_recording_both),
        cmocka_unit_test(validity_at_the_boundary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
