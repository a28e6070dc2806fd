/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A small append buffer in front of a sink, for the text and binary writers
 * (snapshots, per-message output). Formatting integers by hand rather than
 * with printf matters here: a day's --emit writes tens of millions of numbers.
 * The first write error sticks in `err` and later writes become no-ops, so
 * writers check once at the end.
 */
#ifndef BLANC_OBUF_H
#define BLANC_OBUF_H

#include <string.h>

#include "blanc.h"

#define OBUF_CAP 65536

typedef struct obuf {
    blanc_sink *sink;
    int err;
    size_t n;
    char b[OBUF_CAP];
} obuf;

static inline void ob_flush(obuf *o)
{
    if (o->n && !o->err) {
        int rc = blanc_sink_write(o->sink, o->b, o->n);
        if (rc < 0)
            o->err = rc;
    }
    o->n = 0;
}

/* Room for at least k more bytes (k <= OBUF_CAP). */
static inline char *ob_room(obuf *o, size_t k)
{
    if (OBUF_CAP - o->n < k)
        ob_flush(o);
    return o->b + o->n;
}

static inline void ob_put(obuf *o, const void *p, size_t k)
{
    while (k) {
        size_t room = OBUF_CAP - o->n;
        if (!room) {
            ob_flush(o);
            room = OBUF_CAP;
        }
        size_t c = k < room ? k : room;
        memcpy(o->b + o->n, p, c);
        o->n += c;
        p = (const char *)p + c;
        k -= c;
    }
}

static inline void ob_str(obuf *o, const char *s) { ob_put(o, s, strlen(s)); }

static inline void ob_char(obuf *o, char c)
{
    *ob_room(o, 1) = c;
    o->n++;
}

static inline void ob_u64(obuf *o, uint64_t v)
{
    char t[20];
    size_t k = sizeof t;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ob_put(o, t + k, sizeof t - k);
}

/* ",v": the next number of a list. */
static inline void ob_cu64(obuf *o, uint64_t v)
{
    ob_char(o, ',');
    ob_u64(o, v);
}

static inline void ob_i64(obuf *o, int64_t v)
{
    if (v < 0) {
        ob_char(o, '-');
        ob_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        ob_u64(o, (uint64_t)v);
    }
}

/* 16 lowercase hex digits, as every digest is printed. */
static inline void ob_hex64(obuf *o, uint64_t v)
{
    static const char hx[] = "0123456789abcdef";
    char *p = ob_room(o, 16);
    for (int i = 15; i >= 0; i--, v >>= 4)
        p[i] = hx[v & 15];
    o->n += 16;
}

/* Raw bytes as a JSON string (quotes included), escaped exactly as Python's
 * json.dumps (ensure_ascii) does with each byte taken as Latin-1, so canonical
 * output can be reproduced byte for byte: \" \\ \b \f \n \r \t, other
 * controls and bytes >= 0x80 as \u00xx. For ITCH byte fields (jsonesc.c). */
void ob_json_chars(obuf *o, const char *s, size_t n);

/* The escaper behind it and blanc_json_escape (jsonesc.c): s[0..n) as a JSON
 * string body, `bytes` as Latin-1, else as UTF-8 text with U+FFFD for each
 * maximal ill-formed subsequence. Writes at most cap bytes, returns the whole
 * length (at most 6 n). */
size_t blanc__json_escape(char *out, size_t cap, const char *s, size_t n, int bytes);

/* Raw bytes as one CSV cell: as they are, or quoted ("" for a quote) when
 * they hold a comma, a quote or a control byte (obuf.c). */
void blanc__ob_csv_chars(obuf *o, const char *s, size_t n);

/* The trimmed (trailing spaces dropped) ITCH symbol as a JSON string. */
void ob_json_symbol(obuf *o, const char sym[8]);

/* Little-endian fixed-width fields for the binary formats. */
static inline void ob_le(obuf *o, uint64_t v, size_t width)
{
    char *p = ob_room(o, width);
    for (size_t i = 0; i < width; i++, v >>= 8)
        p[i] = (char)(v & 0xff);
    o->n += width;
}

#endif
