/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The message-source contract (docs/FEEDS.md) from both sides:
 *   - the BinaryFILE feed: batches, consume after a pause hands the rest out
 *     again, zero prefixes as damage on the next message, the end kinds;
 *   - the replay over a scripted feed (a container written here, in the
 *     test): transport loss becomes one seq_gap anomaly per gap, damage
 *     counts, a pause before a message with damage keeps both with it, and
 *     health takes certain loss as a feed-scope gap with its sequence range
 *     in the journal.
 * Expected offsets and counts are worked out by hand from the frame sizes:
 * R = 2+39 bytes, A = 2+36, D = 2+19.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "feed/feed.h"
#include "util.h"

typedef struct day {
    uint8_t b[4096];
    size_t n;
    size_t at[16]; /* frame offsets */
    size_t frames;
} day;

static void put(day *d, blanc_event e, uint64_t ts)
{
    e.timestamp = ts;
    int len = blanc_itch_encode(&e, d->b + d->n + 2, sizeof d->b - d->n - 2);
    assert_true(len > 0);
    d->at[d->frames++] = d->n;
    d->b[d->n] = (uint8_t)(len >> 8);
    d->b[d->n + 1] = (uint8_t)len;
    d->n += 2 + (size_t)len;
}

static void zeros(day *d, size_t k)
{
    memset(d->b + d->n, 0, 2 * k);
    d->n += 2 * k;
}

/* R @0, A @41, two zero prefixes @79, A @83, D @121; 142 bytes. */
static day damaged_day(void)
{
    day d;
    memset(&d, 0, sizeof d);
    put(&d, ev_dir(1, "AB"), 10);
    put(&d, ev_add(1, 1, 'B', 100, 5000), 20);
    zeros(&d, 2);
    put(&d, ev_add(1, 2, 'S', 50, 5100), 30);
    put(&d, ev_mod('D', 1, 1, 0), 40);
    assert_int_equal(d.n, 142);
    return d;
}

static void binaryfile_batches_and_damage(void **state)
{
    (void)state;
    day d = damaged_day();
    blanc_source *s;
    blanc_feed *f;
    assert_int_equal(blanc_source_open_mem(&s, d.b, d.n), 0);
    assert_int_equal(blanc_feed_open(&f, s, NULL, NULL, 0), 0);
    assert_int_equal(blanc_feed_framing(f), BLANC_FRAMING_BINARYFILE);
    blanc_msg m[8];
    assert_int_equal(blanc_feed_next(f, m, 8), 4);
    assert_int_equal(m[0].offset, 0);
    assert_int_equal(m[1].offset, 41);
    assert_int_equal(m[2].offset, 83);
    assert_int_equal(m[2].damage, 2);
    assert_int_equal(m[2].damage_kind, BLANC_AN_ZERO_LENGTH);
    assert_int_equal(m[2].damage_at, 79);
    assert_int_equal(m[3].p[0], 'D');
    /* A pause before the third: the first two used, the rest again, with
     * the zeros still on the message they belong to. */
    blanc_feed_consume(f, 2);
    assert_int_equal(blanc_feed_offset(f), 79);
    assert_int_equal(blanc_feed_next(f, m, 1), 1);
    assert_int_equal(m[0].offset, 83);
    assert_int_equal(m[0].damage, 2);
    blanc_feed_consume(f, 1);
    assert_int_equal(blanc_feed_offset(f), 121);
    assert_int_equal(blanc_feed_next(f, m, 8), 1);
    blanc_feed_consume(f, 1);
    assert_int_equal(blanc_feed_next(f, m, 8), 0);
    assert_int_equal(blanc_feed_end_info(f)->how, BLANC_END_EOF);
    assert_int_equal(blanc_feed_offset(f), 142);
    blanc_feed_free(f);
    blanc_source_close(s);
}

