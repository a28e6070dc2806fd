/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The decision journal (docs/HEALTH.md §8): one JSON line per transition,
 * keys in a fixed order and integers only, so two runs over the same input
 * produce the same bytes and a reader can diff journals with cmp.
 */
#include <stdlib.h>
#include <string.h>

#include "health/health.h"

void blanc_health_set_journal(blanc_health *h, blanc_sink *sink)
{
    if (!sink) {
        free(h->jb);
        h->jb = NULL;
        return;
    }
    if (!h->jb && !(h->jb = malloc(sizeof *h->jb))) {
        h->err = BLANC_ENOMEM;
        return;
    }
    h->jb->sink = sink;
    h->jb->err = 0;
    h->jb->n = 0;
}

int blanc_health_finish(blanc_health *h)
{
    if (h->jb) {
        ob_flush(h->jb);
        if (h->jb->err && !h->err)
            h->err = h->jb->err;
    }
    return h->err;
}

/* A detector's value as the journal shows it: ppm of the window. Burst is
 * not a breaker input (docs/HEALTH.md §4), so it is in no journal line. */
static uint64_t shown(const blanc_health *h, uint32_t s, int d)
{
    return health_ppm(h, h->scope[s].count[d]);
}

void health_journal(blanc_health *h, uint32_t s, int from, int to, const char *cause)
{
    obuf *o = h->jb;
    const int nd = 3; /* gap, corrupt, skew */
    ob_str(o, "{\"index\":");
    ob_u64(o, h->index);
    ob_str(o, ",\"ts\":");
    ob_u64(o, h->ts_after);
    if (s) {
        ob_str(o, ",\"scope\":\"instrument\",\"locate\":");
        ob_u64(o, s);
        blanc_instrument in;
        if (h->books && blanc_books_instrument(h->books, (uint16_t)s, &in) == 0) {
            ob_str(o, ",\"symbol\":");
            ob_json_symbol(o, in.symbol);
        }
    } else {
        ob_str(o, ",\"scope\":\"global\"");
    }
    ob_str(o, ",\"from\":\"");
    ob_str(o, blanc_health_level_name((blanc_health_level)from));
    ob_str(o, "\",\"to\":\"");
    ob_str(o, blanc_health_level_name((blanc_health_level)to));
    ob_str(o, "\",\"cause\":\"");
    ob_str(o, cause);
    if (h->lost) {
        /* Certain loss: the sequence numbers that never arrived. */
        ob_str(o, "\",\"lost\":");
        ob_u64(o, h->lost);
        ob_str(o, ",\"lost_seq\":[");
        ob_u64(o, h->lost_from);
        ob_char(o, ',');
        ob_u64(o, h->lost_from + h->lost - 1);
        ob_str(o, "],\"values\":{");
    } else {
        ob_str(o, "\",\"values\":{");
    }
    for (int d = 0; d < nd; d++) {
        ob_str(o, d ? ",\"" : "\"");
        ob_str(o, blanc_detector_name((blanc_detector)d));
        ob_str(o, "\":");
        ob_u64(o, shown(h, s, d));
    }
    ob_str(o, "},\"crossed\":[");
    int first = 1;
    for (int d = 0; d < nd && strcmp(cause, "recover"); d++) {
        int l = health_level(h, d, h->scope[s].count[d]);
        if (!l)
            continue;
        ob_str(o, first ? "{\"detector\":\"" : ",{\"detector\":\"");
        first = 0;
        ob_str(o, blanc_detector_name((blanc_detector)d));
        ob_str(o, "\",\"level\":\"");
        ob_str(o, blanc_health_level_name((blanc_health_level)l));
        ob_str(o, "\",\"threshold\":");
        ob_u64(o, h->cfg.thresholds[d][l - 1]);
        ob_str(o, ",\"value\":");
        ob_u64(o, shown(h, s, d));
        ob_char(o, '}');
    }
    ob_str(o, "]}\n");
}
