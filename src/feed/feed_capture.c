/*
 * The capture container (docs/FEEDS.md "Captures"): packets from capture.c,
 * UDP payloads into the MoldUDP64 stream (mold.h), which selects, orders and
 * accounts them and hands back sequenced messages.
 *
 * next() reads packets until the stream has a whole batch ready (or the
 * input ends), so the replay's look-ahead prefetch sees as many messages
 * ahead as with a BinaryFILE, not one packet's one or two.
 *
 * Position: the feed's offset is the source offset after the last packet
 * read, always a record boundary. Messages that packet (or earlier ones)
 * produced but the caller has not consumed yet live in the mold stream, and
 * so in the saved blob: a resume skips packets up to the offset (feeding
 * nothing) and restores the blob, and is where it was.
 *
 * Damage (packets cut by the snap length, fragments, malformed headers) is
 * a count carried to the next message delivered (payloads that are no
 * MoldUDP64 the stream carries the same way itself), as the
 * BinaryFILE carries its zero prefixes: a cut before that message is a cut
 * before the damage too. A long run without messages is handed over alone
 * (a message with p NULL) so the count stays bounded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/capture.h"
#include "feed/feed.h"
#include "feed/mold.h"

#define DAMAGE_RUN 65536u /* damaged packets waiting at most for a message */
#define BLOB_MAGIC 0x46504143u /* "CAPF" */
#define BLOB_VERSION 1u
#define BLOB_HEAD 48 /* magic, version, 5 u64 */

typedef struct capfeed {
    blanc_feed base;
    capture *cap;
    mold_stream *mold;
    /* Counted here; the rest of blanc_transport_stats comes from the stream. */
    uint64_t packets, skipped, bad_packets;
    uint32_t damage;     /* damaged packets not yet handed over */
    uint64_t damage_at;  /* offset of the first of them */
    int done;            /* the input ended: how is in done_how */
    blanc_feed_end done_end;
    int has_selection;
    int alone;           /* next() handed out damage alone, not the stream's */
    int behind;          /* this batch met damage behind its messages: it ends */
} capfeed;

int blanc__is_capture(const uint8_t *p, size_t n)
{
    static const uint8_t magic[][4] = {
        {0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1}, /* pcap, us */
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1}, /* pcap, ns */
        {0x0a, 0x0d, 0x0d, 0x0a},                           /* pcapng SHB */
    };
    if (n < 4)
        return 0;
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        if (memcmp(p, magic[i], 4) == 0)
            return 1;
    return 0;
}

static void note_damage(capfeed *c, uint64_t at)
{
    if (c->damage == 0)
        c->damage_at = at;
    c->damage++;
}

/* One packet into the stream. 0, or BLANC_ENOMEM. */
static int feed_packet(capfeed *c, const cap_packet *pk)
{
    c->packets++;
    if (pk->kind == CAP_DAMAGED) {
        c->bad_packets++;
        /* After messages already ready, the damage goes behind them: the
         * stream carries it to the next message it makes ready. */
        if (blanc__mold_stream_ready(c->mold)) {
            blanc__mold_stream_note_damage(c->mold, pk->offset);
            c->behind = 1;
        } else
            note_damage(c, pk->offset);
        return 0;
    }
    if (pk->kind != CAP_UDP) {
        /* Not IPv4 UDP; TCP too until SoupBinTCP reassembly is wired here. */
        c->skipped++;
        return 0;
    }
    mold_origin from = {pk->dst_ip, pk->dst_port, pk->number, pk->offset, pk->ts_ns};
    /* A payload that is no MoldUDP64 packet: the stream counts it and carries
     * its damage to its next message itself. */
    int rc = blanc__mold_stream_push(c->mold, &from, pk->payload, pk->len);
    return rc < 0 && rc != BLANC_EBADPACKET ? rc : 0;
}

/* The input ended (how), at offset: release what the stream holds. */
static void finish(capfeed *c, blanc_feed_how how, int error, uint64_t offset)
{
    blanc__mold_stream_flush(c->mold);
    /* An end of session held behind a gap comes out in the flush. */
    if (how == BLANC_END_EOF && blanc__mold_stream_ended(c->mold))
        how = BLANC_END_MARKER;
    c->done = 1;
    memset(&c->done_end, 0, sizeof c->done_end);
    c->done_end.how = how;
    c->done_end.error = error;
    c->done_end.offset = offset;
}

