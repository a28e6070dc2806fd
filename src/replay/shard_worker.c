/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The sharded replay's workers (docs/ARCHITECTURE.md "Sharded replay"): each
 * owns the books of the instruments routed to it, takes messages from its
 * ring (shard_impl.h shard_slot), decodes and applies them in ring order, and writes back per slot what
 * the apply returned and how the live order count moved. Also their threads:
 * creation, pinning round-robin over the allowed CPUs from the second on (the
 * first is left to the reader, which keeps shard 0), teardown.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "book/book.h"
#include "book/prefetch.h"
#include "book/restore.h"
#include "replay/shard_impl.h"

static int has_work(void *arg)
{
    shard_worker *w = arg;
    return spsc_avail(&w->q) || atomic_load_explicit(&w->quit, memory_order_relaxed);
}

/* An instrument moved here by the reader (SLOT_IMPORT): 0, or BLANC_ENOMEM. */
static int import(blanc_books *b, const uint8_t *m)
{
    blanc_books *from;
    uint16_t loc;
    memcpy(&loc, m + 1, sizeof loc);
    memcpy(&from, m + 8, sizeof from);
    books_bulk(b, books_top_ref(from));
    int rc = books_copy_instrument(b, from, loc);
    books_bulk_end(b);
    blanc_books_free(from);
    return rc < 0 ? BLANC_ENOMEM : 0;
}

/* Where a type's share count is in its slot: an A's or F's at 20, a U's at
 * 27, the reductions' (E C X) at 19; a D, H or R has none (19: any place). */
static const uint8_t shares_at[256] = {['A'] = 20, ['F'] = 20, ['U'] = 27, ['D'] = 19, ['E'] = 19,
                                       ['C'] = 19, ['X'] = 19, ['H'] = 19, ['R'] = 19};

/* A slot into the event the apply reads: every field it may look at, each
 * read where the types that have it keep it, with no branch on the type (a
 * field the type lacks gets bytes the apply never looks at). */
static inline void slot_fill(const uint8_t *m, blanc_event *ev)
{
    ev->type = (char)m[0];
    ev->locate = blanc_be16(m + 1);
    ev->ref = blanc_be64(m + 11);     /* A F D U E C X */
    ev->new_ref = blanc_be64(m + 19); /* U */
    ev->side = (char)m[19];           /* A F */
    ev->u.trading.state = (char)m[19]; /* H */
    ev->shares = blanc_be32(m + shares_at[m[0]]);
    ev->price = blanc_be32(m + SLOT_PRICE); /* A F U */
    memcpy(ev->stock, m + 11, sizeof ev->stock); /* R */
}

/* The look-ahead of book/prefetch.h, in slots of the ring: the three stages
 * of the one-thread loop at its distances (docs/PERFORMANCE.md "Threads"). */
#ifndef WORKER_FAR
#define WORKER_FAR 8
#define WORKER_NEAR 4
#define WORKER_DEPS 2
#endif

static void *worker_main(void *arg)
{
    shard_worker *w = arg;
    spsc *q = &w->q;
    blanc_books *b = w->books;
    /* In locals: the stores of results (int8_t, which may alias anything)
     * would otherwise make every slot reload them from w. */
    const shard_slot *slots = w->slots;
    shard_res *res = w->res;
    const uint64_t mask = q->mask;
    blanc_event ev;
    memset(&ev, 0, sizeof ev);
    enum { FAR = WORKER_FAR, NEAR = WORKER_NEAR, DEPS = WORKER_DEPS, HAND_BACK = 256 };
    for (;;) {
        uint64_t n = spsc_avail(q);
        if (!n) {
            if (atomic_load_explicit(&w->quit, memory_order_acquire))
                break;
            spsc_wait(&q->cons_wait, 0, has_work, w);
            continue;
        }
        for (uint64_t k = 0; k < n; k++) {
            uint64_t pos = q->c_tail;
            if (k + FAR < n)
                books_prefetch_slot_at(b, slots[(pos + FAR) & mask].m, SLOT_PRICE, SLOT_PRICE);
            if (k + NEAR < n)
                books_prefetch_node_at(b, slots[(pos + NEAR) & mask].m, SLOT_PRICE);
            if (k + DEPS < n)
                books_prefetch_deps_at(b, slots[(pos + DEPS) & mask].m, SLOT_PRICE, SLOT_PRICE);
            const uint8_t *m = slots[pos & mask].m;
            if (blanc_unlikely(m[0] == SLOT_IMPORT)) {
                res[pos & mask] = (shard_res){(int8_t)import(b, m), 0};
            } else {
                slot_fill(m, &ev);
                uint64_t live = b->live;
                int rc = blanc_books_apply(b, &ev);
                res[pos & mask] = (shard_res){(int8_t)rc, (int8_t)(b->live - live)};
            }
            q->c_tail = pos + 1;
            if ((q->c_tail & (HAND_BACK - 1)) == 0)
                spsc_release(q);
        }
        spsc_release(q);
    }
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0)
        w->cpu_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    return NULL;
}

