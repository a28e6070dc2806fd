/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc.emit: the emitter's binary records (docs/EMIT.md "bin") written into
 * a memory sink and decoded here, as they arrive, into column arrays that
 * become numpy arrays without a copy: no text is formatted or parsed. Every
 * piece of glue between the emitter and numpy is in this file, so that it
 * can become an observer of the change record when the emitter is one.
 *
 * Columns are the CLI's CSV columns, in its order, with the values
 * pandas.read_csv gives for them: integers as int64 (uint64 for a column
 * holding a value past 2^63, as read_csv does), symbols and one-letter codes
 * as str, an empty field (no side on a cross, no symbol before a directory)
 * as NaN.
 */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL blanc_py_ARRAY_API
#include <numpy/arrayobject.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* ---- the column layout of each kind ------------------------------------ */

/* What a row holds, by where in a record each value comes from. */
enum field {
    F_INDEX, F_TS, F_SYMBOL, F_LOCATE, F_CODE, F_SIDE, F_PRICE, F_SHARES, F_ORDERS, F_REF,
    F_MATCH, F_PUB, F_BID_PRICE, F_BID_SHARES, F_BID_ORDERS, F_ASK_PRICE, F_ASK_SHARES,
    F_ASK_ORDERS, F_COUNT
};

enum ctype { T_INT, T_SYM, T_CHAR };

typedef struct colspec {
    const char *name;
    uint8_t field, type;
} colspec;

#define MAX_COLS 12
#define HEAD(x) {"index", F_INDEX, T_INT}, {"ts", F_TS, T_INT}, {"symbol", F_SYMBOL, T_SYM}, \
                {"locate", F_LOCATE, T_INT}
static const colspec bbo_cols[] = {
    HEAD(0), {"bid_price", F_BID_PRICE, T_INT}, {"bid_shares", F_BID_SHARES, T_INT},
    {"bid_orders", F_BID_ORDERS, T_INT}, {"ask_price", F_ASK_PRICE, T_INT},
    {"ask_shares", F_ASK_SHARES, T_INT}, {"ask_orders", F_ASK_ORDERS, T_INT}, {NULL, 0, 0}};
static const colspec l2_cols[] = {
    HEAD(0), {"side", F_SIDE, T_CHAR}, {"price", F_PRICE, T_INT}, {"shares", F_SHARES, T_INT},
    {"orders", F_ORDERS, T_INT}, {NULL, 0, 0}};
static const colspec l3_cols[] = {
    HEAD(0), {"op", F_CODE, T_CHAR}, {"ref", F_REF, T_INT}, {"side", F_SIDE, T_CHAR},
    {"price", F_PRICE, T_INT}, {"shares", F_SHARES, T_INT}, {NULL, 0, 0}};
static const colspec trades_cols[] = {
    HEAD(0), {"type", F_CODE, T_CHAR}, {"ref", F_REF, T_INT}, {"side", F_SIDE, T_CHAR},
    {"price", F_PRICE, T_INT}, {"shares", F_SHARES, T_INT}, {"match", F_MATCH, T_INT},
    {NULL, 0, 0}};
static const colspec pub_col = {"pub", F_PUB, T_INT};

/* One entry per kind of the emitter; LOBSTER is an output of its own, read
 * by lobster.c (blanc.emit sends it there). */
static const colspec *const kind_cols[] = {bbo_cols, l2_cols, l3_cols, trades_cols};

static size_t elsize(uint8_t t) { return t == T_INT ? 8 : t == T_SYM ? 4 : 1; }

/* ---- the decoder --------------------------------------------------------- */

#define HDR 16
#define REC_HEAD 32
#define ENT 40

