/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The replay driver: source windows -> frames -> decoded events -> books.
 *
 * The loop is written for the common case: a window holds many whole frames,
 * each valid, each an add, delete or execute. Everything unusual (damaged
 * frames, anomalies, the end of input) leaves the loop through an unlikely
 * branch into record_anomaly(), so the hot path stays a straight line:
 * read length, check it against the type table, decode, apply, count.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blanc.h"
#include "common/bytes.h"
#include "book/prefetch.h"
#include "feed/itch_decode.h"
#include "feed/itch_types.h"
#include "health/health.h"
#include "health/image.h"
#include "replay/replay.h"
#include "replay/view.h"
#include "replay/shard.h"

int blanc_replay_create(blanc_replay **out, const blanc_replay_options *opts)
{
    *out = NULL;
    blanc_replay *r = calloc(1, sizeof *r);
    if (!r)
        return BLANC_ENOMEM;
    if (opts)
        r->opts = *opts;
    int rc = blanc_books_create(&r->books, r->opts.expected_orders);
    if (rc) {
        free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void blanc_replay_free(blanc_replay *r)
{
    if (!r)
        return;
    blanc__observers_free(r);
    blanc__shard_free(r->shard);
    blanc_books_free(r->books);
    health_image_free(r->snap_health);
    free(r->snap_health);
    free(r->feed_blob);
    free(r);
}

/* Returns nonzero if the replay must stop (strict mode). */
static int record_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset, uint64_t index)
{
    blanc_anomaly_stat *s = &r->st.anomalies[a];
    r->anomalies |= 1u << a;
    if (s->count++ == 0) {
        s->first_offset = offset;
        s->first_index = index;
    }
    r->st.anomalies_total++;
    if (r->opts.strict) {
        r->stop = 1;
        r->st.stop_error = BLANC_ESTRICT;
        return 1;
    }
    return 0;
}

static blanc_anomaly anomaly_of(int rc)
{
    switch (rc) {
    case BLANC_EUNKNOWNREF: return BLANC_AN_UNKNOWN_REF;
    case BLANC_EDUPREF: return BLANC_AN_DUP_REF;
    case BLANC_EOVERFILL: return BLANC_AN_OVERFILL;
    case BLANC_ENODIR: return BLANC_AN_NO_DIRECTORY;
    case BLANC_EBADFIELD: return BLANC_AN_BAD_FIELD;
    case BLANC_EDIRCONFLICT: return BLANC_AN_DIR_CONFLICT;
    default: return BLANC_AN_COUNT;
    }
}

static int would_overfill(const blanc_books *b, const blanc_event *ev)
{
    blanc_order o;
    return blanc_books_order(b, ev->locate, ev->ref, &o) == 0 && ev->shares > o.shares;
}

static int hook_failed(blanc_replay *r, int err)
{
    r->stop = 1;
    r->st.stop_error = err;
    return err;
}

/* Whether to pause before the message m[0..len): the limit is reached. */
static int pause_here(blanc_replay *r, const uint8_t *m, size_t len)
{
    if (r->st.messages >= r->until_index)
        return r->paused = r->stop = 1;
    /* Only a message long enough to carry a timestamp can be past the limit. */
    if (r->until_ts != UINT64_MAX && len >= 11 && blanc_be48(m + 5) > r->until_ts)
        return r->paused = r->stop = 1;
    return 0;
}

/* Show observation `index` to the health tracker with the anomalies recorded
 * for it: a decoded message (ev), a frame that did not decode (ev NULL,
 * message 1) or an end-of-input anomaly (message 0). A journal that cannot be
 * written stops the replay. */
static void observe(blanc_replay *r, uint64_t index, const blanc_event *ev, int message)
{
    health_obs o = {0, r->anomalies, 0, 0, (uint8_t)message, 0, 0, 0};
    if (r->cur && r->cur->lost) {
        o.lost = r->cur->lost;
        o.lost_from = r->cur->seq - r->cur->lost;
    }
    r->anomalies = 0;
    if (ev) {
        o.decoded = 1;
        o.ts = ev->timestamp;
        o.locate = ev->locate;
        if (ev->type == 'S')
            o.sys_code = (uint8_t)ev->u.event_code;
    }
    int rc = health_observe(r->health, index, &o);
    if (blanc_unlikely(rc < 0) && !r->st.stop_error) {
        r->stop = 1;
        r->st.stop_error = rc;
    }
}

/* An anomaly past the last message (truncated, zero_length, stream_cut). */
static void record_end_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset)
{
    record_anomaly(r, a, offset, r->st.messages);
    if (r->health)
        observe(r, r->st.messages, NULL, 0);
}

