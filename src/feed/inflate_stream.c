/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The decoder behind a streamed source: reads the file descriptor in 1 MiB
 * pieces and inflates (zlib, or ISA-L), decompresses (libzstd) or copies them.
 *
 * zlib is the reference for gzip: what it makes of a stream, clean, cut or
 * corrupt, and at which decoded offset it stops, is what Blanc reports. ISA-L
 * is only a faster way to the same bytes: it decodes while every member ends
 * cleanly (its CRC-32 and length checked); at the first thing that is not
 * clean (bad data, the input ending inside a member, trailing bytes that are
 * not another member) the decoder reopens the file from byte 0 under zlib,
 * re-makes and drops the bytes already handed out, and goes on from there, so
 * the error and its offset are zlib's. That costs one more decode of the
 * damaged prefix, paid only by damaged input. A first member whose header
 * carries a header CRC or reserved flags goes to zlib directly (zlib checks
 * those). ISA-L needs the re-read, so it is used for regular files only.
 * One exception: ISA-L does not check that a dynamic block's Huffman code is
 * complete, as zlib does, so on such a damaged block it may hand out bytes
 * zlib never makes before it fails; those cannot be taken back, and the
 * stream then ends corrupt where zlib stops short of them (fuzz_source
 * checks that zlib's bytes are a prefix of what went out).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "feed/inflate.h"

#define IN_CAP ((size_t)1 << 20)
#define HANDOVER (-1000) /* not an error code: ISA-L gives the stream to zlib */

struct blanc__inflate {
    int fd, seekable;
    blanc_compression comp;
    uint8_t *in;
    size_t in_len, in_pos;
    uint64_t raw_read; /* bytes read from the file or pipe */
    int in_eof, frame_done;
    int failed; /* an error met after some output: the next call's answer */
    z_stream zs;
    int zs_init;
    ZSTD_DCtx *zd;
    blanc__isal *isal; /* set while ISA-L decodes */
    uint64_t made;     /* bytes handed out so far */
    uint64_t skip;     /* bytes zlib re-makes and drops after a hand-over */
};

blanc_compression blanc__sniff_compression(const uint8_t *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return BLANC_COMP_GZIP;
    if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
        return BLANC_COMP_ZSTD;
    return BLANC_COMP_NONE;
}

/* read() that retries on EINTR. */
static ssize_t read_some(int fd, uint8_t *p, size_t n)
{
    for (;;) {
        ssize_t r = read(fd, p, n);
        if (r >= 0 || errno != EINTR)
            return r;
    }
}

static int read_input(blanc__inflate *d)
{
    if (d->in_pos < d->in_len || d->in_eof)
        return 0;
    ssize_t r = read_some(d->fd, d->in, IN_CAP);
    if (r < 0)
        return BLANC_EIO;
    d->in_pos = 0;
    d->in_len = (size_t)r;
    d->raw_read += (uint64_t)r;
    if (r == 0)
        d->in_eof = 1;
    return 0;
}

/* Fill the input buffer until the magic bytes can be judged. */
static int read_head(blanc__inflate *d)
{
    while (d->in_len < 4 && !d->in_eof) {
        ssize_t r = read_some(d->fd, d->in + d->in_len, IN_CAP - d->in_len);
        if (r < 0)
            return BLANC_EIO;
        if (r == 0)
            d->in_eof = 1;
        d->in_len += (size_t)r;
        d->raw_read += (uint64_t)r;
    }
    return 0;
}

static int zlib_init(blanc__inflate *d)
{
    /* 15 + 32: zlib or gzip header, detected automatically. */
    if (inflateInit2(&d->zs, 15 + 32) != Z_OK)
        return BLANC_ENOMEM;
    d->zs_init = 1;
    return 0;
}

int blanc__inflate_open(blanc__inflate **out, int fd, int seekable, int gz_engine)
{
    blanc__inflate *d = calloc(1, sizeof *d);
    if (!d)
        return BLANC_ENOMEM;
    d->fd = fd;
    d->seekable = seekable;
    d->in = calloc(1, IN_CAP); /* zeroed: gcc cannot see that read() filled what the sniff reads */
    int rc = d->in ? read_head(d) : BLANC_ENOMEM;
    if (!rc) {
        d->comp = blanc__sniff_compression(d->in, d->in_len);
        if (d->comp == BLANC_COMP_GZIP) {
            /* FLG (byte 3): FHCRC or reserved bits are zlib's to judge. */
            int plain_header = d->in_len >= 4 && !(d->in[3] & 0xe2);
            if (gz_engine == BLANC__GZ_AUTO && seekable && plain_header)
                d->isal = blanc__isal_new(); /* NULL when not built in */
            if (!d->isal)
                rc = zlib_init(d);
        } else if (d->comp == BLANC_COMP_ZSTD) {
            d->zd = ZSTD_createDCtx();
            if (!d->zd)
                rc = BLANC_ENOMEM;
        }
    }
    if (rc) {
        blanc__inflate_close(d);
        return rc;
    }
    *out = d;
    return 0;
}

blanc_compression blanc__inflate_comp(const blanc__inflate *d) { return d->comp; }

const char *blanc__inflate_engine(const blanc__inflate *d)
{
    if (d->comp != BLANC_COMP_GZIP)
        return NULL;
    return d->isal ? "isal" : "zlib";
}

/* zlib, libzstd or a copy into dst: bytes made, 0 at the clean end of input,
 * or a negative error. */
static long produce_ref(blanc__inflate *d, uint8_t *dst, size_t room)
{
    if (d->failed)
        return d->failed;
    for (;;) {
        int rc = read_input(d);
        if (rc)
            return rc;
        size_t avail = d->in_len - d->in_pos;
        if (d->comp == BLANC_COMP_NONE) {
            if (!avail)
                return 0;
            size_t n = avail < room ? avail : room;
            memcpy(dst, d->in + d->in_pos, n);
            d->in_pos += n;
            return (long)n;
        }
        if (!avail) {
            /* Input ended: clean only if the last member/frame was complete. */
            return d->frame_done ? 0 : BLANC_ESTREAMCUT;
        }
        if (d->comp == BLANC_COMP_GZIP) {
            if (d->frame_done) {
                /* Another gzip member follows (concatenated .gz). */
                if (inflateReset(&d->zs) != Z_OK)
                    return BLANC_ECORRUPT;
                d->frame_done = 0;
            }
            d->zs.next_in = d->in + d->in_pos;
            d->zs.avail_in = (uInt)avail;
            d->zs.next_out = dst;
            d->zs.avail_out = (uInt)room;
            int zr = inflate(&d->zs, Z_NO_FLUSH);
            d->in_pos = d->in_len - d->zs.avail_in;
            size_t made = room - d->zs.avail_out;
            if (zr == Z_STREAM_END)
                d->frame_done = 1;
            else if (zr != Z_OK && zr != Z_BUF_ERROR)
                return made ? (d->failed = BLANC_ECORRUPT, (long)made) : BLANC_ECORRUPT;
            if (made)
                return (long)made;
        } else {
            ZSTD_inBuffer ib = {d->in, d->in_len, d->in_pos};
            ZSTD_outBuffer ob = {dst, room, 0};
            size_t zr = ZSTD_decompressStream(d->zd, &ob, &ib);
            d->in_pos = ib.pos;
            if (ZSTD_isError(zr))
                return ob.pos ? (d->failed = BLANC_ECORRUPT, (long)ob.pos) : BLANC_ECORRUPT;
            d->frame_done = (zr == 0);
            if (ob.pos)
                return (long)ob.pos;
        }
    }
}

/* ISA-L: bytes made, 0 at a clean end, or HANDOVER. */
static long produce_isal(blanc__inflate *d, uint8_t *dst, size_t room)
{
    for (;;) {
        if (read_input(d))
            return HANDOVER;
        size_t avail = d->in_len - d->in_pos;
        if (!avail && d->frame_done)
            return 0;
        if (avail && d->frame_done) { /* the next member of a concatenated .gz */
            blanc__isal_reset(d->isal);
            d->frame_done = 0;
        }
        size_t before = d->in_pos;
        /* With no input left it still flushes what it holds. */
        long r = blanc__isal_run(d->isal, d->in, d->in_len, &d->in_pos, dst, room, &d->frame_done);
        if (r < 0)
            return HANDOVER;
        if (r > 0)
            return r;
        if (d->frame_done)
            continue;
        if (!avail || d->in_pos == before)
            return HANDOVER; /* cut inside a member, or stuck */
    }
}

/* Reopen the stream under zlib from byte 0 (see the top of the file). */
static int hand_to_zlib(blanc__inflate *d)
{
    blanc__isal_free(d->isal);
    d->isal = NULL;
    if (lseek(d->fd, 0, SEEK_SET) != 0)
        return BLANC_EIO;
    d->in_len = d->in_pos = 0;
    d->raw_read = 0;
    d->in_eof = d->frame_done = d->failed = 0;
    d->skip = d->made;
    return zlib_init(d);
}

long blanc__inflate_produce(blanc__inflate *d, uint8_t *dst, size_t room)
{
    if (d->isal) {
        long r = produce_isal(d, dst, room);
        if (r != HANDOVER) {
            d->made += (uint64_t)(r > 0 ? r : 0);
            return r;
        }
        int rc = hand_to_zlib(d);
        if (rc)
            return rc;
    }
    for (;;) {
        long r = produce_ref(d, dst, room);
        if (r > 0 && d->skip) {
            if ((uint64_t)r <= d->skip) {
                d->skip -= (uint64_t)r;
                continue;
            }
            size_t keep = (size_t)r - (size_t)d->skip;
            memmove(dst, dst + d->skip, keep);
            d->skip = 0;
            r = (long)keep;
        } else if (r == 0 && d->skip) {
            /* zlib ends cleanly before the bytes ISA-L made: not one stream. */
            r = BLANC_ECORRUPT;
        }
        if (r > 0)
            d->made += (uint64_t)r;
        return r;
    }
}

uint64_t blanc__inflate_raw(const blanc__inflate *d) { return d->raw_read - (d->in_len - d->in_pos); }

void blanc__inflate_close(blanc__inflate *d)
{
    if (!d)
        return;
    if (d->zs_init)
        inflateEnd(&d->zs);
    ZSTD_freeDCtx(d->zd);
    blanc__isal_free(d->isal);
    free(d->in);
    free(d);
}
