/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc_gen_write: a deterministic ITCH 5.0 day.
 *
 * Shape of the day: system start (S O, S S), the stock directory (R per
 * symbol), trading on (H T per symbol), market open (S Q at 09:30), the body
 * (the market model of market.c picks symbol and action for each message),
 * market close (S M at 16:00), end of system hours and of messages (S E, S C).
 * Scenarios damage the body at positions drawn from a second RNG stream, so a
 * damaged day is the normal day of the same seed plus the damage; every
 * injection is reported so tests can check it was detected.
 *
 * Profiles shape the body's rate over feed time. Flat (the default, and the
 * bytes of every earlier version) spreads it evenly over the session. The
 * others cut the body into segments, each a share of the messages over a span
 * of feed time, evenly spaced with the same jitter inside it: intraday is a
 * realistic day's curve, step the sudden rise of an open after a quiet start.
 */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "common/bytes.h"
#include "gen/capture_write.h"
#include "gen/market.h"

#define NS_PER_S UINT64_C(1000000000)
#define T_START (4 * 3600 * NS_PER_S)
#define T_OPEN (34200 * NS_PER_S) /* 09:30 */
#define T_CLOSE (57600 * NS_PER_S) /* 16:00 */
#define T_END (72000 * NS_PER_S)   /* 20:00 */
#define N_INJECT 24 /* damage points per damaged day (fewer on short days) */

typedef struct gen {
    const blanc_gen_config *cfg;
    blanc_sink *sink;
    capw *cw; /* a capture: messages go to it instead of buf */
    rng r, dmg;
    market m;
    uint64_t ts, written, offset;
    uint64_t gap_ns; /* mean spacing of body messages */
    uint8_t buf[1 << 16];
    size_t n;
    blanc_gen_result *res;
    size_t res_cap;
    int err;
    /* scenario schedule */
    uint64_t next_at[N_INJECT];
    uint32_t n_at, at_i;
    uint64_t burst_left, drop_left;
    /* profile segments (not flat): the current one and the end of its span */
    uint32_t seg_i;
    uint64_t seg_t1;
} gen;
/* While drop_left > 0 (gap scenario) the model runs but put_raw writes nothing. */

int blanc_scenario_parse(const char *name)
{
    static const char *const names[] = {"normal", "burst", "corrupt", "gap"};
    for (int i = 0; i < 4; i++)
        if (name && !strcmp(name, names[i]))
            return i;
    return BLANC_EINVAL;
}

const char *blanc_scenario_name(blanc_scenario s)
{
    switch (s) {
    case BLANC_SCENARIO_NORMAL: return "normal";
    case BLANC_SCENARIO_BURST: return "burst";
    case BLANC_SCENARIO_CORRUPT: return "corrupt";
    case BLANC_SCENARIO_GAP: return "gap";
    }
    return "?";
}

static const char *const format_names[] = {"binaryfile", "moldudp64-pcap", "pcapng",
                                           "soupbintcp", "soupbintcp-pcap"};
#define N_FORMATS (sizeof format_names / sizeof format_names[0])

int blanc_gen_format_parse(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++)
        if (name && !strcmp(name, format_names[i]))
            return (int)i;
    return BLANC_EINVAL;
}

const char *blanc_gen_format_name(blanc_gen_format f)
{
    return (unsigned)f < N_FORMATS ? format_names[f] : "?";
}

int blanc_gen_profile_parse(const char *name)
{
    static const char *const names[] = {"flat", "intraday", "step"};
    for (int i = 0; i < 3; i++)
        if (name && !strcmp(name, names[i]))
            return i;
    return BLANC_EINVAL;
}

const char *blanc_gen_profile_name(blanc_gen_profile p)
{
    switch (p) {
    case BLANC_PROFILE_FLAT: return "flat";
    case BLANC_PROFILE_INTRADAY: return "intraday";
    case BLANC_PROFILE_STEP: return "step";
    }
    return "?";
}

/* One stretch of the body: weight (a share of the body's messages, out of
 * SEG_TOTAL) spread over feed time [t0, t1); sys: a System Event written at
 * t0 before the segment (Q: market open, M: market close), or 0. */
typedef struct seg {
    uint64_t t0, t1;
    uint32_t weight;
    char sys;
} seg;

