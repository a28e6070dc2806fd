/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * TCP reassembly of one direction of one connection (tcp_reasm.c): the
 * server's side of a SoupBinTCP session in a capture, put back in sequence
 * order and read by a soup_stream (soup.h). The capture feed
 * (feed_capture.c) hands over every TCP packet (capture.h's cap_packet) and
 * takes messages out, as it does with mold_stream for UDP.
 *
 * Stream offsets here count TCP sequence space from the connection's first
 * data byte (64-bit, so wraparound of the 32-bit numbers does not show),
 * holes included: a message's offset and packet are then replaced by those
 * of the capture packet that completed it, and a damage_at by the record
 * offset of the packet whose bytes held the damage (a hole: the packet on
 * which it was given up; the last packet for holes given up at the end).
 */
#ifndef BLANC_TCP_REASM_H
#define BLANC_TCP_REASM_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"
#include "feed/capture.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_ACK 0x10

#define TCP_REASM_WINDOW_DEFAULT ((uint32_t)1 << 20)

typedef struct tcp_reasm tcp_reasm;

typedef struct tcp_reasm_options {
    uint16_t server_port; /* the Soup server's TCP port; 0: the first direction whose
                             data starts with a server packet (login accepted,
                             sequenced data of an ITCH message's length, heartbeat) */
    uint32_t window;      /* bytes held out of order past a hole; 0: 1 MiB. Rounded
                             up to a power of two, at least 64 KiB. */
} tcp_reasm_options;

int blanc__tcp_reasm_create(tcp_reasm **out, const tcp_reasm_options *o);
void blanc__tcp_reasm_free(tcp_reasm *r);

/*
 * One TCP packet (pk->kind CAP_TCP). Returns 0 (taken: messages may be
 * ready), 1 (skipped: another connection or direction, or nothing locked on
 * yet; counted), BLANC_ENOMEM, or BLANC_ELIMIT when more than the window plus
 * 4 MiB is waiting to be read: take and consume until take() returns 0
 * before pushing the next packet. Messages taken before a push are invalid
 * after it.
 */
int blanc__tcp_reasm_push(tcp_reasm *r, const cap_packet *pk);
/* The capture ended: what is held past holes is released (the holes become
 * gaps) and the last bytes are read as the end of the stream. */
void blanc__tcp_reasm_finish(tcp_reasm *r);
/* As soup_stream's take/consume; offset and packet are the capture's. */
int blanc__tcp_reasm_take(tcp_reasm *r, blanc_msg *out, size_t cap);
void blanc__tcp_reasm_consume(tcp_reasm *r, size_t k);
/* The server sent end of session ('Z'). */
int blanc__tcp_reasm_ended(const tcp_reasm *r);
/* After finish() and a take() that returned 0: a Soup packet was cut by
 * the end of the capture (anomaly truncated). */
int blanc__tcp_reasm_truncated(const tcp_reasm *r);
void blanc__tcp_reasm_pending_damage(const tcp_reasm *r, uint32_t *damage, uint64_t *at);
/*
 * The Soup counters (soup_stream) with the TCP ones folded in: duplicates
 * += retransmitted segments (fully or partly seen before), out_of_order +=
 * segments held past a hole, gaps += holes given up (also counted as
 * bad_packets: Soup does not number its packets, so how many messages a
 * hole took is unknown), skipped += packets of other connections. packets
 * counts Soup packets: the capture feed reports its own packet count.
 */
void blanc__tcp_reasm_stats(const tcp_reasm *r, blanc_transport_stats *st);
const char *blanc__tcp_reasm_session_name(const tcp_reasm *r, uint32_t s);

/* Locked on to a connection: *c (may be NULL) names it (server = source). */
typedef struct tcp_conn {
    uint32_t server_ip, client_ip;
    uint16_t server_port, client_port;
    uint64_t packets;     /* TCP packets of that direction taken */
    uint64_t retransmits, out_of_order, holes;
    uint64_t first_packet, last_packet; /* capture packet numbers */
} tcp_conn;
int blanc__tcp_reasm_conn(const tcp_reasm *r, tcp_conn *c);
/* Bytes delivered in order and not yet read by the stream. */
size_t blanc__tcp_reasm_buffered(const tcp_reasm *r);

/* Snapshot state (tcp_save.c): the connection, the bytes held and not yet
 * committed, the Soup stream's blob. restore() into a reassembler created
 * with the same options that was given nothing yet; BLANC_EBADSNAP. */
int blanc__tcp_reasm_save(const tcp_reasm *r, uint8_t **blob, size_t *len);
int blanc__tcp_reasm_restore(tcp_reasm *r, const uint8_t *blob, size_t len);
/* The server port the blob's reassembler was created with (0, or BLANC_EBADSNAP). */
int blanc__tcp_reasm_blob_port(const uint8_t *blob, size_t len, uint16_t *port);

#endif
