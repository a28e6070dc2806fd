/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The capture feed (src/feed/feed_capture.c) on a pcap built here: which
 * messages come out with which packet, sequence number and damage; how the
 * input ends; offsets at record boundaries; skip + restore resuming exactly
 * where a run stopped, also in the middle of a packet's messages. Record
 * sizes: 16 + 42 (Ethernet, IPv4, UDP headers) + the MoldUDP64 payload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <string.h>

#include "feed/feed.h"



typedef struct buf {
    uint8_t b[4096];
    size_t n;
} buf;

static void put(buf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void le32(buf *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}
static void be(buf *w, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        uint8_t b = (uint8_t)(v >> (8 * i));
        put(w, &b, 1);
    }
}

static void header(buf *w)
{
    le32(w, 0xa1b2c3d4), le32(w, 0x00040002), le32(w, 0), le32(w, 0), le32(w, 65535), le32(w, 1);
}

/* A record of an Ethernet frame: IPv4 (frag field given) and UDP to
 * 233.54.12.111:port, or an ARP frame when arp. */
static void record(buf *w, const buf *udp_payload, unsigned port, unsigned frag, int arp)
{
    buf f = {{0}, 0};
    put(&f, "\x01\x00\x5e\x36\x0c\x6f\x02\x00\x00\x00\x00\x01", 12);
    if (arp) {
        be(&f, 0x0806, 2);
        for (int i = 0; i < 28; i++)
            be(&f, 0, 1);
    } else {
        be(&f, 0x0800, 2);
        be(&f, 0x4500, 2), be(&f, 28 + udp_payload->n, 2), be(&f, 1, 2), be(&f, frag, 2);
        be(&f, 0x4011, 2), be(&f, 0, 2), be(&f, 0x0a000001, 4), be(&f, 0xe9360c6f, 4);
        be(&f, 40000, 2), be(&f, port, 2), be(&f, 8 + udp_payload->n, 2), be(&f, 0, 2);
        put(&f, udp_payload->b, udp_payload->n);
    }
    le32(w, 1700000000), le32(w, 0), le32(w, (uint32_t)f.n), le32(w, (uint32_t)f.n);
    put(w, f.b, f.n);
}

/* MoldUDP64: session "S1", seq, count messages "M<seq>" (3 bytes each:
 * a short fake message is enough, the feed does not decode ITCH). */
static buf mold(uint64_t seq, unsigned count)
{
    buf p = {{0}, 0};
    put(&p, "S1        ", 10);
    be(&p, seq, 8);
    be(&p, count, 2);
    if (count == 0xffff)
        return p;
    for (unsigned i = 0; i < count; i++) {
        be(&p, 3, 2);
        uint8_t m[3] = {'M', (uint8_t)(seq + i), 0};
        put(&p, m, 3);
    }
    return p;
}

/* The day (make_day): its records' offsets are kept in at[]. */
typedef struct day {
    buf w;
    uint64_t at[8]; /* record offsets; at[n] = end */
    int n;
} day;

static void rec(day *d, const buf *payload, unsigned port, unsigned frag, int arp)
{
    d->at[d->n++] = d->w.n;
    record(&d->w, payload, port, frag, arp);
    d->at[d->n] = d->w.n;
}

static day make_day(void)
{
    day d;
    memset(&d, 0, sizeof d);
    header(&d.w);
    buf p = mold(1, 2);
    rec(&d, &p, 26477, 0, 0); /* packet 1: seq 1, 2 */
    rec(&d, &p, 0, 0, 1);     /* 2: ARP: skipped */
    p = mold(3, 1);
    rec(&d, &p, 26477, 0x2000, 0); /* 3: fragment: damaged */
    rec(&d, &p, 26477, 0, 0);      /* 4: seq 3 */
    p = mold(5, 1);
    rec(&d, &p, 26477, 0, 0); /* 5: seq 5: 4 is lost */
    p = mold(6, 0xffff);
    rec(&d, &p, 26477, 0, 0); /* 6: end of session */
    return d;
}

typedef struct feedrun {
    blanc_source *s;
    blanc_feed *f;
} feedrun;

static feedrun open_feed(const uint8_t *p, size_t n, const blanc_feed_options *o)
{
    feedrun x;
    assert_int_equal(blanc_source_open_mem(&x.s, p, n), 0);
    char why[256] = "";
    int rc = blanc__feed_capture_open(&x.f, x.s, o, why, sizeof why);
    if (rc)
        print_error("%s\n", why);
    assert_int_equal(rc, 0);
    assert_int_equal(x.f->framing, BLANC_FRAMING_PCAP);
    return x;
}

static void close_feed(feedrun *x)
{
    x->f->ops->free(x->f);
    free(x->f);
    blanc_source_close(x->s);
}

