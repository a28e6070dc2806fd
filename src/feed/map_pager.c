/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The page work of a mapped input on a second thread. A mapped file costs
 * the kernel a little per 4 KiB page twice: mapping it on the first touch
 * (fault-around, rmap and memcg accounting) and unmapping it when the source
 * gives it back behind the reader (MADV_DONTNEED). On a 500 MB capture that
 * is ~0.1 s of system time, a tenth of the replay, paid on the replay's
 * thread between its messages. Here a pager maps the next slice ahead
 * (MADV_POPULATE_READ, Linux 5.14: without it the reader maps its own pages
 * as before) and gives back what the reader has left, so the reader finds
 * its pages mapped and never waits on the kernel for them; on two cores
 * that work overlaps the replay instead of adding to it.
 *
 * Nothing the reader sees depends on it: the pages hold the same bytes
 * whether mapped by the pager, by the reader's own fault, or again after a
 * drop. The pager only drops what the source says the reader is done with,
 * and never later than the source did inline (it keeps the resident set
 * bounded the same way, one slice or so behind).
 *
 * Requests are two positions under one mutex (a few hundred a day's file);
 * the pager works in steps of STEP bytes and looks at the stop flag between
 * them, so stop() waits for one step at most. The thread blocks every signal
 * but the faults of reading the map (common/thread.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "common/thread.h"
#include "feed/map_pager.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22 /* Linux 5.14; older kernels answer EINVAL */
#endif

#define STEP ((size_t)1 << 20)

struct blanc__pager {
    const uint8_t *base;
    size_t size;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t wake;
    size_t ahead, behind; /* what the source asked for */
    size_t claimed;       /* given back, or being given back, up to here */
    size_t mapped;        /* the pager's alone: mapped up to here */
    int stop, can_populate;
    /* The input digest, when the pager keeps it: bytes are hashed here, in
     * order, just before they are given back (blanc__pager_start). */
    blanc__pager_hash hash;
    void *hash_ctx;
    size_t hashed;        /* hashed up to here (SIZE_MAX: no hash, or handed back) */
    int hash_busy;        /* hashing outside the lock */
    pthread_cond_t done;  /* a claimed request's hashing has ended */
};

static void *run(void *arg)
{
    blanc__pager *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->stop && p->behind <= p->claimed &&
               (!p->can_populate || p->ahead <= p->mapped))
            pthread_cond_wait(&p->wake, &p->mu);
        if (p->stop)
            break;
        size_t behind = p->behind, ahead = p->ahead, from = p->claimed;
        size_t hash_from = p->hashed;
        int hash = behind > hash_from;
        p->claimed = behind;
        p->hash_busy = hash;
        pthread_cond_broadcast(&p->done); /* a reader waiting to post may */
        pthread_mutex_unlock(&p->mu);
        if (hash) {
            p->hash(p->hash_ctx, p->base + hash_from, behind - hash_from);
            pthread_mutex_lock(&p->mu);
            p->hashed = behind;
            p->hash_busy = 0;
            pthread_cond_broadcast(&p->done);
            pthread_mutex_unlock(&p->mu);
        }
        if (behind > from)
            madvise((void *)(uintptr_t)(p->base + from), behind - from, MADV_DONTNEED);
        else
            behind = from;
        if (p->mapped < behind)
            p->mapped = behind; /* the reader is past these already */
        if (p->can_populate && ahead > p->mapped) {
            size_t at = p->mapped, n = ahead - at < STEP ? ahead - at : STEP;
            if (madvise((void *)(uintptr_t)(p->base + at), n, MADV_POPULATE_READ) && errno == EINVAL)
                p->can_populate = 0; /* an older kernel: the reader maps its own */
            p->mapped = at + n;
            /* The reader may have overtaken us meanwhile and dropped some of
             * these itself: they would stay mapped to the end. */
            pthread_mutex_lock(&p->mu);
            size_t c = p->claimed;
            pthread_mutex_unlock(&p->mu);
            if (c > at)
                madvise((void *)(uintptr_t)(p->base + at), (c < at + n ? c : at + n) - at,
                        MADV_DONTNEED);
        }
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

blanc__pager *blanc__pager_start(const uint8_t *base, size_t size, blanc__pager_hash hash,
                                 void *ctx, size_t hashed)
{
    blanc__pager *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->base = base;
    p->size = size;
    p->can_populate = 1;
    p->hash = hash;
    p->hash_ctx = ctx;
    p->hashed = hash ? hashed : SIZE_MAX;
    if (pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->wake, NULL)) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL)) {
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    int rc = blanc__thread_start(&p->th, run, p, "blanc-pager");
    if (rc) {
        pthread_cond_destroy(&p->done);
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void blanc__pager_ahead(blanc__pager *p, size_t upto)
{
    if (upto > p->size)
        upto = p->size;
    pthread_mutex_lock(&p->mu);
    if (upto > p->ahead) {
        p->ahead = upto;
        pthread_cond_signal(&p->wake);
    }
    pthread_mutex_unlock(&p->mu);
}

/* The resident set stays bounded even when the pager gets no core (or the
 * reader outruns it): a request the pager has not started on when the next
 * one comes is done by the reader, with the new one. So at most one request
 * is in the pager's hands and one waits for it. When the pager keeps the
 * digest the reader waits for it instead: the bytes must be hashed in order,
 * and only one thread may hash. */
void blanc__pager_behind(blanc__pager *p, size_t upto)
{
    pthread_mutex_lock(&p->mu);
    if (upto <= p->behind) {
        pthread_mutex_unlock(&p->mu);
        return;
    }
    while (p->hashed != SIZE_MAX && p->claimed != p->behind)
        pthread_cond_wait(&p->done, &p->mu);
    if (p->claimed == p->behind) {
        p->behind = upto;
        pthread_cond_signal(&p->wake);
        pthread_mutex_unlock(&p->mu);
        return;
    }
    size_t from = p->claimed;
    p->claimed = p->behind = upto;
    pthread_mutex_unlock(&p->mu);
    madvise((void *)(uintptr_t)(p->base + from), upto - from, MADV_DONTNEED);
}

size_t blanc__pager_sync(blanc__pager *p)
{
    pthread_mutex_lock(&p->mu);
    while (p->hash_busy || (p->claimed != p->behind && p->behind > p->hashed))
        pthread_cond_wait(&p->done, &p->mu);
    size_t h = p->hashed;
    pthread_mutex_unlock(&p->mu);
    return h;
}

void blanc__pager_set_hashed(blanc__pager *p, size_t upto)
{
    pthread_mutex_lock(&p->mu);
    p->hashed = upto;
    pthread_mutex_unlock(&p->mu);
}

size_t blanc__pager_stop(blanc__pager *p)
{
    if (!p)
        return SIZE_MAX;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->th, NULL);
    size_t h = p->hashed;
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p);
    return h;
}
