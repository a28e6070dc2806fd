/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * --emit lobster (docs/EMIT.md "LOBSTER"): its options, its checks and its
 * summary lines. The writer is the library's (blanc_lobster_*); this only
 * fills its options: the symbols, the window and the date the file names carry.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_lobster_option(cli_run *a, int c, const char *arg)
{
    uint64_t ns;
    switch (c) {
    case CLI_OPT_DATE: a->date = arg; return CLI_OK;
    case CLI_OPT_FROM:
    case CLI_OPT_TO:
        if (blanc_parse_time(arg, &ns)) {
            cli_error("%s: --%s wants a feed time HH:MM:SS[.fraction], not '%s'", a->cmd,
                      c == CLI_OPT_FROM ? "from" : "to", arg);
            return CLI_USAGE;
        }
        if (c == CLI_OPT_FROM) {
            a->from_ns = ns;
            a->from_given = 1;
        } else {
            a->to_ns = ns;
            a->to_given = 1;
        }
        return CLI_OK;
    default: return -1;
    }
}

static int two(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }

/* The trading day a file's name starts with: YYYYMMDD (20101224.TEST_ITCH_50)
 * or NASDAQ's MMDDYYYY (01302019.NASDAQ_ITCH50.gz). 0 if it starts with neither. */
int cli_date_of_name(const char *input, char out[11])
{
    const char *base = strrchr(input, '/');
    base = base ? base + 1 : input;
    for (int i = 0; i < 8; i++)
        if (base[i] < '0' || base[i] > '9')
            return 0;
    if (base[8] >= '0' && base[8] <= '9')
        return 0;
    int y1 = two(base) * 100 + two(base + 2), m1 = two(base + 4), d1 = two(base + 6);
    int m2 = two(base), d2 = two(base + 2), y2 = two(base + 4) * 100 + two(base + 6);
    if (y1 >= 1990 && y1 <= 2099 && m1 >= 1 && m1 <= 12 && d1 >= 1 && d1 <= 31)
        snprintf(out, 11, "%04d-%02d-%02d", y1, m1, d1);
    else if (y2 >= 1990 && y2 <= 2099 && m2 >= 1 && m2 <= 12 && d2 >= 1 && d2 <= 31)
        snprintf(out, 11, "%04d-%02d-%02d", y2, m2, d2);
    else
        return 0;
    return 1;
}

static int valid_date(const char *d)
{
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int k = 0; k < 10; k++)
        if (k != 4 && k != 7 && (d[k] < '0' || d[k] > '9'))
            return 0;
    return two(d + 5) >= 1 && two(d + 5) <= 12 && two(d + 8) >= 1 && two(d + 8) <= 31;
}

int cli_lobster_check(cli_run *a)
{
    const uint64_t open = UINT64_C(34200) * 1000000000u, close = UINT64_C(57600) * 1000000000u;
    const cli_rule rules[] = {
        {a->lobster && a->emit, "--emit is given twice"},
        {a->lobster && !a->emit_out, "--emit lobster needs -o DIR"},
        {a->lobster && !a->n_symbols, "--emit lobster needs --symbol SYM (repeatable)"},
        {a->lobster && !a->depth_given, "--emit lobster needs --depth N"},
        {a->lobster && a->depth > BLANC_LOBSTER_MAX_DEPTH, "--emit lobster takes --depth up to 1000"},
        {a->lobster && a->format_given, "--emit lobster writes LOBSTER's CSV: no --format"},
        {a->lobster && a->emit_out && !strcmp(a->emit_out, "-"),
         "--emit lobster writes files into a folder, not '-'"},
        {!a->lobster && !a->fix && a->date, "--date applies to --emit lobster and fix"},
        {!a->lobster && a->to_given, "--to applies to --emit lobster"},
        {!a->lobster && a->from_given && !a->eo.every_ns,
         "--from applies to --emit lobster and to --every"},
    };
    if (cli_check_rules(a->cmd, rules, sizeof rules / sizeof rules[0]))
        return CLI_USAGE;
    if (!a->lobster)
        return CLI_OK;
    if (!a->from_given)
        a->from_ns = open;
    if (!a->to_given)
        a->to_ns = close;
    if (a->from_ns >= a->to_ns) {
        cli_error("%s: --from must be before --to (default 09:30:00 to 16:00:00)", a->cmd);
        return CLI_USAGE;
    }
    if (a->date && !valid_date(a->date)) {
        cli_error("%s: --date wants YYYY-MM-DD, not '%s'", a->cmd, a->date);
        return CLI_USAGE;
    }
    if (!a->date) {
        if (!a->input || !cli_date_of_name(a->input, a->date_buf)) {
            cli_error("%s: --emit lobster needs --date YYYY-MM-DD (the input's name does not "
                      "start with one)", a->cmd);
            return CLI_USAGE;
        }
        a->date = a->date_buf;
    }
    return CLI_OK;
}

void cli_lobster_setup(cli_run *a, blanc_session_options *so)
{
    if (!a->lobster)
        return;
    for (int i = 0; i < a->n_symbols; i++)
        blanc_symbol_pad(a->symbols[i], a->pads[i]);
    memset(&a->lo, 0, sizeof a->lo);
    a->lo.symbols = (const char(*)[8])a->pads;
    a->lo.n_symbols = (size_t)a->n_symbols;
    a->lo.depth = (uint32_t)a->depth;
    a->lo.from_ns = a->from_ns;
    a->lo.to_ns = a->to_ns;
    a->lo.dir = a->emit_out;
    a->lo.date = a->date;
    so->lobster = &a->lo;
    so->emit_out = NULL; /* -o is the folder, not an emit output */
}

static void file_name(const cli_run *a, int i, int book, char *out, size_t cap)
{
    char name[256];
    if (blanc_lobster_file_name(name, sizeof name, a->pads[i], a->date, a->from_ns, a->to_ns,
                                (uint32_t)a->depth, book) < 0)
        name[0] = 0;
    snprintf(out, cap, "%s/%s", a->emit_out, name);
}

void cli_lobster_json(jw *j, const cli_run *a, const blanc_session *s, int committed)
{
    const blanc_lobster *l = blanc_session_lobster(s);
    if (!a->lobster || !l)
        return;
    jw_open(j, "lobster", '[');
    for (int i = 0; i < a->n_symbols; i++) {
        char m[4400], b[4400];
        file_name(a, i, 0, m, sizeof m);
        file_name(a, i, 1, b, sizeof b);
        jw_open(j, NULL, '{');
        jw_str(j, "symbol", a->symbols[i]);
        jw_u64(j, "rows", blanc_lobster_rows(l, (size_t)i));
        jw_str(j, "message", committed ? m : "");
        jw_str(j, "orderbook", committed ? b : "");
        jw_close(j, '}');
    }
    jw_close(j, ']');
}

void cli_lobster_text(FILE *f, const cli_run *a, const blanc_session *s, int committed)
{
    const blanc_lobster *l = blanc_session_lobster(s);
    if (!a->lobster || !l)
        return;
    for (int i = 0; i < a->n_symbols; i++) {
        char m[4400];
        file_name(a, i, 0, m, sizeof m);
        if (committed)
            fprintf(f, "lobster      %-8s %" PRIu64 " rows: %s (and _orderbook_)\n", a->symbols[i],
                    blanc_lobster_rows(l, (size_t)i), m);
        else
            fprintf(f, "lobster      %-8s nothing written\n", a->symbols[i]);
    }
}
