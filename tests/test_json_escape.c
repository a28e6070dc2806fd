/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The JSON string escaper (src/out/jsonesc.c, docs/EMIT.md "JSON strings"):
 * a table of inputs and their escaped forms, written out by hand from the
 * rule (Unicode Table 3-7 and U+FFFD per maximal subpart), not from the code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "blanc.h"
#include "out/obuf.h"

#define R "\xef\xbf\xbd" /* U+FFFD as UTF-8 */

typedef struct row {
    const char *what, *in;
    size_t n; /* 0: strlen(in) */
    const char *text, *bytes; /* expected: UTF-8 text rule; Latin-1 byte rule (NULL: skip) */
} row;

static const row rows[] = {
    {"plain ASCII", "abc XYZ 09", 0, "abc XYZ 09", "abc XYZ 09"},
    {"quote and backslash", "a\"b\\c", 0, "a\\\"b\\\\c", "a\\\"b\\\\c"},
    {"short control escapes", "\b\f\n\r\t", 0, "\\b\\f\\n\\r\\t", "\\b\\f\\n\\r\\t"},
    {"other controls", "\x01\x1f", 0, "\\u0001\\u001f", "\\u0001\\u001f"},
    {"NUL", "a\0b", 3, "a\\u0000b", "a\\u0000b"},
    {"DEL is not escaped", "\x7f", 0, "\x7f", "\x7f"},
    {"slash is not escaped", "a/b", 0, "a/b", "a/b"},
    /* valid 2/3/4-byte sequences and the edges of each length */
    {"e acute U+00E9", "\xc3\xa9", 0, "\xc3\xa9", "\\u00c3\\u00a9"},
    {"U+0080", "\xc2\x80", 0, "\xc2\x80", "\\u00c2\\u0080"},
    {"U+07FF", "\xdf\xbf", 0, "\xdf\xbf", NULL},
    {"U+0800", "\xe0\xa0\x80", 0, "\xe0\xa0\x80", NULL},
    {"euro U+20AC", "\xe2\x82\xac", 0, "\xe2\x82\xac", "\\u00e2\\u0082\\u00ac"},
    {"U+D7FF, last before the surrogates", "\xed\x9f\xbf", 0, "\xed\x9f\xbf", NULL},
    {"U+E000, first after them", "\xee\x80\x80", 0, "\xee\x80\x80", NULL},
    {"U+FFFF", "\xef\xbf\xbf", 0, "\xef\xbf\xbf", NULL},
    {"U+FFFD itself", R, 0, R, NULL},
    {"U+10000", "\xf0\x90\x80\x80", 0, "\xf0\x90\x80\x80", NULL},
    {"emoji U+1F600", "\xf0\x9f\x98\x80", 0, "\xf0\x9f\x98\x80", NULL},
    {"U+10FFFF", "\xf4\x8f\xbf\xbf", 0, "\xf4\x8f\xbf\xbf", NULL},
    {"the path of the issue", "\xc3\xa9/\xc3\xbc.itch", 0, "\xc3\xa9/\xc3\xbc.itch",
     "\\u00c3\\u00a9/\\u00c3\\u00bc.itch"},
    /* overlongs: C0 C1 never lead; E0 needs A0..BF next, F0 needs 90..BF */
    {"overlong NUL C0 80", "\xc0\x80", 0, R R, "\\u00c0\\u0080"},
    {"overlong C1 BF", "\xc1\xbf", 0, R R, NULL},
    {"overlong 3-byte E0 80 80", "\xe0\x80\x80", 0, R R R, NULL},
    {"overlong 3-byte slash E0 80 AF", "\xe0\x80\xaf", 0, R R R, NULL},
    {"overlong 4-byte F0 80 80 80", "\xf0\x80\x80\x80", 0, R R R R, NULL},
    {"overlong 4-byte F0 8F BF BF", "\xf0\x8f\xbf\xbf", 0, R R R R, NULL},
    /* surrogates encoded in UTF-8 (CESU-style): ED needs 80..9F next */
    {"U+D800 as ED A0 80", "\xed\xa0\x80", 0, R R R, NULL},
    {"U+DFFF as ED BF BF", "\xed\xbf\xbf", 0, R R R, NULL},
    {"a pair U+D83D U+DE00", "\xed\xa0\xbd\xed\xb8\x80", 0, R R R R R R, NULL},
    /* past U+10FFFF */
    {"F4 90 80 80", "\xf4\x90\x80\x80", 0, R R R R, NULL},
    {"F5 lead", "\xf5\x80\x80\x80", 0, R R R R, NULL},
    /* truncated sequences: the valid prefix is one maximal subpart */
    {"2-byte lead at the end", "a\xc3", 0, "a" R, "a\\u00c3"},
    {"3-byte missing one", "\xe2\x82", 0, R, NULL},
    {"4-byte missing one", "\xf0\x9f\x98", 0, R, NULL},
    {"4-byte missing two", "\xf0\x9f", 0, R, NULL},
    {"cut by ASCII", "\xe2\x82" "A", 0, R "A", NULL},
    {"cut by a quote (not swallowed)", "\xe2\"", 0, R "\\\"", NULL},
    {"cut by a newline", "\xf0\x9f\x98\n", 0, R "\\n", NULL},
    {"cut by another lead", "\xe2\x82\xc3\xa9", 0, R "\xc3\xa9", NULL},
    {"a continuation too many", "\xc3\xa9\xa9", 0, "\xc3\xa9" R, NULL},
    {"continuation alone", "\x80", 0, R, "\\u0080"},
    {"BF alone", "\xbf", 0, R, "\\u00bf"},
    {"FE FF", "\xfe\xff", 0, R R, "\\u00fe\\u00ff"},
    {"latin-1 e acute alone", "caf\xe9.itch", 0, "caf" R ".itch", "caf\\u00e9.itch"},
    {"empty", "", 0, "", ""},
};

