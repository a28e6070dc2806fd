/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Captures: libpcap reads pcap and pcapng; we decode the link, IPv4 and
 * UDP/TCP headers ourselves (capture.h).
 *
 * libpcap wants a FILE, the input is a blanc_source (plain, .gz, .zst, a
 * pipe). A cookie FILE (fopencookie) bridges them. The source must consume
 * exactly the bytes of the packets libpcap returned and none beyond: after
 * pcap_next_ex the source offset is the end of that record, so a position
 * Blanc keeps (a snapshot, a resume) is a packet boundary and the input
 * digest covers exactly the packets read (tests/test_capture.c checks the
 * offsets against the records' lengths).
 *
 * An unbuffered FILE would give that for free but costs a cookie call per
 * byte (glibc's cookie streams read an unbuffered FILE through a one-byte
 * buffer). So the FILE is buffered and the cookie never hands glibc a byte
 * past the end of the record being read: it follows the file's framing
 * itself (the pcap file header, then each record's header and caplen bytes;
 * pcapng blocks by their total length) and serves each segment in one
 * read. The FILE's buffer is then empty whenever libpcap is between
 * records. Variants whose record lengths libpcap reinterprets (pcap before
 * 2.4 with swapped caplen/len, the patched 24-byte record header) fall back
 * to one byte a read: exact, slow, rare.
 *
 * Classic pcap 2.4 (magic a1b2c3d4 or a1b23c4d, either byte order) of a link
 * type we decode is the common case, and there libpcap's per-packet path (two
 * freads, two copies) was a third of a capture replay. So once libpcap has
 * opened and checked such a file (the cookie has served it exactly the 24
 * header bytes), its records are walked in place: each 16-byte header read
 * from the source's window, the packet left where it is. The rules are
 * libpcap 1.10's (sf-pcap.c pcap_next_packet): no bytes at a record boundary
 * is the end, a short header or body is a truncated file, a caplen above the
 * link type's maximum a record it cannot read on from, a caplen above the
 * file's snap length (but below that maximum) is cut to the snap length with
 * the rest skipped; seconds and fractions are 32-bit, signed unless
 * libpcap swapped their bytes (it does not mind), microseconds
 * scaled to nanoseconds. libpcap swaps pseudo headers of a few link types in
 * files of the other byte order (SLL and SLL2 CAN frames among ours), which
 * an in-place walk cannot do: those files stay with libpcap. test_capture
 * runs both walks over every test capture and the fuzz corpus and compares
 * every packet.
 */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/capture.h"
#include "feed/capture_ahead.h"
#include "feed/map_pager.h"
#include "feed/udp_span.h"

#define MAX_SNAPLEN 262144 /* libpcap's MAXIMUM_SNAPLEN: the most a record of our link types holds */

#define FILE_BUF 65536 /* the FILE's buffer: one read serves a whole segment */
#define IDB_KEEP 512   /* bytes of the first IDB kept for its options */
/* pcapng block types (libpcap's sf-pcapng.c) */
#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 1u
#define BT_PB 2u
#define BT_SPB 3u
#define BT_EPB 6u
#define NG_MAX_BLOCK (16u << 20) /* libpcap's INITIAL_MAX_BLOCKSIZE */
#define NG_IFACES 16             /* interfaces walked in place; more go to libpcap */
#define NG_LATER_IDB 4096        /* a later IDB longer than this goes to libpcap */

/* Where the cookie is in the file's framing: the segment it serves now. */
enum seg {
    SEG_MAGIC,      /* the first 4 bytes: pcap or pcapng */
    SEG_PCAP_HEAD,  /* the rest of the pcap file header (20 bytes) */
    SEG_PCAP_REC,   /* a record header (16 bytes) */
    SEG_PCAP_BODY,  /* its caplen bytes */
    SEG_SHB_HEAD,   /* the first SHB's length and byte-order magic (8 bytes) */
    SEG_BLOCK_HEAD, /* a pcapng block's type and total length (8 bytes) */
    SEG_BLOCK_BODY, /* the rest of the block */
    SEG_EXACT       /* unknown framing: one byte a read */
};

struct capture {
    blanc_source *src;
    FILE *fp;
    pcap_t *pc;
    int dlt;
    int src_err;       /* the source's error, when a read failed */
    uint64_t number;   /* packets returned */
    uint64_t end;      /* source offset after the last record */
    /* The source's window not served yet: the cookie asks the source again
     * only when it is used up (next() on a stream moves the window). */
    const uint8_t *win;
    size_t win_n;
    /* The framing the cookie follows (see the top of the file). */
    enum seg seg;
    uint64_t left;     /* bytes of the segment not served yet */
    uint8_t head[20];  /* a header segment's bytes, as served */
    size_t head_n;
    int big;           /* the file's integers are big-endian */
    int nano;          /* pcap timestamps in nanoseconds (magic a1b23c4d) */
    int swapped;       /* libpcap swaps the file's integers (pcap_is_swapped) */
    /* The in-place walk (classic pcap): win[0..win_n) is the source's window
     * from its offset, pos the bytes of it walked and not consumed yet. */
    int in_place;
    int at_end;        /* the source said it has no more */
    size_t pos;
    uint32_t snap;     /* libpcap's snap length for the file */
    /* The common shape blanc__capture_peek_udp checks first: where the IPv4
     * header starts and where the ethertype is (-1: none, raw IP). */
    size_t ip_at;
    int eth_at;
    /* pcapng: the type of the block the cookie serves, the first IDB's body
     * as served (options and all: IDB_KEEP bytes at most), IDBs served. */
    uint32_t blk_type;
    uint8_t idb[IDB_KEEP];
    size_t idb_n;
    int idb_over, idbs;
    /* pcapng walked in place (ng): interface i's time stamps in ns are
     * t * ng_mult[i] + ng_off[i] (mod 2^64: libpcap's seconds and
     * fractions); interfaces are added in place as their IDBs pass, each
     * written before n_if counts it (the walker thread reads them). */
    int ng;
    _Atomic uint32_t n_if;
    uint64_t ng_mult[NG_IFACES], ng_off[NG_IFACES];
    /* The later IDBs walked in place, their blocks as in the file: libpcap
     * never read them, so when it takes over (to_libpcap) the cookie serves
     * them to it first (inject), and it numbers the interfaces as the walk
     * did. */
    uint8_t *later;
    size_t later_n;
    const uint8_t *inject;
    size_t inject_n;
    /* The walk ahead on a second thread (capture_ahead.c), or NULL. */
    blanc__ahead *ahead;
    int ahead_decided, ahead_started;
    int (*release)(void *); /* lending: called before the window may move */
    void *release_arg;
    char err[PCAP_ERRBUF_SIZE];
    char fbuf[FILE_BUF];
};

