/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc bench drift --history DIR [--days N]: trends over a history of
 * benches (docs/TELEMETRY.md): per metric the slope, the worst day and the
 * current value against a rolling baseline, as markdown and as one
 * self-contained HTML file with SVG plots (no script, no network).
 * Exit 0, 1 when a current value is past the standard profile's ratio of
 * its baseline (an alert), 2 on error.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_files.h"
#include "cli.h"
#include "svg.h"

static const char usage_text[] =
    "usage: blanc bench drift --history DIR [options]\n"
    "\n"
    "Trends of the benches in DIR/*.jsonl (each line a blanc.bench/1 object).\n"
    "\n"
    "options:\n"
    "  --history DIR     the history directory (required)\n"
    "  --days N          only the last N days before the newest bench (default 30)\n"
    "  --mode M          book (default) or decode\n"
    "  --markdown F      write the summary there (default: stdout)\n"
    "  --html F          write the HTML report with plots\n"
    "  --thresholds F    profiles file overriding the built-in ones for the alert\n"
    "                    (default: $BLANC_THRESHOLDS if set)\n"
    "  -h, --help        this text\n"
    "\n"
    "exit codes: 0 ok, 1 a metric drifted past the standard profile, 2 error\n";

#define NM 4
static const char *const mname[NM] = {"ns_per_msg", "p50", "p99", "p99.9"};
static const int mratio[NM] = {0, 1, 3, 4}; /* index into bench_metric / the profile */

static double mval(const bench_entry *e, int m)
{
    static const int pct[NM] = {0, 1, 4, 5}; /* p50, p99, p99.9 in bench_pct */
    return m == 0 ? e->ns : e->lat.v[pct[m]];
}

typedef struct trend {
    int have;
    double slope, slope_pct, worst, current, baseline, delta_pct;
    const char *worst_time;
    int alert;
} trend;

static trend trend_of(const bench_entry *e, size_t n, int m, double ratio)
{
    trend t;
    memset(&t, 0, sizeof t);
    double sx = 0, sy = 0, sxx = 0, sxy = 0, mean = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        double y = mval(&e[i], m);
        if (y <= 0)
            continue;
        double x = (double)(e[i].t - e[0].t) / 86400.0;
        sx += x, sy += y, sxx += x * x, sxy += x * y, k++;
        if (y > t.worst) {
            t.worst = y;
            t.worst_time = e[i].time;
        }
    }
    if (!k)
        return t;
    t.have = 1;
    mean = sy / (double)k;
    double den = (double)k * sxx - sx * sx;
    t.slope = den > 0 ? ((double)k * sxy - sx * sy) / den : 0;
    t.slope_pct = mean > 0 ? t.slope / mean * 100 : 0;
    t.current = mval(&e[n - 1], m);
    /* The rolling baseline: the median of up to 7 benches before the current one. */
    double prev[7];
    size_t np = 0;
    for (size_t i = n - 1; i-- > 0 && np < 7;)
        if (mval(&e[i], m) > 0)
            prev[np++] = mval(&e[i], m);
    if (np) {
        t.baseline = bench_median(prev, np);
        t.delta_pct = (t.current / t.baseline - 1) * 100;
        t.alert = t.current > t.baseline * ratio;
    }
    return t;
}

static void markdown(FILE *f, const bench_entry *e, size_t n, const trend *t, unsigned days)
{
    fprintf(f, "### blanc bench drift: %zu benches, %s .. %s (last %u days)\n\n", n, e[0].time,
            e[n - 1].time, days);
    fprintf(f, "| metric (ns) | current | rolling baseline | Δ %% | slope /day | worst (when) | alert |\n");
    fprintf(f, "|---|---:|---:|---:|---:|---|---|\n");
    for (int m = 0; m < NM; m++) {
        if (!t[m].have)
            continue;
        fprintf(f, "| %s | %.1f | ", mname[m], t[m].current);
        if (t[m].baseline > 0)
            fprintf(f, "%.1f | %+.1f %% | ", t[m].baseline, t[m].delta_pct);
        else
            fprintf(f, "n/a | n/a | ");
        fprintf(f, "%+.2f (%+.2f %%) | %.1f (%s) | %s |\n", t[m].slope, t[m].slope_pct, t[m].worst,
                t[m].worst_time, t[m].alert ? "**drift**" : "");
    }
    fprintf(f, "\nlatest: %s at %s (%s)\n", e[n - 1].file, e[n - 1].time, e[n - 1].sha);
}