#define MS_NS UINT64_C(1000000)
#define HALF_HOUR (1800 * NS_PER_S)
/* The session's half hours, 09:30 to 16:00: busy open, quiet midday, busier
 * into the close (a U), per mille of the 88 % the session carries x 254. */
static const uint32_t u_shape[13] = {40, 30, 22, 17, 13, 11, 10, 10, 11, 13, 17, 24, 36};
#define U_SUM 254u
#define SEG_TOTAL (1000u * U_SUM)

/* intraday: 3 % pre-market (04:00 to 09:30), 2.5 % in the first half second
 * of 09:30 (the opening cross and the rush after it), 88 % over the session
 * in the U above, 2.5 % in the quarter second after 16:00 (the closing
 * cross), 4 % after hours to 20:00. */
static size_t intraday_segments(seg *s)
{
    size_t n = 0;
    s[n++] = (seg){T_START, T_OPEN, 30 * U_SUM, 0};
    s[n++] = (seg){T_OPEN, T_OPEN + 500 * MS_NS, 25 * U_SUM, 'Q'};
    for (uint32_t k = 0; k < 13; k++)
        s[n++] = (seg){k ? T_OPEN + k * HALF_HOUR : T_OPEN + 500 * MS_NS,
                       T_OPEN + (k + 1) * HALF_HOUR, 880 * u_shape[k], 0};
    s[n++] = (seg){T_CLOSE, T_CLOSE + 250 * MS_NS, 25 * U_SUM, 'M'};
    s[n++] = (seg){T_CLOSE + 250 * MS_NS, T_END - MS_NS, 40 * U_SUM, 0};
    return n;
}

void blanc_gen_result_free(blanc_gen_result *r)
{
    if (r) {
        free(r->injections);
        r->injections = NULL;
        r->n_injections = 0;
    }
}

static void flush(gen *g)
{
    if (g->n && !g->err)
        g->err = blanc_sink_write(g->sink, g->buf, g->n);
    g->n = 0;
}

/* Write one frame: length prefix, then the message as encoded (len may be
 * forced to differ from the type's length to damage it). */
static void put_raw(gen *g, const uint8_t *msg, size_t len)
{
    if (g->drop_left)
        return;
    if (g->cw) {
        if (!g->err)
            g->err = blanc__capw_msg(g->cw, msg, len, g->ts);
        g->offset += len + 2;
        g->written++;
        return;
    }
    if (g->n + len + 2 > sizeof g->buf)
        flush(g);
    blanc_put_be16(g->buf + g->n, (uint16_t)len);
    memcpy(g->buf + g->n + 2, msg, len);
    g->n += len + 2;
    g->offset += len + 2;
    g->written++;
}

static void put(gen *g, blanc_event *ev)
{
    uint8_t m[64];
    ev->timestamp = g->ts;
    int len = blanc_itch_encode(ev, m, sizeof m);
    put_raw(g, m, (size_t)len);
}

static void note(gen *g, const char *kind, uint32_t count)
{
    blanc_gen_result *res = g->res;
    if (!res)
        return;
    if (res->n_injections == g->res_cap) {
        size_t cap = g->res_cap ? g->res_cap * 2 : 32;
        blanc_gen_injection *p = realloc(res->injections, cap * sizeof *p);
        if (!p) {
            g->err = BLANC_ENOMEM;
            return;
        }
        res->injections = p;
        g->res_cap = cap;
    }
    blanc_gen_injection *in = &res->injections[res->n_injections++];
    memset(in, 0, sizeof *in);
    in->index = g->written;
    in->offset = g->offset;
    in->count = count;
    strncpy(in->kind, kind, sizeof in->kind - 1);
}

static blanc_event blank(char type, uint16_t locate)
{
    blanc_event e;
    memset(&e, 0, sizeof e);
    e.type = type;
    e.locate = locate;
    return e;
}

static void system_event(gen *g, char code)
{
    blanc_event e = blank('S', 0);
    e.u.event_code = code;
    put(g, &e);
}

/* Start of day, directory, trading actions, then (flat, step) the open.
 * Flat and intraday start at 04:00 with the directory 1 us apart; step packs
 * the same frames evenly into the 2 s before 09:30 (about 0.1 per ms), the
 * quiet start whose baseline makes the open a step. */
