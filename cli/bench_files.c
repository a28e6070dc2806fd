/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* bench.jsonl and thresholds reading for blanc bench compare (bench_files.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "bench_files.h"

const char *const bench_metric[NMETRIC] = {"ns_per_msg", "p50", "p95", "p99", "p99.9"};
const char *const bench_pct[BENCH_NPCT] = {"min", "p50", "p90", "p95", "p99", "p99.9", "p99.99", "max"};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The profiles of bench/thresholds.json, built in so that an installed blanc
 * needs no source tree (tests/compare_test.py checks the two are equal). */
static const struct {
    const char *name;
    double ratio[NMETRIC]; /* in bench_metric order */
} builtin_profiles[] = {
    {"strict", {1.05, 1.05, 1.05, 1.05, 1.10}},
    {"standard", {1.10, 1.10, 1.10, 1.10, 1.20}},
    {"lenient", {1.20, 1.20, 1.20, 1.20, 1.40}},
};
#define NBUILTIN (sizeof builtin_profiles / sizeof builtin_profiles[0])

const char *bench_default_thresholds(void)
{
    const char *e = getenv("BLANC_THRESHOLDS");
    return e && *e ? e : NULL;
}

/* The shortest of %.15g / %.17g that reads back as the same double. */
static void put_ratio(FILE *f, double v)
{
    char b[32];
    snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v)
        snprintf(b, sizeof b, "%.17g", v);
    fputs(b, f);
}

void bench_print_profiles(FILE *f)
{
    fputs("{\"profiles\":{", f);
    for (size_t i = 0; i < NBUILTIN; i++) {
        fprintf(f, "%s\"%s\":{", i ? "," : "", builtin_profiles[i].name);
        for (int k = 0; k < NMETRIC; k++) {
            fprintf(f, "%s\"%s\":", k ? "," : "", bench_metric[k]);
            put_ratio(f, builtin_profiles[i].ratio[k]);
        }
        fputc('}', f);
    }
    fputs("}}\n", f);
}

typedef int (*line_fn)(void *ctx, const char *line, unsigned lineno);

/* fn(ctx, line, number) for each non-blank line of path, until one returns
 * nonzero (returned). Lines of any length: a bench of many runs, with its
 * histogram, is one long line. -1 with err if path cannot be read. */
static int each_line(const char *path, line_fn fn, void *ctx, char *errbuf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, cap, "%s: cannot open", path);
        return -1;
    }
    char *line = NULL;
    size_t lcap = 0;
    unsigned lineno = 0;
    int rc = 0;
    while (!rc && getline(&line, &lcap, f) >= 0) {
        lineno++;
        if (strspn(line, " \t\r\n") != strlen(line))
            rc = fn(ctx, line, lineno);
    }
    free(line);
    fclose(f);
    return rc;
}

typedef struct last_line {
    char *text;
    unsigned lineno;
    char *errbuf;
    size_t errcap;
} last_line;

static int keep_last(void *ctx, const char *line, unsigned lineno)
{
    last_line *l = ctx;
    free(l->text);
    l->lineno = lineno;
    if (!(l->text = strdup(line))) {
        snprintf(l->errbuf, l->errcap, "out of memory");
        return -1;
    }
    return 0;
}

static double mad_of(const double *v, size_t n, double med)
{
    double d[1024];
    n = n < 1024 ? n : 1024;
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(v[i] - med);
    return n ? bench_median(d, n) : 0;
}

/* Median and MAD of one per-run series: throughput.ns_per_msg, or a key of
 * each runs_latency_ns entry. */
static int series(json_t *arr, const char *key, double *med, double *mad)
{
    double v[1024];
    size_t n = 0, i;
    json_t *x;
    json_array_foreach(arr, i, x) {
        json_t *e = key ? json_object_get(x, key) : x;
        if (n < 1024 && json_is_number(e))
            v[n++] = json_number_value(e);
    }
    if (!n)
        return -1;
    double s[1024];
    memcpy(s, v, n * sizeof *v);
    *med = bench_median(s, n);
    *mad = mad_of(v, n, *med);
    return 0;
}

