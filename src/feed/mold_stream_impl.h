/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The inside of a mold_stream, shared by mold_stream.c (sequencing) and
 * mold_save.c (snapshot blob, capture info). Nothing else includes this.
 *
 * Shape: a fixed table of sessions (bounded, hostile captures name many) and
 * of (channel, session) pairs ("lines"); per sequenced session a sorted array
 * of held packets (at most the reorder window); one FIFO of ready packets
 * whose messages take() hands out. Held and ready packets live in slots that
 * own a copy of the packet, except ready packets pushed lent
 * (blanc__mold_stream_push_lent): those point into the caller's bytes until
 * blanc__mold_stream_release copies them. Slots and their buffers are
 * recycled through a free list, so the steady state allocates nothing.
 */
#ifndef BLANC_MOLD_STREAM_IMPL_H
#define BLANC_MOLD_STREAM_IMPL_H

#include <stdlib.h>

#include "feed/mold.h"

#define MOLD_MAX_SESSIONS 256
#define MOLD_MAX_PAIRS 1024
#define MOLD_MAX_GAP_RANGES 1000
#define MOLD_DEFAULT_WINDOW 64
#define MOLD_MAX_WINDOW 4096
/* Held bytes over all sessions; past it the session pushing declares gaps. */
#define MOLD_HELD_BYTES_CAP ((size_t)64 << 20)
#define MOLD_SESSION_HASH 512 /* power of two, >= 2 * MOLD_MAX_SESSIONS */
#define MOLD_PAIR_HASH 2048   /* power of two, >= 2 * MOLD_MAX_PAIRS */
#define MOLD_HELD(s, i) ((s)->held[(s)->hhead + (i)])
/* Runs of numbers kept per session with the line that delivered them
 * (power of two): a copy is a duplicate of the line that won its number,
 * arbitrated on another; a copy older than these runs goes by the line
 * that delivered last. */
#define MOLD_WINNERS 1024u
/* The i-th oldest run of session s's ring. */
#define MOLD_WIN(s, i) ((s)->win[((s)->win_head + (i)) & (MOLD_WINNERS - 1)])

enum mold_slot_kind {
    SLOT_DATA = 0,      /* count > 0 message blocks */
    SLOT_HEARTBEAT = 1, /* count 0: held only, marks where the next number is */
    SLOT_END = 2,       /* end of session: held only */
    SLOT_MARK = 3       /* ready only: no message, carries lost/damage at flush */
};

typedef struct mold_slot {
    const uint8_t *buf;     /* the whole packet (header included): own, or lent */
    uint8_t *own;           /* the slot's buffer, cap bytes */
    size_t len, cap;
    uint8_t lent;           /* buf is the caller's (a ready slot only) */
    uint8_t answer;         /* pushed as a retransmission server's answer */
    uint64_t seq;           /* of its first message; 0 unsequenced */
    uint16_t count;         /* message blocks (0 for HEARTBEAT, END, MARK) */
    uint16_t idx;           /* next block to hand out */
    size_t pos;             /* byte offset of block idx in buf */
    uint8_t kind;
    uint32_t session, pair; /* 0-based indexes */
    uint64_t packet, offset, ts_ns;
    uint64_t lost;          /* carried by block idx (the next handed out) */
    uint32_t damage;
    uint64_t damage_at;
    struct mold_slot *next_free;
} mold_slot;

/* Numbers [from, to) of a session, delivered in that order by line pair. */
typedef struct mold_win {
    uint64_t from, to;
    uint32_t pair;
} mold_win;

