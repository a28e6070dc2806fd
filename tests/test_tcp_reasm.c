/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* TCP reassembly (src/feed/tcp_reasm.h) on hostile and odd segment orders.
 * Streams are built by hand from the SoupBinTCP 3.00 layout (2-byte
 * big-endian length of type + payload, type, payload): a login accepted is
 * 33 bytes, an 'S' holding an add order (36) 39. What must come out is
 * derived from that layout and from TCP (RFC 9293), never from a run of the
 * code under test: the messages' bytes are compared with the ones sent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/soup.h"
#include "feed/tcp_reasm.h"
#include "util.h"

#define SERVER 26400
#define ISN 1000u
#define LOGIN 33
#define SPKT 39 /* an 'S' of an add order */

typedef struct sb {
    uint8_t b[1 << 19];
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

/* A login accepted (session TCP1, number 1), then n add orders: 33 + 39 n bytes. */
static void day(sb *s, int n)
{
    char p[32];
    s->n = 0;
    snprintf(p, sizeof p, "%10s%20llu", "TCP1", 1ull);
    pkt(s, 'A', p, 30);
    for (int i = 0; i < n; i++) {
        uint8_t m[64];
        blanc_event e = ev_add(1, (uint64_t)i + 1, 'B', 100, 5000);
        assert_int_equal(blanc_itch_encode(&e, m, sizeof m), 36);
        pkt(s, 'S', m, 36);
    }
    assert_int_equal(s->n, LOGIN + (size_t)SPKT * (size_t)n);
}

typedef struct got {
    uint8_t bytes[1 << 19]; /* the messages' payloads, one after the other */
    size_t len, n;
    uint64_t last_seq;
    int in_order; /* seq 1, 2, 3, ... */
    blanc_transport_stats st;
} got;

typedef struct run {
    tcp_reasm *r;
    uint64_t num;
    got *g;
} run;

static void start(run *u, got *g, uint16_t port, uint32_t window)
{
    tcp_reasm_options o = {port, window};
    assert_int_equal(blanc__tcp_reasm_create(&u->r, &o), 0);
    u->num = 1;
    u->g = g;
    memset(g, 0, sizeof *g);
    g->in_order = 1;
}

static void drain(run *u)
{
    blanc_msg m[7];
    int k;
    while ((k = blanc__tcp_reasm_take(u->r, m, 7)) > 0) {
        for (int i = 0; i < k; i++) {
            got *g = u->g;
            assert_true(g->len + m[i].len <= sizeof g->bytes);
            memcpy(g->bytes + g->len, m[i].p, m[i].len);
            g->len += m[i].len;
            g->in_order &= m[i].seq == g->n + 1;
            g->n++;
        }
        blanc__tcp_reasm_consume(u->r, (size_t)k);
    }
}

/* One server packet to client port cport, then everything ready is read. */
static void push_to(run *u, uint16_t cport, uint32_t seq, uint8_t flags, const uint8_t *p,
                    size_t len)
{
    cap_packet pk;
    memset(&pk, 0, sizeof pk);
    pk.kind = CAP_TCP;
    pk.number = u->num;
    pk.offset = u->num * 100;
    u->num++;
    pk.src_ip = 0x0a000001;
    pk.dst_ip = 0x0a000002;
    pk.src_port = SERVER;
    pk.dst_port = cport;
    pk.tcp_seq = seq;
    pk.tcp_flags = flags;
    pk.payload = p;
    pk.len = len;
    int rc = blanc__tcp_reasm_push(u->r, &pk);
    /* 1: skipped, for a SYN-ACK before locking on by content */
    assert_true(rc == 0 || (rc == 1 && (flags & TCP_SYN) && !blanc__tcp_reasm_conn(u->r, NULL)));
    drain(u);
}

/* One server packet of the connection (client port 40000). */
static void push(run *u, uint32_t seq, uint8_t flags, const uint8_t *p, size_t len)
{
    push_to(u, 40000, seq, flags, p, len);
}

/* Stream bytes [from, from + len) of s, at their sequence numbers from isn + 1. */
static void push_at(run *u, const sb *s, uint32_t isn, size_t from, size_t len)
{
    push(u, isn + 1 + (uint32_t)from, TCP_ACK, s->b + from, len);
}

static void finish(run *u)
{
    blanc__tcp_reasm_finish(u->r);
    drain(u);
    blanc__tcp_reasm_stats(u->r, &u->g->st);
    blanc__tcp_reasm_free(u->r);
}

/* Every message of s came out once, in order, byte for byte. */
static void check_whole(const got *g, const sb *s, int n)
{
    assert_int_equal(g->n, (size_t)n);
    assert_true(g->in_order);
    assert_int_equal(g->len, (size_t)n * 36);
    for (int i = 0; i < n; i++)
        assert_memory_equal(g->bytes + (size_t)i * 36, s->b + LOGIN + (size_t)i * SPKT + 3, 36);
    assert_int_equal(g->st.bad_packets, 0);
    assert_int_equal(g->st.gaps, 0);
    assert_int_equal(g->st.sessions, 1);
}

/* ---- snapshots ------------------------------------------------------------ */

/* Where the pieces start in a blob (tcp_save.c, version 3: 24 u64 head
 * fields, word 20 the piece count; the remembered SYN-ACKs' count, the ring
 * slot and 5 words each). */
static size_t pieces_field(const uint8_t *b)
{
    assert_int_equal(blanc_le64(b) >> 32, 3);
    return 24 * 8 + 16 + (size_t)blanc_le64(b + 24 * 8) * 40;
}

/* Where the first held run's distance field sits in a blob (pieces of 3
 * words, their bytes, the chunk count and chunks of 3 words, then runs). */
static size_t run_field(const uint8_t *b)
{
    size_t npc = (size_t)blanc_le64(b + 20 * 8), at = pieces_field(b), bytes = 0;
    for (size_t i = 0; i < npc; i++)
        bytes += (size_t)blanc_le64(b + at + i * 24 + 8);
    at += npc * 24 + bytes;
    size_t nch = (size_t)blanc_le64(b + at);
    return at + 8 + nch * 24;
}

static void restore_refuses_a_run_past_the_window(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 20);
    run u;
    const uint32_t win = 64 << 10;
    start(&u, &g, SERVER, win);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, 100);
    push_at(&u, &s, ISN, 200, 50); /* held past the hole 100..200 */
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__tcp_reasm_save(u.r, &blob, &len), 0);
    size_t f = run_field(blob);
    assert_true(f + 16 <= len);
    assert_int_equal(blanc_le64(blob + f), 100); /* the run: 100 bytes after the front */
    assert_int_equal(blanc_le64(blob + f + 8), 50);
    /* Past the window, or too long for what is left of it: refused (the
     * check in u64 must not wrap and write past the ring). */
    const uint64_t bad[] = {win, win + 4096, (uint64_t)1 << 40, UINT64_MAX - 10, win - 49};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        uint8_t *c = malloc(len);
        assert_non_null(c);
        memcpy(c, blob, len);
        blanc_put_le64(c + f, bad[i]);
        tcp_reasm *r;
        tcp_reasm_options o = {SERVER, win};
        assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
        assert_int_equal(blanc__tcp_reasm_restore(r, c, len), BLANC_EBADSNAP);
        blanc__tcp_reasm_free(r);
        free(c);
    }
    /* The last place the run still fits is fine. */
    blanc_put_le64(blob + f, win - 50);
    tcp_reasm *r;
    tcp_reasm_options o = {SERVER, win};
    assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
    assert_int_equal(blanc__tcp_reasm_restore(r, blob, len), 0);
    blanc__tcp_reasm_free(r);
    free(blob);
    blanc__tcp_reasm_free(u.r);
}

