/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The decoding half of a streamed byte source (source.c): one file
 * descriptor's bytes, gzip, zstd or plain, decoded into caller buffers.
 *   inflate_stream.c  the decoder: input buffer, zlib, libzstd, and ISA-L for
 *                     gzip when it was built in, with zlib as the judge of
 *                     anything that is not a clean stream (below);
 *   inflate_isal.c    the ISA-L engine (an empty stub without libisal);
 *   inflate_thread.c  a producer thread that runs a decoder into a small ring
 *                     of large buffers, so decompression overlaps the replay.
 * Every path yields the bytes zlib/libzstd would, in the same order, and the
 * same end: 0 clean, BLANC_ESTREAMCUT, BLANC_ECORRUPT or BLANC_EIO after the
 * same decoded offset.
 */
#ifndef BLANC_INFLATE_H
#define BLANC_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

typedef struct blanc__inflate blanc__inflate;

/* Which gzip engine: ISA-L when built in (the default), or zlib alone. */
enum { BLANC__GZ_AUTO = 0, BLANC__GZ_ZLIB = 1 };

/* Read the first bytes of fd (borrowed) and choose the decoder by them.
 * seekable: fd is a regular file that can be read again from byte 0, which
 * the ISA-L engine needs to hand a damaged stream to zlib. */
/* gzip or zstd by its magic bytes, else BLANC_COMP_NONE. */
blanc_compression blanc__sniff_compression(const uint8_t *p, size_t n);
int blanc__inflate_open(blanc__inflate **out, int fd, int seekable, int gz_engine);
blanc_compression blanc__inflate_comp(const blanc__inflate *d);
/* Which engine decodes gzip now: "zlib", "isal", or NULL for zstd/plain. */
const char *blanc__inflate_engine(const blanc__inflate *d);
/* Decode into dst[0, room). Returns bytes made (> 0), 0 at the clean end of
 * the input, or a negative error; bytes made before an error come first, the
 * error on the next call (and every call after it). */
long blanc__inflate_produce(blanc__inflate *d, uint8_t *dst, size_t room);
/* Bytes of the file read and taken by the decoder so far. */
uint64_t blanc__inflate_raw(const blanc__inflate *d);
void blanc__inflate_close(blanc__inflate *d);

/* ISA-L engine (inflate_isal.c). isal_new returns NULL when not built in. */
typedef struct blanc__isal blanc__isal;
blanc__isal *blanc__isal_new(void);
/* Like produce over in[*pos, len): bytes made, 0 when it needs more input,
 * BLANC_EAGAIN-free: any trouble (bad data, a member not finished at the
 * end, a header zlib would judge differently) is -1, and the caller hands
 * the stream to zlib. *member_done is set at the end of a gzip member. */
long blanc__isal_run(blanc__isal *z, const uint8_t *in, size_t len, size_t *pos, uint8_t *dst,
                     size_t room, int *member_done);
void blanc__isal_reset(blanc__isal *z);
void blanc__isal_free(blanc__isal *z);

/* The producer thread (inflate_thread.c): owns d from here on. */
typedef struct blanc__ring blanc__ring;
int blanc__ring_start(blanc__ring **out, blanc__inflate *d);
/* The same contract as blanc__inflate_produce. */
long blanc__ring_produce(blanc__ring *r, uint8_t *dst, size_t room);
/* The decoder's raw count as of the last bytes (or end) handed out. */
uint64_t blanc__ring_raw(const blanc__ring *r);
const blanc__inflate *blanc__ring_decoder(const blanc__ring *r);
/* Stops the thread wherever it is (an early stop) and frees the decoder. */
void blanc__ring_stop(blanc__ring *r);

#endif
