/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc._blanc: the extension under the blanc package (python/blanc). It
 * holds the exceptions (one blanc.Error subclass per library code, named as
 * in C: BLANC_ENOTITCH is blanc.ENOTITCH), replay() with its states, and the
 * emit stream (emit.c). DataFrames are made in Python from the arrays made
 * here. Replays run with the GIL released.
 */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL blanc_py_ARRAY_API
#include <numpy/arrayobject.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glue.h"

/* ---- errors ---------------------------------------------------------------- */

static PyObject *error_base;
#define BLANC_PY_NCODES 64
static PyObject *error_class[BLANC_PY_NCODES]; /* by -code */

PyObject *blanc_py_raise(int code, const char *path, const char *what, int sys_errno)
{
    char msg[5200];
    snprintf(msg, sizeof msg, "%s%s%s%s%s%s%s%s", path && *path ? path : "",
             path && *path ? ": " : "", blanc_strerror(code), sys_errno ? ": " : "",
             sys_errno ? strerror(sys_errno) : "", what && *what ? " (" : "",
             what && *what ? what : "", what && *what ? ")" : "");
    PyObject *cls = code < 0 && -code < BLANC_PY_NCODES && error_class[-code] ? error_class[-code]
                                                                              : error_base;
    PyObject *e = PyObject_CallFunction(cls, "s", msg);
    if (!e)
        return NULL;
    PyObject *v = PyLong_FromLong(code);
    PyObject_SetAttrString(e, "code", v);
    Py_XDECREF(v);
    v = PyUnicode_FromString(blanc_err_name(code));
    PyObject_SetAttrString(e, "name", v);
    Py_XDECREF(v);
    v = path && *path ? PyUnicode_DecodeFSDefault(path) : (Py_INCREF(Py_None), Py_None);
    PyObject_SetAttrString(e, "path", v);
    Py_XDECREF(v);
    v = PyUnicode_DecodeUTF8(what ? what : "", what ? (Py_ssize_t)strlen(what) : 0, "replace");
    PyObject_SetAttrString(e, "detail", v);
    Py_XDECREF(v);
    v = PyLong_FromLong(sys_errno);
    PyObject_SetAttrString(e, "errno", v);
    Py_XDECREF(v);
    PyErr_SetObject(cls, e);
    Py_DECREF(e);
    return NULL;
}

PyObject *blanc_py_raise_err(const blanc_session_error *e)
{
    return blanc_py_raise(e->code, e->path, e->what, e->sys_errno);
}

