/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc bench: measure a replay (docs/TELEMETRY.md). */
#define _GNU_SOURCE /* sched_setaffinity, CPU_* */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static const char usage_text[] =
    "usage: blanc bench FILE [options]\n"
    "       blanc bench compare BASE.jsonl NEW.jsonl [--profile P] [--thresholds F] [--json]\n"
    "       blanc bench drift --history DIR [--days N] [--mode M] [--markdown F] [--html F]\n"
    "       blanc bench report RUNS.jsonl... -o REPORT.html [--pdf F] [--baseline F]\n"
    "\n"
    "Load FILE (plain, .gz or .zst; read by content as blanc replay reads it:\n"
    "BinaryFILE, zeroed prefixes, pcap, pcapng, SoupBinTCP) into memory once, replay\n"
    "it --warmup times unmeasured, then --runs times measured: each measured run is\n"
    "a plain pass (throughput) and a timed pass (latency of every book-changing\n"
    "message, read from the TSC around the book update, clock overhead subtracted).\n"
    "An input blanc replay refuses is refused here in the same words.\n"
    "\n"
    "options:\n"
    "  --runs N        measured runs (default 5)\n"
    "  --warmup W      unmeasured runs first (default 1)\n"
    "  --cpu K         pin to CPU K (sched_setaffinity); an error if K is not allowed\n"
    "  --no-book       decode only: throughput of the feed layer, no latency\n"
    "  --no-tsc        time with clock_gettime even where an invariant TSC exists\n"
    "  --jsonl FILE    append one JSON object for this bench (schema blanc.bench/1)\n"
    "  --prom FILE     write Prometheus text exposition (atomically)\n"
    "  --json          print the JSON object instead of text\n"
    "  -h, --help      this text\n"
    "\n"
    "exit codes: 0 ok, 2 usage error or unusable input\n";

typedef struct bench_args {
    const char *file, *jsonl, *prom;
    blanc_bench_options o;
    int cpu, json;
} bench_args;

