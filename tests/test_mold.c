/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* MoldUDP64: packet parsing from literal bytes written from the spec
 * (10-byte session, 8-byte big-endian sequence number, 2-byte count, blocks
 * of 2-byte length + message), and the stream's sequencing rules of
 * docs/FEEDS.md one by one. Random lossy, reordered A/B captures are checked
 * against a set model (what arrived on either line is delivered once, in
 * order; what arrived on neither is lost, as exact ranges), and against
 * themselves paused and restored at every consume point. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/bytes.h"
#include "feed/mold.h"
#include "feed/mold_stream_impl.h"

/* ---- parse ------------------------------------------------------------ */

#define A_GROUP 0xe9360c01u /* 233.54.12.1 */
#define B_GROUP 0xe9360c02u
#define SESS 'N', 'A', 'S', 'D', 'A', 'Q', '0', '1', ' ', ' '

static void parse_literal_packets(void **state)
{
    (void)state;
    /* seq 0x0102030405060708, 2 messages: "AB" and "C". */
    static const uint8_t two[] = {SESS, 1, 2, 3, 4, 5, 6, 7, 8, 0, 2, 0, 2, 'A', 'B', 0, 1, 'C'};
    mold_packet pk;
    assert_int_equal(blanc__mold_parse(two, sizeof two, &pk), 0);
    assert_memory_equal(pk.session, "NASDAQ01  ", 10);
    assert_true(pk.seq == 0x0102030405060708ull);
    assert_int_equal(pk.count, 2);
    assert_int_equal(pk.len, 7);
    assert_ptr_equal(pk.blocks, two + 20);
    /* Every truncation of it is damaged; so is one byte more. */
    for (size_t n = 0; n < sizeof two; n++)
        assert_int_equal(blanc__mold_parse(two, n, &pk), BLANC_EBADPACKET);
    uint8_t more[sizeof two + 1];
    memcpy(more, two, sizeof two);
    more[sizeof two] = 0;
    assert_int_equal(blanc__mold_parse(more, sizeof more, &pk), BLANC_EBADPACKET);

    static const uint8_t hb[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0};
    assert_int_equal(blanc__mold_parse(hb, sizeof hb, &pk), 0);
    assert_int_equal(pk.count, MOLD_HEARTBEAT);
    assert_true(pk.seq == 9);
    static const uint8_t end[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff};
    assert_int_equal(blanc__mold_parse(end, sizeof end, &pk), 0);
    assert_int_equal(pk.count, MOLD_END_OF_SESSION);
    /* Heartbeat and end carry no blocks. */
    static const uint8_t hb_tail[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0};
    assert_int_equal(blanc__mold_parse(hb_tail, sizeof hb_tail, &pk), BLANC_EBADPACKET);
    static const uint8_t end_tail[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 9, 0xff, 0xff, 0};
    assert_int_equal(blanc__mold_parse(end_tail, sizeof end_tail, &pk), BLANC_EBADPACKET);
    /* count says 3, holds 2; count 1 with a block past the end; 0xFFFE tiny. */
    static const uint8_t short3[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 3, 0, 1, 'A', 0, 1, 'B'};
    assert_int_equal(blanc__mold_parse(short3, sizeof short3, &pk), BLANC_EBADPACKET);
    static const uint8_t past[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 5, 'A', 'B'};
    assert_int_equal(blanc__mold_parse(past, sizeof past, &pk), BLANC_EBADPACKET);
    static const uint8_t fffe[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xfe, 0, 0};
    assert_int_equal(blanc__mold_parse(fffe, sizeof fffe, &pk), BLANC_EBADPACKET);
    /* Empty blocks are blocks. */
    static const uint8_t empties[] = {SESS, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0};
    assert_int_equal(blanc__mold_parse(empties, sizeof empties, &pk), 0);
    /* The last number must exist: seq + count - 1 <= 2^64 - 1. */
    static const uint8_t wrap[] = {SESS, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0, 2, 0, 0, 0, 0};
    assert_int_equal(blanc__mold_parse(wrap, sizeof wrap, &pk), BLANC_EBADPACKET);
    static const uint8_t top[] = {SESS, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
                                  0, 1, 0, 0};
    assert_int_equal(blanc__mold_parse(top, sizeof top, &pk), 0);
}

/* Debian's tshark has its own MoldUDP64 dissector: random packets written
 * as a pcap must read the same there (session, sequence number, count, each
 * block's length and number) and be malformed there exactly when they are
 * damaged here, except that tshark does not always object to whole blocks
 * after the counted ones, nor to bytes after a heartbeat or an end of
 * session, where Blanc does (the packet does not add up). */
/* Whether the count's blocks fit and bytes are left after them. */
static int trailing(const uint8_t *p, size_t n)
{
    size_t pos = MOLD_HEADER;
    for (unsigned k = 0; k < blanc_be16(p + 18); k++) {
        if (n - pos < 2 || blanc_be16(p + pos) > n - pos - 2)
            return 0;
        pos += 2u + blanc_be16(p + pos);
    }
    return pos < n;
}

static void put_le32(uint8_t *p, uint32_t v) { blanc_put_le32(p, v); }

