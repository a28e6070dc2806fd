/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * What the files of the extension share: the error raising and the input
 * opening. module.c is the module, its exceptions and replay(); emit.c turns
 * the emitter's binary records into numpy columns (it moves to the observers
 * once the emitter is one); lobster.c does the same with the LOBSTER writer's rows.
 */
#ifndef BLANC_PY_GLUE_H
#define BLANC_PY_GLUE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "blanc.h"

/* Raise the blanc.Error subclass of code with "path: text (what)". NULL. */
PyObject *blanc_py_raise(int code, const char *path, const char *what, int sys_errno);
/* The same from a session-style error record. */
PyObject *blanc_py_raise_err(const blanc_session_error *e);

/* One run's input: source and feed, opened as `blanc replay` opens them. */
typedef struct blanc_py_input {
    blanc_source *src;
    blanc_feed *feed;
} blanc_py_input;

/* 0, or the error code with *err filled. */
int blanc_py_open_input(blanc_py_input *in, const char *path, blanc_framing framing,
                        blanc_session_error *err);
void blanc_py_close_input(blanc_py_input *in);
/* Describe a run that stopped with rc (not 0) in *err. */
void blanc_py_run_error(int rc, const char *path, const blanc_replay *r, const blanc_feed *f,
                        blanc_session_error *err);
/* Symbols from a Python sequence of str (or None) into 8-byte pads (malloc'd). */
int blanc_py_symbols(PyObject *seq, char (**out)[8], size_t *n);

/* The replay's counters as a value (blanc_replay_get_stats copies them). */
static inline blanc_replay_stats py_replay_stats(const blanc_replay *r)
{
    blanc_replay_stats s;
    blanc_replay_get_stats(r, &s);
    return s;
}

/* chunks.c: the read(max_rows) step of the chunked streams. The stream
 * fills in r, in, path and the callbacks once; the flags are the step's. */
typedef struct blanc_py_chunks {
    blanc_replay *r;
    blanc_py_input *in;
    const char *path;
    size_t (*held)(void *ctx); /* rows held and not yet handed out */
    int (*flush)(void *ctx);   /* after each step (NULL: none): 0 or an error code */
    PyObject *(*hand_out)(void *ctx, size_t n); /* the next n rows as {name: array} */
    void *ctx;
    int finished, busy, failed;
} blanc_py_chunks;

/* read(max_rows): replays on until max_rows rows are held (all that are
 * left when < 0) or the input ends, and hands them out; None once every row
 * has been read. An error fails the stream: every later read says so. */
PyObject *blanc_py_chunks_read(blanc_py_chunks *c, PyObject *args);

/* emit.c */
extern PyTypeObject blanc_py_emit_type;
PyObject *blanc_py_emit_open(PyObject *self, PyObject *args, PyObject *kw);

/* lobster.c */
extern PyTypeObject blanc_py_lobster_type;
PyObject *blanc_py_lobster_open(PyObject *self, PyObject *args, PyObject *kw);

#endif
