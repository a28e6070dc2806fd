/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The CLI is a thin shell over libblanc: each command parses its flags, calls
 * the library, prints. Exit codes (docs/CLI.md): 0 ok, 1 anomalies under
 * --strict (or "different" for comparing commands), 2 usage or input error. */
#ifndef BLANC_CLI_H
#define BLANC_CLI_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "blanc.h"
#include "json.h"

enum { CLI_OK = 0, CLI_ANOMALY = 1, CLI_USAGE = 2 };
/* Not an exit code: the command goes on (cli_subcommand). */
#define CLI_CONTINUE (-1)

int cmd_replay(int argc, char **argv);
int cmd_listen(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_capture(int argc, char **argv);
int cmd_bench_compare(int argc, char **argv);
int cmd_bench_drift(int argc, char **argv);
int cmd_bench_report(int argc, char **argv);
/* prom.c: a bench result as Prometheus text exposition. */
void cli_prom_text(FILE *f, int no_book, const blanc_bench_result *r);
/* One metric family's HELP and TYPE lines; the same followed by an unlabelled value. */
void cli_prom_family(FILE *f, const char *name, const char *type, const char *help);
void cli_prom_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v);

/* ladder.c: "HH:MM:SS.nnnnnnnnn" and "123.4500" */
void cli_fmt_time(uint64_t ns, char out[32]);
void cli_fmt_price(uint32_t p, char out[24]);
/* The book of one user symbol ("AAPL"), `depth` levels a side. */
void cli_ladder_text(FILE *f, const blanc_books *b, const char *user, uint64_t depth);
void cli_ladder_json(jw *j, const blanc_books *b, const char *user, uint64_t depth);
/* cmd_snapshot.c: load a snapshot, printing why it was refused. 0 or an error. */
int cli_load_snapshot(const char *path, blanc_replay **out);
/* Why a snapshot was refused: its section and byte where the reader said (e
 * zeroed before the read), else the file's error and the system's reason
 * (sys_errno, 0 if none). */
void cli_snapshot_error(const char *path, int rc, const blanc_snap_error *e, int sys_errno);
/* Parse "HH:MM:SS[.fraction]" (feed time of day) into ns. 0 or -1. */
int cli_parse_time(const char *s, uint64_t *ns);

/* transport.c: the "transport" line and JSON object of a replay summary,
 * for an input with transport (blanc_feed_get_transport_stats returned 0). */
void cli_transport_text(FILE *f, const blanc_transport_stats *t);
void cli_transport_json(jw *j, const blanc_transport_stats *t);

/* health.c: the health part of blanc replay. */
typedef struct cli_health {
    const char *cmd;           /* the command, for its messages */
    int off;                   /* --no-health */
    const char *config, *journal;
    uint64_t reset_at[BLANC_HEALTH_MAX_RESETS];
    int reset_is_time[BLANC_HEALTH_MAX_RESETS];
    int n_reset_at;
    int restarted; /* resumed from a snapshot without health state: started empty */
    blanc_health *h; /* the session's, not owned */
} cli_health;
int cli_health_reset_at(cli_health *ch, const char *s);
int cli_health_config(const cli_health *ch, blanc_health_config *c);
void cli_health_text(FILE *f, const cli_health *ch);
void cli_health_json(jw *j, const cli_health *ch);

/* metrics_http.c: live /metrics for blanc replay (libmicrohttpd). */
typedef struct cli_metrics cli_metrics;
int cli_metrics_start(cli_metrics **out, const char *addr, int health);
void cli_metrics_update(cli_metrics *m, const blanc_replay *r, const blanc_health *h);
/* The same once 100 ms of wall time or 2^20 messages passed since the last
 * publish (called every 2^16 messages). */
void cli_metrics_tick(cli_metrics *m, const blanc_replay *r, const blanc_health *h);
void cli_metrics_stop(cli_metrics *m);

/* gen_capture.c: blanc gen's capture options. Each 0 or -1. */
int cli_parse_rate_ppm(const char *s, uint32_t *ppm);   /* "0.01", "1%" */
int cli_parse_channel(const char *s, uint32_t *group, uint16_t *port); /* "A.B.C.D:PORT" */
int cli_parse_date(const char *s, uint64_t *epoch_ns);  /* "YYYY-MM-DD", 00:00 UTC */
int cli_parse_session_name(const char *s, char out[10]); /* 1-10 alphanumerics */
/* The transport counts of a capture gen wrote, as stderr text or manifest
 * JSON lines, into buf[cap]. Returns the length, -1 if it does not fit. */
