/* bench.jsonl and thresholds reading for blanc bench compare (bench_files.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bench_files.h"

const char *const bench_metric[NMETRIC] = {"ns_per_msg", "p50", "p95", "p99", "p99.9"};

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double mad_of(const double *v, size_t n, double med)
{
    double d[1024];
    n = n < 1024 ? n : 1024;
    for (size_t i = 0; i < n; i++)
        d[i] = fabs(v[i] - med);
    return n ? median_of(d, n) : 0;
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
    *med = median_of(s, n);
    *mad = mad_of(v, n, *med);
    return 0;
}

int bench_load_side(const char *path, bench_side *s, char *errbuf, size_t cap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(errbuf, cap, "%s: cannot open", path);
        return -1;
    }
    char line[1 << 16], last[1 << 16] = "";
    unsigned lineno = 0, lastno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (strspn(line, " \t\r\n") != strlen(line)) {
            strcpy(last, line);
            lastno = lineno;
        }
    }
    fclose(f);
    json_error_t err;
    json_t *o = lastno ? json_loads(last, 0, &err) : NULL;
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

int bench_load_profile(const char *path, const char *profile, double ratio[NMETRIC], char *errbuf,
                       size_t cap)
{
    json_error_t err;
    json_t *o = json_load_file(path, 0, &err);
    if (!o) {
        snprintf(errbuf, cap, "%s:%d: %s", path, err.line, err.text);
        return -1;
    }
    json_t *p = json_object_get(json_object_get(o, "profiles"), profile);
    int rc = 0;
    if (!p) {
        snprintf(errbuf, cap, "%s: no profile '%s'", path, profile);
        rc = -1;
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

