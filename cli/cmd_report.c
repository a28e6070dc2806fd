/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc bench report RUNS.jsonl... -o report.html [--pdf report.pdf]: the page
 * a customer reads (docs/TELEMETRY.md, "The benchmarking report"). It is a
 * function of the benches alone (no clock, no host of its own), so the same
 * runs give the same page, byte for byte, wherever it is made. Every string
 * that comes from a bench is escaped: a file name is data, not markup.
 * Exit 0 written, 1 written and the latest bench regressed past the baseline,
 * 2 error (nothing written).
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report.h"
#include "svg.h"

static const char usage_text[] =
    "usage: blanc bench report RUNS.jsonl... (-o REPORT.html | --pdf REPORT.pdf) [options]\n"
    "\n"
    "One self-contained HTML page (no script, no network) from the benches in\n"
    "RUNS.jsonl (each line a blanc.bench/1 object, as blanc bench --jsonl writes):\n"
    "machine, build, input, throughput, latency percentiles per message type, the\n"
    "latency distribution and the p99 across runs as plots, the comparison with a\n"
    "baseline, and how to reproduce. The last bench given is the report's subject;\n"
    "every bench is in the runs table and the per-run plots.\n"
    "\n"
    "options:\n"
    "  -o, --output F    write the HTML page there\n"
    "  --pdf F           also print the page to PDF with headless Chromium\n"
    "                    (Debian package chromium; $BLANC_CHROMIUM overrides)\n"
    "  --baseline F      compare the subject with the last bench of F\n"
    "  --profile P       the allowed ratios for that: strict, standard (default)\n"
    "                    or lenient\n"
    "  --thresholds F    a profiles file overriding the built-in profiles\n"
    "                    (default: $BLANC_THRESHOLDS if set)\n"
    "  --title T         the page's title (default \"Blanc benchmark report\")\n"
    "  -h, --help        this text\n"
    "\n"
    "exit codes: 0 written, 1 written and the subject regressed past the\n"
    "baseline's allowed ratios, 2 error (nothing written)\n";

static void text(FILE *f, const char *tag, const char *s)
{
    fprintf(f, "<%s>", tag);
    html_text(f, s && *s ? s : "unknown");
    fprintf(f, "</%s>", tag);
}

static void row(FILE *f, const char *key, const char *val)
{
    fputs("<tr>", f);
    text(f, "th", key);
    text(f, "td", val);
    fputs("</tr>\n", f);
}

static void rowf(FILE *f, const char *key, double v, int decimals)
{
    char b[64];
    snprintf(b, sizeof b, "%.*f", decimals, v);
    row(f, key, b);
}

static void head(FILE *f, const report *r)
{
    const bench_entry *s = r->s;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", f);
    html_text(f, r->title);
    fputs("</title>\n<style>\n"
          "body{font-family:sans-serif;margin:24px auto;max-width:760px;color:#222}\n"
          "h1{margin-bottom:0}h2{margin-top:28px;border-bottom:1px solid #ccc}\n"
          ".sub{color:#555;margin-top:4px}\n"
          "table{border-collapse:collapse;margin:8px 0}\n"
          "td,th{border:1px solid #bbb;padding:3px 7px;font-size:13px}\n"
          "td{text-align:right}th{text-align:left;background:#f3f3f3;font-weight:normal}\n"
          "td.l{text-align:left}.few{color:#999}.bad{color:#b00;font-weight:bold}\n"
          ".cards{display:flex;flex-wrap:wrap;gap:10px}\n"
          ".card{border:1px solid #bbb;border-radius:4px;padding:8px 12px;min-width:120px}\n"
          ".card b{display:block;font-size:22px}\n"
          "pre{background:#f6f6f6;padding:8px;font-size:12px;white-space:pre-wrap}\n"
          "svg{max-width:100%;height:auto}\n"
          "@page{margin:12mm}\n"
          "@media print{body{margin:0}h2{break-after:avoid}section,svg,table,pre{break-inside:avoid}}\n"
          "</style></head><body>\n<h1>",
          f);
    html_text(f, r->title);
    fputs("</h1>\n<p class=\"sub\">", f);
    html_text(f, s->file);
    fprintf(f, " &middot; %s &middot; Blanc ", s->time);
    html_text(f, s->version[0] ? s->version : "?");
    fputs(" (", f);
    html_text(f, s->sha);
    fprintf(f, ") &middot; %zu bench%s</p>\n", r->n, r->n == 1 ? "" : "es");
}

