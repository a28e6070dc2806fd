/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * MoldUDP64 downstream packet parsing (docs/FEEDS.md "MoldUDP64 sequencing").
 * Stateless and zero-copy: the packet's fields are read in place and its
 * message blocks are checked to add up to the payload exactly, so that every
 * later walk over the blocks (mold_stream.c) may trust their lengths.
 */
#include "common/bytes.h"
#include "feed/mold.h"

int blanc__mold_parse(const uint8_t *p, size_t n, mold_packet *out)
{
    if (n < MOLD_HEADER)
        return BLANC_EBADPACKET;
    memcpy(out->session, p, sizeof out->session);
    out->seq = blanc_be64(p + 10);
    out->count = blanc_be16(p + 18);
    out->blocks = p + MOLD_HEADER;
    out->len = n - MOLD_HEADER;
    if (out->count == MOLD_HEARTBEAT || out->count == MOLD_END_OF_SESSION)
        return out->len == 0 ? 0 : BLANC_EBADPACKET; /* they carry no blocks */
    /* The number after the last message must be representable: seq + count
     * (the session's next; 0 would read as unsequenced). */
    if (out->seq > UINT64_MAX - out->count)
        return BLANC_EBADPACKET;
    /* Every block is at least its 2-byte length, so this walk stops after at
     * most len/2 steps whatever count claims. */
    const uint8_t *b = p + MOLD_HEADER;
    size_t pos = 0, len = n - MOLD_HEADER;
    for (uint32_t i = out->count; i; i--) {
        if (pos + 2 > len)
            return BLANC_EBADPACKET;
        pos += 2u + blanc_be16(b + pos);
    }
    /* pos grows by at most 65537 a block from at most len: no overflow, and
     * a block past the end leaves pos > len. */
    return pos == len ? 0 : BLANC_EBADPACKET;
}
