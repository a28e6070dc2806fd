/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* SoupBinTCP (src/feed/soup.h, tcp_reasm.h): packets built by hand from the
 * SoupBinTCP 3.00 layout (2-byte big-endian length of type + payload, type,
 * payload); offsets and sequence numbers below are derived by hand from the
 * packet sizes: A 33, H Z 3, S 3 + message (R 39, A 36, D 19, E 31). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <string.h>

#include "feed/feed.h"
#include "feed/soup.h"
#include "feed/tcp_reasm.h"
#include "util.h"

typedef struct sb {
    uint8_t b[1 << 18];
    size_t n;
} sb;

static void pkt(sb *s, uint8_t type, const void *payload, size_t len)
{
    s->b[s->n] = (uint8_t)((len + 1) >> 8);
    s->b[s->n + 1] = (uint8_t)(len + 1);
    s->b[s->n + 2] = type;
    if (len)
        memcpy(s->b + s->n + 3, payload, len);
    s->n += 3 + len;
}

static void login(sb *s, const char *session, uint64_t seq)
{
    char p[32];
    snprintf(p, sizeof p, "%10s%20llu", session, (unsigned long long)seq);
    pkt(s, 'A', p, 30);
}

static void msg(sb *s, blanc_event e)
{
    uint8_t m[64];
    int len = blanc_itch_encode(&e, m, sizeof m);
    assert_true(len > 0);
    pkt(s, 'S', m, (size_t)len);
}

typedef struct got {
    blanc_msg m[8192];
    uint8_t first[8192]; /* the message's type byte, kept past the window */
    size_t n;
    blanc_transport_stats st;
} got;

static void keep(got *g, const blanc_msg *m, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        assert_true(g->n < 8192);
        g->m[g->n] = m[i];
        g->first[g->n] = m[i].p[0];
        g->m[g->n].p = NULL;
        g->n++;
    }
}

/* Everything from one window with eof. */
static void read_all(const uint8_t *p, size_t n, got *g)
{
    soup_stream *s;
    assert_int_equal(blanc__soup_stream_create(&s), 0);
    memset(g, 0, sizeof *g);
    blanc_msg m[7];
    for (;;) {
        size_t at = (size_t)blanc__soup_stream_offset(s);
        int k = blanc__soup_stream_take(s, p + at, n - at, 1, m, 7);
        if (k <= 0)
            break;
        keep(g, m, (size_t)k);
        blanc__soup_stream_consume(s, (size_t)k);
    }
    blanc__soup_stream_stats(s, &g->st);
    blanc__soup_stream_free(s);
}

static void same(const got *a, const got *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->m[i].offset, b->m[i].offset);
        assert_int_equal(a->m[i].len, b->m[i].len);
        assert_int_equal(a->m[i].seq, b->m[i].seq);
        assert_int_equal(a->m[i].session, b->m[i].session);
        assert_int_equal(a->m[i].damage, b->m[i].damage);
        assert_int_equal(a->m[i].damage_at, b->m[i].damage_at);
        assert_int_equal(a->m[i].lost, b->m[i].lost);
        assert_int_equal(a->first[i], b->first[i]);
    }
    assert_memory_equal(&a->st, &b->st, sizeof a->st);
}

/* A(ABC, 5) @0, S(R) @33, H @75, S(A) @78, + "hi" @117, S(D) @122, Z @144; 147 bytes. */
static sb base(void)
{
    sb s;
    s.n = 0;
    login(&s, "ABC", 5);
    msg(&s, ev_dir(1, "AB"));
    pkt(&s, 'H', NULL, 0);
    msg(&s, ev_add(1, 1, 'B', 100, 5000));
    pkt(&s, '+', "hi", 2);
    msg(&s, ev_mod('D', 1, 1, 0));
    pkt(&s, 'Z', NULL, 0);
    assert_int_equal(s.n, 147);
    return s;
}

/* ---- parser --------------------------------------------------------------- */