static uint32_t file32(const capture *c, const uint8_t *p)
{
    return c->big ? blanc_be32(p) : blanc_le32(p);
}

static void enter(capture *c, enum seg s, uint64_t len)
{
    c->seg = s;
    c->left = len;
    c->head_n = 0;
}

/* The segment just served is complete: which one comes next. Lengths that
 * libpcap refuses end its reading, so whatever follows them never matters. */
static void next_segment(capture *c)
{
    const uint8_t *h = c->head;
    switch (c->seg) {
    case SEG_MAGIC: {
        uint32_t le = blanc_le32(h);
        if (le == 0xa1b2c3d4u || le == 0xa1b23c4du || le == 0xd4c3b2a1u || le == 0x4d3cb2a1u) {
            c->big = le == 0xd4c3b2a1u || le == 0x4d3cb2a1u;
            c->nano = le == 0xa1b23c4du || le == 0x4d3cb2a1u;
            enter(c, SEG_PCAP_HEAD, 20);
        } else if (le == 0x0a0d0d0au) {
            enter(c, SEG_SHB_HEAD, 8);
        } else {
            enter(c, SEG_EXACT, 1);
        }
        break;
    }
    case SEG_PCAP_HEAD: {
        unsigned major = c->big ? blanc_be16(h) : blanc_le16(h);
        unsigned minor = c->big ? blanc_be16(h + 2) : blanc_le16(h + 2);
        /* Before 2.4 (and DG/UX's 543.0) libpcap may swap caplen and len. */
        if (major == 2 && minor == 4)
            enter(c, SEG_PCAP_REC, 16);
        else
            enter(c, SEG_EXACT, 1);
        break;
    }
    case SEG_PCAP_REC:
        enter(c, SEG_PCAP_BODY, file32(c, h + 8));
        break;
    case SEG_PCAP_BODY:
        enter(c, SEG_PCAP_REC, 16);
        break;
    case SEG_SHB_HEAD: {
        if (blanc_le32(h + 4) == 0x1a2b3c4du)
            c->big = 0;
        else if (blanc_be32(h + 4) == 0x1a2b3c4du)
            c->big = 1;
        else {
            enter(c, SEG_EXACT, 1); /* libpcap: not pcapng */
            break;
        }
        uint32_t total = file32(c, h);
        c->blk_type = BT_SHB;
        enter(c, SEG_BLOCK_BODY, total > 12 ? total - 12 : 0);
        break;
    }
    case SEG_BLOCK_HEAD: {
        uint32_t total = file32(c, h + 4);
        c->blk_type = file32(c, h);
        enter(c, SEG_BLOCK_BODY, total > 8 ? total - 8 : 0);
        break;
    }
    case SEG_BLOCK_BODY:
        c->idbs += c->blk_type == BT_IDB;
        enter(c, SEG_BLOCK_HEAD, 8);
        break;
    case SEG_EXACT:
        enter(c, SEG_EXACT, 1);
        break;
    }
}

/* Whether a segment is the last of its record (or of the file header). */
static int ends_record(enum seg s)
{
    return s == SEG_PCAP_HEAD || s == SEG_PCAP_BODY || s == SEG_BLOCK_BODY || s == SEG_EXACT;
}

/* Move past the segments that are complete; 1 when a record ended. */
static int advance(capture *c)
{
    int ended = 0;
    while (c->left == 0 && !ended) {
        ended = ends_record(c->seg);
        next_segment(c); /* a header always has bytes; a body may have none */
    }
    return ended;
}

/* k bytes of the segment the cookie serves, from p into libpcap's buf; a
 * header's bytes (and the first IDB's) are kept to follow the framing. */
static void serve(capture *c, char *buf, const uint8_t *p, size_t k)
{
    memcpy(buf, p, k);
    if (c->seg != SEG_PCAP_BODY && c->seg != SEG_BLOCK_BODY && c->seg != SEG_EXACT) {
        size_t room = sizeof c->head - c->head_n, h = k < room ? k : room;
        memcpy(c->head + c->head_n, p, h);
        c->head_n += h;
    } else if (c->seg == SEG_BLOCK_BODY && c->blk_type == BT_IDB && c->idbs == 0) {
        /* The first IDB: its options say how interface 0 counts time. */
        size_t room = IDB_KEEP - c->idb_n, h = k < room ? k : room;
        memcpy(c->idb + c->idb_n, p, h);
        c->idb_n += h;
        c->idb_over |= k > room;
    }
    c->left -= k;
}

/* The cookie's read: what the source has, up to size and up to the end of
 * the record being read (its header and body in one read, so libpcap's
 * second fread of a record is served from the FILE's buffer), after any
 * blocks to inject (blanc__capture_use_libpcap). 0 at the source's end; a
 * source error is kept for next() to return and reads as an I/O error. */
