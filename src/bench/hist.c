/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The log-linear histogram (hist.h). */
#include <stdlib.h>
#include <string.h>

#include "bench/hist.h"

int blanc_hist_init(blanc_hist *h, uint64_t max_value, int bits)
{
    memset(h, 0, sizeof *h);
    if (bits < 1 || bits > 16 || max_value < (UINT64_C(1) << bits))
        return BLANC_HIST_EINVAL;
    h->bits = bits;
    h->max_value = max_value;
    h->n = blanc_hist_index(h, max_value) + 1;
    h->counts = calloc(h->n, sizeof *h->counts);
    if (!h->counts)
        return BLANC_HIST_ENOMEM;
    h->min = UINT64_MAX;
    return 0;
}

void blanc_hist_free(blanc_hist *h)
{
    free(h->counts);
    h->counts = NULL;
}

void blanc_hist_reset(blanc_hist *h)
{
    memset(h->counts, 0, h->n * sizeof *h->counts);
    h->total = h->overflow = h->max = 0;
    h->min = UINT64_MAX;
}

void blanc_hist_record_n(blanc_hist *h, uint64_t v, uint64_t n)
{
    if (!n)
        return;
    blanc_hist_record(h, v);
    h->total += n - 1;
    if (v > h->max_value)
        h->overflow += n - 1;
    else
        h->counts[blanc_hist_index(h, v)] += n - 1;
}

int blanc_hist_merge(blanc_hist *dst, const blanc_hist *src)
{
    if (dst->bits != src->bits || dst->max_value != src->max_value)
        return BLANC_HIST_EINVAL;
    for (size_t i = 0; i < dst->n; i++)
        dst->counts[i] += src->counts[i];
    dst->total += src->total;
    dst->overflow += src->overflow;
    if (src->total) {
        if (src->min < dst->min)
            dst->min = src->min;
        if (src->max > dst->max)
            dst->max = src->max;
    }
    return 0;
}

uint64_t blanc_hist_count(const blanc_hist *h) { return h->total; }
uint64_t blanc_hist_min(const blanc_hist *h) { return h->total ? h->min : 0; }
uint64_t blanc_hist_max(const blanc_hist *h) { return h->max; }

size_t blanc_hist_buckets(const blanc_hist *h) { return h->n; }

void blanc_hist_bucket(const blanc_hist *h, size_t i, uint64_t *lo, uint64_t *hi, uint64_t *count)
{
    size_t sub = (size_t)1 << h->bits;
    if (i < sub) {
        *lo = *hi = i;
    } else {
        int shift = (int)(i >> h->bits) - 1;
        *lo = (uint64_t)((i & (sub - 1)) + sub) << shift;
        *hi = *lo + (UINT64_C(1) << shift) - 1;
    }
    *count = h->counts[i];
}

/* ceil(p/100 x N), at least 1; the guard keeps 99.99 % of 10^6 at 999,900
 * where binary floating point would land a hair above it. */
static uint64_t rank_of(const blanc_hist *h, double p)
{
    double r = p / 100.0 * (double)h->total - 1e-9;
    uint64_t rank = r > 0 ? (uint64_t)r : 0;
    if ((double)rank < r)
        rank++;
    if (rank < 1)
        rank = 1;
    return rank > h->total ? h->total : rank;
}

uint64_t blanc_hist_percentile(const blanc_hist *h, double p)
{
    if (!h->total)
        return 0;
    if (p <= 0)
        return h->min;
    uint64_t rank = rank_of(h, p);
    uint64_t seen = 0;
    for (size_t i = 0; i < h->n; i++) {
        seen += h->counts[i];
        if (seen >= rank) {
            uint64_t lo, hi, c;
            blanc_hist_bucket(h, i, &lo, &hi, &c);
            return hi < h->max ? hi : h->max;
        }
    }
    return h->max; /* in the overflow */
}

int blanc_hist_percentile_valid(const blanc_hist *h, double p, uint64_t min_tail)
{
    return h->total && h->total - rank_of(h, p) >= min_tail;
}
