/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Snapshot write/read timing on a day's end state (docs/PERFORMANCE.md).
 *   build/snapshot_bench FILE [DIR]
 * Replays FILE, then writes and reads back its end state as binary and as
 * JSON in DIR (default /tmp), checking each rebuilt state's digests against
 * the live one's. Prints one line per step with seconds and sizes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "blanc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int step(blanc_replay *r, blanc_snap_format fmt, const char *path, const blanc_digests *want)
{
    blanc_sink *sink;
    double t0 = now();
    if (blanc_sink_open(&sink, path, NULL) || blanc_snapshot_write(r, fmt, sink) ||
        blanc_sink_commit(sink)) {
        fprintf(stderr, "cannot write %s\n", path);
        return 1;
    }
    double t1 = now();
    blanc_replay *back;
    blanc_snap_error err;
    int rc = blanc_snapshot_load(&back, path, &err);
    double t2 = now();
    if (rc) {
        fprintf(stderr, "%s: %s: %s\n", path, blanc_strerror(rc), err.what);
        return 1;
    }
    blanc_digests d;
    blanc_replay_digests(back, &d);
    struct stat st;
    stat(path, &st);
    printf("%-5s write %.3f s  read %.3f s  %9.1f MiB  digests %s\n",
           fmt == BLANC_SNAP_JSON ? "json" : "bin", t1 - t0, t2 - t1,
           (double)st.st_size / 1048576.0,
           d.l3 == want->l3 && d.l2 == want->l2 && d.stream == want->stream ? "equal" : "DIFFER");
    blanc_replay_free(back);
    return d.l3 != want->l3;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: snapshot_bench FILE [DIR]\n");
        return 2;
    }
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    blanc_source *src;
    if (blanc_source_open(&src, argv[1], NULL)) {
        fprintf(stderr, "cannot open %s\n", argv[1]);
        return 2;
    }
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    blanc_replay *r;
    blanc_replay_create(&r, &o);
    blanc_feed *f;
    if (blanc_feed_open(&f, src, NULL, NULL, 0)) {
        fprintf(stderr, "%s: not ITCH\n", argv[1]);
        return 2;
    }
    double t0 = now();
    blanc_replay_run(r, f);
    double t1 = now();
    blanc_feed_free(f);
    blanc_source_close(src);
    blanc_books_stats bs;
    blanc_books_get_stats(blanc_replay_books(r), &bs);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    printf("replay %.3f s: %" PRIu64 " messages, %" PRIu32 " instruments, %" PRIu64
           " live orders, %" PRIu64 " levels\n",
           t1 - t0, st.messages, bs.instruments, bs.live_orders, bs.levels);
    blanc_digests want;
    blanc_replay_digests(r, &want);
    char bin[4096], js[4096];
    snprintf(bin, sizeof bin, "%s/blanc-bench.snap", dir);
    snprintf(js, sizeof js, "%s/blanc-bench.json", dir);
    int bad = step(r, BLANC_SNAP_BINARY, bin, &want) | step(r, BLANC_SNAP_JSON, js, &want);
    remove(bin);
    remove(js);
    blanc_replay_free(r);
    return bad;
}
