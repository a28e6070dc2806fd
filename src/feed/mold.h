/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * MoldUDP64 (docs/FEEDS.md): packet parsing (mold.c, stateless, in the
 * picohttpparser manner) and the stream that turns packets from one or more
 * channels into one sequenced message stream (mold_stream.c): sessions,
 * selection, gaps, duplicates, reordering within a bounded window, and A/B
 * arbitration (the first copy of each sequence number wins). Used by the
 * capture feed (feed_capture.c) and the live feed (feed_udp.c).
 */
#ifndef BLANC_MOLD_H
#define BLANC_MOLD_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

#define MOLD_HEADER 20           /* session(10) sequence(8) count(2) */
#define MOLD_HEARTBEAT 0         /* count */
#define MOLD_END_OF_SESSION 0xFFFF

typedef struct mold_packet {
    char session[10];     /* as sent: 10 alphanumeric bytes, space padded */
    uint64_t seq;         /* sequence number of the first message */
    uint16_t count;       /* messages; 0 heartbeat; 0xFFFF end of session */
    const uint8_t *blocks; /* count message blocks: 2-byte length, message */
    size_t len;
} mold_packet;

/* Parse a UDP payload. 0, or BLANC_EBADPACKET (shorter than the header, or
 * blocks that do not add up to the payload: count says more than it holds). */
int blanc__mold_parse(const uint8_t *p, size_t n, mold_packet *out);

/* Where a packet came from: its channel (destination group and port) and
 * where it lies in the input. */
typedef struct mold_origin {
    uint32_t group;   /* destination IPv4 address, host order */
    uint16_t port;    /* destination UDP port */
    uint64_t packet;  /* packet number in the capture, from 1 */
    uint64_t offset;  /* stream offset of the packet's record */
    uint64_t ts_ns;   /* capture time, ns since the epoch (0 if unknown) */
} mold_origin;

typedef struct mold_stream mold_stream;

typedef struct mold_stream_options {
    const char *const *channels; /* "GROUP:PORT" or ":PORT"; none: all */
    size_t n_channels;
    const char *const *sessions; /* session names (trailing spaces optional); none: the first seen */
    size_t n_sessions;
    uint32_t reorder_window;     /* packets held per session; 0: 64 */
    int account_all;             /* capture info: account every session, select none away */
} mold_stream_options;

/* BLANC_EINVAL for a malformed channel ("GROUP:PORT" expected), BLANC_ENOMEM. */
int blanc__mold_stream_create(mold_stream **out, const mold_stream_options *o);
/* A channel "A.B.C.D:PORT" or ":PORT" (any address; *group 0), the port
 * 1..65535: 0, or BLANC_EINVAL. The one parser of the selection's syntax
 * (the capture feed applies the same strings to a SoupBinTCP server). */
int blanc__mold_parse_channel(const char *s, uint32_t *group, uint16_t *port);
void blanc__mold_stream_free(mold_stream *m);

/*
 * One UDP payload. Copies what it must keep. Returns 0 (taken: messages may
 * now be ready), 1 (skipped: other channel or session, counted), a damaged
 * packet BLANC_EBADPACKET (counted; the feed reports it as anomaly bad_packet
 * on the next message), or BLANC_ENOMEM.
 */
int blanc__mold_stream_push(mold_stream *m, const mold_origin *from, const uint8_t *p, size_t n);
/* The same, but p stays valid (the caller lends it) until the caller calls
 * blanc__mold_stream_release(): a packet delivered in order is handed out in
 * place, not copied (packets held for reordering are still copied). */
int blanc__mold_stream_push_lent(mold_stream *m, const mold_origin *from, const uint8_t *p,
                                 size_t n);
/*
 * The direct path (mold_direct.c) for a caller that fills batches: begin()
 * names the batch out[cap] (messages a pause left are put there first);
 * push_direct() of a lent packet then writes its messages into it and returns
 * 1 when the packet is the plain in-order case (data, or a heartbeat: counted
 * only), else 0 (nothing done: push it
 * with push_lent()), or BLANC_ENOMEM. take() must then be given the same out;
 * it returns the direct messages first, then the queue's. consume() ends the
 * batch.
 */
void blanc__mold_stream_direct_begin(mold_stream *m, blanc_msg *out, size_t cap);
int blanc__mold_stream_push_direct(mold_stream *m, const mold_origin *from, const uint8_t *p,
                                   size_t n);
/* Whether push_direct() may take a packet now (of the last line's session,
 * in order): the stream's state allows it. */
int blanc__mold_stream_direct_ok(const mold_stream *m);
/* push_direct() of sp[0..n) in turn, stopping at the first it does not take:
 * how many it took (*err BLANC_ENOMEM when that one failed so, else 0).
 * sp[n..seen) may be read too, only to ask for their payloads early. */
struct udp_span;
size_t blanc__mold_stream_push_spans(mold_stream *m, const struct udp_span *sp, size_t n,
                                     size_t seen, int *err);
