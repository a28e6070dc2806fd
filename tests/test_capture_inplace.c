/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The in-place pcap walk (src/feed/capture.c) against libpcap's own reader
 * (pcap_next_ex, blanc__capture_use_libpcap) on the same bytes: every packet
 * (number, record offsets, timestamp, captured and wire length, the captured
 * bytes, what the decoder made of them), every end (the same return value,
 * libpcap's message word for word) and the source's offset after each call
 * must agree. Inputs: captures built here over every classic pcap variant
 * (both byte orders, us and ns, our link types and one we do not decode, snap
 * lengths that libpcap adjusts or cuts to, caplen 0, above the snap length,
 * above the maximum, signed timestamps), each cut at every length; the fuzz
 * corpus (as fuzz_capture reads it) and mutants of it; a generated MoldUDP64
 * day with loss, copies and reordering. Then lending: over a gzip source
 * (whose window moves) lent packets keep their bytes until the release hook
 * runs, and sync puts the source where the eager walk is. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <string.h>

#include "feed/capture.h"
#include "feed/udp_span.h"

typedef struct walk {
    blanc_source *s;
    capture *c;
} walk;

static int open_walk(walk *x, const uint8_t *p, size_t n, int libpcap)
{
    char why[256];
    assert_int_equal(blanc_source_open_mem(&x->s, p, n), 0);
    int rc = blanc__capture_open(&x->c, x->s, why, sizeof why);
    if (rc) {
        blanc_source_close(x->s);
        return rc;
    }
    if (libpcap)
        blanc__capture_use_libpcap(x->c);
    return 0;
}

static void close_walk(walk *x)
{
    blanc__capture_free(x->c);
    blanc_source_close(x->s);
}

static size_t compared, in_place_files;

static void same_packet(const cap_packet *a, const cap_packet *b)
{
    assert_int_equal(a->number, b->number);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->end, b->end);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->ts_ns, b->ts_ns);
    assert_int_equal(a->caplen, b->caplen);
    assert_int_equal(a->wire_len, b->wire_len);
    if (a->caplen)
        assert_memory_equal(a->frame, b->frame, a->caplen);
    assert_int_equal(a->src_ip, b->src_ip);
    assert_int_equal(a->dst_ip, b->dst_ip);
    assert_int_equal(a->src_port, b->src_port);
    assert_int_equal(a->dst_port, b->dst_port);
    assert_int_equal(a->tcp_seq, b->tcp_seq);
    assert_int_equal(a->tcp_flags, b->tcp_flags);
    assert_int_equal(a->len, b->len);
    if (a->payload || b->payload) {
        assert_non_null(a->payload);
        assert_non_null(b->payload);
        assert_int_equal(a->payload - a->frame, b->payload - b->frame);
    }
    if (a->why || b->why) {
        assert_non_null(a->why);
        assert_non_null(b->why);
        assert_string_equal(a->why, b->why);
    }
}

/* One next() on each walk: the same result, packet, end and source offset
 * (a's once synced: it may lend). Returns the result. */
static int same_next(walk *a, walk *b)
{
    cap_packet x, y;
    int ra = blanc__capture_next(a->c, &x), rb = blanc__capture_next(b->c, &y);
    assert_int_equal(ra, rb);
    assert_int_equal(x.number, y.number);
    assert_int_equal(x.offset, y.offset);
    if (ra == 1)
        same_packet(&x, &y);
    else if (ra < 0)
        assert_string_equal(blanc__capture_error(a->c), blanc__capture_error(b->c));
    blanc__capture_sync(a->c);
    if (ra == 1 || ra == 0 || ra == BLANC_ETRUNCATED)
        assert_int_equal(blanc_source_offset(a->s), blanc_source_offset(b->s));
    compared++;
    return ra;
}

static size_t peeked;

/* A span of the fast walk is the packet libpcap reads there, a UDP one. */
static void same_span(const udp_span *s, const cap_packet *y)
{
    assert_int_equal(y->kind, CAP_UDP);
    assert_int_equal(s->packet, y->number);
    assert_int_equal(s->offset, y->offset);
    assert_int_equal(s->end, y->end);
    assert_int_equal(s->ts_ns, y->ts_ns);
    assert_int_equal(s->group, y->dst_ip);
    assert_int_equal(s->port, y->dst_port);
    assert_int_equal(s->n, y->len);
    if (s->n)
        assert_memory_equal(s->p, y->payload, s->n);
    peeked++;
}

