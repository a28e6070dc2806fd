/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Health detectors and breaker on hand-built streams (docs/HEALTH.md). Every
 * expected index below is derived by hand from the spec in the comment next
 * to it: the window arithmetic (§3), the burst baseline (§4), the order of
 * work and hysteresis (§5), reset points (§6), the journal format (§8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"
#include "health/health.h"
#include "util.h"

typedef struct hr {
    blanc_replay *r;
    blanc_health *h;
    blanc_sink *sink;
    char path[64];
    uint64_t index; /* of the next message */
} hr;

static blanc_health_config quiet_config(void)
{
    /* Everything off but what a test turns on. */
    blanc_health_config c;
    blanc_health_config_default(&c);
    memset(c.thresholds, 0, sizeof c.thresholds);
    c.reset_events[0] = 0;
    return c;
}

/* Everything off but corrupt's Local at one event in a window of w. */
static blanc_health_config corrupt_config(uint64_t w, uint64_t quiet)
{
    blanc_health_config c = quiet_config();
    c.window_messages = w;
    c.quiet_messages = quiet;
    c.thresholds[BLANC_DET_CORRUPT][0] = 1000000 / w;
    return c;
}

static void hr_open(hr *x, const blanc_health_config *c)
{
    memset(x, 0, sizeof *x);
    blanc_replay_create(&x->r, NULL);
    assert_non_null(x->r);
    assert_int_equal(blanc_health_create(&x->h, c), 0);
    snprintf(x->path, sizeof x->path, "/tmp/blanc-test-health-%d.jl", (int)getpid());
    assert_int_equal(blanc_sink_open(&x->sink, x->path, NULL), 0);
    blanc_health_set_journal(x->h, x->sink);
    blanc_replay_set_health(x->r, x->h);
}

/* Replay one message; returns its publish gate. */
static int put(hr *x, blanc_event e, uint64_t ts)
{
    uint8_t m[64];
    e.timestamp = ts;
    int n = blanc_itch_encode(&e, m, sizeof m);
    assert_true(n > 0);
    blanc_replay_message(x->r, m, (size_t)n, x->index * 64);
    x->index++;
    return blanc_health_publishable(x->h);
}

/* A frame of a known type with the wrong length: corrupt, no instrument. */
static int put_bad_length(hr *x)
{
    uint8_t m[40] = {'A'};
    blanc_replay_message(x->r, m, sizeof m, x->index * 64);
    x->index++;
    return blanc_health_publishable(x->h);
}

/* A frame of a type this build does not know ('z'), of length len. */
static int put_unknown_type(hr *x, size_t len)
{
    uint8_t m[64] = {'z'};
    blanc_replay_message(x->r, m, len, x->index * 64);
    x->index++;
    return blanc_health_publishable(x->h);
}

/* Close the journal and return its text (static buffer). */
static const char *hr_close(hr *x)
{
    static char text[65536];
    assert_int_equal(blanc_health_finish(x->h), 0);
    assert_int_equal(blanc_sink_commit(x->sink), 0);
    FILE *f = fopen(x->path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    remove(x->path);
    blanc_health_free(x->h);
    blanc_replay_free(x->r);
    return text;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static blanc_health_level gstate(const hr *x) { return blanc_health_state(x->h, 0); }

#define T0 (UINT64_C(34200) * 1000000000u) /* 09:30 */

/* §3: gap thresholds 3/6/9/12 events of a window of 1000 (3000 ppm x 1000
 * / 1e6 = 3 ...). Each level is reached exactly at its count, not one before. */
static void gap_thresholds_at_boundaries(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 1000;
    uint64_t t[4] = {3000, 6000, 9000, 12000};
    memcpy(c.thresholds[BLANC_DET_GAP], t, sizeof t);
    hr x;
    hr_open(&x, &c);
    put(&x, ev_dir(1, "AAA"), T0);
    static const blanc_health_level want[13] = {0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4};
    for (int k = 1; k <= 12; k++) {
        int pub = put(&x, ev_mod('D', 1, 1000 + (uint64_t)k, 0), T0 + (uint64_t)k);
        assert_int_equal(gstate(&x), want[k]);
        assert_int_equal(blanc_health_state(x.h, 1), want[k]);
        assert_int_equal(pub, want[k] <= BLANC_HEALTH_LOCAL);
    }
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_GAP].events, 12);
    assert_int_equal(st.det[BLANC_DET_GAP].value, 12000); /* 12 x 1e6 / 1000 */
    assert_int_equal(st.instruments_worst[BLANC_HEALTH_KILL], 1);
    /* Fuse->Local, ->Feeder, ->Main, ->Kill: global and instrument each. */
    assert_int_equal(lines(hr_close(&x)), 8);
}

/* §3: crossing is exact, c x 1e6 >= T x W: with W = 7 and T = 300000 ppm the
 * line is 2.1 events, so 2 stays below (reported rate 285714 ppm) and 3 crosses. */
static void crossing_is_exact_not_rounded(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 7;
    c.thresholds[BLANC_DET_CORRUPT][0] = 300000;
    hr x;
    hr_open(&x, &c);
    put(&x, ev_dir(1, "AAA"), T0);
    blanc_event bad = ev_add(1, 1, 'Z', 100, 10000); /* invalid side: bad_field */
    put(&x, bad, T0 + 1);
    put(&x, bad, T0 + 2);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_CORRUPT].value, 285714); /* floor(2e6 / 7) */
    put(&x, bad, T0 + 3);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    hr_close(&x);
}

