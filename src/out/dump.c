/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc dump's writer: each message as the spec lays it out, field by field
 * (docs/FEEDS.md "Seeing the messages"). The layout comes from the field
 * table (src/feed/itch_fields.c), so this file knows no message type: it
 * walks the type's row and prints each field by its kind. Filters (type,
 * symbol, feed time) are applied here too, so that a program gets the same
 * records the command prints.
 *
 * The symbol filter follows the day's directory as it goes: a Stock
 * Directory (R) message names the instrument of its stock locate from then
 * on, and a message is kept when its locate was so named for a wanted symbol
 * or when it carries a Stock field holding one (the R itself, and messages
 * of instruments whose R was lost).
 */
#include <stdlib.h>

#include "blanc.h"
#include "common/bytes.h"
#include "out/obuf.h"

struct blanc_dumper {
    blanc_dump_options o;
    uint8_t keep_type[256];
    uint8_t stock_at[256]; /* per type: offset of its Stock field, 0 if none */
    uint8_t wanted[65536]; /* per stock locate: named by an R for a wanted symbol */
    blanc_dump_stats st;
    obuf out; /* last: large */
};

static void count(blanc_dumper *d, blanc_anomaly a, uint64_t offset, uint64_t index, uint64_t k)
{
    blanc_anomaly_stat *s = &d->st.anomalies[a];
    if (!k)
        return;
    if (!s->count) {
        s->first_offset = offset;
        s->first_index = index;
    }
    s->count += k;
    d->st.anomalies_total += k;
}

int blanc_dumper_create(blanc_dumper **out, const blanc_dump_options *o, blanc_sink *sink)
{
    if (!out || !o || !sink || (unsigned)o->format > BLANC_DUMP_CSV || (o->until && o->until <= o->from))
        return BLANC_EINVAL;
    const char *t = o->types && *o->types ? o->types : NULL;
    if (o->format == BLANC_DUMP_CSV && (!t || strlen(t) != 1))
        return BLANC_EINVAL;
    for (const char *p = t; p && *p; p++)
        if (!blanc_itch_msg_len((uint8_t)*p))
            return BLANC_EINVAL;
    blanc_dumper *d = calloc(1, sizeof *d);
    if (!d)
        return BLANC_ENOMEM;
    d->o = *o;
    d->o.types = NULL; /* not kept: the caller's string need not outlive create */
    if (!d->o.n_symbols)
        d->o.symbols = NULL;
    for (int i = 0; i < 256; i++)
        d->keep_type[i] = !t && blanc_itch_msg_len((uint8_t)i) ? 1 : 0;
    for (const char *p = t; p && *p; p++)
        d->keep_type[(uint8_t)*p] = 1;
    for (int i = 0; i < 256; i++) {
        size_t n;
        const blanc_itch_field *f = blanc_itch_fields((uint8_t)i, &n);
        for (size_t k = 0; k < n; k++)
            if (!strcmp(f[k].name, "stock"))
                d->stock_at[i] = f[k].offset;
    }
    d->out.sink = sink;
    if (o->format == BLANC_DUMP_CSV) {
        size_t n;
        const blanc_itch_field *f = blanc_itch_fields((uint8_t)t[0], &n);
        for (size_t i = 0; i < n; i++) {
            if (i)
                ob_char(&d->out, ',');
            ob_str(&d->out, f[i].name);
            if (f[i].kind == BLANC_FIELD_TIMESTAMP)
                ob_str(&d->out, ",time");
        }
        ob_str(&d->out, ",message,offset");
        ob_str(&d->out, o->transport ? ",packet,session,seq\n" : "\n");
    }
    *out = d;
    return 0;
}

static int is_wanted(const blanc_dumper *d, const char sym[8])
{
    for (size_t i = 0; i < d->o.n_symbols; i++)
        if (!memcmp(d->o.symbols[i], sym, 8))
            return 1;
    return 0;
}

/* Whether m (a whole message of a known type) passes the filters. An R
 * updates the locate map before the test, so that it passes itself. */
static int keep(blanc_dumper *d, const uint8_t *m)
{
    uint16_t locate = blanc_be16(m + 1);
    const uint8_t *stock = d->stock_at[m[0]] ? m + d->stock_at[m[0]] : NULL;
    if (d->o.symbols && m[0] == 'R')
        d->wanted[locate] = (uint8_t)is_wanted(d, (const char *)stock);
    if (!d->keep_type[m[0]])
        return 0;
    uint64_t ts = blanc_be48(m + 5);
    if (ts < d->o.from || (d->o.until && ts >= d->o.until))
        return 0;
    if (d->o.symbols && !d->wanted[locate] && !(stock && is_wanted(d, (const char *)stock)))
        return 0;
    return 1;
}

/* The fixed-point value v / 10^dec with every decimal ("123.4500"). */
static void ob_fixed(obuf *o, uint64_t v, unsigned dec)
{
    uint64_t scale = 1;
    for (unsigned i = 0; i < dec; i++)
        scale *= 10;
    ob_u64(o, v / scale);
    ob_char(o, '.');
    char t[8];
    uint64_t r = v % scale;
    for (unsigned i = dec; i-- > 0; r /= 10)
        t[i] = (char)('0' + r % 10);
    ob_put(o, t, dec);
}

