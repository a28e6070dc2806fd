/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * What `blanc replay` and `blanc listen` share: the book, summary, emit,
 * health and metrics options, the session run from open to free, and the
 * summary. Each command adds its input's own options and the lines that
 * describe its input (cli_run_hooks).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

void cli_run_init(cli_run *a, const char *cmd)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->health.cmd = cmd;
    a->depth = 5;
    a->opts.framing = BLANC_FRAMING_AUTO;
}

/* ITCH symbols are upper case and space padded: "  aapl " means AAPL. */
int cli_symbol_arg(const char *cmd, const char *s, char out[9])
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0 || n > 8) { /* what blanc_symbol_pad() accepts */
        cli_error("%s: --symbol '%s' is not a 1-8 character symbol", cmd, s);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    out[n] = 0;
    return CLI_OK;
}

static int add_symbol(cli_run *a, const char *s)
{
    if (a->n_symbols == CLI_MAX_SYMBOLS) {
        cli_error("%s: at most %d --symbol options", a->cmd, CLI_MAX_SYMBOLS);
        return CLI_USAGE;
    }
    if (cli_symbol_arg(a->cmd, s, a->symbols[a->n_symbols]))
        return CLI_USAGE;
    a->n_symbols++;
    return CLI_OK;
}

int cli_run_option(cli_run *a, int c, const char *arg)
{
    uint64_t v;
    switch (c) {
    case 'H': a->health.config = arg; a->health_given = 1; return CLI_OK;
    case 'J': a->health.journal = arg; a->health_given = 1; return CLI_OK;
    case 'R':
        a->health_given = 1;
        return cli_health_reset_at(&a->health, arg) ? CLI_USAGE : CLI_OK;
    case 'N': a->health.off = 1; return CLI_OK;
    case 'L': a->metrics_addr = arg; return CLI_OK;
    case 'G':
        if (cli_parse_u64(arg, &a->metrics_linger) || a->metrics_linger > 86400) {
            cli_error("%s: --metrics-linger wants seconds up to 86400, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->linger_given = 1;
        return CLI_OK;
    case 'E': {
        if (!strcmp(arg, "lobster")) {
            a->lobster = 1;
            return CLI_OK;
        }
        if (!strcmp(arg, "fix")) {
            a->emit = a->fix = 1;
            return CLI_OK;
        }
        int k = blanc_emit_kind_parse(arg);
        if (k < 0) {
            cli_error("%s: --emit is bbo, l2, l3, trades, bars, lobster or fix, not '%s'", a->cmd,
                      arg);
            return CLI_USAGE;
        }
        a->emit = 1;
        a->eo.kind = (blanc_emit_kind)k;
        return CLI_OK;
    }
    case 'm': {
        int f = blanc_emit_format_parse(arg);
        if (f < 0) {
            cli_error("%s: --format is jsonl, csv or bin, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->eo.format = (blanc_emit_format)f;
        a->format_given = 1;
        return CLI_OK;
    }
    case 'o': a->emit_out = arg; return CLI_OK;
    case 's': return add_symbol(a, arg);
    case 'd':
        if (cli_parse_u64(arg, &a->depth) || a->depth == 0 || a->depth > 100000) {
            cli_error("%s: --depth wants a number from 1 to 100000, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->depth_given = 1;
        return CLI_OK;
    case 'j': a->json = 1; return CLI_OK;
    case CLI_OPT_PRICE:
        if (strcmp(arg, "decimal") && strcmp(arg, "int")) {
            cli_error("%s: --price is decimal or int, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->eo.price_decimal = !strcmp(arg, "decimal");
        a->human_given = 1;
        return CLI_OK;
    case CLI_OPT_TIME:
        if (strcmp(arg, "iso") && strcmp(arg, "ns")) {
            cli_error("%s: --time is iso or ns, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->eo.time_iso = !strcmp(arg, "iso");
        a->human_given = 1;
        return CLI_OK;
    case CLI_OPT_DATE:
    case CLI_OPT_FROM:
    case CLI_OPT_TO: return cli_lobster_option(a, c, arg);
    case CLI_OPT_EVERY:
    case CLI_OPT_AT: return cli_sample_option(a, c, arg);
    case CLI_OPT_FIX_VERSION:
    case CLI_OPT_FIX_SENDER:
    case CLI_OPT_FIX_TARGET: return cli_fix_option(a, c, arg);
    case 'S': a->strict = a->opts.strict = 1; return CLI_OK;
    case 'B': a->opts.no_book = 1; return CLI_OK;
    case 'e':
        if (cli_parse_u64(arg, &v) || v > (1u << 30)) {
            cli_error("%s: --expect-orders wants a number up to 2^30, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->opts.expected_orders = (size_t)v;
        return CLI_OK;
    default: return -1;
    }
}

int cli_parse_snap_format(const char *cmd, const char *arg, blanc_snap_format *out)
{
    if (!strcmp(arg, "bin"))
        *out = BLANC_SNAP_BINARY;
    else if (!strcmp(arg, "json"))
        *out = BLANC_SNAP_JSON;
    else {
        cli_error("%s: --snapshot-format is bin or json, not '%s'", cmd, arg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_check_rules(const char *cmd, const cli_rule *rules, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (rules[i].bad) {
            cli_error("%s: %s", cmd, rules[i].msg);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_run_check(cli_run *a, int snapshots)
{
    const cli_rule rules[] = {
        {a->emit && !a->emit_out, "--emit needs -o OUT ('-' for stdout)"},
        {!a->emit && !a->lobster && a->emit_out != NULL, "-o is the output of --emit"},
        {a->format_given && !a->emit && !a->lobster, "--format is the format of --emit"},
        {a->human_given && !a->emit, "--price and --time apply to --emit"},
        {a->human_given && a->eo.format == BLANC_EMIT_BIN,
         "--price and --time are for csv and jsonl, not bin"},
        {a->linger_given && !a->metrics_addr, "--metrics-linger needs --metrics-listen"},
        {a->depth_given && !a->n_symbols && !(a->emit && a->eo.kind == BLANC_EMIT_L2),
         "--depth applies to --symbol and --emit l2"},
        {(a->emit || a->lobster || snapshots) && a->opts.no_book,
         "--no-book builds no books to snapshot, resume or emit"},
        {a->health_given && a->health.off, "--no-health with a health option"},
        {a->health_given && a->opts.no_book, "--no-book computes no book anomalies to track health"},
    };
    if (cli_check_rules(a->cmd, rules, sizeof rules / sizeof rules[0]) || cli_lobster_check(a) ||
        cli_sample_check(a) || cli_fix_check(a))
        return CLI_USAGE;
    if (a->opts.no_book)
        a->health.off = 1;
    if (a->emit && a->eo.kind == BLANC_EMIT_L2 && a->depth_given)
        a->eo.depth = (uint32_t)a->depth;
    return CLI_OK;
}

int cli_run_files(const cli_run *a, const cli_file *own, size_t n)
{
    enum { MAX_OWN = 8 };
    cli_file f[MAX_OWN + 3];
    size_t k = 0;
    for (size_t i = 0; i < n && i < MAX_OWN; i++)
        f[k++] = own[i];
    f[k++] = (cli_file){"-o", a->emit_out, a->lobster ? CLI_OUT_DIR : CLI_OUT};
    f[k++] = (cli_file){"--health-journal", a->health.journal, CLI_OUT};
    f[k++] = (cli_file){"--health-config", a->health.config, CLI_IN};
    return cli_check_files(a->cmd, f, k);
}

/* Messages per second over the messages this run replayed (not those a
 * resumed snapshot had already counted). */
static double rate(const cli_run_info *ri)
{
    uint64_t n = cli_replay_stats(ri->r).messages - ri->in.start_messages;
    return ri->secs > 0 ? (double)n / ri->secs : 0;
}

static double ns_per_msg(const cli_run_info *ri)
{
    uint64_t n = cli_replay_stats(ri->r).messages - ri->in.start_messages;
    return n ? ri->secs * 1e9 / (double)n : 0;
}

void cli_transport_json(jw *j, const blanc_transport_stats *t)
{
    jw_open(j, "transport", '{');
    jw_u64(j, "packets", t->packets);
    jw_u64(j, "messages", t->messages);
    jw_u64(j, "sessions", t->sessions);
    jw_u64(j, "gaps", t->gaps);
    jw_u64(j, "lost_messages", t->lost_messages);
    jw_u64(j, "duplicates", t->duplicates);
    jw_u64(j, "out_of_order", t->out_of_order);
    jw_u64(j, "arbitrated", t->arbitrated);
    jw_u64(j, "late", t->late);
    jw_u64(j, "heartbeats", t->heartbeats);
    jw_u64(j, "skipped", t->skipped);
    jw_u64(j, "bad_packets", t->bad_packets);
    jw_close(j, '}');
}

void cli_transport_text(FILE *f, const blanc_transport_stats *t)
{
    fprintf(f,
            "transport    %" PRIu64 " packets, %" PRIu64 " messages, %" PRIu64 " sessions, %" PRIu64
            " gaps (%" PRIu64 " messages lost",
            t->packets, t->messages, t->sessions, t->gaps, t->lost_messages);
    if (t->late) /* only then: most captures have none */
        fprintf(f, ", %" PRIu64 " came late", t->late);
    fprintf(f,
            "), %" PRIu64 " duplicates, %" PRIu64 " out of order, %" PRIu64 " arbitrated, %" PRIu64
            " heartbeats, %" PRIu64 " skipped, %" PRIu64 " bad packets\n",
            t->duplicates, t->out_of_order, t->arbitrated, t->heartbeats, t->skipped,
            t->bad_packets);
}

/* What both summaries show, read once. */
typedef struct facts {
    blanc_replay_stats st;
    blanc_books *b;
    blanc_books_stats bs;
    blanc_digests d;
    blanc_transport_stats t;
    int has_transport;
} facts;

static void gather(const cli_run_info *ri, facts *x)
{
    blanc_replay_get_stats(ri->r, &x->st);
    x->b = blanc_replay_books(ri->r);
    blanc_books_get_stats(x->b, &x->bs);
    blanc_replay_digests(ri->r, &x->d);
    x->has_transport = blanc_feed_get_transport_stats(blanc_session_feed(ri->s), &x->t) == 0;
}

static void print_json(FILE *f, const cli_run *a, const cli_run_info *ri, const cli_run_hooks *hk)
{
    facts x;
    gather(ri, &x);
    jw j;
    jw_init(&j, f);
    jw_open(&j, NULL, '{');
    hk->head_json(&j, hk->ctx, ri);
    jw_u64(&j, "bytes", x.st.bytes);
    jw_u64(&j, "messages", x.st.messages);
    jw_u64(&j, "messages_replayed", x.st.messages - ri->in.start_messages);
    jw_open(&j, "by_type", '{');
    for (int i = 0; i < BLANC_ITCH_NTYPES; i++) {
        char k[2] = {blanc_itch_types[i], 0};
        jw_u64(&j, k, x.st.by_type[i]);
    }
    jw_close(&j, '}');
    jw_u64(&j, "book_changes", x.st.book_changes);
    jw_u64(&j, "instruments", x.bs.instruments);
    jw_u64(&j, "live_orders", x.bs.live_orders);
    jw_u64(&j, "peak_orders", x.bs.peak_orders);
    jw_u64(&j, "levels", x.bs.levels);
    jw_u64(&j, "first_timestamp", x.st.first_timestamp);
    jw_u64(&j, "last_timestamp", x.st.last_timestamp);
    jw_u64(&j, "anomalies_total", x.st.anomalies_total);
    jw_open(&j, "anomalies", '{');
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &x.st.anomalies[i];
        if (!as->count)
            continue;
        jw_open(&j, blanc_anomaly_key((blanc_anomaly)i), '{');
        jw_u64(&j, "count", as->count);
        jw_u64(&j, "first_offset", as->first_offset);
        jw_u64(&j, "first_index", as->first_index);
        jw_close(&j, '}');
    }
    jw_close(&j, '}');
    jw_bool(&j, "ended_by_session_marker", x.st.ended_by_session_marker);
    jw_open(&j, "digests", '{');
    jw_hex64(&j, "l3", x.d.l3);
    jw_hex64(&j, "l2", x.d.l2);
    jw_hex64(&j, "stream", x.d.stream);
    if (a->opts.no_input_digest)
        jw_null(&j, "input");
    else
        jw_hex64(&j, "input", x.d.input);
    jw_close(&j, '}');
    if (x.has_transport)
        cli_transport_json(&j, &x.t);
    jw_double(&j, "elapsed_s", ri->secs);
    jw_double(&j, "messages_per_s", rate(ri));
    jw_double(&j, "ns_per_message", ns_per_msg(ri));
    size_t ns = blanc_session_snapshots(ri->s);
    if (a->snapshots) {
        jw_open(&j, "snapshots", '[');
        for (size_t i = 0; i < ns; i++) {
            uint64_t m;
            const char *p = blanc_session_snapshot(ri->s, i, &m);
            jw_open(&j, NULL, '{');
            jw_str(&j, "path", p);
            jw_u64(&j, "messages", m);
            jw_close(&j, '}');
        }
        jw_close(&j, ']');
    }
    if (a->emit) {
        jw_str(&j, "emit_output", a->emit_out);
        jw_u64(&j, "emit_records", blanc_session_emit_records(ri->s));
    }
    cli_lobster_json(&j, a, ri->s, ri->committed);
    cli_health_json(&j, &a->health);
    if (a->n_symbols && !a->emit && !a->lobster) {
        jw_open(&j, "books", '{');
        for (int i = 0; i < a->n_symbols; i++)
            cli_ladder_json(&j, x.b, a->symbols[i], a->depth);
        jw_close(&j, '}');
    }
    if (hk->tail_json)
        hk->tail_json(&j, hk->ctx, ri);
    jw_close(&j, '}');
    jw_end(&j);
}

static void print_text(FILE *f, const cli_run *a, const cli_run_info *ri, const cli_run_hooks *hk)
{
    facts x;
    gather(ri, &x);
    char t0[32], t1[32];
    cli_fmt_time(x.st.first_timestamp, t0);
    cli_fmt_time(x.st.last_timestamp, t1);
    hk->head_text(f, hk->ctx, ri);
    fprintf(f, "messages     %" PRIu64 " (feed time %s .. %s)", x.st.messages, t0, t1);
    if (ri->in.start_messages)
        fprintf(f, ", %" PRIu64 " replayed after resuming at %" PRIu64,
                x.st.messages - ri->in.start_messages, ri->in.start_messages);
    fprintf(f, "\nby type     ");
    for (int i = 0, col = 0; i < BLANC_ITCH_NTYPES; i++) {
        if (!x.st.by_type[i])
            continue;
        if (col && col % 6 == 0)
            fprintf(f, "\n            ");
        fprintf(f, " %c %-10" PRIu64, blanc_itch_types[i], x.st.by_type[i]);
        col++;
    }
    fprintf(f, "\nbook changes %" PRIu64 "\n", x.st.book_changes);
    fprintf(f, "instruments  %" PRIu32 "\n", x.bs.instruments);
    fprintf(f, "live orders  %" PRIu64 " (peak %" PRIu64 "), %" PRIu64 " price levels\n",
           x.bs.live_orders, x.bs.peak_orders, x.bs.levels);
    fprintf(f, "anomalies    %" PRIu64 "\n", x.st.anomalies_total);
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &x.st.anomalies[i];
        if (as->count)
            fprintf(f, "  %-15s %10" PRIu64 "  first at byte %" PRIu64 ", message %" PRIu64 "  (%s)\n",
                   blanc_anomaly_key((blanc_anomaly)i), as->count, as->first_offset,
                   as->first_index, blanc_anomaly_text((blanc_anomaly)i));
    }
    fprintf(f, "digest l3    %016" PRIx64 "\n", x.d.l3);
    fprintf(f, "digest l2    %016" PRIx64 "\n", x.d.l2);
    fprintf(f, "digest stream %016" PRIx64 "\n", x.d.stream);
    if (a->opts.no_input_digest)
        fprintf(f, "digest input (not computed)\n");
    else
        fprintf(f, "digest input %016" PRIx64 "\n", x.d.input);
    if (x.has_transport)
        cli_transport_text(f, &x.t);
    fprintf(f, "elapsed      %.3f s, %.2f M msg/s, %.1f ns/msg\n", ri->secs, rate(ri) / 1e6,
            ns_per_msg(ri));
    cli_health_text(f, &a->health);
    for (size_t i = 0; i < blanc_session_snapshots(ri->s); i++) {
        uint64_t m;
        const char *p = blanc_session_snapshot(ri->s, i, &m);
        fprintf(f, "snapshot     %s (after %" PRIu64 " messages)\n", p, m);
    }
    if (a->emit && ri->committed)
        fprintf(f, "emitted      %" PRIu64 " records to %s\n", blanc_session_emit_records(ri->s),
                a->emit_out);
    else if (a->emit)
        fprintf(f, "emitted      nothing: %s was not written\n", a->emit_out);
    cli_lobster_text(f, a, ri->s, ri->committed);
    if (hk->tail_text)
        hk->tail_text(f, hk->ctx, ri);
    for (int i = 0; i < a->n_symbols && !a->emit && !a->lobster; i++)
        cli_ladder_text(f, x.b, a->symbols[i], a->depth);
}

/* One warning line per anomaly kind, so that a script's log shows a damaged
 * input even when the exit code is 0. */
static void warn_anomalies(const cli_run *a, const cli_run_info *ri)
{
    blanc_replay_stats st;
    blanc_replay_get_stats(ri->r, &st);
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st.anomalies[i];
        if (!as->count)
            continue;
        char extra[96] = "";
        if (i == BLANC_AN_ZERO_LENGTH)
            snprintf(extra, sizeof extra, "; %" PRIu64 " bytes follow the first",
                     ri->in.stream_bytes - as->first_offset - 2);
        fprintf(stderr, "blanc: %s: %s %" PRIu64 " %s (%s), first at byte %" PRIu64
                        ", message %" PRIu64 "%s\n",
                a->input, a->strict ? "error:" : "warning:", as->count,
                blanc_anomaly_key((blanc_anomaly)i), blanc_anomaly_text((blanc_anomaly)i),
                as->first_offset, as->first_index, extra);
    }
}

/* Sequence number 0 (anonymized captures): once, since nothing that depends
 * on sequence numbers (gaps, copies, reordering) was checked for them. */
static void warn_unsequenced(const cli_run *a, const cli_run_info *ri)
{
    blanc_transport_stats t;
    if (blanc_feed_get_transport_stats(blanc_session_feed(ri->s), &t) == 0 && t.unsequenced)
        fprintf(stderr,
                "blanc: %s: warning: MoldUDP64 packets with sequence number 0 (unsequenced, as in "
                "anonymized captures): their messages passed in capture order, without gap, "
                "duplicate or reordering accounting\n",
                a->input);
}

/* Symbols asked for that the day never listed. */
static void warn_symbols(const cli_run *a, const blanc_replay *r)
{
    const blanc_books *b = blanc_replay_books_const(r);
    for (int i = 0; i < a->n_symbols; i++) {
        char pad[8];
        blanc_symbol_pad(a->symbols[i], pad);
        if (blanc_books_find(b, pad) < 0)
            fprintf(stderr, "blanc: %s: warning: --symbol %s is not in the stock directory\n",
                    a->input, a->symbols[i]);
    }
}

void cli_session_error(const blanc_session_error *e)
{
    char where[4200];
    snprintf(where, sizeof where, "%s%s", e->path, e->path[0] ? ": " : "");
    const char *hint = "";
    if (e->code == BLANC_EMISMATCH || e->code == BLANC_ENODIGEST)
        hint = "; --force to resume anyway";
    else if (e->code == BLANC_ENOTITCH && strstr(e->what, "zero length prefix at byte 0"))
        hint = "; a file written with zeroed prefixes reads with --framing fixed or auto";
    cli_error("%s%s%s%s%s%s%s%s", where, blanc_strerror(e->code), e->sys_errno ? ": " : "",
              e->sys_errno ? strerror(e->sys_errno) : "", e->what[0] ? " (" : "", e->what,
              e->what[0] ? ")" : "", hint);
}

static int tick(void *ctx, blanc_session *s)
{
    const cli_run *a = ctx;
    cli_metrics_tick(a->metrics, blanc_session_replay(s), blanc_session_health(s));
    return 0;
}

/* The renames of a finished session with signals held: a signal between two
 * of them (the emit output, the journal, LOBSTER's files) would leave some
 * outputs in place and not the others. One that comes meanwhile ends the
 * process right after, with every output in place. */
static int commit_held(blanc_session *s, blanc_session_error *err)
{
    cli_interrupt_hold();
    int rc = blanc_session_commit(s, err);
    cli_interrupt_release();
    return rc;
}

/* --reset-at points the run never reached did nothing: a usage error. */
static int check_resets(const cli_run *a, const blanc_replay *r)
{
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    for (int i = 0; i < a->health.n_reset_at; i++) {
        uint64_t p = a->health.reset_at[i];
        int t = a->health.reset_is_time[i];
        if (t ? p > st.last_timestamp : p >= st.messages) {
            char buf[32];
            if (t)
                cli_fmt_time(p, buf);
            else
                snprintf(buf, sizeof buf, "%" PRIu64, p);
            cli_error("%s: --reset-at %s is past the end (%" PRIu64 " messages, last stamped %s)",
                      a->input, buf, st.messages, t ? "earlier" : "any");
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_run_session(cli_run *a, blanc_session_options *so, const cli_run_hooks *hk)
{
    if (a->emit && a->n_symbols) {
        for (int i = 0; i < a->n_symbols; i++)
            blanc_symbol_pad(a->symbols[i], a->pads[i]);
        a->eo.symbols = (const char(*)[8])a->pads;
        a->eo.n_symbols = (size_t)a->n_symbols;
    }
    if (!a->health.off && cli_health_config(&a->health, &a->hc))
        return CLI_USAGE;
    so->replay = a->opts;
    so->health = a->health.off ? NULL : &a->hc;
    so->health_journal = a->health.journal;
    so->emit = a->emit ? &a->eo : NULL;
    so->emit_out = a->emit_out;
    cli_lobster_setup(a, so);
    cli_fix_setup(a, so);
    if (a->metrics_addr) {
        if (cli_metrics_start(&a->metrics, a->metrics_addr, !a->health.off))
            return CLI_USAGE;
        /* Look every 2^16 messages, publish once 100 ms or 2^20 messages
         * passed (cli_metrics_tick; a pause changes nothing computed). */
        so->tick = 1u << 16;
        so->on_tick = tick;
        so->ctx = a;
    }
    blanc_session_error err;
    memset(&err, 0, sizeof err);
    cli_run_info ri;
    memset(&ri, 0, sizeof ri);
    int rc;
    if ((rc = blanc_session_open(&ri.s, so, &err))) {
        cli_session_error(&err);
        cli_metrics_stop(a->metrics);
        return CLI_USAGE;
    }
    cli_interrupt_session(ri.s); /* a signal from now on removes its snapshots too */
    ri.r = blanc_session_replay(ri.s);
    a->health.h = blanc_session_health(ri.s);
    cli_metrics_update(a->metrics, ri.r, a->health.h); /* a resumed state at once */
    a->health.restarted = blanc_session_health_restarted(ri.s);
    if (so->resume)
        a->strict = blanc_replay_get_options(ri.r)->strict;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (hk->before_run)
        hk->before_run(hk->ctx, ri.s);
    rc = blanc_session_run(ri.s, &err);
    if (hk->after_run)
        hk->after_run(hk->ctx, ri.s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ri.secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    blanc_session_input(ri.s, &ri.in);
    cli_metrics_update(a->metrics, ri.r, a->health.h);
    blanc_replay_stats st;
    blanc_replay_get_stats(ri.r, &st);
    int exit_code = CLI_OK;
    if (rc == BLANC_ENOTITCH) {
        cli_session_error(&err);
        exit_code = CLI_USAGE;
        goto done;
    }
    if (rc && rc != BLANC_ESTRICT) {
        cli_session_error(&err);
        exit_code = CLI_USAGE;
    } else if (hk->empty && hk->empty(hk->ctx, &ri)) {
        /* Only the error: a summary of nothing (0 messages, the digests of
         * empty books) would read as a result beside it, and a script that
         * reads stdout should find nothing it could take for one. */
        exit_code = CLI_USAGE;
        goto done;
    } else if (check_resets(a, ri.r)) {
        exit_code = CLI_USAGE;
    } else if (blanc_session_finish(ri.s, &err) || commit_held(ri.s, &err)) {
        cli_session_error(&err);
        exit_code = CLI_USAGE;
    } else {
        ri.committed = 1;
    }
    FILE *out = a->emit && !strcmp(a->emit_out, "-") ? stderr : stdout;
    if (a->json)
        print_json(out, a, &ri, hk);
    else
        print_text(out, a, &ri, hk);
    cli_flush(out);
    warn_anomalies(a, &ri);
    warn_unsequenced(a, &ri);
    warn_symbols(a, ri.r);
    if (exit_code == CLI_OK && a->strict && st.anomalies_total)
        exit_code = CLI_ANOMALY;
done:
    if (a->metrics) {
        struct timespec linger = {(time_t)a->metrics_linger, 0};
        cli_flush(stdout);
        fflush(NULL);
        while (nanosleep(&linger, &linger) != 0 && errno == EINTR)
            ;
        cli_metrics_stop(a->metrics);
    }
    a->health.h = NULL;
    cli_interrupt_session(NULL);
    blanc_session_free(ri.s);
    return exit_code;
}