static int parse(int argc, char **argv, bench_args *a)
{
    static const struct option longopts[] = {
        {"runs", required_argument, 0, 'r'},  {"warmup", required_argument, 0, 'w'},
        {"cpu", required_argument, 0, 'c'},   {"no-book", no_argument, 0, 'B'},
        {"no-tsc", no_argument, 0, 'T'},      {"jsonl", required_argument, 0, 'J'},
        {"prom", required_argument, 0, 'P'},  {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->o.runs = 5;
    a->o.warmup = 1;
    a->cpu = -1;
    optind = 1;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
        case 'w':
            if (cli_parse_u64(optarg, &v) || v > 100000 || (c == 'r' && v == 0)) {
                cli_error("bench: --%s wants %s up to 100000, not '%s'", c == 'r' ? "runs" : "warmup",
                          c == 'r' ? "1" : "0", optarg);
                return CLI_USAGE;
            }
            *(c == 'r' ? &a->o.runs : &a->o.warmup) = (unsigned)v;
            break;
        case 'c':
            if (cli_parse_u64(optarg, &v) || v >= CPU_SETSIZE) {
                cli_error("bench: --cpu wants a CPU number, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->cpu = (int)v;
            break;
        case 'B': a->o.no_book = 1; break;
        case 'T': a->o.no_tsc = 1; break;
        case 'J': a->jsonl = optarg; break;
        case 'P': a->prom = optarg; break;
        case 'j': a->json = 1; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_bad_option("bench", "h", argv);
        }
    }
    if (optind != argc - 1) {
        cli_error("bench: expected exactly one FILE");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    a->file = argv[optind];
    const cli_file files[] = {{"the input", a->file, CLI_IN}, {"--jsonl", a->jsonl, CLI_OUT},
                              {"--prom", a->prom, CLI_OUT}};
    return cli_check_files("bench", files, sizeof files / sizeof files[0]);
}

static int pin(int cpu_arg)
{
    size_t cpu = (size_t)cpu_arg;
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && !CPU_ISSET(cpu, &allowed)) {
        char list[256] = "";
        int n = 0;
        for (size_t i = 0; i < CPU_SETSIZE && n < 240; i++)
            if (CPU_ISSET(i, &allowed))
                n += snprintf(list + n, sizeof list - (size_t)n, "%s%zu", n ? "," : "", i);
        cli_error("bench: --cpu %zu is not allowed for this process (allowed: %s)", cpu, list);
        return CLI_USAGE;
    }
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0) {
        cli_error("bench: cannot pin to CPU %zu: %s", cpu, strerror(errno));
        return CLI_USAGE;
    }
    return CLI_OK;
}

static void latency_json(jw *j, const char *key, const blanc_latency *l)
{
    jw_open(j, key, '{');
    jw_u64(j, "count", l->count);
    for (int k = 0; k < BLANC_BENCH_NPCT; k++)
        jw_u64(j, blanc_bench_pct_name(k), l->ns[k]);
    jw_open(j, "valid", '{');
    for (int k = 0; k < BLANC_BENCH_NPCT; k++)
        jw_bool(j, blanc_bench_pct_name(k), l->valid[k]);
    jw_close(j, '}');
    jw_close(j, '}');
}

static void write_json(FILE *f, const bench_args *a, const blanc_bench_result *r)
{
    blanc_hw_report hw;
    blanc_hw_report_get(&hw);
    char when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    jw j;
    jw_init(&j, f);
    jw_open(&j, NULL, '{');
    jw_str(&j, "schema", "blanc.bench/1");
    jw_str(&j, "time", when);
    jw_str(&j, "file", a->file);
    jw_hex64(&j, "input_digest", r->input_digest);
    jw_u64(&j, "bytes", r->bytes);
    jw_u64(&j, "messages", r->messages);
    jw_str(&j, "mode", a->o.no_book ? "decode" : "book");
    jw_u64(&j, "runs", r->runs);
    jw_u64(&j, "warmup", a->o.warmup);
    if (a->cpu >= 0)
        jw_u64(&j, "cpu", (uint64_t)a->cpu);
    else
        jw_null(&j, "cpu");
    jw_open(&j, "clock", '{');
    jw_str(&j, "source", r->clock.source);
    jw_bool(&j, "tsc", r->clock.tsc);
    jw_double(&j, "ticks_per_ns", r->clock.ticks_per_ns);
    jw_double(&j, "overhead_ns", r->overhead_ns);
    jw_bool(&j, "overhead_subtracted", 1);
    jw_close(&j, '}');
    jw_open(&j, "throughput", '{');
    jw_open(&j, "ns_per_msg", '[');
    for (unsigned i = 0; i < r->runs; i++)
        jw_double(&j, NULL, r->ns_per_msg[i]);
    jw_close(&j, ']');
    jw_double(&j, "median_ns_per_msg", r->median_ns_per_msg);
    jw_double(&j, "mad_ns_per_msg", r->mad_ns_per_msg);
    jw_double(&j, "median_msgs_per_s", r->median_msgs_per_s);
    jw_close(&j, '}');
    if (!a->o.no_book) {
        latency_json(&j, "latency_ns", &r->latency);
        jw_open(&j, "latency_by_type_ns", '{');
        for (int k = 0; k < BLANC_BENCH_NTYPES; k++) {
            char t[2] = {blanc_bench_type(k), 0};
            if (r->by_type[k].count)
                latency_json(&j, t, &r->by_type[k]);
        }
        jw_close(&j, '}');
        jw_open(&j, "runs_latency_ns", '[');
        for (unsigned i = 0; i < r->runs; i++) {
            jw_open(&j, NULL, '{');
            jw_u64(&j, "p50", r->per_run[i].ns[1]);
            jw_u64(&j, "p99", r->per_run[i].ns[4]);
            jw_u64(&j, "p99.9", r->per_run[i].ns[5]);
            jw_close(&j, '}');
        }
        jw_close(&j, ']');
        jw_double(&j, "p99_spread_pct", r->p99_spread_pct);
        /* the distribution itself, for CDF plots: [bucket upper bound ns, count] */
        jw_open(&j, "latency_hist_ns", '[');
        for (size_t i = 0; i < r->n_buckets; i++) {
            jw_open(&j, NULL, '[');
            jw_u64(&j, NULL, r->bucket_hi[i]);
            jw_u64(&j, NULL, r->bucket_count[i]);
            jw_close(&j, ']');
        }
        jw_close(&j, ']');
    }
    jw_open(&j, "host", '{');
    jw_str(&j, "cpu_model", hw.cpu_model);
    jw_double(&j, "cpu_mhz", hw.cpu_mhz);
    jw_u64(&j, "logical_cpus", hw.logical_cpus);
    jw_u64(&j, "physical_cores", hw.physical_cores);
    jw_str(&j, "caches", hw.caches);
    jw_str(&j, "governor", hw.governor);
    jw_str(&j, "kernel", hw.kernel);
    jw_u64(&j, "mem_bytes", hw.mem_bytes);
    jw_close(&j, '}');
    jw_open(&j, "build", '{');
    jw_str(&j, "version", hw.version);
    jw_str(&j, "git_sha", hw.git_sha);
    jw_str(&j, "compiler", hw.compiler);
    jw_str(&j, "cflags", hw.cflags);
    jw_str(&j, "build_type", hw.build_type);
    jw_close(&j, '}');
    jw_close(&j, '}');
    jw_end(&j);
}

typedef void (*render_fn)(FILE *f, const bench_args *a, const blanc_bench_result *r);

/* The whole text in memory first, so each file gets it in one piece. */
static char *render(render_fn fn, const bench_args *a, const blanc_bench_result *r, size_t *n)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, n);
    if (!m)
        return NULL;
    fn(m, a, r);
    fclose(m);
    return buf;
}

