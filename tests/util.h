/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Small helpers shared by the C tests: build decoded events by hand. */
#ifndef BLANC_TEST_UTIL_H
#define BLANC_TEST_UTIL_H

#include <string.h>

#include "blanc.h"

/* A feed over src in r's framing (and sniffing) options. */
static inline int test_feed_open(blanc_feed **f, blanc_source *src, const blanc_replay *r,
                                 char *why, size_t cap)
{
    const blanc_replay_options *ro = blanc_replay_get_options(r);
    blanc_feed_options fo;
    memset(&fo, 0, sizeof fo);
    fo.framing = ro->framing;
    fo.no_sniff = ro->no_sniff;
    return blanc_feed_open(f, src, &fo, why, cap);
}

/* Replay all of src; the feed's refusal (BLANC_ENOTITCH) in why when given. */
static inline int test_run_source(blanc_replay *r, blanc_source *src, char *why, size_t cap)
{
    blanc_feed *f;
    char buf[256];
    int rc = test_feed_open(&f, src, r, why ? why : buf, why ? cap : sizeof buf);
    if (rc)
        return rc;
    rc = blanc_replay_run(r, f);
    blanc_feed_free(f);
    return rc;
}

/* The replay's counters as a value, for one-field reads in assertions. */
static inline blanc_replay_stats replay_stats_of(const blanc_replay *r)
{
    blanc_replay_stats s;
    blanc_replay_get_stats(r, &s);
    return s;
}

static inline blanc_event ev_dir(uint16_t locate, const char *sym)
{
    blanc_event e;
    memset(&e, 0, sizeof e);
    e.type = 'R';
    e.locate = locate;
    blanc_symbol_pad(sym, e.stock);
    return e;
}

static inline blanc_event ev_add(uint16_t locate, uint64_t ref, char side, uint32_t shares,
                                 uint32_t price)
{
    blanc_event e;
    memset(&e, 0, sizeof e);
    e.type = 'A';
    e.locate = locate;
    e.ref = ref;
    e.side = side;
    e.shares = shares;
    e.price = price;
    return e;
}

/* E, C, X, D */
static inline blanc_event ev_mod(char type, uint16_t locate, uint64_t ref, uint32_t shares)
{
    blanc_event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.locate = locate;
    e.ref = ref;
    e.shares = shares;
    return e;
}

static inline blanc_event ev_replace(uint16_t locate, uint64_t ref, uint64_t new_ref,
                                     uint32_t shares, uint32_t price)
{
    blanc_event e;
    memset(&e, 0, sizeof e);
    e.type = 'U';
    e.locate = locate;
    e.ref = ref;
    e.new_ref = new_ref;
    e.shares = shares;
    e.price = price;
    return e;
}

#endif
