/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Feed-health detectors and the circuit breaker (docs/HEALTH.md is the
 * specification; its section numbers are cited below).
 *
 * Cost model: almost every message is healthy, so the common path is the two
 * high-water marks, the gate and three "is anything due" comparisons, inline
 * (health.h); its burst step is logged and folded in 128 at a time (fold()). Events, expiries, decisions and timers are rare and live
 * behind unlikely branches; memory grows only with events (amortized ring
 * doubling), never per message.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "health/health.h"

#define PPM 1000000u

const char *blanc_health_level_name(blanc_health_level l)
{
    static const char *const n[] = {"fuse", "local", "feeder", "main", "kill"};
    return (unsigned)l < BLANC_HEALTH_LEVELS ? n[l] : "?";
}

const char *blanc_detector_name(blanc_detector d)
{
    static const char *const n[] = {"gap", "corrupt", "skew", "burst"};
    return (unsigned)d < BLANC_DETECTORS ? n[d] : "?";
}

uint64_t health_ppm(const blanc_health *h, uint64_t c)
{
    return c * PPM / h->cfg.window_messages;
}

int health_level(const blanc_health *h, int d, uint64_t v)
{
    for (int k = 3; k >= 0; k--)
        if (v >= h->cthr[d][k])
            return k + 1;
    return 0;
}

