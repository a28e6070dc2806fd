/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * LOBSTER output (docs/EMIT.md "LOBSTER"): for each chosen symbol, a message
 * row per event and the top-N book after it, as lobsterdata.com's files are.
 *
 * An observer of the replay: the change record gives the order before and
 * after each message (side, price, shares removed), so each row is built
 * without looking the order up. The book row is the top N after the message,
 * kept per symbol; book events (types 1 to 4) are written only when they
 * change it — LOBSTER's message file holds "the events causing an update of
 * the limit order book in the requested price range" — while trades,
 * crosses and trading states (5, 6, 7) are always written, with the
 * unchanged row. A replace (U) is two events, a deletion then an add, each
 * with its own row: the one between is the book after U without the new order.
 */
#include <stdlib.h>
#include <string.h>

#include "out/lobster.h"

typedef struct lob_sym {
    int64_t *row; /* 4 * depth: the top N now */
    uint64_t rows;
} lob_sym;

struct blanc_lobster {
    blanc_replay *r;
    int obs_id;
    const blanc_books *b;
    blanc_lobster_options o;
    char (*symbols)[8];
    lob_sym *s;
    int16_t *index; /* per locate: -1 not known yet, else the symbol's index */
    blanc_level *lv; /* 2 * (depth + 1) */
    int64_t *mid, *now; /* scratch rows */
    lob_files *files;
};

/* The top N of a book as a row; without_* names an order to leave out (the
 * new order of a U, for the row between its two events). */
static void book_row(blanc_lobster *l, uint16_t locate, int64_t *row, const blanc_order *without)
{
    uint32_t d = l->o.depth;
    blanc_level *lv[2] = {l->lv, l->lv + d + 1};
    int n[2];
    n[0] = blanc_books_levels(l->b, locate, 'S', lv[0], d + 1);
    n[1] = blanc_books_levels(l->b, locate, 'B', lv[1], d + 1);
    for (int s = 0; s < 2; s++) {
        if (n[s] < 0)
            n[s] = 0;
        if (without && without->side == (s ? 'B' : 'S')) {
            for (int k = 0; k < n[s]; k++) {
                if (lv[s][k].price != without->price)
                    continue;
                lv[s][k].shares -= without->shares;
                if (--lv[s][k].orders == 0) {
                    memmove(&lv[s][k], &lv[s][k + 1], (size_t)(n[s] - k - 1) * sizeof **lv);
                    n[s]--;
                }
                break;
            }
        }
    }
    for (uint32_t k = 0; k < d; k++) {
        int64_t *c = row + 4 * k;
        c[0] = (int)k < n[0] ? (int64_t)lv[0][k].price : BLANC_LOBSTER_EMPTY_ASK;
        c[1] = (int)k < n[0] ? (int64_t)lv[0][k].shares : 0;
        c[2] = (int)k < n[1] ? (int64_t)lv[1][k].price : BLANC_LOBSTER_EMPTY_BID;
        c[3] = (int)k < n[1] ? (int64_t)lv[1][k].shares : 0;
    }
}

static int same_row(const blanc_lobster *l, const int64_t *a, const int64_t *b)
{
    return !memcmp(a, b, 4 * l->o.depth * sizeof *a);
}

static int emit_row(blanc_lobster *l, size_t i, const blanc_event *ev, int type, int64_t id,
                    uint64_t size, int64_t price, int dir, const int64_t *book)
{
    blanc_lobster_row row = {ev->timestamp, type, id, size, price, dir, book};
    l->s[i].rows++;
    if (l->o.on_row)
        return l->o.on_row(l->o.ctx, i, &row);
    blanc__lob_files_row(l->files, i, &row, l->o.depth);
    return 0;
}

static int dir_of(char side) { return side == 'B' ? 1 : -1; }

/* The symbol index of a locate (the observer's filter let only ours in). */
static int sym_index(blanc_lobster *l, uint16_t locate)
{
    if (l->index[locate] < 0) {
        blanc_instrument in;
        if (blanc_books_instrument(l->b, locate, &in))
            return -1;
        for (size_t i = 0; i < l->o.n_symbols; i++)
            if (!memcmp(l->symbols[i], in.symbol, 8))
                l->index[locate] = (int16_t)i;
    }
    return l->index[locate];
}

