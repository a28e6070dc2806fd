/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Feed time to FIX time (docs/EMIT.md "FIX"). ITCH stamps are nanoseconds
 * after midnight in New York; FIX's UTCTimestamp, UTCDateOnly and
 * UTCTimeOnly are UTC. The offset is the trading day's: EDT (4 h) inside US
 * daylight saving time, else EST (5 h), by the rule of that year (from 2007
 * the second Sunday of March to the first of November; 1987-2006 the first
 * Sunday of April to the last of October). The switch happens at 02:00 on a
 * Sunday, when no US equity session is open, so one offset serves the day.
 */
#include "out/fix.h"

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static int32_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int weekday(int32_t z) { return (int)(((z % 7) + 11) % 7); } /* 0 = Sunday */

/* The n-th (1-based) Sunday of a month, or the last one with n = 0. */
static int32_t sunday(int y, int m, int n)
{
    if (n == 0) {
        int32_t last = days_from_civil(y + (m == 12), m == 12 ? 1 : m + 1, 1) - 1;
        return last - weekday(last);
    }
    int32_t first = days_from_civil(y, m, 1);
    return first + (7 - weekday(first)) % 7 + 7 * (n - 1);
}

static int daylight(int32_t day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    if (y >= 2007)
        return day >= sunday(y, 3, 2) && day < sunday(y, 11, 1);
    if (y >= 1987)
        return day >= sunday(y, 4, 1) && day < sunday(y, 10, 0);
    return 0;
}

int32_t blanc__fix_day(const char *s)
{
    if (!s)
        return -1;
    int v[8], k = 0;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return -1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v[k++] = s[i] - '0';
    }
    if (s[10])
        return -1;
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3], m = v[4] * 10 + v[5],
        d = v[6] * 10 + v[7];
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    return days_from_civil(y, m, d);
}

static void digits(char *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
}

uint64_t blanc__fix_offset(int32_t day)
{
    return (daylight(day) ? 4u : 5u) * UINT64_C(3600000000000);
}

void blanc__fix_utc(int32_t day, uint64_t offset, uint64_t feed_ns, int nanos, fix_utc *out)
{
    const uint64_t per_day = UINT64_C(86400000000000);
    uint64_t t = feed_ns + offset;
    int y, m, d;
    civil_from_days(day + (int32_t)(t / per_day), &y, &m, &d);
    t %= per_day;
    digits(out->date, (uint64_t)y, 4);
    digits(out->date + 4, (uint64_t)m, 2);
    digits(out->date + 6, (uint64_t)d, 2);
    out->date[8] = 0;
    uint64_t s = t / 1000000000u;
    char *p = out->time;
    digits(p, s / 3600, 2);
    p[2] = ':';
    digits(p + 3, s / 60 % 60, 2);
    p[5] = ':';
    digits(p + 6, s % 60, 2);
    p[8] = '.';
    if (nanos) {
        digits(p + 9, t % 1000000000u, 9);
        p[18] = 0;
    } else {
        digits(p + 9, t % 1000000000u / 1000000u, 3);
        p[12] = 0;
    }
}
