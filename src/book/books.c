/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Applying messages to the books (docs/SEMANTICS.md §3 is the contract).
 * Every check happens before the first write, so an anomalous message leaves
 * the books exactly as they were; the one exception, overfill, is defined as
 * "applied, clamped".
 */
#include <stdlib.h>
#include <string.h>

#include "book/book.h"
#include "book/restore.h"
#include "common/bytes.h"

/* How the order map reads a key back when it rehashes under a new key. */
static void order_key(const void *ctx, uint32_t h, uint16_t *locate, uint64_t *ref)
{
    const order *o = ord(ctx, h);
    *locate = o->locate;
    *ref = o->ref;
}

int blanc_books_create(blanc_books **out, size_t expected_orders)
{
    *out = NULL;
    blanc_books *b = calloc(1, sizeof *b);
    if (!b)
        return BLANC_ENOMEM;
    if (order_map_init(&b->map, expected_orders ? expected_orders / 16 : 1024, order_key, b)) {
        free(b);
        return BLANC_ENOMEM;
    }
    *out = b;
    return 0;
}

void blanc_books_free(blanc_books *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < 65536; i++) {
        book *bk = b->by_locate[i];
        if (bk) {
            free(bk->sides[0].dir);
            free(bk->sides[1].dir);
            free(bk);
        }
    }
    ri_blocks_free(&b->ri);
    free(b->ri.ids);
    free(b->ri.table);
    free(b->ri.live_of);
    free(b->ri.in_map);
    order_map_free(&b->map);
    free(b->by_symbol);
    free(b->orders);
    free(b->levels);
    free(b->chunks);
    free(b);
}

static uint32_t order_alloc(blanc_books *b)
{
    uint32_t h = b->orders_free;
    if (h) {
        b->orders_free = ord(b, h)->next;
        return h;
    }
    if (b->orders_used == b->orders_cap) {
        order *o = book_grow_huge(b->orders, &b->orders_cap, sizeof *o, 4096);
        if (!o)
            return 0;
        b->orders = o;
    }
    return ++b->orders_used;
}

/* Find the map slot of (locate, ref). */
#define KEY_EQ(h) (ord(b, (h))->ref == ref && ord(b, (h))->locate == locate)
static inline uint32_t map_probe(blanc_books *b, uint16_t locate, uint64_t ref, uint32_t *tag,
                                 int *found)
{
    uint32_t idx, steps;
    int f;
    *tag = order_map_tag(&b->map, locate, ref);
    ORDER_MAP_PROBE(&b->map, *tag, f, idx, steps, KEY_EQ);
    *found = f;
    b->map.st.probes += steps;
    if (blanc_unlikely(steps > b->map.st.max_probe))
        b->map.st.max_probe = steps;
    return idx;
}
#undef KEY_EQ

/* The handle of (locate, ref), or 0, and where it lives (ref_index.h). */
static inline uint32_t ref_find(blanc_books *b, uint16_t locate, uint64_t ref, ref_pos *pos)
{
    ri_page *pg = ri_page_of(&b->ri, ref);
    if (blanc_likely(pg != NULL)) {
        uint32_t *c = &pg->h[ref & (RI_PAGE - 1)];
        if (blanc_likely(*c != 0) && ord(b, *c)->locate == locate) {
            pos->cell = c;
            pos->page = pg;
            return *c;
        }
    }
    if (blanc_likely(b->map.count == 0))
        return 0;
    /* Every key in the map marked its page (ri_mark_map), or made it wide. */
    const ref_index *ri = &b->ri;
    uint64_t id = ref >> RI_PAGE_BITS;
    if (!ri->map_wide && (id >= ri->table_n || !ri->in_map[id]))
        return 0;
    uint32_t tag;
    int found;
    uint32_t idx = map_probe(b, locate, ref, &tag, &found);
    if (!found)
        return 0;
    pos->cell = NULL;
    pos->idx = idx;
    return (uint32_t)b->map.slots[idx];
}

/* Whether the index may take one more page (ref_index.h: the bound). */
static int ri_may_grow(const ref_index *ri)
{
    return ri->pages < RI_BASE_PAGES || (uint64_t)ri->pages * RI_MIN_DENSITY <= ri->live;
}

