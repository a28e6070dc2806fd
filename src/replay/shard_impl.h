/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The sharded replay's shared state (shard.c the reader's side, shard_worker.c
 * the workers and their threads): internal to src/replay/.
 */
#ifndef BLANC_SHARD_IMPL_H
#define BLANC_SHARD_IMPL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "blanc.h"
#include "replay/replay.h"
#include "replay/shard.h"
#include "replay/spsc.h"

/* Slots per worker ring (32 bytes each: 1 MiB) and messages awaiting
 * results (16 bytes each: 1 MiB). Deep, because a worker that loses its core
 * for a time slice (a few ms: tens of thousands of messages) must not stop
 * the reader at once; 4096/16384 measured slower on this shared machine
 * (docs/PERFORMANCE.md "Threads"). */
#ifndef RING_SLOTS
#define RING_SLOTS 32768u
#endif
#ifndef LOG_SLOTS
#define LOG_SLOTS 65536u
#endif
#define NO_SHARD 0xff
#ifndef WAKE_MIN
#define WAKE_MIN 1024u
#endif
/* A reader that must wait for a worker's results (its ring or the log full,
 * a drain) sleeps until this many more are in (or all it sent): the worker
 * hands results back every 256 slots, and a wake-up at each cost the worker,
 * then the slower side, a system call each (docs/PERFORMANCE.md "Threads"). */
#ifndef RESULT_MIN
#define RESULT_MIN 4096u
#endif
/* The reader's own shard (shard 0) takes this share of the instruments, per
 * 1024, when there are n shards: (1024 - (n - 1) * READER_LOAD) / n, at least
 * 0, where READER_LOAD is the reader's own work (framing, counts, health, the
 * feed-order retire) per 1024 of the book work, measured (docs/PERFORMANCE.md
 * "Threads"); BLANC_READER_SHARE=PERMILLE in the environment overrides it,
 * for measuring. */
#ifndef READER_LOAD
#define READER_LOAD 522u
#endif
/* The same for a capture (pcap, live MoldUDP64): walking packet records,
 * their headers and the MoldUDP64 sequence is nearly as much work as the
 * books of every instrument (docs/PERFORMANCE.md "Threads, eighth
 * session"), so the reader keeps few: 82 per 1024 at two shards. Not none,
 * because the balance below moves books from the reader only: with none, a
 * host whose worker is the slower side (the AMD host of the thirteenth
 * session: 0.97 of the wall with 80 per mille) could not be balanced at all,
 * while a reader that is the slower side gives its few books away. */
#ifndef READER_LOAD_CAPTURE
#define READER_LOAD_CAPTURE 860u
#endif
/* Balance (shard.c "shed"): every SHED_WINDOW batches the reader looks at
 * how often a worker had run dry and whether the reader had to wait for one,
 * and may move its busiest instrument to a worker. */
#ifndef SHED_WINDOW
#define SHED_WINDOW 512u
#endif
/* A move takes an instrument with at most 1/SHED_PART of the reader's own
 * messages of the window: small steps, since a move is never undone. */
#ifndef SHED_PART
#define SHED_PART 16u
#endif
/* A ring slot whose type byte is 0 (no ITCH type) is an order to the worker:
 * take instrument `locate` (bytes 1-2) from the books whose pointer is in
 * bytes 8-15, which the reader made for it, and free them. */
#define SLOT_IMPORT 0

/* One book message, its first 32 bytes as sent, with its price (an A's or
 * F's at 32, a U's at 31) moved into bytes 3-6, where the tracking number
 * and timestamp were: nothing the worker needs lies past byte 31, so a
 * slot is half a cache line (a raw 40-byte message took a 48-byte slot,
 * docs/PERFORMANCE.md "Threads"). Bytes past a short message's end are
 * stale (the worker never uses them). */
#define SLOT_PRICE 3
typedef struct shard_slot {
    uint8_t m[32];
} shard_slot;

/* What the worker's apply returned, and live orders after minus before. */
typedef struct shard_res {
    int8_t rc;
    int8_t dlive;
} shard_res;

/* Shard 0 is the reader's own: books, no thread, no ring. The fields both
 * threads read follow the ring's read-only mask; the reader's own, written
 * at every message, have a line of their own. */
typedef struct shard_worker {
    spsc q;
    shard_slot *slots;
    shard_res *res;
    uint64_t *offsets; /* reader: each slot's stream offset, for an anomaly */
    blanc_books *books;
    int cpu;
    _Atomic int quit;
    pthread_t tid;
    uint64_t cpu_ns; /* the thread's CPU time, written as it ends */
    _Alignas(SPSC_LINE) uint64_t retired; /* reader: results counted */
    int dirty; /* reader: slots filled since the last publication */
    uint32_t idle; /* reader: batches after which it found the worker caught up */
    uint64_t wait_for; /* reader: the released position it waits for */
} shard_worker;