static int64_t cross_id(char cross_type)
{
    return cross_type == 'O' ? -1 : cross_type == 'C' ? -2 : -3;
}

static int on_message(void *ctx, const blanc_event *ev, uint64_t index, const blanc_change *c)
{
    (void)index;
    blanc_lobster *l = ctx;
    int i = sym_index(l, ev->locate);
    if (i < 0)
        return 0;
    int64_t *cur = l->s[i].row;
    int in = ev->timestamp >= l->o.from_ns && ev->timestamp < l->o.to_ns;
    int changed = c->rc == BLANC_APPLIED || c->rc == BLANC_EOVERFILL;
    int rc = 0;
    if (!changed) {
        if (!in)
            return 0;
        if (ev->type == 'P')
            return emit_row(l, (size_t)i, ev, 5, (int64_t)ev->ref, ev->shares, ev->price,
                            dir_of(ev->side), cur);
        if (ev->type == 'Q')
            return emit_row(l, (size_t)i, ev, 6, cross_id(ev->u.cross.cross_type),
                            ev->u.cross.shares, ev->price, -1, cur);
        if (ev->type == 'H' && c->rc == BLANC_NOEFFECT) {
            char st = ev->u.trading.state;
            int64_t p = st == 'T' ? 1 : st == 'Q' ? 0 : -1;
            return emit_row(l, (size_t)i, ev, 7, 0, 0, p, -1, cur);
        }
        return 0;
    }
    const blanc_order *pre = &c->before;
    uint64_t left = c->flags & BLANC_CHANGE_AFTER ? c->after.shares : 0;
    int64_t *now = l->now;
    if (ev->type == 'U') {
        book_row(l, ev->locate, l->mid, &c->after);
        if (in && !same_row(l, cur, l->mid))
            rc = emit_row(l, (size_t)i, ev, 3, (int64_t)ev->ref, pre->shares, pre->price,
                          dir_of(pre->side), l->mid);
        book_row(l, ev->locate, now, NULL);
        if (!rc && in && !same_row(l, l->mid, now))
            rc = emit_row(l, (size_t)i, ev, 1, (int64_t)ev->new_ref, ev->shares, ev->price,
                          dir_of(pre->side), now);
    } else {
        book_row(l, ev->locate, now, NULL);
        if (in && !same_row(l, cur, now)) {
            switch (ev->type) {
            case 'A':
            case 'F':
                rc = emit_row(l, (size_t)i, ev, 1, (int64_t)ev->ref, ev->shares, ev->price,
                              dir_of(ev->side), now);
                break;
            case 'X':
            case 'D':
            case 'E':
            case 'C':
                rc = emit_row(l, (size_t)i, ev, ev->type == 'X' ? 2 : ev->type == 'D' ? 3 : 4,
                              (int64_t)ev->ref, pre->shares - left, pre->price,
                              dir_of(pre->side), now);
                break;
            default: break;
            }
        }
    }
    memcpy(cur, now, 4 * l->o.depth * sizeof *cur);
    return rc;
}

static int valid_date(const char *d)
{
    if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return 0;
    for (int k = 0; k < 10; k++)
        if (k != 4 && k != 7 && (d[k] < '0' || d[k] > '9'))
            return 0;
    int mo = (d[5] - '0') * 10 + d[6] - '0', dd = (d[8] - '0') * 10 + d[9] - '0';
    return mo >= 1 && mo <= 12 && dd >= 1 && dd <= 31;
}

void blanc_lobster_free(blanc_lobster *l)
{
    if (!l)
        return;
    if (l->obs_id >= 0)
        blanc_replay_remove_observer(l->r, l->obs_id);
    blanc__lob_files_free(l->files);
    if (l->s)
        for (size_t i = 0; i < l->o.n_symbols; i++)
            free(l->s[i].row);
    free(l->s);
    free(l->symbols);
    free(l->index);
    free(l->lv);
    free(l->mid);
    free(l->now);
    free(l);
}

