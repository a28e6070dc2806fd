/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The live feed's hole view (src/feed/udp_gap.c) against a brute-force model:
 * a bitmap of every sequence number that arrived. The model's hole starts at
 * the first number not made ready and ends at the first arrived number after
 * it (or one past the highest known number), and every later hole likewise
 * (the runs of missing numbers below the highest known); packets come in random sizes,
 * some dropped, some reordered, some duplicated, heartbeats among them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feed/udp_gap.h"

static void test_hand_cases(void **state)
{
    (void)state;
    static udp_gap g;
    memset(&g, 0, sizeof g);
    uint64_t a, b;
    blanc__udp_gap_packet(&g, 1, 5); /* the first packet: the stream starts there */
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 0);
    blanc__udp_gap_ready(&g, 6);
    blanc__udp_gap_packet(&g, 9, 2); /* 6..8 missing */
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 1);
    assert_true(a == 6 && b == 9);
    blanc__udp_gap_packet(&g, 13, 1); /* 11..12 missing too: the first hole still first */
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 1);
    assert_true(a == 6 && b == 9);
    uint64_t h[3][2];
    assert_int_equal(blanc__udp_gap_holes(&g, h, 3), 2); /* both, lowest first */
    assert_true(h[0][0] == 6 && h[0][1] == 9 && h[1][0] == 11 && h[1][1] == 13);
    assert_int_equal(blanc__udp_gap_holes(&g, h, 1), 1); /* at most max */
    blanc__udp_gap_packet(&g, 6, 3); /* the answer: the stream makes 6..10 ready */
    blanc__udp_gap_ready(&g, 11);
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 1);
    assert_true(a == 11 && b == 13);
    blanc__udp_gap_ready(&g, 14);
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 0);
    blanc__udp_gap_packet(&g, 20, 0); /* a heartbeat says 14..19 were sent */
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 1);
    assert_true(a == 14 && b == 20);
    blanc__udp_gap_packet(&g, 17, 1); /* 14..16 missing */
    assert_int_equal(blanc__udp_gap_holes(&g, h, 3), 2); /* and 18..19: the tail */
    assert_true(h[0][0] == 14 && h[0][1] == 17 && h[1][0] == 18 && h[1][1] == 20);
    blanc__udp_gap_packet(&g, 14, 3);
    blanc__udp_gap_packet(&g, 18, 2);
    blanc__udp_gap_ready(&g, 20);
    assert_int_equal(blanc__udp_gap_holes(&g, h, 3), 0);
    blanc__udp_gap_packet(&g, 22, 0xFFFF); /* end of session after 21 */
    assert_true(g.eos_seq == 22);
    blanc__udp_gap_ready(&g, 22);
    assert_int_equal(blanc__udp_gap_hole(&g, &a, &b), 0);
    assert_int_equal(blanc__udp_gap_holes(&g, h, 3), 0);
}

static uint64_t rng = 88172645463325252u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

#define N 20000

static void test_against_model(void **state)
{
    (void)state;
    static udp_gap g;
    static uint8_t arrived[N + 64];
    for (int round = 0; round < 20; round++) {
        memset(&g, 0, sizeof g);
        memset(arrived, 0, sizeof arrived);
        /* packets of 1..8 messages from 1; the stream starts at packet 0 */
        uint64_t seqs[4000], counts[4000];
        size_t np = 0;
        for (uint64_t s = 1; s < N && np < 4000; np++) {
            counts[np] = 1 + next_rand() % 8;
            seqs[np] = s;
            s += counts[np];
        }
        uint64_t ready = 0, known = 0;
        for (size_t i = 0; i < np; i++) {
            /* a neighbour swap now and then (reorder), a drop, a duplicate */
            size_t k = i;
            if (i + 1 < np && next_rand() % 10 == 0) {
                uint64_t ts = seqs[i], tc = counts[i];
                seqs[i] = seqs[i + 1], counts[i] = counts[i + 1];
                seqs[i + 1] = ts, counts[i + 1] = tc;
            }
            if (i && next_rand() % 7 == 0)
                continue;
            int copies = next_rand() % 13 == 0 ? 2 : 1;
            for (int c = 0; c < copies; c++)
                blanc__udp_gap_packet(&g, seqs[k], (uint16_t)counts[k]);
            if (ready == 0) {
                ready = seqs[k] + counts[k];
                known = ready;
                blanc__udp_gap_ready(&g, ready);
                continue;
            }
            for (uint64_t s = seqs[k]; s < seqs[k] + counts[k]; s++)
                arrived[s] = 1;
            if (seqs[k] + counts[k] > known)
                known = seqs[k] + counts[k];
            /* the stream: ready runs through what arrived; now and then it
             * gives a hole up (the window, or the tries) */
            while (ready < known && arrived[ready])
                ready++;
            if (next_rand() % 50 == 0 && ready < known) {
                while (ready < known && !arrived[ready])
                    ready++;
                while (ready < known && arrived[ready])
                    ready++;
            }
            blanc__udp_gap_ready(&g, ready);
            if (next_rand() % 5 == 0)
                blanc__udp_gap_packet(&g, known, 0); /* heartbeat: nothing new */
            uint64_t a = 0, b = 0;
            int hole = blanc__udp_gap_hole(&g, &a, &b);
            if (ready >= known) {
                assert_int_equal(hole, 0);
                continue;
            }
            uint64_t to = ready;
            while (to < known && !arrived[to])
                to++;
            assert_int_equal(hole, 1);
            assert_true(a == ready);
            assert_true(b == to);
            /* every hole, as the live feed tends them: the model's runs of
             * missing numbers below known, the first UDP_GAP_HOLES of them */
            uint64_t h[UDP_GAP_HOLES][2];
            size_t nh = blanc__udp_gap_holes(&g, h, UDP_GAP_HOLES), want = 0;
            for (uint64_t x = ready; x < known && want < UDP_GAP_HOLES;) {
                if (arrived[x]) {
                    x++;
                    continue;
                }
                uint64_t y = x;
                while (y < known && !arrived[y])
                    y++;
                assert_true(want < nh);
                assert_true(h[want][0] == x && h[want][1] == y);
                want++;
                x = y;
            }
            assert_int_equal(nh, want);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_cases),
        cmocka_unit_test(test_against_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
