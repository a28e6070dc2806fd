/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Snapshots: the state both encodings share, the rebuild both readers go
 * through, and the public entry points (docs/SNAPSHOT.md).
 *
 * A rebuilt state is trusted only after it proves itself: once every order is
 * back, the l3, l2 and stream digests are recomputed and must equal the ones
 * recorded when the snapshot was taken. A damaged file that slipped past the
 * checksums, or a hand-edited one, is refused there.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "book/restore.h"
#include "health/image.h"
#include "replay/replay.h"
#include "replay/snapshot.h"

int snap_fail(blanc_snap_error *err, int code, const char *section, uint64_t offset,
              const char *fmt, ...)
{
    if (err) {
        snprintf(err->section, sizeof err->section, "%s", section);
        err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->what, sizeof err->what, fmt, ap);
        va_end(ap);
    }
    return code;
}

static void snap_meta_get(const blanc_replay *r, uint64_t m[M_COUNT])
{
    const blanc_replay_stats *st = &r->st;
    blanc_books_stats bs;
    blanc_digests d;
    blanc_books_get_stats(r->books, &bs);
    blanc_replay_digests(r, &d);
    memset(m, 0, M_COUNT * sizeof *m);
    m[M_MESSAGES] = st->messages;
    m[M_BYTES] = st->bytes;
    m[M_BOOK_CHANGES] = st->book_changes;
    m[M_FIRST_TS] = st->first_timestamp;
    m[M_LAST_TS] = r->last_ts;
    m[M_HAVE_TS] = (uint64_t)r->have_ts;
    m[M_ENDED_MARKER] = (uint64_t)st->ended_by_session_marker;
    m[M_STOP_ERROR] = (uint64_t)(int64_t)st->stop_error;
    m[M_FINISHED] = (uint64_t)r->finished;
    m[M_FRAMING] = (uint64_t)r->opts.framing;
    m[M_STRICT] = (uint64_t)(r->opts.strict != 0);
    m[M_PEAK] = bs.peak_orders;
    m[M_INPUT_BYTES] = r->hashed;
    m[M_HAVE_INPUT_XXH3] = (uint64_t)r->have_prefix_digest;
    m[M_INPUT_XXH3] = r->have_prefix_digest ? r->prefix_digest : 0;
    m[M_L3] = d.l3;
    m[M_L2] = d.l2;
    m[M_STREAM] = d.stream;
    m[M_ANOMALIES_TOTAL] = st->anomalies_total;
    for (int t = 0; t < BLANC_ITCH_NTYPES; t++)
        m[M_BY_TYPE + t] = st->by_type[t];
    for (int a = 0; a < BLANC_AN_COUNT; a++) {
        m[M_ANOMALIES + 3 * a] = st->anomalies[a].count;
        m[M_ANOMALIES + 3 * a + 1] = st->anomalies[a].first_offset;
        m[M_ANOMALIES + 3 * a + 2] = st->anomalies[a].first_index;
    }
}

/* Orders on one side, from the level totals (no queue walk). */
static uint32_t side_orders(const blanc_books *b, uint16_t locate, char side, uint32_t nlev,
                            blanc_level *lv)
{
    uint32_t n = 0;
    int got = blanc_books_levels(b, locate, side, lv, nlev);
    for (int k = 0; k < got; k++)
        n += lv[k].orders;
    return n;
}

