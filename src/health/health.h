/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The health tracker's state (docs/HEALTH.md), shared by the detectors and
 * breaker (health.c), the configuration reader (config.c) and the journal
 * writer (journal.c). The replay calls health_observe() once per message.
 */
#ifndef BLANC_HEALTH_H
#define BLANC_HEALTH_H

#include "blanc.h"
#include "common/bytes.h"
#include "out/obuf.h"

enum { EV_GAP = 1, EV_CORRUPT = 2, EV_SKEW = 4 };
enum { NSCOPES = 65536 };
enum { DECAY_TABLE = 256 }; /* scope 0 is the feed, 1..65535 the instruments */
#define HEALTH_DAY_NS (UINT64_C(86400) * 1000000000u) /* no ITCH time reaches 24:00 */

typedef struct hscope {
    uint32_t count[3]; /* gap, corrupt, skew events in the window */
    uint32_t gen;      /* which quiet timer is the live one */
    uint8_t state, worst, armed, dirty;
} hscope;

/* An event of one observation, kept until it leaves the window. */
typedef struct hevent {
    uint64_t index;
    uint16_t locate; /* 0: no instrument */
    uint8_t mask;    /* EV_*: the detectors it counts for, in the feed's scope */
    uint8_t own;     /* those of them that count for `locate` too (0 if none) */
} hevent;

typedef struct htimer {
    uint64_t due;
    uint32_t scope, gen;
} htimer;

/* The burst detector's state (docs/HEALTH.md §4). */
typedef struct hburst {
    uint64_t ms, n, base, run;
    uint64_t warm;   /* milliseconds closed since the baseline (re)started */
    uint64_t hot_at; /* messages in this ms that make it hot; UINT64_MAX: cannot */
    int have_ms, hot;
} hburst;

/* A message the fast path took, whose burst step is still to be made: its
 * feed time (the mark after it) and index. */
typedef struct hlog {
    uint64_t t, i;
} hlog;

/* Fast-path messages held before their burst step is folded in (health.c). */
enum { HEALTH_LOG = 128 };

struct blanc_health {
    /* What health_message() reads and writes, together at the front. */
    uint64_t next_i;  /* the next index where anything is due (expiry, timer, reset) */
    uint64_t g;       /* the feed's high-water mark */
    uint64_t t_lim;   /* the fast path takes t < t_lim: the next reset time, or 24:00 */
    uint64_t *hwm;    /* per locate: largest timestamp + 1, 0 = none */
    uint32_t nlog;    /* entries in log */
    int any_gated;    /* the feed or any instrument is in Feeder or worse */
    int pub;
    blanc_health_config cfg;
    /* cthr[d][k]: the smallest count (ppm detectors) or run (burst) that
     * crosses level k+1; UINT64_MAX when that level is off. */
    uint64_t cthr[BLANC_DETECTORS][4];
    const blanc_books *books; /* symbols for the journal */
    hscope *scope;            /* NSCOPES */
    int have_g;
    hburst b; /* burst (§4), as of the last message folded in */
    uint64_t pow2[64]; /* (1 - 2^-s)^(2^j) in units of 2^-32 */
    uint64_t qk[DECAY_TABLE]; /* the decay factor Q(k) of the usual small k */
    /* events in the window, oldest first (a ring) */
    hevent *ev;
    size_t ev_cap, ev_head, ev_n;
    /* quiet timers, in due order (a ring; stale ones skipped by gen) */
    htimer *tm;
    size_t tm_cap, tm_head, tm_n;
    uint32_t dirty[8];
    size_t n_dirty;
    size_t next_ri, next_rt; /* next reset index / time point */
    int err;
    /* The instruments in Local, Feeder or Main, in no order: what a reset
     * must visit (§6), so it costs these and not all 65,535 locates.
     * live_pos[s] is s's place in live while s is in it. */
    uint16_t *live, *live_pos;
    size_t n_live;
    int inst_gated;       /* instruments in Feeder or worse */
    int seen;             /* anything observed yet */
    uint64_t since;       /* index where the global state was entered */
    uint64_t end_obs;     /* end-of-input observations */
    uint64_t next_ts;     /* the next reset time point */
    uint64_t index;    /* the observation being handled */
    uint64_t ts_after; /* the high-water mark once it is counted (journal ts) */
    uint64_t lost, lost_from; /* of the observation being handled (health_obs) */
    blanc_health_stats st;
    uint64_t reset_visits; /* instrument scopes a reset looked at, all resets
                            * (tests: a reset costs the scopes not in Fuse) */
    blanc_sink *sink;
    obuf *jb; /* the journal's buffer, when a journal is set */
    /* The fast path's messages since the last fold (health_sync), oldest
     * first: their marks and gates are done, their burst steps are not. */
    hlog log[HEALTH_LOG];
};

