/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The day as a SoupBinTCP 3.0 server stream: Login Accepted ('A': session,
 * next sequence number 1 as 20 space-padded ASCII digits), one Sequenced
 * Data packet ('S') per message, a Server Heartbeat ('H') after each quiet
 * stretch of heartbeat_s feed seconds, End of Session ('Z') at the end.
 * Every packet is a 2-byte big-endian length (of what follows) and its type.
 * The same bytes go to a sink (format soupbintcp) or, packet by packet with
 * its capture time, to the TCP writer (soupbintcp-pcap, tcp_write.c).
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "gen/capture_write.h"

#define NS_PER_S UINT64_C(1000000000)

struct soupw {
    blanc_sink *sink;
    tcpw *tcp;         /* not NULL: each packet goes to the TCP writer */
    uint64_t epoch_ns; /* capture time of feed time 0 */
    uint64_t hb_ns, last_ns;
    int started;
    size_t n;
    uint8_t login[30]; /* over TCP: sent with the first message's time */
    uint8_t buf[1 << 17];
};

static int put(soupw *w, char type, const uint8_t *body, size_t len)
{
    if (w->tcp) {
        blanc_put_be16(w->buf, (uint16_t)(len + 1));
        w->buf[2] = (uint8_t)type;
        if (len)
            memcpy(w->buf + 3, body, len);
        return blanc__tcpw_write(w->tcp, w->buf, len + 3, w->epoch_ns + w->last_ns);
    }
    if (w->n + len + 3 > sizeof w->buf) {
        int rc = blanc_sink_write(w->sink, w->buf, w->n);
        w->n = 0;
        if (rc)
            return rc;
    }
    blanc_put_be16(w->buf + w->n, (uint16_t)(len + 1));
    w->buf[w->n + 2] = (uint8_t)type;
    if (len)
        memcpy(w->buf + w->n + 3, body, len);
    w->n += len + 3;
    return 0;
}

int blanc__soupw_open(soupw **out, const blanc_gen_transport *t, blanc_sink *sink, tcpw *tcp)
{
    soupw *w = calloc(1, sizeof *w);
    if (!w)
        return BLANC_ENOMEM;
    w->sink = sink;
    w->tcp = tcp;
    w->epoch_ns = t->epoch_ns;
    w->hb_ns = t->heartbeat_s * NS_PER_S;
    uint8_t *login = w->login;
    memcpy(login, t->session, 10);
    memset(login + 10, ' ', 19);
    login[29] = '1'; /* the first message is sequence number 1 */
    int rc = tcp ? 0 : put(w, 'A', login, sizeof w->login);
    if (rc) {
        free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int blanc__soupw_msg(soupw *w, const uint8_t *msg, size_t len, uint64_t ts_ns)
{
    int rc = 0;
    if (!w->started) {
        w->started = 1;
        w->last_ns = ts_ns;
        if (w->tcp)
            rc = put(w, 'A', w->login, sizeof w->login);
    }
    while (w->hb_ns && !rc && ts_ns >= w->last_ns + w->hb_ns) {
        w->last_ns += w->hb_ns;
        rc = put(w, 'H', NULL, 0);
    }
    if (ts_ns > w->last_ns)
        w->last_ns = ts_ns;
    return rc ? rc : put(w, 'S', msg, len);
}

int blanc__soupw_close(soupw *w)
{
    int rc = 0;
    if (w->tcp && !w->started)
        rc = put(w, 'A', w->login, sizeof w->login);
    rc = rc ? rc : put(w, 'Z', NULL, 0);
    if (!rc && w->n)
        rc = blanc_sink_write(w->sink, w->buf, w->n);
    free(w);
    return rc;
}

void blanc__soupw_free(soupw *w) { free(w); }
