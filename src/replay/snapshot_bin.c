/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The binary snapshot encoding (docs/SNAPSHOT.md): a 16-byte header, then the
 * sections META, INST and ORDR, each as
 *     tag[4]  u32 0  u64 length  payload[length]  u64 XXH3-64(payload)
 * all little-endian. The checksum follows its payload so a writer can stream
 * a day's million orders without holding them; a reader checks each section's
 * length and checksum before it trusts a byte of it, and names the section
 * and the offset of whatever it refuses.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/bytes.h"
#include "book/restore.h"
#include "health/image.h"
#include "replay/replay.h"
#include "replay/snapshot.h"

#define MAGIC "BLANCSNP"
#define HEADER_LEN 16
#define SECTION_HEAD 16
#define INST_LEN 40
#define ORDER_LEN 16
#define N_SECTIONS 3 /* version 1; version 2 adds HLTH */

/* ---- writing ----------------------------------------------------------- */

typedef struct swriter {
    blanc_sink *sink;
    XXH3_state_t *xxh;
    int err;
    size_t n;
    uint8_t b[65536];
} swriter;

static void sw_flush(swriter *w)
{
    if (w->n && !w->err) {
        XXH3_64bits_update(w->xxh, w->b, w->n);
        int rc = blanc_sink_write(w->sink, w->b, w->n);
        if (rc < 0)
            w->err = rc;
    }
    w->n = 0;
}

static void sw_le(swriter *w, uint64_t v, size_t width)
{
    if (sizeof w->b - w->n < width)
        sw_flush(w);
    for (size_t i = 0; i < width; i++, v >>= 8)
        w->b[w->n++] = (uint8_t)v;
}

static void sw_bytes(swriter *w, const void *p, size_t k)
{
    /* In pieces: a FEED blob (a TCP stream's bytes) may exceed the buffer. */
    const uint8_t *q = p;
    while (k) {
        if (w->n == sizeof w->b)
            sw_flush(w);
        size_t m = sizeof w->b - w->n < k ? sizeof w->b - w->n : k;
        memcpy(w->b + w->n, q, m);
        w->n += m;
        q += m;
        k -= m;
    }
}

/* Section header: written straight to the sink, outside the checksum. */
static void sw_begin(swriter *w, const char tag[4], uint64_t len)
{
    uint8_t h[SECTION_HEAD];
    memcpy(h, tag, 4);
    blanc_put_le32(h + 4, 0);
    blanc_put_le64(h + 8, len);
    if (!w->err) {
        int rc = blanc_sink_write(w->sink, h, sizeof h);
        if (rc < 0)
            w->err = rc;
    }
    XXH3_64bits_reset(w->xxh);
}

static void sw_end(swriter *w)
{
    sw_flush(w);
    uint8_t t[8];
    blanc_put_le64(t, XXH3_64bits_digest(w->xxh));
    if (!w->err) {
        int rc = blanc_sink_write(w->sink, t, sizeof t);
        if (rc < 0)
            w->err = rc;
    }
}

static int put_order(void *ctx, uint32_t price, uint64_t ref, uint32_t shares)
{
    swriter *w = ctx;
    sw_le(w, ref, 8);
    sw_le(w, price, 4);
    sw_le(w, shares, 4);
    return 0;
}

