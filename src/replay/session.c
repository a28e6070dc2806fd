/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A replay session: everything one run of `blanc replay` wires together —
 * the input source, the replay (new, or rebuilt from a snapshot to resume),
 * the health tracker and its journal, the per-message emitter and its output,
 * snapshots at the cuts of a run plan — owned in one place with one teardown.
 *
 * Outputs are all-or-nothing: the emit output and the journal are temp files
 * until blanc_session_commit(); snapshots are each written atomically and, if
 * the session is freed without a commit (a failed run), removed again, with
 * the snapshot folder if the session created it. A failed run leaves nothing.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blanc.h"
#include "feed/map_pager.h"
#include "out/creatable.h"
#include "replay/view.h"

#define SNAP_PATH_MAX 4096

typedef struct snap_taken {
    char *path;
    uint64_t messages;
} snap_taken;

struct blanc_session {
    blanc_session_options o;
    blanc_source *src;
    blanc_feed *feed;
    blanc_replay *r;
    blanc_health *h;
    blanc_sink *journal, *emit_sink;
    blanc_emitter *em;
    blanc_lobster *lob;
    blanc_fix *fix;
    snap_taken *snaps;
    size_t n_snaps, cap_snaps;
    int made_dir, finished, committed, health_restarted;
    uint64_t start_messages, emit_records;
    unsigned threads; /* asked for, or what AUTO chose (blanc_session_threads) */
    blanc_session_error *err; /* of the call in progress (run) */
};

static int fail(blanc_session_error *e, int code, int sys, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

static int fail(blanc_session_error *e, int code, int sys, const char *path, const char *fmt, ...)
{
    if (e) {
        e->code = code;
        e->sys_errno = sys;
        snprintf(e->path, sizeof e->path, "%s", path ? path : "");
        e->what[0] = 0;
        if (fmt) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(e->what, sizeof e->what, fmt, ap);
            va_end(ap);
        }
    }
    return code;
}

/* The most messages `size` bytes can hold: the shortest frame is 3 bytes (a
 * one-byte frame of an unknown type counts as a message). Only a source whose
 * length is known before reading (a plain file) can tell. */
static int cuts_fit(const blanc_session *s, blanc_session_error *err)
{
    uint64_t size;
    if (!blanc_source_size(s->src, &size))
        return 0;
    uint64_t most = size / 3;
    for (size_t i = 0; i < s->o.n_cuts; i++) {
        const blanc_cut *c = &s->o.cuts[i];
        if (c->kind == BLANC_CUT_INDEX && c->at > most)
            return fail(err, BLANC_ECUTPAST, 0, s->o.input,
                        "a cut at message %" PRIu64 " lies past the end: %" PRIu64
                        " bytes hold at most %" PRIu64 " messages",
                        c->at, size, most);
    }
    return 0;
}

/* Every output of the session can be made where it is asked for: checked
 * before the input is opened, so a bad path is refused at once instead of
 * after the whole run (a snapshot folder is only made with its first
 * snapshot, the LOBSTER folder and the files once the replay exists). */
static int check_outputs(const blanc_session_options *o, blanc_session_error *err)
{
    const struct {
        const char *path;
        int folder;
    } out[] = {
        {o->n_cuts ? o->snapshot_dir : NULL, 1},
        {o->health ? o->health_journal : NULL, 0},
        {o->emit || o->fix ? o->emit_out : NULL, 0},
        {o->lobster ? o->lobster->dir : NULL, 1},
    };
    for (size_t i = 0; i < sizeof out / sizeof out[0]; i++) {
        if (!out[i].path || !strcmp(out[i].path, "-"))
            continue;
        int sys;
        char what[sizeof err->what];
        int rc = blanc__creatable(out[i].path, out[i].folder, &sys, what, sizeof what);
        if (rc)
            return fail(err, rc, sys, out[i].path, "%s", what);
    }
    return 0;
}