/* cmocka defines skip() as a macro: call the op through a pointer. */
static int skip_to(feedrun *x, uint64_t off)
{
    int (*op)(blanc_feed *, uint64_t) = x->f->ops->skip;
    return op(x->f, off);
}

static int next(feedrun *x, blanc_msg *m, size_t cap)
{
    return x->f->ops->next(x->f, m, cap);
}

static void clean_run(void **state)
{
    (void)state;
    day d = make_day();
    assert_true(blanc__is_capture(d.w.b, d.w.n));
    feedrun x = open_feed(d.w.b, d.w.n, NULL);
    assert_int_equal(x.f->offset, 24);
    blanc_msg m[8];
    assert_int_equal(next(&x, m, 8), 2);
    /* The batch reads on for more (the ARP), up to the damage behind its
     * messages (the fragment), which ends it. */
    assert_int_equal(x.f->offset, d.at[3]);
    assert_int_equal(m[0].seq, 1);
    assert_int_equal(m[1].seq, 2);
    assert_int_equal(m[0].packet, 1);
    assert_int_equal(m[0].offset, d.at[0]);
    assert_int_equal(m[0].len, 3);
    assert_int_equal(m[0].p[0], 'M');
    assert_int_equal(m[1].p[1], 2);
    assert_int_equal(m[0].damage, 0);
    assert_int_equal(m[0].session, 1);
    assert_string_equal(x.f->ops->session_name(x.f, 1), "S1");
    assert_int_equal(m[1].damage, 0);
    x.f->ops->consume(x.f, 2);
    /* To the end: 5 waits behind the hole at 4 until the input ends. */
    assert_int_equal(next(&x, m, 8), 2);
    assert_int_equal(x.f->offset, d.at[6]);
    assert_int_equal(m[0].seq, 3);
    assert_int_equal(m[0].packet, 4);
    assert_int_equal(m[0].damage, 1); /* the fragment, packet 3 */
    assert_int_equal(m[0].damage_kind, BLANC_AN_BAD_PACKET);
    assert_int_equal(m[0].damage_at, d.at[2]);
    assert_int_equal(m[1].seq, 5);
    assert_int_equal(m[1].lost, 1);
    assert_int_equal(m[1].damage, 0);
    x.f->ops->consume(x.f, 2);
    assert_int_equal(next(&x, m, 8), 0);
    assert_int_equal(x.f->end.how, BLANC_END_MARKER);
    assert_int_equal(x.f->offset, d.at[6]);
    blanc_transport_stats st;
    x.f->ops->transport(x.f, &st);
    assert_int_equal(st.packets, 6);
    assert_int_equal(st.messages, 4);
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.lost_messages, 1);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.bad_packets, 1);
    close_feed(&x);
}

/* One message a packet: next() reads packets until it has a whole batch
 * (cap) ready, so the replay's look-ahead has messages to look at. */
static void batches(void **state)
{
    (void)state;
    day d;
    memset(&d, 0, sizeof d);
    header(&d.w);
    for (unsigned i = 1; i <= 7; i++) {
        buf p = mold(i, 1);
        rec(&d, &p, 26477, 0, 0);
    }
    feedrun x = open_feed(d.w.b, d.w.n, NULL);
    blanc_msg m[8];
    assert_int_equal(next(&x, m, 4), 4);
    assert_int_equal(x.f->offset, d.at[4]); /* four packets read, no more */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(m[i].seq, (uint64_t)i + 1);
        assert_int_equal(m[i].packet, (uint64_t)i + 1);
        assert_int_equal(m[i].offset, d.at[i]);
    }
    x.f->ops->consume(x.f, 3); /* one left over comes first */
    assert_int_equal(next(&x, m, 4), 4);
    assert_int_equal(m[0].seq, 4);
    assert_int_equal(m[3].seq, 7);
    x.f->ops->consume(x.f, 4);
    assert_int_equal(next(&x, m, 4), 0);
    assert_int_equal(x.f->end.how, BLANC_END_EOF);
    close_feed(&x);
}

/* Stop after k messages (pausing in the middle of packet 1 for k = 1), save,
 * and resume in a new feed: the same messages follow. */