static int make_errors(PyObject *m)
{
    error_base = PyErr_NewExceptionWithDoc(
        "blanc.Error",
        "An error of the Blanc library: .code (the negative BLANC_E* code), .name "
        "('BLANC_ENOTITCH'), .path (the file concerned or None), .detail (where and why) "
        "and .errno (the system's reason, 0 if none).",
        NULL, NULL);
    if (!error_base || PyModule_AddObjectRef(m, "Error", error_base))
        return -1;
#define BLANC_PY_ERRCLASS(name, code, text)                                                 \
    do {                                                                                    \
        PyObject *c = PyErr_NewExceptionWithDoc("blanc.E" #name, "BLANC_E" #name ": " text, \
                                                error_base, NULL);                          \
        if (!c || PyModule_AddObjectRef(m, "E" #name, c))                                   \
            return -1;                                                                      \
        error_class[-(code)] = c;                                                           \
    } while (0);
    BLANC_ERRNO_MAP(BLANC_PY_ERRCLASS)
#undef BLANC_PY_ERRCLASS
    return 0;
}

/* ---- input ------------------------------------------------------------------- */

int blanc_py_open_input(blanc_py_input *in, const char *path, blanc_framing framing,
                        blanc_session_error *err)
{
    memset(err, 0, sizeof *err);
    snprintf(err->path, sizeof err->path, "%s", path);
    int sys = 0;
    int rc = blanc_source_open(&in->src, path, &sys);
    if (rc) {
        err->code = rc;
        err->sys_errno = sys;
        return rc;
    }
    blanc_feed_options fo;
    memset(&fo, 0, sizeof fo);
    fo.framing = framing;
    char why[256] = "";
    rc = blanc_feed_open(&in->feed, in->src, &fo, why, sizeof why);
    if (rc) {
        err->code = rc;
        snprintf(err->what, sizeof err->what, "%s", why);
        return rc;
    }
    return 0;
}

void blanc_py_close_input(blanc_py_input *in)
{
    blanc_feed_free(in->feed);
    blanc_source_close(in->src);
    in->feed = NULL;
    in->src = NULL;
}

void blanc_py_run_error(int rc, const char *path, const blanc_replay *r, const blanc_feed *f,
                        blanc_session_error *err)
{
    memset(err, 0, sizeof *err);
    err->code = rc;
    snprintf(err->path, sizeof err->path, "%s", path);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    if (rc == BLANC_ESTRICT) {
        for (int i = 0; i < BLANC_AN_COUNT; i++) {
            const blanc_anomaly_stat *a = &st.anomalies[i];
            if (a->count) {
                snprintf(err->what, sizeof err->what,
                         "%s (%s) at byte %" PRIu64 ", message %" PRIu64,
                         blanc_anomaly_key((blanc_anomaly)i), blanc_anomaly_text((blanc_anomaly)i),
                         a->first_offset, a->first_index);
                return;
            }
        }
        return;
    }
    const blanc_feed_end *e = f ? blanc_feed_end_info(f) : NULL;
    uint64_t at = e && e->how == BLANC_END_ERROR ? e->offset : st.bytes;
    snprintf(err->what, sizeof err->what, "after %" PRIu64 " messages, byte %" PRIu64,
             st.messages, at);
}

int blanc_py_symbols(PyObject *seq, char (**out)[8], size_t *n)
{
    *out = NULL;
    *n = 0;
    if (seq == Py_None)
        return 0;
    if (PyUnicode_Check(seq)) {
        PyErr_SetString(PyExc_TypeError, "symbols is a list of str, not one str");
        return -1;
    }
    PyObject *fast = PySequence_Fast(seq, "symbols is a list of str");
    if (!fast)
        return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(fast);
    *out = calloc((size_t)k + 1, 8);
    if (!*out) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        const char *s = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(fast, i));
        if (!s || blanc_symbol_pad(s, (*out)[i])) {
            if (s)
                blanc_py_raise(BLANC_EINVAL, NULL, "a symbol is 1 to 8 characters", 0);
            free(*out);
            *out = NULL;
            Py_DECREF(fast);
            return -1;
        }
    }
    Py_DECREF(fast);
    *n = (size_t)k;
    return 0;
}

/* ---- a replay's state ------------------------------------------------------- */

typedef struct state_obj {
    PyObject_HEAD
    blanc_replay *r;
    int at_cut; /* a state at a cut: the input digest is of the prefix read */
    int has_health;           /* replayed with health=True: hs is its final health */
    blanc_health_stats hs;
    uint64_t emit_records;    /* records written to emit_out */
    unsigned threads;         /* book threads asked for or chosen (blanc_session_threads) */
} state_obj;

static void state_dealloc(state_obj *o)
{
    blanc_replay_free(o->r);
    Py_TYPE(o)->tp_free((PyObject *)o);
}

static PyTypeObject state_type;

static PyObject *state_new(blanc_replay *r, int at_cut, unsigned threads)
{
    state_obj *o = PyObject_New(state_obj, &state_type);
    if (!o) {
        blanc_replay_free(r);
        return NULL;
    }
    o->r = r;
    o->at_cut = at_cut;
    o->has_health = 0;
    o->emit_records = 0;
    o->threads = threads;
    return (PyObject *)o;
}

static PyObject *hex(uint64_t v)
{
    char b[17];
    snprintf(b, sizeof b, "%016" PRIx64, v);
    return PyUnicode_FromString(b);
}

static PyObject *st_messages(state_obj *o, PyObject *u)
{
    (void)u;
    return PyLong_FromUnsignedLongLong(py_replay_stats(o->r).messages);
}

static PyObject *st_digests(state_obj *o, PyObject *u)
{
    (void)u;
    blanc_digests d;
    blanc_replay_digests(o->r, &d);
    if (o->at_cut)
        blanc_replay_input_position(o->r, &d.input);
    return Py_BuildValue("{sNsNsNsN}", "l3", hex(d.l3), "l2", hex(d.l2), "stream", hex(d.stream),
                         "input", hex(d.input));
}

