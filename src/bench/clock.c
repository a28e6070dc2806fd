/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The benchmark clock: the TSC where it is invariant (constant rate across
 * frequency changes and sleep states: cpuid 0x80000007 EDX bit 8), calibrated
 * against CLOCK_MONOTONIC; clock_gettime everywhere else. Floating point is
 * fine here: it converts measurements, it never touches book state.
 */
#include <stdlib.h>
#include <time.h>

#include "blanc.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <x86intrin.h>
#define HAVE_TSC 1
#else
#define HAVE_TSC 0
#endif

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int invariant_tsc(void)
{
#if HAVE_TSC
    unsigned a, b, c, d;
    if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x80000007u)
        return 0;
    __get_cpuid(0x80000007u, &a, &b, &c, &d);
    return (d >> 8) & 1;
#else
    return 0;
#endif
}

uint64_t blanc_clock_now(const blanc_clock *c)
{
#if HAVE_TSC
    if (c->tsc)
        return __rdtsc();
#endif
    (void)c;
    return mono_ns();
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void blanc_clock_init(blanc_clock *c, int allow_tsc)
{
    c->tsc = allow_tsc && invariant_tsc();
    c->ticks_per_ns = 1.0;
    if (c->tsc) {
        /* 50 ms against the monotonic clock: the error of the two reads at
         * each end is tens of ns, well under 1e-5 of the span. */
        uint64_t n0 = mono_ns(), t0 = blanc_clock_now(c), n1, t1;
        do {
            n1 = mono_ns();
            t1 = blanc_clock_now(c);
        } while (n1 - n0 < 50000000u);
        c->ticks_per_ns = (double)(t1 - t0) / (double)(n1 - n0);
    }
    /* The cost of one read, as seen by a pair of reads: the median of many
     * back-to-back differences (the minimum would flatter it). */
    uint64_t d[1001];
    for (int i = 0; i < 1001; i++) {
        uint64_t a = blanc_clock_now(c);
        d[i] = blanc_clock_now(c) - a;
    }
    qsort(d, 1001, sizeof d[0], cmp_u64);
    c->overhead_ticks = d[500];
    c->source = c->tsc ? "rdtsc (invariant TSC, calibrated against CLOCK_MONOTONIC)"
                       : "clock_gettime(CLOCK_MONOTONIC)";
}

double blanc_clock_ns(const blanc_clock *c, uint64_t ticks) { return (double)ticks / c->ticks_per_ns; }
