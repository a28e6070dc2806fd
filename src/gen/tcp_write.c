/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A SoupBinTCP session as one TCP connection in a capture (docs/FEEDS.md
 * "Generating captures"): the client's SYN, the server's SYN-ACK, the
 * client's ACK and Login Request; then the server's bytes (the stream
 * soup_write.c makes) in segments of at most mss bytes, a segment closing
 * when full or when the next Soup packet lies window_ns of feed time after
 * its first byte, so Soup packets straddle segments; an ACK from the client
 * after every second segment written; at the end FIN from both sides.
 *
 * Transport faults, drawn per data segment from the writer's own random
 * stream: reorder (held, written after 1 to 3 later segments, at most 8
 * held), else retransmit (written again right after itself, before the
 * client's ACK could cover it). So tshark's analysis sees each copy as a
 * retransmission (the segment ends at the highest sequence number seen) and
 * each late segment as out of order (written at the time of the segment
 * before it, well within the handshake's round trip).
 */
#include <stdlib.h>
#include <string.h>

#include "gen/capture_write.h"
#include "gen/rng.h"

#define HOLD_CAP 8
#define F_FIN 0x01
#define F_SYN 0x02
#define F_PSH 0x08
#define F_ACK 0x10
#define CLIENT_IP UINT32_C(0x0A000002) /* 10.0.0.2 */
#define SERVER_IP UINT32_C(0x0A000001) /* 10.0.0.1 */
#define CLIENT_PORT 50000

typedef struct held {
    uint32_t seq;
    size_t len;
    uint32_t delay;
    uint64_t written_then; /* data segments written when it was held */
    uint8_t *p;
} held;

struct tcpw {
    pktw *pk;
    rng r;
    blanc_gen_transport t;
    tcp_seg srv, cli; /* addresses, next ip id; seq/ack filled per segment */
    uint32_t isn_s, snd; /* server: first and next sequence number */
    uint32_t cli_seq;
    int started, err;
    uint64_t now;     /* capture time of the latest Soup packet */
    uint64_t last_ts; /* of the last record written (never goes back) */
    uint64_t seg_t0;
    uint32_t last_ack;
    size_t mss, n;
    uint8_t *seg;
    held h[HOLD_CAP];
    uint32_t n_held;
    uint64_t written, since_ack;
    blanc_gen_line_stats st;
};

static int chance(rng *r, uint32_t ppm) { return ppm && rng_below(r, 1000000) < ppm; }

static void emit(tcpw *w, uint64_t ts, tcp_seg *s, uint32_t seq, uint32_t ack, uint8_t flags,
                 const uint8_t *p, size_t n)
{
    if (w->err)
        return;
    if (ts < w->last_ts)
        ts = w->last_ts;
    w->last_ts = ts;
    s->seq = seq;
    s->ack = ack;
    s->flags = flags;
    w->err = blanc__pktw_tcp(w->pk, ts, s, p, n);
    s->ip_id++;
    w->st.packets++;
}

/* What the client has received in order: up to the lowest held segment. */
static uint32_t acked(const tcpw *w)
{
    uint32_t a = w->snd;
    for (uint32_t i = 0; i < w->n_held; i++)
        if ((int32_t)(w->h[i].seq - a) < 0)
            a = w->h[i].seq;
    return a;
}

/* Only when it acknowledges more: duplicate ACKs would make a segment
 * filling a hole a "fast retransmission" to tshark. */
static void client_ack(tcpw *w)
{
    uint32_t a = acked(w);
    w->since_ack = 0;
    if (a == w->last_ack)
        return;
    w->last_ack = a;
    emit(w, w->last_ts, &w->cli, w->cli_seq, a, F_ACK, NULL, 0);
}

/* One data segment; the client ACKs every second one (not between a
 * segment and its retransmission: may_ack 0). */
static void data(tcpw *w, uint64_t ts, uint32_t seq, const uint8_t *p, size_t n, int may_ack)
{
    emit(w, ts, &w->srv, seq, w->cli_seq, F_PSH | F_ACK, p, n);
    w->written++;
    if (++w->since_ack >= 2 && may_ack)
        client_ack(w);
}

/* Held segments whose delay ran out, lowest first. */
static void release(tcpw *w, int all)
{
    for (;;) {
        int best = -1;
        for (uint32_t i = 0; i < w->n_held; i++)
            if ((all || w->h[i].delay == 0) &&
                (best < 0 || (int32_t)(w->h[i].seq - w->h[best].seq) < 0))
                best = (int)i;
        if (best < 0)
            return;
        held x = w->h[best];
        w->h[best] = w->h[--w->n_held];
        if (w->written > x.written_then)
            w->st.reordered_packets++; /* a later segment went before it */
        w->since_ack = 1; /* an ACK after it: the hole is closed */
        data(w, w->last_ts, x.seq, x.p, x.len, 1); /* the time of the highest */
        free(x.p);
    }
}

/* Close the open segment. */
static void flush_seg(tcpw *w)
{
    if (!w->n || w->err)
        return;
    uint32_t seq = w->snd;
    size_t n = w->n;
    w->snd += (uint32_t)n;
    w->n = 0;
    w->st.data_packets++;
    for (uint32_t i = 0; i < w->n_held; i++)
        if (w->h[i].delay)
            w->h[i].delay--;
    if (w->n_held < HOLD_CAP && chance(&w->r, w->t.reorder_ppm)) {
        held *x = &w->h[w->n_held];
        x->p = malloc(n);
        if (!x->p) {
            w->err = BLANC_ENOMEM;
            return;
        }
        memcpy(x->p, w->seg, n);
        x->seq = seq;
        x->len = n;
        x->delay = 1 + rng_below(&w->r, 3);
        x->written_then = w->written;
        w->n_held++;
    } else {
        int again = chance(&w->r, w->t.retransmit_ppm);
        data(w, w->now, seq, w->seg, n, !again);
        if (again) {
            w->st.dup_packets++;
            data(w, w->last_ts, seq, w->seg, n, 1);
        }
    }
    release(w, 0);
}

static void handshake(tcpw *w, uint64_t ts)
{
    uint64_t t = ts > 400000 ? ts - 400000 : 0;
    uint32_t isn_c = (uint32_t)rng_next(&w->r);
    emit(w, t, &w->cli, isn_c, 0, F_SYN, NULL, 0);
    emit(w, t + 100000, &w->srv, w->isn_s, isn_c + 1, F_SYN | F_ACK, NULL, 0);
    w->cli_seq = isn_c + 1;
    w->snd = w->isn_s + 1;
    emit(w, t + 200000, &w->cli, w->cli_seq, w->snd, F_ACK, NULL, 0);
    w->last_ack = w->snd;
    /* Login Request: username, password, requested session (any), sequence 1. */
    uint8_t l[49];
    l[0] = 0;
    l[1] = 47;
    l[2] = 'L';
    memcpy(l + 3, "blanc ", 6);
    memcpy(l + 9, "          ", 10);
    memset(l + 19, ' ', 10 + 19);
    l[48] = '1';
    emit(w, t + 300000, &w->cli, w->cli_seq, w->snd, F_PSH | F_ACK, l, sizeof l);
    w->cli_seq += sizeof l;
}

int blanc__tcpw_open(tcpw **out, const blanc_gen_transport *t, uint64_t seed, blanc_sink *sink)
{
    tcpw *w = calloc(1, sizeof *w);
    if (!w)
        return BLANC_ENOMEM;
    w->t = *t;
    w->mss = t->payload ? t->payload : 1400;
    w->seg = malloc(w->mss);
    rng_seed(&w->r, seed ^ UINT64_C(0xBB67AE8584CAA73B));
    /* Near the top of the sequence space: the numbers wrap within 1 MiB. */
    w->isn_s = UINT32_C(0xFFF00000) | (uint32_t)(rng_next(&w->r) & 0xFFFFF);
    w->srv.src_ip = w->cli.dst_ip = t->group[0] ? t->group[0] : SERVER_IP;
    w->srv.src_port = w->cli.dst_port = t->port[0] ? t->port[0] : BLANC_GEN_PORT;
    w->srv.dst_ip = w->cli.src_ip = CLIENT_IP;
    w->srv.dst_port = w->cli.src_port = CLIENT_PORT;
    w->srv.src_mac_last = w->cli.dst_mac_last = 1;
    w->srv.dst_mac_last = w->cli.src_mac_last = 2;
    w->srv.ip_id = 0x1000;
    w->cli.ip_id = 0x2000;
    int rc = w->seg ? blanc__pktw_open(&w->pk, 0, sink) : BLANC_ENOMEM;
    if (rc) {
        blanc__tcpw_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int blanc__tcpw_write(tcpw *w, const uint8_t *p, size_t n, uint64_t ts_ns)
{
    if (!w->started) {
        w->started = 1;
        handshake(w, ts_ns);
    }
    if (w->n && ts_ns >= w->seg_t0 + w->t.window_ns)
        flush_seg(w);
    if (ts_ns > w->now)
        w->now = ts_ns;
    while (n && !w->err) {
        if (!w->n)
            w->seg_t0 = ts_ns;
        size_t k = w->mss - w->n < n ? w->mss - w->n : n;
        memcpy(w->seg + w->n, p, k);
        w->n += k;
        p += k;
        n -= k;
        if (w->n == w->mss)
            flush_seg(w);
    }
    return w->err;
}

int blanc__tcpw_close(tcpw *w, blanc_gen_line_stats *st)
{
    flush_seg(w);
    release(w, 1);
    client_ack(w);
    emit(w, w->last_ts, &w->srv, w->snd, w->cli_seq, F_FIN | F_ACK, NULL, 0);
    emit(w, w->last_ts + 100000, &w->cli, w->cli_seq, w->snd + 1, F_FIN | F_ACK, NULL, 0);
    emit(w, w->last_ts + 100000, &w->srv, w->snd + 1, w->cli_seq + 1, F_ACK, NULL, 0);
    int rc = blanc__pktw_close(w->pk);
    w->pk = NULL;
    if (w->err)
        rc = w->err;
    if (st)
        *st = w->st;
    blanc__tcpw_free(w);
    return rc;
}

void blanc__tcpw_free(tcpw *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < w->n_held; i++)
        free(w->h[i].p);
    blanc__pktw_close(w->pk);
    free(w->seg);
    free(w);
}