/* Where the chunk count sits (after the pieces and their bytes). */
static size_t chunk_field(const uint8_t *b)
{
    size_t npc = (size_t)blanc_le64(b + 20 * 8), at = pieces_field(b), bytes = 0;
    for (size_t i = 0; i < npc; i++)
        bytes += (size_t)blanc_le64(b + at + i * 24 + 8);
    return at + npc * 24 + bytes;
}

static int restores_port(const uint8_t *blob, size_t len, uint16_t port)
{
    tcp_reasm *r;
    tcp_reasm_options o = {port, 0};
    assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
    int rc = blanc__tcp_reasm_restore(r, blob, len);
    blanc__tcp_reasm_free(r);
    return rc;
}

static int restores(const uint8_t *blob, size_t len) { return restores_port(blob, len, SERVER); }

/* Bytes delivered but not yet read by the Soup stream (an 'S' cut short)
 * must be named by the chunks, up to their end: take() reads the chunk of
 * each message's last byte. Chunks that stop short, or none, are refused. */
static void restore_refuses_chunks_short_of_the_bytes(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 3);
    run u;
    start(&u, &g, SERVER, 0);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, LOGIN + 20); /* the login, then 20 bytes of an 'S' */
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__tcp_reasm_save(u.r, &blob, &len), 0);
    size_t at = chunk_field(blob);
    assert_int_equal(blanc_le64(blob + at), 1); /* one packet delivered them */
    assert_int_equal(restores(blob, len), 0);
    uint8_t *c = malloc(len);
    assert_non_null(c);
    /* The chunk ends one byte into the pending ones. */
    memcpy(c, blob, len);
    uint64_t end = blanc_le64(c + at + 8);
    blanc_put_le64(c + at + 8, end - 19);
    assert_int_equal(restores(c, len), BLANC_EBADSNAP);
    /* No chunk at all. */
    memcpy(c, blob, at);
    blanc_put_le64(c + at, 0);
    memcpy(c + at + 8, blob + at + 8 + 24, len - at - 8 - 24);
    assert_int_equal(restores(c, len - 24), BLANC_EBADSNAP);
    free(c);
    free(blob);
    blanc__tcp_reasm_free(u.r);
}

