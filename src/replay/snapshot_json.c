/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The canonical JSON snapshot encoding (docs/SNAPSHOT.md): one line, keys in
 * sorted order, no spaces, integers only (digests as 16-hex-digit strings), so
 * Python's json.dumps(doc, sort_keys=True, separators=(",", ":")) of the same
 * document is the same bytes — which is how the reference implementation
 * writes the golden snapshots. Written by hand (a day can hold millions of
 * orders, and a DOM would cost gigabytes); read with jansson.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "health/image.h"
#include "out/obuf.h"
#include "replay/replay.h"
#include "replay/snapshot.h"

/* ---- writing ----------------------------------------------------------- */

typedef struct lvwriter {
    obuf *o;
    uint32_t price;
    int open; /* a level array is open */
} lvwriter;

static int put_order(void *ctx, uint32_t price, uint64_t ref, uint32_t shares)
{
    lvwriter *w = ctx;
    if (!w->open || price != w->price) {
        ob_str(w->o, w->open ? "]],[" : "[");
        ob_u64(w->o, price);
        ob_str(w->o, ",[");
        w->price = price;
        w->open = 1;
    } else {
        ob_char(w->o, ',');
    }
    ob_char(w->o, '[');
    ob_u64(w->o, ref);
    ob_char(w->o, ',');
    ob_u64(w->o, shares);
    ob_char(w->o, ']');
    return 0;
}

static int put_side(obuf *o, const blanc_books *b, uint16_t locate, char side)
{
    lvwriter w = {o, 0, 0};
    ob_char(o, '[');
    int rc = snap_orders_each(b, locate, side, put_order, &w);
    if (w.open)
        ob_str(o, "]]");
    ob_char(o, ']');
    return rc;
}

static void put_key(obuf *o, const char *k)
{
    ob_char(o, '"');
    ob_str(o, k);
    ob_str(o, "\":");
}

static void put_hex(obuf *o, uint64_t v)
{
    ob_char(o, '"');
    ob_hex64(o, v);
    ob_char(o, '"');
}

static int cmp_anomaly(const void *a, const void *b)
{
    return strcmp(blanc_anomaly_key((blanc_anomaly) * (const int *)a),
                  blanc_anomaly_key((blanc_anomaly) * (const int *)b));
}

/* The 23 type bytes in byte order: the sorted keys of "by_type". */
static const char types_sorted[] = "ABCDEFHIJKLNOPQRSUVWXYh";

/* The members of "replay", in their (sorted) order: one table for the writer
 * and the reader. kind: 'u' an integer up to max, 'i' stop_error (<= 0),
 * 'f' framing, 'a' the anomalies object, 't' the by_type object. */
static const struct replay_field {
    const char *key;
    char kind;
    int slot;
    uint64_t max;
} replay_fields[] = {
    {"anomalies", 'a', 0, 0},
    {"anomalies_total", 'u', M_ANOMALIES_TOTAL, UINT64_MAX},
    {"book_changes", 'u', M_BOOK_CHANGES, UINT64_MAX},
    {"by_type", 't', 0, 0},
    {"bytes", 'u', M_BYTES, UINT64_MAX},
    {"ended_by_session_marker", 'u', M_ENDED_MARKER, 1},
    {"finished", 'u', M_FINISHED, 1},
    {"first_timestamp", 'u', M_FIRST_TS, UINT64_MAX},
    {"framing", 'f', M_FRAMING, 0},
    {"have_timestamp", 'u', M_HAVE_TS, 1},
    {"last_timestamp", 'u', M_LAST_TS, UINT64_MAX},
    {"messages", 'u', M_MESSAGES, UINT64_MAX},
    {"peak_orders", 'u', M_PEAK, UINT64_MAX},
    {"stop_error", 'i', M_STOP_ERROR, 0},
    {"strict", 'u', M_STRICT, 1},
};
#define N_REPLAY_FIELDS (sizeof replay_fields / sizeof *replay_fields)

