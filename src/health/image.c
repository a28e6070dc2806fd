/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The health tracker in and out of a snapshot (docs/SNAPSHOT.md, health
 * section; image.h). Getting the image is a plain copy of the state at a
 * message boundary, where nothing is pending (no scope marked, no decision
 * half made). Applying one checks everything first, because the words come
 * from a file: every index that will address an array, every flag, every
 * count against the events that make it up, the instruments by worst state
 * against the scopes. Only then does the tracker take it, so a refused image
 * leaves the tracker as it was.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "common/bytes.h"
#include "health/health.h"
#include "health/image.h"
#include "replay/replay.h"
#include "replay/snapshot.h"

const unsigned health_image_width[HI_LISTS] = {HI_SCOPE_W, HI_HWM_W, HI_EVENT_W, HI_TIMER_W};
const char *const health_image_list_name[HI_LISTS] = {"scopes", "hwm", "events", "timers"};
const char *const health_image_scalar_name[HI_COUNT] = {
    "g", "have_g", "ms", "n", "base", "run", "warm", "have_ms", "hot", "hot_at",
    "next_reset_index", "next_reset_time", "pub", "seen", "since", "end_obs", "index",
    "ts_after",
    "gap_events", "gap_value", "gap_max_value", "gap_max_index",
    "corrupt_events", "corrupt_value", "corrupt_max_value", "corrupt_max_index",
    "skew_events", "skew_value", "skew_max_value", "skew_max_index",
    "burst_events", "burst_value", "burst_max_value", "burst_max_index",
    "max_backward_ns", "longest_burst_ms", "peak_per_ms", "bursts", "global_state",
    "global_worst", "instruments_worst_0", "instruments_worst_1", "instruments_worst_2",
    "instruments_worst_3", "instruments_worst_4", "in_state_0", "in_state_1", "in_state_2",
    "in_state_3", "in_state_4", "published", "gated", "first_gated", "transitions", "resets",
    "first_index",
};

/* ---- the configuration's digest ----------------------------------------- */

static void put64(XXH3_state_t *x, uint64_t v)
{
    uint8_t b[8];
    blanc_put_le64(b, v);
    XXH3_64bits_update(x, b, 8);
}

uint64_t health_config_digest(const blanc_health_config *c)
{
    /* Every field, as u64 little-endian words, reset points in ascending
     * order (docs/SNAPSHOT.md): the same config gives the same digest on any
     * machine, whatever the struct's padding. */
    XXH3_state_t *x = XXH3_createState();
    if (!x)
        return 0;
    XXH3_64bits_reset(x);
    put64(x, c->window_messages);
    put64(x, c->quiet_messages);
    for (int d = 0; d < BLANC_DETECTORS; d++)
        for (int k = 0; k < 4; k++)
            put64(x, c->thresholds[d][k]);
    put64(x, c->burst_factor);
    put64(x, c->burst_min_messages);
    put64(x, c->burst_min_run_ms);
    put64(x, c->burst_baseline_shift);
    size_t ne = strnlen(c->reset_events, sizeof c->reset_events);
    put64(x, ne);
    XXH3_64bits_update(x, c->reset_events, ne);
    put64(x, c->n_reset_at_index);
    for (size_t i = 0; i < c->n_reset_at_index && i < BLANC_HEALTH_MAX_RESETS; i++)
        put64(x, c->reset_at_index[i]);
    put64(x, c->n_reset_at_time);
    for (size_t i = 0; i < c->n_reset_at_time && i < BLANC_HEALTH_MAX_RESETS; i++)
        put64(x, c->reset_at_time[i]);
    uint64_t d = XXH3_64bits_digest(x);
    XXH3_freeState(x);
    return d;
}

/* ---- out ---------------------------------------------------------------- */

int health_image_alloc(health_image *img, int k, uint64_t n)
{
    free(img->list[k]);
    img->list[k] = NULL;
    img->n[k] = 0;
    if (!n)
        return 0;
    if (n > SIZE_MAX / 8 / health_image_width[k])
        return BLANC_ENOMEM;
    img->list[k] = malloc((size_t)n * health_image_width[k] * sizeof(uint64_t));
    if (!img->list[k])
        return BLANC_ENOMEM;
    img->n[k] = n;
    return 0;
}

void health_image_free(health_image *img)
{
    if (!img)
        return;
    for (int k = 0; k < HI_LISTS; k++) {
        free(img->list[k]);
        img->list[k] = NULL;
        img->n[k] = 0;
    }
}