static void resume_everywhere(void **state)
{
    (void)state;
    day d = make_day();
    for (size_t k = 0; k <= 4; k++) {
        feedrun x = open_feed(d.w.b, d.w.n, NULL);
        blanc_msg m[8];
        uint64_t seqs[8], lost[8];
        size_t got = 0;
        while (got < k) {
            int n = next(&x, m, 8);
            assert_true(n > 0);
            size_t take = (size_t)n < k - got ? (size_t)n : k - got;
            x.f->ops->consume(x.f, take);
            got += take;
        }
        uint8_t *blob;
        size_t len;
        assert_int_equal(x.f->ops->save(x.f, &blob, &len), 0);
        uint64_t off = x.f->offset;
        size_t rest = 0;
        int n;
        while ((n = next(&x, m, 8)) > 0) {
            for (int i = 0; i < n; i++)
                seqs[rest] = m[i].seq, lost[rest++] = m[i].lost;
            x.f->ops->consume(x.f, (size_t)n);
        }
        assert_int_equal(rest, 4 - k);
        close_feed(&x);

        feedrun y = open_feed(d.w.b, d.w.n, NULL);
        assert_int_equal(skip_to(&y, off), 0);
        assert_int_equal(y.f->offset, off);
        assert_int_equal(y.f->ops->restore(y.f, blob, len), 0);
        free(blob);
        size_t again = 0;
        while ((n = next(&y, m, 1)) > 0) {
            assert_true(again < rest);
            assert_int_equal(m[0].seq, seqs[again]);
            assert_int_equal(m[0].lost, lost[again]);
            again++;
            y.f->ops->consume(y.f, 1);
        }
        assert_int_equal(again, rest);
        assert_int_equal(y.f->end.how, BLANC_END_MARKER);
        blanc_transport_stats st;
        y.f->ops->transport(y.f, &st);
        assert_int_equal(st.packets, 6);
        assert_int_equal(st.messages, 4);
        assert_int_equal(st.bad_packets, 1);
        close_feed(&y);
    }
}

static void skip_checks(void **state)
{
    (void)state;
    day d = make_day();
    feedrun x = open_feed(d.w.b, d.w.n, NULL);
    assert_int_equal(skip_to(&x, d.at[1] + 1), BLANC_EMISMATCH); /* not a boundary */
    close_feed(&x);
    x = open_feed(d.w.b, d.w.n, NULL);
    assert_int_equal(skip_to(&x, d.at[6] + 100), BLANC_ETRUNCATED);
    close_feed(&x);
    uint8_t bad[8] = {0};
    assert_false(blanc__is_capture(bad, sizeof bad));
    assert_false(blanc__is_capture((const uint8_t *)"\xd4\xc3\xb2", 3));
    assert_true(blanc__is_capture((const uint8_t *)"\x4d\x3c\xb2\xa1", 4));
    assert_true(blanc__is_capture((const uint8_t *)"\x0a\x0d\x0d\x0a", 4));
}

/* The file ends inside packet 5's record: packets 1-4 deliver, then the
 * end is TRUNCATED at packet 5's record; 4 is not a gap (nothing after it). */
static void truncated(void **state)
{
    (void)state;
    day d = make_day();
    feedrun x = open_feed(d.w.b, d.at[4] + 20, NULL);
    blanc_msg m[8];
    int n, total = 0;
    while ((n = next(&x, m, 8)) > 0) {
        total += n;
        x.f->ops->consume(x.f, (size_t)n);
    }
    assert_int_equal(n, 0);
    assert_int_equal(total, 3);
    assert_int_equal(x.f->end.how, BLANC_END_TRUNCATED);
    assert_int_equal(x.f->end.offset, d.at[4]);
    assert_int_equal(x.f->offset, d.at[4]);
    close_feed(&x);
}

static void selection(void **state)
{
    (void)state;
    day d = make_day();
    const char *nope[] = {"NOPE"};
    blanc_feed_options o = {0};
    o.sessions = nope;
    o.n_sessions = 1;
    feedrun x = open_feed(d.w.b, d.w.n, &o);
    blanc_msg m[8];
    assert_int_equal(next(&x, m, 8), 0);
    assert_int_equal(x.f->end.how, BLANC_END_ERROR);
    assert_int_equal(x.f->end.error, BLANC_ENOSESSION);
    close_feed(&x);
    const char *other[] = {":9"};
    o.sessions = NULL;
    o.n_sessions = 0;
    o.channels = other;
    o.n_channels = 1;
    x = open_feed(d.w.b, d.w.n, &o);
    assert_int_equal(next(&x, m, 8), 0);
    blanc_transport_stats st;
    x.f->ops->transport(x.f, &st);
    assert_int_equal(st.skipped, 5); /* ARP + 4 MoldUDP64 packets on another port */
    assert_int_equal(st.messages, 0);
    close_feed(&x);
    const char *bad[] = {"233.54.12.111"};
    o.channels = bad;
    blanc_source *s;
    assert_int_equal(blanc_source_open_mem(&s, d.w.b, d.w.n), 0);
    blanc_feed *f;
    char why[128];
    assert_int_equal(blanc__feed_capture_open(&f, s, &o, why, sizeof why), BLANC_EINVAL);
    blanc_source_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batches), cmocka_unit_test(clean_run),   cmocka_unit_test(resume_everywhere),
        cmocka_unit_test(skip_checks), cmocka_unit_test(truncated),
        cmocka_unit_test(selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