static void parser_table(void **state)
{
    (void)state;
    soup_packet pk;
    static const struct { const char *b; size_t n; int rc; } t[] = {
        {"\0\1H", 3, 3},          {"\0\1Z", 3, 3},        {"\0\1R", 3, 3},
        {"\0\1O", 3, 3},          {"\0\2JA", 4, 4},       {"\0\3Sxy", 5, 5},
        {"\0\1+", 3, 3},          {"\0\1U", 3, 3},        {"\0", 1, BLANC_ETRUNCATED},
        {"\0\1", 2, BLANC_ETRUNCATED}, {"\0\0", 2, BLANC_EBADPACKET},
        {"\0\1X", 3, BLANC_EBADPACKET}, {"\0\2H", 3, BLANC_EBADPACKET},
        {"\0\1S", 3, BLANC_EBADPACKET}, {"\0\1J", 3, BLANC_EBADPACKET},
        {"\0\2S", 3, BLANC_ETRUNCATED}, {"\0\37A", 3, BLANC_ETRUNCATED},
        {"\0\36A", 3, BLANC_EBADPACKET}, {"\1\0Sx", 4, BLANC_ETRUNCATED},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        assert_int_equal(blanc__soup_parse((const uint8_t *)t[i].b, t[i].n, &pk), t[i].rc);
    assert_int_equal(blanc__soup_parse((const uint8_t *)"\0\3Sxy", 5, &pk), 5);
    assert_int_equal(pk.type, 'S');
    assert_int_equal(pk.len, 2);
    assert_memory_equal(pk.payload, "xy", 2);
}

static void login_accepted(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    login(&s, "SESSION1", 42);
    soup_packet pk;
    /* Every cut of the 33 bytes asks for more. */
    for (size_t k = 0; k < 33; k++)
        assert_int_equal(blanc__soup_parse(s.b, k, &pk), BLANC_ETRUNCATED);
    assert_int_equal(blanc__soup_parse(s.b, 33, &pk), 33);
    char name[11];
    uint64_t seq;
    assert_int_equal(blanc__soup_login(&pk, name, &seq), 0);
    assert_string_equal(name, "SESSION1");
    assert_int_equal(seq, 42);
    assert_true(blanc__soup_plausible(&pk));
    /* The largest number; one past it; all spaces; a letter; a bad session byte. */
    const char *bad[] = {"99999999999999999999", "18446744073709551616", "                    ",
                         "                  4x"};
    memcpy(s.b + 13, "18446744073709551615", 20);
    assert_int_equal(blanc__soup_parse(s.b, 33, &pk), 33);
    assert_int_equal(blanc__soup_login(&pk, name, &seq), 0);
    assert_true(seq == UINT64_MAX);
    for (size_t i = 0; i < 4; i++) {
        memcpy(s.b + 13, bad[i], 20);
        assert_int_equal(blanc__soup_parse(s.b, 33, &pk), BLANC_EBADPACKET);
    }
    memcpy(s.b + 13, "                   1", 20);
    s.b[5] = '-';
    assert_int_equal(blanc__soup_parse(s.b, 33, &pk), BLANC_EBADPACKET);
}

static void plausible(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    msg(&s, ev_add(1, 1, 'B', 100, 5000));
    soup_packet pk;
    assert_int_equal(blanc__soup_parse(s.b, s.n, &pk), 39);
    assert_true(blanc__soup_plausible(&pk));
    s.b[3] = 'D'; /* an add's 36 bytes called a delete (19) */
    assert_int_equal(blanc__soup_parse(s.b, s.n, &pk), 39);
    assert_false(blanc__soup_plausible(&pk));
    assert_int_equal(blanc__soup_parse((const uint8_t *)"\0\2JX", 4, &pk), 4);
    assert_false(blanc__soup_plausible(&pk));
    assert_int_equal(blanc__soup_parse((const uint8_t *)"\0\3+\1x", 5, &pk), 5);
    assert_false(blanc__soup_plausible(&pk));
}

/* ---- stream --------------------------------------------------------------- */

static void stream_basic(void **state)
{
    (void)state;
    sb s = base();
    static got g;
    read_all(s.b, s.n, &g);
    assert_int_equal(g.n, 3);
    const uint64_t off[] = {33, 78, 122}, seq[] = {5, 6, 7};
    const uint32_t len[] = {39, 36, 19};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(g.m[i].offset, off[i]);
        assert_int_equal(g.m[i].seq, seq[i]);
        assert_int_equal(g.m[i].len, len[i]);
        assert_int_equal(g.m[i].session, 1);
        assert_int_equal(g.m[i].damage, 0);
        assert_int_equal(g.m[i].packet, 0);
    }
    assert_int_equal(g.first[0], 'R');
    assert_int_equal(g.st.packets, 7);
    assert_int_equal(g.st.messages, 3);
    assert_int_equal(g.st.heartbeats, 1);
    assert_int_equal(g.st.sessions, 1);
    assert_int_equal(g.st.skipped, 1);
    assert_int_equal(g.st.bad_packets, 0);

    soup_stream *st;
    assert_int_equal(blanc__soup_stream_create(&st), 0);
    blanc_msg m[8];
    assert_int_equal(blanc__soup_stream_take(st, s.b, s.n, 1, m, 8), 3);
    assert_false(blanc__soup_stream_ended(st)); /* not before consume */
    blanc__soup_stream_consume(st, 3);
    assert_true(blanc__soup_stream_ended(st));
    assert_int_equal(blanc__soup_stream_offset(st), 147);
    assert_string_equal(blanc__soup_stream_session_name(st, 1), "ABC");
    assert_null(blanc__soup_stream_session_name(st, 2));
    blanc__soup_stream_free(st);
}

static void no_login_no_numbers(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    msg(&s, ev_dir(1, "AB"));
    msg(&s, ev_add(1, 1, 'B', 100, 5000));
    static got g;
    read_all(s.b, s.n, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.m[0].seq, 0);
    assert_int_equal(g.m[1].session, 0);
}

static void pause_reads_again(void **state)
{
    (void)state;
    sb s = base();
    soup_stream *st;
    assert_int_equal(blanc__soup_stream_create(&st), 0);
    blanc_msg m[8];
    assert_int_equal(blanc__soup_stream_take(st, s.b, s.n, 1, m, 8), 3);
    blanc__soup_stream_consume(st, 1);
    assert_int_equal(blanc__soup_stream_offset(st), 75);
    uint64_t at = blanc__soup_stream_offset(st);
    assert_int_equal(blanc__soup_stream_take(st, s.b + at, s.n - at, 1, m, 8), 2);
    assert_int_equal(m[0].offset, 78);
    assert_int_equal(m[0].seq, 6);
    blanc__soup_stream_consume(st, 2);
    blanc_transport_stats t;
    blanc__soup_stream_stats(st, &t);
    assert_int_equal(t.messages, 3);
    assert_int_equal(t.heartbeats, 1); /* counted once */
    blanc__soup_stream_free(st);
}

