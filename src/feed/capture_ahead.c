/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The capture walk ahead of the replay. With one book thread the replay's
 * own thread walks every pcap record (its header, the Ethernet, IPv4 and UDP
 * headers: the first touch of each packet) before the MoldUDP64 stream takes
 * it, and on a sparse day (1.1-1.3 messages a packet) that walk is a sixth
 * of the replay. Here a second thread walks the mapped file ahead of the
 * reader into a ring of udp_spans, the same spans the reader's walk would
 * make (capture.c's walk, run on its constant fields only), and the reader
 * is shown them where they lie in the ring instead of walking.
 *
 * Nothing the reader sees depends on it. A span is used only if it starts
 * exactly at the reader's offset with the reader's next packet number and
 * lies inside the reader's window; spans the reader has passed (it may take
 * fewer than it is shown, or walk the general way meanwhile) go back to the
 * walker at its next look, and with none ready the reader walks itself, as
 * without this thread: it never waits for the walker. The reader publishes
 * its offset and packet number at each look, under a sequence count (four
 * stores, no lock). The walker stops where the reader's walk would (a
 * record it does not take, the end of the file) until the reader has gone
 * past that record, and when it finds itself behind the reader it goes on
 * from the reader's offset: it never reads far behind the reader, where
 * the source may have given the pages back.
 *
 * Waiting is sleeping, on the walker's side only: a full ring drains in a
 * few hundred microseconds, and a walker with nothing to do backs off to a
 * millisecond between looks; stop() cuts a sleep short.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "common/thread.h"
#include "feed/capture_ahead.h"

#define RING 4096u /* spans (56 bytes each): ~400 us of a replay */
#define CHUNK 256u /* the most walked before the walker publishes */
#define LINE 64
#define NAP_MIN 10000L   /* ns */
#define NAP_MAX 1000000L /* ns */

struct blanc__ahead {
    blanc__ahead_walk walk;
    const void *ctx;
    const uint8_t *base;
    size_t size;
    pthread_t th;
    udp_span *ring;
    _Atomic int stop;
    pthread_mutex_t mu; /* for sleeping only: the reader never takes it */
    pthread_cond_t wake;
    _Alignas(LINE) _Atomic uint64_t head; /* walker: spans published */
    _Alignas(LINE) _Atomic uint64_t tail; /* reader: spans it has passed */
    /* reader: its offset and packet number at its last take, under a
     * sequence count (odd while it writes them) */
    _Atomic uint32_t seq;
    _Atomic uint64_t at, number;
    uint64_t served; /* reader: spans shown (a count for tests) */
};

/* A sleep that stop() cuts short. */
static void nap(blanc__ahead *a, long ns)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_nsec += ns;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&a->mu);
    if (!atomic_load_explicit(&a->stop, memory_order_relaxed))
        pthread_cond_timedwait(&a->wake, &a->mu, &t);
    pthread_mutex_unlock(&a->mu);
}