/* §2: a frame that does not decode counts for the feed only; a decoded
 * impossible field also for its instrument. */
static void corrupt_attribution(void **state)
{
    (void)state;
    blanc_health_config c = corrupt_config(100, 0);
    hr x;
    hr_open(&x, &c);
    put(&x, ev_dir(1, "AAA"), T0);
    put(&x, ev_dir(2, "BBB"), T0);
    put_bad_length(&x);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    assert_int_equal(blanc_health_state(x.h, 1), BLANC_HEALTH_FUSE);
    assert_int_equal(blanc_health_state(x.h, 2), BLANC_HEALTH_FUSE);
    put(&x, ev_add(2, 5, 'B', 0, 10000), T0 + 1); /* zero shares: bad_field */
    assert_int_equal(blanc_health_state(x.h, 2), BLANC_HEALTH_LOCAL);
    assert_int_equal(blanc_health_state(x.h, 1), BLANC_HEALTH_FUSE);
    hr_close(&x);
}

/* §2: a type this build does not know is skipped and counted, not corruption.
 * Default thresholds (corrupt Local at 1 ppm, Feeder 10, Main 50, Kill 500 of
 * a million-message window): 1000 unknown-type frames interleaved with valid
 * messages would have been Kill at the 500th. Now every frame is published,
 * no journal line; the replay still counts each one as unknown_type. A known
 * type of the wrong length is still corrupt: Local at once. */
static void unknown_types_move_no_breaker(void **state)
{
    (void)state;
    blanc_health_config c;
    blanc_health_config_default(&c);
    hr x;
    hr_open(&x, &c);
    put(&x, ev_dir(1, "AAA"), T0);
    for (uint64_t k = 0; k < 1000; k++) {
        assert_int_equal(put_unknown_type(&x, 5 + k % 40), 1);
        assert_int_equal(put(&x, ev_add(1, 1 + k, 'B', 100, 10000), T0 + k), 1);
    }
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.published, 2001);
    assert_int_equal(st.gated, 0);
    assert_int_equal(st.det[BLANC_DET_CORRUPT].events, 0);
    assert_int_equal(st.global_worst, BLANC_HEALTH_FUSE);
    assert_int_equal(replay_stats_of(x.r).anomalies[BLANC_AN_UNKNOWN_TYPE].count, 1000);
    put_bad_length(&x);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    assert_int_equal(lines(hr_close(&x)), 1);
}