static void reconnect_gap_and_duplicates(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    login(&s, "S1", 1);
    msg(&s, ev_dir(1, "AB"));             /* 1 */
    msg(&s, ev_dir(2, "CD"));             /* 2 */
    login(&s, "S1", 5);                   /* 3, 4 lost */
    msg(&s, ev_add(1, 1, 'B', 1, 1));     /* 5 */
    login(&s, "S1", 4);                   /* 4, 5 again */
    msg(&s, ev_add(1, 9, 'B', 1, 1));     /* 4: dup */
    msg(&s, ev_add(1, 1, 'B', 1, 1));     /* 5: dup */
    msg(&s, ev_add(1, 2, 'B', 1, 1));     /* 6 */
    login(&s, "S2", 100);
    msg(&s, ev_add(1, 3, 'B', 1, 1));     /* S2 100 */
    static got g;
    read_all(s.b, s.n, &g);
    assert_int_equal(g.n, 5);
    const uint64_t seq[] = {1, 2, 5, 6, 100}, lost[] = {0, 0, 2, 0, 0};
    const uint32_t ses[] = {1, 1, 1, 1, 2};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(g.m[i].seq, seq[i]);
        assert_int_equal(g.m[i].lost, lost[i]);
        assert_int_equal(g.m[i].session, ses[i]);
    }
    assert_int_equal(g.st.gaps, 1);
    assert_int_equal(g.st.lost_messages, 2);
    assert_int_equal(g.st.duplicates, 2);
    assert_int_equal(g.st.sessions, 2);
}

static void damage_then_resync(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    login(&s, "S1", 1);                         /* @0 */
    msg(&s, ev_dir(1, "AB"));                   /* @33, 42 */
    const uint8_t junk[] = {0x00, 0x07, 'X', 0, 1, 'H', 9, 9, 0, 1}; /* @75: an unknown type */
    memcpy(s.b + s.n, junk, sizeof junk);
    s.n += sizeof junk;
    msg(&s, ev_add(1, 1, 'B', 100, 5000));      /* @85 */
    pkt(&s, 'H', NULL, 0);                      /* @124 */
    msg(&s, ev_mod('D', 1, 1, 0));              /* @127 */
    login(&s, "S1", 9);                         /* @149 */
    msg(&s, ev_mod('D', 1, 1, 0));              /* @182 */
    static got g;
    read_all(s.b, s.n, &g);
    assert_int_equal(g.n, 4);
    assert_int_equal(g.m[0].seq, 1);
    /* "00 01 H" inside the junk is a heartbeat's shape, but what follows it
     * (9 9 ...) is no packet header: the scan goes on to 85. */
    assert_int_equal(g.m[1].offset, 85);
    assert_int_equal(g.m[1].damage, 1);
    assert_int_equal(g.m[1].damage_kind, BLANC_AN_BAD_PACKET);
    assert_int_equal(g.m[1].damage_at, 75);
    assert_int_equal(g.m[1].seq, 0); /* unknown after damage */
    assert_int_equal(g.m[2].damage, 0);
    assert_int_equal(g.m[2].seq, 0);
    assert_int_equal(g.m[3].seq, 9); /* a login accepted numbers again */
    assert_int_equal(g.st.bad_packets, 1);
    assert_int_equal(g.st.heartbeats, 1);
}

/* Damage makes the number unknown, not the session's progress: a reconnect
 * replaying numbers delivered before the damage finds them duplicate; what
 * was delivered unnumbered after it is not claimed lost either. */
static void damage_keeps_session_progress(void **state)
{
    (void)state;
    static sb s;
    static got g;
    const uint8_t bad = 0xff; /* length 0xff.. with type 0x00: no packet */
    for (int variant = 0; variant < 3; variant++) {
        s.n = 0;
        login(&s, "S1", 1);
        for (uint64_t i = 1; i <= 5; i++)
            msg(&s, ev_add(1, i, 'B', 1, 1)); /* 1..5 */
        memcpy(s.b + s.n, &bad, 1);
        s.n += 1;
        msg(&s, ev_add(1, 6, 'B', 1, 1)); /* 6, delivered unnumbered */
        uint64_t again = variant == 0 ? 3 : variant == 1 ? 7 : 10;
        login(&s, "S1", again);
        for (uint64_t i = again; i <= 8 + (uint64_t)variant * 4; i++)
            msg(&s, ev_add(1, i, 'B', 1, 1));
        pkt(&s, 'Z', NULL, 0);
        read_all(s.b, s.n, &g);
        assert_int_equal(g.st.bad_packets, 1);
        if (variant == 0) {
            /* 3, 4, 5 were delivered numbered: dropped. 6 came unnumbered
             * and may have been anything from 6 on: sent again, delivered. */
            assert_int_equal(g.n, 9);
            assert_int_equal(g.st.duplicates, 3);
            const uint64_t seq[] = {1, 2, 3, 4, 5, 0, 6, 7, 8};
            for (size_t i = 0; i < 9; i++)
                assert_int_equal(g.m[i].seq, seq[i]);
            assert_int_equal(g.m[5].damage, 1);
            assert_int_equal(g.st.lost_messages, 0);
        } else if (variant == 1) {
            /* 7 right after 5 and one unnumbered message: nothing certainly lost. */
            assert_int_equal(g.n, 6 + 6); /* 7..12 */
            assert_int_equal(g.st.duplicates, 0);
            assert_int_equal(g.st.gaps, 0);
            assert_int_equal(g.m[6].seq, 7);
            assert_int_equal(g.m[6].lost, 0);
        } else {
            /* 10: of 6..9 the unnumbered message may be one; 3 are lost. */
            assert_int_equal(g.n, 6 + 7); /* 10..16 */
            assert_int_equal(g.st.gaps, 1);
            assert_int_equal(g.st.lost_messages, 3);
            assert_int_equal(g.m[6].seq, 10);
            assert_int_equal(g.m[6].lost, 3);
        }
    }
}

