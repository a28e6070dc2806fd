/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Framer + decoder on arbitrary bytes; a valid decode must round-trip
 * through the encoder byte for byte. */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *msg;
        size_t len;
        int rc = blanc_itch_frame(data + pos, size - pos, &msg, &len);
        if (rc == BLANC_EENDSESSION) {
            pos += 2;
            continue;
        }
        if (rc < 0)
            break;
        blanc_event ev;
        if (blanc_itch_decode(msg, len, &ev) == (int)len) {
            uint8_t out[64];
            int n = blanc_itch_encode(&ev, out, sizeof out);
            /* Reserved/padding bytes are not kept, so compare what is decoded. */
            blanc_event again;
            if (n != (int)len || blanc_itch_decode(out, (size_t)n, &again) != n ||
                memcmp(&ev, &again, sizeof ev) != 0)
                abort();
        }
        pos += (size_t)rc;
    }
    return 0;
}
