/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* SoupBinTCP on arbitrary content. The first byte picks the harness:
 *   even: the byte-stream feed (feed_soup.c) over the rest, with the content
 *         check, and the stream read again through windows whose ends the
 *         input's bytes choose: both must give the same messages;
 *   odd:  TCP reassembly (tcp_reasm.c) of segments described by the rest:
 *         seq delta (2 bytes, signed), flags (1), length (1), payload.
 * Every message must lie inside the bytes it was read from; offsets only go
 * forward; nothing may crash, hang or grow without bound. */
#include <stdlib.h>
#include <string.h>

#include "feed/feed.h"
#include "feed/soup.h"
#include "feed/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void stream(const uint8_t *p, size_t n)
{
    (void)blanc__is_soup(p, n);
    blanc_source *src;
    if (blanc_source_open_mem(&src, p, n) < 0)
        return;
    blanc_feed *f;
    if (blanc__feed_soup_open(&f, src, NULL) < 0) {
        blanc_source_close(src);
        return;
    }
    blanc_msg m[16];
    uint64_t msgs = 0, last = 0, sum = 0;
    int k;
    while ((k = f->ops->next(f, m, 16)) > 0) {
        /* Consume a part sometimes: a pause reads the rest again. */
        size_t use = (size_t)k > 1 && (m[0].len & 1) ? (size_t)k / 2 : (size_t)k;
        for (size_t i = 0; i < (size_t)k; i++) {
            check(m[i].p >= p && m[i].p + m[i].len <= p + n && m[i].offset >= last);
            if (i < use)
                sum += m[i].seq + m[i].offset + m[i].damage;
        }
        last = m[use - 1].offset;
        msgs += use;
        f->ops->consume(f, use);
    }
    check(k == 0 && f->end.how != BLANC_END_NONE && f->offset <= n);
    f->ops->free(f);
    free(f);
    blanc_source_close(src);

    /* Again through windows: the same messages. */
    soup_stream *s;
    if (blanc__soup_stream_create(&s) < 0)
        return;
    uint64_t msgs2 = 0, sum2 = 0;
    size_t end = 0, step = 0;
    for (;;) {
        size_t at = (size_t)blanc__soup_stream_offset(s);
        check(at <= end && end <= n);
        int eof = end == n;
        k = blanc__soup_stream_take(s, p + at, end - at, eof, m, 16);
        if (k > 0) {
            for (int i = 0; i < k; i++)
                sum2 += m[i].seq + m[i].offset + m[i].damage;
            msgs2 += (uint64_t)k;
            blanc__soup_stream_consume(s, (size_t)k);
            continue;
        }
        if (eof || blanc__soup_stream_ended(s))
            break;
        step = step * 31 + p[end] % 97 + 1;
        end = end + step % 4096 + 1 < n ? end + step % 4096 + 1 : n;
    }
    check(msgs == msgs2 && sum == sum2);
    blanc__soup_stream_free(s);
}

static void reasm(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    tcp_reasm *r;
    tcp_reasm_options o = {p[0] & 1 ? 0 : 26400, (uint32_t)(p[0] >> 1) << 12};
    if (blanc__tcp_reasm_create(&r, &o) < 0)
        return;
    uint32_t seq = 1000;
    uint64_t num = 0;
    blanc_msg m[16];
    for (size_t at = 1; at + 4 <= n;) {
        int16_t delta = (int16_t)(p[at] << 8 | p[at + 1]);
        uint8_t flags = p[at + 2];
        size_t len = p[at + 3];
        at += 4;
        if (len > n - at)
            len = n - at;
        cap_packet pk;
        memset(&pk, 0, sizeof pk);
        pk.kind = CAP_TCP;
        pk.number = ++num;
        pk.offset = num;
        pk.src_port = flags & 0x80 ? 40000 : 26400;
        pk.dst_port = flags & 0x80 ? 26400 : 40000;
        seq += (uint32_t)(int32_t)delta;
        pk.tcp_seq = seq;
        pk.tcp_flags = flags & 0x7f;
        pk.payload = p + at;
        pk.len = len;
        at += len;
        int rc = blanc__tcp_reasm_push(r, &pk);
        check(rc == 0 || rc == 1);
        int k;
        while ((k = blanc__tcp_reasm_take(r, m, 16)) > 0) {
            for (int i = 0; i < k; i++)
                check(m[i].packet >= 1 && m[i].packet <= num && m[i].p != NULL);
            blanc__tcp_reasm_consume(r, (size_t)k);
        }
    }
    blanc__tcp_reasm_finish(r);
    while (blanc__tcp_reasm_take(r, m, 16) > 0)
        blanc__tcp_reasm_consume(r, 16);
    blanc_transport_stats st;
    blanc__tcp_reasm_stats(r, &st);
    blanc__tcp_reasm_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        reasm(data + 1, size - 1);
    else
        stream(data + 1, size - 1);
    return 0;
}