/* The CPUs this process may run on, in order; at least one (-1: unknown). */
static unsigned allowed_cpus(int *out, unsigned cap)
{
    cpu_set_t set;
    unsigned n = 0;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        for (size_t c = 0; c < CPU_SETSIZE && n < cap; c++)
            if (CPU_ISSET(c, &set))
                out[n++] = (int)c;
    if (!n)
        out[n++] = -1;
    return n;
}

unsigned blanc_cpus_usable(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

void blanc__shard_free(shard_engine *e)
{
    if (!e)
        return;
    for (unsigned i = 0; i < e->n; i++) {
        shard_worker *w = &e->w[i];
        if (w->tid) {
            atomic_store(&w->quit, 1);
            spsc_wake(&w->q.cons_wait, UINT64_MAX);
            pthread_join(w->tid, NULL);
            if (e->cpu_out && i)
                e->cpu_out[i - 1] += w->cpu_ns;
        }
        blanc_books_free(w->books);
        free(w->slots);
        free(w->res);
        free(w->offsets);
    }
    free(e->w);
    blanc_books_free(e->dir);
    blanc_books_free(e->named);
    free(e->log);
    free(e->hits);
    free(e);
}

/* The reader's share of the instruments, per 1024 (shard_impl.h). */
static uint32_t reader_share(unsigned n, uint32_t reader_load)
{
    const char *env = getenv("BLANC_READER_SHARE");
    if (env && *env) {
        char *end;
        unsigned long v = strtoul(env, &end, 10);
        if (!*end && v <= 1000)
            return (uint32_t)((v * 1024 + 500) / 1000);
    }
    uint64_t load = (uint64_t)(n - 1) * reader_load;
    return load >= 1024 ? 0 : (uint32_t)((1024 - load) / n);
}

/* Shards with empty books and rings, not yet started. */
shard_engine *blanc__shard_engine_new(unsigned n, size_t expected_orders, uint32_t load)
{
    shard_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->w = aligned_alloc(SPSC_LINE, n * sizeof *e->w);
    e->log = malloc(LOG_SLOTS * sizeof *e->log);
    e->hits = calloc(65536, sizeof *e->hits);
    (void)blanc_books_create(&e->dir, 0); /* NULL on failure: checked below */
    (void)blanc_books_create(&e->named, 0);
    if (!e->w || !e->log || !e->hits || !e->dir || !e->named) {
        free(e->w);
        e->w = NULL;
        blanc__shard_free(e);
        return NULL;
    }
    memset(e->w, 0, n * sizeof *e->w);
    memset(e->owner, NO_SHARD, sizeof e->owner);
    e->n = n;
    e->share = reader_share(n, load);
    const char *every = getenv("BLANC_SHARD_SHED");
    if (every && *every)
        e->shed_every = (uint32_t)strtoul(every, NULL, 10);
    for (unsigned i = 0; i < n; i++) {
        shard_worker *w = &e->w[i];
        spsc_init(&w->q, RING_SLOTS);
        atomic_init(&w->quit, 0);
        w->cpu = -1;
        if (i) {
            /* Zeroed: a short message's slot has bytes it never wrote. */
            w->slots = aligned_alloc(SPSC_LINE, RING_SLOTS * sizeof *w->slots);
            if (w->slots)
                memset(w->slots, 0, RING_SLOTS * sizeof *w->slots);
            w->res = aligned_alloc(SPSC_LINE, RING_SLOTS * sizeof *w->res);
            w->offsets = malloc(RING_SLOTS * sizeof *w->offsets);
        }
        (void)blanc_books_create(&w->books, expected_orders / n);
        if ((i && (!w->slots || !w->res || !w->offsets)) || !w->books) {
            blanc__shard_free(e);
            return NULL;
        }
    }
    return e;
}

/* Start the workers' threads, worker i pinned to the i-th CPU this process
 * may use, round-robin, so the first CPU is the reader's while there are
 * fewer threads than CPUs (a pinning refused leaves that worker unpinned:
 * cpu -1). */
int blanc__shard_engine_run(shard_engine *e)
{
    int cpus[1024];
    unsigned nc = allowed_cpus(cpus, 1024);
    for (unsigned i = 1; i < e->n; i++) {
        shard_worker *w = &e->w[i];
        if (pthread_create(&w->tid, NULL, worker_main, w)) {
            w->tid = 0;
            return BLANC_ENOMEM;
        }
        char name[16];
        snprintf(name, sizeof name, "blanc-book%u", i % 100u);
        pthread_setname_np(w->tid, name); /* for top -H and perf; cosmetic */
        int c = cpus[i % nc];
        if (c >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET((size_t)c, &set);
            if (pthread_setaffinity_np(w->tid, sizeof set, &set) == 0)
                w->cpu = c;
        }
    }
    return 0;
}

unsigned blanc__shard_workers(const shard_engine *e, int *cpus, size_t cap)
{
    if (!e)
        return 0;
    for (unsigned i = 1; i < e->n && i - 1 < cap; i++)
        cpus[i - 1] = e->w[i].cpu;
    return e->n - 1;
}