static void binaryfile_end_kinds(void **state)
{
    (void)state;
    day d = damaged_day();
    struct { size_t cut; int extra_marker; blanc_feed_how how; uint64_t off; } c[] = {
        {142, 1, BLANC_END_MARKER, 0},    /* 00 00 as the last two bytes */
        {141, 0, BLANC_END_TRUNCATED, 121}, /* the D cut by one byte */
        {122, 0, BLANC_END_TRUNCATED, 121}, /* one byte of the D's prefix left */
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        day x = d;
        x.n = c[i].cut;
        if (c[i].extra_marker)
            zeros(&x, 1);
        blanc_source *s;
        blanc_feed *f;
        assert_int_equal(blanc_source_open_mem(&s, x.b, x.n), 0);
        assert_int_equal(blanc_feed_open(&f, s, NULL, NULL, 0), 0);
        blanc_msg m[8];
        int k;
        while ((k = blanc_feed_next(f, m, 8)) > 0)
            blanc_feed_consume(f, (size_t)k);
        assert_int_equal(k, 0);
        assert_int_equal(blanc_feed_end_info(f)->how, c[i].how);
        if (c[i].how == BLANC_END_TRUNCATED)
            assert_int_equal(blanc_feed_end_info(f)->offset, c[i].off);
        /* The marker is consumed; a truncated tail is not. */
        assert_int_equal(blanc_feed_offset(f), c[i].how == BLANC_END_MARKER ? x.n : 121);
        blanc_feed_free(f);
        blanc_source_close(s);
    }
}

/* ---- a scripted container ------------------------------------------------ */

typedef struct script_feed {
    blanc_feed base;
    const blanc_msg *msgs;
    size_t n, pos, last;
} script_feed;

static int sc_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    script_feed *s = (script_feed *)f;
    size_t k = 0;
    while (k < cap && s->pos + k < s->n) {
        out[k] = s->msgs[s->pos + k];
        k++;
    }
    s->last = k;
    if (!k)
        f->end.how = BLANC_END_EOF;
    return (int)k;
}

static void sc_consume(blanc_feed *f, size_t k)
{
    script_feed *s = (script_feed *)f;
    s->pos += k;
    f->offset = s->pos;
}

static int sc_skip(blanc_feed *f, uint64_t offset)
{
    script_feed *s = (script_feed *)f;
    s->pos = (size_t)offset;
    f->offset = offset;
    return 0;
}

static void sc_free(blanc_feed *f) { (void)f; }

static const feed_ops script_ops = {sc_next, sc_consume, sc_skip, NULL, NULL, NULL, NULL, sc_free};

static script_feed script(const blanc_msg *msgs, size_t n)
{
    script_feed s;
    memset(&s, 0, sizeof s);
    s.base.ops = &script_ops;
    s.base.framing = BLANC_FRAMING_PCAP;
    s.msgs = msgs;
    s.n = n;
    return s;
}

/* The four messages of the damaged day with sequence numbers 1, 2, 5, 6: 3 and
 * 4 lost before the third, and one damaged packet before the fourth. */
static size_t captured(const day *d, blanc_msg *m)
{
    size_t frames[] = {0, 1, 2, 3};
    uint64_t seq[] = {1, 2, 5, 6};
    for (size_t i = 0; i < 4; i++) {
        size_t at = d->at[frames[i]];
        memset(&m[i], 0, sizeof m[i]);
        m[i].p = d->b + at + 2;
        m[i].len = (uint32_t)(d->b[at] << 8 | d->b[at + 1]);
        m[i].offset = 1000 * (i + 1);
        m[i].packet = i + 1;
        m[i].seq = seq[i];
        m[i].session = 1;
    }
    m[2].lost = 2;
    m[3].damage = 1;
    m[3].damage_kind = BLANC_AN_BAD_PACKET;
    m[3].damage_at = 3500;
    return 4;
}