static int no_release(void *arg)
{
    (void)arg;
    return 0;
}

/* Spans shown from the walk ahead, over all files (mode 2 must show some). */
static uint64_t served_ahead;

/* Until the walker has stopped walking (the end, or a record it does not take). */
static void settle(const capture *c)
{
    uint64_t last = UINT64_MAX;
    for (int still = 0, i = 0; still < 3 && i < 2000; i++) {
        uint64_t w = blanc__capture_ahead_walked(c);
        still = w == last ? still + 1 : 0;
        last = w;
        usleep(200);
    }
}

/* The fast walk (runs of spans, walked past in part, the rest read by next)
 * against libpcap's, call by call. ahead: 0 the reader walks itself; 1 with
 * the walk ahead on its thread (capture_ahead.c) from the start, racing the
 * reader; 2 the same after the walker has walked all it can. */
static void peek_check(const uint8_t *p, size_t n, int ahead)
{
    walk a, b;
    if (open_walk(&a, p, n, 0))
        return; /* cross_check compared the refusal */
    assert_int_equal(open_walk(&b, p, n, 1), 0);
    blanc__capture_lend(a.c, no_release, NULL);
    if (ahead && blanc__capture_walk_ahead(a.c, p, n) && ahead == 2)
        settle(a.c);
    for (unsigned round = 0;; round++) {
        udp_span buf[5];
        const udp_span *sp;
        size_t seen;
        size_t k = blanc__capture_peek_udp(a.c, buf, 1 + round % 5, &sp, &seen);
        assert_true(seen >= k);
        /* What may be read past the packets is readable (ASan): a span
         * the walker has written, or the caller's buffer. */
        for (size_t i = k; i < seen; i++)
            assert_true(sp[i].n <= 65535);
        if (k) {
            size_t take = 1 + (round / 5) % k; /* the rest is peeked again */
            for (size_t i = 0; i < take; i++) {
                cap_packet y;
                assert_int_equal(blanc__capture_next(b.c, &y), 1);
                same_span(&sp[i], &y);
            }
            blanc__capture_advance(a.c, &sp[take - 1]);
            continue;
        }
        if (same_next(&a, &b) != 1)
            break;
    }
    if (ahead == 2)
        served_ahead += blanc__capture_ahead_served(a.c);
    close_walk(&a);
    close_walk(&b);
}

/* The modes of peek_check each file gets: 2 (all three) where a file is one
 * of few, 1 for the many (cut at every length, mutants). */
static int ahead_modes = 2;

/* Both walks over p[0..n): the same, call by call. */
static void cross_check(const uint8_t *p, size_t n)
{
    walk a, b;
    int ra = open_walk(&a, p, n, 0), rb = open_walk(&b, p, n, 1);
    assert_int_equal(ra, rb);
    if (ra)
        return;
    in_place_files += (size_t)blanc__capture_in_place(a.c);
    while (same_next(&a, &b) == 1)
        ;
    close_walk(&a);
    close_walk(&b);
    for (int ahead = 0; ahead <= ahead_modes; ahead++)
        peek_check(p, n, ahead);
}

/* ---- captures built here --------------------------------------------- */

typedef struct wr {
    uint8_t b[4096];
    size_t n;
    int be;
} wr;

static void put8(wr *w, unsigned v)
{
    assert_true(w->n < sizeof w->b);
    w->b[w->n++] = (uint8_t)v;
}
static void put16(wr *w, unsigned v, int be)
{
    if (be)
        put8(w, v >> 8), put8(w, v);
    else
        put8(w, v), put8(w, v >> 8);
}
static void put32(wr *w, uint32_t v, int be)
{
    if (be)
        put16(w, v >> 16, 1), put16(w, v & 0xffff, 1);
    else
        put16(w, v & 0xffff, 0), put16(w, v >> 16, 0);
}

/* Shapes of a frame beyond the plain one, for the fast walk's checks. */
enum { F_PLAIN, F_OPTIONS, F_FRAGMENT, F_TCP, F_ARP, F_UDPLEN, F_PAD };

/* A UDP datagram behind the link header of linktype (LINKTYPE_ numbers);
 * Ethernet with one VLAN tag unless plain. */