/* One framed message. The length has been framed but not yet checked.
 * `plain` (a constant where it is inlined) says the run has books and nothing
 * that watches a message before or as it is applied: no observer, no strict
 * mode (plain_run), so those tests fold away from the common loop. */
static inline __attribute__((always_inline)) int handle_at(blanc_replay *r, const uint8_t *m,
                                                           size_t len, uint64_t offset,
                                                           const int plain)
{
    uint64_t index = r->st.messages++;
    uint8_t t = m[0];
    if (blanc_unlikely(blanc__itch_len[t] != len)) {
        blanc_anomaly a = blanc__itch_len[t] ? BLANC_AN_BAD_LENGTH : BLANC_AN_UNKNOWN_TYPE;
        record_anomaly(r, a, offset, index);
        if (r->health)
            observe(r, index, NULL, 1);
        return a == BLANC_AN_BAD_LENGTH ? BLANC_EBADLEN : BLANC_EUNKNOWNTYPE;
    }
    blanc_event *ev = &r->ev;
    blanc__itch_fill(m, ev);
    r->st.by_type[blanc__itch_index1[t] - 1]++;
    if (blanc_unlikely(ev->timestamp < r->last_ts) && r->have_ts) {
        if (record_anomaly(r, BLANC_AN_TIME_BACKWARDS, offset, index)) {
            r->last_ts = ev->timestamp; /* still the last valid message seen */
            if (r->health)
                observe(r, index, ev, 1);
            return BLANC_ESTRICT;
        }
    }
    if (blanc_unlikely(!r->have_ts)) {
        r->have_ts = 1;
        r->st.first_timestamp = ev->timestamp;
    }
    r->last_ts = ev->timestamp;
    if (!plain && r->opts.no_book)
        return BLANC_NOEFFECT;
    if (!plain && blanc_unlikely(r->want_before)) {
        int hr = blanc__observe_before(r, ev, index);
        if (hr < 0)
            return hook_failed(r, hr);
    }
    if (!plain && blanc_unlikely(r->opts.strict) && (t == 'E' || t == 'C' || t == 'X') &&
        would_overfill(r->books, ev)) {
        /* Strict mode keeps the books free of every anomalous message, and an
         * overfill is otherwise applied (clamped): catch it before it is. */
        record_anomaly(r, BLANC_AN_OVERFILL, offset, index);
        if (r->health)
            observe(r, index, ev, 1);
        return BLANC_ESTRICT;
    }
    int rc = blanc_likely(plain || !r->want_change) ? blanc_books_apply(r->books, ev)
                                           : blanc_books_apply_change(r->books, ev, &r->chg);
    if (blanc_likely(rc == BLANC_APPLIED)) {
        r->st.book_changes++;
    } else if (rc < 0) {
        if (rc == BLANC_EOVERFILL)
            r->st.book_changes++;
        blanc_anomaly a = anomaly_of(rc);
        if (a == BLANC_AN_COUNT) {
            /* Out of memory: not a property of the input, a hard stop. */
            r->stop = 1;
            r->st.stop_error = rc;
            return rc;
        }
        record_anomaly(r, a, offset, index);
    }
    /* Before the observers, so per-message output carries this message's gate. */
    if (blanc_unlikely(r->health != NULL)) {
        if (blanc_likely(!r->anomalies && t != 'S')) {
            int hr = health_message(r->health, index, ev->timestamp, ev->locate);
            if (blanc_unlikely(hr < 0))
                return hook_failed(r, hr);
        } else {
            observe(r, index, ev, 1);
        }
    }
    if (!plain && blanc_unlikely(r->n_obs)) {
        int hr = blanc__observe(r, ev, index, rc);
        if (hr < 0)
            return hook_failed(r, hr);
    }
    return rc;
}