/* One observation (docs/HEALTH.md §1). anomalies: bit a for blanc_anomaly a. */
typedef struct health_obs {
    uint64_t ts;
    uint32_t anomalies;
    uint16_t locate;
    uint8_t decoded, message, sys_code;
    /* Messages the transport proves lost just before this one (anomaly
     * seq_gap), with the first lost sequence number: the journal shows the
     * range of a transition it causes. */
    uint64_t lost, lost_from;
} health_obs;

/* Observe index i (docs/HEALTH.md §5). Returns 0, or an error that stops the
 * replay (journal write, out of memory). */
int health_observe(blanc_health *h, uint64_t i, const health_obs *o);

/* Fold the fast path's messages into the burst state (health.c): before
 * anything else looks at the burst state or observes a message. */
void health_sync(blanc_health *h);
/* The burst state and statistics with the held messages folded in, into
 * copies (for readers that must not change the tracker; index and ts_after
 * as the fold leaves them). */
void health_burst_view(const blanc_health *h, hburst *b, blanc_health_stats *st,
                       uint64_t *index, uint64_t *ts_after);

/* The gate of message i once its scope states are final (health.c). */
void health_gate(blanc_health *h, uint64_t i, uint16_t locate);

/* The same when nothing is gated anywhere: the common case, inline. */
static inline void health_gate_fast(blanc_health *h, uint64_t i, uint16_t locate)
{
    if (blanc_likely(!h->any_gated)) {
        h->pub = 1;
        h->st.published++;
    } else {
        health_gate(h, i, locate);
    }
}

/* health_message() when its fast path does not apply (health.c). */
int health_message_slow(blanc_health *h, uint64_t i, uint64_t t, uint16_t locate);

/*
 * The same as health_observe() for a decoded message with no anomaly that is
 * not a System Event. Nearly every message of a healthy feed is also in time
 * order, before the next reset time and due nothing: then of §5 only the two
 * high-water marks and the gate remain, done here inline, and the burst step
 * (§4), which moves no breaker and gates nothing, is held in a short log and
 * folded in later, 128 at a time or before anything reads the burst state.
 * On a sparse feed almost every message opens a feed millisecond, and the
 * fold does that step in a tight loop where a call per message cost ~100
 * instructions (docs/PERFORMANCE.md).
 */
static inline int health_message(blanc_health *h, uint64_t i, uint64_t t, uint16_t locate)
{
    /* In order (t >= G), before the next reset time and within the day
     * (t < t_lim, docs/HEALTH.md §2). */
    if (blanc_likely(i < h->next_i && t >= h->g && t < h->t_lim &&
                     t + 1 >= h->hwm[locate] && h->nlog < HEALTH_LOG)) {
        h->g = t;
        h->hwm[locate] = t + 1;
        h->log[h->nlog].t = t;
        h->log[h->nlog].i = i;
        h->nlog++;
        health_gate_fast(h, i, locate);
        return 0;
    }
    return health_message_slow(h, i, t, locate);
}

/* After a state was restored from a snapshot (image.c): recompute what is
 * derived from the scopes and the limits of the fast paths. */
void health_restored(blanc_health *h);

/* The journal line of one transition of scope s (journal.c). */
void health_journal(blanc_health *h, uint32_t s, int from, int to, const char *cause);

/* The scope's detector level (0..4) for detector d and its value. */
int health_level(const blanc_health *h, int d, uint64_t v);
/* Rate in ppm of count c over the window. */
uint64_t health_ppm(const blanc_health *h, uint64_t c);

#endif