/* HH:MM:SS.nnnnnnnnn (hours past 23 as they come: a 48-bit stamp can be). */
static void ob_time(obuf *o, uint64_t ns)
{
    uint64_t s = ns / 1000000000u, h = s / 3600, parts[3] = {s / 60 % 60, s % 60, 0};
    if (h < 10)
        ob_char(o, '0');
    ob_u64(o, h);
    for (int i = 0; i < 2; i++) {
        ob_char(o, ':');
        ob_char(o, (char)('0' + parts[i] / 10));
        ob_char(o, (char)('0' + parts[i] % 10));
    }
    ob_char(o, '.');
    char t[9];
    uint64_t f = ns % 1000000000u;
    for (int i = 9; i-- > 0; f /= 10)
        t[i] = (char)('0' + f % 10);
    ob_put(o, t, 9);
}

static size_t trimmed(const uint8_t *p, size_t n)
{
    while (n && p[n - 1] == ' ')
        n--;
    return n;
}

/* One field's value, as JSON (alpha quoted) or as a CSV cell. */
static void value(blanc_dumper *d, const uint8_t *m, const blanc_itch_field *f, int csv)
{
    obuf *o = &d->out;
    const uint8_t *p = m + f->offset;
    switch ((blanc_field_kind)f->kind) {
    case BLANC_FIELD_ALPHA:
        if (csv)
            blanc__ob_csv_chars(o, (const char *)p, trimmed(p, f->width));
        else
            ob_json_chars(o, (const char *)p, trimmed(p, f->width));
        break;
    case BLANC_FIELD_PRICE4:
    case BLANC_FIELD_PRICE8:
        if (d->o.price_decimal)
            ob_fixed(o, blanc_itch_field_uint(m, f), f->kind == BLANC_FIELD_PRICE4 ? 4 : 8);
        else
            ob_u64(o, blanc_itch_field_uint(m, f));
        break;
    case BLANC_FIELD_TIMESTAMP: {
        uint64_t ts = blanc_itch_field_uint(m, f);
        ob_u64(o, ts);
        ob_str(o, csv ? "," : ",\"time\":\"");
        ob_time(o, ts);
        if (!csv)
            ob_char(o, '"');
        break;
    }
    default: ob_u64(o, blanc_itch_field_uint(m, f)); break;
    }
}

static void write_record(blanc_dumper *d, const blanc_msg *m, const char *session, uint64_t index,
                         size_t nf, const blanc_itch_field *f)
{
    obuf *o = &d->out;
    int csv = d->o.format == BLANC_DUMP_CSV;
    if (!csv)
        ob_char(o, '{');
    for (size_t i = 0; i < nf; i++) {
        if (i)
            ob_char(o, ',');
        if (!csv) {
            ob_char(o, '"');
            ob_str(o, f[i].name);
            ob_str(o, "\":");
        }
        value(d, m->p, &f[i], csv);
    }
    ob_str(o, csv ? "," : ",\"message\":");
    ob_u64(o, index);
    ob_str(o, csv ? "," : ",\"offset\":");
    ob_u64(o, m->offset);
    if (d->o.transport) {
        const char *s = session ? session : "";
        ob_str(o, csv ? "," : ",\"packet\":");
        ob_u64(o, m->packet);
        if (csv) {
            ob_char(o, ',');
            blanc__ob_csv_chars(o, s, trimmed((const uint8_t *)s, strlen(s)));
        } else {
            ob_str(o, ",\"session\":");
            ob_json_chars(o, s, trimmed((const uint8_t *)s, strlen(s)));
        }
        ob_str(o, csv ? "," : ",\"seq\":");
        ob_u64(o, m->seq);
        if (m->lost && !csv) {
            ob_str(o, ",\"lost\":");
            ob_u64(o, m->lost);
        }
    }
    ob_str(o, csv ? "\n" : "}\n");
}

int blanc_dumper_write(blanc_dumper *d, const blanc_msg *m, const char *session_name)
{
    uint64_t index = d->st.messages;
    if (m->damage && m->damage_kind < BLANC_AN_COUNT)
        count(d, (blanc_anomaly)m->damage_kind, m->damage_at, index, m->damage);
    if (!m->p)
        return d->out.err ? d->out.err : 0;
    d->st.messages++;
    if (m->lost)
        count(d, BLANC_AN_SEQ_GAP, m->offset, index, 1);
    size_t nf = 0;
    const blanc_itch_field *f = m->len ? blanc_itch_fields(m->p[0], &nf) : NULL;
    if (!f) {
        count(d, BLANC_AN_UNKNOWN_TYPE, m->offset, index, 1);
        return BLANC_EUNKNOWNTYPE;
    }
    if (m->len != blanc_itch_msg_len(m->p[0])) {
        count(d, BLANC_AN_BAD_LENGTH, m->offset, index, 1);
        return BLANC_EBADLEN;
    }
    if (!keep(d, m->p))
        return 0;
    write_record(d, m, session_name, index, nf, f);
    d->st.records++;
    return d->out.err ? d->out.err : 1;
}

void blanc_dumper_end(blanc_dumper *d, const blanc_feed_end *e)
{
    uint64_t index = d->st.messages;
    if (e->damage && e->damage_kind < BLANC_AN_COUNT)
        count(d, (blanc_anomaly)e->damage_kind, e->damage_at, index, e->damage);
    switch (e->how) {
    case BLANC_END_TRUNCATED: count(d, BLANC_AN_TRUNCATED, e->offset, index, 1); break;
    case BLANC_END_CUT: count(d, BLANC_AN_STREAM_CUT, e->offset, index, 1); break;
    default: break;
    }
}

int blanc_dumper_finish(blanc_dumper *d)
{
    ob_flush(&d->out);
    return d->out.err;
}

int blanc_dumper_get_stats(const blanc_dumper *d, blanc_dump_stats *out)
{
    *out = d->st;
    return 0;
}

void blanc_dumper_free(blanc_dumper *d) { free(d); }
