/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Every cut kind x every source x every awkward position (docs/SNAPSHOT.md
 * "Cut points"): a run that pauses must end exactly as the uninterrupted run,
 * the pause must be exactly where the cut says, and the snapshot taken there
 * must resume to the same end.
 *
 * The expected pause positions come from an independent walk over the frames
 * of the generated day (offsets, timestamps), not from the replay; the state
 * at a pause is checked against a fresh replay of exactly that prefix of the
 * bytes. Sources: a mapped plain file, gzip and zstd files, a FIFO (a pipe,
 * as stdin is), and caller memory. The day is ~8.5 MB so that cuts fall on
 * each side of the 4 MiB and 8 MiB window edges of every source.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "blanc.h"
#include "util.h"

enum { SRC_MAP, SRC_GZIP, SRC_ZSTD, SRC_PIPE, SRC_MEM, N_SRC };
static const char *const src_name[N_SRC] = {"map", "gzip", "zstd", "pipe", "mem"};

static char dir[64];
static char path[N_SRC][128];
static uint8_t *day;
static size_t day_len;
static uint64_t *off, *ts; /* per frame, from the independent walk */
static uint64_t n_frames;
static blanc_digests want;
static uint64_t want_bytes;

static uint8_t *slurp(const char *p, size_t *n)
{
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)len);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

