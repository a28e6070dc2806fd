/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc bench: replay an in-memory input many times and measure it
 * (docs/TELEMETRY.md). Throughput comes from plain passes with nothing
 * attached; latency from separate timed passes where an observer of the replay reads
 * the clock around each message, so the timing cost never inflates the
 * throughput figures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "bench/hist.h"
#include "blanc.h"
#include "replay/view.h"

static const double pct[BLANC_BENCH_NPCT] = {0, 50, 90, 95, 99, 99.9, 99.99, 100};
static const char *const pct_name[BLANC_BENCH_NPCT] = {"min", "p50", "p90", "p95",
                                                       "p99", "p99.9", "p99.99", "max"};
static const char types[BLANC_BENCH_NTYPES] = {'A', 'F', 'E', 'C', 'X', 'D', 'U'};

const char *blanc_bench_pct_name(int k) { return pct_name[k]; }
double blanc_bench_pct_value(int k) { return pct[k]; }
char blanc_bench_type(int k) { return types[k]; }

enum { HIST_BITS = 7 };
#define HIST_MAX (UINT64_C(1) << 36) /* ~69 s: anything longer is overflow */

typedef struct timer {
    blanc_clock clock;
    uint64_t t0;
    uint64_t overhead, sum;
    blanc_hist all, run, type[BLANC_BENCH_NTYPES];
    int8_t type_of[256];
} timer;

static int before(void *ctx, const blanc_event *ev, uint64_t index)
{
    (void)ev;
    (void)index;
    timer *t = ctx;
    t->t0 = blanc_clock_now(&t->clock);
    return 0;
}

static int after(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *chg)
{
    (void)index;
    timer *t = ctx;
    uint64_t d = blanc_clock_now(&t->clock) - t->t0;
    if (chg->rc != BLANC_APPLIED)
        return 0;
    d = d > t->overhead ? d - t->overhead : 0;
    uint64_t ns = (uint64_t)blanc_clock_ns(&t->clock, d);
    blanc_hist_record(&t->run, ns);
    t->sum += ns;
    int k = t->type_of[(uint8_t)ev->type];
    if (k >= 0)
        blanc_hist_record(&t->type[k], ns);
    return 0;
}