static int scope_in_image(const hscope *s)
{
    return s->count[0] || s->count[1] || s->count[2] || s->gen || s->state || s->worst ||
           s->armed;
}

int health_image_get(const blanc_health *h, health_image *img)
{
    memset(img, 0, sizeof *img);
    img->config_digest = health_config_digest(&h->cfg);
    uint64_t *w = img->w;
    w[HI_G] = h->g;
    w[HI_HAVE_G] = (uint64_t)h->have_g;
    /* The burst state with the fast path's held messages folded in. */
    hburst b;
    blanc_health_stats stv;
    uint64_t index, ts_after;
    health_burst_view(h, &b, &stv, &index, &ts_after);
    w[HI_MS] = b.ms;
    w[HI_N] = b.n;
    w[HI_BASE] = b.base;
    w[HI_RUN] = b.run;
    w[HI_WARM] = b.warm;
    w[HI_HAVE_MS] = (uint64_t)b.have_ms;
    w[HI_HOT] = (uint64_t)b.hot;
    w[HI_HOT_AT] = b.hot_at == UINT64_MAX ? 0 : b.hot_at + 1; /* 0: cannot become hot */
    w[HI_NEXT_RI] = h->next_ri;
    w[HI_NEXT_RT] = h->next_rt;
    w[HI_PUB] = (uint64_t)h->pub;
    w[HI_SEEN] = (uint64_t)h->seen;
    w[HI_SINCE] = h->since;
    w[HI_END_OBS] = h->end_obs;
    w[HI_INDEX] = index;
    w[HI_TS_AFTER] = ts_after;
    const blanc_health_stats *st = &stv;
    for (int d = 0; d < BLANC_DETECTORS; d++) {
        w[HI_DET + 4 * d] = st->det[d].events;
        w[HI_DET + 4 * d + 1] = st->det[d].value;
        w[HI_DET + 4 * d + 2] = st->det[d].max_value;
        w[HI_DET + 4 * d + 3] = st->det[d].max_index;
    }
    w[HI_MAX_BACKWARD] = st->max_backward_ns;
    w[HI_LONGEST] = st->longest_burst_ms;
    w[HI_PEAK] = st->peak_per_ms;
    w[HI_BURSTS] = st->bursts;
    w[HI_GLOBAL_STATE] = (uint64_t)st->global_state;
    w[HI_GLOBAL_WORST] = (uint64_t)st->global_worst;
    for (int l = 0; l < BLANC_HEALTH_LEVELS; l++) {
        w[HI_INST_WORST + l] = st->instruments_worst[l];
        w[HI_IN_STATE + l] = st->in_state[l];
    }
    w[HI_PUBLISHED] = st->published;
    w[HI_GATED] = st->gated;
    w[HI_FIRST_GATED] = st->first_gated;
    w[HI_TRANSITIONS] = st->transitions;
    w[HI_RESETS] = st->resets;
    w[HI_FIRST_INDEX] = st->first_index;

    uint64_t ns = 0, nh = 0;
    for (uint32_t s = 0; s < NSCOPES; s++) {
        ns += (uint64_t)scope_in_image(&h->scope[s]);
        nh += s && h->hwm[s];
    }
    int rc = health_image_alloc(img, 0, ns) || health_image_alloc(img, 1, nh) ||
             health_image_alloc(img, 2, h->ev_n) || health_image_alloc(img, 3, h->tm_n);
    if (rc) {
        health_image_free(img);
        return BLANC_ENOMEM;
    }
    uint64_t *p = img->list[0], *q = img->list[1];
    for (uint32_t s = 0; s < NSCOPES; s++) {
        const hscope *sc = &h->scope[s];
        if (scope_in_image(sc)) {
            uint64_t rec[HI_SCOPE_W] = {s, sc->count[0], sc->count[1], sc->count[2], sc->gen,
                                        sc->state, sc->worst, sc->armed};
            memcpy(p, rec, sizeof rec);
            p += HI_SCOPE_W;
        }
        if (s && h->hwm[s]) {
            q[0] = s;
            q[1] = h->hwm[s];
            q += HI_HWM_W;
        }
    }
    p = img->list[2];
    for (size_t k = 0; k < h->ev_n; k++, p += HI_EVENT_W) {
        const hevent *e = &h->ev[(h->ev_head + k) % h->ev_cap];
        p[0] = e->index;
        p[1] = e->locate;
        p[2] = (uint64_t)e->mask | (uint64_t)e->own << 3;
    }
    p = img->list[3];
    for (size_t k = 0; k < h->tm_n; k++, p += HI_TIMER_W) {
        const htimer *t = &h->tm[(h->tm_head + k) % h->tm_cap];
        p[0] = t->due;
        p[1] = t->scope;
        p[2] = t->gen;
    }
    return 0;
}

