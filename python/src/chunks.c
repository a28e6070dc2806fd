/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The read step both chunked streams share (EmitStream and LobsterStream):
 * replay on until the writer holds the rows asked for, without the GIL, so
 * other Python threads run while the books are built. The streams differ
 * only in where their rows are held, which the callbacks answer.
 */
#include "glue.h"

/* Messages replayed per step when reading in chunks: a step past the rows
 * asked for leaves at most this many messages' rows behind. */
#define STEP 65536

/* 1: hand out *n rows; 0: every row has been read; -1: an exception is set. */
static int fill(blanc_py_chunks *c, Py_ssize_t want, size_t *n)
{
    if (c->busy || c->failed) {
        PyErr_SetString(PyExc_RuntimeError, c->busy ? "blanc: this emit stream is being read by "
                                                      "another thread"
                                                    : "blanc: this emit stream stopped on an error");
        return -1;
    }
    c->busy = 1;
    int rc = 0;
    size_t max = want < 0 ? SIZE_MAX : (size_t)want;
    Py_BEGIN_ALLOW_THREADS
    while (!c->finished && !rc && c->held(c->ctx) < max) {
        if (want < 0) {
            rc = blanc_replay_run(c->r, c->in->feed);
            c->finished = 1;
        } else {
            uint64_t at = py_replay_stats(c->r).messages + STEP;
            rc = blanc_replay_run_until(c->r, c->in->feed, at, BLANC_NO_LIMIT);
            if (rc == BLANC_REPLAY_PAUSED)
                rc = 0;
            else
                c->finished = 1;
        }
        int frc = c->flush ? c->flush(c->ctx) : 0;
        if (!rc)
            rc = frc;
    }
    Py_END_ALLOW_THREADS
    c->busy = 0;
    if (rc) {
        c->failed = 1;
        blanc_session_error err;
        blanc_py_run_error(rc, c->path, c->r, c->in->feed, &err);
        blanc_py_raise_err(&err);
        return -1;
    }
    size_t left = c->held(c->ctx);
    if (c->finished && !left && want >= 0)
        return 0;
    *n = left < max ? left : max;
    return 1;
}

PyObject *blanc_py_chunks_read(blanc_py_chunks *c, PyObject *args)
{
    Py_ssize_t want;
    size_t n;
    if (!PyArg_ParseTuple(args, "n", &want))
        return NULL;
    int got = fill(c, want, &n);
    if (got < 0)
        return NULL;
    if (!got)
        Py_RETURN_NONE;
    return c->hand_out(c->ctx, n);
}