/* push() of a retransmission server's answer (a live feed's request socket):
 * the same sequencing; the messages it makes ready that were not yet
 * delivered are counted by recovered(). */
int blanc__mold_stream_push_answer(mold_stream *m, const mold_origin *o, const uint8_t *p,
                                   size_t n);
uint64_t blanc__mold_stream_recovered(const mold_stream *m);
/* The lent packets are about to go away: copy what is still ready of them.
 * 0 or BLANC_ENOMEM (then nothing changed; the lent bytes must stay). Messages
 * take() returned before are no longer valid. */
int blanc__mold_stream_release(mold_stream *m);
/* Messages (and marks) ready: what take() with a large enough cap returns. */
size_t blanc__mold_stream_ready(const mold_stream *m);
/* Damage the caller saw after the messages ready now (a capture's damaged
 * packet): carried, as a bad packet at offset at, by the next message the
 * stream makes ready, as the stream's own damage is (not counted here). */
void blanc__mold_stream_note_damage(mold_stream *m, uint64_t at);
/*
 * Messages ready in sequence order into out[cap], with seq, session, packet,
 * offset and lost (certain gaps) filled. Returns the count; the messages stay
 * valid until the next push(), take(), consume() or flush().
 * consume(k): the first k were used; the rest come first next time.
 */
int blanc__mold_stream_take(mold_stream *m, blanc_msg *out, size_t cap);
void blanc__mold_stream_consume(mold_stream *m, size_t k);
/* The input ended: what is held is released (missing numbers become gaps).
 * Loss or damage with no message after it comes out as a mark: a blanc_msg
 * with p NULL, len 0, carrying lost (seq = the next number) or damage. */
void blanc__mold_stream_flush(mold_stream *m);
/* Every selected session seen (at least one) has reached its end-of-session
 * packet in sequence (what came before it delivered or declared lost). */
int blanc__mold_stream_ended(const mold_stream *m);
/* A packet with sequence number 0 and messages was seen (anonymized
 * captures): its messages pass in arrival order, unaccounted; warn once. */
int blanc__mold_stream_unsequenced(const mold_stream *m);
/* Sessions seen that are selected (0 with names given: none of them seen,
 * BLANC_ENOSESSION for the feed). */
uint32_t blanc__mold_stream_selected(const mold_stream *m);
/* The first hole a selected session is waiting on (packets held behind it):
 * 1 with its session (1-based) and the missing numbers from .. from + count - 1,
 * or 0. What a live feed re-requests before the window gives the hole up. */
int blanc__mold_stream_missing(const mold_stream *m, uint32_t *session, uint64_t *from,
                               uint64_t *count);
/* The session named name (10 bytes, space padded, as packets carry it): its
 * number (1-based, as in blanc_msg.session), or 0 when no packet of it was seen. */
uint32_t blanc__mold_stream_session_index(const mold_stream *m, const char name[10]);
/* Give up the lowest hole of session s (1-based): the numbers missing before
 * its lowest held packet become a certain gap and what that hole blocked is
 * made ready, up to the next hole, which stays held (unlike flush(), which
 * gives up every hole at once). 1 with *next the number the session now
 * expects, 0 when nothing is held (nothing changed), or BLANC_ENOMEM. */
int blanc__mold_stream_give_up_hole(mold_stream *m, uint32_t s, uint64_t *next);
void blanc__mold_stream_stats(const mold_stream *m, blanc_transport_stats *st);
const char *blanc__mold_stream_session_name(const mold_stream *m, uint32_t s);
/* State for snapshots (held packets, next numbers, counters). */
int blanc__mold_stream_save(const mold_stream *m, uint8_t **blob, size_t *len);
int blanc__mold_stream_restore(mold_stream *m, const uint8_t *blob, size_t len);

/* capture info: per channel and session. */
typedef struct mold_session_info {
    char session[11];         /* NUL-terminated, trailing spaces kept out */
    uint32_t group;
    uint16_t port;
    uint64_t packets, messages, first_seq, last_seq, first_ts_ns, last_ts_ns;
    uint64_t gaps, lost, duplicates, out_of_order, heartbeats;
    uint64_t arbitrated;      /* copies dropped: the other line was first */
    uint64_t late;            /* messages after their numbers were declared lost */
    int selected;             /* its messages are delivered */
    int ended;                /* end of session seen */
} mold_session_info;
/* Number of (channel, session) pairs; info i into *out. Gap ranges:
 * blanc__mold_stream_gap(m, i, k, &from, &to) for k < info.gaps (first 1000 kept). */
size_t blanc__mold_stream_info_count(const mold_stream *m);
int blanc__mold_stream_info(const mold_stream *m, size_t i, mold_session_info *out);
int blanc__mold_stream_gap(const mold_stream *m, size_t i, uint64_t k, uint64_t *from, uint64_t *to);

#endif