/* ---- plots ---------------------------------------------------------------- */

static void percentiles_over_time(FILE *f, const bench_entry *e, size_t n)
{
    static const char *const color[3] = {"#1f77b4", "#ff7f0e", "#d62728"};
    double ymax = 0;
    for (size_t i = 0; i < n; i++)
        for (int m = 1; m < NM; m++)
            ymax = fmax(ymax, mval(&e[i], m));
    svg_plot p = {.x0 = 0, .x1 = (double)(n - 1), .y0 = 0, .y1 = ymax * 1.05};
    svg_open(&p, f, "Latency percentiles over time", "ns per message");
    for (int m = 1; m < NM; m++) {
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", color[m - 1]);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%.1f,%.1f ", svg_x(&p, (double)i), svg_y(&p, mval(&e[i], m)));
        fprintf(f, "\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">%s</text>\n",
                svg_left() + 10 + (m - 1) * 70, svg_top() - 8, color[m - 1], mname[m]);
    }
    fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n<text x=\"%d\" y=\"%d\" "
               "font-size=\"11\" text-anchor=\"end\">%s</text>\n",
            svg_left(), svg_bottom() + 28, e[0].time, svg_right(), svg_bottom() + 28, e[n - 1].time);
    svg_close(&p);
}

static void latest_cdf(FILE *f, const bench_entry *e)
{
    double total = 0;
    for (size_t i = 0; i < e->nhist; i++)
        total += e->hist[i][1];
    if (!e->nhist || total <= 0) {
        fprintf(f, "<h2>Latency CDF of the latest bench</h2><p>no latency histogram (decode only)</p>\n");
        return;
    }
    svg_plot p = {.x0 = log10(fmax(e->hist[0][0], 1)),
                  .x1 = log10(fmax(e->hist[e->nhist - 1][0], 10)), .y0 = 0, .y1 = 1};
    svg_open(&p, f, "Latency CDF of the latest bench", "fraction of messages");
    fprintf(f, "<polyline fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"2\" points=\"");
    double cum = 0;
    for (size_t i = 0; i < e->nhist; i++) {
        cum += e->hist[i][1];
        fprintf(f, "%.1f,%.1f ", svg_x(&p, log10(fmax(e->hist[i][0], 1))), svg_y(&p, cum / total));
    }
    fprintf(f, "\"/>\n");
    svg_xticks(&p, " ns");
    svg_close(&p);
}

static void throughput_runs(FILE *f, const bench_entry *e, size_t n)
{
    double ymax = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < e[i].nruns; r++)
            ymax = fmax(ymax, e[i].runs[r]);
    svg_plot p = {.x0 = -0.5, .x1 = (double)n - 0.5, .y0 = 0, .y1 = ymax * 1.1};
    svg_open(&p, f, "Throughput: ns per message, every run of every bench", "ns per message");
    for (size_t i = 0; i < n; i++)
        for (size_t r = 0; r < e[i].nruns; r++)
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"#9467bd\" fill-opacity=\"0.6\"/>\n",
                    svg_x(&p, (double)i), svg_y(&p, e[i].runs[r]));
    fprintf(f, "<polyline fill=\"none\" stroke=\"#333\" stroke-width=\"1.5\" points=\"");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%.1f,%.1f ", svg_x(&p, (double)i), svg_y(&p, e[i].ns));
    fprintf(f, "\"/>\n");
    svg_close(&p);
}

