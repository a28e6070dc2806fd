/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Ref index: (stock locate, order ref) -> order handle, in two parts.
 *
 * A PAGED DIRECT index for the refs a real day has. ITCH order refs are
 * unique for the day across all instruments and are handed out rising and
 * nearly dense, so ref >> RI_PAGE_BITS picks a page of RI_PAGE handles and
 * the low bits the cell: one dependent load where a hash needs a scrambled
 * probe, and the pages of the recent refs stay hot in cache (groovg/itch-book
 * measured ~3x over open addressing on real data; our numbers are in
 * docs/PERFORMANCE.md). A page is taken on its first order and given back
 * when its last order dies (to a free list, reused before any new memory:
 * see `blocks` below), so memory follows the peak of live orders, not the
 * largest ref. A page left sparse well behind the newest (RI_SPARSE below)
 * moves its last orders to the map and goes too: a day whose orders die at
 * every age keeps a few live in nearly every page of its ref range.
 *
 * The KEYED HASH MAP (order_map.h) for everything else: refs at or above
 * 2^(RI_PAGE_BITS + RI_TABLE_BITS), a second order with the same ref on
 * another instrument (the cell is taken), and — the bound on hostile input —
 * any ref whose page would be one page too many: a new page is allocated only
 * while pages <= RI_BASE_PAGES or pages * RI_MIN_DENSITY <= orders held
 * directly, so a feed that spreads refs one per page cannot make the index
 * cost more than 16 KiB per RI_MIN_DENSITY live orders (512 bytes an order)
 * beyond a fixed 4 MiB; the rest goes to the map, whose own defences (keyed
 * hash, run cap) keep it linear.
 *
 * A key lives in exactly one part. A lookup reads the direct cell first and
 * confirms the node's locate; only if that misses and the map holds anything
 * does it probe the map. Nothing outside depends on where a key lives:
 * digests, snapshots and queries walk the books.
 */
#ifndef BLANC_REF_INDEX_H
#define BLANC_REF_INDEX_H

#include <stddef.h>
#include <stdint.h>

#define RI_PAGE_BITS 12u  /* 4096 refs a page: 16 KiB */
#define RI_PAGE (1u << RI_PAGE_BITS)
#define RI_TABLE_BITS 21u /* pages: refs below 2^33 go direct */
#define RI_BASE_PAGES 256u
#define RI_MIN_DENSITY 32u
/* A page whose live orders fall to RI_SPARSE while it is more than
 * RI_RECENT pages (4M refs) behind the newest is emptied into the map
 * (books.c ri_page_to_map): the orders that outlive their page's neighbours
 * (a deep resting order) would otherwise keep 16 KiB alive between them; on
 * the full-size day such pages held ~3 % of their cells, 700 MB for 6M
 * orders. At the threshold a page costs 128 bytes an order, the map ~16.
 * 128 / 1024 measured against 64 / 256 and 256 / 1024 (docs/PERFORMANCE.md
 * "Memory on the full-size day"): peak RSS 994 -> 544 MB for 3 % more time
 * there, and no page old enough on a 10M-message day. */
#define RI_SPARSE 128u
#define RI_RECENT 1024u

typedef struct ri_page {
    uint32_t h[RI_PAGE]; /* order handle, 0 = empty */
    uint32_t at;         /* its place in ref_index.ids */
} ri_page;

typedef struct ref_index {
    ri_page **table;    /* page pointers for refs below table_n << RI_PAGE_BITS:
                           grown by doubling as larger refs come, up to
                           2^RI_TABLE_BITS (so it follows the largest ref, and a
                           new book costs nothing until its first order) */
    uint64_t table_n;
    uint32_t *live_of;  /* orders held in page id, table_n long: a dense array
                           beside the table, not a field of the page, because
                           every delete updates it and a page's own header is a
                           cache line of its own that a delete of an old order
                           would miss (the live pages' counts fit in a few KiB) */
    uint8_t *in_map;    /* table_n long: 1 if the map may hold a key of page
                           id's refs (a lookup that misses the page probes the
                           map only then: on a day whose sparse pages went to
                           the map, an add's duplicate check would otherwise
                           probe it each time) */
    int map_wide;       /* the map may hold keys of any page (a key filed
                           while its page lay past the table, or past 2^33) */
    uint32_t pages;     /* allocated */
    uint32_t *ids;      /* their table indices, in no order (freeing walks
                           these, not the whole table); ids_cap long */
    uint32_t ids_cap;
    uint32_t peak_pages;
    uint64_t top_id;    /* the highest page id allocated, + 1 (0: none yet) */
    uint64_t bulk_top;  /* during a bulk copy (books_bulk, restore.h): no page
                           more than RI_RECENT behind this one is made, its keys
                           go to the map (0: no bulk copy) */
    uint64_t emptied;   /* pages emptied into the map (RI_SPARSE) */
    uint64_t live;      /* orders held directly */
    uint64_t refused;   /* orders sent to the map because a page was refused */
    /* Where pages live: 2 MiB blocks (huge pages where the kernel has them,
     * book/huge.c), carved in order; a freed page goes on free_pages and is
     * reused before a new block is taken, so the blocks follow the peak
     * number of pages, which the bound above keeps linear in live orders. */
    char **blocks;
    uint32_t nblocks, blocks_cap, block_used; /* pages carved from the newest block */
    struct ri_page *free_pages; /* linked through each free page's first cells */
} ref_index;

/* A page's slot in a block: whole cache lines, so every page's cells start
 * on a line boundary. */
#define RI_SLOT ((sizeof(ri_page) + 63) & ~(size_t)63)
#define BOOKS_HUGE ((size_t)2 << 20)
#define RI_BLOCK_PAGES ((uint32_t)(BOOKS_HUGE / RI_SLOT))

/* book/huge.c */
struct ri_page *ri_page_alloc(ref_index *ri); /* zeroed; NULL: no memory */
void ri_page_release(ref_index *ri, struct ri_page *pg);
void ri_blocks_free(ref_index *ri);
/* Ask for huge pages over the 2 MiB-aligned part of [p, p + len). */
void books_huge_hint(void *p, size_t len);
/* book_grow() (book.h) for a pool that gets big: from 2 MiB on, a new
 * aligned array hinted for huge pages, the old one copied in and freed. */
void *book_grow_huge(void *arr, uint32_t *cap, size_t elem, uint32_t first);

/* Where a found key lives: its direct cell, or its map slot. */
typedef struct ref_pos {
    uint32_t *cell; /* NULL: in the map at slot idx */
    ri_page *page;
    uint32_t idx;
} ref_pos;

/* Whether ref is below 2^(RI_PAGE_BITS + RI_TABLE_BITS), where the direct
 * index may hold it; a larger one always goes to the map. */
static inline int ri_direct(uint64_t ref) { return !(ref >> (RI_PAGE_BITS + RI_TABLE_BITS)); }

static inline ri_page *ri_page_of(const ref_index *ri, uint64_t ref)
{
    return (ref >> RI_PAGE_BITS) < ri->table_n ? ri->table[ref >> RI_PAGE_BITS] : NULL;
}

#endif
