/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* SoupBinTCP on arbitrary content. The first byte picks the harness:
 *   even: the byte-stream feed (feed_soup.c) over the rest, with the content
 *         check, and the stream read again through windows whose ends the
 *         input's bytes choose: both must give the same messages;
 *   odd:  TCP reassembly (tcp_reasm.c) of segments described by the rest:
 *         seq delta (2 bytes, signed), flags (1), length (1), payload;
 *         run again resumed from its snapshots (tcp_save.c) just before it
 *         locked on and halfway, which must change nothing, and a damaged
 *         copy of each snapshot must restore or be refused;
 * Every message must lie inside the bytes it was read from; offsets only go
 * forward; nothing may crash, hang or grow without bound. */
#include <stdlib.h>
#include <string.h>

#include "feed/feed.h"
#include "feed/soup.h"
#include "feed/tcp_reasm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok)
{
    if (!ok)
        abort();
}

static void stream(const uint8_t *p, size_t n)
{
    (void)blanc__is_soup(p, n);
    blanc_source *src;
    if (blanc_source_open_mem(&src, p, n) < 0)
        return;
    blanc_feed *f;
    if (blanc__feed_soup_open(&f, src, NULL) < 0) {
        blanc_source_close(src);
        return;
    }
    blanc_msg m[16];
    uint64_t msgs = 0, last = 0, sum = 0;
    int k;
    while ((k = f->ops->next(f, m, 16)) > 0) {
        /* Consume a part sometimes: a pause reads the rest again. */
        size_t use = (size_t)k > 1 && (m[0].len & 1) ? (size_t)k / 2 : (size_t)k;
        for (size_t i = 0; i < (size_t)k; i++) {
            check(m[i].p >= p && m[i].p + m[i].len <= p + n && m[i].offset >= last);
            if (i < use)
                sum += m[i].seq + m[i].offset + m[i].damage;
        }
        last = m[use - 1].offset;
        msgs += use;
        f->ops->consume(f, use);
    }
    check(k == 0 && f->end.how != BLANC_END_NONE && f->offset <= n);
    f->ops->free(f);
    free(f);
    blanc_source_close(src);

    /* Again through windows: the same messages. */
    soup_stream *s;
    if (blanc__soup_stream_create(&s) < 0)
        return;
    uint64_t msgs2 = 0, sum2 = 0;
    size_t end = 0, step = 0;
    for (;;) {
        size_t at = (size_t)blanc__soup_stream_offset(s);
        check(at <= end && end <= n);
        int eof = end == n;
        k = blanc__soup_stream_take(s, p + at, end - at, eof, m, 16);
        if (k > 0) {
            for (int i = 0; i < k; i++)
                sum2 += m[i].seq + m[i].offset + m[i].damage;
            msgs2 += (uint64_t)k;
            blanc__soup_stream_consume(s, (size_t)k);
            continue;
        }
        if (eof || blanc__soup_stream_ended(s))
            break;
        step = step * 31 + p[end] % 97 + 1;
        end = end + step % 4096 + 1 < n ? end + step % 4096 + 1 : n;
    }
    check(msgs == msgs2 && sum == sum2);
    blanc__soup_stream_free(s);
}

/* What a run of the reassembler gave: its messages (counted and hashed,
 * fields and bytes), where it locked on, its counters and end. */
typedef struct outcome {
    uint64_t msgs, hash, lock;
    int ended, truncated;
    blanc_transport_stats st;
} outcome;

static uint64_t mix(uint64_t h, uint64_t v) { return (h ^ v) * 0x100000001b3ull; }

/* Take and consume what is ready; with `part`, the first batch only in
 * part (a pause between two messages of a batch, where a snapshot falls). */
static void read_out(tcp_reasm *r, uint64_t num, outcome *o, int part)
{
    blanc_msg m[16];
    int k;
    while ((k = blanc__tcp_reasm_take(r, m, 16)) > 0) {
        size_t use = part ? (size_t)(k + 1) / 2 : (size_t)k;
        part = 0;
        for (size_t i = 0; i < use; i++) {
            check(m[i].packet >= 1 && m[i].packet <= num && m[i].p != NULL);
            uint64_t h = mix(o->hash, m[i].seq);
            h = mix(h, m[i].session);
            h = mix(h, m[i].offset);
            h = mix(h, m[i].packet);
            h = mix(h, m[i].damage);
            h = mix(h, m[i].damage ? m[i].damage_at : 0);
            h = mix(h, m[i].len);
            for (size_t j = 0; j < m[i].len; j++)
                h = mix(h, m[i].p[j]);
            o->hash = h;
        }
        o->msgs += use;
        blanc__tcp_reasm_consume(r, use);
    }
}

/* A resume at this point: r saved and restored into a fresh reassembler,
 * which goes on in its place. A copy of the blob with one bit flipped where
 * `pick` says must restore or be refused (BLANC_EBADSNAP), never read
 * outside the blob; restored, it is driven to its end too. */
