/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * FIX tag=value framing (docs/EMIT.md "FIX"): fields separated by SOH (0x01),
 * BodyLength (9) the bytes after its own SOH up to and including the SOH
 * before CheckSum (10), CheckSum the byte sum of everything before it mod
 * 256 in three digits. A '\n' after each message makes the file one message
 * per line (it is not part of the message).
 */
#include <stdlib.h>

#include "out/fix.h"

#define SOH '\x01'

/* Room for k more bytes; on failure the message is marked and dropped. */
static char *room(fix_msg *m, size_t k)
{
    if (m->cap - m->n < k) {
        size_t cap = m->cap ? m->cap : 4096;
        while (cap - m->n < k)
            cap *= 2;
        char *b = realloc(m->b, cap);
        if (!b) {
            m->oom = 1;
            return NULL;
        }
        m->b = b;
        m->cap = cap;
    }
    return m->b + m->n;
}

static size_t utoa(char *t, uint64_t v) /* t: 20 bytes; digits at the end */
{
    size_t k = 20;
    do {
        t[--k] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return k;
}

static void tag(fix_msg *m, unsigned t)
{
    char d[20];
    size_t k = utoa(d, t);
    char *p = room(m, 21);
    if (!p)
        return;
    memcpy(p, d + k, 20 - k);
    p[20 - k] = '=';
    m->n += 21 - k;
}

static void put(fix_msg *m, const char *s, size_t n)
{
    char *p = room(m, n + 1);
    if (!p)
        return;
    memcpy(p, s, n);
    p[n] = SOH;
    m->n += n + 1;
}

void blanc__fix_str(fix_msg *m, unsigned t, const char *s, size_t n)
{
    tag(m, t);
    put(m, s, n);
}

void blanc__fix_u64(fix_msg *m, unsigned t, uint64_t v)
{
    char d[20];
    size_t k = utoa(d, v);
    tag(m, t);
    put(m, d + k, 20 - k);
}

void blanc__fix_px(fix_msg *m, unsigned t, uint32_t price)
{
    char d[26];
    size_t k = utoa(d, price / 10000u);
    memmove(d, d + k, 20 - k);
    size_t n = 20 - k;
    d[n++] = '.';
    uint32_t f = price % 10000u;
    for (int i = 3; i >= 0; i--, f /= 10)
        d[n + (size_t)i] = (char)('0' + f % 10);
    tag(m, t);
    put(m, d, n + 4);
}

void blanc__fix_frame(obuf *o, const char *begin, const fix_msg *m)
{
    char head[64], d[20];
    size_t h = 0, bl = strlen(begin);
    memcpy(head, "8=", 2);
    memcpy(head + 2, begin, bl);
    h = 2 + bl;
    head[h++] = SOH;
    head[h++] = '9';
    head[h++] = '=';
    size_t k = utoa(d, m->n);
    memcpy(head + h, d + k, 20 - k);
    h += 20 - k;
    head[h++] = SOH;
    unsigned sum = 0;
    for (size_t i = 0; i < h; i++)
        sum += (unsigned char)head[i];
    for (size_t i = 0; i < m->n; i++)
        sum += (unsigned char)m->b[i];
    sum &= 255u;
    char tail[8] = {'1', '0', '=', (char)('0' + sum / 100), (char)('0' + sum / 10 % 10),
                    (char)('0' + sum % 10), SOH, '\n'};
    ob_put(o, head, h);
    ob_put(o, m->b, m->n);
    ob_put(o, tail, sizeof tail);
}