static void preamble(gen *g)
{
    int step = g->cfg->profile == BLANC_PROFILE_STEP;
    uint64_t dir_step = 1000;
    g->ts = step ? T_OPEN - 2 * NS_PER_S : T_START;
    system_event(g, 'O');
    if (step) {
        g->ts += MS_NS;
        dir_step = (2 * NS_PER_S - 2 * MS_NS) / (2 * (uint64_t)g->m.n + 1);
    } else {
        g->ts += NS_PER_S;
    }
    system_event(g, 'S');
    for (uint32_t i = 0; i < g->m.n; i++) {
        sym *s = &g->m.s[i];
        blanc_event e = blank('R', s->locate);
        memcpy(e.stock, s->name, 8);
        blanc_ev_directory *d = &e.u.directory;
        d->market_category = "QGSNAPZ"[rng_below(&g->r, 7)];
        d->financial_status = 'N';
        d->round_lot_size = 100;
        d->round_lots_only = 'N';
        d->issue_classification = 'C';
        memcpy(d->issue_subtype, "Z ", 2);
        d->authenticity = 'P';
        d->short_sale_threshold = 'N';
        d->ipo_flag = ' ';
        d->luld_tier = '2';
        d->etp_flag = 'N';
        d->inverse = 'N';
        g->ts += dir_step;
        put(g, &e);
    }
    for (uint32_t i = 0; i < g->m.n; i++) {
        blanc_event e = blank('H', g->m.s[i].locate);
        memcpy(e.stock, g->m.s[i].name, 8);
        e.u.trading.state = 'T';
        memcpy(e.u.trading.reason, "    ", 4);
        g->ts += dir_step;
        put(g, &e);
    }
    if (g->cfg->profile == BLANC_PROFILE_INTRADAY)
        return; /* its segments write Q at 09:30 */
    g->ts = T_OPEN;
    system_event(g, 'Q');
}

static void postamble(gen *g)
{
    if (g->cfg->profile != BLANC_PROFILE_INTRADAY) { /* else M came with its segment */
        if (g->ts < T_CLOSE)
            g->ts = T_CLOSE;
        system_event(g, 'M');
    }
    g->ts = g->ts < T_END ? T_END : g->ts + 1000;
    system_event(g, 'E');
    g->ts += 1000;
    system_event(g, 'C');
}

/* A rare message type that does not touch the book, for a realistic mix. */
static void rare(gen *g, sym *s)
{
    static const char types[] = "IIIIIIQYLBKJhNOVW";
    char t = types[rng_below(&g->r, sizeof types - 1)];
    blanc_event e = blank(t, s->locate);
    memcpy(e.stock, s->name, 8);
    uint32_t px = price_of(s, (uint32_t)s->mid);
    switch (t) {
    case 'I':
        e.u.noii.paired = 100 * rng_below(&g->r, 1000);
        e.u.noii.imbalance = 100 * rng_below(&g->r, 100);
        e.u.noii.direction = "BSNO"[rng_below(&g->r, 4)];
        e.u.noii.far_price = e.u.noii.near_price = e.u.noii.ref_price = px;
        e.u.noii.cross_type = 'C';
        e.u.noii.variation = 'L';
        break;
    case 'Q':
        e.u.cross.shares = 100 * rng_below(&g->r, 10000);
        e.price = px;
        e.match = g->m.next_match++;
        e.u.cross.cross_type = 'O';
        break;
    case 'Y': e.u.reg_sho_action = '0'; break;
    case 'L':
        memcpy(e.u.participant.mpid, "MMKR", 4);
        e.u.participant.primary = 'N';
        e.u.participant.mode = 'N';
        e.u.participant.state = 'A';
        break;
    case 'B': e.match = g->m.next_match > 2 ? g->m.next_match - 2 : 1; break;
    case 'K':
        e.u.ipo.release_time = 34200;
        e.u.ipo.qualifier = 'A';
        e.u.ipo.price = px;
        break;
    case 'J':
        e.u.luld.ref_price = px;
        e.u.luld.upper = px + px / 10;
        e.u.luld.lower = px - px / 10;
        e.u.luld.extension = 0;
        break;
    case 'h':
        e.u.op_halt.market_code = 'Q';
        e.u.op_halt.action = 'T';
        break;
    case 'N': e.u.rpii_interest = "BSAN"[rng_below(&g->r, 4)]; break;
    case 'O':
        e.u.dlcr.open_eligibility = 'N';
        e.u.dlcr.min_price = px;
        e.u.dlcr.max_price = px;
        break;
    case 'V':
        e.locate = 0;
        memset(e.stock, 0, 8);
        e.u.mwcb_decline.level1 = UINT64_C(300000000000);
        e.u.mwcb_decline.level2 = UINT64_C(280000000000);
        e.u.mwcb_decline.level3 = UINT64_C(260000000000);
        break;
    case 'W':
        e.locate = 0;
        memset(e.stock, 0, 8);
        e.u.mwcb_level = '1';
        break;
    default: break;
    }
    put(g, &e);
}

