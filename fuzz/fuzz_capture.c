/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The capture container on arbitrary bytes: libpcap's pcap/pcapng reader, our
 * link/IPv4/UDP/TCP decoding and the MoldUDP64 stream behind it, through the
 * feed's next/consume (pausing on input-dependent counts), then save and a
 * resume (skip + restore) at the position reached. The first byte picks the
 * container magic so most inputs get past libpcap's header check: 0 pcap
 * (us), 1 pcap (ns), 2 pcapng, else the bytes as they are. Whatever the
 * input, an error value or an end, never a crash. */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "feed/feed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static blanc_feed *open_capture(blanc_source **s, const uint8_t *p, size_t n)
{
    blanc_feed *f = NULL;
    char why[256];
    if (blanc_source_open_mem(s, p, n))
        return NULL;
    if (blanc__feed_capture_open(&f, *s, NULL, why, sizeof why)) {
        blanc_source_close(*s);
        return NULL;
    }
    return f;
}

static void close_capture(blanc_source *s, blanc_feed *f)
{
    f->ops->free(f);
    free(f);
    blanc_source_close(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[3][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0x4d, 0x3c, 0xb2, 0xa1}, {0x0a, 0x0d, 0x0d, 0x0a}};
    if (size < 1 || size > (1u << 20))
        return 0;
    uint8_t *buf = malloc(size + 4);
    if (!buf)
        return 0;
    size_t n = 0;
    if (data[0] < 3) {
        memcpy(buf, magic[data[0]], 4);
        n = 4;
    }
    memcpy(buf + n, data + 1, size - 1);
    n += size - 1;
    blanc_source *s;
    blanc_feed *f = open_capture(&s, buf, n);
    if (f) {
        blanc_msg m[16];
        int k, rounds = 0;
        uint64_t sum = 0;
        while ((k = f->ops->next(f, m, 16)) > 0) {
            for (int i = 0; i < k; i++)
                if (m[i].p)
                    sum += m[i].p[0] + m[i].len; /* touch every message's bytes */
            size_t used = (size_t)(k + 1) / 2;
            f->ops->consume(f, used);
            if (++rounds == 3)
                break; /* stop midway, resume below */
        }
        uint8_t *blob = NULL;
        size_t len = 0;
        uint64_t off = f->offset;
        int saved = f->ops->save(f, &blob, &len) == 0;
        blanc_transport_stats st;
        f->ops->transport(f, &st);
        close_capture(s, f);
        blanc_source *s2;
        blanc_feed *g = saved ? open_capture(&s2, buf, n) : NULL;
        if (g) {
            int (*skip)(blanc_feed *, uint64_t) = g->ops->skip;
            if (skip(g, off) == 0 && g->ops->restore(g, blob, len) == 0)
                while ((k = g->ops->next(g, m, 16)) > 0)
                    g->ops->consume(g, (size_t)k);
            close_capture(s2, g);
        }
        free(blob);
        (void)sum;
    }
    free(buf);
    return 0;
}