static PyObject *st_stats(state_obj *o, PyObject *u)
{
    (void)u;
    blanc_replay_stats st;
    blanc_replay_get_stats(o->r, &st);
    blanc_books_stats bs;
    blanc_books_get_stats(blanc_replay_books(o->r), &bs);
    PyObject *an = PyDict_New();
    for (int i = 0; an && i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *a = &st.anomalies[i];
        if (!a->count)
            continue;
        PyObject *v = Py_BuildValue("{sKsKsK}", "count", (unsigned long long)a->count,
                                    "first_offset", (unsigned long long)a->first_offset,
                                    "first_index", (unsigned long long)a->first_index);
        if (!v || PyDict_SetItemString(an, blanc_anomaly_key((blanc_anomaly)i), v)) {
            Py_XDECREF(v);
            Py_CLEAR(an);
        } else {
            Py_DECREF(v);
        }
    }
    if (!an)
        return NULL;
    return Py_BuildValue("{sKsKsKsKsKsKsIsKsN}", "messages", (unsigned long long)st.messages,
                         "bytes", (unsigned long long)st.bytes, "book_changes",
                         (unsigned long long)st.book_changes, "first_timestamp",
                         (unsigned long long)st.first_timestamp, "last_timestamp",
                         (unsigned long long)st.last_timestamp, "live_orders",
                         (unsigned long long)bs.live_orders, "instruments", bs.instruments,
                         "anomalies_total", (unsigned long long)st.anomalies_total, "anomalies",
                         an);
}

/* The final feed health as `blanc replay --json` reports it ("health"), in part. */
static PyObject *st_health(state_obj *o, PyObject *u)
{
    (void)u;
    if (!o->has_health)
        Py_RETURN_NONE;
    const blanc_health_stats *h = &o->hs;
    return Py_BuildValue("{sssssKsKsK}", "state", blanc_health_level_name(h->global_state),
                         "worst", blanc_health_level_name(h->global_worst), "published",
                         (unsigned long long)h->published, "gated",
                         (unsigned long long)h->gated, "transitions",
                         (unsigned long long)h->transitions);
}

static PyObject *st_emit_records(state_obj *o, PyObject *u)
{
    (void)u;
    return PyLong_FromUnsignedLongLong(o->emit_records);
}

static PyObject *st_threads(state_obj *o, PyObject *u)
{
    (void)u;
    return PyLong_FromUnsignedLong(o->threads);
}

static PyObject *sym_str(const char *s)
{
    Py_ssize_t n = (Py_ssize_t)strnlen(s, 8);
    while (n && s[n - 1] == ' ')
        n--;
    return PyUnicode_DecodeLatin1(s, n, NULL);
}

static PyObject *st_symbols(state_obj *o, PyObject *u)
{
    (void)u;
    const blanc_books *b = blanc_replay_books_const(o->r);
    size_t n = blanc_books_symbols(b, NULL, 0);
    uint16_t *loc = malloc((n + 1) * sizeof *loc);
    if (!loc)
        return PyErr_NoMemory();
    blanc_books_symbols(b, loc, n);
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t i = 0; l && i < n; i++) {
        blanc_instrument in;
        blanc_books_instrument(b, loc[i], &in);
        PyObject *s = sym_str(in.symbol);
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    free(loc);
    return l;
}

/* The locate of a user symbol, or NULL with blanc.ENOTFOUND raised. */
static int find(state_obj *o, const char *sym, blanc_instrument *in)
{
    char pad[8];
    if (blanc_symbol_pad(sym, pad)) {
        blanc_py_raise(BLANC_EINVAL, NULL, "a symbol is 1 to 8 characters", 0);
        return -1;
    }
    const blanc_books *b = blanc_replay_books_const(o->r);
    int loc = blanc_books_find(b, pad);
    if (loc < 0) {
        char what[64];
        snprintf(what, sizeof what, "symbol %s is not in the stock directory", sym);
        blanc_py_raise(BLANC_ENOTFOUND, NULL, what, 0);
        return -1;
    }
    blanc_books_instrument(b, (uint16_t)loc, in);
    return loc;
}

static PyObject *new_array(npy_intp n, int type)
{
    return PyArray_SimpleNew(1, &n, type);
}

/* levels(symbol, depth) -> (side, price, shares, orders) arrays: bids best
 * first, then asks best first; depth 0: every level. */