typedef struct mold_session {
    char name[10];
    char str[11];           /* trimmed, NUL-terminated */
    uint8_t selected;       /* its messages are sequenced and delivered */
    uint8_t started, ended;
    uint64_t next;          /* next expected sequence number (once started) */
    uint32_t last_pair;     /* the line that delivered last (index) */
    uint64_t pending_lost;  /* declared lost, not yet attached to a message */
    uint64_t gaps, lost;
    uint64_t (*ranges)[2];  /* first MOLD_MAX_GAP_RANGES gaps: from, to */
    uint32_t nranges, cap_ranges;
    /* Held slots sorted by (seq, kind): held[hhead .. hhead + nheld) in an
     * array of 2 * (window + 1), so that taking the lowest (the common case
     * once a gap fills) and holding below all (reversed arrival) are O(1). */
    mold_slot **held;
    uint32_t hhead, nheld;
    /* Who delivered the latest numbers: runs ascending and disjoint (a
     * declared gap lies between two), one line's consecutive deliveries
     * merged, the newest MOLD_WINNERS at win[(win_head + i) % MOLD_WINNERS];
     * NULL until the first delivery (or no memory: then every copy goes by
     * last_pair). */
    mold_win *win;
    uint32_t win_head, win_n;
} mold_session;

/* A packet handed out directly (blanc__mold_stream_push_direct): its
 * messages are in the caller's batch, not in a slot. */
typedef struct mold_direct {
    const uint8_t *p;       /* the whole packet: the caller's, or the stash */
    size_t n;
    uint64_t seq, packet, offset, ts_ns;
    uint32_t session, pair;
    uint16_t count;
    uint16_t idx;           /* next block not consumed, at byte pos */
    size_t pos;
    uint32_t first, out_n;  /* in the batch: out_n of its messages from dout[first] */
} mold_direct;

/* A packet of the batch taken whole by push_spans, before its mold_direct is
 * needed: what the packet's own header and the line do not give. Most
 * batches are consumed whole and never need one (mold_direct.c). */
typedef struct mold_lazy {
    const uint8_t *p;       /* the whole packet, the caller's */
    uint64_t packet, offset, ts_ns;
} mold_lazy;

typedef struct mold_pair {
    uint32_t group;
    uint16_t port;
    uint32_t session;
    uint64_t packets, messages, first_seq, last_seq, first_ts_ns, last_ts_ns;
    uint64_t duplicates, out_of_order, heartbeats, arbitrated, late;
    uint8_t ended, have_seq, have_ts;
} mold_pair;

typedef struct mold_channel {
    uint32_t group;
    uint16_t port;
    uint8_t any_group;
} mold_channel;

struct mold_stream {
    mold_channel *channels;
    size_t nchannels;
    char (*want)[10];
    size_t nwant;
    uint32_t window;
    int account_all;

    mold_session *sessions; /* MOLD_MAX_SESSIONS */
    uint32_t nsessions;
    uint16_t session_hash[MOLD_SESSION_HASH]; /* index + 1; 0 empty */
    mold_pair *pairs;       /* MOLD_MAX_PAIRS */
    uint32_t npairs;
    uint16_t pair_hash[MOLD_PAIR_HASH];
    uint32_t last_pair;     /* index + 1: the fast path for runs from one line */
    uint32_t last_session;  /* index + 1: the same for the session name */

    mold_slot **ready;      /* FIFO: ready[ready_head .. ready_head + ready_n) */
    size_t ready_head, ready_n, ready_cap;
    size_t ready_msgs;      /* what take() would hand out in all (marks count one) */
    mold_slot *free_slots;
    size_t held_bytes;
    size_t nlent;           /* ready slots whose buf is the caller's */

    blanc_transport_stats st;
    uint32_t pending_damage;  /* bad packets not yet attached to a message */
    uint64_t pending_damage_at;
    uint8_t unsequenced;      /* a sequence-0 packet with messages was seen */
    uint8_t default_chosen;   /* no names given: the first session is chosen */
    uint8_t answering;        /* the packet being pushed is an answer (push_answer) */
    uint64_t recovered;       /* messages delivered from answers (first copies) */

