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

    soup_stream *s;
    uint64_t retransmits, out_of_order, holes, skipped;
    uint64_t last_packet, last_record; /* the connection's last packet */
    uint64_t packets;    /* TCP packets of the server direction locked on to */
    uint64_t dmg_record; /* record offset of the pending damage's first packet */
    uint64_t first_packet; /* capture packet number locked on at */
};

#endif