static int handle(blanc_replay *r, const uint8_t *m, size_t len, uint64_t offset)
{
    return handle_at(r, m, len, offset, 0);
}

/* Whether handle_at may take `plain` for the messages about to be handled. */
static int plain_run(const blanc_replay *r)
{
    return !r->opts.no_book && !r->want_before && !r->opts.strict && !r->want_change &&
           !r->n_obs;
}

int blanc_replay_message(blanc_replay *r, const uint8_t *msg, size_t len, uint64_t offset)
{
    if (blanc_unlikely(r->shard != NULL)) {
        /* Leaving the workers: the books gathered at the last pause are current. */
        blanc__shard_free(r->shard);
        r->shard = NULL;
        if (r->health)
            r->health->books = r->books;
    }
    if (!len) {
        record_end_anomaly(r, BLANC_AN_TRUNCATED, offset);
        return BLANC_ETRUNCATED;
    }
    int rc = handle(r, msg, len, offset);
    r->st.last_timestamp = r->last_ts;
    return rc;
}

/* The feed's state beyond its offset, for a snapshot taken now. */
static int save_feed(blanc_replay *r, const blanc_feed *f)
{
    free(r->feed_blob);
    r->feed_blob = NULL;
    r->feed_blob_len = 0;
    int rc = blanc_feed_save(f, &r->feed_blob, &r->feed_blob_len);
    if (rc)
        r->st.stop_error = rc;
    return rc;
}

/* Damage the feed skipped before message m (zero length prefixes, damaged
 * packets) and messages the transport proves lost before it: counted for the
 * message that follows (docs/SEMANTICS.md §1). Returns nonzero to stop. */
static int record_skipped(blanc_replay *r, const blanc_msg *m)
{
    uint64_t index = r->st.messages;
    if (m->damage) {
        blanc_anomaly a = (blanc_anomaly)m->damage_kind;
        blanc_anomaly_stat *s = &r->st.anomalies[a];
        r->anomalies |= 1u << a;
        if (s->count == 0) {
            s->first_offset = m->damage_at;
            s->first_index = index;
        }
        s->count += m->damage;
        r->st.anomalies_total += m->damage;
        if (r->opts.strict) {
            r->stop = 1;
            r->st.stop_error = BLANC_ESTRICT;
        }
    }
    if (m->lost && !r->stop)
        record_anomaly(r, BLANC_AN_SEQ_GAP, m->offset, index);
    if (r->stop && r->health) {
        r->cur = m;
        observe(r, index, NULL, 0);
        r->cur = NULL;
    }
    return r->stop;
}

/* Whether to pause before m: the limit is reached (pause_here), or for
 * damage alone (a run too long to wait for its message), an index limit. */
static int pause_before(blanc_replay *r, const blanc_msg *m)
{
    if (blanc_likely(m->p != NULL))
        return pause_here(r, m->p, m->len);
    if (r->st.messages >= r->until_index)
        return r->paused = r->stop = 1;
    return 0;
}

/* Handle msgs[0..n) until the replay must stop. Returns how many were used.
 * `plain`: as for handle_at. */
