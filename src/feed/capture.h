/*
 * Captures (capture.c): pcap and pcapng through libpcap, over a blanc_source
 * (so .gz and .zst captures work and the input digest covers the capture's
 * bytes). libpcap reads unbuffered through a cookie FILE, so the source's
 * offset after a packet is exactly the end of that packet's record: a
 * snapshot position is a packet boundary. Link layers: Ethernet (802.1Q/802.1ad
 * VLAN tags, stacked), Linux cooked (SLL, SLL2), raw IPv4. IPv4 only.
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
/* libpcap's message for the last BLANC_ETRUNCATED or BLANC_EBADPACKET. */
const char *blanc__capture_error(const capture *c);
void blanc__capture_free(capture *c);

#endif
