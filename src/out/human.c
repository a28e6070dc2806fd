/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* --price decimal and --time iso (docs/EMIT.md "For people"): Blanc's integers
 * written for people, exactly (no floating point): 4 decimals of dollars,
 * 9 of seconds. */
#include "out/emit.h"

/* `width` digits of v, zero padded. */
static void digits(obuf *o, uint64_t v, int width)
{
    char d[20];
    for (int i = width - 1; i >= 0; i--) {
        d[i] = (char)('0' + v % 10);
        v /= 10;
    }
    ob_put(o, d, (size_t)width);
}

void blanc__ob_price(obuf *o, uint64_t ticks, int decimal, int quoted)
{
    if (!decimal) {
        ob_u64(o, ticks);
        return;
    }
    if (quoted)
        ob_char(o, '"');
    ob_u64(o, ticks / 10000);
    ob_char(o, '.');
    digits(o, ticks % 10000, 4);
    if (quoted)
        ob_char(o, '"');
}

void blanc__ob_time(obuf *o, uint64_t ns, int iso, int quoted)
{
    if (!iso) {
        ob_u64(o, ns);
        return;
    }
    uint64_t s = ns / 1000000000u;
    if (quoted)
        ob_char(o, '"');
    digits(o, s / 3600, 2); /* 48-bit ns: at most 78 hours */
    ob_char(o, ':');
    digits(o, s / 60 % 60, 2);
    ob_char(o, ':');
    digits(o, s % 60, 2);
    ob_char(o, '.');
    digits(o, ns % 1000000000u, 9);
    if (quoted)
        ob_char(o, '"');
}
