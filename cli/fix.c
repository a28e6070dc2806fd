/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * --emit fix (docs/EMIT.md "FIX"): its options and checks. The writer is the
 * library's (blanc_fix_*); this fills its options: the version, the CompIDs
 * and the trading day that turns feed time into UTC.
 */
#include <string.h>

#include "cli.h"

int cli_fix_option(cli_run *a, int c, const char *arg)
{
    a->fix_given = 1;
    switch (c) {
    case CLI_OPT_FIX_VERSION: {
        int v = blanc_fix_version_parse(arg);
        if (v < 0) {
            cli_error("%s: --fix-version is 4.4 or 5.0sp2, not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        a->fo.version = (blanc_fix_version)v;
        return CLI_OK;
    }
    case CLI_OPT_FIX_SENDER:
    case CLI_OPT_FIX_TARGET: {
        size_t n = strlen(arg);
        int ok = n > 0 && n <= 64;
        for (size_t i = 0; i < n; i++)
            ok &= arg[i] > ' ' && arg[i] <= '~';
        if (!ok) {
            cli_error("%s: --fix-%s wants 1 to 64 printable characters (no spaces), not '%s'",
                      a->cmd, c == CLI_OPT_FIX_SENDER ? "sender" : "target", arg);
            return CLI_USAGE;
        }
        if (c == CLI_OPT_FIX_SENDER)
            a->fo.sender = arg;
        else
            a->fo.target = arg;
        return CLI_OK;
    }
    default: return -1;
    }
}

int cli_fix_check(cli_run *a)
{
    const cli_rule rules[] = {
        {!a->fix && a->fix_given,
         "--fix-version, --fix-sender and --fix-target apply to --emit fix"},
        {a->fix && a->format_given, "--emit fix writes FIX tag=value: no --format"},
        {a->fix && a->human_given,
         "--emit fix writes FIX's own prices and times: no --price, --time"},
        {a->fix && a->depth_given, "--emit fix writes every level: no --depth"},
    };
    if (cli_check_rules(a->cmd, rules, sizeof rules / sizeof rules[0]))
        return CLI_USAGE;
    if (!a->fix)
        return CLI_OK;
    if (!a->date) {
        if (!a->input || !cli_date_of_name(a->input, a->date_buf)) {
            cli_error("%s: --emit fix needs --date YYYY-MM-DD (FIX times are UTC; the input's "
                      "name does not start with its day)", a->cmd);
            return CLI_USAGE;
        }
        a->date = a->date_buf;
    }
    int ok = strlen(a->date) == 10 && a->date[4] == '-' && a->date[7] == '-';
    for (int k = 0; ok && k < 10; k++)
        ok = k == 4 || k == 7 || (a->date[k] >= '0' && a->date[k] <= '9');
    if (ok) {
        int mo = (a->date[5] - '0') * 10 + a->date[6] - '0';
        int d = (a->date[8] - '0') * 10 + a->date[9] - '0';
        ok = mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && strncmp(a->date, "1970", 4) >= 0;
    }
    if (!ok) {
        cli_error("%s: --date wants YYYY-MM-DD, not '%s'", a->cmd, a->date);
        return CLI_USAGE;
    }
    a->fo.date = a->date;
    return CLI_OK;
}

void cli_fix_setup(cli_run *a, blanc_session_options *so)
{
    if (!a->fix)
        return;
    if (a->n_symbols) {
        a->fo.symbols = (const char(*)[8])a->pads; /* padded by cli_run_session */
        a->fo.n_symbols = (size_t)a->n_symbols;
    }
    a->fo.every_ns = a->eo.every_ns;
    a->fo.from_ns = a->from_given ? a->from_ns : 0;
    so->emit = NULL;
    so->fix = &a->fo;
}
