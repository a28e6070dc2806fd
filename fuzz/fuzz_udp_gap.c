/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The live feed's hole view (src/feed/udp_gap.c) on arbitrary packet headers:
 * records of 11 bytes — a control byte, an 8-byte sequence number and a 2-byte
 * count (big-endian, as in a MoldUDP64 header). Control bit 0: the record is
 * "the stream made numbers up to seq ready" instead of a packet. Checked: the
 * runs stay sorted, disjoint, non-empty, above ready and within their bound;
 * a reported hole starts at ready, is non-empty and ends at or before the
 * first run; the list of every hole is ascending, disjoint, outside the runs
 * and starts with that one. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/udp_gap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const udp_gap *g)
{
    if (g->n > UDP_GAP_RUNS)
        abort();
    for (size_t i = 0; i < g->n; i++) {
        if (g->s[i] >= g->e[i] || g->s[i] < g->ready)
            abort();
        if (i && g->s[i] <= g->e[i - 1]) /* runs that touch are merged */
            abort();
    }
    uint64_t from, to;
    int one = blanc__udp_gap_hole(g, &from, &to);
    if (one) {
        if (from != g->ready || to <= from || (g->n && to > g->s[0]))
            abort();
    }
    /* every hole: ascending, disjoint, non-empty, at or above ready, below
     * known_end, none inside a run; the first is the one above, if any */
    uint64_t h[UDP_GAP_HOLES][2];
    size_t nh = blanc__udp_gap_holes(g, h, UDP_GAP_HOLES);
    if (nh > UDP_GAP_HOLES || (one && (!nh || h[0][0] != from || h[0][1] != to)))
        abort();
    for (size_t i = 0; i < nh; i++) {
        if (h[i][0] >= h[i][1] || h[i][0] < g->ready || h[i][1] > g->known_end ||
            (i && h[i][0] <= h[i - 1][1]))
            abort();
        for (size_t r = 0; r < g->n; r++)
            if (g->s[r] < h[i][1] && h[i][0] < g->e[r])
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static udp_gap g;
    memset(&g, 0, sizeof g);
    for (size_t at = 0; at + 11 <= size; at += 11) {
        uint64_t seq = blanc_be64(data + at + 1);
        uint16_t count = blanc_be16(data + at + 9);
        if (data[at] & 1)
            blanc__udp_gap_ready(&g, seq);
        else
            blanc__udp_gap_packet(&g, seq, count);
        check(&g);
    }
    return 0;
}