static void add(gen *g, sym *s, char type)
{
    int side = (int)rng_below(&g->r, 2);
    uint32_t tick = choose_tick(s, &g->r, side);
    blanc_event e = blank(type, s->locate);
    e.ref = g->m.next_ref++;
    e.side = side ? 'S' : 'B';
    e.shares = choose_shares(&g->r);
    e.price = price_of(s, tick);
    memcpy(e.stock, s->name, 8);
    if (type == 'F')
        memcpy(e.u.attribution, "GSCO", 4);
    if ((g->err = g->err ? g->err : order_add(s, e.ref, side, tick, e.shares)))
        return;
    put(g, &e);
}

static void execute(gen *g, sym *s)
{
    int side = (int)rng_below(&g->r, 2);
    uint32_t i = oldest_at_best(s, side);
    if (i == UINT32_MAX && (i = oldest_at_best(s, !side)) == UINT32_MAX)
        return add(g, s, 'A');
    live_order *o = &s->o[i];
    uint32_t sh = rng_below(&g->r, 2) ? o->shares : 1 + rng_below(&g->r, o->shares);
    blanc_event e = blank(rng_below(&g->r, 12) ? 'E' : 'C', s->locate);
    e.ref = o->ref;
    e.shares = sh;
    e.match = g->m.next_match++;
    if (e.type == 'C') {
        e.u.printable = 'Y';
        e.price = price_of(s, o->tick) + TICK * rng_below(&g->r, 2);
    }
    order_reduce(s, i, sh);
    put(g, &e);
}

static void modify(gen *g, sym *s, uint32_t action)
{
    uint32_t i = pick_recent(s, &g->r);
    live_order *o = &s->o[i];
    blanc_event e = blank('D', s->locate);
    e.ref = o->ref;
    if (action == 1 && o->shares > 1) {
        e.type = 'X';
        e.shares = 1 + rng_below(&g->r, o->shares - 1);
        order_reduce(s, i, e.shares);
    } else if (action == 2) {
        int side = o->side;
        order_drop(s, i);
        uint32_t tick = choose_tick(s, &g->r, side);
        e.type = 'U';
        e.new_ref = g->m.next_ref++;
        e.shares = choose_shares(&g->r);
        e.price = price_of(s, tick);
        if ((g->err = g->err ? g->err : order_add(s, e.new_ref, side, tick, e.shares)))
            return;
    } else {
        order_drop(s, i);
    }
    put(g, &e);
}

/* Trade report against a non-displayed order: never touches the book. */
static void trade(gen *g, sym *s)
{
    blanc_event e = blank('P', s->locate);
    e.side = rng_below(&g->r, 2) ? 'S' : 'B';
    e.shares = choose_shares(&g->r);
    e.price = price_of(s, (uint32_t)s->mid);
    e.match = g->m.next_match++;
    memcpy(e.stock, s->name, 8);
    put(g, &e);
}

/* One body message of the market model. */
static void step(gen *g)
{
    sym *s = &g->m.s[market_pick(&g->m, &g->r)];
    if (rng_below(&g->r, 64) == 0) {
        int32_t mv = rng_below(&g->r, 2) ? 1 : -1;
        if (s->mid + mv > 64 && s->mid + mv < WINDOW - 64)
            s->mid += mv;
    }
    uint32_t k = rng_below(&g->r, 1000);
    /* Resting depth regulates itself around the symbol's target. */
    uint32_t p_add = s->n < s->target / 2 ? 560 : s->n > s->target ? 360 : 445;
    if (s->n == 0 || k < p_add)
        return add(g, s, k % 40 == 0 ? 'F' : 'A');
    k -= p_add;
    if (k < 360)
        return modify(g, s, 0);
    if (k < 440)
        return modify(g, s, 2);
    if (k < 480)
        return execute(g, s);
    if (k < 500)
        return modify(g, s, 1);
    if (k < 512)
        return trade(g, s);
    if (k < 517)
        return rare(g, s);
    return modify(g, s, 0);
}