static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    capture *c = cookie;
    size_t done = 0;
    while (done < size) {
        size_t k = size - done;
        if (k > c->left)
            k = (size_t)c->left;
        if (c->inject_n) {
            /* Blocks the walk passed, not the source's bytes: not consumed. */
            k = k < c->inject_n ? k : c->inject_n;
            serve(c, buf + done, c->inject, k);
            c->inject += k;
            c->inject_n -= k;
            done += k;
            if (advance(c))
                break;
            continue;
        }
        if (c->win_n == 0) {
            int rc = blanc_source_next(c->src, &c->win, &c->win_n);
            if (rc < 0 && c->win_n == 0) {
                c->src_err = rc;
                return done ? (ssize_t)done : -1;
            }
            if (c->win_n == 0)
                break; /* the end (rc 0), or nothing yet and nothing more */
        }
        if (k > c->win_n)
            k = c->win_n;
        serve(c, buf + done, c->win, k);
        blanc_source_consume(c->src, k);
        c->win += k;
        c->win_n -= k;
        done += k;
        if (advance(c))
            break;
    }
    return (ssize_t)done;
}

static int cookie_close(void *cookie)
{
    (void)cookie; /* the source is borrowed */
    return 0;
}

static uint16_t file16(const capture *c, const uint8_t *p)
{
    return c->big ? blanc_be16(p) : blanc_le16(p);
}

/*
 * An IDB body b[0, n) (its trailer not included) as libpcap 1.10 would take it
 * (sf-pcapng.c add_interface, process_idb_options): options whose headers
 * and padded values fit, opt_endofopt of length 0 ending them, at most one
 * if_tsresol of length 1 and one if_tsoffset of length 8. 1 when it does
 * and its time stamps are in micro- or nanoseconds (if_tsresol absent, 6 or
 * 9), with *mult and *off set: then libpcap's seconds (t / resolution +
 * offset) and nanoseconds (the rest, times 1000 for microseconds) make
 * t * mult + off ns, mod 2^64. 0 otherwise: libpcap reads it (and says
 * what is wrong, or scales the other resolutions itself).
 */
static int idb_clock(const capture *c, const uint8_t *b, size_t n, uint64_t *mult, uint64_t *off)
{
    if (n < 8)
        return 0;
    size_t at = 8; /* linktype, reserved, snaplen */
    int res_seen = 0, off_seen = 0;
    *mult = 1000;
    *off = 0;
    while (at != n) {
        if (n - at < 4)
            return 0;
        uint16_t code = file16(c, b + at), len = file16(c, b + at + 2);
        size_t padded = ((size_t)len + 3) & ~(size_t)3;
        if (n - at - 4 < padded)
            return 0;
        const uint8_t *v = b + at + 4;
        if (code == 0) {
            if (len != 0)
                return 0;
            break;
        }
        if (code == 9) { /* if_tsresol */
            if (len != 1 || res_seen++ || (v[0] != 6 && v[0] != 9))
                return 0;
            *mult = v[0] == 6 ? 1000 : 1;
        } else if (code == 14) { /* if_tsoffset, seconds */
            if (len != 8 || off_seen++)
                return 0;
            *off = (c->big ? blanc_be64(v) : blanc_le64(v)) * 1000000000u;
        }
        at += 4 + padded;
    }
    return 1;
}

/* Whether a pcapng file can be walked in place: libpcap has read exactly one
 * IDB (the cookie stands at the next block) and its body was kept whole. */
static int ng_clock(capture *c)
{
    if (c->idbs != 1 || c->idb_over || c->idb_n < 12 ||
        !idb_clock(c, c->idb, c->idb_n - 4, &c->ng_mult[0], &c->ng_off[0]))
        return 0;
    atomic_store_explicit(&c->n_if, 1, memory_order_release);
    return 1;
}

/* A later IDB of the section, in place, where libpcap would take it: the
 * first interface's link type (libpcap compares the new one's LINKTYPE_
 * number with the first one's DLT_ number, and so does this), the same snap
 * length once adjusted (pcap_adjust_snapshot), and options idb_clock takes. */
static int ng_add_idb(capture *c, const uint8_t *h, uint32_t total)
{
    uint32_t n = atomic_load_explicit(&c->n_if, memory_order_relaxed);
    const uint8_t *b = h + 8;
    size_t blen = total - 12;
    if (n == NG_IFACES || blen < 8 || file16(c, b) != (uint32_t)c->dlt)
        return 0;
    uint32_t snap = c->big ? blanc_be32(b + 4) : blanc_le32(b + 4);
    if ((snap == 0 || snap > INT32_MAX ? (uint32_t)MAX_SNAPLEN : snap) != c->snap)
        return 0;
    if (total > NG_LATER_IDB || !idb_clock(c, b, blen, &c->ng_mult[n], &c->ng_off[n]))
        return 0;
    uint8_t *kept = realloc(c->later, c->later_n + total);
    if (!kept)
        return 0; /* libpcap reads it */
    memcpy(kept + c->later_n, h, total);
    c->later = kept;
    c->later_n += total;
    atomic_store_explicit(&c->n_if, n + 1, memory_order_release);
    return 1;
}