/* A message whose effect is not counted yet, one per message framed, in feed
 * order (so the index of an entry is the count of message entries before
 * it): its timestamp and locate for health, the anomalies the reader found,
 * where it went, and for shard 0 (which applies at once) its result. 16
 * bytes: the reader writes one per message and reads it back a ring's depth
 * later, so the log's footprint is the reader's cache misses (56 and 24
 * bytes measured slower, docs/PERFORMANCE.md "Threads"). What only an
 * anomaly needs is elsewhere: a worker message's stream offset is kept by
 * the reader beside its ring slot (shard_worker.offsets); shard 0 counts its
 * book anomalies as it applies. */
typedef struct shard_log {
    uint64_t ts_loc; /* timestamp | locate << 48 (ITCH timestamps are 48-bit) */
    uint16_t anomalies;
    uint8_t shard; /* 0 the reader's, 1 .. n-1 a worker's, NO_SHARD no book */
    uint8_t kind;  /* LOG_* */
    shard_res res; /* shard 0: what the apply returned; an S: its event code */
    uint16_t pad;
} shard_log;
/* kind: a decoded message, a frame that did not decode; LOG_LOST added:
 * messages were lost before it (e->lost says how many); LOG_SYS: a System
 * Event (res.rc holds its code); LOG_IMPORT: a move of an instrument, no
 * message (no index); LOG_NAMED: an R that made an instrument (its name goes
 * into e->named as it is counted). Health takes a plain LOG_MSG without
 * anomalies inline. */
#define LOG_MSG 1u
#define LOG_FRAME 2u
#define LOG_LOST 4u
#define LOG_IMPORT 8u
#define LOG_SYS 16u
#define LOG_NAMED 32u
_Static_assert(BLANC_AN_COUNT <= 16, "shard_log.anomalies holds a bit per anomaly");
_Static_assert(sizeof(shard_log) == 16, "shard_log: 16 bytes");
_Static_assert(offsetof(shard_log, anomalies) == 8 && offsetof(shard_log, shard) == 10 &&
                   offsetof(shard_log, kind) == 11 && offsetof(shard_log, res) == 12,
               "shard_log: the layout shard.c log_put writes");

/* A message of shard 0 framed in this batch and not yet applied: they are
 * applied after the batch is routed, with the one-thread look-ahead over
 * them alone (shard.c own_flush). */
typedef struct shard_own {
    const uint8_t *p;
    shard_log *g;
    uint64_t offset, index;
} shard_own;

struct shard_engine {
    unsigned n; /* shards: 0 the reader's, 1 .. n-1 the workers' */
    shard_worker *w;
    blanc_books *dir; /* the stock directory: instruments, no orders */
    /* The directory as of the last message counted (retire): the names the
     * health journal gives, as one thread gives them. dir runs ahead of it
     * by the log: an instrument whose R is routed but not counted yet has no
     * name in a journal line before that R. */
    blanc_books *named;
    shard_log *log;
    uint64_t lg_head, lg_tail;
    uint64_t rt_index;        /* the index of the entry at lg_tail */
    uint64_t lost, lost_from; /* of the one LOG_LOST entry in the log */
    shard_own own[REPLAY_BATCH]; /* shard 0's messages not yet applied */
    uint32_t n_own;
    uint64_t live, peak;
    uint32_t share, acc; /* the reader's share per 1024, and its running sum */
    unsigned next;       /* the worker the next instrument goes to, from 0 */
    uint64_t *cpu_out;   /* where the workers' CPU times add up when they end */
    /* Balance: shard 0's messages per instrument in this window, the window's
     * batches, whether the reader had to wait for a worker, instruments
     * moved; shed_every forces a move every that many batches (tests). */
    uint32_t *hits;
    uint32_t batches, waited, streak, shed_every;
    uint64_t moved;
    int spent; /* the books were gathered for the end: the workers' are gone */
    blanc_event ev;      /* shard 0's decoded message */
    uint8_t owner[65536]; /* locate -> shard (NO_SHARD: no instrument) */
};

/* shard_worker.c: n shards with empty books and rings, not yet started
 * (NULL: no memory); then the workers' threads, pinned. */
/* load: READER_LOAD or READER_LOAD_CAPTURE, the reader's own work. */
shard_engine *blanc__shard_engine_new(unsigned n, size_t expected_orders, uint32_t load);
int blanc__shard_engine_run(shard_engine *e);

#endif