static inline __attribute__((always_inline)) size_t process_at(blanc_replay *r,
                                                               const blanc_msg *msgs, size_t n,
                                                               const int plain)
{
    /* Look-ahead: FAR and NEAR messages ahead, see book/prefetch.h. */
/* Compile-time knobs for tuning runs (-DREPLAY_FAR=.. -DREPLAY_NEAR=.. -DREPLAY_DEPS=..):
 * 8/4/2 measured 0.95 of 16/8/3 on both 10M days (docs/PERFORMANCE.md), 12/6/2 and
 * 24/10/4 within the noise. */
#ifndef REPLAY_FAR
#define REPLAY_FAR 8
#define REPLAY_NEAR 4
#define REPLAY_DEPS 2
#endif
    enum { FAR = REPLAY_FAR, NEAR = REPLAY_NEAR, DEPS = REPLAY_DEPS };
    int prefetch = plain || !r->opts.no_book;
    /* The hints read fields at their type's offsets: only a message of its
     * type's length is looked into. Tested once a batch, not at each stage;
     * a message that fails reads as NULL. */
    const uint8_t *ok[REPLAY_BATCH];
    if (blanc_likely(prefetch))
        for (size_t j = 0; j < n; j++) {
            const uint8_t *p = msgs[j].p;
            ok[j] = p && msgs[j].len == blanc__itch_len[p[0]] ? p : NULL;
        }
    size_t i = 0;
    for (; i < n; i++) {
        if (blanc_likely(prefetch)) {
            const uint8_t *a = ok[i + FAR < n ? i + FAR : n - 1];
            if (a)
                books_prefetch_slot(r->books, a);
            a = ok[i + NEAR < n ? i + NEAR : n - 1];
            if (a)
                books_prefetch_node(r->books, a);
            a = ok[i + DEPS < n ? i + DEPS : n - 1];
            if (a)
                books_prefetch_deps(r->books, a);
        }
        const blanc_msg *m = &msgs[i];
        if (blanc_unlikely(r->watch) && pause_before(r, m))
            break;
        if (blanc_unlikely(m->damage | m->lost) && record_skipped(r, m))
            return i + !m->p; /* damage alone is used up by counting it */
        if (blanc_unlikely(!m->p))
            continue;
        r->cur = m;
        handle_at(r, m->p, m->len, m->offset, plain);
        r->cur = NULL;
        if (blanc_unlikely(r->stop))
            return i + 1;
    }
    return i;
}

static size_t process(blanc_replay *r, const blanc_msg *msgs, size_t n)
{
    return plain_run(r) ? process_at(r, msgs, n, 1) : process_at(r, msgs, n, 0);
}

/* The input ended (the feed says how): what it means for the counts. */
static int finish_input(blanc_replay *r, const blanc_feed_end *e)
{
    if (e->damage) {
        blanc_msg m = {.damage = e->damage, .damage_kind = e->damage_kind,
                       .damage_at = e->damage_at};
        r->anomalies = 0;
        record_skipped(r, &m);
        if (r->health && !r->stop)
            observe(r, r->st.messages, NULL, 0);
        if (r->stop)
            return 0;
    }
    switch (e->how) {
    case BLANC_END_MARKER:
        r->st.ended_by_session_marker = 1;
        break;
    case BLANC_END_TRUNCATED:
        record_end_anomaly(r, BLANC_AN_TRUNCATED, e->offset);
        break;
    case BLANC_END_CUT:
        record_end_anomaly(r, BLANC_AN_STREAM_CUT, e->offset);
        break;
    case BLANC_END_ERROR:
        r->st.stop_error = e->error;
        return e->error;
    default:
        break;
    }
    return 0;
}

/* Whether this run goes to book workers (shard.c): asked for, and nothing
 * that must see each message as it is applied, in feed order and with the
 * books current (observers: the emitter, LOBSTER, a subscriber), or stop right
 * at it (strict); no books (no_book), nothing to shard. A replay leaving the workers takes its books
 * back: they were gathered at the last pause. */
static int wants_workers(const blanc_replay *r)
{
    return r->threads > 1 && !r->n_obs && !r->opts.strict && !r->opts.no_book;
}

int blanc__replay_fills_cpus(const blanc_replay *r)
{
    return wants_workers(r) && r->threads >= blanc_cpus_usable();
}

