/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * TCP reassembly for one direction of one connection (tcp_reasm.h).
 *
 * Three stores, each bounded:
 *   - buf: bytes delivered in order and not yet committed by the soup
 *     stream, in pieces; a new piece starts after a hole given up, so the
 *     stream can be told of the hole (blanc__soup_stream_gap) exactly when
 *     it has read everything before it;
 *   - a ring of `window` bytes with a presence bitmap, for data that came
 *     ahead of a hole (out of order). When the hole closes, the run of
 *     present bytes at the front moves to buf. When a segment lands past the
 *     window, the hole at the front is given up: the run after it moves to
 *     buf, and so on until the segment fits;
 *   - chunks: which capture packet delivered which bytes, so a message gets
 *     the packet (and record offset) that completed it.
 * Sequence numbers are compared by signed 32-bit difference, so wraparound is
 * ordinary arithmetic. Every byte is copied, scanned and cleared a bounded
 * number of times: linear in the capture whatever its segments say.
 */
#include <stdlib.h>
#include <string.h>

#include "feed/soup.h"
#include "feed/tcp_reasm.h"

#include "feed/tcp_reasm_impl.h"

int blanc__tcp_reasm_create(tcp_reasm **out, const tcp_reasm_options *o)
{
    tcp_reasm *r = calloc(1, sizeof *r);
    if (!r)
        return BLANC_ENOMEM;
    size_t w = o && o->window ? o->window : TCP_REASM_WINDOW_DEFAULT;
    size_t win = (size_t)64 << 10;
    while (win < w && win < ((size_t)1 << 30))
        win <<= 1;
    r->win = win;
    r->port = o ? o->server_port : 0;
    if (blanc__soup_stream_create(&r->s) < 0) {
        free(r);
        return BLANC_ENOMEM;
    }
    *out = r;
    return 0;
}

void blanc__tcp_reasm_free(tcp_reasm *r)
{
    if (!r)
        return;
    blanc__soup_stream_free(r->s);
    free(r->buf);
    free(r->pc);
    free(r->ch);
    free(r->ring);
    free(r->bits);
    free(r);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (!q)
        return BLANC_ENOMEM;
    *p = q;
    *cap = c;
    return 0;
}

/* ---- ring ----------------------------------------------------------------
 * The bitmap is read and cleared a 64-bit word at a time, and only between
 * the bounds lo..hi of what is held: a segment far ahead of a hole costs
 * O(1), not a scan of the window (hostile captures stay linear). */

static int bit(const tcp_reasm *r, size_t rel)
{
    size_t i = (r->ring_head + rel) & (r->win - 1);
    return (int)(r->bits[i / 64] >> (i % 64) & 1);
}

/* Bits [sh, sh + len) of a word, 0 < len <= 64 - sh. */
static uint64_t word_mask(size_t sh, size_t len)
{
    return (len == 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1) << sh;
}

/* Clear the bits of ring positions [a, b) from the front (b <= win). */
static void ring_clear(tcp_reasm *r, size_t a, size_t b)
{
    while (a < b) {
        size_t i = (r->ring_head + a) & (r->win - 1);
        size_t len = 64 - i % 64;
        if (len > b - a)
            len = b - a;
        uint64_t m = word_mask(i % 64, len), *w = &r->bits[i / 64];
        r->held -= (uint64_t)__builtin_popcountll(*w & m);
        *w &= ~m;
        a += len;
    }
}

/* The ring now starts k bytes later. */
static void ring_advance(tcp_reasm *r, uint64_t k)
{
    if (r->held && k >= r->hi) {
        ring_clear(r, r->lo, r->hi); /* all of it: the ring is empty */
    } else if (r->held) {
        if (k > r->lo)
            ring_clear(r, r->lo, (size_t)k);
        r->ring_head = (r->ring_head + (size_t)k) & (r->win - 1);
        r->lo = r->lo > k ? r->lo - (size_t)k : 0;
        r->hi -= (size_t)k;
    }
    if (!r->held) {
        r->ring_head = 0;
        r->lo = r->hi = 0;
    }
}

