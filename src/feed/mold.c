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
    /* The last message's number must be representable: seq + count - 1. */
    if (out->seq > UINT64_MAX - out->count)
        return BLANC_EBADPACKET;
    /* Every block is at least its 2-byte length, so this walk stops after at
     * most len/2 steps whatever count claims. */
    size_t pos = 0;
    for (uint32_t i = 0; i < out->count; i++) {
        if (out->len - pos < 2)
            return BLANC_EBADPACKET;
        size_t l = blanc_be16(out->blocks + pos);
        pos += 2;
        if (l > out->len - pos)
            return BLANC_EBADPACKET;
        pos += l;
    }
    return pos == out->len ? 0 : BLANC_EBADPACKET;
}