int blanc_lobster_create(blanc_lobster **out, blanc_replay *r, const blanc_lobster_options *o,
                         int *sys_errno, char *path, size_t cap)
{
    int sys = 0;
    if (sys_errno)
        *sys_errno = 0;
    if (cap)
        path[0] = 0;
    if (!out || !r || !o || !o->symbols || !o->n_symbols ||
        o->n_symbols > BLANC_LOBSTER_MAX_SYMBOLS || !o->depth ||
        o->depth > BLANC_LOBSTER_MAX_DEPTH || (!o->dir && !o->on_row) ||
        (o->dir && !valid_date(o->date)))
        return BLANC_EINVAL;
    blanc_lobster_options opt = *o;
    if (!opt.from_ns && !opt.to_ns) {
        opt.from_ns = UINT64_C(34200000) * 1000000u; /* 09:30 */
        opt.to_ns = UINT64_C(57600000) * 1000000u;   /* 16:00 */
    }
    if (opt.from_ns >= opt.to_ns)
        return BLANC_EINVAL;
    for (size_t i = 0; i < o->n_symbols; i++) {
        char name[64];
        if (blanc_lobster_file_name(name, sizeof name, o->symbols[i], "0000-00-00", 0, 0, 1, 0) <
            0)
            return BLANC_EINVAL;
    }
    blanc_lobster *l = calloc(1, sizeof *l);
    if (!l)
        return BLANC_ENOMEM;
    l->r = r;
    l->obs_id = -1;
    l->b = blanc_replay_books_const(r);
    l->o = opt;
    size_t d = opt.depth;
    l->symbols = malloc(o->n_symbols * sizeof *l->symbols);
    l->s = calloc(o->n_symbols, sizeof *l->s);
    l->index = malloc(65536 * sizeof *l->index);
    l->lv = calloc(2 * (d + 1), sizeof *l->lv);
    l->mid = calloc(4 * d, sizeof *l->mid);
    l->now = calloc(4 * d, sizeof *l->now);
    if (!l->symbols || !l->s || !l->index || !l->lv || !l->mid || !l->now) {
        blanc_lobster_free(l);
        return BLANC_ENOMEM;
    }
    memcpy(l->symbols, o->symbols, o->n_symbols * sizeof *l->symbols);
    l->o.symbols = (const char (*)[8])l->symbols;
    memset(l->index, 0xff, 65536 * sizeof *l->index);
    for (size_t i = 0; i < o->n_symbols; i++) {
        if (!(l->s[i].row = calloc(4 * d, sizeof *l->s[i].row))) {
            blanc_lobster_free(l);
            return BLANC_ENOMEM;
        }
    }
    /* Rows follow the books as they are now (a resumed replay's, or empty). */
    for (size_t i = 0; i < o->n_symbols; i++) {
        int loc = blanc_books_find(l->b, l->symbols[i]);
        book_row(l, loc >= 0 ? (uint16_t)loc : 0, l->s[i].row, NULL);
    }
    int rc;
    if (opt.dir && (rc = blanc__lob_files_open(&l->files, &l->o, &sys, path, cap))) {
        if (sys_errno)
            *sys_errno = sys;
        blanc_lobster_free(l);
        return rc;
    }
    blanc_observer ob = {.ctx = l, .on_message = on_message, .symbols = l->o.symbols,
                         .n_symbols = l->o.n_symbols};
    if ((rc = blanc_replay_add_observer(r, &ob)) < 0) {
        blanc_lobster_free(l);
        return rc;
    }
    l->obs_id = rc;
    *out = l;
    return 0;
}

int blanc_lobster_finish(blanc_lobster *l, int *sys_errno, char *path, size_t cap)
{
    int sys = 0;
    int rc = l->files ? blanc__lob_files_finish(l->files, &sys, path, cap) : 0;
    if (sys_errno)
        *sys_errno = sys;
    return rc;
}

int blanc_lobster_commit(blanc_lobster *l, int *sys_errno, char *path, size_t cap)
{
    int sys = 0;
    int rc = l->files ? blanc__lob_files_commit(l->files, &sys, path, cap) : 0;
    if (sys_errno)
        *sys_errno = sys;
    return rc;
}

uint64_t blanc_lobster_rows(const blanc_lobster *l, size_t i)
{
    return i < l->o.n_symbols ? l->s[i].rows : 0;
}

void blanc_lobster_unlink_temp(const blanc_lobster *l)
{
    if (l)
        blanc__lob_files_unlink(l->files);
}