typedef struct dec {
    blanc_emit_kind kind;
    colspec cols[MAX_COLS];
    int ncols;
    uint8_t hdr[HDR];
    size_t hdr_n;
    int gated; /* the header says records carry the publish gate */
    uint8_t *carry;    /* a record cut by a write, until its rest comes */
    size_t carry_n, carry_cap;
    size_t rows, cap; /* rows held in col[], of which the first `first` are handed out */
    size_t first;
    void *col[MAX_COLS];
    /* symbols: row -> id, id -> 8 bytes */
    char (*syms)[8];
    uint32_t *sym_prev; /* id -> the locate's earlier id + 1 (0: none) */
    uint32_t nsyms, capsyms;
    uint32_t loc_sym[65536]; /* the locate's latest id + 1; 0 none yet */
} dec;

static uint64_t le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int grow(dec *d)
{
    size_t cap = d->cap ? 2 * d->cap : 65536;
    for (int c = 0; c < d->ncols; c++) {
        void *p = realloc(d->col[c], cap * elsize(d->cols[c].type));
        if (!p)
            return BLANC_ENOMEM;
        d->col[c] = p;
    }
    d->cap = cap;
    return 0;
}

/* The id of a record's symbol. Ids are per locate: a locate's symbol only
 * changes from blank (a trade before its directory) to its name, so each
 * locate has at most a short chain of them and no search grows with the day. */
static int sym_id(dec *d, uint16_t locate, const uint8_t *sym, uint32_t *id)
{
    for (uint32_t k = d->loc_sym[locate]; k; k = d->sym_prev[k - 1]) {
        if (!memcmp(d->syms[k - 1], sym, 8)) {
            *id = k - 1;
            return 0;
        }
    }
    if (d->nsyms == d->capsyms) {
        uint32_t cap = d->capsyms ? 2 * d->capsyms : 256;
        void *p = realloc(d->syms, cap * sizeof *d->syms);
        if (!p)
            return BLANC_ENOMEM;
        d->syms = p;
        p = realloc(d->sym_prev, cap * sizeof *d->sym_prev);
        if (!p)
            return BLANC_ENOMEM;
        d->sym_prev = p;
        d->capsyms = cap;
    }
    memcpy(d->syms[d->nsyms], sym, 8);
    d->sym_prev[d->nsyms] = d->loc_sym[locate];
    d->loc_sym[locate] = ++d->nsyms;
    *id = d->nsyms - 1;
    return 0;
}

static int put_row(dec *d, const uint64_t *v)
{
    if (d->rows == d->cap && grow(d))
        return BLANC_ENOMEM;
    size_t r = d->rows++;
    for (int c = 0; c < d->ncols; c++) {
        uint64_t x = v[d->cols[c].field];
        switch (d->cols[c].type) {
        case T_INT:
            ((uint64_t *)d->col[c])[r] = x;
            break;
        case T_SYM: ((uint32_t *)d->col[c])[r] = (uint32_t)x; break;
        default: ((uint8_t *)d->col[c])[r] = (uint8_t)x; break;
        }
    }
    return 0;
}

static void entry(uint64_t *v, const uint8_t *e, int f_price, int f_shares, int f_orders)
{
    v[f_price] = le(e + 4, 4);
    v[f_orders] = le(e + 8, 4);
    v[f_shares] = le(e + 16, 8);
}

/* One whole record at p (rec bytes). */
static int record(dec *d, const uint8_t *p, size_t n)
{
    uint64_t v[F_COUNT];
    v[F_INDEX] = le(p, 8);
    v[F_TS] = le(p + 8, 8);
    v[F_LOCATE] = le(p + 24, 2);
    uint32_t id;
    if (sym_id(d, (uint16_t)v[F_LOCATE], p + 16, &id))
        return BLANC_ENOMEM;
    v[F_SYMBOL] = id;
    v[F_PUB] = (le(p + 28, 4) & 2) ? 1 : 0;
    const uint8_t *e = p + REC_HEAD;
    if (d->kind == BLANC_EMIT_BBO) {
        if (n < 2)
            return BLANC_EINVAL;
        entry(v, e, F_BID_PRICE, F_BID_SHARES, F_BID_ORDERS);
        entry(v, e + ENT, F_ASK_PRICE, F_ASK_SHARES, F_ASK_ORDERS);
        return put_row(d, v);
    }
    for (size_t i = 0; i < n; i++, e += ENT) {
        v[F_CODE] = e[0];
        v[F_SIDE] = e[1];
        entry(v, e, F_PRICE, F_SHARES, F_ORDERS);
        v[F_REF] = le(e + 24, 8);
        v[F_MATCH] = le(e + 32, 8);
        int rc = put_row(d, v);
        if (rc)
            return rc;
    }
    return 0;
}