    /* The direct path: packets whose messages went straight into the batch
     * dout[dcap] the caller is filling, ahead of anything in the ready queue
     * (direct only while the queue is empty). Settled by consume(). */
    blanc_msg *dout;
    size_t dcap;
    mold_direct *direct;
    size_t ndirect, direct_cap;
    size_t direct_msgs;     /* not consumed, over all of them */
    size_t direct_out;      /* in the batch (dout[0 .. direct_out)) */
    uint8_t direct_all;     /* all of direct_msgs are in the batch: more may follow */
    uint8_t direct_lent;    /* some point into the caller's bytes */
    uint8_t *stash;         /* their copies once the caller's bytes go away */
    size_t stash_cap;
    uint8_t stash_used;     /* some of them point into it */
    /* Packets after direct[0 .. ndirect) whose mold_direct is not written
     * yet: all whole in the batch, its last lazy_msgs messages, all of line
     * lazy_pair. blanc__mold_direct_settle writes them out. */
    mold_lazy *lazy;
    size_t nlazy, lazy_cap, lazy_msgs;
    uint32_t lazy_pair;
    /* The packet the batch ended inside, behind the lazy ones (has_cut). */
    mold_direct cut;
    uint8_t has_cut;

    /* Where the last take() stopped, so that consume() of all it handed out
     * (the common case) jumps there instead of walking the blocks again.
     * Valid until anything else changes the ready queue. */
    struct {
        int valid;
        size_t n, data;   /* handed out; of them messages (not marks) */
        size_t full;      /* ready slots handed out to their end */
        uint16_t idx;     /* and in the next one: where it stopped (0: nothing) */
        size_t pos;
    } tk;
};

/* mold_stream.c, for mold_save.c */
void blanc__mold_reset(mold_stream *m);
mold_slot *blanc__mold_slot_get(mold_stream *m, size_t len);
void blanc__mold_slot_put(mold_stream *m, mold_slot *s);
int blanc__mold_ready_reserve(mold_stream *m, size_t extra);
int blanc__mold_session_held_alloc(mold_stream *m, mold_session *s);
void blanc__mold_rehash(mold_stream *m);
void blanc__mold_line_account(mold_pair *lp, uint64_t seq, uint16_t count, uint64_t ts_ns);
/* mold_direct.c, for mold_stream.c: consume(k) of the batch's direct part
 * (returns what is left of k for the queue); release of their bytes. */
size_t blanc__mold_direct_consume(mold_stream *m, size_t k);
int blanc__mold_direct_release(mold_stream *m);
/* The lazy packets as mold_direct records (appended to direct[]; the room
 * was made when they were pushed); one as its record, for a save. */
void blanc__mold_direct_settle(mold_stream *m);
void blanc__mold_lazy_record(const mold_stream *m, const mold_lazy *z, mold_direct *d);
/* Advance s to block idx + k (blocks are known to fit: parsed). */
void blanc__mold_slot_skip(mold_slot *s, uint32_t k);
/* Line pair delivered numbers [from, to) of session s (mold_stream.c). */
void blanc__mold_won(mold_session *s, uint64_t from, uint64_t to, uint32_t pair);

/* One message block of a packet as the stream hands it out: undamaged, with
 * its place (the packet's offset and number) and sequence. Field by field, as
 * both hand-outs (queued slots, direct batches) want it: a compound literal
 * made clang zero the whole struct first. */
static inline void mold_msg_set(blanc_msg *g, const uint8_t *p, uint16_t len, uint32_t session,
                                uint64_t offset, uint64_t packet, uint64_t seq)
{
    g->p = p;
    g->len = len;
    g->damage = 0;
    g->damage_kind = 0;
    g->session = session;
    g->damage_at = 0;
    g->offset = offset;
    g->packet = packet;
    g->seq = seq;
    g->lost = 0;
}

/* arr with room for at least need elements of elem bytes (*cap doubled from
 * first as far as needed), or NULL with arr and *cap unchanged. */
static inline void *mold_grow(void *arr, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (*cap >= need)
        return arr;
    size_t c = *cap ? *cap : first;
    while (c < need)
        c *= 2;
    void *a = realloc(arr, c * elem);
    if (a)
        *cap = c;
    return a;
}

#endif
