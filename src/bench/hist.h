/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A log-linear latency histogram (HDR style): values below 2^b are exact;
 * above, each power of two is split into 2^b equal buckets, so any value is
 * known to a relative error below 2^-b (b = 7: < 0.79 %). Memory is fixed at
 * init; recording is a clz, a shift and an increment.
 */
#ifndef BLANC_BENCH_HIST_H
#define BLANC_BENCH_HIST_H

#include <stddef.h>
#include <stdint.h>

#define BLANC_HIST_EINVAL (-2)
#define BLANC_HIST_ENOMEM (-3)

typedef struct blanc_hist {
    uint64_t *counts;
    size_t n;         /* buckets */
    int bits;         /* b */
    uint64_t max_value; /* largest value with its own bucket */
    uint64_t total, overflow, min, max;
} blanc_hist;

int blanc_hist_init(blanc_hist *h, uint64_t max_value, int sub_bucket_bits);
void blanc_hist_free(blanc_hist *h);
void blanc_hist_reset(blanc_hist *h);

/* Branchless: or-ing in 2^b makes values below it land on shift 0 (exact),
 * and latencies straddle 2^b often enough that a branch there mispredicts. */
static inline size_t blanc_hist_index(const blanc_hist *h, uint64_t v)
{
    int shift = 63 - __builtin_clzll(v | (UINT64_C(1) << h->bits)) - h->bits;
    return ((size_t)shift << h->bits) + (size_t)(v >> shift);
}

static inline void blanc_hist_record(blanc_hist *h, uint64_t v)
{
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->total++;
    if (v > h->max_value)
        h->overflow++;
    else
        h->counts[blanc_hist_index(h, v)]++;
}

void blanc_hist_record_n(blanc_hist *h, uint64_t v, uint64_t n);
/* Add src into dst; both must have the same geometry (else BLANC_HIST_EINVAL). */
int blanc_hist_merge(blanc_hist *dst, const blanc_hist *src);

uint64_t blanc_hist_count(const blanc_hist *h);
uint64_t blanc_hist_min(const blanc_hist *h); /* 0 when empty */
uint64_t blanc_hist_max(const blanc_hist *h);
/* A percentile that falls among values above max_value reports the max. */

/* The nearest-rank percentile p (0..100): the smallest recorded x with at
 * least ceil(p/100 x N) samples <= x, reported as the highest value of its
 * bucket clamped to the recorded max, so it never under-reports and is within
 * 2^-b of the exact value. p = 0 is the min. 0 when empty. */
uint64_t blanc_hist_percentile(const blanc_hist *h, double p);
/* Whether at least min_tail samples lie beyond p's rank: N - ceil(p/100 x N) >= min_tail
 * (p99.99 needs 10^6 samples for 100 beyond it). */
int blanc_hist_percentile_valid(const blanc_hist *h, double p, uint64_t min_tail);

size_t blanc_hist_buckets(const blanc_hist *h);
/* Bucket i's value range [lo, hi] and count. */
void blanc_hist_bucket(const blanc_hist *h, size_t i, uint64_t *lo, uint64_t *hi, uint64_t *count);

#endif
