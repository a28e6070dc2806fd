/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The SoupBinTCP byte-stream feed (feed.h): a file, .gz, .zst or stdin
 * holding the server's side of a SoupBinTCP session, packet after packet.
 *
 * The stream (soup_stream.c) reads the source's window in place, so messages
 * point into it and nothing is copied. The source is consumed exactly to the
 * stream's committed offset, always a packet boundary (or a position of the
 * scan after damage), which is what the input digest and a snapshot's
 * position name; a packet cut by the end of a window stays in the window and
 * the source carries it over.
 */
#include <stdlib.h>

#include "feed/feed.h"
#include "feed/itch_sniff.h"
#include "feed/soup.h"

typedef struct feed_soup {
    blanc_feed base; /* first: feed.c sees a blanc_feed */
    soup_stream *s;
    const uint8_t *win; /* the source window from base.offset on */
    size_t win_n;
    int src_rc;  /* the last blanc_source_next(): 1 more may follow, 0 end, < 0 error */
    int have;    /* win is current (no source call since) */
} feed_soup;

/* Give the source what the stream committed. */
static void advance(feed_soup *fs)
{
    uint64_t d = blanc__soup_stream_offset(fs->s) - fs->base.offset;
    if (!d)
        return;
    blanc_source_consume(fs->base.src, (size_t)d);
    fs->win += d;
    fs->win_n -= (size_t)d;
    fs->base.offset += d;
}

static int finish(feed_soup *fs)
{
    blanc_feed_end *e = &fs->base.end;
    uint32_t damage;
    uint64_t at;
    blanc__soup_stream_pending_damage(fs->s, &damage, &at);
    e->damage = damage;
    e->damage_kind = damage ? (uint8_t)BLANC_AN_BAD_PACKET : 0;
    e->damage_at = at;
    e->offset = fs->base.offset;
    if (blanc__soup_stream_ended(fs->s)) {
        e->how = BLANC_END_MARKER;
    } else if (fs->src_rc == BLANC_ECORRUPT || fs->src_rc == BLANC_ESTREAMCUT) {
        e->how = BLANC_END_CUT;
        e->offset = fs->base.offset + fs->win_n;
    } else if (fs->src_rc < 0) {
        e->how = BLANC_END_ERROR;
        e->error = fs->src_rc;
    } else if (fs->win_n && !blanc__soup_stream_resyncing(fs->s)) {
        e->how = BLANC_END_TRUNCATED;
    } else {
        e->how = BLANC_END_EOF;
    }
    return 0;
}

static int soup_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    feed_soup *fs = (feed_soup *)f;
    if (f->end.how != BLANC_END_NONE)
        return 0;
    for (;;) {
        if (fs->have) {
            int eof = fs->src_rc <= 0;
            int k = blanc__soup_stream_take(fs->s, fs->win, fs->win_n, eof, out, cap);
            if (k > 0)
                return k;
            advance(fs);
            if (eof || blanc__soup_stream_ended(fs->s))
                return finish(fs);
        }
        fs->src_rc = blanc_source_next(f->src, &fs->win, &fs->win_n);
        fs->have = 1;
    }
}

static void soup_consume(blanc_feed *f, size_t k)
{
    feed_soup *fs = (feed_soup *)f;
    blanc__soup_stream_consume(fs->s, k);
    advance(fs);
}

static int soup_skip(blanc_feed *f, uint64_t offset)
{
    feed_soup *fs = (feed_soup *)f;
    if (offset < f->offset)
        return BLANC_EMISMATCH; /* a byte stream only goes forward */
    int rc = blanc_source_skip(f->src, offset - f->offset);
    fs->have = 0;
    if (rc < 0)
        return rc;
    f->offset = offset;
    blanc__soup_stream_seek(fs->s, offset);
    return 0;
}

static int soup_save(const blanc_feed *f, uint8_t **blob, size_t *len)
{
    return blanc__soup_stream_save(((const feed_soup *)f)->s, blob, len);
}

static int soup_restore(blanc_feed *f, const uint8_t *blob, size_t len)
{
    return blanc__soup_stream_restore(((feed_soup *)f)->s, blob, len);
}

