/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * What the two snapshot encodings share (docs/SNAPSHOT.md): the replay's
 * scalar state as one fixed list of 64-bit words (META), the instrument
 * records, and the rebuild steps both readers go through, so that a binary
 * and a JSON snapshot of the same moment rebuild the same replay.
 */
#ifndef BLANC_SNAPSHOT_H
#define BLANC_SNAPSHOT_H

#include "blanc.h"

#define SNAP_VERSION 1        /* books and replay state only */
#define SNAP_VERSION_HEALTH 2 /* ... and the health tracker's state */
#define SNAP_VERSION_FEED 3   /* ... (health optional) and the feed's state (FEED):
                                 written only when the feed has state, a capture */

struct health_image;

/* The META words, in their binary order. */
enum {
    M_MESSAGES, M_BYTES, M_BOOK_CHANGES, M_FIRST_TS, M_LAST_TS, M_HAVE_TS,
    M_ENDED_MARKER, M_STOP_ERROR, M_FINISHED, M_FRAMING, M_STRICT, M_PEAK,
    M_INPUT_BYTES, M_INPUT_XXH3, M_HAVE_INPUT_XXH3, M_L3, M_L2, M_STREAM,
    M_ANOMALIES_TOTAL, M_BY_TYPE,
    M_ANOMALIES = M_BY_TYPE + BLANC_ITCH_NTYPES, /* count, first_offset, first_index each */
    M_COUNT = M_ANOMALIES + 3 * BLANC_AN_COUNT,
    /* Before anomalies bad_packet and seq_gap: a META that ends there reads
     * with them zero. */
    M_COUNT_OLD = M_COUNT - 3 * 2
};

typedef struct snap_inst {
    uint16_t locate;
    char symbol[8];
    char trading_state; /* 0 if none seen */
    uint64_t stream, changes;
    uint32_t bid_orders, ask_orders;
} snap_inst;

/* Gather the META words and the instrument records (*insts malloc'd, in
 * symbol order). */
int snap_gather(const blanc_replay *r, uint64_t m[M_COUNT], snap_inst **insts, uint32_t *n);

/* Visit every order of one instrument side in snapshot order: best level
 * first, queue order within a level. */
typedef int (*snap_order_fn)(void *ctx, uint32_t price, uint64_t ref, uint32_t shares);
int snap_orders_each(const blanc_books *b, uint16_t locate, char side, snap_order_fn fn,
                     void *ctx);

/* Rebuild: begin from META, add instruments and their orders, finish. */
/* orders_hint: how many orders will be added, if known (presizes the map). */
int snap_begin(blanc_replay **out, const uint64_t m[M_COUNT], size_t orders_hint,
               blanc_snap_error *err);
int snap_add_instrument(blanc_replay *r, const snap_inst *in, blanc_snap_error *err,
                        const char *section, uint64_t offset);
/* Orders of one side must come best level first: *prev_price (0 before the
 * first order of a side) carries the previous order's price. */
int snap_add_order(blanc_replay *r, uint16_t locate, char side, uint32_t *prev_price,
                   uint32_t price, uint64_t ref, uint32_t shares, blanc_snap_error *err,
                   const char *section, uint64_t offset);
int snap_finish(blanc_replay *r, const snap_inst *insts, uint32_t n, const uint64_t m[M_COUNT],
                blanc_snap_error *err);

/* Fill *err (if not NULL) and return code. */
int snap_fail(blanc_snap_error *err, int code, const char *section, uint64_t offset,
              const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* The health state to save with r: 0 and *img filled (lists malloc'd) if a
 * tracker is attached, 0 with *have = 0 if none. */
int snap_health_get(const blanc_replay *r, struct health_image *img, int *have);
/* Hand a parsed health image to the rebuilt replay (moved: *img is emptied). */
int snap_health_keep(blanc_replay *r, struct health_image *img);

int snap_write_binary(const blanc_replay *r, blanc_sink *sink);
int snap_read_binary(blanc_replay **out, const uint8_t *p, size_t n, blanc_snap_error *err);
int snap_write_json(const blanc_replay *r, blanc_sink *sink);
int snap_read_json(blanc_replay **out, const uint8_t *p, size_t n, blanc_snap_error *err);

#endif