int blanc__capture_open(capture **out, blanc_source *src, char *why, size_t cap)
{
    capture *c = calloc(1, sizeof *c);
    if (!c)
        return BLANC_ENOMEM;
    c->src = src;
    cookie_io_functions_t io = {cookie_read, NULL, NULL, cookie_close};
    c->fp = fopencookie(c, "rb", io);
    c->seg = SEG_MAGIC;
    c->left = 4;
    if (!c->fp || setvbuf(c->fp, c->fbuf, _IOFBF, sizeof c->fbuf) != 0) {
        if (c->fp)
            fclose(c->fp);
        free(c);
        return BLANC_ENOMEM;
    }
    /* One reader: glibc need not lock the FILE around each of libpcap's freads. */
    __fsetlocking(c->fp, FSETLOCKING_BYCALLER);
    c->pc = pcap_fopen_offline_with_tstamp_precision(c->fp, PCAP_TSTAMP_PRECISION_NANO, c->err);
    if (!c->pc) {
        /* libpcap's word for no byte at all is "truncated dump file"; an
         * empty input is its own error, the one every command gives for it. */
        int rc = c->src_err                        ? c->src_err
                 : blanc_source_offset(src) == 0 ? BLANC_EEMPTY
                                                 : BLANC_ENOTITCH;
        if (why && cap && rc != BLANC_EEMPTY)
            snprintf(why, cap, "not a capture libpcap can read: %s", c->err);
        fclose(c->fp); /* libpcap leaves a FILE it refused to the caller */
        free(c);
        return rc;
    }
    c->dlt = pcap_datalink(c->pc);
    c->end = blanc_source_offset(src);
    /* Classic pcap 2.4 (the cookie follows its records: it has served the
     * file header and nothing more) of a link type whose records hold at most
     * MAX_SNAPLEN bytes and whose bytes libpcap hands out as they are. */
    int ours = c->dlt == DLT_EN10MB || c->dlt == DLT_RAW || c->dlt == DLT_IPV4 ||
               ((c->dlt == DLT_LINUX_SLL || c->dlt == DLT_LINUX_SLL2) && !pcap_is_swapped(c->pc));
    int classic = c->seg == SEG_PCAP_REC && c->left == 16;
    int ng = c->seg == SEG_BLOCK_HEAD && c->left == 8 && ng_clock(c);
    if ((classic || ng) && ours && pcap_snapshot(c->pc) > 0) {
        c->in_place = 1;
        c->ng = ng;
        c->snap = (uint32_t)pcap_snapshot(c->pc);
        c->swapped = pcap_is_swapped(c->pc) == 1;
        c->pos = 0; /* win, win_n: what the cookie had not served */
        c->ip_at = c->dlt == DLT_EN10MB      ? 14
                   : c->dlt == DLT_LINUX_SLL  ? 16
                   : c->dlt == DLT_LINUX_SLL2 ? 20
                                              : 0;
        c->eth_at = c->dlt == DLT_EN10MB      ? 12
                    : c->dlt == DLT_LINUX_SLL  ? 14
                    : c->dlt == DLT_LINUX_SLL2 ? 0
                                               : -1;
    }
    *out = c;
    return 0;
}

void blanc__capture_lend(capture *c, int (*release)(void *), void *arg)
{
    c->release = release;
    c->release_arg = arg;
}

/* libpcap reads on from the cookie's place. The walker reads in_place's
 * companions (ng, the interfaces): it stops first. The later IDBs the walk
 * took go to libpcap before anything else, so that its interfaces are the
 * walk's (its own IDB for the next one, if that is where it takes over). */
void blanc__capture_use_libpcap(capture *c)
{
    blanc__ahead_stop(c->ahead);
    c->ahead = NULL;
    if (c->ng && c->later_n) {
        c->inject = c->later;
        c->inject_n = c->later_n;
    }
    c->in_place = c->ng = 0;
}

int blanc__capture_in_place(const capture *c)
{
    return c->in_place;
}

/* Consume what the walk has passed. */
static void give_back(capture *c)
{
    if (!c->pos)
        return;
    blanc_source_consume(c->src, c->pos);
    c->win += c->pos;
    c->win_n -= c->pos;
    c->pos = 0;
}

void blanc__capture_sync(capture *c)
{
    if (c->in_place)
        give_back(c);
}

/* Walk n bytes: consumed at once unless packets are lent. */
static void pass(capture *c, size_t n)
{
    c->pos += n;
    if (!c->release)
        give_back(c);
}

/* At least n bytes past the walk in the window: 1; 0 when the input ends
 * first (the window keeps what there is); a source error or release()'s. */
static int want(capture *c, size_t n)
{
    while (c->win_n - c->pos < n) {
        if (c->at_end)
            return 0;
        /* The window may move: lent packets are copied first. */
        if (c->release && c->pos) {
            int rc = c->release(c->release_arg);
            if (rc < 0)
                return rc;
        }
        give_back(c);
        size_t had = c->win_n;
        int rc = blanc_source_next(c->src, &c->win, &c->win_n);
        if (c->win_n - c->pos >= n)
            break;
        if (rc < 0)
            return c->src_err = rc;
        if (rc == 0 || c->win_n == had)
            c->at_end = 1; /* a full window cannot hold a record: never here */
    }
    return 1;
}

static uint32_t rec32(const capture *c, const uint8_t *p)
{
    return c->big ? blanc_be32(p) : blanc_le32(p);
}

static int decode(cap_packet *pk, int dlt, const uint8_t *p, size_t cap, size_t len);

static int next_in_place_ng(capture *c, cap_packet *pk);

