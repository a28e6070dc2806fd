/*
 * Order map: (stock locate, order ref) -> 32-bit order handle.
 *
 * Open addressing with linear probing over 8-byte slots: the order handle
 * (0 = empty) and a 32-bit tag, the high half of the key's 64-bit
 * multiplicative hash. The home slot is the tag's top bits, so probing,
 * backward-shift deletion and doubling run on the slot array alone and never
 * touch an order node; only a tag match is confirmed against the node.
 *
 * Why a scrambling hash although refs rise through the day: keeping
 * consecutive refs in consecutive slots (measured) builds runs thousands of
 * slots long out of the recent orders, and backward-shift deletion walks to
 * the end of a run: ~1,100 instructions per delete. Fibonacci hashing keeps
 * runs short; the cache miss it costs per lookup is hidden by the replay's
 * look-ahead prefetch (book/prefetch.h).
 * Load stays <= 1/2, memory follows the peak number of live orders (not the
 * largest ref), and there are no tombstones.
 */
#ifndef BLANC_ORDER_MAP_H
#define BLANC_ORDER_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct order_map {
    uint64_t *slots; /* tag << 32 | handle */
    uint32_t mask;   /* capacity - 1 */
    uint32_t bits;   /* log2(capacity) */
    uint32_t count;
} order_map;

static inline uint32_t order_map_tag(uint16_t locate, uint64_t ref)
{
    /* The locate sits above the bits any real ref uses (refs stay far below 2^48). */
    uint64_t h = (ref ^ ((uint64_t)locate << 48)) * UINT64_C(0x9E3779B97F4A7C15);
    return (uint32_t)(h >> 32);
}

static inline uint32_t order_map_home(const order_map *m, uint32_t tag)
{
    return tag >> (32 - m->bits);
}

int order_map_init(order_map *m, size_t expected);
void order_map_free(order_map *m);
/* Double the capacity if one more insert would pass load 1/2. */
int order_map_reserve_one(order_map *m);

/* Slot index of an existing key, or the empty slot where it would go.
 * `found` tells which. `key_eq(ctx, handle)` confirms a tag match. */
#define ORDER_MAP_PROBE(m, tag, found, idx, key_eq)                                    \
    do {                                                                               \
        uint32_t i_ = order_map_home((m), (tag));                                          \
        (found) = 0;                                                                   \
        for (;;) {                                                                     \
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
    } while (0)

static inline void order_map_put(order_map *m, uint32_t idx, uint32_t tag, uint32_t handle)
{
    m->slots[idx] = (uint64_t)tag << 32 | handle;
    m->count++;
}

/* Backward-shift deletion: pull later members of the probe run into the hole
 * when that does not move them before their home slot. */
static inline void order_map_del(order_map *m, uint32_t i)
{
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & m->mask;
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
}

static inline uint32_t order_map_capacity(const order_map *m) { return m->mask + 1; }

#endif