/* A resume: the state saved, restored into a fresh reassembler made with the
 * same options, which goes on in its place. */
static void save_restore(run *u, uint16_t port, uint32_t window)
{
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__tcp_reasm_save(u->r, &blob, &len), 0);
    tcp_reasm *r;
    tcp_reasm_options o = {port, window};
    assert_int_equal(blanc__tcp_reasm_create(&r, &o), 0);
    assert_int_equal(blanc__tcp_reasm_restore(r, blob, len), 0);
    free(blob);
    blanc__tcp_reasm_free(u->r);
    u->r = r;
}

/* Resumed before anything is locked on (the capture feed can pause there: a
 * long run of damaged packets is handed over alone, before any message),
 * with the connection's SYN-ACK seen before the snapshot and its second data
 * segment overtaking the first: the SYN-ACK still says where the stream
 * starts, so the first segment is its start and not a retransmission. The
 * SYN-ACKs of other connections around it are kept as a ring of 8 that
 * replaces the oldest: ours is the 10th seen (it replaced the 2nd), so the 7
 * seen after the resume replace the 3rd to the 9th and leave it (the 8th
 * after it would replace it). */
static void resume_before_locking_on(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 200);
    const size_t a = LOGIN + SPKT, b = 10 * SPKT; /* both end on packet boundaries */
    for (int others = 0; others < 2; others++) {
        run u;
        start(&u, &g, 0, 0);
        for (int i = 0; others && i < 9; i++)
            push_to(&u, (uint16_t)(41000 + i), 7000u * (uint32_t)i, TCP_SYN | TCP_ACK, NULL, 0);
        push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
        save_restore(&u, 0, 0);
        for (int i = 0; others && i < 7; i++)
            push_to(&u, (uint16_t)(42000 + i), 9000u * (uint32_t)i, TCP_SYN | TCP_ACK, NULL, 0);
        push_at(&u, &s, ISN, a, b);
        push_at(&u, &s, ISN, 0, a);
        push_at(&u, &s, ISN, a + b, s.n - a - b);
        finish(&u);
        check_whole(&g, &s, 200);
        assert_int_equal(g.st.duplicates, 0);
        assert_int_equal(g.st.out_of_order, 1);
        assert_int_equal(g.st.skipped, others ? 17 : 1); /* the SYN-ACKs, ours too */
    }
}

/* A version 3 blob as version 2 wrote it (no SYN-ACKs), or version 1 (nor
 * the ISN word 23): *n its length. */
static uint8_t *older(const uint8_t *b, size_t len, int version, size_t *n)
{
    size_t syn = 16 + (size_t)blanc_le64(b + 24 * 8) * 40, cut = syn + (version == 1 ? 8 : 0);
    size_t from = version == 1 ? 23 * 8 : 24 * 8;
    uint8_t *c = malloc(len);
    assert_non_null(c);
    memcpy(c, b, from);
    memcpy(c + from, b + 24 * 8 + syn, len - 24 * 8 - syn);
    blanc_put_le64(c, 0x52504354u | (uint64_t)version << 32);
    *n = len - cut;
    return c;
}

