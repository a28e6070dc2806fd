/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Capture info (blanc.h): the capture walker and a MoldUDP64 stream that
 * accounts every session (account_all), read to the end. The per-packet
 * call parses each MoldUDP64 header itself so a listing shows every packet
 * as sent, whatever the stream did with it (held, duplicate, arbitrated).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feed/capture.h"
#include "feed/mold.h"
#include "feed/tcp_reasm.h"

struct blanc_capture_info {
    mold_stream *mold;
    tcp_reasm *tcp; /* the SoupBinTCP connection, by content (as the replay finds it) */
    uint64_t first_seq, last_seq;
    blanc_capture_totals t;
};

/* Read out what the reassembler has: nothing is delivered, only numbers kept. */
static void drain_tcp(blanc_capture_info *ci)
{
    blanc_msg m[64];
    int n;
    while ((n = blanc__tcp_reasm_take(ci->tcp, m, 64)) > 0) {
        for (int i = 0; i < n; i++)
            if (m[i].seq) {
                if (!ci->first_seq)
                    ci->first_seq = m[i].seq;
                ci->last_seq = m[i].seq;
            }
        blanc__tcp_reasm_consume(ci->tcp, (size_t)n);
    }
}

static void trimmed(char out[11], const char in[10])
{
    size_t n = 10;
    while (n > 0 && in[n - 1] == ' ')
        n--;
    memcpy(out, in, n);
    out[n] = 0;
}

/* Take the packet into the stream and, when asked, describe it. */
static int one(blanc_capture_info *ci, const cap_packet *pk, blanc_capture_packet_fn fn, void *ctx)
{
    blanc_capture_packet d;
    memset(&d, 0, sizeof d);
    d.number = pk->number;
    d.offset = pk->offset;
    d.ts_ns = pk->ts_ns;
    d.src_ip = pk->src_ip;
    d.dst_ip = pk->dst_ip;
    d.src_port = pk->src_port;
    d.dst_port = pk->dst_port;
    ci->t.packets++;
    if (pk->kind == CAP_UDP) {
        ci->t.udp++;
        mold_packet mp;
        if (blanc__mold_parse(pk->payload, pk->len, &mp) == 0) {
            d.kind = BLANC_CAPPKT_MOLD;
            trimmed(d.session, mp.session);
            d.seq = mp.seq;
            d.count = mp.count;
        } else {
            d.kind = BLANC_CAPPKT_BADMOLD;
            ci->t.damaged++;
        }
        mold_origin from = {pk->dst_ip, pk->dst_port, pk->number, pk->offset, pk->ts_ns};
        int rc = blanc__mold_stream_push(ci->mold, &from, pk->payload, pk->len);
        if (rc == BLANC_ENOMEM)
            return rc;
        /* Nothing is delivered: drop what became ready, keep memory bounded. */
        blanc_msg m[64];
        int n;
        while ((n = blanc__mold_stream_take(ci->mold, m, 64)) > 0)
            blanc__mold_stream_consume(ci->mold, (size_t)n);
    } else if (pk->kind == CAP_TCP) {
        d.kind = BLANC_CAPPKT_TCP;
        ci->t.tcp++;
        int rc = blanc__tcp_reasm_push(ci->tcp, pk);
        if (rc == BLANC_ENOMEM)
            return rc;
        drain_tcp(ci);
    } else if (pk->kind == CAP_OTHER) {
        d.kind = BLANC_CAPPKT_OTHER;
        ci->t.other++;
    } else {
        d.kind = BLANC_CAPPKT_DAMAGED;
        d.why = pk->why;
        ci->t.damaged++;
    }
    if (fn)
        fn(ctx, &d);
    return 0;
}

