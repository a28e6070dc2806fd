/*
 * Sampled outputs (docs/EMIT.md "Sampled books and bars"): the top-N book of
 * each instrument at instants of feed time (sample_l2.c) and OHLCV bars
 * (bars.c). Each is an observer the emitter (emit.c) adds in place of its
 * delta writer; it writes its rows into the emitter's buffer.
 *
 * Feed time is a clock: the largest timestamp seen so far, so a message
 * stamped earlier than one before it (damaged input) does not move it back.
 */
#ifndef BLANC_OUT_SAMPLE_H
#define BLANC_OUT_SAMPLE_H

#include "blanc.h"
#include "out/obuf.h"

/* What a sampled output is given, and gives the emitter back. */
typedef struct sampled_ops {
    /* Fill *ob (ctx and callbacks; the emitter adds the symbols and adds it),
     * write the header. BLANC_ENOMEM. */
    int (*create)(void **ctx, blanc_observer *ob, blanc_replay *r, const blanc_emit_options *o,
                  obuf *out, uint64_t *records);
    /* The end of the input: what is due by the last timestamp. */
    int (*finish)(void *ctx);
    void (*free)(void *ctx);
} sampled_ops;

extern const sampled_ops blanc__sample_l2, blanc__bars;

/* The first instant from + k * every (k >= 0) at or after t. */
static inline uint64_t blanc__grid_ceil(uint64_t from, uint64_t every, uint64_t t)
{
    if (t <= from)
        return from;
    return from + (t - from + every - 1) / every * every;
}

/* The symbol without its padding. */
static inline size_t blanc__sym_len(const char sym[8])
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    return n;
}

#define BLANC_MIN_EVERY_NS UINT64_C(1000000) /* 1 ms: see docs/EMIT.md */

#endif