/* A new page for ref's table entry, or NULL (past the bound, or no memory:
 * the map takes the key instead). */
static int ri_cover(ref_index *ri, uint64_t id);

static ri_page *ri_page_new(ref_index *ri, uint64_t ref)
{
    if (!ri_may_grow(ri) || ri_cover(ri, ref >> RI_PAGE_BITS))
        return NULL;
    if (ri->pages == ri->ids_cap) {
        uint32_t *ids = book_grow(ri->ids, &ri->ids_cap, sizeof *ids, 256);
        if (!ids)
            return NULL;
        ri->ids = ids;
    }
    ri_page *pg = ri_page_alloc(ri);
    if (!pg)
        return NULL;
    uint32_t id = (uint32_t)(ref >> RI_PAGE_BITS);
    if (id >= ri->top_id)
        ri->top_id = (uint64_t)id + 1;
    ri->table[id] = pg;
    pg->at = ri->pages;
    ri->ids[ri->pages++] = id;
    if (ri->pages > ri->peak_pages)
        ri->peak_pages = ri->pages;
    return pg;
}

/* Make the table cover page id (doubling, zero-filled). 0, or -1 (no
 * memory: the map takes the key). */
static int ri_cover(ref_index *ri, uint64_t id)
{
    if (id < ri->table_n)
        return 0;
    uint64_t n = ri->table_n ? ri->table_n : 64;
    while (n <= id)
        n *= 2;
    ri_page **t = realloc(ri->table, (size_t)n * sizeof *t);
    if (!t)
        return -1;
    ri->table = t; /* longer, but only table_n of it in use until both grew */
    uint32_t *lv = realloc(ri->live_of, (size_t)n * sizeof *lv);
    if (!lv)
        return -1;
    ri->live_of = lv;
    uint8_t *im = realloc(ri->in_map, (size_t)n);
    if (!im)
        return -1;
    ri->in_map = im;
    memset(t + ri->table_n, 0, (size_t)(n - ri->table_n) * sizeof *t);
    memset(lv + ri->table_n, 0, (size_t)(n - ri->table_n) * sizeof *lv);
    memset(im + ri->table_n, 0, (size_t)(n - ri->table_n));
    ri->table_n = n;
    return 0;
}

void books_bulk(blanc_books *b, uint64_t top_ref)
{
    ref_index *ri = &b->ri;
    uint64_t top = top_ref >> RI_PAGE_BITS;
    ri->bulk_top = top > ri->top_id ? top : ri->top_id;
    /* The table covers the pages the copy will not make, so that their keys
     * flag their own page (ri_mark_map), not the whole map: past the table,
     * every lookup that misses a page would probe the map for the rest of the
     * run. Without memory the copy is as right, and slower. */
    if (ri->bulk_top && ri->bulk_top <= (UINT64_C(1) << RI_TABLE_BITS))
        (void)ri_cover(ri, ri->bulk_top - 1);
}

void books_bulk_end(blanc_books *b) { b->ri.bulk_top = 0; }

/* A key of ref goes into the map: lookups of its page must probe it. */
static inline void ri_mark_map(ref_index *ri, uint64_t ref)
{
    uint64_t id = ref >> RI_PAGE_BITS;
    if (id < ri->table_n)
        ri->in_map[id] = 1;
    else
        ri->map_wide = 1;
}

/* Whether a bulk copy keeps ref's page from being made: in one run, an old
 * page lives on only while its orders are dense (RI_SPARSE); a copy of some
 * instruments' orders (a shard's share, one instrument) fills an old page
 * with a few of them, and the gather at the end of a sharded full-size day
 * made 29k such pages, 480 MB (docs/PERFORMANCE.md "Fifteenth session"). */
static inline int ri_bulk_old(const ref_index *ri, uint64_t ref)
{
    return (ref >> RI_PAGE_BITS) + RI_RECENT < ri->bulk_top;
}

