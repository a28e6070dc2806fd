/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* --emit ... --format jsonl: one object per record (docs/EMIT.md "Formats"). */
#include "out/emit.h"

static void side_json(obuf *o, char side)
{
    ob_str(o, side == 'B' ? "\"B\"" : side == 'S' ? "\"S\"" : "\"\"");
}

static void header(obuf *o, blanc_emit_kind kind, uint32_t depth, int health)
{
    (void)o, (void)kind, (void)depth, (void)health;
}

static void record(obuf *o, const emit_rec *r)
{
    const emit_ent *e = r->e;
    ob_str(o, "{\"index\":");
    ob_u64(o, r->index);
    ob_str(o, ",\"ts\":");
    blanc__ob_time(o, r->ts, r->time_iso, 1);
    ob_str(o, ",\"symbol\":");
    ob_json_symbol(o, r->sym);
    ob_str(o, ",\"locate\":");
    ob_u64(o, r->locate);
    if (r->gate >= 0)
        ob_str(o, r->gate ? ",\"pub\":1" : ",\"pub\":0");
    switch (r->kind) {
    case BLANC_EMIT_BBO:
        for (size_t i = 0; i < 2; i++) {
            ob_str(o, i ? ",\"ask\":[" : ",\"bid\":[");
            blanc__ob_price(o, e[i].price, r->price_decimal, 1);
            ob_cu64(o, e[i].qty);
            ob_cu64(o, e[i].count);
            ob_char(o, ']');
        }
        break;
    case BLANC_EMIT_L2:
        ob_str(o, ",\"levels\":[");
        for (size_t i = 0; i < r->n; i++) {
            ob_str(o, i ? ",[" : "[");
            side_json(o, e[i].side);
            ob_char(o, ',');
            blanc__ob_price(o, e[i].price, r->price_decimal, 1);
            ob_cu64(o, e[i].qty);
            ob_cu64(o, e[i].count);
            ob_char(o, ']');
        }
        ob_char(o, ']');
        break;
    case BLANC_EMIT_L3:
        ob_str(o, ",\"orders\":[");
        for (size_t i = 0; i < r->n; i++) {
            ob_str(o, i ? ",[\"" : "[\"");
            ob_char(o, e[i].code);
            ob_str(o, "\",");
            ob_u64(o, e[i].ref);
            ob_char(o, ',');
            side_json(o, e[i].side);
            ob_char(o, ',');
            blanc__ob_price(o, e[i].price, r->price_decimal, 1);
            ob_cu64(o, e[i].qty);
            ob_char(o, ']');
        }
        ob_char(o, ']');
        break;
    case BLANC_EMIT_TRADES:
        ob_str(o, ",\"type\":\"");
        ob_char(o, e[0].code);
        ob_str(o, "\",\"ref\":");
        ob_u64(o, e[0].ref);
        ob_str(o, ",\"side\":");
        side_json(o, e[0].side);
        ob_str(o, ",\"price\":");
        blanc__ob_price(o, e[0].price, r->price_decimal, 1);
        ob_str(o, ",\"shares\":");
        ob_u64(o, e[0].qty);
        ob_str(o, ",\"match\":");
        ob_u64(o, e[0].match);
        break;
    case BLANC_EMIT_BARS: break; /* written by bars.c */
    }
    ob_str(o, "}\n");
}

const emit_format blanc__emit_jsonl = {header, record};