/* Read one packet. 1 while the input goes on, 0 when it ended (finish()
 * called), or BLANC_ENOMEM. */
static int read_packet(capfeed *c)
{
    cap_packet pk;
    int rc = blanc__capture_next(c->cap, &pk);
    if (rc == 1) {
        c->base.offset = pk.end;
        rc = feed_packet(c, &pk);
        return rc < 0 ? rc : 1;
    }
    if (rc == 0)
        finish(c, BLANC_END_EOF, 0, pk.offset);
    else if (rc == BLANC_ETRUNCATED)
        finish(c, BLANC_END_TRUNCATED, 0, pk.offset);
    else if (rc == BLANC_ECORRUPT || rc == BLANC_ESTREAMCUT)
        finish(c, BLANC_END_CUT, rc, pk.offset);
    else
        finish(c, BLANC_END_ERROR, rc, pk.offset); /* EBADPACKET: a bogus record; EIO */
    return 0;
}

/* Ours go with the stream's own (bad MoldUDP64) on the first message. */
static void hand_damage(capfeed *c, blanc_msg *m)
{
    if (!c->damage)
        return;
    if (!m->damage || c->damage_at < m->damage_at)
        m->damage_at = c->damage_at;
    m->damage += c->damage;
    m->damage_kind = BLANC_AN_BAD_PACKET;
}

static int cf_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    capfeed *c = (capfeed *)f;
    if (f->end.how != BLANC_END_NONE || cap == 0)
        return 0;
    c->alone = 0;
    c->behind = 0;
    for (;;) {
        /* A batch: read on while the stream has fewer than cap ready. Runs
         * of damage stay bounded: before any message by DAMAGE_RUN, behind
         * the batch's messages by ending the batch. */
        while (!c->done && !c->behind && c->damage < DAMAGE_RUN &&
               blanc__mold_stream_ready(c->mold) < cap && !blanc__mold_stream_ended(c->mold)) {
            int rc = read_packet(c);
            if (rc < 0)
                return rc;
        }
        int n = blanc__mold_stream_take(c->mold, out, cap);
        if (n < 0)
            return n;
        if (n > 0) {
            hand_damage(c, &out[0]);
            return n;
        }
        if (c->damage >= DAMAGE_RUN) {
            memset(out, 0, sizeof *out);
            hand_damage(c, out);
            out->offset = c->damage_at;
            c->alone = 1;
            return 1;
        }
        if (c->done) {
            f->end = c->done_end;
            f->end.damage = c->damage;
            f->end.damage_kind = c->damage ? BLANC_AN_BAD_PACKET : 0;
            f->end.damage_at = c->damage ? c->damage_at : 0;
            c->damage = 0;
            if (f->end.how == BLANC_END_EOF && c->has_selection &&
                blanc__mold_stream_selected(c->mold) == 0) {
                f->end.how = BLANC_END_ERROR; /* nothing the selection names was seen */
                f->end.error = BLANC_ENOSESSION;
            }
            return 0;
        }
        if (blanc__mold_stream_ended(c->mold)) {
            finish(c, BLANC_END_MARKER, 0, f->offset);
            continue;
        }
        c->behind = 0; /* nothing was ready after all: read on */
    }
}

static void cf_consume(blanc_feed *f, size_t k)
{
    capfeed *c = (capfeed *)f;
    if (k == 0)
        return;
    c->damage = 0; /* handed over on the first of them */
    if (c->alone)
        c->alone = 0;
    else
        blanc__mold_stream_consume(c->mold, k);
}

static int cf_skip(blanc_feed *f, uint64_t offset)
{
    capfeed *c = (capfeed *)f;
    while (f->offset < offset) {
        cap_packet pk;
        int rc = blanc__capture_next(c->cap, &pk); /* nothing pushed: nothing to release */
        if (rc == 0)
            return BLANC_ETRUNCATED;
        if (rc < 0)
            return rc == BLANC_EBADPACKET ? BLANC_EMISMATCH : rc;
        c->packets++;
        f->offset = pk.end;
    }
    return f->offset == offset ? 0 : BLANC_EMISMATCH;
}