/* Copy the bits newb (within the word at ring index i - i % 64) of p, which
 * starts at ring index i: the bytes not held yet. */
static void put_fresh(tcp_reasm *r, size_t i, const uint8_t *p, uint64_t newb)
{
    size_t base = i - i % 64;
    for (; newb; newb &= newb - 1) {
        size_t x = (size_t)__builtin_ctzll(newb);
        r->ring[base + x] = p[base + x - i];
    }
}

/* Hold p[0..n) at rel (rel + n <= win). Bytes held already keep their first
 * copy, as tshark's follow does. Returns how many of the bytes were not held
 * yet, or BLANC_ENOMEM. */
static int64_t ring_put(tcp_reasm *r, size_t rel, const uint8_t *p, size_t n)
{
    if (!r->ring) {
        r->ring = malloc(r->win);
        r->bits = calloc(r->win / 64, sizeof *r->bits);
        if (!r->ring || !r->bits)
            return BLANC_ENOMEM;
    }
    uint64_t before = r->held;
    for (size_t k = 0; k < n;) {
        size_t i = (r->ring_head + rel + k) & (r->win - 1);
        size_t len = 64 - i % 64;
        if (len > n - k)
            len = n - k;
        uint64_t m = word_mask(i % 64, len), *w = &r->bits[i / 64];
        uint64_t newb = m & ~*w;
        if (newb == m)
            memcpy(r->ring + i, p + k, len);
        else
            put_fresh(r, i, p + k, newb);
        *w |= m;
        r->held += (uint64_t)__builtin_popcountll(newb);
        k += len;
    }
    if (r->held != before) {
        r->lo = before && r->lo < rel ? r->lo : rel;
        r->hi = before && r->hi > rel + n ? r->hi : rel + n;
    }
    return (int64_t)(r->held - before);
}

/* Present bytes from the front up to the ring's end (r->held, bit 0 set). */
static size_t front_run(const tcp_reasm *r)
{
    size_t j = r->ring_head;
    while (j < r->win) {
        size_t sh = j % 64;
        /* Shifted-in zeros become ones: the count stops at the word's end. */
        uint64_t inv = ~(r->bits[j / 64] >> sh);
        size_t t = inv ? (size_t)__builtin_ctzll(inv) : 64;
        j += t;
        if (t < 64 - sh)
            break;
    }
    return j - r->ring_head;
}

/* The first present byte (r->held): lo bounds it from below. */
static size_t first_present(tcp_reasm *r)
{
    size_t rel = r->lo;
    while (rel < r->hi) {
        size_t i = (r->ring_head + rel) & (r->win - 1);
        uint64_t w = r->bits[i / 64] >> (i % 64);
        if (w) {
            rel += (size_t)__builtin_ctzll(w);
            break;
        }
        rel += 64 - i % 64;
    }
    r->lo = rel;
    return rel;
}

/* ---- delivery ------------------------------------------------------------ */

static piece *last_piece(tcp_reasm *r) { return &r->pc[r->pc_head + r->pc_n - 1]; }

static int note_chunk(tcp_reasm *r, const cap_packet *pk)
{
    if (r->ch_n && r->ch[r->ch_head + r->ch_n - 1].packet == pk->number) {
        r->ch[r->ch_head + r->ch_n - 1].end = r->next_off;
        return 0;
    }
    if (r->ch_head && r->ch_head + r->ch_n == r->ch_cap) {
        memmove(r->ch, r->ch + r->ch_head, r->ch_n * sizeof *r->ch);
        r->ch_head = 0;
    }
    if (grow((void **)&r->ch, &r->ch_cap, r->ch_head + r->ch_n + 1, sizeof *r->ch) < 0)
        return BLANC_ENOMEM;
    r->ch[r->ch_head + r->ch_n++] = (chunk){r->next_off, pk->number, pk->offset};
    return 0;
}