static int open_sink(blanc_sink **out, const char *path, blanc_session_error *err)
{
    int sys = 0;
    int rc = blanc_sink_open(out, path, &sys);
    return rc ? fail(err, rc, sys, path, NULL) : 0;
}

/* The feed over the input, in the framing asked for (a resumed replay: the
 * snapshot's), judged by its content. */
static int open_feed(blanc_session *s, blanc_framing framing, blanc_session_error *err)
{
    blanc_feed_options fo = s->o.feed;
    fo.framing = framing;
    /* A resumed input was judged when the snapshot was taken; its digest
     * (checked next) says it is the same one. */
    fo.no_sniff = s->o.replay.no_sniff || s->o.resume != NULL;
    char why[256];
    int rc = blanc_feed_open(&s->feed, s->src, &fo, why, sizeof why);
    if (rc == BLANC_ENOTITCH || (rc == BLANC_ENOSESSION && why[0]))
        return fail(err, rc, 0, s->o.input, "%s", why);
    if (rc)
        return fail(err, rc, 0, s->o.input, NULL);
    return 0;
}

static int resume(blanc_session *s, blanc_session_error *err)
{
    const blanc_session_options *o = &s->o;
    blanc_snap_error se;
    memset(&se, 0, sizeof se);
    int rc = blanc_snapshot_load(&s->r, o->resume, &se);
    if (rc == BLANC_EBADSNAP || rc == BLANC_EVERSION)
        return fail(err, rc, 0, o->resume, "section %s, byte %" PRIu64 ": %s", se.section,
                    se.offset, se.what);
    if (rc)
        return fail(err, rc, rc == BLANC_EOPEN || rc == BLANC_EIO ? errno : 0, o->resume, NULL);
    blanc_framing f = blanc_replay_get_options(s->r)->framing;
    if (o->replay.framing != BLANC_FRAMING_AUTO && o->replay.framing != f)
        return fail(err, BLANC_EINVAL, 0, o->resume, "the snapshot was taken with --framing %s",
                    blanc_framing_name(f));
    if ((rc = open_feed(s, f, err)))
        return rc;
    uint64_t digest;
    uint64_t pos = blanc_replay_input_position(s->r, &digest);
    rc = blanc_replay_resume(s->r, s->feed, o->force);
    if (rc == BLANC_EMISMATCH)
        return fail(err, rc, 0, o->input,
                    "its first %" PRIu64 " bytes do not hash to the %016" PRIx64
                    " recorded in %s (or it is shorter)",
                    pos, digest, o->resume);
    if (rc == BLANC_ENODIGEST)
        return fail(err, rc, 0, o->resume,
                    "it was taken with --no-input-digest, so %s cannot be checked", o->input);
    if (rc)
        return fail(err, rc, 0, o->input, "cannot reach the snapshot's position (byte %" PRIu64 ")",
                    pos);
    return 0;
}

/* blanc_threads_auto: a CPU for each book thread, less those the input's
 * always-busy helpers hold. The inflate thread decodes the whole run long
 * (~0.6 s of CPU for a 300 MB day beside ~0.75 s of books): with two book
 * threads beside it on two CPUs, three threads took turns on two cores and
 * the run was slower than with one book thread. The pager and the capture
 * walk stay off when the book threads fill the CPUs, so they take none. */
unsigned blanc_threads_auto(const blanc_source *src)
{
    unsigned n = blanc_cpus_usable();
    unsigned busy = src && (blanc_source_helpers(src) & BLANC_HELPER_INFLATE) ? 1 : 0;
    n = n > busy + 1 ? n - busy : 1;
    return n < BLANC_MAX_THREADS ? n : BLANC_MAX_THREADS;
}

unsigned blanc_session_threads(const blanc_session *s) { return s->threads; }