static void parse_agrees_with_tshark(void **state)
{
    (void)state;
    if (system("command -v tshark >/dev/null 2>&1") != 0)
        skip();
    enum { NP = 300 };
    static uint8_t pk[NP][1500];
    static size_t plen[NP];
    uint64_t r = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < NP; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        uint8_t *b = pk[i];
        memcpy(b, "SESSION", 7);
        memset(b + 7, ' ', 3);
        b[7] = (uint8_t)('0' + r % 10);
        blanc_put_be64(b + 10, (r >> 8) % 2 ? (r >> 9) : (r >> 20) % 1000);
        unsigned kind = (unsigned)(r >> 40) % 10, count = 1 + (unsigned)(r >> 44) % 8;
        size_t n = MOLD_HEADER;
        if (kind == 0) { /* heartbeat */
            blanc_put_be16(b + 18, 0);
        } else if (kind == 1) { /* end of session */
            blanc_put_be16(b + 18, 0xFFFF);
        } else {
            uint64_t q = r;
            for (unsigned k = 0; k < count; k++) {
                q = q * 6364136223846793005ull + 1442695040888963407ull;
                size_t l = (size_t)(q >> 58);
                blanc_put_be16(b + n, (uint16_t)l);
                for (size_t j = 0; j < l; j++)
                    b[n + 2 + j] = (uint8_t)(q >> (j % 56));
                n += 2 + l;
            }
            unsigned claim = count;
            if (kind == 7) /* a block short */
                n -= 1 + (size_t)((r >> 50) % 3);
            else if (kind == 8) /* trailing bytes */
                n += 1 + (size_t)((r >> 50) % 3);
            else if (kind == 9) /* count off by one */
                claim = (r >> 50) % 2 ? count + 1 : count - 1;
            if (claim == 0)
                claim = count + 1;
            blanc_put_be16(b + 18, (uint16_t)claim);
        }
        plen[i] = n;
    }
    char path[] = "/tmp/blanc-test-mold-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "wb");
    uint8_t gh[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0};
    put_le32(gh + 16, 65535);
    put_le32(gh + 20, 1); /* Ethernet */
    fwrite(gh, 1, sizeof gh, f);
    for (int i = 0; i < NP; i++) {
        uint8_t h[16 + 14 + 20 + 8] = {0};
        size_t frame = 14 + 20 + 8 + plen[i];
        put_le32(h + 0, (uint32_t)i);
        put_le32(h + 8, (uint32_t)frame);
        put_le32(h + 12, (uint32_t)frame);
        uint8_t *e = h + 16;
        memcpy(e, "\x01\x00\x5e\x36\x0c\x01\x00\x11\x22\x33\x44\x55\x08\x00", 14);
        uint8_t *ip = e + 14;
        ip[0] = 0x45;
        blanc_put_be16(ip + 2, (uint16_t)(20 + 8 + plen[i]));
        ip[8] = 64;
        ip[9] = 17;
        blanc_put_be32(ip + 12, 0x0a000001u);
        blanc_put_be32(ip + 16, A_GROUP);
        uint8_t *udp = ip + 20;
        blanc_put_be16(udp, 1234);
        blanc_put_be16(udp + 2, 26400);
        blanc_put_be16(udp + 4, (uint16_t)(8 + plen[i]));
        fwrite(h, 1, sizeof h, f);
        fwrite(pk[i], 1, plen[i], f);
    }
    fclose(f);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "tshark -r %s -d udp.port==26400,moldudp64 -T fields -E occurrence=a "
             "-E aggregator=, -e frame.number -e moldudp64.session -e moldudp64.sequence "
             "-e moldudp64.count -e moldudp64.msglen -e moldudp64.msgseq -e _ws.malformed "
             "2>/dev/null",
             path);
    FILE *t = popen(cmd, "r");
    assert_non_null(t);
    static char line[65536];
    int rows = 0, compared_bad = 0;
    while (fgets(line, sizeof line, t)) {
        char *fld[7] = {0};
        char *p = line;
        for (int k = 0; k < 7; k++) {
            fld[k] = p;
            p = p ? strchr(p, '\t') : NULL;
            if (p)
                *p++ = 0;
        }
        char *nl = fld[6] ? strchr(fld[6], '\n') : NULL;
        if (nl)
            *nl = 0;
        int i = atoi(fld[0]) - 1;
        assert_true(i >= 0 && i < NP);
        rows++;
        mold_packet m;
        int rc = blanc__mold_parse(pk[i], plen[i], &m);
        int malformed = fld[6] && *fld[6];
        uint16_t claim = blanc_be16(pk[i] + 18);
        if (claim == 0 || claim == 0xFFFF) {
            assert_int_equal(rc, 0);
            assert_false(malformed);
        } else {
            /* Damaged there: damaged here. Valid here: valid there. */
            assert_int_equal(rc != 0 || !malformed, 1);
            assert_int_equal(rc == 0 || malformed || trailing(pk[i], plen[i]), 1);
            compared_bad += malformed;
        }
        assert_memory_equal(fld[1], pk[i], 10);
        assert_true(strtoull(fld[2], NULL, 10) == blanc_be64(pk[i] + 10));
        assert_int_equal(atoi(fld[3]), claim);
        if (rc || m.count == 0 || m.count == 0xFFFF)
            continue;
        /* Each block's length and number, in order. */
        char *lens = fld[4], *seqs = fld[5];
        size_t pos = 0;
        for (unsigned k = 0; k < m.count; k++) {
            assert_int_equal(strtoul(lens, &lens, 10), blanc_be16(m.blocks + pos));
            assert_true(strtoull(seqs, &seqs, 10) == m.seq + k);
            if (*lens == ',')
                lens++;
            if (*seqs == ',')
                seqs++;
            pos += 2u + blanc_be16(m.blocks + pos);
        }
        assert_int_equal(*lens, 0);
    }
    pclose(t);
    unlink(path);
    assert_int_equal(rows, NP);
    assert_true(compared_bad > 20);
}

/* ---- building packets --------------------------------------------------- */

/* Message k of a session is 8 bytes: its number, big-endian, so what is
 * handed out can be checked against msg.seq. */
static size_t mk(uint8_t *b, const char *sess, uint64_t seq, uint16_t count)
{
    memset(b, ' ', 10);
    memcpy(b, sess, strlen(sess));
    blanc_put_be64(b + 10, seq);
    blanc_put_be16(b + 18, count);
    size_t n = MOLD_HEADER;
    if (count == MOLD_END_OF_SESSION)
        return n;
    for (uint16_t i = 0; i < count; i++) {
        blanc_put_be16(b + n, 8);
        blanc_put_be64(b + n + 2, seq ? seq + i : 1000000 + i);
        n += 10;
    }
    return n;
}


typedef struct rec {
    uint64_t seq, lost, packet, damage_at, content;
    uint32_t session, damage;
    int null;
} rec;

typedef struct run {
    mold_stream *m;
    rec out[4096];
    size_t n;
    uint64_t packet; /* the next packet number */
    int count_only;  /* hostile runs: count what is handed out, keep nothing */
} run;

static mold_stream *mkstream(const char *const *ch, size_t nch, const char *const *se, size_t nse,
                             uint32_t window, int all)
{
    mold_stream_options o = {ch, nch, se, nse, window, all};
    mold_stream *m;
    assert_int_equal(blanc__mold_stream_create(&m, &o), 0);
    return m;
}

/* Take everything ready, cap at a time, and log it. */
static void drain(run *r, size_t cap)
{
    blanc_msg msgs[64];
    for (;;) {
        int k = blanc__mold_stream_take(r->m, msgs, cap);
        assert_true(k >= 0);
        if (k == 0)
            return;
        for (int i = 0; i < k && r->count_only; i++)
            assert_true(msgs[i].p == NULL || blanc_be64(msgs[i].p) == msgs[i].seq);
        if (r->count_only)
            r->n += (size_t)k;
        for (int i = 0; i < k && !r->count_only; i++) {
            assert_true(r->n < sizeof r->out / sizeof r->out[0]);
            rec *o = &r->out[r->n++];
            memset(o, 0, sizeof *o);
            o->seq = msgs[i].seq;
            o->lost = msgs[i].lost;
            o->packet = msgs[i].packet;
            o->session = msgs[i].session;
            o->damage = msgs[i].damage;
            o->damage_at = msgs[i].damage_at;
            o->null = msgs[i].p == NULL;
            if (msgs[i].damage)
                assert_int_equal(msgs[i].damage_kind, BLANC_AN_BAD_PACKET);
            if (msgs[i].p) {
                assert_int_equal(msgs[i].len, 8);
                o->content = blanc_be64(msgs[i].p);
            }
        }
        blanc__mold_stream_consume(r->m, (size_t)k);
    }
}

static int push(run *r, uint32_t group, const uint8_t *p, size_t n)
{
    mold_origin o = {group, 26400, r->packet, r->packet * 100, r->packet * 1000};
    r->packet++;
    int rc = blanc__mold_stream_push(r->m, &o, p, n);
    drain(r, 64);
    return rc;
}

static int sendp(run *r, uint32_t group, const char *sess, uint64_t seq, uint16_t count)
{
    uint8_t b[20 + 10 * 64];
    assert_true(count <= 64 || count == MOLD_END_OF_SESSION);
    return push(r, group, b, mk(b, sess, seq, count));
}

static void start(run *r, mold_stream *m)
{
    memset(r, 0, sizeof *r);
    r->m = m;
    r->packet = 1;
}

