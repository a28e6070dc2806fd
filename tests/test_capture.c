/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The capture walker (src/feed/capture.c) on pcap and pcapng files built
 * here byte by byte from the formats (pcap-savefile(5), the pcapng draft):
 * packet kinds, payloads, timestamps, and above all that the source offset
 * after every packet is the end of its record, computed here from the
 * record lengths we wrote. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "feed/capture.h"

typedef struct buf {
    uint8_t b[8192];
    size_t n;
    int be; /* write the pcap headers big-endian */
} buf;

static void put(buf *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void u8(buf *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(w, &b, 1);
}
static void u16(buf *w, unsigned v) /* file byte order */
{
    if (w->be) {
        u8(w, v >> 8), u8(w, v);
    } else {
        u8(w, v), u8(w, v >> 8);
    }
}
static void u32(buf *w, uint32_t v)
{
    if (w->be) {
        u16(w, v >> 16), u16(w, v & 0xffff);
    } else {
        u16(w, v & 0xffff), u16(w, v >> 16);
    }
}
static void be16(buf *w, unsigned v)
{
    u8(w, v >> 8), u8(w, v);
}
static void be32(buf *w, uint32_t v)
{
    be16(w, v >> 16), be16(w, v & 0xffff);
}

static void pcap_header(buf *w, uint32_t magic, uint32_t linktype)
{
    u32(w, magic);
    u16(w, 2), u16(w, 4);
    u32(w, 0), u32(w, 0);
    u32(w, 65535);
    u32(w, linktype);
}

static void pcap_record(buf *w, uint32_t sec, uint32_t frac, const buf *pkt, uint32_t caplen)
{
    u32(w, sec), u32(w, frac);
    u32(w, caplen), u32(w, (uint32_t)pkt->n);
    put(w, pkt->b, caplen);
}

/* An IPv4 packet: header (with opt_words of options), then a UDP or TCP
 * header, then payload. frag: the flags/offset field. */
static void ipv4(buf *w, unsigned proto, unsigned opt_words, unsigned frag, const char *payload,
                 unsigned sport, unsigned dport)
{
    size_t plen = strlen(payload);
    size_t l4 = proto == 17 ? 8 : proto == 6 ? 24 : 0;
    size_t ihl = 5 + opt_words;
    u8(w, 0x40 | (unsigned)ihl), u8(w, 0);
    be16(w, (unsigned)(ihl * 4 + l4 + plen));
    be16(w, 1), be16(w, frag);
    u8(w, 64), u8(w, proto), be16(w, 0);
    be32(w, 0x0a000001), be32(w, 0xe9363601); /* 10.0.0.1 -> 233.54.54.1 */
    for (unsigned i = 0; i < opt_words; i++)
        be32(w, 0x01010101); /* NOP options */
    if (proto == 17) {
        be16(w, sport), be16(w, dport), be16(w, (unsigned)(8 + plen)), be16(w, 0);
    } else if (proto == 6) {
        be16(w, sport), be16(w, dport), be32(w, 1000), be32(w, 0);
        u8(w, 6 << 4), u8(w, 0x18), be16(w, 1024), be32(w, 0);
        be32(w, 0x01010101); /* one word of TCP options */
    }
    put(w, payload, plen);
}

static void eth(buf *w, unsigned type)
{
    static const uint8_t mac[12] = {1, 0, 0x5e, 0, 0, 1, 2, 2, 2, 2, 2, 2};
    put(w, mac, 12);
    be16(w, type);
}

typedef struct walk {
    blanc_source *s;
    capture *c;
} walk;

static walk open_mem(const buf *w)
{
    walk x;
    assert_int_equal(blanc_source_open_mem(&x.s, w->b, w->n), 0);
    char why[256];
    int rc = blanc__capture_open(&x.c, x.s, why, sizeof why);
    if (rc)
        print_error("%s\n", why);
    assert_int_equal(rc, 0);
    return x;
}

static void close_walk(walk *x)
{
    blanc__capture_free(x->c);
    blanc_source_close(x->s);
}

/* next() must return a packet whose record is [at, at + 16 + caplen) and
 * leave the source right after it. */
static void next_at(walk *x, cap_packet *pk, uint64_t *at, size_t rec)
{
    assert_int_equal(blanc__capture_next(x->c, pk), 1);
    assert_int_equal(pk->offset, *at);
    assert_int_equal(pk->end, *at + rec);
    assert_int_equal(blanc_source_offset(x->s), *at + rec);
    *at += rec;
}

/* Ethernet day: stacked VLAN UDP, TCP with options, ARP, fragment, snapped,
 * IP options + UDP, IPv6. Record sizes written down as we go. */
static buf ether_day(uint32_t magic, int be, size_t *rec)
{
    buf w = {{0}, 0, be};
    pcap_header(&w, magic, 1);
    buf p = {{0}, 0, 0};
    eth(&p, 0x88a8), be16(&p, 0x0064), be16(&p, 0x8100), be16(&p, 0x00c8), be16(&p, 0x0800);
    ipv4(&p, 17, 0, 0x4000, "HELLO", 5000, 26400); /* DF set: not a fragment */
    pcap_record(&w, 100, 7, &p, (uint32_t)p.n);
    rec[0] = 16 + p.n;
    p.n = 0;
    eth(&p, 0x0800), ipv4(&p, 6, 0, 0, "TCPDATA", 4000, 5001);
    pcap_record(&w, 101, 8, &p, (uint32_t)p.n);
    rec[1] = 16 + p.n;
    p.n = 0;
    eth(&p, 0x0806);
    for (int i = 0; i < 28; i++)
        u8(&p, 0);
    pcap_record(&w, 102, 0, &p, (uint32_t)p.n);
    rec[2] = 16 + p.n;
    p.n = 0;
    eth(&p, 0x0800), ipv4(&p, 17, 0, 0x2000, "FRAG", 5000, 26400); /* MF */
    pcap_record(&w, 103, 0, &p, (uint32_t)p.n);
    rec[3] = 16 + p.n;
    p.n = 0;
    eth(&p, 0x0800), ipv4(&p, 17, 0, 0, "SNAPPEDPAYLOAD", 5000, 26400);
    pcap_record(&w, 104, 0, &p, (uint32_t)p.n - 6); /* 6 payload bytes not captured */
    rec[4] = 16 + p.n - 6;
    p.n = 0;
    eth(&p, 0x0800), ipv4(&p, 17, 3, 0, "OPTS", 5000, 26401);
    for (int i = 0; i < 6; i++)
        u8(&p, 0); /* Ethernet padding past the IP total length */
    pcap_record(&w, 105, 0, &p, (uint32_t)p.n);
    rec[5] = 16 + p.n;
    p.n = 0;
    eth(&p, 0x86dd);
    for (int i = 0; i < 40; i++)
        u8(&p, 0);
    pcap_record(&w, 106, 0, &p, (uint32_t)p.n);
    rec[6] = 16 + p.n;
    return w;
}

static void check_ether_day(walk *x, const size_t *rec, int nano)
{
    cap_packet pk;
    uint64_t at = 24;
    next_at(x, &pk, &at, rec[0]);
    assert_int_equal(pk.kind, CAP_UDP);
    assert_int_equal(pk.number, 1);
    assert_int_equal(pk.ts_ns, 100000000000ull + (nano ? 7u : 7000u));
    assert_int_equal(pk.dst_ip, 0xe9363601);
    assert_int_equal(pk.src_ip, 0x0a000001);
    assert_int_equal(pk.dst_port, 26400);
    assert_int_equal(pk.src_port, 5000);
    assert_int_equal(pk.len, 5);
    assert_memory_equal(pk.payload, "HELLO", 5);
    next_at(x, &pk, &at, rec[1]);
    assert_int_equal(pk.kind, CAP_TCP);
    assert_int_equal(pk.tcp_seq, 1000);
    assert_int_equal(pk.tcp_flags, 0x18);
    assert_int_equal(pk.dst_port, 5001);
    assert_int_equal(pk.len, 7);
    assert_memory_equal(pk.payload, "TCPDATA", 7);
    next_at(x, &pk, &at, rec[2]);
    assert_int_equal(pk.kind, CAP_OTHER);
    next_at(x, &pk, &at, rec[3]);
    assert_int_equal(pk.kind, CAP_DAMAGED);
    assert_string_equal(pk.why, "IP fragment");
    next_at(x, &pk, &at, rec[4]);
    assert_int_equal(pk.kind, CAP_DAMAGED);
    assert_string_equal(pk.why, "IPv4 packet cut by the snap length");
    next_at(x, &pk, &at, rec[5]);
    assert_int_equal(pk.kind, CAP_UDP);
    assert_int_equal(pk.dst_port, 26401);
    assert_int_equal(pk.len, 4);
    assert_memory_equal(pk.payload, "OPTS", 4);
    next_at(x, &pk, &at, rec[6]);
    assert_int_equal(pk.kind, CAP_OTHER);
    assert_int_equal(pk.number, 7);
    assert_int_equal(blanc__capture_next(x->c, &pk), 0);
    assert_int_equal(blanc_source_offset(x->s), at);
}

static void pcap_ethernet_le(void **state)
{
    (void)state;
    size_t rec[7];
    buf w = ether_day(0xa1b2c3d4, 0, rec);
    walk x = open_mem(&w);
    check_ether_day(&x, rec, 0);
    close_walk(&x);
}

static void pcap_ethernet_be_nano(void **state)
{
    (void)state;
    size_t rec[7];
    buf w = ether_day(0xa1b23c4d, 1, rec);
    assert_int_equal(w.b[0], 0xa1); /* as written on a big-endian host */
    walk x = open_mem(&w);
    check_ether_day(&x, rec, 1);
    close_walk(&x);
}

/* Every record of ether_day is read and ends where it should: kinds aside. */
static void offsets_only(walk *x, const size_t *rec, size_t n)
{
    cap_packet pk;
    uint64_t at = 24;
    for (size_t i = 0; i < n; i++)
        next_at(x, &pk, &at, rec[i]);
    assert_int_equal(blanc__capture_next(x->c, &pk), 0);
    assert_int_equal(blanc_source_offset(x->s), at);
}

/* The cookie follows the file's framing so that libpcap's buffered reads
 * never pass a record's end: the variants where libpcap reads otherwise.
 * pcap 2.3 (libpcap may swap caplen and len: read a byte at a time), records
 * longer than the file's snap length (libpcap reads and discards the rest),
 * an empty record (caplen 0), a big-endian capture. */
static void framing_variants(void **state)
{
    (void)state;
    size_t rec[7];
    buf w = ether_day(0xa1b2c3d4, 0, rec);
    w.b[6] = 3; /* version 2.3 */
    walk x = open_mem(&w);
    check_ether_day(&x, rec, 0);
    close_walk(&x);

    w = ether_day(0xa1b2c3d4, 0, rec);
    uint32_t snap = 40; /* shorter than most records: libpcap discards their rest */
    memcpy(w.b + 16, &snap, 4);
    x = open_mem(&w);
    offsets_only(&x, rec, 7);
    close_walk(&x);

    w = ether_day(0xa1b23c4d, 1, rec);
    x = open_mem(&w);
    offsets_only(&x, rec, 7);
    close_walk(&x);

    buf e = {{0}, 0, 0};
    pcap_header(&e, 0xa1b2c3d4, 1);
    buf none = {{0}, 0, 0}, one = {{0}, 0, 0};
    pcap_record(&e, 1, 0, &none, 0);
    eth(&one, 0x0800), ipv4(&one, 17, 0, 0, "X", 5000, 26400);
    pcap_record(&e, 2, 0, &one, (uint32_t)one.n);
    size_t r2[2] = {16, 16 + one.n};
    x = open_mem(&e);
    offsets_only(&x, r2, 2);
    close_walk(&x);
}

/* The same capture gzip'd: offsets are in the decompressed stream. */
static void pcap_gzip(void **state)
{
    (void)state;
    size_t rec[7];
    buf w = ether_day(0xa1b2c3d4, 0, rec);
    char path[] = "/tmp/blanc-test-cap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    gzFile g = gzdopen(fd, "wb");
    assert_int_equal(gzwrite(g, w.b, (unsigned)w.n), (int)w.n);
    gzclose(g);
    walk x;
    assert_int_equal(blanc_source_open(&x.s, path, NULL), 0);
    assert_int_equal(blanc_source_compression(x.s), BLANC_COMP_GZIP);
    assert_int_equal(blanc__capture_open(&x.c, x.s, NULL, 0), 0);
    check_ether_day(&x, rec, 0);
    close_walk(&x);
    unlink(path);
}

/* Linux cooked v1 and v2, and raw IP (LINKTYPE_RAW 101, LINKTYPE_IPV4 228). */
static void cooked_and_raw(void **state)
{
    (void)state;
    for (int v = 0; v < 4; v++) {
        static const uint32_t lt[] = {113, 276, 101, 228};
        buf w = {{0}, 0, 0};
        pcap_header(&w, 0xa1b2c3d4, lt[v]);
        buf p = {{0}, 0, 0};
        if (v == 0) { /* SLL: type, ARPHRD, addr len, addr[8], protocol */
            be16(&p, 0), be16(&p, 1), be16(&p, 6), be32(&p, 0), be32(&p, 0), be16(&p, 0x8100);
            be16(&p, 7), be16(&p, 0x0800); /* a VLAN tag after the cooked header */
        } else if (v == 1) { /* SLL2: protocol, reserved, ifindex, ARPHRD, type, len, addr */
            be16(&p, 0x0800), be16(&p, 0), be32(&p, 2), be16(&p, 1), u8(&p, 0), u8(&p, 6);
            be32(&p, 0), be32(&p, 0);
        }
        ipv4(&p, 17, 0, 0, "COOKED", 1, 26477);
        pcap_record(&w, 1, 0, &p, (uint32_t)p.n);
        size_t r0 = 16 + p.n;
        p.n = 0;
        if (v == 0)
            be16(&p, 0), be16(&p, 1), be16(&p, 6), be32(&p, 0), be32(&p, 0), be16(&p, 0x86dd);
        else if (v == 1)
            be16(&p, 0x86dd), be16(&p, 0), be32(&p, 2), be16(&p, 1), u8(&p, 0), u8(&p, 6),
                be32(&p, 0), be32(&p, 0);
        u8(&p, 0x60);
        for (int i = 0; i < 39; i++)
            u8(&p, 0);
        pcap_record(&w, 2, 0, &p, (uint32_t)p.n);
        walk x = open_mem(&w);
        cap_packet pk;
        uint64_t at = 24;
        next_at(&x, &pk, &at, r0);
        assert_int_equal(pk.kind, CAP_UDP);
        assert_int_equal(pk.dst_port, 26477);
        assert_memory_equal(pk.payload, "COOKED", 6);
        next_at(&x, &pk, &at, 16 + p.n);
        assert_int_equal(pk.kind, CAP_OTHER);
        assert_int_equal(blanc__capture_next(x.c, &pk), 0);
        close_walk(&x);
    }
}

/* Headers that do not add up, each in its own one-packet capture. */
static void malformed(void **state)
{
    (void)state;
    struct {
        int what;
        const char *why;
    } cases[] = {
        {0, "link header too short"},         {1, "bad IPv4 header length (IHL < 5)"},
        {2, "bad IPv4 total length"},         {3, "bad UDP length"},
        {4, "bad TCP data offset"},           {5, "VLAN tag too short"},
        {6, "IP fragment"} /* offset, no MF */, {7, "IPv4 header too short"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p = {{0}, 0, 0};
        int what = cases[i].what;
        if (what == 0) {
            be32(&p, 0);
        } else if (what == 5) {
            eth(&p, 0x8100), be16(&p, 1);
        } else if (what == 7) {
            eth(&p, 0x0800), be32(&p, 0x45000014);
        } else {
            eth(&p, 0x0800);
            ipv4(&p, what == 4 ? 6 : 17, 0, what == 6 ? 0x0010 : 0, "XYZ", 1, 2);
            if (what == 1)
                p.b[14] = 0x44;
            if (what == 2)
                p.b[17] = 200; /* total length past the frame */
            if (what == 3)
                p.b[14 + 20 + 5] = 7;
            if (what == 4)
                p.b[14 + 20 + 12] = 0xf0;
        }
        buf w = {{0}, 0, 0};
        pcap_header(&w, 0xa1b2c3d4, 1);
        pcap_record(&w, 1, 0, &p, (uint32_t)p.n);
        walk x = open_mem(&w);
        cap_packet pk;
        assert_int_equal(blanc__capture_next(x.c, &pk), 1);
        assert_int_equal(pk.kind, CAP_DAMAGED);
        assert_string_equal(pk.why, cases[i].why);
        assert_int_equal(blanc__capture_next(x.c, &pk), 0);
        close_walk(&x);
    }
}

/* The file ends inside the second record (its header, then its body), or a
 * record claims more than libpcap accepts. */
static void truncated_and_bogus(void **state)
{
    (void)state;
    size_t rec[7];
    buf w = ether_day(0xa1b2c3d4, 0, rec);
    size_t cuts[] = {24 + rec[0] + 5, 24 + rec[0] + 16 + 3};
    for (int i = 0; i < 2; i++) {
        buf c = w;
        c.n = cuts[i];
        walk x = open_mem(&c);
        cap_packet pk;
        assert_int_equal(blanc__capture_next(x.c, &pk), 1);
        assert_int_equal(blanc__capture_next(x.c, &pk), BLANC_ETRUNCATED);
        assert_int_equal(pk.number, 2);
        assert_int_equal(pk.offset, 24 + rec[0]);
        assert_non_null(strstr(blanc__capture_error(x.c), "truncated"));
        close_walk(&x);
    }
    buf c = w;
    uint32_t huge = 0x7fffffff;
    memcpy(c.b + 24 + rec[0] + 8, &huge, 4);
    walk x = open_mem(&c);
    cap_packet pk;
    assert_int_equal(blanc__capture_next(x.c, &pk), 1);
    assert_int_equal(blanc__capture_next(x.c, &pk), BLANC_EBADPACKET);
    assert_int_equal(pk.number, 2);
    close_walk(&x);
}

static void not_a_capture(void **state)
{
    (void)state;
    static const uint8_t junk[64] = {0x00, 0x2e, 'S'};
    blanc_source *s;
    assert_int_equal(blanc_source_open_mem(&s, junk, sizeof junk), 0);
    capture *c;
    char why[256] = "";
    assert_int_equal(blanc__capture_open(&c, s, why, sizeof why), BLANC_ENOTITCH);
    assert_non_null(strstr(why, "not a capture"));
    blanc_source_close(s);
    /* No byte at all is an empty input, not a damaged capture (libpcap's
     * "truncated dump file"); one byte is too short to be one. */
    for (size_t n = 0; n < 2; n++) {
        assert_int_equal(blanc_source_open_mem(&s, junk, n), 0);
        why[0] = 0;
        assert_int_equal(blanc__capture_open(&c, s, why, sizeof why),
                         n ? BLANC_ENOTITCH : BLANC_EEMPTY);
        assert_int_equal(why[0] != 0, n != 0);
        blanc_source_close(s);
    }
}

/* pcapng: SHB, IDB with if_tsresol 9 (ns), EPB, ISB (statistics: belongs to
 * the next packet), EPB with an option. Block lengths written down. */
static void pcapng_blocks(void **state)
{
    (void)state;
    buf w = {{0}, 0, 0};
    u32(&w, 0x0a0d0d0a), u32(&w, 28), u32(&w, 0x1a2b3c4d), u16(&w, 1), u16(&w, 0);
    u32(&w, 0xffffffff), u32(&w, 0xffffffff), u32(&w, 28);
    u32(&w, 1), u32(&w, 32), u16(&w, 1), u16(&w, 0), u32(&w, 65535);
    u16(&w, 9), u16(&w, 1), u8(&w, 9), u8(&w, 0), u8(&w, 0), u8(&w, 0); /* if_tsresol */
    u16(&w, 0), u16(&w, 0), u32(&w, 32);
    size_t head = w.n;
    assert_int_equal(head, 60);
    buf p = {{0}, 0, 0};
    eth(&p, 0x0800), ipv4(&p, 17, 0, 0, "NG1", 7, 26400); /* 45 bytes */
    uint64_t ts = 1700000000123456789ull;
    size_t pad = (4 - p.n % 4) % 4;
    uint32_t len1 = (uint32_t)(32 + p.n + pad);
    u32(&w, 6), u32(&w, len1), u32(&w, 0), u32(&w, (uint32_t)(ts >> 32)), u32(&w, (uint32_t)ts);
    u32(&w, (uint32_t)p.n), u32(&w, (uint32_t)p.n);
    put(&w, p.b, p.n);
    for (size_t i = 0; i < pad; i++)
        u8(&w, 0);
    u32(&w, len1);
    /* ISB: interface 0, timestamp, no options */
    u32(&w, 5), u32(&w, 24), u32(&w, 0), u32(&w, 0), u32(&w, 0), u32(&w, 24);
    uint32_t len2 = (uint32_t)(32 + p.n + pad + 12); /* + opt_comment "abc" + end */
    u32(&w, 6), u32(&w, len2), u32(&w, 0), u32(&w, (uint32_t)(ts >> 32)),
        u32(&w, (uint32_t)ts + 1);
    u32(&w, (uint32_t)p.n), u32(&w, (uint32_t)p.n);
    put(&w, p.b, p.n);
    for (size_t i = 0; i < pad; i++)
        u8(&w, 0);
    u16(&w, 1), u16(&w, 3), put(&w, "abc", 3), u8(&w, 0), u32(&w, 0);
    u32(&w, len2);
    walk x = open_mem(&w);
    cap_packet pk;
    uint64_t at = head;
    next_at(&x, &pk, &at, len1);
    assert_int_equal(pk.kind, CAP_UDP);
    assert_int_equal(pk.ts_ns, ts);
    assert_memory_equal(pk.payload, "NG1", 3);
    next_at(&x, &pk, &at, 24 + len2);
    assert_int_equal(pk.ts_ns, ts + 1);
    assert_int_equal(pk.number, 2);
    assert_int_equal(blanc__capture_next(x.c, &pk), 0);
    assert_int_equal(at, w.n);
    close_walk(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcap_ethernet_le), cmocka_unit_test(pcap_ethernet_be_nano),
        cmocka_unit_test(pcap_gzip),        cmocka_unit_test(cooked_and_raw),
        cmocka_unit_test(malformed),        cmocka_unit_test(truncated_and_bogus),
        cmocka_unit_test(not_a_capture),    cmocka_unit_test(pcapng_blocks),
        cmocka_unit_test(framing_variants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
