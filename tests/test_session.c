/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* A session's outputs in two steps: blanc_session_finish writes every byte
 * and renames nothing (the outputs stay invisible, their temps complete), so
 * the commit after it only renames; a session freed after finish leaves
 * nothing. The emit output and the journal are the bytes a one-step commit
 * writes. BLANC_THREADS_AUTO, blanc_session_threads and blanc_threads_auto. */
#define _GNU_SOURCE /* sched_setaffinity: the rule against a known CPU count */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"

typedef struct fixture {
    char dir[64], emit[96], journal[96];
    blanc_health_config hc;
    blanc_emit_options eo;
    blanc_session_options so;
} fixture;

static const char *sample(void)
{
    static char path[4096];
    const char *src = getenv("BLANC_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/data/sample-day.itch.zst", src ? src : ".");
    return path;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/blanc-session-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->emit, sizeof f->emit, "%s/bbo.csv", f->dir);
    snprintf(f->journal, sizeof f->journal, "%s/journal.jsonl", f->dir);
    blanc_health_config_default(&f->hc);
    f->eo.kind = BLANC_EMIT_BBO;
    f->so.input = sample();
    f->so.replay.framing = BLANC_FRAMING_AUTO;
    f->so.health = &f->hc;
    f->so.health_journal = f->journal;
    f->so.emit = &f->eo;
    f->so.emit_out = f->emit;
    f->so.threads = 1;
    *state = f;
    return 0;
}

/* The names in the folder, one after another ("" when empty). */
static void listing(const char *dir, char *out, size_t cap)
{
    out[0] = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.') {
            strncat(out, e->d_name, cap - strlen(out) - 1);
            strncat(out, " ", cap - strlen(out) - 1);
        }
    closedir(d);
}

static int teardown(void **state)
{
    fixture *f = *state;
    char names[1024];
    listing(f->dir, names, sizeof names);
    for (char *p = strtok(names, " "); p; p = strtok(NULL, " ")) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", f->dir, p);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    assert_true(len >= 0);
    rewind(fp);
    char *p = malloc((size_t)len + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return p;
}

static blanc_session *run_to_end(fixture *f)
{
    blanc_session *s;
    blanc_session_error err;
    assert_int_equal(blanc_session_open(&s, &f->so, &err), 0);
    assert_int_equal(blanc_session_run(s, &err), 0);
    return s;
}

static void test_finish_writes_all_and_renames_nothing(void **state)
{
    fixture *f = *state;
    blanc_session_error err;
    /* The one-step commit's bytes. */
    blanc_session *s = run_to_end(f);
    assert_int_equal(blanc_session_commit(s, &err), 0);
    blanc_session_free(s);
    size_t ne, nj;
    char *emit1 = slurp(f->emit, &ne), *jour1 = slurp(f->journal, &nj);
    assert_true(ne > 1000); /* the sample day changes its BBO thousands of times */
    unlink(f->emit);
    unlink(f->journal);

    s = run_to_end(f);
    assert_int_equal(blanc_session_finish(s, &err), 0);
    assert_int_equal(blanc_session_finish(s, &err), 0); /* again: nothing changes */
    struct stat st;
    assert_int_equal(stat(f->emit, &st), -1);
    assert_int_equal(stat(f->journal, &st), -1);
    /* Two temps beside them, complete: together the one-step commit's bytes. */
    char names[1024];
    listing(f->dir, names, sizeof names);
    size_t temps = 0, bytes = 0;
    for (char *p = strtok(names, " "); p; p = strtok(NULL, " ")) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", f->dir, p);
        assert_int_equal(stat(path, &st), 0);
        temps++;
        bytes += (size_t)st.st_size;
    }
    assert_int_equal(temps, 2);
    assert_int_equal(bytes, ne + nj);
    assert_int_equal(blanc_session_commit(s, &err), 0);
    blanc_session_free(s);
    size_t ne2, nj2;
    char *emit2 = slurp(f->emit, &ne2), *jour2 = slurp(f->journal, &nj2);
    assert_int_equal(ne2, ne);
    assert_int_equal(nj2, nj);
    assert_memory_equal(emit2, emit1, ne);
    assert_memory_equal(jour2, jour1, nj);
    listing(f->dir, names, sizeof names); /* the two outputs and no temp */
    assert_int_equal(strlen(names), strlen("bbo.csv journal.jsonl "));
    free(emit1);
    free(jour1);
    free(emit2);
    free(jour2);
}

