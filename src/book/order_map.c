/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Order map storage: allocation, growth and rekeying (order_map.h says why). */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include "blanc.h"
#include "book/order_map.h"

#define MIN_BITS 10u
#define MAX_BITS 32u
/* Rekeys at one size before the map also grows. */
#define TRIES_PER_SIZE 4

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A fresh secret key: getrandom(), or, if the kernel refuses, a mix of the
 * clock, the map's address and the previous key (still unknown to a feed). */
static void draw_key(order_map *m)
{
    uint64_t k[4];
    if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 32 ^ (uint64_t)(uintptr_t)m ^
                     m->key[0] ^ m->key[3];
        for (int i = 0; i < 4; i++)
            k[i] = splitmix(&x);
    }
    for (int i = 0; i < 4; i++)
        m->key[i] = k[i];
}

static uint64_t *alloc_slots(unsigned bits)
{
    return calloc((size_t)1 << bits, sizeof(uint64_t));
}

uint32_t order_map_longest_run(const order_map *m)
{
    uint32_t cap = m->mask + 1, start = 0, best = 0, run = 0;
    while (start < cap && m->slots[start]) /* load <= 1/2: an empty slot exists */
        start++;
    for (uint32_t k = 1; k <= cap; k++) {
        if (m->slots[(start + k) & m->mask]) {
            if (++run > best)
                best = run;
        } else {
            run = 0;
        }
    }
    return best;
}

/* Move every entry of `old` (capacity old_cap) into the empty table m->slots,
 * re-deriving tags through key_of when `retag` (the key changed). */
static void refill(order_map *m, const uint64_t *old, uint64_t old_cap, int retag)
{
    for (uint64_t i = 0; i < old_cap; i++) {
        uint64_t s = old[i];
        if (!s)
            continue;
        if (retag) {
            uint16_t locate;
            uint64_t ref;
            m->key_of(m->ctx, (uint32_t)s, &locate, &ref);
            s = (uint64_t)order_map_tag(m, locate, ref) << 32 | (uint32_t)s;
        }
        uint32_t j = order_map_home(m, (uint32_t)(s >> 32));
        while (m->slots[j])
            j = (j + 1) & m->mask;
        m->slots[j] = s;
    }
}

int order_map_init(order_map *m, size_t expected, order_map_key_fn key_of, const void *ctx)
{
    unsigned bits = MIN_BITS;
    while (bits < 31 && ((size_t)1 << bits) < expected * 2)
        bits++;
    m->count = 0;
    m->key_of = key_of;
    m->ctx = ctx;
    m->st = (order_map_stats){0, 0, 0, 0, 0};
    m->key[0] = m->key[1] = m->key[2] = m->key[3] = 0;
    draw_key(m);
    m->slots = alloc_slots(bits);
    if (!m->slots)
        return BLANC_ENOMEM;
    m->mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    m->bits = bits;
    return 0;
}

void order_map_free(order_map *m)
{
    free(m->slots);
    m->slots = NULL;
}

void order_map_rekey(order_map *m)
{
    uint64_t old_cap = (uint64_t)m->mask + 1;
    unsigned bits = m->bits;
    for (int tries = 1;; tries++) {
        if (tries % TRIES_PER_SIZE == 0 && bits < MAX_BITS - 1)
            bits++;
        order_map t = *m; /* the candidate: new key, maybe more slots */
        t.slots = alloc_slots(bits);
        if (!t.slots)
            return; /* keep the old table and key: correct, only over the cap */
        t.mask = (uint32_t)(((uint64_t)1 << bits) - 1);
        t.bits = bits;
        draw_key(&t);
        refill(&t, m->slots, old_cap, 1);
        uint32_t run = order_map_longest_run(&t);
        if (run <= ORDER_MAP_MAX_RUN || tries >= 4 * TRIES_PER_SIZE) {
            free(m->slots);
            t.st.rekeys++;
            if (run > t.st.max_run)
                t.st.max_run = run;
            *m = t;
            return;
        }
        free(t.slots);
    }
}

int order_map_reserve(order_map *m, uint64_t n)
{
    while ((uint64_t)m->count + n > ((uint64_t)m->mask + 1) / 2) {
        int rc = order_map_grow(m);
        if (rc)
            return rc;
    }
    return 0;
}

int order_map_grow(order_map *m)
{
    uint64_t cap = (uint64_t)m->mask + 1;
    unsigned bits = m->bits + 1;
    if (bits > MAX_BITS - 1)
        return BLANC_ELIMIT;
    uint64_t *s = alloc_slots(bits);
    if (!s)
        return BLANC_ENOMEM;
    uint64_t *old = m->slots;
    m->slots = s;
    m->mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    m->bits = bits;
    /* Same key: re-home from the tags alone, no order node is read. */
    refill(m, old, cap, 0);
    free(old);
    uint32_t run = order_map_longest_run(m);
    if (run > m->st.max_run)
        m->st.max_run = run;
    if (run > ORDER_MAP_MAX_RUN)
        order_map_rekey(m);
    return 0;
}