static PyObject *st_levels(state_obj *o, PyObject *args)
{
    const char *sym;
    unsigned long depth;
    if (!PyArg_ParseTuple(args, "sk", &sym, &depth))
        return NULL;
    blanc_instrument in;
    int loc = find(o, sym, &in);
    if (loc < 0)
        return NULL;
    const blanc_books *b = blanc_replay_books_const(o->r);
    size_t nb = in.bid_levels, na = in.ask_levels;
    if (depth) {
        nb = nb < depth ? nb : depth;
        na = na < depth ? na : depth;
    }
    blanc_level *lv = malloc((nb + na + 1) * sizeof *lv);
    if (!lv)
        return PyErr_NoMemory();
    nb = (size_t)blanc_books_levels(b, (uint16_t)loc, 'B', lv, nb);
    na = (size_t)blanc_books_levels(b, (uint16_t)loc, 'S', lv + nb, na);
    npy_intp n = (npy_intp)(nb + na);
    PyObject *side = new_array(n, NPY_OBJECT), *price = new_array(n, NPY_INT64),
             *shares = new_array(n, NPY_INT64), *orders = new_array(n, NPY_INT64);
    PyObject *bs = PyUnicode_FromString("B"), *ss = PyUnicode_FromString("S");
    PyObject *res = NULL;
    if (side && price && shares && orders && bs && ss) {
        for (npy_intp i = 0; i < n; i++) {
            PyObject *s = (size_t)i < nb ? bs : ss;
            Py_INCREF(s);
            ((PyObject **)PyArray_DATA((PyArrayObject *)side))[i] = s;
            ((int64_t *)PyArray_DATA((PyArrayObject *)price))[i] = lv[i].price;
            ((int64_t *)PyArray_DATA((PyArrayObject *)shares))[i] = (int64_t)lv[i].shares;
            ((int64_t *)PyArray_DATA((PyArrayObject *)orders))[i] = lv[i].orders;
        }
        res = Py_BuildValue("(OOOO)", side, price, shares, orders);
    }
    Py_XDECREF(side);
    Py_XDECREF(price);
    Py_XDECREF(shares);
    Py_XDECREF(orders);
    Py_XDECREF(bs);
    Py_XDECREF(ss);
    free(lv);
    return res;
}

/* orders(symbol) -> (side, price, position, ref, shares) arrays: bid levels
 * best first, then asks, each level's queue in time priority. */
static PyObject *st_orders(state_obj *o, PyObject *args)
{
    const char *sym;
    if (!PyArg_ParseTuple(args, "s", &sym))
        return NULL;
    blanc_instrument in;
    int loc = find(o, sym, &in);
    if (loc < 0)
        return NULL;
    const blanc_books *b = blanc_replay_books_const(o->r);
    size_t nlv = (size_t)in.bid_levels + in.ask_levels;
    blanc_level *lv = malloc((nlv + 1) * sizeof *lv);
    blanc_order *ord = malloc((in.orders + 1) * sizeof *ord);
    uint64_t *pos = malloc((in.orders + 1) * sizeof *pos);
    if (!lv || !ord || !pos) {
        free(lv);
        free(ord);
        free(pos);
        return PyErr_NoMemory();
    }
    size_t nb = (size_t)blanc_books_levels(b, (uint16_t)loc, 'B', lv, in.bid_levels);
    size_t na = (size_t)blanc_books_levels(b, (uint16_t)loc, 'S', lv + nb, in.ask_levels);
    size_t k = 0;
    for (size_t i = 0; i < nb + na; i++) {
        char side = i < nb ? 'B' : 'S';
        long q = blanc_books_queue(b, (uint16_t)loc, side, lv[i].price, ord + k, in.orders - k);
        for (long j = 0; j < q && k < in.orders; j++)
            pos[k++] = (uint64_t)j;
    }
    npy_intp n = (npy_intp)k;
    PyObject *side = new_array(n, NPY_OBJECT), *price = new_array(n, NPY_INT64),
             *position = new_array(n, NPY_INT64), *ref = new_array(n, NPY_UINT64),
             *shares = new_array(n, NPY_INT64);
    PyObject *bs = PyUnicode_FromString("B"), *ss = PyUnicode_FromString("S");
    PyObject *res = NULL;
    if (side && price && position && ref && shares && bs && ss) {
        uint64_t high = 0;
        for (npy_intp i = 0; i < n; i++) {
            PyObject *s = ord[i].side == 'B' ? bs : ss;
            Py_INCREF(s);
            ((PyObject **)PyArray_DATA((PyArrayObject *)side))[i] = s;
            ((int64_t *)PyArray_DATA((PyArrayObject *)price))[i] = ord[i].price;
            ((int64_t *)PyArray_DATA((PyArrayObject *)position))[i] = (int64_t)pos[i];
            ((uint64_t *)PyArray_DATA((PyArrayObject *)ref))[i] = ord[i].ref;
            ((int64_t *)PyArray_DATA((PyArrayObject *)shares))[i] = ord[i].shares;
            high |= ord[i].ref;
        }
        if (!(high >> 63)) { /* int64, as everywhere, unless a ref needs 64 bits */
            PyObject *r64 = PyArray_View((PyArrayObject *)ref, PyArray_DescrFromType(NPY_INT64), NULL);
            Py_SETREF(ref, r64);
        }
        if (ref)
            res = Py_BuildValue("(OOOOO)", side, price, position, ref, shares);
    }
    Py_XDECREF(side);
    Py_XDECREF(price);
    Py_XDECREF(position);
    Py_XDECREF(ref);
    Py_XDECREF(shares);
    Py_XDECREF(bs);
    Py_XDECREF(ss);
    free(lv);
    free(ord);
    free(pos);
    return res;
}

