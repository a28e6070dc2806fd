/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc gen: the capture options (--format and what goes with it) and the
 * transport report (stderr, --manifest). */
#include <arpa/inet.h>
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* "0.01", "1%", "0": a rate in parts per million, at most 1. Decimal digits
 * only, so a rate means the same draws everywhere. */
int cli_parse_rate_ppm(const char *s, uint32_t *ppm)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    uint64_t whole = 0, frac = 0, scale = 1000000;
    const char *p = s;
    while (isdigit((unsigned char)*p) && whole <= 100)
        whole = whole * 10 + (uint64_t)(*p++ - '0');
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        for (uint64_t d = 100000; isdigit((unsigned char)*p); p++, d /= 10)
            frac += (uint64_t)(*p - '0') * d; /* digits past the 6th add 0 */
    }
    if (*p == '%') {
        p++;
        scale = 10000;
        frac /= 100;
    }
    if (*p)
        return -1;
    uint64_t v = whole * scale + frac;
    if (v > 1000000)
        return -1;
    *ppm = (uint32_t)v;
    return 0;
}

int cli_parse_channel(const char *s, uint32_t *group, uint16_t *port)
{
    const char *colon = s ? strrchr(s, ':') : NULL;
    char ip[32];
    if (!colon || (size_t)(colon - s) >= sizeof ip)
        return -1;
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = 0;
    struct in_addr a;
    uint64_t v;
    if (inet_pton(AF_INET, ip, &a) != 1 || cli_parse_u64(colon + 1, &v) || v == 0 || v > 65535)
        return -1;
    *group = ntohl(a.s_addr);
    *port = (uint16_t)v;
    return 0;
}

/* "YYYY-MM-DD" (1970 to 2200): ns since the epoch of its 00:00 UTC. */
int cli_parse_date(const char *s, uint64_t *epoch_ns)
{
    unsigned y, m, d;
    char tail;
    /* Digits where digits go: sscanf's %u would also take a blank or a sign. */
    static const char shape[] = "dddd-dd-dd";
    if (!s || strlen(s) != 10)
        return -1;
    for (int i = 0; i < 10; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return -1;
    if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
        y < 1970 || y > 2200 || m < 1 || m > 12 || d < 1)
        return -1;
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    /* days from civil (H. Hinnant) */
    unsigned yy = m <= 2 ? y - 1 : y, era = yy / 400, yoe = yy - era * 400;
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    uint64_t days = (uint64_t)era * 146097 + doe - 719468;
    *epoch_ns = days * 86400 * UINT64_C(1000000000);
    return 0;
}

/* Up to 10 letters or digits, space padded. */
int cli_parse_session_name(const char *s, char out[10])
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > 10)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]))
            return -1;
    memset(out, ' ', 10);
    memcpy(out, s, n);
    return 0;
}

static void fmt_channel(const blanc_gen_transport *t, int i, char out[32])
{
    uint32_t def = t->format == BLANC_GEN_SOUPBINTCP_PCAP ? UINT32_C(0x0A000001) /* 10.0.0.1 */
                   : i                                  ? BLANC_GEN_GROUP_B
                                                        : BLANC_GEN_GROUP_A;
    uint32_t g = t->group[i] ? t->group[i] : def;
    snprintf(out, 32, "%u.%u.%u.%u:%u", g >> 24, g >> 16 & 255, g >> 8 & 255, g & 255,
             t->port[i] ? t->port[i] : BLANC_GEN_PORT);
}

int cli_gen_transport_lines(const blanc_gen_transport *t, const blanc_gen_result *res,
                            char *buf, size_t cap, int as_json)
{
    size_t n = 0;
    if (t->format == BLANC_GEN_SOUPBINTCP_PCAP) {
        const blanc_gen_line_stats *s = &res->line[0];
        char ch[32];
        fmt_channel(t, 0, ch);
        int k = as_json
                    ? snprintf(buf, cap,
                               "{\"kind\":\"transport\",\"line\":\"A\",\"channel\":\"%s\","
                               "\"packets\":%" PRIu64 ",\"data_packets\":%" PRIu64
                               ",\"retransmitted_packets\":%" PRIu64
                               ",\"reordered_packets\":%" PRIu64 "}\n",
                               ch, s->packets, s->data_packets, s->dup_packets,
                               s->reordered_packets)
                    : snprintf(buf, cap,
                               "blanc gen: TCP server %s: %" PRIu64 " packets (%" PRIu64
                               " data segments), retransmitted %" PRIu64 ", reordered %" PRIu64
                               "\n",
                               ch, s->packets, s->data_packets, s->dup_packets,
                               s->reordered_packets);
        return k > 0 && (size_t)k < cap ? k : -1;
    }
    int lines = t->ab ? 2 : 1;
    for (int i = 0; i < lines && n < cap; i++) {
        const blanc_gen_line_stats *s = &res->line[i];
        char ch[32];
        fmt_channel(t, i, ch);
        char l = i ? 'B' : 'A';
        int k;
        if (as_json)
            k = snprintf(buf + n, cap - n,
                         "{\"kind\":\"transport\",\"line\":\"%c\",\"channel\":\"%s\","
                         "\"packets\":%" PRIu64 ",\"data_packets\":%" PRIu64
                         ",\"heartbeats\":%" PRIu64 ",\"dropped_packets\":%" PRIu64
                         ",\"dropped_messages\":%" PRIu64 ",\"dup_packets\":%" PRIu64
                         ",\"dup_messages\":%" PRIu64 ",\"reordered_packets\":%" PRIu64 "}\n",
                         l, ch, s->packets, s->data_packets, s->heartbeats, s->dropped_packets,
                         s->dropped_messages, s->dup_packets, s->dup_messages,
                         s->reordered_packets);
        else
            k = snprintf(buf + n, cap - n,
                         "blanc gen: line %c %s: %" PRIu64 " packets (%" PRIu64 " data, %" PRIu64
                         " heartbeats), dropped %" PRIu64 " (%" PRIu64
                         " messages), duplicated %" PRIu64 " (%" PRIu64
                         " messages), reordered %" PRIu64 "\n",
                         l, ch, s->packets, s->data_packets, s->heartbeats, s->dropped_packets,
                         s->dropped_messages, s->dup_packets, s->dup_messages,
                         s->reordered_packets);
        n += k > 0 ? (size_t)k : 0;
    }
    if (n < cap) {
        int k = as_json ? snprintf(buf + n, cap - n,
                                   "{\"kind\":\"transport_lost\",\"lost_all_lines\":%" PRIu64
                                   "}\n",
                                   res->lost_all_lines)
                        : snprintf(buf + n, cap - n,
                                   "blanc gen: %" PRIu64 " messages lost on every line\n",
                                   res->lost_all_lines);
        n += k > 0 ? (size_t)k : 0;
    }
    return n < cap ? (int)n : -1;
}