int cli_gen_transport_lines(const blanc_gen_transport *t, const blanc_gen_result *res,
                            char *buf, size_t cap, int as_json);

/* out.c: the one message for a file that failed, "blanc: PATH: <blanc_strerror(rc)>"
 * followed by ": <strerror(sys_errno)>" when sys_errno is not 0. */
void cli_file_error(const char *path, int rc, int sys_errno);
/* The same for an output sink: the sink's own first error and its system
 * reason when it has one (a full disk: "No space left on device"), else rc. */
void cli_sink_error(const char *path, int rc, const blanc_sink *s);
/* Commit s (frees it); on failure print why, naming path. 0 or the error. */
int cli_sink_commit(const char *path, blanc_sink *s);
/* Take back an output committed before a later one of the same result
 * failed: the file a sink at path wrote (links followed), if it is a regular
 * one; a FIFO or device was written in place, and stays. */
void cli_remove_output(const char *path);
/* Write buf[0..n) to path through a temp file and a rename, saying why if it
 * fails (a NULL buf is out of memory). CLI_OK or CLI_USAGE. */
int cli_write_atomic(const char *path, const char *buf, size_t n);
/* Several outputs as one: each written out and closed first (a FIFO whose
 * reader stalls blocks here, where a signal still ends blanc and removes the
 * temps), then all renamed into place with signals held, so a signal leaves
 * all of them or none. n at most 4. CLI_OK or CLI_USAGE (said why). */
int cli_write_all(size_t n, const char *const path[], const char *const buf[],
                  const size_t len[]);
/* chromium.c: print the HTML file with headless Chromium ($BLANC_CHROMIUM, else
 * chromium on PATH), bounded in time, into a temporary file beside pdf, named in
 * part[0..cap) on success: the caller puts it in place (and removes it). CLI_OK or
 * CLI_USAGE (said why). Call it under cli_interrupt_hold: a signal then stops the
 * browser and undoes the print (CLI_USAGE, nothing said), and the release ends
 * the process. */
int cli_html_to_pdf(const char *html, const char *pdf, char *part, size_t cap);

/* fault.c: while a replay reads a mapped input (src, or the session's), a
 * SIGBUS from the file being truncated under it becomes a clear error at its
 * offset, the session's outputs are removed, and the process exits 2. */
void cli_fault_guard(const char *file, const blanc_source *src, const blanc_session *s);
void cli_fault_clear(void);

/* clash.c: refuse (CLI_USAGE, said why) two of a command's files that are
 * one where that would clobber: outputs, or an output and an input. A NULL
 * path is skipped. CLI_OK otherwise. */
enum { CLI_IN, CLI_OUT, CLI_OUT_DIR };
typedef struct cli_file {
    const char *opt;  /* names it in the error: "-o", "--manifest", "the input" */
    const char *path;
    int kind;         /* CLI_IN, CLI_OUT or CLI_OUT_DIR (a folder outputs go into) */
} cli_file;
int cli_check_files(const char *cmd, const cli_file *f, size_t n);

/* interrupt.c: SIGINT, SIGTERM and SIGHUP remove the outputs' temporary
 * files (and those of the session set, until it is set to NULL) and end the
 * process by the signal. main installs it for every command. */
void cli_interrupt_guard(void);
void cli_interrupt_session(const blanc_session *s);
/* A file the command made outside a sink (bench's new history), removed by a
 * signal until it is set to NULL. The path must outlive that. */
void cli_interrupt_file(const char *path);
/* An existing regular file the command is appending len bytes to (bench's
 * history, opened as fd, size bytes long before): a signal cuts it back to
 * size, until fd is set to -1. Then the append need not be held, and may
 * block. */
void cli_interrupt_cut(int fd, off_t size, off_t len);
/* Cut fd back to `size` if what follows is at most this append's len bytes:
 * another writer's line appended after it (a second bench on the same
 * history) is never taken with it; then the append stays. 0, or -1 with
 * errno (async-signal-safe). */
int cli_cut_own(int fd, off_t size, off_t len);
/* From a command's own handler (listen's, which took sig over): the next sig
 * is this file's again (async-signal-safe). */
void cli_interrupt_rearm(int sig);
/* A step a signal must not cut in two: until release a signal is only
 * recorded (pending: which one, else 0); release delivers it, and the
 * process ends by it as above. Holds nest: a step made of held steps
 * (cli_write_all inside a held print) is released by its own last release. */
void cli_interrupt_hold(void);
int cli_interrupt_pending(void);
void cli_interrupt_release(void);

/* run.c: what blanc replay and blanc listen share (the book, summary, emit,
 * health and metrics options; the session from open to free; the summary). */
