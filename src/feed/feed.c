/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Message sources: the public face of the feed layer. Opening one judges the
 * start of the input and picks its container (docs/SEMANTICS.md §1.1,
 * docs/FEEDS.md); every other call goes through the container's ops.
 */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "feed/feed.h"
#include "feed/itch_sniff.h"

const char *blanc_framing_name(blanc_framing f)
{
    switch (f) {
    case BLANC_FRAMING_BINARYFILE: return "binaryfile";
    case BLANC_FRAMING_FIXED: return "fixed";
    case BLANC_FRAMING_AUTO: return "auto";
    case BLANC_FRAMING_PCAP: return "pcap";
    case BLANC_FRAMING_SOUPBINTCP: return "soupbintcp";
    case BLANC_FRAMING_UDP: return "udp";
    }
    return "unknown";
}

int blanc_framing_parse(const char *s, blanc_framing *out)
{
    for (int k = BLANC_FRAMING_BINARYFILE; k <= BLANC_FRAMING_UDP; k++) {
        if (s && !strcmp(s, blanc_framing_name((blanc_framing)k))) {
            *out = (blanc_framing)k;
            return 0;
        }
    }
    return BLANC_EINVAL;
}

/* The first window of at least BLANC_SNIFF_BYTES (or all of a shorter input),
 * nothing consumed. */
static int peek_start(blanc_source *src, const uint8_t **p, size_t *n)
{
    for (;;) {
        int more = blanc_source_next(src, p, n);
        if (more == BLANC_EIO)
            return more;
        if (more <= 0 || *n >= BLANC_SNIFF_BYTES)
            return 0;
    }
}

int blanc_feed_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o,
                    char *why, size_t cap)
{
    static const blanc_feed_options none;
    if (!out || !src)
        return BLANC_EINVAL;
    *out = NULL;
    if (!o)
        o = &none;
    if (why && cap)
        why[0] = 0;
    blanc_framing f = o->framing;
    if (f == BLANC_FRAMING_UDP)
        return BLANC_EINVAL; /* a socket, not a byte source: blanc_feed_open_udp */
    const uint8_t *p = NULL;
    size_t n = 0;
    int rc = peek_start(src, &p, &n);
    if (rc)
        return rc;
    if (f == BLANC_FRAMING_AUTO && !n)
        f = BLANC_FRAMING_BINARYFILE; /* empty: nothing to judge, nothing to replay */
    if (f == BLANC_FRAMING_AUTO && blanc__is_capture(p, n))
        f = BLANC_FRAMING_PCAP;
    if (f == BLANC_FRAMING_PCAP)
        return blanc__feed_capture_open(out, src, o, why, cap);
    if (f == BLANC_FRAMING_AUTO && blanc__is_soup(p, n))
        f = BLANC_FRAMING_SOUPBINTCP;
    if (f == BLANC_FRAMING_SOUPBINTCP)
        return blanc__feed_soup_open(out, src, o);
    if (f == BLANC_FRAMING_BINARYFILE || f == BLANC_FRAMING_FIXED || f == BLANC_FRAMING_AUTO) {
        if (n && !o->no_sniff && (rc = blanc__itch_sniff(p, n, &f, why, cap)))
            return rc;
        if (f == BLANC_FRAMING_AUTO)
            f = BLANC_FRAMING_BINARYFILE; /* no_sniff */
        return blanc__feed_binaryfile_open(out, src, f);
    }
    return BLANC_EUNSUPPORTED;
}

blanc_framing blanc_feed_framing(const blanc_feed *f) { return f->framing; }

int blanc_feed_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    return f->ops->next(f, out, cap);
}

void blanc_feed_consume(blanc_feed *f, size_t k) { f->ops->consume(f, k); }

const blanc_feed_end *blanc_feed_end_info(const blanc_feed *f) { return &f->end; }

const char *blanc_feed_end_detail(const blanc_feed *f)
{
    if (f->end.how != BLANC_END_ERROR || !f->ops->end_detail)
        return NULL;
    return f->ops->end_detail(f);
}

uint64_t blanc_feed_offset(const blanc_feed *f) { return f->offset; }

unsigned blanc_feed_helpers(const blanc_feed *f)
{
    return (f->src ? blanc_source_helpers(f->src) : 0) | (f->ops->helpers ? f->ops->helpers(f) : 0);
}

int blanc_feed_skip(blanc_feed *f, uint64_t offset) { return f->ops->skip(f, offset); }

int blanc_feed_save(const blanc_feed *f, uint8_t **blob, size_t *len)
{
    *blob = NULL;
    *len = 0;
    return f->ops->save ? f->ops->save(f, blob, len) : 0;
}

int blanc_feed_restore(blanc_feed *f, const uint8_t *blob, size_t len)
{
    if (!f->ops->restore)
        return len ? BLANC_EBADSNAP : 0;
    return f->ops->restore(f, blob, len);
}

int blanc_feed_get_transport_stats(const blanc_feed *f, blanc_transport_stats *out)
{
    if (!f->ops->transport)
        return BLANC_EUNSUPPORTED;
    memset(out, 0, sizeof *out);
    f->ops->transport(f, out);
    return 0;
}

const char *blanc_feed_session_name(const blanc_feed *f, uint32_t s)
{
    return f->ops->session_name ? f->ops->session_name(f, s) : NULL;
}

blanc_source *blanc_feed_source(const blanc_feed *f) { return f->src; }

void blanc_feed_free(blanc_feed *f)
{
    if (!f)
        return;
    f->ops->free(f);
    free(f);
}