/* In-order bytes: append to the last piece. */
static int deliver(tcp_reasm *r, const uint8_t *p, size_t n, const cap_packet *pk)
{
    if (r->buf_len + n > r->win + BUF_SLACK)
        return BLANC_ELIMIT;
    if (grow((void **)&r->buf, &r->buf_cap, r->buf_len + n, 1) < 0)
        return BLANC_ENOMEM;
    memcpy(r->buf + r->buf_len, p, n);
    r->buf_len += n;
    last_piece(r)->len += n;
    r->next += (uint32_t)n;
    r->next_off += n;
    return note_chunk(r, pk);
}

/* Give up on the k missing bytes at the front: a new piece after them. */
static int give_up(tcp_reasm *r, uint64_t k, uint64_t record)
{
    r->holes++;
    ring_advance(r, k);
    r->next += (uint32_t)k;
    r->next_off += k;
    piece *l = last_piece(r);
    if (!l->len && r->pc_n > 1) { /* nothing since the last hole: one longer hole */
        l->off = r->next_off;
        return 0;
    }
    if (r->pc_head && r->pc_head + r->pc_n == r->pc_cap) {
        memmove(r->pc, r->pc + r->pc_head, r->pc_n * sizeof *r->pc);
        r->pc_head = 0;
    }
    if (grow((void **)&r->pc, &r->pc_cap, r->pc_head + r->pc_n + 1, sizeof *r->pc) < 0)
        return BLANC_ENOMEM;
    r->pc[r->pc_head + r->pc_n++] = (piece){r->next_off, r->buf_len, 0, record};
    return 0;
}

/* The run of held bytes at the front of the ring, now in order. */
static int release_front(tcp_reasm *r, const cap_packet *pk)
{
    while (r->held && bit(r, 0)) {
        size_t run = front_run(r); /* up to the ring's end */
        uint8_t *src = r->ring + r->ring_head;
        /* deliver() copies before ring_advance() clears: same bytes, no overlap */
        int rc = deliver(r, src, run, pk);
        if (rc < 0)
            return rc;
        ring_advance(r, run);
    }
    return 0;
}

static int data(tcp_reasm *r, const cap_packet *pk)
{
    const uint8_t *p = pk->payload;
    size_t n = pk->len;
    int32_t d = (int32_t)(pk->tcp_seq - r->next);
    int rc;
    /* Past the window: give up holes at the front until it fits. */
    while (d > 0 && (uint64_t)d + n > r->win) {
        if (!r->held) {
            if ((rc = give_up(r, (uint64_t)d, pk->offset)) < 0)
                return rc;
        } else {
            size_t f = first_present(r);
            if ((rc = give_up(r, f, pk->offset)) < 0 || (rc = release_front(r, pk)) < 0)
                return rc;
        }
        d = (int32_t)(pk->tcp_seq - r->next);
    }
    if (d > 0) {
        /* Held past a hole; a copy of bytes held already is a retransmission. */
        int64_t fresh = ring_put(r, (size_t)d, p, n);
        if (fresh < 0)
            return (int)fresh;
        if (fresh)
            r->out_of_order++;
        else
            r->retransmits++;
        return 0;
    }
    if ((int64_t)d + (int64_t)n <= 0) {
        r->retransmits++;
        return 0;
    }
    if (d < 0) {
        r->retransmits++;
        p += (size_t)-(int64_t)d;
        n -= (size_t)-(int64_t)d;
    }
    if ((rc = deliver(r, p, n, pk)) < 0)
        return rc;
    ring_advance(r, n);
    return release_front(r, pk);
}

