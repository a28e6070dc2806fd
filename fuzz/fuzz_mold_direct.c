/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The MoldUDP64 stream's direct path (mold_direct.c) against its general
 * path on arbitrary packets, read the way the capture feed reads them:
 * lent packets in batches, consumed short, the caller's bytes released and
 * overwritten. Input: fuzz_mold.c's encoding (an options byte, then records
 * of a control byte, a 2-byte big-endian length and the payload); here
 * control bits 0-1 pick line and port, bits 2-4 the batch cap - 1, bit 5 a
 * save after the batch, bit 6 a short consume, bit 7 a release (the window
 * moves) before the packet.
 * A third run takes the packets in runs of spans (push_spans, as the capture's
 * fast walk hands them over; the run as long as the batch-cap bits say).
 * Checked: all three hand out the same messages (bytes and every field) and
 * save the same blob where asked (after the batch, and on some rounds
 * inside it, before its consume), and end with the same counters. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/mold.h"
#include "feed/mold_stream_impl.h"
#include "feed/udp_span.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct pk {
    const uint8_t *src; /* in the input */
    uint8_t *b;         /* this run's copy */
    size_t n;
    uint8_t c;
} pk;

/* An FNV-1a fold of everything handed out and saved: equal folds, equal runs
 * (a difference shows with probability ~1 - 2^-64). */
static uint64_t fold(uint64_t h, const void *p, size_t n)
{
    return blanc_fnv1a64(h, p, n);
}

/* The stream's save blob folded into h (both paths must save the same bytes). */
static uint64_t fold_save(uint64_t h, mold_stream *m)
{
    uint8_t *blob;
    size_t len;
    if (blanc__mold_stream_save(m, &blob, &len))
        abort();
    h = fold(h, blob, len);
    free(blob);
    return h;
}

static uint64_t run(pk *pks, size_t np, uint8_t opt, int direct, blanc_transport_stats *st)
{
    mold_stream_options o = {0};
    o.reorder_window = 1u + (opt & 15u);
    mold_stream *m;
    if (blanc__mold_stream_create(&m, &o))
        abort();
    /* Private copies: released ones are overwritten. */
    for (size_t i = 0; i < np; i++) {
        pks[i].b = malloc(pks[i].n ? pks[i].n : 1);
        if (!pks[i].b)
            abort();
        memcpy(pks[i].b, pks[i].src, pks[i].n);
    }
    uint64_t h = BLANC_FNV64_OFFSET;
    size_t next = 0, gone = 0;
    int flushed = 0;
    blanc_msg out[8];
    for (int rounds = 0;; rounds++) {
        uint8_t c = next < np ? pks[next].c : 0;
        size_t cap = 1u + ((c >> 2) & 7u);
        if (direct)
            blanc__mold_stream_direct_begin(m, out, cap);
        while (blanc__mold_stream_ready(m) < cap && next < np && !blanc__mold_stream_ended(m)) {
            if (pks[next].c & 0x80) {
                if (blanc__mold_stream_release(m))
                    abort();
                for (; gone < next; gone++)
                    memset(pks[gone].b, 0xee, pks[gone].n);
            }
            if (direct == 2) {
                /* Runs of spans (the capture's fast walk), never past a
                 * release: as long as the control's batch-cap bits say. */
                udp_span sp[8];
                size_t run = 1u + ((pks[next].c >> 2) & 7u), k = 0;
                for (size_t j = next; j < np && k < run && (j == next || !(pks[j].c & 0x80));
                     j++, k++)
                    sp[k] = (udp_span){pks[j].b, pks[j].n, (pks[j].c & 1) ? 0xe9360c02u : 0xe9360c01u,
                                       (uint16_t)((pks[j].c & 2) ? 26401 : 26400), j + 1,
                                       (j + 1) * 64, 0, j};
                int err;
                size_t took = blanc__mold_stream_push_spans(m, sp, k, k, &err);
                if (err)
                    abort();
                next += took;
                if (took == k || blanc__mold_stream_ready(m) >= cap)
                    continue;
            }
            mold_origin from = {(pks[next].c & 1) ? 0xe9360c02u : 0xe9360c01u,
                                (uint16_t)((pks[next].c & 2) ? 26401 : 26400), next + 1,
                                (next + 1) * 64, next};
            int rc = direct ? blanc__mold_stream_push_direct(m, &from, pks[next].b, pks[next].n) : 0;
            if (rc < 0)
                abort();
            if (rc == 0 && blanc__mold_stream_push_lent(m, &from, pks[next].b, pks[next].n) ==
                               BLANC_ENOMEM)
                abort();
            next++;
        }
        if (!flushed && (next == np || blanc__mold_stream_ended(m))) {
            blanc__mold_stream_flush(m);
            flushed = 1;
        }
        int n = blanc__mold_stream_take(m, out, cap);
        if (n < 0 || (size_t)n > cap)
            abort();
        if (n == 0 && flushed)
            break;
        /* Short every other round, so that a run of them still moves on. */
        size_t k = (c & 0x40) && !(rounds & 1) ? (size_t)n / 2 : (size_t)n;
        for (size_t i = 0; i < k; i++) {
            const blanc_msg *g = &out[i];
            uint64_t f[] = {g->len, g->seq, g->session, g->packet, g->offset, g->lost,
                            g->damage, g->damage_at, g->damage_kind, g->p == NULL};
            h = fold(h, f, sizeof f);
            if (g->p)
                h = fold(h, g->p, g->len);
        }
        if ((c & 0x20) && (rounds & 2)) {
            /* A save inside the batch too (taken, not consumed): the direct
             * path's packets not written out as records yet are saved. */
            h = fold_save(h, m);
        }
        blanc__mold_stream_consume(m, k);
        if (blanc__mold_stream_release(m))
            abort();
        for (; gone < next; gone++)
            memset(pks[gone].b, 0xee, pks[gone].n);
        if (c & 0x20)
            h = fold_save(h, m);
    }
    blanc__mold_stream_stats(m, st);
    blanc__mold_stream_free(m);
    for (size_t i = 0; i < np; i++)
        free(pks[i].b);
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    pk *pks = calloc(size / 3 + 1, sizeof *pks);
    if (!pks)
        abort();
    size_t np = 0, at = 1;
    while (size - at >= 3) {
        pks[np].c = data[at];
        size_t len = blanc_be16(data + at + 1);
        at += 3;
        if (len > size - at)
            len = size - at;
        pks[np].src = data + at;
        pks[np++].n = len;
        at += len;
    }
    blanc_transport_stats sa, sb, sc;
    uint64_t ha = run(pks, np, data[0], 0, &sa);
    uint64_t hb = run(pks, np, data[0], 1, &sb);
    uint64_t hc = run(pks, np, data[0], 2, &sc);
    if (ha != hb || memcmp(&sa, &sb, sizeof sa) || ha != hc || memcmp(&sa, &sc, sizeof sa))
        abort();
    free(pks);
    return 0;
}
