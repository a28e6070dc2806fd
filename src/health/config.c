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
        {5, 20, 100, 1000}, /* skew, ppm */
        {2, 5, 10, 100},    /* burst, hot ms */
    };
    memset(c, 0, sizeof *c);
    c->window_messages = 1000000;
    c->quiet_messages = 100000;
    memcpy(c->thresholds, thr, sizeof thr);
    c->skew_jump_ns = UINT64_C(60000000000);
    c->burst_factor = 8;
    c->burst_min_messages = 16;
    c->burst_baseline_shift = 10;
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
    if (c->skew_jump_ns > (UINT64_C(1) << 48))
        return fail(err, 0, "skew.jump_ns must be at most 2^48 (the timestamp range)");
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

enum { V_INT, V_STR, V_INTS, V_TIMES };

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

typedef struct key {
    const char *section, *name;
    int kind;
} key;

static const key keys[] = {
    {"", "window_messages", V_INT},     {"", "quiet_messages", V_INT},
    {"thresholds", "gap", V_INTS},      {"thresholds", "corrupt", V_INTS},
    {"thresholds", "skew", V_INTS},     {"thresholds", "burst", V_INTS},
    {"skew", "jump_ns", V_INT},         {"burst", "factor", V_INT},
    {"burst", "min_messages", V_INT},   {"burst", "baseline_shift", V_INT},
    {"reset", "events", V_STR},         {"reset", "at_index", V_INTS},
    {"reset", "at_time", V_TIMES},
};
enum { NKEYS = sizeof keys / sizeof keys[0] };

static int set_value(cursor *c, blanc_health_config *cfg, int k)
{
    uint64_t v = 0, list[BLANC_HEALTH_MAX_RESETS];
    size_t n = 0;
    int rc;
    switch (keys[k].kind) {
    case V_INT: rc = parse_uint(c, &v); break;
    case V_STR: rc = parse_string(c, cfg->reset_events, sizeof cfg->reset_events); break;
    default: rc = parse_array(c, keys[k].kind, list, BLANC_HEALTH_MAX_RESETS, &n); break;
    }
    if (rc)
        return rc;
    if (k >= 2 && k <= 5) { /* a threshold list */
        if (n != 4)
            return fail(c->err, c->line, "%s needs 4 thresholds (Local, Feeder, Main, Kill)",
                        keys[k].name);
        memcpy(cfg->thresholds[k - 2], list, sizeof cfg->thresholds[0]);
        return 0;
    }
    switch (k) {
    case 0: cfg->window_messages = v; break;
    case 1: cfg->quiet_messages = v; break;
    case 6: cfg->skew_jump_ns = v; break;
    case 7: cfg->burst_factor = v; break;
    case 8: cfg->burst_min_messages = v; break;
    case 9:
        if (v > 20)
            return fail(c->err, c->line, "baseline_shift must be 0 .. 20");
        cfg->burst_baseline_shift = (uint32_t)v;
        break;
    case 11:
        memcpy(cfg->reset_at_index, list, n * sizeof list[0]);
        cfg->n_reset_at_index = n;
        break;
    case 12:
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

static int parse_line(cursor *c, blanc_health_config *cfg, char *section, uint32_t *seen)
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
    uint32_t seen = 0;
    blanc_health_config tmp = *cfg; /* all or nothing */
    while (c.p < c.end) {
        int rc = parse_line(&c, &tmp, section, &seen);
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
