/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* --emit ... --format csv: a header line, one row per entry (docs/EMIT.md). */
#include <string.h>

#include "out/emit.h"

static void header(obuf *o, blanc_emit_kind kind, uint32_t depth, int health)
{
    (void)depth;
    static const char *csv[] = {
        "index,ts,symbol,locate,bid_price,bid_shares,bid_orders,ask_price,ask_shares,ask_orders",
        "index,ts,symbol,locate,side,price,shares,orders",
        "index,ts,symbol,locate,op,ref,side,price,shares",
        "index,ts,symbol,locate,type,ref,side,price,shares,match"};
    ob_str(o, csv[kind]);
    ob_str(o, health ? ",pub\n" : "\n");
}

static void prefix(obuf *o, const emit_rec *r)
{
    size_t n = 8;
    while (n && r->sym[n - 1] == ' ')
        n--;
    ob_u64(o, r->index);
    ob_char(o, ',');
    blanc__ob_time(o, r->ts, r->time_iso, 0);
    ob_char(o, ',');
    blanc__ob_csv_chars(o, r->sym, n);
    ob_cu64(o, r->locate);
}

static void side(obuf *o, char s)
{
    ob_char(o, ',');
    if (s)
        ob_char(o, s);
}

/* The gate column ends every row when health is tracked. */
static void end(obuf *o, const emit_rec *r)
{
    if (r->gate >= 0)
        ob_str(o, r->gate ? ",1" : ",0");
    ob_char(o, '\n');
}

static void record(obuf *o, const emit_rec *r)
{
    if (r->kind == BLANC_EMIT_BBO) {
        prefix(o, r);
        for (size_t i = 0; i < 2; i++) {
            ob_char(o, ',');
            blanc__ob_price(o, r->e[i].price, r->price_decimal, 0);
            ob_cu64(o, r->e[i].qty);
            ob_cu64(o, r->e[i].count);
        }
        end(o, r);
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        const emit_ent *x = &r->e[i];
        prefix(o, r);
        if (r->kind == BLANC_EMIT_L2) {
            side(o, x->side);
            ob_char(o, ',');
            blanc__ob_price(o, x->price, r->price_decimal, 0);
            ob_cu64(o, x->qty);
            ob_cu64(o, x->count);
        } else {
            ob_char(o, ',');
            ob_char(o, x->code);
            ob_cu64(o, x->ref);
            side(o, x->side);
            ob_char(o, ',');
            blanc__ob_price(o, x->price, r->price_decimal, 0);
            ob_cu64(o, x->qty);
            if (r->kind == BLANC_EMIT_TRADES)
                ob_cu64(o, x->match);
        }
        end(o, r);
    }
}

const emit_format blanc__emit_csv = {header, record};
