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

/* A pager over the mapping [base, base + size); NULL when none could be
 * started (the source then does the page work inline, as before). */
blanc__pager *blanc__pager_start(const uint8_t *base, size_t size);
/* Map the pages of [0, upto) that are not mapped yet. Does not wait. */
void blanc__pager_ahead(blanc__pager *p, size_t upto);
/* Give back the pages of [0, upto) (a multiple of the page size): the reader
 * will not read them again. Does not wait. */
void blanc__pager_behind(blanc__pager *p, size_t upto);
/* Stops the thread (waiting for at most one step of its work). */
void blanc__pager_stop(blanc__pager *p);

/* source.c: no pager for this source (or none from now on): its reader
 * will share the CPUs with as many busy threads as there are CPUs, so a
 * pager would take a core from them rather than use an idle one
 * (docs/PERFORMANCE.md "Threads"). The page work stays on the reading
 * thread, as with BLANC_MAP_THREAD=0. */
struct blanc_source;
void blanc__source_no_pager(struct blanc_source *s);

#endif