/* ---- in ----------------------------------------------------------------- */

static int bad(blanc_snap_error *err, const char *what, uint64_t k)
{
    return snap_fail(err, BLANC_EBADSNAP, "health", k, "health state: %s", what);
}

/* Everything a tracker will index or rely on, checked before it is touched. */
static int check(const blanc_health *h, const health_image *img, blanc_snap_error *err)
{
    const uint64_t *w = img->w;
    const blanc_health_config *c = &h->cfg;
    for (int k = 0; k < HI_LISTS; k++)
        if (img->n[k] && !img->list[k])
            return bad(err, "a list without its records", (uint64_t)k);
    static const int flags[] = {HI_HAVE_G, HI_HAVE_MS, HI_HOT, HI_PUB, HI_SEEN};
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        if (w[flags[k]] > 1)
            return bad(err, "a flag is not 0 or 1", (uint64_t)flags[k]);
    if (w[HI_G] >= HEALTH_DAY_NS || (!w[HI_HAVE_G] && w[HI_G]))
        return bad(err, "the feed's high-water mark is past 24:00", HI_G);
    if (w[HI_HAVE_MS] && w[HI_MS] > w[HI_G] / 1000000u)
        return bad(err, "the burst millisecond is ahead of the feed", HI_MS);
    if (w[HI_N] >> 40 || w[HI_BASE] >> 48 || w[HI_HOT_AT] >> 62)
        return bad(err, "burst count or baseline out of range", HI_N);
    if (w[HI_NEXT_RI] > c->n_reset_at_index || w[HI_NEXT_RT] > c->n_reset_at_time)
        return bad(err, "reset cursor beyond the configured reset points", HI_NEXT_RI);
    if (w[HI_GLOBAL_STATE] > BLANC_HEALTH_KILL || w[HI_GLOBAL_WORST] > BLANC_HEALTH_KILL ||
        w[HI_GLOBAL_STATE] > w[HI_GLOBAL_WORST])
        return bad(err, "global state out of range", HI_GLOBAL_STATE);
    if (w[HI_INST_WORST])
        return bad(err, "instruments_worst_0 is not 0", HI_INST_WORST);
    if (!w[HI_SEEN] && (img->n[0] || img->n[2] || img->n[3] || w[HI_PUBLISHED] || w[HI_GATED]))
        return bad(err, "state recorded before any observation", HI_SEEN);

    /* scopes: ascending locates, states in range, a timer only in Local */
    const uint64_t *p = img->list[0];
    int global_listed = 0;
    uint64_t inst_worst[BLANC_HEALTH_LEVELS] = {0};
    for (uint64_t k = 0; k < img->n[0]; k++, p += HI_SCOPE_W) {
        if (p[0] >= NSCOPES || (k && p[0] <= p[-HI_SCOPE_W]))
            return bad(err, "scope locates not ascending in 0..65535", k);
        if (p[1] > UINT32_MAX || p[2] > UINT32_MAX || p[3] > UINT32_MAX || p[4] > UINT32_MAX)
            return bad(err, "scope count or timer generation out of range", k);
        if (p[5] > BLANC_HEALTH_KILL || p[6] > BLANC_HEALTH_KILL || p[5] > p[6] || p[7] > 1 ||
            (p[7] && p[5] != BLANC_HEALTH_LOCAL))
            return bad(err, "scope state, worst or timer flag inconsistent", k);
        if (p[0]) {
            inst_worst[p[6]]++;
        } else {
            global_listed = 1;
            if (p[5] != w[HI_GLOBAL_STATE] || p[6] != w[HI_GLOBAL_WORST])
                return bad(err, "the feed's scope disagrees with the global state", k);
        }
    }
    if (!global_listed && (w[HI_GLOBAL_STATE] || w[HI_GLOBAL_WORST]))
        return bad(err, "the global state has no scope", 0);
    for (int l = 1; l < BLANC_HEALTH_LEVELS; l++)
        if (inst_worst[l] != w[HI_INST_WORST + l])
            return bad(err, "instruments by worst state disagree with the scopes",
                       HI_INST_WORST + (uint64_t)l);

    /* high-water marks: instrument locates ascending, marks within the day */
    p = img->list[1];
    for (uint64_t k = 0; k < img->n[1]; k++, p += HI_HWM_W)
        if (!p[0] || p[0] >= NSCOPES || (k && p[0] <= p[-HI_HWM_W]) || !p[1] ||
            p[1] > HEALTH_DAY_NS)
            return bad(err, "an instrument's high-water mark is out of range", k);

    /* events: ascending indexes, all still inside the window */
    p = img->list[2];
    for (uint64_t k = 0; k < img->n[2]; k++, p += HI_EVENT_W)
        if (p[0] > w[HI_INDEX] || w[HI_INDEX] - p[0] >= c->window_messages ||
            (k && p[0] <= p[-HI_EVENT_W]) || p[1] >= NSCOPES || !(p[2] & 7) || p[2] > 63 ||
            (p[2] >> 3 & ~p[2]) || (!p[1] && p[2] >> 3))
            return bad(err, "an event is out of order, outside the window or malformed", k);

    /* timers: due order, existing scopes, due no earlier than now */
    p = img->list[3];
    for (uint64_t k = 0; k < img->n[3]; k++, p += HI_TIMER_W)
        if (p[1] >= NSCOPES || p[2] > UINT32_MAX || p[0] <= w[HI_INDEX] ||
            (k && p[0] < p[-HI_TIMER_W]))
            return bad(err, "a quiet timer is out of order or names no scope", k);
    return 0;
}