static size_t frame_as(uint8_t *f, uint32_t linktype, const char *payload, int plain, int shape)
{
    wr w = {{0}, 0, 1};
    if (linktype == 1) {
        for (int i = 0; i < 12; i++)
            put8(&w, (unsigned)i);
        if (!plain)
            put16(&w, 0x8100, 1), put16(&w, 7, 1);
        put16(&w, shape == F_ARP ? 0x0806 : 0x0800, 1);
    } else if (linktype == 113) { /* SLL */
        put16(&w, 0, 1), put16(&w, 1, 1), put16(&w, 6, 1);
        for (int i = 0; i < 8; i++)
            put8(&w, 0);
        put16(&w, 0x0800, 1);
    } else if (linktype == 276) { /* SLL2 */
        put16(&w, 0x0800, 1), put16(&w, 0, 1), put32(&w, 2, 1), put16(&w, 1, 1);
        put8(&w, 0), put8(&w, 6);
        for (int i = 0; i < 8; i++)
            put8(&w, 0);
    } else if (linktype == 147) { /* a user link type: not decoded */
        put32(&w, 0xdeadbeef, 1);
    }
    size_t plen = strlen(payload), opt = shape == F_OPTIONS ? 4 : 0;
    put8(&w, shape == F_OPTIONS ? 0x46 : 0x45), put8(&w, 0);
    put16(&w, (unsigned)(28 + opt + plen), 1);
    put16(&w, 0, 1), put16(&w, shape == F_FRAGMENT ? 0x2000 : 0x4000, 1); /* MF, or DF */
    put8(&w, 64), put8(&w, shape == F_TCP ? 6 : 17), put16(&w, 0, 1);
    put32(&w, 0x0a000001, 1), put32(&w, 0xe9363601, 1);
    if (opt)
        put32(&w, 0x01010100, 1);
    put16(&w, 5000, 1), put16(&w, 26477, 1);
    put16(&w, (unsigned)(shape == F_UDPLEN ? 7 : 8 + plen - (shape == F_PAD ? 3 : 0)), 1);
    put16(&w, 0, 1);
    for (size_t i = 0; i < plen; i++)
        put8(&w, (unsigned char)payload[i]);
    if (shape == F_PAD)
        put32(&w, 0, 1); /* Ethernet padding past the IP total length */
    memcpy(f, w.b, w.n);
    return w.n;
}

static size_t frame(uint8_t *f, uint32_t linktype, const char *payload)
{
    return frame_as(f, linktype, payload, 0, F_PLAIN);
}

static void record(wr *w, uint32_t sec, uint32_t frac, const uint8_t *f, uint32_t caplen,
                   uint32_t len, size_t have)
{
    put32(w, sec, w->be), put32(w, frac, w->be), put32(w, caplen, w->be), put32(w, len, w->be);
    for (size_t i = 0; i < have; i++)
        put8(w, f[i]);
}

/* A file of every record shape; bogus says which last record ends it. */
static wr build(uint32_t magic, int be, uint32_t linktype, uint32_t snap, int bogus)
{
    wr w = {{0}, 0, be};
    put32(&w, magic, be), put16(&w, 2, be), put16(&w, 4, be);
    put32(&w, 0, be), put32(&w, 0, be), put32(&w, snap, be), put32(&w, linktype, be);
    uint8_t f[256];
    size_t n = frame(f, linktype, "MOLDUDP64PAYLOAD");
    record(&w, 1700000000, 123456, f, (uint32_t)n, (uint32_t)n, n);
    record(&w, 0x80000001u, 999999, f, (uint32_t)n, (uint32_t)n, n); /* negative seconds */
    record(&w, 5, 0xfffffff0u, f, (uint32_t)n, (uint32_t)n, n);      /* negative fraction */
    record(&w, 6, 2000000000u, f, 20, (uint32_t)n, 20);             /* cut short, big frac */
    record(&w, 7, 0, f, 0, 0, 0);                                   /* empty */
    record(&w, 8, 1, f, (uint32_t)n, 10, n);                         /* len < caplen */
    /* The fast walk's shapes: plain (a run of them), then each deviation. */
    for (int shape = F_PLAIN; shape <= F_PAD; shape++)
        for (int k = 0; k < (shape == F_PLAIN ? 3 : 1); k++) {
            size_t m = frame_as(f, linktype, "MOLD", 1, shape);
            record(&w, 10, (uint32_t)shape, f, (uint32_t)m, (uint32_t)m, m);
        }
    n = frame_as(f, linktype, "MOLDUDP64PAYLOAD", 1, F_PLAIN);
    record(&w, 11, 0, f, (uint32_t)n - 1, (uint32_t)n - 1, n - 1); /* IP longer than the frame */
    record(&w, 12, 0, f, (uint32_t)n, (uint32_t)n + 1, n);         /* cut by one byte */
    if (bogus == 1)
        record(&w, 9, 0, f, 262145, 262145, n); /* above the maximum */
    else if (bogus == 2)
        record(&w, 9, 0, f, 0xffffffffu, 0, 0);
    return w;
}

