/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The generator's market model: for each symbol, the live orders it has
 * published (so every E/C/X/D/U it writes refers to a live order with enough
 * shares) and a count of orders per price tick on each side (so it always
 * knows the best bid and ask and never writes a crossing order).
 * Prices live in a window of WINDOW ticks of $0.01 around the opening price.
 * Independent of src/book on purpose: the generator must not share the
 * engine's bugs.
 */
#ifndef BLANC_GEN_MARKET_H
#define BLANC_GEN_MARKET_H

#include <stdint.h>

#include "gen/rng.h"

#define WINDOW 1024
#define TICK 100 /* $0.01 in Price(4) units */

typedef struct live_order {
    uint64_t ref;
    uint32_t shares;
    uint16_t tick;
    uint8_t side; /* 0 bid, 1 ask */
    uint8_t unused;
} live_order;

typedef struct sym {
    char name[8];
    uint16_t locate;
    uint32_t base;   /* price of tick 0, in ticks of $0.01 */
    int32_t mid;     /* tick index */
    int32_t best[2]; /* best bid tick (-1 = none), best ask tick (WINDOW = none) */
    uint32_t target; /* live orders the symbol hovers around */
    uint32_t n, cap;
    live_order *o;
    uint16_t cnt[2][WINDOW];
} sym;

typedef struct market {
    sym *s;
    uint32_t n;
    uint64_t *cum; /* Zipf-like cumulative weights for picking a symbol */
    uint64_t total;
    uint64_t next_ref, next_match;
} market;

int market_init(market *m, rng *r, uint32_t symbols, uint64_t messages);
void market_free(market *m);
uint32_t market_pick(const market *m, rng *r);

uint32_t price_of(const sym *s, uint32_t tick);
/* A tick for a new order on `side` that does not cross the other side. */
uint32_t choose_tick(sym *s, rng *r, int side);
/* Shares: mostly round lots. */
uint32_t choose_shares(rng *r);

int order_add(sym *s, uint64_t ref, int side, uint32_t tick, uint32_t shares);
void order_drop(sym *s, uint32_t i);
void order_reduce(sym *s, uint32_t i, uint32_t by);
/* Index of a live order, biased toward the most recently added. */
uint32_t pick_recent(const sym *s, rng *r);
/* Index of the oldest order at the best price of `side`, or UINT32_MAX. */
uint32_t oldest_at_best(const sym *s, int side);

#endif
