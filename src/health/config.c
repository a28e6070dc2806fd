/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Health configuration: the documented defaults and a reader for the small
 * TOML subset of docs/HEALTH.md §7 (sections, `key = value`, unsigned
 * integers, one-line arrays, plain strings, comments). A full TOML library
 * would accept far more than a threshold file needs and still leave the
 * checks below to us; this subset is valid TOML, so any TOML tool reads it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"

void blanc_health_config_default(blanc_health_config *c)
{
    static const uint64_t thr[BLANC_DETECTORS][4] = {
        {5, 50, 200, 1000}, /* gap, ppm */
        {1, 10, 50, 500},   /* corrupt, ppm */
        {5, 20, 100, 0},    /* skew, ppm: never Kill (docs/HEALTH.md §5) */
        {0, 0, 0, 0},       /* burst: never a breaker input (docs/HEALTH.md §4) */
    };
    memset(c, 0, sizeof *c);
    c->window_messages = 1000000;
    c->quiet_messages = 100000;
    memcpy(c->thresholds, thr, sizeof thr);
    c->burst_factor = 8;
    c->burst_min_messages = 16;
    c->burst_baseline_shift = 10;
    c->burst_min_run_ms = 2;
    strcpy(c->reset_events, "O");
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(blanc_config_error *err, unsigned line, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->line = line;
        vsnprintf(err->what, sizeof err->what, fmt, ap);
        va_end(ap);
    }
    return BLANC_EINVAL;
}

int blanc_health_config_check(const blanc_health_config *c, blanc_config_error *err)
{
    if (c->window_messages < 1 || c->window_messages > UINT64_C(1000000000000))
        return fail(err, 0, "window_messages must be 1 .. 10^12");
    if (c->quiet_messages > UINT64_C(1000000000000))
        return fail(err, 0, "quiet_messages must be at most 10^12");
    for (int d = 0; d < BLANC_DETECTORS; d++) {
        uint64_t prev = 0;
        for (int k = 0; k < 4; k++) {
            uint64_t t = c->thresholds[d][k];
            if (d != BLANC_DET_BURST && t > 1000000)
                return fail(err, 0, "%s thresholds are ppm: at most 1000000",
                            blanc_detector_name((blanc_detector)d));
            if (t && t < prev)
                return fail(err, 0, "%s thresholds must not decrease (%llu after %llu)",
                            blanc_detector_name((blanc_detector)d), (unsigned long long)t,
                            (unsigned long long)prev);
            if (t)
                prev = t;
        }
    }
    for (int k = 0; k < 4; k++)
        if (c->thresholds[BLANC_DET_BURST][k])
            return fail(err, 0, "burst thresholds must be 0: a burst is load, not damage, and "
                                "never moves the breaker (docs/HEALTH.md §4)");
    if (c->thresholds[BLANC_DET_SKEW][3])
        return fail(err, 0, "skew's Kill threshold must be 0: skew never reaches Kill "
                            "(docs/HEALTH.md §5)");
    if (c->burst_factor > 65536)
        return fail(err, 0, "burst.factor must be at most 65536");
    if (c->burst_baseline_shift > 20)
        return fail(err, 0, "burst.baseline_shift must be 0 .. 20");
    if (c->n_reset_at_index > BLANC_HEALTH_MAX_RESETS || c->n_reset_at_time > BLANC_HEALTH_MAX_RESETS)
        return fail(err, 0, "at most %d reset points of each kind", BLANC_HEALTH_MAX_RESETS);
    if (memchr(c->reset_events, 0, sizeof c->reset_events) == NULL)
        return fail(err, 0, "reset.events is too long");
    return 0;
}

/* ---- the TOML subset ---------------------------------------------------- */

