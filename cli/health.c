/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The health options of blanc replay (docs/HEALTH.md): config, journal, reset
 * points, and the health part of the summary. */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

int cli_health_reset_at(cli_health *ch, const char *s)
{
    if (ch->n_reset_at == BLANC_HEALTH_MAX_RESETS) {
        cli_error("%s: at most %d --reset-at options", ch->cmd, BLANC_HEALTH_MAX_RESETS);
        return CLI_USAGE;
    }
    uint64_t v;
    int is_time = strchr(s, ':') != NULL;
    if (is_time ? cli_parse_time(s, &v) : cli_parse_u64(s, &v)) {
        cli_error("%s: --reset-at wants a message index or HH:MM:SS[.nnnnnnnnn], not '%s'", ch->cmd,
                  s);
        return CLI_USAGE;
    }
    ch->reset_at[ch->n_reset_at] = v;
    ch->reset_is_time[ch->n_reset_at++] = is_time;
    return CLI_OK;
}

/* Build the config: defaults, then the file, then --reset-at. Returns CLI_OK
 * or CLI_USAGE (after saying why). */
int cli_health_config(const cli_health *ch, blanc_health_config *c)
{
    blanc_config_error err = {0, ""};
    blanc_health_config_default(c);
    if (ch->config) {
        int rc = blanc_health_config_load(c, ch->config, &err);
        if (rc) {
            if (err.line)
                cli_error("%s:%u: %s", ch->config, err.line, err.what);
            else
                cli_error("%s: %s", ch->config, err.what);
            return CLI_USAGE;
        }
    }
    for (int i = 0; i < ch->n_reset_at; i++) {
        int t = ch->reset_is_time[i];
        size_t *n = t ? &c->n_reset_at_time : &c->n_reset_at_index;
        if (*n == BLANC_HEALTH_MAX_RESETS) {
            cli_error("%s: more than %d reset points with the config's", ch->cmd,
                      BLANC_HEALTH_MAX_RESETS);
            return CLI_USAGE;
        }
        (t ? c->reset_at_time : c->reset_at_index)[(*n)++] = ch->reset_at[i];
    }
    if (blanc_health_config_check(c, &err)) {
        cli_error("health config: %s", err.what);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static const char *lv(blanc_health_level l) { return blanc_health_level_name(l); }

void cli_health_text(FILE *f, const cli_health *ch)
{
    if (!ch->h) {
        fprintf(f, "health       not tracked\n");
        return;
    }
    blanc_health_stats st, *s = &st;
    blanc_health_get_stats(ch->h, &st);
    fprintf(f, "health       %s now, worst %s; %" PRIu64 " published, %" PRIu64 " gated", lv(s->global_state),
            lv(s->global_worst), s->published, s->gated);
    if (s->gated)
        fprintf(f, " (first at message %" PRIu64 ")", s->first_gated);
    fputc('\n', f);
    if (ch->restarted)
        fprintf(f, "  (resumed from a snapshot without health state: tracked from message %" PRIu64
                   " with empty windows)\n",
                s->first_index);
    for (int d = 0; d < BLANC_DET_BURST; d++) {
        const blanc_detector_stats *ds = &s->det[d];
        fprintf(f, "  %-8s %10" PRIu64 " events, %" PRIu64 " ppm now, max %" PRIu64 " ppm",
                blanc_detector_name((blanc_detector)d), ds->events, ds->value, ds->max_value);
        if (ds->max_value)
            fprintf(f, " at message %" PRIu64, ds->max_index);
        if (d == BLANC_DET_SKEW)
            fprintf(f, "; largest step back %" PRIu64 " ns", s->max_backward_ns);
        fputc('\n', f);
    }
    fprintf(f, "  burst    %10" PRIu64 " hot ms, %" PRIu64 " bursts, longest %" PRIu64
               " ms, peak %" PRIu64 " msg/ms\n",
            s->det[BLANC_DET_BURST].events, s->bursts, s->longest_burst_ms, s->peak_per_ms);
    fprintf(f, "  instruments reached local %" PRIu64 ", feeder %" PRIu64 ", main %" PRIu64
               ", kill %" PRIu64 "\n",
            s->instruments_worst[1], s->instruments_worst[2], s->instruments_worst[3],
            s->instruments_worst[4]);
    fprintf(f, "  %" PRIu64 " transitions, %" PRIu64 " resets%s%s\n", s->transitions, s->resets,
            ch->journal ? "; journal " : "", ch->journal ? ch->journal : "");
}

void cli_health_json(jw *j, const cli_health *ch)
{
    if (!ch->h) {
        jw_null(j, "health");
        return;
    }
    blanc_health_stats st, *s = &st;
    blanc_health_get_stats(ch->h, &st);
    jw_open(j, "health", '{');
    jw_str(j, "state", lv(s->global_state));
    jw_str(j, "worst", lv(s->global_worst));
    jw_u64(j, "published", s->published);
    jw_u64(j, "gated", s->gated);
    if (s->gated)
        jw_u64(j, "first_gated", s->first_gated);
    else
        jw_null(j, "first_gated");
    jw_u64(j, "first_index", s->first_index);
    jw_bool(j, "restarted", ch->restarted);
    jw_open(j, "detectors", '{');
    for (int d = 0; d < BLANC_DETECTORS; d++) {
        const blanc_detector_stats *ds = &s->det[d];
        jw_open(j, blanc_detector_name((blanc_detector)d), '{');
        jw_u64(j, d == BLANC_DET_BURST ? "hot_ms" : "events", ds->events);
        jw_u64(j, d == BLANC_DET_BURST ? "ms" : "ppm", ds->value);
        jw_u64(j, d == BLANC_DET_BURST ? "max_ms" : "max_ppm", ds->max_value);
        jw_u64(j, "max_index", ds->max_index);
        if (d == BLANC_DET_SKEW)
            jw_u64(j, "max_backward_ns", s->max_backward_ns);
        if (d == BLANC_DET_BURST) {
            jw_u64(j, "bursts", s->bursts);
            jw_u64(j, "longest_ms", s->longest_burst_ms);
            jw_u64(j, "peak_per_ms", s->peak_per_ms);
        }
        jw_close(j, '}');
    }
    jw_close(j, '}');
    jw_open(j, "instruments_worst", '{');
    for (int l = 1; l < BLANC_HEALTH_LEVELS; l++)
        jw_u64(j, lv((blanc_health_level)l), s->instruments_worst[l]);
    jw_close(j, '}');
    jw_open(j, "messages_in_state", '{');
    for (int l = 0; l < BLANC_HEALTH_LEVELS; l++)
        jw_u64(j, lv((blanc_health_level)l), s->in_state[l]);
    jw_close(j, '}');
    jw_u64(j, "transitions", s->transitions);
    jw_u64(j, "resets", s->resets);
    if (ch->journal)
        jw_str(j, "journal", ch->journal);
    jw_close(j, '}');
}