int bench_load_side(const char *path, bench_side *s, char *errbuf, size_t cap)
{
    last_line last = {NULL, 0, errbuf, cap};
    if (each_line(path, keep_last, &last, errbuf, cap)) {
        free(last.text);
        return -1;
    }
    unsigned lastno = last.lineno;
    json_error_t err;
    json_t *o = last.text ? json_loads(last.text, 0, &err) : NULL;
    free(last.text);
    if (!o) {
        snprintf(errbuf, cap, "%s:%u: %s", path, lastno, lastno ? err.text : "no bench object");
        return -1;
    }
    memset(s, 0, sizeof *s);
    const char *schema = json_string_value(json_object_get(o, "schema"));
    const char *mode = json_string_value(json_object_get(o, "mode"));
    const char *digest = json_string_value(json_object_get(o, "input_digest"));
    json_t *tp = json_object_get(json_object_get(o, "throughput"), "ns_per_msg");
    int rc = 0;
    if (!schema || strcmp(schema, "blanc.bench/1") || !mode || !digest ||
        series(tp, NULL, &s->v[0], &s->noise[0])) {
        snprintf(errbuf, cap, "%s:%u: not a blanc.bench/1 object (schema, mode, input_digest, throughput)",
                  path, lastno);
        rc = -1;
    } else {
        snprintf(s->mode, sizeof s->mode, "%s", mode);
        snprintf(s->digest, sizeof s->digest, "%s", digest);
        s->have[0] = 1;
        json_t *lat = json_object_get(o, "latency_ns"), *runs = json_object_get(o, "runs_latency_ns");
        for (int k = 1; k < NMETRIC && lat; k++) {
            json_t *x = json_object_get(lat, bench_metric[k]);
            if (!json_is_integer(x))
                continue;
            s->have[k] = 1;
            s->v[k] = (double)json_integer_value(x);
            double med;
            if (series(runs, bench_metric[k], &med, &s->noise[k]))
                s->noise[k] = NAN; /* no per-run figure (p95) */
        }
    }
    json_decref(o);
    return rc;
}

int bench_judge(const bench_side *base, const bench_side *cur, const double ratio[NMETRIC], int k,
                bench_delta *d)
{
    if (!base->have[k] || !cur->have[k])
        return -1;
    d->base = base->v[k];
    d->cur = cur->v[k];
    d->delta = d->cur - d->base;
    d->pct = d->base > 0 ? d->delta / d->base * 100 : 0;
    d->bad = d->cur > d->base * ratio[k];
    d->verdict = d->bad ? "regression" : d->delta < 0 ? "better" : "pass";
    return 0;
}

static int builtin_profile(const char *profile, double ratio[NMETRIC])
{
    for (size_t i = 0; i < NBUILTIN; i++)
        if (!strcmp(builtin_profiles[i].name, profile)) {
            memcpy(ratio, builtin_profiles[i].ratio, sizeof builtin_profiles[i].ratio);
            return 0;
        }
    return -1;
}

int bench_load_profile(const char *path, const char *profile, double ratio[NMETRIC], char *errbuf,
                       size_t cap)
{
    if (!path) {
        if (!builtin_profile(profile, ratio))
            return 0;
        snprintf(errbuf, cap, "no profile '%s' (built in: strict, standard, lenient)", profile);
        return -1;
    }
    json_error_t err;
    json_t *o = json_load_file(path, 0, &err);
    if (!o) {
        snprintf(errbuf, cap, "%s:%d: %s", path, err.line, err.text);
        return -1;
    }
    json_t *profiles = json_object_get(o, "profiles");
    json_t *p = json_object_get(profiles, profile);
    int rc = 0;
    if (profiles && !json_is_object(profiles)) {
        snprintf(errbuf, cap, "%s: \"profiles\" is not an object", path);
        rc = -1;
    } else if (!p) { /* the file overrides or adds profiles; the others stay built in */
        if (builtin_profile(profile, ratio)) {
            snprintf(errbuf, cap, "%s: no profile '%s' (nor built in)", path, profile);
            rc = -1;
        }
        json_decref(o);
        return rc;
    }
    for (int k = 0; k < NMETRIC && !rc; k++) {
        json_t *x = json_object_get(p, bench_metric[k]);
        if (!json_is_number(x) || json_number_value(x) < 1.0) {
            snprintf(errbuf, cap, "%s: profile '%s' needs %s as a ratio >= 1", path, profile, bench_metric[k]);
            rc = -1;
        } else {
            ratio[k] = json_number_value(x);
        }
    }
    json_decref(o);
    return rc;
}

/* "YYYY-MM-DDTHH:MM:SSZ" -> seconds since the epoch (UTC), or -1. */
static long long utc_seconds(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                     &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm);
}