static void test_freed_after_finish_leaves_nothing(void **state)
{
    fixture *f = *state;
    blanc_session_error err;
    blanc_session *s = run_to_end(f);
    assert_int_equal(blanc_session_finish(s, &err), 0);
    blanc_session_free(s);
    char names[1024];
    listing(f->dir, names, sizeof names);
    assert_string_equal(names, "");
}

/* A file of the source tree (BLANC_SOURCE_DIR). */
static const char *data(const char *name)
{
    static char path[4096];
    const char *src = getenv("BLANC_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/data/%s", src ? src : ".", name);
    return path;
}

/* blanc_threads_auto of the source opened from path (with BLANC_INFLATE_THREAD
 * set to inflate_thread, NULL: unset), and that source's helpers. */
static unsigned auto_of(const char *path, const char *inflate_thread, unsigned *helpers)
{
    if (inflate_thread)
        setenv("BLANC_INFLATE_THREAD", inflate_thread, 1);
    else
        unsetenv("BLANC_INFLATE_THREAD");
    blanc_source *src;
    int sys = 0;
    assert_int_equal(blanc_source_open(&src, path, &sys), 0);
    unsigned n = blanc_threads_auto(src);
    *helpers = blanc_source_helpers(src);
    blanc_source_close(src);
    unsetenv("BLANC_INFLATE_THREAD");
    return n;
}

/* The rule for the CPUs this test may use, then again on one CPU: one book
 * thread per CPU, less one for an inflate thread (which is what counts, not
 * the compression: with the thread off a .zst takes every CPU), at least one,
 * at most BLANC_MAX_THREADS. */
static void check_threads_auto(void)
{
    unsigned cpus = blanc_cpus_usable();
    unsigned all = cpus < BLANC_MAX_THREADS ? cpus : BLANC_MAX_THREADS;
    unsigned less = cpus > 2 ? (cpus - 1 < BLANC_MAX_THREADS ? cpus - 1 : BLANC_MAX_THREADS) : 1;
    unsigned h;
    assert_int_equal(blanc_threads_auto(NULL), all);
    assert_int_equal(auto_of(data("sample-day.itch.zst"), NULL, &h), less);
    assert_true(h & BLANC_HELPER_INFLATE);
    assert_int_equal(auto_of(data("ritch/ex20101224.TEST_ITCH_50.gz"), NULL, &h), less);
    assert_true(h & BLANC_HELPER_INFLATE);
    assert_int_equal(auto_of(data("sample-day.itch.zst"), "0", &h), all);
    assert_false(h & BLANC_HELPER_INFLATE);
    assert_int_equal(auto_of(data("ritch/20101224.TEST_ITCH_50.reframed"), NULL, &h), all);
    assert_int_equal(h, 0);
    static const uint8_t bytes[2] = {0, 0};
    blanc_source *mem;
    assert_int_equal(blanc_source_open_mem(&mem, bytes, sizeof bytes), 0);
    assert_int_equal(blanc_threads_auto(mem), all);
    blanc_source_close(mem);
}

static void test_threads_auto_rule(void **state)
{
    (void)state;
    cpu_set_t was, one;
    assert_int_equal(sched_getaffinity(0, sizeof was, &was), 0);
    check_threads_auto();
    int first = 0;
    while (!CPU_ISSET(first, &was))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    assert_int_equal(blanc_cpus_usable(), 1);
    assert_int_equal(blanc_threads_auto(NULL), 1);
    check_threads_auto();
    assert_int_equal(sched_setaffinity(0, sizeof was, &was), 0);
}

static void test_auto_threads(void **state)
{
    fixture *f = *state;
    f->so.emit = NULL;
    f->so.emit_out = NULL;
    f->so.threads = BLANC_THREADS_AUTO;
    blanc_session *s;
    blanc_session_error err;
    /* The sample is .zst: its inflate thread takes one of the CPUs. */
    assert_int_equal(blanc_session_open(&s, &f->so, &err), 0);
    unsigned cpus = blanc_cpus_usable();
    assert_int_equal(blanc_session_threads(s), cpus > 2 ? cpus - 1 : 1);
    /* The session's choice is the library's rule for its source. */
    assert_int_equal(blanc_session_threads(s), blanc_threads_auto(blanc_session_source(s)));
    blanc_session_free(s);
    f->so.threads = 3;
    assert_int_equal(blanc_session_open(&s, &f->so, &err), 0);
    assert_int_equal(blanc_session_threads(s), 3);
    blanc_session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_finish_writes_all_and_renames_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_freed_after_finish_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_auto_threads, setup, teardown),
        cmocka_unit_test(test_threads_auto_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