/* Where the reader was at its last take. */
static void reader_pos(blanc__ahead *a, uint64_t *at, uint64_t *number)
{
    uint32_t s1, s2;
    for (unsigned tries = 1;; tries++) {
        s1 = atomic_load_explicit(&a->seq, memory_order_acquire);
        *at = atomic_load_explicit(&a->at, memory_order_relaxed);
        *number = atomic_load_explicit(&a->number, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        s2 = atomic_load_explicit(&a->seq, memory_order_relaxed);
        if (!(s1 & 1) && s1 == s2)
            return;
        if (tries % 64 == 0)
            sched_yield(); /* the reader lost its core mid-write: let it have one */
    }
}

static void *run(void *arg)
{
    blanc__ahead *a = arg;
    uint64_t at, number, head = 0;
    reader_pos(a, &at, &number);
    uint64_t stopped = UINT64_MAX; /* where the walk stopped, or none */
    long backoff = NAP_MIN;
    while (!atomic_load_explicit(&a->stop, memory_order_relaxed)) {
        uint64_t r_at, r_number;
        reader_pos(a, &r_at, &r_number);
        /* Behind the reader (it walked the general way, or past where the
         * walk stopped): its pages may be given back already, so go on from
         * its own offset. */
        if (at < r_at || (stopped != UINT64_MAX && r_at > stopped)) {
            at = r_at;
            number = r_number;
            stopped = UINT64_MAX;
        }
        uint64_t tail = atomic_load_explicit(&a->tail, memory_order_acquire);
        size_t room = RING - (size_t)(head - tail), to_end = RING - (size_t)(head & (RING - 1));
        if (stopped != UINT64_MAX || room < CHUNK) {
            nap(a, backoff); /* a full ring drains in a few hundred us */
            backoff = backoff < NAP_MAX ? backoff * 2 : NAP_MAX;
            continue;
        }
        udp_span *out = &a->ring[head & (RING - 1)];
        size_t k = a->walk(a->ctx, a->base, a->size, at, number, out, to_end < CHUNK ? to_end : CHUNK);
        if (k == 0) {
            stopped = at; /* a record the walk does not take, or the end */
            continue;
        }
        at = out[k - 1].end;
        number = out[k - 1].packet;
        head += k;
        atomic_store_explicit(&a->head, head, memory_order_release);
        backoff = NAP_MIN;
    }
    return NULL;
}

static void publish_pos(blanc__ahead *a, uint64_t at, uint64_t number)
{
    uint32_t s = atomic_load_explicit(&a->seq, memory_order_relaxed);
    atomic_store_explicit(&a->seq, s + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&a->at, at, memory_order_relaxed);
    atomic_store_explicit(&a->number, number, memory_order_relaxed);
    atomic_store_explicit(&a->seq, s + 2, memory_order_release);
}

blanc__ahead *blanc__ahead_start(blanc__ahead_walk walk, const void *ctx, const uint8_t *base,
                                 size_t size, uint64_t at, uint64_t number)
{
    blanc__ahead *a = aligned_alloc(LINE, sizeof *a);
    if (!a)
        return NULL;
    *a = (blanc__ahead){.walk = walk, .ctx = ctx, .base = base, .size = size};
    publish_pos(a, at, number);
    a->ring = malloc(RING * sizeof *a->ring);
    if (!a->ring) {
        free(a);
        return NULL;
    }
    pthread_condattr_t ca;
    if (pthread_mutex_init(&a->mu, NULL)) {
        free(a->ring);
        free(a);
        return NULL;
    }
    if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) ||
        pthread_cond_init(&a->wake, &ca)) {
        pthread_mutex_destroy(&a->mu);
        free(a->ring);
        free(a);
        return NULL;
    }
    pthread_condattr_destroy(&ca);
    int rc = blanc__thread_start(&a->th, run, a, "blanc-walk");
    if (rc) {
        pthread_cond_destroy(&a->wake);
        pthread_mutex_destroy(&a->mu);
        free(a->ring);
        free(a);
        return NULL;
    }
    return a;
}

const udp_span *blanc__ahead_take(blanc__ahead *a, uint64_t at, uint64_t number, uint64_t limit,
                                  size_t max, size_t *n, size_t *seen)
{
    publish_pos(a, at, number);
    uint64_t t = atomic_load_explicit(&a->tail, memory_order_relaxed);
    uint64_t h = atomic_load_explicit(&a->head, memory_order_acquire);
    /* What the reader has passed (shown by the last call, or walked the
     * general way) goes back to the walker; what it is shown now stays
     * until it has passed it too (it may take fewer than it is shown). */
    while (t != h && a->ring[t & (RING - 1)].offset < at)
        t++;
    /* Shown in place: a run that does not wrap. */
    uint64_t stop = t + (RING - (t & (RING - 1)));
    stop = stop < h ? stop : h;
    stop = stop - t > max ? t + max : stop;
    uint64_t j = t;
    for (; j != stop; j++) {
        const udp_span *s = &a->ring[j & (RING - 1)];
        if (s->offset != at || s->packet != number + 1) {
            if (j == t)
                t = h; /* off the reader's records (the walker went on from
                        * the reader's offset since): drop them all */
            break;
        }
        if (s->end > limit)
            break; /* not whole in the window yet */
        at = s->end;
        number = s->packet;
    }
    atomic_store_explicit(&a->tail, t, memory_order_release);
    *n = t == h ? 0 : (size_t)(j - t);
    /* The reader asks for each payload some spans before it reads it
     * (mold_direct.c): the spans it may look at for that. */
    uint64_t last = t + (RING - (t & (RING - 1)));
    *seen = *n ? (size_t)((last < h ? last : h) - t) : 0;
    a->served += *n;
    return &a->ring[t & (RING - 1)];
}

uint64_t blanc__ahead_walked(const blanc__ahead *a)
{
    return atomic_load_explicit(&a->head, memory_order_acquire);
}

uint64_t blanc__ahead_served(const blanc__ahead *a)
{
    return a->served;
}

void blanc__ahead_stop(blanc__ahead *a)
{
    if (!a)
        return;
    pthread_mutex_lock(&a->mu);
    atomic_store_explicit(&a->stop, 1, memory_order_relaxed);
    pthread_cond_signal(&a->wake);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->th, NULL);
    pthread_cond_destroy(&a->wake);
    pthread_mutex_destroy(&a->mu);
    free(a->ring);
    free(a);
}
