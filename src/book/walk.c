/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* A side's orders level by level, the chains followed side by side (walk.h). */
#include <stdlib.h>

#include "book/walk.h"
#include "common/bytes.h"

static int grow(void **p, size_t *cap, size_t want, size_t size)
{
    if (want <= *cap)
        return 0;
    size_t c = *cap ? *cap : 64;
    while (c < want)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* Chains followed at once (walk.h), each into its own range of `ob`. */
enum { WALK_WAYS = 16 };

/* One chain being followed: its next node and where its bytes go. */
typedef struct way {
    uint32_t h;
    size_t o, end;
} way;

/* Start w on the next level from *next that has orders (its first node
 * prefetched). 1: started; 0: no level left; -1: a level's head and count
 * disagree. */
static int way_take(const blanc_books *b, const side_walk *d, size_t nl, size_t *next, way *w)
{
    for (; *next < nl; ++*next) {
        size_t i = *next;
        uint32_t h = lvl(b, d->lv[i])->head;
        if (!h != (d->at[i] == d->at[i + 1]))
            return -1;
        if (!h)
            continue;
        __builtin_prefetch(ord(b, h));
        w->h = h, w->o = d->at[i] * 12, w->end = d->at[i + 1] * 12;
        ++*next;
        return 1;
    }
    return 0;
}

int side_walk_orders(const blanc_books *b, const book_side *bs, side_walk *d, size_t *nl_out)
{
    size_t nl = 0, total = 0;
    if (grow((void **)&d->lv, &d->lv_cap, bs->n + 1, sizeof *d->lv))
        return -1;
    if (grow((void **)&d->at, &d->at_cap, bs->n + 1, sizeof *d->at))
        return -1;
    for (uint32_t c = bs->nchunks; c-- > 0;) {
        const side_chunk *ch = chunk_at(b, bs, c);
        for (uint32_t k = ch->n; k-- > 0;) {
            if (nl == bs->n)
                return -1;
            uint32_t lh = ch->e[k].level;
            d->lv[nl] = lh;
            d->at[nl++] = total;
            total += lvl(b, lh)->count;
        }
    }
    d->at[nl] = total;
    *nl_out = nl;
    if (grow((void **)&d->ob, &d->ob_cap, total * 12, 1))
        return -1;
    way cur[WALK_WAYS];
    size_t next = 0, active = 0;
    int rc = 0;
    while (active < WALK_WAYS && (rc = way_take(b, d, nl, &next, &cur[active])) > 0)
        active++;
    if (rc < 0)
        return -1;
    while (active) {
        for (size_t w = 0; w < active;) {
            const order *o = ord(b, cur[w].h);
            uint8_t *q = d->ob + cur[w].o;
            blanc_put_le64(q, o->ref);
            blanc_put_le32(q + 8, o->shares);
            cur[w].o += 12;
            cur[w].h = o->next;
            if (cur[w].h && cur[w].o < cur[w].end) {
                __builtin_prefetch(ord(b, cur[w].h));
                w++;
                continue;
            }
            if (cur[w].h || cur[w].o != cur[w].end)
                return -1;
            /* This level is done: the slot takes the next one with orders. */
            if ((rc = way_take(b, d, nl, &next, &cur[w])) < 0)
                return -1;
            if (!rc)
                cur[w] = cur[--active];
            else
                w++;
        }
    }
    return 0;
}

void side_walk_free(side_walk *d)
{
    free(d->lv);
    free(d->at);
    free(d->ob);
    *d = (side_walk){0};
}