/* The remembered SYN-ACKs of a blob are checked as the rest is: a count
 * past the ring, a slot that is not the next free one (or past the ring), a
 * field too wide for its header field, one direction twice, a blob cut
 * anywhere: all BLANC_EBADSNAP. Version 2 and 1 blobs, which have none,
 * still load. */
static void restore_checks_the_synacks(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 3);
    for (int full = 0; full < 2; full++) {
        run u;
        start(&u, &g, 0, 0);
        int seen = full ? 10 : 3;
        for (int i = 0; i < seen; i++)
            push_to(&u, (uint16_t)(41000 + i), 5000u * (uint32_t)i, TCP_SYN | TCP_ACK, NULL, 0);
        uint8_t *blob;
        size_t len;
        assert_int_equal(blanc__tcp_reasm_save(u.r, &blob, &len), 0);
        const size_t at = 24 * 8; /* the count, the slot, then the first SYN-ACK */
        assert_int_equal(blanc_le64(blob + at), full ? 8 : 3);
        assert_int_equal(blanc_le64(blob + at + 8), full ? 2 : 3); /* the 11th replaces the 3rd */
        /* In slot 0: the first seen, or with a full ring the 9th that replaced it. */
        assert_int_equal(blanc_le64(blob + at + 16 + 24), full ? 41008 : 41000); /* client port */
        assert_int_equal(blanc_le64(blob + at + 16 + 32), full ? 40001 : 1);   /* ISN + 1 */
        assert_int_equal(restores_port(blob, len, 0), 0);
        uint8_t *c = malloc(len);
        assert_non_null(c);
        /* word offset from at, bad value */
        const struct {
            size_t w;
            uint64_t v;
        } bad[] = {
            {0, 9},  {0, (uint64_t)1 << 40}, {1, 8}, {1, UINT64_MAX}, {1, full ? 8 : 2},
            {2, (uint64_t)1 << 32}, {3, (uint64_t)1 << 32}, {4, 65536}, {5, 65536},
            {6, (uint64_t)1 << 32},
            {5 + 5, full ? 41008 : 41000}, /* the second SYN-ACK on the first's client port */
        };
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            memcpy(c, blob, len);
            blanc_put_le64(c + at + bad[i].w * 8, bad[i].v);
            assert_int_equal(restores_port(c, len, 0), BLANC_EBADSNAP);
        }
        if (!full) { /* fewer than 8 kept: the count is the next slot, not any other */
            memcpy(c, blob, len);
            blanc_put_le64(c + at, 2);
            assert_int_equal(restores_port(c, len, 0), BLANC_EBADSNAP);
        } else { /* a full ring: any slot may go next */
            memcpy(c, blob, len);
            blanc_put_le64(c + at + 8, 7);
            assert_int_equal(restores_port(c, len, 0), 0);
        }
        for (size_t n = 0; n < len; n++)
            assert_int_equal(restores_port(blob, n, 0), BLANC_EBADSNAP);
        free(c);
        for (int v = 1; v <= 2; v++) {
            size_t n;
            uint8_t *o = older(blob, len, v, &n);
            assert_int_equal(restores_port(o, n, 0), 0);
            free(o);
        }
        free(blob);
        blanc__tcp_reasm_free(u.r);
    }
    /* Locked on, held bytes and all: an older blob loads too. */
    run u;
    start(&u, &g, SERVER, 64 << 10);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, 40);
    push_at(&u, &s, ISN, 60, 20);
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__tcp_reasm_save(u.r, &blob, &len), 0);
    for (int v = 1; v <= 2; v++) {
        size_t n;
        uint8_t *o = older(blob, len, v, &n);
        tcp_reasm *r;
        tcp_reasm_options opt = {SERVER, 64 << 10};
        assert_int_equal(blanc__tcp_reasm_create(&r, &opt), 0);
        assert_int_equal(blanc__tcp_reasm_restore(r, o, n), 0);
        blanc__tcp_reasm_free(r);
        free(o);
    }
    free(blob);
    blanc__tcp_reasm_free(u.r);
}

/* ---- SYNs ----------------------------------------------------------------- */

