/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The snapshot reader on arbitrary bytes. Every section of a binary snapshot
 * is checksummed, which would stop the fuzzer at the door, so when the first
 * byte is odd the harness re-seals each section's checksum before reading:
 * then mutations reach the payload parsers. A snapshot that is accepted must
 * be a consistent state (the reader also checked its digests). */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void reseal(uint8_t *p, size_t n)
{
    size_t off = 16;
    while (n >= 16 && !memcmp(p, "BLANCSNP", 8) && n - off >= 16) {
        uint64_t len = le64(p + off + 8);
        if (n - off - 16 < 8 || len > n - off - 16 - 8)
            return;
        uint64_t h = XXH3_64bits(p + off + 16, (size_t)len);
        memcpy(p + off + 16 + len, &h, 8);
        off += 16 + (size_t)len + 8;
    }
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* One book message on the restored books, encoded as a feed carries it. */
static int send(blanc_replay *r, const blanc_event *ev)
{
    uint8_t m[64];
    int n = blanc_itch_encode(ev, m, sizeof m);
    if (n <= 0)
        abort(); /* a well-formed event always encodes */
    return blanc_replay_message(r, m, (size_t)n, 0);
}

/* Where a restored order may be: up to CAP of them, a few of each side of a
 * few instruments, the best levels first. */
enum { CAP = 48 };
static size_t some_orders(const blanc_books *b, blanc_order *out)
{
    uint16_t locs[6];
    size_t nl = blanc_books_symbols(b, locs, 6), got = 0;
    for (size_t i = 0; i < nl && i < 6; i++) {
        for (int s = 0; s < 2; s++) {
            char side = s ? 'S' : 'B';
            blanc_level lv[3];
            int k = blanc_books_levels(b, locs[i], side, lv, 3);
            for (int j = 0; j < k && got < CAP; j++) {
                blanc_order q[3];
                long in = blanc_books_queue(b, locs[i], side, lv[j].price, q, 3);
                for (long x = 0; x < in && x < 3 && got < CAP; x++)
                    out[got++] = q[x];
            }
        }
    }
    return got;
}

/* Go on from an accepted snapshot: executions, cancels, deletes and
 * replaces of its orders and new orders at its prices. Each message's
 * result says what must have happened to its order (an anomaly, strict
 * mode's stop included, leaves it as it was; an overfill outside strict
 * mode takes it out), and the books must check after them all. */
static void go_on(blanc_replay *r, const uint8_t *data, size_t size)
{
    blanc_books *b = blanc_replay_books(r);
    const blanc_replay_options *op = blanc_replay_get_options(r);
    if (!b || !op || op->no_book)
        return;
    int strict = op->strict;
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    blanc_order o[CAP];
    size_t n = some_orders(b, o);
    uint64_t seed = XXH3_64bits(data, size), fresh = 1;
    for (size_t i = 0; i < n; i++)
        fresh = o[i].ref >= fresh ? o[i].ref + 1 : fresh;
    for (size_t i = 0; i < n; i++) {
        blanc_order was;
        if (blanc_books_order(b, o[i].locate, o[i].ref, &was) != 0)
            continue; /* a replace of an earlier one took it */
        uint64_t z = mix(&seed);
        blanc_event ev;
        memset(&ev, 0, sizeof ev);
        ev.locate = was.locate;
        ev.timestamp = st.last_timestamp;
        ev.ref = was.ref;
        ev.match = i + 1;
        uint32_t k = (uint32_t)(1 + (z >> 8) % was.shares);
        if (z >> 40 & 1)
            k = was.shares + (uint32_t)(z >> 41 & 1); /* all of it, or an overfill */
        static const char ops[] = "ECXDUA";
        ev.type = ops[z % 6];
        ev.shares = k;
        if (ev.type == 'C') {
            ev.price = was.price;
            ev.u.printable = 'Y';
        } else if (ev.type == 'U' || ev.type == 'A') {
            blanc_instrument in;
            if (blanc_books_instrument(b, was.locate, &in))
                abort(); /* it holds an order */
            memcpy(ev.stock, in.symbol, 8);
            ev.new_ref = fresh++;
            ev.price = (uint32_t)(was.price + (z >> 48) % 3) - 1u;
            ev.price = ev.price ? ev.price : 1;
            if (ev.type == 'A') {
                ev.ref = ev.new_ref;
                ev.side = was.side;
            }
        }
        int rc = send(r, &ev);
        int done = rc == BLANC_APPLIED || (rc == BLANC_EOVERFILL && !strict);
        blanc_order now;
        int left = blanc_books_order(b, was.locate, was.ref, &now) == 0;
        if (!done || ev.type == 'A') {
            if (!left || now.shares != was.shares || now.price != was.price)
                abort(); /* not applied (or a new order): the old one as it was */
        } else if (ev.type == 'D' || ev.type == 'U' || rc == BLANC_EOVERFILL ||
                   k >= was.shares) {
            if (left)
                abort(); /* gone */
        } else if (!left || now.shares != was.shares - k || now.price != was.price) {
            abort(); /* it lost exactly k shares */
        }
        if (done && (ev.type == 'U' || ev.type == 'A')) {
            if (blanc_books_order(b, was.locate, ev.new_ref, &now) != 0 ||
                now.shares != ev.shares || now.price != ev.price || now.side != was.side)
                abort(); /* the new order, as sent */
        }
    }
    if (blanc_books_check(b) != 0)
        abort();
}

static int to_buf(void *ctx, const void *p, size_t n)
{
    struct { uint8_t *p; size_t n, cap; } *w = ctx;
    if (w->n + n > w->cap) {
        size_t cap = (w->n + n) * 2;
        uint8_t *q = realloc(w->p, cap);
        if (!q)
            return -1;
        w->p = q;
        w->cap = cap;
    }
    memcpy(w->p + w->n, p, n);
    w->n += n;
    return 0;
}

/* The state gone on to writes as a snapshot that reads back to it. */
static void round_trip(const blanc_replay *r)
{
    struct { uint8_t *p; size_t n, cap; } w = {NULL, 0, 0};
    blanc_sink *s;
    if (blanc_sink_open_fn(&s, to_buf, &w))
        abort();
    int wr = blanc_snapshot_write(r, BLANC_SNAP_BINARY, s);
    int cr = blanc_sink_commit(s);
    if (wr == 0 && cr == 0) {
        blanc_replay *back = NULL;
        if (blanc_snapshot_read(&back, w.p, w.n, NULL) != 0)
            abort();
        blanc_digests a, c;
        blanc_replay_digests(r, &a);
        blanc_replay_digests(back, &c);
        if (a.l3 != c.l3 || a.l2 != c.l2 || a.stream != c.stream)
            abort();
        blanc_replay_free(back);
    } else if (wr != BLANC_ENOMEM && cr != BLANC_ENOMEM && wr != 0) {
        abort();
    }
    free(w.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, n);
    if (data[0] & 1)
        reseal(copy, n);
    blanc_replay *r = NULL;
    blanc_snap_error err;
    int rc = blanc_snapshot_read(&r, copy, n, &err);
    if (rc == 0) {
        if (blanc_books_check(blanc_replay_books(r)) != 0)
            abort();
        /* The health section: a tracker of the default configuration (the one
         * the corpus snapshots were taken with, so mutations get past the
         * config digest to the checker) takes it or refuses it cleanly; one
         * it takes must go on observing without fault. */
        blanc_health_config c;
        blanc_health_config_default(&c);
        blanc_health *h;
        if (blanc_health_create(&h, &c))
            abort();
        int hr = blanc_health_resume(h, r, &err);
        if (hr == 0) {
            blanc_replay_set_health(r, h);
            static const uint8_t msgs[][12] = {
                {'S', 0, 0, 0, 0, 0x1f, 0x1a, 0x71, 0xfb, 0x04, 0x00, 'Q'}, /* 09:30 */
                {'Z', 1, 2, 3},                                          /* unknown type */
                {'S', 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'O'}, /* back, reset */
            };
            for (int k = 0; k < 40; k++)
                blanc_replay_message(r, msgs[k % 3], k % 3 == 1 ? 4 : 12, 0);
            blanc_health_stats st;
            blanc_health_get_stats(h, &st);
            blanc_replay_set_health(r, NULL);
        } else if (hr != BLANC_ENOTFOUND && hr != BLANC_EMISMATCH && hr != BLANC_EBADSNAP &&
                   hr != BLANC_ENOMEM) {
            abort();
        }
        blanc_health_free(h);
        go_on(r, data, size);
        round_trip(r);
        blanc_replay_free(r);
    } else if (rc != BLANC_EBADSNAP && rc != BLANC_EVERSION && rc != BLANC_ENOMEM) {
        abort();
    } else if (r) {
        abort(); /* a refusal leaves nothing behind */
    }
    free(copy);
    return 0;
}