static void card(FILE *f, const char *label, double v, int decimals, const char *unit)
{
    fprintf(f, "<div class=\"card\">%s<b>%.*f %s</b></div>\n", label, decimals, v, unit);
}

static void summary(FILE *f, const report *r)
{
    const bench_entry *s = r->s;
    fputs("<h2>Summary</h2>\n<div class=\"cards\" id=\"summary\">\n", f);
    card(f, "throughput", s->msgs_per_s / 1e6, 2, "M msg/s");
    card(f, "per message", s->ns, 1, "ns");
    if (s->lat.count > 0) {
        card(f, "p50 latency", s->lat.v[1], 0, "ns");
        card(f, "p99 latency", s->lat.v[4], 0, "ns");
        card(f, "p99.9 latency", s->lat.v[5], 0, "ns");
    }
    if (r->have_base)
        fprintf(f, "<div class=\"card\">against the baseline<b class=\"%s\">%s</b></div>\n",
                r->regress ? "bad" : "", r->regress ? "regression" : "pass");
    fprintf(f, "</div>\n<p>Median of %zu measured run%s after %.0f warm-up run%s; the latency is "
               "that of each book-changing message's book update, read from the %s.</p>\n",
            s->nruns, s->nruns == 1 ? "" : "s", s->warmup, s->warmup == 1 ? "" : "s",
            s->tsc ? "TSC around the update" : "monotonic clock around the update");
}

static void machine_build_input(FILE *f, const report *r)
{
    const bench_entry *s = r->s;
    char b[160];
    fputs("<h2>Machine</h2>\n<table id=\"machine\">\n", f);
    row(f, "CPU", s->cpu_model);
    rowf(f, "clock (MHz, as reported)", s->mhz, 0);
    snprintf(b, sizeof b, "%.0f logical, %.0f physical cores", s->lcpus, s->cores);
    row(f, "CPUs", b);
    row(f, "caches", s->caches);
    row(f, "frequency governor", s->governor);
    rowf(f, "memory (GiB)", s->mem / 1073741824.0, 1);
    row(f, "kernel", s->kernel);
    if (s->pinned)
        rowf(f, "pinned to CPU", s->cpu, 0);
    else
        row(f, "pinned to CPU", "no (the scheduler's choice)");
    snprintf(b, sizeof b, "%s; overhead %.1f ns %s", s->clock, s->clock_overhead,
             s->overhead_subtracted ? "subtracted" : "not subtracted");
    row(f, "clock", b);
    fputs("</table>\n<h2>Build</h2>\n<table id=\"build\">\n", f);
    row(f, "version", s->version);
    row(f, "commit", s->sha);
    row(f, "compiler", s->compiler);
    row(f, "flags", s->cflags);
    row(f, "build type", s->build_type);
    fputs("</table>\n<h2>Input</h2>\n<table id=\"input\">\n", f);
    row(f, "file", s->path);
    rowf(f, "bytes", s->bytes, 0);
    rowf(f, "messages", s->messages, 0);
    row(f, "input digest (XXH3-64)", s->digest);
    row(f, "work", !strcmp(s->mode, "decode") ? "decode only (--no-book)"
                                              : "decode + L3 book + L2 view + digests");
    fputs("</table>\n", f);
}

/* A percentile in ns; greyed with a dagger when it had too few samples. */
static void cell(FILE *f, double v, int ok)
{
    fprintf(f, "%s%.0f%s", ok ? "<td>" : "<td class=\"few\">", v, ok ? "</td>" : "&dagger;</td>");
}