static size_t rec_len(const uint8_t *head) { return REC_HEAD + ENT * (size_t)le(head + 26, 2); }

static int check_header(dec *d)
{
    const uint8_t *h = d->hdr;
    if (memcmp(h, "BLANCEMT", 8) || le(h + 8, 2) != 1 || h[10] != (uint8_t)d->kind)
        return BLANC_EINVAL;
    d->gated = h[11] & 1;
    return 0;
}

/* Room for need bytes of a record a write cut in two. */
static int carry_room(dec *d, size_t need)
{
    if (need <= d->carry_cap)
        return 0;
    uint8_t *c = realloc(d->carry, need);
    if (!c)
        return BLANC_ENOMEM;
    d->carry = c;
    d->carry_cap = need;
    return 0;
}

/* The sink's write: bytes in any cut (the emitter's buffer flushes wherever
 * it is full). Called with the GIL released: no Python here. */
static int take(void *ctx, const void *data, size_t len)
{
    dec *d = ctx;
    const uint8_t *p = data;
    if (d->hdr_n < HDR) {
        size_t k = HDR - d->hdr_n < len ? HDR - d->hdr_n : len;
        memcpy(d->hdr + d->hdr_n, p, k);
        d->hdr_n += k;
        p += k;
        len -= k;
        if (d->hdr_n == HDR && check_header(d))
            return BLANC_EINVAL;
    }
    while (d->carry_n && len) { /* finish the record a write cut */
        size_t need = d->carry_n < REC_HEAD ? REC_HEAD : rec_len(d->carry);
        if (carry_room(d, need))
            return BLANC_ENOMEM;
        size_t k = need - d->carry_n < len ? need - d->carry_n : len;
        memcpy(d->carry + d->carry_n, p, k);
        d->carry_n += k;
        p += k;
        len -= k;
        if (d->carry_n >= REC_HEAD && d->carry_n == rec_len(d->carry)) {
            int rc = record(d, d->carry, (d->carry_n - REC_HEAD) / ENT);
            d->carry_n = 0;
            if (rc)
                return rc;
        }
    }
    while (len >= REC_HEAD && len >= rec_len(p)) {
        size_t k = rec_len(p);
        int rc = record(d, p, (k - REC_HEAD) / ENT);
        if (rc)
            return rc;
        p += k;
        len -= k;
    }
    if (len) {
        size_t need = len > REC_HEAD ? len : REC_HEAD;
        if (carry_room(d, need))
            return BLANC_ENOMEM;
        memcpy(d->carry, p, len);
        d->carry_n = len;
    }
    return 0;
}

static void dec_free(dec *d)
{
    if (!d)
        return;
    for (int c = 0; c < d->ncols; c++)
        free(d->col[c]);
    free(d->carry);
    free(d->syms);
    free(d->sym_prev);
    free(d);
}

/* ---- the stream object: one emitting replay, read in chunks -------------- */

typedef struct emit_obj {
    PyObject_HEAD
    char *path;
    blanc_py_input in;
    blanc_replay *r;
    blanc_health *h;
    blanc_emitter *em;
    blanc_sink *sink;
    dec *d;
    char (*symbols)[8];
    blanc_py_chunks ch;
    PyObject **symobj; /* per symbol id, built as rows are handed out */
    uint32_t nsymobj;
} emit_obj;

