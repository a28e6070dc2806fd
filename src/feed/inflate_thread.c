/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Decompression on its own thread. A producer runs the decoder into a ring of
 * RING_SLOTS buffers of SLOT_CAP bytes; the reader (source.c) copies from the
 * oldest full one into its window. On two cores the inflate then overlaps the
 * replay instead of adding to it, and the copy (one memcpy per byte, while it
 * is hot) is cheap beside the inflate.
 *
 * Each slot carries the decoder's state after it: 1 more may follow, 0 the
 * clean end, or the error; the bytes before an error are handed out first and
 * the error then on every call, exactly as from the decoder itself. A slot
 * also carries the raw file count at its end, so the source reports how much
 * of the file its bytes took. One mutex and two condition variables per slot
 * hand-off (a few hundred per day's file), nothing per message.
 *
 * Stop: the reader may close at any moment (an early stop, an error above);
 * stop() raises a flag, wakes the producer, and joins it: the producer looks
 * at the flag before each slot, so the wait is at most one slot's decode
 * (a few ms). The thread blocks every signal but faults (common/thread.h):
 * handlers run on the reader.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/thread.h"
#include "feed/inflate.h"

#define RING_SLOTS 4
#define SLOT_CAP ((size_t)4 << 20)

typedef struct slot {
    uint8_t *buf;
    size_t len;
    long state;   /* after these bytes: 1 more, 0 end, < 0 error */
    uint64_t raw; /* blanc__inflate_raw() when the slot was filled */
} slot;

struct blanc__ring {
    blanc__inflate *dec;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t has_data, has_room;
    slot s[RING_SLOTS];
    unsigned head, count; /* head: the reader's slot; count: full slots */
    int stop, started;
    size_t pos;      /* the reader's place in s[head] */
    uint64_t raw;    /* raw count of the slot last read from */
};

static void fill(blanc__ring *r, slot *sl)
{
    sl->len = 0;
    sl->state = 1;
    while (sl->len < SLOT_CAP) {
        long n = blanc__inflate_produce(r->dec, sl->buf + sl->len, SLOT_CAP - sl->len);
        if (n <= 0) {
            sl->state = n;
            break;
        }
        sl->len += (size_t)n;
    }
    sl->raw = blanc__inflate_raw(r->dec);
}

static void *producer(void *arg)
{
    blanc__ring *r = arg;
    unsigned tail = 0;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->count == RING_SLOTS && !r->stop)
            pthread_cond_wait(&r->has_room, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            return NULL;
        slot *sl = &r->s[tail];
        fill(r, sl);
        tail = (tail + 1) % RING_SLOTS;
        pthread_mutex_lock(&r->mu);
        r->count++;
        pthread_cond_signal(&r->has_data);
        pthread_mutex_unlock(&r->mu);
        if (sl->state <= 0)
            return NULL; /* the end or an error: nothing follows it */
    }
}

int blanc__ring_start(blanc__ring **out, blanc__inflate *d)
{
    blanc__ring *r = calloc(1, sizeof *r);
    if (!r)
        return BLANC_ENOMEM;
    r->dec = d;
    int rc = 0;
    for (unsigned i = 0; i < RING_SLOTS && !rc; i++)
        if (!(r->s[i].buf = malloc(SLOT_CAP)))
            rc = BLANC_ENOMEM;
    if (!rc && pthread_mutex_init(&r->mu, NULL))
        rc = BLANC_ENOMEM;
    if (!rc && (pthread_cond_init(&r->has_data, NULL) || pthread_cond_init(&r->has_room, NULL)))
        rc = BLANC_ENOMEM;
    if (!rc) {
        if (blanc__thread_start(&r->th, producer, r, "blanc-inflate"))
            rc = BLANC_ENOMEM;
        else
            r->started = 1;
    }
    if (rc) {
        r->dec = NULL; /* the caller still owns d on failure */
        blanc__ring_stop(r);
        return rc;
    }
    *out = r;
    return 0;
}

static void give_back(blanc__ring *r)
{
    r->pos = 0;
    r->head = (r->head + 1) % RING_SLOTS;
    pthread_mutex_lock(&r->mu);
    r->count--;
    pthread_cond_signal(&r->has_room);
    pthread_mutex_unlock(&r->mu);
}

long blanc__ring_produce(blanc__ring *r, uint8_t *dst, size_t room)
{
    for (;;) {
        pthread_mutex_lock(&r->mu);
        while (r->count == 0)
            pthread_cond_wait(&r->has_data, &r->mu);
        pthread_mutex_unlock(&r->mu);
        slot *sl = &r->s[r->head]; /* full: the producer does not touch it */
        r->raw = sl->raw;
        size_t avail = sl->len - r->pos;
        if (avail) {
            size_t n = avail < room ? avail : room;
            memcpy(dst, sl->buf + r->pos, n);
            r->pos += n;
            if (r->pos == sl->len && sl->state > 0)
                give_back(r);
            return (long)n;
        }
        if (sl->state <= 0)
            return sl->state; /* kept: the same answer on every later call */
        give_back(r);
    }
}

uint64_t blanc__ring_raw(const blanc__ring *r) { return r->raw; }

const blanc__inflate *blanc__ring_decoder(const blanc__ring *r) { return r->dec; }

void blanc__ring_stop(blanc__ring *r)
{
    if (!r)
        return;
    if (r->started) {
        pthread_mutex_lock(&r->mu);
        r->stop = 1;
        pthread_cond_signal(&r->has_room);
        pthread_mutex_unlock(&r->mu);
        pthread_join(r->th, NULL);
        pthread_cond_destroy(&r->has_data);
        pthread_cond_destroy(&r->has_room);
        pthread_mutex_destroy(&r->mu);
    }
    for (unsigned i = 0; i < RING_SLOTS; i++)
        free(r->s[i].buf);
    blanc__inflate_close(r->dec);
    free(r);
}
