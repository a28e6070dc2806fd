/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A mold_stream's state as a blob (snapshots) and its per-line accounting
 * (capture info). The blob holds everything a paused replay needs to go on
 * exactly as if uninterrupted: counters, the session and line tables with
 * their gap ranges, every held packet and the ready packets with how far each
 * was consumed. Packets are stored whole and parsed again on restore, so a
 * damaged blob cannot make a later walk over their blocks run off the end.
 *
 * Layout (little-endian): "BMLD", u32 version (3), then the fields in the
 * order save() writes them. Version 1 (before the `late` counters, which
 * version 2 adds after the transport counters and after each line's) still
 * loads, with late 0; versions 1 and 2 (before the runs of numbers each line
 * won, which version 3 adds after each session's gap ranges) load with none,
 * so copies of numbers from before the cut go by the line that delivered
 * last, as they all did then. Options (channels, names, window) are not in it:
 * restore into a stream created with the same options.
 */
#include <stdlib.h>

#include "common/bytes.h"
#include "feed/mold_stream_impl.h"

#define MOLD_BLOB_VERSION 3u

typedef struct wbuf {
    uint8_t *p;
    size_t n, cap;
    int err;
} wbuf;

static void put(wbuf *w, const void *v, size_t n)
{
    /* A slot without bytes (a mark, or one only ever lent) has no buffer. */
    if (w->err || n == 0)
        return;
    uint8_t *p = mold_grow(w->p, &w->cap, w->n + n, 1, 1024);
    if (!p) {
        w->err = 1;
        return;
    }
    w->p = p;
    memcpy(w->p + w->n, v, n);
    w->n += n;
}

static void put8(wbuf *w, uint8_t v) { put(w, &v, 1); }
static void put16(wbuf *w, uint16_t v) { put(w, &v, 2); }
static void put32(wbuf *w, uint32_t v) { put(w, &v, 4); }
static void put64(wbuf *w, uint64_t v) { put(w, &v, 8); }

static void put_slot(wbuf *w, const mold_slot *s)
{
    put8(w, s->kind);
    put32(w, s->session);
    put32(w, s->pair);
    put64(w, s->packet);
    put64(w, s->offset);
    put64(w, s->ts_ns);
    put16(w, s->idx);
    put64(w, s->lost);
    put32(w, s->damage);
    put64(w, s->damage_at);
    put64(w, s->seq);
    put32(w, (uint32_t)s->len);
    put(w, s->buf, s->len);
}

/* A packet handed out directly is a ready slot like any other once saved
 * (it carries no lost or damage: the direct path takes none). */
static void put_direct(wbuf *w, const mold_direct *d)
{
    mold_slot s = {.buf = d->p, .len = d->n, .seq = d->seq, .count = d->count, .idx = d->idx,
                   .kind = SLOT_DATA, .session = d->session, .pair = d->pair,
                   .packet = d->packet, .offset = d->offset, .ts_ns = d->ts_ns};
    put_slot(w, &s);
}

static void put_stats(wbuf *w, const blanc_transport_stats *st)
{
    const uint64_t v[] = {st->packets,    st->messages,     st->sessions,  st->gaps,
                          st->lost_messages, st->duplicates, st->out_of_order,
                          st->arbitrated, st->heartbeats,   st->skipped,   st->bad_packets,
                          st->late};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        put64(w, v[i]);
}

int blanc__mold_stream_save(const mold_stream *m, uint8_t **blob, size_t *len)
{
    wbuf w = {0};
    put(&w, "BMLD", 4);
    put32(&w, MOLD_BLOB_VERSION);
    put_stats(&w, &m->st);
    put32(&w, m->pending_damage);
    put64(&w, m->pending_damage_at);
    put8(&w, m->unsequenced);
    put8(&w, m->default_chosen);
    put32(&w, m->nsessions);
    for (uint32_t i = 0; i < m->nsessions; i++) {
        const mold_session *s = &m->sessions[i];
        put(&w, s->name, 10);
        put8(&w, s->selected);
        put8(&w, s->started);
        put8(&w, s->ended);
        put64(&w, s->next);
        put32(&w, s->last_pair);
        put64(&w, s->pending_lost);
        put64(&w, s->gaps);
        put64(&w, s->lost);
        put32(&w, s->nranges);
        for (uint32_t r = 0; r < s->nranges; r++) {
            put64(&w, s->ranges[r][0]);
            put64(&w, s->ranges[r][1]);
        }
        put32(&w, s->win_n);
        for (uint32_t k = 0; k < s->win_n; k++) {
            const mold_win *x = &MOLD_WIN(s, k);
            put64(&w, x->from);
            put64(&w, x->to);
            put32(&w, x->pair);
        }
        put32(&w, s->nheld);
        for (uint32_t h = 0; h < s->nheld; h++)
            put_slot(&w, MOLD_HELD(s, h));
    }
    put32(&w, m->npairs);
    for (uint32_t i = 0; i < m->npairs; i++) {
        const mold_pair *p = &m->pairs[i];
        put32(&w, p->group);
        put16(&w, p->port);
        put32(&w, p->session);
        const uint64_t v[] = {p->packets,     p->messages,   p->first_seq,  p->last_seq,
                              p->first_ts_ns, p->last_ts_ns, p->duplicates, p->out_of_order,
                              p->heartbeats,  p->arbitrated, p->late};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            put64(&w, v[k]);
        put8(&w, p->ended);
        put8(&w, p->have_seq);
        put8(&w, p->have_ts);
    }
    /* Direct packets not consumed yet come before the queue (they precede it). */
    put32(&w, (uint32_t)(m->ndirect + m->nlazy + m->has_cut + m->ready_n));
    for (size_t r = 0; r < m->ndirect; r++)
        put_direct(&w, &m->direct[r]);
    for (size_t r = 0; r < m->nlazy; r++) {
        mold_direct d;
        blanc__mold_lazy_record(m, &m->lazy[r], &d);
        put_direct(&w, &d);
    }
    if (m->has_cut)
        put_direct(&w, &m->cut);
    for (size_t r = 0; r < m->ready_n; r++)
        put_slot(&w, m->ready[m->ready_head + r]);
    if (w.err) {
        free(w.p);
        *blob = NULL;
        *len = 0;
        return BLANC_ENOMEM;
    }
    *blob = w.p;
    *len = w.n;
    return 0;
}

/* ---- restore ---------------------------------------------------------- */

typedef struct rbuf {
    const uint8_t *p;
    size_t n, at;
    int err;
} rbuf;

static const uint8_t *get(rbuf *r, size_t n)
{
    if (r->err || r->n - r->at < n) {
        r->err = 1;
        return NULL;
    }
    const uint8_t *p = r->p + r->at;
    r->at += n;
    return p;
}

static uint8_t get8(rbuf *r)
{
    const uint8_t *p = get(r, 1);
    return p ? p[0] : 0;
}

static uint16_t get16(rbuf *r)
{
    const uint8_t *p = get(r, 2);
    return p ? blanc_le16(p) : 0;
}

static uint32_t get32(rbuf *r)
{
    const uint8_t *p = get(r, 4);
    return p ? blanc_le32(p) : 0;
}

static uint64_t get64(rbuf *r)
{
    const uint8_t *p = get(r, 8);
    return p ? blanc_le64(p) : 0;
}

/* One slot, checked: its packet parses to its kind, its position is inside. */
static mold_slot *get_slot(mold_stream *m, rbuf *r)
{
    uint8_t kind = get8(r);
    uint32_t session = get32(r), pair = get32(r);
    uint64_t packet = get64(r), offset = get64(r), ts = get64(r);
    uint16_t idx = get16(r);
    uint64_t lost = get64(r);
    uint32_t damage = get32(r);
    uint64_t damage_at = get64(r), seq = get64(r);
    uint32_t len = get32(r);
    const uint8_t *bytes = get(r, len);
    if (r->err || kind > SLOT_MARK)
        return NULL;
    /* A mark without loss carries only damage and may precede every session. */
    if (kind == SLOT_MARK ? (lost ? session >= m->nsessions : session != 0)
                          : session >= m->nsessions || pair >= m->npairs)
        return NULL;
    mold_packet pk = {0};
    if (kind == SLOT_MARK) {
        if (len || idx)
            return NULL;
    } else {
        if (blanc__mold_parse(bytes, len, &pk))
            return NULL;
        uint8_t want = pk.count == MOLD_HEARTBEAT       ? SLOT_HEARTBEAT
                       : pk.count == MOLD_END_OF_SESSION ? SLOT_END
                                                         : SLOT_DATA;
        if (want != kind || (kind == SLOT_DATA && (idx >= pk.count || (seq && seq != pk.seq))) ||
            (kind != SLOT_DATA && (idx || seq != pk.seq)))
            return NULL;
    }
    mold_slot *s = blanc__mold_slot_get(m, len);
    if (!s)
        return NULL;
    if (len)
        memcpy(s->own, bytes, len);
    s->kind = kind;
    s->session = session;
    s->pair = pair;
    s->packet = packet;
    s->offset = offset;
    s->ts_ns = ts;
    s->lost = lost;
    s->damage = damage;
    s->damage_at = damage_at;
    s->seq = seq;
    s->count = kind == SLOT_DATA ? pk.count : 0;
    blanc__mold_slot_skip(s, idx);
    return s;
}

static void get_stats(rbuf *r, blanc_transport_stats *st, uint32_t version)
{
    uint64_t *v[] = {&st->packets,    &st->messages,     &st->sessions,  &st->gaps,
                     &st->lost_messages, &st->duplicates, &st->out_of_order,
                     &st->arbitrated, &st->heartbeats,   &st->skipped,   &st->bad_packets};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        *v[i] = get64(r);
    st->late = version >= 2 ? get64(r) : 0;
}

/* A session's runs of won numbers: ascending, disjoint, below its next. */
static int get_wins(rbuf *r, mold_session *s)
{
    uint32_t n = get32(r);
    if (r->err || n > MOLD_WINNERS)
        return BLANC_EBADSNAP;
    if (n && !(s->win = malloc(MOLD_WINNERS * sizeof *s->win)))
        return BLANC_ENOMEM;
    uint64_t floor = 0;
    for (uint32_t k = 0; k < n; k++) {
        mold_win x = {get64(r), 0, 0};
        x.to = get64(r);
        x.pair = get32(r);
        if (r->err || x.from < floor || x.from >= x.to || x.to > s->next ||
            x.pair >= MOLD_MAX_PAIRS)
            return BLANC_EBADSNAP;
        s->win[k] = x;
        floor = x.to;
    }
    s->win_head = 0;
    s->win_n = n;
    return 0;
}

static int load(mold_stream *m, rbuf *r)
{
    const uint8_t *magic = get(r, 4);
    uint32_t version = magic && !memcmp(magic, "BMLD", 4) ? get32(r) : 0;
    if (version < 1 || version > MOLD_BLOB_VERSION)
        return BLANC_EBADSNAP;
    get_stats(r, &m->st, version);
    m->pending_damage = get32(r);
    m->pending_damage_at = get64(r);
    m->unsequenced = get8(r);
    m->default_chosen = get8(r);
    uint32_t ns = get32(r);
    if (r->err || ns > MOLD_MAX_SESSIONS || m->unsequenced > 1 || m->default_chosen > 1)
        return BLANC_EBADSNAP;
    /* Sessions first without their held slots (those name lines, read below). */
    size_t held_at[MOLD_MAX_SESSIONS];
    uint32_t held_n[MOLD_MAX_SESSIONS];
    for (uint32_t i = 0; i < ns; i++) {
        mold_session *s = &m->sessions[i];
        const uint8_t *name = get(r, 10);
        if (!name)
            return BLANC_EBADSNAP;
        memcpy(s->name, name, 10);
        size_t n = 10;
        while (n && name[n - 1] == ' ')
            n--;
        memcpy(s->str, name, n);
        s->str[n] = 0;
        s->selected = get8(r);
        s->started = get8(r);
        s->ended = get8(r);
        s->next = get64(r);
        s->last_pair = get32(r);
        s->pending_lost = get64(r);
        s->gaps = get64(r);
        s->lost = get64(r);
        uint32_t nr = get32(r);
        if (r->err || nr > MOLD_MAX_GAP_RANGES || nr > s->gaps || s->selected > 1 ||
            s->started > 1 || s->ended > 1)
            return BLANC_EBADSNAP;
        m->nsessions = i + 1;
        if (nr) {
            s->ranges = calloc(nr, sizeof *s->ranges);
            if (!s->ranges)
                return BLANC_ENOMEM;
            s->cap_ranges = nr;
        }
        for (uint32_t k = 0; k < nr; k++) {
            s->ranges[k][0] = get64(r);
            s->ranges[k][1] = get64(r);
            /* Ascending and disjoint, below next (in_lost's search and
             * lengths rely on it). */
            if (s->ranges[k][0] > s->ranges[k][1] || s->ranges[k][1] >= s->next ||
                (k && s->ranges[k][0] <= s->ranges[k - 1][1]))
                return BLANC_EBADSNAP;
        }
        s->nranges = nr;
        if (version >= 3) {
            int rc = get_wins(r, s);
            if (rc)
                return rc;
        }
        uint32_t nh = get32(r);
        if (r->err || nh > m->window || (nh && !s->selected))
            return BLANC_EBADSNAP;
        held_at[i] = r->at;
        /* Skip the slots for now: each is a fixed part and its bytes. */
        for (uint32_t h = 0; h < nh; h++) {
            if (!get(r, 1 + 4 + 4 + 8 * 3 + 2 + 8 + 4 + 8 + 8))
                return BLANC_EBADSNAP;
            uint32_t len = get32(r);
            if (!get(r, len))
                return BLANC_EBADSNAP;
        }
        held_n[i] = nh; /* read into held below */
    }
    uint32_t np = get32(r);
    if (r->err || np > MOLD_MAX_PAIRS)
        return BLANC_EBADSNAP;
    for (uint32_t i = 0; i < np; i++) {
        mold_pair *p = &m->pairs[i];
        p->group = get32(r);
        p->port = get16(r);
        p->session = get32(r);
        uint64_t *v[] = {&p->packets,     &p->messages,   &p->first_seq,  &p->last_seq,
                         &p->first_ts_ns, &p->last_ts_ns, &p->duplicates, &p->out_of_order,
                         &p->heartbeats,  &p->arbitrated};
        for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
            *v[k] = get64(r);
        p->late = version >= 2 ? get64(r) : 0;
        p->ended = get8(r);
        p->have_seq = get8(r);
        p->have_ts = get8(r);
        if (r->err || p->session >= ns || p->ended > 1 || p->have_seq > 1 || p->have_ts > 1)
            return BLANC_EBADSNAP;
    }
    m->npairs = np;
    size_t ready_at = r->at;
    for (uint32_t i = 0; i < ns; i++) {
        mold_session *s = &m->sessions[i];
        uint32_t nh = held_n[i];
        if (!nh)
            continue;
        int rc = blanc__mold_session_held_alloc(m, s);
        if (rc)
            return rc;
        r->at = held_at[i];
        for (uint32_t h = 0; h < nh; h++) {
            mold_slot *sl = get_slot(m, r);
            if (!sl)
                return BLANC_EBADSNAP;
            s->held[s->nheld++] = sl;
            m->held_bytes += sl->len;
            const mold_slot *prev = h ? s->held[h - 1] : NULL;
            if (sl->kind == SLOT_MARK || sl->session != i || sl->seq <= s->next ||
                (prev && (prev->seq > sl->seq || (prev->seq == sl->seq && prev->kind > sl->kind))))
                return BLANC_EBADSNAP;
        }
    }
    r->at = ready_at;
    uint32_t nr = get32(r);
    if (r->err || nr > (r->n - r->at) / 16 + 1)
        return BLANC_EBADSNAP;
    if (blanc__mold_ready_reserve(m, nr))
        return BLANC_ENOMEM;
    for (uint32_t k = 0; k < nr; k++) {
        mold_slot *sl = get_slot(m, r);
        if (!sl)
            return BLANC_EBADSNAP;
        m->ready[m->ready_head + m->ready_n++] = sl;
        m->ready_msgs += sl->kind == SLOT_MARK ? 1u : (size_t)(sl->count - sl->idx);
        if (sl->kind == SLOT_HEARTBEAT || sl->kind == SLOT_END)
            return BLANC_EBADSNAP;
    }
    if (r->at != r->n)
        return BLANC_EBADSNAP;
    blanc__mold_rehash(m);
    return 0;
}

int blanc__mold_stream_restore(mold_stream *m, const uint8_t *blob, size_t len)
{
    blanc__mold_reset(m);
    rbuf r = {blob, len, 0, 0};
    int rc = load(m, &r);
    if (rc) {
        blanc__mold_reset(m);
        return rc == BLANC_ENOMEM ? rc : BLANC_EBADSNAP;
    }
    return 0;
}

/* ---- capture info ----------------------------------------------------- */

size_t blanc__mold_stream_info_count(const mold_stream *m)
{
    return m->npairs;
}

int blanc__mold_stream_info(const mold_stream *m, size_t i, mold_session_info *out)
{
    if (i >= m->npairs)
        return BLANC_ENOTFOUND;
    const mold_pair *p = &m->pairs[i];
    const mold_session *s = &m->sessions[p->session];
    memset(out, 0, sizeof *out);
    memcpy(out->session, s->str, sizeof out->session);
    out->group = p->group;
    out->port = p->port;
    out->packets = p->packets;
    out->messages = p->messages;
    out->first_seq = p->first_seq;
    out->last_seq = p->last_seq;
    out->first_ts_ns = p->first_ts_ns;
    out->last_ts_ns = p->last_ts_ns;
    out->gaps = s->gaps;
    out->lost = s->lost;
    out->duplicates = p->duplicates;
    out->out_of_order = p->out_of_order;
    out->heartbeats = p->heartbeats;
    out->arbitrated = p->arbitrated;
    out->late = p->late;
    out->selected = s->selected;
    out->ended = p->ended;
    return 0;
}

int blanc__mold_stream_gap(const mold_stream *m, size_t i, uint64_t k, uint64_t *from,
                           uint64_t *to)
{
    if (i >= m->npairs)
        return BLANC_ENOTFOUND;
    const mold_session *s = &m->sessions[m->pairs[i].session];
    if (k >= s->nranges)
        return BLANC_ENOTFOUND;
    *from = s->ranges[k][0];
    *to = s->ranges[k][1];
    return 0;
}