static void put_anomalies(obuf *o, const uint64_t m[M_COUNT])
{
    int an[BLANC_AN_COUNT];
    for (int a = 0; a < BLANC_AN_COUNT; a++)
        an[a] = a;
    qsort(an, BLANC_AN_COUNT, sizeof *an, cmp_anomaly);
    ob_char(o, '{');
    for (int k = 0; k < BLANC_AN_COUNT; k++) {
        int a = an[k];
        if (k)
            ob_char(o, ',');
        put_key(o, blanc_anomaly_key((blanc_anomaly)a));
        ob_str(o, "{\"count\":");
        ob_u64(o, m[M_ANOMALIES + 3 * a]);
        ob_str(o, ",\"first_index\":");
        ob_u64(o, m[M_ANOMALIES + 3 * a + 2]);
        ob_str(o, ",\"first_offset\":");
        ob_u64(o, m[M_ANOMALIES + 3 * a + 1]);
        ob_char(o, '}');
    }
    ob_char(o, '}');
}

static void put_by_type(obuf *o, const uint64_t m[M_COUNT])
{
    ob_char(o, '{');
    for (int k = 0; k < BLANC_ITCH_NTYPES; k++) {
        int t = blanc_itch_type_index((uint8_t)types_sorted[k]);
        char key[2] = {types_sorted[k], 0};
        if (k)
            ob_char(o, ',');
        put_key(o, key);
        ob_u64(o, m[M_BY_TYPE + t]);
    }
    ob_char(o, '}');
}

static void put_replay(obuf *o, const uint64_t m[M_COUNT])
{
    for (size_t i = 0; i < N_REPLAY_FIELDS; i++) {
        const struct replay_field *f = &replay_fields[i];
        ob_char(o, i ? ',' : '{');
        put_key(o, f->key);
        switch (f->kind) {
        case 'a': put_anomalies(o, m); break;
        case 't': put_by_type(o, m); break;
        case 'f':
            ob_char(o, '"');
            ob_str(o, blanc_framing_name((blanc_framing)m[f->slot]));
            ob_char(o, '"');
            break;
        case 'i': ob_i64(o, (int64_t)m[f->slot]); break;
        default: ob_u64(o, m[f->slot]); break;
        }
    }
    ob_char(o, '}');
}

/* Scalar indexes in the order of their names: the sorted keys of "scalars". */
static int cmp_scalar(const void *a, const void *b)
{
    return strcmp(health_image_scalar_name[*(const int *)a],
                  health_image_scalar_name[*(const int *)b]);
}

static void scalar_order(int ord[HI_COUNT])
{
    for (int i = 0; i < HI_COUNT; i++)
        ord[i] = i;
    qsort(ord, HI_COUNT, sizeof ord[0], cmp_scalar);
}

/* "health": {"config", "events", "hwm", "scalars", "scopes", "timers"} (sorted). */
static void put_health(obuf *o, const health_image *img)
{
    static const int list_at[] = {2, 1, -1, 0, 3}; /* events, hwm, (scalars), scopes, timers */
    static const char *const keys[] = {"events", "hwm", "scalars", "scopes", "timers"};
    ob_str(o, "\"health\":{\"config\":");
    put_hex(o, img->config_digest);
    for (int q = 0; q < 5; q++) {
        ob_str(o, ",\"");
        ob_str(o, keys[q]);
        ob_str(o, "\":");
        int k = list_at[q];
        if (k < 0) {
            int ord[HI_COUNT];
            scalar_order(ord);
            for (int i = 0; i < HI_COUNT; i++) {
                ob_str(o, i ? ",\"" : "{\"");
                ob_str(o, health_image_scalar_name[ord[i]]);
                ob_str(o, "\":");
                ob_u64(o, img->w[ord[i]]);
            }
            ob_char(o, '}');
            continue;
        }
        ob_char(o, '[');
        const uint64_t *p = img->list[k];
        for (uint64_t i = 0; i < img->n[k]; i++) {
            ob_str(o, i ? ",[" : "[");
            for (unsigned c = 0; c < health_image_width[k]; c++) {
                if (c)
                    ob_char(o, ',');
                ob_u64(o, *p++);
            }
            ob_char(o, ']');
        }
        ob_char(o, ']');
    }
    ob_str(o, "},");
}