/* The log holds exactly seqs from..to in order, each with its own content. */
static void expect_range(const run *r, size_t at, uint64_t from, uint64_t to)
{
    for (uint64_t s = from; s <= to; s++, at++) {
        assert_true(at < r->n);
        assert_true(r->out[at].seq == s);
        assert_true(r->out[at].content == s);
    }
}

static blanc_transport_stats stats(const run *r)
{
    blanc_transport_stats st;
    blanc__mold_stream_stats(r->m, &st);
    return st;
}

/* ---- rules --------------------------------------------------------------- */

static void in_order_and_heartbeats(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    assert_int_equal(sendp(&r, A_GROUP, "S1", 1, 3), 0);
    assert_int_equal(sendp(&r, A_GROUP, "S1", 4, 0), 0); /* heartbeat at next */
    assert_int_equal(sendp(&r, A_GROUP, "S1", 4, 2), 0);
    assert_int_equal(sendp(&r, A_GROUP, "S1", 6, 0), 0);
    assert_int_equal(r.n, 5);
    expect_range(&r, 0, 1, 5);
    assert_int_equal(r.out[0].packet, 1);
    assert_int_equal(r.out[3].packet, 3);
    assert_int_equal(r.out[0].session, 1);
    assert_string_equal(blanc__mold_stream_session_name(r.m, 1), "S1");
    assert_null(blanc__mold_stream_session_name(r.m, 2));
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.packets, 4);
    assert_int_equal(st.messages, 5);
    assert_int_equal(st.heartbeats, 2);
    assert_int_equal(st.sessions, 1);
    assert_int_equal(st.gaps + st.duplicates + st.out_of_order + st.arbitrated, 0);
    assert_false(blanc__mold_stream_ended(r.m));
    blanc__mold_stream_free(r.m);
}

/* The live feed's give-up (feed_udp.c): only the lowest hole goes, what it
 * blocked comes out up to the next hole, which stays held (flush would give
 * up both at once). */
static void give_up_takes_one_hole(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S1", 1, 2);  /* 1-2 */
    sendp(&r, A_GROUP, "S2", 1, 1);  /* another session: not selected */
    sendp(&r, A_GROUP, "S1", 4, 1);  /* 3 missing */
    sendp(&r, A_GROUP, "S1", 6, 0);  /* a heartbeat: 5 missing too */
    sendp(&r, A_GROUP, "S1", 7, 2);  /* 6 missing: 7-8 */
    assert_int_equal(r.n, 2);
    assert_int_equal(blanc__mold_stream_session_index(r.m, "S1        "), 1);
    assert_int_equal(blanc__mold_stream_session_index(r.m, "S2        "), 2);
    assert_int_equal(blanc__mold_stream_session_index(r.m, "S3        "), 0);
    uint64_t next = 0;
    assert_int_equal(blanc__mold_stream_give_up_hole(r.m, 2, &next), 0); /* nothing held */
    assert_int_equal(blanc__mold_stream_give_up_hole(r.m, 1, &next), 1);
    assert_true(next == 5); /* 3 lost, 4 out; 5 is the next hole */
    drain(&r, 64);
    assert_int_equal(r.n, 3);
    assert_true(r.out[2].seq == 4 && r.out[2].lost == 1);
    uint32_t sess;
    uint64_t from, count;
    assert_int_equal(blanc__mold_stream_missing(r.m, &sess, &from, &count), 1);
    assert_true(sess == 1 && from == 5 && count == 1);
    /* The heartbeat's hole: 5 lost, the heartbeat says 6 is next, 7-8 stay. */
    assert_int_equal(blanc__mold_stream_give_up_hole(r.m, 1, &next), 1);
    assert_true(next == 6);
    drain(&r, 64);
    assert_int_equal(r.n, 3);
    sendp(&r, A_GROUP, "S1", 6, 1); /* the next hole filled as usual */
    assert_int_equal(r.n, 6);
    expect_range(&r, 3, 6, 8);
    assert_true(r.out[3].lost == 1); /* 5, carried by the next message */
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.gaps, 2);
    assert_int_equal(st.lost_messages, 2);
    assert_int_equal(blanc__mold_stream_give_up_hole(r.m, 1, &next), 0);
    assert_int_equal(blanc__mold_stream_give_up_hole(r.m, 9, &next), 0);
    blanc__mold_stream_free(r.m);
}

static void gap_is_declared_past_the_window(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 4, 0));
    sendp(&r, A_GROUP, "S", 1, 2);                 /* 1-2 */
    for (uint64_t s = 6; s < 6 + 4 * 2; s += 2)   /* 6-7 8-9 10-11 12-13 held: 4 */
        sendp(&r, A_GROUP, "S", s, 2);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.m->sessions[0].nheld, 4);
    sendp(&r, A_GROUP, "S", 16, 1); /* a fifth held: 3-5 are lost */
    assert_int_equal(r.n, 2 + 8);
    expect_range(&r, 2, 6, 13);
    assert_true(r.out[2].lost == 3); /* seq 6 - 3 .. 5 */
    assert_true(r.out[3].lost == 0);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.lost_messages, 3);
    assert_int_equal(st.out_of_order, 0); /* held behind a loss, in order */
    /* 16 is still held; flush declares 14-15. */
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 11);
    assert_true(r.out[10].seq == 16 && r.out[10].lost == 2);
    st = stats(&r);
    assert_int_equal(st.gaps, 2);
    assert_int_equal(st.lost_messages, 5);
    mold_session_info in;
    assert_int_equal(blanc__mold_stream_info_count(r.m), 1);
    assert_int_equal(blanc__mold_stream_info(r.m, 0, &in), 0);
    assert_int_equal(in.gaps, 2);
    assert_int_equal(in.lost, 5);
    assert_int_equal(in.first_seq, 1);
    assert_int_equal(in.last_seq, 16);
    assert_int_equal(in.messages, 11);
    uint64_t from, to;
    assert_int_equal(blanc__mold_stream_gap(r.m, 0, 0, &from, &to), 0);
    assert_true(from == 3 && to == 5);
    assert_int_equal(blanc__mold_stream_gap(r.m, 0, 1, &from, &to), 0);
    assert_true(from == 14 && to == 15);
    assert_int_equal(blanc__mold_stream_gap(r.m, 0, 2, &from, &to), BLANC_ENOTFOUND);
    /* The late 3-5 now: not delivered (the stream went on without them), not
     * copies (nothing of 3-5 came before), but late, and still lost. */
    sendp(&r, A_GROUP, "S", 3, 3);
    assert_int_equal(r.n, 11);
    st = stats(&r);
    assert_int_equal(st.late, 3);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.lost_messages, 5);
    assert_int_equal(blanc__mold_stream_info(r.m, 0, &in), 0);
    assert_int_equal(in.late, 3);
    assert_int_equal(in.lost, 5);
    /* 5-7: 5 lost (late), 6-7 delivered (a copy); 13-15: 13 delivered, 14-15 lost. */
    sendp(&r, A_GROUP, "S", 5, 3);
    sendp(&r, A_GROUP, "S", 13, 3);
    assert_int_equal(r.n, 11);
    st = stats(&r);
    assert_int_equal(st.late, 3 + 1 + 2);
    assert_int_equal(st.duplicates, 2 + 1);
    blanc__mold_stream_free(r.m);
}

/* On the other line, a late packet is still late (no line had it), and a
 * copy of a number one line delivered is arbitrated. */