/* A SYN-ACK sent again after data (RFC 9293 3.8.1: a retransmitted SYN has
 * the same ISN) is the same connection, whether the server port was given
 * (locked on at the SYN-ACK) or found by content (the SYN-ACK skipped). */
static void repeated_synack_after_data(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 300);
    const uint32_t isns[] = {ISN, 0xFFFFFFF0u};
    for (size_t j = 0; j < 2; j++) {
        for (int port = 0; port < 2; port++) {
            run u;
            start(&u, &g, port ? SERVER : 0, 0);
            push(&u, isns[j], TCP_SYN | TCP_ACK, NULL, 0);
            for (size_t at = 0; at < s.n; at += 100) {
                push_at(&u, &s, isns[j], at, s.n - at < 100 ? s.n - at : 100);
                if (at == 5000 || at == 9000)
                    push(&u, isns[j], TCP_SYN | TCP_ACK, NULL, 0);
            }
            finish(&u);
            check_whole(&g, &s, 300);
            assert_int_equal(g.st.duplicates, 0);
            assert_int_equal(g.st.out_of_order, 0);
        }
    }
}

/* Locked on by content at the server's second segment, which overtook the
 * first: the SYN-ACK seen before says where the stream starts, so the first
 * segment is the stream's start, not a retransmission. */
static void second_segment_before_the_first(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 200);
    const size_t a = LOGIN + SPKT, b = 10 * SPKT; /* both end on packet boundaries */
    run u;
    start(&u, &g, 0, 0);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, a, b);
    push_at(&u, &s, ISN, 0, a);
    push_at(&u, &s, ISN, a + b, s.n - a - b);
    finish(&u);
    check_whole(&g, &s, 200);
    assert_int_equal(g.st.duplicates, 0);
    assert_int_equal(g.st.out_of_order, 1);
}

/* A reset that carries a payload (a diagnostic, RFC 9293 3.5.3) at the
 * numbers of bytes still to come: the payload is not the stream's, so the
 * real bytes that arrive there later are kept, not dropped as copies. */
static void reset_payload_is_not_data(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 100);
    const size_t a = LOGIN + 40 * SPKT;
    uint8_t junk[SPKT];
    memcpy(junk, s.b + LOGIN, SPKT); /* a well-formed 'S', the first add again */
    run u;
    start(&u, &g, SERVER, 0);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, a);
    push(&u, ISN + 1 + (uint32_t)a, TCP_RST | TCP_ACK, junk, sizeof junk);
    push_at(&u, &s, ISN, a, s.n - a);
    finish(&u);
    check_whole(&g, &s, 100);
    assert_int_equal(g.st.duplicates, 0);
}

/* ---- the out-of-order ring ------------------------------------------------ */

static uint32_t lcg(uint32_t *x) { return *x = *x * 1103515245u + 12345u; }

/* Segments of random sizes (1..1500, so runs start and end anywhere in a
 * bitmap word), shuffled within 40 KB, every 5th sent again overlapping its
 * neighbours: past a 64 KiB window many times, the ring wraps around. */
static void ring_shuffled_and_overlapping(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 6000); /* 234 KB */
    typedef struct sg {
        size_t from, len;
    } sg;
    static sg seg[1 << 14];
    size_t n = 0;
    uint32_t x = 7;
    for (size_t at = 0; at < s.n; n++) {
        size_t len = 1 + lcg(&x) % 1500;
        if (lcg(&x) % 4 == 0)
            len = 1 + lcg(&x) % 3;
        if (len > s.n - at)
            len = s.n - at;
        seg[n] = (sg){at, len};
        at += len;
    }
    /* Shuffle inside blocks of 64 segments (at most 96 KB apart, most far less). */
    for (size_t blk = 0; blk < n; blk += 64)
        for (size_t i = blk; i < blk + 64 && i < n; i++) {
            size_t lim = blk + 64 < n ? blk + 64 : n;
            size_t j = i + lcg(&x) % (lim - i);
            sg t = seg[i];
            seg[i] = seg[j];
            seg[j] = t;
        }
    for (uint32_t window = 128 << 10; window <= (1u << 20); window *= 8) {
        run u;
        start(&u, &g, SERVER, window);
        push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
        for (size_t i = 0; i < n; i++) {
            push_at(&u, &s, ISN, seg[i].from, seg[i].len);
            if (i % 5 == 0 && seg[i].from > 10) {
                size_t from = seg[i].from - 10, len = seg[i].len + 20;
                push_at(&u, &s, ISN, from, from + len > s.n ? s.n - from : len);
            }
        }
        finish(&u);
        check_whole(&g, &s, 6000);
        assert_true(g.st.out_of_order > 0 && g.st.duplicates > 0);
    }
}