int blanc_session_open(blanc_session **out, const blanc_session_options *o,
                       blanc_session_error *err)
{
    if (!out || !o || !o->input || (o->n_cuts && !o->snapshot_dir) ||
        (!o->emit && !o->fix) != !o->emit_out || (o->emit && o->fix))
        return fail(err, BLANC_EINVAL, 0, NULL, NULL);
    *out = NULL;
    int rc;
    blanc_session *s = calloc(1, sizeof *s);
    if (!s)
        return fail(err, BLANC_ENOMEM, 0, NULL, NULL);
    s->o = *o;
    int sys = 0;
    if ((rc = check_outputs(o, err))) {
        goto out;
    } else if (o->live) {
        /* A socket feed: nothing to open, nothing to read again (no resume),
         * no length to check cuts against. The caller owns it. */
        if (o->resume) {
            rc = fail(err, BLANC_EINVAL, 0, o->input, "a live feed cannot resume a snapshot");
            goto out;
        }
        s->feed = o->live;
        if ((rc = blanc_replay_create(&s->r, &o->replay))) {
            rc = fail(err, rc, 0, NULL, NULL);
            goto out;
        }
    } else if ((rc = blanc_source_open(&s->src, o->input, &sys))) {
        fail(err, rc, sys, o->input, NULL);
        goto out;
    } else if ((rc = cuts_fit(s, err))) {
        goto out;
    } else if (o->resume) {
        if ((rc = resume(s, err)))
            goto out;
    } else {
        if ((rc = open_feed(s, o->replay.framing, err)))
            goto out;
        if ((rc = blanc_replay_create(&s->r, &o->replay))) {
            rc = fail(err, rc, 0, NULL, NULL);
            goto out;
        }
    }
    s->threads = o->threads == BLANC_THREADS_AUTO ? blanc_threads_auto(s->src) : o->threads;
    if ((rc = blanc_replay_set_threads(s->r, o->on_tick ? 1 : s->threads))) {
        fail(err, rc, 0, NULL, "at most %d threads", BLANC_MAX_THREADS);
        goto out;
    }
    s->start_messages = blanc__replay_stats(s->r)->messages;
    blanc_run_plan check = {o->cuts, o->n_cuts, 0, NULL, NULL};
    if ((rc = blanc_run_plan_check(&check, s->r))) {
        fail(err, rc, 0, o->resume, "a cut lies before the snapshot's position (message %" PRIu64
             ")", s->start_messages);
        goto out;
    }
    /* Health before the emitter: its records carry the gate. */
    if (o->health) {
        if ((rc = blanc_health_create(&s->h, o->health))) {
            blanc_config_error ce = {0, ""};
            blanc_health_config_check(o->health, &ce);
            fail(err, rc, 0, NULL, "health config: %s", ce.what);
            goto out;
        }
        /* A resumed run continues the snapshot's health state, so its journal,
         * gates and final health are the uninterrupted run's; a snapshot
         * without one starts health empty here, and says so. */
        if (o->resume) {
            blanc_snap_error se;
            memset(&se, 0, sizeof se);
            rc = blanc_health_resume(s->h, s->r, &se);
            if (rc == BLANC_ENOTFOUND) {
                s->health_restarted = 1;
            } else if (rc == BLANC_EMISMATCH) {
                fail(err, rc, 0, o->resume,
                     "%s; resume with the snapshot run's --health-config and --reset-at, or "
                     "with --no-health", se.what);
                goto out;
            } else if (rc) {
                fail(err, rc, 0, o->resume, "%s (section %s, offset %" PRIu64 ")", se.what,
                     se.section, se.offset);
                goto out;
            }
        }
        if (o->health_journal) {
            if ((rc = open_sink(&s->journal, o->health_journal, err)))
                goto out;
            blanc_health_set_journal(s->h, s->journal);
        }
        blanc_replay_set_health(s->r, s->h);
    }
    if (o->emit) {
        if ((rc = open_sink(&s->emit_sink, o->emit_out, err)))
            goto out;
        if ((rc = blanc_emitter_create(&s->em, s->r, s->h, o->emit, s->emit_sink))) {
            fail(err, rc, 0, o->emit_out, NULL);
            goto out;
        }
    }
    if (o->fix) {
        if ((rc = open_sink(&s->emit_sink, o->emit_out, err)))
            goto out;
        if ((rc = blanc_fix_create(&s->fix, s->r, o->fix, s->emit_sink))) {
            fail(err, rc, 0, o->emit_out, NULL);
            goto out;
        }
    }
    if (o->lobster) {
        char path[SNAP_PATH_MAX];
        if ((rc = blanc_lobster_create(&s->lob, s->r, o->lobster, &sys, path, sizeof path))) {
            fail(err, rc, sys, path, NULL);
            goto out;
        }
    }
    *out = s;
    return 0;
out:
    blanc_session_free(s);
    return rc;
}

