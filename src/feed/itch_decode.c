/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Public framer and decoder: stateless and zero-copy, with the picohttpparser
 * contract (bytes consumed, or a negative "need more" / "malformed"). */
#include "feed/itch_decode.h"
#include "feed/itch_types.h"

int blanc_itch_frame(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len)
{
    if (len < 2)
        return BLANC_ETRUNCATED;
    size_t l = blanc_be16(buf);
    if (l == 0)
        return BLANC_EENDSESSION;
    if (len - 2 < l)
        return BLANC_ETRUNCATED;
    *msg = buf + 2;
    *msg_len = l;
    return (int)(l + 2);
}

int blanc_itch_decode(const uint8_t *msg, size_t len, blanc_event *ev)
{
    if (len == 0)
        return BLANC_ETRUNCATED;
    size_t want = blanc__itch_len[msg[0]];
    if (want == 0)
        return BLANC_EUNKNOWNTYPE;
    if (len != want)
        return BLANC_EBADLEN;
    memset(ev, 0, sizeof *ev);
    blanc__itch_fill(msg, ev);
    return (int)len;
}