static void damage_at_the_end_and_hostile_runs(void **state)
{
    (void)state;
    sb s = base();
    s.n -= 3; /* no Z */
    memset(s.b + s.n, 0xEE, 5000);
    s.n += 5000;
    static got g;
    read_all(s.b, s.n, &g);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.st.bad_packets, 1);
    soup_stream *st;
    assert_int_equal(blanc__soup_stream_create(&st), 0);
    blanc_msg m[8];
    while (blanc__soup_stream_take(st, s.b + blanc__soup_stream_offset(st),
                                   s.n - blanc__soup_stream_offset(st), 1, m, 8) > 0)
        blanc__soup_stream_consume(st, 8);
    uint32_t d;
    uint64_t at;
    blanc__soup_stream_pending_damage(st, &d, &at);
    assert_int_equal(d, 1);
    assert_int_equal(at, 144);
    assert_int_equal(blanc__soup_stream_offset(st), s.n); /* all scanned */
    assert_true(blanc__soup_stream_resyncing(st));
    blanc__soup_stream_free(st);
    /* Zero lengths everywhere: one damage each time the scan re-enters normal
     * parsing, never more than the bytes. */
    sb z;
    memset(z.b, 0, 100000);
    z.n = 100000;
    read_all(z.b, z.n, &g);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.st.bad_packets, 1);
}

/* The stream read through windows ending at k, then the rest: same result. */
static void split_at_every_byte(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    login(&s, "S1", 7);
    for (int i = 0; i < 5; i++) {
        msg(&s, ev_add(1, (uint64_t)i + 1, 'B', 100, 5000));
        pkt(&s, 'H', NULL, 0);
    }
    const uint8_t junk[] = {0x00, 0x05, 'Q', 1, 2, 3, 4};
    memcpy(s.b + s.n, junk, sizeof junk);
    s.n += sizeof junk;
    msg(&s, ev_mod('D', 1, 1, 0));
    pkt(&s, 'Z', NULL, 0);
    static got whole;
    read_all(s.b, s.n, &whole);
    assert_int_equal(whole.n, 6);
    for (size_t k = 0; k <= s.n; k++) {
        soup_stream *st;
        assert_int_equal(blanc__soup_stream_create(&st), 0);
        static got g;
        memset(&g, 0, sizeof g);
        blanc_msg m[3];
        size_t ends[] = {k, s.n};
        for (int w = 0; w < 2; w++) {
            for (;;) {
                size_t at = (size_t)blanc__soup_stream_offset(st);
                assert_true(at <= ends[w]);
                int n = blanc__soup_stream_take(st, s.b + at, ends[w] - at, w == 1, m, 3);
                if (n <= 0)
                    break;
                keep(&g, m, (size_t)n);
                blanc__soup_stream_consume(st, (size_t)n);
            }
        }
        blanc__soup_stream_stats(st, &g.st);
        same(&whole, &g);
        blanc__soup_stream_free(st);
    }
    /* One byte at a time. */
    soup_stream *st;
    assert_int_equal(blanc__soup_stream_create(&st), 0);
    static got g;
    memset(&g, 0, sizeof g);
    blanc_msg m[3];
    for (size_t end = 0; end <= s.n; end++) {
        size_t at = (size_t)blanc__soup_stream_offset(st);
        int n;
        while ((n = blanc__soup_stream_take(st, s.b + at, end - at, end == s.n, m, 3)) > 0) {
            keep(&g, m, (size_t)n);
            blanc__soup_stream_consume(st, (size_t)n);
            at = (size_t)blanc__soup_stream_offset(st);
        }
    }
    blanc__soup_stream_stats(st, &g.st);
    same(&whole, &g);
    blanc__soup_stream_free(st);
}

/* Save after every message, restore into a fresh stream at that offset,
 * read on: the same messages and counters as without the stop. */
static void save_restore_at_every_consume(void **state)
{
    (void)state;
    sb s;
    s.n = 0;
    login(&s, "S1", 3);
    msg(&s, ev_dir(1, "AB"));
    login(&s, "S1", 6);
    msg(&s, ev_add(1, 1, 'B', 100, 5000));
    const uint8_t junk[] = {0x00, 0x05, 'Q', 1, 2, 3, 4};
    memcpy(s.b + s.n, junk, sizeof junk);
    s.n += sizeof junk;
    msg(&s, ev_mod('D', 1, 1, 0));
    login(&s, "S2", 1);
    msg(&s, ev_dir(2, "CD"));
    pkt(&s, 'Z', NULL, 0);
    static got whole;
    read_all(s.b, s.n, &whole);
    assert_int_equal(whole.n, 4);
    for (size_t cut = 0; cut <= whole.n; cut++) {
        soup_stream *a, *b;
        assert_int_equal(blanc__soup_stream_create(&a), 0);
        assert_int_equal(blanc__soup_stream_create(&b), 0);
        static got g;
        memset(&g, 0, sizeof g);
        blanc_msg m[1];
        for (size_t i = 0; i < cut; i++) {
            assert_int_equal(blanc__soup_stream_take(a, s.b + blanc__soup_stream_offset(a),
                                                     s.n - blanc__soup_stream_offset(a), 1, m, 1), 1);
            keep(&g, m, 1);
            blanc__soup_stream_consume(a, 1);
        }
        uint8_t *blob;
        size_t len;
        assert_int_equal(blanc__soup_stream_save(a, &blob, &len), 0);
        blanc__soup_stream_seek(b, blanc__soup_stream_offset(a));
        assert_int_equal(blanc__soup_stream_restore(b, blob, len - 1), BLANC_EBADSNAP);
        assert_int_equal(blanc__soup_stream_restore(b, blob, len), 0);
        free(blob);
        blanc__soup_stream_free(a);
        for (;;) {
            size_t at = (size_t)blanc__soup_stream_offset(b);
            int n = blanc__soup_stream_take(b, s.b + at, s.n - at, 1, m, 1);
            if (n <= 0)
                break;
            keep(&g, m, 1);
            blanc__soup_stream_consume(b, 1);
        }
        blanc__soup_stream_stats(b, &g.st);
        same(&whole, &g);
        assert_string_equal(blanc__soup_stream_session_name(b, 2), "S2");
        blanc__soup_stream_free(b);
    }
    /* A blob for another position is refused. */
    soup_stream *a;
    assert_int_equal(blanc__soup_stream_create(&a), 0);
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__soup_stream_save(a, &blob, &len), 0);
    blanc__soup_stream_seek(a, 10);
    assert_int_equal(blanc__soup_stream_restore(a, blob, len), BLANC_EBADSNAP);
    free(blob);
    blanc__soup_stream_free(a);
}

