/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The FIX writer's parts (docs/EMIT.md "FIX"): fix.c decides which messages
 * and entries a change record makes; fix_msg.c frames them (BodyLength,
 * CheckSum) and writes the fields; fix_time.c turns feed time (US Eastern,
 * ns after midnight) into FIX's UTC dates and times.
 */
#ifndef BLANC_OUT_FIX_H
#define BLANC_OUT_FIX_H

#include "blanc.h"
#include "out/obuf.h"

/* One message being built: the fields after BodyLength, grown only when a
 * message is larger than any before (a big book's snapshot). */
typedef struct fix_msg {
    char *b;
    size_t n, cap;
    int oom;
} fix_msg;

void blanc__fix_str(fix_msg *m, unsigned tag, const char *s, size_t n);
void blanc__fix_u64(fix_msg *m, unsigned tag, uint64_t v);
/* Ticks of 1e-4 dollars as a decimal with 4 places: 4954700 -> 495.4700. */
void blanc__fix_px(fix_msg *m, unsigned tag, uint32_t price);
/* 8=BEGIN 9=len, the fields, 10=sum, then '\n': one message, one line. */
void blanc__fix_frame(obuf *o, const char *begin, const fix_msg *m);

/* Days since 1970-01-01 of a YYYY-MM-DD date, or -1 if it is not one. */
int32_t blanc__fix_day(const char *date);
/* New York's offset from UTC on that day in ns (EST or EDT by the US rule). */
uint64_t blanc__fix_offset(int32_t day);
/* Feed time to UTC on that day, given its offset. */
typedef struct fix_utc {
    char date[9];  /* YYYYMMDD */
    char time[19]; /* HH:MM:SS.sss or HH:MM:SS.nnnnnnnnn */
} fix_utc;
void blanc__fix_utc(int32_t day, uint64_t offset, uint64_t feed_ns, int nanos, fix_utc *out);

#endif