static void built_variants(void **state)
{
    (void)state;
    static const uint32_t magics[] = {0xa1b2c3d4u, 0xa1b23c4du};
    static const uint32_t links[] = {1, 113, 276, 101, 228, 147};
    /* 40: records above it are cut to it; 0 and > INT_MAX: libpcap's maximum */
    static const uint32_t snaps[] = {65535, 40, 0, 0x80000000u, 262144, 300000};
    for (size_t m = 0; m < 2; m++)
        for (int be = 0; be < 2; be++)
            for (size_t l = 0; l < sizeof links / sizeof links[0]; l++)
                for (size_t s = 0; s < sizeof snaps / sizeof snaps[0]; s++)
                    for (int bogus = 0; bogus < 3; bogus++) {
                        wr w = build(magics[m], be, links[l], snaps[s], bogus);
                        cross_check(w.b, w.n);
                    }
    /* Cut at every length (the file header too). */
    ahead_modes = 1;
    for (int be = 0; be < 2; be++) {
        wr w = build(magics[be], be, 1, 40, 0);
        for (size_t n = 0; n <= w.n; n++)
            cross_check(w.b, n);
    }
    ahead_modes = 2;
    /* the records above were in place for the decoded link types (not swapped SLL) */
    assert_true(in_place_files >= 2 * 2 * 6 * 3 * 3);
    assert_true(peeked > 2000); /* and the fast walk met them */
}

/* ---- pcapng built here -------------------------------------------------- */

/* A pcapng block: type, total length, body (padded to 4), total length. */
static void block(wr *w, uint32_t type, const uint8_t *body, size_t n)
{
    size_t pad = (4 - n % 4) % 4;
    uint32_t total = (uint32_t)(12 + n + pad);
    put32(w, type, w->be), put32(w, total, w->be);
    for (size_t i = 0; i < n; i++)
        put8(w, body[i]);
    for (size_t i = 0; i < pad; i++)
        put8(w, 0);
    put32(w, total, w->be);
}

/* An option into b at *n: code, length, value, padding. */
static void opt(uint8_t *b, size_t *n, int be, uint16_t code, const uint8_t *v, uint16_t len)
{
    wr t = {{0}, 0, be};
    put16(&t, code, be), put16(&t, len, be);
    memcpy(b + *n, t.b, 4);
    if (len)
        memcpy(b + *n + 4, v, len);
    size_t pad = (4 - len % 4) % 4;
    memset(b + *n + 4 + len, 0, pad);
    *n += 4 + len + pad;
}

static void epb(wr *w, uint32_t iface, uint64_t t, const uint8_t *f, uint32_t caplen,
                uint32_t len, size_t have, int with_opts)
{
    uint8_t b[512];
    wr t4 = {{0}, 0, w->be};
    put32(&t4, iface, w->be), put32(&t4, (uint32_t)(t >> 32), w->be);
    put32(&t4, (uint32_t)t, w->be), put32(&t4, caplen, w->be), put32(&t4, len, w->be);
    memcpy(b, t4.b, 20);
    memcpy(b + 20, f, have);
    size_t n = 20 + have;
    if (with_opts) {
        while (n % 4)
            b[n++] = 0;
        opt(b, &n, w->be, 1, (const uint8_t *)"a comment", 9); /* opt_comment */
        opt(b, &n, w->be, 0, NULL, 0);
    }
    block(w, 6, b, n);
}

/* Interface options: none, if_tsresol (us, ns, ms, 2^-10, twice), if_tsoffset;
 * and ones libpcap refuses (later IDBs only: the first would fail the open):
 * an option header cut short, an option value cut short, opt_endofopt with a
 * length. */
enum { O_NONE, O_US, O_NS, O_MS, O_BIN, O_OFF, O_TWICE, O_COUNT, O_CUT_HEAD = O_COUNT,
       O_CUT_VALUE, O_END_LEN };