int snap_write_json(const blanc_replay *r, blanc_sink *sink)
{
    uint64_t m[M_COUNT];
    snap_inst *in;
    uint32_t n;
    int rc = snap_gather(r, m, &in, &n);
    if (rc)
        return rc;
    obuf *o = malloc(sizeof *o);
    if (!o) {
        free(in);
        return BLANC_ENOMEM;
    }
    o->sink = sink;
    o->err = 0;
    o->n = 0;
    health_image img;
    int have_health;
    if ((rc = snap_health_get(r, &img, &have_health)) != 0) {
        free(o);
        free(in);
        return rc;
    }
    ob_str(o, "{\"books\":[");
    for (uint32_t i = 0; i < n && !rc; i++) {
        if (i)
            ob_char(o, ',');
        ob_str(o, "{\"asks\":");
        rc = put_side(o, r->books, in[i].locate, 'S');
        ob_str(o, ",\"bids\":");
        if (!rc)
            rc = put_side(o, r->books, in[i].locate, 'B');
        ob_str(o, ",\"changes\":");
        ob_u64(o, in[i].changes);
        ob_str(o, ",\"locate\":");
        ob_u64(o, in[i].locate);
        ob_str(o, ",\"orders\":");
        ob_u64(o, (uint64_t)in[i].bid_orders + in[i].ask_orders);
        ob_str(o, ",\"stream\":");
        put_hex(o, in[i].stream);
        ob_str(o, ",\"symbol\":");
        ob_json_symbol(o, in[i].symbol);
        ob_str(o, ",\"trading_state\":");
        ob_json_chars(o, &in[i].trading_state, in[i].trading_state ? 1 : 0);
        ob_char(o, '}');
    }
    ob_str(o, "],\"digests\":{\"l2\":");
    put_hex(o, m[M_L2]);
    ob_str(o, ",\"l3\":");
    put_hex(o, m[M_L3]);
    ob_str(o, ",\"stream\":");
    put_hex(o, m[M_STREAM]);
    ob_str(o, "},");
    if (r->feed_blob_len) {
        /* The feed's state (a capture's held packets, sequence numbers), as
         * the feed saved it: opaque here, checked by the feed on resume. */
        static const char hex[] = "0123456789abcdef";
        ob_str(o, "\"feed\":\"");
        for (size_t i = 0; i < r->feed_blob_len; i++) {
            char b[2] = {hex[r->feed_blob[i] >> 4], hex[r->feed_blob[i] & 15]};
            ob_put(o, b, 2);
        }
        ob_str(o, "\",");
    }
    ob_str(o, "\"format\":\"blanc-snapshot\",");
    if (have_health)
        put_health(o, &img);
    health_image_free(&img);
    ob_str(o, "\"input\":{\"bytes\":");
    ob_u64(o, m[M_INPUT_BYTES]);
    ob_str(o, ",\"xxh3\":");
    if (m[M_HAVE_INPUT_XXH3])
        put_hex(o, m[M_INPUT_XXH3]);
    else
        ob_str(o, "null");
    ob_str(o, "},\"replay\":");
    put_replay(o, m);
    ob_str(o, r->feed_blob_len ? ",\"version\":3}\n"
              : have_health ? ",\"version\":2}\n" : ",\"version\":1}\n");
    ob_flush(o);
    if (!rc)
        rc = o->err;
    free(o);
    free(in);
    return rc;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct jreader {
    blanc_snap_error *err;
    char path[96];
} jreader;

static int jfail(jreader *j, const char *what)
{
    return snap_fail(j->err, BLANC_EBADSNAP, "json", 0, "%s: %s", j->path, what);
}

static const json_t *jfield(jreader *j, const json_t *obj, const char *parent, const char *key)
{
    snprintf(j->path, sizeof j->path, "%s.%s", parent, key);
    return json_object_get(obj, key);
}

static int ju64(jreader *j, const json_t *obj, const char *parent, const char *key, uint64_t max,
                uint64_t *out)
{
    const json_t *v = jfield(j, obj, parent, key);
    if (!v)
        return jfail(j, "missing");
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return jfail(j, "not an integer in range");
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int jhex(jreader *j, const json_t *obj, const char *parent, const char *key,
                uint64_t *out)
{
    const json_t *v = jfield(j, obj, parent, key);
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    if (!s || strlen(s) != 16)
        return jfail(j, "not a 16-hex-digit string");
    uint64_t x = 0;
    for (int i = 0; i < 16; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return jfail(j, "not a 16-hex-digit string");
        x = x << 4 | (uint64_t)d;
    }
    *out = x;
    return 0;
}

/* A JSON string of code points <= 0xFF back to raw bytes (inverse of ob_json_chars). */
static int jbytes(jreader *j, const json_t *v, char *out, size_t max, size_t *len)
{
    if (!json_is_string(v))
        return jfail(j, "not a string");
    const unsigned char *s = (const unsigned char *)json_string_value(v);
    size_t n = json_string_length(v), k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c >= 0x80) { /* two-byte UTF-8 for U+0080..U+00FF */
            if ((c & 0xfe) != 0xc2 || i + 1 >= n)
                return jfail(j, "holds a character above U+00FF");
            c = ((c & 0x1f) << 6) | (s[++i] & 0x3f);
        }
        if (k == max)
            return jfail(j, "too long");
        out[k++] = (char)c;
    }
    *len = k;
    return 0;
}

