/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* --emit ... --format bin: fixed-size little-endian records (docs/EMIT.md). */
#include "out/emit.h"

static void header(obuf *o, blanc_emit_kind kind, uint32_t depth, int health)
{
    ob_put(o, "BLANCEMT", 8);
    ob_le(o, 1, 2);
    ob_le(o, (uint8_t)kind, 1);
    ob_le(o, health ? 1 : 0, 1); /* flags: bit 0 records carry the gate */
    ob_le(o, depth, 4);
}

static void record(obuf *o, const emit_rec *r)
{
    ob_le(o, r->index, 8);
    ob_le(o, r->ts, 8);
    ob_put(o, r->sym, 8);
    ob_le(o, r->locate, 2);
    ob_le(o, r->n, 2);
    /* flags: bit 0 health tracked, bit 1 publishable */
    ob_le(o, r->gate >= 0 ? 1u | (r->gate ? 2u : 0u) : 0u, 4);
    for (size_t i = 0; i < r->n; i++) {
        const emit_ent *x = &r->e[i];
        ob_le(o, (uint8_t)x->code, 1);
        ob_le(o, (uint8_t)x->side, 1);
        ob_le(o, 0, 2);
        ob_le(o, x->price, 4);
        ob_le(o, x->count, 4);
        ob_le(o, 0, 4);
        ob_le(o, x->qty, 8);
        ob_le(o, x->ref, 8);
        ob_le(o, x->match, 8);
    }
}

const emit_format blanc__emit_bin = {header, record};
