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
 * the batch's messages there. The accounting is the general path's: the same
 * counters move at the same calls (tests/test_mold.c runs both side by side).
 */
#include <stdlib.h>

#include "common/bytes.h"
#include "feed/mold_stream_impl.h"
#include "feed/udp_span.h"

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

/*
 * A run of lent packets the direct way, in order, stopping at the first that
 * is not the plain case (nothing done for it: push it with push_lent()) or
 * after the one that fills the batch. The state the loop moves (the batch's
 * fill, the session's next number, the line's counters) stays in locals and
 * is written back once: with ~1.3 messages a packet the per-packet cost is
 * most of it. An in-order heartbeat is only counted, as the general path
 * does, so it does not end the run. The line's counters come out as blanc__mold_line_account
 * would leave them packet by packet: the numbers of a run only go up.
 */
size_t blanc__mold_stream_push_spans(mold_stream *m, const udp_span *sp, size_t n, int *err)
{
    *err = 0;
    if (!direct_state(m) || !m->direct_all || n == 0)
        return 0;
    if (m->direct_cap - m->ndirect < n) {
        size_t cap = m->direct_cap ? m->direct_cap : 64;
        while (cap - m->ndirect < n)
            cap *= 2;
        mold_direct *d = realloc(m->direct, cap * sizeof *d);
        if (!d) {
            *err = BLANC_ENOMEM;
            return 0;
        }
        m->direct = d;
        m->direct_cap = cap;
    }
    uint32_t pair = m->last_pair - 1;
    mold_pair *lp = &m->pairs[pair];
    mold_session *s = &m->sessions[lp->session];
    const uint32_t group = lp->group, session = lp->session + 1;
    const uint16_t port = lp->port;
    uint64_t name8;
    uint16_t name2;
    memcpy(&name8, s->name, 8);
    memcpy(&name2, s->name + 8, 2);
    blanc_msg *dout = m->dout;
    mold_direct *dir = m->direct;
    const size_t dcap = m->dcap;
    size_t out = m->direct_out, nd = m->ndirect, msgs = 0, i = 0, beats = 0;
    uint64_t next = s->next;
    int all = 1;
    for (; i < n; i++) { /* after a packet that did not fit whole, room is 0 */
        const uint8_t *p = sp[i].p;
        size_t len = sp[i].n;
        uint64_t h8;
        uint16_t h2;
        if (len < MOLD_HEADER || sp[i].group != group || sp[i].port != port)
            break;
        memcpy(&h8, p, 8);
        memcpy(&h2, p + 8, 2);
        uint64_t seq = blanc_be64(p + 10);
        uint16_t count = blanc_be16(p + 18);
        size_t room = dcap - out;
        if (h8 != name8 || h2 != name2 || seq != next || seq == 0 || room == 0)
            break;
        if (count == MOLD_HEARTBEAT && len == MOLD_HEADER) {
            /* In order, nothing held: the general path counts it and is done
             * (its ready and held room were made at the session's first packet). */
            beats++;
            continue;
        }
        if (count == MOLD_HEARTBEAT || count == MOLD_END_OF_SESSION || seq > UINT64_MAX - count)
            break;
        /* Fill and check the blocks in one pass (blanc__mold_parse's rule:
         * they add up to the payload exactly). Entries past out are the
         * caller's spare room until counted, so a bad packet leaves nothing.
         * A packet that does not fit ends the batch with its first messages
         * (the rest come first in the next one, as after a pause). */
        blanc_msg *g = dout + out;
        uint32_t fit = count < room ? count : (uint32_t)room;
        uint64_t packet = sp[i].packet, offset = sp[i].offset;
        size_t pos = MOLD_HEADER;
        uint32_t b = 0;
        for (; b < fit && pos + 2 <= len; b++) {
            uint16_t ml = blanc_be16(p + pos);
            g[b] = (blanc_msg){.p = p + pos + 2, .len = ml, .session = session,
                               .offset = offset, .packet = packet, .seq = seq + b};
            pos += 2u + ml;
        }
        for (; b < count && pos + 2 <= len; b++)
            pos += 2u + blanc_be16(p + pos);
        if (b < count || pos != len)
            break; /* the general path counts it as damage */
        dir[nd++] = (mold_direct){
            .p = p, .n = len, .seq = seq, .packet = packet, .offset = offset,
            .ts_ns = sp[i].ts_ns, .session = lp->session, .pair = pair, .count = count,
            .idx = 0, .pos = MOLD_HEADER, .first = (uint32_t)out, .out_n = fit};
        out += fit;
        msgs += count;
        next = seq + count;
        all = fit == count;
    }
    if (i == 0)
        return 0;
    m->tk.valid = 0;
    m->st.packets += i;
    m->st.heartbeats += beats;
    lp->packets += i;
    lp->heartbeats += beats;
    if (!lp->have_ts) {
        lp->first_ts_ns = sp[0].ts_ns;
        lp->have_ts = 1;
    }
    lp->last_ts_ns = sp[i - 1].ts_ns;
    size_t data = nd - m->ndirect;
    if (data == 0)
        return i; /* heartbeats only */
    m->direct_out = out;
    m->direct_msgs += msgs;
    m->direct_lent = 1;
    m->direct_all = (uint8_t)all;
    s->next = next;
    s->last_pair = pair;
    lp->messages += msgs;
    uint64_t first = dir[m->ndirect].seq;
    m->ndirect = nd;
    if (!lp->have_seq || first < lp->first_seq)
        lp->first_seq = first;
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
    size_t k = blanc__mold_stream_push_spans(m, &one, 1, &err);
    return err ? err : (int)k;
}

size_t blanc__mold_direct_consume(mold_stream *m, size_t k)
{
    size_t out = m->direct_out, used = k < out ? k : out;
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
        for (uint32_t b = 0; b < c; b++)
            d->pos += 2u + blanc_be16(d->p + d->pos);
        d->idx = (uint16_t)(d->idx + c);
    }
    if (done) {
        memmove(m->direct, m->direct + done, (m->ndirect - done) * sizeof *m->direct);
        m->ndirect -= done;
    }
    for (size_t i = 0; i < m->ndirect; i++)
        m->direct[i].out_n = 0;
    m->dout = NULL;
    m->direct_out = 0;
    m->direct_all = 1;
    if (!m->ndirect)
        m->direct_lent = m->stash_used = 0;
    return k > out ? k - out : 0; /* the queue's share */
}

int blanc__mold_direct_release(mold_stream *m)
{
    if (!m->direct_lent)
        return 0;
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
