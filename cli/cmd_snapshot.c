/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc snapshot show: what a snapshot holds, and its books as ladders. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: blanc snapshot show SNAP [--symbol SYM]... [--depth N] [--json]\n"
    "\n"
    "Read a snapshot (binary or JSON; plain, .gz or .zst), check it, and print its\n"
    "position, counters and digests, then the book of each --symbol as a ladder\n"
    "(default: the five instruments with the most live orders).\n"
    "exit codes: 0 ok, 2 unreadable or damaged snapshot\n";

void cli_snapshot_error(const char *path, int rc, const blanc_snap_error *e, int sys_errno)
{
    if (e->what[0]) /* the reader said where */
        cli_error("%s: %s: section %s, byte %" PRIu64 ": %s", path, blanc_strerror(rc),
                  e->section, e->offset, e->what);
    else
        cli_file_error(path, rc, sys_errno);
}

/* Load a snapshot, reporting a refusal with its section and offset. */
int cli_load_snapshot(const char *path, blanc_replay **out)
{
    blanc_snap_error e;
    memset(&e, 0, sizeof e);
    errno = 0;
    int rc = blanc_snapshot_load(out, path, &e);
    if (rc)
        cli_snapshot_error(path, rc, &e, rc == BLANC_EOPEN ? errno : 0);
    return rc;
}

/* The n instruments with the most live orders, as user symbols. */
static int busiest(const blanc_books *b, char (*out)[9], int n)
{
    size_t count = blanc_books_symbols(b, NULL, 0);
    uint16_t *loc = malloc((count + 1) * sizeof *loc);
    uint64_t best[8] = {0};
    int k = 0;
    if (!loc)
        return 0;
    blanc_books_symbols(b, loc, count);
    for (size_t i = 0; i < count; i++) {
        blanc_instrument in;
        blanc_books_instrument(b, loc[i], &in);
        char name[9], pad[8];
        memcpy(name, in.symbol, 9);
        for (int c = 7; c >= 0 && name[c] == ' '; c--)
            name[c] = 0;
        /* Only a symbol a user can name (not all spaces): the ladder looks
         * it up by that name, as --symbol does. */
        if (blanc_symbol_pad(name, pad) < 0 || memcmp(pad, in.symbol, 8) != 0)
            continue;
        int at = k < n ? k++ : n;
        while (at > 0 && best[at - 1] < in.orders) {
            if (at < n) {
                best[at] = best[at - 1];
                memcpy(out[at], out[at - 1], 9);
            }
            at--;
        }
        if (at < n) {
            best[at] = in.orders;
            memcpy(out[at], name, 9);
        }
    }
    free(loc);
    return k;
}

int cmd_snapshot(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"symbol", required_argument, 0, 's'}, {"depth", required_argument, 0, 'd'},
        {"json", no_argument, 0, 'j'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *symbols[CLI_MAX_SYMBOLS];
    int n_symbols = 0, as_json = 0, c;
    uint64_t depth = 10;
    int sub = cli_subcommand("snapshot", "show", argc, argv, usage_text);
    if (sub != CLI_CONTINUE)
        return sub;
    argc--, argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (n_symbols == CLI_MAX_SYMBOLS || blanc_symbol_pad(optarg, (char[8]){0})) {
                cli_error("snapshot: bad or too many --symbol ('%s')", optarg);
                return CLI_USAGE;
            }
            symbols[n_symbols++] = optarg;
            break;
        case 'd':
            if (cli_parse_u64(optarg, &depth) || !depth || depth > 100000) {
                cli_error("snapshot: --depth wants a number from 1 to 100000, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'j': as_json = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("snapshot show", "h", argv);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    const char *path = argv[optind];
    blanc_replay *r;
    if (cli_load_snapshot(path, &r))
        return CLI_USAGE;
    const blanc_books *b = blanc_replay_books_const(r);
    char top[5][9];
    if (!n_symbols) {
        n_symbols = busiest(b, top, 5);
        for (int i = 0; i < n_symbols; i++)
            symbols[i] = top[i];
    }
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    blanc_books_stats bs;
    blanc_books_get_stats(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    uint64_t in_digest;
    uint64_t in_bytes = blanc_replay_input_position(r, &in_digest);
    if (as_json) {
        jw j;
        jw_init(&j, stdout);
        jw_open(&j, NULL, '{');
        jw_str(&j, "snapshot", path);
        jw_u64(&j, "messages", st.messages);
        jw_u64(&j, "bytes", st.bytes);
        jw_u64(&j, "last_timestamp", st.last_timestamp);
        jw_bool(&j, "finished", blanc_replay_finished(r));
        jw_u64(&j, "instruments", bs.instruments);
        jw_u64(&j, "live_orders", bs.live_orders);
        jw_u64(&j, "levels", bs.levels);
        jw_u64(&j, "anomalies_total", st.anomalies_total);
        jw_open(&j, "digests", '{');
        jw_hex64(&j, "l3", d.l3);
        jw_hex64(&j, "l2", d.l2);
        jw_hex64(&j, "stream", d.stream);
        jw_close(&j, '}');
        jw_open(&j, "input", '{');
        jw_u64(&j, "bytes", in_bytes);
        jw_hex64(&j, "xxh3", in_digest);
        jw_close(&j, '}');
        jw_open(&j, "books", '{');
        for (int i = 0; i < n_symbols; i++)
            cli_ladder_json(&j, b, symbols[i], depth);
        jw_close(&j, '}');
        jw_close(&j, '}');
        jw_end(&j);
    } else {
        char t[32];
        cli_fmt_time(st.last_timestamp, t);
        printf("snapshot     %s\n", path);
        printf("position     after %" PRIu64 " messages, byte %" PRIu64 ", feed time %s%s\n",
               st.messages, st.bytes, t, blanc_replay_finished(r) ? " (end of input)" : "");
        printf("input        first %" PRIu64 " bytes hash to %016" PRIx64 "\n", in_bytes,
               in_digest);
        printf("instruments  %" PRIu32 ", live orders %" PRIu64 ", price levels %" PRIu64
               ", anomalies %" PRIu64 "\n",
               bs.instruments, bs.live_orders, bs.levels, st.anomalies_total);
        printf("digest l3    %016" PRIx64 "\ndigest l2    %016" PRIx64
               "\ndigest stream %016" PRIx64 "\n", d.l3, d.l2, d.stream);
        for (int i = 0; i < n_symbols; i++)
            cli_ladder_text(stdout, b, symbols[i], depth);
    }
    blanc_replay_free(r);
    return CLI_OK;
}