static void snapshot_name(const blanc_session *s, const blanc_cut *c, char *out, size_t cap)
{
    const char *ext = s->o.snapshot_format == BLANC_SNAP_JSON ? "json" : "snap";
    if (c->kind == BLANC_CUT_INDEX) {
        snprintf(out, cap, "%s/snap-i%" PRIu64 ".%s", s->o.snapshot_dir, c->at, ext);
    } else if (c->kind == BLANC_CUT_TIME) {
        uint64_t sec = c->at / 1000000000u, ns = c->at % 1000000000u;
        snprintf(out, cap, "%s/snap-t%02" PRIu64 "%02" PRIu64 "%02" PRIu64 ".%09" PRIu64 ".%s",
                 s->o.snapshot_dir, sec / 3600, sec / 60 % 60, sec % 60, ns, ext);
    } else {
        snprintf(out, cap, "%s/snap-end.%s", s->o.snapshot_dir, ext);
    }
}

static int write_snapshot(blanc_session *s, const blanc_cut *c)
{
    blanc_session_error *err = s->err;
    if (!s->made_dir && !s->n_snaps) {
        /* The folder appears with its first snapshot: a run that takes none
         * leaves none behind. */
        if (mkdir(s->o.snapshot_dir, 0777) == 0)
            s->made_dir = 1;
        else if (errno != EEXIST)
            return fail(err, BLANC_EOPEN, errno, s->o.snapshot_dir,
                        "cannot create the snapshot folder");
    }
    if (s->n_snaps == s->cap_snaps) {
        size_t cap = s->cap_snaps ? 2 * s->cap_snaps : 8;
        snap_taken *n = realloc(s->snaps, cap * sizeof *n);
        if (!n)
            return fail(err, BLANC_ENOMEM, 0, NULL, NULL);
        s->snaps = n;
        s->cap_snaps = cap;
    }
    char *path = malloc(SNAP_PATH_MAX);
    if (!path)
        return fail(err, BLANC_ENOMEM, 0, NULL, NULL);
    snapshot_name(s, c, path, SNAP_PATH_MAX);
    blanc_sink *sink;
    int rc = open_sink(&sink, path, err);
    if (!rc && (rc = blanc_snapshot_write(s->r, s->o.snapshot_format, sink))) {
        int sys = 0;
        blanc_sink_error(sink, &sys);
        blanc_sink_abort(sink);
        fail(err, rc, sys, path, NULL);
    } else if (!rc) {
        int sys = 0;
        if ((rc = blanc_sink_commit_sys(sink, &sys)))
            fail(err, rc, sys, path, NULL);
    }
    if (rc) {
        free(path);
        return rc;
    }
    s->snaps[s->n_snaps].path = path;
    s->snaps[s->n_snaps++].messages = blanc__replay_stats(s->r)->messages;
    return 0;
}

static int on_pause(void *ctx, blanc_replay *r, const blanc_cut *c)
{
    blanc_session *s = ctx;
    (void)r;
    if (!c)
        return s->o.on_tick ? s->o.on_tick(s->o.ctx, s) : 0;
    return write_snapshot(s, c);
}