/* One record in place, by libpcap's rules (the top of the file). */
static int next_in_place(capture *c, cap_packet *pk)
{
    if (c->ng)
        return next_in_place_ng(c, pk);
    int rc = want(c, 16);
    if (rc < 0)
        return rc;
    size_t have = c->win_n - c->pos;
    if (rc == 0) {
        if (have == 0)
            return 0; /* the end, between records */
        snprintf(c->err, sizeof c->err,
                 "truncated dump file; tried to read 16 header bytes, only got %zu", have);
        pass(c, have);
        return BLANC_ETRUNCATED;
    }
    const uint8_t *h = c->win + c->pos;
    uint32_t sec = rec32(c, h), frac = rec32(c, h + 4);
    uint32_t caplen = rec32(c, h + 8), len = rec32(c, h + 12);
    if (caplen > MAX_SNAPLEN) {
        if (caplen > c->snap)
            snprintf(c->err, sizeof c->err,
                     "invalid packet capture length %u, bigger than snaplen of %d", caplen,
                     (int)c->snap);
        else
            snprintf(c->err, sizeof c->err,
                     "invalid packet capture length %u, bigger than maximum of %u", caplen,
                     (unsigned)MAX_SNAPLEN);
        pass(c, 16);
        return BLANC_EBADPACKET;
    }
    /* More than the snap length: the first snap bytes, the rest skipped. */
    uint32_t take = caplen > c->snap ? c->snap : caplen;
    rc = want(c, 16 + (size_t)caplen);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        size_t got = c->win_n - c->pos - 16;
        if (take < caplen && got < take)
            snprintf(c->err, sizeof c->err,
                     "truncated dump file; tried to read %d captured bytes, only got %zu",
                     (int)c->snap, got);
        else
            snprintf(c->err, sizeof c->err,
                     "truncated dump file; tried to read %u captured bytes, only got %zu",
                     caplen, got);
        pass(c, c->win_n - c->pos);
        return BLANC_ETRUNCATED;
    }
    const uint8_t *data = c->win + c->pos + 16;
    pass(c, 16 + (size_t)caplen); /* data stays valid: the window moves in want() only */
    c->number++;
    c->end += 16 + (uint64_t)caplen;
    pk->end = c->end;
    /* libpcap 1.10 reads the fields into a struct timeval as signed 32-bit
     * numbers, or unsigned when it swapped their bytes (its SWAPLONG is
     * unsigned); microseconds times 1000 (nanosecond precision is asked for). */
    int64_t s = c->swapped ? (int64_t)sec : (int64_t)(int32_t)sec;
    int64_t f = c->swapped ? (int64_t)frac : (int64_t)(int32_t)frac;
    pk->ts_ns = (uint64_t)s * 1000000000u + (uint64_t)(c->nano ? f : f * 1000);
    pk->frame = data;
    pk->caplen = take;
    pk->wire_len = len;
    pk->lent = c->release != NULL;
    return decode(pk, c->dlt, data, take, len > take ? len : take);
}

/* From here on libpcap reads every block: the cookie stands at the block
 * the walk stopped at (the walk never moves it), so once the window is
 * given back there, pcap_next_ex reads that block as if it had read all
 * before. Lent packets are copied first: the window may move. */
static int to_libpcap(capture *c, cap_packet *pk)
{
    if (c->release && c->pos) {
        int rc = c->release(c->release_arg);
        if (rc < 0)
            return rc;
    }
    give_back(c);
    blanc__capture_use_libpcap(c);
    uint64_t offset = pk->offset; /* blocks passed here belong to this packet */
    int rc = blanc__capture_next(c, pk);
    pk->offset = offset;
    return rc;
}

/*
 * One pcapng block in place, by libpcap 1.10's rules (sf-pcapng.c read_block
 * and pcap_ng_next_packet): no bytes at a block boundary is the end; a block
 * is at least 12 bytes, a multiple of 4, at most 16 MiB here, and its
 * trailer repeats its length; an enhanced packet block (EPB) of an interface
 * walked in place (its IDB, and any later one, taken as libpcap would)
 * whose caplen fits the block and the snap length is a packet; any block
 * libpcap skips (not a packet block, an IDB or an SHB) is passed, belonging
 * to the packet after it. Anything else, or anything libpcap would refuse,
 * goes to libpcap (to_libpcap), which then says what it says.
 */
static int next_in_place_ng(capture *c, cap_packet *pk)
{
    const uint8_t *h;
    uint32_t total;
    for (;;) {
        int rc = want(c, 8);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return c->win_n == c->pos ? 0 : to_libpcap(c, pk);
        h = c->win + c->pos;
        uint32_t type = rec32(c, h);
        total = rec32(c, h + 4);
        if (total < 12 || total % 4 || total > NG_MAX_BLOCK)
            return to_libpcap(c, pk);
        if ((rc = want(c, total)) <= 0)
            return rc < 0 ? rc : to_libpcap(c, pk);
        h = c->win + c->pos;
        if (rec32(c, h + total - 4) != total)
            return to_libpcap(c, pk);
        if (type == BT_EPB)
            break;
        if (type == BT_SHB || type == BT_PB || type == BT_SPB ||
            (type == BT_IDB && !ng_add_idb(c, h, total)))
            return to_libpcap(c, pk);
        pass(c, total);
        c->end += total;
    }
    uint32_t caplen = total >= 32 ? rec32(c, h + 20) : 0;
    uint32_t iface = total >= 32 ? rec32(c, h + 8) : 0;
    if (total < 32 || iface >= atomic_load_explicit(&c->n_if, memory_order_relaxed) ||
        caplen > total - 32 || caplen > c->snap)
        return to_libpcap(c, pk);
    uint64_t t = (uint64_t)rec32(c, h + 12) << 32 | rec32(c, h + 16);
    uint32_t len = rec32(c, h + 24);
    const uint8_t *data = h + 28;
    pass(c, total);
    c->number++;
    c->end += total;
    pk->end = c->end;
    pk->ts_ns = t * c->ng_mult[iface] + c->ng_off[iface];
    pk->frame = data;
    pk->caplen = caplen;
    pk->wire_len = len;
    pk->lent = c->release != NULL;
    return decode(pk, c->dlt, data, caplen, len > caplen ? len : caplen);
}

void blanc__capture_free(capture *c)
{
    if (!c)
        return;
    blanc__ahead_stop(c->ahead);
    pcap_close(c->pc); /* closes the cookie FILE */
    free(c->later);
    free(c);
}

const char *blanc__capture_error(const capture *c)
{
    return c->err;
}

static int damaged(cap_packet *pk, const char *why)
{
    pk->kind = CAP_DAMAGED;
    pk->why = why;
    return 1;
}

static int other(cap_packet *pk)
{
    pk->kind = CAP_OTHER;
    return 1;
}

#define ETH_IPV4 0x0800
#define IPPROTO_UDP_ 17
#define IPPROTO_TCP_ 6

/*
 * Decode the packet's headers down to the UDP or TCP payload. p[0..cap) is
 * what was captured of a packet of wire length len. Whatever is missing is a
 * snap-length cut when cap < len, and a malformed packet otherwise.
 */
