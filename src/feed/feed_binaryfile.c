/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The BinaryFILE container (and its fixed-framing variant) over a byte source.
 *
 * BinaryFILE: each message behind a 2-byte big-endian length; a zero length
 * as the last two bytes ends the session. A zero length with data after it is
 * damage, not an end (docs/SEMANTICS.md §1): it is skipped and counted on the
 * message that follows (damage, kind zero_length), so that a cut before that
 * message is also a cut before its zeros and no pause holds a run half
 * counted (docs/SNAPSHOT.md).
 *
 * Fixed framing ignores the prefix and takes each type's own length (files
 * written with zeroed prefixes); an unknown type there cannot be stepped over,
 * so it is handed out once (the replay counts it) and the feed ends (DESYNC).
 *
 * A batch is framed straight out of the source's window: the messages point
 * into it, and consume(k) gives the source back the bytes of the first k.
 */
#include <stdlib.h>

#include "blanc.h"
#include "common/bytes.h"
#include "feed/feed.h"
#include "feed/itch_types.h"

/* A zero run this long is not waited for to its end: a stream window does not
 * grow past its capacity, so its message may never be in the same window. */
#define ZERO_RUN_FLUSH ((size_t)1 << 20)

typedef struct bf_feed {
    blanc_feed base;
    blanc_msg *last;      /* the batch handed out (the caller's array) */
    size_t last_n;
    size_t desync_at;     /* fixed framing: index of the unknown-type entry, or SIZE_MAX */
    /* Where the input ends up consumed when the whole batch is used and the
     * end was seen: past a marker, trailing zeros, the last whole frame. */
    uint64_t tail;
} bf_feed;

static void set_end(blanc_feed *f, blanc_feed_how how, uint64_t offset)
{
    f->end.how = how;
    f->end.offset = offset;
}

static void end_damage(blanc_feed *f, uint32_t zeros, uint64_t at)
{
    f->end.damage = zeros;
    f->end.damage_kind = BLANC_AN_ZERO_LENGTH;
    f->end.damage_at = at;
}

/* Frame BinaryFILE messages from p[0..n) (stream offset base) into out[cap].
 * Sets the end when the window is the last one and holds the end. */
static size_t frame_binaryfile(bf_feed *b, const uint8_t *p, size_t n, uint64_t base, int eof,
                               blanc_msg *out, size_t cap)
{
    size_t k = 0, pos = 0;
    while (k < cap && n - pos >= 2) {
        /* The common frame first: a non-zero length, whole in the window. */
        size_t flen = blanc_be16(p + pos);
        if (blanc_likely(flen != 0 && n - pos - 2 >= flen)) {
            out[k++] = (blanc_msg){.p = p + pos + 2, .len = (uint32_t)flen, .offset = base + pos};
            pos += 2 + flen;
            continue;
        }
        size_t at = pos;
        uint32_t zeros = 0;
        while (n - pos >= 2 && blanc_be16(p + pos) == 0 && n - pos > 2) {
            pos += 2;
            zeros++;
        }
        if (zeros && (size_t)zeros * 2 >= ZERO_RUN_FLUSH) {
            /* Damage only: counted now, its message comes in a later batch. */
            out[k++] = (blanc_msg){.damage = zeros, .damage_kind = BLANC_AN_ZERO_LENGTH,
                                   .damage_at = base + at, .offset = base + pos};
            continue;
        }
        if (n - pos == 2 && blanc_be16(p + pos) == 0) {
            if (!eof)
                return k; /* the marker only if nothing follows: cannot tell yet */
            if (zeros)
                end_damage(&b->base, zeros, base + at);
            set_end(&b->base, BLANC_END_MARKER, base + pos);
            b->tail = base + pos + 2;
            return k;
        }
        size_t len = n - pos >= 2 ? blanc_be16(p + pos) : 0;
        if (n - pos < 2 || n - pos - 2 < len) {
            if (eof) {
                if (zeros)
                    end_damage(&b->base, zeros, base + at);
                set_end(&b->base, BLANC_END_TRUNCATED, base + pos);
                b->tail = base + pos;
            }
            return k; /* not whole yet: the zeros come again with it */
        }
        blanc_msg *m = &out[k++];
        *m = (blanc_msg){.p = p + pos + 2, .len = (uint32_t)len, .offset = base + pos};
        if (zeros) {
            m->damage = zeros;
            m->damage_kind = BLANC_AN_ZERO_LENGTH;
            m->damage_at = base + at;
        }
        pos += 2 + len;
    }
    if (eof && k < cap && n - pos < 2) {
        set_end(&b->base, pos == n ? BLANC_END_EOF : BLANC_END_TRUNCATED, base + pos);
        b->tail = base + pos;
    }
    return k;
}