/* §2: backwards against the feed's high-water mark, and times past 24:00;
 * a forward jump of any size within the day is not an event. One late
 * message counts once (the next in-order one is not a skew event).
 *   0 dir(1) 09:30            G = 09:30
 *   1 dir(2) 09:30 + 1000     fine
 *   2 dir(3) 15:30            a six-hour jump: fine (no event)
 *   3 dir(4) 24:00 + 5        past midnight: event 1, Local; G stays 15:30
 *   4 add(1) 15:30 - 501      501 ns back: event 2, Feeder; instrument 1 Local
 *   5 add(1) 15:30            back at the mark: fine */
static void skew_backwards_and_past_midnight(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 1000;
    c.thresholds[BLANC_DET_SKEW][0] = 1000; /* 1 event in 1000 */
    c.thresholds[BLANC_DET_SKEW][1] = 2000;
    c.thresholds[BLANC_DET_SKEW][2] = 3000;
    const uint64_t t1 = UINT64_C(55800) * 1000000000u, day = UINT64_C(86400) * 1000000000u;
    hr x;
    hr_open(&x, &c);
    put(&x, ev_dir(1, "AAA"), T0);
    put(&x, ev_dir(2, "BBB"), T0 + 1000);
    put(&x, ev_dir(3, "CCC"), t1);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    put(&x, ev_dir(4, "DDD"), day + 5);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    put(&x, ev_add(1, 1, 'B', 100, 10000), t1 - 501);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FEEDER);
    assert_int_equal(blanc_health_state(x.h, 1), BLANC_HEALTH_LOCAL);
    put(&x, ev_add(1, 2, 'B', 100, 10000), t1);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FEEDER);
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_SKEW].events, 2);
    assert_int_equal(st.max_backward_ns, 501);
    const char *j = hr_close(&x);
    /* the Local line of message 3 carries G = 15:30, not the impossible time */
    assert_non_null(strstr(j, "{\"index\":3,\"ts\":55800000000000,\"scope\":\"global\""));
}

/* The clean day, by hand: a 2-second sparse preamble (one message
 * every 10 ms), then a steady 500 messages per feed millisecond for 400 ms,
 * default configuration. The step makes a long hot run: the baseline b
 * (about 0.1 msg/ms before) approaches 500 as 500 x (1 - (1 - 2^-10)^t), and a
 * millisecond is hot while 500 >= 8 b, i.e. for t <= ln(7/8) / ln(1 - 2^-10)
 * = 136.7 ms. Before burst was taken out of the breaker that run (>= 100 ms,
 * the old Kill threshold) ended in Kill with nearly everything gated. Now: all
 * 200,201 messages published, no journal line, the run still reported. */
static void clean_step_in_rate_never_gates(void **state)
{
    (void)state;
    blanc_health_config c;
    blanc_health_config_default(&c);
    hr x;
    hr_open(&x, &c);
    blanc_event e = ev_dir(1, "AAA");
    const uint64_t ms = 1000000;
    put(&x, e, T0);
    for (uint64_t k = 1; k <= 200; k++)
        assert_int_equal(put(&x, e, T0 + k * 10 * ms), 1);
    const uint64_t t = T0 + 2001 * ms;
    for (uint64_t k = 0; k < 200000; k++)
        assert_int_equal(put(&x, e, t + k * 2000), 1); /* 500 per ms */
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.gated, 0);
    assert_int_equal(st.published, 200201);
    assert_int_equal(st.global_worst, BLANC_HEALTH_FUSE);
    assert_int_equal(st.peak_per_ms, 500);
    assert_in_range(st.longest_burst_ms, 130, 140);
    assert_int_equal(st.bursts, 1);
    assert_int_equal(lines(hr_close(&x)), 0);
}

