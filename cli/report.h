/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc bench report: what the page is made of (cmd_report.c writes the
 * text and tables, report_plots.c the plots). */
#ifndef BLANC_CLI_REPORT_H
#define BLANC_CLI_REPORT_H

#include <stdio.h>

#include "bench_files.h"

typedef struct report {
    const char *title;
    bench_entry *e; /* every bench, in the order of the files and their lines */
    size_t n;
    const bench_entry *s; /* the subject: the last bench */
    /* --baseline: its last bench and the subject, as bench compare reads them */
    const char *base_path, *profile;
    int have_base, regress;
    bench_side base, cur;
    double ratio[NMETRIC];
} report;

/* The subject's latency distribution (share of messages per fifth of a
 * decade) and its tail (share slower than x, log-log, percentiles marked). */
void report_distribution(FILE *f, const report *r);
void report_tail(FILE *f, const report *r);
/* p99 of every run of every bench, and ns/msg of every run. */
void report_p99_runs(FILE *f, const report *r);
void report_throughput_runs(FILE *f, const report *r);
/* The subject over the baseline per metric, against the allowed ratios. */
void report_baseline_plot(FILE *f, const report *r);

#endif
