/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Snapshot state of the TCP reassembler (tcp_reasm.h): what a resume needs
 * to go on exactly as the uninterrupted run, since the capture feed's offset
 * is a packet boundary but the reassembler holds bytes of earlier packets.
 *
 * Blob "TCPR", version 3, little-endian u64 fields: the options (window,
 * port), the connection (locked, finished, addresses, next number and its
 * stream offset), the counters, the number after the SYN (version 2: 2^32 +
 * it when known, else 0; version 1 blobs load as not known); the server
 * SYN-ACKs remembered while nothing is locked on (version 3: how many, at
 * most SYNACK_KEPT; the ring slot the next one replaces; each one's source
 * and destination address and port and the number after it. Saved locked
 * or not (once locked they are not used again): restore needs no rule for
 * when they may be there.
 * Version 1 and 2 blobs load with none: a snapshot those builds took before
 * the stream was found resumes, as it did there, not knowing where a stream
 * whose first segment was overtaken starts); then the in-order bytes the
 * Soup stream has not committed, as pieces (offset, length, hole record) and
 * their bytes; the chunks still naming packets for them; the bytes held out
 * of order as runs (distance from the ring's front, length, bytes); then the
 * Soup stream's own blob. Restore checks every field against the others and
 * the bounds, so a damaged blob is BLANC_EBADSNAP, never a bad read.
 */
#include <stdlib.h>
#include <string.h>

#include "common/bytes.h"
#include "feed/tcp_reasm_impl.h"

#define MAGIC 0x52504354u /* "TCPR" */
#define VERSION 3u
#define N_HEAD_V1 23 /* version 1: u64 fields before the pieces */
#define N_HEAD 24    /* version 2 and 3; version 3 then has the SYN-ACKs */
#define SYNACK_WORDS 5

typedef struct wr {
    uint8_t *b;
    size_t n, cap;
    int err;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (w->n + n > w->cap) {
        size_t c = w->cap ? w->cap : 256;
        while (c < w->n + n)
            c *= 2;
        uint8_t *q = realloc(w->b, c);
        if (!q) {
            w->err = 1;
            return;
        }
        w->b = q;
        w->cap = c;
    }
    if (n)
        memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put64(wr *w, uint64_t v)
{
    uint8_t b[8];
    blanc_put_le64(b, v);
    put(w, b, 8);
}

static int ring_bit(const tcp_reasm *r, size_t rel)
{
    size_t i = (r->ring_head + rel) & (r->win - 1);
    return (int)(r->bits[i / 64] >> (i % 64) & 1);
}

int blanc__tcp_reasm_save(const tcp_reasm *r, uint8_t **blob, size_t *len)
{
    wr w = {0};
    uint64_t c = blanc__soup_stream_offset(r->s);
    uint64_t head[N_HEAD] = {
        MAGIC | (uint64_t)VERSION << 32, r->win, r->port, (uint64_t)r->locked,
        (uint64_t)r->finished, r->src_ip, r->dst_ip, r->src_port, r->dst_port, r->next,
        r->next_off, r->retransmits, r->out_of_order, r->holes, r->skipped, r->last_packet,
        r->last_record, r->packets, r->dmg_record, c, r->locked ? r->pc_n : 0, r->held,
        r->first_packet, r->isn_known ? (uint64_t)1 << 32 | r->first : 0,
    };
    for (size_t i = 0; i < N_HEAD; i++)
        put64(&w, head[i]);
    /* The ring as it behaves: syn_n counts every one ever seen, but only how
     * many are kept and which slot goes next say what happens later. */
    size_t kept = r->syn_n < SYNACK_KEPT ? r->syn_n : SYNACK_KEPT;
    put64(&w, kept);
    put64(&w, r->syn_n % SYNACK_KEPT);
    for (size_t i = 0; i < kept; i++) {
        const synack *e = &r->syn[i];
        put64(&w, e->src_ip);
        put64(&w, e->dst_ip);
        put64(&w, e->src_port);
        put64(&w, e->dst_port);
        put64(&w, e->first);
    }
    if (r->locked) {
        for (size_t i = 0; i < r->pc_n; i++) {
            const piece *p = &r->pc[r->pc_head + i];
            uint64_t skip = i == 0 ? c - p->off : 0; /* committed: not kept */
            put64(&w, p->off + skip);
            put64(&w, p->len - skip);
            put64(&w, p->record);
        }
        for (size_t i = 0; i < r->pc_n; i++) {
            const piece *p = &r->pc[r->pc_head + i];
            size_t skip = i == 0 ? (size_t)(c - p->off) : 0;
            /* Locked on with nothing delivered yet: no buffer, and NULL + 0
             * would be undefined. */
            if (p->len > skip)
                put(&w, r->buf + p->idx + skip, p->len - skip);
        }
        size_t first = 0;
        while (first < r->ch_n && r->ch[r->ch_head + first].end <= c)
            first++;
        put64(&w, r->ch_n - first);
        for (size_t i = first; i < r->ch_n; i++) {
            const chunk *k = &r->ch[r->ch_head + i];
            put64(&w, k->end);
            put64(&w, k->packet);
            put64(&w, k->record);
        }
        /* Held bytes as runs; the scan is bounded by the window. */
        uint64_t left = r->held;
        for (size_t rel = 0; left && rel < r->win;) {
            if (!ring_bit(r, rel)) {
                rel++;
                continue;
            }
            size_t run = 0;
            while (rel + run < r->win && ring_bit(r, rel + run))
                run++;
            put64(&w, rel);
            put64(&w, run);
            for (size_t k = 0; k < run; k++)
                put(&w, &r->ring[(r->ring_head + rel + k) & (r->win - 1)], 1);
            left -= run;
            rel += run;
        }
    }
    uint8_t *inner = NULL;
    size_t n = 0;
    int rc = blanc__soup_stream_save(r->s, &inner, &n);
    if (rc < 0) {
        free(w.b);
        return rc;
    }
    put64(&w, n);
    put(&w, inner, n);
    free(inner);
    if (w.err) {
        free(w.b);
        return BLANC_ENOMEM;
    }
    *blob = w.b;
    *len = w.n;
    return 0;
}

typedef struct rd {
    const uint8_t *p;
    size_t n, at;
    int bad;
} rd;

static uint64_t get64(rd *r)
{
    if (r->bad || r->n - r->at < 8) {
        r->bad = 1;
        return 0;
    }
    uint64_t v = blanc_le64(r->p + r->at);
    r->at += 8;
    return v;
}

static const uint8_t *take(rd *r, uint64_t n)
{
    if (r->bad || n > r->n - r->at) {
        r->bad = 1;
        return NULL;
    }
    const uint8_t *q = r->p + r->at;
    r->at += (size_t)n;
    return q;
}

/* The version of a blob's first word (1 to VERSION), or 0: not a TCPR blob. */
static uint64_t version_of(uint64_t w)
{
    uint64_t v = w >> 32;
    return (uint32_t)w == MAGIC && v >= 1 && v <= VERSION ? v : 0;
}

/* Version 3's remembered SYN-ACKs into syn[] and *syn_n (as the ring had
 * them: the count kept, then past a full ring the slot the next replaces).
 * 0, or BLANC_EBADSNAP. */
static int get_synacks(rd *in, synack *syn, size_t *syn_n)
{
    uint64_t kept = get64(in), slot = get64(in);
    /* Below a full ring the next one goes to the first free slot. */
    if (in->bad || kept > SYNACK_KEPT || slot >= SYNACK_KEPT ||
        (kept < SYNACK_KEPT && slot != kept))
        return BLANC_EBADSNAP;
    for (size_t i = 0; i < (size_t)kept; i++) {
        uint64_t f[SYNACK_WORDS];
        for (size_t j = 0; j < SYNACK_WORDS; j++)
            f[j] = get64(in);
        if (in->bad || f[0] > UINT32_MAX || f[1] > UINT32_MAX || f[2] > 65535 || f[3] > 65535 ||
            f[4] > UINT32_MAX)
            return BLANC_EBADSNAP;
        syn[i] = (synack){(uint32_t)f[0], (uint32_t)f[1], (uint16_t)f[2], (uint16_t)f[3],
                          (uint32_t)f[4]};
        /* One per direction: a SYN-ACK seen again replaces its own entry. */
        for (size_t j = 0; j < i; j++)
            if (syn[j].src_ip == syn[i].src_ip && syn[j].dst_ip == syn[i].dst_ip &&
                syn[j].src_port == syn[i].src_port && syn[j].dst_port == syn[i].dst_port)
                return BLANC_EBADSNAP;
    }
    *syn_n = kept < SYNACK_KEPT ? (size_t)kept : SYNACK_KEPT + (size_t)slot;
    return 0;
}

/* r is fresh (created with the same options, nothing pushed: a resume's
 * skip feeds the capture feed nothing). */
int blanc__tcp_reasm_restore(tcp_reasm *r, const uint8_t *blob, size_t len)
{
    rd in = {blob, len, 0, 0};
    uint64_t h[N_HEAD] = {0};
    for (size_t i = 0; i < N_HEAD_V1; i++)
        h[i] = get64(&in);
    const uint64_t version = version_of(h[0]);
    if (!version)
        return BLANC_EBADSNAP;
    if (version >= 2)
        h[N_HEAD - 1] = get64(&in);
    synack syn[SYNACK_KEPT];
    size_t syn_n = 0;
    memset(syn, 0, sizeof syn);
    if (version >= 3 && get_synacks(&in, syn, &syn_n) < 0)
        return BLANC_EBADSNAP;
    const uint64_t isn = h[N_HEAD - 1]; /* 2^32 + the number after the SYN, or 0 */
    if (in.bad || (isn && isn >> 32 != 1) || h[1] != r->win || h[2] != r->port ||
        h[3] > 1 || h[4] > 1 || h[5] > UINT32_MAX || h[6] > UINT32_MAX || h[7] > 65535 ||
        h[8] > 65535 || h[9] > UINT32_MAX || h[21] > r->win || (!h[3] && (h[20] || h[21])) ||
        (h[3] && !h[20]) || h[20] > ((size_t)1 << 20))
        return BLANC_EBADSNAP;
    uint64_t c = h[19], next_off = h[10], npc = h[20], held = h[21];
    piece *pc = NULL;
    chunk *ch = NULL;
    uint8_t *buf = NULL, *ring = NULL;
    uint64_t *bits = NULL;
    size_t nch = 0, buf_len = 0;
    int rc = BLANC_EBADSNAP;
    if (h[3]) {
        pc = calloc((size_t)npc, sizeof *pc);
        if (!pc)
            return BLANC_ENOMEM;
        uint64_t off = c, total = 0;
        for (uint64_t i = 0; i < npc; i++) {
            piece *p = &pc[i];
            p->off = get64(&in);
            p->len = (size_t)get64(&in);
            p->record = get64(&in);
            /* In order, the first at the committed offset, holes between (of
             * length 0 after a new connection on the same ports). */
            if (in.bad || (i == 0 ? p->off != c : p->off < off) || p->len > r->win + BUF_SLACK)
                goto out;
            p->idx = (size_t)total;
            total += p->len;
            off = p->off + p->len;
            if (total > r->win + BUF_SLACK)
                goto out;
        }
        if (off != next_off)
            goto out;
        const uint8_t *bytes = take(&in, total);
        if (!bytes)
            goto out;
        buf_len = (size_t)total;
        if (buf_len && !(buf = malloc(buf_len))) {
            rc = BLANC_ENOMEM;
            goto out;
        }
        if (buf_len)
            memcpy(buf, bytes, buf_len);
        uint64_t n = get64(&in);
        if (in.bad || n > total + 1) /* each chunk delivered a byte past c (one may straddle c) */
            goto out;
        nch = (size_t)n;
        if (nch && !(ch = calloc(nch, sizeof *ch))) {
            rc = BLANC_ENOMEM;
            goto out;
        }
        uint64_t prev = c;
        for (size_t i = 0; i < nch; i++) {
            ch[i].end = get64(&in);
            ch[i].packet = get64(&in);
            ch[i].record = get64(&in);
            if (in.bad || ch[i].end <= prev || ch[i].end > next_off)
                goto out;
            prev = ch[i].end;
        }
        /* Every byte not committed was delivered by a packet the chunks name:
         * take() reads the chunk of each message's last byte. */
        uint64_t last = c;
        for (uint64_t i = 0; i < npc; i++)
            if (pc[i].len)
                last = pc[i].off + pc[i].len;
        if (last > c && prev < last)
            goto out;
        if (held) {
            ring = malloc(r->win);
            bits = calloc(r->win / 64, sizeof *bits);
            if (!ring || !bits) {
                rc = BLANC_ENOMEM;
                goto out;
            }
            uint64_t got = 0, from = 1; /* rel 0 is the hole: never held */
            while (got < held) {
                uint64_t rel = get64(&in), run = get64(&in);
                /* rel first: r->win - rel must not wrap */
                if (in.bad || rel < from || rel >= r->win || run == 0 || run > r->win - rel ||
                    run > held - got)
                    goto out;
                const uint8_t *q = take(&in, run);
                if (!q)
                    goto out;
                memcpy(ring + rel, q, (size_t)run);
                for (uint64_t k = rel; k < rel + run; k++)
                    bits[k / 64] |= (uint64_t)1 << (k % 64);
                got += run;
                from = rel + run + 1;
            }
        }
    }
    uint64_t n = get64(&in);
    const uint8_t *inner = take(&in, n);
    if (!inner || in.at != len)
        goto out;
    blanc__soup_stream_seek(r->s, c);
    if ((rc = blanc__soup_stream_restore(r->s, inner, (size_t)n)) < 0)
        goto out;
    free(r->pc);
    free(r->ch);
    free(r->buf);
    free(r->ring);
    free(r->bits);
    r->pc = pc;
    r->pc_head = 0;
    r->pc_n = r->pc_cap = (size_t)npc;
    r->ch = ch;
    r->ch_head = 0;
    r->ch_n = r->ch_cap = nch;
    r->buf = buf;
    r->buf_len = r->buf_cap = buf_len;
    r->ring = ring;
    r->bits = bits;
    r->ring_head = 0;
    r->held = held;
    r->lo = held ? 1 : 0; /* bounds of what is held: rel 0 is the hole */
    r->hi = held ? r->win : 0;
    r->isn_known = isn != 0;
    r->first = (uint32_t)isn;
    memcpy(r->syn, syn, sizeof syn);
    r->syn_n = syn_n;
    r->locked = (int)h[3];
    r->finished = (int)h[4];
    r->src_ip = (uint32_t)h[5];
    r->dst_ip = (uint32_t)h[6];
    r->src_port = (uint16_t)h[7];
    r->dst_port = (uint16_t)h[8];
    r->next = (uint32_t)h[9];
    r->next_off = next_off;
    r->retransmits = h[11];
    r->out_of_order = h[12];
    r->holes = h[13];
    r->skipped = h[14];
    r->last_packet = h[15];
    r->last_record = h[16];
    r->packets = h[17];
    r->dmg_record = h[18];
    r->first_packet = h[22];
    return 0;
out:
    free(pc);
    free(ch);
    free(buf);
    free(ring);
    free(bits);
    return rc;
}

int blanc__tcp_reasm_blob_port(const uint8_t *blob, size_t len, uint16_t *port)
{
    if (len < 24 || !version_of(blanc_le64(blob)) || blanc_le64(blob + 16) > 65535)
        return BLANC_EBADSNAP;
    *port = (uint16_t)blanc_le64(blob + 16);
    return 0;
}
