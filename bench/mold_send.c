/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A paced MoldUDP64 sender for the live receiver's benchmark
 * (docs/PERFORMANCE.md "Live receiver").
 *   build/mold_send FILE ADDR:PORT [--rate MSGS_PER_S] [--per-packet N]
 *                   [--session NAME] [--mcast-if IP] [--repeat K]
 * Reads a BinaryFILE (plain, .gz or .zst), packs its messages into MoldUDP64
 * packets of up to N messages (default 20, at most 1400 payload bytes, as on
 * an Ethernet feed) with sequence numbers from 1, sends them with sendmmsg at
 * the given rate (0: as fast as it can), then end of session three times.
 * --repeat sends the day K times under one continuing sequence (the books see
 * repeated orders; the receiver's work per message is what is measured).
 * Prints what it sent and the rate it reached.
 */
#define _GNU_SOURCE /* sendmmsg */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "blanc.h"

#define PAYLOAD_MAX 1400
#define SEND_BATCH 32

typedef struct pkt {
    uint32_t off, len; /* in the packed buffer: message blocks only */
    uint16_t count;
} pkt;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void put_be(uint8_t *p, uint64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--, v >>= 8)
        p[i] = (uint8_t)v;
}

/* The day's messages as MoldUDP64 message blocks, cut into packets. */
static int pack(const char *path, unsigned per, uint8_t **buf, pkt **pk, size_t *np)
{
    blanc_source *src;
    if (blanc_source_open(&src, path, NULL)) {
        fprintf(stderr, "mold_send: cannot open %s\n", path);
        return 1;
    }
    size_t cap = 1 << 20, len = 0, pcap = 1 << 14, n = 0;
    uint8_t *b = malloc(cap);
    pkt *p = malloc(pcap * sizeof *p);
    if (!b || !p)
        return 1;
    int rc;
    const uint8_t *w;
    size_t wn;
    uint32_t cur_len = 0;
    uint16_t cur_count = 0;
    int done = 0;
    while (!done && (rc = blanc_source_next(src, &w, &wn)) >= 0) {
        size_t used = 0;
        for (;;) {
            const uint8_t *m;
            size_t ml;
            int fr = blanc_itch_frame(w + used, wn - used, &m, &ml);
            done = fr == BLANC_EENDSESSION;
            if (fr <= 0)
                break;
            used += (size_t)fr;
            if (cur_count == per || cur_len + 2 + ml > PAYLOAD_MAX - 20) {
                if (n == pcap && !(p = realloc(p, (pcap *= 2) * sizeof *p)))
                    return 1;
                p[n++] = (pkt){(uint32_t)(len - cur_len), cur_len, cur_count};
                cur_len = 0;
                cur_count = 0;
            }
            if (len + 2 + ml > cap && !(b = realloc(b, cap *= 2)))
                return 1;
            put_be(b + len, ml, 2);
            memcpy(b + len + 2, m, ml);
            len += 2 + ml;
            cur_len += (uint32_t)(2 + ml);
            cur_count++;
        }
        blanc_source_consume(src, used);
        if (rc == 0)
            break;
    }
    if (cur_count) {
        if (n == pcap && !(p = realloc(p, (pcap *= 2) * sizeof *p)))
            return 1;
        p[n++] = (pkt){(uint32_t)(len - cur_len), cur_len, cur_count};
    }
    blanc_source_close(src);
    *buf = b;
    *pk = p;
    *np = n;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: mold_send FILE ADDR:PORT [--rate N] [--per-packet N] "
                        "[--session NAME] [--mcast-if IP] [--repeat K]\n");
        return 2;
    }
    double rate = 0;
    unsigned per = 20, repeat = 1;
    const char *session = "BENCH00001", *mif = NULL;
    for (int i = 3; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--rate"))
            rate = strtod(argv[i + 1], NULL);
        else if (!strcmp(argv[i], "--per-packet"))
            per = (unsigned)strtoul(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--session"))
            session = argv[i + 1];
        else if (!strcmp(argv[i], "--mcast-if"))
            mif = argv[i + 1];
        else if (!strcmp(argv[i], "--repeat"))
            repeat = (unsigned)strtoul(argv[i + 1], NULL, 10);
    }
    if (per == 0 || per > 0xFFFE || repeat == 0)
        return 2;
    char host[64];
    const char *colon = strrchr(argv[2], ':');
    if (!colon || (size_t)(colon - argv[2]) >= sizeof host)
        return 2;
    memcpy(host, argv[2], (size_t)(colon - argv[2]));
    host[colon - argv[2]] = 0;
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1)
        return 2;
    uint8_t *blocks;
    pkt *pk;
    size_t np;
    if (pack(argv[1], per, &blocks, &pk, &np))
        return 2;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (mif) {
        struct in_addr a;
        inet_pton(AF_INET, mif, &a);
        setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &a, sizeof a);
    }
    if (connect(fd, (struct sockaddr *)&to, sizeof to)) {
        perror("mold_send: connect");
        return 2;
    }
    uint8_t hdr[SEND_BATCH][20];
    struct iovec iov[SEND_BATCH][2];
    struct mmsghdr mh[SEND_BATCH];
    char sess[10];
    memset(sess, ' ', 10);
    memcpy(sess, session, strlen(session) < 10 ? strlen(session) : 10);
    uint64_t seq = 1, sent_msgs = 0, sent_pkts = 0;
    double t0 = now();
    size_t total = np * repeat;
    for (size_t i = 0; i < total;) {
        if (rate > 0) { /* pace: never ahead of rate * elapsed */
            double due = (double)sent_msgs / rate;
            double el = now() - t0;
            if (el < due) {
                if (due - el > 200e-6) {
                    struct timespec ts = {0, (long)((due - el) * 1e9 / 2)};
                    nanosleep(&ts, NULL);
                }
                continue;
            }
        }
        unsigned k = 0;
        for (; k < SEND_BATCH && i < total; k++, i++) {
            const pkt *p = &pk[i % np];
            memcpy(hdr[k], sess, 10);
            put_be(hdr[k] + 10, seq, 8);
            put_be(hdr[k] + 18, p->count, 2);
            seq += p->count;
            sent_msgs += p->count;
            iov[k][0] = (struct iovec){hdr[k], 20};
            iov[k][1] = (struct iovec){blocks + p->off, p->len};
            memset(&mh[k], 0, sizeof mh[k]);
            mh[k].msg_hdr.msg_iov = iov[k];
            mh[k].msg_hdr.msg_iovlen = 2;
        }
        for (unsigned d = 0; d < k;) {
            int r = sendmmsg(fd, mh + d, k - d, 0);
            if (r <= 0) {
                perror("mold_send: sendmmsg");
                return 2;
            }
            d += (unsigned)r;
        }
        sent_pkts += k;
    }
    double el = now() - t0;
    for (int e = 0; e < 3; e++) {
        memcpy(hdr[0], sess, 10);
        put_be(hdr[0] + 10, seq, 8);
        put_be(hdr[0] + 18, 0xFFFF, 2);
        if (send(fd, hdr[0], 20, 0) < 0)
            perror("mold_send: send");
        usleep(1000);
    }
    printf("sent %" PRIu64 " messages in %" PRIu64 " packets in %.3f s: %.2f M msg/s\n",
           sent_msgs, sent_pkts, el, el > 0 ? (double)sent_msgs / el / 1e6 : 0);
    close(fd);
    free(blocks);
    free(pk);
    return 0;
}