static size_t frame_fixed(bf_feed *b, const uint8_t *p, size_t n, uint64_t base, int eof,
                          blanc_msg *out, size_t cap)
{
    size_t k = 0, pos = 0;
    while (k < cap && n - pos >= 3) {
        size_t len = blanc__itch_len[p[pos + 2]];
        if (!len) {
            /* Handed out with a length no type has, so the replay counts an
             * unknown type; the feed cannot step over it. */
            out[k] = (blanc_msg){.p = p + pos + 2, .len = 1, .offset = base + pos};
            b->desync_at = k++;
            set_end(&b->base, BLANC_END_DESYNC, base + pos);
            b->tail = base + pos;
            return k;
        }
        if (n - pos - 2 < len)
            break;
        out[k++] = (blanc_msg){.p = p + pos + 2, .len = (uint32_t)len, .offset = base + pos};
        pos += 2 + len;
    }
    if (eof && k < cap) {
        set_end(&b->base, pos == n ? BLANC_END_EOF : BLANC_END_TRUNCATED, base + pos);
        b->tail = base + pos;
    }
    return k;
}

static void bf_consume(blanc_feed *f, size_t k);

static int bf_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    bf_feed *b = (bf_feed *)f;
    b->last = out;
    b->last_n = 0;
    b->desync_at = SIZE_MAX;
    if (f->end.how != BLANC_END_NONE || !cap)
        return 0;
    for (;;) {
        const uint8_t *p;
        size_t n;
        uint64_t base = blanc_source_offset(f->src);
        int more = blanc_source_next(f->src, &p, &n);
        if (more == BLANC_EIO) {
            f->end.how = BLANC_END_ERROR;
            f->end.error = more;
            return 0;
        }
        int eof = more <= 0;
        size_t k = f->framing == BLANC_FRAMING_FIXED ? frame_fixed(b, p, n, base, eof, out, cap)
                                                     : frame_binaryfile(b, p, n, base, eof, out, cap);
        if (more < 0 && f->end.how != BLANC_END_MARKER && f->end.how != BLANC_END_DESYNC &&
            (f->end.how != BLANC_END_NONE || k < cap)) {
            /* Damaged or cut compressed stream: what came before it is kept
             * (trailing zeros too), and the cut is where decoding failed. */
            blanc_feed_end e = {.how = BLANC_END_CUT, .offset = base + n};
            e.damage = f->end.damage, e.damage_kind = f->end.damage_kind;
            e.damage_at = f->end.damage_at;
            f->end = e;
        }
        b->last_n = k;
        if (!k && f->end.how != BLANC_END_NONE)
            bf_consume(f, 0);
        if (k || f->end.how != BLANC_END_NONE)
            return (int)k;
        /* Not one whole frame yet: the window grows on the next call. */
    }
}

/* Stream offset just after entry i of the last batch. */
static uint64_t entry_end(const bf_feed *b, size_t i)
{
    const blanc_msg *m = &b->last[i];
    if (i == b->desync_at)
        return m->offset; /* the unknown type is counted, not consumed */
    if (!m->p)
        return m->offset;
    return m->offset + 2 + m->len;
}

static void bf_consume(blanc_feed *f, size_t k)
{
    bf_feed *b = (bf_feed *)f;
    if (k > b->last_n)
        k = b->last_n;
    uint64_t to = blanc_source_offset(f->src);
    if (k)
        to = entry_end(b, k - 1);
    if (k == b->last_n && f->end.how != BLANC_END_NONE && f->end.how != BLANC_END_ERROR)
        to = b->tail;
    if (to > blanc_source_offset(f->src))
        blanc_source_consume(f->src, (size_t)(to - blanc_source_offset(f->src)));
    if (k < b->last_n && f->end.how != BLANC_END_ERROR) {
        /* A pause: the rest is framed again, and the end (if it was seen)
         * is found again after it. */
        f->end = (blanc_feed_end){0};
    }
    b->last_n = 0;
    f->offset = blanc_source_offset(f->src);
}

static int bf_skip(blanc_feed *f, uint64_t offset)
{
    uint64_t at = blanc_source_offset(f->src);
    if (offset < at)
        return BLANC_EMISMATCH;
    int rc = blanc_source_skip(f->src, offset - at);
    f->offset = blanc_source_offset(f->src);
    return rc;
}

static void bf_free(blanc_feed *f) { (void)f; }

static const feed_ops bf_ops = {
    .next = bf_next,
    .consume = bf_consume,
    .skip = bf_skip,
    .free = bf_free,
};

int blanc__feed_binaryfile_open(blanc_feed **out, blanc_source *src, blanc_framing framing)
{
    bf_feed *b = calloc(1, sizeof *b);
    if (!b)
        return BLANC_ENOMEM;
    b->base.ops = &bf_ops;
    b->base.src = src;
    b->base.framing = framing;
    b->base.offset = blanc_source_offset(src);
    b->desync_at = SIZE_MAX;
    *out = &b->base;
    return 0;
}
