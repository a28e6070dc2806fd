/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * UDP datagrams and TCP segments as Ethernet/IPv4/UDP and Ethernet/IPv4/TCP
 * frames in a capture file.
 *
 * pcap goes through libpcap (pcap_dump over a cookie FILE that writes into
 * the sink, so the file stays atomic and .gz/.zst work): the writer any
 * reader of pcap agrees with. pcapng is written by hand from the spec
 * (draft-ietf-opsawg-pcapng: SHB, one IDB with if_tsresol 9, one EPB per
 * frame, little-endian), since libpcap cannot write it.
 */
#define _GNU_SOURCE /* fopencookie */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "gen/capture_write.h"

#define ETH_LEN 14
#define IP_LEN 20
#define UDP_LEN 8
#define TCP_LEN 20
#define SNAPLEN 65535
#define FRAME_CAP (ETH_LEN + IP_LEN + UDP_LEN + 65536)

struct pktw {
    int pcapng;
    blanc_sink *sink;
    pcap_t *dead;
    pcap_dumper_t *dump;
    FILE *fp;
    uint8_t frame[FRAME_CAP + 64]; /* + the EPB's head and tail */
};

static ssize_t cookie_write(void *c, const char *buf, size_t n)
{
    return blanc_sink_write(c, buf, n) ? -1 : (ssize_t)n;
}

uint16_t blanc__ipv4_checksum(const uint8_t *h)
{
    uint32_t sum = 0;
    for (int i = 0; i < IP_LEN; i += 2)
        if (i != 10)
            sum += blanc_be16(h + i);
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The one's complement sum over the IPv4 pseudo header (addresses,
 * protocol, length) and the segment (RFC 768 UDP, RFC 793 TCP), complemented. */
static uint16_t l4_checksum(const uint8_t *ip, uint8_t proto, const uint8_t *seg, size_t len)
{
    uint64_t sum = 0;
    for (int i = 12; i < 20; i += 2)
        sum += blanc_be16(ip + i);
    sum += proto + len;
    size_t i = 0;
    for (; i + 1 < len; i += 2)
        sum += blanc_be16(seg + i);
    if (i < len)
        sum += (uint32_t)seg[i] << 8;
    while (sum >> 16)
        sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* UDP: a sum of 0 is sent as 0xFFFF (0 means "no checksum"). */
static uint16_t udp_checksum(const uint8_t *ip, const uint8_t *udp, size_t len)
{
    uint16_t c = l4_checksum(ip, 17, udp, len);
    return c ? c : 0xFFFF;
}

/* An IPv4 header without options (don't fragment), checksum filled. */
static void put_ipv4(uint8_t *ip, size_t total, uint16_t id, uint8_t ttl, uint8_t proto,
                     uint32_t src, uint32_t dst)
{
    ip[0] = 0x45;
    ip[1] = 0;
    blanc_put_be16(ip + 2, (uint16_t)total);
    blanc_put_be16(ip + 4, id);
    blanc_put_be16(ip + 6, 0x4000);
    ip[8] = ttl;
    ip[9] = proto;
    blanc_put_be16(ip + 10, 0);
    blanc_put_be32(ip + 12, src);
    blanc_put_be32(ip + 16, dst);
    blanc_put_be16(ip + 10, blanc__ipv4_checksum(ip));
}

/* Build the frame at f; returns its length. The destination MAC is the
 * group's multicast MAC (01:00:5e and the low 23 bits of the group). */
static size_t build_frame(uint8_t *f, const udp_addr *a, const uint8_t *payload, size_t n)
{
    static const uint8_t mc[3] = {0x01, 0x00, 0x5e};
    memcpy(f, mc, 3);
    f[3] = (uint8_t)(a->dst_ip >> 16 & 0x7f);
    f[4] = (uint8_t)(a->dst_ip >> 8);
    f[5] = (uint8_t)a->dst_ip;
    static const uint8_t src[5] = {0x02, 0x00, 0x00, 0x00, 0x00};
    memcpy(f + 6, src, 5);
    f[11] = a->src_mac_last;
    blanc_put_be16(f + 12, 0x0800);
    uint8_t *ip = f + ETH_LEN, *udp = ip + IP_LEN;
    put_ipv4(ip, IP_LEN + UDP_LEN + n, a->ip_id, 32, 17, a->src_ip, a->dst_ip);
    blanc_put_be16(udp, a->src_port);
    blanc_put_be16(udp + 2, a->dst_port);
    blanc_put_be16(udp + 4, (uint16_t)(UDP_LEN + n));
    blanc_put_be16(udp + 6, 0);
    memcpy(udp + UDP_LEN, payload, n);
    blanc_put_be16(udp + 6, udp_checksum(ip, udp, UDP_LEN + n));
    return ETH_LEN + IP_LEN + UDP_LEN + n;
}

static void put_le16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

static int pcapng_header(pktw *w)
{
    uint8_t b[28 + 32];
    /* Section Header Block: no options, section length unknown (-1). */
    blanc_put_le32(b, 0x0A0D0D0A);
    blanc_put_le32(b + 4, 28);
    blanc_put_le32(b + 8, 0x1A2B3C4D);
    put_le16(b + 12, 1);
    put_le16(b + 14, 0);
    blanc_put_le64(b + 16, UINT64_MAX);
    blanc_put_le32(b + 24, 28);
    /* Interface Description Block: Ethernet, if_tsresol 9 (ns), end of options. */
    uint8_t *i = b + 28;
    blanc_put_le32(i, 1);
    blanc_put_le32(i + 4, 32);
    put_le16(i + 8, 1); /* LINKTYPE_ETHERNET */
    put_le16(i + 10, 0);
    blanc_put_le32(i + 12, SNAPLEN);
    put_le16(i + 16, 9); /* if_tsresol */
    put_le16(i + 18, 1);
    i[20] = 9;
    i[21] = i[22] = i[23] = 0;
    put_le16(i + 24, 0); /* opt_endofopt */
    put_le16(i + 26, 0);
    blanc_put_le32(i + 28, 32);
    return blanc_sink_write(w->sink, b, sizeof b);
}

int blanc__pktw_open(pktw **out, int pcapng, blanc_sink *sink)
{
    pktw *w = calloc(1, sizeof *w);
    if (!w)
        return BLANC_ENOMEM;
    w->pcapng = pcapng;
    w->sink = sink;
    int rc = 0;
    if (pcapng) {
        rc = pcapng_header(w);
    } else {
        static const cookie_io_functions_t io = {NULL, cookie_write, NULL, NULL};
        w->dead = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, SNAPLEN,
                                                       PCAP_TSTAMP_PRECISION_NANO);
        w->fp = w->dead ? fopencookie(sink, "w", io) : NULL;
        if (w->fp)
            setvbuf(w->fp, NULL, _IOFBF, 1 << 16);
        w->dump = w->fp ? pcap_dump_fopen(w->dead, w->fp) : NULL;
        if (!w->dump) /* out of memory, or the header write failed */
            rc = blanc_sink_error(sink, NULL) ? blanc_sink_error(sink, NULL) : BLANC_ENOMEM;
    }
    if (rc) {
        blanc__pktw_close(w);
        return rc;
    }
    *out = w;
    return 0;
}

