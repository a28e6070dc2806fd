/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Where a run stopped on a hard error, said one way for every caller that
 * reports it (the session, the bench). */
#include <inttypes.h>
#include <stdio.h>

#include "replay/view.h"

void blanc_replay_where(const blanc_replay *r, const blanc_feed *f, char *buf, size_t cap)
{
    const blanc_replay_stats *st = blanc__replay_stats(r);
    /* A feed that stopped on a hard error knows where (a capture record it
     * cannot read on from): the bytes the replay used may end well before. */
    const blanc_feed_end *e = f ? blanc_feed_end_info(f) : NULL;
    uint64_t at = e && e->how == BLANC_END_ERROR ? e->offset : st->bytes;
    const char *why = f ? blanc_feed_end_detail(f) : NULL;
    if (why)
        snprintf(buf, cap, "after %" PRIu64 " messages; %s", st->messages, why);
    else
        snprintf(buf, cap, "after %" PRIu64 " messages, byte %" PRIu64, st->messages, at);
}