static int use_workers(blanc_replay *r)
{
    int want = wants_workers(r);
    if (want && blanc__shard_start(r) == 0)
        return 1;
    blanc__shard_free(r->shard);
    r->shard = NULL;
    r->workers = 0;
    if (r->health)
        r->health->books = r->books;
    return 0;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
        return 0;
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int run_until(blanc_replay *r, blanc_feed *f, uint64_t until_index, uint64_t until_ts);

/* The run, and the calling thread's CPU time in it (blanc_replay_thread_cpu). */
int blanc_replay_run_until(blanc_replay *r, blanc_feed *f, uint64_t until_index,
                           uint64_t until_ts)
{
    uint64_t t0 = thread_cpu_ns();
    int rc = run_until(r, f, until_index, until_ts);
    r->reader_cpu_ns += thread_cpu_ns() - t0;
    return rc;
}

static int run_until(blanc_replay *r, blanc_feed *f, uint64_t until_index, uint64_t until_ts)
{
    if (r->finished)
        return r->st.stop_error;
    if (r->opts.no_input_digest && blanc_feed_source(f))
        blanc_source_set_hashing(blanc_feed_source(f), 0);
    r->opts.framing = blanc_feed_framing(f);
    r->until_index = until_index;
    r->until_ts = until_ts;
    r->watch = until_index != UINT64_MAX || until_ts != UINT64_MAX;
    r->paused = r->stop = 0;
    int sharded = use_workers(r);
    int rc = 0;
    while (!r->stop) {
        uint64_t before = blanc_feed_offset(f);
        int k = blanc_feed_next(f, r->batch, REPLAY_BATCH);
        if (k < 0) {
            rc = r->st.stop_error = k;
            break;
        }
        size_t used = !k ? 0
                      : sharded ? blanc__shard_process(r, r->batch, (size_t)k)
                                : process(r, r->batch, (size_t)k);
        blanc_feed_consume(f, used);
        r->st.bytes += blanc_feed_offset(f) - before;
        if (k == 0 && !r->stop) {
            if (sharded)
                blanc__shard_drain(r); /* end anomalies come after every message */
            rc = finish_input(r, blanc_feed_end_info(f));
            break;
        }
    }
    if (sharded) {
        /* The barrier: the state is exactly that after the last message handled. */
        blanc__shard_drain(r);
        int g = blanc__shard_gather(r);
        if (g && !r->st.stop_error)
            rc = r->st.stop_error = g;
        if (!r->paused || r->st.stop_error) {
            /* Nothing more to read: the workers and their copy can go (and
             * the journal's names with them: a failed gather left health
             * on the engine's). */
            blanc__shard_free(r->shard);
            r->shard = NULL;
            if (r->health)
                r->health->books = r->books;
        }
    }
    r->st.last_timestamp = r->last_ts;
    r->watch = 0;
    blanc_source *src = blanc_feed_source(f);
    if (r->paused && !r->st.stop_error) {
        r->prefix_digest = src ? blanc_source_digest(src) : 0;
        r->hashed = blanc_feed_offset(f);
        r->have_prefix_digest = !r->opts.no_input_digest && src;
        if ((rc = save_feed(r, f)))
            return rc;
        return BLANC_REPLAY_PAUSED;
    }
    r->paused = 0;
    r->finished = 1;
    if (rc == 0 && !r->opts.no_input_digest && src) {
        /* The input digest names the whole input, even past an early stop. */
        int d = blanc_source_drain(src);
        r->prefix_digest = blanc_source_digest(src);
        r->have_prefix_digest = (d != BLANC_EIO);
    }
    r->hashed = src ? blanc_source_offset(src) : blanc_feed_offset(f);
    save_feed(r, f);
    if (rc)
        return rc;
    return r->st.stop_error;
}

int blanc_replay_run(blanc_replay *r, blanc_feed *f)
{
    return blanc_replay_run_until(r, f, UINT64_MAX, UINT64_MAX);
}

int blanc_replay_resume(blanc_replay *r, blanc_feed *f, int force)
{
    /* Without a recorded digest nothing says this is the snapshot's input:
     * any bytes would "resume" and end with made-up digests. */
    if (!force && (!r->have_prefix_digest || r->opts.no_input_digest))
        return BLANC_ENODIGEST;
    blanc_source *src = blanc_feed_source(f);
    if (r->opts.no_input_digest && src)
        blanc_source_set_hashing(src, 0);
    int rc = blanc_feed_skip(f, r->hashed);
    if (rc == BLANC_ETRUNCATED)
        return force ? BLANC_EINVAL : BLANC_EMISMATCH; /* cannot continue past the end */
    if (rc)
        return rc;
    if (!force && r->have_prefix_digest && !r->opts.no_input_digest && src &&
        blanc_source_digest(src) != r->prefix_digest)
        return BLANC_EMISMATCH;
    return blanc_feed_restore(f, r->feed_blob, r->feed_blob_len);
}

void blanc_replay_set_health(blanc_replay *r, blanc_health *h)
{
    r->health = h;
    r->anomalies = 0;
    if (h)
        h->books = r->books;
}

int blanc_replay_finished(const blanc_replay *r) { return r->finished; }

int blanc_replay_set_threads(blanc_replay *r, unsigned n)
{
    if (n > BLANC_MAX_THREADS)
        return BLANC_EINVAL;
    r->threads = n;
    return 0;
}

unsigned blanc_replay_threads(const blanc_replay *r, int *cpus, size_t cap)
{
    for (unsigned i = 0; i < r->workers && i < cap; i++)
        cpus[i] = r->worker_cpus[i];
    return r->workers;
}

unsigned blanc_replay_thread_cpu(const blanc_replay *r, double *reader_s, double *worker_s,
                                 size_t cap)
{
    if (reader_s)
        *reader_s = (double)r->reader_cpu_ns / 1e9;
    for (unsigned i = 0; i < r->workers && i < cap; i++)
        worker_s[i] = (double)r->worker_cpu_ns[i] / 1e9;
    return r->workers;
}

unsigned blanc_replay_reader_share(const blanc_replay *r, uint64_t *moved)
{
    if (moved)
        *moved = r->workers ? r->moved : 0;
    return r->workers ? (r->reader_share * 1000 + 512) / 1024 : 1000;
}

int blanc__replay_record_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset,
                                 uint64_t index)
{
    return record_anomaly(r, a, offset, index);
}