static int decode(cap_packet *pk, int dlt, const uint8_t *p, size_t cap, size_t len)
{
    int cut = cap < len;
    const char *short_link = cut ? "link header cut by the snap length" : "link header too short";
    size_t at;
    unsigned ether;
    if (dlt == DLT_EN10MB) {
        if (cap < 14)
            return damaged(pk, short_link);
        ether = blanc_be16(p + 12);
        at = 14;
    } else if (dlt == DLT_LINUX_SLL) {
        if (cap < 16)
            return damaged(pk, short_link);
        ether = blanc_be16(p + 14);
        at = 16;
    } else if (dlt == DLT_LINUX_SLL2) {
        if (cap < 20)
            return damaged(pk, short_link);
        ether = blanc_be16(p);
        at = 20;
    } else if (dlt == DLT_RAW || dlt == DLT_IPV4) {
        if (cap < 1)
            return damaged(pk, short_link);
        if (p[0] >> 4 != 4)
            return other(pk); /* IPv6 */
        ether = ETH_IPV4;
        at = 0;
    } else {
        return other(pk);
    }
    /* 802.1Q, 802.1ad and the old QinQ type, stacked: each tag is 4 bytes,
     * so the loop ends within cap / 4 rounds. */
    while (ether == 0x8100 || ether == 0x88a8 || ether == 0x9100) {
        if (cap - at < 4)
            return damaged(pk, cut ? "VLAN tag cut by the snap length" : "VLAN tag too short");
        ether = blanc_be16(p + at + 2);
        at += 4;
    }
    if (ether != ETH_IPV4)
        return other(pk);

    const uint8_t *ip = p + at;
    size_t have = cap - at, wire = len - at;
    if (have < 20)
        return damaged(pk, cut ? "IPv4 header cut by the snap length" : "IPv4 header too short");
    if (ip[0] >> 4 != 4)
        return damaged(pk, "IPv4 ethertype with another IP version");
    size_t ihl = (size_t)(ip[0] & 15) * 4;
    size_t total = blanc_be16(ip + 2);
    if (ihl < 20)
        return damaged(pk, "bad IPv4 header length (IHL < 5)");
    if (total < ihl || total > wire)
        return damaged(pk, "bad IPv4 total length");
    if (total > have)
        return damaged(pk, "IPv4 packet cut by the snap length");
    unsigned frag = blanc_be16(ip + 6);
    if (frag & 0x3fff)
        return damaged(pk, "IP fragment"); /* MF set or a fragment offset */
    pk->src_ip = blanc_be32(ip + 12);
    pk->dst_ip = blanc_be32(ip + 16);
    const uint8_t *l4 = ip + ihl;
    size_t l4len = total - ihl; /* past total: Ethernet padding */
    if (ip[9] == IPPROTO_UDP_) {
        if (l4len < 8)
            return damaged(pk, "UDP header too short");
        size_t ulen = blanc_be16(l4 + 4);
        if (ulen < 8 || ulen > l4len)
            return damaged(pk, "bad UDP length");
        pk->kind = CAP_UDP;
        pk->src_port = blanc_be16(l4);
        pk->dst_port = blanc_be16(l4 + 2);
        pk->payload = l4 + 8;
        pk->len = ulen - 8;
        return 1;
    }
    if (ip[9] == IPPROTO_TCP_) {
        if (l4len < 20)
            return damaged(pk, "TCP header too short");
        size_t off = (size_t)(l4[12] >> 4) * 4;
        if (off < 20 || off > l4len)
            return damaged(pk, "bad TCP data offset");
        pk->kind = CAP_TCP;
        pk->src_port = blanc_be16(l4);
        pk->dst_port = blanc_be16(l4 + 2);
        pk->tcp_seq = blanc_be32(l4 + 4);
        pk->tcp_flags = l4[13];
        pk->payload = l4 + off;
        pk->len = l4len - off;
        return 1;
    }
    return other(pk);
}

int blanc__capture_next(capture *c, cap_packet *pk)
{
    /* Field by field: a memset of the whole struct is a slow rep stos. */
    pk->kind = CAP_OTHER;
    pk->ts_ns = 0;
    pk->src_ip = pk->dst_ip = 0;
    pk->src_port = pk->dst_port = 0;
    pk->tcp_seq = 0;
    pk->tcp_flags = 0;
    pk->payload = NULL;
    pk->len = 0;
    pk->why = NULL;
    pk->offset = c->end;
    pk->end = c->end;
    pk->number = c->number + 1;
    pk->frame = NULL;
    pk->caplen = pk->wire_len = 0;
    pk->lent = 0;
    if (c->in_place)
        return next_in_place(c, pk);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pc, &h, &data);
    if (c->src_err)
        return c->src_err;
    if (rc == PCAP_ERROR_BREAK)
        return 0; /* the end, between records */
    if (rc != 1) {
        snprintf(c->err, sizeof c->err, "%s", pcap_geterr(c->pc));
        /* libpcap says "truncated dump file" for a record the file ends in
         * (header or body); anything else is a record it cannot read on
         * from (a bogus length). */
        return strstr(c->err, "truncated") ? BLANC_ETRUNCATED : BLANC_EBADPACKET;
    }
    c->number++;
    c->end = blanc_source_offset(c->src);
    pk->end = c->end;
    /* Nanosecond precision was asked for: tv_usec holds nanoseconds. */
    pk->ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u + (uint64_t)h->ts.tv_usec;
    pk->frame = data;
    pk->caplen = h->caplen;
    pk->wire_len = h->len;
    return decode(pk, c->dlt, data, h->caplen, h->len > h->caplen ? h->len : h->caplen);
}

/* The lengths of an IPv4 (no options) / UDP datagram at ip, with room bytes
 * captured from ip on, and its span: 1, or 0 when they do not fit. */
static inline __attribute__((always_inline)) int udp_in_ip(const uint8_t *ip, size_t room,
                                                           udp_span *s)
{
    size_t total = blanc_be16(ip + 2), ulen = blanc_be16(ip + 24);
    if (total < 28 || total > room || ulen < 8 || ulen > total - 20)
        return 0;
    s->group = blanc_be32(ip + 16);
    s->port = blanc_be16(ip + 22);
    s->p = ip + 28;
    s->n = ulen - 8;
    return 1;
}

