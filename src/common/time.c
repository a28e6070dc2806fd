/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Feed times as people write them: HH:MM:SS with up to nine fraction digits. */
#include <stdio.h>

#include "blanc.h"

int blanc_parse_time(const char *s, uint64_t *ns)
{
    unsigned h, m, sec;
    int used = 0;
    /* Digits where digits go: sscanf's %u would also take a blank or a sign. */
    for (int i = 0; i < 8; i++)
        if (i % 3 == 2 ? s[i] != ':' : s[i] < '0' || s[i] > '9')
            return BLANC_EINVAL;
    if (sscanf(s, "%2u:%2u:%2u%n", &h, &m, &sec, &used) != 3 || used != 8 || h > 23 || m > 59 ||
        sec > 59)
        return BLANC_EINVAL;
    uint64_t frac = 0;
    const char *p = s + 8;
    if (*p == '.') {
        int digits = 0;
        for (p++; *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits == 9)
                return BLANC_EINVAL;
            frac = frac * 10 + (uint64_t)(*p - '0');
        }
        if (!digits)
            return BLANC_EINVAL;
        for (; digits < 9; digits++)
            frac *= 10;
    }
    if (*p)
        return BLANC_EINVAL;
    *ns = ((uint64_t)h * 3600 + m * 60 + sec) * 1000000000u + frac;
    return 0;
}