/* The "feed" member: the feed's saved state, hex. */
static int read_feed_hex(jreader *j, const json_t *v, blanc_replay *r)
{
    snprintf(j->path, sizeof j->path, ".feed");
    const char *h = json_is_string(v) ? json_string_value(v) : NULL;
    size_t n = h ? strlen(h) : 1;
    if (!h || n % 2 || !n)
        return jfail(j, "not a hex string of whole bytes");
    if (!(r->feed_blob = malloc(n / 2)))
        return BLANC_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int c = h[i], d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0)
            return jfail(j, "not a hex string of whole bytes");
        if (i % 2 == 0)
            r->feed_blob[i / 2] = (uint8_t)(d << 4);
        else
            r->feed_blob[i / 2] |= (uint8_t)d;
    }
    r->feed_blob_len = n / 2;
    return 0;
}

static int read_anomalies(jreader *j, const json_t *an, uint64_t m[M_COUNT])
{
    int rc;
    if (!json_is_object(an))
        return jfail(j, "missing or not an object");
    for (int a = 0; a < BLANC_AN_COUNT; a++) {
        char parent[64];
        const char *key = blanc_anomaly_key((blanc_anomaly)a);
        const json_t *one = json_object_get(an, key);
        /* Kinds added with captures are absent from older snapshots: zero. */
        if (!one && a >= BLANC_AN_BAD_PACKET)
            continue;
        one = jfield(j, an, "replay.anomalies", key);
        if (!json_is_object(one))
            return jfail(j, "missing or not an object");
        snprintf(parent, sizeof parent, "replay.anomalies.%s", key);
        if ((rc = ju64(j, one, parent, "count", UINT64_MAX, &m[M_ANOMALIES + 3 * a])) ||
            (rc = ju64(j, one, parent, "first_offset", UINT64_MAX, &m[M_ANOMALIES + 3 * a + 1])) ||
            (rc = ju64(j, one, parent, "first_index", UINT64_MAX, &m[M_ANOMALIES + 3 * a + 2])))
            return rc;
    }
    return 0;
}

static int read_by_type(jreader *j, const json_t *bt, uint64_t m[M_COUNT])
{
    int rc;
    if (!json_is_object(bt))
        return jfail(j, "missing or not an object");
    for (int t = 0; t < BLANC_ITCH_NTYPES; t++) {
        char key[2] = {blanc_itch_types[t], 0};
        if ((rc = ju64(j, bt, "replay.by_type", key, UINT64_MAX, &m[M_BY_TYPE + t])))
            return rc;
    }
    return 0;
}

