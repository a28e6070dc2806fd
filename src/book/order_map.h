/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Order map: (stock locate, order ref) -> 32-bit order handle.
 *
 * Open addressing with linear probing over 8-byte slots: the order handle
 * (0 = empty) and a 32-bit tag, the high half of the key's 64-bit hash. The
 * home slot is the tag's top bits, so probing, backward-shift deletion and
 * doubling run on the slot array alone and never touch an order node; only a
 * tag match is confirmed against the node.
 *
 * Hostile input. Linear probing is only as good as its hash: with a fixed,
 * public hash (the Fibonacci multiply this map used to have) a feed can choose
 * refs that share one home slot, or a stride that packs them into one run,
 * and every operation then walks the whole run: N adds and deletes cost
 * O(N^2). Two defences, each covering the other's gap:
 *  - a KEYED hash: two rounds of the folded 64x64->128 multiply of
 *    wyhash/rapidhash over ref and locate, with 4 secret words drawn from
 *    getrandom() per map. Without the key a feed cannot aim at a slot, so
 *    runs have the length of random hashing (a handful at load <= 1/2).
 *    Two rounds, not one: one folded multiply is a multiplicative hash with
 *    a random multiplier, and on sequential refs (every real day) some
 *    multipliers cluster: measured, 200k sequential refs cost 1.6 to 15
 *    slot reads per operation depending on the key drawn; two rounds give
 *    ~2.2 whatever the key;
 *  - a HARD CAP on run length: every insert measures the run (maximal block
 *    of occupied slots) it lands in; a run longer than ORDER_MAP_MAX_RUN,
 *    and any rebuild that leaves one, makes the map draw a new key and rehash
 *    (growing after repeated failures). Lookups, inserts and deletions
 *    all stay inside one run, so none reads more than ORDER_MAP_MAX_RUN
 *    slots: a worst case no input can move, whatever it learns of the key.
 *    At load 1/2 with a random hash a run of 128 has probability ~1e-11 per
 *    insert, so the rehash (O(capacity)) is essentially never paid.
 * Equal keys never share the map (a duplicate ref is an anomaly, rejected
 * before insert), so a new key always has a chance to separate any set.
 * Nothing outside this map depends on its layout: digests, snapshots and
 * queries walk the books (levels and queues), never the slots, so outputs are
 * identical whatever key a run draws (tests/test_book_hostile.c checks two).
 *
 * Why scrambling at all although refs rise through the day: keeping
 * consecutive refs in consecutive slots (measured) builds runs thousands of
 * slots long out of the recent orders, and backward-shift deletion walks to
 * the end of a run. The cache miss a scrambling hash costs per lookup is
 * hidden by the replay's look-ahead prefetch (book/prefetch.h).
 * Load stays <= 1/2, memory follows the peak number of live orders (not the
 * largest ref), and there are no tombstones.
 */
#ifndef BLANC_ORDER_MAP_H
#define BLANC_ORDER_MAP_H

#include <stddef.h>
#include <stdint.h>

/* Longest run of occupied slots the map tolerates (see above). */
#define ORDER_MAP_MAX_RUN 128u

/* Work counters, always on (a few adds per operation): the hostile-input
 * tests and fuzz_book assert bounds on them. */
typedef struct order_map_stats {
    uint64_t probes;    /* slots read by lookups made through books.c */
    uint64_t shifts;    /* slots read by backward-shift deletions */
    uint64_t rekeys;    /* rehashes under a new key (run cap hit) */
    uint32_t max_probe; /* longest single lookup: <= ORDER_MAP_MAX_RUN + 1 (run + empty) */
    uint32_t max_run;   /* longest run left in the table after any operation */
} order_map_stats;

/* How a rehash under a new key learns the keys: (locate, ref) of a handle. */
typedef void (*order_map_key_fn)(const void *ctx, uint32_t handle, uint16_t *locate,
                                 uint64_t *ref);

typedef struct order_map {
    uint64_t *slots; /* tag << 32 | handle */
    uint32_t mask;   /* capacity - 1 */
    uint32_t bits;   /* log2(capacity) */
    uint32_t count;
    uint64_t key[4]; /* hash key, secret, redrawn by every rekey */
    order_map_key_fn key_of;
    const void *ctx;
    order_map_stats st;
} order_map;

static inline uint64_t order_map_mum(uint64_t a, uint64_t b)
{
    unsigned __int128 p = (unsigned __int128)a * b;
    return (uint64_t)p ^ (uint64_t)(p >> 64);
}

static inline uint32_t order_map_tag(const order_map *m, uint16_t locate, uint64_t ref)
{
    unsigned __int128 p = (unsigned __int128)(ref ^ m->key[0]) * ((uint64_t)locate ^ m->key[1]);
    uint64_t h = order_map_mum((uint64_t)p ^ m->key[2], (uint64_t)(p >> 64) ^ m->key[3]);
    return (uint32_t)(h >> 32);
}

