/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Memory outputs (blanc_sink_open_fn): the bytes a file sink would hold, in
 * order, for every writer (generator, emitter, snapshot); a callback's error
 * sticks as a file's does; no file is ever made. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"

typedef struct mem {
    uint8_t *p;
    size_t n, cap;
    unsigned calls, fail_at; /* fail_at: the call that fails (0: none) */
    int fail_with;
} mem;

static int put(void *ctx, const void *p, size_t n)
{
    mem *m = ctx;
    if (++m->calls == m->fail_at)
        return m->fail_with;
    if (m->n + n > m->cap) {
        m->cap = 2 * (m->n + n);
        m->p = realloc(m->p, m->cap);
        assert_non_null(m->p);
    }
    memcpy(m->p + m->n, p, n);
    m->n += n;
    return 0;
}

static void gen_to(blanc_sink *s, uint64_t messages)
{
    blanc_gen_config c = {7, messages, 5, BLANC_SCENARIO_NORMAL};
    assert_int_equal(blanc_gen_write(&c, s, NULL), 0);
}

static void file_bytes(const char *path, uint8_t **p, size_t *n)
{
    assert_int_equal(blanc_load_file(path, p, n, NULL), 0);
}

/* The generator and the emitter (bin) write the same bytes to memory as to a file. */
static void same_bytes_as_a_file(void **state)
{
    (void)state;
    char path[] = "/tmp/blanc-sinkfn-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    blanc_sink *s;
    assert_int_equal(blanc_sink_open(&s, path, NULL), 0);
    gen_to(s, 200000);
    assert_int_equal(blanc_sink_commit(s), 0);
    mem m = {0};
    assert_int_equal(blanc_sink_open_fn(&s, put, &m), 0);
    gen_to(s, 200000);
    assert_int_equal(blanc_sink_commit(s), 0);
    uint8_t *f;
    size_t fn;
    file_bytes(path, &f, &fn);
    assert_true(fn > (1u << 20) && m.calls > 1); /* past one buffer, several writes */
    assert_int_equal(m.n, fn);
    assert_memory_equal(m.p, f, fn);

    /* the day's --emit l3 bin stream, to a file and to memory */
    uint8_t *out[2];
    size_t outn[2];
    for (int k = 0; k < 2; k++) {
        blanc_source *src;
        blanc_feed *feed;
        assert_int_equal(blanc_source_open_mem(&src, f, fn), 0);
        assert_int_equal(blanc_feed_open(&feed, src, NULL, NULL, 0), 0);
        blanc_replay *r;
        blanc_replay_create(&r, NULL);
        mem e = {0};
        char epath[64];
        snprintf(epath, sizeof epath, "%s.emit", path);
        assert_int_equal(k ? blanc_sink_open_fn(&s, put, &e) : blanc_sink_open(&s, epath, NULL), 0);
        blanc_emit_options eo = {BLANC_EMIT_L3, BLANC_EMIT_BIN, 0, NULL, 0};
        blanc_emitter *em;
        assert_int_equal(blanc_emitter_create(&em, r, NULL, &eo, s), 0);
        assert_int_equal(blanc_replay_run(r, feed), 0);
        assert_int_equal(blanc_emitter_finish(em), 0);
        blanc_emitter_free(em);
        assert_int_equal(blanc_sink_commit(s), 0);
        if (k) {
            out[k] = e.p;
            outn[k] = e.n;
        } else {
            file_bytes(epath, &out[k], &outn[k]);
            unlink(epath);
        }
        blanc_replay_free(r);
        blanc_feed_free(feed);
        blanc_source_close(src);
    }
    assert_true(outn[0] > 100000);
    assert_int_equal(outn[0], outn[1]);
    assert_memory_equal(out[0], out[1], outn[0]);
    free(out[0]);
    free(out[1]);
    free(f);
    free(m.p);
    unlink(path);
}

/* A callback's failure is the sink's first error: later writes fail at once
 * without calling it, commit reports it; a positive return is BLANC_EIO. */
static void callback_errors_stick(void **state)
{
    (void)state;
    int with[] = {BLANC_ENOMEM, 1};
    int want[] = {BLANC_ENOMEM, BLANC_EIO};
    for (int i = 0; i < 2; i++) {
        mem m = {0};
        m.fail_at = 2;
        m.fail_with = with[i];
        blanc_sink *s;
        assert_int_equal(blanc_sink_open_fn(&s, put, &m), 0);
        assert_int_equal(blanc_sink_write(s, "ab", 2), 0);
        assert_int_equal(blanc_sink_write(s, "cd", 2), want[i]);
        assert_int_equal(blanc_sink_write(s, "ef", 2), want[i]);
        assert_int_equal(m.calls, 2);
        int sys = -1;
        assert_int_equal(blanc_sink_error(s, &sys), want[i]);
        assert_int_equal(sys, 0);
        assert_int_equal(blanc_sink_commit(s), want[i]);
        assert_int_equal(m.n, 2);
        free(m.p);
    }
    blanc_sink *s;
    assert_int_equal(blanc_sink_open_fn(&s, NULL, NULL), BLANC_EINVAL);
    mem m = {0};
    assert_int_equal(blanc_sink_open_fn(&s, put, &m), 0);
    assert_int_equal(blanc_sink_write(s, "x", 0), 0); /* nothing to hand on */
    assert_int_equal(m.calls, 0);
    blanc_sink_unlink_temp(s); /* no file: nothing to remove */
    blanc_sink_abort(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_as_a_file),
        cmocka_unit_test(callback_errors_stick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
