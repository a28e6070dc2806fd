/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The SoupBinTCP stream (soup.h): packets in, sequenced ITCH messages out.
 *
 * The stream owns no bytes. take() reads a window the caller holds (a source
 * window, or the TCP reassembler's buffer) starting at the committed offset,
 * into a tentative copy of the state; consume(k) makes that copy the state
 * (k = all), or reads the first k messages again from the committed state (a
 * pause: rare, and bounded by what was taken). So nothing can be counted
 * twice, and a snapshot's state is always at a message boundary.
 *
 * Sequence numbers: a login accepted gives the number of the next 'S'; each
 * 'S' takes one. A second login accepted of a session seen before (a
 * reconnect) is checked against how far that session got: a higher number is
 * a gap (certain loss: lost on the next message), a lower one replays
 * messages already delivered (dropped, counted as duplicates). How far a
 * session got is kept across damage too, which forgets the current number.
 *
 * Damage: a packet the parser rejects (unknown type, impossible length) is
 * one bad_packet, reported on the next message. The stream then scans
 * forward one byte at a time for a packet boundary: a position where a
 * plausible packet (soup.h: an 'S' must hold one ITCH message of exactly its
 * length) is followed by a valid packet header (its 3 bytes alone) or by the
 * end of input. Each
 * position is judged once, in O(1), from at most one packet plus 3 bytes, so
 * hostile input stays linear. Messages may have been lost in the damage and
 * Soup does not number them: the sequence number is unknown (0) until the
 * next login accepted.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/soup.h"

/* Session names kept (for names and reconnect accounting); sessions past
 * this still get numbers and counts. Bounded whatever the input says. */
#define SOUP_MAX_SESSIONS 16

typedef struct soup_session {
    char name[SOUP_SESSION_LEN + 1];
    uint64_t next;  /* every 'S' below it was delivered; 0 unknown */
    uint64_t extra; /* 'S' delivered with the number unknown (after damage), at
                       or above next: up to next + extra may be delivered */
} soup_session;

typedef struct soup_state {
    uint64_t offset;    /* stream offset of the next unread byte */
    uint64_t seq;       /* number of the next 'S'; 0 unknown */
    uint64_t dup_below; /* 'S' numbered below this were delivered before */
    uint64_t lost;      /* certain loss to report on the next message */
    uint64_t damage_at;
    uint64_t unknown;   /* 'S' delivered since the number became unknown */
    uint32_t damage;    /* bad packets to report on the next message */
    uint32_t session;   /* current session number, 0 none */
    uint32_t n_sessions;
    uint8_t resync, ended;
    blanc_transport_stats st;
    soup_session sess[SOUP_MAX_SESSIONS];
} soup_state;

/* What the resync learnt of printable bytes (stream offsets): [from, to)
 * are all printable; bad: the byte at `to` is not. The scan moves forward a
 * byte at a time and a debug or login request packet it tries may be 64 KiB
 * long, so each byte is judged here once, not once a position. Only a speed-
 * up: the stream's bytes at an offset never change, and a fresh stream (a
 * resume) starts empty. */
typedef struct print_run {
    uint64_t from, to;
    int bad;
} print_run;

struct soup_stream {
    soup_state done, tent;
    print_run pr;
    /* The last take(): consume(k < count) reads its first k messages again. */
    const uint8_t *p;
    size_t n, taken;
    int eof;
};

int blanc__soup_stream_create(soup_stream **out)
{
    soup_stream *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    *out = s;
    return 0;
}

void blanc__soup_stream_free(soup_stream *s) { free(s); }

/* Whether the n bytes at p, stream offset at, are all printable. */
static int printable_at(print_run *pr, const uint8_t *p, uint64_t at, size_t n)
{
    uint64_t end = at + n;
    size_t i = 0;
    if (pr->from <= at && at <= pr->to) {
        if (end <= pr->to)
            return 1;
        if (pr->bad)
            return 0; /* the byte at pr->to is among them */
        i = (size_t)(pr->to - at);
    } else {
        pr->from = at;
    }
    while (i < n && p[i] >= 0x20 && p[i] <= 0x7e)
        i++;
    pr->to = at + i;
    pr->bad = i < n;
    return !pr->bad;
}

/* A boundary candidate at q[0..m), stream offset at, after damage: 1 yes,
 * 0 no, -1 need more. */
static int candidate(print_run *pr, const uint8_t *q, size_t m, uint64_t at, int eof)
{
    soup_packet pk;
    int rc = blanc__soup_parse(q, m, &pk);
    if (rc == BLANC_ETRUNCATED)
        return eof ? 0 : -1;
    int ok = rc >= 0 && (pk.type == '+' || pk.type == 'L'
                             ? printable_at(pr, pk.payload, at + (uint64_t)(pk.payload - q), pk.len)
                             : blanc__soup_plausible(&pk));
    if (!ok)
        return 0;
    size_t rem = m - (size_t)rc;
    if (rem == 0)
        return eof ? 1 : -1;
    /* The next header alone, never its content: the verdict must not depend
     * on how many bytes of the next packet the window happens to hold. */
    int r2 = blanc__soup_header(q + rc, rem);
    if (r2 == BLANC_EBADPACKET)
        return 0;
    if (r2 == 0 || eof)
        return 1;
    return -1;
}

/* How far the current session got, kept for its next login accepted (a
 * reconnect) before the number is forgotten. */
static void note_progress(soup_state *t)
{
    if (t->session && t->session <= SOUP_MAX_SESSIONS) {
        soup_session *c = &t->sess[t->session - 1];
        if (t->seq > c->next) {
            uint64_t reach = c->next + c->extra; /* kept: still a bound for gaps */
            c->extra = reach > t->seq ? reach - t->seq : 0;
            c->next = t->seq;
        } else if (!t->seq) {
            c->extra += t->unknown;
        }
    }
    t->unknown = 0;
}

static void damaged(soup_state *t)
{
    /* The number becomes unknown, but what was delivered before the damage
     * stays delivered: a reconnect replaying it must find it duplicate. */
    note_progress(t);
    if (!t->damage)
        t->damage_at = t->offset;
    t->damage++;
    t->st.bad_packets++;
    t->resync = 1;
    t->seq = 0;
    t->dup_below = 0;
}

static void login(soup_state *t, const soup_packet *pk)
{
    char name[SOUP_SESSION_LEN + 1];
    uint64_t seq = 0;
    (void)blanc__soup_login(pk, name, &seq); /* the parser checked it */
    note_progress(t);
    uint32_t kept = t->n_sessions < SOUP_MAX_SESSIONS ? t->n_sessions : SOUP_MAX_SESSIONS;
    uint32_t i = 0;
    while (i < kept && strcmp(t->sess[i].name, name) != 0)
        i++;
    t->seq = seq;
    t->dup_below = 0;
    if (i == kept) {
        t->n_sessions++;
        t->st.sessions++;
        t->session = t->n_sessions;
        if (t->n_sessions <= SOUP_MAX_SESSIONS) {
            memcpy(t->sess[i].name, name, sizeof name);
            t->sess[i].next = 0;
            t->sess[i].extra = 0;
        }
        return;
    }
    t->session = i + 1;
    uint64_t e = t->sess[i].next;
    if (!seq || !e)
        return;
    /* Messages delivered unnumbered may have been any of e.. : only what
     * they cannot account for is certainly lost. */
    uint64_t reached = e + t->sess[i].extra;
    if (seq > reached) {
        t->lost += seq - reached;
        t->st.gaps++;
        t->st.lost_messages += seq - reached;
    } else if (seq < e) {
        t->dup_below = e;
    }
}

/* Read from t (a copy of the committed state at p[0]) up to cap messages. */
static size_t run(print_run *pr, soup_state *t, const uint8_t *p, size_t n, int eof,
                  blanc_msg *out, size_t cap)
{
    size_t pos = 0, got = 0;
    uint64_t base = t->offset;
    while (got < cap && !t->ended) {
        t->offset = base + pos;
        if (t->resync) {
            int c = candidate(pr, p + pos, n - pos, base + pos, eof);
            if (c < 0)
                break;
            if (c == 0) {
                if (pos == n)
                    break;
                pos++;
                continue;
            }
            t->resync = 0;
        }
        soup_packet pk;
        int rc = blanc__soup_parse(p + pos, n - pos, &pk);
        if (rc == BLANC_ETRUNCATED)
            break;
        if (rc < 0) {
            damaged(t);
            pos++;
            continue;
        }
        t->st.packets++;
        switch (pk.type) {
        case 'S':
            if (t->seq && t->seq < t->dup_below) {
                t->st.duplicates++;
                t->seq++;
                break;
            }
            {
                blanc_msg *m = &out[got++];
                m->p = pk.payload;
                m->len = (uint32_t)pk.len;
                m->damage = t->damage;
                m->damage_kind = t->damage ? (uint8_t)BLANC_AN_BAD_PACKET : 0;
                m->damage_at = t->damage ? t->damage_at : 0;
                m->session = t->session;
                m->offset = t->offset;
                m->packet = 0;
                m->seq = t->seq;
                m->lost = t->lost;
            }
            t->damage = 0;
            t->lost = 0;
            t->st.messages++;
            if (t->seq)
                t->seq++;
            else
                t->unknown++;
            break;
        case 'A': login(t, &pk); break;
        case 'H': t->st.heartbeats++; break;
        case 'Z': t->ended = 1; break;
        default: t->st.skipped++; break; /* + J L U R O */
        }
        pos += (size_t)rc;
    }
    t->offset = base + pos;
    return got;
}

int blanc__soup_stream_take(soup_stream *s, const uint8_t *p, size_t n, int eof, blanc_msg *out,
                            size_t cap)
{
    s->tent = s->done;
    s->p = p;
    s->n = n;
    s->eof = eof;
    s->taken = run(&s->pr, &s->tent, p, n, eof, out, cap);
    if (!s->taken)
        s->done = s->tent;
    return (int)s->taken;
}

void blanc__soup_stream_consume(soup_stream *s, size_t k)
{
    if (k >= s->taken) {
        s->done = s->tent;
    } else if (k) {
        /* Read the first k again; out is scratch (their fields are not kept). */
        blanc_msg scratch[64];
        soup_state t = s->done;
        const uint8_t *p = s->p;
        size_t n = s->n;
        while (k) {
            size_t want = k < 64 ? k : 64;
            size_t got = run(&s->pr, &t, p, n, s->eof, scratch, want);
            size_t adv = (size_t)(t.offset - s->done.offset);
            p = s->p + adv;
            n = s->n - adv;
            k -= got;
            if (got < want)
                break; /* cannot happen: the first take found them */
        }
        s->done = t;
    }
    s->taken = 0;
}

uint64_t blanc__soup_stream_offset(const soup_stream *s) { return s->done.offset; }

void blanc__soup_stream_seek(soup_stream *s, uint64_t off)
{
    memset(&s->done, 0, sizeof s->done);
    s->done.offset = off;
    s->taken = 0;
}

void blanc__soup_stream_gap(soup_stream *s, uint64_t at, uint64_t missing)
{
    soup_state *t = &s->done;
    damaged(t);
    t->offset = at + missing;
    s->taken = 0;
}

int blanc__soup_stream_ended(const soup_stream *s) { return s->done.ended; }

int blanc__soup_stream_resyncing(const soup_stream *s) { return s->done.resync; }

void blanc__soup_stream_pending_damage(const soup_stream *s, uint32_t *damage, uint64_t *at)
{
    *damage = s->done.damage;
    *at = s->done.damage ? s->done.damage_at : 0;
}

void blanc__soup_stream_stats(const soup_stream *s, blanc_transport_stats *st) { *st = s->done.st; }

const char *blanc__soup_stream_session_name(const soup_stream *s, uint32_t n)
{
    /* Messages taken and not yet consumed may name a session whose login
     * accepted is only in the tentative state (names are only ever added). */
    const soup_state *t = s->taken ? &s->tent : &s->done;
    if (n == 0 || n > t->n_sessions || n > SOUP_MAX_SESSIONS)
        return NULL;
    return t->sess[n - 1].name;
}

/* ------------------------------------------------------------------------ */
/* Snapshot blob: "SOUP" 2, then fixed little-endian fields, then the kept
 * sessions (name length, name, next, extra). Version 1 has neither the
 * unknown count (the last fixed field) nor extra: it loads them as 0.
 * Restore checks every field's range.  */

#define BLOB_MAGIC "SOUP"
#define BLOB_VERSION 2
#define FIXED_V1 (5 + 8 * 8 + 2 + 8 * N_STATS)
#define SESSION_V1 (1 + SOUP_SESSION_LEN + 8)
/* The counters up to `unsequenced`, as version 1 has them: `late` (MoldUDP64
 * only) is never set here, and the blob keeps its size. */
#define N_STATS (offsetof(blanc_transport_stats, late) / sizeof(uint64_t))
_Static_assert(N_STATS == 12, "soup blob version 1: twelve transport counters");

static uint8_t *put64(uint8_t *w, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *w++ = (uint8_t)(v >> (8 * i));
    return w;
}

static uint64_t get64(const uint8_t *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)r[i] << (8 * i);
    return v;
}

