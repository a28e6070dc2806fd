/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc dump FILE: every decoded message with all its fields, the decoder
 * made visible (docs/FEEDS.md "Seeing the messages"). The fields and their
 * formatting are the library's (blanc_itch_fields, blanc_dumper); this file
 * parses flags, drives the feed into the dumper and reports.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "cli.h"


static const char usage_text[] =
    "usage: blanc dump FILE [options]\n"
    "\n"
    "Print every decoded message of an ITCH 5.0 input (plain, .gz or .zst, chosen by\n"
    "content; '-' = stdin) with all its fields, named as in the ITCH 5.0 spec\n"
    "(docs/FEEDS.md): alpha fields as strings without their trailing spaces, prices\n"
    "as integers, timestamps as ns since midnight and as \"time\" HH:MM:SS.nnnnnnnnn,\n"
    "then the message's index and byte offset (and, for captures, its packet,\n"
    "session and sequence number).\n"
    "\n"
    "options:\n"
    "  --type LIST         only these message types, e.g. A,F,D (repeatable)\n"
    "  --symbol SYM        only messages of SYM: by stock locate once its stock\n"
    "                      directory (R) message was seen, or by their Stock field\n"
    "                      (repeatable)\n"
    "  --from T, --to T    only messages stamped in [T, T], HH:MM:SS[.nnnnnnnnn]\n"
    "  --format F          jsonl (default: one object per message) or csv (needs\n"
    "                      --type with one type: a header, then one row each)\n"
    "  --price P           integer (default: Price(4) and Price(8) as sent) or\n"
    "                      decimal (dollars, with 4 or 8 decimals)\n"
    "  --framing MODE      auto (default: by content), binaryfile or fixed\n"
    "  -o OUT              output file ('-' = stdout, the default); .gz/.zst\n"
    "                      compress; written atomically\n"
    "  -h, --help          this text\n"
    "\n"
    "Damaged frames are not printed: each kind of anomaly gets one warning line on\n"
    "stderr, as in blanc replay. Byte offsets are in the ITCH stream (after\n"
    "decompression); message indexes count every frame, as blanc replay does.\n"
    "\n"
    "exit codes: 0 ok (anomalies are counted, not fatal), 2 usage error, or input\n"
    "            that is unreadable, empty or not ITCH\n";

typedef struct dump_args {
    const char *file, *out;
    char types[BLANC_ITCH_NTYPES + 1];
    char symbols[CLI_MAX_SYMBOLS][8]; /* padded */
    int n_symbols;
    blanc_dump_options o;
    blanc_framing framing;
} dump_args;

/* "A,F,D": each item one type byte; case matters (H and h are two types). */
static int add_types(dump_args *a, const char *s)
{
    const char *p = s;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n != 1 || !blanc_itch_msg_len((uint8_t)*p)) {
            cli_error("dump: --type wants ITCH 5.0 type letters such as A,F,D (one of %s), "
                      "not '%.*s'", blanc_itch_types, (int)n, p);
            return CLI_USAGE;
        }
        if (!strchr(a->types, *p))
            a->types[strlen(a->types)] = *p;
        if (!end)
            return CLI_OK;
        p = end + 1;
    }
}

/* As replay takes it: trimmed, upper case, 1 to 8 characters. */
static int add_symbol(dump_args *a, const char *s)
{
    if (a->n_symbols == CLI_MAX_SYMBOLS) {
        cli_error("dump: at most %d --symbol options", CLI_MAX_SYMBOLS);
        return CLI_USAGE;
    }
    char up[9];
    if (cli_symbol_arg("dump", s, up))
        return CLI_USAGE;
    blanc_symbol_pad(up, a->symbols[a->n_symbols++]);
    return CLI_OK;
}

static int parse_time(const char *flag, const char *s, uint64_t *ns)
{
    if (!cli_parse_time(s, ns))
        return CLI_OK;
    cli_error("dump: %s wants a feed time HH:MM:SS[.nnnnnnnnn], not '%s'", flag, s);
    return CLI_USAGE;
}

