/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc.emit(path, "lobster"): the library's LOBSTER writer (docs/EMIT.md
 * "LOBSTER") with no folder, handing each row to on_row, which appends it to
 * column arrays that become numpy arrays: the values the two CSV files hold,
 * never formatted or parsed. The callback runs with the GIL released, so it
 * touches no Python object.
 *
 * Columns: symbol (str), time (float64 seconds after midnight, ts / 1e9 —
 * the value of the message file's Time field), ts (int64 ns), type,
 * order_id, size, price, direction, then ask_price_k, ask_size_k,
 * bid_price_k, bid_size_k for k = 1 .. depth (the orderbook file's order),
 * every one int64.
 */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL blanc_py_ARRAY_API
#include <numpy/arrayobject.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

enum { C_TS, C_TYPE, C_ID, C_SIZE, C_PRICE, C_DIR, C_BOOK }; /* int64 columns */
static const char *const head_names[C_BOOK] = {"ts", "type", "order_id", "size", "price",
                                               "direction"};
static const char *const book_names[4] = {"ask_price", "ask_size", "bid_price", "bid_size"};

/* The name of int64 column c. */
static void col_name(size_t c, char *out, size_t cap)
{
    if (c < C_BOOK)
        snprintf(out, cap, "%s", head_names[c]);
    else
        snprintf(out, cap, "%s_%u", book_names[(c - C_BOOK) % 4], (unsigned)((c - C_BOOK) / 4 + 1));
}

typedef struct lob_obj {
    PyObject_HEAD
    char *path;
    blanc_py_input in;
    blanc_replay *r;
    blanc_lobster *lob;
    char (*symbols)[8];
    size_t n_symbols;
    uint32_t depth;
    size_t ncols; /* int64 columns: C_BOOK + 4 * depth */
    int64_t **col;
    uint16_t *sym; /* per row: the index in symbols */
    size_t rows, cap, first; /* rows held, of which the first `first` are handed out */
    blanc_py_chunks ch;
} lob_obj;

static void free_cols(lob_obj *o)
{
    if (o->col)
        for (size_t c = 0; c < o->ncols; c++) {
            free(o->col[c]);
            o->col[c] = NULL;
        }
    free(o->sym);
    o->sym = NULL;
    o->rows = o->cap = o->first = 0;
}

static void lob_dealloc(lob_obj *o)
{
    blanc_lobster_free(o->lob);
    blanc_replay_free(o->r);
    blanc_py_close_input(&o->in);
    free_cols(o);
    free(o->col);
    free(o->symbols);
    free(o->path);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static int grow(lob_obj *o)
{
    size_t cap = o->cap ? 2 * o->cap : 16384;
    for (size_t c = 0; c < o->ncols; c++) {
        void *p = realloc(o->col[c], cap * sizeof **o->col);
        if (!p)
            return BLANC_ENOMEM;
        o->col[c] = p;
    }
    void *p = realloc(o->sym, cap * sizeof *o->sym);
    if (!p)
        return BLANC_ENOMEM;
    o->sym = p;
    o->cap = cap;
    return 0;
}

/* The writer's callback (GIL released): one row onto the columns. */
static int on_row(void *ctx, size_t symbol, const blanc_lobster_row *row)
{
    lob_obj *o = ctx;
    if (o->rows == o->cap && grow(o))
        return BLANC_ENOMEM;
    size_t r = o->rows++;
    o->sym[r] = (uint16_t)symbol;
    o->col[C_TS][r] = (int64_t)row->ts;
    o->col[C_TYPE][r] = row->type;
    o->col[C_ID][r] = row->order_id;
    o->col[C_SIZE][r] = (int64_t)row->size;
    o->col[C_PRICE][r] = row->price;
    o->col[C_DIR][r] = row->direction;
    for (size_t k = 0; k < 4 * (size_t)o->depth; k++)
        o->col[C_BOOK + k][r] = row->book[k];
    return 0;
}

static void free_capsule(PyObject *cap) { free(PyCapsule_GetPointer(cap, NULL)); }

/* Column c's rows [first, first + n): its buffer itself when handed out
 * whole (no copy of a day), else a copy. */
static PyObject *int_array(lob_obj *o, size_t c, size_t n, int whole)
{
    npy_intp dim = (npy_intp)n;
    if (!whole || !n) {
        PyObject *a = PyArray_SimpleNew(1, &dim, NPY_INT64);
        if (a && n)
            memcpy(PyArray_DATA((PyArrayObject *)a), o->col[c] + o->first, n * 8);
        return a;
    }
    void *buf = realloc(o->col[c], n * 8); /* shrink to what is used */
    if (!buf)
        buf = o->col[c];
    o->col[c] = NULL;
    PyObject *a = PyArray_SimpleNewFromData(1, &dim, NPY_INT64, buf);
    PyObject *cap = a ? PyCapsule_New(buf, NULL, free_capsule) : NULL;
    if (!cap || PyArray_SetBaseObject((PyArrayObject *)a, cap)) {
        if (!cap)
            free(buf);
        Py_XDECREF(a);
        return NULL;
    }
    return a;
}

static PyObject *time_array(lob_obj *o, size_t n)
{
    npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_FLOAT64);
    if (!a)
        return NULL;
    double *t = PyArray_DATA((PyArrayObject *)a);
    const int64_t *ts = o->col[C_TS] + o->first;
    for (size_t i = 0; i < n; i++) /* one correctly rounded division: read_csv's value */
        t[i] = (double)ts[i] / 1e9;
    return a;
}

static PyObject *sym_array(lob_obj *o, size_t n)
{
    npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_OBJECT);
    PyObject **names = calloc(o->n_symbols, sizeof *names);
    if (!a || !names) {
        Py_XDECREF(a);
        free(names);
        return PyErr_NoMemory();
    }
    for (size_t i = 0; i < o->n_symbols; i++) {
        const char *s = o->symbols[i];
        Py_ssize_t k = 8;
        while (k && s[k - 1] == ' ')
            k--;
        if (!(names[i] = PyUnicode_DecodeLatin1(s, k, NULL)))
            goto bad;
    }
    PyObject **out = PyArray_DATA((PyArrayObject *)a);
    for (size_t i = 0; i < n; i++) {
        out[i] = names[o->sym[o->first + i]];
        Py_INCREF(out[i]);
    }
    for (size_t i = 0; i < o->n_symbols; i++)
        Py_DECREF(names[i]);
    free(names);
    return a;
bad:
    for (size_t i = 0; i < o->n_symbols; i++)
        Py_XDECREF(names[i]);
    free(names);
    Py_DECREF(a);
    return NULL;
}

static int put(PyObject *dict, const char *name, PyObject *a)
{
    int rc = a ? PyDict_SetItemString(dict, name, a) : -1;
    Py_XDECREF(a);
    return rc;
}

/* The next n rows as {name: array}, in column order. */
static PyObject *hand_out(lob_obj *o, size_t n)
{
    int whole = o->first == 0 && n == o->rows;
    PyObject *dict = PyDict_New();
    if (!dict || put(dict, "symbol", sym_array(o, n)) || put(dict, "time", time_array(o, n)))
        goto bad;
    for (size_t c = 0; c < o->ncols; c++) {
        char name[32];
        col_name(c, name, sizeof name);
        if (put(dict, name, int_array(o, c, n, whole)))
            goto bad;
    }
    if (whole) {
        free_cols(o);
        return dict;
    }
    o->first += n;
    if (o->first == o->rows) {
        o->first = o->rows = 0;
    } else if (o->first > o->rows / 2 && o->first > 65536) {
        for (size_t c = 0; c < o->ncols; c++)
            memmove(o->col[c], o->col[c] + o->first, (o->rows - o->first) * 8);
        memmove(o->sym, o->sym + o->first, (o->rows - o->first) * sizeof *o->sym);
        o->rows -= o->first;
        o->first = 0;
    }
    return dict;
bad:
    Py_XDECREF(dict);
    if (whole) /* buffers already handed to arrays are NULL: drop the rest */
        free_cols(o);
    o->ch.failed = 1;
    return NULL;
}

static size_t lob_held(void *ctx)
{
    const lob_obj *o = ctx;
    return o->rows - o->first;
}

static PyObject *lob_hand_out(void *ctx, size_t n)
{
    return hand_out(ctx, n);
}

/* read(max_rows): chunks.c. */
static PyObject *lob_read(lob_obj *o, PyObject *args)
{
    return blanc_py_chunks_read(&o->ch, args);
}

static PyObject *lob_columns(lob_obj *o, PyObject *unused)
{
    (void)unused;
    PyObject *l = PyList_New(0);
    if (!l)
        return NULL;
    const char *head[] = {"symbol", "time"};
    for (size_t c = 0; c < 2 + o->ncols; c++) {
        char name[32];
        if (c < 2)
            snprintf(name, sizeof name, "%s", head[c]);
        else
            col_name(c - 2, name, sizeof name);
        PyObject *s = PyUnicode_FromString(name);
        if (!s || PyList_Append(l, s)) {
            Py_XDECREF(s);
            Py_DECREF(l);
            return NULL;
        }
        Py_DECREF(s);
    }
    return l;
}

static PyObject *lob_records(lob_obj *o, PyObject *unused)
{
    (void)unused;
    uint64_t n = 0;
    for (size_t i = 0; i < o->n_symbols; i++)
        n += blanc_lobster_rows(o->lob, i);
    return PyLong_FromUnsignedLongLong(n);
}

static PyMethodDef lob_methods[] = {
    {"read", (PyCFunction)lob_read, METH_VARARGS,
     "read(max_rows) -> dict of column arrays, or None at the end (max_rows < 0: all)"},
    {"columns", (PyCFunction)lob_columns, METH_NOARGS, "the column names, in order"},
    {"records", (PyCFunction)lob_records, METH_NOARGS, "rows the writer made so far"},
    {NULL, NULL, 0, NULL}};

PyTypeObject blanc_py_lobster_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "blanc._blanc.LobsterStream",
    .tp_basicsize = sizeof(lob_obj),
    .tp_dealloc = (destructor)lob_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One LOBSTER replay of a file, read in chunks (blanc.emit(..., 'lobster')).",
    .tp_methods = lob_methods,
};

