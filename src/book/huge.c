/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Huge pages for the books' big arrays, where the kernel offers them.
 *
 * The apply path's loads are scattered over the order pool and the ref
 * index pages (tens of MB on a real day): with 4 KiB pages most of them
 * also miss the TLB, and under a hypervisor a TLB miss is a two-level page
 * walk. A hint only: where transparent huge pages are off, or on another
 * system, nothing changes (docs/PERFORMANCE.md has the measurements).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "book/book.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

void books_huge_hint(void *p, size_t len)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    uintptr_t a = ((uintptr_t)p + BOOKS_HUGE - 1) & ~(uintptr_t)(BOOKS_HUGE - 1);
    uintptr_t e = ((uintptr_t)p + len) & ~(uintptr_t)(BOOKS_HUGE - 1);
    if (e > a)
        (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)len;
#endif
}

void *book_grow_huge(void *arr, uint32_t *cap, size_t elem, uint32_t first)
{
    if (*cap >= UINT32_MAX / 2)
        return NULL;
    uint32_t n = *cap ? *cap * 2 : first;
    size_t len = (size_t)n * elem;
    if (len < BOOKS_HUGE)
        return book_grow(arr, cap, elem, first);
    /* A fresh 2 MiB-aligned array, hinted before its first touch: pages
     * already touched (what realloc would keep) stay small. */
    len = (len + BOOKS_HUGE - 1) & ~(BOOKS_HUGE - 1);
    void *p = aligned_alloc(BOOKS_HUGE, len);
    if (!p)
        return NULL;
    books_huge_hint(p, len);
    if (arr)
        memcpy(p, arr, (size_t)*cap * elem);
    free(arr);
    *cap = n;
    return p;
}

/* A page from the free list (its cells are zero: a page is freed only when
 * its last order has gone, and the link is cleared here), else the next
 * slot of the newest block, else a new block. NULL: no memory. */
ri_page *ri_page_alloc(ref_index *ri)
{
    ri_page *pg = ri->free_pages;
    if (pg) {
        memcpy(&ri->free_pages, pg->h, sizeof pg);
        memset(pg->h, 0, sizeof pg);
        return pg;
    }
    if (!ri->nblocks || ri->block_used == RI_BLOCK_PAGES) {
        if (ri->nblocks == ri->blocks_cap) {
            char **bl = book_grow(ri->blocks, &ri->blocks_cap, sizeof *bl, 8);
            if (!bl)
                return NULL;
            ri->blocks = bl;
        }
        char *blk = aligned_alloc(BOOKS_HUGE, BOOKS_HUGE);
        if (!blk)
            return NULL;
        books_huge_hint(blk, BOOKS_HUGE);
        ri->blocks[ri->nblocks++] = blk;
        ri->block_used = 0;
    }
    pg = (ri_page *)(ri->blocks[ri->nblocks - 1] + (size_t)ri->block_used++ * RI_SLOT);
    memset(pg, 0, sizeof *pg);
    return pg;
}

void ri_page_release(ref_index *ri, ri_page *pg)
{
    memcpy(pg->h, &ri->free_pages, sizeof pg);
    ri->free_pages = pg;
}

void ri_blocks_free(ref_index *ri)
{
    for (uint32_t i = 0; i < ri->nblocks; i++)
        free(ri->blocks[i]);
    free(ri->blocks);
    ri->blocks = NULL;
    ri->nblocks = ri->blocks_cap = ri->block_used = 0;
    ri->free_pages = NULL;
}