/* File a new key (absent, checked by ref_find; map capacity reserved). */
static void ref_insert(blanc_books *b, uint16_t locate, uint64_t ref, uint32_t h)
{
    if (blanc_likely(ri_direct(ref))) {
        ri_page *pg = ri_page_of(&b->ri, ref);
        if (blanc_unlikely(!pg) && !ri_bulk_old(&b->ri, ref) && !(pg = ri_page_new(&b->ri, ref)))
            b->ri.refused++;
        if (blanc_likely(pg != NULL) && !pg->h[ref & (RI_PAGE - 1)]) {
            pg->h[ref & (RI_PAGE - 1)] = h;
            b->ri.live_of[ref >> RI_PAGE_BITS]++;
            b->ri.live++;
            return;
        }
    }
    uint32_t tag;
    int found;
    uint32_t idx = map_probe(b, locate, ref, &tag, &found);
    order_map_put(&b->map, idx, tag, h);
    ri_mark_map(&b->ri, ref);
}

/* Page id (pg) leaves the table: its cells are all 0 again. */
static void ri_page_drop(ref_index *ri, uint64_t id, ri_page *pg)
{
    uint32_t last = ri->ids[--ri->pages];
    ri->ids[pg->at] = last; /* the last page takes its place */
    ri->table[last]->at = pg->at;
    ri->table[id] = NULL;
    ri_page_release(ri, pg);
}

/* Move the orders of sparse page id into the map and free the page (ref_index.h
 * RI_SPARSE). Lookups find them there: with no page, ref_find probes the map.
 * Without memory for the map's growth nothing moves. */
static __attribute__((noinline)) void ri_page_to_map(blanc_books *b, uint64_t id, ri_page *pg)
{
    ref_index *ri = &b->ri;
    order_map *m = &b->map;
    uint32_t n = ri->live_of[id];
    /* Room for them and for the insert that may follow in this apply (a
     * replace), which reserved its slot before this remove. */
    if (order_map_reserve(m, (uint64_t)n + 1))
        return;
    for (uint32_t i = 0; i < RI_PAGE; i++) {
        uint32_t h = pg->h[i];
        if (!h)
            continue;
        uint32_t tag;
        int found;
        uint32_t idx = map_probe(b, ord(b, h)->locate, id << RI_PAGE_BITS | i, &tag, &found);
        order_map_put(m, idx, tag, h);
    }
    memset(pg->h, 0, sizeof pg->h);
    ri->in_map[id] = 1;
    ri->live -= n;
    ri->live_of[id] = 0;
    ri->emptied++;
    ri_page_drop(ri, id, pg);
}

/* Drop a key found at pos; a page whose last order it was is freed, and one
 * left sparse behind the newest pages is emptied into the map. */
static void ref_remove(blanc_books *b, const ref_pos *pos, uint64_t ref)
{
    if (pos->cell) {
        *pos->cell = 0;
        b->ri.live--;
        ref_index *ri = &b->ri;
        uint64_t id = ref >> RI_PAGE_BITS;
        uint32_t left = --ri->live_of[id];
        if (left == 0)
            ri_page_drop(ri, id, pos->page);
        else if (blanc_unlikely(left == RI_SPARSE) && id + RI_RECENT < ri->top_id)
            ri_page_to_map(b, id, pos->page);
        return;
    }
    order_map_del(&b->map, pos->idx);
}

/* Insert a new order at the tail of its level. The slot `idx` came from a
 * probe done after any map change, and capacity was reserved before it. */
static int order_insert(blanc_books *b, book *bk, uint64_t ref, int side, uint32_t price,
                        uint32_t shares, uint32_t *hout)
{
    uint32_t lh = level_get(b, bk, side, price);
    if (!lh)
        return BLANC_ENOMEM;
    uint32_t h = order_alloc(b);
    if (!h) {
        if (!lvl(b, lh)->count)
            level_drop(b, bk, side, lh);
        return BLANC_ENOMEM;
    }
    level *l = lvl(b, lh);
    order *o = ord(b, h);
    o->ref = ref;
    o->shares = shares;
    o->price = price;
    o->level = lh;
    o->locate = bk->locate;
    o->side = (uint8_t)side;
    o->next = 0;
    o->prev = l->tail;
    if (l->tail)
        ord(b, l->tail)->next = h;
    else
        l->head = h;
    l->tail = h;
    l->count++;
    l->shares += shares;
    ref_insert(b, bk->locate, ref, h);
    *hout = h;
    bk->orders++;
    if (++b->live > b->peak)
        b->peak = b->live;
    return 0;
}

