/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The message-source contract every container implements (blanc.h "Feed:
 * message sources"). feed.c dispatches through these and picks the container
 * by content; each container lives in its own file:
 *   feed_binaryfile.c  BinaryFILE and fixed framing over a byte source
 *   feed_capture.c     pcap/pcapng (capture.c) carrying MoldUDP64 (mold.c) or
 *                      SoupBinTCP over TCP (tcp_reasm.c, soup.c)
 *   feed_soup.c        a SoupBinTCP byte stream
 *   feed_udp.c         live MoldUDP64 from a socket
 */
#ifndef BLANC_FEED_H
#define BLANC_FEED_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

typedef struct feed_ops {
    int (*next)(blanc_feed *f, blanc_msg *out, size_t cap);
    void (*consume)(blanc_feed *f, size_t k);
    int (*skip)(blanc_feed *f, uint64_t offset);
    /* NULL: no state beyond the offset (byte feeds). */
    int (*save)(const blanc_feed *f, uint8_t **blob, size_t *len);
    int (*restore)(blanc_feed *f, const uint8_t *blob, size_t len);
    /* NULL: no transport (byte feeds). */
    void (*transport)(const blanc_feed *f, blanc_transport_stats *st);
    const char *(*session_name)(const blanc_feed *f, uint32_t s);
    void (*free)(blanc_feed *f); /* frees the implementation's part, not f */
    /* NULL: nothing beyond the end's error code (blanc_feed_end_detail). */
    const char *(*end_detail)(const blanc_feed *f);
    /* NULL: no threads of its own (blanc_feed_helpers). */
    unsigned (*helpers)(const blanc_feed *f);
} feed_ops;

/* Every implementation embeds this first and sets ops, framing. */
struct blanc_feed {
    const feed_ops *ops;
    blanc_source *src;     /* borrowed; NULL for a socket feed */
    blanc_framing framing; /* never AUTO */
    blanc_feed_end end;    /* how = BLANC_END_NONE until next() returns 0 */
    uint64_t offset;       /* stream bytes consumed (blanc_feed_offset) */
};

/* Containers. Each returns 0 and a feed, or an error (why[cap] for ENOTITCH). */
int blanc__feed_binaryfile_open(blanc_feed **out, blanc_source *src, blanc_framing framing);
int blanc__feed_capture_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o,
                             char *why, size_t cap);
int blanc__feed_soup_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o);

/* Content checks for AUTO, on the first bytes of the input (n may be short). */
int blanc__is_capture(const uint8_t *p, size_t n); /* pcap or pcapng magic */
/* Whether p[0..n) reads as a SoupBinTCP stream carrying ITCH (most packets valid). */
int blanc__is_soup(const uint8_t *p, size_t n);

#endif
