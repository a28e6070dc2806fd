/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Generator and output files: determinism, scenario injections, atomic
 * commit/abort, compressed round trips through the sources. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"
#include "util.h"

static char dir[] = "/tmp/blanc-gen-XXXXXX";

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Generate into path; returns the result (caller frees). */
static blanc_gen_result gen(const char *path, uint64_t seed, uint64_t n, blanc_scenario sc)
{
    blanc_gen_config c = {seed, n, 5, sc};
    blanc_sink *s;
    assert_int_equal(blanc_sink_open(&s, path, NULL), 0);
    blanc_gen_result r;
    assert_int_equal(blanc_gen_write(&c, s, &r), 0);
    assert_int_equal(blanc_sink_commit(s), 0);
    assert_int_equal(r.messages, n);
    return r;
}

static uint8_t *slurp(const char *path, size_t *n)
{
    blanc_source *s;
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    uint8_t *out = NULL;
    size_t len = 0;
    const uint8_t *p;
    size_t k;
    while (blanc_source_next(s, &p, &k) > 0) {
        out = realloc(out, len + k);
        memcpy(out + len, p, k);
        len += k;
        blanc_source_consume(s, k);
    }
    blanc_source_close(s);
    *n = len;
    return out;
}

static void same_seed_same_bytes_in_every_compression(void **state)
{
    (void)state;
    char a[64], b[64], gz[64], zs[64], c[64];
    snprintf(a, sizeof a, "%s/a.itch", dir);
    snprintf(b, sizeof b, "%s/b.itch", dir);
    snprintf(gz, sizeof gz, "%s/a.itch.gz", dir);
    snprintf(zs, sizeof zs, "%s/a.itch.zst", dir);
    snprintf(c, sizeof c, "%s/c.itch", dir);
    blanc_gen_result r = gen(a, 11, 20000, BLANC_SCENARIO_NORMAL);
    blanc_gen_result_free(&r);
    r = gen(b, 11, 20000, BLANC_SCENARIO_NORMAL);
    blanc_gen_result_free(&r);
    r = gen(gz, 11, 20000, BLANC_SCENARIO_NORMAL);
    blanc_gen_result_free(&r);
    r = gen(zs, 11, 20000, BLANC_SCENARIO_NORMAL);
    blanc_gen_result_free(&r);
    r = gen(c, 12, 20000, BLANC_SCENARIO_NORMAL);
    blanc_gen_result_free(&r);
    size_t na, nb, ng, nz, nc;
    uint8_t *pa = slurp(a, &na), *pb = slurp(b, &nb), *pg = slurp(gz, &ng), *pz = slurp(zs, &nz),
            *pc = slurp(c, &nc);
    assert_true(na == nb && na == ng && na == nz);
    assert_memory_equal(pa, pb, na);
    assert_memory_equal(pa, pg, na);
    assert_memory_equal(pa, pz, na);
    assert_true(nc != na || memcmp(pa, pc, na) != 0);
    /* Every frame has its type's exact length; timestamps never go back. */
    uint64_t last = 0, frames = 0;
    for (size_t pos = 0; pos < na; frames++) {
        size_t len = (size_t)pa[pos] << 8 | pa[pos + 1];
        blanc_event e;
        assert_int_equal(blanc_itch_decode(pa + pos + 2, len, &e), (int)len);
        assert_true(e.timestamp >= last);
        last = e.timestamp;
        pos += 2 + len;
    }
    assert_int_equal(frames, 20000);
    free(pa), free(pb), free(pg), free(pz), free(pc);
}

static void damaged_days_report_their_injections(void **state)
{
    (void)state;
    char p[64];
    snprintf(p, sizeof p, "%s/corrupt.itch", dir);
    for (int sc = BLANC_SCENARIO_BURST; sc <= BLANC_SCENARIO_GAP; sc++) {
        blanc_gen_result r = gen(p, 3, 50000, (blanc_scenario)sc);
        assert_true(r.n_injections > 0);
        for (size_t i = 1; i < r.n_injections; i++)
            assert_true(r.injections[i].index > r.injections[i - 1].index);
        /* The replay sees damage exactly where and only when it was injected. */
        blanc_replay *rp;
        blanc_replay_create(&rp, NULL);
        blanc_source *s;
        assert_int_equal(blanc_source_open(&s, p, NULL), 0);
        assert_int_equal(test_run_source(rp, s, NULL, 0), 0);
        blanc_replay_stats st;
        blanc_replay_get_stats(rp, &st);
        if (sc == BLANC_SCENARIO_BURST) {
            assert_int_equal(st.anomalies_total, 0);
        } else if (sc == BLANC_SCENARIO_CORRUPT) {
            assert_int_equal(st.anomalies_total, r.n_injections);
            uint64_t first = UINT64_MAX;
            for (int a = 0; a < BLANC_AN_COUNT; a++)
                if (st.anomalies[a].count && st.anomalies[a].first_index < first)
                    first = st.anomalies[a].first_index;
            assert_int_equal(first, r.injections[0].index);
        } else {
            assert_true(st.anomalies[BLANC_AN_UNKNOWN_REF].count > 0);
            assert_true(st.anomalies[BLANC_AN_UNKNOWN_REF].first_index >= r.injections[0].index);
        }
        blanc_source_close(s);
        blanc_replay_free(rp);
        blanc_gen_result_free(&r);
    }
}