/* Unlink an order from its level and the map, and free it. */
static void order_remove(blanc_books *b, book *bk, const ref_pos *pos, uint32_t h)
{
    order *o = ord(b, h);
    level *l = lvl(b, o->level);
    if (o->prev)
        ord(b, o->prev)->next = o->next;
    else
        l->head = o->next;
    if (o->next)
        ord(b, o->next)->prev = o->prev;
    else
        l->tail = o->prev;
    l->shares -= o->shares;
    if (--l->count == 0)
        level_drop(b, bk, o->side, o->level);
    ref_remove(b, pos, o->ref);
    o->next = b->orders_free;
    b->orders_free = h;
    bk->orders--;
    b->live--;
}

static void fold3(book *bk, uint64_t w0, uint64_t w1, uint64_t w2)
{
    bk->stream = stream_fold(stream_fold(stream_fold(bk->stream, w0), w1), w2);
    bk->changes++;
}

static inline uint64_t w0_of(char type, int side, uint32_t price)
{
    return (uint64_t)(uint8_t)type | (uint64_t)(side ? 'S' : 'B') << 8 | (uint64_t)price << 32;
}

/* ---- the change record ------------------------------------------------
 * Each apply function takes `c`, NULL or the record to fill. They are always
 * inlined into the two entry points, so in blanc_books_apply (c a constant
 * NULL) every `if (c)` folds away: the record costs nothing unless asked for. */
#define APPLY static inline __attribute__((always_inline)) int

static inline char side_char(int side) { return side ? 'S' : 'B'; }

static inline void order_pub(const order *o, blanc_order *out)
{
    out->ref = o->ref;
    out->shares = o->shares;
    out->price = o->price;
    out->locate = o->locate;
    out->side = side_char(o->side);
}

/* The handle of the best level of one side, 0 if the side is empty. Whether a
 * message moved the BBO follows from it without reading levels: a change to
 * the level that was best before, or is best after, moves it; any other does
 * not (the best is then a level the message did not touch). */
static inline uint32_t best_level(const blanc_books *b, const book *bk, int side)
{
    const book_side *s = &bk->sides[side];
    if (!s->n)
        return 0;
    const side_chunk *ch = &b->chunks[s->top.level - 1];
    return ch->e[ch->n - 1].level;
}

/* The level at `price` on `side` as it is now ({price, 0, 0} if gone). */
static inline blanc_level level_now(const blanc_books *b, const book *bk, int side,
                                    uint32_t price)
{
    blanc_level out = {price, 0, 0};
    uint32_t lh = side_find(b, &bk->sides[side], side_key(side, price));
    if (lh) {
        out.orders = lvl(b, lh)->count;
        out.shares = lvl(b, lh)->shares;
    }
    return out;
}

APPLY apply_add(blanc_books *b, const blanc_event *ev, blanc_change *c)
{
    int side = ev->side == 'B' ? 0 : ev->side == 'S' ? 1 : -1;
    if (blanc_unlikely(side < 0 || ev->price == 0 || ev->shares == 0))
        return BLANC_EBADFIELD;
    book *bk = b->by_locate[ev->locate];
    if (blanc_unlikely(!bk))
        return BLANC_ENODIR;
    if (blanc_unlikely(order_map_reserve_one(&b->map)))
        return BLANC_ENOMEM;
    ref_pos pos;
    if (blanc_unlikely(ref_find(b, ev->locate, ev->ref, &pos) != 0))
        return BLANC_EDUPREF;
    uint32_t h;
    int rc = order_insert(b, bk, ev->ref, side, ev->price, ev->shares, &h);
    if (rc)
        return rc;
    fold3(bk, w0_of(ev->type, side, ev->price), ev->ref, ev->shares);
    if (c) {
        const order *o = ord(b, h);
        const level *l = lvl(b, o->level);
        c->side = side_char(side);
        c->flags = BLANC_CHANGE_AFTER;
        order_pub(o, &c->after);
        c->n_levels = 1;
        c->levels[0] = (blanc_level){o->price, l->count, l->shares};
        if (best_level(b, bk, side) == o->level)
            c->flags |= BLANC_CHANGE_BBO;
    }
    return BLANC_APPLIED;
}

