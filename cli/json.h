/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* A minimal streaming JSON writer for the CLI's --json output: objects, arrays,
 * integers, strings (escaped), with commas handled by a nesting stack. */
#ifndef BLANC_CLI_JSON_H
#define BLANC_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct jw {
    FILE *f;
    int depth;
    int first[32]; /* no member written yet at this depth */
} jw;

void jw_init(jw *j, FILE *f);
void jw_open(jw *j, const char *key, char bracket);  /* key NULL inside arrays */
void jw_close(jw *j, char bracket);
void jw_u64(jw *j, const char *key, uint64_t v);
void jw_i64(jw *j, const char *key, int64_t v);
void jw_double(jw *j, const char *key, double v);
void jw_str(jw *j, const char *key, const char *s);
void jw_strn(jw *j, const char *key, const char *s, size_t n);
void jw_bool(jw *j, const char *key, int v);
void jw_null(jw *j, const char *key);
void jw_hex64(jw *j, const char *key, uint64_t v); /* "%016llx" string */
void jw_end(jw *j);                                /* final newline */

#endif