/* A window of 2 on line A: 1, then 3, 4 and 5 held, the third held past the
 * window: 2 is lost. */
static void lose_2(run *r)
{
    start(r, mkstream(NULL, 0, NULL, 0, 2, 0));
    sendp(r, A_GROUP, "S", 1, 1);
    sendp(r, A_GROUP, "S", 3, 1);
    sendp(r, A_GROUP, "S", 4, 1);
    sendp(r, A_GROUP, "S", 5, 1);
    assert_int_equal(stats(r).lost_messages, 1);
}

static void late_on_the_other_line(void **state)
{
    (void)state;
    run r;
    lose_2(&r);
    sendp(&r, B_GROUP, "S", 1, 2); /* 1 a copy from the other line, 2 late */
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.arbitrated, 1);
    assert_int_equal(st.late, 1);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.lost_messages, 1);
    assert_int_equal(r.n, 4);
    blanc__mold_stream_free(r.m);
}

/* Version 1 and 2 blobs (before the late counters; before the runs of won
 * numbers) restore, with late 0 and no runs: built from a version 3 one by
 * taking out its two late fields and each session's runs. */
static void restore_reads_version_1(void **state)
{
    (void)state;
    run r;
    lose_2(&r);
    sendp(&r, A_GROUP, "S", 2, 1); /* late */
    blanc_transport_stats want = stats(&r);
    assert_int_equal(want.late, 1);
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__mold_stream_save(r.m, &blob, &len), 0);
    /* Layout (mold_save.c): magic, version, 12 counters (late last), damage u32
     * u64, two u8, sessions u32; the session: name 10, three u8, next u64,
     * last pair u32, pending lost, gaps, lost u64, ranges u32 + 16 each,
     * runs u32 + 20 each (version 3), held u32 (none here); pairs u32; the
     * pair: group u32, port u16, session u32, 11 counters (late last), three
     * u8. */
    assert_int_equal(blanc_le32(blob + 4), 3);
    size_t stats_late = 8 + 11 * 8;
    size_t sess = 8 + 12 * 8 + 4 + 8 + 1 + 1 + 4;
    assert_int_equal(blanc_le32(blob + sess - 4), 1);
    size_t ranges_at = sess + 10 + 3 + 8 + 4 + 8 + 8 + 8;
    uint32_t nranges = blanc_le32(blob + ranges_at);
    assert_int_equal(nranges, 1);
    size_t wins_at = ranges_at + 4 + 16 * nranges;
    uint32_t nwins = blanc_le32(blob + wins_at);
    assert_int_equal(nwins, 2); /* 1, then 3.. after the gap */
    size_t held_at = wins_at + 4 + 20 * nwins;
    assert_int_equal(blanc_le32(blob + held_at), 0);
    size_t pairs_at = held_at + 4;
    assert_int_equal(blanc_le32(blob + pairs_at), 1);
    size_t pair_late = pairs_at + 4 + 4 + 2 + 4 + 10 * 8;
    assert_int_equal(blanc_le64(blob + stats_late), 1);
    assert_int_equal(blanc_le64(blob + pair_late), 1);
    uint8_t *v1 = malloc(len), *v2 = malloc(len);
    assert_non_null(v1);
    assert_non_null(v2);
    size_t n = 0, n2 = 0;
    for (size_t i = 0; i < len; i++) {
        if (i >= wins_at && i < held_at)
            continue;
        v2[n2++] = blob[i];
        if (!(i >= stats_late && i < stats_late + 8) && !(i >= pair_late && i < pair_late + 8))
            v1[n++] = blob[i];
    }
    blanc_put_le32(v1 + 4, 1);
    blanc_put_le32(v2 + 4, 2);
    mold_stream *m = mkstream(NULL, 0, NULL, 0, 2, 0);
    assert_int_equal(blanc__mold_stream_restore(m, v2, n2), 0);
    blanc_transport_stats got2;
    blanc__mold_stream_stats(m, &got2);
    assert_memory_equal(&got2, &want, sizeof got2);
    assert_int_equal(blanc__mold_stream_restore(m, v1, n), 0);
    blanc_transport_stats got;
    blanc__mold_stream_stats(m, &got);
    want.late = 0;
    assert_memory_equal(&got, &want, sizeof got);
    mold_session_info in;
    assert_int_equal(blanc__mold_stream_info(m, 0, &in), 0);
    assert_int_equal(in.late, 0);
    assert_int_equal(in.lost, 1);
    /* A gap range upside down, or reaching the next number, is refused. */
    uint64_t from = blanc_le64(blob + ranges_at + 4), to = blanc_le64(blob + ranges_at + 12);
    uint64_t next = blanc_le64(blob + sess + 10 + 3);
    assert_true(from <= to && to < next);
    blanc_put_le64(blob + ranges_at + 4, to + 1);
    assert_int_equal(blanc__mold_stream_restore(m, blob, len), BLANC_EBADSNAP);
    blanc_put_le64(blob + ranges_at + 4, from);
    blanc_put_le64(blob + ranges_at + 12, next);
    assert_int_equal(blanc__mold_stream_restore(m, blob, len), BLANC_EBADSNAP);
    blanc_put_le64(blob + ranges_at + 12, to);
    assert_int_equal(blanc__mold_stream_restore(m, blob, len), 0);
    /* A version from the future is refused. */
    blanc_put_le32(blob + 4, 4);
    assert_int_equal(blanc__mold_stream_restore(m, blob, len), BLANC_EBADSNAP);
    free(v1);
    free(v2);
    free(blob);
    blanc__mold_stream_free(m);
    blanc__mold_stream_free(r.m);
}

/* Two lost packets with a heartbeat between them (generated captures have
 * one after each quiet second): the hole is learnt in two steps, but it is
 * one run of missing numbers, one gap with one range; and the packets held
 * behind it came in order. */
static void a_heartbeat_between_losses_is_one_gap(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 2, 0));
    sendp(&r, A_GROUP, "S", 1, 1);
    sendp(&r, A_GROUP, "S", 2, 0); /* heartbeat; data 2 lost */
    sendp(&r, A_GROUP, "S", 3, 0); /* heartbeat; data 3 lost */
    sendp(&r, A_GROUP, "S", 4, 1);
    sendp(&r, A_GROUP, "S", 5, 1);
    sendp(&r, A_GROUP, "S", 6, 1);
    sendp(&r, A_GROUP, "S", 7, 1);
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 5);
    expect_range(&r, 1, 4, 7);
    assert_true(r.out[1].lost == 2);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.lost_messages, 2);
    assert_int_equal(st.out_of_order, 0);
    mold_session_info in;
    assert_int_equal(blanc__mold_stream_info(r.m, 0, &in), 0);
    assert_int_equal(in.gaps, 1);
    assert_int_equal(in.out_of_order, 0);
    uint64_t from, to;
    assert_int_equal(blanc__mold_stream_gap(r.m, 0, 0, &from, &to), 0);
    assert_true(from == 2 && to == 3);
    assert_int_equal(blanc__mold_stream_gap(r.m, 0, 1, &from, &to), BLANC_ENOTFOUND);
    blanc__mold_stream_free(r.m);
}

/* Out of order is a packet that comes after a higher number: one late
 * packet is one, however many came before it. */
