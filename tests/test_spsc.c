/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The sharded replay's ring (src/replay/spsc.h): empty and full, positions
 * wrapping the slot array many times, batched publication and hand-back, and
 * two threads passing a numbered stream through a small ring, both sides
 * sleeping when there is nothing to do (each value must arrive once, in order). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "replay/spsc.h"

#define CAP 8u

static void empty_and_full(void **state)
{
    (void)state;
    static spsc q;
    uint64_t slot[CAP];
    spsc_init(&q, CAP);
    assert_int_equal(spsc_avail(&q), 0);
    assert_int_equal(spsc_free(&q, 1), CAP);
    for (uint64_t i = 0; i < CAP; i++)
        slot[q.p_head++ & q.mask] = i;
    assert_int_equal(spsc_free(&q, 1), 0);
    assert_int_equal(spsc_avail(&q), 0); /* filled, not yet published */
    spsc_publish(&q);
    assert_int_equal(spsc_avail(&q), CAP);
    assert_int_equal(spsc_free(&q, 1), 0);
    for (uint64_t i = 0; i < CAP; i++)
        assert_int_equal(slot[q.c_tail++ & q.mask], i);
    assert_int_equal(spsc_avail(&q), 0);
    assert_int_equal(spsc_free(&q, 1), 0); /* read, not yet handed back */
    spsc_release(&q);
    assert_int_equal(spsc_free(&q, 1), CAP);
}

static void wraparound(void **state)
{
    (void)state;
    static spsc q;
    uint64_t slot[CAP];
    spsc_init(&q, CAP);
    uint64_t next_in = 0, next_out = 0;
    int drained = 1;
    /* Batches of 1..CAP, so every slot is the start and end of a batch many times. */
    for (int round = 0; round < 1000; round++) {
        uint64_t k = (uint64_t)(round % (int)CAP) + 1, room = spsc_free(&q, CAP);
        assert_int_equal(room, CAP - (next_in - next_out)); /* exact when asked for all */
        if (k > room)
            k = room;
        for (uint64_t i = 0; i < k; i++)
            slot[q.p_head++ & q.mask] = next_in++;
        spsc_publish(&q);
        /* The consumer re-reads the head only once it has used what it saw. */
        uint64_t n = spsc_avail(&q);
        assert_true(n >= 1 && n <= next_in - next_out);
        if (drained)
            assert_int_equal(n, next_in - next_out);
        /* Hand back all but one slot, so the ring is rarely empty at a batch start. */
        uint64_t take = n > 1 && round % 3 ? n - 1 : n;
        for (uint64_t i = 0; i < take; i++)
            assert_int_equal(slot[q.c_tail++ & q.mask], next_out++);
        drained = take == n;
        spsc_release(&q);
    }
    assert_true(q.p_head > 100 * CAP);
}

/* A waiter that asked for position `want` is not woken below it, is woken
 * once at it (marked woken: no second system call while it has not run),
 * and a waiter that asked for 0 is woken at any move. */
static void wake_at_want(void **state)
{
    (void)state;
    static spsc q;
    spsc_init(&q, CAP);
    atomic_store(&q.prod_wait.want, 5);
    atomic_store(&q.prod_wait.sleeping, SPSC_ASLEEP);
    q.c_tail = 4;
    spsc_release(&q);
    assert_int_equal(atomic_load(&q.prod_wait.word), 0);
    assert_int_equal(atomic_load(&q.prod_wait.sleeping), SPSC_ASLEEP);
    q.c_tail = 5;
    spsc_release(&q);
    assert_int_equal(atomic_load(&q.prod_wait.word), 1);
    assert_int_equal(atomic_load(&q.prod_wait.sleeping), SPSC_WOKEN);
    q.c_tail = 6;
    spsc_release(&q); /* woken, not yet running: no second wake-up */
    assert_int_equal(atomic_load(&q.prod_wait.word), 1);
    atomic_store(&q.cons_wait.sleeping, SPSC_ASLEEP); /* want 0 */
    q.p_head = 1;
    spsc_publish(&q);
    assert_int_equal(atomic_load(&q.cons_wait.word), 1);
    assert_int_equal(atomic_load(&q.cons_wait.sleeping), SPSC_WOKEN);
}

#define STREAM 2000000u
#define SMALL 64u

typedef struct pair {
    spsc q;
    uint64_t slot[SMALL];
    uint64_t bad, got;
} pair;

static int pair_has_data(void *arg)
{
    pair *p = arg;
    return spsc_avail(&p->q) != 0;
}

static int pair_has_room(void *arg)
{
    pair *p = arg;
    return spsc_free(&p->q, 1) != 0;
}

static void *consumer(void *arg)
{
    pair *p = arg;
    uint64_t expect = 0;
    while (expect < STREAM) {
        uint64_t n = spsc_avail(&p->q);
        if (!n) {
            spsc_wait(&p->q.cons_wait, 0, pair_has_data, p);
            continue;
        }
        for (uint64_t i = 0; i < n; i++) {
            if (p->slot[p->q.c_tail++ & p->q.mask] != expect++)
                p->bad++;
        }
        p->got += n;
        spsc_release(&p->q);
    }
    return NULL;
}

static void two_threads(void **state)
{
    (void)state;
    pair *p = aligned_alloc(SPSC_LINE, sizeof *p);
    assert_non_null(p);
    spsc_init(&p->q, SMALL);
    p->bad = p->got = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consumer, p), 0);
    uint64_t v = 0;
    while (v < STREAM) {
        uint64_t room = spsc_free(&p->q, SMALL);
        if (!room) {
            spsc_wait(&p->q.prod_wait, 0, pair_has_room, p);
            continue;
        }
        /* Odd batch sizes: publication points fall everywhere in the ring. */
        uint64_t k = room < 13 ? room : 13;
        for (uint64_t i = 0; i < k && v < STREAM; i++)
            p->slot[p->q.p_head++ & p->q.mask] = v++;
        spsc_publish(&p->q);
    }
    pthread_join(t, NULL);
    assert_int_equal(p->bad, 0);
    assert_int_equal(p->got, STREAM);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_and_full),
        cmocka_unit_test(wraparound),
        cmocka_unit_test(wake_at_want),
        cmocka_unit_test(two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
