#include <stdlib.h>

#include "blanc.h"
#include "book/order_map.h"

#define MIN_BITS 10u
#define MAX_BITS 32u

static int alloc_bits(order_map *m, unsigned bits)
{
    uint64_t *s = calloc((size_t)1 << bits, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    m->slots = s;
    m->mask = (uint32_t)(((uint64_t)1 << bits) - 1);
    m->bits = bits;
    return 0;
}

int order_map_init(order_map *m, size_t expected)
{
    unsigned bits = MIN_BITS;
    while (bits < 31 && ((size_t)1 << bits) < expected * 2)
        bits++;
    m->count = 0;
    return alloc_bits(m, bits);
}

void order_map_free(order_map *m)
{
    free(m->slots);
    m->slots = NULL;
}

int order_map_reserve_one(order_map *m)
{
    uint64_t cap = (uint64_t)m->mask + 1;
    if ((uint64_t)(m->count + 1) * 2 <= cap)
        return 0;
    unsigned bits = m->bits + 1;
    if (bits > MAX_BITS - 1)
        return BLANC_ELIMIT;
    order_map old = *m;
    if (alloc_bits(m, bits))
        return BLANC_ENOMEM;
    m->count = old.count;
    /* Re-home from the tags alone: no order node is read. */
    for (uint64_t i = 0; i < cap; i++) {
        uint64_t s = old.slots[i];
        if (!s)
            continue;
        uint32_t j = order_map_home(m, (uint32_t)(s >> 32));
        while (m->slots[j])
            j = (j + 1) & m->mask;
        m->slots[j] = s;
    }
    free(old.slots);
    return 0;
}