static void sink_is_atomic(void **state)
{
    (void)state;
    char p[64];
    snprintf(p, sizeof p, "%s/out.txt", dir);
    blanc_sink *s;
    assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
    assert_int_equal(blanc_sink_write(s, "hello", 5), 0);
    assert_false(exists(p)); /* not visible before commit */
    blanc_sink_abort(s);
    assert_false(exists(p));
    char cmd[128];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0); /* abort left no temp file */
    assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
    assert_int_equal(blanc_sink_write(s, "hello", 5), 0);
    assert_int_equal(blanc_sink_commit(s), 0);
    assert_true(exists(p));
    int e = 0;
    assert_int_equal(blanc_sink_open(&s, "/nonexistent-dir/x", &e), BLANC_EOPEN);
    assert_int_not_equal(e, 0);
}

/* Entries in directory d other than . and .. */
static int entries(const char *d)
{
    DIR *dp = opendir(d);
    assert_non_null(dp);
    int n = 0;
    for (struct dirent *e; (e = readdir(dp));)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(dp);
    return n;
}

/* A file-size limit makes every write past it fail with EFBIG, without root
 * and without filling a disk: the deterministic "disk full". SIGXFSZ would
 * kill the process, so it is ignored (the write then returns EFBIG). */
static void sink_write_error_names_the_reason(void **state)
{
    (void)state;
    static const char *const names[] = {"out.bin", "out.bin.gz", "out.bin.zst"};
    size_t big = (size_t)3 << 20; /* past the sink's 1 MiB buffer: fails in a write */
    uint8_t *noise = malloc(big);
    assert_non_null(noise);
    uint64_t x = 88172645463325252u; /* xorshift: incompressible, so .gz/.zst stay big */
    for (size_t i = 0; i < big; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        noise[i] = (uint8_t)x;
    }
    char sub[96], p[128];
    snprintf(sub, sizeof sub, "%s/wfail", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    struct rlimit old, lim;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = 65536;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    for (size_t k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/%s", sub, names[k]);
        blanc_sink *s;
        int e = -1;
        /* 1. The failure comes in a write: the sink says why, and keeps saying it. */
        assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
        assert_int_equal(blanc_sink_error(s, &e), 0);
        assert_int_equal(e, 0);
        assert_int_equal(blanc_sink_write(s, noise, big), BLANC_EIO);
        assert_int_equal(blanc_sink_error(s, &e), BLANC_EIO);
        assert_int_equal(e, EFBIG);
        assert_int_equal(blanc_sink_write(s, "x", 1), BLANC_EIO); /* sticky */
        e = -1;
        assert_int_equal(blanc_sink_commit_sys(s, &e), BLANC_EIO);
        assert_int_equal(e, EFBIG);
        assert_int_equal(entries(sub), 0); /* neither the output nor its temp file */
        /* 2. Everything fits in the buffer: the failure comes at commit. */
        assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
        assert_int_equal(blanc_sink_write(s, noise, 200000), 0);
        e = -1;
        assert_int_equal(blanc_sink_commit_sys(s, &e), BLANC_EIO);
        assert_int_equal(e, EFBIG);
        assert_int_equal(entries(sub), 0);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, prev);
    /* Without the limit the same output commits, with no reason to give. */
    blanc_sink *s;
    int e = -1;
    assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
    assert_int_equal(blanc_sink_write(s, noise, 200000), 0);
    assert_int_equal(blanc_sink_commit_sys(s, &e), 0);
    assert_int_equal(e, 0);
    assert_int_equal(entries(sub), 1);
    free(noise);
}

/* finish does commit's work but the rename: the target is not there yet and
 * the temp is complete (a compressed stream ended: it reads back whole); a
 * write after it fails; commit is then the rename alone. */
static void sink_finish_leaves_only_the_rename(void **state)
{
    (void)state;
    static const char *const names[] = {"fin.txt", "fin.txt.gz", "fin.txt.zst"};
    for (size_t k = 0; k < 3; k++) {
        char sub[96], p[160];
        snprintf(sub, sizeof sub, "%s/fin%zu", dir, k);
        assert_int_equal(mkdir(sub, 0755), 0);
        snprintf(p, sizeof p, "%s/%s", sub, names[k]);
        blanc_sink *s;
        assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
        assert_int_equal(blanc_sink_write(s, "hello\n", 6), 0);
        int e = -1;
        assert_int_equal(blanc_sink_finish(s, &e), 0);
        assert_int_equal(e, 0);
        assert_int_equal(blanc_sink_finish(s, NULL), 0); /* again: nothing more */
        assert_int_equal(access(p, F_OK), -1);
        assert_int_equal(entries(sub), 1); /* the temp, closed */
        assert_int_equal(blanc_sink_write(s, "x", 1), BLANC_EINVAL);
        blanc_sink_abort(s);
        assert_int_equal(entries(sub), 0);
        assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
        assert_int_equal(blanc_sink_write(s, "hello\n", 6), 0);
        assert_int_equal(blanc_sink_finish(s, NULL), 0);
        /* a write refused after finish spoils nothing: commit still puts it in place */
        assert_int_equal(blanc_sink_write(s, "x", 1), BLANC_EINVAL);
        assert_int_equal(blanc_sink_error(s, NULL), 0);
        assert_int_equal(blanc_sink_commit(s), 0);
        uint8_t *data;
        size_t len;
        assert_int_equal(blanc_load_file(p, &data, &len, NULL), 0);
        assert_int_equal(len, 6);
        assert_memory_equal(data, "hello\n", 6);
        free(data);
    }
}

/* A directory as the output is refused at open, before any work, and leaves
 * no temporary file beside it; so is a path whose parent is missing. */
static void sink_open_refuses_a_directory(void **state)
{
    (void)state;
    char sub[96], p[128];
    snprintf(sub, sizeof sub, "%s/isdir", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(p, sizeof p, "%s/target", sub);
    assert_int_equal(mkdir(p, 0755), 0);
    blanc_sink *s = NULL;
    int e = 0;
    assert_int_equal(blanc_sink_open(&s, p, &e), BLANC_EISDIR);
    assert_int_equal(e, EISDIR);
    snprintf(p, sizeof p, "%s/target/", sub);
    assert_int_equal(blanc_sink_open(&s, p, &e), BLANC_EISDIR);
    snprintf(p, sizeof p, "%s/target.gz", sub); /* a directory named like a compressed file */
    assert_int_equal(mkdir(p, 0755), 0);
    assert_int_equal(blanc_sink_open(&s, p, &e), BLANC_EISDIR);
    assert_int_equal(entries(sub), 2); /* the two directories, no temp file */
    snprintf(p, sizeof p, "%s/missing/out.bin", sub);
    e = 0;
    assert_int_equal(blanc_sink_open(&s, p, &e), BLANC_EOPEN);
    assert_int_equal(e, ENOENT);
    assert_int_equal(entries(sub), 2);
}

static void generator_rejects_bad_configs(void **state)
{
    (void)state;
    blanc_sink *s;
    char p[64];
    snprintf(p, sizeof p, "%s/bad.itch", dir);
    assert_int_equal(blanc_sink_open(&s, p, NULL), 0);
    blanc_gen_config c = {1, 5, 5, BLANC_SCENARIO_NORMAL}; /* fewer than the preamble */
    assert_int_equal(blanc_gen_write(&c, s, NULL), BLANC_EINVAL);
    /* Past the bound: refused before anything is written (not run for ever). */
    c.messages = BLANC_GEN_MAX_MESSAGES + 1;
    assert_int_equal(blanc_gen_write(&c, s, NULL), BLANC_EINVAL);
    c.messages = UINT64_MAX;
    assert_int_equal(blanc_gen_write(&c, s, NULL), BLANC_EINVAL);
    blanc_sink_abort(s);
    assert_int_equal(blanc_scenario_parse("gap"), BLANC_SCENARIO_GAP);
    assert_int_equal(blanc_scenario_parse("nope"), BLANC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_bytes_in_every_compression),
        cmocka_unit_test(damaged_days_report_their_injections),
        cmocka_unit_test(sink_is_atomic),
        cmocka_unit_test(sink_write_error_names_the_reason),
        cmocka_unit_test(sink_open_refuses_a_directory),
        cmocka_unit_test(sink_finish_leaves_only_the_rename),
        cmocka_unit_test(generator_rejects_bad_configs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
