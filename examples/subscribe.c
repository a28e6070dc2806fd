/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A subscriber of the C API (docs/API.md "Subscribers"): replay an ITCH file
 * and print, as CSV, every change of the best bid and offer (bbo) or every
 * trade print (trades) of the instruments asked for (all without any) — the
 * same rows as `blanc replay FILE --emit bbo|trades --format csv --no-health`,
 * but from two observers' per-instrument callbacks instead of the emitter.
 *
 *   subscribe bbo|trades FILE [SYMBOL...]
 *
 * It also shows that observers coexist: a second one counts every applied
 * message from its change record, and the counts go to stderr at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"

typedef struct printer {
    const blanc_books *books;
    FILE *out;
} printer;

typedef struct counter {
    uint64_t messages, book_changes, bbo_moves;
} counter;

/* The row's first columns: index, feed time, symbol (spaces trimmed), locate. */
static void prefix(const printer *p, const blanc_event *ev, uint64_t index)
{
    blanc_instrument in;
    if (blanc_books_instrument(p->books, ev->locate, &in) != 0)
        strcpy(in.symbol, "");
    size_t n = strlen(in.symbol);
    while (n && in.symbol[n - 1] == ' ')
        in.symbol[--n] = 0;
    fprintf(p->out, "%llu,%llu,%s,%u", (unsigned long long)index,
            (unsigned long long)ev->timestamp, in.symbol, (unsigned)ev->locate);
}

static int on_bbo(void *ctx, const blanc_event *ev, uint64_t index, const blanc_level *bid,
                  const blanc_level *ask)
{
    printer *p = ctx;
    prefix(p, ev, index);
    fprintf(p->out, ",%u,%llu,%u,%u,%llu,%u\n", bid->price, (unsigned long long)bid->shares,
            bid->orders, ask->price, (unsigned long long)ask->shares, ask->orders);
    return 0;
}

static int on_trade(void *ctx, const blanc_event *ev, uint64_t index, const blanc_trade *t)
{
    printer *p = ctx;
    prefix(p, ev, index);
    fprintf(p->out, ",%c,%llu,", t->type, (unsigned long long)t->ref);
    if (t->side)
        fputc(t->side, p->out);
    fprintf(p->out, ",%u,%llu,%llu\n", t->price, (unsigned long long)t->shares,
            (unsigned long long)t->match);
    return 0;
}

static int count(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    (void)ev, (void)index;
    counter *k = ctx;
    k->messages++;
    k->book_changes += c->rc == BLANC_APPLIED || c->rc == BLANC_EOVERFILL;
    k->bbo_moves += (c->flags & BLANC_CHANGE_BBO) != 0;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "bbo") && strcmp(argv[1], "trades"))) {
        fprintf(stderr, "usage: subscribe bbo|trades FILE [SYMBOL...]\n");
        return 2;
    }
    int bbo = !strcmp(argv[1], "bbo");
    size_t n_symbols = (size_t)(argc - 3);
    char (*symbols)[8] = calloc(n_symbols + 1, sizeof *symbols);
    for (size_t i = 0; i < n_symbols; i++)
        if (!symbols || blanc_symbol_pad(argv[3 + i], symbols[i]) != 0) {
            fprintf(stderr, "subscribe: bad symbol '%s'\n", argv[3 + i]);
            return 2;
        }
    blanc_source *src = NULL;
    blanc_feed *feed = NULL;
    int sys = 0, rc;
    char why[256] = "";
    blanc_replay *r;
    if ((rc = blanc_replay_create(&r, NULL)) != 0 ||
        (rc = blanc_source_open(&src, argv[2], &sys)) != 0 ||
        (rc = blanc_feed_open(&feed, src, NULL, why, sizeof why)) != 0) {
        fprintf(stderr, "subscribe: %s: %s %s\n", argv[2], blanc_strerror(rc),
                why);
        return 2;
    }
    printer p = {blanc_replay_books_const(r), stdout};
    counter k = {0, 0, 0};
    /* Two observers at once: the printer follows only the symbols asked for. */
    blanc_observer print = {.ctx = &p, .symbols = (const char (*)[8])symbols,
                            .n_symbols = n_symbols};
    if (bbo)
        print.on_bbo = on_bbo;
    else
        print.on_trade = on_trade;
    blanc_observer counting = {.ctx = &k, .on_message = count};
    if (blanc_replay_add_observer(r, &print) < 0 || blanc_replay_add_observer(r, &counting) < 0)
        return 2;
    printf(bbo ? "index,ts,symbol,locate,bid_price,bid_shares,bid_orders,ask_price,ask_shares,"
                 "ask_orders\n"
               : "index,ts,symbol,locate,type,ref,side,price,shares,match\n");
    rc = blanc_replay_run(r, feed);
    fprintf(stderr, "subscribe: %llu messages, %llu book changes, %llu BBO moves\n",
            (unsigned long long)k.messages, (unsigned long long)k.book_changes,
            (unsigned long long)k.bbo_moves);
    blanc_feed_free(feed);
    blanc_source_close(src);
    blanc_replay_free(r);
    free(symbols);
    if (rc < 0) {
        fprintf(stderr, "subscribe: %s\n", blanc_strerror(rc));
        return 1;
    }
    return 0;
}
