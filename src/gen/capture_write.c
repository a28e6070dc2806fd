/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The day as MoldUDP64 packets on one or two lines.
 *
 * Packing: messages go into the open packet until the next one would pass
 * the payload limit or lies window_ns of feed time after the packet's first;
 * sequence numbers count messages from 1. A heartbeat (count 0, the next
 * sequence number) follows each quiet stretch of heartbeat_s feed seconds,
 * and an end-of-session packet (count 0xFFFF) ends the day on every line.
 *
 * Lines: every data packet goes to line A and, with ab, to line B. On each
 * line its own RNG stream decides, in this order, drop (the packet is not
 * written), reorder (held back and written after 1 to 3 later packets of the
 * day; counted as reordered if a later packet did go out first) and
 * duplicate (written twice in a row). Heartbeats and the end of
 * session are never touched, and held packets go out before them, so the
 * end of session always says how many messages there were. Each decision
 * is counted and, with a packet log, listed: tests know the exact loss.
 *
 * Capture time: the epoch of the day's 00:00 plus the ITCH time of the
 * packet's last message, line B 1 us after line A, never going backwards.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "gen/capture_write.h"
#include "gen/rng.h"

#define NS_PER_S UINT64_C(1000000000)
#define HOLD_CAP 8
#define HDR 20
#define B_LATENCY_NS 1000
#define DEFAULT_EPOCH UINT64_C(1704153600000000000) /* 2024-01-02 00:00:00 UTC */

typedef struct held {
    uint32_t countdown;
    uint64_t seq;
    uint16_t count;
    size_t n;
    uint8_t *p; /* payload copy (payload limit bytes) */
} held;

typedef struct line {
    rng r;
    udp_addr a;
    blanc_gen_line_stats st;
    held h[HOLD_CAP];
    uint32_t n_held;
    uint64_t top; /* highest sequence number written on the line */
    char name[32]; /* "A 233.54.12.111:26477" */
} line;

struct capw {
    blanc_gen_transport t;
    blanc_sink *sink;
    soupw *soup;
    tcpw *tcp; /* soupbintcp-pcap: soup writes into it */
    pktw *pk;
    uint32_t n_lines;
    line ln[2];
    uint8_t *pay; /* the open packet: header + blocks */
    size_t n;
    uint16_t count;
    uint64_t next_seq, t0, t_last, t_sent; /* feed times */
    int started;
    uint64_t clock, frames, lost_all;
    char logbuf[1 << 14];
    size_t logn;
    int err;
};

static void log_flush(capw *w)
{
    if (w->logn && !w->err)
        w->err = blanc_sink_write(w->t.packet_log, w->logbuf, w->logn);
    w->logn = 0;
}

/* One decision: frame is the record number written, 0 for a dropped packet. */
static void log_line(capw *w, const line *l, uint64_t frame, uint64_t seq, unsigned count,
                     const char *what)
{
    if (!w->t.packet_log)
        return;
    if (w->logn + 128 > sizeof w->logbuf)
        log_flush(w);
    char f[24] = "-";
    if (frame)
        snprintf(f, sizeof f, "%" PRIu64, frame);
    int k = snprintf(w->logbuf + w->logn, sizeof w->logbuf - w->logn,
                     "%s %s %.10s %" PRIu64 " %u %s\n", f, l->name, w->t.session, seq, count,
                     what);
    w->logn += (size_t)k;
}

static void emit(capw *w, line *l, const uint8_t *p, size_t n, uint64_t seq, unsigned count,
                 const char *what)
{
    if (w->err)
        return;
    uint64_t at = w->t.epoch_ns + w->t_last + (l == &w->ln[1] ? B_LATENCY_NS : 0);
    if (at < w->clock)
        at = w->clock;
    w->clock = at;
    l->a.ip_id++;
    w->err = blanc__pktw_udp(w->pk, at, &l->a, p, n);
    l->st.packets++;
    log_line(w, l, ++w->frames, seq, count, what);
}

/* A held packet goes out: reordered if a later one went out before it (a
 * hold whose overtakers were all dropped ends up in order after all). */
static void release(capw *w, line *l, const held *h)
{
    int late = h->seq < l->top;
    emit(w, l, h->p, h->n, h->seq, h->count, late ? "reordered" : "data");
    if (late)
        l->st.reordered_packets++;
    else
        l->top = h->seq;
}

static void release_all(capw *w, line *l)
{
    for (uint32_t i = 0; i < l->n_held; i++)
        release(w, l, &l->h[i]);
    l->n_held = 0;
}