/* One cap for every command's --symbol: the library's own (LOBSTER's) cap. */
#define CLI_MAX_SYMBOLS BLANC_LOBSTER_MAX_SYMBOLS
#define CLI_MAX_AT 4096
typedef struct cli_run {
    const char *cmd;   /* "replay", "listen": names the command in errors */
    const char *input; /* names the input in warnings: FILE, GROUP:PORT */
    char symbols[CLI_MAX_SYMBOLS][16]; /* normalized: trimmed, upper case */
    int n_symbols;
    uint64_t depth;
    int depth_given, json, strict, format_given;
    int snapshots; /* the command takes snapshots: list them in the JSON */
    blanc_replay_options opts;
    const char *emit_out;
    int emit;
    blanc_emit_options eo;
    int lobster; /* --emit lobster: -o is a folder (cli/lobster.c) */
    int human_given; /* --price or --time */
    const char *date;
    uint64_t from_ns, to_ns;
    int from_given, to_given;
    char date_buf[11];
    blanc_lobster_options lo;
    int fix, fix_given; /* --emit fix (cli/fix.c); a --fix-* option */
    blanc_fix_options fo;
    uint64_t at[CLI_MAX_AT]; /* --at (cli/sample.c) */
    int n_at;
    cli_health health;
    int health_given, linger_given;
    const char *metrics_addr;
    uint64_t metrics_linger;
    cli_metrics *metrics;
    char pads[CLI_MAX_SYMBOLS][8];
    blanc_health_config hc;
} cli_run;

/* The long options cli_run_option() takes, for a command's getopt_long table
 * ('o' is -o/--output: put "o:" in the short options). */
#define CLI_RUN_LONGOPTS                                                                       \
    {"symbol", required_argument, 0, 's'}, {"depth", required_argument, 0, 'd'},               \
    {"json", no_argument, 0, 'j'}, {"strict", no_argument, 0, 'S'},                            \
    {"no-book", no_argument, 0, 'B'}, {"expect-orders", required_argument, 0, 'e'},            \
    {"emit", required_argument, 0, 'E'}, {"format", required_argument, 0, 'm'},                \
    {"output", required_argument, 0, 'o'}, {"health-config", required_argument, 0, 'H'},       \
    {"health-journal", required_argument, 0, 'J'}, {"reset-at", required_argument, 0, 'R'},    \
    {"no-health", no_argument, 0, 'N'}, {"metrics-listen", required_argument, 0, 'L'},         \
    {"metrics-linger", required_argument, 0, 'G'}, {"date", required_argument, 0, CLI_OPT_DATE}, \
    {"from", required_argument, 0, CLI_OPT_FROM}, {"to", required_argument, 0, CLI_OPT_TO},    \
    {"price", required_argument, 0, CLI_OPT_PRICE}, {"time", required_argument, 0, CLI_OPT_TIME}, \
    {"every", required_argument, 0, CLI_OPT_EVERY}, {"at", required_argument, 0, CLI_OPT_AT},   \
    {"fix-version", required_argument, 0, CLI_OPT_FIX_VERSION},                                \
    {"fix-sender", required_argument, 0, CLI_OPT_FIX_SENDER},                                  \
    {"fix-target", required_argument, 0, CLI_OPT_FIX_TARGET}
enum { CLI_OPT_DATE = 0x100, CLI_OPT_FROM, CLI_OPT_TO, CLI_OPT_PRICE, CLI_OPT_TIME,
       CLI_OPT_EVERY, CLI_OPT_AT, CLI_OPT_FIX_VERSION, CLI_OPT_FIX_SENDER, CLI_OPT_FIX_TARGET };

typedef struct cli_run_info {
    blanc_session *s;
    blanc_replay *r;
    blanc_session_input_info in;
    double secs;
    int committed;
} cli_run_info;

/* What a command says about its own input; NULL members are skipped. */
typedef struct cli_run_hooks {
    void *ctx;
    void (*head_json)(jw *j, void *ctx, const cli_run_info *ri); /* the first keys */
    void (*head_text)(FILE *f, void *ctx, const cli_run_info *ri); /* the first lines */
    void (*tail_json)(jw *j, void *ctx, const cli_run_info *ri);
    void (*tail_text)(FILE *f, void *ctx, const cli_run_info *ri);
    /* The input held nothing: say so and return nonzero (exit 2). */
    int (*empty)(void *ctx, const cli_run_info *ri);
    void (*before_run)(void *ctx, const blanc_session *s);
    void (*after_run)(void *ctx, const blanc_session *s);
} cli_run_hooks;