int blanc__replay_record_skipped(blanc_replay *r, const blanc_msg *m)
{
    return record_skipped(r, m);
}

int blanc__replay_pause_before(blanc_replay *r, const blanc_msg *m) { return pause_before(r, m); }

blanc_anomaly blanc__replay_anomaly_of(int rc) { return anomaly_of(rc); }

uint64_t blanc_replay_input_position(const blanc_replay *r, uint64_t *digest)
{
    if (digest)
        *digest = r->have_prefix_digest ? r->prefix_digest : 0;
    return r->hashed;
}

const blanc_replay_stats *blanc__replay_stats(const blanc_replay *r) { return &r->st; }

int blanc_replay_get_stats(const blanc_replay *r, blanc_replay_stats *out)
{
    *out = r->st;
    return 0;
}

blanc_books *blanc_replay_books(blanc_replay *r) { return r->books; }

const blanc_books *blanc_replay_books_const(const blanc_replay *r) { return r->books; }

const blanc_replay_options *blanc_replay_get_options(const blanc_replay *r) { return &r->opts; }

void blanc_replay_digests(const blanc_replay *r, blanc_digests *out)
{
    out->l3 = blanc_books_digest_l3(r->books);
    out->l2 = blanc_books_digest_l2(r->books);
    out->stream = blanc_books_digest_stream(r->books);
    out->input = r->finished && r->have_prefix_digest ? r->prefix_digest : 0;
}
