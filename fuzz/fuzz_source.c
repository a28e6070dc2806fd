/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Byte sources on arbitrary content: the first byte picks gzip, zstd or
 * plain by prefixing the magic, the rest goes through a temp file and is
 * drained. Damaged streams must end in an error value, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00}, zs[] = {0x28, 0xb5, 0x2f, 0xfd};
    if (size < 1)
        return 0;
    char path[] = "/tmp/blanc-fuzz-src-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    FILE *f = fdopen(fd, "wb");
    if (data[0] % 3 == 1)
        fwrite(gz, 1, sizeof gz, f);
    else if (data[0] % 3 == 2)
        fwrite(zs, 1, sizeof zs, f);
    fwrite(data + 1, 1, size - 1, f);
    fclose(f);
    /* Every decoder path (ISA-L or zlib, on the producer thread or inline)
     * must hand out the same bytes and end the same way; damaged gzip goes
     * from ISA-L to zlib mid-stream, which is what this compares. */
    uint8_t *out[2] = {NULL, NULL};
    size_t len[2] = {0, 0};
    int end[2] = {0, 0};
    uint64_t avail[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++) {
        setenv("BLANC_INFLATE", pass ? "zlib" : "auto", 1);
        setenv("BLANC_INFLATE_THREAD", pass ? "0" : "1", 1);
        blanc_source *s;
        if (blanc_source_open(&s, path, NULL) != 0)
            break;
        size_t cap = 0;
        for (;;) {
            const uint8_t *p;
            size_t n;
            int rc = blanc_source_next(s, &p, &n);
            /* Consume an input-dependent amount to exercise carry-over. */
            size_t k = rc <= 0 ? n : n / 2 + 1;
            if (k > n)
                k = n;
            if (len[pass] + k > cap && len[pass] + k <= ((size_t)64 << 20)) {
                cap = (len[pass] + k) * 2;
                out[pass] = realloc(out[pass], cap);
            }
            if (k && len[pass] + k <= cap) {
                memcpy(out[pass] + len[pass], p, k);
                len[pass] += k;
            }
            blanc_source_consume(s, k);
            if (rc <= 0) {
                end[pass] = rc;
                break;
            }
        }
        avail[pass] = blanc_source_available(s);
        blanc_source_close(s);
    }
    /* libzstd's bytes before damage follow the call's output room (see
     * tests/test_source_inflate.c), so a corrupt zstd frame is not compared. */
    int zstd_damaged = data[0] % 3 == 2 && end[0] == BLANC_ECORRUPT;
    /* ISA-L does not check that a dynamic block's Huffman code is complete
     * (zlib does: "invalid literal/lengths set"), so on such a block it hands
     * out bytes zlib never makes before either stops. Then zlib's bytes must
     * be a prefix of what went out, and both must end corrupt
     * (inflate_stream.c, corpus gzip-lax-huffman-header). */
    int isal_ahead = data[0] % 3 == 1 && end[0] == BLANC_ECORRUPT && end[1] == BLANC_ECORRUPT &&
                     len[1] < len[0] && (!len[1] || !memcmp(out[0], out[1], len[1]));
    if (!zstd_damaged && !isal_ahead &&
        (end[0] != end[1] || len[0] != len[1] || avail[0] != avail[1] ||
         (len[0] && memcmp(out[0], out[1], len[0]))))
        abort();
    free(out[0]);
    free(out[1]);
    unlink(path);
    return 0;
}
