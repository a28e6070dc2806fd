/*
 * The per-message emitter's parts (docs/EMIT.md): emit.c turns each change
 * record into the entries of one record of the chosen view; a format (one
 * file each: emit_jsonl.c, emit_csv.c, emit_bin.c) writes the header and the
 * records.
 */
#ifndef BLANC_OUT_EMIT_H
#define BLANC_OUT_EMIT_H

#include "blanc.h"
#include "out/obuf.h"

typedef struct emit_ent {
    char code, side; /* code: the l3 op or trade type, 0 otherwise */
    uint32_t price, count;
    uint64_t qty, ref, match;
} emit_ent;

typedef struct emit_rec {
    blanc_emit_kind kind;
    uint64_t index, ts;
    const char *sym; /* 8 bytes, space padded */
    uint16_t locate;
    int gate; /* -1 health not tracked, else 0 gated / 1 publishable */
    const emit_ent *e;
    size_t n;
} emit_rec;

typedef struct emit_format {
    void (*header)(obuf *o, blanc_emit_kind kind, uint32_t depth, int health);
    void (*record)(obuf *o, const emit_rec *r);
} emit_format;

extern const emit_format blanc__emit_jsonl, blanc__emit_csv, blanc__emit_bin;

#endif