void cli_run_init(cli_run *a, const char *cmd);
/* The run's files (-o, --health-journal, --health-config) with the
 * command's own[0..n) (its input, --resume, a snapshot folder) through
 * cli_check_files. CLI_OK or CLI_USAGE (said why). */
int cli_run_files(const cli_run *a, const cli_file *own, size_t n);
/* One shared option: CLI_OK, CLI_USAGE (said why), or -1: not a shared one. */
int cli_run_option(cli_run *a, int c, const char *arg);
/* A --symbol argument as the books name it: trimmed, upper case, 1 to 8
 * characters into out (NUL-terminated); CLI_USAGE with the error printed. */
int cli_symbol_arg(const char *cmd, const char *s, char out[9]);
/* Options that would do nothing are mistakes: say which. snapshots: the
 * command will take or resume snapshots. CLI_OK or CLI_USAGE. */
int cli_run_check(cli_run *a, int snapshots);
/* Fill the shared part of *so, open the session, run, commit, print the
 * summary and warnings, free. Returns the exit code. */
int cli_run_session(cli_run *a, blanc_session_options *so, const cli_run_hooks *hk);
void cli_session_error(const blanc_session_error *e);

/* lobster.c: --emit lobster. Its options (CLI_OK, CLI_USAGE or -1 as
 * cli_run_option), the checks, the writer's options, the summary. */
int cli_lobster_option(cli_run *a, int c, const char *arg);
int cli_lobster_check(cli_run *a);
void cli_lobster_setup(cli_run *a, blanc_session_options *so);
void cli_lobster_json(jw *j, const cli_run *a, const blanc_session *s, int committed);
void cli_lobster_text(FILE *f, const cli_run *a, const blanc_session *s, int committed);
/* sample.c: --every and --at of --emit l2 and bars (as cli_lobster_option),
 * and their checks. */
int cli_sample_option(cli_run *a, int c, const char *arg);
int cli_sample_check(cli_run *a);
/* The trading day a file's name starts with (YYYYMMDD or MMDDYYYY) as
 * YYYY-MM-DD; 0 if it starts with neither. */
int cli_date_of_name(const char *input, char out[11]);

/* fix.c: --emit fix. Its options (CLI_OK, CLI_USAGE or -1 as
 * cli_run_option), its checks (CLI_OK or CLI_USAGE), the writer's options. */
int cli_fix_option(cli_run *a, int c, const char *arg);
int cli_fix_check(cli_run *a);
void cli_fix_setup(cli_run *a, blanc_session_options *so);
/* --snapshot-format: bin or json. CLI_OK or CLI_USAGE (said why). */
int cli_parse_snap_format(const char *cmd, const char *arg, blanc_snap_format *out);
/* Options that would do nothing are mistakes: the first rule whose bad is
 * set is said ("CMD: msg") and is CLI_USAGE; else CLI_OK. */
typedef struct cli_rule {
    int bad;
    const char *msg;
} cli_rule;
int cli_check_rules(const char *cmd, const cli_rule *rules, size_t n);
/* The "transport" object / line of a captured or live input. */
void cli_transport_json(jw *j, const blanc_transport_stats *t);
void cli_transport_text(FILE *f, const blanc_transport_stats *t);

/* Parse a decimal unsigned integer with an optional k/M/G (10^3/10^6/10^9)
 * suffix. Returns 0 or -1 if s is not such a number. */
int cli_parse_u64(const char *s, uint64_t *out);

/* For getopt's '?' (main sets opterr = 0): one line naming the bad flag,
 * unknown or missing its argument, and "see 'blanc CMD --help'". shortopts:
 * the optstring given to getopt_long. Returns CLI_USAGE. */
int cli_bad_option(const char *cmd, const char *shortopts, char **argv);
/* A command with one subcommand (`blanc capture info`, `blanc snapshot show`):
 * CLI_CONTINUE when argv[1] is it, else the exit code after printing the
 * usage (--help: to stdout, 0) or the error. */
int cli_subcommand(const char *cmd, const char *sub, int argc, char **argv, const char *usage);

/* The replay's counters as a value (blanc_replay_get_stats copies them). */
static inline blanc_replay_stats cli_replay_stats(const blanc_replay *r)
{
    blanc_replay_stats s;
    blanc_replay_get_stats(r, &s);
    return s;
}

/* fflush(f); for stdout, a failure's reason is kept for the error main
 * reports at exit (a failed write to stdout is exit 2, main.c). */
void cli_flush(FILE *f);

/* Print "blanc: <what>: <why>" to stderr. */
void cli_error(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
