/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc bench compare BASE.jsonl NEW.jsonl [--profile P] [--thresholds F] [--json]
 * The delta report between two benches (docs/TELEMETRY.md): the last object
 * of each file, per metric the base and new values, the change, a noise
 * estimate, and a verdict against the profile's allowed ratio.
 * Exit 0 pass, 1 regression, 2 error.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_files.h"
#include "cli.h"

static const char usage_text[] =
    "usage: blanc bench compare BASE.jsonl NEW.jsonl [options]\n"
    "\n"
    "Compare the last bench of NEW with the last bench of BASE: p50, p95, p99,\n"
    "p99.9 latency and ns/msg (medians over runs, MAD as the noise estimate),\n"
    "each against the allowed ratio of the profile.\n"
    "\n"
    "options:\n"
    "  --profile P         strict, standard (default) or lenient\n"
    "  --thresholds F      a profiles file that overrides the built-in profiles by\n"
    "                      name (default: $BLANC_THRESHOLDS if set)\n"
    "  --print-thresholds  print the built-in profiles, in the file's shape, and exit\n"
    "  --json              a JSON report instead of markdown\n"
    "  -h, --help          this text\n"
    "\n"
    "exit codes: 0 no regression, 1 regression, 2 error\n";

int cmd_bench_compare(int argc, char **argv)
{
    static const struct option longopts[] = {{"profile", required_argument, 0, 'p'},
                                             {"thresholds", required_argument, 0, 't'},
                                             {"json", no_argument, 0, 'j'},
                                             {"print-thresholds", no_argument, 0, 'P'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    const char *profile = "standard", *thresholds = bench_default_thresholds();
    int as_json = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': profile = optarg; break;
        case 't': thresholds = optarg; break;
        case 'j': as_json = 1; break;
        case 'P': bench_print_profiles(stdout); return CLI_OK;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("bench compare", "h", argv);
        }
    }
    if (optind != argc - 2) {
        cli_error("bench compare: expected BASE.jsonl NEW.jsonl");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    bench_side base, cur;
    double ratio[NMETRIC];
    char err[512];
    if (bench_load_side(argv[optind], &base, err, sizeof err) ||
        bench_load_side(argv[optind + 1], &cur, err, sizeof err) ||
        bench_load_profile(thresholds, profile, ratio, err, sizeof err)) {
        cli_error("bench compare: %s", err);
        return CLI_USAGE;
    }
    if (strcmp(base.mode, cur.mode)) {
        cli_error("bench compare: modes differ (%s vs %s): not comparable", base.mode, cur.mode);
        return CLI_USAGE;
    }
    int regress = 0;
    jw j;
    if (as_json) {
        jw_init(&j, stdout);
        jw_open(&j, NULL, '{');
        jw_str(&j, "profile", profile);
        jw_bool(&j, "same_input", !strcmp(base.digest, cur.digest));
        jw_open(&j, "metrics", '[');
    } else {
        printf("### blanc bench compare (profile `%s`)%s\n\n", profile,
               strcmp(base.digest, cur.digest) ? " — **inputs differ**" : "");
        printf("| metric | base | new | Δ | Δ %% | noise (MAD base / new) | allowed | verdict |\n");
        printf("|---|---:|---:|---:|---:|---|---:|---|\n");
    }
    for (int k = 0; k < NMETRIC; k++) {
        bench_delta dl;
        if (bench_judge(&base, &cur, ratio, k, &dl))
            continue;
        double b = dl.base, n = dl.cur, d = dl.delta, pct = dl.pct;
        int bad = dl.bad;
        regress |= bad;
        const char *verdict = dl.verdict;
        if (as_json) {
            jw_open(&j, NULL, '{');
            jw_str(&j, "metric", bench_metric[k]);
            jw_double(&j, "base", b);
            jw_double(&j, "new", n);
            jw_double(&j, "delta", d);
            jw_double(&j, "delta_pct", pct);
            if (isnan(base.noise[k]) || isnan(cur.noise[k])) {
                jw_null(&j, "noise_base");
                jw_null(&j, "noise_new");
            } else {
                jw_double(&j, "noise_base", base.noise[k]);
                jw_double(&j, "noise_new", cur.noise[k]);
            }
            jw_double(&j, "allowed_ratio", ratio[k]);
            jw_str(&j, "verdict", verdict);
            jw_close(&j, '}');
        } else {
            char noise[64];
            if (isnan(base.noise[k]) || isnan(cur.noise[k]))
                snprintf(noise, sizeof noise, "n/a");
            else
                snprintf(noise, sizeof noise, "%.1f / %.1f", base.noise[k], cur.noise[k]);
            printf("| %s | %.1f | %.1f | %+.1f | %+.1f %% | %s | ×%.2f | %s |\n", bench_metric[k], b, n, d,
                   pct, noise, ratio[k], bad ? "**regression**" : verdict);
        }
    }
    if (as_json) {
        jw_close(&j, ']');
        jw_str(&j, "verdict", regress ? "regression" : "pass");
        jw_close(&j, '}');
        jw_end(&j);
    } else {
        printf("\nverdict: %s\n", regress ? "**regression**" : "pass");
    }
    return regress ? CLI_ANOMALY : CLI_OK;
}