static void prom(FILE *f, const bench_args *a, const blanc_bench_result *r)
{
    cli_prom_text(f, a->o.no_book, r);
}

/* The history, opened before the run so a directory or a missing parent is
 * refused before minutes of measuring. `created`: this bench made the file
 * (and removes it if its line is not kept); `size`: the length before this
 * bench's line, once it started writing one (-1 before). */
typedef struct history {
    const char *path;
    int fd, created;
    off_t size, len; /* len: the line's bytes, once it started writing one */
} history;

static int history_open(history *h, const char *path)
{
    h->path = path;
    h->created = 0;
    h->size = -1;
    h->len = 0;
    /* A signal between the create and the note would leave the file it
     * should remove: none comes in between. */
    cli_interrupt_hold();
    h->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL, 0644);
    int why = errno; /* before release, whose calls may set it */
    if (h->fd >= 0) {
        h->created = 1;
        cli_interrupt_file(path); /* an interrupted bench leaves no new history */
    }
    cli_interrupt_release();
    if (h->fd < 0 && why == EEXIST)
        h->fd = open(path, O_WRONLY | O_APPEND);
    if (h->fd < 0) {
        int err = errno;
        cli_file_error(path, err == EISDIR ? BLANC_EISDIR : BLANC_EOPEN, err);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* One line, one write(2) with O_APPEND: concurrent benches never interleave
 * and an existing history is never rewritten. A short write (disk full) is
 * retried to learn why; history_close then cuts the partial line off. Not
 * held: the history may be a FIFO whose reader stalls, and a signal must
 * still end blanc. The signal then cuts a regular history back to its old
 * length (and removes one this bench made, cli_interrupt_file), unless
 * another bench's line came after this one's (cli_cut_own: this one then
 * stays); a FIFO's reader may get part of the line, as from any writer
 * killed midway. */
static int history_append(history *h, const char *buf, size_t n)
{
    struct stat st;
    if (fstat(h->fd, &st) != 0) {
        cli_file_error(h->path, BLANC_EIO, errno);
        return CLI_USAGE;
    }
    h->size = st.st_size;
    h->len = (off_t)n;
    if (S_ISREG(st.st_mode))
        cli_interrupt_cut(h->fd, h->size, h->len);
    for (size_t done = 0; done < n;) {
        ssize_t w = write(h->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            cli_file_error(h->path, BLANC_EIO, errno);
            return CLI_USAGE;
        }
        done += (size_t)w;
    }
    return CLI_OK;
}

/* Keep this bench's line, or undo its part: the file it created, or the
 * bytes it appended. Under cli_interrupt_hold: a signal after it finds the
 * line kept with its .prom, or both gone. */
static void history_close(history *h, int keep)
{
    if (h->fd < 0)
        return;
    if (!keep && h->created)
        unlink(h->path);
    else if (!keep && h->size >= 0 && cli_cut_own(h->fd, h->size, h->len) != 0)
        cli_error("%s: a partial line may remain: %s", h->path, strerror(errno));
    cli_interrupt_cut(-1, 0, 0);
    close(h->fd);
    h->fd = -1;
    cli_interrupt_file(NULL);
}

static void print_text(const bench_args *a, const blanc_bench_result *r)
{
    printf("file         %s (%" PRIu64 " bytes, %" PRIu64 " messages, input %016" PRIx64 ")\n",
           a->file, r->bytes, r->messages, r->input_digest);
    printf("runs         %u measured after %u warmup, %s%s\n", r->runs, a->o.warmup,
           a->o.no_book ? "decode only" : "decode + book",
           a->cpu >= 0 ? ", pinned" : "");
    printf("throughput   %.1f ns/msg median (MAD %.1f), %.2f M msg/s\n", r->median_ns_per_msg,
           r->mad_ns_per_msg, r->median_msgs_per_s / 1e6);
    printf("clock        %s; %.3f ticks/ns; one read %.1f ns (subtracted)\n", r->clock.source,
           r->clock.ticks_per_ns, r->overhead_ns);
    if (a->o.no_book)
        return;
    printf("latency      %" PRIu64 " book-changing messages, ns:\n ", r->latency.count);
    for (int k = 0; k < BLANC_BENCH_NPCT; k++)
        printf(" %s %" PRIu64 "%s", blanc_bench_pct_name(k), r->latency.ns[k],
               r->latency.valid[k] ? "" : " (too few samples)");
    printf("\n");
    for (int k = 0; k < BLANC_BENCH_NTYPES; k++) {
        const blanc_latency *l = &r->by_type[k];
        if (l->count)
            printf("  %c %10" PRIu64 "  p50 %" PRIu64 "  p99 %" PRIu64 "  p99.9 %" PRIu64 "%s\n",
                   blanc_bench_type(k), l->count, l->ns[1], l->ns[4], l->ns[5],
                   l->valid[5] ? "" : " (p99.9: too few samples)");
    }
    printf("p99 spread   %.1f %% across runs ((max - min) / median)\n", r->p99_spread_pct);
}

static void progress(void *ctx, unsigned k, unsigned total, int warmup)
{
    (void)ctx;
    fprintf(stderr, "\rblanc bench: run %u/%u%s   ", k, total, warmup ? " (warm-up)" : "");
    fflush(stderr);
}

int cmd_bench(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "compare"))
        return cmd_bench_compare(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "drift"))
        return cmd_bench_drift(argc - 1, argv + 1);
    if (argc > 1 && !strcmp(argv[1], "report"))
        return cmd_bench_report(argc - 1, argv + 1);
    bench_args a;
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (a.cpu >= 0 && pin(a.cpu))
        return CLI_USAGE;
    /* Outputs first: a bad one is refused before the measuring starts. */
    history hist = {NULL, -1, 0, -1, 0};
    blanc_sink *prom_sink = NULL;
    int sys = 0, exit_code = CLI_USAGE;
    if (a.jsonl && history_open(&hist, a.jsonl))
        return CLI_USAGE;
    if (a.prom && (rc = blanc_sink_open(&prom_sink, a.prom, &sys))) {
        cli_file_error(a.prom, rc, sys);
        prom_sink = NULL;
        goto out;
    }
    uint8_t *data;
    size_t len;
    if ((rc = blanc_load_file(a.file, &data, &len, &sys))) {
        cli_file_error(a.file, rc, sys);
        goto out;
    }
    int tty = isatty(STDERR_FILENO);
    if (tty)
        a.o.progress = progress;
    blanc_bench_result r;
    rc = blanc_bench_run(data, len, &a.o, &r);
    if (tty)
        fputs("\r\033[K", stderr); /* erase the progress line */
    free(data);
    if (rc) {
        /* In blanc replay's words for the same input. */
        blanc_session_error e;
        memset(&e, 0, sizeof e);
        e.code = rc;
        snprintf(e.path, sizeof e.path, "%s", a.file);
        snprintf(e.what, sizeof e.what, "%s", r.why);
        cli_session_error(&e);
        goto out;
    }
    if (a.json)
        write_json(stdout, &a, &r);
    else
        print_text(&a, &r);
    /* Both outputs or neither: the Prometheus file is written but held back
     * until the history line is in, then committed (or the line cut off). */
    exit_code = CLI_OK;
    if (prom_sink) {
        size_t n = 0;
        char *buf = render(prom, &a, &r, &n);
        rc = buf ? blanc_sink_write(prom_sink, buf, n) : BLANC_ENOMEM;
        free(buf);
        if (!rc) /* all written now: its commit below is only the rename */
            rc = blanc_sink_finish(prom_sink, NULL);
        if (rc) {
            cli_sink_error(a.prom, rc, prom_sink);
            exit_code = CLI_USAGE;
        }
    }
    char *line = NULL;
    size_t line_n = 0;
    if (!exit_code && hist.fd >= 0 && !(line = render(write_json, &a, &r, &line_n))) {
        cli_error("out of memory");
        exit_code = CLI_USAGE;
    }
    /* The line goes out before the hold (it may block, on a FIFO): a
     * signal during it or before the hold takes it back and removes the
     * .prom's temp. Then the .prom's rename and the history's note as one
     * step: a signal in it would leave a line without its .prom (or the
     * reverse), so it waits for the step's end, where both are in (or
     * neither). */
    if (line)
        exit_code = history_append(&hist, line, line_n);
    free(line);
    cli_interrupt_hold();
    if (!exit_code && prom_sink) {
        blanc_sink *ps = prom_sink;
        prom_sink = NULL;
        if (cli_sink_commit(a.prom, ps))
            exit_code = CLI_USAGE;
    }
    blanc_bench_result_free(&r);
    goto held;
out:
    cli_interrupt_hold(); /* the early exits: the close below is held as well */
held:
    blanc_sink_abort(prom_sink);
    history_close(&hist, exit_code == CLI_OK);
    cli_interrupt_release();
    return exit_code;
}
