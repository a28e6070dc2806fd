/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The one JSON string escaper, for the two kinds of string Blanc writes
 * (docs/EMIT.md "JSON strings"):
 *
 *   text (paths, names, everything the CLI prints): valid UTF-8 goes out as
 *   is; each maximal ill-formed subsequence (Unicode 15 §3.9, U+FFFD
 *   substitution of maximal subparts, as Python's decode("utf-8", "replace")
 *   and the WHATWG decoder do) becomes U+FFFD. Lossy for such bytes, but
 *   every document stays strict JSON: a reversible \udcXX surrogate escape
 *   would be rejected by strict parsers, jansson among them, and Blanc reads
 *   its own bench.jsonl back with jansson.
 *
 *   bytes (ITCH alpha fields: symbols, trading states): each byte is the code
 *   point of its value, >= 0x80 as \u00xx (Latin-1, ensure_ascii), so the
 *   snapshot reader gets the exact bytes back (docs/SNAPSHOT.md).
 *
 * Both escape " \ as \" \\, the five short control escapes, other bytes
 * below 0x20 as \u00xx, and leave 0x7F alone, as Python's json.dumps does.
 */
#include "out/obuf.h"

typedef struct esc {
    char *out;
    size_t cap, len;
} esc;

static inline void put(esc *e, const void *p, size_t k)
{
    if (e->len + k <= e->cap)
        memcpy(e->out + e->len, p, k);
    e->len += k;
}

static const char hx[] = "0123456789abcdef";

static inline void put_u00(esc *e, unsigned c)
{
    char u[6] = {'\\', 'u', '0', '0', hx[c >> 4 & 15], hx[c & 15]};
    put(e, u, 6);
}

/* One byte below 0x80. */
static inline void put_ascii(esc *e, unsigned char c)
{
    char two[2] = {'\\', 0};
    switch (c) {
    case '"': two[1] = '"'; break;
    case '\\': two[1] = '\\'; break;
    case '\b': two[1] = 'b'; break;
    case '\f': two[1] = 'f'; break;
    case '\n': two[1] = 'n'; break;
    case '\r': two[1] = 'r'; break;
    case '\t': two[1] = 't'; break;
    default:
        if (c < 0x20)
            put_u00(e, c);
        else
            put(e, &c, 1);
        return;
    }
    put(e, two, 2);
}

/* Bytes after lead byte c that make a well-formed sequence, and the range
 * the first of them must fall in (the later ones are 80..BF): Table 3-7 of
 * the Unicode standard. 0: c cannot start a sequence. */
static int utf8_need(unsigned char c, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80, *hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf)
        return 1;
    if (c == 0xe0)
        return *lo = 0xa0, 2;
    if (c == 0xed)
        return *hi = 0x9f, 2; /* no surrogates */
    if (c >= 0xe1 && c <= 0xef)
        return 2;
    if (c == 0xf0)
        return *lo = 0x90, 3;
    if (c == 0xf4)
        return *hi = 0x8f, 3; /* nothing past U+10FFFF */
    if (c >= 0xf1 && c <= 0xf3)
        return 3;
    return 0; /* 80..C1 (continuation, overlong lead), F5..FF */
}

size_t blanc__json_escape(char *out, size_t cap, const char *str, size_t n, int bytes)
{
    static const unsigned char fffd[3] = {0xef, 0xbf, 0xbd};
    const unsigned char *s = (const unsigned char *)str;
    esc e = {out, cap, 0};
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c < 0x80) {
            put_ascii(&e, c);
            i++;
            continue;
        }
        if (bytes) {
            put_u00(&e, c);
            i++;
            continue;
        }
        unsigned char lo, hi;
        int need = utf8_need(c, &lo, &hi);
        size_t j = i + 1;
        int k = 0;
        for (; k < need && j < n && s[j] >= lo && s[j] <= hi; k++, j++)
            lo = 0x80, hi = 0xbf;
        if (need && k == need)
            put(&e, s + i, j - i);
        else
            put(&e, fffd, 3); /* the maximal subpart s[i..j); s[j] starts afresh */
        i = j;
    }
    return e.len;
}

size_t blanc_json_escape(char *out, size_t cap, const char *s, size_t n)
{
    return blanc__json_escape(out, cap, s, n, 0);
}

void ob_json_chars(obuf *o, const char *s, size_t n)
{
    ob_char(o, '"');
    while (n) {
        size_t k = n < 1024 ? n : 1024; /* bytes mode: any cut is a clean one */
        char *p = ob_room(o, 6 * k);
        o->n += blanc__json_escape(p, 6 * k, s, k, 1);
        s += k;
        n -= k;
    }
    ob_char(o, '"');
}