static void out_of_order_counts_the_late_packet(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S", 1, 1);
    sendp(&r, A_GROUP, "S", 3, 1);
    sendp(&r, A_GROUP, "S", 4, 0); /* heartbeat after 3 */
    sendp(&r, A_GROUP, "S", 4, 1);
    sendp(&r, A_GROUP, "S", 2, 1); /* late: behind 3 and 4 */
    assert_int_equal(r.n, 4);
    expect_range(&r, 0, 1, 4);
    assert_int_equal(stats(&r).out_of_order, 1);
    sendp(&r, A_GROUP, "S", 7, 1);
    sendp(&r, A_GROUP, "S", 6, 1); /* late: behind 7, held */
    sendp(&r, A_GROUP, "S", 5, 1); /* late */
    assert_int_equal(r.n, 7);
    assert_int_equal(stats(&r).out_of_order, 3);
    assert_int_equal(stats(&r).gaps, 0);
    blanc__mold_stream_free(r.m);
}

static void reorder_inside_the_window(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    uint32_t ms;
    uint64_t from, count;
    sendp(&r, A_GROUP, "S", 1, 1);
    assert_int_equal(blanc__mold_stream_missing(r.m, &ms, &from, &count), 0);
    sendp(&r, A_GROUP, "S", 4, 1);
    assert_int_equal(blanc__mold_stream_missing(r.m, &ms, &from, &count), 1);
    assert_true(ms == 1 && from == 2 && count == 2);
    sendp(&r, A_GROUP, "S", 3, 1);
    sendp(&r, A_GROUP, "S", 4, 1); /* a duplicate of a held packet */
    assert_int_equal(r.n, 1);
    assert_int_equal(blanc__mold_stream_missing(r.m, &ms, &from, &count), 1);
    assert_true(from == 2 && count == 1);
    sendp(&r, A_GROUP, "S", 2, 1);
    assert_int_equal(blanc__mold_stream_missing(r.m, &ms, &from, &count), 0);
    assert_int_equal(r.n, 4);
    expect_range(&r, 0, 1, 4);
    for (size_t i = 0; i < 4; i++)
        assert_true(r.out[i].lost == 0);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.out_of_order, 2);
    assert_int_equal(st.duplicates, 1);
    assert_int_equal(st.gaps, 0);
    sendp(&r, A_GROUP, "S", 2, 2); /* all delivered already */
    assert_int_equal(stats(&r).duplicates, 3);
    blanc__mold_stream_free(r.m);
}

static void overlap_delivers_only_the_new(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S", 1, 3);
    sendp(&r, A_GROUP, "S", 2, 4); /* 2-3 old, 4-5 new */
    sendp(&r, A_GROUP, "S", 7, 2); /* held */
    sendp(&r, A_GROUP, "S", 5, 3); /* 5 old, 6 new, 7 new: the held 7-8 then gives only 8 */
    expect_range(&r, 0, 1, 8);
    assert_int_equal(r.n, 8);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.duplicates, 2 + 1 + 1);
    assert_int_equal(st.gaps, 0);
    blanc__mold_stream_free(r.m);
}

static void ab_lines_fill_each_other(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    /* A loses 3 and 6, B loses 2 and 5; B runs one packet behind. */
    static const uint64_t a[] = {1, 2, 4, 5, 7}, b[] = {1, 3, 4, 6, 7};
    sendp(&r, A_GROUP, "S", a[0], 1);
    for (size_t i = 1; i < 5; i++) {
        sendp(&r, A_GROUP, "S", a[i], 1);
        sendp(&r, B_GROUP, "S", b[i - 1], 1);
    }
    sendp(&r, B_GROUP, "S", b[4], 1);
    assert_int_equal(r.n, 7);
    expect_range(&r, 0, 1, 7);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.arbitrated, 3); /* B's 1, 4, 7 */
    assert_int_equal(st.lost_messages, 0);
    assert_int_equal(blanc__mold_stream_info_count(r.m), 2);
    mold_session_info ia, ib;
    blanc__mold_stream_info(r.m, 0, &ia);
    blanc__mold_stream_info(r.m, 1, &ib);
    assert_true(ia.group == A_GROUP && ib.group == B_GROUP && ia.port == 26400);
    assert_int_equal(ia.packets, 5);
    assert_int_equal(ib.arbitrated, 3);
    assert_int_equal(ia.arbitrated, 0);
    /* A message lost on both lines is lost, once. */
    sendp(&r, A_GROUP, "S", 9, 1);
    sendp(&r, B_GROUP, "S", 9, 1);
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 8);
    assert_true(r.out[7].seq == 9 && r.out[7].lost == 1);
    assert_int_equal(stats(&r).lost_messages, 1);
    blanc__mold_stream_free(r.m);
}

/* A copy is a duplicate on the line that delivered its number and
 * arbitrated on the other, whichever line delivered last; across a save and
 * restore too. Expected counts: by hand, per number, from the arrivals. */
static void copies_go_by_the_winner(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S", 1, 1); /* A wins 1 */
    sendp(&r, B_GROUP, "S", 1, 1); /* arbitrated */
    sendp(&r, A_GROUP, "S", 3, 1); /* held */
    sendp(&r, B_GROUP, "S", 2, 1); /* B wins 2, then A's 3 goes: A wins 3 */
    sendp(&r, B_GROUP, "S", 3, 1); /* arbitrated */
    sendp(&r, A_GROUP, "S", 2, 1); /* arbitrated: B won 2 (A delivered last) */
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.duplicates, 0);
    assert_int_equal(st.arbitrated, 3);
    /* A wins 4..13, B 14..23; A sends 4..13 again: ten duplicates of A's,
     * though B delivered last. Then B repeats 12..15 (A won 12, 13; B 14, 15). */
    sendp(&r, A_GROUP, "S", 4, 10);
    sendp(&r, B_GROUP, "S", 14, 10);
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__mold_stream_save(r.m, &blob, &len), 0);
    assert_int_equal(blanc__mold_stream_restore(r.m, blob, len), 0);
    free(blob);
    sendp(&r, A_GROUP, "S", 4, 10);
    sendp(&r, B_GROUP, "S", 12, 4);
    st = stats(&r);
    assert_int_equal(st.duplicates, 10 + 2);
    assert_int_equal(st.arbitrated, 3 + 2);
    mold_session_info ia, ib;
    blanc__mold_stream_info(r.m, 0, &ia);
    blanc__mold_stream_info(r.m, 1, &ib);
    assert_true(ia.group == A_GROUP && ib.group == B_GROUP);
    assert_int_equal(ia.duplicates, 10);
    assert_int_equal(ia.arbitrated, 1);
    assert_int_equal(ib.duplicates, 2);
    assert_int_equal(ib.arbitrated, 4);
    assert_int_equal(st.lost_messages, 0);
    blanc__mold_stream_free(r.m);
}

static void end_of_session(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S", 1, 2);
    sendp(&r, A_GROUP, "S", 4, MOLD_END_OF_SESSION); /* early: 3 is missing */
    assert_false(blanc__mold_stream_ended(r.m));
    sendp(&r, A_GROUP, "S", 3, 1);
    assert_true(blanc__mold_stream_ended(r.m));
    expect_range(&r, 0, 1, 3);
    mold_session_info in;
    blanc__mold_stream_info(r.m, 0, &in);
    assert_true(in.ended);
    blanc__mold_stream_free(r.m);
    /* An end that the window overruns is reached through a gap. */
    start(&r, mkstream(NULL, 0, NULL, 0, 2, 0));
    sendp(&r, A_GROUP, "S", 1, 1);
    sendp(&r, A_GROUP, "S", 5, 1);
    sendp(&r, A_GROUP, "S", 6, MOLD_END_OF_SESSION);
    assert_false(blanc__mold_stream_ended(r.m));
    blanc__mold_stream_flush(r.m);
    assert_true(blanc__mold_stream_ended(r.m));
    blanc__mold_stream_free(r.m);
}

