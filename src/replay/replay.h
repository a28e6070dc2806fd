/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The replay's state, shared by the driver (replay.c) and the snapshot
 * writer/reader (snapshot*.c), which must save and restore all of it.
 */
#ifndef BLANC_REPLAY_H
#define BLANC_REPLAY_H

#include "blanc.h"

/* Messages asked of the feed at a time: enough that the look-ahead prefetch
 * (8 ahead) rarely meets a batch's end, few enough to stay in L1. */
#define REPLAY_BATCH 256

struct blanc_replay {
    blanc_replay_options opts;
    blanc_books *books;
    blanc_replay_stats st;
    blanc_event ev;
    uint64_t last_ts;
    int have_ts;
    /* The input: XXH3 of its first `hashed` bytes (docs/DIGEST.md). At the end
     * of the input that is the whole input and is_input_digest is set. */
    uint64_t prefix_digest, hashed;
    int have_prefix_digest;
    int stop;     /* leave the loop now (pause, marker, strict, hard error) */
    int finished; /* the input has ended: nothing more will be read */
    /* Pause before message index `until_index` or before the first message
     * stamped later than `until_ts`; `watch` says either is set. */
    uint64_t until_index, until_ts;
    int watch, paused;
    /* Observers (observe.c), in the order they were added. n_obs is the one
     * flag the loop reads per message; want_* say what any of them needs. */
    struct replay_observer *obs;
    uint32_t n_obs;
    int want_before, want_change;
    /* One observer, unfiltered, with only on_message on the record: called
     * straight from the loop (the emitter's common case). */
    int (*fast_message)(void *ctx, const blanc_event *ev, uint64_t index,
                        const blanc_change *chg);
    void *fast_ctx;
    int next_obs_id;
    blanc_change chg; /* the record of the message being handled */
    blanc_health *health; /* not owned; NULL when health is not tracked */
    /* The health state of the snapshot this replay was rebuilt from, if it
     * had one (snapshot*.c), for blanc_health_resume(); owned. */
    struct health_image *snap_health;
    uint32_t anomalies;   /* of the message being handled: bit per blanc_anomaly */
    const blanc_msg *cur; /* the message being handled (its transport position) */
    /* The feed's state at the last pause or the end (blanc_feed_save), which
     * a snapshot keeps (section FEED) and a resume gives back; owned. */
    uint8_t *feed_blob;
    size_t feed_blob_len;
    blanc_msg batch[REPLAY_BATCH];
    /* Book workers asked for (0, 1: none) and, while they run, the sharded
     * engine (shard.c); the books of r->books are then theirs, gathered back
     * at every pause and at the end. */
    unsigned threads;
    struct shard_engine *shard;
    unsigned workers;     /* of the last run that had any, and their CPUs */
    int worker_cpus[BLANC_MAX_THREADS];
    uint32_t reader_share; /* of the instruments, per 1024, in that run */
    uint64_t moved;        /* instruments the reader moved to workers then */
    /* CPU time of the calling thread in runs, and of each worker as it ended. */
    uint64_t reader_cpu_ns;
    uint64_t worker_cpu_ns[BLANC_MAX_THREADS];
};

/* observe.c: the observer list. before/after call every observer in order
 * and return the first negative result; free releases the list. */
int blanc__observe_before(blanc_replay *r, const blanc_event *ev, uint64_t index);
int blanc__observe_after(blanc_replay *r, const blanc_event *ev, uint64_t index, int rc);
void blanc__observers_free(blanc_replay *r);

static inline int blanc__observe(blanc_replay *r, const blanc_event *ev, uint64_t index, int rc)
{
    if (r->fast_message) {
        r->chg.rc = rc;
        return r->fast_message(r->fast_ctx, ev, index, &r->chg);
    }
    return blanc__observe_after(r, ev, index, rc);
}

/* For the sharded driver (shard.c): replay.c's own steps. */
int blanc__replay_record_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset,
                                 uint64_t index);
int blanc__replay_record_skipped(blanc_replay *r, const blanc_msg *m);
int blanc__replay_pause_before(blanc_replay *r, const blanc_msg *m);
blanc_anomaly blanc__replay_anomaly_of(int rc);

#endif