/* A window end: None (keep the default), ns as an int, or "HH:MM:SS[.fraction]". */
static int window_end(PyObject *x, const char *name, uint64_t *ns)
{
    char what[128];
    if (x == Py_None)
        return 0;
    if (PyLong_Check(x)) {
        *ns = PyLong_AsUnsignedLongLong(x);
        if (!PyErr_Occurred())
            return 0;
        PyErr_Clear();
        snprintf(what, sizeof what, "%s is ns after midnight, an int >= 0", name);
    } else if (PyUnicode_Check(x)) {
        const char *s = PyUnicode_AsUTF8(x);
        if (!s)
            return -1;
        if (!blanc_parse_time(s, ns))
            return 0;
        snprintf(what, sizeof what, "%s is a time HH:MM:SS[.fraction], not '%.60s'", name, s);
    } else {
        PyErr_Format(PyExc_TypeError, "%s is a time: \"HH:MM:SS[.fraction]\" or int ns", name);
        return -1;
    }
    blanc_py_raise(BLANC_EINVAL, NULL, what, 0);
    return -1;
}

static int setup(lob_obj *o, int strict, uint64_t from_ns, uint64_t to_ns,
                 blanc_session_error *err)
{
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
    o->ch = (blanc_py_chunks){.r = o->r, .in = &o->in, .path = o->path, .held = lob_held,
                              .hand_out = lob_hand_out, .ctx = o};
    blanc_lobster_options lo;
    memset(&lo, 0, sizeof lo);
    lo.symbols = (const char(*)[8])o->symbols;
    lo.n_symbols = o->n_symbols;
    lo.depth = o->depth;
    lo.from_ns = from_ns;
    lo.to_ns = to_ns;
    lo.on_row = on_row;
    lo.ctx = o;
    return blanc_lobster_create(&o->lob, o->r, &lo, NULL, NULL, 0);
}