/* An event record's detectors that count for its instrument: bits 3-5 of
 * its mask word; a record of a snapshot written before the feed's and the
 * instrument's detectors were told apart has none there, and then counted
 * all of its detectors for its instrument (if it had one). */
static uint8_t event_own(const uint64_t *p)
{
    uint8_t own = (uint8_t)(p[2] >> 3 & 7);
    return own || !p[1] ? own : (uint8_t)(p[2] & 7);
}

/* The counts of the scopes must be exactly those of the events in the window. */
static int check_counts(blanc_health *h, const health_image *img, blanc_snap_error *err)
{
    const uint64_t *p = img->list[2];
    for (uint64_t k = 0; k < img->n[2]; k++, p += HI_EVENT_W)
        for (int d = 0; d < 3; d++) {
            if (!(p[2] & (1u << d)))
                continue;
            int own = (event_own(p) >> d) & 1;
            if (!h->scope[0].count[d] || (own && !h->scope[p[1]].count[d]))
                return bad(err, "the scope counts are not those of the events", k);
            h->scope[0].count[d]--;
            if (own)
                h->scope[p[1]].count[d]--;
        }
    p = img->list[0];
    for (uint64_t k = 0; k < img->n[0]; k++, p += HI_SCOPE_W)
        if (h->scope[p[0]].count[0] || h->scope[p[0]].count[1] || h->scope[p[0]].count[2])
            return bad(err, "the scope counts are not those of the events", k);
    return 0;
}

static void clear_scopes(blanc_health *h, const health_image *img)
{
    const uint64_t *p = img->list[0];
    for (uint64_t k = 0; k < img->n[0]; k++, p += HI_SCOPE_W)
        memset(&h->scope[p[0]], 0, sizeof h->scope[0]);
}

static void load_scopes(blanc_health *h, const health_image *img)
{
    const uint64_t *p = img->list[0];
    for (uint64_t k = 0; k < img->n[0]; k++, p += HI_SCOPE_W) {
        hscope *s = &h->scope[p[0]];
        for (int d = 0; d < 3; d++)
            s->count[d] = (uint32_t)p[1 + d];
        s->gen = (uint32_t)p[4];
        s->state = (uint8_t)p[5];
        s->worst = (uint8_t)p[6];
        s->armed = (uint8_t)p[7];
        s->dirty = 0;
    }
}