static void html(FILE *f, const bench_entry *e, size_t n, const trend *t, unsigned days)
{
    fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>blanc bench drift</title><style>body{font-family:sans-serif;margin:24px}"
               "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:4px 8px;"
               "text-align:right}</style></head><body>\n<h1>blanc bench drift</h1>\n<pre>\n");
    /* The table as text: a file name from the history is the bench's, not ours. */
    char *md = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&md, &len);
    if (m) {
        markdown(m, e, n, t, days);
        fclose(m);
        html_text(f, md);
    }
    free(md);
    fprintf(f, "</pre>\n");
    percentiles_over_time(f, e, n);
    latest_cdf(f, &e[n - 1]);
    throughput_runs(f, e, n);
    fprintf(f, "</body></html>\n");
}

static int write_file(const char *path, void (*fn)(FILE *, const bench_entry *, size_t,
                                                   const trend *, unsigned),
                      const bench_entry *e, size_t n, const trend *t, unsigned days)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return CLI_USAGE;
    fn(m, e, n, t, days);
    fclose(m);
    int rc = cli_write_atomic(path, buf, len);
    free(buf);
    return rc;
}

int cmd_bench_drift(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"history", required_argument, 0, 'H'},  {"days", required_argument, 0, 'd'},
        {"mode", required_argument, 0, 'm'},     {"markdown", required_argument, 0, 'M'},
        {"html", required_argument, 0, 'W'},     {"thresholds", required_argument, 0, 't'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    const char *dir = NULL, *mode = "book", *md = NULL, *out_html = NULL;
    const char *thresholds = bench_default_thresholds();
    uint64_t days = 30;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'H': dir = optarg; break;
        case 'd':
            if (cli_parse_u64(optarg, &days) || !days || days > 100000) {
                cli_error("bench drift: --days wants a positive number, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'm': mode = optarg; break;
        case 'M': md = optarg; break;
        case 'W': out_html = optarg; break;
        case 't': thresholds = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("bench drift", "h", argv);
        }
    }
    if (!dir || optind != argc) {
        cli_error("bench drift: --history DIR is required (and nothing else)");
        return CLI_USAGE;
    }
    const cli_file files[] = {{"--thresholds", thresholds, CLI_IN}, {"--markdown", md, CLI_OUT},
                              {"--html", out_html, CLI_OUT}};
    if (cli_check_files("bench drift", files, sizeof files / sizeof files[0]))
        return CLI_USAGE;
    char err[512];
    double ratio[NMETRIC];
    bench_entry *all;
    size_t n_all;
    if (bench_load_profile(thresholds, "standard", ratio, err, sizeof err) ||
        bench_load_history(dir, &all, &n_all, err, sizeof err)) {
        cli_error("bench drift: %s", err);
        return CLI_USAGE;
    }
    /* Keep this mode's benches of the last `days` days before the newest. */
    size_t n = 0;
    long long newest = 0;
    for (size_t i = 0; i < n_all; i++)
        if (!strcmp(all[i].mode, mode) && all[i].t > newest)
            newest = all[i].t;
    bench_entry *e = calloc(n_all + 1, sizeof *e);
    for (size_t i = 0; e && i < n_all; i++)
        if (!strcmp(all[i].mode, mode) && all[i].t >= newest - (long long)days * 86400)
            e[n++] = all[i];
    int rc = CLI_OK;
    if (!n) {
        cli_error("bench drift: no '%s' bench in %s", mode, dir);
        rc = CLI_USAGE;
    } else {
        trend t[NM];
        int alert = 0;
        for (int m = 0; m < NM; m++) {
            t[m] = trend_of(e, n, m, ratio[mratio[m]]);
            alert |= t[m].alert;
        }
        if (md)
            rc = write_file(md, markdown, e, n, t, (unsigned)days);
        else
            markdown(stdout, e, n, t, (unsigned)days);
        if (!rc && out_html)
            rc = write_file(out_html, html, e, n, t, (unsigned)days);
        if (!rc && alert)
            rc = CLI_ANOMALY;
    }
    free(e); /* the entries' arrays belong to all */
    bench_free_history(all, n_all);
    return rc;
}