/* E, C, X: take shares from a live order; D: take all of them. */
APPLY apply_reduce(blanc_books *b, const blanc_event *ev, int all, blanc_change *c)
{
    ref_pos pos;
    uint32_t h = ref_find(b, ev->locate, ev->ref, &pos);
    if (blanc_unlikely(!h))
        return BLANC_EUNKNOWNREF;
    order *o = ord(b, h);
    book *bk = b->by_locate[ev->locate];
    int rc = BLANC_APPLIED;
    uint32_t take = o->shares;
    if (!all) {
        if (blanc_unlikely(ev->shares == 0))
            return BLANC_EBADFIELD;
        if (blanc_unlikely(ev->shares > o->shares))
            rc = BLANC_EOVERFILL;
        else
            take = ev->shares;
    }
    uint32_t left = o->shares - take;
    fold3(bk, w0_of(ev->type, o->side, o->price), ev->ref, left);
    int side = o->side;
    if (c) {
        const level *l = lvl(b, o->level);
        c->side = side_char(side);
        c->flags = best_level(b, bk, side) == o->level ? BLANC_CHANGE_BEFORE | BLANC_CHANGE_BBO
                                                        : BLANC_CHANGE_BEFORE;
        order_pub(o, &c->before);
        c->n_levels = 1;
        c->levels[0] = (blanc_level){o->price, l->count - (left ? 0u : 1u), l->shares - take};
        if (ev->type == 'E' || ev->type == 'C')
            c->trade = (blanc_trade){ev->type, side_char(side),
                                     ev->type == 'C' ? ev->u.printable : 'Y',
                                     ev->type == 'C' ? ev->price : o->price, ev->shares,
                                     ev->ref, ev->match};
    }
    if (left) {
        o->shares = left;
        lvl(b, o->level)->shares -= take;
        if (c) {
            c->flags |= BLANC_CHANGE_AFTER;
            order_pub(o, &c->after);
        }
    } else {
        order_remove(b, bk, &pos, h);
    }
    return rc;
}

APPLY apply_replace(blanc_books *b, const blanc_event *ev, blanc_change *c)
{
    ref_pos pos, dup;
    if (blanc_unlikely(!ref_find(b, ev->locate, ev->ref, &pos)))
        return BLANC_EUNKNOWNREF;
    if (blanc_unlikely(ev->shares == 0 || ev->price == 0))
        return BLANC_EBADFIELD;
    if (ev->new_ref != ev->ref && blanc_unlikely(ref_find(b, ev->locate, ev->new_ref, &dup)))
        return BLANC_EDUPREF;
    /* Reserve before removing, so running out of memory changes nothing; a
     * map growth moves slots, so the old key is found again after it. */
    if (blanc_unlikely(order_map_reserve_one(&b->map)))
        return BLANC_ENOMEM;
    uint32_t h = ref_find(b, ev->locate, ev->ref, &pos);
    book *bk = b->by_locate[ev->locate];
    int side = ord(b, h)->side;
    int was_best = 0;
    if (c) {
        was_best = best_level(b, bk, side) == ord(b, h)->level;
        c->side = side_char(side);
        c->flags = BLANC_CHANGE_BEFORE;
        order_pub(ord(b, h), &c->before);
    }
    order_remove(b, bk, &pos, h);
    /* The freed node and (if its level emptied) level are reused here, so the
     * insert cannot fail for lack of memory unless a new side slot is needed. */
    int rc = order_insert(b, bk, ev->new_ref, side, ev->price, ev->shares, &h);
    if (rc)
        return rc;
    fold3(bk, w0_of('U', side, ev->price), ev->new_ref, ev->shares);
    bk->stream = stream_fold(bk->stream, ev->ref);
    if (c) {
        const order *o = ord(b, h);
        const level *l = lvl(b, o->level);
        c->flags |= BLANC_CHANGE_AFTER;
        order_pub(o, &c->after);
        /* Same price and size: the level's totals are as they were (the order
         * only lost its place), so no level changed. */
        if (c->before.price != o->price) {
            c->n_levels = 2;
            c->levels[0] = level_now(b, bk, side, c->before.price);
            c->levels[1] = (blanc_level){o->price, l->count, l->shares};
        } else if (c->before.shares != o->shares) {
            c->n_levels = 1;
            c->levels[0] = (blanc_level){o->price, l->count, l->shares};
        } else {
            c->side = 0;
            was_best = 0; /* the level is as it was: nothing moved */
        }
        if (c->n_levels && (was_best || best_level(b, bk, side) == o->level))
            c->flags |= BLANC_CHANGE_BBO;
    }
    return BLANC_APPLIED;
}