static void replay_counts_loss_and_damage(void **state)
{
    (void)state;
    day d = damaged_day();
    blanc_msg m[4];
    size_t n = captured(&d, m);
    script_feed sf = script(m, n);
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    blanc_replay *r;
    blanc_replay_create(&r, &o);
    blanc_health_config c;
    blanc_health_config_default(&c);
    c.thresholds[BLANC_DET_GAP][0] = 1; /* one gap event in the window: Local */
    blanc_health *h;
    assert_int_equal(blanc_health_create(&h, &c), 0);
    char jpath[] = "/tmp/blanc-feed-journal-XXXXXX";
    int fd = mkstemp(jpath);
    assert_true(fd >= 0);
    close(fd);
    blanc_sink *j;
    assert_int_equal(blanc_sink_open(&j, jpath, NULL), 0);
    blanc_health_set_journal(h, j);
    blanc_replay_set_health(r, h);
    assert_int_equal(blanc_replay_run(r, &sf.base), 0);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    assert_int_equal(st.messages, 4);
    assert_int_equal(st.anomalies[BLANC_AN_SEQ_GAP].count, 1);
    assert_int_equal(st.anomalies[BLANC_AN_SEQ_GAP].first_index, 2);
    assert_int_equal(st.anomalies[BLANC_AN_SEQ_GAP].first_offset, 3000);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].count, 1);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].first_index, 3);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].first_offset, 3500);
    assert_int_equal(st.anomalies_total, 2);
    assert_int_equal(blanc_replay_get_options(r)->framing, BLANC_FRAMING_PCAP);
    /* Health: the loss and the damaged packet are events of the feed (scope
     * 0), not of the instrument whose message follows them, and the
     * transition it causes names the lost numbers 3..4. */
    blanc_health_stats hs;
    blanc_health_get_stats(h, &hs);
    assert_int_equal(hs.det[BLANC_DET_GAP].events, 1);
    assert_true(blanc_health_state(h, 0) > BLANC_HEALTH_FUSE);
    assert_int_equal(blanc_health_state(h, 1), BLANC_HEALTH_FUSE);
    assert_int_equal(blanc_health_finish(h), 0);
    assert_int_equal(blanc_sink_commit(j), 0);
    FILE *jf = fopen(jpath, "r");
    assert_non_null(jf);
    char line[2048];
    int found = 0;
    while (fgets(line, sizeof line, jf))
        found |= strstr(line, "\"lost\":2,\"lost_seq\":[3,4]") != NULL &&
                 strstr(line, "\"scope\":\"global\"") != NULL;
    fclose(jf);
    unlink(jpath);
    assert_true(found);
    blanc_health_free(h);
    blanc_replay_free(r);
}

static void pause_keeps_damage_with_its_message(void **state)
{
    (void)state;
    day d = damaged_day();
    blanc_msg m[4];
    size_t n = captured(&d, m);
    script_feed sf = script(m, n);
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    blanc_replay *r;
    blanc_replay_create(&r, &o);
    /* Pausing before the fourth: its damaged packet is not counted yet. */
    assert_int_equal(blanc_replay_run_until(r, &sf.base, 3, BLANC_NO_LIMIT), BLANC_REPLAY_PAUSED);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    assert_int_equal(st.messages, 3);
    assert_int_equal(st.anomalies[BLANC_AN_SEQ_GAP].count, 1);
    assert_int_equal(st.anomalies[BLANC_AN_BAD_PACKET].count, 0);
    assert_int_equal(blanc_feed_offset(&sf.base), 3);
    /* ... and pausing before the third keeps its gap with it. */
    blanc_replay *r2;
    blanc_replay_create(&r2, &o);
    script_feed s2 = script(m, n);
    assert_int_equal(blanc_replay_run_until(r2, &s2.base, 2, BLANC_NO_LIMIT), BLANC_REPLAY_PAUSED);
    assert_int_equal(replay_stats_of(r2).anomalies[BLANC_AN_SEQ_GAP].count, 0);
    assert_int_equal(blanc_replay_run(r2, &s2.base), 0);
    assert_int_equal(replay_stats_of(r2).anomalies[BLANC_AN_SEQ_GAP].count, 1);
    assert_int_equal(replay_stats_of(r2).anomalies[BLANC_AN_BAD_PACKET].count, 1);
    assert_int_equal(blanc_replay_run(r, &sf.base), 0);
    assert_int_equal(replay_stats_of(r).anomalies[BLANC_AN_BAD_PACKET].count, 1);
    blanc_digests a, b;
    blanc_replay_digests(r, &a);
    blanc_replay_digests(r2, &b);
    assert_memory_equal(&a, &b, sizeof a);
    blanc_replay_free(r);
    blanc_replay_free(r2);
}

/* In strict mode the first damage stops the run before its message. */
static void strict_stops_at_damage(void **state)
{
    (void)state;
    day d = damaged_day();
    blanc_msg m[4];
    size_t n = captured(&d, m);
    script_feed sf = script(m, n);
    blanc_replay_options o = {0};
    o.no_input_digest = 1;
    o.strict = 1;
    blanc_replay *r;
    blanc_replay_create(&r, &o);
    assert_int_equal(blanc_replay_run(r, &sf.base), BLANC_ESTRICT);
    assert_int_equal(replay_stats_of(r).messages, 2);
    assert_int_equal(replay_stats_of(r).anomalies[BLANC_AN_SEQ_GAP].count, 1);
    blanc_replay_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binaryfile_batches_and_damage),
        cmocka_unit_test(binaryfile_end_kinds),
        cmocka_unit_test(replay_counts_loss_and_damage),
        cmocka_unit_test(pause_keeps_damage_with_its_message),
        cmocka_unit_test(strict_stops_at_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