static void soup_transport(const blanc_feed *f, blanc_transport_stats *st)
{
    blanc__soup_stream_stats(((const feed_soup *)f)->s, st);
}

static const char *soup_session_name(const blanc_feed *f, uint32_t s)
{
    return blanc__soup_stream_session_name(((const feed_soup *)f)->s, s);
}

static void soup_free(blanc_feed *f) { blanc__soup_stream_free(((feed_soup *)f)->s); }

static const feed_ops soup_ops = {
    .next = soup_next,
    .consume = soup_consume,
    .skip = soup_skip,
    .save = soup_save,
    .restore = soup_restore,
    .transport = soup_transport,
    .session_name = soup_session_name,
    .free = soup_free,
};

int blanc__feed_soup_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o)
{
    (void)o;
    feed_soup *fs = calloc(1, sizeof *fs);
    if (!fs)
        return BLANC_ENOMEM;
    if (blanc__soup_stream_create(&fs->s) < 0) {
        free(fs);
        return BLANC_ENOMEM;
    }
    fs->base.ops = &soup_ops;
    fs->base.src = src;
    fs->base.framing = BLANC_FRAMING_SOUPBINTCP;
    fs->base.offset = blanc_source_offset(src);
    blanc__soup_stream_seek(fs->s, fs->base.offset);
    *out = &fs->base;
    return 0;
}

/* Where the walk of the sample stopped: the start of a packet the sample
 * cuts, which must look like one as far as it goes (random bytes stop the
 * walk at a header that merely parses, and would otherwise pass). */
static int tail_plausible(const uint8_t *p, size_t n)
{
    soup_packet pk;
    int rc = blanc__soup_parse(p, n, &pk);
    if (rc > 0)
        return blanc__soup_plausible(&pk);
    if (rc != BLANC_ETRUNCATED)
        return 0;
    if (n < SOUP_HEADER)
        return 1;
    size_t len = (size_t)p[0] << 8 | p[1];
    switch (p[2]) {
    case 'S': return n == SOUP_HEADER || blanc_itch_msg_len(p[3]) == len - 1;
    case 'A': case 'L': return 1;
    case '+': {
        for (size_t i = SOUP_HEADER; i < n; i++)
            if (p[i] < 0x20 || p[i] > 0x7e)
                return 0;
        return 1;
    }
    default: return 0;
    }
}

/*
 * The content check for AUTO (docs/FEEDS.md): the first packet is whole-
 * heartedly plausible, at least one sequenced message is there and nine in
 * ten are ITCH messages of exactly their type's length, and damage is at
 * most one packet in ten. A BinaryFILE fails on its first frame: its 2-byte
 * length is followed by an ITCH type, never a Soup one with that length (a
 * system event 00 0C 'S' would be a Soup 'S' whose message starts with the
 * locate's high byte, 0x00, no ITCH type).
 */
int blanc__is_soup(const uint8_t *p, size_t n)
{
    if (n > BLANC_SNIFF_BYTES)
        n = BLANC_SNIFF_BYTES;
    soup_packet pk;
    int rc = blanc__soup_parse(p, n, &pk);
    if (rc <= 0 || !blanc__soup_plausible(&pk))
        return 0;
    soup_stream *s;
    if (blanc__soup_stream_create(&s) < 0)
        return 0;
    uint64_t msgs = 0, exact = 0;
    blanc_msg m[64];
    for (;;) {
        uint64_t at = blanc__soup_stream_offset(s);
        int k = blanc__soup_stream_take(s, p + at, n - (size_t)at, 0, m, 64);
        if (k <= 0)
            break;
        for (int i = 0; i < k; i++)
            exact += blanc_itch_msg_len(m[i].p[0]) == m[i].len;
        msgs += (uint64_t)k;
        blanc__soup_stream_consume(s, (size_t)k);
    }
    blanc_transport_stats st;
    blanc__soup_stream_stats(s, &st);
    uint64_t off = blanc__soup_stream_offset(s);
    int ended = blanc__soup_stream_ended(s);
    blanc__soup_stream_free(s);
    if (!ended && !tail_plausible(p + off, n - (size_t)off))
        return 0;
    return exact > 0 && exact * 10 >= msgs * 9 && st.bad_packets * 10 <= st.packets;
}