/* ---- the feed over a byte source ------------------------------------------- */

static void feed_ends(void **state)
{
    (void)state;
    sb s = base();
    const struct { size_t n; blanc_feed_how how; uint64_t off; size_t msgs; } t[] = {
        {147, BLANC_END_MARKER, 147, 3},  /* Z */
        {144, BLANC_END_EOF, 144, 3},     /* no Z */
        {140, BLANC_END_TRUNCATED, 122, 2}, /* inside the last S */
        {123, BLANC_END_TRUNCATED, 122, 2},
    };
    for (size_t i = 0; i < 4; i++) {
        blanc_source *src;
        assert_int_equal(blanc_source_open_mem(&src, s.b, t[i].n), 0);
        blanc_feed *f;
        assert_int_equal(blanc__feed_soup_open(&f, src, NULL), 0);
        assert_int_equal(f->framing, BLANC_FRAMING_SOUPBINTCP);
        blanc_msg m[2];
        size_t msgs = 0;
        int k;
        while ((k = f->ops->next(f, m, 2)) > 0) {
            assert_int_equal(m[0].seq, 5 + msgs);
            msgs += (size_t)k;
            f->ops->consume(f, (size_t)k);
        }
        assert_int_equal(k, 0);
        assert_int_equal(msgs, t[i].msgs);
        assert_int_equal(f->end.how, t[i].how);
        assert_int_equal(f->end.offset, t[i].off);
        assert_int_equal(f->offset, t[i].off);
        assert_int_equal(blanc_source_offset(src), t[i].off); /* the digest covers just these */
        blanc_transport_stats st;
        f->ops->transport(f, &st);
        assert_int_equal(st.messages, t[i].msgs);
        f->ops->free(f);
        free(f);
        blanc_source_close(src);
    }
}

static void feed_skip_and_restore(void **state)
{
    (void)state;
    sb s = base();
    blanc_source *src;
    assert_int_equal(blanc_source_open_mem(&src, s.b, s.n), 0);
    blanc_feed *f;
    assert_int_equal(blanc__feed_soup_open(&f, src, NULL), 0);
    blanc_msg m[1];
    assert_int_equal(f->ops->next(f, m, 1), 1);
    f->ops->consume(f, 1);
    assert_int_equal(f->offset, 75);
    uint8_t *blob;
    size_t len;
    assert_int_equal(f->ops->save(f, &blob, &len), 0);
    f->ops->free(f);
    free(f);
    blanc_source_close(src);

    assert_int_equal(blanc_source_open_mem(&src, s.b, s.n), 0);
    assert_int_equal(blanc__feed_soup_open(&f, src, NULL), 0);
    assert_int_equal((f->ops->skip)(f, 75), 0);
    assert_int_equal(f->ops->restore(f, blob, len), 0);
    free(blob);
    assert_int_equal(f->ops->next(f, m, 1), 1);
    assert_int_equal(m[0].seq, 6);
    assert_int_equal(m[0].offset, 78);
    assert_int_equal((f->ops->skip)(f, 10), BLANC_EMISMATCH);
    f->ops->free(f);
    free(f);
    blanc_source_close(src);
}

static uint32_t lcg(uint32_t *x) { return *x = *x * 1103515245u + 12345u; }

static void content_check(void **state)
{
    (void)state;
    sb s = base();
    assert_true(blanc__is_soup(s.b, s.n));
    assert_true(blanc__is_soup(s.b, 100)); /* cut short: still Soup */
    /* The same messages as a BinaryFILE: 2-byte length + message. */
    sb bf;
    bf.n = 0;
    blanc_event evs[4] = {ev_dir(1, "AB"), ev_add(1, 1, 'B', 100, 5000), ev_mod('D', 1, 1, 0)};
    memset(&evs[3], 0, sizeof evs[3]);
    evs[3].type = 'S';
    evs[3].u.event_code = 'O';
    for (int r = 0; r < 50; r++)
        for (int i = 0; i < 4; i++) {
            int len = blanc_itch_encode(&evs[(i + 3) % 4], bf.b + bf.n + 2, 64);
            bf.b[bf.n] = 0;
            bf.b[bf.n + 1] = (uint8_t)len;
            bf.n += 2 + (size_t)len;
        }
    assert_false(blanc__is_soup(bf.b, bf.n));
    /* The bundled BinaryFILE sample. */
    char path[4096];
    snprintf(path, sizeof path, "%s/data/ritch/20101224.TEST_ITCH_50.reframed", getenv("BLANC_SOURCE_DIR") ? getenv("BLANC_SOURCE_DIR") : ".");
    FILE *fp = fopen(path, "rb");
    if (fp) {
        size_t n = fread(s.b, 1, 65536, fp);
        fclose(fp);
        assert_false(blanc__is_soup(s.b, n));
    }
    /* Random bytes, and random bytes after one good packet. */
    uint32_t x = 1;
    for (int t = 0; t < 200; t++) {
        for (size_t i = 0; i < 4096; i++)
            s.b[i] = (uint8_t)(lcg(&x) >> 24);
        assert_false(blanc__is_soup(s.b, 4096));
        sb h = base();
        memcpy(h.b + 75, s.b, 4096);
        assert_false(blanc__is_soup(h.b, 75 + 4096));
    }
    assert_false(blanc__is_soup((const uint8_t *)"", 0));
    assert_false(blanc__is_soup((const uint8_t *)"\0\1H", 3)); /* no message */
}

