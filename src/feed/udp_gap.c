/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Held-run bookkeeping for re-requests (udp_gap.h). */
#include <string.h>

#include "feed/udp_gap.h"

/* Insert [s, e) into the sorted runs, merging with neighbours it touches. */
static void insert(udp_gap *g, uint64_t s, uint64_t e)
{
    size_t i = 0;
    while (i < g->n && g->e[i] < s)
        i++;
    if (i < g->n && g->s[i] <= e) { /* overlaps or touches run i: widen it */
        if (s < g->s[i])
            g->s[i] = s;
        if (e > g->e[i])
            g->e[i] = e;
        size_t j = i + 1;
        while (j < g->n && g->s[j] <= g->e[i]) { /* swallow the runs it now reaches */
            if (g->e[j] > g->e[i])
                g->e[i] = g->e[j];
            j++;
        }
        if (j > i + 1) {
            memmove(&g->s[i + 1], &g->s[j], (g->n - j) * sizeof g->s[0]);
            memmove(&g->e[i + 1], &g->e[j], (g->n - j) * sizeof g->e[0]);
            g->n -= j - i - 1;
        }
        return;
    }
    if (g->n == UDP_GAP_RUNS)
        return; /* full: the first runs are the ones a request needs */
    memmove(&g->s[i + 1], &g->s[i], (g->n - i) * sizeof g->s[0]);
    memmove(&g->e[i + 1], &g->e[i], (g->n - i) * sizeof g->e[0]);
    g->s[i] = s;
    g->e[i] = e;
    g->n++;
}

void blanc__udp_gap_packet(udp_gap *g, uint64_t seq, uint16_t count)
{
    if (seq == 0 || seq > UINT64_MAX - 0xFFFF)
        return; /* unsequenced (nothing to ask for), or numbers that would wrap */
    if (g->ready == 0) { /* the first packet sets the stream's start, as in mold_stream */
        g->ready = count == 0 || count == 0xFFFF ? seq : seq + count;
        g->known_end = g->ready;
        if (count == 0xFFFF)
            g->eos_seq = seq;
        return;
    }
    if (count == 0xFFFF) {
        g->eos_seq = seq;
        if (seq > g->known_end)
            g->known_end = seq;
        return;
    }
    uint64_t end = seq + count;
    if (end > g->known_end)
        g->known_end = end; /* a heartbeat too: numbers below seq were sent */
    if (count == 0 || end <= g->ready)
        return;
    insert(g, seq > g->ready ? seq : g->ready, end);
}

void blanc__udp_gap_ready(udp_gap *g, uint64_t next)
{
    if (next <= g->ready)
        return;
    g->ready = next;
    if (next > g->known_end)
        g->known_end = next;
    size_t k = 0;
    while (k < g->n && g->e[k] <= next)
        k++;
    if (k) {
        memmove(&g->s[0], &g->s[k], (g->n - k) * sizeof g->s[0]);
        memmove(&g->e[0], &g->e[k], (g->n - k) * sizeof g->e[0]);
        g->n -= k;
    }
    if (g->n && g->s[0] < next)
        g->s[0] = next;
}

int blanc__udp_gap_hole(const udp_gap *g, uint64_t *from, uint64_t *to)
{
    if (g->ready == 0 || g->known_end <= g->ready)
        return 0;
    uint64_t t = g->n ? g->s[0] : g->known_end;
    if (t <= g->ready)
        return 0; /* the first run starts at ready: the stream is about to make it ready */
    *from = g->ready;
    *to = t;
    return 1;
}

size_t blanc__udp_gap_holes(const udp_gap *g, uint64_t (*h)[2], size_t max)
{
    if (g->ready == 0 || g->known_end <= g->ready)
        return 0;
    size_t k = 0;
    uint64_t at = g->ready; /* the first number not known to have arrived */
    for (size_t i = 0; i < g->n && k < max; i++) {
        if (g->s[i] > at) {
            h[k][0] = at;
            h[k][1] = g->s[i];
            k++;
        }
        at = g->e[i];
    }
    if (k < max && g->known_end > at) {
        h[k][0] = at;
        h[k][1] = g->known_end;
        k++;
    }
    return k;
}