/* Whether an output sink failed, and the system's reason. */
static int sink_failed(const blanc_sink *k, int *sys)
{
    *sys = 0;
    return k && blanc_sink_error(k, sys) != 0;
}

/* A run stopped by an I/O error: whose? An output's, else the input's. */
static int blame(blanc_session *s, int rc, blanc_session_error *err)
{
    int sys;
    if (s->em)
        blanc_emitter_finish(s->em);
    if (s->fix)
        blanc_fix_finish(s->fix);
    if (sink_failed(s->emit_sink, &sys))
        return fail(err, rc, sys, s->o.emit_out, NULL);
    char path[SNAP_PATH_MAX];
    if (s->lob && blanc_lobster_finish(s->lob, &sys, path, sizeof path))
        return fail(err, rc, sys, path, NULL);
    if (s->h && s->journal)
        blanc_health_finish(s->h);
    if (sink_failed(s->journal, &sys))
        return fail(err, rc, sys, s->o.health_journal, NULL);
    char where[sizeof err->what];
    blanc_replay_where(s->r, s->feed, where, sizeof where);
    return fail(err, rc, 0, s->o.input, "%s", where);
}

int blanc_session_run(blanc_session *s, blanc_session_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    s->err = err;
    blanc_run_plan p = {s->o.cuts, s->o.n_cuts, s->o.on_tick ? s->o.tick : 0, on_pause, s};
    if (s->src && blanc__replay_fills_cpus(s->r))
        blanc__source_no_pager(s->src); /* measured: docs/PERFORMANCE.md "Threads" */
    int rc = blanc_replay_run_plan(s->r, s->feed, &p);
    s->err = NULL;
    if (rc == 0 || rc == BLANC_ESTRICT)
        return rc;
    if (err && err->code == rc)
        return rc; /* a snapshot's own failure, already described */
    if (rc == BLANC_ECUTPAST) {
        const blanc_cut *c = NULL;
        for (size_t i = 0; i < s->o.n_cuts && !c; i++)
            if (!s->o.cuts[i].taken)
                c = &s->o.cuts[i];
        return fail(err, rc, 0, s->o.input,
                    "no snapshot at message %" PRIu64 ": the input ended after %" PRIu64
                    " messages",
                    c ? c->at : 0, blanc__replay_stats(s->r)->messages);
    }
    return blame(s, rc, err);
}

int blanc_session_finish(blanc_session *s, blanc_session_error *err)
{
    if (s->finished)
        return 0;
    int rc = 0, sys = 0;
    if (s->em && (rc = blanc_emitter_finish(s->em))) {
        sink_failed(s->emit_sink, &sys);
        return fail(err, rc, sys, s->o.emit_out, NULL);
    }
    if (s->fix && (rc = blanc_fix_finish(s->fix))) {
        sink_failed(s->emit_sink, &sys);
        return fail(err, rc, sys, s->o.emit_out, NULL);
    }
    if (s->h && (rc = blanc_health_finish(s->h))) {
        sink_failed(s->journal, &sys);
        return fail(err, rc, sys, s->o.health_journal, NULL);
    }
    char path[SNAP_PATH_MAX];
    if (s->lob && (rc = blanc_lobster_finish(s->lob, &sys, path, sizeof path)))
        return fail(err, rc, sys, path, NULL);
    s->emit_records = blanc_session_emit_records(s);
    blanc_emitter_free(s->em);
    s->em = NULL;
    blanc_fix_free(s->fix);
    s->fix = NULL;
    /* Every byte written and every file closed before the first rename, so
     * what is left (commit) is short and cannot block on a slow reader. */
    if (s->emit_sink && (rc = blanc_sink_finish(s->emit_sink, &sys)))
        return fail(err, rc, sys, s->o.emit_out, NULL);
    if (s->journal && (rc = blanc_sink_finish(s->journal, &sys)))
        return fail(err, rc, sys, s->o.health_journal, NULL);
    s->finished = 1;
    return 0;
}

