/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The page work of a mapped file on its own thread (map_pager.c): mapping
 * the pages ahead of the reader and giving back those behind it. Internal to
 * libblanc (source.c). Hints only: the reader's bytes and every result are
 * the same with or without it.
 */
#ifndef BLANC_FEED_MAP_PAGER_H
#define BLANC_FEED_MAP_PAGER_H

#include <stddef.h>
#include <stdint.h>

typedef struct blanc__pager blanc__pager;

/* Feeds n bytes at p to the input digest, in order (source.c's XXH3). */
typedef void (*blanc__pager_hash)(void *ctx, const uint8_t *p, size_t n);

/* A pager over the mapping [base, base + size); NULL when none could be
 * started (the source then does the page work inline, as before). With a
 * hash, the pager also keeps the input digest: it hashes [hashed, upto) of
 * each give-back just before it, so the reading thread never hashes what it
 * reads; the digest of a prefix needs blanc__pager_sync first. */
blanc__pager *blanc__pager_start(const uint8_t *base, size_t size, blanc__pager_hash hash,
                                 void *ctx, size_t hashed);
/* Map the pages of [0, upto) that are not mapped yet. Does not wait. */
void blanc__pager_ahead(blanc__pager *p, size_t upto);
/* Give back the pages of [0, upto) (a multiple of the page size): the reader
 * will not read them again. Does not wait. */
void blanc__pager_behind(blanc__pager *p, size_t upto);
/* Waits until every give-back asked for is hashed; then the pager hashes
 * nothing until the next blanc__pager_behind, and the caller may hash on
 * from the position returned (and say how far with blanc__pager_set_hashed;
 * SIZE_MAX: the pager hashes no more). */
size_t blanc__pager_sync(blanc__pager *p);
void blanc__pager_set_hashed(blanc__pager *p, size_t upto);
/* Stops the thread (waiting for at most one step of its work). Returns how
 * far it had hashed (SIZE_MAX without a hash): the caller hashes on from
 * there. */
size_t blanc__pager_stop(blanc__pager *p);

/* source.c: no pager for this source (or none from now on): its reader
 * will share the CPUs with as many busy threads as there are CPUs, so a
 * pager would take a core from them rather than use an idle one
 * (docs/PERFORMANCE.md "Threads"). The page work stays on the reading
 * thread, as with BLANC_MAP_THREAD=0. */
struct blanc_source;
void blanc__source_no_pager(struct blanc_source *s);

/* source.c: whether a mapped source has a second core for more of its
 * reader's work (a capture's walk ahead, capture_ahead.c): 1 when its pager
 * runs (the mapping is base[0, size), stream offsets are file offsets), 0
 * while that is not decided yet, -1 never (not a map, no pager, or
 * BLANC_CAPTURE_THREAD=0). */
int blanc__source_spare_map(const struct blanc_source *s, const uint8_t **base, size_t *size);

#endif
