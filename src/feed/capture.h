/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Captures (capture.c): pcap and pcapng through libpcap, over a blanc_source
 * (so .gz and .zst captures work and the input digest covers the capture's
 * bytes). libpcap opens and checks every capture and reads pcapng and the
 * rarer pcap variants through a cookie FILE; the records of a classic pcap
 * 2.4 file of a link type we decode are then walked in place, in the
 * source's window, by the same rules as libpcap's (capture.c; test_capture
 * runs both on every test capture). Either way the source's offset after a
 * packet is exactly the end of that packet's record (or, lent, once synced):
 * a snapshot position is a packet boundary. Link layers: Ethernet
 * (802.1Q/802.1ad VLAN tags, stacked), Linux cooked (SLL, SLL2), raw IPv4.
 * IPv4 only.
 */
#ifndef BLANC_CAPTURE_H
#define BLANC_CAPTURE_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

typedef struct capture capture;

enum cap_kind {
    CAP_UDP = 1,     /* payload is the UDP payload */
    CAP_TCP = 2,     /* payload is the TCP payload; tcp_seq, tcp_flags set */
    CAP_OTHER = 3,   /* not IPv4 UDP/TCP: counted, skipped */
    CAP_DAMAGED = 4  /* truncated by the snap length, an IP fragment, bad header:
                        why says which (anomaly bad_packet) */
};

typedef struct cap_packet {
    enum cap_kind kind;
    uint64_t number;   /* from 1 */
    uint64_t offset;   /* stream offset of its record */
    uint64_t end;      /* stream offset after its record */
    uint64_t ts_ns;    /* ns since the epoch, whatever the file's precision */
    uint32_t src_ip, dst_ip;   /* host order */
    uint16_t src_port, dst_port;
    uint32_t tcp_seq;
    uint8_t tcp_flags;
    const uint8_t *payload;
    size_t len;
    const char *why;   /* CAP_DAMAGED: a short phrase */
    const uint8_t *frame; /* the captured bytes, caplen of them (wire: wire_len) */
    uint32_t caplen, wire_len;
    int lent;          /* payload stays valid until the release hook runs
                          (blanc__capture_lend), not only until the next call */
} cap_packet;

/* Open over src (its start is a pcap or pcapng header). BLANC_ENOTITCH with
 * why (libpcap's message) when libpcap refuses it, BLANC_ENOMEM. */
int blanc__capture_open(capture **out, blanc_source *src, char *why, size_t cap);
/* The next packet: 1 and *pk (valid until the next call), 0 at the end,
 * BLANC_ETRUNCATED when the file ends inside a record (at *pk->offset),
 * BLANC_EBADPACKET for a record libpcap cannot read on from (a bogus length:
 * blanc__capture_error says which), or a source error. pk->number and
 * pk->offset are set in every case. In pcapng, blocks other than packets
 * (statistics, name resolution) belong to the packet after them: a record's
 * offset is where the previous packet's ended. */
int blanc__capture_next(capture *c, cap_packet *pk);
/*
 * Lend packets read in place (classic pcap): the source is no longer consumed
 * record by record, so pk->payload (pk->lent set) stays valid across calls;
 * before the capture lets the source move its window it calls release(arg)
 * (which copies what the caller still holds: 0, or an error next() returns),
 * then consumes what it has walked. blanc__capture_sync() consumes up to the
 * end of the last record returned (or the end reached), so that the source's
 * offset and digest are where they would be without lending; the caller must
 * not touch lent bytes after it. Packets through libpcap are never lent.
 */
void blanc__capture_lend(capture *c, int (*release)(void *arg), void *arg);
void blanc__capture_sync(capture *c);
/*
 * The fast walk for lent packets: up to max of the next records, from the
 * window as it is (it never moves here), as long as each is whole in it,
 * within the snap length, and an IPv4 UDP packet. Nothing is walked past:
 * blanc__capture_advance(c, &out[k - 1]) then walks past the first k of them
 * (each exactly as blanc__capture_next would have returned it), and
 * blanc__capture_next reads whatever stopped the run. 0 unless packets are
 * lent and walked in place. *out is buf, or the same spans walked ahead on
 * another thread (capture_ahead.c), valid until the next call; *seen >= the
 * count is how many spans from *out may be read (to ask for their payloads
 * ahead: blanc__mold_stream_push_spans), though only the count are packets.
 */
struct udp_span;
size_t blanc__capture_peek_udp(capture *c, struct udp_span *buf, size_t max,
                               const struct udp_span **out, size_t *seen);
void blanc__capture_advance(capture *c, const struct udp_span *last);
/* Read every record from here on through libpcap's pcap_next_ex: the walk
 * hands over so (capture.c to_libpcap), and the tests call it before the
 * first next for the reference the in-place walk is checked against. */
void blanc__capture_use_libpcap(capture *c);
/* Walk the records ahead of the reader on a second thread, over the mapped
 * file base[0, size) of which the capture's window is a part (stream offsets
 * are file offsets); started by peek_udp itself when the source has a spare
 * core (blanc__source_spare_map). 1 started; 0 not (no memory or thread,
 * not walked in place, or the window is not in base). */
int blanc__capture_walk_ahead(capture *c, const uint8_t *base, size_t size);
/* For tests: spans the walker has walked, and spans peek_udp has shown of them. */
uint64_t blanc__capture_ahead_walked(const capture *c);
uint64_t blanc__capture_ahead_served(const capture *c);
/* Whether the walk ahead has started (it may have stopped since). */
int blanc__capture_ahead_started(const capture *c);
/* Whether records are walked in place (a classic pcap 2.4 file we decode). */
int blanc__capture_in_place(const capture *c);
/* libpcap's message for the last BLANC_ETRUNCATED or BLANC_EBADPACKET. */
const char *blanc__capture_error(const capture *c);
void blanc__capture_free(capture *c);

#endif
