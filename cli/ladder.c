/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Book ladders and time/price formatting, shared by replay and snapshot show. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "blanc.h"
#include "cli.h"
#include "json.h"

void cli_fmt_time(uint64_t ns, char out[32])
{
    uint64_t s = ns / 1000000000u;
    snprintf(out, 32, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%09" PRIu64, s / 3600,
             s / 60 % 60, s % 60, ns % 1000000000u);
}

void cli_fmt_price(uint32_t p, char out[24])
{
    snprintf(out, 24, "%" PRIu32 ".%04" PRIu32, p / 10000, p % 10000);
}

/* The locate of a symbol as the user wrote it, or -1: also for a name no
 * symbol pads to (empty, too long), whose pad would be left unwritten. */
static int find_user(const blanc_books *b, const char *user)
{
    char pad[8];
    return blanc_symbol_pad(user, pad) < 0 ? -1 : blanc_books_find(b, pad);
}

void cli_ladder_text(FILE *f, const blanc_books *b, const char *user, uint64_t depth)
{
    int loc = find_user(b, user);
    if (loc < 0) {
        fprintf(f, "\n%s: not in the stock directory\n", user);
        return;
    }
    blanc_instrument in;
    blanc_books_instrument(b, (uint16_t)loc, &in);
    blanc_level *lv = malloc(depth * sizeof *lv);
    if (!lv)
        return;
    fprintf(f, "\n%s (locate %u, state %c, %" PRIu64 " live orders, %u bid / %u ask levels)\n", user,
           (unsigned)loc, in.trading_state ? in.trading_state : '-', in.orders, in.bid_levels,
           in.ask_levels);
    fprintf(f, "  %12s %8s %12s | %-12s %-12s %-8s\n", "bid orders", "shares", "bid", "ask", "shares",
           "orders");
    blanc_level *ask = malloc(depth * sizeof *ask);
    if (!ask) {
        free(lv);
        return;
    }
    int nb = blanc_books_levels(b, (uint16_t)loc, 'B', lv, depth);
    int na = blanc_books_levels(b, (uint16_t)loc, 'S', ask, depth);
    for (int i = 0; i < nb || i < na; i++) {
        char bp[24] = "", ap[24] = "", bs[24] = "", as[24] = "", bo[16] = "", ao[16] = "";
        if (i < nb) {
            cli_fmt_price(lv[i].price, bp);
            snprintf(bs, sizeof bs, "%" PRIu64, lv[i].shares);
            snprintf(bo, sizeof bo, "%" PRIu32, lv[i].orders);
        }
        if (i < na) {
            cli_fmt_price(ask[i].price, ap);
            snprintf(as, sizeof as, "%" PRIu64, ask[i].shares);
            snprintf(ao, sizeof ao, "%" PRIu32, ask[i].orders);
        }
        fprintf(f, "  %12s %8s %12s | %-12s %-12s %-8s\n", bo, bs, bp, ap, as, ao);
    }
    free(lv);
    free(ask);
}

void cli_ladder_json(jw *j, const blanc_books *b, const char *user, uint64_t depth)
{
    int loc = find_user(b, user);
    jw_open(j, user, '{');
    if (loc < 0) {
        jw_bool(j, "found", 0);
        jw_close(j, '}');
        return;
    }
    blanc_instrument in;
    blanc_books_instrument(b, (uint16_t)loc, &in);
    jw_bool(j, "found", 1);
    jw_u64(j, "locate", (uint64_t)loc);
    jw_u64(j, "orders", in.orders);
    blanc_level *lv = malloc(depth * sizeof *lv);
    for (int s = 0; s < 2 && lv; s++) {
        int n = blanc_books_levels(b, (uint16_t)loc, s ? 'S' : 'B', lv, depth);
        jw_open(j, s ? "asks" : "bids", '[');
        for (int i = 0; i < n; i++) {
            jw_open(j, NULL, '{');
            jw_u64(j, "price", lv[i].price);
            jw_u64(j, "shares", lv[i].shares);
            jw_u64(j, "orders", lv[i].orders);
            jw_close(j, '}');
        }
        jw_close(j, ']');
    }
    free(lv);
    jw_close(j, '}');
}