/* §4 by hand, s = 1, factor 2, min_messages 4, min_run_ms 2. Burst moves no
 * breaker: the feed stays in Fuse throughout and the journal stays empty.
 *   ms0: 2 msgs (first: b=0, w=0)
 *   close ms0: b = 0 - 0 + floor(2*65536/2) = 65536, w = 1
 *   ms1: 2 msgs, not warm (w < 2)
 *   close ms1: b = 65536 - 32768 + 65536 = 98304, w = 2
 *   ms2: hot needs n >= 4 and n*65536 >= 2*98304 = 196608 (n >= 3): at the 4th message, R = 1
 *   close ms2 (n = 4, hot): b = 98304 - 49152 + 131072 = 180224, w = 3, R stays 1
 *   ms3: hot needs n*65536 >= 360448, n >= 5.5: the 5th message is not, the 6th is: R = 2,
 *        which is min_run_ms: one burst
 *   ms4: 1 message; R is still 2 (ms4 may still become hot)
 *   ms6 (ms5 empty): close ms4 (not hot) R = 0. */
static void burst_baseline_by_hand(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.burst_baseline_shift = 1;
    c.burst_factor = 2;
    c.burst_min_messages = 4;
    c.quiet_messages = 1000;
    c.burst_min_run_ms = 2;
    hr x;
    hr_open(&x, &c);
    blanc_event e = ev_dir(1, "AAA");
    const uint64_t ms = 1000000;
    put(&x, e, T0);
    put(&x, e, T0 + 1);
    put(&x, e, T0 + ms);
    put(&x, e, T0 + ms + 1);
    for (int k = 0; k < 4; k++)
        put(&x, e, T0 + 2 * ms + (uint64_t)k);
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_BURST].events, 1); /* ms2 hot */
    assert_int_equal(st.det[BLANC_DET_BURST].value, 1);
    for (int k = 0; k < 5; k++)
        put(&x, e, T0 + 3 * ms + (uint64_t)k);
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_BURST].value, 1); /* 5th: one below */
    put(&x, e, T0 + 3 * ms + 5);
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_BURST].value, 2); /* 6th: at */
    assert_int_equal(st.bursts, 1);
    put(&x, e, T0 + 4 * ms);
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_BURST].value, 2);
    put(&x, e, T0 + 6 * ms);
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.det[BLANC_DET_BURST].value, 0);
    assert_int_equal(st.longest_burst_ms, 2);
    assert_int_equal(st.peak_per_ms, 6);
    assert_int_equal(st.bursts, 1);
    assert_int_equal(st.global_worst, BLANC_HEALTH_FUSE);
    assert_int_equal(st.gated, 0);
    assert_int_equal(lines(hr_close(&x)), 0);
}

/* §5 with Q = 0 (found by the reference model, once with a burst): W = 2,
 * gap Local at one event (500000 ppm). 0 dir(2); 1 delete of an unknown ref
 * of instrument 2: Local for the feed and instrument 2; 2 an add; 3 = 1 + W:
 * the event leaves, target Fuse, a timer due at this same index recovers in
 * step 5 of it (both scopes), not one message later. */
static void quiet_zero_recovers_at_the_same_message(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 2;
    c.quiet_messages = 0;
    c.thresholds[BLANC_DET_GAP][0] = 500000;
    hr x;
    hr_open(&x, &c);
    const uint64_t ms = 1000000;
    put(&x, ev_dir(2, "AB"), 1);
    put(&x, ev_mod('D', 2, 99, 0), ms + 1);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    assert_int_equal(blanc_health_state(x.h, 2), BLANC_HEALTH_LOCAL);
    put(&x, ev_add(2, 1, 'B', 1, 1), ms + 2);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    put(&x, ev_add(2, 2, 'B', 1, 1), 3 * ms + 1);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    assert_int_equal(blanc_health_state(x.h, 2), BLANC_HEALTH_FUSE);
    assert_non_null(strstr(hr_close(&x), "{\"index\":3,\"ts\":3000001,\"scope\":\"global\","
                                            "\"from\":\"local\",\"to\":\"fuse\",\"cause\":\"recover\""));
}