static void spit(const char *p, const void *b, size_t n)
{
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void make_inputs(void)
{
    snprintf(dir, sizeof dir, "/tmp/blanc-cuts-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path[SRC_MAP], sizeof path[0], "%s/day.itch", dir);
    snprintf(path[SRC_GZIP], sizeof path[0], "%s/day.itch.gz", dir);
    snprintf(path[SRC_ZSTD], sizeof path[0], "%s/day.itch.zst", dir);
    snprintf(path[SRC_PIPE], sizeof path[0], "%s/fifo", dir);
    blanc_gen_config g = {7, 300000, 40, BLANC_SCENARIO_NORMAL, 0};
    blanc_sink *s;
    assert_int_equal(blanc_sink_open(&s, path[SRC_MAP], NULL), 0);
    assert_int_equal(blanc_gen_write(&g, s, NULL), 0);
    assert_int_equal(blanc_sink_commit(s), 0);
    day = slurp(path[SRC_MAP], &day_len);
    assert_true(day_len > ((size_t)8 << 20) + 65536);
    /* gzip */
    uLong cap = compressBound((uLong)day_len) + 64;
    uint8_t *gz = malloc(cap);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = day;
    z.avail_in = (uInt)day_len;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    spit(path[SRC_GZIP], gz, cap - z.avail_out);
    deflateEnd(&z);
    free(gz);
    /* zstd */
    size_t zcap = ZSTD_compressBound(day_len);
    uint8_t *zs = malloc(zcap);
    size_t zn = ZSTD_compress(zs, zcap, day, day_len, 1);
    assert_false(ZSTD_isError(zn));
    spit(path[SRC_ZSTD], zs, zn);
    free(zs);
    assert_int_equal(mkfifo(path[SRC_PIPE], 0600), 0);
    /* The independent walk: 2-byte big-endian length, timestamp at bytes 5..10. */
    off = malloc(sizeof *off * (day_len / 3 + 2));
    ts = malloc(sizeof *ts * (day_len / 3 + 2));
    size_t pos = 0;
    while (pos + 2 <= day_len) {
        size_t len = (size_t)day[pos] << 8 | day[pos + 1];
        assert_true(len >= 11 && pos + 2 + len <= day_len);
        uint64_t t = 0;
        for (int k = 0; k < 6; k++)
            t = t << 8 | day[pos + 2 + 5 + (size_t)k];
        off[n_frames] = pos;
        ts[n_frames++] = t;
        pos += 2 + len;
    }
    assert_int_equal(pos, day_len);
    off[n_frames] = day_len;
}

/* A child writes the day into the FIFO; the source reads it as a pipe. */
static pid_t feed_fifo(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *f = fopen(path[SRC_PIPE], "wb");
        if (!f)
            _exit(1);
        /* The reader may close early (it never does here); ignore EPIPE. */
        size_t n = fwrite(day, 1, day_len, f);
        fclose(f);
        _exit(n == day_len ? 0 : 1);
    }
    return pid;
}

typedef struct opened {
    blanc_source *s;
    blanc_feed *f;
    pid_t child;
} opened;

static opened open_src(int kind)
{
    opened o = {NULL, NULL, 0};
    if (kind == SRC_MEM) {
        assert_int_equal(blanc_source_open_mem(&o.s, day, day_len), 0);
    } else {
        if (kind == SRC_PIPE)
            o.child = feed_fifo();
        assert_int_equal(blanc_source_open(&o.s, path[kind], NULL), 0);
    }
    assert_int_equal(blanc_feed_open(&o.f, o.s, NULL, NULL, 0), 0);
    return o;
}

static void close_src(opened *o)
{
    /* Drain a pipe so the writer never blocks, then reap it. */
    if (o->child) {
        blanc_source_drain(o->s);
        int st;
        assert_int_equal(waitpid(o->child, &st, 0), o->child);
    }
    blanc_feed_free(o->f);
    blanc_source_close(o->s);
}

/* Digests of a fresh replay over exactly the first `frames` frames. */
static blanc_digests prefix_digests(uint64_t frames)
{
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_source *s;
    assert_int_equal(blanc_source_open_mem(&s, day, off[frames]), 0);
    assert_int_equal(test_run_source(r, s, NULL, 0), 0);
    assert_int_equal(replay_stats_of(r).messages, frames);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    blanc_source_close(s);
    blanc_replay_free(r);
    return d;
}

typedef struct pause_ctx {
    int kind;
    int n;
    char snap[8][160];
    uint64_t at[8];
    blanc_digests d[8];
} pause_ctx;

static int on_pause(void *ctx, blanc_replay *r, const blanc_cut *c)
{
    pause_ctx *p = ctx;
    assert_non_null(c);
    assert_true(p->n < 8);
    snprintf(p->snap[p->n], sizeof p->snap[0], "%s/%s-%d.snap", dir, src_name[p->kind], p->n);
    blanc_sink *s;
    assert_int_equal(blanc_sink_open(&s, p->snap[p->n], NULL), 0);
    assert_int_equal(blanc_snapshot_write(r, BLANC_SNAP_BINARY, s), 0);
    assert_int_equal(blanc_sink_commit(s), 0);
    p->at[p->n] = replay_stats_of(r).messages;
    assert_int_equal(c->messages, p->at[p->n]);
    blanc_replay_digests(r, &p->d[p->n]);
    p->n++;
    return 0;
}

static void assert_end_state(blanc_replay *r)
{
    blanc_digests d;
    blanc_replay_digests(r, &d);
    assert_int_equal(d.l3, want.l3);
    assert_int_equal(d.l2, want.l2);
    assert_int_equal(d.stream, want.stream);
    assert_int_equal(d.input, want.input);
    assert_int_equal(replay_stats_of(r).messages, n_frames);
    assert_int_equal(replay_stats_of(r).bytes, want_bytes);
    assert_int_equal(replay_stats_of(r).anomalies_total, 0);
}

/* Where a cut must pause, by the walk: index N -> N; time T -> the first
 * frame stamped later than T (all of them: n_frames). */
static uint64_t expected_at(const blanc_cut *c)
{
    if (c->kind == BLANC_CUT_INDEX)
        return c->at;
    if (c->kind == BLANC_CUT_END)
        return n_frames;
    uint64_t i = 0;
    while (i < n_frames && ts[i] <= c->at)
        i++;
    return i;
}

static void run_cuts(int kind, blanc_cut *cuts, size_t n)
{
    pause_ctx p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    opened o = open_src(kind);
    blanc_run_plan plan = {cuts, n, 0, on_pause, &p};
    int rc = blanc_replay_run_plan(r, o.f, &plan);
    if (rc)
        fail_msg("%s: run_plan returned %d (%s)", src_name[kind], rc, blanc_strerror(rc));
    close_src(&o);
    assert_end_state(r);
    blanc_replay_free(r);
    assert_int_equal(p.n, (int)n);
    /* Pauses come in order of position: match each cut to its pause. */
    for (size_t i = 0; i < n; i++) {
        assert_true(cuts[i].taken);
        uint64_t at = expected_at(&cuts[i]);
        if (cuts[i].messages != at)
            fail_msg("%s: cut %c%llu paused after %llu messages, not %llu", src_name[kind],
                     (char)cuts[i].kind, (unsigned long long)cuts[i].at,
                     (unsigned long long)cuts[i].messages, (unsigned long long)at);
    }
    for (int k = 0; k < p.n; k++) {
        /* The state at the pause is the state after exactly that prefix. */
        blanc_digests d = prefix_digests(p.at[k]);
        assert_int_equal(d.l3, p.d[k].l3);
        assert_int_equal(d.l2, p.d[k].l2);
        assert_int_equal(d.stream, p.d[k].stream);
        /* And the snapshot resumes, on a fresh source of the same kind, to the end. */
        blanc_replay *s;
        blanc_snap_error err;
        assert_int_equal(blanc_snapshot_load(&s, p.snap[k], &err), 0);
        opened q = open_src(kind);
        assert_int_equal(blanc_replay_resume(s, q.f, 0), 0);
        assert_int_equal(blanc_replay_run(s, q.f), 0);
        close_src(&q);
        assert_end_state(s);
        blanc_replay_free(s);
        unlink(p.snap[k]);
    }
}

/* The index of the frame holding byte `edge` (so the frame straddles it). */
static uint64_t frame_at(uint64_t edge)
{
    uint64_t i = 0;
    while (off[i + 1] <= edge)
        i++;
    return i;
}

static void matrix(void **state)
{
    (void)state;
    /* The uninterrupted run, on memory. */
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_source *s;
    assert_int_equal(blanc_source_open_mem(&s, day, day_len), 0);
    assert_int_equal(test_run_source(r, s, NULL, 0), 0);
    blanc_replay_digests(r, &want);
    want_bytes = replay_stats_of(r).bytes;
    assert_int_equal(want_bytes, day_len);
    assert_int_equal(replay_stats_of(r).messages, n_frames);
    blanc_source_close(s);
    blanc_replay_free(r);

    uint64_t e1 = frame_at((uint64_t)4 << 20), e2 = frame_at((uint64_t)8 << 20);
    uint64_t idx[] = {0, 1, e1 - 1, e1, e1 + 1, e2 - 1, e2, e2 + 1, n_frames - 1, n_frames};
    /* Time cuts: 03:00 and 1 ns before the first stamp (both: before
     * everything), the first stamp, each side of the edge frames' stamps,
     * the last stamp. */
    uint64_t tms[] = {3 * 3600 * 1000000000ull, ts[0] - 1, ts[0], ts[1], ts[e1] - 1, ts[e1],
                      ts[e2] - 1, ts[e2], ts[e2 + 1], ts[n_frames - 1]};
    for (int kind = 0; kind < N_SRC; kind++) {
        for (size_t i = 0; i < sizeof idx / sizeof idx[0]; i++) {
            blanc_cut c = {BLANC_CUT_INDEX, idx[i], 0, 0};
            run_cuts(kind, &c, 1);
        }
        for (size_t i = 0; i < sizeof tms / sizeof tms[0]; i++) {
            blanc_cut c = {BLANC_CUT_TIME, tms[i], 0, 0};
            run_cuts(kind, &c, 1);
        }
        blanc_cut end = {BLANC_CUT_END, 0, 0, 0};
        run_cuts(kind, &end, 1);
        /* Several in one run, in no particular order, two at one position. */
        blanc_cut many[] = {{BLANC_CUT_INDEX, e2, 0, 0}, {BLANC_CUT_TIME, ts[0] - 1, 0, 0},
                            {BLANC_CUT_INDEX, 0, 0, 0},  {BLANC_CUT_END, 0, 0, 0},
                            {BLANC_CUT_TIME, ts[e1], 0, 0}, {BLANC_CUT_INDEX, 5000, 0, 0}};
        run_cuts(kind, many, sizeof many / sizeof many[0]);
    }
}

static void cut_past_the_end_is_reported(void **state)
{
    (void)state;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_source *s;
    blanc_feed *f;
    assert_int_equal(blanc_source_open_mem(&s, day, day_len), 0);
    assert_int_equal(blanc_feed_open(&f, s, NULL, NULL, 0), 0);
    blanc_cut c[] = {{BLANC_CUT_INDEX, 5, 0, 0}, {BLANC_CUT_INDEX, n_frames + 1, 0, 0}};
    blanc_run_plan plan = {c, 2, 0, NULL, NULL};
    assert_int_equal(blanc_replay_run_plan(r, f, &plan), BLANC_ECUTPAST);
    blanc_feed_free(f);
    assert_true(c[0].taken);
    assert_false(c[1].taken);
    blanc_source_close(s);
    blanc_replay_free(r);
}

static int count_tick(void *ctx, blanc_replay *r, const blanc_cut *c)
{
    assert_null(c);
    int *n = ctx;
    (*n)++;
    /* Each tick comes exactly 65536 messages after the last. */
    assert_int_equal(replay_stats_of(r).messages, (uint64_t)*n * 65536);
    return 0;
}

static void ticks_change_nothing(void **state)
{
    (void)state;
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    opened o = open_src(SRC_ZSTD);
    int ticks = 0;
    blanc_run_plan plan = {NULL, 0, 65536, count_tick, &ticks};
    assert_int_equal(blanc_replay_run_plan(r, o.f, &plan), 0);
    close_src(&o);
    assert_end_state(r);
    assert_int_equal(ticks, (int)(n_frames / 65536));
    blanc_replay_free(r);
}

static int setup(void **state)
{
    (void)state;
    make_inputs();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int k = 0; k < SRC_MEM; k++)
        unlink(path[k]);
    rmdir(dir);
    free(day);
    free(off);
    free(ts);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matrix),
        cmocka_unit_test(cut_past_the_end_is_reported),
        cmocka_unit_test(ticks_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
