/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The plots of blanc bench report (report.h), drawn with svg.h. */
#include <math.h>
#include <stdio.h>

#include "report.h"
#include "svg.h"

/* Five bins a decade: finer ones fall between the TSC's ~10 ns ticks and stay empty. */
enum { PER_DECADE = 5, MAX_BINS = 128 };

static double hist_total(const bench_entry *s)
{
    double total = 0;
    for (size_t i = 0; i < s->nhist; i++)
        total += s->hist[i][1];
    return total;
}

static int no_hist(FILE *f, const bench_entry *s, const char *title)
{
    if (s->nhist && hist_total(s) > 0)
        return 0;
    fprintf(f, "<h2>%s</h2>\n<p>No latency histogram in this bench (a decode-only bench, "
               "<code>--no-book</code>, times no book updates).</p>\n",
            title);
    return 1;
}

void report_distribution(FILE *f, const report *r)
{
    static const char title[] = "Latency distribution";
    const bench_entry *s = r->s;
    if (no_hist(f, s, title))
        return;
    /* The histogram's buckets are exact but uneven (log-linear, TSC ticks):
     * re-binned to even steps of log10, the bars' heights compare. A bucket
     * goes to the bin of its upper bound. */
    double lo = floor(log10(fmax(s->hist[0][0], 1)) * PER_DECADE);
    double hi = ceil(log10(fmax(s->hist[s->nhist - 1][0], 1)) * PER_DECADE);
    if (hi <= lo)
        hi = lo + 1;
    size_t nb = (size_t)(hi - lo) + 1;
    nb = nb > MAX_BINS ? MAX_BINS : nb;
    double bin[MAX_BINS] = {0}, total = hist_total(s), top = 0;
    for (size_t i = 0; i < s->nhist; i++) {
        double b = ceil(log10(fmax(s->hist[i][0], 1)) * PER_DECADE) - lo;
        size_t k = b < 0 ? 0 : (size_t)b >= nb ? nb - 1 : (size_t)b;
        bin[k] += s->hist[i][1] / total;
    }
    for (size_t k = 0; k < nb; k++)
        top = fmax(top, bin[k]);
    svg_plot p = {.x0 = lo / PER_DECADE, .x1 = (lo + (double)nb) / PER_DECADE, .y0 = 0,
                  .y1 = top * 1.1};
    svg_open(&p, f, title, "share of messages per 1/5 decade");
    for (size_t k = 0; k < nb; k++) {
        if (bin[k] <= 0)
            continue;
        double x0 = svg_x(&p, (lo + (double)k - 1) / PER_DECADE), x1 = svg_x(&p, (lo + (double)k) / PER_DECADE);
        double y = svg_y(&p, bin[k]);
        fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                   "fill=\"#1f77b4\"/>\n",
                x0, y, fmax(x1 - x0 - 1, 1), svg_y(&p, 0) - y);
    }
    svg_xticks(&p, " ns");
    svg_close(&p);
}

void report_tail(FILE *f, const report *r)
{
    static const char title[] = "Latency tail: share of messages slower than x";
    const bench_entry *s = r->s;
    if (no_hist(f, s, title))
        return;
    double total = hist_total(s);
    /* Down to one message in the whole run: the floor of the y axis. */
    svg_plot p = {.x0 = floor(log10(fmax(s->hist[0][0], 1))),
                  .x1 = ceil(log10(fmax(s->hist[s->nhist - 1][0], 10))),
                  .y0 = floor(log10(1 / total)), .y1 = 0, .logy = 1};
    svg_open(&p, f, title, "share slower (log)");
    fprintf(f, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"3\" points=\"");
    double above = total;
    for (size_t i = 0; i < s->nhist; i++) {
        above -= s->hist[i][1];
        if (above <= 0)
            break;
        fprintf(f, "%.1f,%.1f ", svg_x(&p, log10(fmax(s->hist[i][0], 1))), svg_y(&p, log10(above / total)));
    }
    fprintf(f, "\"/>\n");
    static const int mark[] = {1, 4, 5}; /* p50, p99, p99.9 of bench_pct */
    for (size_t m = 0; m < sizeof mark / sizeof mark[0]; m++) {
        double v = s->lat.v[mark[m]];
        if (v <= 0 || !s->lat.valid[mark[m]])
            continue;
        double x = svg_x(&p, log10(v));
        fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#555\" "
                   "stroke-dasharray=\"4 3\"/>\n<text x=\"%.1f\" y=\"%d\" font-size=\"11\" "
                   "text-anchor=\"middle\">%s %.0f</text>\n",
                x, x, svg_top(), svg_bottom(), x, svg_top() - 6 - 11 * (int)(m % 2),
                bench_pct[mark[m]], v);
    }
    svg_xticks(&p, " ns");
    svg_close(&p);
}