/* ---- TCP reassembly ------------------------------------------------------ */

#define SERVER 26400
#define ISN 1000u

typedef struct seg {
    uint32_t seq;
    size_t from, len;
} seg;

static sb day_stream(int n)
{
    sb s;
    s.n = 0;
    login(&s, "TCP1", 1);
    for (int i = 0; i < n; i++) {
        msg(&s, ev_add(1, (uint64_t)i + 1, 'B', 100, 5000));
        if (i % 7 == 0)
            pkt(&s, 'H', NULL, 0);
    }
    return s;
}

static cap_packet tcp(uint64_t num, uint16_t sport, uint32_t seq, uint8_t flags, const uint8_t *p,
                      size_t len)
{
    cap_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.kind = CAP_TCP;
    pk.number = num;
    pk.offset = num * 100;
    pk.src_ip = sport == SERVER ? 0x0a000001 : 0x0a000002;
    pk.dst_ip = sport == SERVER ? 0x0a000002 : 0x0a000001;
    pk.src_port = sport;
    pk.dst_port = sport == SERVER ? 40000 : SERVER;
    pk.tcp_seq = seq;
    pk.tcp_flags = flags;
    pk.payload = p;
    pk.len = len;
    return pk;
}

/* Push the segments in the order given, reading all after each push. */
static void reasm_run(const sb *s, uint32_t isn, const seg *sg, size_t n, uint32_t window,
                      uint16_t port, got *g, int syn)
{
    tcp_reasm *r;
    tcp_reasm_options o = {port, window};
    assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
    memset(g, 0, sizeof *g);
    blanc_msg m[5];
    uint64_t num = 1;
    if (syn) {
        cap_packet pk = tcp(num++, SERVER, isn - 1, TCP_SYN | TCP_ACK, NULL, 0);
        assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
    }
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            /* The client's side, interleaved: its heartbeats. */
            const uint8_t cb[] = {0, 1, 'R'};
            cap_packet c = tcp(num++, 40000, 77 + (uint32_t)(3 * i), TCP_ACK, cb, sizeof cb);
            int rc = blanc__tcp_reasm_push(r, &c);
            assert_true(rc == 1);
            cap_packet pk = tcp(num++, SERVER, sg[i].seq, TCP_ACK, s->b + sg[i].from, sg[i].len);
            assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
        } else {
            blanc__tcp_reasm_finish(r);
        }
        int k;
        while ((k = blanc__tcp_reasm_take(r, m, 5)) > 0) {
            for (int j = 0; j < k; j++)
                assert_true(m[j].packet > 0 && m[j].offset == m[j].packet * 100);
            keep(g, m, (size_t)k);
            blanc__tcp_reasm_consume(r, (size_t)k);
        }
    }
    blanc__tcp_reasm_stats(r, &g->st);
    blanc__tcp_reasm_free(r);
}

/* Cut s into segments of about `size` bytes at stream positions (seq from isn). */
static size_t cut(const sb *s, uint32_t isn, size_t size, seg *out)
{
    size_t n = 0;
    for (size_t at = 0; at < s->n; at += size, n++) {
        out[n].seq = isn + (uint32_t)at;
        out[n].from = at;
        out[n].len = s->n - at < size ? s->n - at : size;
    }
    return n;
}

static void check_clean(const got *g, int n)
{
    assert_int_equal(g->n, (size_t)n);
    for (int i = 0; i < n; i++) {
        assert_int_equal(g->m[i].seq, (uint64_t)i + 1);
        assert_int_equal(g->m[i].damage, 0);
        assert_int_equal(g->first[i], 'A');
    }
    assert_int_equal(g->st.bad_packets, 0);
}

static seg sg_a[1 << 15], sg_b[1 << 15];

static void reasm_in_order_and_wraparound(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(300);
    static got g;
    const uint32_t isns[] = {ISN, 0xFFFFFF00u, 0xFFFFFFFFu, 0};
    for (size_t i = 0; i < 4; i++) {
        for (size_t size = 1; size <= 1500; size = size * 3 + 1) {
            size_t n = cut(&s, isns[i], size, sg_a);
            if (size >= SOUP_HEADER) { /* locking on by content needs a header */
                reasm_run(&s, isns[i], sg_a, n, 0, 0, &g, 0);
                check_clean(&g, 300);
            }
            reasm_run(&s, isns[i], sg_a, n, 0, SERVER, &g, 1);
            check_clean(&g, 300);
            assert_int_equal(g.st.duplicates, 0);
            assert_int_equal(g.st.out_of_order, 0);
        }
    }
    /* The packet a message is credited to is the one with its last byte:
     * segments of 39 bytes, the login (33) and the first S (39) end in the
     * second segment (client packets take the odd numbers: server 2, 4, ...). */
    size_t n = cut(&s, ISN, 39, sg_a);
    reasm_run(&s, ISN, sg_a, n, 0, 0, &g, 0);
    assert_int_equal(g.m[0].packet, 4);
}

