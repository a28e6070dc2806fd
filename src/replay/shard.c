/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The sharded replay (docs/ARCHITECTURE.md "Sharded replay").
 *
 * The reader (the replay's own thread) frames each message, checks its type
 * and length, counts it, checks its time, and hands the book messages
 * (A F D U E C X H, and an R that creates an instrument) to the shard that
 * owns the instrument: owner[locate], chosen when the R creates it. Shard 0
 * is the reader's own: it applies those messages at once, so with as many
 * threads as CPUs no CPU idles while the reader waits and a share of the
 * messages costs no ring. Shards 1 .. n-1 are workers: each decodes and
 * applies its messages to its own books and writes back, per message, what
 * the apply returned and how the live order count moved. The reader keeps a
 * log, in feed order, of the messages whose effect it has not counted yet,
 * and retires it in that order as results arrive: book changes, book
 * anomalies (first offset and index), live and peak orders, and the health
 * observations are then made in exactly the order, and with exactly the
 * values, of the one-thread path.
 *
 * The stock directory is the reader's: it applies every R to a books of its
 * own that holds instruments only, so a directory conflict between two
 * instruments of different shards is found, and only an R that creates an
 * instrument goes to a shard. A book message for a locate that has no
 * instrument goes to shard 0, whose books have none either (no_directory, as
 * on one thread). System messages and the other non-book types change no
 * book and go nowhere.
 */
#include <stdlib.h>
#include <string.h>

#include "book/book.h"
#include "book/prefetch.h"
#include "book/restore.h"
#include "common/bytes.h"
#include "feed/itch_decode.h"
#include "feed/itch_types.h"
#include "health/health.h"
#include "replay/replay.h"
#include "replay/shard_impl.h"

#define NOINLINE __attribute__((noinline))

static int has_result(void *arg)
{
    shard_worker *w = arg;
    return atomic_load_explicit(&w->q.tail, memory_order_acquire) >= w->wait_for;
}

/* The shard of a new instrument: shard 0 for `share` of them per 1024,
 * spread evenly in creation order, the workers round-robin for the rest. */
static uint8_t assign(shard_engine *e)
{
    e->acc += e->share;
    if (e->acc >= 1024 || e->n < 2) {
        e->acc -= e->acc >= 1024 ? 1024 : 0;
        return 0;
    }
    unsigned k = 1 + e->next;
    e->next = e->next + 2 < e->n ? e->next + 1 : 0;
    return (uint8_t)k;
}

/* The orders a resumed replay started with live in the shards now, and
 * r->books is next written by a gather, which replaces what it holds: a copy
 * kept until then was a second day's worth of orders (1 GB of a 2 GB peak,
 * resuming a full-size day at two threads). Emptied in place: a caller's
 * pointer to r->books stays valid. Without memory for the empty books the
 * copy stays, as it was. */
static void drop_copied(blanc_replay *r)
{
    blanc_books *empty;
    if (!r->books->n_books || blanc_books_create(&empty, 0))
        return;
    books_swap(r->books, empty);
    blanc_books_free(empty);
}

int blanc__shard_start(blanc_replay *r)
{
    if (r->shard && r->shard->spent) {
        blanc__shard_free(r->shard);
        r->shard = NULL;
    }
    if (r->shard) {
        if (r->health)
            r->health->books = r->shard->named;
        return 0;
    }
    unsigned n = r->threads > SHARD_MAX ? SHARD_MAX : r->threads;
    blanc_framing fr = r->opts.framing;
    uint32_t load = fr == BLANC_FRAMING_PCAP || fr == BLANC_FRAMING_UDP ? READER_LOAD_CAPTURE
                                                                         : READER_LOAD;
    shard_engine *e = blanc__shard_engine_new(n, r->opts.expected_orders, load);
    if (!e)
        return BLANC_ENOMEM;
    e->cpu_out = r->worker_cpu_ns;
    /* The instruments a resumed replay starts with go to their shards. */
    const blanc_books *b = r->books;
    int rc = 0;
    for (unsigned k = 0; k < e->n; k++)
        books_bulk(e->w[k].books, books_top_ref(b));
    for (uint32_t i = 0; i < b->n_books && !rc; i++) {
        uint16_t loc = b->by_symbol[i];
        rc = books_restore_instrument(e->dir, loc, b->by_locate[loc]->symbol);
        if (!rc)
            rc = books_restore_instrument(e->named, loc, b->by_locate[loc]->symbol);
        e->owner[loc] = assign(e);
        if (!rc)
            rc = books_copy_instrument(e->w[e->owner[loc]].books, b, loc);
    }
    for (unsigned k = 0; k < e->n; k++)
        books_bulk_end(e->w[k].books);
    e->live = b->live;
    e->peak = b->peak;
    e->rt_index = r->st.messages; /* the index of the first entry to be logged */
    if (rc || (rc = blanc__shard_engine_run(e))) {
        blanc__shard_free(e);
        return BLANC_ENOMEM;
    }
    r->shard = e;
    r->workers = blanc__shard_workers(e, r->worker_cpus, SHARD_MAX);
    r->reader_share = e->share;
    r->moved = 0;
    if (r->health)
        r->health->books = e->named; /* the journal names instruments as they are counted */
    drop_copied(r);
    return 0;
}

static void hard_stop(blanc_replay *r, int rc)
{
    r->stop = 1;
    if (!r->st.stop_error)
        r->st.stop_error = rc;
}

/* A book anomaly counted out of feed order: the first is the lowest index. */
static void record_late(blanc_replay *r, blanc_anomaly a, uint64_t offset, uint64_t index)
{
    blanc_anomaly_stat *s = &r->st.anomalies[a];
    if (s->count++ == 0 || index < s->first_index) {
        s->first_offset = offset;
        s->first_index = index;
    }
    r->st.anomalies_total++;
}

/* Health's look at a logged message that is not the common case (health.h
 * health_message takes that inline), as observe() in replay.c makes it. */
static NOINLINE int health_of(blanc_replay *r, shard_engine *e, const shard_log *g,
                                    uint64_t index)
{
    uint64_t ts = g->ts_loc & 0xffffffffffffu;
    uint16_t locate = (uint16_t)(g->ts_loc >> 48);
    if (g->kind & LOG_NAMED) {
        /* Named now, after its R is applied, as one thread names it; then
         * health takes the R as one thread does, inline if it is plain. */
        int rc = books_restore_instrument(e->named, locate, e->dir->by_locate[locate]->symbol);
        if (rc < 0)
            return rc;
        if ((g->kind & ~LOG_NAMED) == LOG_MSG && !g->anomalies)
            return health_message(r->health, index, ts, locate);
    }
    health_obs o = {0, g->anomalies, 0, 0, 1, 0, 0, 0};
    if (g->kind & LOG_LOST) {
        o.lost = e->lost;
        o.lost_from = e->lost_from;
    }
    if (g->kind & LOG_MSG) {
        o.decoded = 1;
        o.ts = ts;
        o.locate = locate;
        o.sys_code = g->kind & LOG_SYS ? (uint8_t)g->res.rc : 0;
    }
    return health_observe(r->health, index, &o);
}

/* A worker's result that is not "applied" or "no effect": an anomaly,
 * counted late (the first is the lowest index), or a hard error. */
static NOINLINE void worker_anomaly(blanc_replay *r, shard_log *g, int rc, uint64_t index,
                                          uint64_t offset)
{
    blanc_anomaly a = blanc__replay_anomaly_of(rc);
    if (a == BLANC_AN_COUNT)
        return hard_stop(r, rc); /* out of memory on a worker */
    record_late(r, a, offset, index);
    g->anomalies = (uint16_t)(g->anomalies | 1u << a);
}

/* Count logged messages in feed order, oldest first, while their results
 * are in: with `block`, wait for them until `keep` entries are left; else
 * stop at the first whose result has not come back. Book changes, live and
 * peak orders and health see exactly the one-thread sequence. Each worker's
 * results counted and known to be in are kept in locals (the stores of
 * health could alias them): one compare per entry. */
static void retire(blanc_replay *r, shard_engine *e, uint64_t keep, int block)
{
    uint64_t t = e->lg_tail, head = e->lg_head, index = e->rt_index;
    uint64_t live = e->live, peak = e->peak, changes = 0;
    blanc_health *h = r->health;
    uint64_t done[SHARD_MAX], in[SHARD_MAX];
    for (unsigned k = 1; k < e->n; k++)
        done[k] = in[k] = e->w[k].retired;
    while (head - t > keep) {
        const shard_log *g = &e->log[t & (LOG_SLOTS - 1)];
        shard_res res = g->res;
        unsigned k = g->shard;
        if (k - 1u < NO_SHARD - 1u) {
            shard_worker *w = &e->w[k];
            if (blanc_unlikely(done[k] == in[k])) {
                in[k] = atomic_load_explicit(&w->q.tail, memory_order_acquire);
                if (done[k] == in[k]) {
                    if (!block)
                        break;
                    /* Every slot filled is published (retire_down_to), and a
                     * blocking retire wants many results (a ring or the log
                     * half free, or all): sleep for RESULT_MIN of them, or
                     * all there are, with one wake-up. */
                    uint64_t pub = atomic_load_explicit(&w->q.head, memory_order_relaxed);
                    w->wait_for = pub - done[k] > RESULT_MIN ? done[k] + RESULT_MIN : pub;
                    spsc_wait(&w->q.prod_wait, w->wait_for, has_result, w);
                    in[k] = atomic_load_explicit(&w->q.tail, memory_order_acquire);
                }
            }
            uint64_t pos = done[k]++ & (RING_SLOTS - 1);
            res = w->res[pos];
            if (blanc_unlikely(g->kind & LOG_IMPORT)) {
                if (res.rc < 0)
                    hard_stop(r, res.rc); /* out of memory on the worker */
                t++;
                continue;
            }
            changes += res.rc == BLANC_APPLIED;
            if (blanc_unlikely(res.rc < 0)) {
                changes += res.rc == BLANC_EOVERFILL;
                worker_anomaly(r, &e->log[t & (LOG_SLOTS - 1)], res.rc, index, w->offsets[pos]);
            }
        }
        /* (no book: dlive is 0) */
        live += (uint64_t)(int64_t)res.dlive;
        peak = live > peak ? live : peak;
        t++;
        if (h) {
            uint64_t ts = g->ts_loc & 0xffffffffffffu;
            int rc = blanc_likely(g->kind == LOG_MSG && !g->anomalies)
                         ? health_message(h, index, ts, (uint16_t)(g->ts_loc >> 48))
                         : health_of(r, e, g, index);
            if (blanc_unlikely(rc < 0))
                hard_stop(r, rc);
        }
        index++;
    }
    for (unsigned k = 1; k < e->n; k++) {
        e->w[k].retired = done[k];
        e->w[k].q.p_tail = in[k];
    }
    e->lg_tail = t;
    e->rt_index = index;
    e->live = live;
    e->peak = peak;
    r->st.book_changes += changes;
}

static void publish_all(shard_engine *e)
{
    for (unsigned i = 1; i < e->n; i++) {
        if (e->w[i].dirty) {
            e->w[i].dirty = 0;
            spsc_publish(&e->w[i].q);
        }
    }
}

/* After a batch: hand a worker that is awake its new slots (a store), but
 * wake a sleeping one only for a good many, so that a wake-up (a system call
 * and a context switch) is paid once per thousand messages, not per batch. */
static void publish_some(shard_engine *e)
{
    for (unsigned i = 1; i < e->n; i++) {
        shard_worker *w = &e->w[i];
        int asleep = spsc_consumer_sleeps(&w->q);
        /* It waited for the reader during this batch: it has taken every
         * slot published before it (spinning, or asleep), or it ran dry
         * earlier and sleeps still (or is not yet back from its wake-up:
         * then it has not caught up, but only because it slept). */
        w->idle += asleep || atomic_load_explicit(&w->q.tail, memory_order_relaxed) ==
                                 atomic_load_explicit(&w->q.head, memory_order_relaxed);
        if (w->dirty && (!asleep || spsc_unpublished(&w->q) >= WAKE_MIN)) {
            w->dirty = 0;
            spsc_publish(&w->q);
        }
    }
}

/* Shard 0's own messages of this batch, applied in feed order, with the
 * look-ahead of the one-thread loop (book/prefetch.h) over them alone: the
 * result goes into each one's log entry, a book anomaly is counted now
 * (counts are sums, and the first is the lowest index, record_late). The
 * first stage was asked for as each was routed (route), a batch ahead:
 * asked for here, FAR own messages ahead, the first FAR of every batch
 * went without it, and the reader's CPU fell 2.5 % with the move
 * (docs/PERFORMANCE.md, eleventh session). */
#ifndef SHARD_NEAR
#define SHARD_NEAR 4
#define SHARD_DEPS 2
#endif
static void own_flush(blanc_replay *r, shard_engine *e)
{
    enum { NEAR = SHARD_NEAR, DEPS = SHARD_DEPS };
    blanc_books *b = e->w[0].books;
    const shard_own *o = e->own;
    uint32_t n = e->n_own;
    uint64_t changes = 0;
    for (uint32_t j = 0; j < n; j++) {
        if (j + NEAR < n)
            books_prefetch_node(b, o[j + NEAR].p);
        if (j + DEPS < n)
            books_prefetch_deps(b, o[j + DEPS].p);
        blanc__itch_fill(o[j].p, &e->ev);
        uint64_t live = b->live;
        int rc = blanc_books_apply(b, &e->ev);
        shard_log *g = o[j].g;
        g->res = (shard_res){(int8_t)rc, (int8_t)(b->live - live)};
        changes += rc == BLANC_APPLIED;
        if (blanc_unlikely(rc < 0)) {
            changes += rc == BLANC_EOVERFILL;
            blanc_anomaly a = blanc__replay_anomaly_of(rc);
            if (a == BLANC_AN_COUNT) {
                hard_stop(r, rc);
            } else {
                record_late(r, a, o[j].offset, o[j].index);
                g->anomalies = (uint16_t)(g->anomalies | 1u << a);
            }
        }
    }
    r->st.book_changes += changes;
    e->n_own = 0;
}

/* Wait until at most `keep` entries are logged: what is pending goes out
 * first, so every entry can be counted. */
static void retire_down_to(blanc_replay *r, shard_engine *e, uint64_t keep)
{
    own_flush(r, e);
    publish_all(e);
    e->waited = 1;
    retire(r, e, keep, 1);
}

/* Make room for one more message in worker w's ring. */
static inline void ring_room(blanc_replay *r, shard_engine *e, shard_worker *w)
{
    uint64_t cap = w->q.mask + 1;
    if (blanc_unlikely(w->q.p_head - w->retired >= cap)) {
        /* The ring's oldest slots belong to the log's oldest entries: count
         * until half the ring is free. */
        uint64_t keep = 0;
        while (w->q.p_head - w->retired > cap / 2) {
            keep = (e->lg_head - e->lg_tail) / 2;
            retire_down_to(r, e, keep);
        }
    }
}

/* Every logged message counted (waiting for the workers). */
static void drain_log(blanc_replay *r, shard_engine *e)
{
    retire_down_to(r, e, 0);
}

/* A new log entry, for the next message (or a move: LOG_IMPORT). A second
 * loss while one is logged is rare: the log is counted out first. */
static inline shard_log *log_add(blanc_replay *r, shard_engine *e)
{
    if (blanc_unlikely(e->lg_head - e->lg_tail == LOG_SLOTS))
        retire_down_to(r, e, LOG_SLOTS / 2);
    return &e->log[e->lg_head++ & (LOG_SLOTS - 1)];
}

/* An entry as two 8-byte stores (shard_impl.h's layout, little-endian):
 * the fields one by one cost a store and a merge each. */
static inline void log_put(shard_log *g, uint64_t ts_loc, uint16_t anomalies, uint8_t shard,
                           uint8_t kind, int8_t code)
{
    uint64_t w = anomalies | (uint64_t)shard << 16 | (uint64_t)kind << 24 |
                 (uint64_t)(uint8_t)code << 32;
    memcpy(g, &ts_loc, 8);
    memcpy((uint8_t *)g + 8, &w, 8);
}

/* The next log entry, when there is room (checked per batch). */
static inline shard_log *log_next(shard_engine *e)
{
    return &e->log[e->lg_head++ & (LOG_SLOTS - 1)];
}

/* The loss before message m, for health: one at a time in the log. */
static NOINLINE void log_lost(blanc_replay *r, shard_engine *e, const blanc_msg *m)
{
    drain_log(r, e);
    e->lost = m->lost;
    e->lost_from = m->seq - m->lost;
}

/* Where a book message's price is: moved to SLOT_PRICE in its slot (3 for
 * the types without one: the copy then leaves the slot as it is). Non-zero
 * exactly for the types a shard may get (the book types and R). */
static const uint8_t price_at[256] = {['A'] = 32, ['F'] = 32, ['U'] = 31, ['D'] = 3, ['E'] = 3,
                                      ['C'] = 3,  ['X'] = 3,  ['H'] = 3,  ['R'] = 3};

/* A book message (19 to 40 bytes) into a slot (shard_impl.h): two fixed
 * 16-byte copies, overlapping as the length needs, instead of a call to
 * memcpy with a variable length, and the price; nothing is read past the
 * message. */
static inline void copy_msg(uint8_t *d, const uint8_t *p, size_t len, uint8_t t)
{
    size_t n = len < 32 ? len : 32;
    memcpy(d, p, 16);
    memcpy(d + n - 16, p + n - 16, 16);
    memcpy(d + SLOT_PRICE, p + price_at[t], 4);
}

/* One framed message: handle() of replay.c, with the books elsewhere. The
 * log and the rings have room for it (blanc__shard_process makes room for a
 * whole batch before it starts). */
static inline void route(blanc_replay *r, shard_engine *e, const blanc_msg *m, uint64_t index)
{
    const uint8_t *p = m->p;
    uint8_t t = p[0];
    uint8_t kind = LOG_MSG;
    if (blanc_unlikely(m->lost) && r->health) {
        log_lost(r, e, m);
        kind |= LOG_LOST;
    }
    if (blanc_unlikely(blanc__itch_len[t] != m->len)) {
        blanc_anomaly a = blanc__itch_len[t] ? BLANC_AN_BAD_LENGTH : BLANC_AN_UNKNOWN_TYPE;
        blanc__replay_record_anomaly(r, a, m->offset, index);
        shard_log *g = log_next(e);
        *g = (shard_log){0, (uint16_t)r->anomalies, NO_SHARD, (uint8_t)(LOG_FRAME | (kind & LOG_LOST)),
                         {0, 0}, 0};
        r->anomalies = 0;
        return;
    }
    r->st.by_type[blanc__itch_index1[t] - 1]++;
    uint64_t ts = blanc_be48(p + 5);
    if (blanc_unlikely(ts < r->last_ts) && r->have_ts)
        blanc__replay_record_anomaly(r, BLANC_AN_TIME_BACKWARDS, m->offset, index);
    if (blanc_unlikely(!r->have_ts)) {
        r->have_ts = 1;
        r->st.first_timestamp = ts;
    }
    r->last_ts = ts;
    uint16_t loc = blanc_be16(p + 1);
    /* A book message goes to its shard; an R only if it creates an
     * instrument; anything else nowhere. */
    uint8_t shard = price_at[t] ? e->owner[loc] : NO_SHARD;
    int8_t code = 0;
    if (blanc_unlikely(t == 'R')) {
        blanc__itch_fill(p, &r->ev);
        uint32_t had = e->dir->n_books;
        int rc = blanc_books_apply(e->dir, &r->ev);
        if (rc < 0) {
            blanc_anomaly a = blanc__replay_anomaly_of(rc);
            if (a == BLANC_AN_COUNT)
                return hard_stop(r, rc);
            blanc__replay_record_anomaly(r, a, m->offset, index);
        }
        shard = NO_SHARD;
        if (e->dir->n_books != had) {
            shard = e->owner[loc] = assign(e);
            e->hits[loc] = 0; /* what a book message before it counted there */
            kind |= LOG_NAMED;
        }
    } else if (blanc_unlikely(t == 'S')) {
        code = (int8_t)p[11]; /* its event code, for health */
        kind |= LOG_SYS;
    } else if (blanc_unlikely(shard == NO_SHARD) && price_at[t]) {
        shard = 0; /* no instrument: shard 0 has none either (no_directory) */
    }
    shard_log *g = log_next(e);
    log_put(g, ts | (uint64_t)loc << 48, (uint16_t)r->anomalies, shard, kind, code);
    r->anomalies = 0;
    if (shard == 0) {
        books_prefetch_slot(e->w[0].books, p); /* stage 1: own_flush does the rest */
        e->hits[loc]++;
        e->own[e->n_own++] = (shard_own){p, g, m->offset, index};
    } else if (shard != NO_SHARD) {
        shard_worker *w = &e->w[shard];
        uint64_t pos = w->q.p_head++ & w->q.mask;
        copy_msg(w->slots[pos].m, p, m->len, t);
        w->offsets[pos] = m->offset;
        w->dirty = 1;
    }
}

/* Move instrument loc from shard 0 to worker k: a copy of its book goes
 * down k's ring in a SLOT_IMPORT, ahead of its next message; k copies it
 * into its books. Shard 0 keeps a dead copy (no message reaches it again:
 * an instrument moves once, and only away from the reader); the gather
 * reads the owner's. */
static void shed(blanc_replay *r, shard_engine *e, uint16_t loc, unsigned k)
{
    blanc_books *mb;
    if (blanc_books_create(&mb, 0))
        return; /* no memory for a move: the instrument stays */
    /* Left in bulk: the worker's import reads mb's top from it. */
    books_bulk(mb, books_top_ref(e->w[0].books));
    if (books_copy_instrument(mb, e->w[0].books, loc)) {
        blanc_books_free(mb);
        return;
    }
    shard_worker *w = &e->w[k];
    ring_room(r, e, w);
    shard_log *g = log_add(r, e);
    *g = (shard_log){0, 0, (uint8_t)k, LOG_IMPORT, {0, 0}, 0};
    uint8_t *m = w->slots[w->q.p_head++ & w->q.mask].m;
    m[0] = SLOT_IMPORT;
    memcpy(m + 1, &loc, sizeof loc);
    memcpy(m + 8, &mb, sizeof mb);
    w->dirty = 1;
    e->owner[loc] = (uint8_t)k;
    e->moved++;
}

/* At the end of a window of batches: if a worker had caught up (taken
 * every slot published) after 3/4 of the batches and the reader never
 * waited for one, two windows in a row, the reader is the slower side: move
 * its busiest instrument (of at most 1/SHED_PART of its messages in the
 * window, so one move shifts little) to the worker that idled most.
 * Where an instrument lives changes no result, only the balance. */
static void balance(blanc_replay *r, shard_engine *e)
{
    unsigned k = 1;
    for (unsigned i = 2; i < e->n; i++)
        if (e->w[i].idle > e->w[k].idle)
            k = i;
    /* Two windows in a row: one slow spell of the reader (descheduled, a
     * page fault) is not a reason; a move is never undone. */
    int dry = !e->waited && e->w[k].idle * 4 > e->batches * 3;
    e->streak = dry ? e->streak + 1 : 0;
    int want = e->shed_every ? 1 : e->streak >= 2;
    uint64_t own = 0;
    uint16_t best = 0;
    uint32_t top = 0;
    const blanc_books *d = e->dir;
    for (uint32_t i = 0; i < d->n_books; i++)
        own += e->hits[d->by_symbol[i]];
    for (uint32_t i = 0; i < d->n_books; i++) {
        uint16_t loc = d->by_symbol[i];
        uint32_t h = e->hits[loc];
        e->hits[loc] = 0;
        if (e->owner[loc] == 0 && h > top && (e->shed_every || h * SHED_PART <= own)) {
            top = h;
            best = loc;
        }
    }
    if (want && top)
        shed(r, e, best, e->shed_every ? 1 + (unsigned)(e->moved % (e->n - 1)) : k);
    for (unsigned i = 1; i < e->n; i++)
        e->w[i].idle = 0;
    e->batches = e->waited = 0;
    r->moved = e->moved;
}

_Static_assert(RING_SLOTS > REPLAY_BATCH && LOG_SLOTS > 2 * REPLAY_BATCH,
               "make_room's cap - n: a batch must fit in a ring and half the log");
/* Room for n more messages: at most one log entry and one slot of one ring
 * each, checked once per batch rather than per message. */
static void make_room(blanc_replay *r, shard_engine *e, size_t n)
{
    if (blanc_unlikely(e->lg_head - e->lg_tail > LOG_SLOTS - n))
        retire_down_to(r, e, LOG_SLOTS / 2);
    for (unsigned k = 1; k < e->n; k++) {
        shard_worker *w = &e->w[k];
        uint64_t cap = w->q.mask + 1;
        /* The ring's oldest slots belong to the log's oldest entries: count
         * until half the ring is free. */
        while (blanc_unlikely(w->q.p_head - w->retired > cap - n))
            retire_down_to(r, e, (e->lg_head - e->lg_tail) / 2);
    }
}

size_t blanc__shard_process(blanc_replay *r, const blanc_msg *msgs, size_t n)
{
    shard_engine *e = r->shard;
    n = n < REPLAY_BATCH ? n : REPLAY_BATCH; /* the room made, and e->own */
    make_room(r, e, n);
    size_t i = 0;
    for (; i < n; i++) {
        const blanc_msg *m = &msgs[i];
        if (blanc_unlikely(r->watch) && blanc__replay_pause_before(r, m))
            break;
        if (blanc_unlikely(m->damage | m->lost) && blanc__replay_record_skipped(r, m)) {
            i += !m->p;
            break;
        }
        if (blanc_unlikely(!m->p))
            continue;
        route(r, e, m, r->st.messages++);
        if (blanc_unlikely(r->stop)) {
            i++;
            break;
        }
    }
    own_flush(r, e);
    publish_some(e);
    /* Count what is in already, so the log stays short. */
    retire(r, e, 0, 0);
    if (blanc_unlikely(++e->batches == (e->shed_every ? e->shed_every : SHED_WINDOW)))
        balance(r, e);
    return i;
}

void blanc__shard_drain(blanc_replay *r)
{
    drain_log(r, r->shard);
}

/* Past the newest page of every shard: where a gather's bulk copy puts the
 * pages it does not make (books_bulk). */
static uint64_t top_ref(const shard_engine *e)
{
    uint64_t top = 0;
    for (unsigned k = 0; k < e->n; k++) {
        uint64_t t = books_top_ref(e->w[k].books);
        top = t > top ? t : top;
    }
    return top;
}

/* The books gathered into r->books, in place: whoever holds
 * blanc_replay_books(r) (the health tracker, a caller) sees them. */
static void gathered(blanc_replay *r, shard_engine *e, blanc_books *nb)
{
    books_restore_peak(nb, e->peak);
    books_swap(r->books, nb);
    if (r->health)
        r->health->books = r->books;
}

/* The end of the run (the workers stop next): the other shards' instruments
 * are copied into the books of the worker with the most live orders, which
 * then become r->books. Against a copy of every instrument into new books
 * (the gather at a pause, which must leave the workers' books as they are)
 * this copies the smaller part (at N = 2 the reader's share) and touches no
 * fresh memory: the new books' pages, zeroed by the kernel as they were
 * first written, were half of that gather's time (docs/PERFORMANCE.md
 * "Threads"). Shard 0's dead copies of moved instruments are skipped, as
 * every instrument is read from its owner. */
static int gather_final(blanc_replay *r, shard_engine *e)
{
    unsigned k = 1;
    for (unsigned i = 2; i < e->n; i++)
        if (e->w[i].books->live > e->w[k].books->live)
            k = i;
    blanc_books *nb = e->w[k].books;
    int rc = 0;
    books_bulk(nb, top_ref(e));
    for (uint32_t i = 0; i < e->dir->n_books && !rc; i++) {
        uint16_t loc = e->dir->by_symbol[i];
        if (e->owner[loc] != k)
            rc = books_copy_instrument(nb, e->w[e->owner[loc]].books, loc);
    }
    books_bulk_end(nb);
    /* Worker k's books are r->books's old ones now, or half gathered: the
     * engine is spent either way (blanc__shard_start makes a new one). */
    e->spent = 1;
    if (rc)
        return BLANC_ENOMEM;
    gathered(r, e, nb);
    return 0;
}

int blanc__shard_gather(blanc_replay *r)
{
    shard_engine *e = r->shard;
    if (!r->paused || r->st.stop_error)
        return gather_final(r, e);
    blanc_books *nb;
    int rc = blanc_books_create(&nb, r->opts.expected_orders);
    if (rc)
        return rc;
    books_bulk(nb, top_ref(e));
    for (uint32_t i = 0; i < e->dir->n_books && !rc; i++) {
        uint16_t loc = e->dir->by_symbol[i];
        rc = books_copy_instrument(nb, e->w[e->owner[loc]].books, loc);
    }
    books_bulk_end(nb);
    if (rc) {
        blanc_books_free(nb);
        return BLANC_ENOMEM;
    }
    gathered(r, e, nb);
    blanc_books_free(nb);
    return 0;
}
