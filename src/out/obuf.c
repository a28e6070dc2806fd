/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The out-of-line parts of the output buffer (obuf.h). */
#include "out/obuf.h"

void ob_json_symbol(obuf *o, const char sym[8])
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    ob_json_chars(o, sym, n);
}

void blanc__ob_csv_chars(obuf *o, const char *s, size_t n)
{
    int quote = 0;
    for (size_t i = 0; i < n; i++)
        quote |= s[i] == ',' || s[i] == '"' || (unsigned char)s[i] < 0x20;
    if (!quote) {
        ob_put(o, s, n);
        return;
    }
    ob_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            ob_char(o, '"');
        ob_char(o, s[i]);
    }
    ob_char(o, '"');
}