/* §5: W = 10, Q = 5, corrupt Local at 1 event. An event at index e leaves the
 * window at e + 10; the quiet timer is then due at e + 15: Local until
 * e + 14, Fuse at e + 15. */
static void hysteresis_recovers_after_quiet_window(void **state)
{
    (void)state;
    blanc_health_config c = corrupt_config(10, 5);
    hr x;
    hr_open(&x, &c);
    blanc_event ok = ev_dir(1, "AAA");
    put(&x, ok, T0);
    uint64_t e = x.index;
    put_bad_length(&x);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL);
    while (x.index < e + 15)
        put(&x, ok, T0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL); /* after index e + 14 */
    put(&x, ok, T0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE); /* after index e + 15 */
    const char *j = hr_close(&x);
    assert_int_equal(lines(j), 2);
    assert_non_null(strstr(j, "{\"index\":16,\"ts\":34200000000000,\"scope\":\"global\",\"from\":"
                              "\"local\",\"to\":\"fuse\",\"cause\":\"recover\",\"values\":"
                              "{\"gap\":0,\"corrupt\":0,\"skew\":0},\"crossed\":[]}\n"));
}

/* §5: an event while the quiet timer runs cancels it; the count starts again
 * when the target next drops. Event at 1 (leaves at 11), event at 13 while
 * armed (timer of 11 due at 16 is cancelled), leaves at 23, due at 28. */
static void re_escalation_cancels_recovery(void **state)
{
    (void)state;
    blanc_health_config c = corrupt_config(10, 5);
    hr x;
    hr_open(&x, &c);
    blanc_event ok = ev_dir(1, "AAA");
    put(&x, ok, T0);
    put_bad_length(&x); /* index 1 */
    while (x.index < 13)
        put(&x, ok, T0);
    put_bad_length(&x); /* index 13 */
    while (x.index < 28)
        put(&x, ok, T0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_LOCAL); /* through index 27 */
    put(&x, ok, T0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE); /* index 28 */
    assert_int_equal(lines(hr_close(&x)), 2);       /* escalate once, recover once */
}

/* §5-6: Feeder latches past its window; a System Event 'O' resets it; Kill
 * survives the reset; a --reset-at index resets too. */
static void latch_reset_and_kill(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 10;
    c.quiet_messages = 2;
    uint64_t t[4] = {100000, 200000, 0, 0}; /* Local 1, Feeder 2 events; Main, Kill off */
    memcpy(c.thresholds[BLANC_DET_CORRUPT], t, sizeof t);
    strcpy(c.reset_events, "O");
    c.reset_at_index[0] = 40;
    c.n_reset_at_index = 1;
    hr x;
    hr_open(&x, &c);
    blanc_event ok = ev_dir(1, "AAA"), sys;
    memset(&sys, 0, sizeof sys);
    sys.type = 'S';
    sys.u.event_code = 'O';
    put(&x, ok, T0);
    put_bad_length(&x);
    put_bad_length(&x);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FEEDER);
    while (x.index < 30)
        assert_int_equal(put(&x, ok, T0), 0); /* gated */
    assert_int_equal(gstate(&x), BLANC_HEALTH_FEEDER);
    assert_int_equal(put(&x, sys, T0), 1); /* index 30: reset, published */
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    put_bad_length(&x);
    put_bad_length(&x); /* index 32: Feeder again */
    while (x.index < 40)
        put(&x, ok, T0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_FEEDER);
    put(&x, ok, T0); /* index 40: --reset-at */
    assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.resets, 2);
    assert_int_equal(st.gated, 36); /* indexes 2..29 and 32..39 */
    hr_close(&x);
}

/* §6 cost: a reset visits the instrument scopes not in Fuse, not all 65,535.
 * 20,000 pairs of [an add with price 0 on locate 65535][System Event 'O']:
 * each add puts 65535 (and the feed) in Local, each 'O' resets both. The
 * old reset scanned every locate while any was in Local: 20,000 x 65,535
 * visits; now one per reset. The counter is internal (health/health.h). */
