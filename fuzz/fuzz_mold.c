/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The MoldUDP64 parser and stream on arbitrary packets. Input: one options
 * byte (window 1..16, account_all, a channel filter), then records of a
 * control byte, a 2-byte big-endian length and that many payload bytes.
 * Control: bit 0 line A/B, bit 1 port, bits 2-4 take cap - 1, bit 5 the
 * payload damages the stream's saved blob (a 2-byte offset, then bytes XORed
 * in there) and a scratch stream restores it, bit 6 consume only half of
 * a take (a pause), bit 7 save and restore into a fresh stream after it.
 * Checked: nothing crashes or leaks; what is held stays within the window;
 * each session's sequenced messages come out strictly ascending and never
 * twice; a restored stream saves to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/mold.h"
#include "feed/mold_stream_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const any_port[] = {":26400"};

static mold_stream *make(uint8_t opt)
{
    mold_stream_options o = {0};
    o.reorder_window = 1u + (opt & 15u);
    o.account_all = (opt >> 4) & 1;
    if (opt & 0x20) {
        o.channels = any_port;
        o.n_channels = 1;
    }
    mold_stream *m;
    if (blanc__mold_stream_create(&m, &o))
        abort();
    return m;
}

static uint64_t last[MOLD_MAX_SESSIONS + 1];

static void check(const mold_stream *m)
{
    for (uint32_t i = 0; i < m->nsessions; i++)
        if (m->sessions[i].nheld > m->window)
            abort();
}

/* Take (cap at a time), consume all or half; check the order (not for a
 * scratch stream restored from arbitrary bytes). */
static void drain(mold_stream *m, size_t cap, int half, int checked)
{
    blanc_msg msgs[8];
    for (int rounds = 0; rounds < 100000; rounds++) {
        int k = blanc__mold_stream_take(m, msgs, cap);
        if (k <= 0)
            return;
        size_t use = half ? (size_t)k / 2 : (size_t)k;
        for (size_t i = 0; i < use; i++) {
            const blanc_msg *g = &msgs[i];
            if (g->session > MOLD_MAX_SESSIONS)
                abort();
            if (checked && g->p && g->seq) {
                if (g->seq <= last[g->session])
                    abort();
                last[g->session] = g->seq;
            }
            if (g->p) {
                volatile uint8_t sink = 0;
                for (uint32_t b = 0; b < g->len; b++)
                    sink ^= g->p[b];
                (void)sink;
            }
        }
        blanc__mold_stream_consume(m, use);
        if (half)
            return;
    }
}

static mold_stream *reborn(mold_stream *m, uint8_t opt)
{
    uint8_t *blob, *again;
    size_t len, len2;
    if (blanc__mold_stream_save(m, &blob, &len))
        return m;
    mold_stream *n = make(opt);
    if (blanc__mold_stream_restore(n, blob, len))
        abort();
    if (blanc__mold_stream_save(n, &again, &len2) || len != len2 || memcmp(blob, again, len))
        abort();
    free(blob);
    free(again);
    blanc__mold_stream_free(m);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t opt = data[0];
    memset(last, 0, sizeof last);
    mold_stream *m = make(opt);
    size_t at = 1;
    uint64_t packet = 1;
    while (size - at >= 3) {
        uint8_t c = data[at];
        size_t len = blanc_be16(data + at + 1);
        at += 3;
        if (len > size - at)
            len = size - at;
        const uint8_t *p = data + at;
        at += len;
        mold_packet pk;
        (void)blanc__mold_parse(p, len, &pk);
        if (c & 0x20) {
            uint8_t *blob;
            size_t bl;
            if (len < 2 || blanc__mold_stream_save(m, &blob, &bl))
                continue;
            size_t off = blanc_be16(p) % bl;
            for (size_t i = 2; i < len && off + i - 2 < bl; i++)
                blob[off + i - 2] ^= p[i];
            mold_stream *s = make(opt);
            (void)blanc__mold_stream_restore(s, blob, bl);
            free(blob);
            drain(s, 8, 0, 0);
            blanc__mold_stream_flush(s);
            blanc__mold_stream_free(s);
            continue;
        }
        mold_origin o = {(c & 1) ? 0xe9360c02u : 0xe9360c01u,
                         (uint16_t)((c & 2) ? 26401 : 26400), packet, packet * 64, packet};
        packet++;
        (void)blanc__mold_stream_push(m, &o, p, len);
        check(m);
        drain(m, 1u + ((c >> 2) & 7u), (c >> 6) & 1, 1);
        if (c & 0x80)
            m = reborn(m, opt);
    }
    blanc__mold_stream_flush(m);
    drain(m, 8, 0, 1);
    blanc_transport_stats st;
    blanc__mold_stream_stats(m, &st);
    for (size_t i = 0; i < blanc__mold_stream_info_count(m); i++) {
        mold_session_info in;
        uint64_t from, to;
        if (blanc__mold_stream_info(m, i, &in))
            abort();
        for (uint64_t k = 0; k < in.gaps && k < 4; k++)
            if (blanc__mold_stream_gap(m, i, k, &from, &to) == 0 && from > to)
                abort();
    }
    blanc__mold_stream_free(m);
    return 0;
}