static int parse_args(int argc, char **argv, dump_args *a)
{
    static const struct option longopts[] = {
        {"type", required_argument, 0, 't'},    {"symbol", required_argument, 0, 's'},
        {"from", required_argument, 0, 'F'},    {"to", required_argument, 0, 'T'},
        {"format", required_argument, 0, 'm'},  {"price", required_argument, 0, 'p'},
        {"framing", required_argument, 0, 'f'}, {"output", required_argument, 0, 'o'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->out = "-";
    a->framing = BLANC_FRAMING_AUTO;
    int c, to_given = 0;
    uint64_t to = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (add_types(a, optarg))
                return CLI_USAGE;
            break;
        case 's':
            if (add_symbol(a, optarg))
                return CLI_USAGE;
            break;
        case 'F':
            if (parse_time("--from", optarg, &a->o.from))
                return CLI_USAGE;
            break;
        case 'T':
            if (parse_time("--to", optarg, &to))
                return CLI_USAGE;
            to_given = 1;
            break;
        case 'm':
            if (!strcmp(optarg, "jsonl") || !strcmp(optarg, "csv"))
                a->o.format = optarg[0] == 'c' ? BLANC_DUMP_CSV : BLANC_DUMP_JSONL;
            else {
                cli_error("dump: --format is jsonl or csv, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'p':
            if (!strcmp(optarg, "integer") || !strcmp(optarg, "decimal"))
                a->o.price_decimal = optarg[0] == 'd';
            else {
                cli_error("dump: --price is integer or decimal, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'f':
            if (!strcmp(optarg, "auto"))
                a->framing = BLANC_FRAMING_AUTO;
            else if (!strcmp(optarg, "binaryfile"))
                a->framing = BLANC_FRAMING_BINARYFILE;
            else if (!strcmp(optarg, "fixed"))
                a->framing = BLANC_FRAMING_FIXED;
            else {
                cli_error("dump: --framing is auto, binaryfile or fixed, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'o': a->out = optarg; break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_bad_option("dump", "ho:", argv);
        }
    }
    if (optind != argc - 1) {
        cli_error("dump: expected exactly one FILE (see 'blanc dump --help')");
        return CLI_USAGE;
    }
    a->file = argv[optind];
    const cli_file files[] = {{"the input", a->file, CLI_IN}, {"-o", a->out, CLI_OUT}};
    if (cli_check_files("dump", files, 2))
        return CLI_USAGE;
    if (a->o.format == BLANC_DUMP_CSV && strlen(a->types) != 1) {
        cli_error("dump: --format csv needs --type with exactly one type (one header per "
                  "file); use jsonl for several");
        return CLI_USAGE;
    }
    if (to_given && to < a->o.from) {
        cli_error("dump: --to is before --from");
        return CLI_USAGE;
    }
    if (to_given)
        a->o.until = to + 1; /* inclusive; a feed time is below 2^48 */
    a->o.types = a->types;
    if (a->n_symbols) {
        a->o.symbols = (const char(*)[8])a->symbols;
        a->o.n_symbols = (size_t)a->n_symbols;
    }
    return CLI_OK;
}

/* One warning line per anomaly kind, in blanc replay's words. */
static void warn_anomalies(const char *file, const blanc_dump_stats *st, uint64_t stream_bytes)
{
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (!as->count)
            continue;
        char extra[96] = "";
        if (i == BLANC_AN_ZERO_LENGTH)
            snprintf(extra, sizeof extra, "; %" PRIu64 " bytes follow the first",
                     stream_bytes - as->first_offset - 2);
        fprintf(stderr, "blanc: %s: warning: %" PRIu64 " %s (%s), first at byte %" PRIu64
                        ", message %" PRIu64 "%s\n",
                file, as->count, blanc_anomaly_key((blanc_anomaly)i),
                blanc_anomaly_text((blanc_anomaly)i), as->first_offset, as->first_index, extra);
    }
}

/* Every message the feed yields, into the dumper. Returns 0, a feed error, or
 * the sink's write error (*write_err then set). */
static int run_feed(blanc_feed *f, blanc_dumper *d, int *write_err)
{
    blanc_msg batch[256];
    for (;;) {
        int n = blanc_feed_next(f, batch, sizeof batch / sizeof batch[0]);
        if (n < 0)
            return n;
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            const blanc_msg *m = &batch[i];
            int w = blanc_dumper_write(d, m, m->session ? blanc_feed_session_name(f, m->session)
                                                        : NULL);
            if (w < 0 && w != BLANC_EUNKNOWNTYPE && w != BLANC_EBADLEN) {
                *write_err = w;
                return w;
            }
        }
        blanc_feed_consume(f, (size_t)n);
    }
    const blanc_feed_end *e = blanc_feed_end_info(f);
    if (e->how == BLANC_END_ERROR)
        return e->error ? e->error : BLANC_EIO;
    blanc_dumper_end(d, e);
    return 0;
}

int cmd_dump(int argc, char **argv)
{
    static dump_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    blanc_source *src;
    int sys = 0;
    if ((rc = blanc_source_open(&src, a.file, &sys))) {
        cli_file_error(a.file, rc, sys);
        return CLI_USAGE;
    }
    blanc_source_set_hashing(src, 0);
    blanc_feed_options fo;
    memset(&fo, 0, sizeof fo);
    fo.framing = a.framing;
    blanc_feed *f;
    char why[256];
    if ((rc = blanc_feed_open(&f, src, &fo, why, sizeof why))) {
        /* In replay's words (cmd_replay.c print_session_error). */
        const char *hint = rc == BLANC_ENOTITCH && strstr(why, "zero length prefix at byte 0")
                               ? "; a file written with zeroed prefixes reads with --framing fixed or auto"
                               : "";
        if (why[0])
            cli_error("%s: %s (%s)%s", a.file, blanc_strerror(rc), why, hint);
        else
            cli_file_error(a.file, rc, 0);
        blanc_source_close(src);
        return CLI_USAGE;
    }
    blanc_sink *sink;
    if ((rc = blanc_sink_open(&sink, a.out, &sys))) {
        cli_file_error(a.out, rc, sys);
        blanc_feed_free(f);
        blanc_source_close(src);
        return CLI_USAGE;
    }
    blanc_transport_stats ts;
    a.o.transport = blanc_feed_get_transport_stats(f, &ts) == 0;
    blanc_dumper *d;
    if ((rc = blanc_dumper_create(&d, &a.o, sink))) {
        cli_error("dump: %s", blanc_strerror(rc));
        blanc_sink_abort(sink);
        blanc_feed_free(f);
        blanc_source_close(src);
        return CLI_USAGE;
    }
    int write_err = 0;
    cli_fault_guard(a.file, src, NULL);
    rc = run_feed(f, d, &write_err);
    cli_fault_clear();
    if (!rc)
        rc = write_err = blanc_dumper_finish(d);
    blanc_dump_stats st;
    blanc_dumper_get_stats(d, &st);
    int exit_code = CLI_OK;
    if (write_err) {
        cli_sink_error(a.out, write_err, sink);
        blanc_sink_abort(sink);
        exit_code = CLI_USAGE;
    } else if (rc) {
        cli_file_error(a.file, rc, 0);
        blanc_sink_abort(sink);
        exit_code = CLI_USAGE;
    } else if (st.messages == 0 && !st.anomalies_total) {
        cli_file_error(a.file, BLANC_EEMPTY, 0);
        blanc_sink_abort(sink);
        exit_code = CLI_USAGE;
    } else if (cli_sink_commit(a.out, sink)) {
        exit_code = CLI_USAGE;
    }
    warn_anomalies(a.file, &st, blanc_source_available(src));
    blanc_dumper_free(d);
    blanc_feed_free(f);
    blanc_source_close(src);
    return exit_code;
}
