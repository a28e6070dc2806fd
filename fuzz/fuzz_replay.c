/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Whole replay on arbitrary bytes, both framings, strict and not, with a
 * health tracker (default thresholds, then a tiny window where every level,
 * expiry, quiet timer and reset is reachable): the books must stay consistent
 * and the tracker's counts must add up whatever the input. */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int mode = 0; mode < 3; mode++) {
        blanc_replay_options o = {0};
        o.framing = mode == 1 ? BLANC_FRAMING_FIXED : BLANC_FRAMING_BINARYFILE;
        o.strict = mode == 2;
        o.no_input_digest = mode != 0; /* hash once: it is not what is under test */
        o.no_sniff = mode != 0;        /* judge the start once; then replay anything */
        blanc_replay *r;
        blanc_source *s;
        if (blanc_replay_create(&r, &o) || blanc_source_open_mem(&s, data, size))
            abort();
        blanc_health_config c;
        blanc_health_config_default(&c);
        if (mode == 1) {
            /* gap, corrupt, skew (never Kill); burst never gates: its row is 0 */
            uint64_t t[4][4] = {{1, 2, 3, 4}, {1, 2, 3, 0}, {1, 0, 3, 0}, {0, 0, 0, 0}};
            c.window_messages = 16;
            c.quiet_messages = 4;
            c.burst_baseline_shift = 1;
            c.burst_min_messages = 2;
            c.burst_min_run_ms = 1;
            for (int d = 0; d < 4; d++)
                for (int k = 0; k < 4; k++)
                    c.thresholds[d][k] = t[d][k] * 62500;
            c.reset_at_index[0] = 7;
            c.reset_at_time[0] = 1000000;
            c.n_reset_at_index = c.n_reset_at_time = 1;
            strcpy(c.reset_events, "OSQ");
        }
        blanc_health *h;
        if (blanc_health_create(&h, &c))
            abort();
        blanc_replay_set_health(r, h);
        blanc_feed_options fo = {0};
        fo.framing = o.framing;
        fo.no_sniff = o.no_sniff;
        blanc_feed *f = NULL;
        int rc = blanc_feed_open(&f, s, &fo, NULL, 0);
        if (!rc)
            rc = blanc_replay_run(r, f);
        blanc_feed_free(f);
        if (rc && rc != BLANC_ESTRICT && rc != BLANC_ENOTITCH)
            abort();
        blanc_health_stats hs;
        blanc_health_get_stats(h, &hs);
        blanc_replay_stats st;
        blanc_replay_get_stats(r, &st);
        uint64_t in_state = 0;
        for (int l = 0; l < BLANC_HEALTH_LEVELS; l++)
            in_state += hs.in_state[l];
        if (hs.published + hs.gated != in_state || hs.published + hs.gated > st.messages)
            abort();
        blanc_health_free(h);
        if (blanc_books_check(blanc_replay_books(r)) != 0)
            abort();
        blanc_digests d;
        blanc_replay_digests(r, &d);
        blanc_source_close(s);
        blanc_replay_free(r);
    }
    return 0;
}