static int snap_insts_get(const blanc_replay *r, snap_inst **insts, uint32_t *n)
{
    const blanc_books *b = r->books;
    size_t count = blanc_books_symbols(b, NULL, 0);
    uint16_t *loc = malloc((count ? count : 1) * sizeof *loc);
    snap_inst *v = calloc(count ? count : 1, sizeof *v);
    blanc_level *lv = NULL;
    uint32_t lv_cap = 0;
    int rc = 0;
    if (!loc || !v) {
        rc = BLANC_ENOMEM;
        goto out;
    }
    blanc_books_symbols(b, loc, count);
    for (size_t i = 0; i < count; i++) {
        blanc_instrument in;
        blanc_books_instrument(b, loc[i], &in);
        uint32_t need = in.bid_levels > in.ask_levels ? in.bid_levels : in.ask_levels;
        if (need > lv_cap) {
            free(lv);
            lv_cap = need;
            if (!(lv = malloc(lv_cap * sizeof *lv))) {
                rc = BLANC_ENOMEM;
                goto out;
            }
        }
        v[i].locate = loc[i];
        memcpy(v[i].symbol, in.symbol, 8);
        v[i].trading_state = in.trading_state;
        blanc_books_book_digest(b, loc[i], &v[i].stream, &v[i].changes);
        v[i].bid_orders = side_orders(b, loc[i], 'B', in.bid_levels, lv);
        v[i].ask_orders = side_orders(b, loc[i], 'S', in.ask_levels, lv);
    }
out:
    free(loc);
    free(lv);
    if (rc) {
        free(v);
        return rc;
    }
    *insts = v;
    *n = (uint32_t)count;
    return 0;
}

int snap_gather(const blanc_replay *r, uint64_t m[M_COUNT], snap_inst **insts, uint32_t *n)
{
    snap_meta_get(r, m);
    return snap_insts_get(r, insts, n);
}

int snap_orders_each(const blanc_books *b, uint16_t locate, char side, snap_order_fn fn,
                     void *ctx)
{
    blanc_instrument in;
    int rc = blanc_books_instrument(b, locate, &in);
    if (rc)
        return rc;
    uint32_t nlev = side == 'B' ? in.bid_levels : in.ask_levels;
    if (!nlev)
        return 0;
    blanc_level *lv = malloc(nlev * sizeof *lv);
    size_t qcap = 64;
    blanc_order *q = malloc(qcap * sizeof *q);
    if (!lv || !q) {
        rc = BLANC_ENOMEM;
        goto out;
    }
    blanc_books_levels(b, locate, side, lv, nlev);
    for (uint32_t k = 0; k < nlev && !rc; k++) {
        if (lv[k].orders > qcap) {
            free(q);
            qcap = lv[k].orders;
            if (!(q = malloc(qcap * sizeof *q))) {
                rc = BLANC_ENOMEM;
                goto out;
            }
        }
        long got = blanc_books_queue(b, locate, side, lv[k].price, q, qcap);
        for (long i = 0; i < got && !rc; i++)
            rc = fn(ctx, q[i].price, q[i].ref, q[i].shares);
    }
out:
    free(lv);
    free(q);
    return rc;
}

int snap_begin(blanc_replay **out, const uint64_t m[M_COUNT], size_t orders_hint,
               blanc_snap_error *err)
{
    if (m[M_FRAMING] > BLANC_FRAMING_UDP || m[M_FRAMING] == BLANC_FRAMING_AUTO)
        return snap_fail(err, BLANC_EBADSNAP, "META", 0, "unknown framing %llu",
                         (unsigned long long)m[M_FRAMING]);
    blanc_replay_options o = {0};
    o.framing = (blanc_framing)m[M_FRAMING];
    o.strict = m[M_STRICT] != 0;
    /* Sized by the orders actually present (bounded by the file's size), never
     * by a recorded counter: a damaged peak must not become a huge allocation. */
    o.expected_orders = orders_hint;
    blanc_replay *r;
    int rc = blanc_replay_create(&r, &o);
    if (rc)
        return rc;
    blanc_replay_stats *st = &r->st;
    st->messages = m[M_MESSAGES];
    st->bytes = m[M_BYTES];
    st->book_changes = m[M_BOOK_CHANGES];
    st->first_timestamp = m[M_FIRST_TS];
    st->last_timestamp = r->last_ts = m[M_LAST_TS];
    r->have_ts = m[M_HAVE_TS] != 0;
    st->ended_by_session_marker = m[M_ENDED_MARKER] != 0;
    st->stop_error = (int)(int64_t)m[M_STOP_ERROR];
    r->finished = m[M_FINISHED] != 0;
    r->hashed = m[M_INPUT_BYTES];
    r->have_prefix_digest = m[M_HAVE_INPUT_XXH3] != 0;
    r->prefix_digest = m[M_INPUT_XXH3];
    r->opts.no_input_digest = !r->have_prefix_digest;
    st->anomalies_total = m[M_ANOMALIES_TOTAL];
    for (int t = 0; t < BLANC_ITCH_NTYPES; t++)
        st->by_type[t] = m[M_BY_TYPE + t];
    for (int a = 0; a < BLANC_AN_COUNT; a++) {
        st->anomalies[a].count = m[M_ANOMALIES + 3 * a];
        st->anomalies[a].first_offset = m[M_ANOMALIES + 3 * a + 1];
        st->anomalies[a].first_index = m[M_ANOMALIES + 3 * a + 2];
    }
    *out = r;
    return 0;
}

