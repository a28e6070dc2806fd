/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Writing a generated day as a capture (docs/FEEDS.md "Generating captures").
 *
 * capture_write.c packs the day's messages into MoldUDP64 packets and sends
 * each packet on one or two lines (A/B), where a per-line RNG stream drops,
 * duplicates or delays it; soup_write.c writes the same messages as a
 * SoupBinTCP stream; pcap_write.c turns a UDP datagram into an
 * Ethernet/IPv4/UDP frame in a pcap (through libpcap) or pcapng (by hand).
 * gen.c hands every message to capw_msg instead of framing it itself.
 */
#ifndef BLANC_GEN_CAPTURE_WRITE_H
#define BLANC_GEN_CAPTURE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

/* The message stream of a capture (MoldUDP64 or SoupBinTCP). */
typedef struct capw capw;

/* t->format is not BLANC_GEN_BINARYFILE. seed: the day's (a stream of its
 * own is drawn from it). BLANC_EINVAL (bad transport), BLANC_ENOMEM. */
int blanc__capw_open(capw **out, const blanc_gen_transport *t, uint64_t seed, blanc_sink *sink);
/* One message as framed (len may be a damaged length) at feed time ts_ns. */
int blanc__capw_msg(capw *w, const uint8_t *msg, size_t len, uint64_t ts_ns);
/* Send what is pending, the end of session, and flush; stats into res (may
 * be NULL). Returns the first error. Frees w (NULL is a no-op). */
int blanc__capw_close(capw *w, blanc_gen_result *res);
/* Free without finishing (after an error). */
void blanc__capw_free(capw *w);

typedef struct tcpw tcpw;
/* SoupBinTCP (soup_write.c): a server's stream over a sink. */
typedef struct soupw soupw;
/* sink, or (tcp not NULL) the bytes of each packet into the TCP writer at
 * the epoch plus the feed time. */
int blanc__soupw_open(soupw **out, const blanc_gen_transport *t, blanc_sink *sink, tcpw *tcp);
int blanc__soupw_msg(soupw *w, const uint8_t *msg, size_t len, uint64_t ts_ns);
int blanc__soupw_close(soupw *w);
void blanc__soupw_free(soupw *w);

/* Frames (pcap_write.c). */
typedef struct pktw pktw;

typedef struct udp_addr {
    uint32_t src_ip, dst_ip; /* host order */
    uint16_t src_port, dst_port;
    uint16_t ip_id;
    uint8_t src_mac_last; /* the sender's MAC is 02:00:00:00:00:xx */
} udp_addr;

/* pcapng: 0 for pcap (libpcap, nanosecond magic), 1 for pcapng. */
int blanc__pktw_open(pktw **out, int pcapng, blanc_sink *sink);
/* One datagram at capture time ts_ns (ns since the epoch). Returns the
 * sink's first error (sticky). */
int blanc__pktw_udp(pktw *w, uint64_t ts_ns, const udp_addr *a, const uint8_t *payload, size_t n);
/* One TCP segment (no options, window 65535, checksums computed). */
typedef struct tcp_seg {
    uint32_t src_ip, dst_ip; /* host order */
    uint16_t src_port, dst_port;
    uint32_t seq, ack;
    uint8_t flags; /* FIN 0x01, SYN 0x02, PSH 0x08, ACK 0x10 */
    uint16_t ip_id;
    uint8_t src_mac_last, dst_mac_last; /* MACs 02:00:00:00:00:xx */
} tcp_seg;
int blanc__pktw_tcp(pktw *w, uint64_t ts_ns, const tcp_seg *t, const uint8_t *payload, size_t n);
/* Flush and free. The first error. */
int blanc__pktw_close(pktw *w);

/* SoupBinTCP over one TCP connection in a pcap (tcp_write.c): the server's
 * bytes in segments of up to mss, some retransmitted or reordered. */
int blanc__tcpw_open(tcpw **out, const blanc_gen_transport *t, uint64_t seed, blanc_sink *sink);
/* Server bytes at capture time ts_ns (the bytes of one Soup packet). */
int blanc__tcpw_write(tcpw *w, const uint8_t *p, size_t n, uint64_t ts_ns);
/* The last segment, FIN, flush; stats as line A. Frees w. */
int blanc__tcpw_close(tcpw *w, blanc_gen_line_stats *st);
void blanc__tcpw_free(tcpw *w);

/* The IPv4 header checksum of h[0..20) (its checksum field read as is). */
uint16_t blanc__ipv4_checksum(const uint8_t *h);

#endif
