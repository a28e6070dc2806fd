/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * What the live feed needs to know to re-request (feed_udp.c): for the
 * followed session, the next sequence number the stream has made ready, and
 * which later numbers arrived and are held behind a hole. The mold stream
 * holds the packets themselves; this tracks only their [seq, end) runs, merged,
 * so one hole followed by in-order packets is one run and each packet O(1).
 * Bounded: at most UDP_GAP_RUNS runs (past that the newest do not widen the
 * view: a re-request then asks only up to the first run, which is still right).
 */
#ifndef BLANC_UDP_GAP_H
#define BLANC_UDP_GAP_H

#include <stddef.h>
#include <stdint.h>

#define UDP_GAP_RUNS 256
/* Holes the live feed tends at once (feed_udp.c: each with its own requests
 * and deadline); the ones above them wait their turn. Far below the runs, so
 * every tended hole is exact (a full run table only widens the last). */
#define UDP_GAP_HOLES 32

typedef struct udp_gap {
    uint64_t ready;       /* next sequence number not yet made ready; 0: none seen */
    uint64_t known_end;   /* one past the highest number known to exist */
    uint64_t eos_seq;     /* the end-of-session packet's number; 0: not seen */
    uint64_t s[UDP_GAP_RUNS], e[UDP_GAP_RUNS]; /* held runs, sorted, disjoint, > ready */
    size_t n;
} udp_gap;

/* A packet of the followed session: count messages from seq (0: heartbeat,
 * 0xFFFF: end of session). The first one sets ready, as the stream's first
 * packet sets its next number (a whole batch is pushed before a take). */
void blanc__udp_gap_packet(udp_gap *g, uint64_t seq, uint16_t count);
/* The stream made messages up to next - 1 ready (or declared them lost). */
void blanc__udp_gap_ready(udp_gap *g, uint64_t next);
/* The hole: 1 and [*from, *to) when numbers from ready are missing while
 * later ones are known; else 0. */
int blanc__udp_gap_hole(const udp_gap *g, uint64_t *from, uint64_t *to);
/* The first holes, lowest first, at most max: h[i][0] .. h[i][1] - 1 missing
 * while later numbers are known (before the first run, between runs, after
 * the last up to known_end). h[0] is the hole above when there is one; a run
 * that starts at ready (about to be made ready) opens no hole before it.
 * Returns how many. */
size_t blanc__udp_gap_holes(const udp_gap *g, uint64_t (*h)[2], size_t max);

#endif