static void symbol_text(const char sym[8], char out[9])
{
    for (int i = 0; i < 8; i++)
        out[i] = (sym[i] >= 0x20 && sym[i] < 0x7f) ? sym[i] : '?';
    out[8] = 0;
}

int snap_add_instrument(blanc_replay *r, const snap_inst *in, blanc_snap_error *err,
                        const char *section, uint64_t offset)
{
    char t[9];
    symbol_text(in->symbol, t);
    if (in->locate == 0)
        return snap_fail(err, BLANC_EBADSNAP, section, offset, "instrument '%s' has locate 0",
                         t);
    int rc = books_restore_instrument(r->books, in->locate, in->symbol);
    if (rc == BLANC_ENOMEM)
        return rc;
    if (rc)
        return snap_fail(err, BLANC_EBADSNAP, section, offset,
                         "instrument '%s' (locate %u) repeats a locate or symbol", t,
                         in->locate);
    return 0;
}

int snap_add_order(blanc_replay *r, uint16_t locate, char side, uint32_t *prev_price,
                   uint32_t price, uint64_t ref, uint32_t shares, blanc_snap_error *err,
                   const char *section, uint64_t offset)
{
    /* Orders of a side arrive best level first; a price out of that order would
     * split a level's queue and could not be the image of a real book. */
    if (*prev_price && (side == 'B' ? price > *prev_price : price < *prev_price))
        return snap_fail(err, BLANC_EBADSNAP, section, offset,
                         "order %llu: price %u out of order on the %s side (after %u)",
                         (unsigned long long)ref, price, side == 'B' ? "bid" : "ask",
                         *prev_price);
    *prev_price = price;
    int rc = books_restore_order(r->books, locate, side, price, ref, shares);
    if (rc == BLANC_ENOMEM)
        return rc;
    if (rc == BLANC_EDUPREF)
        return snap_fail(err, BLANC_EBADSNAP, section, offset, "order %llu appears twice",
                         (unsigned long long)ref);
    if (rc)
        return snap_fail(err, BLANC_EBADSNAP, section, offset,
                         "order %llu: invalid price or shares (%s)", (unsigned long long)ref,
                         blanc_strerror(rc));
    return 0;
}

int snap_finish(blanc_replay *r, const snap_inst *insts, uint32_t n, const uint64_t m[M_COUNT],
                blanc_snap_error *err)
{
    for (uint32_t i = 0; i < n; i++)
        books_restore_state(r->books, insts[i].locate, insts[i].trading_state, insts[i].stream,
                            insts[i].changes);
    books_restore_peak(r->books, m[M_PEAK]);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    const char *which = d.l3 != m[M_L3] ? "l3" : d.l2 != m[M_L2] ? "l2"
                        : d.stream != m[M_STREAM] ? "stream" : NULL;
    if (which)
        return snap_fail(err, BLANC_EBADSNAP, "state", 0,
                         "rebuilt books do not match the recorded %s digest "
                         "(the snapshot was damaged or edited)", which);
    return 0;
}

