/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * What health tracking costs over a plain replay (docs/PERFORMANCE.md).
 *   build/health_bench FILE [ROUNDS]
 * Loads FILE (plain, .gz or .zst) into memory once, then replays it from
 * memory ROUNDS times (default 9) without and with a health tracker, in
 * alternating order (ABBA) so drift of a noisy machine hits both alike.
 * Prints the median ns/msg of each and the median of the per-round ratios.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blanc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One replay from memory; returns ns per message, or a negative value. */
static double once(const uint8_t *buf, size_t len, int health, uint64_t *gated)
{
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    blanc_replay *r;
    blanc_replay_create(&r, &o);
    blanc_source *src;
    blanc_health *h = NULL;
    blanc_health_config c;
    blanc_health_config_default(&c);
    if (!r || blanc_source_open_mem(&src, buf, len) || (health && blanc_health_create(&h, &c)))
        return -1;
    if (h)
        blanc_replay_set_health(r, h);
    double t0 = now();
    blanc_feed *f;
    if (blanc_feed_open(&f, src, NULL, NULL, 0))
        return -1;
    int rc = blanc_replay_run(r, f);
    double t1 = now();
    blanc_feed_free(f);
    blanc_replay_stats rs;
    blanc_replay_get_stats(r, &rs);
    uint64_t msgs = rs.messages;
    if (h) {
        blanc_health_stats st;
        blanc_health_get_stats(h, &st);
        *gated = st.gated;
    }
    blanc_health_free(h);
    blanc_source_close(src);
    blanc_replay_free(r);
    return rc < 0 || !msgs ? -1 : (t1 - t0) * 1e9 / (double)msgs;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: health_bench FILE [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (rounds < 1 || rounds > 1000)
        rounds = 9;
    uint8_t *buf;
    size_t len;
    int rc = blanc_load_file(argv[1], &buf, &len, NULL);
    if (rc) {
        fprintf(stderr, "%s: %s\n", argv[1], blanc_strerror(rc));
        return 2;
    }
    double *plain = calloc((size_t)rounds, sizeof(double)),
           *health = calloc((size_t)rounds, sizeof(double)),
           *ratio = calloc((size_t)rounds, sizeof(double));
    uint64_t gated = 0;
    once(buf, len, 0, &gated); /* warm the page cache and the allocator */
    for (int i = 0; i < rounds; i++) {
        int first = i % 2; /* ABBA: alternate which goes first */
        double a = 0, b = 0;
        for (int k = 0; k < 2; k++) {
            int with = k ^ first;
            double v = once(buf, len, with, &gated);
            if (v < 0) {
                fprintf(stderr, "replay failed\n");
                return 2;
            }
            *(with ? &b : &a) = v;
        }
        plain[i] = a;
        health[i] = b;
        ratio[i] = b / a;
    }
    printf("file %s, %zu bytes, %d rounds\n", argv[1], len, rounds);
    printf("plain   median %.1f ns/msg\n", median(plain, rounds));
    printf("health  median %.1f ns/msg (%llu messages gated)\n", median(health, rounds),
           (unsigned long long)gated);
    printf("overhead median of per-round ratios: %+.1f%%\n", (median(ratio, rounds) - 1) * 100);
    free(plain);
    free(health);
    free(ratio);
    free(buf);
    return 0;
}