/* One byte at the far end of the window, again and again: each gives up the
 * hole before it (RFC 9293 says nothing of a window past a hole; Blanc's is
 * the bound it keeps). So K holes, K segments held, K damaged packets, and
 * nothing but the login read. (Timing is not asserted; this was O(window)
 * per segment.) */
static void far_single_bytes(void **state)
{
    (void)state;
    static sb s;
    static got g;
    day(&s, 0);
    const uint32_t win = 64 << 10;
    const int K = 400;
    run u;
    start(&u, &g, SERVER, win);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, LOGIN);
    static const uint8_t z = 0;
    for (int k = 0; k < K; k++)
        push(&u, ISN + 1 + LOGIN + (uint32_t)(k + 1) * win - 1, TCP_ACK, &z, 1);
    finish(&u);
    assert_int_equal(g.n, 0);
    assert_int_equal(g.st.sessions, 1);
    assert_int_equal(g.st.gaps, (uint64_t)K);
    assert_int_equal(g.st.out_of_order, (uint64_t)K);
    assert_int_equal(g.st.bad_packets, (uint64_t)K);
    assert_int_equal(g.st.duplicates, 0);
}

/* Two copies of the same bytes with different content: the first copy wins,
 * in order and past a hole alike (tshark's follow, tests/tcp_capture_test.py);
 * an in-order segment that covers held bytes is the one delivered (tshark:
 * the same). */
static void overlapping_copies(void **state)
{
    (void)state;
    static sb s, alt;
    static got g;
    day(&s, 10);
    alt = s;
    for (size_t i = 0; i < 10; i++)
        alt.b[LOGIN + i * SPKT + SPKT - 1] ^= 0x55; /* each add's price, last byte */
    const size_t m2 = LOGIN + SPKT, m3 = LOGIN + 2 * SPKT;
    run u;
    start(&u, &g, SERVER, 0);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, m2);
    push_at(&u, &alt, ISN, 0, m2);        /* in order again, other bytes */
    push_at(&u, &s, ISN, m3, SPKT);       /* held */
    push_at(&u, &alt, ISN, m3, SPKT);     /* held again, other bytes */
    push_at(&u, &alt, ISN, m3 + 10, 50);  /* overlapping the held copy and past it */
    push_at(&u, &s, ISN, m2, SPKT);       /* the hole */
    push_at(&u, &s, ISN, m3 + 60, s.n - m3 - 60);
    finish(&u);
    /* Message 3's bytes were first sent as s; bytes m3 + 39.. (message 4's
     * start, first held from alt) carry no altered byte: alt differs only in
     * each message's last byte. */
    check_whole(&g, &s, 10);

    start(&u, &g, SERVER, 0);
    push(&u, ISN, TCP_SYN | TCP_ACK, NULL, 0);
    push_at(&u, &s, ISN, 0, m2);
    push_at(&u, &s, ISN, m3, SPKT);       /* held */
    push_at(&u, &alt, ISN, m2, 2 * SPKT); /* in order over the hole and the held copy */
    push_at(&u, &s, ISN, m3 + SPKT, s.n - m3 - SPKT);
    finish(&u);
    assert_int_equal(g.n, 10);
    assert_memory_equal(g.bytes + 36, alt.b + m2 + 3, 36);
    assert_memory_equal(g.bytes + 72, alt.b + m3 + 3, 36);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(restore_refuses_a_run_past_the_window),
        cmocka_unit_test(restore_refuses_chunks_short_of_the_bytes),
        cmocka_unit_test(resume_before_locking_on),
        cmocka_unit_test(restore_checks_the_synacks),
        cmocka_unit_test(repeated_synack_after_data),
        cmocka_unit_test(second_segment_before_the_first),
        cmocka_unit_test(reset_payload_is_not_data),
        cmocka_unit_test(ring_shuffled_and_overlapping),
        cmocka_unit_test(far_single_bytes),
        cmocka_unit_test(overlapping_copies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
