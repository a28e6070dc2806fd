/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * gzip through ISA-L's igzip inflate (libisal), about 3x zlib's speed on a
 * day's file. It is trusted only for what it finishes cleanly: a member whose
 * deflate data, CRC-32 and length all check. Anything else returns -1 and the
 * decoder replays the stream through zlib from byte 0 (inflate_stream.c), so
 * an error, its offset and every byte before it are zlib's.
 * Built only when libisal is found; otherwise blanc__isal_new() says so.
 */
#include "feed/inflate.h"

#ifdef BLANC_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#include <stdlib.h>

struct blanc__isal {
    struct inflate_state st;
};

blanc__isal *blanc__isal_new(void)
{
    blanc__isal *z = malloc(sizeof *z);
    if (z)
        blanc__isal_reset(z);
    return z;
}

void blanc__isal_reset(blanc__isal *z)
{
    isal_inflate_init(&z->st);
    z->st.crc_flag = ISAL_GZIP; /* parse the gzip wrapper, check CRC-32 and ISIZE */
}

long blanc__isal_run(blanc__isal *z, const uint8_t *in, size_t len, size_t *pos, uint8_t *dst,
                     size_t room, int *member_done)
{
    size_t avail = len - *pos;
    /* isal counts in 32 bits; the callers' buffers are a few MiB. */
    if (avail > UINT32_MAX || room > UINT32_MAX)
        return -1;
    z->st.next_in = (uint8_t *)(uintptr_t)(in + *pos);
    z->st.avail_in = (uint32_t)avail;
    z->st.next_out = dst;
    z->st.avail_out = (uint32_t)room;
    int r = isal_inflate(&z->st);
    if (r < 0)
        return -1;
    *pos = len - z->st.avail_in;
    if (z->st.block_state == ISAL_BLOCK_FINISH)
        *member_done = 1;
    return (long)(room - z->st.avail_out);
}

void blanc__isal_free(blanc__isal *z) { free(z); }

#else

blanc__isal *blanc__isal_new(void) { return NULL; }
void blanc__isal_reset(blanc__isal *z) { (void)z; }
long blanc__isal_run(blanc__isal *z, const uint8_t *in, size_t len, size_t *pos, uint8_t *dst,
                     size_t room, int *member_done)
{
    (void)z, (void)in, (void)len, (void)pos, (void)dst, (void)room, (void)member_done;
    return -1;
}
void blanc__isal_free(blanc__isal *z) { (void)z; }

#endif
