/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* A bench result as Prometheus text exposition (format 0.0.4): HELP and TYPE
 * for every family, base units in the names (seconds), the latency as a
 * histogram with power-of-two buckets plus quantile gauges. */
#include <inttypes.h>
#include <stdio.h>

#include "cli.h"

void cli_prom_family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void cli_prom_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v)
{
    cli_prom_family(f, name, type, help);
    fprintf(f, "%s %" PRIu64 "\n", name, v);
}

void cli_prom_text(FILE *f, int no_book, const blanc_bench_result *r)
{
    blanc_hw_report hw;
    blanc_hw_report_get(&hw);
    const char *mode = no_book ? "decode" : "book";
    cli_prom_family(f, "blanc_bench_info", "gauge", "Build and clock of this benchmark (always 1).");
    fprintf(f, "blanc_bench_info{version=\"%s\",git_sha=\"%s\",mode=\"%s\",clock=\"%s\"} 1\n",
            hw.version, hw.git_sha, mode, r->clock.tsc ? "tsc" : "clock_gettime");
    cli_prom_family(f, "blanc_bench_messages", "gauge", "Messages in one replay of the input.");
    fprintf(f, "blanc_bench_messages{mode=\"%s\"} %" PRIu64 "\n", mode, r->messages);
    cli_prom_family(f, "blanc_bench_input_bytes", "gauge", "Decompressed bytes of the input.");
    fprintf(f, "blanc_bench_input_bytes{mode=\"%s\"} %" PRIu64 "\n", mode, r->bytes);
    cli_prom_family(f, "blanc_bench_runs", "gauge", "Measured runs.");
    fprintf(f, "blanc_bench_runs{mode=\"%s\"} %u\n", mode, r->runs);
    cli_prom_family(f, "blanc_bench_throughput_messages_per_second", "gauge",
           "Median replay throughput over the measured runs.");
    fprintf(f, "blanc_bench_throughput_messages_per_second{mode=\"%s\"} %.6g\n", mode,
            r->median_msgs_per_s);
    cli_prom_family(f, "blanc_bench_message_time_seconds", "gauge",
           "Replay time per message over the runs: median and median absolute deviation.");
    fprintf(f, "blanc_bench_message_time_seconds{mode=\"%s\",stat=\"median\"} %.6g\n", mode,
            r->median_ns_per_msg / 1e9);
    fprintf(f, "blanc_bench_message_time_seconds{mode=\"%s\",stat=\"mad\"} %.6g\n", mode,
            r->mad_ns_per_msg / 1e9);
    cli_prom_family(f, "blanc_bench_clock_overhead_seconds", "gauge",
           "Cost of one clock read, subtracted from every latency.");
    fprintf(f, "blanc_bench_clock_overhead_seconds %.6g\n", r->overhead_ns / 1e9);
    if (no_book)
        return;
    cli_prom_family(f, "blanc_bench_message_latency_seconds", "histogram",
           "Latency of book-changing messages, all measured runs.");
    uint64_t cum = 0;
    size_t b = 0;
    for (int k = 4; k <= 36; k++) {
        uint64_t le = UINT64_C(1) << k; /* ns; a bucket counts once all of it is <= le */
        while (b < r->n_buckets && r->bucket_hi[b] <= le)
            cum += r->bucket_count[b++];
        fprintf(f, "blanc_bench_message_latency_seconds_bucket{le=\"%.9g\"} %" PRIu64 "\n",
                (double)le / 1e9, cum);
    }
    fprintf(f, "blanc_bench_message_latency_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n",
            r->latency.count);
    fprintf(f, "blanc_bench_message_latency_seconds_sum %.9g\n", (double)r->latency_sum_ns / 1e9);
    fprintf(f, "blanc_bench_message_latency_seconds_count %" PRIu64 "\n", r->latency.count);
    cli_prom_family(f, "blanc_bench_message_latency_percentile_seconds", "gauge",
           "Latency percentiles of book-changing messages (valid=0: too few samples beyond).");
    for (int k = 1; k < BLANC_BENCH_NPCT - 1; k++)
        fprintf(f, "blanc_bench_message_latency_percentile_seconds{percentile=\"%s\",valid=\"%d\"} %.9g\n",
                blanc_bench_pct_name(k), r->latency.valid[k], (double)r->latency.ns[k] / 1e9);
    cli_prom_family(f, "blanc_bench_p99_spread_ratio", "gauge",
           "(max - min) / median of the per-run p99 latencies.");
    fprintf(f, "blanc_bench_p99_spread_ratio %.6g\n", r->p99_spread_pct / 100);
}
