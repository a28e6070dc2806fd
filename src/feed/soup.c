/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SoupBinTCP 3.00 packet parsing (soup.h). Stateless and zero-copy: the
 * stream (soup_stream.c), the feed's content check (feed_soup.c) and the
 * fuzz target all call these on a window of bytes.
 *
 * Lengths by type (the length field counts the type byte): 'A' 31, 'J' 2,
 * 'H' 'Z' 'R' 'O' 1, 'L' 47, 'S' at least 2 (a message has a type byte),
 * '+' and 'U' at least 1. Every other length of these types is impossible.
 */
#include "feed/soup.h"

#include "common/bytes.h"

/* The length field a type must have (> 0), or the least it may have (< 0),
 * 0 for an unknown type. */
static int type_len(uint8_t type)
{
    switch (type) {
    case 'S': return -2;
    case 'H': case 'Z': case 'R': case 'O': return 1;
    case 'A': return SOUP_LOGIN_ACCEPTED_LEN;
    case 'J': return 2;
    case 'L': return SOUP_LOGIN_REQUEST_LEN;
    case '+': case 'U': return -1;
    default: return 0;
    }
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int printable(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7e)
            return 0;
    return 1;
}

/* Space padded on the left, then digits to the end: how the number is sent. */
static int seq_field_ok(const uint8_t *p)
{
    size_t i = 0;
    while (i < SOUP_SEQ_LEN && p[i] == ' ')
        i++;
    if (i == SOUP_SEQ_LEN)
        return 0;
    for (; i < SOUP_SEQ_LEN; i++)
        if (p[i] < '0' || p[i] > '9')
            return 0;
    return 1;
}

int blanc__soup_login(const soup_packet *pk, char session[SOUP_SESSION_LEN + 1], uint64_t *seq)
{
    if (pk->type != 'A' || pk->len != SOUP_LOGIN_ACCEPTED_LEN - 1 || !seq_field_ok(pk->payload + SOUP_SESSION_LEN))
        return BLANC_EBADPACKET;
    const uint8_t *q = pk->payload + SOUP_SESSION_LEN;
    uint64_t v = 0;
    for (size_t i = 0; i < SOUP_SEQ_LEN; i++) {
        if (q[i] == ' ')
            continue;
        uint64_t d = (uint64_t)(q[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return BLANC_EBADPACKET;
        v = v * 10 + d;
    }
    size_t k = 0;
    for (size_t i = 0; i < SOUP_SESSION_LEN; i++)
        if (k || pk->payload[i] != ' ')
            session[k++] = (char)pk->payload[i];
    while (k && session[k - 1] == ' ') /* tolerate right padding too */
        k--;
    session[k] = '\0';
    *seq = v;
    return 0;
}

int blanc__soup_header(const uint8_t *p, size_t n)
{
    if (n < 2)
        return BLANC_ETRUNCATED;
    size_t len = blanc_be16(p);
    if (len == 0)
        return BLANC_EBADPACKET;
    if (n < SOUP_HEADER)
        return BLANC_ETRUNCATED;
    int want = type_len(p[2]);
    if (want == 0 || (want > 0 && len != (size_t)want) || (want < 0 && len < (size_t)-want))
        return BLANC_EBADPACKET;
    return 0;
}

int blanc__soup_parse(const uint8_t *p, size_t n, soup_packet *out)
{
    int rc = blanc__soup_header(p, n);
    if (rc < 0)
        return rc;
    size_t len = blanc_be16(p);
    if (n < 2 + len)
        return BLANC_ETRUNCATED;
    out->type = p[2];
    out->payload = p + SOUP_HEADER;
    out->len = len - 1;
    if (out->type == 'A') {
        for (size_t i = 0; i < SOUP_SESSION_LEN; i++)
            if (!is_alnum(out->payload[i]) && out->payload[i] != ' ')
                return BLANC_EBADPACKET;
        char name[SOUP_SESSION_LEN + 1];
        uint64_t seq;
        if (blanc__soup_login(out, name, &seq) < 0)
            return BLANC_EBADPACKET;
    }
    return (int)(2 + len);
}

int blanc__soup_plausible(const soup_packet *pk)
{
    switch (pk->type) {
    case 'S': return blanc_itch_msg_len(pk->payload[0]) == pk->len;
    case 'J': return pk->payload[0] == 'A' || pk->payload[0] == 'S';
    case '+': case 'L': return printable(pk->payload, pk->len);
    case 'U': return 0;
    default: return 1; /* A (checked by the parser), H, Z, R, O */
    }
}