int snap_write_binary(const blanc_replay *r, blanc_sink *sink)
{
    uint64_t m[M_COUNT];
    snap_inst *in;
    uint32_t n;
    int rc = snap_gather(r, m, &in, &n);
    if (rc)
        return rc;
    swriter *w = malloc(sizeof *w);
    if (!w || !(w->xxh = XXH3_createState())) {
        free(w);
        free(in);
        return BLANC_ENOMEM;
    }
    w->sink = sink;
    w->err = 0;
    w->n = 0;
    health_image img;
    int have_health;
    if ((rc = snap_health_get(r, &img, &have_health)) != 0) {
        XXH3_freeState(w->xxh);
        free(w);
        free(in);
        return rc;
    }

    /* Without health the bytes of version 1, exactly; with it version 2;
     * with feed state (a capture's held packets and sequence numbers) 3. */
    int have_feed = r->feed_blob_len > 0;
    uint8_t h[HEADER_LEN];
    memcpy(h, MAGIC, 8);
    blanc_put_le32(h + 8, have_feed ? SNAP_VERSION_FEED
                                    : have_health ? SNAP_VERSION_HEALTH : SNAP_VERSION);
    blanc_put_le32(h + 12, (uint32_t)(N_SECTIONS + (have_health ? 1 : 0) + have_feed));
    w->err = blanc_sink_write(sink, h, sizeof h);

    sw_begin(w, "META", (uint64_t)M_COUNT * 8);
    for (int i = 0; i < M_COUNT; i++)
        sw_le(w, m[i], 8);
    sw_end(w);

    uint64_t orders = 0;
    sw_begin(w, "INST", 4 + (uint64_t)n * INST_LEN);
    sw_le(w, n, 4);
    for (uint32_t i = 0; i < n; i++) {
        sw_le(w, in[i].locate, 2);
        sw_bytes(w, in[i].symbol, 8);
        sw_le(w, (uint8_t)in[i].trading_state, 1);
        sw_le(w, 0, 5);
        sw_le(w, in[i].stream, 8);
        sw_le(w, in[i].changes, 8);
        sw_le(w, in[i].bid_orders, 4);
        sw_le(w, in[i].ask_orders, 4);
        orders += (uint64_t)in[i].bid_orders + in[i].ask_orders;
    }
    sw_end(w);

    sw_begin(w, "ORDR", orders * ORDER_LEN);
    for (uint32_t i = 0; i < n && !rc; i++) {
        rc = snap_orders_each(r->books, in[i].locate, 'B', put_order, w);
        if (!rc)
            rc = snap_orders_each(r->books, in[i].locate, 'S', put_order, w);
    }
    sw_end(w);
    if (have_health) {
        /* HLTH: config digest, the scalar count and scalars, then each list
         * as its record count and records, all u64 (docs/SNAPSHOT.md). */
        uint64_t len = 16 + (uint64_t)HI_COUNT * 8;
        for (int k = 0; k < HI_LISTS; k++)
            len += 8 + img.n[k] * health_image_width[k] * 8;
        sw_begin(w, "HLTH", len);
        sw_le(w, img.config_digest, 8);
        sw_le(w, HI_COUNT, 8);
        for (int i = 0; i < HI_COUNT; i++)
            sw_le(w, img.w[i], 8);
        for (int k = 0; k < HI_LISTS; k++) {
            sw_le(w, img.n[k], 8);
            for (uint64_t i = 0; i < img.n[k] * health_image_width[k]; i++)
                sw_le(w, img.list[k][i], 8);
        }
        sw_end(w);
    }
    if (have_feed) {
        sw_begin(w, "FEED", r->feed_blob_len);
        sw_bytes(w, r->feed_blob, r->feed_blob_len);
        sw_end(w);
    }
    health_image_free(&img);
    if (!rc)
        rc = w->err < 0 ? w->err : 0;
    XXH3_freeState(w->xxh);
    free(w);
    free(in);
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

/* Check the section at *off and return its payload bounds. */
static int section(const uint8_t *p, size_t n, size_t *off, const char tag[4],
                   const uint8_t **payload, uint64_t *len, blanc_snap_error *err)
{
    char t[5] = {0};
    memcpy(t, tag, 4);
    if (n - *off < SECTION_HEAD)
        return snap_fail(err, BLANC_EBADSNAP, t, *off,
                         "truncated: the file ends where section %s should begin", t);
    const uint8_t *s = p + *off;
    if (memcmp(s, tag, 4)) {
        char got[5];
        for (int i = 0; i < 4; i++)
            got[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? (char)s[i] : '?';
        got[4] = 0;
        return snap_fail(err, BLANC_EBADSNAP, t, *off, "expected section %s, found '%s'", t,
                         got);
    }
    uint64_t l = blanc_le64(s + 8);
    size_t room = n - *off - SECTION_HEAD;
    if (room < 8 || l > room - 8)
        return snap_fail(err, BLANC_EBADSNAP, t, *off,
                         "truncated: section %s needs %llu bytes and its checksum, %zu remain",
                         t, (unsigned long long)l, room);
    if (blanc_le32(s + 4) != 0)
        return snap_fail(err, BLANC_EBADSNAP, t, *off + 4, "reserved field is not zero");
    *payload = s + SECTION_HEAD;
    *len = l;
    uint64_t want = blanc_le64(*payload + l);
    if (XXH3_64bits(*payload, (size_t)l) != want)
        return snap_fail(err, BLANC_EBADSNAP, t, *off,
                         "checksum mismatch: section %s is damaged", t);
    *off += SECTION_HEAD + (size_t)l + 8;
    return 0;
}

/* HLTH (version 2): its layout checked against its length before anything is
 * allocated; what the words say is checked by blanc_health_resume(). */
static int read_health(const uint8_t *q, uint64_t len, size_t base, health_image *img,
                       blanc_snap_error *err)
{
    memset(img, 0, sizeof *img);
    if (len < 16 + (uint64_t)HI_COUNT * 8)
        return snap_fail(err, BLANC_EBADSNAP, "HLTH", base, "%llu bytes: too short",
                         (unsigned long long)len);
    img->config_digest = blanc_le64(q);
    if (blanc_le64(q + 8) != HI_COUNT)
        return snap_fail(err, BLANC_EBADSNAP, "HLTH", base + 8, "%llu scalars, version 2 has %d",
                         (unsigned long long)blanc_le64(q + 8), HI_COUNT);
    for (int i = 0; i < HI_COUNT; i++)
        img->w[i] = blanc_le64(q + 16 + 8 * (size_t)i);
    uint64_t at = 16 + (uint64_t)HI_COUNT * 8;
    for (int k = 0; k < HI_LISTS; k++) {
        if (len - at < 8) {
            health_image_free(img);
            return snap_fail(err, BLANC_EBADSNAP, "HLTH", base + at, "ends before its %s list",
                             health_image_list_name[k]);
        }
        uint64_t n = blanc_le64(q + at), wd = health_image_width[k];
        at += 8;
        if (n > (len - at) / (8 * wd)) {
            health_image_free(img);
            return snap_fail(err, BLANC_EBADSNAP, "HLTH", base + at - 8,
                             "%llu %s records do not fit in the section",
                             (unsigned long long)n, health_image_list_name[k]);
        }
        if (health_image_alloc(img, k, n)) {
            health_image_free(img);
            return BLANC_ENOMEM;
        }
        for (uint64_t i = 0; i < n * wd; i++, at += 8)
            img->list[k][i] = blanc_le64(q + at);
    }
    if (at != len) {
        health_image_free(img);
        return snap_fail(err, BLANC_EBADSNAP, "HLTH", base + at,
                         "%llu bytes after the last list", (unsigned long long)(len - at));
    }
    return 0;
}

static int read_order_list(blanc_replay *r, const snap_inst *in, uint32_t n, const uint8_t *o,
                           size_t base, blanc_snap_error *err);

static int read_orders(blanc_replay *r, const snap_inst *in, uint32_t n, const uint8_t *o,
                       uint64_t len, size_t base, blanc_snap_error *err)
{
    uint64_t need = 0;
    for (uint32_t i = 0; i < n; i++)
        need += (uint64_t)in[i].bid_orders + in[i].ask_orders;
    if (need * ORDER_LEN != len)
        return snap_fail(err, BLANC_EBADSNAP, "ORDR", base,
                         "holds %llu bytes, the instruments list %llu orders (%llu bytes)",
                         (unsigned long long)len, (unsigned long long)need,
                         (unsigned long long)(need * ORDER_LEN));
    /* The newest ref first: the orders far behind it go to the map (books_bulk),
     * not into an old page each, which would hold a few of them. A ref past
     * the direct index goes to the map anyway and says nothing of the day's
     * newest (taken as the top, it sent every order to the map). */
    uint64_t top = 0;
    for (uint64_t j = 0; j < need; j++) {
        uint64_t ref = blanc_le64(o + j * ORDER_LEN);
        if (books_ref_direct(ref) && ref > top)
            top = ref;
    }
    books_bulk(r->books, top);
    int rc = read_order_list(r, in, n, o, base, err);
    books_bulk_end(r->books);
    return rc;
}

/* The orders of read_orders, once their count is checked. */
static int read_order_list(blanc_replay *r, const snap_inst *in, uint32_t n, const uint8_t *o,
                           size_t base, blanc_snap_error *err)
{
    size_t at = 0;
    enum { AHEAD = 16 };
    for (uint32_t i = 0; i < n; i++) {
        for (int s = 0; s < 2; s++) {
            uint32_t k = s ? in[i].ask_orders : in[i].bid_orders, prev = 0;
            for (uint32_t j = 0; j < k; j++, at += ORDER_LEN) {
                const uint8_t *q = o + at;
                if (j + AHEAD < k) /* same instrument and side: its locate is known */
                    books_restore_prefetch(r->books, in[i].locate,
                                           blanc_le64(q + AHEAD * ORDER_LEN));
                int rc = snap_add_order(r, in[i].locate, s ? 'S' : 'B', &prev,
                                        blanc_le32(q + 8), blanc_le64(q), blanc_le32(q + 12),
                                        err, "ORDR", base + at);
                if (rc)
                    return rc;
            }
        }
    }
    return 0;
}

int snap_read_binary(blanc_replay **out, const uint8_t *p, size_t n, blanc_snap_error *err)
{
    if (n < HEADER_LEN)
        return snap_fail(err, BLANC_EBADSNAP, "header", 0,
                         "truncated: %zu bytes, the header alone is %d", n, HEADER_LEN);
    uint32_t version = blanc_le32(p + 8);
    if (version != SNAP_VERSION && version != SNAP_VERSION_HEALTH && version != SNAP_VERSION_FEED)
        return snap_fail(err, BLANC_EVERSION, "header", 8,
                         "snapshot format version %u; this build reads versions %d to %d",
                         version, SNAP_VERSION, SNAP_VERSION_FEED);
    int has_feed = version == SNAP_VERSION_FEED;
    int has_health = version == SNAP_VERSION_HEALTH ||
                     (has_feed && blanc_le32(p + 12) == N_SECTIONS + 2);
    uint32_t sections = (uint32_t)(N_SECTIONS + has_health + has_feed);
    if (blanc_le32(p + 12) != sections)
        return snap_fail(err, BLANC_EBADSNAP, "header", 12, "%u sections, version %u has %u",
                         blanc_le32(p + 12), version, sections);
    size_t off = HEADER_LEN;
    const uint8_t *meta, *inst, *ord;
    uint64_t meta_len, inst_len, ord_len;
    size_t inst_off, ord_off;
    int rc = section(p, n, &off, "META", &meta, &meta_len, err);
    if (rc)
        return rc;
    if (meta_len != (uint64_t)M_COUNT * 8 && (has_feed || meta_len != (uint64_t)M_COUNT_OLD * 8))
        return snap_fail(err, BLANC_EBADSNAP, "META", HEADER_LEN,
                         "%llu bytes, version %u has %d", (unsigned long long)meta_len, version,
                         M_COUNT * 8);
    inst_off = off + SECTION_HEAD;
    if ((rc = section(p, n, &off, "INST", &inst, &inst_len, err)))
        return rc;
    ord_off = off + SECTION_HEAD;
    if ((rc = section(p, n, &off, "ORDR", &ord, &ord_len, err)))
        return rc;
    const uint8_t *hl = NULL;
    uint64_t hl_len = 0;
    size_t hl_off = off + SECTION_HEAD;
    if (has_health && (rc = section(p, n, &off, "HLTH", &hl, &hl_len, err)))
        return rc;
    const uint8_t *fd = NULL;
    uint64_t fd_len = 0;
    if (has_feed && (rc = section(p, n, &off, "FEED", &fd, &fd_len, err)))
        return rc;
    if (off != n)
        return snap_fail(err, BLANC_EBADSNAP, "trailer", off,
                         "%zu unexpected bytes after the last section", n - off);

    uint64_t m[M_COUNT] = {0};
    for (uint64_t i = 0; i < meta_len / 8; i++)
        m[i] = blanc_le64(meta + 8 * i);
    if (inst_len < 4 || (inst_len - 4) % INST_LEN ||
        (inst_len - 4) / INST_LEN != blanc_le32(inst))
        return snap_fail(err, BLANC_EBADSNAP, "INST", inst_off,
                         "%llu bytes do not hold the %u instruments it announces",
                         (unsigned long long)inst_len, inst_len >= 4 ? blanc_le32(inst) : 0);
    uint32_t count = blanc_le32(inst);
    snap_inst *in = calloc(count ? count : 1, sizeof *in);
    if (!in)
        return BLANC_ENOMEM;
    blanc_replay *r = NULL;
    rc = snap_begin(&r, m, (size_t)(ord_len / ORDER_LEN), err);
    for (uint32_t i = 0; i < count && !rc; i++) {
        const uint8_t *q = inst + 4 + (size_t)i * INST_LEN;
        in[i].locate = blanc_le16(q);
        memcpy(in[i].symbol, q + 2, 8);
        in[i].trading_state = (char)q[10];
        in[i].stream = blanc_le64(q + 16);
        in[i].changes = blanc_le64(q + 24);
        in[i].bid_orders = blanc_le32(q + 32);
        in[i].ask_orders = blanc_le32(q + 36);
        rc = snap_add_instrument(r, &in[i], err, "INST", inst_off + 4 + (size_t)i * INST_LEN);
    }
    if (!rc)
        rc = read_orders(r, in, count, ord, ord_len, ord_off, err);
    if (!rc)
        rc = snap_finish(r, in, count, m, err);
    if (!rc && hl) {
        health_image img;
        if (!(rc = read_health(hl, hl_len, hl_off, &img, err)))
            rc = snap_health_keep(r, &img);
        else
            health_image_free(&img);
    }
    if (!rc && fd_len) {
        if (!(r->feed_blob = malloc((size_t)fd_len)))
            rc = BLANC_ENOMEM;
        else
            memcpy(r->feed_blob, fd, (size_t)fd_len), r->feed_blob_len = (size_t)fd_len;
    }
    free(in);
    if (rc) {
        blanc_replay_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
