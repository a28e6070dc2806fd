/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Is this input ITCH 5.0 at all, and how is it framed? (docs/SEMANTICS.md §1.1)
 *
 * A replay that is handed a text file, random bytes or a pcap must refuse it
 * instead of counting a few "messages" and exiting 0. The rule looks only at
 * the start of the input: the frames that begin in its first 64 KiB
 * (BLANC_SNIFF_BYTES), framed as the options say. A frame is *valid* when its
 * type byte is an ITCH 5.0 type and its length is exactly that type's length.
 * The input is accepted when more than half of those frames are valid. A real
 * day with a damaged frame near its start passes
 * (damage is sparse); random bytes do not (a random length matches its type's
 * with odds of about 1 in 700,000), nor does text or a capture file header.
 *
 * With automatic framing, BinaryFILE framing is tried first and fixed framing
 * (each type's own length; files written with zeroed prefixes, e.g. by RITCH)
 * second, so the common case costs one pass over 64 KiB.
 */
#include <stdio.h>

#include "blanc.h"
#include "common/bytes.h"
#include "feed/itch_sniff.h"
#include "feed/itch_types.h"

typedef struct tally {
    uint64_t frames, valid;
    /* The first invalid frame, to say why. */
    uint64_t bad_at;
    size_t bad_len;
    uint8_t bad_type;
    int have_bad, bad_zero;
} tally;

static void count(tally *t, size_t at, uint8_t type, size_t len, int ok)
{
    t->frames++;
    if (ok) {
        t->valid++;
        return;
    }
    if (!t->have_bad) {
        t->have_bad = 1;
        t->bad_at = at;
        t->bad_type = type;
        t->bad_len = len;
        t->bad_zero = len == 0;
    }
}

static tally scan(const uint8_t *p, size_t n, blanc_framing f)
{
    tally t = {0, 0, 0, 0, 0, 0, 0};
    size_t limit = n < BLANC_SNIFF_BYTES ? n : BLANC_SNIFF_BYTES;
    size_t pos = 0;
    while (pos < limit && n - pos >= 3) {
        uint8_t type = p[pos + 2];
        size_t want = blanc__itch_len[type];
        if (f == BLANC_FRAMING_FIXED) {
            if (!want || n - pos - 2 < want) {
                if (!want)
                    count(&t, pos, type, blanc_be16(p + pos), 0);
                break; /* unknown type: fixed framing cannot go on */
            }
            count(&t, pos, type, want, 1);
            pos += 2 + want;
            continue;
        }
        const uint8_t *msg;
        size_t len;
        int rc = blanc_itch_frame(p + pos, n - pos, &msg, &len);
        if (rc == BLANC_ETRUNCATED)
            break;
        if (rc == BLANC_EENDSESSION) {
            count(&t, pos, 0, 0, 0);
            pos += 2;
            continue;
        }
        count(&t, pos, type, len, want == len);
        pos += (size_t)rc;
    }
    return t;
}

static int passes(const tally *t) { return 2 * t->valid > t->frames; }

static void explain(const tally *t, size_t n, char *why, size_t cap)
{
    if (!why || !cap)
        return;
    if (!t->frames) {
        snprintf(why, cap, "no whole frame in its first %zu bytes", n);
        return;
    }
    size_t limit = n < BLANC_SNIFF_BYTES ? n : BLANC_SNIFF_BYTES;
    char first[96];
    if (t->bad_zero)
        snprintf(first, sizeof first, "a zero length prefix at byte %llu",
                 (unsigned long long)t->bad_at);
    else if (!blanc__itch_len[t->bad_type])
        snprintf(first, sizeof first, "byte %llu: 0x%02x is no ITCH 5.0 message type",
                 (unsigned long long)t->bad_at + 2, t->bad_type);
    else
        snprintf(first, sizeof first, "byte %llu: length %zu for type '%c', which is %u bytes",
                 (unsigned long long)t->bad_at, t->bad_len, t->bad_type,
                 blanc__itch_len[t->bad_type]);
    snprintf(why, cap, "%llu of %llu frames in the first %zu bytes are valid; first bad: %s",
             (unsigned long long)t->valid, (unsigned long long)t->frames, limit, first);
}

int blanc__itch_sniff(const uint8_t *p, size_t n, blanc_framing *framing, char *why, size_t cap)
{
    blanc_framing f = *framing;
    if (f == BLANC_FRAMING_AUTO) {
        tally bf = scan(p, n, BLANC_FRAMING_BINARYFILE);
        if (passes(&bf)) {
            *framing = BLANC_FRAMING_BINARYFILE;
            return 0;
        }
        tally fx = scan(p, n, BLANC_FRAMING_FIXED);
        if (passes(&fx)) {
            *framing = BLANC_FRAMING_FIXED;
            return 0;
        }
        /* Say why in the terms of the framing the input looked most like. */
        explain(fx.valid > bf.valid ? &fx : &bf, n, why, cap);
        return BLANC_ENOTITCH;
    }
    tally t = scan(p, n, f);
    if (passes(&t))
        return 0;
    explain(&t, n, why, cap);
    return BLANC_ENOTITCH;
}
