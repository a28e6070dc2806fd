/* A minimal streaming JSON writer for the CLI's --json output: objects, arrays,
 * integers, strings (escaped), with commas handled by a nesting stack. */
#ifndef BLANC_CLI_JSON_H
#define BLANC_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct json {
    FILE *f;
    int depth;
    int first[32]; /* no member written yet at this depth */
} json;

void json_init(json *j, FILE *f);
void json_open(json *j, const char *key, char bracket);  /* key NULL inside arrays */
void json_close(json *j, char bracket);
void json_u64(json *j, const char *key, uint64_t v);
void json_i64(json *j, const char *key, int64_t v);
void json_double(json *j, const char *key, double v);
void json_str(json *j, const char *key, const char *s);
void json_strn(json *j, const char *key, const char *s, size_t n);
void json_bool(json *j, const char *key, int v);
void json_null(json *j, const char *key);
void json_hex64(json *j, const char *key, uint64_t v); /* "%016llx" string */
void json_end(json *j);                                /* final newline */

#endif
