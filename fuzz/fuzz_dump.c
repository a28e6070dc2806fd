/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The dump writer on arbitrary frames: byte 0 picks the options (format,
 * decimal prices, a type, a symbol, a time window), the rest is framed as a
 * BinaryFILE. Every record must be written whole: the records counted equal
 * the lines in the output (plus the CSV header). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    static const char sym[1][8] = {{'A', 'A', 'P', 'L', ' ', ' ', ' ', ' '}};
    char types[2] = {blanc_itch_types[(sel >> 3) % BLANC_ITCH_NTYPES], 0};
    blanc_dump_options o;
    memset(&o, 0, sizeof o);
    o.format = sel & 1 ? BLANC_DUMP_CSV : BLANC_DUMP_JSONL;
    o.price_decimal = sel >> 1 & 1;
    o.types = o.format == BLANC_DUMP_CSV || (sel & 4) ? types : NULL;
    if (sel & 0x80) {
        o.symbols = sym;
        o.n_symbols = 1;
    }
    if (sel & 0x40) {
        o.from = 34200000000000ull;
        o.until = 57600000000001ull;
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz_dump.%d.out", (int)getpid());
    blanc_sink *sink;
    blanc_dumper *d;
    if (blanc_sink_open(&sink, path, NULL))
        abort();
    if (blanc_dumper_create(&d, &o, sink))
        abort();
    size_t pos = 1;
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
        blanc_msg m;
        memset(&m, 0, sizeof m);
        m.p = msg;
        m.len = (uint32_t)len;
        m.offset = pos;
        int w = blanc_dumper_write(d, &m, NULL);
        if (w < 0 && w != BLANC_EUNKNOWNTYPE && w != BLANC_EBADLEN)
            abort();
        pos += (size_t)rc;
    }
    if (blanc_dumper_finish(d) || blanc_sink_commit(sink))
        abort();
    uint64_t lines = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        abort();
    for (int c; (c = getc(f)) != EOF;)
        lines += c == '\n';
    fclose(f);
    unlink(path);
    /* CSV quotes a newline inside an alpha cell, so count only JSONL lines exactly
     * (JSON escapes every control byte). */
    blanc_dump_stats ds;
    blanc_dumper_get_stats(d, &ds);
    uint64_t want = ds.records + (o.format == BLANC_DUMP_CSV);
    if (o.format == BLANC_DUMP_JSONL ? lines != want : lines < want)
        abort();
    blanc_dumper_free(d);
    return 0;
}