static void emit_dealloc(emit_obj *o)
{
    blanc_emitter_free(o->em);
    blanc_sink_abort(o->sink);
    blanc_health_free(o->h);
    blanc_replay_free(o->r);
    blanc_py_close_input(&o->in);
    dec_free(o->d);
    for (uint32_t i = 0; i < o->nsymobj; i++)
        Py_XDECREF(o->symobj[i]);
    free(o->symobj);
    free(o->symbols);
    free(o->path);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

/* The str of symbol id (trailing spaces dropped; an empty one is NaN). */
static PyObject *sym_obj(emit_obj *o, uint32_t id)
{
    if (id >= o->nsymobj) {
        uint32_t n = o->d->nsyms;
        PyObject **p = realloc(o->symobj, n * sizeof *p);
        if (!p)
            return PyErr_NoMemory();
        memset(p + o->nsymobj, 0, (n - o->nsymobj) * sizeof *p);
        o->symobj = p;
        o->nsymobj = n;
    }
    if (!o->symobj[id]) {
        const char *s = o->d->syms[id];
        Py_ssize_t n = 8;
        while (n && s[n - 1] == ' ')
            n--;
        o->symobj[id] = n ? PyUnicode_DecodeLatin1(s, n, NULL) : PyFloat_FromDouble(Py_NAN);
    }
    return o->symobj[id];
}

static PyObject *char_obj(uint8_t c)
{
    if (!c)
        return PyFloat_FromDouble(Py_NAN);
    char s = (char)c;
    return PyUnicode_DecodeLatin1(&s, 1, NULL);
}

static void free_capsule(PyObject *cap) { free(PyCapsule_GetPointer(cap, NULL)); }

/* An int64 array of column c's rows [first, first + n) (uint64 when a value
 * needs bit 63, as read_csv would read it): the buffer itself when it is
 * handed out whole, else a copy. */
static PyObject *int_array(emit_obj *o, int c, size_t n, int whole)
{
    npy_intp dim = (npy_intp)n;
    const uint64_t *src = (const uint64_t *)o->d->col[c] + o->d->first;
    uint64_t high = 0;
    for (size_t i = 0; i < n; i++)
        high |= src[i];
    int t = high >> 63 ? NPY_UINT64 : NPY_INT64;
    if (!whole || !n) {
        PyObject *a = PyArray_SimpleNew(1, &dim, t);
        if (a && n)
            memcpy(PyArray_DATA((PyArrayObject *)a), src, n * 8);
        return a;
    }
    void *buf = realloc(o->d->col[c], n * 8); /* shrink to what is used */
    if (!buf)
        buf = o->d->col[c];
    o->d->col[c] = NULL;
    PyObject *a = PyArray_SimpleNewFromData(1, &dim, t, buf);
    PyObject *cap = a ? PyCapsule_New(buf, NULL, free_capsule) : NULL;
    if (!cap || PyArray_SetBaseObject((PyArrayObject *)a, cap)) {
        if (!cap)
            free(buf);
        Py_XDECREF(a);
        return NULL;
    }
    return a;
}

static PyObject *obj_array(emit_obj *o, int c, size_t n)
{
    npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_OBJECT);
    if (!a)
        return NULL;
    PyObject **out = PyArray_DATA((PyArrayObject *)a);
    PyObject *chars[256] = {0};
    int sym = o->d->cols[c].type == T_SYM;
    size_t f = o->d->first;
    for (size_t i = 0; i < n; i++) {
        PyObject *x;
        if (sym) {
            x = sym_obj(o, ((uint32_t *)o->d->col[c])[f + i]);
        } else {
            uint8_t ch = ((uint8_t *)o->d->col[c])[f + i];
            x = chars[ch] ? chars[ch] : (chars[ch] = char_obj(ch));
        }
        if (!x) {
            Py_DECREF(a); /* the slots not yet set are NULL: numpy skips them */
            a = NULL;
            break;
        }
        Py_INCREF(x);
        out[i] = x;
    }
    for (int k = 0; k < 256; k++)
        Py_XDECREF(chars[k]);
    return a;
}