int blanc_health_resume(blanc_health *h, const blanc_replay *r, blanc_snap_error *err)
{
    if (!h || !r)
        return BLANC_EINVAL;
    const health_image *img = r->snap_health;
    if (!img)
        return snap_fail(err, BLANC_ENOTFOUND, "health", 0,
                         "the snapshot holds no health state (taken without health, or an "
                         "older version)");
    if (h->seen || h->ev_n || h->tm_n)
        return BLANC_EINVAL; /* only a new tracker takes a recorded state */
    if (img->config_digest != health_config_digest(&h->cfg))
        return snap_fail(err, BLANC_EMISMATCH, "health", 0,
                         "the snapshot's health configuration (digest %016llx) is not this "
                         "run's (%016llx)",
                         (unsigned long long)img->config_digest,
                         (unsigned long long)health_config_digest(&h->cfg));
    int rc = check(h, img, err);
    if (rc)
        return rc;
    if (img->w[HI_SEEN] && img->w[HI_INDEX] > r->st.messages)
        return bad(err, "the last observation is beyond the snapshot's position", HI_INDEX);
    load_scopes(h, img);
    rc = check_counts(h, img, err);
    clear_scopes(h, img);
    if (rc)
        return rc;

    /* Checked: now the tracker takes it. */
    hevent *ev = NULL;
    htimer *tm = NULL;
    size_t ev_cap = img->n[2] ? (size_t)img->n[2] : 0, tm_cap = img->n[3] ? (size_t)img->n[3] : 0;
    if ((ev_cap && !(ev = malloc(ev_cap * sizeof *ev))) ||
        (tm_cap && !(tm = malloc(tm_cap * sizeof *tm)))) {
        free(ev);
        free(tm);
        return BLANC_ENOMEM;
    }
    const uint64_t *p = img->list[2];
    for (size_t k = 0; k < ev_cap; k++, p += HI_EVENT_W)
        ev[k] = (hevent){p[0], (uint16_t)p[1], (uint8_t)(p[2] & 7), event_own(p)};
    p = img->list[3];
    for (size_t k = 0; k < tm_cap; k++, p += HI_TIMER_W)
        tm[k] = (htimer){p[0], (uint32_t)p[1], (uint32_t)p[2]};
    free(h->ev);
    free(h->tm);
    h->ev = ev;
    h->ev_cap = h->ev_n = ev_cap;
    h->tm = tm;
    h->tm_cap = h->tm_n = tm_cap;
    h->ev_head = h->tm_head = 0;
    load_scopes(h, img);
    p = img->list[1];
    for (uint64_t k = 0; k < img->n[1]; k++, p += HI_HWM_W)
        h->hwm[p[0]] = p[1];

    const uint64_t *w = img->w;
    h->g = w[HI_G];
    h->have_g = (int)w[HI_HAVE_G];
    h->b.ms = w[HI_MS];
    h->b.n = w[HI_N];
    h->b.base = w[HI_BASE];
    h->b.run = w[HI_RUN];
    h->b.warm = w[HI_WARM];
    h->b.have_ms = (int)w[HI_HAVE_MS];
    h->b.hot = (int)w[HI_HOT];
    h->b.hot_at = w[HI_HOT_AT] ? w[HI_HOT_AT] - 1 : UINT64_MAX;
    h->next_ri = (size_t)w[HI_NEXT_RI];
    h->next_rt = (size_t)w[HI_NEXT_RT];
    h->pub = (int)w[HI_PUB];
    h->seen = (int)w[HI_SEEN];
    h->since = w[HI_SINCE];
    h->end_obs = w[HI_END_OBS];
    h->index = w[HI_INDEX];
    h->ts_after = w[HI_TS_AFTER];
    blanc_health_stats *st = &h->st;
    for (int d = 0; d < BLANC_DETECTORS; d++) {
        st->det[d].events = w[HI_DET + 4 * d];
        st->det[d].value = w[HI_DET + 4 * d + 1];
        st->det[d].max_value = w[HI_DET + 4 * d + 2];
        st->det[d].max_index = w[HI_DET + 4 * d + 3];
    }
    st->max_backward_ns = w[HI_MAX_BACKWARD];
    st->longest_burst_ms = w[HI_LONGEST];
    st->peak_per_ms = w[HI_PEAK];
    st->bursts = w[HI_BURSTS];
    st->global_state = (blanc_health_level)w[HI_GLOBAL_STATE];
    st->global_worst = (blanc_health_level)w[HI_GLOBAL_WORST];
    for (int l = 0; l < BLANC_HEALTH_LEVELS; l++) {
        st->instruments_worst[l] = w[HI_INST_WORST + l];
        st->in_state[l] = w[HI_IN_STATE + l];
    }
    st->published = w[HI_PUBLISHED];
    st->gated = w[HI_GATED];
    st->first_gated = w[HI_FIRST_GATED];
    st->transitions = w[HI_TRANSITIONS];
    st->resets = w[HI_RESETS];
    st->first_index = w[HI_FIRST_INDEX];
    health_restored(h);
    return 0;
}