/* Points per run, benches side by side, a dashed line at the subject's figure. */
static void per_run(FILE *f, const report *r, const char *title, const char *ylabel,
                    const char *color, double (*at)(const bench_entry *, size_t), size_t (*count)(const bench_entry *),
                    double subject)
{
    size_t total = 0;
    double top = subject;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < count(&r->e[i]); k++, total++)
            top = fmax(top, at(&r->e[i], k));
    if (!total || top <= 0) {
        fprintf(f, "<h2>%s</h2>\n<p>No per-run figures in these benches.</p>\n", title);
        return;
    }
    svg_plot p = {.x0 = 0, .x1 = (double)total + 1, .y0 = 0, .y1 = top * 1.15};
    svg_open(&p, f, title, ylabel);
    size_t x = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (i) /* where one bench ends and the next begins */
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>\n",
                    svg_x(&p, (double)x + 0.5), svg_x(&p, (double)x + 0.5), svg_top(), svg_bottom());
        for (size_t k = 0; k < count(&r->e[i]); k++)
            fprintf(f, "<circle class=\"run\" cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\"/>\n",
                    svg_x(&p, (double)++x), svg_y(&p, at(&r->e[i], k)), color);
    }
    if (subject > 0)
        fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
                   "stroke-dasharray=\"6 4\"/>\n<text x=\"%d\" y=\"%.1f\" font-size=\"11\" "
                   "text-anchor=\"end\">latest bench %.1f</text>\n",
                svg_left(), svg_right(), svg_y(&p, subject), svg_y(&p, subject), svg_right() - 4,
                svg_y(&p, subject) - 4, subject);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">run (benches "
               "in the order given)</text>\n",
            (svg_left() + svg_right()) / 2.0, svg_bottom() + 28);
    svg_close(&p);
}

static double p99_at(const bench_entry *e, size_t k) { return e->run_lat[k][1]; }
static size_t p99_count(const bench_entry *e) { return e->nrun_lat; }
static double ns_at(const bench_entry *e, size_t k) { return e->runs[k]; }
static size_t ns_count(const bench_entry *e) { return e->nruns; }

void report_p99_runs(FILE *f, const report *r)
{
    per_run(f, r, "p99 latency across runs", "p99, ns", "#ff7f0e", p99_at, p99_count, r->s->lat.v[4]);
}

void report_throughput_runs(FILE *f, const report *r)
{
    per_run(f, r, "Throughput across runs", "ns per message", "#9467bd", ns_at, ns_count, r->s->ns);
}

void report_baseline_plot(FILE *f, const report *r)
{
    double top = 1.25;
    bench_delta d[NMETRIC];
    int have[NMETRIC];
    for (int k = 0; k < NMETRIC; k++) {
        have[k] = !bench_judge(&r->base, &r->cur, r->ratio, k, &d[k]) && d[k].base > 0;
        if (have[k])
            top = fmax(top, fmax(d[k].cur / d[k].base, r->ratio[k]) * 1.1);
    }
    svg_plot p = {.x0 = 0, .x1 = NMETRIC, .y0 = 0, .y1 = top};
    svg_open(&p, f, "Against the baseline: latest / baseline per metric", "ratio (lower is faster)");
    for (int k = 0; k < NMETRIC; k++) {
        double x0 = svg_x(&p, k + 0.2), x1 = svg_x(&p, k + 0.8);
        if (have[k]) {
            double y = svg_y(&p, d[k].cur / d[k].base);
            fprintf(f, "<rect class=\"ratio\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                       "fill=\"%s\"/>\n",
                    x0, y, x1 - x0, svg_y(&p, 0) - y, d[k].bad ? "#d62728" : "#2ca02c");
            fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#000\" "
                       "stroke-width=\"2\"/>\n",
                    x0 - 6, x1 + 6, svg_y(&p, r->ratio[k]), svg_y(&p, r->ratio[k]));
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                (x0 + x1) / 2, svg_bottom() + 16, bench_metric[k]);
    }
    fprintf(f, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#333\" "
               "stroke-dasharray=\"6 4\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"11\">bars: latest / "
               "baseline; black ticks: the allowed ratio; dashed: equal</text>\n",
            svg_left(), svg_right(), svg_y(&p, 1), svg_y(&p, 1), svg_left(), svg_bottom() + 32);
    svg_close(&p);
}