/*
 * The common packet, decided without decode()'s walk: no VLAN tag, IPv4
 * without options, not a fragment, UDP, nothing cut (wire length <= captured
 * length). For such a packet decode() reaches CAP_UDP with exactly these
 * fields; anything else returns 0 and decode() decides.
 */
static inline int plain_udp(const capture *c, const uint8_t *p, uint32_t cap, uint32_t len,
                            udp_span *s)
{
    size_t at = c->ip_at;
    int eth_at = c->eth_at;
    if (len > cap || cap < at + 28 || (eth_at >= 0 && blanc_be16(p + eth_at) != ETH_IPV4))
        return 0;
    const uint8_t *ip = p + at;
    if (ip[0] != 0x45 || ip[9] != IPPROTO_UDP_ || (blanc_be16(ip + 6) & 0x3fff))
        return 0;
    return udp_in_ip(ip, cap - at, s);
}

/*
 * The commonest shape of all, Ethernet II / IPv4 without options / UDP, in
 * two masked 8-byte compares: frame bytes 12-19 (ethertype 0x0800, version
 * 4 and IHL 5) and 20-27 (no MF flag or fragment offset, protocol 17), read
 * as little-endian numbers. Then the lengths plain_udp checks. A packet that
 * fails it goes on to plain_udp and decode(), which decide as before.
 */
#define ETH_SHAPE_MASK_A 0x0000000000ffffffull
#define ETH_SHAPE_A 0x0000000000450008ull
#define ETH_SHAPE_MASK_B 0x00000000ff00ff3full
#define ETH_SHAPE_B 0x0000000011000000ull

static inline __attribute__((always_inline)) int eth_udp(const uint8_t *p, uint32_t cap, uint32_t len, udp_span *s)
{
    if (len > cap || cap < 42 || (blanc_le64(p + 12) & ETH_SHAPE_MASK_A) != ETH_SHAPE_A ||
        (blanc_le64(p + 20) & ETH_SHAPE_MASK_B) != ETH_SHAPE_B)
        return 0;
    return udp_in_ip(p + 14, cap - 14u, s);
}

/* A captured frame's UDP span: the commonest shape (eth: Ethernet frames,
 * a constant at each call), then plain_udp, then decode() for the rest
 * (VLAN tags, IP options, other link types). 0 when it is not UDP, or cut. */
static inline __attribute__((always_inline)) int frame_udp(const capture *c, const uint8_t *data,
                                                           uint32_t caplen, uint32_t len,
                                                           const int eth, udp_span *s)
{
    if ((eth && eth_udp(data, caplen, len, s)) || plain_udp(c, data, caplen, len, s))
        return 1;
    cap_packet pk;
    pk.kind = CAP_OTHER;
    decode(&pk, c->dlt, data, caplen, len > caplen ? len : caplen);
    if (pk.kind != CAP_UDP)
        return 0;
    s->group = pk.dst_ip;
    s->port = pk.dst_port;
    s->p = pk.payload;
    s->n = pk.len;
    return 1;
}

/* How far ahead of the record being read the walk asks for the file's
 * bytes: one page. Perf put 46 % of this walk's cycles on the load of each
 * record's header, the first touch of the packet (a capture is 3.3x the
 * bytes of its messages, and the page cache's pages are scattered 4 KiB
 * pages, so the hardware's stream prefetch restarts at every page); asking a
 * page ahead took 9 % off a replay with one thread (docs/PERFORMANCE.md,
 * "eighth session"). The BinaryFILE framer gained nothing from the same. */
#define CAP_AHEAD 4096

/* The walk of peek_udp from w[at] (stream offset end, packet number + 1)
 * within w[0, lim); le_eth (a constant at each call, so inlined: a copy
 * each): the file is little-endian, in the host's order, of Ethernet frames.
 * It reads only the capture's constant fields: the walker thread runs it too
 * (capture_ahead.c). */
static inline __attribute__((always_inline)) size_t peek_run(const capture *c, const uint8_t *w,
                                                             size_t at, size_t lim, uint64_t end,
                                                             uint64_t number, udp_span *out,
                                                             size_t max, const int le_eth)
{
    /* Locals: the stores to out could otherwise alias the capture's fields. */
    const int big = c->big, swapped = c->swapped, nano = c->nano;
    const uint32_t most = c->snap < MAX_SNAPLEN ? c->snap : MAX_SNAPLEN;
    size_t k = 0;
    while (k < max && lim - at >= 16) {
        const uint8_t *h = w + at;
        /* A hint (past the window it is dropped), by integer: no pointer past the object. */
        __builtin_prefetch((const void *)((uintptr_t)h + CAP_AHEAD));
        uint32_t caplen = le_eth ? blanc_le32(h + 8) : big ? blanc_be32(h + 8) : blanc_le32(h + 8);
        uint32_t len = le_eth ? blanc_le32(h + 12) : big ? blanc_be32(h + 12) : blanc_le32(h + 12);
        /* Cut to the snap length, refused, or not whole in the window: the
         * general walk's (next_in_place) business. */
        if (caplen > most || lim - at - 16 < caplen)
            break;
        const uint8_t *data = h + 16;
        udp_span *s = &out[k];
        if (!frame_udp(c, data, caplen, len, le_eth, s))
            break;
        /* As next_in_place. */
        uint32_t sec = le_eth ? blanc_le32(h) : big ? blanc_be32(h) : blanc_le32(h);
        uint32_t frac = le_eth ? blanc_le32(h + 4) : big ? blanc_be32(h + 4) : blanc_le32(h + 4);
        int64_t ts = !le_eth && swapped ? (int64_t)sec : (int64_t)(int32_t)sec;
        int64_t f = !le_eth && swapped ? (int64_t)frac : (int64_t)(int32_t)frac;
        s->ts_ns = (uint64_t)ts * 1000000000u + (uint64_t)(nano ? f : f * 1000);
        s->packet = ++number;
        s->offset = end;
        end += 16 + (uint64_t)caplen;
        s->end = end;
        at += 16 + (size_t)caplen;
        k++;
    }
    return k;
}