static void reset_visits_only_scopes_not_in_fuse(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 10;
    c.quiet_messages = 1000000;
    c.thresholds[BLANC_DET_GAP][0] = 100000;     /* Local at one event */
    c.thresholds[BLANC_DET_CORRUPT][0] = 100000; /* Local at one event */
    strcpy(c.reset_events, "O");
    hr x;
    hr_open(&x, &c);
    blanc_event sys;
    memset(&sys, 0, sizeof sys);
    sys.type = 'S';
    sys.u.event_code = 'O';
    enum { PAIRS = 20000 };
    for (uint64_t k = 0; k < PAIRS; k++) {
        put(&x, ev_add(65535, 1 + k, 'B', 100, 0), T0 + 2 * k);
        assert_int_equal(blanc_health_state(x.h, 65535), BLANC_HEALTH_LOCAL);
        put(&x, sys, T0 + 2 * k + 1);
        assert_int_equal(blanc_health_state(x.h, 65535), BLANC_HEALTH_FUSE);
        assert_int_equal(gstate(&x), BLANC_HEALTH_FUSE);
    }
    blanc_health_stats st;
    blanc_health_get_stats(x.h, &st);
    assert_int_equal(st.resets, PAIRS);
    assert_int_equal(st.transitions, 4 * PAIRS); /* feed and 65535, up and back */
    assert_true(x.h->reset_visits <= 2 * (uint64_t)PAIRS);
    hr_close(&x);
}

/* §5/§6 order: a reset's transitions are the feed first, then ascending
 * locate, whatever order the instruments left Fuse in. */
static void reset_order_is_global_then_ascending_locate(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 100;
    c.quiet_messages = 1000000;
    uint64_t t[4] = {10000, 20000, 30000, 0}; /* Local 1, Feeder 2, Main 3 events */
    memcpy(c.thresholds[BLANC_DET_GAP], t, sizeof t);
    strcpy(c.reset_events, "O");
    hr x;
    hr_open(&x, &c);
    blanc_event sys;
    memset(&sys, 0, sizeof sys);
    sys.type = 'S';
    sys.u.event_code = 'O';
    static const uint16_t loc[] = {300, 5, 65535, 17, 300, 40000, 9, 9, 9, 2};
    uint64_t ts = T0;
    for (size_t k = 0; k < sizeof loc / sizeof loc[0]; k++)
        put(&x, ev_mod('D', loc[k], 1000 + k, 0), ts++); /* unknown ref: gap */
    assert_int_equal(blanc_health_state(x.h, 300), BLANC_HEALTH_FEEDER);
    assert_int_equal(blanc_health_state(x.h, 9), BLANC_HEALTH_MAIN);
    put(&x, sys, ts++);
    const char *j = hr_close(&x);
    const char *r = strstr(j, "\"cause\":\"reset\"");
    assert_non_null(r);
    /* Walk back to the first reset line, then read the scopes in order. */
    while (r > j && r[-1] != '\n')
        r--;
    static const char *const want[] = {
        "\"global\"",       "\"locate\":2,",   "\"locate\":5,",     "\"locate\":9,",
        "\"locate\":17,",   "\"locate\":300,", "\"locate\":40000,", "\"locate\":65535,"};
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        const char *e = strchr(r, '\n');
        assert_non_null(e);
        char line[1024];
        size_t n = (size_t)(e - r) < sizeof line - 1 ? (size_t)(e - r) : sizeof line - 1;
        memcpy(line, r, n);
        line[n] = 0;
        assert_non_null(strstr(line, "\"cause\":\"reset\""));
        assert_non_null(strstr(line, want[k]));
        r = e + 1;
    }
    assert_int_equal(*r, 0);
}

