/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A single-producer single-consumer ring of fixed-size slots (the sharded
 * replay's reader -> worker queues, docs/ARCHITECTURE.md "Sharded replay").
 *
 * Only the two positions are shared, each on its own cache line so the
 * producer's stores do not evict the consumer's line and back (the sides'
 * private copies and the read-only mask have lines of their own too); each side
 * keeps a private copy of the other's position and re-reads the shared one
 * only when the copy says "full" or "empty". Positions are 64-bit counts that
 * never wrap; a slot is `pos & mask`. Publication is batched: the producer
 * fills many slots and then makes them visible with one release store, the
 * consumer hands many back with one.
 *
 * Waiting: a side that finds nothing to do spins a little, then sleeps on a
 * futex (the machine may have fewer cores than threads; a spinning waiter
 * would take the core from the thread it waits for). The sleeper announces
 * itself in `sleeping` before its last look, the waker looks at `sleeping`
 * after its publication, both with sequentially consistent operations: one of
 * them sees the other, so no wake-up is lost.
 */
#ifndef BLANC_SPSC_H
#define BLANC_SPSC_H

#include <stdatomic.h>
#include <stdint.h>

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SPSC_LINE 64
/* Looks before sleeping: a few microseconds, about what a batch takes, so a
 * busy pair never sleeps and an idle side soon gives its core away. */
#ifndef SPSC_SPINS
#define SPSC_SPINS 256
#endif

/* A side that may be asleep, and one woken but perhaps not yet running: a
 * waker makes the system call once per sleep, not at every publication
 * until the sleeper runs again (which, on a busy machine, can take a
 * scheduler's time slice). */
#define SPSC_ASLEEP 1u
#define SPSC_WOKEN 2u

/* One direction's sleeper: who waits on `word`, and the position of the
 * other side it waits for (a waker whose position is below it lets it
 * sleep: one wake-up for many slots, not one per hand-back; 0: any). */
typedef struct spsc_waiter {
    _Atomic uint32_t word;     /* bumped by every wake-up */
    _Atomic uint32_t sleeping; /* 0 awake, SPSC_ASLEEP, SPSC_WOKEN */
    _Atomic uint64_t want;     /* written by the waiting side before it sleeps */
} spsc_waiter;

typedef struct spsc {
    _Alignas(SPSC_LINE) _Atomic uint64_t head; /* slots produced (producer's) */
    spsc_waiter cons_wait;                      /* the consumer sleeps here */
    _Alignas(SPSC_LINE) _Atomic uint64_t tail; /* slots consumed (consumer's) */
    spsc_waiter prod_wait;                      /* the producer sleeps here */
    _Alignas(SPSC_LINE) uint64_t p_head;       /* producer: next slot to fill */
    uint64_t p_tail;                            /* producer: last tail seen */
    _Alignas(SPSC_LINE) uint64_t c_tail;       /* consumer: next slot to read */
    uint64_t c_head;                            /* consumer: last head seen */
    /* Read by both sides at every slot, written once: on a line of its own,
     * not beside c_tail, which the consumer writes at every slot (sharing
     * that line made each message move it between the cores). */
    _Alignas(SPSC_LINE) uint64_t mask;         /* capacity - 1 (a power of two) */
} spsc;

static inline void spsc_init(spsc *q, uint64_t capacity)
{
    atomic_init(&q->head, 0);
    atomic_init(&q->tail, 0);
    atomic_init(&q->cons_wait.word, 0);
    atomic_init(&q->cons_wait.sleeping, 0);
    atomic_init(&q->cons_wait.want, 0);
    atomic_init(&q->prod_wait.word, 0);
    atomic_init(&q->prod_wait.sleeping, 0);
    atomic_init(&q->prod_wait.want, 0);
    q->p_head = q->p_tail = q->c_tail = q->c_head = 0;
    q->mask = capacity - 1;
}

static inline void spsc_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/* Wake the other side if it sleeps and `pos`, the waker's position just
 * made visible, is what it waits for. */
static inline void spsc_wake(spsc_waiter *w, uint64_t pos)
{
    atomic_thread_fence(memory_order_seq_cst);
    /* Acquire: the want written before `sleeping` is seen with it. */
    uint32_t asleep = SPSC_ASLEEP;
    if (atomic_load_explicit(&w->sleeping, memory_order_acquire) == SPSC_ASLEEP &&
        pos >= atomic_load_explicit(&w->want, memory_order_relaxed) &&
        atomic_compare_exchange_strong(&w->sleeping, &asleep, SPSC_WOKEN)) {
        atomic_fetch_add(&w->word, 1);
        syscall(SYS_futex, &w->word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    }
}

/* Wait until ready(arg) holds (it reads a shared position): the other side
 * wakes this one once its position is at least `want` (0: at every move),
 * so ready() should hold by then. */
static inline void spsc_wait(spsc_waiter *w, uint64_t want, int (*ready)(void *), void *arg)
{
    for (int i = 0; i < SPSC_SPINS; i++) {
        if (ready(arg))
            return;
        spsc_relax();
    }
    atomic_store_explicit(&w->want, want, memory_order_relaxed);
    for (;;) {
        atomic_store(&w->sleeping, SPSC_ASLEEP);
        /* ready() loads with acquire only: the fence orders it after the
         * store, against spsc_wake's fence (one of the two sees the other). */
        atomic_thread_fence(memory_order_seq_cst);
        uint32_t seen = atomic_load(&w->word);
        if (ready(arg))
            break;
        syscall(SYS_futex, &w->word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
    }
    atomic_store(&w->sleeping, 0);
}

/* Producer: free slots (at least `want` if there are, re-reading the tail
 * only when the cached one says fewer). */
static inline uint64_t spsc_free(spsc *q, uint64_t want)
{
    uint64_t cap = q->mask + 1;
    if (cap - (q->p_head - q->p_tail) < want)
        q->p_tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    return cap - (q->p_head - q->p_tail);
}

/* Producer: slots filled but not yet visible. */
static inline uint64_t spsc_unpublished(const spsc *q)
{
    return q->p_head - atomic_load_explicit(&q->head, memory_order_relaxed);
}

/* Whether the consumer may be asleep (a publication would cost a wake-up). */
static inline int spsc_consumer_sleeps(const spsc *q)
{
    return atomic_load_explicit(&q->cons_wait.sleeping, memory_order_relaxed) != 0;
}

/* Producer: make every slot filled so far visible, and wake the consumer. */
static inline void spsc_publish(spsc *q)
{
    atomic_store_explicit(&q->head, q->p_head, memory_order_release);
    spsc_wake(&q->cons_wait, q->p_head);
}

/* Consumer: slots ready to read from c_tail on; the shared head is re-read
 * only once the slots seen last time are all read. */
static inline uint64_t spsc_avail(spsc *q)
{
    if (q->c_head == q->c_tail)
        q->c_head = atomic_load_explicit(&q->head, memory_order_acquire);
    return q->c_head - q->c_tail;
}

/* Consumer: hand back every slot read so far, and wake the producer. */
static inline void spsc_release(spsc *q)
{
    atomic_store_explicit(&q->tail, q->c_tail, memory_order_release);
    spsc_wake(&q->prod_wait, q->c_tail);
}

#endif