static PyMethodDef state_methods[] = {
    {"messages", (PyCFunction)st_messages, METH_NOARGS, "messages replayed"},
    {"digests", (PyCFunction)st_digests, METH_NOARGS, "the l3, l2, stream and input digests"},
    {"stats", (PyCFunction)st_stats, METH_NOARGS, "counters and anomalies"},
    {"health", (PyCFunction)st_health, METH_NOARGS, "final feed health (None: not tracked)"},
    {"emit_records", (PyCFunction)st_emit_records, METH_NOARGS, "records written to emit_out"},
    {"threads", (PyCFunction)st_threads, METH_NOARGS,
     "book threads asked for, or chosen for threads=None (a run with an emitter or strict "
     "uses one)"},
    {"symbols", (PyCFunction)st_symbols, METH_NOARGS, "symbols in the directory, sorted"},
    {"levels", (PyCFunction)st_levels, METH_VARARGS, "levels(symbol, depth) -> arrays"},
    {"orders", (PyCFunction)st_orders, METH_VARARGS, "orders(symbol) -> arrays"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject state_type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "blanc._blanc.State",
    .tp_basicsize = sizeof(state_obj),
    .tp_dealloc = (destructor)state_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "The books and counters of a replay, at its end or at a cut.",
    .tp_methods = state_methods,
};

/* ---- replay ------------------------------------------------------------------- */

/* The state at each cut, kept as a snapshot in memory and rebuilt from it:
 * the library's own checked way to hold a state apart from the running one. */
typedef struct mem {
    uint8_t *p;
    size_t n, cap;
} mem;

static int mem_put(void *ctx, const void *p, size_t n)
{
    mem *m = ctx;
    if (m->n + n > m->cap) {
        size_t cap = m->cap ? m->cap : 65536;
        while (cap < m->n + n)
            cap *= 2;
        uint8_t *q = realloc(m->p, cap);
        if (!q)
            return BLANC_ENOMEM;
        m->p = q;
        m->cap = cap;
    }
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return 0;
}

typedef struct cuts_ctx {
    blanc_cut *cuts;
    blanc_replay **states; /* by cut */
} cuts_ctx;

static int on_pause(void *ctx, blanc_replay *r, const blanc_cut *cut)
{
    cuts_ctx *c = ctx;
    if (!cut)
        return 0;
    mem m = {NULL, 0, 0};
    blanc_sink *sink;
    int rc = blanc_sink_open_fn(&sink, mem_put, &m);
    if (!rc) {
        rc = blanc_snapshot_write(r, BLANC_SNAP_BINARY, sink);
        int crc = blanc_sink_commit(sink);
        if (!rc)
            rc = crc;
    }
    if (!rc)
        rc = blanc_snapshot_read(&c->states[cut - c->cuts], m.p, m.n, NULL);
    free(m.p);
    return rc;
}

static int parse_cuts(PyObject *at, blanc_cut **cuts, size_t *n)
{
    PyObject *fast = PySequence_Fast(at, "at is a list of message indexes and HH:MM:SS times");
    if (!fast)
        return -1;
    Py_ssize_t k = PySequence_Fast_GET_SIZE(fast);
    *cuts = calloc((size_t)k + 1, sizeof **cuts);
    *n = (size_t)k;
    for (Py_ssize_t i = 0; *cuts && i < k; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(fast, i);
        blanc_cut *c = &(*cuts)[i];
        if (PyLong_Check(x)) {
            c->kind = BLANC_CUT_INDEX;
            c->at = PyLong_AsUnsignedLongLong(x);
            if (PyErr_Occurred()) {
                PyErr_Clear();
                blanc_py_raise(BLANC_EINVAL, NULL, "a message index is an integer >= 0", 0);
                goto bad;
            }
        } else if (PyUnicode_Check(x)) {
            const char *s = PyUnicode_AsUTF8(x);
            if (!s)
                goto bad;
            c->kind = BLANC_CUT_TIME;
            if (blanc_parse_time(s, &c->at)) {
                char what[128];
                snprintf(what, sizeof what, "a time is HH:MM:SS[.fraction], not '%.60s'", s);
                blanc_py_raise(BLANC_EINVAL, NULL, what, 0);
                goto bad;
            }
        } else {
            PyErr_SetString(PyExc_TypeError, "at holds message indexes (int) and times (str)");
            goto bad;
        }
    }
    Py_DECREF(fast);
    if (!*cuts) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
bad:
    Py_DECREF(fast);
    free(*cuts);
    *cuts = NULL;
    return -1;
}

/* Feed health (the CLI's default configuration), book threads and an emitter
 * writing emit_out (blanc_sink_open: atomic, compressed by suffix) for a run
 * to the end, as `blanc replay --threads N --emit KIND --format F -o OUT`. */
typedef struct run_extras {
    int health;
    unsigned threads;   /* 0: blanc_threads_auto of the opened source, as the CLI */
    int emit_kind, emit_format; /* -1: no emitter */
    const char *emit_out;
    char (*symbols)[8]; /* the emitter's instruments (NULL: all) */
    size_t n_symbols;
    blanc_health *h;
    blanc_sink *sink;
    blanc_emitter *em;
} run_extras;

static int extras_attach(run_extras *x, blanc_replay *r, const blanc_source *src,
                         blanc_session_error *err)
{
    int rc = 0;
    /* Chosen once the source is open: its inflate thread has started by then
     * and takes a CPU from the books (blanc_threads_auto). */
    if (!x->threads)
        x->threads = blanc_threads_auto(src);
    if (x->health) {
        blanc_health_config hc;
        blanc_health_config_default(&hc);
        if ((rc = blanc_health_create(&x->h, &hc)))
            return err->code = rc;
        blanc_replay_set_health(r, x->h);
    }
    if (x->threads > 1 && (rc = blanc_replay_set_threads(r, x->threads)))
        return err->code = rc;
    if (x->emit_kind >= 0) {
        int se = 0;
        if ((rc = blanc_sink_open(&x->sink, x->emit_out, &se))) {
            err->code = rc;
            err->sys_errno = se;
            snprintf(err->path, sizeof err->path, "%s", x->emit_out);
            return rc;
        }
        blanc_emit_options eo;
        memset(&eo, 0, sizeof eo);
        eo.kind = (blanc_emit_kind)x->emit_kind;
        eo.format = (blanc_emit_format)x->emit_format;
        eo.symbols = (const char(*)[8])x->symbols;
        eo.n_symbols = x->n_symbols;
        if ((rc = blanc_emitter_create(&x->em, r, x->h, &eo, x->sink)))
            return err->code = rc;
    }
    return 0;
}

/* After a successful run: flush and commit the output. */
static int extras_commit(run_extras *x, blanc_session_error *err, uint64_t *records)
{
    int rc = 0, se = 0;
    if (x->em) {
        rc = blanc_emitter_finish(x->em);
        *records = blanc_emitter_records(x->em);
    }
    if (x->sink) {
        int crc = rc;
        if (rc) {
            blanc_sink_error(x->sink, &se);
            blanc_sink_abort(x->sink);
        } else {
            crc = blanc_sink_commit_sys(x->sink, &se);
        }
        x->sink = NULL;
        if (crc) {
            err->code = rc = crc;
            err->sys_errno = se;
            snprintf(err->path, sizeof err->path, "%s", x->emit_out);
        }
    }
    return rc;
}

static void extras_free(run_extras *x, blanc_replay *r, blanc_health_stats *hs)
{
    blanc_emitter_free(x->em);
    blanc_sink_abort(x->sink);
    if (x->h) {
        blanc_health_get_stats(x->h, hs);
        if (r)
            blanc_replay_set_health(r, NULL);
        blanc_health_free(x->h);
    }
}

/* threads=: None or 0, automatic; 1 to BLANC_MAX_THREADS, that many. 0 was
 * the default when the default was one thread: a caller passing it asked for
 * the default, so it gets today's. Into *n, 0 for automatic. */
static int parse_threads(PyObject *o, unsigned *n)
{
    *n = 0;
    if (o == Py_None)
        return 0;
    /* Any integer (numpy's too, by __index__), not a bool. */
    if (!PyIndex_Check(o) || PyBool_Check(o)) {
        PyErr_SetString(PyExc_TypeError, "threads is an int or None");
        return -1;
    }
    PyObject *i = PyNumber_Index(o);
    if (!i)
        return -1;
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (v == -1 && PyErr_Occurred())
        return -1;
    if (overflow || v < 0 || v > BLANC_MAX_THREADS) {
        char what[96];
        snprintf(what, sizeof what, "threads is None or 0 (automatic), or 1 to %d",
                 BLANC_MAX_THREADS);
        blanc_py_raise(BLANC_EINVAL, NULL, what, 0);
        return -1;
    }
    *n = (unsigned)v;
    return 0;
}

/* _replay(path, strict, at, health, threads, emit, emit_format, emit_out)
 * -> State, or a list of States (one per cut) */
static PyObject *py_replay(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *names[] = {"path", "strict", "at", "health", "threads", "emit", "emit_format",
                            "emit_out", "symbols", NULL};
    PyObject *path_obj, *at = Py_None, *out_obj = NULL, *symbols = Py_None,
             *threads = Py_None;
    int strict = 0;
    run_extras x = {0, 0, -1, -1, NULL, NULL, 0, NULL, NULL, NULL};
    const char *emit_s = NULL, *format_s = "csv";
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|pOpOzsO&O", names, PyUnicode_FSConverter,
                                     &path_obj, &strict, &at, &x.health, &threads, &emit_s,
                                     &format_s, PyUnicode_FSConverter, &out_obj, &symbols))
        return NULL;
    if (parse_threads(threads, &x.threads)) {
        Py_DECREF(path_obj);
        Py_XDECREF(out_obj);
        return NULL;
    }
    if (emit_s && blanc_py_symbols(symbols, &x.symbols, &x.n_symbols)) {
        Py_DECREF(path_obj);
        Py_XDECREF(out_obj);
        return NULL;
    }
    if (emit_s) {
        x.emit_kind = blanc_emit_kind_parse(emit_s);
        x.emit_format = blanc_emit_format_parse(format_s);
        const char *bad = x.emit_kind < 0 || x.emit_kind == BLANC_EMIT_BARS
                              ? "emit kind is bbo, l2, l3 or trades"
                          : x.emit_format < 0 ? "emit_format is jsonl, csv or bin"
                          : !out_obj          ? "emit needs emit_out"
                          : at != Py_None     ? "emit and at do not go together"
                                              : NULL;
        if (bad) {
            Py_DECREF(path_obj);
            Py_XDECREF(out_obj);
            free(x.symbols);
            return blanc_py_raise(BLANC_EINVAL, NULL, bad, 0);
        }
        x.emit_out = PyBytes_AS_STRING(out_obj);
    }
    if (at != Py_None)
        x.health = 0; /* states at cuts report no health */
    const char *path = PyBytes_AS_STRING(path_obj);
    blanc_cut *cuts = NULL;
    size_t n_cuts = 0;
    if (at != Py_None && parse_cuts(at, &cuts, &n_cuts)) {
        Py_DECREF(path_obj);
        Py_XDECREF(out_obj);
        free(x.symbols);
        return NULL;
    }
    blanc_replay **states = calloc(n_cuts + 1, sizeof *states);
    if (!states) {
        free(cuts);
        Py_DECREF(path_obj);
        Py_XDECREF(out_obj);
        free(x.symbols);
        return PyErr_NoMemory();
    }
    blanc_session_error err;
    memset(&err, 0, sizeof err);
    blanc_py_input in = {NULL, NULL};
    blanc_replay *r = NULL;
    blanc_health_stats hs;
    memset(&hs, 0, sizeof hs);
    uint64_t records = 0;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = blanc_py_open_input(&in, path, BLANC_FRAMING_AUTO, &err);
    if (!rc) {
        blanc_replay_options ro;
        memset(&ro, 0, sizeof ro);
        ro.framing = blanc_feed_framing(in.feed);
        ro.strict = strict;
        if ((rc = blanc_replay_create(&r, &ro))) {
            err.code = rc;
        } else if (!(rc = extras_attach(&x, r, in.src, &err))) {
            cuts_ctx cc = {cuts, states};
            blanc_run_plan p = {cuts, n_cuts, 0, on_pause, &cc};
            rc = blanc_replay_run_plan(r, in.feed, &p);
            if (rc == BLANC_ECUTPAST) {
                for (size_t i = 0; i < n_cuts; i++)
                    if (!cuts[i].taken) {
                        blanc_py_run_error(rc, path, r, in.feed, &err);
                        snprintf(err.what, sizeof err.what,
                                 "at=%" PRIu64 ": the input ended after %" PRIu64 " messages",
                                 cuts[i].at, py_replay_stats(r).messages);
                        break;
                    }
            } else if (rc) {
                blanc_py_run_error(rc, path, r, in.feed, &err);
            } else {
                rc = extras_commit(&x, &err, &records);
            }
        }
    }
    extras_free(&x, r, &hs);
    blanc_py_close_input(&in);
    free(x.symbols);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    Py_XDECREF(out_obj);
    PyObject *res = NULL;
    if (rc) {
        blanc_py_raise_err(&err);
    } else if (at == Py_None) {
        res = state_new(r, 0, x.threads);
        r = NULL;
        if (res) {
            state_obj *so = (state_obj *)res;
            so->has_health = x.health;
            so->hs = hs;
            so->emit_records = records;
        }
    } else {
        res = PyList_New((Py_ssize_t)n_cuts);
        for (size_t i = 0; res && i < n_cuts; i++) {
            PyObject *s = state_new(states[i], 1, x.threads);
            states[i] = NULL;
            if (!s) {
                Py_CLEAR(res);
                break;
            }
            PyList_SET_ITEM(res, (Py_ssize_t)i, s);
        }
    }
    for (size_t i = 0; i < n_cuts; i++)
        blanc_replay_free(states[i]);
    free(states);
    free(cuts);
    blanc_replay_free(r);
    return res;
}