static int apply_directory(blanc_books *b, const blanc_event *ev)
{
    if (ev->locate == 0)
        return BLANC_EBADFIELD;
    book *bk = b->by_locate[ev->locate];
    if (bk)
        return memcmp(bk->symbol, ev->stock, 8) ? BLANC_EDIRCONFLICT : BLANC_NOEFFECT;
    uint32_t at = symbol_lower_bound(b, ev->stock);
    if (at < b->n_books && !memcmp(b->by_locate[b->by_symbol[at]]->symbol, ev->stock, 8))
        return BLANC_EDIRCONFLICT;
    if (!b->by_symbol && !(b->by_symbol = malloc(65536 * sizeof *b->by_symbol)))
        return BLANC_ENOMEM;
    bk = aligned_alloc(64, sizeof *bk); /* one line a side (book.h) */
    if (!bk)
        return BLANC_ENOMEM;
    memset(bk, 0, sizeof *bk);
    memmove(&b->by_symbol[at + 1], &b->by_symbol[at], (b->n_books - at) * sizeof *b->by_symbol);
    b->by_symbol[at] = ev->locate;
    bk->locate = ev->locate;
    memcpy(bk->symbol, ev->stock, 8);
    bk->stream = BLANC_FNV64_OFFSET;
    b->by_locate[ev->locate] = bk;
    b->n_books++;
    return BLANC_NOEFFECT;
}

APPLY apply_any(blanc_books *b, const blanc_event *ev, blanc_change *c)
{
    switch (ev->type) {
    case 'A':
    case 'F':
        return apply_add(b, ev, c);
    case 'D':
        return apply_reduce(b, ev, 1, c);
    case 'U':
        return apply_replace(b, ev, c);
    case 'E':
    case 'C':
    case 'X':
        return apply_reduce(b, ev, 0, c);
    case 'R':
        return apply_directory(b, ev);
    case 'H': {
        book *bk = b->by_locate[ev->locate];
        if (!bk)
            return BLANC_ENODIR;
        bk->trading_state = ev->u.trading.state;
        return BLANC_NOEFFECT;
    }
    case 'P':
        if (c)
            c->trade = (blanc_trade){'P', ev->side, 'Y', ev->price, ev->shares, ev->ref, ev->match};
        return BLANC_NOEFFECT;
    case 'Q':
        if (c)
            c->trade = (blanc_trade){'Q', 0, 'Y', ev->price, ev->u.cross.shares, 0, ev->match};
        return BLANC_NOEFFECT;
    default:
        return BLANC_NOEFFECT;
    }
}

int blanc_books_apply(blanc_books *b, const blanc_event *ev) { return apply_any(b, ev, NULL); }

int blanc_books_apply_change(blanc_books *b, const blanc_event *ev, blanc_change *chg)
{
    blanc__change_clear(chg, ev);
    int rc = apply_any(b, ev, chg);
    if (blanc_unlikely(rc < 0) && rc != BLANC_EOVERFILL) /* nothing changed: say nothing */
        blanc__change_clear(chg, ev);
    chg->rc = rc;
    return rc;
}