/* After a packet of the day: held packets whose delay is over go out, in
 * the order they were held. */
static void tick_held(capw *w, line *l)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < l->n_held; i++) {
        held *h = &l->h[i];
        if (--h->countdown == 0) {
            release(w, l, h);
        } else if (k != i) {
            held tmp = l->h[k]; /* keep the buffers: swap */
            l->h[k] = *h;
            *h = tmp;
            k++;
        } else {
            k++;
        }
    }
    l->n_held = k;
}

static int chance(rng *r, uint32_t ppm) { return ppm && rng_below(r, 1000000) < ppm; }

static void send_data(capw *w)
{
    if (!w->count)
        return;
    uint64_t seq = w->next_seq;
    blanc_put_be64(w->pay + 10, seq);
    blanc_put_be16(w->pay + 18, w->count);
    int dropped_all = 1;
    for (uint32_t i = 0; i < w->n_lines; i++) {
        line *l = &w->ln[i];
        l->st.data_packets++;
        /* Three draws per packet whatever the outcome: one rate never shifts
         * the decisions another rate makes. */
        int drop = chance(&l->r, w->t.drop_ppm);
        int reorder = chance(&l->r, w->t.reorder_ppm);
        uint32_t delay = 1 + rng_below(&l->r, 3);
        int dup = chance(&l->r, w->t.dup_ppm);
        if (drop) {
            l->st.dropped_packets++;
            l->st.dropped_messages += w->count;
            log_line(w, l, 0, seq, w->count, "dropped");
        } else if (reorder && l->n_held < HOLD_CAP) {
            dropped_all = 0;
            held *h = &l->h[l->n_held++];
            h->countdown = delay + 1; /* this packet's own tick comes first */
            h->seq = seq;
            h->count = w->count;
            h->n = w->n;
            memcpy(h->p, w->pay, w->n);
        } else {
            dropped_all = 0;
            emit(w, l, w->pay, w->n, seq, w->count, "data");
            l->top = seq;
            if (dup) {
                emit(w, l, w->pay, w->n, seq, w->count, "duplicate");
                l->st.dup_packets++;
                l->st.dup_messages += w->count;
            }
        }
        tick_held(w, l);
    }
    if (dropped_all)
        w->lost_all += w->count;
    w->next_seq += w->count;
    w->count = 0;
    w->n = HDR;
    w->t_sent = w->t_last;
}

/* A heartbeat or the end of session (count 0 or 0xFFFF) on every line. */
static void send_control(capw *w, uint16_t count)
{
    uint8_t p[HDR];
    memcpy(p, w->pay, 10);
    blanc_put_be64(p + 10, w->next_seq);
    blanc_put_be16(p + 18, count);
    for (uint32_t i = 0; i < w->n_lines; i++) {
        line *l = &w->ln[i];
        release_all(w, l);
        emit(w, l, p, HDR, w->next_seq, count, count ? "end" : "heartbeat");
        if (!count)
            l->st.heartbeats++;
    }
}

static void set_line(line *l, char name, uint32_t group, uint16_t port, uint8_t host)
{
    l->a.src_ip = UINT32_C(0x0A000000) | (uint32_t)host << 8 | 1; /* 10.0.H.1 */
    l->a.dst_ip = group;
    l->a.src_port = 50000;
    l->a.dst_port = port;
    l->a.src_mac_last = (uint8_t)(host + 1);
    snprintf(l->name, sizeof l->name, "%c %u.%u.%u.%u:%u", name, group >> 24, group >> 16 & 255,
             group >> 8 & 255, group & 255, port);
}