static int cf_save(const blanc_feed *f, uint8_t **blob, size_t *len)
{
    const capfeed *c = (const capfeed *)f;
    uint8_t *inner = NULL;
    size_t n = 0;
    int rc = blanc__mold_stream_save(c->mold, &inner, &n);
    if (rc < 0)
        return rc;
    uint8_t *b = malloc(BLOB_HEAD + n);
    if (!b) {
        free(inner);
        return BLANC_ENOMEM;
    }
    blanc_put_le32(b, BLOB_MAGIC);
    blanc_put_le32(b + 4, BLOB_VERSION);
    blanc_put_le64(b + 8, c->packets);
    blanc_put_le64(b + 16, c->skipped);
    blanc_put_le64(b + 24, c->bad_packets);
    blanc_put_le64(b + 32, c->damage);
    blanc_put_le64(b + 40, c->damage_at);
    if (n)
        memcpy(b + BLOB_HEAD, inner, n);
    free(inner);
    *blob = b;
    *len = BLOB_HEAD + n;
    return 0;
}

static int cf_restore(blanc_feed *f, const uint8_t *blob, size_t len)
{
    capfeed *c = (capfeed *)f;
    if (len < BLOB_HEAD || blanc_le32(blob) != BLOB_MAGIC || blanc_le32(blob + 4) != BLOB_VERSION)
        return BLANC_EBADSNAP;
    uint64_t damage = blanc_le64(blob + 32);
    if (damage > DAMAGE_RUN)
        return BLANC_EBADSNAP;
    int rc = blanc__mold_stream_restore(c->mold, blob + BLOB_HEAD, len - BLOB_HEAD);
    if (rc < 0)
        return rc;
    c->packets = blanc_le64(blob + 8);
    c->skipped = blanc_le64(blob + 16);
    c->bad_packets = blanc_le64(blob + 24);
    c->damage = (uint32_t)damage;
    c->damage_at = blanc_le64(blob + 40);
    return 0;
}

static void cf_transport(const blanc_feed *f, blanc_transport_stats *st)
{
    const capfeed *c = (const capfeed *)f;
    blanc__mold_stream_stats(c->mold, st);
    st->packets = c->packets; /* every packet, not only those the stream saw */
    st->skipped += c->skipped;
    st->bad_packets += c->bad_packets;
}

static const char *cf_session_name(const blanc_feed *f, uint32_t s)
{
    return blanc__mold_stream_session_name(((const capfeed *)f)->mold, s);
}

static void cf_free(blanc_feed *f)
{
    capfeed *c = (capfeed *)f;
    blanc__capture_free(c->cap);
    blanc__mold_stream_free(c->mold);
}

static const feed_ops capture_ops = {
    cf_next, cf_consume, cf_skip, cf_save, cf_restore, cf_transport, cf_session_name, cf_free,
};

int blanc__feed_capture_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o,
                             char *why, size_t cap)
{
    capfeed *c = calloc(1, sizeof *c);
    if (!c)
        return BLANC_ENOMEM;
    mold_stream_options mo = {0};
    if (o) {
        mo.channels = o->channels;
        mo.n_channels = o->n_channels;
        mo.sessions = o->sessions;
        mo.n_sessions = o->n_sessions;
        mo.reorder_window = o->reorder_window;
        c->has_selection = o->n_channels + o->n_sessions > 0;
    }
    int rc = blanc__mold_stream_create(&c->mold, &mo);
    if (rc == 0) {
        rc = blanc__capture_open(&c->cap, src, why, cap);
        if (rc < 0)
            blanc__mold_stream_free(c->mold);
    } else if (rc == BLANC_EINVAL && why && cap) {
        snprintf(why, cap, "a channel is GROUP:PORT (or :PORT), e.g. 233.54.12.111:26477");
    }
    if (rc < 0) {
        free(c);
        return rc;
    }
    c->base.ops = &capture_ops;
    c->base.src = src;
    c->base.framing = BLANC_FRAMING_PCAP;
    c->base.offset = blanc_source_offset(src);
    *out = &c->base;
    return 0;
}