static void idb(wr *w, uint32_t linktype, uint32_t snap, int o)
{
    uint8_t b[128];
    wr t4 = {{0}, 0, w->be};
    put16(&t4, linktype, w->be), put16(&t4, 0, w->be), put32(&t4, snap, w->be);
    memcpy(b, t4.b, 8);
    size_t n = 8;
    uint8_t r6 = 6, r9 = 9, r3 = 3, rb = 0x8a;
    opt(b, &n, w->be, 2, (const uint8_t *)"eth0", 4); /* if_name */
    if (o == O_US || o == O_TWICE)
        opt(b, &n, w->be, 9, &r6, 1);
    if (o == O_NS || o == O_OFF || o == O_TWICE)
        opt(b, &n, w->be, 9, &r9, 1);
    if (o == O_MS)
        opt(b, &n, w->be, 9, &r3, 1);
    if (o == O_BIN)
        opt(b, &n, w->be, 9, &rb, 1);
    if (o == O_OFF) {
        wr v = {{0}, 0, w->be};
        put32(&v, w->be ? 0 : 7, w->be), put32(&v, w->be ? 7 : 0, w->be); /* 7 s */
        opt(b, &n, w->be, 14, v.b, 8);
    }
    if (o == O_CUT_VALUE) {
        opt(b, &n, w->be, 2, (const uint8_t *)"eth1", 4);
        b[n - 6] = 40; /* its length: 40, past the block */
        b[n - 5] = 0;
        if (w->be)
            b[n - 6] = 0, b[n - 5] = 40;
    }
    if (o == O_END_LEN) {
        uint8_t z[4] = {0};
        opt(b, &n, w->be, 0, z, 4);
    } else if (o == O_CUT_HEAD) {
        b[n++] = 2, b[n++] = 0; /* half an option header */
        b[n++] = 0, b[n++] = 0;
        n -= 2;
    } else {
        opt(b, &n, w->be, 0, NULL, 0);
    }
    block(w, 1, b, n);
}

/* A simple packet block (libpcap reads those) of frame f[0..n). */
static void simple(wr *w, const uint8_t *f, size_t n)
{
    uint8_t spb[256];
    wr l = {{0}, 0, w->be};
    put32(&l, (uint32_t)n, w->be);
    memcpy(spb, l.b, 4);
    memcpy(spb + 4, f, n);
    block(w, 3, spb, 4 + n);
}

#define NG_TAILS 17
/* A pcapng file: SHB, an IDB, EPBs of the fast walk's shapes and the odd
 * cases, blocks libpcap skips between them, then (tail) one thing the walk
 * leaves to libpcap: 0 none, 1 a second IDB and an EPB on it, 2 an EPB on an
 * interface with no IDB, 3 an SPB, 4 a trailer that disagrees, 5 a length
 * not a multiple of 4, 6 a block of 8 bytes, 7 a second SHB, 8 a block
 * longer than 16 MiB, 9 an EPB whose caplen runs past its block, 10-14 a
 * later IDB libpcap refuses or the walk leaves to it, 15 one in ms; 16 and
 * 17 libpcap taking over after a later IDB was walked in place (an SPB; an
 * IDB in ms), then packets on that interface: libpcap must know it. */
