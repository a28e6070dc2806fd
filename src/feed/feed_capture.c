/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The capture container (docs/FEEDS.md "Captures"): packets from capture.c,
 * UDP payloads into the MoldUDP64 stream (mold.h), which selects, orders and
 * accounts them and hands back sequenced messages; TCP packets into the TCP
 * reassembler and its SoupBinTCP stream (tcp_reasm.h), which does the same
 * for the server's side of one connection.
 *
 * One of the two is replayed. The MoldUDP64 stream wins: the first packet it
 * takes decides for it. The reassembler locks on to SoupBinTCP server data
 * on its own, but is decided for only once it has read ahead LOOKAHEAD_BYTES
 * of the server's bytes or LOOKAHEAD_PACKETS of its packets with no
 * MoldUDP64 packet seen, or at the end of the capture (nothing is handed out
 * before that: its bytes wait in the reassembler, bounded).
 *
 * next() reads packets until the MoldUDP64 stream has a whole batch ready (or the
 * input ends), so the replay's look-ahead prefetch sees as many messages
 * ahead as with a BinaryFILE, not one packet's one or two.
 *
 * Packets a classic pcap lends (read in place from the source's window,
 * capture.c) go into the MoldUDP64 stream lent: in-order packets' messages
 * are handed out where they lie, not copied. Before the window may move the
 * capture calls release() (the stream copies what is still ready of them),
 * and consume() settles: the packets not yet taken are copied (the tail of the
 * batch's last packet, usually) and the source is consumed up to the feed's
 * offset, so that between next() and consume() pairs the source's offset and
 * digest are exactly what they are without lending.
 *
 * Position: the feed's offset is the source offset after the last packet
 * read (once settled), always a record boundary. Messages that packet (or earlier ones)
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
#include "feed/tcp_reasm.h"
#include "feed/udp_span.h"

#define DAMAGE_RUN 65536u /* damaged packets waiting at most for a message */
#define BLOB_MAGIC 0x46504143u /* "CAPF" */
#define BLOB_VERSION 2u
#define BLOB_HEAD_V1 48 /* magic, version, 5 u64 */
#define BLOB_HEAD 96    /* v2: and mode, 4 counters, the MoldUDP64 blob's length */
#define LOOKAHEAD_BYTES ((size_t)1 << 20) /* < the reassembler's 4 MiB slack: no ELIMIT */
#define LOOKAHEAD_PACKETS 65536u
#define MAX_TCP_SEL 64
#ifndef SPAN_RUN
#define SPAN_RUN 32 /* packets the fast walk looks at a time */
#endif

enum { MODE_UNDECIDED = 0, MODE_MOLD = 1, MODE_TCP = 2 };

typedef struct tcp_sel {
    uint32_t ip; /* 0: any */
    uint16_t port;
} tcp_sel;

typedef struct capfeed {
    blanc_feed base;
    capture *cap;
    mold_stream *mold;
    tcp_reasm *tcp; /* NULL: TCP is not followed (decided for MoldUDP64, or --session) */
    int mode;
    int tcp_allowed;
    uint64_t udp_packets, tcp_packets, tcp_filtered, tcp_ahead;
    tcp_sel sel[MAX_TCP_SEL]; /* --channel applied to the server's address */
    size_t n_sel;
    /* Counted here; the rest of blanc_transport_stats comes from the stream. */
    uint64_t packets, skipped, bad_packets;
    uint32_t damage;     /* damaged packets not yet handed over */
    uint64_t damage_at;  /* offset of the first of them */
    int done;            /* the input ended: how is in done_how */
    blanc_feed_end done_end;
    char why[256];       /* an END_ERROR's packet and reason */
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

/* The capture's window may move: nothing the stream holds may point there. */
static int release_lent(void *arg)
{
    return blanc__mold_stream_release(((capfeed *)arg)->mold);
}

/* Lent bytes copied, the source consumed up to the last packet read. A
 * failed copy leaves the source behind (the next read fails the same way). */
static void settle(capfeed *c)
{
    if (blanc__mold_stream_release(c->mold) == 0)
        blanc__capture_sync(c->cap);
}

static void note_damage(capfeed *c, uint64_t at)
{
    if (c->damage == 0)
        c->damage_at = at;
    c->damage++;
}

static int tcp_selected(const capfeed *c, const cap_packet *pk)
{
    if (!c->n_sel)
        return 1;
    for (size_t i = 0; i < c->n_sel; i++)
        if (c->sel[i].port == pk->src_port && (!c->sel[i].ip || c->sel[i].ip == pk->src_ip))
            return 1;
    return 0;
}

static void decide_mold(capfeed *c)
{
    c->mode = MODE_MOLD;
    blanc__tcp_reasm_free(c->tcp);
    c->tcp = NULL;
}

static int feed_tcp(capfeed *c, const cap_packet *pk)
{
    if (c->mode == MODE_MOLD || !c->tcp_allowed)
        return 0;
    if (!tcp_selected(c, pk)) {
        c->tcp_filtered++;
        return 0;
    }
    if (!c->tcp) {
        /* A selection names the server: lock on to its port (its SYN then
         * gives the first sequence number). */
        tcp_reasm_options to = {pk->src_port, 0};
        int rc = blanc__tcp_reasm_create(&c->tcp, &to);
        if (rc < 0)
            return rc;
    }
    int rc = blanc__tcp_reasm_push(c->tcp, pk);
    if (rc < 0)
        return rc == BLANC_ELIMIT ? BLANC_ENOMEM : rc; /* cannot happen: read out before each push */
    if (c->mode == MODE_UNDECIDED && blanc__tcp_reasm_conn(c->tcp, NULL)) {
        c->tcp_ahead++;
        if (blanc__tcp_reasm_buffered(c->tcp) >= LOOKAHEAD_BYTES ||
            c->tcp_ahead >= LOOKAHEAD_PACKETS)
            c->mode = MODE_TCP;
    }
    return 0;
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
    if (pk->kind == CAP_TCP) {
        c->tcp_packets++;
        return feed_tcp(c, pk);
    }
    if (pk->kind != CAP_UDP) {
        c->skipped++; /* not IPv4 UDP or TCP */
        return 0;
    }
    c->udp_packets++;
    if (c->mode == MODE_TCP)
        return 0;
    mold_origin from = {pk->dst_ip, pk->dst_port, pk->number, pk->offset, pk->ts_ns};
    /* A payload that is no MoldUDP64 packet: the stream counts it and carries
     * its damage to its next message itself. */
    int rc;
    if (pk->lent) {
        rc = c->mode == MODE_MOLD
                 ? blanc__mold_stream_push_direct(c->mold, &from, pk->payload, pk->len)
                 : 0;
        if (rc)
            return rc < 0 ? rc : 0;
        rc = blanc__mold_stream_push_lent(c->mold, &from, pk->payload, pk->len);
    } else {
        rc = blanc__mold_stream_push(c->mold, &from, pk->payload, pk->len);
    }
    if (rc == 0 && c->mode == MODE_UNDECIDED)
        decide_mold(c);
    return rc < 0 && rc != BLANC_EBADPACKET ? rc : 0;
}

/* The input ended (how), at offset: release what the stream holds. */
static void finish(capfeed *c, blanc_feed_how how, int error, uint64_t offset)
{
    if (c->mode == MODE_UNDECIDED) {
        if (c->tcp && blanc__tcp_reasm_conn(c->tcp, NULL))
            c->mode = MODE_TCP;
        else
            decide_mold(c);
    }
    if (c->mode == MODE_TCP) {
        blanc__tcp_reasm_finish(c->tcp);
    } else {
        blanc__mold_stream_flush(c->mold);
        /* An end of session held behind a gap comes out in the flush. */
        if (how == BLANC_END_EOF && blanc__mold_stream_ended(c->mold))
            how = BLANC_END_MARKER;
    }
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
    if (rc == BLANC_ENOMEM)
        return rc; /* copying lent packets before the window moved */
    if (rc == 0)
        finish(c, BLANC_END_EOF, 0, pk.offset);
    else if (rc == BLANC_ETRUNCATED)
        finish(c, BLANC_END_TRUNCATED, 0, pk.offset);
    else if (rc == BLANC_ECORRUPT || rc == BLANC_ESTREAMCUT)
        finish(c, BLANC_END_CUT, rc, pk.offset);
    else {
        /* EBADPACKET: a record libpcap's rules cannot read on from; EIO. */
        snprintf(c->why, sizeof c->why, "packet %llu, record at byte %llu: %s",
                 (unsigned long long)pk.number, (unsigned long long)pk.offset,
                 rc == BLANC_EBADPACKET ? blanc__capture_error(c->cap) : blanc_strerror(rc));
        finish(c, BLANC_END_ERROR, rc, pk.offset);
    }
    return 0;
}

/*
 * The common case in runs: while the MoldUDP64 stream would take packets the
 * direct way, the capture's fast walk looks at the next few in its window and
 * the stream takes them straight into the batch, both in one loop each, with
 * no cap_packet, decode() or feed_packet() per packet. The stream stops where
 * the batch is full (as the loop in cf_next would stop reading) or at the
 * first packet it would not take directly; that one is then read the general
 * way. Same packets, same order, same counters: only fewer calls.
 */
static int fast_run(capfeed *c, size_t cap)
{
    udp_span buf[SPAN_RUN];
    while (blanc__mold_stream_direct_ok(c->mold)) {
        size_t room = cap - blanc__mold_stream_ready(c->mold);
        const udp_span *sp;
        size_t seen;
        size_t n =
            blanc__capture_peek_udp(c->cap, buf, room < SPAN_RUN ? room : SPAN_RUN, &sp, &seen);
        if (n == 0)
            return 0;
        int err;
        size_t k = blanc__mold_stream_push_spans(c->mold, sp, n, seen, &err);
        if (k) {
            blanc__capture_advance(c->cap, &sp[k - 1]);
            c->packets += k;
            c->udp_packets += k;
            c->base.offset = sp[k - 1].end;
        }
        if (err)
            return err;
        if (k < n || blanc__mold_stream_ready(c->mold) >= cap)
            return 0;
    }
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

static int take(capfeed *c, blanc_msg *out, size_t cap)
{
    if (c->mode == MODE_TCP)
        return blanc__tcp_reasm_take(c->tcp, out, cap);
    return blanc__mold_stream_take(c->mold, out, cap);
}

static int stream_ended(const capfeed *c)
{
    if (c->mode == MODE_TCP)
        return blanc__tcp_reasm_ended(c->tcp);
    return blanc__mold_stream_ended(c->mold);
}

/* The end, with the damage no message carried. */
static void end_now(capfeed *c)
{
    blanc_feed *f = &c->base;
    f->end = c->done_end;
    uint32_t damage = c->damage;
    uint64_t at = c->damage_at;
    if (c->mode == MODE_TCP) {
        uint32_t d;
        uint64_t a;
        blanc__tcp_reasm_pending_damage(c->tcp, &d, &a);
        if (d && (!damage || a < at))
            at = a;
        damage += d;
        if (f->end.how == BLANC_END_EOF && blanc__tcp_reasm_ended(c->tcp))
            f->end.how = BLANC_END_MARKER; /* a Z behind a hole, read after the finish */
        else if (f->end.how == BLANC_END_EOF && blanc__tcp_reasm_truncated(c->tcp))
            f->end.how = BLANC_END_TRUNCATED; /* the capture ends inside a Soup packet */
    }
    f->end.damage = damage;
    f->end.damage_kind = damage ? BLANC_AN_BAD_PACKET : 0;
    f->end.damage_at = damage ? at : 0;
    c->damage = 0;
    if (f->end.how == BLANC_END_EOF && c->has_selection &&
        (c->mode == MODE_TCP ? !blanc__tcp_reasm_conn(c->tcp, NULL)
                             : blanc__mold_stream_selected(c->mold) == 0)) {
        f->end.how = BLANC_END_ERROR; /* nothing the selection names was seen */
        f->end.error = BLANC_ENOSESSION;
    }
}

static int cf_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    capfeed *c = (capfeed *)f;
    if (f->end.how != BLANC_END_NONE || cap == 0)
        return 0;
    c->alone = 0;
    c->behind = 0;
    if (c->mode != MODE_TCP)
        blanc__mold_stream_direct_begin(c->mold, out, cap);
    for (;;) {
        /* MoldUDP64: a batch, read on while the stream has fewer than cap
         * ready. Runs of damage stay bounded: before any message by
         * DAMAGE_RUN, behind the batch's messages by ending the batch. (The
         * TCP reassembler wants its messages taken before the next push.) */
        while (c->mode == MODE_MOLD && !c->done && !c->behind && c->damage < DAMAGE_RUN &&
               blanc__mold_stream_ready(c->mold) < cap && !blanc__mold_stream_ended(c->mold)) {
            int rc = fast_run(c, cap);
            if (rc < 0)
                return rc;
            if (blanc__mold_stream_ready(c->mold) >= cap)
                break;
            rc = read_packet(c);
            if (rc < 0)
                return rc;
        }
        int n = c->mode == MODE_UNDECIDED ? 0 : take(c, out, cap);
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
            end_now(c);
            settle(c);
            return 0;
        }
        if (c->mode != MODE_UNDECIDED && stream_ended(c)) {
            finish(c, BLANC_END_MARKER, 0, f->offset);
            continue;
        }
        int rc = read_packet(c);
        if (rc < 0)
            return rc;
    }
}

static void cf_consume(blanc_feed *f, size_t k)
{
    capfeed *c = (capfeed *)f;
    if (k == 0) {
        settle(c);
        return;
    }
    c->damage = 0; /* handed over on the first of them */
    if (c->alone)
        c->alone = 0;
    else if (c->mode == MODE_TCP)
        blanc__tcp_reasm_consume(c->tcp, k);
    else
        blanc__mold_stream_consume(c->mold, k);
    settle(c);
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
    blanc__capture_sync(c->cap); /* the digest is compared next */
    return f->offset == offset ? 0 : BLANC_EMISMATCH;
}

static int cf_save(const blanc_feed *f, uint8_t **blob, size_t *len)
{
    const capfeed *c = (const capfeed *)f;
    uint8_t *inner = NULL, *tb = NULL;
    size_t n = 0, tn = 0;
    int rc = blanc__mold_stream_save(c->mold, &inner, &n);
    if (rc == 0 && c->tcp)
        rc = blanc__tcp_reasm_save(c->tcp, &tb, &tn);
    uint8_t *b = rc < 0 ? NULL : malloc(BLOB_HEAD + n + tn);
    if (!b) {
        free(inner);
        free(tb);
        return rc < 0 ? rc : BLANC_ENOMEM;
    }
    blanc_put_le32(b, BLOB_MAGIC);
    blanc_put_le32(b + 4, BLOB_VERSION);
    blanc_put_le64(b + 8, c->packets);
    blanc_put_le64(b + 16, c->skipped);
    blanc_put_le64(b + 24, c->bad_packets);
    blanc_put_le64(b + 32, c->damage);
    blanc_put_le64(b + 40, c->damage_at);
    blanc_put_le64(b + 48, (uint64_t)c->mode | (uint64_t)(c->tcp != NULL) << 8);
    blanc_put_le64(b + 56, c->udp_packets);
    blanc_put_le64(b + 64, c->tcp_packets);
    blanc_put_le64(b + 72, c->tcp_filtered);
    blanc_put_le64(b + 80, c->tcp_ahead);
    blanc_put_le64(b + 88, n);
    if (n)
        memcpy(b + BLOB_HEAD, inner, n);
    if (tn)
        memcpy(b + BLOB_HEAD + n, tb, tn);
    free(inner);
    free(tb);
    *blob = b;
    *len = BLOB_HEAD + n + tn;
    return 0;
}

/* Version 1 (before TCP was followed): the MoldUDP64 stream alone, TCP
 * packets counted as skipped; it restores as decided for MoldUDP64. */
static int cf_restore(blanc_feed *f, const uint8_t *blob, size_t len)
{
    capfeed *c = (capfeed *)f;
    if (len < BLOB_HEAD_V1 || blanc_le32(blob) != BLOB_MAGIC)
        return BLANC_EBADSNAP;
    uint32_t version = blanc_le32(blob + 4);
    if (version != 1 && version != BLOB_VERSION)
        return BLANC_EBADSNAP;
    uint64_t damage = blanc_le64(blob + 32);
    if (damage > DAMAGE_RUN)
        return BLANC_EBADSNAP;
    size_t head = BLOB_HEAD_V1, n = len - BLOB_HEAD_V1;
    uint64_t mode = MODE_MOLD, has_tcp = 0;
    if (version == BLOB_VERSION) {
        if (len < BLOB_HEAD)
            return BLANC_EBADSNAP;
        head = BLOB_HEAD;
        mode = blanc_le64(blob + 48) & 0xff;
        has_tcp = blanc_le64(blob + 48) >> 8;
        uint64_t m = blanc_le64(blob + 88);
        if (mode > MODE_TCP || has_tcp > 1 || m > len - BLOB_HEAD ||
            (has_tcp && (!c->tcp_allowed || mode == MODE_MOLD)) ||
            (!has_tcp && (mode == MODE_TCP || (c->tcp && mode != MODE_MOLD))) ||
            (!has_tcp && m != len - BLOB_HEAD))
            return BLANC_EBADSNAP;
        n = (size_t)m;
        if (has_tcp && !c->tcp) {
            /* Made at the selected server's first packet, before the snapshot. */
            tcp_reasm_options to = {0, 0};
            int rc = blanc__tcp_reasm_blob_port(blob + head + n, len - head - n, &to.server_port);
            if (rc == 0)
                rc = blanc__tcp_reasm_create(&c->tcp, &to);
            if (rc < 0)
                return rc;
        }
    }
    int rc = blanc__mold_stream_restore(c->mold, blob + head, n);
    if (rc == 0 && has_tcp)
        rc = blanc__tcp_reasm_restore(c->tcp, blob + head + n, len - head - n);
    if (rc < 0)
        return rc;
    c->mode = (int)mode;
    if (mode == MODE_MOLD) {
        blanc__tcp_reasm_free(c->tcp);
        c->tcp = NULL;
    }
    c->packets = blanc_le64(blob + 8);
    c->skipped = blanc_le64(blob + 16);
    c->bad_packets = blanc_le64(blob + 24);
    c->damage = (uint32_t)damage;
    c->damage_at = blanc_le64(blob + 40);
    if (version == BLOB_VERSION) {
        c->udp_packets = blanc_le64(blob + 56);
        c->tcp_packets = blanc_le64(blob + 64);
        c->tcp_filtered = blanc_le64(blob + 72);
        c->tcp_ahead = blanc_le64(blob + 80);
    }
    return 0;
}

static void cf_transport(const blanc_feed *f, blanc_transport_stats *st)
{
    const capfeed *c = (const capfeed *)f;
    if (c->mode == MODE_TCP) {
        /* Every UDP packet is another protocol for the TCP stream. */
        blanc__tcp_reasm_stats(c->tcp, st);
        st->skipped += c->udp_packets + c->tcp_filtered;
    } else {
        blanc__mold_stream_stats(c->mold, st);
        st->skipped += c->tcp_packets;
    }
    st->packets = c->packets; /* every packet, not only those the stream saw */
    st->skipped += c->skipped;
    st->bad_packets += c->bad_packets;
}

static const char *cf_session_name(const blanc_feed *f, uint32_t s)
{
    const capfeed *c = (const capfeed *)f;
    if (c->mode == MODE_TCP)
        return blanc__tcp_reasm_session_name(c->tcp, s);
    return blanc__mold_stream_session_name(c->mold, s);
}

static const char *cf_end_detail(const blanc_feed *f)
{
    const capfeed *c = (const capfeed *)f;
    return c->why[0] ? c->why : NULL;
}

static unsigned cf_helpers(const blanc_feed *f)
{
    const capfeed *c = (const capfeed *)f;
    return c->cap && blanc__capture_ahead_started(c->cap) ? BLANC_HELPER_WALK : 0;
}

static void cf_free(blanc_feed *f)
{
    capfeed *c = (capfeed *)f;
    blanc__capture_free(c->cap);
    blanc__mold_stream_free(c->mold);
    blanc__tcp_reasm_free(c->tcp);
}

static const feed_ops capture_ops = {
    .next = cf_next,
    .consume = cf_consume,
    .skip = cf_skip,
    .save = cf_save,
    .restore = cf_restore,
    .transport = cf_transport,
    .session_name = cf_session_name,
    .free = cf_free,
    .end_detail = cf_end_detail,
    .helpers = cf_helpers,
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
    /* TCP: --session names MoldUDP64 sessions only; --channel names the
     * SoupBinTCP server's address (the reassembler is made at its first
     * packet); without a selection it locks on by content. */
    c->tcp_allowed = !o || o->n_sessions == 0;
    if (rc == 0 && c->tcp_allowed && o && o->n_channels) {
        if (o->n_channels > MAX_TCP_SEL)
            rc = BLANC_EINVAL;
        for (size_t i = 0; rc == 0 && i < o->n_channels; i++) {
            tcp_sel *t = &c->sel[c->n_sel++];
            rc = blanc__mold_parse_channel(o->channels[i], &t->ip, &t->port);
        }
        if (rc < 0)
            blanc__mold_stream_free(c->mold);
    } else if (rc == 0 && c->tcp_allowed) {
        rc = blanc__tcp_reasm_create(&c->tcp, NULL);
        if (rc < 0)
            blanc__mold_stream_free(c->mold);
    }
    if (rc == 0) {
        rc = blanc__capture_open(&c->cap, src, why, cap);
        if (rc < 0) {
            blanc__mold_stream_free(c->mold);
            blanc__tcp_reasm_free(c->tcp);
        } else {
            blanc__capture_lend(c->cap, release_lent, c);
        }
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