/* _lobster(path, symbols, depth, start=None, end=None, strict=False) -> LobsterStream */
PyObject *blanc_py_lobster_open(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *names[] = {"path", "symbols", "depth", "start", "end", "strict", NULL};
    PyObject *path_obj, *symbols, *start = Py_None, *end = Py_None;
    unsigned long depth;
    int strict = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&Ok|OOp", names, PyUnicode_FSConverter,
                                     &path_obj, &symbols, &depth, &start, &end, &strict))
        return NULL;
    uint64_t from_ns = UINT64_C(34200) * 1000000000u, to_ns = UINT64_C(57600) * 1000000000u;
    if (window_end(start, "start", &from_ns) || window_end(end, "end", &to_ns)) {
        Py_DECREF(path_obj);
        return NULL;
    }
    const char *bad = depth < 1 || depth > BLANC_LOBSTER_MAX_DEPTH
                          ? "lobster takes depth 1 to 1000"
                      : from_ns >= to_ns ? "start must be before end (default 09:30:00 to 16:00:00)"
                                         : NULL;
    if (bad) {
        Py_DECREF(path_obj);
        return blanc_py_raise(BLANC_EINVAL, NULL, bad, 0);
    }
    lob_obj *o = PyObject_New(lob_obj, &blanc_py_lobster_type);
    if (!o) {
        Py_DECREF(path_obj);
        return NULL;
    }
    memset((char *)o + sizeof(PyObject), 0, sizeof *o - sizeof(PyObject));
    o->path = strdup(PyBytes_AS_STRING(path_obj));
    Py_DECREF(path_obj);
    if (!o->path) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    if (blanc_py_symbols(symbols, &o->symbols, &o->n_symbols)) {
        Py_DECREF(o);
        return NULL;
    }
    if (!o->n_symbols || o->n_symbols > BLANC_LOBSTER_MAX_SYMBOLS) {
        Py_DECREF(o);
        return blanc_py_raise(BLANC_EINVAL, NULL, "lobster needs symbols: 1 to 256 of them", 0);
    }
    o->depth = (uint32_t)depth;
    o->ncols = C_BOOK + 4 * (size_t)depth;
    if (!(o->col = calloc(o->ncols, sizeof *o->col))) {
        Py_DECREF(o);
        return PyErr_NoMemory();
    }
    blanc_session_error err;
    memset(&err, 0, sizeof err);
    int rc;
    Py_BEGIN_ALLOW_THREADS /* opening reads and judges the start of the input */
    rc = setup(o, strict, from_ns, to_ns, &err);
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