/* The frame at w->frame (pcap) or w->frame + 28 (pcapng), len bytes, as
 * one record. */
static int write_frame(pktw *w, uint64_t ts_ns, size_t len)
{
    if (!w->pcapng) {
        struct pcap_pkthdr h;
        h.ts.tv_sec = (time_t)(ts_ns / 1000000000u);
        h.ts.tv_usec = (suseconds_t)(ts_ns % 1000000000u); /* ns: nano precision */
        h.caplen = h.len = (bpf_u_int32)len;
        pcap_dump((u_char *)w->dump, &h, w->frame);
        return blanc_sink_error(w->sink, NULL);
    }
    /* Enhanced Packet Block: interface 0, 64-bit ns timestamp, data padded to 4. */
    uint8_t *b = w->frame;
    size_t pad = (4 - len % 4) % 4;
    uint32_t total = (uint32_t)(28 + len + pad + 4);
    blanc_put_le32(b, 6);
    blanc_put_le32(b + 4, total);
    blanc_put_le32(b + 8, 0);
    blanc_put_le32(b + 12, (uint32_t)(ts_ns >> 32));
    blanc_put_le32(b + 16, (uint32_t)ts_ns);
    blanc_put_le32(b + 20, (uint32_t)len);
    blanc_put_le32(b + 24, (uint32_t)len);
    memset(b + 28 + len, 0, pad);
    blanc_put_le32(b + 28 + len + pad, total);
    return blanc_sink_write(w->sink, b, total);
}

int blanc__pktw_udp(pktw *w, uint64_t ts_ns, const udp_addr *a, const uint8_t *payload, size_t n)
{
    if (n > 65535 - IP_LEN - UDP_LEN)
        return BLANC_EINVAL;
    size_t len = build_frame(w->frame + (w->pcapng ? 28 : 0), a, payload, n);
    return write_frame(w, ts_ns, len);
}

int blanc__pktw_tcp(pktw *w, uint64_t ts_ns, const tcp_seg *t, const uint8_t *payload, size_t n)
{
    if (n > 65535 - IP_LEN - TCP_LEN)
        return BLANC_EINVAL;
    uint8_t *f = w->frame + (w->pcapng ? 28 : 0);
    static const uint8_t mac[5] = {0x02, 0x00, 0x00, 0x00, 0x00};
    memcpy(f, mac, 5);
    f[5] = t->dst_mac_last;
    memcpy(f + 6, mac, 5);
    f[11] = t->src_mac_last;
    blanc_put_be16(f + 12, 0x0800);
    uint8_t *ip = f + ETH_LEN, *tcp = ip + IP_LEN;
    put_ipv4(ip, IP_LEN + TCP_LEN + n, t->ip_id, 64, 6, t->src_ip, t->dst_ip);
    blanc_put_be16(tcp, t->src_port);
    blanc_put_be16(tcp + 2, t->dst_port);
    blanc_put_be32(tcp + 4, t->seq);
    blanc_put_be32(tcp + 8, t->ack);
    tcp[12] = (TCP_LEN / 4) << 4; /* data offset: no options */
    tcp[13] = t->flags;
    blanc_put_be16(tcp + 14, 65535); /* window */
    blanc_put_be16(tcp + 16, 0);
    blanc_put_be16(tcp + 18, 0); /* urgent pointer */
    if (n)
        memcpy(tcp + TCP_LEN, payload, n);
    blanc_put_be16(tcp + 16, l4_checksum(ip, 6, tcp, TCP_LEN + n));
    return write_frame(w, ts_ns, ETH_LEN + IP_LEN + TCP_LEN + n);
}

int blanc__pktw_close(pktw *w)
{
    if (!w)
        return 0;
    int rc = 0;
    if (w->dump) {
        if (pcap_dump_flush(w->dump))
            rc = BLANC_EIO;
        pcap_dump_close(w->dump); /* closes fp */
    } else if (w->fp) {
        fclose(w->fp);
    }
    if (w->dead)
        pcap_close(w->dead);
    int se = blanc_sink_error(w->sink, NULL);
    free(w);
    return se ? se : rc;
}