static double num(json_t *o, const char *key)
{
    json_t *x = json_object_get(o, key);
    return json_is_number(x) ? json_number_value(x) : 0;
}

static void str_of(json_t *o, const char *key, char *dst, size_t cap)
{
    const char *v = json_string_value(json_object_get(o, key));
    snprintf(dst, cap, "%s", v ? v : "");
}

static void lat_of(json_t *o, char type, bench_lat *l)
{
    l->type = type;
    l->count = num(o, "count");
    json_t *valid = json_object_get(o, "valid");
    for (int k = 0; k < BENCH_NPCT; k++) {
        l->v[k] = num(o, bench_pct[k]);
        /* An old bench without "valid" had every percentile it printed. */
        json_t *ok = json_object_get(valid, bench_pct[k]);
        l->valid[k] = json_is_number(json_object_get(o, bench_pct[k])) && (!ok || json_is_true(ok));
    }
}

/* What only the report shows: the machine, the build, the input, the clock,
 * the latency per message type and per run. */
static int report_fields(json_t *o, bench_entry *e)
{
    json_t *host = json_object_get(o, "host"), *build = json_object_get(o, "build");
    json_t *clock = json_object_get(o, "clock"), *tp = json_object_get(o, "throughput");
    str_of(o, "file", e->path, sizeof e->path);
    str_of(o, "input_digest", e->digest, sizeof e->digest);
    str_of(build, "version", e->version, sizeof e->version);
    str_of(build, "build_type", e->build_type, sizeof e->build_type);
    str_of(build, "compiler", e->compiler, sizeof e->compiler);
    str_of(build, "cflags", e->cflags, sizeof e->cflags);
    str_of(host, "cpu_model", e->cpu_model, sizeof e->cpu_model);
    str_of(host, "caches", e->caches, sizeof e->caches);
    str_of(host, "governor", e->governor, sizeof e->governor);
    str_of(host, "kernel", e->kernel, sizeof e->kernel);
    str_of(clock, "source", e->clock, sizeof e->clock);
    e->bytes = num(o, "bytes");
    e->messages = num(o, "messages");
    e->warmup = num(o, "warmup");
    e->pinned = json_is_integer(json_object_get(o, "cpu"));
    e->cpu = num(o, "cpu");
    e->mad = num(tp, "mad_ns_per_msg");
    e->msgs_per_s = num(tp, "median_msgs_per_s");
    e->p99_spread = num(o, "p99_spread_pct");
    e->mhz = num(host, "cpu_mhz");
    e->mem = num(host, "mem_bytes");
    e->lcpus = num(host, "logical_cpus");
    e->cores = num(host, "physical_cores");
    e->tsc = json_is_true(json_object_get(clock, "tsc"));
    e->overhead_subtracted = json_is_true(json_object_get(clock, "overhead_subtracted"));
    e->clock_overhead = num(clock, "overhead_ns");
    lat_of(json_object_get(o, "latency_ns"), 0, &e->lat);
    const char *type;
    json_t *x;
    json_object_foreach(json_object_get(o, "latency_by_type_ns"), type, x) {
        if (e->ntypes < BENCH_NTYPES && json_is_object(x))
            lat_of(x, type[0], &e->by_type[e->ntypes++]);
    }
    json_t *rl = json_object_get(o, "runs_latency_ns");
    if (!(e->run_lat = calloc(json_array_size(rl) + 1, sizeof *e->run_lat)))
        return -1;
    size_t i;
    json_array_foreach(rl, i, x) {
        e->run_lat[e->nrun_lat][0] = num(x, "p50");
        e->run_lat[e->nrun_lat][1] = num(x, "p99");
        e->run_lat[e->nrun_lat++][2] = num(x, "p99.9");
    }
    return 0;
}

