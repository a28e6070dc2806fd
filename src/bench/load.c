/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* A whole input in memory: the benchmark replays it many times and must not
 * time the disk or the decompressor. */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"

int blanc_load_file(const char *path, uint8_t **data, size_t *len, int *sys_errno)
{
    blanc_source *src;
    int rc = blanc_source_open(&src, path, sys_errno);
    if (rc)
        return rc;
    size_t cap = 1 << 20, n = 0;
    uint8_t *b = malloc(cap);
    const uint8_t *p;
    size_t k;
    while (b) {
        rc = blanc_source_next(src, &p, &k);
        if (rc < 0 || !k)
            break;
        if (k > cap - n) {
            while (k > cap - n)
                cap *= 2;
            uint8_t *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        memcpy(b + n, p, k);
        n += k;
        blanc_source_consume(src, k);
        if (rc == 0)
            break;
    }
    blanc_source_close(src);
    if (!b)
        return BLANC_ENOMEM;
    if (rc < 0) {
        free(b);
        return rc;
    }
    *data = b;
    *len = n;
    return 0;
}