static void session_selection(void **state)
{
    (void)state;
    run r;
    /* Default: the first session seen; the others are skipped and counted. */
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    assert_int_equal(sendp(&r, A_GROUP, "FIRST", 1, 1), 0);
    assert_int_equal(sendp(&r, A_GROUP, "OTHER", 1, 1), 1);
    assert_int_equal(sendp(&r, A_GROUP, "FIRST", 2, 1), 0);
    assert_int_equal(r.n, 2);
    blanc_transport_stats st = stats(&r);
    assert_int_equal(st.skipped, 1);
    assert_int_equal(st.sessions, 2);
    assert_int_equal(blanc__mold_stream_selected(r.m), 1);
    blanc__mold_stream_free(r.m);
    /* By name, trailing spaces optional. */
    static const char *const names[] = {"OTHER", "THIRD     "};
    start(&r, mkstream(NULL, 0, names, 2, 0, 0));
    assert_int_equal(sendp(&r, A_GROUP, "FIRST", 1, 1), 1);
    assert_int_equal(sendp(&r, A_GROUP, "OTHER", 7, 1), 0);
    assert_int_equal(sendp(&r, A_GROUP, "THIRD", 3, 1), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.out[0].session, 2);
    assert_true(r.out[0].seq == 7);
    assert_int_equal(r.out[1].session, 3);
    assert_string_equal(blanc__mold_stream_session_name(r.m, 3), "THIRD");
    blanc__mold_stream_free(r.m);
    /* account_all: every session is sequenced. */
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 1));
    sendp(&r, A_GROUP, "X", 1, 1);
    sendp(&r, A_GROUP, "Y", 5, 1);
    sendp(&r, A_GROUP, "Y", 6, 1);
    assert_int_equal(r.n, 3);
    assert_int_equal(stats(&r).skipped, 0);
    blanc__mold_stream_free(r.m);
    /* Bad names. */
    static const char *const bad[] = {"ELEVENCHARS"};
    static const char *const empty[] = {""};
    mold_stream_options o = {NULL, 0, bad, 1, 0, 0};
    mold_stream *m;
    assert_int_equal(blanc__mold_stream_create(&m, &o), BLANC_EINVAL);
    o.sessions = empty;
    assert_int_equal(blanc__mold_stream_create(&m, &o), BLANC_EINVAL);
}

static void channel_selection(void **state)
{
    (void)state;
    static const char *const one[] = {"233.54.12.1:26400"};
    run r;
    start(&r, mkstream(one, 1, NULL, 0, 0, 0));
    assert_int_equal(sendp(&r, B_GROUP, "S", 1, 1), 1); /* other group: skipped */
    assert_int_equal(sendp(&r, A_GROUP, "S", 1, 1), 0);
    uint8_t b[64];
    mold_origin o = {A_GROUP, 26401, 9, 900, 0};
    assert_int_equal(blanc__mold_stream_push(r.m, &o, b, mk(b, "S", 2, 1)), 1);
    assert_int_equal(stats(&r).skipped, 2);
    blanc__mold_stream_free(r.m);
    static const char *const port[] = {":26400"};
    start(&r, mkstream(port, 1, NULL, 0, 0, 0));
    assert_int_equal(sendp(&r, B_GROUP, "S", 1, 1), 0);
    assert_int_equal(sendp(&r, A_GROUP, "S", 2, 1), 0);
    assert_int_equal(blanc__mold_stream_push(r.m, &o, b, mk(b, "S", 3, 1)), 1);
    blanc__mold_stream_free(r.m);
    static const char *const bad[] = {"1.2.3:5",     "1.2.3.4",     "1.2.3.256:1", "a.b.c.d:1",
                                      ":0",          ":65536",      "1.2.3.4:1x",  "1..3.4:9",
                                      "1.2.3.4.5:9", "1.2.3.4:",    ":",           ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mold_stream_options opt = {&bad[i], 1, NULL, 0, 0, 0};
        mold_stream *m;
        assert_int_equal(blanc__mold_stream_create(&m, &opt), BLANC_EINVAL);
    }
}

/* A retransmission server's answers (push_answer): recovered counts the
 * numbers they make ready first, whether at once or from held; not copies of
 * what the feed already had, and not the parts of an answer that overlap. */
static void answers_count_what_they_recover(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    uint8_t b[256];
    mold_origin o = {A_GROUP, 26400, 1, 0, 0};
    assert_int_equal(sendp(&r, A_GROUP, "S", 1, 2), 0);   /* 1..2 */
    assert_int_equal(sendp(&r, A_GROUP, "S", 6, 2), 0);   /* held: 3..5 missing */
    assert_int_equal(sendp(&r, A_GROUP, "S", 10, 1), 0);  /* held: 8..9 missing */
    assert_int_equal(blanc__mold_stream_push_answer(r.m, &o, b, mk(b, "S", 8, 2)), 0);
    assert_int_equal(blanc__mold_stream_recovered(r.m), 0); /* held behind 3..5 */
    assert_int_equal(blanc__mold_stream_push_answer(r.m, &o, b, mk(b, "S", 1, 5)), 0);
    drain(&r, 64); /* 3..5 new (1..2 copies), then the held 8..9 */
    assert_int_equal(blanc__mold_stream_recovered(r.m), 5);
    assert_int_equal(blanc__mold_stream_push_answer(r.m, &o, b, mk(b, "S", 1, 3)), 0);
    assert_int_equal(sendp(&r, A_GROUP, "S", 11, 1), 0); /* the feed's own: not counted */
    assert_int_equal(blanc__mold_stream_recovered(r.m), 5);
    assert_int_equal(r.n, 11);
    assert_int_equal(stats(&r).lost_messages, 0);
    blanc__mold_stream_free(r.m);
}

static void unsequenced_pass_in_arrival_order(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    assert_false(blanc__mold_stream_unsequenced(r.m));
    sendp(&r, A_GROUP, "ANON", 0, 2);
    sendp(&r, A_GROUP, "ANON", 0, 1);
    assert_true(blanc__mold_stream_unsequenced(r.m));
    assert_int_equal(r.n, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(r.out[i].seq == 0);
        assert_true(r.out[i].lost == 0);
    }
    assert_true(r.out[0].content == 1000000 && r.out[1].content == 1000001);
    assert_true(r.out[2].content == 1000000);
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 3);
    assert_int_equal(stats(&r).gaps, 0);
    blanc__mold_stream_free(r.m);
}

