/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The MoldUDP64 stream's direct path: the common packet of a clean capture
 * (lent, in order, of the same line and session as the one before, with
 * nothing held, queued or pending) goes straight into the caller's batch.
 *
 * Why: the general path gives every packet a slot, queues it, walks it again
 * in take() and frees it in consume(); with ~1.3 messages a packet (a real
 * day's spacing) that bookkeeping cost as much as the book itself. Here a
 * packet costs its header checks, its line's counters and one pass over its
 * blocks, which writes the messages where the replay reads them.
 *
 * What it keeps of each packet (mold_direct) is what a ready slot would, so
 * a pause (consume() short) leaves the rest where take() hands it out first
 * next time, a snapshot saves them as ready slots (mold_save.c), and before
 * the caller's bytes go away release() copies them to a stash and repoints
 * the batch's messages there. Most batches are consumed whole and need none
 * of that, so a packet taken whole first keeps only a mold_lazy (what its
 * header does not say) and gets its mold_direct when one of those needs it
 * (blanc__mold_direct_settle). The accounting is the general path's: the same
 * counters move at the same calls (tests/test_mold.c runs both side by side).
 */
#include <stdlib.h>

#include "common/bytes.h"
#include "feed/mold_stream_impl.h"
#include "feed/udp_span.h"

#ifndef MOLD_PREFETCH
#define MOLD_PREFETCH 16u /* packets ahead (docs/PERFORMANCE.md, tenth session) */
#endif
#ifndef MOLD_RING_AHEAD
#define MOLD_RING_AHEAD 32u /* spans ahead: each is read MOLD_PREFETCH packets before its own */
#endif

/* Messages of d from block d->idx, at most room of them, into out. */
static uint32_t fill(const mold_direct *d, blanc_msg *out, size_t room)
{
    uint32_t avail = (uint32_t)(d->count - d->idx), k = avail < room ? avail : (uint32_t)room;
    size_t pos = d->pos;
    for (uint32_t i = 0; i < k; i++) {
        uint16_t len = blanc_be16(d->p + pos);
        out[i] = (blanc_msg){.p = d->p + pos + 2, .len = len, .session = d->session + 1,
                             .offset = d->offset, .packet = d->packet, .seq = d->seq + d->idx + i};
        pos += 2u + len;
    }
    return k;
}

void blanc__mold_stream_direct_begin(mold_stream *m, blanc_msg *out, size_t cap)
{
    blanc__mold_direct_settle(m); /* none: consume() settled them */
    m->dout = out;
    m->dcap = cap;
    m->direct_out = 0;
    m->direct_all = 1;
    /* What a pause left comes first. */
    for (size_t i = 0; i < m->ndirect; i++) {
        mold_direct *d = &m->direct[i];
        d->first = (uint32_t)m->direct_out;
        d->out_n = fill(d, out + m->direct_out, cap - m->direct_out);
        m->direct_out += d->out_n;
        if (d->out_n < (uint32_t)(d->count - d->idx)) {
            for (size_t j = i + 1; j < m->ndirect; j++)
                m->direct[j].out_n = 0;
            m->direct_all = 0;
            break;
        }
    }
}

/* The line a run of direct packets must come from, when the stream is in
 * the state where one may: nothing held, queued or pending, a line known.
 * Direct packets do not change any of that, so it holds for a whole run. */
static int direct_state(const mold_stream *m)
{
    if (!m->dout || m->ready_n || m->pending_damage || !m->last_pair)
        return 0;
    const mold_session *s = &m->sessions[m->pairs[m->last_pair - 1].session];
    return s->selected && s->started && !s->nheld && !s->pending_lost;
}

int blanc__mold_stream_direct_ok(const mold_stream *m)
{
    return direct_state(m);
}

/* Room for n more packets: as lazy ones, and as records once settled (so
 * that settling, in consume() too, never allocates). */
static int reserve(mold_stream *m, size_t n)
{
    mold_direct *d = mold_grow(m->direct, &m->direct_cap, m->ndirect + m->nlazy + n, sizeof *d, 64);
    if (!d)
        return BLANC_ENOMEM;
    m->direct = d;
    mold_lazy *z = mold_grow(m->lazy, &m->lazy_cap, m->nlazy + n, sizeof *z, 64);
    if (!z)
        return BLANC_ENOMEM;
    m->lazy = z;
    return 0;
}

void blanc__mold_lazy_record(const mold_stream *m, const mold_lazy *z, mold_direct *d)
{
    const uint8_t *p = z->p;
    uint16_t count = blanc_be16(p + 18);
    size_t pos = MOLD_HEADER; /* its blocks were checked when it was pushed */
    for (uint16_t b = 0; b < count; b++)
        pos += 2u + blanc_be16(p + pos);
    *d = (mold_direct){.p = p, .n = pos, .seq = blanc_be64(p + 10), .packet = z->packet,
                       .offset = z->offset, .ts_ns = z->ts_ns,
                       .session = m->pairs[m->lazy_pair].session, .pair = m->lazy_pair,
                       .count = count, .idx = 0, .pos = MOLD_HEADER, .first = 0, .out_n = count};
}

void blanc__mold_direct_settle(mold_stream *m)
{
    uint32_t at = (uint32_t)((m->has_cut ? m->cut.first : m->direct_out) - m->lazy_msgs);
    for (size_t j = 0; j < m->nlazy; j++) {
        mold_direct *d = &m->direct[m->ndirect++];
        blanc__mold_lazy_record(m, &m->lazy[j], d);
        d->first = at;
        at += d->out_n;
    }
    m->nlazy = m->lazy_msgs = 0;
    if (m->has_cut)
        m->direct[m->ndirect++] = m->cut;
    m->has_cut = 0;
}

/*
 * A run of lent packets the direct way, in order, stopping at the first that
 * is not the plain case (nothing done for it: push it with push_lent()) or
 * after the one that fills the batch. The state the loop moves (the batch's
 * fill, the session's next number, the line's counters) stays in locals and
 * is written back once: with ~1.3 messages a packet the per-packet cost is
 * most of it. An in-order heartbeat is only counted, as the general path
 * does, so it does not end the run. The line's counters come out as blanc__mold_line_account
 * would leave them packet by packet: the numbers of a run only go up.
 *
 * A packet taken whole keeps only a mold_lazy (its pointer, number, offset
 * and time); its mold_direct is written by blanc__mold_direct_settle when a
 * pause, a release or a save needs it, which most batches never do. The one
 * packet that does not fit (it ends the batch) gets its record at once.
 */
/* The packet that does not fit whole (room < its count): its first room
 * messages into g, its record into *cut; 0 when its blocks are bad. */
static int take_cut(const udp_span *u, uint64_t seq, uint16_t count, blanc_msg *g, size_t room,
                    uint32_t session, uint32_t pair, size_t first, mold_direct *cut)
{
    const uint8_t *p = u->p;
    size_t len = u->n, pos = MOLD_HEADER;
    uint32_t b = 0;
    for (; b < room && pos + 2 <= len; b++) {
        uint16_t ml = blanc_be16(p + pos);
        mold_msg_set(&g[b], p + pos + 2, ml, session + 1, u->offset, u->packet, seq + b);
        pos += 2u + ml;
    }
    for (; b < count && pos + 2 <= len; b++)
        pos += 2u + blanc_be16(p + pos);
    if (b < count || pos != len)
        return 0;
    *cut = (mold_direct){.p = p, .n = len, .seq = seq, .packet = u->packet, .offset = u->offset,
                         .ts_ns = u->ts_ns, .session = session, .pair = pair, .count = count,
                         .idx = 0, .pos = MOLD_HEADER, .first = (uint32_t)first,
                         .out_n = (uint32_t)room};
    return 1;
}

size_t blanc__mold_stream_push_spans(mold_stream *m, const udp_span *sp, size_t n, size_t seen,
                                     int *err)
{
    *err = 0;
    if (!direct_state(m) || !m->direct_all || n == 0 || m->direct_out >= m->dcap)
        return 0;
    uint32_t pair = m->last_pair - 1;
    mold_pair *lp = &m->pairs[pair];
    mold_session *s = &m->sessions[lp->session];
    const uint64_t next0 = s->next;
    if (next0 == 0)
        return 0; /* a sequence number 0 is never taken here */
    if (reserve(m, n)) {
        *err = BLANC_ENOMEM;
        return 0;
    }
    if (m->nlazy && m->lazy_pair != pair)
        blanc__mold_direct_settle(m); /* a lazy run is of one line */
    m->lazy_pair = pair;
    /* Few values live in the loop (clang spilled them before): what the run
     * adds up is read back from them afterwards. The run's numbers are
     * consecutive, so its messages are next - next0; its data packets are
     * the lazy entries (and the cut one); the rest are heartbeats. */
    const uint32_t group = lp->group, session = lp->session + 1;
    const uint16_t port = lp->port;
    uint64_t name8;
    uint16_t name2;
    memcpy(&name8, s->name, 8);
    memcpy(&name2, s->name + 8, 2);
    blanc_msg *const dout = m->dout, *g = dout + m->direct_out, *const gend = dout + m->dcap;
    mold_lazy *const lz0 = m->lazy + m->nlazy;
    mold_lazy *lz = lz0;
    uint64_t next = next0;
    mold_direct cut;
    int have_cut = 0;
    size_t i = 0;
    /* A run adds at most 0xFFFE a packet to the number: below this, none of
     * its packets can run past the last number. */
    const int near_top = next0 > UINT64_MAX - (uint64_t)MOLD_END_OF_SESSION * n;
    for (; i < n; i++) {
        const udp_span *u = &sp[i];
        /* The payload MOLD_PREFETCH packets on, both ends of it: it comes
         * from the walker's cache or memory. Asked for here, one a packet,
         * not in a burst when the spans are taken: a burst of them filled
         * the core's miss buffers and stalled there. */
        if (i + MOLD_PREFETCH < seen) {
            const udp_span *f = &sp[i + MOLD_PREFETCH];
            __builtin_prefetch(f->p);
            __builtin_prefetch(f->p + f->n - 1);
        }
        if (i + MOLD_RING_AHEAD < seen)
            __builtin_prefetch(&sp[i + MOLD_RING_AHEAD]);
        const uint8_t *p = u->p;
        size_t len = u->n;
        uint64_t h8;
        uint16_t h2;
        if (len < MOLD_HEADER || u->group != group || u->port != port)
            break;
        memcpy(&h8, p, 8);
        memcpy(&h2, p + 8, 2);
        uint64_t seq = blanc_be64(p + 10);
        uint16_t count = blanc_be16(p + 18);
        if (h8 != name8 || h2 != name2 || seq != next)
            break;
        if ((uint16_t)(count + 1) <= 1) { /* a heartbeat (0) or the end (0xFFFF) */
            if (count != MOLD_HEARTBEAT || len != MOLD_HEADER)
                break;
            /* In order, nothing held: the general path counts it and is done
             * (its ready and held room were made at the session's first packet). */
            continue;
        }
        if (near_top && seq > UINT64_MAX - count)
            break;
        /* Fill and check the blocks in one pass (blanc__mold_parse's rule:
         * they add up to the payload exactly). Entries past g are the
         * caller's spare room until counted, so a bad packet leaves nothing.
         * A packet that does not fit ends the batch with its first messages
         * (the rest come first in the next one, as after a pause). */
        size_t room = (size_t)(gend - g);
        if (count > room) {
            if (!take_cut(u, seq, count, g, room, session - 1, pair, (size_t)(g - dout), &cut))
                break;
            have_cut = 1;
            g = gend;
            next = seq + count;
            i++;
            break;
        }
        uint64_t packet = u->packet, offset = u->offset;
        size_t pos = MOLD_HEADER;
        uint32_t b = 0;
        for (; b < count && pos + 2 <= len; b++) {
            uint16_t ml = blanc_be16(p + pos);
            mold_msg_set(&g[b], p + pos + 2, ml, session, offset, packet, seq + b);
            pos += 2u + ml;
        }
        if (b < count || pos != len)
            break; /* the general path counts it as damage */
        *lz++ = (mold_lazy){p, packet, offset, u->ts_ns};
        g += count;
        next = seq + count;
        if (g == gend) {
            i++; /* the batch is full: the next packet waits for the next one */
            break;
        }
    }
    if (i == 0)
        return 0;
    size_t nl = (size_t)(lz - lz0), data = nl + (size_t)have_cut, msgs = next - next0;
    m->tk.valid = 0;
    m->st.packets += i;
    m->st.heartbeats += i - data;
    lp->packets += i;
    lp->heartbeats += i - data;
    if (!lp->have_ts) {
        lp->first_ts_ns = sp[0].ts_ns;
        lp->have_ts = 1;
    }
    lp->last_ts_ns = sp[i - 1].ts_ns;
    if (!data)
        return i; /* heartbeats only */
    m->direct_msgs += msgs;
    m->direct_lent = 1;
    m->direct_all = (uint8_t)!have_cut;
    blanc__mold_won(s, s->next, next, pair);
    s->next = next;
    s->last_pair = pair;
    lp->messages += msgs;
    m->nlazy += nl;
    m->lazy_msgs += have_cut ? msgs - cut.count : msgs;
    if (have_cut) {
        m->cut = cut;
        m->has_cut = 1;
    }
    m->direct_out = (size_t)(g - dout);
    if (!lp->have_seq || next0 < lp->first_seq)
        lp->first_seq = next0;
    if (!lp->have_seq || next - 1 > lp->last_seq)
        lp->last_seq = next - 1;
    lp->have_seq = 1;
    return i;
}

int blanc__mold_stream_push_direct(mold_stream *m, const mold_origin *o, const uint8_t *p,
                                   size_t n)
{
    udp_span one = {p, n, o->group, o->port, o->packet, o->offset, 0, o->ts_ns};
    int err;
    size_t k = blanc__mold_stream_push_spans(m, &one, 1, 1, &err);
    return err ? err : (int)k;
}

/* Past c more of d's messages (its blocks were checked when it was pushed). */
static void direct_skip(mold_direct *d, uint32_t c)
{
    for (uint32_t b = 0; b < c; b++)
        d->pos += 2u + blanc_be16(d->p + d->pos);
    d->idx = (uint16_t)(d->idx + c);
}

/* No batch handed out any more: the next direct_begin starts one. */
static void batch_end(mold_stream *m)
{
    m->dout = NULL;
    m->direct_out = 0;
    m->direct_all = 1;
}

size_t blanc__mold_direct_consume(mold_stream *m, size_t k)
{
    size_t out = m->direct_out, used = k < out ? k : out;
    if (used == out && m->direct_msgs == out) {
        /* All of them, the common case: nothing is left to keep. */
        m->st.messages += used;
        m->direct_msgs = 0;
        m->ndirect = m->nlazy = m->lazy_msgs = 0;
        m->direct_lent = m->stash_used = 0;
        batch_end(m);
        return k - out;
    }
    if (used == out && m->has_cut &&
        m->direct_msgs == out + (size_t)(m->cut.count - m->cut.out_n)) {
        /* All of them but the rest of the packet the batch ended inside (the
         * next common case): that one is all that is kept. */
        mold_direct *d = &m->cut;
        direct_skip(d, d->out_n);
        d->out_n = 0;
        m->direct[0] = *d;
        m->ndirect = 1;
        m->nlazy = m->lazy_msgs = 0;
        m->has_cut = 0;
        m->st.messages += used;
        m->direct_msgs -= used;
        batch_end(m);
        return k - out;
    }
    blanc__mold_direct_settle(m);
    m->st.messages += used;
    m->direct_msgs -= used;
    size_t done = 0;
    for (size_t i = 0; i < m->ndirect && used; i++) {
        mold_direct *d = &m->direct[i];
        uint32_t c = d->out_n < used ? d->out_n : (uint32_t)used;
        used -= c;
        if (d->idx + c == d->count) {
            done = i + 1;
            continue;
        }
        direct_skip(d, c);
    }
    if (done) {
        memmove(m->direct, m->direct + done, (m->ndirect - done) * sizeof *m->direct);
        m->ndirect -= done;
    }
    for (size_t i = 0; i < m->ndirect; i++)
        m->direct[i].out_n = 0;
    batch_end(m);
    if (!m->ndirect)
        m->direct_lent = m->stash_used = 0;
    return k > out ? k - out : 0; /* the queue's share */
}

int blanc__mold_direct_release(mold_stream *m)
{
    if (!m->direct_lent)
        return 0;
    blanc__mold_direct_settle(m);
    size_t total = 0;
    for (size_t i = 0; i < m->ndirect; i++)
        total += m->direct[i].n;
    /* The stash is reused while nothing lives in it (the usual case: the
     * packet a batch ended inside, copied at each batch's end). */
    uint8_t *stash = m->stash;
    if (m->stash_used || m->stash_cap < total) {
        size_t cap = m->stash_cap > total ? m->stash_cap : total < 4096 ? 4096 : total;
        stash = malloc(cap);
        if (!stash)
            return BLANC_ENOMEM;
        free(m->stash_used ? NULL : m->stash);
        m->stash_cap = cap;
    }
    size_t at = 0;
    for (size_t i = 0; i < m->ndirect; i++) {
        mold_direct *d = &m->direct[i];
        memcpy(stash + at, d->p, d->n);
        /* The batch's messages of it move with it. */
        for (uint32_t j = 0; m->dout && j < d->out_n; j++) {
            blanc_msg *g = &m->dout[d->first + j];
            g->p = stash + at + (size_t)(g->p - d->p);
        }
        d->p = stash + at;
        at += d->n;
    }
    if (m->stash != stash && m->stash_used)
        free(m->stash); /* everything in it was copied again above */
    m->stash = stash;
    m->stash_used = 1;
    m->direct_lent = 0;
    return 0;
}