static PyObject *py_version(PyObject *self, PyObject *u)
{
    (void)self;
    (void)u;
    return PyUnicode_FromString(blanc_version());
}

static PyMethodDef methods[] = {
    {"_replay", (PyCFunction)(void (*)(void))py_replay, METH_VARARGS | METH_KEYWORDS,
     "_replay(path, strict=False, at=None, health=False, threads=None, emit=None, "
     "emit_format='csv', emit_out=None, symbols=None) -> State or [State]"},
    {"_emit", (PyCFunction)(void (*)(void))blanc_py_emit_open, METH_VARARGS | METH_KEYWORDS,
     "_emit(path, kind, symbols=None, depth=0, health=True, strict=False) -> EmitStream"},
    {"_lobster", (PyCFunction)(void (*)(void))blanc_py_lobster_open, METH_VARARGS | METH_KEYWORDS,
     "_lobster(path, symbols, depth, start=None, end=None, strict=False) -> LobsterStream"},
    {"version", py_version, METH_NOARGS, "the library's version string"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "blanc._blanc",
                                    "The C extension under the blanc package.", -1, methods,
                                    NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__blanc(void);
PyMODINIT_FUNC PyInit__blanc(void)
{
    import_array();
    if (PyType_Ready(&state_type) < 0 || PyType_Ready(&blanc_py_emit_type) < 0 ||
        PyType_Ready(&blanc_py_lobster_type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&moddef);
    if (!m)
        return NULL;
    if (make_errors(m) || PyModule_AddObjectRef(m, "State", (PyObject *)&state_type) ||
        PyModule_AddObjectRef(m, "EmitStream", (PyObject *)&blanc_py_emit_type) ||
        PyModule_AddObjectRef(m, "LobsterStream", (PyObject *)&blanc_py_lobster_type)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