static int entry_of(json_t *o, bench_entry *e)
{
    memset(e, 0, sizeof *e);
    const char *time = json_string_value(json_object_get(o, "time"));
    const char *mode = json_string_value(json_object_get(o, "mode"));
    const char *schema = json_string_value(json_object_get(o, "schema"));
    if (!schema || strcmp(schema, "blanc.bench/1") || !mode || (e->t = utc_seconds(time)) < 0)
        return -1;
    snprintf(e->time, sizeof e->time, "%s", time);
    snprintf(e->mode, sizeof e->mode, "%s", mode);
    const char *sha = json_string_value(json_object_get(json_object_get(o, "build"), "git_sha"));
    snprintf(e->sha, sizeof e->sha, "%s", sha ? sha : "?");
    const char *file = json_string_value(json_object_get(o, "file"));
    const char *base = file ? strrchr(file, '/') : NULL;
    snprintf(e->file, sizeof e->file, "%s", base ? base + 1 : file ? file : "?");
    json_t *tp = json_object_get(o, "throughput");
    e->ns = num(tp, "median_ns_per_msg");
    json_t *runs = json_object_get(tp, "ns_per_msg"), *h = json_object_get(o, "latency_hist_ns");
    e->runs = calloc(json_array_size(runs) + 1, sizeof *e->runs);
    e->hist = calloc(json_array_size(h) + 1, sizeof *e->hist);
    if (!e->runs || !e->hist)
        return -1;
    size_t i;
    json_t *x;
    json_array_foreach(runs, i, x) if (json_is_number(x)) e->runs[e->nruns++] = json_number_value(x);
    json_array_foreach(h, i, x) {
        if (json_array_size(x) == 2) {
            e->hist[e->nhist][0] = json_number_value(json_array_get(x, 0));
            e->hist[e->nhist++][1] = json_number_value(json_array_get(x, 1));
        }
    }
    return report_fields(o, e);
}

static int by_time(const void *a, const void *b)
{
    const bench_entry *x = a, *y = b;
    return (x->t > y->t) - (x->t < y->t);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_arrays(bench_entry *e)
{
    free(e->runs);
    free(e->hist);
    free(e->run_lat);
}

void bench_free_history(bench_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free_arrays(&e[i]);
    free(e);
}

typedef struct history {
    bench_entry *e;
    size_t n, cap;
    char path[4096];
    char *errbuf;
    size_t errcap;
} history;

static int add_entry(void *ctx, const char *line, unsigned lineno)
{
    history *h = ctx;
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 64;
        bench_entry *ng = realloc(h->e, nc * sizeof *ng);
        if (!ng) {
            snprintf(h->errbuf, h->errcap, "out of memory");
            return -1;
        }
        h->e = ng;
        h->cap = nc;
    }
    json_error_t jerr;
    json_t *o = json_loads(line, 0, &jerr);
    int rc = !o || entry_of(o, &h->e[h->n]);
    json_decref(o);
    if (rc) {
        snprintf(h->errbuf, h->errcap, "%s:%u: not a blanc.bench/1 object", h->path, lineno);
        free_arrays(&h->e[h->n]);
        return -1;
    }
    h->n++;
    return 0;
}

int bench_load_history(const char *dir, bench_entry **out, size_t *n, char *errbuf, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(errbuf, cap, "%s: cannot open the history directory", dir);
        return -1;
    }
    char *names[4096];
    size_t nn = 0;
    struct dirent *de;
    while ((de = readdir(d)) && nn < 4096) {
        size_t l = strlen(de->d_name);
        if (l > 6 && !strcmp(de->d_name + l - 6, ".jsonl"))
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], by_name);
    history h = {NULL, 0, 0, "", errbuf, cap};
    int rc = 0;
    for (size_t k = 0; k < nn; k++) {
        snprintf(h.path, sizeof h.path, "%s/%s", dir, names[k]);
        if (!rc)
            rc = each_line(h.path, add_entry, &h, errbuf, cap);
        free(names[k]);
    }
    bench_entry *e = h.e;
    size_t ne = h.n;
    if (rc) {
        bench_free_history(e, ne);
        return -1;
    }
    if (e)
        qsort(e, ne, sizeof *e, by_time);
    *out = e;
    *n = ne;
    return 0;
}

int bench_load_files(char *const *paths, size_t npaths, bench_entry **out, size_t *n, char *errbuf,
                     size_t cap)
{
    history h = {NULL, 0, 0, "", errbuf, cap};
    int rc = 0;
    for (size_t k = 0; k < npaths && !rc; k++) {
        snprintf(h.path, sizeof h.path, "%s", paths[k]);
        size_t before = h.n;
        if (!(rc = each_line(h.path, add_entry, &h, errbuf, cap)) && h.n == before) {
            snprintf(errbuf, cap, "%s: no bench in it (blanc bench FILE --jsonl %s writes one)",
                     paths[k], paths[k]);
            rc = -1;
        }
    }
    if (rc) {
        bench_free_history(h.e, h.n);
        return -1;
    }
    *out = h.e;
    *n = h.n;
    return 0;
}