int snap_health_get(const blanc_replay *r, health_image *img, int *have)
{
    memset(img, 0, sizeof *img);
    *have = r->health != NULL;
    return r->health ? health_image_get(r->health, img) : 0;
}

int snap_health_keep(blanc_replay *r, health_image *img)
{
    health_image *k = malloc(sizeof *k);
    if (!k) {
        health_image_free(img);
        return BLANC_ENOMEM;
    }
    *k = *img;
    memset(img, 0, sizeof *img);
    health_image_free(r->snap_health);
    free(r->snap_health);
    r->snap_health = k;
    return 0;
}

int blanc_snapshot_write(const blanc_replay *r, blanc_snap_format fmt, blanc_sink *sink)
{
    if (!r || !sink)
        return BLANC_EINVAL;
    if (r->opts.no_book)
        return BLANC_EUNSUPPORTED; /* a decode-only run has no books to save */
    switch (fmt) {
    case BLANC_SNAP_BINARY: return snap_write_binary(r, sink);
    case BLANC_SNAP_JSON: return snap_write_json(r, sink);
    default: return BLANC_EINVAL;
    }
}

int blanc_snapshot_format_of(const void *data, size_t len)
{
    const uint8_t *p = data;
    if (len >= 8 && !memcmp(p, "BLANCSNP", 8))
        return BLANC_SNAP_BINARY;
    size_t i = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r'))
        i++;
    return i < len && p[i] == '{' ? BLANC_SNAP_JSON : BLANC_EBADSNAP;
}

int blanc_snapshot_read(blanc_replay **out, const void *data, size_t len, blanc_snap_error *err)
{
    if (!out || (!data && len))
        return BLANC_EINVAL;
    *out = NULL;
    switch (blanc_snapshot_format_of(data, len)) {
    case BLANC_SNAP_BINARY: return snap_read_binary(out, data, len, err);
    case BLANC_SNAP_JSON: return snap_read_json(out, data, len, err);
    default: break;
    }
    return snap_fail(err, BLANC_EBADSNAP, "header", 0,
                     "not a Blanc snapshot (neither the BLANCSNP magic nor a JSON object)");
}

int blanc_snapshot_load(blanc_replay **out, const char *path, blanc_snap_error *err)
{
    blanc_source *src;
    int sys = 0;
    int rc = blanc_source_open(&src, path, &sys);
    if (rc) {
        errno = sys; /* the system's reason, as blanc.h promises */
        return rc;
    }
    blanc_source_set_hashing(src, 0);
    rc = blanc_snapshot_load_source(out, src, err);
    blanc_source_close(src);
    return rc;
}

int blanc_snapshot_load_source(blanc_replay **out, blanc_source *src, blanc_snap_error *err)
{
    int rc = 0;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        const uint8_t *p;
        size_t n;
        int more = blanc_source_next(src, &p, &n);
        if (n) {
            if (len + n > cap) {
                size_t nc = cap ? cap : 1 << 20;
                while (nc < len + n)
                    nc *= 2;
                uint8_t *nb = realloc(buf, nc);
                if (!nb) {
                    rc = BLANC_ENOMEM;
                    break;
                }
                buf = nb;
                cap = nc;
            }
            memcpy(buf + len, p, n);
            len += n;
            blanc_source_consume(src, n);
        }
        if (more < 0) {
            rc = snap_fail(err, more == BLANC_EIO ? BLANC_EIO : BLANC_EBADSNAP, "file", len,
                           "cannot read the snapshot file: %s", blanc_strerror(more));
            break;
        }
        if (more == 0)
            break;
    }
    if (!rc)
        rc = blanc_snapshot_read(out, buf, len, err);
    free(buf);
    return rc;
}
