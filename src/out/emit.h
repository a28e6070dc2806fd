/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
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
    int price_decimal, time_iso; /* for people (human.c) */
    const emit_ent *e;
    size_t n;
} emit_rec;

typedef struct emit_format {
    void (*header)(obuf *o, blanc_emit_kind kind, uint32_t depth, int health);
    void (*record)(obuf *o, const emit_rec *r);
} emit_format;

extern const emit_format blanc__emit_jsonl, blanc__emit_csv, blanc__emit_bin;

/* human.c: ticks of 1e-4 as dollars ("49.5470"), ns after midnight as
 * "HH:MM:SS.nnnnnnnnn"; quoted: as JSON strings. */
void blanc__ob_price(obuf *o, uint64_t ticks, int decimal, int quoted);
void blanc__ob_time(obuf *o, uint64_t ns, int iso, int quoted);

#endif