static int read_replay(jreader *j, const json_t *rp, uint64_t m[M_COUNT])
{
    if (!json_is_object(rp)) {
        snprintf(j->path, sizeof j->path, "replay");
        return jfail(j, "missing or not an object");
    }
    for (size_t i = 0; i < N_REPLAY_FIELDS; i++) {
        const struct replay_field *f = &replay_fields[i];
        const json_t *v = jfield(j, rp, "replay", f->key);
        const char *fr = json_is_string(v) ? json_string_value(v) : "";
        int rc = 0;
        switch (f->kind) {
        case 'a': rc = read_anomalies(j, v, m); break;
        case 't': rc = read_by_type(j, v, m); break;
        case 'f': {
            int known = 0;
            for (int k = BLANC_FRAMING_BINARYFILE; k <= BLANC_FRAMING_UDP && !known; k++) {
                if (k != BLANC_FRAMING_AUTO && !strcmp(fr, blanc_framing_name((blanc_framing)k))) {
                    m[f->slot] = (uint64_t)k;
                    known = 1;
                }
            }
            if (!known)
                return jfail(j, "not a framing (binaryfile, fixed, pcap, soupbintcp, udp)");
            break;
        }
        case 'i':
            if (!json_is_integer(v) || json_integer_value(v) > 0 || json_integer_value(v) < -1000)
                return jfail(j, "not 0 or an error code");
            m[f->slot] = (uint64_t)(int64_t)json_integer_value(v);
            break;
        default: rc = ju64(j, rp, "replay", f->key, f->max, &m[f->slot]); break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

static int read_side(jreader *j, blanc_replay *r, const json_t *levels, uint16_t locate,
                     char side, const char *parent, uint32_t *count)
{
    uint32_t prev = 0;
    size_t nl = json_array_size(levels);
    if (!json_is_array(levels))
        return jfail(j, "not an array");
    for (size_t k = 0; k < nl; k++) {
        const json_t *lv = json_array_get(levels, k);
        snprintf(j->path, sizeof j->path, "%s[%zu]", parent, k);
        const json_t *pj = json_array_get(lv, 0), *q = json_array_get(lv, 1);
        if (!json_is_array(lv) || json_array_size(lv) != 2 || !json_is_integer(pj) ||
            !json_is_array(q) || json_array_size(q) == 0)
            return jfail(j, "a level is [price, [[ref, shares], ...]] with at least one order");
        json_int_t price = json_integer_value(pj);
        if (price <= 0 || price > UINT32_MAX)
            return jfail(j, "price out of range");
        if (prev == (uint32_t)price)
            return jfail(j, "the same price appears as two levels");
        for (size_t i = 0; i < json_array_size(q); i++) {
            const json_t *o = json_array_get(q, i);
            const json_t *rf = json_array_get(o, 0), *sh = json_array_get(o, 1);
            snprintf(j->path, sizeof j->path, "%s[%zu][1][%zu]", parent, k, i);
            if (!json_is_array(o) || json_array_size(o) != 2 || !json_is_integer(rf) ||
                !json_is_integer(sh) || json_integer_value(rf) < 0 ||
                json_integer_value(sh) <= 0 || json_integer_value(sh) > UINT32_MAX)
                return jfail(j, "an order is [ref, shares] with shares > 0");
            char where[160];
            blanc_snap_error sub;
            int rc = snap_add_order(r, locate, side, &prev, (uint32_t)price,
                                    (uint64_t)json_integer_value(rf),
                                    (uint32_t)json_integer_value(sh), &sub, "json", 0);
            if (rc == BLANC_EBADSNAP) {
                snprintf(where, sizeof where, "%s", sub.what);
                return jfail(j, where);
            }
            if (rc)
                return rc;
            ++*count;
        }
    }
    return 0;
}

static int read_books(jreader *j, blanc_replay *r, const json_t *books, snap_inst **insts,
                      uint32_t *n)
{
    snprintf(j->path, sizeof j->path, "books");
    if (!json_is_array(books))
        return jfail(j, "missing or not an array");
    size_t count = json_array_size(books);
    if (count > 65535)
        return jfail(j, "more instruments than there are locates");
    snap_inst *in = calloc(count ? count : 1, sizeof *in);
    if (!in)
        return BLANC_ENOMEM;
    *insts = in;
    *n = (uint32_t)count;
    for (size_t i = 0; i < count; i++) {
        const json_t *bk = json_array_get(books, i);
        char parent[48], side_path[64];
        snprintf(parent, sizeof parent, "books[%zu]", i);
        uint64_t v, orders;
        int rc;
        if (!json_is_object(bk)) {
            snprintf(j->path, sizeof j->path, "%s", parent);
            return jfail(j, "not an object");
        }
        if ((rc = ju64(j, bk, parent, "locate", 65535, &v)))
            return rc;
        in[i].locate = (uint16_t)v;
        if ((rc = ju64(j, bk, parent, "changes", UINT64_MAX, &in[i].changes)) ||
            (rc = ju64(j, bk, parent, "orders", UINT64_MAX, &orders)) ||
            (rc = jhex(j, bk, parent, "stream", &in[i].stream)))
            return rc;
        size_t len;
        memset(in[i].symbol, ' ', 8);
        if ((rc = jbytes(j, jfield(j, bk, parent, "symbol"), in[i].symbol, 8, &len)))
            return rc;
        if (len == 0)
            return jfail(j, "empty symbol");
        if ((rc = jbytes(j, jfield(j, bk, parent, "trading_state"), &in[i].trading_state, 1,
                         &len)))
            return rc;
        if ((rc = snap_add_instrument(r, &in[i], j->err, "json", 0)))
            return rc;
        snprintf(side_path, sizeof side_path, "%s.bids", parent);
        if ((rc = read_side(j, r, jfield(j, bk, parent, "bids"), in[i].locate, 'B', side_path,
                            &in[i].bid_orders)))
            return rc;
        snprintf(side_path, sizeof side_path, "%s.asks", parent);
        if ((rc = read_side(j, r, jfield(j, bk, parent, "asks"), in[i].locate, 'S', side_path,
                            &in[i].ask_orders)))
            return rc;
        if (orders != (uint64_t)in[i].bid_orders + in[i].ask_orders) {
            snprintf(j->path, sizeof j->path, "%s.orders", parent);
            return jfail(j, "differs from the number of orders listed");
        }
    }
    return 0;
}

static int read_health_json(jreader *j, const json_t *hj, health_image *img)
{
    memset(img, 0, sizeof *img);
    if (!json_is_object(hj))
        return jfail(j, "not an object");
    int rc = jhex(j, hj, "health", "config", &img->config_digest);
    if (rc)
        return rc;
    const json_t *sc = jfield(j, hj, "health", "scalars");
    if (!json_is_object(sc) || json_object_size(sc) != HI_COUNT)
        return jfail(j, "not an object of the 56 health scalars");
    for (int i = 0; i < HI_COUNT; i++)
        if ((rc = ju64(j, sc, "health.scalars", health_image_scalar_name[i], UINT64_MAX,
                       &img->w[i])))
            return rc;
    for (int k = 0; k < HI_LISTS; k++) {
        const json_t *a = jfield(j, hj, "health", health_image_list_name[k]);
        char parent[32];
        snprintf(parent, sizeof parent, "health.%s", health_image_list_name[k]);
        if (!json_is_array(a))
            return jfail(j, "not an array");
        size_t n = json_array_size(a);
        unsigned wd = health_image_width[k];
        if (health_image_alloc(img, k, n)) {
            health_image_free(img);
            return BLANC_ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
            const json_t *rec = json_array_get(a, i);
            snprintf(j->path, sizeof j->path, "%s[%zu]", parent, i);
            if (!json_is_array(rec) || json_array_size(rec) != wd) {
                health_image_free(img);
                return jfail(j, "not an array of the record's integers");
            }
            for (unsigned c = 0; c < wd; c++) {
                const json_t *v = json_array_get(rec, c);
                if (!json_is_integer(v) || json_integer_value(v) < 0) {
                    health_image_free(img);
                    return jfail(j, "not a non-negative integer");
                }
                img->list[k][i * wd + c] = (uint64_t)json_integer_value(v);
            }
        }
    }
    return 0;
}

int snap_read_json(blanc_replay **out, const uint8_t *p, size_t n, blanc_snap_error *err)
{
    json_error_t je;
    json_t *doc = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
    if (!doc)
        return snap_fail(err, BLANC_EBADSNAP, "json", (uint64_t)je.position,
                         "line %d column %d: %s", je.line, je.column, je.text);
    jreader j = {err, ""};
    uint64_t m[M_COUNT] = {0};
    snap_inst *in = NULL;
    uint32_t count = 0;
    blanc_replay *r = NULL;
    int rc = 0;
    const json_t *fmt = jfield(&j, doc, "", "format");
    uint64_t version;
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), "blanc-snapshot")) {
        rc = jfail(&j, "not \"blanc-snapshot\": this is not a Blanc snapshot");
        goto out;
    }
    if ((rc = ju64(&j, doc, "", "version", UINT32_MAX, &version)))
        goto out;
    if (version != SNAP_VERSION && version != SNAP_VERSION_HEALTH && version != SNAP_VERSION_FEED) {
        rc = snap_fail(err, BLANC_EVERSION, "json", 0,
                       "snapshot format version %llu; this build reads versions %d to %d",
                       (unsigned long long)version, SNAP_VERSION, SNAP_VERSION_FEED);
        goto out;
    }
    const json_t *hj = json_object_get(doc, "health");
    const json_t *fj = json_object_get(doc, "feed");
    if ((version == SNAP_VERSION_FEED) != (fj != NULL)) {
        rc = snap_fail(err, BLANC_EBADSNAP, "json", 0,
                       "version %llu %s a \"feed\" member", (unsigned long long)version,
                       fj ? "cannot have" : "needs");
        goto out;
    }
    if (version != SNAP_VERSION_FEED && (version == SNAP_VERSION_HEALTH) != (hj != NULL)) {
        rc = snap_fail(err, BLANC_EBADSNAP, "json", 0,
                       "version %llu %s a \"health\" member", (unsigned long long)version,
                       hj ? "cannot have" : "needs");
        goto out;
    }
    if ((rc = read_replay(&j, json_object_get(doc, "replay"), m)))
        goto out;
    const json_t *in_obj = jfield(&j, doc, "", "input");
    const json_t *dg = jfield(&j, doc, "", "digests");
    if (!json_is_object(in_obj) || !json_is_object(dg)) {
        rc = jfail(&j, "missing or not an object");
        goto out;
    }
    if ((rc = ju64(&j, in_obj, "input", "bytes", UINT64_MAX, &m[M_INPUT_BYTES])))
        goto out;
    if (json_is_null(json_object_get(in_obj, "xxh3"))) {
        m[M_HAVE_INPUT_XXH3] = 0;
    } else {
        if ((rc = jhex(&j, in_obj, "input", "xxh3", &m[M_INPUT_XXH3])))
            goto out;
        m[M_HAVE_INPUT_XXH3] = 1;
    }
    if ((rc = jhex(&j, dg, "digests", "l2", &m[M_L2])) ||
        (rc = jhex(&j, dg, "digests", "l3", &m[M_L3])) ||
        (rc = jhex(&j, dg, "digests", "stream", &m[M_STREAM])))
        goto out;
    if ((rc = snap_begin(&r, m, 0, err)))
        goto out;
    if ((rc = read_books(&j, r, json_object_get(doc, "books"), &in, &count)))
        goto out;
    if ((rc = snap_finish(r, in, count, m, err)))
        goto out;
    if (hj) {
        health_image img;
        snprintf(j.path, sizeof j.path, ".health");
        if (!(rc = read_health_json(&j, hj, &img)))
            rc = snap_health_keep(r, &img);
        else
            health_image_free(&img); /* the lists read before the refusal */
    }
    if (!rc && fj)
        rc = read_feed_hex(&j, fj, r);
out:
    json_decref(doc);
    free(in);
    if (rc) {
        blanc_replay_free(r);
        return rc;
    }
    *out = r;
    return 0;
}