/* Hand out the next n rows as {name: array}. Rows handed out stay in the
 * buffers until they are half of them (a chunk of one row costs no move). */
static PyObject *hand_out(emit_obj *o, size_t n)
{
    dec *d = o->d;
    int whole = d->first == 0 && n == d->rows;
    PyObject *dict = PyDict_New();
    for (int c = 0; dict && c < d->ncols; c++) {
        PyObject *a = d->cols[c].type == T_INT ? int_array(o, c, n, whole) : obj_array(o, c, n);
        if (!a || PyDict_SetItemString(dict, d->cols[c].name, a)) {
            Py_XDECREF(a);
            Py_CLEAR(dict);
            break;
        }
        Py_DECREF(a);
    }
    if (!dict)
        return NULL;
    if (whole) {
        for (int c = 0; c < d->ncols; c++) {
            free(d->col[c]);
            d->col[c] = NULL;
        }
        d->rows = d->cap = d->first = 0;
        return dict;
    }
    d->first += n;
    if (d->first == d->rows) {
        d->first = d->rows = 0;
    } else if (d->first > d->rows / 2 && d->first > 65536) {
        for (int c = 0; c < d->ncols; c++) {
            size_t es = elsize(d->cols[c].type);
            memmove(d->col[c], (char *)d->col[c] + d->first * es, (d->rows - d->first) * es);
        }
        d->rows -= d->first;
        d->first = 0;
    }
    return dict;
}

static size_t emit_held(void *ctx)
{
    const dec *d = ((const emit_obj *)ctx)->d;
    return d->rows - d->first;
}

/* What the emitter holds, to the columns. */
static int emit_flush(void *ctx)
{
    return blanc_emitter_finish(((emit_obj *)ctx)->em);
}

static PyObject *emit_hand_out(void *ctx, size_t n)
{
    return hand_out(ctx, n);
}

/* read(max_rows): chunks.c. */
static PyObject *emit_read(emit_obj *o, PyObject *args)
{
    return blanc_py_chunks_read(&o->ch, args);
}

static PyObject *emit_columns(emit_obj *o, PyObject *unused)
{
    (void)unused;
    PyObject *l = PyList_New(o->d->ncols);
    for (int c = 0; l && c < o->d->ncols; c++)
        PyList_SET_ITEM(l, c, PyUnicode_FromString(o->d->cols[c].name));
    return l;
}

static PyObject *emit_records(emit_obj *o, PyObject *unused)
{
    (void)unused;
    return PyLong_FromUnsignedLongLong(blanc_emitter_records(o->em));
}

static PyMethodDef emit_methods[] = {
    {"read", (PyCFunction)emit_read, METH_VARARGS,
     "read(max_rows) -> dict of column arrays, or None at the end (max_rows < 0: all)"},
    {"columns", (PyCFunction)emit_columns, METH_NOARGS, "the column names, in CSV order"},
    {"records", (PyCFunction)emit_records, METH_NOARGS, "records the emitter wrote so far"},
    {NULL, NULL, 0, NULL}};

PyTypeObject blanc_py_emit_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "blanc._blanc.EmitStream",
    .tp_basicsize = sizeof(emit_obj),
    .tp_dealloc = (destructor)emit_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One emitting replay of a file, read in chunks (blanc.emit).",
    .tp_methods = emit_methods,
};