/* Damage for the corrupt scenario: each keeps framing in sync. */
static void corrupt_one(gen *g)
{
    sym *s = &g->m.s[rng_below(&g->dmg, g->m.n)];
    uint8_t m[64];
    blanc_event e = blank('A', s->locate);
    e.timestamp = g->ts;
    e.ref = g->m.next_ref++;
    e.side = 'B';
    e.shares = 100;
    e.price = price_of(s, s->best[0] >= 0 ? (uint32_t)s->best[0] : (uint32_t)s->mid);
    memcpy(e.stock, s->name, 8);
    switch (rng_below(&g->dmg, 8)) {
    case 0: /* a valid-looking add with one byte too many */
        note(g, "bad_length", 1);
        blanc_itch_encode(&e, m, sizeof m);
        m[36] = 0;
        put_raw(g, m, 37);
        break;
    case 1:
        note(g, "unknown_type", 1);
        memset(m, 0x5a, 20);
        m[0] = 'Z';
        put_raw(g, m, 20);
        break;
    case 2:
        note(g, "bad_field", 1);
        e.side = 'Z';
        put(g, &e);
        break;
    case 3:
        note(g, "bad_field", 1);
        e.price = 0;
        put(g, &e);
        break;
    case 4: { /* execute more than remains: the order leaves the book */
        if (!s->n)
            return corrupt_one(g);
        uint32_t i = rng_below(&g->dmg, s->n);
        note(g, "overfill", 1);
        e = blank('E', s->locate);
        e.ref = s->o[i].ref;
        e.shares = s->o[i].shares + 1 + rng_below(&g->dmg, 100);
        e.match = g->m.next_match++;
        order_drop(s, i);
        put(g, &e);
        break;
    }
    case 5: /* add with a ref that is live in the same instrument */
        if (!s->n)
            return corrupt_one(g);
        note(g, "dup_ref", 1);
        e.ref = s->o[rng_below(&g->dmg, s->n)].ref;
        g->m.next_ref--;
        put(g, &e);
        break;
    case 6:
        note(g, "unknown_ref", 1);
        e = blank('D', s->locate);
        e.ref = UINT64_C(1) << 40 | rng_next(&g->dmg) >> 30;
        put(g, &e);
        break;
    default: { /* a message stamped one millisecond in the past */
        note(g, "time_backwards", 1);
        e = blank('P', s->locate);
        e.side = 'B';
        e.shares = 100;
        e.price = price_of(s, (uint32_t)s->mid);
        e.match = g->m.next_match++;
        memcpy(e.stock, s->name, 8);
        uint64_t now = g->ts;
        g->ts = now > 1000000 ? now - 1000000 : 0;
        put(g, &e);
        g->ts = now;
        break;
    }
    }
}

static void schedule(gen *g, uint64_t body)
{
    g->n_at = body >= 1000 ? N_INJECT : (uint32_t)(body / 100);
    for (uint32_t i = 0; i < g->n_at; i++) {
        /* Evenly spread, jittered inside each slot. */
        uint64_t slot = body / (g->n_at + 1);
        g->next_at[i] = slot * (i + 1) + rng_below(&g->dmg, (uint32_t)(slot / 2 + 1));
    }
}

static void advance_time(gen *g)
{
    /* Uniform jitter 0..2x the mean spacing; ×1/50 inside a burst. */
    uint64_t gap = g->gap_ns * rng_below(&g->r, 2048) / 1024;
    if (g->burst_left) {
        gap /= 50;
        g->burst_left--;
    }
    g->ts += gap;
    if (g->ts >= g->seg_t1)
        g->ts = g->seg_t1 - 1;
}

/* Enter segment sg (intraday): its start time, its System Event. */
static void enter_segment(gen *g, const seg *sg)
{
    if (g->ts < sg->t0)
        g->ts = sg->t0;
    if (sg->sys) { /* written even inside a gap: the day's frame never drops */
        uint64_t drop = g->drop_left;
        g->drop_left = 0;
        system_event(g, sg->sys);
        g->drop_left = drop;
    }
    g->seg_t1 = sg->t1;
}