int blanc__soup_stream_save(const soup_stream *s, uint8_t **blob, size_t *len)
{
    const soup_state *t = &s->done;
    uint32_t kept = t->n_sessions < SOUP_MAX_SESSIONS ? t->n_sessions : SOUP_MAX_SESSIONS;
    size_t n = FIXED_V1 + 8 + kept * (SESSION_V1 + 8);
    uint8_t *b = malloc(n), *w = b;
    if (!b)
        return BLANC_ENOMEM;
    memcpy(w, BLOB_MAGIC, 4);
    w[4] = BLOB_VERSION;
    w += 5;
    w = put64(w, t->offset);
    w = put64(w, t->seq);
    w = put64(w, t->dup_below);
    w = put64(w, t->lost);
    w = put64(w, t->damage_at);
    w = put64(w, t->damage);
    w = put64(w, t->session);
    w = put64(w, t->n_sessions);
    *w++ = t->resync;
    *w++ = t->ended;
    const uint64_t *st = &t->st.packets;
    for (size_t i = 0; i < N_STATS; i++)
        w = put64(w, st[i]);
    w = put64(w, t->unknown);
    for (uint32_t i = 0; i < kept; i++) {
        size_t k = strlen(t->sess[i].name);
        *w++ = (uint8_t)k;
        memset(w, 0, SOUP_SESSION_LEN);
        memcpy(w, t->sess[i].name, k);
        w += SOUP_SESSION_LEN;
        w = put64(w, t->sess[i].next);
        w = put64(w, t->sess[i].extra);
    }
    *blob = b;
    *len = n;
    return 0;
}