static void kill_is_final(void **state)
{
    (void)state;
    blanc_health_config c = quiet_config();
    c.window_messages = 10;
    uint64_t t[4] = {100000, 0, 0, 200000}; /* Local at 1, Kill at 2 */
    memcpy(c.thresholds[BLANC_DET_CORRUPT], t, sizeof t);
    strcpy(c.reset_events, "O");
    hr x;
    hr_open(&x, &c);
    blanc_event ok = ev_dir(1, "AAA"), sys;
    memset(&sys, 0, sizeof sys);
    sys.type = 'S';
    sys.u.event_code = 'O';
    put_bad_length(&x);
    put_bad_length(&x);
    assert_int_equal(gstate(&x), BLANC_HEALTH_KILL);
    assert_int_equal(put(&x, sys, T0), 0);
    for (int k = 0; k < 50; k++)
        assert_int_equal(put(&x, ok, T0), 0);
    assert_int_equal(gstate(&x), BLANC_HEALTH_KILL);
    hr_close(&x);
}

/* §1: a frame cut short at the end of input is an observation at index N
 * (one past the last message), corrupt, neither published nor gated. */
static void end_of_input_observation(void **state)
{
    (void)state;
    blanc_health_config c = corrupt_config(10, 0);
    blanc_health *h;
    assert_int_equal(blanc_health_create(&h, &c), 0);
    blanc_replay *r;
    blanc_replay_create(&r, NULL);
    blanc_replay_set_health(r, h);
    uint8_t buf[64];
    blanc_event e = ev_dir(1, "AAA");
    int n = blanc_itch_encode(&e, buf + 2, sizeof buf - 2);
    buf[0] = 0;
    buf[1] = (uint8_t)n;
    size_t len = (size_t)n + 2 + 5; /* a whole frame, then 5 bytes of a cut one */
    buf[n + 2] = 0;
    buf[n + 3] = 20;
    blanc_source *src;
    assert_int_equal(blanc_source_open_mem(&src, buf, len), 0);
    assert_int_equal(test_run_source(r, src, NULL, 0), 0);
    blanc_health_stats st;
    blanc_health_get_stats(h, &st);
    assert_int_equal(st.observed, 2);
    assert_int_equal(st.published, 1);
    assert_int_equal(st.gated, 0);
    assert_int_equal(st.det[BLANC_DET_CORRUPT].max_index, 1);
    assert_int_equal(blanc_health_state(h, 0), BLANC_HEALTH_LOCAL);
    blanc_source_close(src);
    blanc_replay_free(r);
    blanc_health_free(h);
}

/* ---- configuration ---------------------------------------------------- */

static int parse(blanc_health_config *c, const char *text, blanc_config_error *err)
{
    blanc_health_config_default(c);
    return blanc_health_config_parse(c, text, strlen(text), err);
}

static void config_documented_defaults_round_trip(void **state)
{
    (void)state;
    /* The block of docs/HEALTH.md §7, as written there. */
    const char *doc = "# docs/HEALTH.md §7: the defaults\n"
                      "window_messages = 1000000   # W, §3\n"
                      "quiet_messages  = 100000    # Q\n"
                      "\n[thresholds]                #   Local  Feeder  Main  Kill\n"
                      "gap     = [5, 50, 200, 1000]      # ppm of the window\n"
                      "corrupt = [1, 10, 50, 500]\n"
                      "skew    = [5, 20, 100, 0]\n"
                      "[skew]\n"
                      "[burst]\nfactor = 8\nmin_messages = 16\nbaseline_shift = 10\n"
                      "min_run_ms = 2\n"
                      "[reset]\nevents = \"O\"\nat_index = []\nat_time = []\n";
    blanc_health_config a, b;
    blanc_config_error err;
    assert_int_equal(parse(&a, doc, &err), 0);
    blanc_health_config_default(&b);
    assert_memory_equal(&a, &b, sizeof a);
}