int blanc_gen_write(const blanc_gen_config *cfg, blanc_sink *sink, blanc_gen_result *res)
{
    if (!cfg || !sink)
        return BLANC_EINVAL;
    uint32_t symbols = cfg->symbols ? cfg->symbols : 100;
    uint64_t fixed = 2 + 2 * (uint64_t)symbols + 1 + 3;
    if (symbols > 65535 || cfg->messages < fixed || cfg->messages > BLANC_GEN_MAX_MESSAGES ||
        cfg->scenario > BLANC_SCENARIO_GAP)
        return BLANC_EINVAL;
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return BLANC_ENOMEM;
    g->cfg = cfg;
    g->sink = sink;
    g->res = res;
    if (res)
        memset(res, 0, sizeof *res);
    rng_seed(&g->r, cfg->seed);
    rng_seed(&g->dmg, cfg->seed ^ UINT64_C(0xD1B54A32D192ED03));
    int rc = market_init(&g->m, &g->r, symbols, cfg->messages);
    if (!rc && cfg->transport && cfg->transport->format != BLANC_GEN_BINARYFILE)
        rc = blanc__capw_open(&g->cw, cfg->transport,
                              cfg->seed ^ UINT64_C(0x3C6EF372FE94F82B), sink);
    if (rc) {
        market_free(&g->m);
        free(g);
        return rc;
    }
    uint64_t body = cfg->messages - fixed;
    /* A shorter session packs the same messages denser: real days run
     * thousands of messages per millisecond, which the burst detector needs. */
    uint64_t span = cfg->session_ns && cfg->session_ns < T_CLOSE - T_OPEN ? cfg->session_ns
                                                                           : T_CLOSE - T_OPEN;
    g->gap_ns = span / (body + 1) * 9 / 10;
    g->seg_t1 = T_CLOSE;
    if (cfg->profile == BLANC_PROFILE_STEP)
        g->gap_ns = 2000; /* ~500 per feed ms: the jitter's mean is the spacing */
    seg segs[20];
    size_t nseg = cfg->profile == BLANC_PROFILE_INTRADAY ? intraday_segments(segs) : 0;
    uint64_t seg_end = UINT64_MAX, weight_sum = 0; /* body frames at the segment's end */
    if (cfg->scenario != BLANC_SCENARIO_NORMAL)
        schedule(g, body);
    preamble(g);
    uint64_t start = g->written, end = start + body;
    while (g->written < end && !g->err) {
        while (blanc_unlikely(nseg) && g->seg_i < nseg &&
               (g->seg_i == 0 || g->written - start >= seg_end)) {
            /* Segment shares by cumulative rounding: the counts add up to body. */
            const seg *sg = &segs[g->seg_i++];
            weight_sum += sg->weight;
            seg_end = g->seg_i == nseg ? body : body / SEG_TOTAL * weight_sum +
                                                     body % SEG_TOTAL * weight_sum / SEG_TOTAL;
            uint64_t before = g->written;
            enter_segment(g, sg);
            start += g->written - before; /* a System Event is not a body frame */
            end += g->written - before;
        }
        if (blanc_unlikely(nseg)) /* spread what is left of the segment over its time */
            g->gap_ns = (g->seg_t1 - g->ts) / (seg_end - (g->written - start) + 1);
        if (g->at_i < g->n_at && g->written - start >= g->next_at[g->at_i]) {
            g->at_i++;
            if (cfg->scenario == BLANC_SCENARIO_BURST) {
                g->burst_left = 500 + rng_below(&g->dmg, 4500);
                note(g, "burst", (uint32_t)g->burst_left);
            } else if (cfg->scenario == BLANC_SCENARIO_GAP) {
                g->drop_left = 5 + rng_below(&g->dmg, 60);
                note(g, "gap", (uint32_t)g->drop_left);
            } else {
                corrupt_one(g);
                continue;
            }
        }
        advance_time(g);
        if (g->drop_left) {
            /* Lost messages: the market moves on, nothing is written. */
            step(g);
            g->drop_left--;
            continue;
        }
        step(g);
    }
    while (g->seg_i < nseg) /* segments a short body never reached: their events */
        enter_segment(g, &segs[g->seg_i++]);
    postamble(g);
    flush(g);
    if (g->cw) {
        if (g->err)
            blanc__capw_free(g->cw);
        else
            g->err = blanc__capw_close(g->cw, res);
        g->cw = NULL;
    }
    if (res) {
        res->messages = g->written;
        res->bytes = g->offset;
    }
    rc = g->err;
    market_free(&g->m);
    free(g);
    if (rc && res)
        blanc_gen_result_free(res);
    return rc;
}