static void damage_goes_with_the_next_message(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    sendp(&r, A_GROUP, "S", 1, 1);
    static const uint8_t junk[] = {1, 2, 3};
    assert_int_equal(push(&r, A_GROUP, junk, sizeof junk), BLANC_EBADPACKET); /* packet 2 */
    assert_int_equal(push(&r, A_GROUP, junk, sizeof junk), BLANC_EBADPACKET); /* packet 3 */
    sendp(&r, A_GROUP, "S", 2, 2);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.out[0].damage, 0);
    assert_int_equal(r.out[1].damage, 2);
    assert_true(r.out[1].damage_at == 200);
    assert_int_equal(r.out[2].damage, 0);
    assert_int_equal(stats(&r).bad_packets, 2);
    /* Damage and loss at the very end come on a message-less mark. */
    sendp(&r, A_GROUP, "S", 6, 1);
    push(&r, A_GROUP, junk, sizeof junk);
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 4);
    /* The junk came after 6 in the capture, but 6 is handed out after it. */
    assert_true(r.out[3].seq == 6 && r.out[3].lost == 2 && r.out[3].damage == 1);
    push(&r, A_GROUP, junk, sizeof junk);
    blanc__mold_stream_flush(r.m);
    drain(&r, 64);
    assert_int_equal(r.n, 5);
    assert_true(r.out[4].null && r.out[4].damage == 1 && r.out[4].session == 0);
    blanc__mold_stream_free(r.m);
}

/* ---- random captures against a set model -------------------------------- */

typedef struct arrival {
    uint32_t group;
    uint64_t seq;
    uint16_t count;
    double t;
} arrival;

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static int by_time(const void *a, const void *b)
{
    double x = ((const arrival *)a)->t, y = ((const arrival *)b)->t;
    return x < y ? -1 : x > y;
}

#define NPK 120
/* NPK packets of 1-3 messages, each line dropping ~10%, jittered by up to 3
 * packet times, B lagging by up to 5: far less than the window (64), so the
 * model is exact: delivered = arrived on either line, lost = the rest. */
static size_t scenario(uint64_t seed, unsigned loss_pct, arrival *arr, uint8_t *have,
                       uint64_t *maxseq)
{
    uint64_t s = seed * 2654435761u + 1;
    size_t n = 0;
    uint64_t seq = 1;
    double lag = (double)(rng(&s) % 6);
    memset(have, 0, 4 * NPK);
    *maxseq = 0;
    for (int i = 0; i < NPK; i++) {
        uint16_t c = (uint16_t)(1 + rng(&s) % 3);
        for (int line = 0; line < 2; line++) {
            if (i > 0 && rng(&s) % 100 < loss_pct)
                continue;
            arrival *a = &arr[n++];
            a->group = line ? B_GROUP : A_GROUP;
            a->seq = seq;
            a->count = c;
            a->t = i + (i ? (double)(rng(&s) % 300) / 100.0 : -10.0) + (line ? lag : 0);
            for (uint16_t k = 0; k < c; k++)
                have[seq + k] = 1;
            if (seq + c - 1 > *maxseq)
                *maxseq = seq + c - 1;
        }
        seq += c;
    }
    qsort(arr, n, sizeof *arr, by_time);
    return n;
}

static void random_ab_captures_match_the_set_model(void **state)
{
    (void)state;
    static arrival arr[2 * NPK];
    static uint8_t have[4 * NPK];
    static run r;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        uint64_t maxseq;
        size_t n = scenario(seed, 10, arr, have, &maxseq);
        start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
        uint64_t copies = 0;
        for (size_t i = 0; i < n; i++) {
            sendp(&r, arr[i].group, "S", arr[i].seq, arr[i].count);
            copies += arr[i].count;
        }
        blanc__mold_stream_flush(r.m);
        drain(&r, 64);
        /* Delivered: exactly the numbers that arrived, ascending; each
         * message's lost = the missing run just before it. */
        size_t at = 0;
        uint64_t lost = 0, gaps = 0, total_lost = 0, distinct = 0, run_len = 0;
        for (uint64_t q = 1; q <= maxseq; q++) {
            if (!have[q]) {
                run_len++;
                continue;
            }
            distinct++;
            assert_true(at < r.n);
            assert_true(r.out[at].seq == q && r.out[at].content == q);
            assert_true(r.out[at].lost == run_len);
            if (run_len) {
                uint64_t from, to;
                assert_int_equal(blanc__mold_stream_gap(r.m, 0, gaps, &from, &to), 0);
                assert_true(from == q - run_len && to == q - 1);
                gaps++;
                total_lost += run_len;
            }
            run_len = 0;
            at++;
        }
        (void)lost;
        assert_int_equal(at, r.n);
        blanc_transport_stats st = stats(&r);
        assert_int_equal(st.gaps, gaps);
        assert_int_equal(st.lost_messages, total_lost);
        assert_int_equal(st.messages, distinct);
        assert_int_equal(st.duplicates + st.arbitrated, copies - distinct);
        blanc__mold_stream_free(r.m);
    }
}

/* ---- save / restore -------------------------------------------------------- */

/* Run the scenario; at the c-th message consumed, save, restore into a
 * fresh stream and go on there. c = SIZE_MAX: uninterrupted. */
static void run_cut(uint64_t seed, size_t c, size_t take_cap, run *r, blanc_transport_stats *st)
{
    static arrival arr[2 * NPK];
    static uint8_t have[4 * NPK];
    uint64_t maxseq;
    size_t n = scenario(seed, 30, arr, have, &maxseq);
    start(r, mkstream(NULL, 0, NULL, 0, 8, 0)); /* a small window: gaps and late copies */
    int cut = 0;
    blanc_msg msgs[64];
    static const uint8_t junk[] = {0, 1};
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            uint8_t b[20 + 10 * 64];
            size_t len = mk(b, "S", arr[i].seq, arr[i].count);
            mold_origin o = {arr[i].group, 26400, r->packet, r->packet * 100, 0};
            r->packet++;
            if (i % 37 == 5)
                blanc__mold_stream_push(r->m, &o, junk, sizeof junk);
            int rc = blanc__mold_stream_push(r->m, &o, b, len);
            assert_true(rc == 0);
        } else {
            blanc__mold_stream_flush(r->m);
        }
        for (;;) {
            int k = blanc__mold_stream_take(r->m, msgs, take_cap);
            if (k == 0)
                break;
            size_t use = (size_t)k;
            if (!cut && r->n + use > c)
                use = c - r->n;
            for (size_t j = 0; j < use; j++) {
                rec *o = &r->out[r->n++];
                memset(o, 0, sizeof *o);
                o->seq = msgs[j].seq;
                o->lost = msgs[j].lost;
                o->packet = msgs[j].packet;
                o->damage = msgs[j].damage;
                o->damage_at = msgs[j].damage_at;
                o->content = msgs[j].p ? blanc_be64(msgs[j].p) : 0;
            }
            blanc__mold_stream_consume(r->m, use);
            if (!cut && r->n == c) {
                uint8_t *blob;
                size_t len;
                assert_int_equal(blanc__mold_stream_save(r->m, &blob, &len), 0);
                blanc__mold_stream_free(r->m);
                r->m = mkstream(NULL, 0, NULL, 0, 8, 0);
                assert_int_equal(blanc__mold_stream_restore(r->m, blob, len), 0);
                /* Saving the restored state gives the same bytes. */
                uint8_t *again;
                size_t len2;
                assert_int_equal(blanc__mold_stream_save(r->m, &again, &len2), 0);
                assert_int_equal(len, len2);
                assert_memory_equal(blob, again, len);
                free(again);
                free(blob);
                cut = 1;
            }
        }
    }
    blanc__mold_stream_stats(r->m, st);
}