int blanc_session_commit(blanc_session *s, blanc_session_error *err)
{
    int rc = blanc_session_finish(s, err), sys = 0;
    if (rc)
        return rc;
    char path[SNAP_PATH_MAX];
    if (s->lob && (rc = blanc_lobster_commit(s->lob, &sys, path, sizeof path)))
        return fail(err, rc, sys, path, NULL);
    if (s->emit_sink) {
        rc = blanc_sink_commit_sys(s->emit_sink, &sys);
        s->emit_sink = NULL;
        if (rc)
            return fail(err, rc, sys, s->o.emit_out, NULL);
    }
    if (s->journal) {
        rc = blanc_sink_commit_sys(s->journal, &sys);
        s->journal = NULL;
        if (rc)
            return fail(err, rc, sys, s->o.health_journal, NULL);
    }
    s->committed = 1;
    return 0;
}

/* The snapshots this session wrote, and the folder if it made it
 * (unlink/rmdir only: blanc_session_unlink_outputs runs in a signal handler). */
static void unlink_snapshots(const blanc_session *s)
{
    for (size_t i = 0; i < s->n_snaps; i++)
        unlink(s->snaps[i].path);
    if (s->made_dir)
        rmdir(s->o.snapshot_dir);
}

void blanc_session_free(blanc_session *s)
{
    if (!s)
        return;
    blanc_emitter_free(s->em);
    blanc_fix_free(s->fix);
    blanc_lobster_free(s->lob);
    blanc_sink_abort(s->emit_sink);
    blanc_sink_abort(s->journal);
    if (!s->committed)
        unlink_snapshots(s);
    for (size_t i = 0; i < s->n_snaps; i++)
        free(s->snaps[i].path);
    free(s->snaps);
    blanc_health_free(s->h);
    blanc_replay_free(s->r);
    if (s->feed != s->o.live)
        blanc_feed_free(s->feed);
    blanc_source_close(s->src);
    free(s);
}

blanc_replay *blanc_session_replay(blanc_session *s) { return s->r; }

const blanc_source *blanc_session_source(const blanc_session *s) { return s->src; }

const blanc_feed *blanc_session_feed(const blanc_session *s) { return s->feed; }

void blanc_session_unlink_outputs(const blanc_session *s)
{
    /* unlink() and rmdir() only: callable from a signal handler. */
    if (!s || s->committed)
        return;
    blanc_sink_unlink_temp(s->emit_sink);
    blanc_sink_unlink_temp(s->journal);
    blanc_lobster_unlink_temp(s->lob);
    unlink_snapshots(s);
}

blanc_health *blanc_session_health(blanc_session *s) { return s->h; }

int blanc_session_health_restarted(const blanc_session *s) { return s->health_restarted; }

void blanc_session_input(const blanc_session *s, blanc_session_input_info *in)
{
    in->start_messages = s->start_messages;
    if (!s->src) { /* a live feed: its offset counts the payload received */
        in->compression = BLANC_COMP_NONE;
        in->file_bytes = in->stream_bytes = blanc_feed_offset(s->feed);
        return;
    }
    in->compression = blanc_source_compression(s->src);
    in->file_bytes = blanc_source_raw_bytes(s->src);
    in->stream_bytes = blanc_source_available(s->src);
}

size_t blanc_session_snapshots(const blanc_session *s) { return s->n_snaps; }

const char *blanc_session_snapshot(const blanc_session *s, size_t i, uint64_t *messages)
{
    if (i >= s->n_snaps)
        return NULL;
    if (messages)
        *messages = s->snaps[i].messages;
    return s->snaps[i].path;
}

uint64_t blanc_session_emit_records(const blanc_session *s)
{
    if (s->fix)
        return blanc_fix_messages(s->fix);
    return s->em ? blanc_emitter_records(s->em) : s->emit_records;
}

const blanc_lobster *blanc_session_lobster(const blanc_session *s) { return s->lob; }