static void config_values(void **state)
{
    (void)state;
    blanc_health_config c;
    blanc_config_error err;
    assert_int_equal(parse(&c, "[reset]\nat_time = [\"09:30:00\", \"12:00:00.5\"]\n"
                               "at_index = [10, 2_000]\nevents = \"OQ\"\n",
                           &err),
                     0);
    assert_int_equal(c.n_reset_at_time, 2);
    assert_int_equal(c.reset_at_time[1], UINT64_C(43200500000000));
    assert_int_equal(c.reset_at_index[1], 2000);
    assert_string_equal(c.reset_events, "OQ");
    assert_int_equal(parse(&c, "[thresholds]\ngap = [0, 0, 7, 0]\r\n", &err), 0);
    assert_int_equal(c.thresholds[BLANC_DET_GAP][2], 7);
}

static void config_errors_name_the_line(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        unsigned line;
        const char *what;
    } bad[] = {
        {"window_messages = 5\nwindow = 3\n", 2, "unknown key window"},
        {"[thresholds]\ngap = [1, 2, 3]\n", 2, "4 thresholds"},
        {"[thresholds]\ngap = [5, 4, 0, 0]\n", 0, "must not decrease"},
        {"quiet_messages = 1\nquiet_messages = 2\n", 2, "set twice"},
        /* TOML declares a table once (tomllib: "Cannot declare ('burst',) twice") */
        {"[burst]\nfactor = 8\n[thresholds]\ngap = [5, 50, 200, 1000]\n[burst]\nmin_run_ms = 4\n", 5,
         "[burst] is declared twice"},
        {"quiet_messages = -1\n", 1, "unsigned integer"},
        {"quiet_messages = 1_\n", 1, "'_'"},
        {"quiet_messages = 99999999999999999999\n", 1, "too large"},
        {"[nope]\n", 1, "unknown section"},
        {"[reset]\nevents = \"O\n", 2, "unterminated"},
        {"[reset]\nat_time = [\"25:00:00\"]\n", 2, "HH:MM:SS"},
        {"window_messages = 0\n", 0, "window_messages"},
        {"window_messages = 5 x\n", 1, "after the value"},
        {"[burst]\nbaseline_shift = 21\n", 2, "baseline_shift"},
        {"gap = [1, 2, 3, 4]\n", 1, "unknown key gap"},
        /* §7: retired keys, refused with the reason; §5: skew never reaches Kill */
        {"# old file\n[thresholds]\nburst = [2, 5, 10, 100]\n", 3, "thresholds.burst is no longer"},
        {"[skew]\njump_ns = 60000000000\n", 2, "skew.jump_ns is no longer"},
        {"[thresholds]\nskew = [5, 20, 100, 1000]\n", 2, "never reaches Kill"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        blanc_health_config c, before;
        blanc_config_error err = {99, ""};
        blanc_health_config_default(&before);
        c = before;
        assert_int_equal(blanc_health_config_parse(&c, bad[i].text, strlen(bad[i].text), &err),
                         BLANC_EINVAL);
        if (err.line != bad[i].line || !strstr(err.what, bad[i].what))
            fail_msg("case %zu: line %u '%s'", i, err.line, err.what);
        assert_memory_equal(&c, &before, sizeof c); /* all or nothing */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_thresholds_at_boundaries),
        cmocka_unit_test(crossing_is_exact_not_rounded),
        cmocka_unit_test(corrupt_attribution),
        cmocka_unit_test(skew_backwards_and_past_midnight),
        cmocka_unit_test(clean_step_in_rate_never_gates),
        cmocka_unit_test(unknown_types_move_no_breaker),
        cmocka_unit_test(burst_baseline_by_hand),
        cmocka_unit_test(hysteresis_recovers_after_quiet_window),
        cmocka_unit_test(re_escalation_cancels_recovery),
        cmocka_unit_test(quiet_zero_recovers_at_the_same_message),
        cmocka_unit_test(latch_reset_and_kill),
        cmocka_unit_test(reset_visits_only_scopes_not_in_fuse),
        cmocka_unit_test(reset_order_is_global_then_ascending_locate),
        cmocka_unit_test(kill_is_final),
        cmocka_unit_test(end_of_input_observation),
        cmocka_unit_test(config_documented_defaults_round_trip),
        cmocka_unit_test(config_values),
        cmocka_unit_test(config_errors_name_the_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
