/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The capture walk ahead of the replay, on a second thread (capture_ahead.c).
 * Internal to src/feed/: capture.c starts it and takes what it walked.
 */
#ifndef BLANC_CAPTURE_AHEAD_H
#define BLANC_CAPTURE_AHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "feed/udp_span.h"

/* The walk the thread runs: up to max records of the mapped file base[0,
 * size) from file offset `at` (whose record is packet number + 1), into out;
 * how many. It stops where the caller's own walk would (a record it does
 * not take, the end). It must only read ctx's constant fields. */
typedef size_t (*blanc__ahead_walk)(const void *ctx, const uint8_t *base, size_t size, uint64_t at,
                                    uint64_t number, udp_span *out, size_t max);

typedef struct blanc__ahead blanc__ahead;

/* A walker from file offset at, packet number `number`; NULL: no thread. */
blanc__ahead *blanc__ahead_start(blanc__ahead_walk walk, const void *ctx, const uint8_t *base,
                                 size_t size, uint64_t at, uint64_t number);
/* Up to max records walked ahead, in place in the walker's ring (*n of
 * them, 0 when none is ready: the reader walks them itself), starting
 * exactly at the reader's offset `at` (packet number + 1) and ending at or
 * before `limit` (the end of the reader's window). They stay as they are
 * until the next call. *seen >= *n spans from there may be read (to ask for
 * their payloads early), though only the first *n are the reader's. */
const udp_span *blanc__ahead_take(blanc__ahead *a, uint64_t at, uint64_t number, uint64_t limit,
                                  size_t max, size_t *n, size_t *seen);
/* For tests: spans the walker has walked, and spans it has shown. */
uint64_t blanc__ahead_walked(const blanc__ahead *a);
uint64_t blanc__ahead_served(const blanc__ahead *a);
void blanc__ahead_stop(blanc__ahead *a);

#endif