static void runs_table(FILE *f, const report *r)
{
    fputs("<h2>Throughput</h2>\n<table id=\"runs\">\n<tr><th>bench</th><th>time</th><th>file</th>"
          "<th>commit</th><th>runs</th><th>ns/msg (median)</th><th>MAD</th><th>M msg/s</th>"
          "<th>p50</th><th>p99</th><th>p99.9</th><th>p99 spread %</th></tr>\n",
          f);
    for (size_t i = 0; i < r->n; i++) {
        const bench_entry *e = &r->e[i];
        fprintf(f, "<tr><td>%zu</td>", i + 1);
        text(f, "td class=\"l\"", e->time);
        text(f, "td class=\"l\"", e->file);
        text(f, "td class=\"l\"", e->sha);
        fprintf(f, "<td>%zu</td><td>%.1f</td><td>%.1f</td><td>%.2f</td>", e->nruns, e->ns, e->mad,
                e->msgs_per_s / 1e6);
        if (e->lat.count > 0) {
            cell(f, e->lat.v[1], e->lat.valid[1]);
            cell(f, e->lat.v[4], e->lat.valid[4]);
            cell(f, e->lat.v[5], e->lat.valid[5]);
            fprintf(f, "<td>%.1f</td>", e->p99_spread);
        } else {
            fputs("<td colspan=\"4\" class=\"l\">decode only: no latency</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n<p>ns/msg: the median over the runs of the plain (untimed) pass; MAD: the "
          "median absolute deviation of those runs; p99 spread: (max &minus; min) / median of "
          "the runs' p99.</p>\n",
          f);
}

static void lat_row(FILE *f, const bench_lat *l, const char *name)
{
    fputs("<tr>", f);
    if (l->type)
        fprintf(f, "<td class=\"l\">%c</td>", l->type);
    else
        fputs("<td class=\"l\"><b>all</b></td>", f);
    text(f, "td class=\"l\"", name);
    fprintf(f, "<td>%.0f</td>", l->count);
    for (int k = 0; k < BENCH_NPCT; k++)
        cell(f, l->v[k], l->valid[k]);
    fputs("</tr>\n", f);
}

static void types_table(FILE *f, const report *r)
{
    const bench_entry *s = r->s;
    fputs("<h2>Latency per message type (ns)</h2>\n", f);
    if (s->lat.count <= 0) {
        fputs("<p>A decode-only bench: no book updates timed.</p>\n", f);
        return;
    }
    fputs("<table id=\"types\">\n<tr><th>type</th><th>message</th><th>count</th>", f);
    for (int k = 0; k < BENCH_NPCT; k++)
        fprintf(f, "<th>%s</th>", bench_pct[k]);
    fputs("</tr>\n", f);
    lat_row(f, &s->lat, "every book-changing message");
    for (size_t t = 0; t < s->ntypes; t++)
        lat_row(f, &s->by_type[t], blanc_itch_type_name((uint8_t)s->by_type[t].type));
    fputs("</table>\n<p>&dagger; too few samples for that percentile (fewer than the bench's "
          "minimum tail): shown, not to be relied on.</p>\n",
          f);
}

static void baseline(FILE *f, const report *r)
{
    fputs("<h2>Comparison with the baseline</h2>\n", f);
    if (!r->have_base) {
        fputs("<p>No baseline given (<code>--baseline BASE.jsonl</code>).</p>\n", f);
        return;
    }
    fputs("<p>Baseline: the last bench of <code>", f);
    html_text(f, r->base_path);
    fputs("</code>; allowed ratios of the profile <code>", f);
    html_text(f, r->profile);
    fprintf(f, "</code>.%s</p>\n",
            strcmp(r->base.digest, r->cur.digest)
                ? " <span class=\"bad\">The inputs differ (input digests): the figures are not of the "
                  "same work.</span>"
                : " Same input (input digest).");
    fputs("<table id=\"baseline\">\n<tr><th>metric (ns)</th><th>baseline</th><th>latest</th>"
          "<th>&Delta; %</th><th>allowed ratio</th><th>verdict</th></tr>\n",
          f);
    for (int k = 0; k < NMETRIC; k++) {
        bench_delta d;
        if (bench_judge(&r->base, &r->cur, r->ratio, k, &d))
            continue;
        fprintf(f, "<tr><td class=\"l\">%s</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td>"
                   "<td>%.2f</td><td class=\"l%s\">%s</td></tr>\n",
                bench_metric[k], d.base, d.cur, d.pct, r->ratio[k], d.bad ? " bad" : "", d.verdict);
    }
    fputs("</table>\n", f);
    report_baseline_plot(f, r);
}

static void reproduce(FILE *f, const report *r)
{
    const bench_entry *s = r->s;
    const char *cc = !strncmp(s->compiler, "gcc", 3) ? "gcc" : "clang";
    fputs("<h2>How to reproduce</h2>\n<pre id=\"reproduce\">", f);
    fputs("# 1. The same build: Blanc at commit ", f);
    html_text(f, s->sha);
    fputs(" (", f);
    html_text(f, s->compiler);
    fputs(", ", f);
    html_text(f, s->cflags);
    fprintf(f, ")\ngit checkout ");
    html_text(f, s->sha);
    fprintf(f, "\nmake build BUILD_TYPE=");
    html_text(f, s->build_type[0] ? s->build_type : "Release");
    fprintf(f, " CC=%s\n\n# 2. The same input: its input digest must read ", cc);
    html_text(f, s->digest);
    fputs("\nbuild/blanc replay ", f);
    html_text(f, s->path);
    fputs(" --json   # \"digests\": {\"input\": ...}\n\n# 3. The same measurement\nbuild/blanc bench ", f);
    html_text(f, s->path);
    fprintf(f, " --runs %zu --warmup %.0f", s->nruns, s->warmup);
    if (s->pinned)
        fprintf(f, " --cpu %.0f", s->cpu);
    if (!strcmp(s->mode, "decode"))
        fputs(" --no-book", f);
    if (!s->tsc)
        fputs(" --no-tsc", f);
    fputs(" --jsonl runs.jsonl\n\n# 4. This page\nbuild/blanc bench report runs.jsonl", f);
    if (r->have_base)
        fputs(" --baseline BASE.jsonl", f);
    fputs(" -o report.html</pre>\n"
          "<p>Timings move from run to run on a shared or virtual machine (2&times; has been seen "
          "on the machine Blanc is developed on): compare two builds or two engines side by side, "
          "interleaved, on one machine, and read the ratio, not one absolute figure. The digests "
          "do not move: a replay of the same input gives the same digests on any machine.</p>\n",
          f);
}

static void page(FILE *f, const report *r)
{
    head(f, r);
    summary(f, r);
    machine_build_input(f, r);
    runs_table(f, r);
    report_throughput_runs(f, r);
    types_table(f, r);
    report_distribution(f, r);
    report_tail(f, r);
    report_p99_runs(f, r);
    baseline(f, r);
    reproduce(f, r);
    fputs("<p class=\"sub\">Made by <code>blanc bench report</code> from the blanc.bench/1 "
          "objects named above.</p>\n</body></html>\n",
          f);
}

/* The page in memory (malloc'd, the caller frees); NULL if out of memory. */
static char *render(const report *r, size_t *len)
{
    char *buf = NULL;
    *len = 0;
    FILE *m = open_memstream(&buf, len);
    if (!m) {
        cli_error("bench report: out of memory");
        return NULL;
    }
    page(m, r);
    fclose(m);
    return buf;
}

static int write_page(const char *path, const report *r)
{
    size_t len;
    char *buf = render(r, &len);
    int rc = buf ? cli_write_atomic(path, buf, len) : CLI_USAGE;
    free(buf);
    return rc;
}

/* --pdf: the page is printed from a temporary file beside its target, and
 * the PDF and -o are put in place together once the print is there: a failed
 * or interrupted print leaves both targets as they were (an -o from an
 * earlier run included). */
static int print_pdf(const char *out, const char *pdf, const report *r)
{
    /* .html last: by its name the browser takes the file for a page, not text. */
    char tmp[4096], part[4096 + 16];
    snprintf(tmp, sizeof tmp, "%s.XXXXXX.html", out ? out : pdf);
    /* The page, the browser and its files are undone here, not in a signal
     * handler (a child to stop, a folder tree to remove): a signal waits for
     * the end of this, which comes soon (cli_html_to_pdf stops the browser).
     * Only the print is held: the outputs are written after it, where a
     * signal ends blanc at once (a FIFO's stalled reader must not make it
     * unkillable). */
    cli_interrupt_hold();
    int fd = mkstemps(tmp, 5);
    if (fd < 0) {
        cli_error("%s: cannot create a temporary file beside it", out ? out : pdf);
        cli_interrupt_release();
        return CLI_USAGE;
    }
    close(fd);
    size_t len;
    char *buf = render(r, &len);
    int rc = buf ? cli_write_atomic(tmp, buf, len) : CLI_USAGE;
    if (!rc)
        rc = cli_html_to_pdf(tmp, pdf, part, sizeof part);
    remove(tmp);
    if (!rc)
        cli_interrupt_file(part); /* a signal from now on removes it */
    cli_interrupt_release();       /* a signal that came ends the process now */
    if (!rc) {
        uint8_t *data;
        size_t n;
        int sys = 0, e = blanc_load_file(part, &data, &n, &sys);
        if (e) {
            cli_file_error(part, e, sys);
            rc = CLI_USAGE;
        } else {
            /* Written again rather than renamed: either may be a FIFO or a link. */
            const char *paths[] = {pdf, out};
            const char *bufs[] = {(const char *)data, buf};
            const size_t lens[] = {n, len};
            rc = cli_write_all(out ? 2 : 1, paths, bufs, lens);
            free(data);
        }
        remove(part);
        cli_interrupt_file(NULL);
    }
    free(buf);
    return rc;
}

/* -o and --pdf against each other and the inputs (cli_check_files). */
static int check_files(const char *out, const char *pdf, const report *r, const char *thresholds,
                       char **runs, size_t n)
{
    cli_file *f = calloc(n + 4, sizeof *f);
    if (!f) {
        cli_error("bench report: out of memory");
        return CLI_USAGE;
    }
    f[0] = (cli_file){"-o", out, CLI_OUT};
    f[1] = (cli_file){"--pdf", pdf, CLI_OUT};
    f[2] = (cli_file){"--baseline", r->base_path, CLI_IN};
    f[3] = (cli_file){"--thresholds", thresholds, CLI_IN};
    for (size_t i = 0; i < n; i++)
        f[4 + i] = (cli_file){"the input", runs[i], CLI_IN};
    int rc = cli_check_files("bench report", f, n + 4);
    free(f);
    return rc;
}

int cmd_bench_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, 0, 'o'},   {"pdf", required_argument, 0, 'P'},
        {"baseline", required_argument, 0, 'b'}, {"profile", required_argument, 0, 'p'},
        {"thresholds", required_argument, 0, 't'}, {"title", required_argument, 0, 'T'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    report r;
    memset(&r, 0, sizeof r);
    r.title = "Blanc benchmark report";
    r.profile = "standard";
    const char *out = NULL, *pdf = NULL, *thresholds = bench_default_thresholds();
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'P': pdf = optarg; break;
        case 'b': r.base_path = optarg; break;
        case 'p': r.profile = optarg; break;
        case 't': thresholds = optarg; break;
        case 'T': r.title = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("bench report", "ho:", argv);
        }
    }
    if (optind == argc || (!out && !pdf)) {
        cli_error("bench report: expected RUNS.jsonl... and -o REPORT.html (or --pdf REPORT.pdf)");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    if (check_files(out, pdf, &r, thresholds, argv + optind, (size_t)(argc - optind)))
        return CLI_USAGE;
    char err[512];
    if (bench_load_files(argv + optind, (size_t)(argc - optind), &r.e, &r.n, err, sizeof err)) {
        cli_error("bench report: %s", err);
        return CLI_USAGE;
    }
    r.s = &r.e[r.n - 1];
    int rc = CLI_OK;
    if (r.base_path) {
        if (bench_load_side(r.base_path, &r.base, err, sizeof err) ||
            bench_load_side(argv[argc - 1], &r.cur, err, sizeof err) ||
            bench_load_profile(thresholds, r.profile, r.ratio, err, sizeof err)) {
            cli_error("bench report: %s", err);
            rc = CLI_USAGE;
        } else if (strcmp(r.base.mode, r.cur.mode)) {
            cli_error("bench report: the baseline's mode is %s, the subject's %s: not comparable",
                      r.base.mode, r.cur.mode);
            rc = CLI_USAGE;
        }
        r.have_base = 1;
        for (int k = 0; k < NMETRIC && !rc; k++) {
            bench_delta d;
            if (!bench_judge(&r.base, &r.cur, r.ratio, k, &d))
                r.regress |= d.bad;
        }
    }
    if (!rc)
        rc = pdf ? print_pdf(out, pdf, &r) : write_page(out, &r);
    bench_free_history(r.e, r.n);
    return rc ? rc : r.regress ? CLI_ANOMALY : CLI_OK;
}