/* Drop what the stream has committed: bytes, spent chunks. */
static void compact(tcp_reasm *r)
{
    uint64_t c = blanc__soup_stream_offset(r->s);
    piece *f = &r->pc[r->pc_head];
    size_t drop = f->idx + (size_t)(c - f->off);
    if (drop) {
        memmove(r->buf, r->buf + drop, r->buf_len - drop);
        r->buf_len -= drop;
        f->len -= (size_t)(c - f->off);
        f->off = c;
        for (size_t i = 1; i < r->pc_n; i++)
            r->pc[r->pc_head + i].idx -= drop;
        f->idx = 0;
    }
    while (r->ch_n && r->ch[r->ch_head].end <= c) {
        r->ch_head++;
        r->ch_n--;
    }
}

/* first: the number of the stream's first byte; known: it is a SYN's + 1. */
static int lock(tcp_reasm *r, const cap_packet *pk, uint32_t first, int known)
{
    r->locked = 1;
    r->src_ip = pk->src_ip;
    r->dst_ip = pk->dst_ip;
    r->src_port = pk->src_port;
    r->dst_port = pk->dst_port;
    r->next = first;
    r->isn_known = known;
    r->first = first;
    if (grow((void **)&r->pc, &r->pc_cap, 1, sizeof *r->pc) < 0)
        return BLANC_ENOMEM;
    r->pc_head = 0;
    r->pc_n = 1;
    r->pc[0] = (piece){r->next_off, r->buf_len, 0, pk->offset};
    return 0;
}

static synack *find_synack(tcp_reasm *r, const cap_packet *pk)
{
    size_t n = r->syn_n < SYNACK_KEPT ? r->syn_n : SYNACK_KEPT;
    for (size_t i = 0; i < n; i++) {
        synack *e = &r->syn[i];
        if (e->src_ip == pk->src_ip && e->dst_ip == pk->dst_ip && e->src_port == pk->src_port &&
            e->dst_port == pk->dst_port)
            return e;
    }
    return NULL;
}

/* While not locked on: a SYN-ACK (the server's side of a handshake) tells
 * where that direction's stream starts, should its data lock on later. */
static void remember_synack(tcp_reasm *r, const cap_packet *pk)
{
    if ((pk->tcp_flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK))
        return;
    synack *e = find_synack(r, pk);
    if (!e)
        e = &r->syn[r->syn_n++ % SYNACK_KEPT];
    *e = (synack){pk->src_ip, pk->dst_ip, pk->src_port, pk->dst_port, pk->tcp_seq + 1};
}

/* Lock on to pk's direction. Data recognised by content may be a later
 * segment that overtook the first: start at its SYN-ACK's number when one
 * was seen and pk fits the window from there, so the first is not taken for
 * a retransmission. */
static int lock_on(tcp_reasm *r, const cap_packet *pk)
{
    if (pk->tcp_flags & TCP_SYN)
        return lock(r, pk, pk->tcp_seq + 1, 1);
    const synack *e = find_synack(r, pk);
    if (e && (uint64_t)(uint32_t)(pk->tcp_seq - e->first) + pk->len <= r->win)
        return lock(r, pk, e->first, 1);
    return lock(r, pk, pk->tcp_seq, 0);
}

/* A SYN of the connection locked on, again (a retransmitted SYN-ACK may
 * come after data): it has the same ISN (RFC 9293 3.8.1). */
static int same_syn(const tcp_reasm *r, uint32_t seq, size_t len)
{
    if (r->isn_known)
        return seq + 1 == r->first;
    return seq + 1 == r->next && !len; /* before any data: the one locked on by content */
}

static int looks_server(const uint8_t *p, size_t n)
{
    soup_packet pk;
    int rc = blanc__soup_parse(p, n, &pk);
    if (rc == BLANC_ETRUNCATED && n >= SOUP_HEADER) /* header fine, rest in later segments */
        return p[2] == 'A' || p[2] == 'S' || p[2] == 'H' || p[2] == '+';
    if (rc < 0 || !blanc__soup_plausible(&pk))
        return 0;
    return pk.type == 'A' || pk.type == 'S' || pk.type == 'H' || pk.type == '+' || pk.type == 'Z';
}