int blanc_capture_info_read(blanc_capture_info **out, blanc_source *src,
                            blanc_capture_packet_fn on_packet, void *ctx, char *why, size_t cap)
{
    *out = NULL;
    blanc_capture_info *ci = calloc(1, sizeof *ci);
    if (!ci)
        return BLANC_ENOMEM;
    mold_stream_options mo = {0};
    mo.account_all = 1;
    int rc = blanc__mold_stream_create(&ci->mold, &mo);
    if (rc == 0 && (rc = blanc__tcp_reasm_create(&ci->tcp, NULL)) < 0)
        blanc__mold_stream_free(ci->mold);
    if (rc < 0) {
        free(ci);
        return rc;
    }
    capture *c;
    rc = blanc__capture_open(&c, src, why, cap);
    if (rc < 0) {
        blanc_capture_info_free(ci);
        return rc;
    }
    cap_packet pk;
    while ((rc = blanc__capture_next(c, &pk)) == 1)
        if ((rc = one(ci, &pk, on_packet, ctx)) < 0)
            break;
    if (rc == 0 || rc == BLANC_ETRUNCATED || rc == BLANC_EBADPACKET) {
        blanc__mold_stream_flush(ci->mold);
        blanc_msg m[64];
        int n;
        while ((n = blanc__mold_stream_take(ci->mold, m, 64)) > 0)
            blanc__mold_stream_consume(ci->mold, (size_t)n);
        blanc__tcp_reasm_finish(ci->tcp);
        drain_tcp(ci);
        *out = ci;
    }
    if (rc < 0 && why && cap)
        snprintf(why, cap, "packet %llu (record at byte %llu): %s",
                 (unsigned long long)pk.number, (unsigned long long)pk.offset,
                 rc == BLANC_ETRUNCATED || rc == BLANC_EBADPACKET ? blanc__capture_error(c)
                                                                  : blanc_strerror(rc));
    blanc__capture_free(c);
    if (!*out)
        blanc_capture_info_free(ci);
    return rc;
}

void blanc_capture_info_totals(const blanc_capture_info *ci, blanc_capture_totals *t)
{
    *t = ci->t;
}

size_t blanc_capture_info_count(const blanc_capture_info *ci)
{
    return blanc__mold_stream_info_count(ci->mold);
}

int blanc_capture_info_session(const blanc_capture_info *ci, size_t i, blanc_capture_session *out)
{
    mold_session_info in;
    int rc = blanc__mold_stream_info(ci->mold, i, &in);
    if (rc < 0)
        return rc;
    memset(out, 0, sizeof *out);
    memcpy(out->session, in.session, sizeof out->session);
    out->group = in.group;
    out->port = in.port;
    out->packets = in.packets;
    out->messages = in.messages;
    out->first_seq = in.first_seq;
    out->last_seq = in.last_seq;
    out->first_ts_ns = in.first_ts_ns;
    out->last_ts_ns = in.last_ts_ns;
    out->gaps = in.gaps;
    out->lost = in.lost;
    out->duplicates = in.duplicates;
    out->out_of_order = in.out_of_order;
    out->heartbeats = in.heartbeats;
    out->late = in.late;
    out->ended = in.ended;
    return 0;
}

int blanc_capture_info_gap(const blanc_capture_info *ci, size_t i, uint64_t k, uint64_t *from,
                           uint64_t *to)
{
    return blanc__mold_stream_gap(ci->mold, i, k, from, to);
}

int blanc_capture_info_tcp(const blanc_capture_info *ci, blanc_capture_tcp *out)
{
    tcp_conn c;
    memset(out, 0, sizeof *out);
    if (!blanc__tcp_reasm_conn(ci->tcp, &c))
        return 0;
    out->server_ip = c.server_ip;
    out->client_ip = c.client_ip;
    out->server_port = c.server_port;
    out->client_port = c.client_port;
    out->packets = c.packets;
    out->first_packet = c.first_packet;
    out->last_packet = c.last_packet;
    out->retransmits = c.retransmits;
    out->out_of_order = c.out_of_order;
    out->holes = c.holes;
    blanc_transport_stats st;
    blanc__tcp_reasm_stats(ci->tcp, &st);
    out->soup_packets = st.packets;
    out->messages = st.messages;
    out->heartbeats = st.heartbeats;
    out->first_seq = ci->first_seq;
    out->last_seq = ci->last_seq;
    const char *name = blanc__tcp_reasm_session_name(ci->tcp, 1);
    if (name)
        snprintf(out->session, sizeof out->session, "%s", name);
    out->ended = blanc__tcp_reasm_ended(ci->tcp);
    return 1;
}

void blanc_capture_info_free(blanc_capture_info *ci)
{
    if (!ci)
        return;
    blanc__tcp_reasm_free(ci->tcp);
    blanc__mold_stream_free(ci->mold);
    free(ci);
}
