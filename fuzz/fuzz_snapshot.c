/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The snapshot reader on arbitrary bytes. Every section of a binary snapshot
 * is checksummed, which would stop the fuzzer at the door, so when the first
 * byte is odd the harness re-seals each section's checksum before reading:
 * then mutations reach the payload parsers. A snapshot that is accepted must
 * be a consistent state (the reader also checked its digests). */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t le64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void reseal(uint8_t *p, size_t n)
{
    size_t off = 16;
    while (n >= 16 && !memcmp(p, "BLANCSNP", 8) && n - off >= 16) {
        uint64_t len = le64(p + off + 8);
        if (n - off - 16 < 8 || len > n - off - 16 - 8)
            return;
        uint64_t h = XXH3_64bits(p + off + 16, (size_t)len);
        memcpy(p + off + 16 + len, &h, 8);
        off += 16 + (size_t)len + 8;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t n = size - 1;
    uint8_t *copy = malloc(n ? n : 1);
    if (!copy)
        return 0;
    memcpy(copy, data + 1, n);
    if (data[0] & 1)
        reseal(copy, n);
    blanc_replay *r = NULL;
    blanc_snap_error err;
    int rc = blanc_snapshot_read(&r, copy, n, &err);
    if (rc == 0) {
        if (blanc_books_check(blanc_replay_books(r)) != 0)
            abort();
        /* The health section: a tracker of the default configuration (the one
         * the corpus snapshots were taken with, so mutations get past the
         * config digest to the checker) takes it or refuses it cleanly; one
         * it takes must go on observing without fault. */
        blanc_health_config c;
        blanc_health_config_default(&c);
        blanc_health *h;
        if (blanc_health_create(&h, &c))
            abort();
        int hr = blanc_health_resume(h, r, &err);
        if (hr == 0) {
            blanc_replay_set_health(r, h);
            static const uint8_t msgs[][12] = {
                {'S', 0, 0, 0, 0, 0x1f, 0x1a, 0x71, 0xfb, 0x04, 0x00, 'Q'}, /* 09:30 */
                {'Z', 1, 2, 3},                                          /* unknown type */
                {'S', 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 'O'}, /* back, reset */
            };
            for (int k = 0; k < 40; k++)
                blanc_replay_message(r, msgs[k % 3], k % 3 == 1 ? 4 : 12, 0);
            blanc_health_stats st;
            blanc_health_get_stats(h, &st);
            blanc_replay_set_health(r, NULL);
        } else if (hr != BLANC_ENOTFOUND && hr != BLANC_EMISMATCH && hr != BLANC_EBADSNAP &&
                   hr != BLANC_ENOMEM) {
            abort();
        }
        blanc_health_free(h);
        blanc_replay_free(r);
    } else if (rc != BLANC_EBADSNAP && rc != BLANC_EVERSION && rc != BLANC_ENOMEM) {
        abort();
    } else if (r) {
        abort(); /* a refusal leaves nothing behind */
    }
    free(copy);
    return 0;
}