static void reasm_retransmits(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(200);
    size_t n = cut(&s, ISN, 100, sg_a), m = 0, again = 0;
    for (size_t i = 0; i < n; i++) {
        sg_b[m++] = sg_a[i];
        if (i % 3 == 1)
            sg_b[m++] = sg_a[i], again++; /* the same segment again */
        /* Half of this and half of the next: it repeats 50 bytes, and the
         * next segment then repeats its first 50. */
        if (i % 5 == 2 && i + 1 < n) {
            again += 2;
            sg_b[m].seq = sg_a[i].seq + 50;
            sg_b[m].from = sg_a[i].from + 50;
            sg_b[m].len = 100;
            m++;
        }
    }
    static got g;
    reasm_run(&s, ISN, sg_b, m, 0, 0, &g, 0);
    check_clean(&g, 200);
    assert_int_equal(g.st.duplicates, again);
}

static void reasm_out_of_order(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(200);
    size_t n = cut(&s, ISN, 64, sg_a);
    /* Swap neighbours, and move every 10th segment 5 places later. */
    memcpy(sg_b, sg_a, n * sizeof *sg_a);
    for (size_t i = 1; i + 1 < n; i += 4) {
        seg t = sg_b[i];
        sg_b[i] = sg_b[i + 1];
        sg_b[i + 1] = t;
    }
    for (size_t i = 3; i + 5 < n; i += 10) {
        seg t = sg_b[i];
        memmove(sg_b + i, sg_b + i + 1, 5 * sizeof t);
        sg_b[i + 5] = t;
    }
    static got g;
    reasm_run(&s, ISN, sg_b, n, 0, SERVER, &g, 1);
    check_clean(&g, 200);
    assert_true(g.st.out_of_order > 0);
    assert_int_equal(g.st.duplicates, 0);
    /* Across the wrap of the sequence numbers, locked on by content. */
    for (size_t i = 0; i < n; i++)
        sg_b[i].seq += 0xFFFFF000u - ISN;
    reasm_run(&s, 0xFFFFF000u, sg_b, n, 0, 0, &g, 0);
    check_clean(&g, 200);
}

static void reasm_hole_past_window(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(6000); /* ~250 KB */
    size_t n = cut(&s, ISN, 1000, sg_a), m = 0;
    for (size_t i = 0; i < n; i++)
        if (i != 20) /* lost from the capture */
            sg_b[m++] = sg_a[i];
    static got g;
    reasm_run(&s, ISN, sg_b, m, 64 << 10, SERVER, &g, 1);
    assert_int_equal(g.st.gaps, 1);
    assert_int_equal(g.st.bad_packets, 1);
    /* Messages wholly inside bytes 20000..21000 are gone, one or two cut
     * across its edges; after it the stream found its packets again. */
    size_t before = 0;
    while (g.m[before].seq != 0)
        before++;
    assert_int_equal(g.m[before].damage, 1);
    assert_true(g.m[before].offset >= 42 * 100); /* credited to a packet after the hole */
    /* About 1000 / 39.4 messages lay in the hole, some cut across its edges. */
    assert_true(g.n > 6000 - 30 && g.n < 6000 - 22);
    for (size_t i = before; i < g.n; i++)
        assert_int_equal(g.first[i], 'A');
    assert_int_equal(g.m[before - 1].seq, before);
    /* The same hole with the rest arriving before the window fills: finish()
     * gives it up at the end. */
    m = 0;
    for (size_t i = 0; i < 30; i++)
        if (i != 20)
            sg_b[m++] = sg_a[i];
    reasm_run(&s, ISN, sg_b, m, 64 << 10, SERVER, &g, 1);
    assert_int_equal(g.st.gaps, 1);
    assert_true(g.n > before);
}

/* Push the server segments in order; at push `cut` (if < n), after taking,
 * consume only part, save, and go on with a fresh reassembler restored from
 * the blob: the messages must be the uninterrupted run's. */
static void reasm_cut_run(const sb *s, const seg *sg, size_t n, size_t cut_at, got *g)
{
    tcp_reasm_options o = {SERVER, 64 << 10};
    tcp_reasm *r;
    assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
    memset(g, 0, sizeof *g);
    blanc_msg m[5];
    cap_packet syn = tcp(1, SERVER, ISN - 1, TCP_SYN | TCP_ACK, NULL, 0);
    assert_int_equal(blanc__tcp_reasm_push(r, &syn), 0);
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            cap_packet pk = tcp(i + 2, SERVER, sg[i].seq, TCP_ACK, s->b + sg[i].from, sg[i].len);
            assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
        } else {
            blanc__tcp_reasm_finish(r);
        }
        int k;
        while ((k = blanc__tcp_reasm_take(r, m, 5)) > 0) {
            size_t use = (size_t)k;
            if (i == cut_at)
                use = (size_t)k / 2; /* a pause: the rest comes again */
            keep(g, m, use);
            blanc__tcp_reasm_consume(r, use);
            if (i == cut_at) {
                uint8_t *blob;
                size_t len;
                assert_int_equal(blanc__tcp_reasm_save(r, &blob, &len), 0);
                blanc__tcp_reasm_free(r);
                assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
                /* Damaged blobs are refused, never read past. */
                for (size_t cutlen = 0; cutlen < len; cutlen += len / 7 + 1)
                    assert_int_equal(blanc__tcp_reasm_restore(r, blob, cutlen), BLANC_EBADSNAP);
                assert_int_equal(blanc__tcp_reasm_restore(r, blob, len), 0);
                free(blob);
                cut_at = SIZE_MAX;
            }
        }
    }
    blanc__tcp_reasm_stats(r, &g->st);
    blanc__tcp_reasm_free(r);
}

