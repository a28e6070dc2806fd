/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SoupBinTCP 3.00 (docs/FEEDS.md "SoupBinTCP"): packet parsing (soup.c,
 * stateless, in the picohttpparser manner) and the stream that turns the
 * server's byte stream into sequenced ITCH messages (soup_stream.c). Used by
 * the byte-stream feed (feed_soup.c) and, behind TCP reassembly
 * (tcp_reasm.c), by the capture feed.
 *
 * A packet: 2-byte big-endian length (of the type byte and the payload),
 * 1-byte type, payload. Server packets: '+' debug, 'A' login accepted
 * (session 10, sequence number 20: ASCII, space padded on the left), 'J'
 * login rejected, 'S' sequenced data (one ITCH message), 'H' heartbeat, 'Z'
 * end of session. Client packets ('L' login request, 'U' unsequenced data,
 * 'R' heartbeat, 'O' logout request) may sit in a captured two-way stream:
 * they are parsed and skipped.
 */
#ifndef BLANC_SOUP_H
#define BLANC_SOUP_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

#define SOUP_HEADER 3               /* length(2) type(1) */
#define SOUP_MAX_FRAME (2 + 65535)  /* the largest packet, length field included */
#define SOUP_SESSION_LEN 10
#define SOUP_SEQ_LEN 20
#define SOUP_LOGIN_ACCEPTED_LEN (1 + SOUP_SESSION_LEN + SOUP_SEQ_LEN) /* length field of 'A' */
#define SOUP_LOGIN_REQUEST_LEN (1 + 6 + 10 + SOUP_SESSION_LEN + SOUP_SEQ_LEN)

typedef struct soup_packet {
    uint8_t type;
    const uint8_t *payload; /* after the type byte */
    size_t len;             /* payload bytes: the length field minus 1 */
} soup_packet;

/*
 * Parse one packet at p[0..n). picohttpparser contract:
 *   > 0               bytes consumed (2 + length field); *out set
 *   BLANC_ETRUNCATED  p holds only part of the packet: call again with more
 *   BLANC_EBADPACKET  not a packet: length 0, an unknown type, a length its
 *                     type cannot have, or a login accepted whose session or
 *                     number is not ASCII alphanumeric / digits
 * The verdict on the type and length comes from the 3 header bytes alone, so
 * damage is reported without waiting for a length that may be garbage.
 */
int blanc__soup_parse(const uint8_t *p, size_t n, soup_packet *out);

/* The verdict of the header alone (length and type): 0 a packet of this type
 * may start here, BLANC_ETRUNCATED fewer than 3 bytes (and not yet bad),
 * BLANC_EBADPACKET. */
int blanc__soup_header(const uint8_t *p, size_t n);

/*
 * Whether a parsed packet is also plausible on its content, the stricter test
 * used to find packet boundaries again after damage and to recognise a stream
 * by content: an 'S' payload is one ITCH message of exactly its type's length,
 * debug and login request text is printable, a rejection reason is 'A' or
 * 'S'. Unsequenced data ('U') has no content rule and is never plausible.
 */
int blanc__soup_plausible(const soup_packet *pk);

/* Login accepted: the session name (leading spaces dropped, NUL-terminated)
 * and the sequence number of the next sequenced message. 0, or
 * BLANC_EBADPACKET when the number is all spaces or above 2^64 - 1. */
int blanc__soup_login(const soup_packet *pk, char session[SOUP_SESSION_LEN + 1], uint64_t *seq);

/* ------------------------------------------------------------------------ */

typedef struct soup_stream soup_stream;

int blanc__soup_stream_create(soup_stream **out);
void blanc__soup_stream_free(soup_stream *s);

/*
 * The stream bytes from blanc__soup_stream_offset(s) on are p[0..n); eof:
 * nothing follows them. Parses up to cap sequenced messages into out: p, len,
 * session, seq (from the last login accepted, counting each 'S'; 0 while no
 * login accepted gave the number, and again after damage), offset (stream
 * offset of the packet's length field), lost, damage fields; packet 0. The
 * messages point into p: they stay valid as long as p does and until the next
 * take() or consume().
 * Returns the count. Nothing is committed until consume(); but a take that
 * returns 0 commits what it read (heartbeats, skipped packets, damage), so
 * the caller can drop those bytes: offset() has moved past them.
 * It stops after an end of session ('Z'): ended() then says so.
 */
int blanc__soup_stream_take(soup_stream *s, const uint8_t *p, size_t n, int eof, blanc_msg *out,
                            size_t cap);
/* The first k messages of the last take() were used (k up to its count). */
void blanc__soup_stream_consume(soup_stream *s, size_t k);
/* Stream bytes committed: the next take() starts there. */
uint64_t blanc__soup_stream_offset(const soup_stream *s);
/* Go to stream offset off (a resume's source skip) without reading to it:
 * the state is a fresh stream's until restore(). */
void blanc__soup_stream_seek(soup_stream *s, uint64_t off);
/*
 * Bytes are missing: the stream bytes [offset(), at) were the last before a
 * hole of missing bytes (TCP reassembly gave up on it). They are dropped with
 * the hole as one damaged packet (anomaly bad_packet on the next message);
 * the stream goes on at at + missing, looking for a packet boundary, with the
 * sequence number unknown. Call it when take() over [offset(), at) with eof
 * returned 0.
 */
void blanc__soup_stream_gap(soup_stream *s, uint64_t at, uint64_t missing);
/* An end of session ('Z') was committed. */
int blanc__soup_stream_ended(const soup_stream *s);
/* Damage committed but not yet reported on a message (for blanc_feed_end). */
void blanc__soup_stream_pending_damage(const soup_stream *s, uint32_t *damage, uint64_t *at);
/* Whether the stream is looking for a packet boundary after damage: at the
 * end of input the bytes left are then damage, not a truncated packet. */
int blanc__soup_stream_resyncing(const soup_stream *s);
void blanc__soup_stream_stats(const soup_stream *s, blanc_transport_stats *st);
/* Session number s (1..) as the login accepted named it, or NULL. */
const char *blanc__soup_stream_session_name(const soup_stream *s, uint32_t n);
/* Committed state for snapshots (offset, numbers, sessions, counters). */
int blanc__soup_stream_save(const soup_stream *s, uint8_t **blob, size_t *len);
int blanc__soup_stream_restore(soup_stream *s, const uint8_t *blob, size_t len);

#endif
