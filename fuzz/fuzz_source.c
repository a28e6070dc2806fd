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
    blanc_source *s;
    if (blanc_source_open(&s, path, NULL) == 0) {
        uint64_t total = 0;
        for (;;) {
            const uint8_t *p;
            size_t n;
            int rc = blanc_source_next(s, &p, &n);
            if (rc <= 0)
                break;
            /* Consume an input-dependent amount to exercise carry-over. */
            size_t k = n / 2 + 1;
            total += k;
            blanc_source_consume(s, k > n ? n : k);
        }
        (void)total;
        blanc_source_close(s);
    }
    unlink(path);
    return 0;
}