int blanc__capw_open(capw **out, const blanc_gen_transport *t, uint64_t seed, blanc_sink *sink)
{
    if (!t || t->format == BLANC_GEN_BINARYFILE || t->format > BLANC_GEN_SOUPBINTCP_PCAP ||
        (t->payload && (t->payload < 128 || t->payload > 65000)) || t->drop_ppm > 1000000 ||
        t->dup_ppm > 1000000 || t->reorder_ppm > 1000000 || t->retransmit_ppm > 1000000)
        return BLANC_EINVAL;
    capw *w = calloc(1, sizeof *w);
    if (!w)
        return BLANC_ENOMEM;
    w->t = *t;
    w->sink = sink;
    static const char def_session[10] = "BLANC00001";
    static const char none[10];
    if (!memcmp(w->t.session, none, 10))
        memcpy(w->t.session, def_session, 10);
    if (!w->t.payload)
        w->t.payload = 1400;
    if (!w->t.window_ns)
        w->t.window_ns = 1000000;
    if (!w->t.epoch_ns)
        w->t.epoch_ns = DEFAULT_EPOCH;
    int rc;
    if (t->format == BLANC_GEN_SOUPBINTCP) {
        rc = blanc__soupw_open(&w->soup, &w->t, sink, NULL);
        goto done;
    }
    if (t->format == BLANC_GEN_SOUPBINTCP_PCAP) {
        rc = blanc__tcpw_open(&w->tcp, &w->t, seed, sink);
        if (rc == 0)
            rc = blanc__soupw_open(&w->soup, &w->t, sink, w->tcp);
        goto done;
    }
    w->n_lines = t->ab ? 2 : 1;
    w->pay = malloc(w->t.payload * (size_t)(1 + HOLD_CAP * w->n_lines));
    if (!w->pay) {
        rc = BLANC_ENOMEM;
        goto done;
    }
    for (uint32_t i = 0; i < w->n_lines; i++) {
        line *l = &w->ln[i];
        rng_seed(&l->r, seed ^ (UINT64_C(0x6A09E667F3BCC909) + i * UINT64_C(0x9E3779B97F4A7C15)));
        uint32_t g = t->group[i] ? t->group[i] : i ? BLANC_GEN_GROUP_B : BLANC_GEN_GROUP_A;
        set_line(l, i ? 'B' : 'A', g, t->port[i] ? t->port[i] : BLANC_GEN_PORT, (uint8_t)i);
        for (uint32_t k = 0; k < HOLD_CAP; k++)
            l->h[k].p = w->pay + w->t.payload * (size_t)(1 + i * HOLD_CAP + k);
    }
    memcpy(w->pay, w->t.session, 10);
    w->n = HDR;
    w->next_seq = 1;
    rc = blanc__pktw_open(&w->pk, t->format == BLANC_GEN_MOLDUDP64_PCAPNG, sink);
done:
    if (rc) {
        blanc__capw_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

int blanc__capw_msg(capw *w, const uint8_t *msg, size_t len, uint64_t ts_ns)
{
    if (w->soup)
        return blanc__soupw_msg(w->soup, msg, len, ts_ns);
    if (w->err)
        return w->err;
    if (len + 2 + HDR > w->t.payload)
        return BLANC_EINVAL;
    if (!w->started) {
        w->started = 1;
        w->t_sent = ts_ns;
    }
    if (w->count && (w->n + 2 + len > w->t.payload || ts_ns >= w->t0 + w->t.window_ns ||
                     w->count == 0xFFFE))
        send_data(w);
    uint64_t hb = (uint64_t)w->t.heartbeat_s * NS_PER_S;
    while (hb && !w->count && !w->err && ts_ns >= w->t_sent + hb) {
        w->t_sent += hb;
        w->t_last = w->t_sent;
        send_control(w, 0);
    }
    if (ts_ns > w->t_last)
        w->t_last = ts_ns;
    if (!w->count)
        w->t0 = ts_ns;
    blanc_put_be16(w->pay + w->n, (uint16_t)len);
    memcpy(w->pay + w->n + 2, msg, len);
    w->n += 2 + len;
    w->count++;
    return w->err;
}

int blanc__capw_close(capw *w, blanc_gen_result *res)
{
    if (!w)
        return 0;
    int rc;
    if (w->soup) {
        rc = blanc__soupw_close(w->soup);
        w->soup = NULL;
        if (w->tcp) {
            blanc_gen_line_stats st;
            int r2 = blanc__tcpw_close(w->tcp, &st);
            w->tcp = NULL;
            rc = rc ? rc : r2;
            if (res)
                res->line[0] = st;
        }
    } else {
        send_data(w);
        send_control(w, 0xFFFF);
        log_flush(w);
        rc = blanc__pktw_close(w->pk);
        w->pk = NULL;
        if (w->err)
            rc = w->err;
        if (res) {
            for (uint32_t i = 0; i < w->n_lines; i++)
                res->line[i] = w->ln[i].st;
            res->lost_all_lines = w->lost_all;
        }
    }
    blanc__capw_free(w);
    return rc;
}

void blanc__capw_free(capw *w)
{
    if (!w)
        return;
    blanc__soupw_free(w->soup);
    blanc__tcpw_free(w->tcp);
    blanc__pktw_close(w->pk);
    free(w->pay);
    free(w);
}