/* The fast walk over pcapng: runs of EPBs of the known interfaces that
 * next_in_place_ng would return as they are (whole in the window, the
 * trailer right, caplen within the block and the snap length); it stops at
 * anything else, which the general walk then reads. */
static inline __attribute__((always_inline)) size_t peek_run_ng(const capture *c, const uint8_t *w,
                                                                size_t at, size_t lim, uint64_t end,
                                                                uint64_t number, udp_span *out,
                                                                size_t max)
{
    const int big = c->big, eth = c->dlt == DLT_EN10MB;
    const uint32_t snap = c->snap;
    /* Interfaces added later (their IDB ends a run) count from the next run. */
    const uint32_t n_if = atomic_load_explicit(&c->n_if, memory_order_acquire);
    size_t k = 0;
    while (k < max && lim - at >= 32) {
        const uint8_t *h = w + at;
        __builtin_prefetch((const void *)((uintptr_t)h + CAP_AHEAD));
        uint32_t type = big ? blanc_be32(h) : blanc_le32(h);
        uint32_t total = big ? blanc_be32(h + 4) : blanc_le32(h + 4);
        if (type != BT_EPB || total < 32 || total % 4 || total > NG_MAX_BLOCK || lim - at < total)
            break;
        uint32_t iface = big ? blanc_be32(h + 8) : blanc_le32(h + 8);
        uint32_t caplen = big ? blanc_be32(h + 20) : blanc_le32(h + 20);
        uint32_t len = big ? blanc_be32(h + 24) : blanc_le32(h + 24);
        uint32_t trail = big ? blanc_be32(h + total - 4) : blanc_le32(h + total - 4);
        if (iface >= n_if || caplen > total - 32 || caplen > snap || trail != total)
            break;
        const uint8_t *data = h + 28;
        udp_span *s = &out[k];
        if (!frame_udp(c, data, caplen, len, eth, s))
            break;
        uint32_t hi = big ? blanc_be32(h + 12) : blanc_le32(h + 12);
        uint32_t lo = big ? blanc_be32(h + 16) : blanc_le32(h + 16);
        s->ts_ns = ((uint64_t)hi << 32 | lo) * c->ng_mult[iface] + c->ng_off[iface];
        s->packet = ++number;
        s->offset = end;
        end += total;
        s->end = end;
        at += total;
        k++;
    }
    return k;
}

static int le_eth(const capture *c)
{
    return c->dlt == DLT_EN10MB && !c->big && !c->swapped;
}

/* The walker thread's walk: the same, over the whole mapped file. */
static size_t ahead_walk(const void *ctx, const uint8_t *base, size_t size, uint64_t at,
                         uint64_t number, udp_span *out, size_t max)
{
    const capture *c = ctx;
    if (c->ng)
        return peek_run_ng(c, base, (size_t)at, size, at, number, out, max);
    if (le_eth(c))
        return peek_run(c, base, (size_t)at, size, at, number, out, max, 1);
    return peek_run(c, base, (size_t)at, size, at, number, out, max, 0);
}

int blanc__capture_walk_ahead(capture *c, const uint8_t *base, size_t size)
{
    c->ahead_decided = 1;
    uint64_t from = c->end - c->pos; /* the window's first byte */
    if (c->ahead || !c->in_place || base + from != c->win || from + c->win_n > size)
        return 0;
    c->ahead = blanc__ahead_start(ahead_walk, c, base, size, c->end, c->number);
    c->ahead_started |= c->ahead != NULL;
    return c->ahead != NULL;
}

int blanc__capture_ahead_started(const capture *c)
{
    return c->ahead_started;
}

uint64_t blanc__capture_ahead_served(const capture *c)
{
    return c->ahead ? blanc__ahead_served(c->ahead) : 0;
}

uint64_t blanc__capture_ahead_walked(const capture *c)
{
    return c->ahead ? blanc__ahead_walked(c->ahead) : 0;
}

/* A walker for a mapped file, once the source says a second core is there
 * for it (the same decision as its pager thread's). */
static void ahead_try(capture *c)
{
    const uint8_t *base;
    size_t size;
    int r = blanc__source_spare_map(c->src, &base, &size);
    if (r > 0)
        blanc__capture_walk_ahead(c, base, size);
    else if (r < 0)
        c->ahead_decided = 1;
}

size_t blanc__capture_peek_udp(capture *c, udp_span *buf, size_t max, const udp_span **out,
                               size_t *seen)
{
    *out = buf;
    *seen = 0;
    if (!c->in_place || !c->release)
        return 0;
    if (blanc_unlikely(!c->ahead_decided))
        ahead_try(c);
    if (c->ahead) {
        size_t k;
        const udp_span *sp = blanc__ahead_take(c->ahead, c->end, c->number,
                                               c->end - c->pos + c->win_n, max, &k, seen);
        if (k) {
            *out = sp;
            return k;
        }
    }
    size_t k;
    if (c->ng)
        k = peek_run_ng(c, c->win, c->pos, c->win_n, c->end, c->number, buf, max);
    else if (le_eth(c))
        k = peek_run(c, c->win, c->pos, c->win_n, c->end, c->number, buf, max, 1);
    else
        k = peek_run(c, c->win, c->pos, c->win_n, c->end, c->number, buf, max, 0);
    *seen = k;
    return k;
}

void blanc__capture_advance(capture *c, const udp_span *last)
{
    c->pos += (size_t)(last->end - c->end); /* lending: consumed at the next sync */
    c->number = last->packet;
    c->end = last->end;
}