/* A SYN on the connection's ports: the first one, a repeat, or a new
 * connection. */
static int syn(tcp_reasm *r, const cap_packet *pk)
{
    uint32_t seq = pk->tcp_seq;
    cap_packet q = *pk;
    q.tcp_seq = seq + 1; /* its data (if any) follows the SYN's number */
    if (same_syn(r, seq, pk->len))
        return pk->len ? data(r, &q) : 0;
    /* A new connection on the same ports: what the old one left is
     * damage (a zero-length hole), its held bytes are gone. */
    ring_advance(r, r->win);
    int rc = give_up(r, 0, pk->offset);
    if (rc < 0)
        return rc;
    r->holes--; /* not a hole of the stream */
    r->next = seq + 1;
    r->isn_known = 1;
    r->first = seq + 1;
    return pk->len ? data(r, &q) : 0;
}

int blanc__tcp_reasm_push(tcp_reasm *r, const cap_packet *pk)
{
    if (pk->kind != CAP_TCP || r->finished)
        return 1;
    if (!r->locked) {
        int mine = r->port ? pk->src_port == r->port
                           : pk->len && !(pk->tcp_flags & TCP_SYN) && looks_server(pk->payload, pk->len);
        if (!mine) {
            remember_synack(r, pk);
            r->skipped++;
            return 1;
        }
        int rc = lock_on(r, pk);
        r->first_packet = pk->number;
        if (rc < 0)
            return rc;
    } else if (pk->src_ip != r->src_ip || pk->dst_ip != r->dst_ip || pk->src_port != r->src_port ||
               pk->dst_port != r->dst_port) {
        r->skipped++;
        return 1;
    }
    compact(r);
    r->packets++;
    r->last_packet = pk->number;
    r->last_record = pk->offset;
    if (pk->tcp_flags & TCP_SYN)
        return syn(r, pk);
    /* A reset's payload, where a stack sends one, says why the connection
     * was reset (RFC 9293 3.5.3): it is not stream data, and taken as such
     * it would be kept in place of the real bytes at those numbers. */
    if (!pk->len || (pk->tcp_flags & TCP_RST))
        return 0;
    return data(r, pk);
}

void blanc__tcp_reasm_finish(tcp_reasm *r)
{
    if (r->finished)
        return;
    r->finished = 1;
    if (!r->locked)
        return;
    /* What is released now is attributed to the last packet of the connection. */
    cap_packet last;
    memset(&last, 0, sizeof last);
    last.number = r->last_packet;
    last.offset = r->last_record;
    while (r->held) {
        if (give_up(r, first_present(r), last.offset) < 0 || release_front(r, &last) < 0)
            break;
    }
}

/* The record of the capture packet that delivered stream offset x (its
 * chunk is still kept: x is at or past the committed offset). */
static uint64_t record_of(const tcp_reasm *r, uint64_t x)
{
    size_t j = r->ch_head, e = r->ch_head + r->ch_n;
    while (j + 1 < e && r->ch[j].end <= x)
        j++;
    return j < e ? r->ch[j].record : r->last_record;
}