static void reasm_save_restore_everywhere(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(2500); /* ~100 KB: the 64 KiB window gives the hole up mid-way */
    size_t n = cut(&s, ISN, 300, sg_a), m = 0;
    /* Neighbours swapped, every 9th sent twice (the copy 3 later), segment 20 lost. */
    for (size_t i = 0; i < n; i++) {
        if (i == 20)
            continue;
        sg_b[m++] = sg_a[i];
        if (i % 9 == 4 && i + 3 < n)
            sg_b[m++] = sg_a[i + 3];
    }
    for (size_t i = 1; i + 1 < m; i += 6) {
        seg t = sg_b[i];
        sg_b[i] = sg_b[i + 1];
        sg_b[i + 1] = t;
    }
    static got ref, g;
    reasm_cut_run(&s, sg_b, m, SIZE_MAX, &ref);
    assert_int_equal(ref.st.gaps, 1);
    assert_true(ref.st.duplicates > 0 && ref.st.out_of_order > 0);
    /* The hole's damage is placed at the record of the packet that gave it
     * up: the first one that did not fit the window past it. */
    uint64_t hole = sg_a[20].seq, giver = 0;
    for (size_t i = 0; i < m && !giver; i++)
        if ((int32_t)(sg_b[i].seq - hole) > 0 && sg_b[i].seq - hole + sg_b[i].len > (64u << 10))
            giver = (i + 2) * 100;
    size_t d = 0;
    while (d < ref.n && !ref.m[d].damage)
        d++;
    assert_true(d < ref.n);
    assert_int_equal(ref.m[d].damage_at, giver);
    for (size_t at = 0; at <= m; at += 7) {
        reasm_cut_run(&s, sg_b, m, at, &g);
        same(&ref, &g);
        for (size_t i = 0; i < g.n; i++)
            assert_int_equal(g.m[i].packet, ref.m[i].packet);
    }
}

/* A truncated tail is reported; a far-off sequence number (another
 * connection's data) becomes a hole, not a crash. */
static void reasm_odd_segments(void **state)
{
    (void)state;
    static sb s;
    s = day_stream(10);
    tcp_reasm *r;
    assert_int_equal(blanc__tcp_reasm_create(&r, NULL), 0);
    cap_packet pk = tcp(1, SERVER, ISN, TCP_ACK, s.b, s.n - 5);
    assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
    blanc_msg m[16];
    int k = blanc__tcp_reasm_take(r, m, 16);
    assert_int_equal(k, 9);
    blanc__tcp_reasm_consume(r, (size_t)k);
    assert_int_equal(blanc__tcp_reasm_take(r, m, 16), 0);
    blanc__tcp_reasm_finish(r);
    assert_int_equal(blanc__tcp_reasm_take(r, m, 16), 0);
    assert_true(blanc__tcp_reasm_truncated(r));
    blanc__tcp_reasm_free(r);

    assert_int_equal(blanc__tcp_reasm_create(&r, NULL), 0);
    pk = tcp(1, SERVER, ISN, TCP_ACK, s.b, 33 + 39);
    assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
    pk = tcp(2, SERVER, ISN + 0x70000000u, TCP_ACK, s.b + 72, s.n - 72);
    assert_int_equal(blanc__tcp_reasm_push(r, &pk), 0);
    static got g;
    memset(&g, 0, sizeof g);
    blanc__tcp_reasm_finish(r);
    while ((k = blanc__tcp_reasm_take(r, m, 16)) > 0) {
        keep(&g, m, (size_t)k);
        blanc__tcp_reasm_consume(r, (size_t)k);
    }
    blanc__tcp_reasm_stats(r, &g.st);
    assert_int_equal(g.st.gaps, 1);
    assert_int_equal(g.n, 10); /* the hole was exactly between packets: nothing lost */
    assert_int_equal(g.m[1].seq, 0);
    blanc__tcp_reasm_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parser_table),
        cmocka_unit_test(login_accepted),
        cmocka_unit_test(plausible),
        cmocka_unit_test(stream_basic),
        cmocka_unit_test(no_login_no_numbers),
        cmocka_unit_test(pause_reads_again),
        cmocka_unit_test(reconnect_gap_and_duplicates),
        cmocka_unit_test(damage_then_resync),
        cmocka_unit_test(damage_keeps_session_progress),
        cmocka_unit_test(damage_at_the_end_and_hostile_runs),
        cmocka_unit_test(split_at_every_byte),
        cmocka_unit_test(save_restore_at_every_consume),
        cmocka_unit_test(feed_ends),
        cmocka_unit_test(feed_skip_and_restore),
        cmocka_unit_test(content_check),
        cmocka_unit_test(reasm_in_order_and_wraparound),
        cmocka_unit_test(reasm_retransmits),
        cmocka_unit_test(reasm_out_of_order),
        cmocka_unit_test(reasm_hole_past_window),
        cmocka_unit_test(reasm_odd_segments),
        cmocka_unit_test(reasm_save_restore_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