typedef struct cursor {
    const char *p, *end;
    unsigned line;
    blanc_config_error *err;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

/* After a value: only spaces and a comment may remain on the line. */
static int end_of_line(cursor *c)
{
    skip_ws(c);
    if (c->p < c->end && *c->p == '#')
        while (c->p < c->end && *c->p != '\n')
            c->p++;
    if (c->p < c->end && *c->p == '\r')
        c->p++;
    if (c->p < c->end && *c->p != '\n')
        return fail(c->err, c->line, "unexpected '%c' after the value", *c->p);
    return 0;
}

static int parse_uint(cursor *c, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0, under = 0;
    while (c->p < c->end && ((*c->p >= '0' && *c->p <= '9') || *c->p == '_')) {
        if (*c->p == '_') {
            if (!digits || under)
                return fail(c->err, c->line, "misplaced '_' in a number");
            under = 1;
        } else {
            unsigned d = (unsigned)(*c->p - '0');
            if (v > (UINT64_MAX - d) / 10)
                return fail(c->err, c->line, "number too large");
            v = v * 10 + d;
            digits++;
            under = 0;
        }
        c->p++;
    }
    if (under)
        return fail(c->err, c->line, "misplaced '_' in a number");
    if (!digits)
        return fail(c->err, c->line, "expected an unsigned integer");
    *out = v;
    return 0;
}

/* A basic string without escapes (the values here never need one). */
static int parse_string(cursor *c, char *out, size_t cap)
{
    if (c->p >= c->end || *c->p != '"')
        return fail(c->err, c->line, "expected a \"string\"");
    const char *s = ++c->p;
    while (c->p < c->end && *c->p != '"' && *c->p != '\n' && *c->p != '\\')
        c->p++;
    if (c->p >= c->end || *c->p != '"')
        return fail(c->err, c->line, "unterminated string (escapes are not supported)");
    size_t n = (size_t)(c->p - s);
    c->p++;
    if (n >= cap)
        return fail(c->err, c->line, "string too long");
    memcpy(out, s, n);
    out[n] = 0;
    return 0;
}

enum { V_INT, V_STR, V_INTS, V_TIMES, V_GONE };

/* A one-line array of integers (V_INTS) or of time strings (V_TIMES). */
static int parse_array(cursor *c, int kind, uint64_t *out, size_t cap, size_t *n)
{
    if (c->p >= c->end || *c->p != '[')
        return fail(c->err, c->line, "expected an array [ ... ]");
    c->p++;
    *n = 0;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == ']') {
            c->p++;
            return 0;
        }
        if (*n == cap)
            return fail(c->err, c->line, "at most %zu values", cap);
        int rc;
        if (kind == V_INTS) {
            rc = parse_uint(c, &out[*n]);
        } else {
            char t[32];
            rc = parse_string(c, t, sizeof t);
            if (!rc && blanc_parse_time(t, &out[*n]))
                rc = fail(c->err, c->line, "\"%s\" is not HH:MM:SS[.fraction]", t);
        }
        if (rc)
            return rc;
        (*n)++;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
        } else if (c->p >= c->end || *c->p != ']') {
            return fail(c->err, c->line, "expected ',' or ']' in the array");
        }
    }
}

/* What a key sets. The two retired keys are still known, so that a file
 * written for an older Blanc is refused with a reason, not "unknown key". */
enum {
    K_WINDOW, K_QUIET, K_T_GAP, K_T_CORRUPT, K_T_SKEW, K_FACTOR, K_MIN_MESSAGES, K_SHIFT,
    K_MIN_RUN, K_EVENTS, K_AT_INDEX, K_AT_TIME, K_GONE_T_BURST, K_GONE_JUMP
};

typedef struct key {
    const char *section, *name;
    int kind, id;
} key;

static const key keys[] = {
    {"", "window_messages", V_INT, K_WINDOW},
    {"", "quiet_messages", V_INT, K_QUIET},
    {"thresholds", "gap", V_INTS, K_T_GAP},
    {"thresholds", "corrupt", V_INTS, K_T_CORRUPT},
    {"thresholds", "skew", V_INTS, K_T_SKEW},
    {"thresholds", "burst", V_GONE, K_GONE_T_BURST},
    {"skew", "jump_ns", V_GONE, K_GONE_JUMP},
    {"burst", "factor", V_INT, K_FACTOR},
    {"burst", "min_messages", V_INT, K_MIN_MESSAGES},
    {"burst", "baseline_shift", V_INT, K_SHIFT},
    {"burst", "min_run_ms", V_INT, K_MIN_RUN},
    {"reset", "events", V_STR, K_EVENTS},
    {"reset", "at_index", V_INTS, K_AT_INDEX},
    {"reset", "at_time", V_TIMES, K_AT_TIME},
};
enum { NKEYS = sizeof keys / sizeof keys[0] };

