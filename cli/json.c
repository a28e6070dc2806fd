/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "json.h"

void jw_init(jw *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->first[0] = 1;
}

/* The library's escaper (blanc_json_escape: UTF-8 as is, U+FFFD for bytes
 * that are not), so every JSON output of Blanc follows one rule. */
static void put_escaped(FILE *f, const char *s, size_t n)
{
    char small[512], *b = small;
    size_t k = blanc_json_escape(small, sizeof small, s, n);
    if (k > sizeof small && (b = malloc(k)) != NULL)
        blanc_json_escape(b, k, s, n);
    fputc('"', f);
    if (b)
        fwrite(b, 1, k, f);
    fputc('"', f);
    if (b != small)
        free(b);
}

static void member(jw *j, const char *key)
{
    if (!j->first[j->depth])
        fputc(',', j->f);
    j->first[j->depth] = 0;
    if (key) {
        put_escaped(j->f, key, strlen(key));
        fputc(':', j->f);
    }
}

void jw_open(jw *j, const char *key, char bracket)
{
    member(j, key);
    fputc(bracket, j->f);
    if (j->depth < 31)
        j->depth++;
    j->first[j->depth] = 1;
}

void jw_close(jw *j, char bracket)
{
    fputc(bracket, j->f);
    if (j->depth > 0)
        j->depth--;
}

void jw_u64(jw *j, const char *key, uint64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRIu64, v);
}

void jw_i64(jw *j, const char *key, int64_t v)
{
    member(j, key);
    fprintf(j->f, "%" PRId64, v);
}

/* The shortest of %.15g / %.17g that reads back as the same double: the
 * telemetry artifacts are re-read by tools (bench compare, drift), and six
 * digits lost enough that a median recomputed from the per-run values did not
 * match the one written beside them. */
void jw_double(jw *j, const char *key, double v)
{
    member(j, key);
    char b[32];
    snprintf(b, sizeof b, "%.15g", v);
    if (strtod(b, NULL) != v)
        snprintf(b, sizeof b, "%.17g", v);
    fputs(b, j->f);
}

void jw_strn(jw *j, const char *key, const char *s, size_t n)
{
    member(j, key);
    put_escaped(j->f, s, n);
}

void jw_str(jw *j, const char *key, const char *s) { jw_strn(j, key, s, strlen(s)); }

void jw_bool(jw *j, const char *key, int v)
{
    member(j, key);
    fputs(v ? "true" : "false", j->f);
}

void jw_null(jw *j, const char *key)
{
    member(j, key);
    fputs("null", j->f);
}

void jw_hex64(jw *j, const char *key, uint64_t v)
{
    char b[17];
    snprintf(b, sizeof b, "%016" PRIx64, v);
    jw_str(j, key, b);
}

void jw_end(jw *j) { fputc('\n', j->f); }