static void summarize(const blanc_hist *h, blanc_latency *l)
{
    l->count = blanc_hist_count(h);
    for (int k = 0; k < BLANC_BENCH_NPCT; k++) {
        l->ns[k] = blanc_hist_percentile(h, pct[k]);
        /* min and max are exact; a percentile needs samples beyond it */
        l->valid[k] = l->count && (k == 0 || k == BLANC_BENCH_NPCT - 1 ||
                                   blanc_hist_percentile_valid(h, pct[k], BLANC_BENCH_MIN_TAIL));
    }
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(const double *v, unsigned n)
{
    double *s = malloc(n * sizeof *s);
    if (!s)
        return 0;
    memcpy(s, v, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_d);
    double m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return m;
}

/* Median absolute deviation: a noise estimate that one outlier cannot move. */
static double mad(const double *v, unsigned n, double med)
{
    double *d = malloc(n * sizeof *d);
    if (!d)
        return 0;
    for (unsigned i = 0; i < n; i++)
        d[i] = v[i] > med ? v[i] - med : med - v[i];
    double m = median(d, n);
    free(d);
    return m;
}

/* One replay from memory: 0 with its seconds and messages, or the error with
 * why[cap] saying what and where, in the words blanc replay uses. */
static int pass(const uint8_t *data, size_t len, int no_book, timer *t, double *secs,
                uint64_t *msgs, char *why, size_t cap)
{
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    o.no_book = no_book;
    blanc_replay *r = NULL;
    blanc_source *src = NULL;
    blanc_feed *f = NULL;
    int rc = blanc_replay_create(&r, &o);
    if (!rc)
        rc = blanc_source_open_mem(&src, data, len);
    /* By content, as blanc replay reads it: the same inputs are accepted and
     * the same refused, in the same words. */
    blanc_feed_options fo = {0};
    fo.framing = BLANC_FRAMING_AUTO;
    if (!rc)
        rc = blanc_feed_open(&f, src, &fo, why, cap);
    if (!rc && t) {
        /* RC_ONLY: the change record is not computed, so what is timed is the
         * apply of a plain replay. */
        blanc_observer ob = {.ctx = t, .before = before, .on_message = after,
                             .flags = BLANC_OBSERVE_RC_ONLY};
        if ((rc = blanc_replay_add_observer(r, &ob)) >= 0)
            rc = 0;
    }
    if (!rc) {
        /* Wall time of the pass: a plain clock, no calibration needed. */
        static const blanc_clock mono = {0, 1.0, 0, ""};
        uint64_t a = blanc_clock_now(&mono);
        rc = blanc_replay_run(r, f);
        uint64_t b = blanc_clock_now(&mono);
        *secs = (double)(b - a) / 1e9;
        *msgs = blanc__replay_stats(r)->messages;
        if (rc > 0)
            rc = 0;
        if (rc)
            blanc_replay_where(r, f, why, cap);
    }
    blanc_feed_free(f);
    blanc_source_close(src);
    blanc_replay_free(r);
    return rc;
}

static int timer_init(timer *t, int no_tsc)
{
    memset(t, 0, sizeof *t);
    blanc_clock_init(&t->clock, !no_tsc);
    t->overhead = t->clock.overhead_ticks;
    memset(t->type_of, -1, sizeof t->type_of);
    for (int k = 0; k < BLANC_BENCH_NTYPES; k++)
        t->type_of[(uint8_t)types[k]] = (int8_t)k;
    int rc = blanc_hist_init(&t->all, HIST_MAX, HIST_BITS) | blanc_hist_init(&t->run, HIST_MAX, HIST_BITS);
    for (int k = 0; k < BLANC_BENCH_NTYPES; k++)
        rc |= blanc_hist_init(&t->type[k], HIST_MAX, HIST_BITS);
    return rc ? BLANC_ENOMEM : 0;
}

static void timer_free(timer *t)
{
    blanc_hist_free(&t->all);
    blanc_hist_free(&t->run);
    for (int k = 0; k < BLANC_BENCH_NTYPES; k++)
        blanc_hist_free(&t->type[k]);
}

static int export_buckets(const blanc_hist *h, blanc_bench_result *res)
{
    size_t n = 0;
    for (size_t i = 0; i < blanc_hist_buckets(h); i++)
        n += h->counts[i] != 0;
    res->bucket_hi = calloc(n + 1, sizeof *res->bucket_hi);
    res->bucket_count = calloc(n + 1, sizeof *res->bucket_count);
    if (!res->bucket_hi || !res->bucket_count)
        return BLANC_ENOMEM;
    for (size_t i = 0, j = 0; i < blanc_hist_buckets(h); i++) {
        uint64_t lo, hi, c;
        blanc_hist_bucket(h, i, &lo, &hi, &c);
        if (c) {
            res->bucket_hi[j] = hi;
            res->bucket_count[j++] = c;
        }
    }
    res->n_buckets = n;
    return 0;
}

int blanc_bench_run(const uint8_t *data, size_t len, const blanc_bench_options *o,
                    blanc_bench_result *res)
{
    memset(res, 0, sizeof *res);
    if ((!data && len) || !o || o->runs < 1 || o->runs > 100000)
        return BLANC_EINVAL;
    if (!len) /* nothing to time: not "no ITCH", an input that holds nothing */
        return BLANC_EEMPTY;
    timer *t = malloc(sizeof *t);
    if (!t || timer_init(t, o->no_tsc)) {
        if (t)
            timer_free(t);
        free(t);
        return BLANC_ENOMEM;
    }
    res->clock = t->clock;
    res->overhead_ns = blanc_clock_ns(&t->clock, t->overhead);
    res->runs = o->runs;
    res->bytes = len;
    res->input_digest = XXH3_64bits(data, len);
    res->ns_per_msg = calloc(o->runs, sizeof *res->ns_per_msg);
    res->per_run = calloc(o->runs, sizeof *res->per_run);
    int rc = res->ns_per_msg && res->per_run ? 0 : BLANC_ENOMEM;
    double *p99 = calloc(o->runs, sizeof *p99);
    if (!p99)
        rc = BLANC_ENOMEM;
    for (unsigned i = 0; !rc && i < o->warmup + o->runs; i++) {
        if (o->progress)
            o->progress(o->progress_ctx, i + 1, o->warmup + o->runs, i < o->warmup);
        uint64_t msgs = 0;
        double s = 0;
        if ((rc = pass(data, len, o->no_book, NULL, &s, &msgs, res->why, sizeof res->why)))
            break;
        if (!msgs) {
            rc = BLANC_ENOTITCH;
            snprintf(res->why, sizeof res->why, "no message in its %zu bytes", len);
            break;
        }
        res->messages = msgs;
        if (i < o->warmup)
            continue;
        unsigned k = i - o->warmup;
        res->ns_per_msg[k] = s * 1e9 / (double)msgs;
        if (o->no_book)
            continue;
        blanc_hist_reset(&t->run);
        if ((rc = pass(data, len, 0, t, &s, &msgs, res->why, sizeof res->why)))
            break;
        summarize(&t->run, &res->per_run[k]);
        p99[k] = (double)res->per_run[k].ns[4];
        blanc_hist_merge(&t->all, &t->run);
    }
    if (!rc) {
        res->median_ns_per_msg = median(res->ns_per_msg, o->runs);
        res->mad_ns_per_msg = mad(res->ns_per_msg, o->runs, res->median_ns_per_msg);
        res->median_msgs_per_s = res->median_ns_per_msg > 0 ? 1e9 / res->median_ns_per_msg : 0;
        summarize(&t->all, &res->latency);
        res->latency_sum_ns = t->sum;
        for (int k = 0; k < BLANC_BENCH_NTYPES; k++)
            summarize(&t->type[k], &res->by_type[k]);
        if (!o->no_book) {
            double lo = p99[0], hi = p99[0], med = median(p99, o->runs);
            for (unsigned k = 1; k < o->runs; k++) {
                lo = p99[k] < lo ? p99[k] : lo;
                hi = p99[k] > hi ? p99[k] : hi;
            }
            res->p99_spread_pct = med > 0 ? (hi - lo) / med * 100 : 0;
            rc = export_buckets(&t->all, res);
        }
    }
    free(p99);
    timer_free(t);
    free(t);
    if (rc)
        blanc_bench_result_free(res);
    return rc;
}

void blanc_bench_result_free(blanc_bench_result *res)
{
    free(res->ns_per_msg);
    free(res->per_run);
    free(res->bucket_hi);
    free(res->bucket_count);
    res->ns_per_msg = NULL;
    res->per_run = NULL;
    res->bucket_hi = res->bucket_count = NULL;
}
