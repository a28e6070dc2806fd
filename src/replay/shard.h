/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The sharded replay (docs/ARCHITECTURE.md "Sharded replay"): the replay's
 * thread reads and frames the feed and keeps everything that is counted in
 * feed order; the instruments' books live on worker threads, each owning the
 * instruments whose locate maps to it, fed through one ring per worker.
 * The functions here are called by the driver (replay.c) only.
 */
#ifndef BLANC_SHARD_H
#define BLANC_SHARD_H

#include <stddef.h>

#include "blanc.h"

typedef struct shard_engine shard_engine;

/* The most workers (a shard number fits a byte, with one value for "none"). */
#define SHARD_MAX BLANC_MAX_THREADS

/* Start r's workers if they are not running and move r's books onto them.
 * 0, or BLANC_ENOMEM (then r is unchanged and runs on one thread). */
int blanc__shard_start(blanc_replay *r);
/* Like process() in replay.c: handle msgs[0..n) until the replay must stop,
 * sending book messages to the workers; returns how many were used. */
size_t blanc__shard_process(blanc_replay *r, const blanc_msg *msgs, size_t n);
/* Wait for every message sent so far and count its results: afterwards the
 * counts and health are exactly those after the last message handled. */
void blanc__shard_drain(blanc_replay *r);
/* Gather the workers' books into r->books (after a drain). 0 or BLANC_ENOMEM.
 * At the end of a run (not paused, or stopped: run_until then frees the
 * engine) the workers' books are used up; after a pause they are kept. */
int blanc__shard_gather(blanc_replay *r);
/* Stop the workers and free everything (NULL is fine). */
void blanc__shard_free(shard_engine *e);
/* Workers running, and the CPU each is pinned to (-1: not pinned). */
unsigned blanc__shard_workers(const shard_engine *e, int *cpus, size_t cap);

#endif