static int setup(emit_obj *o, blanc_emit_kind kind, uint32_t depth, int health, int strict,
                 size_t n_symbols, blanc_session_error *err)
{
    o->d = calloc(1, sizeof *o->d);
    if (!o->d)
        return BLANC_ENOMEM;
    o->d->kind = kind;
    for (const colspec *c = kind_cols[kind]; c->name; c++)
        o->d->cols[o->d->ncols++] = *c;
    if (health)
        o->d->cols[o->d->ncols++] = pub_col;
    int rc = blanc_py_open_input(&o->in, o->path, BLANC_FRAMING_AUTO, err);
    if (rc)
        return rc;
    blanc_replay_options ro;
    memset(&ro, 0, sizeof ro);
    ro.framing = blanc_feed_framing(o->in.feed);
    ro.strict = strict;
    rc = blanc_replay_create(&o->r, &ro);
    if (rc)
        return rc;
    o->ch = (blanc_py_chunks){.r = o->r, .in = &o->in, .path = o->path, .held = emit_held,
                              .flush = emit_flush, .hand_out = emit_hand_out, .ctx = o};
    if (health) { /* the CLI's default: records carry the publish gate */
        blanc_health_config hc;
        blanc_health_config_default(&hc);
        if ((rc = blanc_health_create(&o->h, &hc)))
            return rc;
        blanc_replay_set_health(o->r, o->h);
    }
    if ((rc = blanc_sink_open_fn(&o->sink, take, o->d)))
        return rc;
    blanc_emit_options eo;
    memset(&eo, 0, sizeof eo);
    eo.kind = kind;
    eo.format = BLANC_EMIT_BIN;
    eo.depth = depth;
    eo.symbols = (const char(*)[8])o->symbols;
    eo.n_symbols = n_symbols;
    return blanc_emitter_create(&o->em, o->r, o->h, &eo, o->sink);
}

/* _emit(path, kind, symbols, depth, health, strict) -> EmitStream */
PyObject *blanc_py_emit_open(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *names[] = {"path", "kind", "symbols", "depth", "health", "strict", NULL};
    PyObject *path_obj, *symbols = Py_None;
    const char *kind_s;
    unsigned long depth = 0;
    int health = 1, strict = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&s|Okpp", names, PyUnicode_FSConverter,
                                     &path_obj, &kind_s, &symbols, &depth, &health, &strict))
        return NULL;
    int kind = blanc_emit_kind_parse(kind_s);
    if (kind < 0 || (size_t)kind >= sizeof kind_cols / sizeof kind_cols[0] || depth > 100000) {
        Py_DECREF(path_obj);
        if (kind < 0)
            return blanc_py_raise(BLANC_EINVAL, NULL, "emit kind is bbo, l2, l3 or trades", 0);
        if (depth > 100000)
            return blanc_py_raise(BLANC_EINVAL, NULL, "depth is 0 (all levels) to 100000", 0);
        /* lobster is lobster.c's (_lobster): here only if called directly */
        return blanc_py_raise(BLANC_EUNSUPPORTED, NULL, kind_s, 0);
    }
    emit_obj *o = PyObject_New(emit_obj, &blanc_py_emit_type);
    if (!o) {
        Py_DECREF(path_obj);
        return NULL;
    }
    memset((char *)o + sizeof(PyObject), 0, sizeof *o - sizeof(PyObject));
    o->path = strdup(PyBytes_AS_STRING(path_obj));
    Py_DECREF(path_obj);
    size_t n_symbols = 0;
    if (!o->path) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    if (blanc_py_symbols(symbols, &o->symbols, &n_symbols)) {
        Py_DECREF(o);
        return NULL;
    }
    blanc_session_error err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS /* opening reads and judges the start of the input */
    rc = setup(o, (blanc_emit_kind)kind, (uint32_t)depth, health, strict, n_symbols, &err);
    Py_END_ALLOW_THREADS
    if (rc) {
        if (!err.code) {
            err.code = rc;
            snprintf(err.path, sizeof err.path, "%s", o->path);
        }
        Py_DECREF(o);
        return blanc_py_raise_err(&err);
    }
    return (PyObject *)o;
}