int blanc__soup_stream_restore(soup_stream *s, const uint8_t *blob, size_t len)
{
    if (len < FIXED_V1 || memcmp(blob, BLOB_MAGIC, 4) != 0 || blob[4] < 1 || blob[4] > BLOB_VERSION)
        return BLANC_EBADSNAP;
    int v2 = blob[4] == 2;
    size_t fixed = FIXED_V1 + (v2 ? 8 : 0), per = SESSION_V1 + (v2 ? 8 : 0);
    if (len < fixed)
        return BLANC_EBADSNAP;
    soup_state t;
    memset(&t, 0, sizeof t);
    const uint8_t *r = blob + 5;
    t.offset = get64(r);
    t.seq = get64(r + 8);
    t.dup_below = get64(r + 16);
    t.lost = get64(r + 24);
    t.damage_at = get64(r + 32);
    uint64_t damage = get64(r + 40), session = get64(r + 48), nsess = get64(r + 56);
    r += 64;
    if (damage > UINT32_MAX || nsess > UINT32_MAX || session > nsess || r[0] > 1 || r[1] > 1)
        return BLANC_EBADSNAP;
    t.damage = (uint32_t)damage;
    t.session = (uint32_t)session;
    t.n_sessions = (uint32_t)nsess;
    t.resync = r[0];
    t.ended = r[1];
    r += 2;
    uint64_t *st = &t.st.packets;
    for (size_t i = 0; i < N_STATS; i++, r += 8)
        st[i] = get64(r);
    if (v2) {
        t.unknown = get64(r);
        r += 8;
    }
    uint32_t kept = t.n_sessions < SOUP_MAX_SESSIONS ? t.n_sessions : SOUP_MAX_SESSIONS;
    if (len != fixed + kept * per)
        return BLANC_EBADSNAP;
    for (uint32_t i = 0; i < kept; i++) {
        size_t k = *r++;
        if (k > SOUP_SESSION_LEN)
            return BLANC_EBADSNAP;
        memcpy(t.sess[i].name, r, k);
        t.sess[i].name[k] = '\0';
        r += SOUP_SESSION_LEN;
        t.sess[i].next = get64(r);
        r += 8;
        if (v2) {
            t.sess[i].extra = get64(r);
            r += 8;
        }
    }
    if (t.offset != s->done.offset)
        return BLANC_EBADSNAP; /* not the position skip() reached */
    s->done = t;
    s->taken = 0;
    return 0;
}
