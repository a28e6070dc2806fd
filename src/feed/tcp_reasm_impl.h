/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The TCP reassembler's state (tcp_reasm.c), shared with its snapshot code
 * (tcp_save.c) only.
 */
#ifndef BLANC_TCP_REASM_IMPL_H
#define BLANC_TCP_REASM_IMPL_H

#include "feed/soup.h"
#include "feed/tcp_reasm.h"

#define BUF_SLACK ((size_t)4 << 20)
/* Server SYN-ACKs remembered while not locked on (locking by content may
 * start past the connection's first segment); a small ring, oldest replaced. */
#define SYNACK_KEPT 8

typedef struct synack {
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint32_t first; /* the ISN + 1: the number of the first data byte */
} synack;

typedef struct piece {
    uint64_t off;    /* stream offset of its first byte */
    size_t idx;      /* where it starts in buf */
    size_t len;
    uint64_t record; /* record offset of the capture packet that gave up the hole
                        before it (the damage a hole is reported at) */
} piece;

typedef struct chunk {
    uint64_t end;    /* stream offset after its last byte */
    uint64_t packet; /* capture packet number */
    uint64_t record; /* stream offset of the capture record */
} chunk;

struct tcp_reasm {
    uint16_t port;
    int locked;
    uint32_t src_ip, dst_ip;
    uint16_t src_port, dst_port;
    uint32_t next;     /* next expected TCP sequence number */
    uint64_t next_off; /* its stream offset */
    int finished;
    int isn_known;     /* the connection's SYN was seen: first is its ISN + 1 */
    uint32_t first;    /* so a repeated SYN (even after data) is known as one */

    uint8_t *buf;
    size_t buf_len, buf_cap;
    piece *pc;
    size_t pc_head, pc_n, pc_cap; /* live: pc[pc_head .. pc_head + pc_n) */
    chunk *ch;
    size_t ch_head, ch_n, ch_cap;

    uint8_t *ring;
    uint64_t *bits;
    size_t win, ring_head;
    uint64_t held; /* present bytes in the ring */
    /* Every present byte lies in [lo, hi) from the ring's front (a bound, not
     * exact), so scans and clears skip the empty rest of the window. */
    size_t lo, hi;

    synack syn[SYNACK_KEPT];
    size_t syn_n; /* SYN-ACKs seen while unlocked (the ring keeps the last) */

    soup_stream *s;
    uint64_t retransmits, out_of_order, holes, skipped;
    uint64_t last_packet, last_record; /* the connection's last packet */
    uint64_t packets;    /* TCP packets of the server direction locked on to */
    uint64_t dmg_record; /* record offset of the pending damage's first packet */
    uint64_t first_packet; /* capture packet number locked on at */
};

#endif
