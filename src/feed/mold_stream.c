/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The MoldUDP64 stream (docs/FEEDS.md "MoldUDP64 sequencing"): packets from
 * one or more channels in, one sequenced message stream per selected session
 * out.
 *
 * Each selected session keeps the next number it expects. A packet at that
 * number is delivered; one below it is a copy (dropped: a duplicate when its
 * own line had already sent that number, else arbitrated, the other line was
 * first); one that overlaps it delivers only its new messages; one above it is
 * held, sorted, until the numbers before it arrive. When more than the reorder
 * window are held, the numbers missing before the lowest held packet are a
 * certain gap: counted, kept as a range, and carried as `lost` by the next
 * message the session delivers. A/B arbitration falls out of this: both lines
 * feed the same session, so a number lost on one line and present on the
 * other fills in before the window runs out.
 *
 * Messages are handed out from copies the stream owns (slots), so a paused
 * take() (consume(k) with k short) resumes where it stopped after any number
 * of pushes, and a snapshot can save exactly what is pending (mold_save.c).
 * A caller that can keep its packets valid for a while (the capture feed: a
 * classic pcap read in place from the source's window) pushes them lent: a
 * packet delivered in order then stays where it is, and the caller calls
 * release() before its bytes go away, which copies what is still ready.
 */
#include <stdlib.h>

#include "common/bytes.h"
#include "feed/mold_stream_impl.h"

/* ---- options ---------------------------------------------------------- */

static int parse_u32(const char *s, size_t n, uint32_t max, uint32_t *out)
{
    if (n == 0 || n > 5)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

int blanc__mold_parse_channel(const char *s, uint32_t *group, uint16_t *port)
{
    const char *colon = strrchr(s, ':');
    uint32_t v;
    if (!colon || parse_u32(colon + 1, strlen(colon + 1), 65535, &v) || v == 0)
        return BLANC_EINVAL;
    *port = (uint16_t)v;
    *group = 0;
    if (colon == s)
        return 0;
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        const char *end = p;
        while (end < colon && *end != '.')
            end++;
        uint32_t octet;
        if (parse_u32(p, (size_t)(end - p), 255, &octet))
            return BLANC_EINVAL;
        *group = *group << 8 | octet;
        if (i < 3) {
            if (end == colon)
                return BLANC_EINVAL;
            p = end + 1;
        } else if (end != colon) {
            return BLANC_EINVAL;
        }
    }
    return 0;
}

/* A user's session name: up to 10 bytes, padded with spaces. */
static int parse_session(const char *s, char out[10])
{
    size_t n = strlen(s);
    if (n == 0 || n > 10)
        return BLANC_EINVAL;
    memset(out, ' ', 10);
    memcpy(out, s, n);
    return 0;
}

int blanc__mold_stream_create(mold_stream **out, const mold_stream_options *o)
{
    *out = NULL;
    mold_stream *m = calloc(1, sizeof *m);
    if (!m)
        return BLANC_ENOMEM;
    int rc = BLANC_ENOMEM;
    m->sessions = calloc(MOLD_MAX_SESSIONS, sizeof *m->sessions);
    m->pairs = calloc(MOLD_MAX_PAIRS, sizeof *m->pairs);
    if (!m->sessions || !m->pairs)
        goto fail;
    m->window = o && o->reorder_window ? o->reorder_window : MOLD_DEFAULT_WINDOW;
    if (m->window > MOLD_MAX_WINDOW)
        m->window = MOLD_MAX_WINDOW;
    m->account_all = o && o->account_all;
    if (o && o->n_channels) {
        m->channels = calloc(o->n_channels, sizeof *m->channels);
        if (!m->channels)
            goto fail;
        for (size_t i = 0; i < o->n_channels; i++) {
            mold_channel *c = &m->channels[i];
            if (!o->channels[i] ||
                blanc__mold_parse_channel(o->channels[i], &c->group, &c->port)) {
                rc = BLANC_EINVAL;
                goto fail;
            }
            c->any_group = o->channels[i][0] == ':';
        }
        m->nchannels = o->n_channels;
    }
    if (o && o->n_sessions) {
        m->want = calloc(o->n_sessions, sizeof *m->want);
        if (!m->want)
            goto fail;
        for (size_t i = 0; i < o->n_sessions; i++)
            if (!o->sessions[i] || parse_session(o->sessions[i], m->want[i])) {
                rc = BLANC_EINVAL;
                goto fail;
            }
        m->nwant = o->n_sessions;
    }
    *out = m;
    return 0;
fail:
    blanc__mold_stream_free(m);
    return rc;
}

/* ---- slots and queues ------------------------------------------------- */

mold_slot *blanc__mold_slot_get(mold_stream *m, size_t len)
{
    mold_slot *s = m->free_slots;
    if (s) {
        m->free_slots = s->next_free;
    } else {
        s = calloc(1, sizeof *s);
        if (!s)
            return NULL;
    }
    if (s->cap < len) {
        size_t cap = len < 2048 ? 2048 : len;
        uint8_t *b = realloc(s->own, cap);
        if (!b) {
            s->next_free = m->free_slots;
            m->free_slots = s;
            return NULL;
        }
        s->own = b;
        s->cap = cap;
    }
    s->buf = s->own;
    s->lent = 0;
    s->answer = m->answering;
    /* Field by field: a memset of the whole slot costs more than the rest of
     * a packet's bookkeeping. */
    s->len = len;
    s->seq = 0;
    s->count = s->idx = 0;
    s->pos = MOLD_HEADER;
    s->kind = SLOT_DATA;
    s->session = s->pair = 0;
    s->packet = s->offset = s->ts_ns = 0;
    s->lost = 0;
    s->damage = 0;
    s->damage_at = 0;
    s->next_free = NULL;
    return s;
}

void blanc__mold_slot_put(mold_stream *m, mold_slot *s)
{
    if (s->lent) {
        s->lent = 0;
        m->nlent--;
    }
    s->next_free = m->free_slots;
    m->free_slots = s;
}

void blanc__mold_slot_skip(mold_slot *s, uint32_t k)
{
    size_t pos = s->pos;
    uint32_t idx = s->idx, end = s->count - idx < k ? s->count : idx + k;
    for (; idx < end; idx++)
        pos += 2u + blanc_be16(s->buf + pos);
    s->pos = pos;
    s->idx = (uint16_t)idx;
}

/* Room for extra more ready slots, so that enqueue() cannot fail midway. */
int blanc__mold_ready_reserve(mold_stream *m, size_t extra)
{
    if (m->ready_head + m->ready_n + extra <= m->ready_cap)
        return 0;
    if (m->ready_head) {
        memmove(m->ready, m->ready + m->ready_head, m->ready_n * sizeof *m->ready);
        m->ready_head = 0;
        if (m->ready_n + extra <= m->ready_cap)
            return 0;
    }
    mold_slot **r = mold_grow(m->ready, &m->ready_cap, m->ready_n + extra, sizeof *r, 64);
    if (!r)
        return BLANC_ENOMEM;
    m->ready = r;
    return 0;
}

/* The damage of bad packets pushed since the last ready slot goes with this
 * one: its first message is the next message after them. */
static void enqueue(mold_stream *m, mold_slot *s)
{
    if (m->pending_damage) {
        s->damage = m->pending_damage;
        s->damage_at = m->pending_damage_at;
        m->pending_damage = 0;
    }
    m->ready[m->ready_head + m->ready_n++] = s;
    m->ready_msgs += s->kind == SLOT_MARK ? 1u : (size_t)(s->count - s->idx);
}

int blanc__mold_session_held_alloc(mold_stream *m, mold_session *s)
{
    if (s->held)
        return 0;
    s->held = calloc(2 * ((size_t)m->window + 1), sizeof *s->held);
    return s->held ? 0 : BLANC_ENOMEM;
}

/* ---- lookup tables ---------------------------------------------------- */

static uint32_t session_hash(const char name[10])
{
    return (uint32_t)blanc_fnv1a64(BLANC_FNV64_OFFSET, name, 10) & (MOLD_SESSION_HASH - 1);
}

static uint32_t pair_hash(uint32_t group, uint16_t port, uint32_t session)
{
    uint64_t k = ((uint64_t)group << 32 | (uint64_t)port << 16 | session) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(k >> 53) & (MOLD_PAIR_HASH - 1);
}

void blanc__mold_rehash(mold_stream *m)
{
    memset(m->session_hash, 0, sizeof m->session_hash);
    memset(m->pair_hash, 0, sizeof m->pair_hash);
    for (uint32_t i = 0; i < m->nsessions; i++) {
        uint32_t h = session_hash(m->sessions[i].name);
        while (m->session_hash[h])
            h = (h + 1) & (MOLD_SESSION_HASH - 1);
        m->session_hash[h] = (uint16_t)(i + 1);
    }
    for (uint32_t i = 0; i < m->npairs; i++) {
        const mold_pair *p = &m->pairs[i];
        uint32_t h = pair_hash(p->group, p->port, p->session);
        while (m->pair_hash[h])
            h = (h + 1) & (MOLD_PAIR_HASH - 1);
        m->pair_hash[h] = (uint16_t)(i + 1);
    }
    m->last_pair = 0;
    m->last_session = 0;
}

static int wanted(const mold_stream *m, const char name[10])
{
    for (size_t i = 0; i < m->nwant; i++)
        if (!memcmp(m->want[i], name, 10))
            return 1;
    return 0;
}

/* The session's index, entered on first sight; -1 when the table is full. */
static int64_t session_find(mold_stream *m, const char name[10])
{
    if (m->last_session && !memcmp(m->sessions[m->last_session - 1].name, name, 10))
        return m->last_session - 1; /* a run of packets of one session */
    uint32_t h = session_hash(name);
    for (; m->session_hash[h]; h = (h + 1) & (MOLD_SESSION_HASH - 1)) {
        uint32_t i = m->session_hash[h] - 1u;
        if (!memcmp(m->sessions[i].name, name, 10)) {
            m->last_session = i + 1;
            return i;
        }
    }
    if (m->nsessions == MOLD_MAX_SESSIONS)
        return -1;
    uint32_t i = m->nsessions++;
    mold_session *s = &m->sessions[i];
    memset(s, 0, sizeof *s);
    memcpy(s->name, name, 10);
    size_t n = 10;
    while (n && name[n - 1] == ' ')
        n--;
    memcpy(s->str, name, n);
    s->str[n] = 0;
    if (m->account_all)
        s->selected = 1;
    else if (m->nwant)
        s->selected = (uint8_t)wanted(m, name);
    else if (!m->default_chosen)
        s->selected = m->default_chosen = 1;
    m->session_hash[h] = (uint16_t)(i + 1);
    m->last_session = i + 1;
    return i;
}

static int64_t pair_find(mold_stream *m, const mold_origin *o, uint32_t session)
{
    if (m->last_pair) {
        const mold_pair *p = &m->pairs[m->last_pair - 1];
        if (p->group == o->group && p->port == o->port && p->session == session)
            return m->last_pair - 1;
    }
    uint32_t h = pair_hash(o->group, o->port, session);
    for (; m->pair_hash[h]; h = (h + 1) & (MOLD_PAIR_HASH - 1)) {
        uint32_t i = m->pair_hash[h] - 1u;
        const mold_pair *p = &m->pairs[i];
        if (p->group == o->group && p->port == o->port && p->session == session) {
            m->last_pair = i + 1;
            return i;
        }
    }
    if (m->npairs == MOLD_MAX_PAIRS)
        return -1;
    uint32_t i = m->npairs++;
    mold_pair *p = &m->pairs[i];
    memset(p, 0, sizeof *p);
    p->group = o->group;
    p->port = o->port;
    p->session = session;
    m->pair_hash[h] = (uint16_t)(i + 1);
    m->last_pair = i + 1;
    return i;
}

static int channel_ok(const mold_stream *m, const mold_origin *o)
{
    if (!m->nchannels)
        return 1;
    for (size_t i = 0; i < m->nchannels; i++) {
        const mold_channel *c = &m->channels[i];
        if (c->port == o->port && (c->any_group || c->group == o->group))
            return 1;
    }
    return 0;
}

/* ---- sequencing ------------------------------------------------------- */

/* Copies of numbers already delivered (or held): a duplicate when the copy
 * that won came on the same line, else arbitrated (the other line was first). */
static void copies(mold_stream *m, uint32_t pair, uint64_t dup, uint64_t arb)
{
    m->st.duplicates += dup;
    m->pairs[pair].duplicates += dup;
    m->st.arbitrated += arb;
    m->pairs[pair].arbitrated += arb;
}

static void redundant(mold_stream *m, uint32_t pair, uint32_t winner, uint64_t n)
{
    copies(m, pair, pair == winner ? n : 0, pair == winner ? 0 : n);
}

void blanc__mold_won(mold_session *s, uint64_t from, uint64_t to, uint32_t pair)
{
    if (from >= to)
        return;
    if (s->win_n) {
        mold_win *w = &MOLD_WIN(s, s->win_n - 1);
        if (w->pair == pair && w->to == from) {
            w->to = to; /* the common case: one line delivering on */
            return;
        }
    } else if (!s->win && !(s->win = malloc(MOLD_WINNERS * sizeof *s->win))) {
        return;
    }
    if (s->win_n == MOLD_WINNERS) {
        s->win_head = (s->win_head + 1) & (MOLD_WINNERS - 1);
        s->win_n--;
    }
    MOLD_WIN(s, s->win_n) = (mold_win){from, to, pair};
    s->win_n++;
}

/* Of the n numbers from seq (below next), how many line `pair` delivered
 * (*own) and how many another line did (*other), as far as the runs go. */
static void winners(const mold_session *s, uint32_t pair, uint64_t seq, uint64_t n,
                    uint64_t *own, uint64_t *other)
{
    *own = *other = 0;
    uint32_t lo = 0, hi = s->win_n;
    while (lo < hi) { /* the first run that ends past seq */
        uint32_t mid = lo + (hi - lo) / 2;
        if (MOLD_WIN(s, mid).to <= seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t end = seq + n; /* fits: seq + count does (mold.c) */
    for (uint32_t i = lo; i < s->win_n && MOLD_WIN(s, i).from < end; i++) {
        const mold_win *w = &MOLD_WIN(s, i);
        uint64_t k = (w->to < end ? w->to : end) - (w->from > seq ? w->from : seq);
        *(w->pair == pair ? own : other) += k;
    }
}

/* Messages of the lost ranges of s among the n from seq (ranges are
 * ascending and disjoint; only the first MOLD_MAX_GAP_RANGES are kept, so a
 * copy of a number lost later than that counts as a copy). */
static uint64_t in_lost(const mold_session *s, uint64_t seq, uint64_t n)
{
    uint32_t lo = 0, hi = s->nranges;
    while (lo < hi) { /* the first range that ends at or after seq */
        uint32_t mid = (lo + hi) / 2;
        if (s->ranges[mid][1] < seq)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint64_t end = seq + n, k = 0;
    for (uint32_t i = lo; i < s->nranges && s->ranges[i][0] < end; i++) {
        uint64_t a = s->ranges[i][0] > seq ? s->ranges[i][0] : seq;
        uint64_t b = s->ranges[i][1] + 1 < end ? s->ranges[i][1] + 1 : end;
        k += b - a;
    }
    return k;
}

/* n messages from seq that came on line `pair` with numbers below the
 * session's next: late where their numbers were declared lost (they stay
 * lost: the stream went on without them), else copies (redundant). */
static void below_next(mold_stream *m, const mold_session *s, uint32_t pair, uint64_t seq,
                       uint64_t n)
{
    uint64_t late = s->gaps ? in_lost(s, seq, n) : 0;
    if (late) {
        m->st.late += late;
        m->pairs[pair].late += late;
    }
    if (n <= late)
        return;
    /* The winner of each number, where the runs know it: the line that
     * delivered last is not it once lines take turns (A wins 2, B wins 3, A's
     * copy of 3 and B's of 2 come after both). */
    uint64_t own, other;
    winners(s, pair, seq, n, &own, &other);
    uint64_t rest = n - late > own + other ? n - late - own - other : 0;
    if (s->last_pair == pair)
        own += rest;
    else
        other += rest;
    copies(m, pair, own, other);
}

/* A data packet that came after a higher number of its session (held, or a
 * heartbeat past it): out of order. Packets held behind a hole in arrival
 * order are not: behind a loss, every packet would count. */
static void late(mold_stream *m, uint32_t pair)
{
    m->st.out_of_order++;
    m->pairs[pair].out_of_order++;
}

/* Take the lowest held slot out. */
static mold_slot *release(mold_stream *m, mold_session *s)
{
    mold_slot *h = s->held[s->hhead++];
    if (!--s->nheld)
        s->hhead = 0;
    m->held_bytes -= h->len;
    return h;
}

/* Put sl at sorted position lo, shifting the shorter side. */
static void insert_held(mold_session *s, uint32_t lo, mold_slot *sl, uint32_t window)
{
    if (s->hhead && lo < s->nheld / 2) {
        s->hhead--;
        memmove(s->held + s->hhead, s->held + s->hhead + 1, lo * sizeof *s->held);
    } else {
        if (s->hhead + s->nheld == 2 * (window + 1)) {
            memmove(s->held, s->held + s->hhead, s->nheld * sizeof *s->held);
            s->hhead = 0;
        }
        memmove(s->held + s->hhead + lo + 1, s->held + s->hhead + lo,
                (s->nheld - lo) * sizeof *s->held);
    }
    MOLD_HELD(s, lo) = sl;
    s->nheld++;
}

/* A slot whose first number is at or below next: deliver what is new. */
static void deliver(mold_stream *m, mold_session *s, mold_slot *sl)
{
    if (sl->kind == SLOT_END) {
        s->ended = 1;
        blanc__mold_slot_put(m, sl);
        return;
    }
    if (sl->kind == SLOT_HEARTBEAT || sl->seq + sl->count <= s->next) {
        if (sl->kind == SLOT_DATA)
            below_next(m, s, sl->pair, sl->seq, sl->count);
        blanc__mold_slot_put(m, sl);
        return;
    }
    uint64_t old = s->next - sl->seq; /* overlap: the first ones came already */
    if (old) {
        below_next(m, s, sl->pair, sl->seq, old);
        blanc__mold_slot_skip(sl, (uint32_t)old);
    }
    blanc__mold_won(s, s->next, sl->seq + sl->count, sl->pair);
    if (sl->answer) /* the numbers it makes ready are the server's doing */
        m->recovered += sl->seq + sl->count - s->next;
    s->next = sl->seq + sl->count;
    s->last_pair = sl->pair;
    sl->lost = s->pending_lost;
    s->pending_lost = 0;
    enqueue(m, sl);
}

/* Held slots that the next number has reached. */
static void drain(mold_stream *m, mold_session *s)
{
    while (s->nheld && MOLD_HELD(s, 0)->seq <= s->next)
        deliver(m, s, release(m, s));
}

/* The numbers before the lowest held slot are not coming: a certain gap. */
static void declare_gap(mold_stream *m, mold_session *s)
{
    uint64_t to = MOLD_HELD(s, 0)->seq, lost = to - s->next;
    /* Lost still pending means nothing was delivered since the last gap, which
     * ended right below next (only gaps move next without delivering): the
     * same run of missing numbers, learnt in two steps (a heartbeat between
     * two lost packets). One gap, one range. */
    int extends = s->pending_lost != 0;
    s->pending_lost += lost;
    s->lost += lost;
    m->st.lost_messages += lost;
    if (extends) {
        if (s->nranges == s->gaps && s->nranges)
            s->ranges[s->nranges - 1][1] = to - 1;
        s->next = to;
        drain(m, s);
        return;
    }
    s->gaps++;
    m->st.gaps++;
    if (s->nranges < MOLD_MAX_GAP_RANGES) {
        if (s->nranges == s->cap_ranges) {
            uint32_t cap = s->cap_ranges ? s->cap_ranges * 2 : 16;
            if (cap > MOLD_MAX_GAP_RANGES)
                cap = MOLD_MAX_GAP_RANGES;
            uint64_t(*r)[2] = realloc(s->ranges, cap * sizeof *r);
            if (r) {
                s->ranges = r;
                s->cap_ranges = cap;
            }
        }
        if (s->nranges < s->cap_ranges) {
            s->ranges[s->nranges][0] = s->next;
            s->ranges[s->nranges][1] = to - 1;
            s->nranges++;
        }
    }
    s->next = to;
    drain(m, s);
}

static int key_less(const mold_slot *a, uint64_t seq, uint8_t kind)
{
    return a->seq < seq || (a->seq == seq && a->kind < kind);
}

/* Hold an early packet (seq > next); copies held elsewhere drop it. */
static int hold(mold_stream *m, mold_session *s, const mold_packet *pk, uint8_t kind,
                uint32_t pair, const mold_origin *o, const uint8_t *p, size_t n)
{
    uint32_t lo = 0, hi = s->nheld;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (key_less(MOLD_HELD(s, mid), pk->seq, kind))
            lo = mid + 1;
        else
            hi = mid;
    }
    uint16_t count = kind == SLOT_DATA ? pk->count : 0;
    uint64_t end = pk->seq + count;
    const mold_slot *at = lo < s->nheld ? MOLD_HELD(s, lo) : NULL;
    const mold_slot *before = lo ? MOLD_HELD(s, lo - 1) : NULL;
    const mold_slot *cover = NULL;
    if (at && at->seq == pk->seq && at->kind == kind && at->seq + at->count >= end)
        cover = at;
    else if (before && kind == SLOT_DATA && before->kind == SLOT_DATA &&
             before->seq + before->count >= end)
        cover = before;
    if (cover) {
        if (kind == SLOT_DATA)
            redundant(m, pair, cover->pair, count);
        return 0;
    }
    mold_slot *sl = blanc__mold_slot_get(m, n);
    if (!sl)
        return BLANC_ENOMEM;
    memcpy(sl->own, p, n);
    sl->seq = pk->seq;
    sl->count = count;
    sl->kind = kind;
    sl->session = (uint32_t)(s - m->sessions);
    sl->pair = pair;
    sl->packet = o->packet;
    sl->offset = o->offset;
    sl->ts_ns = o->ts_ns;
    if (kind == SLOT_DATA && s->nheld && MOLD_HELD(s, s->nheld - 1)->seq > pk->seq)
        late(m, pair);
    insert_held(s, lo, sl, m->window);
    m->held_bytes += n;
    while (s->nheld && (s->nheld > m->window || m->held_bytes > MOLD_HELD_BYTES_CAP))
        declare_gap(m, s);
    return 0;
}

void blanc__mold_line_account(mold_pair *lp, uint64_t seq, uint16_t count, uint64_t ts_ns)
{
    lp->packets++;
    if (!lp->have_ts) {
        lp->first_ts_ns = ts_ns;
        lp->have_ts = 1;
    }
    lp->last_ts_ns = ts_ns;
    if (count == MOLD_HEARTBEAT) {
        lp->heartbeats++;
    } else if (count == MOLD_END_OF_SESSION) {
        lp->ended = 1;
    } else {
        lp->messages += count;
        if (seq) {
            uint64_t last = seq + count - 1;
            if (!lp->have_seq || seq < lp->first_seq)
                lp->first_seq = seq;
            if (!lp->have_seq || last > lp->last_seq)
                lp->last_seq = last;
            lp->have_seq = 1;
        }
    }
}

/* A slot for a packet about to be delivered: a copy, or the caller's bytes
 * when they are lent. */
static int copy_ready(mold_stream *m, const mold_packet *pk, uint32_t session, uint32_t pair,
                      const mold_origin *o, const uint8_t *p, size_t n, int lent,
                      mold_slot **out)
{
    mold_slot *sl = blanc__mold_slot_get(m, lent ? 0 : n);
    if (!sl)
        return BLANC_ENOMEM;
    if (lent) {
        sl->buf = p;
        sl->len = n;
        sl->lent = 1;
        m->nlent++;
    } else {
        memcpy(sl->own, p, n);
    }
    sl->seq = pk->seq;
    sl->count = pk->count;
    sl->kind = SLOT_DATA;
    sl->session = session;
    sl->pair = pair;
    sl->packet = o->packet;
    sl->offset = o->offset;
    sl->ts_ns = o->ts_ns;
    *out = sl;
    return 0;
}

static int push(mold_stream *m, const mold_origin *o, const uint8_t *p, size_t n, int lent)
{
    m->tk.valid = 0; /* the ready queue may move */
    m->st.packets++;
    if (!channel_ok(m, o)) {
        m->st.skipped++;
        return 1;
    }
    mold_packet pk;
    if (blanc__mold_parse(p, n, &pk)) {
        if (!m->pending_damage)
            m->pending_damage_at = o->offset;
        m->pending_damage++;
        m->st.bad_packets++;
        return BLANC_EBADPACKET;
    }
    int64_t si = session_find(m, pk.session);
    int64_t pi = si < 0 ? -1 : pair_find(m, o, (uint32_t)si);
    if (pi < 0) {
        m->st.skipped++;
        return 1;
    }
    mold_session *s = &m->sessions[si];
    mold_pair *lp = &m->pairs[pi];
    blanc__mold_line_account(lp, pk.seq, pk.count, o->ts_ns);
    if (pk.count == MOLD_HEARTBEAT)
        m->st.heartbeats++;
    if (!s->selected) {
        m->st.skipped++;
        return 1;
    }
    if (blanc__mold_ready_reserve(m, (size_t)m->window + 2) ||
        blanc__mold_session_held_alloc(m, s))
        return BLANC_ENOMEM;
    uint8_t kind = pk.count == MOLD_HEARTBEAT       ? SLOT_HEARTBEAT
                   : pk.count == MOLD_END_OF_SESSION ? SLOT_END
                                                     : SLOT_DATA;
    if (pk.seq == 0) {
        /* Unsequenced (anonymized captures): arrival order, no accounting. */
        if (kind == SLOT_END)
            s->ended = 1;
        if (kind != SLOT_DATA)
            return 0;
        mold_slot *sl;
        if (copy_ready(m, &pk, (uint32_t)si, (uint32_t)pi, o, p, n, lent, &sl))
            return BLANC_ENOMEM;
        sl->seq = 0;
        m->unsequenced = 1;
        enqueue(m, sl);
        return 0;
    }
    uint16_t count = kind == SLOT_DATA ? pk.count : 0;
    if (!s->started) {
        s->started = 1;
        s->next = pk.seq;
    }
    if (pk.seq > s->next)
        return hold(m, s, &pk, kind, (uint32_t)pi, o, p, n);
    if (kind == SLOT_END) {
        s->ended = 1;
        return 0;
    }
    if (kind == SLOT_HEARTBEAT)
        return 0;
    if (pk.seq + count <= s->next) {
        below_next(m, s, (uint32_t)pi, pk.seq, count);
        return 0;
    }
    mold_slot *sl;
    if (copy_ready(m, &pk, (uint32_t)si, (uint32_t)pi, o, p, n, lent, &sl))
        return BLANC_ENOMEM;
    if (s->nheld)
        late(m, (uint32_t)pi);
    deliver(m, s, sl);
    drain(m, s);
    return 0;
}

int blanc__mold_stream_push(mold_stream *m, const mold_origin *o, const uint8_t *p, size_t n)
{
    return push(m, o, p, n, 0);
}

int blanc__mold_stream_push_answer(mold_stream *m, const mold_origin *o, const uint8_t *p,
                                   size_t n)
{
    m->answering = 1; /* the slots it takes are tagged (slot_get) */
    int rc = push(m, o, p, n, 0);
    m->answering = 0;
    return rc;
}

uint64_t blanc__mold_stream_recovered(const mold_stream *m)
{
    return m->recovered;
}

int blanc__mold_stream_push_lent(mold_stream *m, const mold_origin *o, const uint8_t *p,
                                 size_t n)
{
    return push(m, o, p, n, 1);
}

int blanc__mold_stream_release(mold_stream *m)
{
    if (blanc__mold_direct_release(m))
        return BLANC_ENOMEM;
    if (!m->nlent)
        return 0;
    /* Room first, so that a failure leaves every slot as it was. */
    for (size_t r = 0; r < m->ready_n; r++) {
        mold_slot *sl = m->ready[m->ready_head + r];
        if (sl->lent && sl->cap < sl->len) {
            size_t cap = sl->len < 2048 ? 2048 : sl->len;
            uint8_t *b = realloc(sl->own, cap);
            if (!b)
                return BLANC_ENOMEM;
            sl->own = b;
            sl->cap = cap;
        }
    }
    for (size_t r = 0; m->nlent && r < m->ready_n; r++) {
        mold_slot *sl = m->ready[m->ready_head + r];
        if (!sl->lent)
            continue;
        memcpy(sl->own, sl->buf, sl->len);
        sl->buf = sl->own;
        sl->lent = 0;
        m->nlent--;
    }
    return 0;
}

size_t blanc__mold_stream_ready(const mold_stream *m)
{
    return m->ready_msgs + m->direct_msgs;
}

void blanc__mold_stream_note_damage(mold_stream *m, uint64_t at)
{
    if (!m->pending_damage)
        m->pending_damage_at = at;
    m->pending_damage++;
}

/* ---- handing messages out --------------------------------------------- */

static void fill_mark(const mold_slot *sl, blanc_msg *out)
{
    memset(out, 0, sizeof *out);
    out->seq = sl->seq;
    out->session = sl->lost ? sl->session + 1 : 0;
    out->packet = sl->packet;
    out->offset = sl->offset;
    out->lost = sl->lost;
    if (sl->damage) {
        out->damage = sl->damage;
        out->damage_at = sl->damage_at;
        out->damage_kind = BLANC_AN_BAD_PACKET;
    }
}

int blanc__mold_stream_take(mold_stream *m, blanc_msg *out, size_t cap)
{
    if (cap > INT32_MAX)
        cap = INT32_MAX;
    /* The direct packets are in out already (direct_begin was given out),
     * ahead of the queue; the queue follows only if all of them fit. */
    size_t direct = m->dout == out ? m->direct_out : 0;
    if ((m->ndirect || m->nlazy || m->has_cut) && (m->dout != out || !m->direct_all))
        return (int)direct;
    out += direct;
    cap -= direct;
    size_t n = 0, data = 0, r = 0;
    uint16_t stop = 0;
    size_t stop_pos = 0;
    for (; r < m->ready_n && n < cap; r++) {
        const mold_slot *sl = m->ready[m->ready_head + r];
        if (sl->kind == SLOT_MARK) {
            fill_mark(sl, &out[n++]);
            continue;
        }
        /* Locals: the compiler cannot keep sl's fields in registers across
         * stores through out (they might alias). */
        const uint8_t *buf = sl->buf;
        size_t pos = sl->pos;
        uint16_t idx = sl->idx, count = sl->count;
        uint64_t seq = sl->seq, packet = sl->packet, offset = sl->offset;
        uint32_t session = sl->session + 1;
        size_t first = n;
        for (; idx < count && n < cap; idx++, n++) {
            uint16_t len = blanc_be16(buf + pos);
            mold_msg_set(&out[n], buf + pos + 2, len, session, offset, packet, seq ? seq + idx : 0);
            pos += 2u + len;
        }
        data += n - first;
        if (sl->idx == idx)
            continue;
        out[first].lost = sl->lost;
        if (sl->damage) {
            out[first].damage = sl->damage;
            out[first].damage_at = sl->damage_at;
            out[first].damage_kind = BLANC_AN_BAD_PACKET;
        }
        if (idx < count) { /* stopped inside this slot */
            stop = idx;
            stop_pos = pos;
            break;
        }
    }
    m->tk.valid = 1;
    m->tk.n = n;
    m->tk.data = data;
    m->tk.full = r;
    m->tk.idx = stop;
    m->tk.pos = stop_pos;
    return (int)(direct + n);
}

void blanc__mold_stream_consume(mold_stream *m, size_t k)
{
    if (m->ndirect || m->nlazy || m->has_cut || m->dout)
        k = blanc__mold_direct_consume(m, k);
    if (m->tk.valid && k == m->tk.n) {
        for (size_t r = 0; r < m->tk.full; r++)
            blanc__mold_slot_put(m, m->ready[m->ready_head + r]);
        m->ready_head += m->tk.full;
        m->ready_n -= m->tk.full;
        if (m->tk.idx) {
            mold_slot *sl = m->ready[m->ready_head];
            sl->idx = m->tk.idx;
            sl->pos = m->tk.pos;
            sl->lost = 0;
            sl->damage = 0;
            sl->damage_at = 0;
        }
        m->st.messages += m->tk.data;
        m->ready_msgs -= m->tk.n;
        k = 0;
    }
    m->tk.valid = 0;
    m->ready_msgs -= k < m->ready_msgs ? k : m->ready_msgs; /* what the walk below uses */
    while (k && m->ready_n) {
        mold_slot *sl = m->ready[m->ready_head];
        if (sl->kind == SLOT_DATA) {
            uint32_t step = sl->count - sl->idx;
            if (step > k)
                step = (uint32_t)k;
            blanc__mold_slot_skip(sl, step);
            m->st.messages += step;
            k -= step;
        } else {
            k--;
        }
        sl->lost = 0;
        sl->damage = 0;
        sl->damage_at = 0;
        if (sl->kind != SLOT_DATA || sl->idx == sl->count) {
            m->ready_head++;
            m->ready_n--;
            blanc__mold_slot_put(m, sl);
        }
    }
    if (!m->ready_n)
        m->ready_head = 0;
}

static void mark(mold_stream *m, uint32_t session, uint64_t seq, uint64_t lost)
{
    /* Reserved by the caller; a failed slot only loses the mark. */
    mold_slot *sl = blanc__mold_slot_get(m, 0);
    if (!sl)
        return;
    sl->kind = SLOT_MARK;
    sl->session = session;
    sl->seq = seq;
    sl->lost = lost;
    enqueue(m, sl);
}

void blanc__mold_stream_flush(mold_stream *m)
{
    m->tk.valid = 0;
    size_t need = m->nsessions + 1;
    for (uint32_t i = 0; i < m->nsessions; i++)
        need += m->sessions[i].nheld;
    if (blanc__mold_ready_reserve(m, need))
        return;
    for (uint32_t i = 0; i < m->nsessions; i++) {
        mold_session *s = &m->sessions[i];
        while (s->nheld)
            declare_gap(m, s);
        /* Lost at the very end: no message follows to carry it. */
        if (s->pending_lost) {
            mark(m, i, s->next, s->pending_lost);
            s->pending_lost = 0;
        }
    }
    if (m->pending_damage)
        mark(m, 0, 0, 0);
}

/* ---- state ------------------------------------------------------------ */

int blanc__mold_stream_ended(const mold_stream *m)
{
    int any = 0;
    for (uint32_t i = 0; i < m->nsessions; i++)
        if (m->sessions[i].selected) {
            if (!m->sessions[i].ended)
                return 0;
            any = 1;
        }
    return any;
}

int blanc__mold_stream_unsequenced(const mold_stream *m)
{
    return m->unsequenced;
}

uint32_t blanc__mold_stream_selected(const mold_stream *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nsessions; i++)
        n += m->sessions[i].selected;
    return n;
}

int blanc__mold_stream_missing(const mold_stream *m, uint32_t *session, uint64_t *from,
                               uint64_t *count)
{
    for (uint32_t i = 0; i < m->nsessions; i++) {
        const mold_session *s = &m->sessions[i];
        if (s->nheld) {
            *session = i + 1;
            *from = s->next;
            *count = MOLD_HELD(s, 0)->seq - s->next;
            return 1;
        }
    }
    return 0;
}

uint32_t blanc__mold_stream_session_index(const mold_stream *m, const char name[10])
{
    uint32_t h = session_hash(name);
    for (; m->session_hash[h]; h = (h + 1) & (MOLD_SESSION_HASH - 1)) {
        uint32_t i = m->session_hash[h] - 1u;
        if (!memcmp(m->sessions[i].name, name, 10))
            return i + 1;
    }
    return 0;
}

int blanc__mold_stream_give_up_hole(mold_stream *m, uint32_t s, uint64_t *next)
{
    if (s < 1 || s > m->nsessions || !m->sessions[s - 1].nheld)
        return 0;
    mold_session *ss = &m->sessions[s - 1];
    /* Room for all it may make ready first: enqueue() cannot fail midway. */
    if (blanc__mold_ready_reserve(m, (size_t)ss->nheld + 1))
        return BLANC_ENOMEM;
    m->tk.valid = 0; /* the ready queue grows */
    declare_gap(m, ss);
    *next = ss->next;
    return 1;
}

void blanc__mold_stream_stats(const mold_stream *m, blanc_transport_stats *st)
{
    *st = m->st;
    st->sessions = m->nsessions;
    st->unsequenced = m->unsequenced;
}

const char *blanc__mold_stream_session_name(const mold_stream *m, uint32_t s)
{
    return s >= 1 && s <= m->nsessions ? m->sessions[s - 1].str : NULL;
}

/* Back to empty (the options stay); slots return to the free list. */
void blanc__mold_reset(mold_stream *m)
{
    for (size_t r = 0; r < m->ready_n; r++)
        blanc__mold_slot_put(m, m->ready[m->ready_head + r]);
    m->ready_head = m->ready_n = 0;
    m->ready_msgs = 0;
    m->ndirect = m->direct_msgs = m->direct_out = 0;
    m->nlazy = m->lazy_msgs = 0;
    m->has_cut = 0;
    m->dout = NULL;
    m->direct_all = 1;
    m->direct_lent = m->stash_used = 0;
    for (uint32_t i = 0; i < m->nsessions; i++) {
        mold_session *s = &m->sessions[i];
        for (uint32_t h = 0; h < s->nheld; h++)
            blanc__mold_slot_put(m, MOLD_HELD(s, h));
        free(s->held);
        free(s->ranges);
        free(s->win);
        memset(s, 0, sizeof *s);
    }
    m->nsessions = m->npairs = 0;
    m->held_bytes = 0;
    memset(&m->st, 0, sizeof m->st);
    m->pending_damage = 0;
    m->pending_damage_at = 0;
    m->unsequenced = m->default_chosen = 0;
    m->recovered = 0;
    m->tk.valid = 0;
    blanc__mold_rehash(m);
}

void blanc__mold_stream_free(mold_stream *m)
{
    if (!m)
        return;
    if (m->sessions && m->pairs)
        blanc__mold_reset(m);
    while (m->free_slots) {
        mold_slot *s = m->free_slots;
        m->free_slots = s->next_free;
        free(s->own);
        free(s);
    }
    free(m->ready);
    free(m->direct);
    free(m->lazy);
    free(m->stash);
    free(m->sessions);
    free(m->pairs);
    free(m->channels);
    free(m->want);
    free(m);
}