/* Q(k): (1 - 2^-s)^k in units of 2^-32, one factor per set bit of k. */
static uint64_t decay_factor(const blanc_health *h, uint64_t k)
{
    uint64_t q = UINT64_C(1) << 32;
    for (int j = 0; k; j++, k >>= 1)
        if (k & 1)
            q = q * h->pow2[j] >> 32;
    return q;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int blanc_health_create(blanc_health **out, const blanc_health_config *c)
{
    *out = NULL;
    if (!c || blanc_health_config_check(c, NULL))
        return BLANC_EINVAL;
    blanc_health *h = calloc(1, sizeof *h);
    if (!h)
        return BLANC_ENOMEM;
    h->cfg = *c;
    h->scope = calloc(NSCOPES, sizeof *h->scope);
    h->hwm = calloc(NSCOPES, sizeof *h->hwm);
    h->live = malloc(NSCOPES * sizeof *h->live);
    h->live_pos = malloc(NSCOPES * sizeof *h->live_pos);
    if (!h->scope || !h->hwm || !h->live || !h->live_pos) {
        blanc_health_free(h);
        return BLANC_ENOMEM;
    }
    /* c x 1e6 >= T x W  <=>  c >= ceil(T x W / 1e6): one comparison per level later. */
    for (int d = 0; d < BLANC_DETECTORS; d++)
        for (int k = 0; k < 4; k++) {
            uint64_t t = c->thresholds[d][k];
            if (!t)
                h->cthr[d][k] = UINT64_MAX; /* burst's row is always off (§4) */
            else
                h->cthr[d][k] = (t * c->window_messages + PPM - 1) / PPM;
        }
    /* pow2[j] = (1 - 2^-s)^(2^j) in units of 2^-32 (docs/HEALTH.md §4). */
    unsigned sh = c->burst_baseline_shift;
    h->pow2[0] = (UINT64_C(1) << 32) - (UINT64_C(1) << (32 - sh));
    for (int j = 1; j < 64; j++)
        h->pow2[j] = h->pow2[j - 1] * h->pow2[j - 1] >> 32;
    for (uint64_t k = 0; k < DECAY_TABLE; k++)
        h->qk[k] = decay_factor(h, k);
    qsort(h->cfg.reset_at_index, h->cfg.n_reset_at_index, sizeof(uint64_t), cmp_u64);
    qsort(h->cfg.reset_at_time, h->cfg.n_reset_at_time, sizeof(uint64_t), cmp_u64);
    h->pub = 1;
    h->b.hot_at = UINT64_MAX;
    h->next_i = 0; /* the first observation takes the general path */
    *out = h;
    return 0;
}

void blanc_health_free(blanc_health *h)
{
    if (!h)
        return;
    free(h->scope);
    free(h->hwm);
    free(h->live);
    free(h->live_pos);
    free(h->ev);
    free(h->tm);
    free(h->jb);
    free(h);
}

int blanc_health_publishable(const blanc_health *h) { return h->pub; }

blanc_health_level blanc_health_state(const blanc_health *h, uint16_t locate)
{
    return (blanc_health_level)h->scope[locate].state;
}

void health_gate(blanc_health *h, uint64_t i, uint16_t locate)
{
    h->pub = h->scope[0].state <= BLANC_HEALTH_LOCAL &&
             h->scope[locate].state <= BLANC_HEALTH_LOCAL;
    if (h->pub)
        h->st.published++;
    else if (!h->st.gated++)
        h->st.first_gated = i;
}

int blanc_health_get_stats(const blanc_health *h, blanc_health_stats *out)
{
    hburst b;
    uint64_t index, ts_after;
    health_burst_view(h, &b, out, &index, &ts_after);
    /* Counted lazily, off the per-message path: messages are published +
     * gated, and the global state changes only at recorded indexes. */
    out->observed = h->st.published + h->st.gated + h->end_obs;
    if (h->seen)
        out->in_state[h->scope[0].state] += h->st.first_index + h->st.published + h->st.gated -
                                             h->since;
    /* The current millisecond's count is folded in when it closes. */
    if (b.n > out->peak_per_ms)
        out->peak_per_ms = b.n;
    return 0;
}

/* Grow a ring of n elements of size sz, unrolling it so its head is at 0. */
static int ring_grow(void **buf, size_t *cap, size_t *head, size_t n, size_t sz)
{
    size_t nc = *cap ? *cap * 2 : 256;
    char *p = malloc(nc * sz);
    if (!p)
        return BLANC_ENOMEM;
    const char *old = *buf;
    for (size_t k = 0; k < n; k++)
        memcpy(p + k * sz, old + ((*head + k) % *cap) * sz, sz);
    free(*buf);
    *buf = p;
    *cap = nc;
    *head = 0;
    return 0;
}

static void mark(blanc_health *h, uint32_t s)
{
    if (!h->scope[s].dirty) {
        h->scope[s].dirty = 1;
        h->dirty[h->n_dirty++] = s;
    }
}

/* §5: the breaker's inputs are gap, corrupt and skew, for every scope; burst
 * is measured beside it and never moves it (§4). */
static int target_of(const blanc_health *h, uint32_t s)
{
    int t = 0;
    for (int d = 0; d < 3; d++) {
        int l = health_level(h, d, h->scope[s].count[d]);
        if (l > t)
            t = l;
    }
    return t;
}

static void track_max(blanc_health *h, int d)
{
    blanc_detector_stats *ds = &h->st.det[d];
    uint64_t v = d == BLANC_DET_BURST ? h->b.run : health_ppm(h, h->scope[0].count[d]);
    ds->value = v;
    if (v > ds->max_value) {
        ds->max_value = v;
        ds->max_index = h->index;
    }
}

static int is_live(int st) { return st > BLANC_HEALTH_FUSE && st < BLANC_HEALTH_KILL; }

static void live_add(blanc_health *h, uint32_t s)
{
    h->live_pos[s] = (uint16_t)h->n_live;
    h->live[h->n_live++] = (uint16_t)s;
}

/* Swap the last one into s's place. */
static void live_remove(blanc_health *h, uint32_t s)
{
    uint16_t p = h->live_pos[s], last = h->live[--h->n_live];
    h->live[p] = last;
    h->live_pos[last] = p;
}

static void set_state(blanc_health *h, uint32_t s, int to, const char *cause)
{
    hscope *sc = &h->scope[s];
    int from = sc->state;
    sc->state = (uint8_t)to;
    h->st.transitions++;
    if (s) { /* instruments that a reset must visit, and those gated */
        if (is_live(to) && !is_live(from))
            live_add(h, s);
        else if (is_live(from) && !is_live(to))
            live_remove(h, s);
        h->inst_gated += (to >= BLANC_HEALTH_FEEDER) - (from >= BLANC_HEALTH_FEEDER);
    }
    if (to > sc->worst) {
        if (s) {
            if (sc->worst)
                h->st.instruments_worst[sc->worst]--;
            h->st.instruments_worst[to]++;
        } else {
            h->st.global_worst = (blanc_health_level)to;
        }
        sc->worst = (uint8_t)to;
    }
    if (!s) {
        h->st.global_state = (blanc_health_level)to;
        h->st.in_state[from] += h->index - h->since;
        h->since = h->index;
    }
    h->any_gated = h->scope[0].state >= BLANC_HEALTH_FEEDER || h->inst_gated;
    if (h->jb)
        health_journal(h, s, from, to, cause);
}

static int arm(blanc_health *h, uint32_t s)
{
    if (h->tm_n == h->tm_cap &&
        ring_grow((void **)&h->tm, &h->tm_cap, &h->tm_head, h->tm_n, sizeof *h->tm))
        return BLANC_ENOMEM;
    hscope *sc = &h->scope[s];
    sc->armed = 1;
    sc->gen++;
    h->tm[(h->tm_head + h->tm_n++) % h->tm_cap] =
        (htimer){h->index + h->cfg.quiet_messages, s, sc->gen};
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* §5 step 4: escalate at once, or arm/disarm Local's quiet timer. */
static int decide(blanc_health *h)
{
    qsort(h->dirty, h->n_dirty, sizeof h->dirty[0], cmp_u32);
    int rc = 0;
    for (size_t k = 0; k < h->n_dirty; k++) {
        uint32_t s = h->dirty[k];
        hscope *sc = &h->scope[s];
        sc->dirty = 0;
        if (sc->state == BLANC_HEALTH_KILL)
            continue;
        int t = target_of(h, s);
        if (t > sc->state) {
            set_state(h, s, t, "escalate");
            sc->armed = 0;
        } else if (sc->state == BLANC_HEALTH_LOCAL && t < BLANC_HEALTH_LOCAL) {
            if (!sc->armed && !rc)
                rc = arm(h, s);
        } else if (sc->armed) {
            sc->armed = 0;
        }
    }
    h->n_dirty = 0;
    return rc;
}

/* §5 step 5: the timers due now, global first then by locate. */
static void recover(blanc_health *h, uint64_t i)
{
    uint32_t due[16];
    size_t nd = 0;
    while (h->tm_n && h->tm[h->tm_head].due <= i) {
        htimer t = h->tm[h->tm_head];
        h->tm_head = (h->tm_head + 1) % h->tm_cap;
        h->tm_n--;
        hscope *sc = &h->scope[t.scope];
        if (!sc->armed || sc->gen != t.gen)
            continue; /* disarmed or re-armed since */
        sc->armed = 0;
        if (nd < sizeof due / sizeof due[0])
            due[nd++] = t.scope;
        else /* cannot happen: at most three scopes are decided per message */
            set_state(h, t.scope, target_of(h, t.scope), "recover");
    }
    qsort(due, nd, sizeof due[0], cmp_u32);
    for (size_t k = 0; k < nd; k++)
        set_state(h, due[k], target_of(h, due[k]), "recover");
}

static int cmp_u16_desc(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x < y) - (x > y);
}

/* §6: empty every window, disarm every timer; each scope short of Kill takes
 * its target from the empty windows: Fuse. */
static void reset(blanc_health *h)
{
    for (size_t k = 0; k < h->tm_n; k++)
        h->scope[h->tm[(h->tm_head + k) % h->tm_cap].scope].armed = 0;
    for (size_t k = 0; k < h->ev_n; k++) {
        const hevent *e = &h->ev[(h->ev_head + k) % h->ev_cap];
        memset(h->scope[e->locate].count, 0, sizeof h->scope[0].count);
    }
    memset(h->scope[0].count, 0, sizeof h->scope[0].count);
    h->ev_n = h->ev_head = 0;
    h->tm_n = h->tm_head = 0;
    h->st.resets++;
    for (int d = 0; d < 3; d++)
        track_max(h, d);
    if (h->scope[0].state != BLANC_HEALTH_KILL && target_of(h, 0) != h->scope[0].state)
        set_state(h, 0, target_of(h, 0), "reset");
    /* The journal lists them by ascending locate (§6): sort the live set
     * descending, then take it from the end, so each one leaves the set as
     * its last element. */
    qsort(h->live, h->n_live, sizeof h->live[0], cmp_u16_desc);
    for (size_t k = 0; k < h->n_live; k++)
        h->live_pos[h->live[k]] = (uint16_t)k;
    while (h->n_live) {
        h->reset_visits++;
        set_state(h, h->live[h->n_live - 1], BLANC_HEALTH_FUSE, "reset");
    }
}

static int is_reset_point(blanc_health *h, uint64_t i, const health_obs *o)
{
    int hit = 0;
    const blanc_health_config *c = &h->cfg;
    while (h->next_ri < c->n_reset_at_index && c->reset_at_index[h->next_ri] <= i)
        hit |= c->reset_at_index[h->next_ri++] == i;
    if (o->decoded) {
        while (h->next_rt < c->n_reset_at_time && c->reset_at_time[h->next_rt] <= o->ts) {
            h->next_rt++;
            hit = 1;
        }
        if (o->sys_code && strchr(c->reset_events, o->sys_code))
            hit = 1;
    }
    return hit;
}

/* §3: events leave the window when the index reaches e + W. */
static void expire(blanc_health *h, uint64_t i)
{
    uint64_t w = h->cfg.window_messages;
    while (h->ev_n && i - h->ev[h->ev_head].index >= w) {
        const hevent *e = &h->ev[h->ev_head];
        for (int d = 0; d < 3; d++) {
            if (!(e->mask & (1u << d)))
                continue;
            h->scope[0].count[d]--;
            if (e->own & (1u << d))
                h->scope[e->locate].count[d]--;
            track_max(h, d);
        }
        mark(h, 0);
        if (e->locate)
            mark(h, e->locate);
        h->ev_head = (h->ev_head + 1) % h->ev_cap;
        h->ev_n--;
    }
}

/* The events of observation i: each detector of mask counts for the feed,
 * those of own for instrument locate too (own is 0 without one). */
static int add_event(blanc_health *h, uint64_t i, uint16_t locate, uint8_t mask, uint8_t own)
{
    if (h->ev_n == h->ev_cap &&
        ring_grow((void **)&h->ev, &h->ev_cap, &h->ev_head, h->ev_n, sizeof *h->ev))
        return BLANC_ENOMEM;
    locate = own ? locate : 0;
    h->ev[(h->ev_head + h->ev_n++) % h->ev_cap] = (hevent){i, locate, mask, own};
    for (int d = 0; d < 3; d++) {
        if (!(mask & (1u << d)))
            continue;
        h->st.det[d].events++;
        h->scope[0].count[d]++;
        if (own & (1u << d))
            h->scope[locate].count[d]++;
        track_max(h, d);
    }
    mark(h, 0);
    if (locate)
        mark(h, locate);
    return 0;
}

/* The burst detector's run became r at index i (reported only: no scope is
 * decided, §4). */
static void set_run(hburst *b, blanc_health_stats *st, const blanc_health_config *c, uint64_t r,
                    uint64_t i)
{
    if (r == b->run)
        return;
    b->run = r;
    if (r && r == c->burst_min_run_ms)
        st->bursts++;
    if (r > st->longest_burst_ms)
        st->longest_burst_ms = r;
    blanc_detector_stats *ds = &st->det[BLANC_DET_BURST];
    ds->value = r;
    if (r > ds->max_value) {
        ds->max_value = r;
        ds->max_index = i;
    }
}

/* b x (1 - 2^-s)^k for k empty milliseconds (docs/HEALTH.md §4): the factor
 * Q(k) in units of 2^-32, then one multiplication. Integer-only, so every
 * machine gets the same b; a table serves the usual small k. */
static uint64_t decay(const blanc_health *h, uint64_t b, uint64_t k)
{
    uint64_t q = k < DECAY_TABLE ? h->qk[k] : decay_factor(h, k);
    return (b >> 32) * q + ((b & 0xffffffffu) * q >> 32);
}

/* Close the current millisecond and open m (> ms); i is the message's index. */
static void close_ms(const blanc_health *h, hburst *b, blanc_health_stats *st, uint64_t m,
                     uint64_t i)
{
    unsigned s = h->cfg.burst_baseline_shift;
    if (b->n > st->peak_per_ms)
        st->peak_per_ms = b->n;
    b->base = b->base - (b->base >> s) + ((b->n << 16) >> s);
    if (!b->hot && b->run)
        set_run(b, st, &h->cfg, 0, i);
    uint64_t k = m - b->ms - 1;
    b->warm++;
    if (k) {
        if (k > (UINT64_C(32) << s)) {
            b->base = 0; /* a new start: the old rate says nothing now */
            b->warm = 0;
        } else {
            b->warm += k;
            b->base = decay(h, b->base, k);
        }
        if (b->run)
            set_run(b, st, &h->cfg, 0, i);
    }
    b->ms = m;
    b->n = 0;
    b->hot = 0;
    /* The floor first: the exact test (n x 2^16 >= factor x b) is made once
     * the count reaches it, which a sparse feed rarely does. */
    b->hot_at = b->warm >> s ? h->cfg.burst_min_messages : UINT64_MAX;
}

/* §4, for a decoded message of index i once the high-water mark is g. */
static void burst_step(const blanc_health *h, hburst *b, blanc_health_stats *st, uint64_t g,
                       uint64_t i)
{
    uint64_t m = g / 1000000u;
    if (blanc_unlikely(!b->have_ms)) {
        b->have_ms = 1;
        b->ms = m;
        b->hot_at = UINT64_MAX;
    } else if (m > b->ms) {
        close_ms(h, b, st, m, i);
    }
    b->n++;
    if (blanc_unlikely(b->n >= b->hot_at)) {
        if ((b->n << 16) < h->cfg.burst_factor * b->base) {
            /* n x 2^16 >= factor x b  <=>  n >= ceil(factor x b / 2^16) */
            b->hot_at = (h->cfg.burst_factor * b->base + 0xffff) >> 16;
            return;
        }
        b->hot = 1;
        b->hot_at = UINT64_MAX;
        st->det[BLANC_DET_BURST].events++;
        set_run(b, st, &h->cfg, b->run + 1, i);
    }
}

static void burst(blanc_health *h) { burst_step(h, &h->b, &h->st, h->g, h->index); }

/* The burst steps of the held messages e[0..n), in order, as burst_step()
 * would make them one by one. Two cases are written out, with the state in
 * registers: a message in the current millisecond that cannot make it hot
 * only counts; one that opens a new millisecond after at most `kmax` empty
 * ones, with no hot run to end, closes the old one by the same integers as
 * close_ms() (decay(b, 0) = b: the table's Q(0) is 2^32, so the decay needs
 * no branch) and, the floor being above 1, cannot become hot. Anything else
 * takes burst_step(). A message that does more than count becomes the
 * observation last handled (index, ts_after), as it was without the log. */
static void fold(const blanc_health *h, hburst *bp, blanc_health_stats *st, uint64_t *index,
                 uint64_t *ts_after, const hlog *e, size_t n)
{
    const unsigned s = h->cfg.burst_baseline_shift;
    const uint64_t floor = h->cfg.burst_min_messages;
    /* A new millisecond after fewer than klim - 1 empty ones is the short
     * case; klim is 0 while a hot run is open (it must be ended), and when
     * the floor is 1 or less (the new millisecond's first message could
     * make it hot). Q(k) is tabled for k < DECAY_TABLE. */
    const uint64_t kmax = (UINT64_C(32) << s) < DECAY_TABLE - 1 ? UINT64_C(32) << s
                                                                 : DECAY_TABLE - 1;
    const uint64_t kon = floor > 1 ? kmax + 1 : 0;
    const uint64_t *qk = h->qk;
    hburst b = *bp;
    size_t last = n, k = 0;
    if (n && !b.have_ms) {
        burst_step(h, &b, st, e[0].t, e[0].i); /* the first decoded message */
        last = 0;
        k = 1;
    }
    const size_t k0 = k;
    const uint64_t ms0 = b.ms;
    uint64_t ms = b.ms, cnt = b.n, base = b.base, warm = b.warm, hot_at = b.hot_at;
    uint64_t peak = st->peak_per_ms, klim = b.run ? 0 : kon;
    for (;;) {
        /* The two short cases, nothing else live: a message that opens a
         * millisecond is found again after the loop (it is the first of its
         * millisecond), so the loop keeps no record of it. */
        for (; k < n; k++) {
            uint64_t m = e[k].t / 1000000u;
            uint64_t gap = m - ms - 1; /* wraps for m == ms: never below klim */
            if (blanc_likely(gap < klim)) {
                /* close_ms() with n = cnt and k = gap; hot is 0 (a hot ms has a run) */
                peak = cnt > peak ? cnt : peak;
                base = base - (base >> s) + ((cnt << 16) >> s);
                uint64_t q = qk[gap];
                base = (base >> 32) * q + ((base & 0xffffffffu) * q >> 32);
                warm += gap + 1;
                ms = m;
                cnt = 1;
                hot_at = warm >> s ? floor : UINT64_MAX;
                continue;
            }
            if (blanc_likely(m == ms && cnt + 1 < hot_at)) {
                cnt++;
                continue;
            }
            break;
        }
        if (k == n)
            break;
        last = k;
        b.ms = ms, b.n = cnt, b.base = base, b.warm = warm, b.hot_at = hot_at;
        st->peak_per_ms = peak;
        burst_step(h, &b, st, e[k].t, e[k].i);
        ms = b.ms, cnt = b.n, base = b.base, warm = b.warm, hot_at = b.hot_at;
        peak = st->peak_per_ms;
        klim = b.run ? 0 : kon;
        k++;
    }
    b.ms = ms, b.n = cnt, b.base = base, b.warm = warm, b.hot_at = hot_at;
    st->peak_per_ms = peak;
    if (ms != ms0) {
        /* The last millisecond opened here: its first message did more than
         * count, and nothing before it did later than `last` says. */
        size_t j = n - 1;
        while (j > k0 && e[j - 1].t / 1000000u == ms)
            j--;
        if (last == n || j > last)
            last = j;
    }
    if (last < n) {
        *index = e[last].i;
        *ts_after = e[last].t;
    }
    *bp = b;
}

void health_sync(blanc_health *h)
{
    fold(h, &h->b, &h->st, &h->index, &h->ts_after, h->log, h->nlog);
    h->nlog = 0;
}

void health_burst_view(const blanc_health *h, hburst *b, blanc_health_stats *st,
                       uint64_t *index, uint64_t *ts_after)
{
    *b = h->b;
    *st = h->st;
    *index = h->index;
    *ts_after = h->ts_after;
    fold(h, b, st, index, ts_after, h->log, h->nlog);
}

static uint8_t events_of(uint32_t an)
{
    /* seq_gap is loss the transport's sequence numbers prove (a capture or
     * a live feed), the others loss guessed from its effects. */
    const uint32_t gap = 1u << BLANC_AN_UNKNOWN_REF | 1u << BLANC_AN_NO_DIRECTORY |
                         1u << BLANC_AN_SEQ_GAP;
    /* unknown_type is not here: a type this build does not know (Nasdaq adds
     * them, 'O' in 2023) is skipped by its length and counted, not damage
     * (docs/HEALTH.md §2). A known type of the wrong length is. */
    const uint32_t corrupt = 1u << BLANC_AN_TRUNCATED | 1u << BLANC_AN_BAD_LENGTH |
                             1u << BLANC_AN_ZERO_LENGTH |
                             1u << BLANC_AN_STREAM_CUT | 1u << BLANC_AN_BAD_FIELD |
                             1u << BLANC_AN_DUP_REF | 1u << BLANC_AN_OVERFILL |
                             1u << BLANC_AN_DIR_CONFLICT | 1u << BLANC_AN_BAD_PACKET;
    return (uint8_t)((an & gap ? EV_GAP : 0) | (an & corrupt ? EV_CORRUPT : 0));
}

/* What the fast path must leave to the general one: the next index where
 * something is due, the next time reset point. */
static void set_limits(blanc_health *h)
{
    const blanc_health_config *c = &h->cfg;
    uint64_t next = h->next_ri < c->n_reset_at_index ? c->reset_at_index[h->next_ri] : UINT64_MAX;
    if (h->ev_n && h->ev[h->ev_head].index + c->window_messages < next)
        next = h->ev[h->ev_head].index + c->window_messages;
    if (h->tm_n && h->tm[h->tm_head].due < next)
        next = h->tm[h->tm_head].due;
    h->next_i = h->have_g ? next : 0; /* no mark yet: the general path sets it */
    h->next_ts = h->next_rt < c->n_reset_at_time ? c->reset_at_time[h->next_rt] : UINT64_MAX;
    h->t_lim = h->next_ts < HEALTH_DAY_NS ? h->next_ts : HEALTH_DAY_NS;
}

/* §5 steps 4 and 5 once the observation is counted: decide the scopes it
 * touched, then recover those whose quiet timer is due (with quiet_messages
 * 0, one armed just now). */
static int settle(blanc_health *h, uint64_t i)
{
    if (blanc_unlikely(h->n_dirty) && decide(h))
        return h->err = BLANC_ENOMEM;
    if (blanc_unlikely(h->tm_n) && h->tm[h->tm_head].due <= i)
        recover(h, i);
    return 0;
}

void health_restored(blanc_health *h)
{
    h->inst_gated = 0;
    h->n_live = 0;
    for (uint32_t s = 1; s < NSCOPES; s++) {
        int st = h->scope[s].state;
        if (is_live(st))
            live_add(h, s);
        h->inst_gated += st >= BLANC_HEALTH_FEEDER;
    }
    h->any_gated = h->scope[0].state >= BLANC_HEALTH_FEEDER || h->inst_gated;
    h->n_dirty = 0;
    h->err = 0;
    h->nlog = 0;
    set_limits(h);
}

int health_message_slow(blanc_health *h, uint64_t i, uint64_t t, uint16_t locate)
{
    if (h->nlog == HEALTH_LOG && i < h->next_i && t >= h->g && t < h->t_lim &&
        t + 1 >= h->hwm[locate]) {
        health_sync(h); /* the log was full */
        return health_message(h, i, t, locate);
    }
    health_obs o = {t, 0, locate, 1, 1, 0, 0, 0};
    return health_observe(h, i, &o);
}

int health_observe(blanc_health *h, uint64_t i, const health_obs *o)
{
    if (h->nlog)
        health_sync(h);
    h->index = i;
    h->ts_after = o->decoded && o->ts < HEALTH_DAY_NS && (!h->have_g || o->ts > h->g) ? o->ts : h->g;
    if (blanc_unlikely(!h->seen)) {
        h->seen = 1;
        h->st.first_index = h->since = i;
    }
    if (blanc_unlikely(h->next_ri < h->cfg.n_reset_at_index ||
                       h->next_rt < h->cfg.n_reset_at_time || o->sys_code) &&
        is_reset_point(h, i, o))
        reset(h);
    if (blanc_unlikely(h->ev_n) && i - h->ev[h->ev_head].index >= h->cfg.window_messages)
        expire(h, i);
    uint8_t mask = blanc_unlikely(o->anomalies) ? events_of(o->anomalies) : 0;
    uint16_t locate = o->decoded ? o->locate : 0;
    /* Loss the sequence numbers prove and damaged packets belong to the
     * feed, not to the instrument of the message that happens to follow:
     * detector by detector, one whose only input here is one of those counts
     * for the feed alone; the others (the message's own skew, its unknown
     * ref) for its instrument too. */
    const uint32_t transport = 1u << BLANC_AN_SEQ_GAP | 1u << BLANC_AN_BAD_PACKET;
    uint8_t not_own = blanc_unlikely(o->anomalies & transport)
                          ? (uint8_t)(mask & ~events_of(o->anomalies & ~transport))
                          : 0;
    h->lost = o->lost;
    h->lost_from = o->lost_from;
    if (blanc_unlikely(o->decoded && o->ts >= HEALTH_DAY_NS)) {
        /* §2 condition 2: a time no clock of the day can show. It moves no
         * mark, so one bad timestamp cannot make the rest of the day look
         * late; the burst counts it in the current millisecond. */
        mask |= EV_SKEW;
        if (h->have_g)
            burst(h);
    } else if (o->decoded) {
        uint64_t t = o->ts;
        if (blanc_likely(h->have_g) && blanc_unlikely(t < h->g)) {
            mask |= EV_SKEW;
            if (h->g - t > h->st.max_backward_ns)
                h->st.max_backward_ns = h->g - t;
        }
        if (locate) {
            uint64_t *hv = &h->hwm[locate];
            if (blanc_unlikely(t + 1 < *hv))
                mask |= EV_SKEW;
            else
                *hv = t + 1;
        }
        if (!h->have_g || t > h->g)
            h->g = t;
        h->have_g = 1;
        burst(h);
    }
    if (blanc_unlikely(mask) &&
        add_event(h, i, locate, mask, locate ? (uint8_t)(mask & ~not_own) : 0))
        return h->err = BLANC_ENOMEM;
    int settled = settle(h, i);
    h->lost = 0;
    if (settled)
        return h->err;
    if (o->message)
        health_gate(h, i, locate);
    else
        h->end_obs++;
    set_limits(h);
    if (blanc_unlikely(h->jb && h->jb->err))
        return h->err = h->jb->err;
    return h->err;
}
