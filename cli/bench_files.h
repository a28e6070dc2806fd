/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reading bench.jsonl objects and the thresholds file for blanc bench compare
 * (jansson is included here only; the CLI writes JSON with its own jw_* writer, cli/json.h). */
#ifndef BLANC_CLI_BENCH_FILES_H
#define BLANC_CLI_BENCH_FILES_H

#include <stddef.h>
#include <stdio.h>

#define NMETRIC 5
extern const char *const bench_metric[NMETRIC]; /* "ns_per_msg" "p50" "p95" "p99" "p99.9" */

typedef struct bench_side {
    double v[NMETRIC], noise[NMETRIC]; /* noise: MAD over runs, NAN if no per-run figure */
    int have[NMETRIC];
    char mode[16], digest[24];
} bench_side;

/* The median of v[0..n) (n >= 1; sorts v). */
double bench_median(double *v, size_t n);
/* --thresholds when not given: $BLANC_THRESHOLDS, else NULL (the built-in
 * profiles, equal to bench/thresholds.json). */
const char *bench_default_thresholds(void);
/* The built-in profiles as JSON, in the shape of bench/thresholds.json. */
void bench_print_profiles(FILE *f);

/* The last object of a bench.jsonl. 0, or -1 with err filled ("file:line: why"). */
int bench_load_side(const char *path, bench_side *s, char *err, size_t cap);
/* A profile's allowed ratios: from the file at path if it has that profile,
 * else built in (path NULL: built in only). 0, or -1 with err filled. */
int bench_load_profile(const char *path, const char *profile, double ratio[NMETRIC], char *err,
                       size_t cap);

/* Metric k of cur against base under the allowed ratio: higher is worse for
 * every metric (ns); at the limit is a pass. 0 filled, or -1: a side lacks k. */
typedef struct bench_delta {
    double base, cur, delta, pct;
    int bad;
    const char *verdict; /* "regression", "better" or "pass" */
} bench_delta;
int bench_judge(const bench_side *base, const bench_side *cur, const double ratio[NMETRIC], int k,
                bench_delta *d);

/* Latency percentiles as bench.jsonl has them ("min" "p50" "p90" "p95" "p99"
 * "p99.9" "p99.99" "max"), with valid[] false where the runs had too few
 * samples for that percentile. */
#define BENCH_NPCT 8
extern const char *const bench_pct[BENCH_NPCT];
typedef struct bench_lat {
    char type;   /* message type letter, 0 for all types */
    double count;
    double v[BENCH_NPCT];
    int valid[BENCH_NPCT];
} bench_lat;

/* One bench of a history (docs/TELEMETRY.md, "History and drift"), or of a
 * report (blanc bench report): what blanc.bench/1 says, absent fields empty. */
#define BENCH_NTYPES 8
typedef struct bench_entry {
    long long t;          /* seconds since the epoch, from "time" */
    char time[24], sha[48], mode[16], file[64];
    double ns;            /* median ns/msg (0: absent); the percentiles are in lat */
    double *runs;         /* per-run ns/msg */
    size_t nruns;
    double (*hist)[2];    /* [upper bound ns, count] */
    size_t nhist;
    /* The rest is read for the report only. */
    char path[256], digest[24], version[32], build_type[32], compiler[64], cflags[256];
    char cpu_model[128], caches[128], governor[64], kernel[128], clock[96];
    double bytes, messages, warmup, cpu, mad, msgs_per_s, p99_spread, mhz, mem, lcpus, cores;
    int pinned, tsc, overhead_subtracted;
    double clock_overhead;
    bench_lat lat;                 /* all types */
    bench_lat by_type[BENCH_NTYPES];
    size_t ntypes;
    double (*run_lat)[3];          /* per run: p50, p99, p99.9 */
    size_t nrun_lat;
} bench_entry;

/* Every bench of every *.jsonl file under dir, sorted by time. 0, or -1 with err. */
int bench_load_history(const char *dir, bench_entry **out, size_t *n, char *err, size_t cap);
void bench_free_history(bench_entry *e, size_t n);
/* Every bench of the files, in the order given and as written in each. 0, or -1 with err. */
int bench_load_files(char *const *paths, size_t npaths, bench_entry **out, size_t *n, char *err,
                     size_t cap);

#endif