static wr build_ng(int be, uint32_t linktype, uint32_t snap, int o, int tail)
{
    wr w = {{0}, 0, be};
    uint8_t shb[16];
    wr t = {{0}, 0, be};
    put32(&t, 0x1a2b3c4d, be), put16(&t, 1, be), put16(&t, 0, be);
    put32(&t, 0xffffffffu, be), put32(&t, 0xffffffffu, be); /* section length: unknown */
    memcpy(shb, t.b, 16);
    block(&w, 0x0A0D0D0Au, shb, 16);
    idb(&w, linktype, snap, o);
    uint8_t f[256];
    size_t n = frame(f, linktype, "MOLDUDP64PAYLOAD");
    epb(&w, 0, 1700000000123456ull, f, (uint32_t)n, (uint32_t)n, n, 0);
    epb(&w, 0, 0xffffffffffffffffull, f, (uint32_t)n, (uint32_t)n, n, 1); /* the top, options */
    uint8_t nrb[12] = {0};
    block(&w, 4, nrb, 4); /* a name resolution block (end of records only) */
    epb(&w, 0, 5, f, 20, (uint32_t)n, 20, 0); /* cut short */
    epb(&w, 0, 6, f, 0, 0, 0, 0);             /* empty */
    epb(&w, 0, 7, f, (uint32_t)n, 10, n, 0);  /* len < caplen */
    for (int shape = F_PLAIN; shape <= F_PAD; shape++)
        for (int k = 0; k < (shape == F_PLAIN ? 3 : 1); k++) {
            size_t m = frame_as(f, linktype, "MOLD", 1, shape);
            epb(&w, 0, 10 + (uint64_t)shape, f, (uint32_t)m, (uint32_t)m, m, k == 1);
        }
    uint8_t isb[16] = {0};
    block(&w, 5, isb, 12);          /* interface statistics */
    block(&w, 0x40000BADu, isb, 8); /* a custom block */
    n = frame_as(f, linktype, "MOLDUDP64PAYLOAD", 1, F_PLAIN);
    epb(&w, 0, 11, f, (uint32_t)n - 1, (uint32_t)n - 1, n - 1, 0); /* IP longer than the frame */
    epb(&w, 0, 12, f, (uint32_t)n, (uint32_t)n + 1, n, 0);         /* cut by one byte */
    switch (tail) {
    case 1:
        idb(&w, linktype, snap, O_NONE);
        epb(&w, 1, 13, f, (uint32_t)n, (uint32_t)n, n, 0);
        epb(&w, 0, 14, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 2: epb(&w, 3, 13, f, (uint32_t)n, (uint32_t)n, n, 0); break;
    case 3:
        simple(&w, f, n);
        epb(&w, 0, 14, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 4:
        epb(&w, 0, 13, f, (uint32_t)n, (uint32_t)n, n, 0);
        w.b[w.n - 1] ^= 0x10, w.b[w.n - 4] ^= 0x10; /* the trailer's length, either order */
        break;
    case 5: put32(&w, 6, be), put32(&w, 14, be), put32(&w, 0, be), put16(&w, 0, be); break;
    case 6: put32(&w, 6, be), put32(&w, 8, be); break;
    case 7:
        block(&w, 0x0A0D0D0Au, shb, 16);
        idb(&w, linktype, snap, o);
        epb(&w, 0, 14, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 8: put32(&w, 6, be), put32(&w, (17u << 20), be), put32(&w, 0, be); break;
    case 9: epb(&w, 0, 13, f, 200, (uint32_t)n, n, 0); break;
    case 10: /* a later IDB of another link type, of another snap length, refused options */
    case 11:
    case 12:
    case 13:
    case 14:
        idb(&w, tail == 10 ? (linktype == 1 ? 113 : 1) : linktype,
            tail == 11 ? (snap == 40 ? 65535 : 40) : snap,
            tail == 12 ? O_CUT_HEAD : tail == 13 ? O_CUT_VALUE : tail == 14 ? O_END_LEN : O_NONE);
        epb(&w, 1, 13, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 15: /* a later IDB in ms (libpcap scales it), a packet on it, one on 0 */
        idb(&w, linktype, snap, O_MS);
        epb(&w, 1, 123456789, f, (uint32_t)n, (uint32_t)n, n, 0);
        epb(&w, 0, 14, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 16: /* a later IDB walked in place, then libpcap (an SPB), a packet on it */
        idb(&w, linktype, snap, O_NS);
        epb(&w, 1, 15, f, (uint32_t)n, (uint32_t)n, n, 0);
        simple(&w, f, n);
        epb(&w, 1, 16, f, (uint32_t)n, (uint32_t)n, n, 0);
        epb(&w, 0, 17, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    case 17: /* interface 1 in place, interface 2 in ms (libpcap's), packets on both */
        idb(&w, linktype, snap, O_NS);
        idb(&w, linktype, snap, O_MS);
        epb(&w, 1, 18, f, (uint32_t)n, (uint32_t)n, n, 0);
        epb(&w, 2, 19, f, (uint32_t)n, (uint32_t)n, n, 0);
        epb(&w, 0, 20, f, (uint32_t)n, (uint32_t)n, n, 0);
        break;
    default: break;
    }
    return w;
}

/* The layout dumpcap writes for two interfaces (an A and a B line): the
 * SHB, both IDBs (us with an offset, and ns), then packets of both, mixed. */
static wr build_two(int be, uint32_t linktype)
{
    wr w = {{0}, 0, be};
    uint8_t shb[16];
    wr t = {{0}, 0, be};
    put32(&t, 0x1a2b3c4d, be), put16(&t, 1, be), put16(&t, 0, be);
    put32(&t, 0xffffffffu, be), put32(&t, 0xffffffffu, be);
    memcpy(shb, t.b, 16);
    block(&w, 0x0A0D0D0Au, shb, 16);
    idb(&w, linktype, 65535, O_NONE);
    idb(&w, linktype, 65535, O_OFF);
    uint8_t f[256];
    for (int i = 0; i < 40; i++) {
        size_t m = frame_as(f, linktype, "MOLDUDP64", 1, i % 7 == 3 ? F_OPTIONS : F_PLAIN);
        epb(&w, (uint32_t)(i % 3 == 0), 1700000000000000000ull + (uint64_t)i * 1000, f,
            (uint32_t)m, (uint32_t)m, m, i % 5 == 0);
    }
    return w;
}

static void built_pcapng(void **state)
{
    (void)state;
    static const uint32_t links[] = {1, 113, 147};
    static const uint32_t snaps[] = {65535, 40, 0};
    size_t before = in_place_files;
    for (int be = 0; be < 2; be++)
        for (size_t l = 0; l < sizeof links / sizeof links[0]; l++)
            for (size_t s = 0; s < sizeof snaps / sizeof snaps[0]; s++)
                for (int o = 0; o < O_COUNT; o++)
                    for (int tail = 0; tail <= NG_TAILS; tail++) {
                        wr w = build_ng(be, links[l], snaps[s], o, tail);
                        cross_check(w.b, w.n);
                    }
    /* In place: Ethernet and SLL (not swapped: libpcap swaps its pseudo
     * header), snap lengths libpcap keeps, us / ns / offset, each tail. */
    size_t in_place = in_place_files - before;
    assert_true(in_place >= (size_t)(2 * 1 + 1) * 3 * 3 * (NG_TAILS + 1));
    for (int be = 0; be < 2; be++)
        for (size_t l = 0; l < 2; l++) {
            wr w = build_two(be, links[l]);
            size_t spans = peeked;
            cross_check(w.b, w.n);
            if (!be || l == 0)
                assert_true(peeked - spans >= 30); /* both interfaces in the fast walk */
        }
    /* Cut at every length. */
    ahead_modes = 1;
    for (int be = 0; be < 2; be++)
        for (int tail = 0; tail <= NG_TAILS; tail += 3) {
            wr w = build_ng(be, 1, 65535, O_US, tail);
            for (size_t n = 0; n <= w.n; n++)
                cross_check(w.b, n);
        }
    ahead_modes = 2;
}

/* ---- the fuzz corpus and mutants --------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void fuzz_corpus(void **state)
{
    (void)state;
    static const uint8_t magic[3][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0x4d, 0x3c, 0xb2, 0xa1}, {0x0a, 0x0d, 0x0d, 0x0a}};
    const char *root = getenv("BLANC_SOURCE_DIR");
    assert_non_null(root);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/fuzz/corpus/capture", root);
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t files = 0, before = in_place_files;
    struct dirent *e;
    static uint8_t in[1 << 20], buf[(1 << 20) + 4];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        size_t size = fread(in, 1, sizeof in, f);
        fclose(f);
        if (size < 1)
            continue;
        /* As fuzz_capture reads it: the first byte picks the magic. */
        size_t n = 0;
        if (in[0] < 3) {
            memcpy(buf, magic[in[0]], 4);
            n = 4;
        }
        memcpy(buf + n, in + 1, size - 1);
        n += size - 1;
        cross_check(buf, n);
        files++;
        /* Mutants: bytes of the record headers and lengths changed. */
        ahead_modes = 1;
        for (int k = 0; k < 150 && n > 24; k++) {
            static uint8_t mut[(1 << 20) + 4];
            memcpy(mut, buf, n);
            int flips = 1 + (int)(next_rand() % 3);
            for (int i = 0; i < flips; i++) {
                size_t at = 24 + next_rand() % (n - 24);
                mut[at] = (uint8_t)(next_rand() % 4 == 0 ? 0xff : next_rand());
            }
            size_t len = next_rand() % 4 == 0 ? 24 + next_rand() % (n - 23) : n;
            cross_check(mut, len);
        }
        ahead_modes = 2;
    }
    closedir(d);
    assert_true(files >= 10);
    assert_true(in_place_files > before); /* the corpus has classic pcap files */
}

/* ---- a generated day, and lending over a moving window ----------------- */

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *p = malloc((size_t)size + 1);
    assert_non_null(p);
    *n = fread(p, 1, (size_t)size, f);
    fclose(f);
    return p;
}

static char gen_dir[] = "/tmp/blanc-inplace-XXXXXX";

static void gen(const char *args, const char *name)
{
    const char *bin = getenv("BLANC_BIN");
    assert_non_null(bin);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' gen --seed 7 %s -o '%s/%s' 2>/dev/null", bin, args, gen_dir,
             name);
    assert_int_equal(system(cmd), 0);
}

/* Lent packets kept since the last release: their bytes as they were. */
typedef struct held {
    const uint8_t *p[4096];
    uint8_t copy[4096][64];
    size_t len[4096];
    size_t n, releases;
} held;

static int check_held(void *arg)
{
    held *h = arg;
    for (size_t i = 0; i < h->n; i++)
        assert_memory_equal(h->p[i], h->copy[i], h->len[i]);
    h->n = 0;
    h->releases++;
    return 0;
}

static void generated_day(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(gen_dir));
    gen("--messages 60k --symbols 20 --format moldudp64-pcap --ab --drop-packets 0.02 "
        "--dup-packets 0.02 --reorder-packets 0.02",
        "day.pcap");
    gen("--messages 100k --symbols 20 --format moldudp64-pcap", "day.pcap.gz");
    gen("--messages 60k --symbols 20 --format pcapng --ab --drop-packets 0.02 "
        "--dup-packets 0.02 --reorder-packets 0.02",
        "day.pcapng");
    char path[8192];
    size_t n;
    snprintf(path, sizeof path, "%s/day.pcap", gen_dir);
    uint8_t *p = slurp(path, &n);
    size_t before = in_place_files, spans = peeked;
    cross_check(p, n);
    assert_int_equal(in_place_files, before + 1);
    assert_true(peeked - spans > 50000); /* most of the day's packets */
    assert_true(served_ahead > 10000);   /* and the walk ahead showed many of them */
    free(p);
    /* The same day as pcapng: walked in place too, block by block. */
    snprintf(path, sizeof path, "%s/day.pcapng", gen_dir);
    p = slurp(path, &n);
    before = in_place_files, spans = peeked;
    cross_check(p, n);
    assert_int_equal(in_place_files, before + 1);
    assert_true(peeked - spans > 50000);
    free(p);

    /* Lending over gzip: the window moves (4 MiB, the day is larger). */
    snprintf(path, sizeof path, "%s/day.pcap.gz", gen_dir);
    blanc_source *s, *t;
    capture *c, *d;
    char why[256];
    assert_int_equal(blanc_source_open(&s, path, NULL), 0);
    assert_int_equal(blanc_source_open(&t, path, NULL), 0);
    assert_int_equal(blanc__capture_open(&c, s, why, sizeof why), 0);
    assert_int_equal(blanc__capture_open(&d, t, why, sizeof why), 0);
    assert_true(blanc__capture_in_place(c));
    static held h;
    blanc__capture_lend(c, check_held, &h);
    cap_packet x, y;
    size_t packets = 0;
    int rc;
    while ((rc = blanc__capture_next(c, &x)) == 1) {
        assert_int_equal(blanc__capture_next(d, &y), 1);
        same_packet(&x, &y);
        assert_true(x.lent);
        assert_false(y.lent);
        size_t k = x.caplen < 64 ? x.caplen : 64;
        if (h.n == 4096 || packets % 1000 == 999) {
            /* What a consume does: nothing held any more, then sync. */
            h.n = 0;
            blanc__capture_sync(c);
            assert_int_equal(blanc_source_offset(s), x.end);
            assert_int_equal(blanc_source_digest(s), blanc_source_digest(t));
        } else {
            h.p[h.n] = x.frame;
            memcpy(h.copy[h.n], x.frame, k);
            h.len[h.n++] = k;
        }
        packets++;
    }
    assert_int_equal(rc, 0);
    assert_int_equal(blanc__capture_next(d, &y), 0);
    blanc__capture_sync(c);
    assert_int_equal(blanc_source_offset(s), blanc_source_offset(t));
    assert_int_equal(blanc_source_digest(s), blanc_source_digest(t));
    assert_true(h.releases >= 2); /* the window moved while packets were lent */
    assert_true(packets > 10000);
    blanc__capture_free(c);
    blanc__capture_free(d);
    blanc_source_close(s);
    blanc_source_close(t);
    snprintf(path, sizeof path, "rm -rf '%s'", gen_dir);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(built_variants),
        cmocka_unit_test(built_pcapng),
        cmocka_unit_test(fuzz_corpus),
        cmocka_unit_test(generated_day),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    printf("compared %zu calls, %zu spans, %llu shown from the walk ahead\n", compared, peeked,
           (unsigned long long)served_ahead);
    return rc;
}
