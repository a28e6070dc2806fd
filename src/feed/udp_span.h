/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A UDP payload lent by the capture walk (capture.c, blanc__capture_peek_udp)
 * with where it came from: what the MoldUDP64 direct path (mold_direct.c,
 * blanc__mold_stream_push_spans) takes a run of. Its own header so that
 * neither side includes the other.
 */
#ifndef BLANC_UDP_SPAN_H
#define BLANC_UDP_SPAN_H

#include <stddef.h>
#include <stdint.h>

typedef struct udp_span {
    const uint8_t *p;  /* the UDP payload, in the capture's window */
    size_t n;
    uint32_t group;    /* destination IPv4 address, host order */
    uint16_t port;     /* destination UDP port */
    uint64_t packet;   /* packet number in the capture, from 1 */
    uint64_t offset;   /* stream offset of its record */
    uint64_t end;      /* stream offset after its record */
    uint64_t ts_ns;    /* capture time, ns since the epoch */
} udp_span;

#endif