int blanc__tcp_reasm_take(tcp_reasm *r, blanc_msg *out, size_t cap)
{
    if (!r->locked)
        return 0;
    for (;;) {
        uint64_t c = blanc__soup_stream_offset(r->s);
        while (r->ch_n && r->ch[r->ch_head].end <= c) {
            r->ch_head++;
            r->ch_n--;
        }
        piece *f = &r->pc[r->pc_head];
        size_t at = f->idx + (size_t)(c - f->off);
        int more = r->pc_n > 1;
        uint32_t d0;
        uint64_t at0;
        blanc__soup_stream_pending_damage(r->s, &d0, &at0);
        /* Nothing delivered yet: no buffer, and NULL + 0 would be undefined. */
        const uint8_t *p = r->buf ? r->buf + at : (const uint8_t *)"";
        int k = blanc__soup_stream_take(r->s, p, f->idx + f->len - at, more || r->finished, out, cap);
        if (k > 0) {
            size_t j = r->ch_head;
            for (int i = 0; i < k; i++) {
                uint64_t end = out[i].offset + SOUP_HEADER + out[i].len;
                /* Damage is placed in the capture: the packet whose bytes
                 * held it, or (damage pending from before this take, a hole
                 * among it) the one remembered when it became pending. */
                if (out[i].damage)
                    out[i].damage_at = i == 0 && d0 ? r->dmg_record : record_of(r, out[i].damage_at);
                while (j + 1 < r->ch_head + r->ch_n && r->ch[j].end < end)
                    j++;
                /* No chunk left (a restore checks there is one): the last packet. */
                int named = j < r->ch_head + r->ch_n;
                out[i].packet = named ? r->ch[j].packet : r->last_packet;
                out[i].offset = named ? r->ch[j].record : r->last_record;
            }
            return k;
        }
        uint32_t d1;
        uint64_t at1;
        blanc__soup_stream_pending_damage(r->s, &d1, &at1);
        if (!d0 && d1)
            r->dmg_record = record_of(r, at1);
        if (!more || blanc__soup_stream_ended(r->s))
            return 0;
        uint64_t end = f->off + f->len;
        piece *nx = f + 1;
        c = blanc__soup_stream_offset(r->s);
        if (c < end || nx->off > end) {
            if (!d1)
                r->dmg_record = nx->record;
            blanc__soup_stream_gap(r->s, end, nx->off - end);
        }
        r->pc_head++;
        r->pc_n--;
    }
}

void blanc__tcp_reasm_consume(tcp_reasm *r, size_t k)
{
    blanc__soup_stream_consume(r->s, k);
    if (!k)
        return;
    /* Damage read after the last message used is pending now: place it
     * while the chunks that delivered it are still kept. */
    uint32_t d;
    uint64_t at;
    blanc__soup_stream_pending_damage(r->s, &d, &at);
    if (d)
        r->dmg_record = record_of(r, at);
}

int blanc__tcp_reasm_ended(const tcp_reasm *r) { return blanc__soup_stream_ended(r->s); }

int blanc__tcp_reasm_truncated(const tcp_reasm *r)
{
    if (!r->locked || blanc__soup_stream_ended(r->s) || blanc__soup_stream_resyncing(r->s))
        return 0;
    const piece *f = &r->pc[r->pc_head];
    return r->pc_n == 1 && blanc__soup_stream_offset(r->s) < f->off + f->len;
}

void blanc__tcp_reasm_pending_damage(const tcp_reasm *r, uint32_t *damage, uint64_t *at)
{
    blanc__soup_stream_pending_damage(r->s, damage, at);
    if (*damage)
        *at = r->dmg_record;
}

void blanc__tcp_reasm_stats(const tcp_reasm *r, blanc_transport_stats *st)
{
    blanc__soup_stream_stats(r->s, st);
    st->duplicates += r->retransmits;
    st->out_of_order += r->out_of_order;
    st->gaps += r->holes;
    st->skipped += r->skipped;
}

int blanc__tcp_reasm_conn(const tcp_reasm *r, tcp_conn *c)
{
    if (c) {
        memset(c, 0, sizeof *c);
        c->server_ip = r->src_ip;
        c->client_ip = r->dst_ip;
        c->server_port = r->src_port;
        c->client_port = r->dst_port;
        c->packets = r->packets;
        c->retransmits = r->retransmits;
        c->out_of_order = r->out_of_order;
        c->holes = r->holes;
        c->first_packet = r->first_packet;
        c->last_packet = r->last_packet;
    }
    return r->locked;
}

size_t blanc__tcp_reasm_buffered(const tcp_reasm *r) { return r->buf_len; }

const char *blanc__tcp_reasm_session_name(const tcp_reasm *r, uint32_t s)
{
    return blanc__soup_stream_session_name(r->s, s);
}