static int set_value(cursor *c, blanc_health_config *cfg, int k)
{
    uint64_t v = 0, list[BLANC_HEALTH_MAX_RESETS];
    size_t n = 0;
    int rc, id = keys[k].id;
    switch (keys[k].kind) {
    case V_GONE:
        if (id == K_GONE_T_BURST)
            return fail(c->err, c->line,
                        "thresholds.burst is no longer accepted: a burst is load, not damage, "
                        "and never moves the breaker (docs/HEALTH.md §4); remove the line");
        return fail(c->err, c->line,
                    "skew.jump_ns is no longer accepted: a forward jump in feed time is a quiet "
                    "period, not skew (docs/HEALTH.md §2); remove the line");
    case V_INT: rc = parse_uint(c, &v); break;
    case V_STR: rc = parse_string(c, cfg->reset_events, sizeof cfg->reset_events); break;
    default: rc = parse_array(c, keys[k].kind, list, BLANC_HEALTH_MAX_RESETS, &n); break;
    }
    if (rc)
        return rc;
    if (id == K_T_GAP || id == K_T_CORRUPT || id == K_T_SKEW) {
        if (n != 4)
            return fail(c->err, c->line, "%s needs 4 thresholds (Local, Feeder, Main, Kill)",
                        keys[k].name);
        if (id == K_T_SKEW && list[3])
            return fail(c->err, c->line, "skew's Kill threshold must be 0: skew never reaches "
                                         "Kill (docs/HEALTH.md §5)");
        memcpy(cfg->thresholds[id - K_T_GAP], list, sizeof cfg->thresholds[0]);
        return 0;
    }
    switch (id) {
    case K_WINDOW: cfg->window_messages = v; break;
    case K_QUIET: cfg->quiet_messages = v; break;
    case K_FACTOR: cfg->burst_factor = v; break;
    case K_MIN_MESSAGES: cfg->burst_min_messages = v; break;
    case K_MIN_RUN: cfg->burst_min_run_ms = v; break;
    case K_SHIFT:
        if (v > 20)
            return fail(c->err, c->line, "baseline_shift must be 0 .. 20");
        cfg->burst_baseline_shift = (uint32_t)v;
        break;
    case K_AT_INDEX:
        memcpy(cfg->reset_at_index, list, n * sizeof list[0]);
        cfg->n_reset_at_index = n;
        break;
    case K_AT_TIME:
        memcpy(cfg->reset_at_time, list, n * sizeof list[0]);
        cfg->n_reset_at_time = n;
        break;
    default: break;
    }
    return 0;
}

static int is_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '-';
}

/* seen: the keys set so far, a bit each; opened: the [sections] declared
 * (TOML declares a table once: a second header is refused, as any TOML
 * reader refuses it). */
static int parse_line(cursor *c, blanc_health_config *cfg, char *section, uint32_t *seen,
                      uint32_t *opened)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p == '\n' || *c->p == '#' || *c->p == '\r')
        return end_of_line(c);
    if (*c->p == '[') {
        const char *s = ++c->p;
        while (c->p < c->end && is_name_char(*c->p))
            c->p++;
        size_t n = (size_t)(c->p - s);
        if (c->p >= c->end || *c->p != ']' || !n || n >= 16)
            return fail(c->err, c->line, "bad [section] header");
        c->p++;
        static const char *const known[] = {"thresholds", "skew", "burst", "reset"};
        for (size_t k = 0; k < 4; k++)
            if (strlen(known[k]) == n && !memcmp(known[k], s, n)) {
                if (*opened & (1u << k))
                    return fail(c->err, c->line, "[%s] is declared twice", known[k]);
                *opened |= 1u << k;
                strcpy(section, known[k]);
                return end_of_line(c);
            }
        return fail(c->err, c->line, "unknown section [%.*s]", (int)n, s);
    }
    const char *name = c->p;
    while (c->p < c->end && is_name_char(*c->p))
        c->p++;
    size_t n = (size_t)(c->p - name);
    skip_ws(c);
    if (!n || c->p >= c->end || *c->p != '=')
        return fail(c->err, c->line, "expected key = value");
    c->p++;
    skip_ws(c);
    for (int k = 0; k < NKEYS; k++) {
        if (strcmp(keys[k].section, section) || strlen(keys[k].name) != n ||
            memcmp(keys[k].name, name, n))
            continue;
        if (*seen & (1u << k))
            return fail(c->err, c->line, "%s%s%s is set twice", section, *section ? "." : "",
                        keys[k].name);
        *seen |= 1u << k;
        int rc = set_value(c, cfg, k);
        return rc ? rc : end_of_line(c);
    }
    return fail(c->err, c->line, "unknown key %s%s%.*s", section, *section ? "." : "", (int)n,
                name);
}

int blanc_health_config_parse(blanc_health_config *cfg, const char *text, size_t len,
                              blanc_config_error *err)
{
    cursor c = {text, text + len, 1, err};
    char section[16] = "";
    uint32_t seen = 0, opened = 0;
    blanc_health_config tmp = *cfg; /* all or nothing */
    while (c.p < c.end) {
        int rc = parse_line(&c, &tmp, section, &seen, &opened);
        if (rc)
            return rc;
        if (c.p < c.end) /* at the newline */
            c.p++;
        c.line++;
    }
    int rc = blanc_health_config_check(&tmp, err);
    if (rc)
        return rc;
    *cfg = tmp;
    return 0;
}

int blanc_health_config_load(blanc_health_config *cfg, const char *path, blanc_config_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fail(err, 0, "cannot open the file");
        return BLANC_EIO;
    }
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf, f);
    int toolong = !feof(f), bad = ferror(f);
    fclose(f);
    if (bad) {
        fail(err, 0, "read error");
        return BLANC_EIO;
    }
    if (toolong)
        return fail(err, 0, "larger than 64 KiB: not a health config");
    return blanc_health_config_parse(cfg, buf, n, err);
}