static inline uint32_t order_map_home(const order_map *m, uint32_t tag)
{
    return tag >> (32 - m->bits);
}

/* `key_of(ctx, …)` is how a rekey reads the keys back (see order_map_key_fn). */
int order_map_init(order_map *m, size_t expected, order_map_key_fn key_of, const void *ctx);
void order_map_free(order_map *m);
/* Double the capacity if one more insert would pass load 1/2. The check is
 * inline (every add makes it, and with the direct index the map rarely
 * holds anything), the doubling is not. */
int order_map_grow(order_map *m);
/* Room for n more inserts at load <= 1/2, doubling as often as it takes: 0,
 * or the doubling's error (the map is then correct, as it was or doubled). */
int order_map_reserve(order_map *m, uint64_t n);
/* order_map_reserve(m, 1), its test inline (every add makes it; one doubling
 * always makes room for one). */
static inline int order_map_reserve_one(order_map *m)
{
    if ((uint64_t)(m->count + 1) * 2 <= (uint64_t)m->mask + 1)
        return 0;
    return order_map_grow(m);
}
/* Rehash everything under a fresh key (growing if that keeps failing) until
 * no run is longer than ORDER_MAP_MAX_RUN. Never fails: without memory the
 * map stays as it is, correct but over the cap. Invalidates slot indices. */
void order_map_rekey(order_map *m);
/* Longest run in the table, by a full scan (tests and checks only). */
uint32_t order_map_longest_run(const order_map *m);

/* Slot index of an existing key, or the empty slot where it would go.
 * `found` tells which, `steps` how many slots were read.
 * `key_eq(handle)` confirms a tag match. */
#define ORDER_MAP_PROBE(m, tag, found, idx, steps, key_eq)                             \
    do {                                                                               \
        uint32_t i_ = order_map_home((m), (tag));                                      \
        uint32_t n_ = 1;                                                               \
        (found) = 0;                                                                   \
        for (;; n_++) {                                                                \
            uint64_t s_ = (m)->slots[i_];                                              \
            if (!s_)                                                                   \
                break;                                                                 \
            if ((uint32_t)(s_ >> 32) == (tag) && key_eq((uint32_t)s_)) {               \
                (found) = 1;                                                           \
                break;                                                                 \
            }                                                                          \
            i_ = (i_ + 1) & (m)->mask;                                                 \
        }                                                                              \
        (idx) = i_;                                                                    \
        (steps) = n_;                                                                  \
    } while (0)

/* Length of the run through slot idx once filled, whose probe started at
 * `home`: the slots home..idx are known to be occupied, so only the two ends
 * are read, and no further than the cap. */
static inline uint32_t order_map_run_at(const order_map *m, uint32_t home, uint32_t idx)
{
    uint32_t n = ((idx - home) & m->mask) + 1;
    for (uint32_t j = (home - 1) & m->mask; m->slots[j] && n <= ORDER_MAP_MAX_RUN;
         j = (j - 1) & m->mask)
        n++;
    for (uint32_t j = (idx + 1) & m->mask; m->slots[j] && n <= ORDER_MAP_MAX_RUN;
         j = (j + 1) & m->mask)
        n++;
    return n;
}

/* Fill the empty slot `idx` a probe for `tag` returned. May rekey (indices
 * change). */
static inline void order_map_put(order_map *m, uint32_t idx, uint32_t tag, uint32_t handle)
{
    m->slots[idx] = (uint64_t)tag << 32 | handle;
    m->count++;
    uint32_t run = order_map_run_at(m, order_map_home(m, tag), idx);
    if (__builtin_expect(run > ORDER_MAP_MAX_RUN, 0))
        order_map_rekey(m);
    else if (run > m->st.max_run)
        m->st.max_run = run;
}

/* Backward-shift deletion: pull later members of the probe run into the hole
 * when that does not move them before their home slot. Reads at most the
 * rest of the run, so at most ORDER_MAP_MAX_RUN slots. */
static inline void order_map_del(order_map *m, uint32_t i)
{
    uint32_t j = i, n = 0;
    for (;;) {
        j = (j + 1) & m->mask;
        n++;
        uint64_t s = m->slots[j];
        if (!s)
            break;
        uint32_t home = order_map_home(m, (uint32_t)(s >> 32));
        /* Keep s where it is if its home lies cyclically in (i, j]. */
        if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
            continue;
        m->slots[i] = s;
        i = j;
    }
    m->slots[i] = 0;
    m->count--;
    m->st.shifts += n;
}

static inline uint32_t order_map_capacity(const order_map *m) { return m->mask + 1; }

#endif
