/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * --every DURATION and --at TIMES (docs/EMIT.md "Sampled books and bars"):
 * the instants of --emit l2 sampled and the length of --emit bars. The
 * writers are the library's (src/out/sample_l2.c, bars.c); this parses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "500ms", "1s", "1.5s", "1m", "1h", "250us": ns, or 0 if not a duration. */
static uint64_t duration(const char *s)
{
    static const struct {
        const char *unit;
        uint64_t ns;
    } units[] = {{"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000},
                 {"m", UINT64_C(60000000000)}, {"h", UINT64_C(3600000000000)}};
    uint64_t whole = 0, frac = 0, scale = 1;
    const char *p = s;
    if (*p < '0' || *p > '9')
        return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (whole > UINT64_C(100000000))
            return 0;
        whole = whole * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.') {
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (scale >= UINT64_C(1000000000))
                return 0;
            frac = frac * 10 + (uint64_t)(*p - '0');
            scale *= 10;
        }
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(p, units[i].unit))
            continue;
        if (frac * units[i].ns % scale)
            return 0; /* finer than a nanosecond */
        return whole * units[i].ns + frac * units[i].ns / scale;
    }
    return 0;
}

static int parse_at(cli_run *a, const char *arg)
{
    char buf[32];
    for (const char *p = arg; *p;) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (a->n_at == CLI_MAX_AT) {
            cli_error("%s: at most %d instants in --at", a->cmd, CLI_MAX_AT);
            return CLI_USAGE;
        }
        if (n >= sizeof buf || (memcpy(buf, p, n), buf[n] = 0, blanc_parse_time(buf, &a->at[a->n_at]))) {
            cli_error("%s: --at wants feed times HH:MM:SS[.fraction] separated by commas, not '%.*s'",
                      a->cmd, (int)n, p);
            return CLI_USAGE;
        }
        a->n_at++;
        p += n + (c != NULL);
        if (c && !*p) {
            cli_error("%s: --at ends with a comma", a->cmd);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cli_sample_option(cli_run *a, int c, const char *arg)
{
    switch (c) {
    case CLI_OPT_EVERY:
        a->eo.every_ns = duration(arg);
        if (a->eo.every_ns < UINT64_C(1000000)) {
            cli_error("%s: --every wants a duration of 1ms or more (500ms, 1s, 1.5s, 1m, 1h), "
                      "not '%s'", a->cmd, arg);
            return CLI_USAGE;
        }
        return CLI_OK;
    case CLI_OPT_AT: return parse_at(a, arg);
    default: return -1;
    }
}

int cli_sample_check(cli_run *a)
{
    int l2 = a->emit && a->eo.kind == BLANC_EMIT_L2, bars = a->emit && a->eo.kind == BLANC_EMIT_BARS;
    int timed = a->eo.every_ns || a->n_at;
    const cli_rule rules[] = {
        {bars && !a->eo.every_ns, "--emit bars needs --every DURATION"},
        {bars && a->n_at, "--emit bars takes --every, not --at"},
        {timed && !l2 && !bars && !a->fix,
         "--every and --at apply to --emit l2 and bars (--every: fix too)"},
        {a->fix && a->n_at, "--emit fix takes --every, not --at"},
        {a->eo.every_ns && a->n_at, "--every and --at: one or the other"},
        {timed && a->format_given && a->eo.format == BLANC_EMIT_BIN,
         "sampled output (--every, --at) is csv or jsonl, not bin"},
        {a->from_given && a->n_at, "--from applies to --every, not --at"},
        {bars && a->depth_given, "--depth does not apply to --emit bars"},
    };
    if (cli_check_rules(a->cmd, rules, sizeof rules / sizeof rules[0]))
        return CLI_USAGE;
    if (timed || bars) {
        a->eo.at = a->at;
        a->eo.n_at = (size_t)a->n_at;
        a->eo.from_ns = a->from_given ? a->from_ns : 0;
    }
    return CLI_OK;
}