static void save_restore_at_every_consume_point(void **state)
{
    (void)state;
    static run whole, part;
    for (uint64_t seed = 1; seed <= 3; seed++) {
        blanc_transport_stats sw, sp;
        run_cut(seed, SIZE_MAX, 5, &whole, &sw);
        assert_true(sw.gaps > 0 && sw.bad_packets > 0);
        for (size_t c = 0; c <= whole.n; c++) {
            run_cut(seed, c, 5, &part, &sp);
            assert_int_equal(part.n, whole.n);
            assert_memory_equal(part.out, whole.out, whole.n * sizeof whole.out[0]);
            assert_memory_equal(&sp, &sw, sizeof sw);
            blanc__mold_stream_free(part.m);
        }
        blanc__mold_stream_free(whole.m);
    }
}

static void restore_rejects_damaged_blobs(void **state)
{
    (void)state;
    run r;
    start(&r, mkstream(NULL, 0, NULL, 0, 8, 0));
    sendp(&r, A_GROUP, "S", 1, 2);
    sendp(&r, A_GROUP, "S", 5, 2); /* held */
    uint8_t b[64];
    mold_origin o = {A_GROUP, 26400, 9, 900, 0};
    blanc__mold_stream_push(r.m, &o, b, mk(b, "S", 3, 1)); /* ready, not taken */
    uint8_t *blob;
    size_t len;
    assert_int_equal(blanc__mold_stream_save(r.m, &blob, &len), 0);
    mold_stream *m = mkstream(NULL, 0, NULL, 0, 8, 0);
    /* Every truncation fails cleanly; so does each single flipped byte or succeeds
     * without breaking the stream (the sanitizers watch). */
    for (size_t n = 0; n < len; n++)
        assert_int_equal(blanc__mold_stream_restore(m, blob, n), BLANC_EBADSNAP);
    for (size_t i = 0; i < len; i++) {
        blob[i] ^= 0x5a;
        if (blanc__mold_stream_restore(m, blob, len) == 0) {
            blanc_msg msgs[16];
            int k = blanc__mold_stream_take(m, msgs, 16);
            blanc__mold_stream_consume(m, (size_t)k);
            blanc__mold_stream_push(m, &o, b, mk(b, "S", 4, 1));
            blanc__mold_stream_flush(m);
            k = blanc__mold_stream_take(m, msgs, 16);
            blanc__mold_stream_consume(m, (size_t)k);
        }
        blob[i] ^= 0x5a;
    }
    assert_int_equal(blanc__mold_stream_restore(m, blob, len), 0);
    blanc_msg msgs[16];
    assert_int_equal(blanc__mold_stream_take(m, msgs, 16), 1);
    assert_true(msgs[0].seq == 3);
    free(blob);
    blanc__mold_stream_free(m);
    blanc__mold_stream_free(r.m);
}

/* ---- hostile ------------------------------------------------------------ */

static void hostile_inputs_stay_bounded(void **state)
{
    (void)state;
    run r;
    /* Huge jumps: every packet far past the last; the window bounds what is held. */
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    r.count_only = 1;
    sendp(&r, A_GROUP, "S", 1, 1);
    uint64_t expect_lost = 0, prev_end = 2;
    for (uint64_t i = 1; i <= 20000; i++) {
        uint64_t seq = i << 40;
        sendp(&r, A_GROUP, "S", seq, 1);
        assert_true(r.m->sessions[0].nheld <= 64);
        if (i > 64) { /* the packet 64 back was released behind a gap */
            uint64_t s = (i - 64) << 40;
            expect_lost += s - prev_end;
            prev_end = s + 1;
        }
    }
    blanc_transport_stats st = stats(&r);
    assert_true(st.lost_messages == expect_lost);
    assert_int_equal(st.gaps, 20000 - 64);
    assert_int_equal(r.m->sessions[0].nranges, MOLD_MAX_GAP_RANGES);
    blanc__mold_stream_free(r.m);

    /* count 0xFFFE with a tiny payload: damaged, in work linear in its bytes. */
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    uint8_t b[64];
    mk(b, "S", 1, 0);
    blanc_put_be16(b + 18, 0xFFFE);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(push(&r, A_GROUP, b, 24), BLANC_EBADPACKET);
    blanc__mold_stream_free(r.m);

    /* Many sessions and channels: the tables are bounded, the rest skipped. */
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 1));
    r.count_only = 1;
    for (int i = 0; i < 3000; i++) {
        char name[11];
        snprintf(name, sizeof name, "S%d", i);
        sendp(&r, A_GROUP, name, 1, 1);
    }
    assert_int_equal(stats(&r).sessions, MOLD_MAX_SESSIONS);
    assert_int_equal(stats(&r).skipped, 3000 - MOLD_MAX_SESSIONS);
    blanc__mold_stream_free(r.m);
    start(&r, mkstream(NULL, 0, NULL, 0, 0, 0));
    for (uint32_t i = 0; i < 3000; i++) {
        mold_origin o = {A_GROUP + i, 26400, i + 1, 0, 0};
        blanc__mold_stream_push(r.m, &o, b, mk(b, "S", i + 1, 1));
    }
    assert_int_equal(blanc__mold_stream_info_count(r.m), MOLD_MAX_PAIRS);
    assert_int_equal(stats(&r).skipped, 3000 - MOLD_MAX_PAIRS);
    blanc__mold_stream_free(r.m);

    /* The largest window, arrivals in reverse: held stays within it and the
     * held bytes within the cap. */
    start(&r, mkstream(NULL, 0, NULL, 0, 100000, 0));
    r.count_only = 1;
    assert_int_equal(r.m->window, MOLD_MAX_WINDOW);
    sendp(&r, A_GROUP, "S", 1, 1);
    for (uint64_t s = 30000; s >= 2; s--) {
        sendp(&r, A_GROUP, "S", s, 1);
        assert_true(r.m->sessions[0].nheld <= MOLD_MAX_WINDOW);
    }
    assert_true(r.m->held_bytes <= MOLD_HELD_BYTES_CAP);
    blanc__mold_stream_free(r.m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_literal_packets),
        cmocka_unit_test(parse_agrees_with_tshark),
        cmocka_unit_test(in_order_and_heartbeats),
        cmocka_unit_test(gap_is_declared_past_the_window),
        cmocka_unit_test(give_up_takes_one_hole),
        cmocka_unit_test(late_on_the_other_line),
        cmocka_unit_test(restore_reads_version_1),
        cmocka_unit_test(copies_go_by_the_winner),
        cmocka_unit_test(a_heartbeat_between_losses_is_one_gap),
        cmocka_unit_test(out_of_order_counts_the_late_packet),
        cmocka_unit_test(reorder_inside_the_window),
        cmocka_unit_test(overlap_delivers_only_the_new),
        cmocka_unit_test(ab_lines_fill_each_other),
        cmocka_unit_test(end_of_session),
        cmocka_unit_test(session_selection),
        cmocka_unit_test(channel_selection),
        cmocka_unit_test(answers_count_what_they_recover),
        cmocka_unit_test(unsequenced_pass_in_arrival_order),
        cmocka_unit_test(damage_goes_with_the_next_message),
        cmocka_unit_test(random_ab_captures_match_the_set_model),
        cmocka_unit_test(save_restore_at_every_consume_point),
        cmocka_unit_test(restore_rejects_damaged_blobs),
        cmocka_unit_test(hostile_inputs_stay_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