static void check(const row *r, int bytes, const char *want)
{
    size_t n = r->n ? r->n : strlen(r->in), w = strlen(want);
    char out[256];
    memset(out, '#', sizeof out);
    size_t k = blanc__json_escape(out, sizeof out, r->in, n, bytes);
    if (k != w || memcmp(out, want, w)) {
        print_error("%s (%s): got %zu bytes '%.*s', want %zu '%s'\n", r->what,
                    bytes ? "bytes" : "text", k, (int)k, out, w, want);
        fail();
    }
    assert_true(out[k] == '#'); /* nothing past the length */
    if (!bytes) {
        char pub[256];
        assert_int_equal(blanc_json_escape(pub, sizeof pub, r->in, n), w);
        assert_memory_equal(pub, want, w);
    }
    /* With too little room: the same length, only cap bytes written. */
    if (w > 1) {
        char small[256];
        memset(small, '#', sizeof small);
        assert_int_equal(blanc__json_escape(small, w - 1, r->in, n, bytes), w);
        assert_true(small[w - 1] == '#');
        assert_int_equal(blanc__json_escape(NULL, 0, r->in, n, bytes), w);
    }
}

static void table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        check(&rows[i], 0, rows[i].text);
        if (rows[i].bytes)
            check(&rows[i], 1, rows[i].bytes);
    }
}

/* Every byte 0x80..0xFF on its own: never a whole sequence in UTF-8 (U+FFFD);
 * its own code point as Latin-1. */
static void every_high_byte_alone(void **state)
{
    (void)state;
    static const char hx[] = "0123456789abcdef";
    for (unsigned c = 0x80; c <= 0xff; c++) {
        char in[3] = {'x', (char)c, 'y'}, out[32];
        size_t k = blanc_json_escape(out, sizeof out, in, 3);
        assert_int_equal(k, 5);
        assert_memory_equal(out, "x" R "y", 5);
        char want[8] = {'x', '\\', 'u', '0', '0', hx[c >> 4], hx[c & 15], 'y'};
        k = blanc__json_escape(out, sizeof out, in, 3, 1);
        assert_int_equal(k, 8);
        assert_memory_equal(out, want, 8);
    }
}

/* Every control byte: the short escape where JSON has one, else \u00xx. */
static void every_control_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 0x20; c++) {
        char in[1] = {(char)c}, out[16], want[8];
        const char *shortesc = c == 8 ? "\\b" : c == 9 ? "\\t" : c == 10 ? "\\n"
                             : c == 12 ? "\\f" : c == 13 ? "\\r" : NULL;
        if (shortesc)
            snprintf(want, sizeof want, "%s", shortesc);
        else
            snprintf(want, sizeof want, "\\u%04x", c);
        size_t k = blanc_json_escape(out, sizeof out, in, 1);
        assert_int_equal(k, strlen(want));
        assert_memory_equal(out, want, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(every_high_byte_alone),
        cmocka_unit_test(every_control_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