static tcp_reasm *resume(tcp_reasm *r, const tcp_reasm_options *o, uint64_t pick)
{
    uint8_t *blob;
    size_t len;
    tcp_reasm *q = NULL;
    if (blanc__tcp_reasm_save(r, &blob, &len) < 0)
        abort(); /* no allocation fails here: the run would end otherwise */
    check(blanc__tcp_reasm_create(&q, o) == 0 && blanc__tcp_reasm_restore(q, blob, len) == 0);
    blanc__tcp_reasm_free(r);
    uint8_t *bad = malloc(len);
    if (bad && len) {
        memcpy(bad, blob, len);
        bad[pick % len] ^= (uint8_t)(1u << (pick >> 32) % 8);
        tcp_reasm *d;
        if (blanc__tcp_reasm_create(&d, o) == 0) {
            int rc = blanc__tcp_reasm_restore(d, bad, len);
            check(rc == 0 || rc == BLANC_EBADSNAP || rc == BLANC_ENOMEM);
            if (rc == 0) {
                blanc__tcp_reasm_finish(d);
                blanc_msg m[16];
                int k;
                while ((k = blanc__tcp_reasm_take(d, m, 16)) > 0)
                    blanc__tcp_reasm_consume(d, (size_t)k);
            }
            blanc__tcp_reasm_free(d);
        }
    }
    free(bad);
    free(blob);
    return q;
}

/* The segments the input describes, through one reassembler; after packets
 * cut_a and cut_b (0: none) the batch is read in part and the reassembler
 * resumed from its snapshot when `resumes`. */
static void drive(const uint8_t *p, size_t n, uint64_t cut_a, uint64_t cut_b, int resumes,
                  outcome *out)
{
    memset(out, 0, sizeof *out);
    tcp_reasm *r;
    tcp_reasm_options o = {p[0] & 1 ? 0 : 26400, (uint32_t)(p[0] >> 1) << 12};
    if (blanc__tcp_reasm_create(&r, &o) < 0)
        return;
    uint32_t seq = 1000;
    uint64_t num = 0;
    for (size_t at = 1; at + 4 <= n;) {
        int16_t delta = (int16_t)(p[at] << 8 | p[at + 1]);
        uint8_t flags = p[at + 2];
        size_t len = p[at + 3];
        at += 4;
        if (len > n - at)
            len = n - at;
        cap_packet pk;
        memset(&pk, 0, sizeof pk);
        pk.kind = CAP_TCP;
        pk.number = ++num;
        pk.offset = num;
        pk.src_port = flags & 0x80 ? 40000 : 26400;
        pk.dst_port = flags & 0x80 ? 26400 : 40000;
        seq += (uint32_t)(int32_t)delta;
        pk.tcp_seq = seq;
        pk.tcp_flags = flags & 0x7f;
        pk.payload = p + at;
        pk.len = len;
        at += len;
        int rc = blanc__tcp_reasm_push(r, &pk);
        check(rc == 0 || rc == 1);
        int cut = num == cut_a || num == cut_b;
        read_out(r, num, out, cut);
        if (cut && resumes) {
            r = resume(r, &o, (uint64_t)seq << 32 | (uint64_t)at * 2654435761u);
            read_out(r, num, out, 0);
        }
    }
    blanc__tcp_reasm_finish(r);
    read_out(r, num, out, 0);
    tcp_conn c;
    out->lock = blanc__tcp_reasm_conn(r, &c) ? c.first_packet : 0;
    out->ended = blanc__tcp_reasm_ended(r);
    out->truncated = blanc__tcp_reasm_truncated(r);
    blanc__tcp_reasm_stats(r, &out->st);
    blanc__tcp_reasm_free(r);
}

/* The run, then the same run resumed from snapshots (tcp_save.c) taken just
 * before it locked on (the remembered SYN-ACKs are all the state there) and
 * halfway: both must give the same messages, counters and end. */
static void reasm(const uint8_t *p, size_t n)
{
    if (n < 1)
        return;
    outcome whole, plain, resumed;
    drive(p, n, 0, 0, 0, &whole);
    uint64_t segs = 0;
    for (size_t at = 1; at + 4 <= n; segs++)
        at += 4 + p[at + 3];
    uint64_t a = whole.lock > 1 ? whole.lock - 1 : 0, b = segs / 2;
    drive(p, n, a, b, 0, &plain); /* the same reads, no resume */
    drive(p, n, a, b, 1, &resumed);
    check(plain.msgs == resumed.msgs && plain.hash == resumed.hash);
    check(plain.lock == resumed.lock && plain.ended == resumed.ended &&
          plain.truncated == resumed.truncated);
    check(memcmp(&plain.st, &resumed.st, sizeof plain.st) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    if (data[0] & 1)
        reasm(data + 1, size - 1);
    else
        stream(data + 1, size - 1);
    return 0;
}
