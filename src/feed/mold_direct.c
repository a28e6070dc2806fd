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

/* One packet of lp's line (of session s) the direct way: 1, 0 (not the plain
 * case: nothing done), or BLANC_ENOMEM. */
static inline int direct_one(mold_stream *m, mold_pair *lp, mold_session *s, uint32_t group,
                             uint16_t port, uint64_t packet, uint64_t offset, uint64_t ts_ns,
                             const uint8_t *p, size_t n)
{
    if (!m->direct_all || n < MOLD_HEADER || lp->group != group || lp->port != port ||
        memcmp(s->name, p, 10))
        return 0;
    uint64_t seq = blanc_be64(p + 10);
    uint16_t count = blanc_be16(p + 18);
    size_t room = m->dcap - m->direct_out;
    if (seq != s->next || seq == 0 || count == MOLD_HEARTBEAT || count == MOLD_END_OF_SESSION ||
        room == 0 || seq > UINT64_MAX - count)
        return 0;
    if (m->ndirect == m->direct_cap) {
        size_t cap = m->direct_cap ? m->direct_cap * 2 : 64;
        mold_direct *d = realloc(m->direct, cap * sizeof *d);
        if (!d)
            return BLANC_ENOMEM;
        m->direct = d;
        m->direct_cap = cap;
    }
    /* Fill and check the blocks in one pass (blanc__mold_parse's rule: they
     * add up to the payload exactly). Entries past direct_out are the
     * caller's spare room until counted, so a bad packet leaves nothing. A
     * packet that does not fit ends the batch with its first messages (the
     * rest come first in the next one, as after a pause). */
    blanc_msg *g = m->dout + m->direct_out;
    uint32_t session = lp->session + 1, fit = count < room ? count : (uint32_t)room;
    size_t pos = MOLD_HEADER;
    for (uint32_t i = 0; i < fit; i++) {
        if (pos + 2 > n)
            return 0;
        uint16_t len = blanc_be16(p + pos);
        g[i] = (blanc_msg){.p = p + pos + 2, .len = len, .session = session,
                           .offset = offset, .packet = packet, .seq = seq + i};
        pos += 2u + len;
    }
    for (uint32_t i = fit; i < count; i++) {
        if (pos + 2 > n)
            return 0;
        pos += 2u + blanc_be16(p + pos);
    }
    if (pos != n)
        return 0; /* the general path counts it as damage */
    m->tk.valid = 0;
    m->st.packets++;
    blanc__mold_line_account(lp, seq, count, ts_ns);
    s->next = seq + count;
    s->last_pair = m->last_pair - 1;
    m->direct[m->ndirect++] = (mold_direct){
        .p = p, .n = n, .seq = seq, .packet = packet, .offset = offset, .ts_ns = ts_ns,
        .session = lp->session, .pair = m->last_pair - 1, .count = count, .idx = 0,
        .pos = MOLD_HEADER, .first = (uint32_t)m->direct_out, .out_n = fit};
    m->direct_out += fit;
    m->direct_msgs += count;
    m->direct_lent = 1;
    m->direct_all = fit == count;
    return 1;
}

int blanc__mold_stream_push_direct(mold_stream *m, const mold_origin *o, const uint8_t *p,
                                   size_t n)
{
    if (!direct_state(m))
        return 0;
    mold_pair *lp = &m->pairs[m->last_pair - 1];
    return direct_one(m, lp, &m->sessions[lp->session], o->group, o->port, o->packet, o->offset,
                      o->ts_ns, p, n);
}

/* push_direct() of each in turn, in one loop: the capture's fast walk hands
 * over its packets in runs, so the per-packet cost is the checks alone. */
size_t blanc__mold_stream_push_spans(mold_stream *m, const udp_span *sp, size_t n, int *err)
{
    *err = 0;
    if (!direct_state(m))
        return 0;
    mold_pair *lp = &m->pairs[m->last_pair - 1];
    mold_session *s = &m->sessions[lp->session];
    size_t i = 0;
    for (; i < n; i++) {
        int rc = direct_one(m, lp, s, sp[i].group, sp[i].port, sp[i].packet, sp[i].offset,
                            sp[i].ts_ns, sp[i].p, sp[i].n);
        if (rc != 1) {
            *err = rc < 0 ? rc : 0;
            break;
        }
    }
    return i;
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
