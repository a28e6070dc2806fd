/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The live feed over loopback (src/feed/feed_udp.c): packets sent from this
 * process to the feed's port, some withheld; a retransmission server thread
 * answering MoldUDP64 request packets. Each message carries its own sequence
 * number in its body, so order and completeness are checked message by
 * message. Bounded: idle timeouts of a fraction of a second end every run.
 * How holes are tended together is judged from the server's own log (each
 * request's first number and count, and the answers it had sent before it)
 * and from the feed's counters, not from a clock: a server that holds its
 * answers until enough holes were asked for makes the order deterministic.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "blanc.h"
#include "feed/udp_gap.h" /* UDP_GAP_HOLES */

#define PER 5
#define NPK 200
#define MSG_LEN 12
static const char SESSION[] = "UNITTEST01";

/* Packet k (from 0): messages PER*k+1 .. PER*k+PER, each 'S' + its number. */
static size_t make_packet(uint8_t *p, uint64_t first, unsigned count)
{
    memcpy(p, SESSION, 10);
    for (int i = 0; i < 8; i++)
        p[10 + i] = (uint8_t)(first >> (56 - 8 * i));
    p[18] = (uint8_t)(count >> 8);
    p[19] = (uint8_t)count;
    size_t n = 20;
    for (unsigned m = 0; m < count && count != 0xFFFF; m++) {
        p[n] = 0;
        p[n + 1] = MSG_LEN;
        memset(p + n + 2, 0, MSG_LEN);
        p[n + 2] = 'S';
        uint64_t seq = first + m;
        memcpy(p + n + 2 + 4, &seq, sizeof seq);
        n += 2 + MSG_LEN;
    }
    return n;
}

static int sender(void)
{
    return socket(AF_INET, SOCK_DGRAM, 0);
}

static void send_to(int fd, uint16_t port, const uint8_t *p, size_t n)
{
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(sendto(fd, p, n, 0, (struct sockaddr *)&to, sizeof to) == (ssize_t)n);
}

/* Send the day except packets in drop[]; then end of session if eos. */
static void send_day(uint16_t port, const int *drop, size_t nd, int eos)
{
    int fd = sender();
    uint8_t p[2048];
    for (int k = 0; k < NPK; k++) {
        int skip = 0;
        for (size_t i = 0; i < nd; i++)
            skip |= drop[i] == k;
        if (!skip)
            send_to(fd, port, p, make_packet(p, (uint64_t)k * PER + 1, PER));
        if (k % 50 == 49)
            usleep(1000);
    }
    if (eos)
        send_to(fd, port, p, make_packet(p, (uint64_t)NPK * PER + 1, 0xFFFF));
    close(fd);
}

#define LOG 256

typedef struct server {
    int fd;
    uint16_t port;
    atomic_int run; /* the test's thread stops the server's */
    int requests;
    unsigned per;        /* messages per answer packet (0: PER) */
    unsigned pace_us;    /* pause after each answer packet */
    uint64_t never;      /* numbers it does not have: never .. never + never_n - 1 */
    unsigned never_n;    /* (never 0: none; never_n 0: one) */
    /* the first LOG requests: first number, count, and the answer packets
     * sent before it came (0: asked before any answer) */
    uint64_t asked[LOG];
    unsigned asked_n[LOG];
    int answered_before[LOG];
    int answers;         /* answer packets sent */
    /* Hold: answer nothing until requests from hold_distinct different first
     * numbers came (or hold_ms passed), and linger_ms more for any beyond;
     * then answer what was held, in order, and the rest as it comes. */
    unsigned hold_distinct, hold_ms, linger_ms;
    int distinct_at_open; /* different first numbers asked when it opened */
    /* the first request from partial_seq gets only partial_count messages */
    uint64_t partial_seq;
    unsigned partial_count;
    pthread_t t;
} server;

static uint64_t ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static int distinct_asked(const server *s)
{
    int n = 0, logged = s->requests < LOG ? s->requests : LOG;
    for (int i = 0; i < logged; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = s->asked[k] == s->asked[i];
        n += !seen;
    }
    return n;
}

static void answer(server *s, uint64_t seq, unsigned count, const struct sockaddr_in *to)
{
    uint8_t p[2048];
    if (s->partial_count && seq == s->partial_seq) {
        if (count > s->partial_count)
            count = s->partial_count;
        s->partial_count = 0; /* the first request only */
    }
    unsigned per = s->per ? s->per : PER;
    while (count && s->run) { /* answer in packets of per, as the feed sent them */
        unsigned c = count < per ? count : per;
        uint64_t nn = s->never_n ? s->never_n : 1;
        if (!s->never || s->never + nn <= seq || s->never >= seq + c) {
            size_t len = make_packet(p, seq, c);
            sendto(s->fd, p, len, 0, (const struct sockaddr *)to, sizeof *to);
            s->answers++;
        }
        if (s->pace_us)
            usleep(s->pace_us);
        seq += c;
        count -= c;
    }
}

static void *serve(void *arg)
{
    server *s = arg;
    struct {
        uint64_t seq;
        unsigned count;
        struct sockaddr_in from;
    } held[LOG];
    int nheld = 0, open = s->hold_distinct == 0;
    uint64_t first = 0, open_at = 0;
    while (s->run) {
        uint8_t q[64];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n == 20 && !memcmp(q, SESSION, 10)) {
            uint64_t seq = 0;
            for (int i = 0; i < 8; i++)
                seq = seq << 8 | q[10 + i];
            unsigned count = (unsigned)q[18] << 8 | q[19];
            if (s->requests < LOG) {
                s->asked[s->requests] = seq;
                s->asked_n[s->requests] = count;
                s->answered_before[s->requests] = s->answers;
            }
            s->requests++;
            if (open) {
                answer(s, seq, count, &from);
            } else if (nheld < LOG) {
                held[nheld].seq = seq;
                held[nheld].count = count;
                held[nheld++].from = from;
                if (!first)
                    first = ms_now();
            }
        }
        if (!open && nheld) {
            uint64_t now = ms_now();
            if (!open_at && (distinct_asked(s) >= (int)s->hold_distinct ||
                             now >= first + s->hold_ms))
                open_at = now + s->linger_ms;
            if (open_at && now >= open_at) {
                open = 1;
                s->distinct_at_open = distinct_asked(s);
                for (int i = 0; i < nheld; i++)
                    answer(s, held[i].seq, held[i].count, &held[i].from);
            }
        }
    }
    return NULL;
}

static void server_bind(server *s)
{
    s->fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t l = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &l);
    s->port = ntohs(a.sin_port);
    struct timeval tv = {0, 50000};
    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Start a server set up by the caller (memset, then its fields). */
static void server_run(server *s)
{
    server_bind(s);
    s->run = 1;
    pthread_create(&s->t, NULL, serve, s);
}

static void server_start_as(server *s, unsigned per, unsigned pace_us, uint64_t never)
{
    memset(s, 0, sizeof *s);
    s->per = per;
    s->pace_us = pace_us;
    s->never = never;
    server_run(s);
}

static void server_start(server *s) { server_start_as(s, 0, 0, 0); }

static void server_stop(server *s)
{
    s->run = 0;
    pthread_join(s->t, NULL);
    close(s->fd);
}

typedef struct result {
    uint64_t messages, lost, marks, last_seq;
    int in_order;
    blanc_feed_how how;
    blanc_transport_stats ts;
    blanc_udp_stats us;
} result;

/* Read the feed to its end, checking each message's body against its seq. */
static void drain(blanc_feed *f, result *r)
{
    memset(r, 0, sizeof *r);
    r->in_order = 1;
    blanc_msg m[64];
    int n;
    while ((n = blanc_feed_next(f, m, 64)) > 0) {
        for (int i = 0; i < n; i++) {
            r->lost += m[i].lost;
            if (!m[i].p) {
                r->marks++;
                continue;
            }
            uint64_t body;
            memcpy(&body, m[i].p + 4, sizeof body);
            if (body != m[i].seq || m[i].seq <= r->last_seq)
                r->in_order = 0;
            r->last_seq = m[i].seq;
            r->messages++;
        }
        blanc_feed_consume(f, (size_t)n);
    }
    assert_int_equal(n, 0);
    r->how = blanc_feed_end_info(f)->how;
    assert_int_equal(blanc_feed_get_transport_stats(f, &r->ts), 0);
    assert_int_equal(blanc_feed_get_udp_stats(f, &r->us), 0);
}

static blanc_feed *open_feed_wait(const char *rr_host, uint16_t rr_port, uint32_t idle_ms,
                                  uint32_t wait_ms, uint32_t tries)
{
    blanc_udp_options o;
    memset(&o, 0, sizeof o);
    o.group = "127.0.0.1";
    o.port = 0;
    o.rerequest_host = rr_host;
    o.rerequest_port = rr_port;
    o.idle_timeout_ms = idle_ms;
    o.gap_wait_ms = wait_ms;
    o.rerequest_tries = tries;
    blanc_feed *f = NULL;
    int sys = 0;
    assert_int_equal(blanc_feed_open_udp(&f, &o, &sys), 0);
    assert_true(blanc_feed_udp_port(f) != 0);
    return f;
}

/* The day through a live feed whose gaps go to server s (set up, not yet
 * running), the packets drop[0..nd) lost on the line: the feed (to close
 * after the checks) and what it delivered in *r; s is stopped. */
static blanc_feed *day_via_server(server *s, uint32_t idle_ms, uint32_t wait_ms, uint32_t tries,
                                  const int *drop, size_t nd, result *r)
{
    server_run(s);
    blanc_feed *f = open_feed_wait("127.0.0.1", s->port, idle_ms, wait_ms, tries);
    send_day(blanc_feed_udp_port(f), drop, nd, 1);
    drain(f, r);
    server_stop(s);
    return f;
}

static blanc_feed *open_feed(const char *rr_host, uint16_t rr_port, uint32_t idle_ms)
{
    return open_feed_wait(rr_host, rr_port, idle_ms, 10, 0);
}

static void close_feed(blanc_feed *f) { blanc_feed_free(f); }

/* One packet of one message, seq, to the feed. */
static void send_one(int fd, uint16_t port, uint64_t seq)
{
    uint8_t p[64];
    send_to(fd, port, p, make_packet(p, seq, 1));
}

static void send_eos(int fd, uint16_t port, uint64_t seq)
{
    uint8_t p[64];
    send_to(fd, port, p, make_packet(p, seq, 0xFFFF));
}

/* No server, a wait of 1.5 s: 1, 2, 4, 6 are queued before the feed reads,
 * so holes 3 and 5 are both seen at its start, each with its own wait; 5, 7,
 * the late 3 and the end come 2.25 s later. Both holes are lost at ~1.5 s (3,
 * then 5 as soon as it is the lowest). Tending one hole at a time waited for
 * 5 from 3's give-up, to ~3 s, and took 5: margins of 750 ms either way. */
static void *late_sender(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    int fd = sender();
    usleep(2250000);
    send_one(fd, port, 5);
    send_one(fd, port, 7);
    send_one(fd, port, 3); /* after its give-up: late, not delivered */
    send_eos(fd, port, 8);
    close(fd);
    return NULL;
}

static void test_each_hole_waits_its_own_time(void **state)
{
    (void)state;
    blanc_feed *f = open_feed_wait(NULL, 0, 5000, 1500, 0);
    uint16_t port = blanc_feed_udp_port(f);
    int fd = sender();
    send_one(fd, port, 1);
    send_one(fd, port, 2);
    send_one(fd, port, 4);
    send_one(fd, port, 6);
    close(fd);
    pthread_t t;
    pthread_create(&t, NULL, late_sender, &port);
    result r;
    drain(f, &r);
    pthread_join(t, NULL);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, 5); /* 1, 2, 4, 6, 7 */
    assert_true(r.in_order);
    assert_int_equal(r.ts.gaps, 2);
    assert_int_equal(r.ts.lost_messages, 2);
    assert_int_equal(r.us.gaps_given_up, 2);
    assert_int_equal(r.ts.late, 2); /* 5 and 3, after their give-ups (FEEDS.md) */
    assert_int_equal(r.ts.duplicates, 0);
    close_feed(f);
}

/* A server that has all but 3: 1, 2, 4, 6, 7 sent (3 and 5 missing), all
 * queued before the feed reads. Both holes are asked for at once; 5 is
 * answered, 3 asked again and given up. One hole at a time asked 3, 3, 5. */
static void test_holes_are_rerequested_together(void **state)
{
    (void)state;
    server s;
    server_start_as(&s, 1, 0, 3);
    blanc_feed *f = open_feed_wait("127.0.0.1", s.port, 2000, 20, 2);
    uint16_t port = blanc_feed_udp_port(f);
    int fd = sender();
    send_one(fd, port, 1);
    send_one(fd, port, 2);
    send_one(fd, port, 4);
    send_one(fd, port, 6);
    send_one(fd, port, 7);
    send_eos(fd, port, 8);
    close(fd);
    result r;
    drain(f, &r);
    server_stop(&s);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, 6);
    assert_true(r.in_order);
    assert_int_equal(r.ts.gaps, 1);
    assert_int_equal(r.ts.lost_messages, 1);
    assert_int_equal(r.us.gaps_given_up, 1);
    assert_int_equal(r.us.recovered, 1);
    assert_int_equal(s.requests, 3); /* 3 and 5, then 3 again */
    assert_true(s.asked[0] == 3 && s.asked[1] == 5 && s.asked[2] == 3);
    assert_int_equal(r.us.rerequests, 3);
    close_feed(f);
}

/* Requests of the day's packet k: the index of the first and how many. */
static int first_request(const server *s, uint64_t seq, int *count)
{
    int at = -1, n = 0;
    for (int i = 0; i < s->requests && i < LOG; i++) {
        if (s->asked[i] >= seq && s->asked[i] < seq + PER) {
            if (at < 0)
                at = i;
            n++;
        }
    }
    if (count)
        *count = n;
    return at;
}

/* Two holes far apart (packets 40 and 160 of the day), a server that answers
 * both but holds its answers until both were asked for (or 3 s passed): both
 * requests go out before any answer, and every message is recovered. One hole
 * at a time asked for the second only once the first was answered. */
static void test_two_holes_asked_before_the_first_answer(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.hold_distinct = 2;
    s.hold_ms = 3000;
    int drop[] = {40, 160};
    result r;
    blanc_feed *f = day_via_server(&s, 5000, 1000, 5, drop, 2, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, NPK * PER);
    assert_true(r.in_order);
    assert_int_equal(r.ts.lost_messages, 0);
    assert_int_equal(r.us.gaps_given_up, 0);
    assert_int_equal(r.us.recovered, 2 * PER);
    assert_int_equal(s.requests, 2); /* answered within the wait: no second try */
    assert_int_equal(r.us.rerequests, 2);
    int a = first_request(&s, 40 * PER + 1, NULL), b = first_request(&s, 160 * PER + 1, NULL);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(s.answered_before[a], 0);
    assert_int_equal(s.answered_before[b], 0);
    assert_int_equal(s.distinct_at_open, 2);
    close_feed(f);
}

/* The server answers only the second hole (it lacks 201..205, packet 40):
 * that hole is recovered while the first is still being asked for, and the
 * first is lost after its own tries. One hole at a time asked for the second
 * only after the first's last try. */
static void test_only_the_second_hole_answered(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.never = 40 * PER + 1;
    s.never_n = PER;
    int drop[] = {40, 160};
    result r;
    blanc_feed *f = day_via_server(&s, 5000, 200, 3, drop, 2, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_true(r.in_order);
    assert_int_equal(r.messages, (NPK - 1) * PER);
    assert_int_equal(r.ts.lost_messages, PER);
    assert_int_equal(r.ts.gaps, 1);
    assert_int_equal(r.us.gaps_given_up, 1);
    assert_int_equal(r.us.recovered, PER);
    int na, nb;
    int a = first_request(&s, 40 * PER + 1, &na), b = first_request(&s, 160 * PER + 1, &nb);
    assert_int_equal(na, 3); /* its tries */
    assert_int_equal(nb, 1);
    assert_true(a >= 0 && b > a && b < a + na - 1); /* between its first and last try */
    assert_int_equal(s.requests, 4);
    assert_int_equal(r.us.rerequests, 4);
    close_feed(f);
}

/* A partial answer: the first request for hole A (packet 40, 201..205) is
 * answered with 201..202 only; hole B (packet 160) in full. A narrows to
 * 203..205, asked for again after its wait, from 203; B is asked once, before
 * A's second request: nothing of B was reset by A's partial answer. */
static void test_partial_answer_narrows_only_its_hole(void **state)
{
    (void)state;
    server s;
    memset(&s, 0, sizeof s);
    s.partial_seq = 40 * PER + 1;
    s.partial_count = 2;
    int drop[] = {40, 160};
    result r;
    blanc_feed *f = day_via_server(&s, 5000, 500, 5, drop, 2, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, NPK * PER);
    assert_true(r.in_order);
    assert_int_equal(r.ts.lost_messages, 0);
    assert_int_equal(r.us.recovered, 2 * PER);
    assert_int_equal(r.ts.duplicates, 0);
    assert_int_equal(s.requests, 3);
    int na, nb;
    int a = first_request(&s, 40 * PER + 1, &na), b = first_request(&s, 160 * PER + 1, &nb);
    assert_int_equal(na, 2);
    assert_int_equal(nb, 1);
    assert_true(a == 0 && b == 1);
    assert_true(s.asked[0] == 40 * PER + 1 && s.asked_n[0] == PER);
    assert_true(s.asked[2] == 40 * PER + 3 && s.asked_n[2] == PER - 2);
    close_feed(f);
}

/* 40 holes (every 4th packet from the 4th), a server that holds its answers
 * until 32 different holes were asked for, and 300 ms more: exactly
 * UDP_GAP_HOLES were asked for before any answer (all it may tend at once,
 * and no more), the rest in their turn, and every message recovered. */
static void test_holes_tended_at_once_are_capped(void **state)
{
    (void)state;
    assert_int_equal(UDP_GAP_HOLES, 32);
    server s;
    memset(&s, 0, sizeof s);
    s.hold_distinct = UDP_GAP_HOLES;
    s.hold_ms = 5000;
    s.linger_ms = 300;
    int drop[40];
    for (int i = 0; i < 40; i++)
        drop[i] = 4 * (i + 1);
    result r;
    blanc_feed *f = day_via_server(&s, 8000, 2000, 5, drop, 40, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, NPK * PER);
    assert_true(r.in_order);
    assert_int_equal(r.ts.lost_messages, 0);
    assert_int_equal(r.us.recovered, 40 * PER);
    assert_int_equal(s.distinct_at_open, UDP_GAP_HOLES);
    for (int i = 0; i < 40; i++) {
        int n, at = first_request(&s, (uint64_t)drop[i] * PER + 1, &n);
        assert_true(at >= 0);
        assert_int_equal(n, 1); /* each asked once: answered within its wait */
        assert_int_equal(s.answered_before[at] == 0, i < UDP_GAP_HOLES);
    }
    assert_int_equal(s.requests, 40);
    assert_int_equal(r.us.rerequests, 40);
    close_feed(f);
}

/* A 50-message hole answered a message per datagram, 2 ms apart (100 ms in
 * all, well inside the wait of 1 s): one request, one answer of 50. */
static void test_partial_answers_make_no_new_request(void **state)
{
    (void)state;
    server s;
    server_start_as(&s, 1, 2000, 0);
    blanc_feed *f = open_feed_wait("127.0.0.1", s.port, 2000, 1000, 0);
    uint16_t port = blanc_feed_udp_port(f);
    int fd = sender();
    send_one(fd, port, 1);
    send_one(fd, port, 52); /* the hole: 2 .. 51 */
    send_eos(fd, port, 53);
    close(fd);
    result r;
    drain(f, &r);
    server_stop(&s);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, 52);
    assert_true(r.in_order);
    assert_int_equal(r.ts.lost_messages, 0);
    assert_int_equal(s.requests, 1);
    assert_int_equal(r.us.rerequests, 1);
    assert_int_equal(r.us.retransmitted, 50);
    assert_int_equal(r.ts.duplicates, 0);
    close_feed(f);
}

/* A datagram too long for a slot between 1 and 2, all in one batch: the
 * damage goes with 2 (the next message in the stream), not with 1, which
 * arrived before it (under --strict 1 must be kept). */
static void test_truncated_damage_goes_with_the_next_message(void **state)
{
    (void)state;
    blanc_feed *f = open_feed(NULL, 0, 2000);
    uint16_t port = blanc_feed_udp_port(f);
    int fd = sender();
    static uint8_t big[10000];
    memset(big, 'X', sizeof big);
    send_one(fd, port, 1);
    send_to(fd, port, big, sizeof big);
    send_one(fd, port, 2);
    send_eos(fd, port, 3);
    close(fd);
    blanc_msg m[64];
    uint32_t damage[3] = {0, 0, 0};
    uint64_t at = 0;
    int n, got = 0;
    while ((n = blanc_feed_next(f, m, 64)) > 0) {
        for (int i = 0; i < n; i++) {
            assert_non_null(m[i].p);
            assert_true(m[i].seq >= 1 && m[i].seq <= 2);
            damage[m[i].seq] += m[i].damage;
            if (m[i].damage) {
                assert_int_equal(m[i].damage_kind, BLANC_AN_BAD_PACKET);
                at = m[i].damage_at;
            }
            got++;
        }
        blanc_feed_consume(f, (size_t)n);
    }
    assert_int_equal(n, 0);
    assert_int_equal(got, 2);
    assert_int_equal(damage[1], 0);
    assert_int_equal(damage[2], 1);
    assert_int_equal(at, 20 + 2 + MSG_LEN); /* the payload bytes before it: packet 1 */
    blanc_udp_stats us;
    assert_int_equal(blanc_feed_get_udp_stats(f, &us), 0);
    assert_int_equal(us.truncated, 1);
    close_feed(f);
}

/* Followed session's number: the one asked for, not the first seen. */
static void test_followed_session_number(void **state)
{
    (void)state;
    blanc_udp_options o;
    memset(&o, 0, sizeof o);
    o.group = "127.0.0.1";
    o.session = SESSION;
    o.idle_timeout_ms = 300;
    blanc_feed *f = NULL;
    assert_int_equal(blanc_feed_open_udp(&f, &o, NULL), 0);
    assert_int_equal(blanc_feed_udp_session(f), 0);
    uint16_t port = blanc_feed_udp_port(f);
    int fd = sender();
    uint8_t p[64];
    size_t n = make_packet(p, 1, 1);
    memcpy(p, "OTHER     ", 10);
    send_to(fd, port, p, n);
    send_one(fd, port, 1);
    send_eos(fd, port, 2);
    close(fd);
    result r;
    drain(f, &r);
    assert_int_equal(r.messages, 1);
    assert_int_equal(blanc_feed_udp_session(f), 2);
    assert_string_equal(blanc_feed_session_name(f, blanc_feed_udp_session(f)), SESSION);
    assert_int_equal(blanc_feed_udp_session(NULL), 0);
    close_feed(f);
}

static void test_in_order_to_end_of_session(void **state)
{
    (void)state;
    blanc_feed *f = open_feed(NULL, 0, 2000);
    send_day(blanc_feed_udp_port(f), NULL, 0, 1);
    result r;
    drain(f, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, NPK * PER);
    assert_true(r.in_order);
    assert_int_equal(r.lost, 0);
    assert_int_equal(r.us.datagrams, NPK + 1);
    assert_int_equal(r.us.bytes, NPK * (20 + PER * (2 + MSG_LEN)) + 20);
    close_feed(f);
}

static void test_loss_without_rerequest(void **state)
{
    (void)state;
    blanc_feed *f = open_feed(NULL, 0, 2000);
    int drop[] = {3, 50, 51, 199}; /* 199: the tail, seen through end of session */
    send_day(blanc_feed_udp_port(f), drop, 4, 1);
    result r;
    drain(f, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, (NPK - 4) * PER);
    assert_int_equal(r.lost, 4 * PER);
    assert_int_equal(r.ts.lost_messages, 4 * PER);
    assert_int_equal(r.ts.gaps, 3);
    assert_int_equal(r.marks, 1); /* the tail loss has no message after it */
    assert_true(r.in_order);
    close_feed(f);
}

static void test_rerequest_fills(void **state)
{
    (void)state;
    server s;
    server_start(&s);
    blanc_feed *f = open_feed("127.0.0.1", s.port, 2000);
    int drop[] = {3, 50, 51, 120, 199};
    send_day(blanc_feed_udp_port(f), drop, 5, 1);
    result r;
    drain(f, &r);
    server_stop(&s);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.messages, NPK * PER);
    assert_int_equal(r.lost, 0);
    assert_true(r.in_order);
    assert_true(s.requests >= 4);
    assert_int_equal(r.us.rerequests, (uint64_t)s.requests);
    assert_true(r.us.retransmitted >= 5);
    close_feed(f);
}

static void test_server_silent_gap_is_lost(void **state)
{
    (void)state;
    /* a server address nobody answers on: tries run out, the gap is lost */
    server s;
    server_start(&s);
    uint16_t dead = s.port;
    server_stop(&s);
    blanc_feed *f = open_feed("127.0.0.1", dead, 2000);
    int drop[] = {10};
    send_day(blanc_feed_udp_port(f), drop, 1, 1);
    result r;
    drain(f, &r);
    assert_int_equal(r.how, BLANC_END_MARKER);
    assert_int_equal(r.lost, PER);
    assert_int_equal(r.us.rerequests, 5);
    assert_int_equal(r.us.gaps_given_up, 1);
    close_feed(f);
}

static void *stopper(void *arg)
{
    usleep(100000);
    blanc_feed_udp_stop(arg);
    return NULL;
}

static void test_stop_and_idle(void **state)
{
    (void)state;
    blanc_feed *f = open_feed(NULL, 0, 0); /* no idle timeout: only the stop ends it */
    send_day(blanc_feed_udp_port(f), NULL, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, stopper, f);
    result r;
    drain(f, &r);
    pthread_join(t, NULL);
    assert_int_equal(r.how, BLANC_END_EOF);
    assert_int_equal(r.messages, NPK * PER);
    close_feed(f);
    f = open_feed(NULL, 0, 100);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    drain(f, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(r.how, BLANC_END_EOF);
    assert_int_equal(r.messages, 0);
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    close_feed(f);
}

static void test_bad_options(void **state)
{
    (void)state;
    blanc_udp_options o;
    memset(&o, 0, sizeof o);
    blanc_feed *f;
    assert_int_equal(blanc_feed_open_udp(&f, &o, NULL), BLANC_EINVAL);
    o.group = "not-an-address";
    assert_int_equal(blanc_feed_open_udp(&f, &o, NULL), BLANC_EINVAL);
    o.group = "127.0.0.1";
    o.session = "ELEVENCHARS";
    assert_int_equal(blanc_feed_open_udp(&f, &o, NULL), BLANC_EINVAL);
    o.session = NULL;
    o.rerequest_host = "127.0.0.1"; /* no port */
    assert_int_equal(blanc_feed_open_udp(&f, &o, NULL), BLANC_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_to_end_of_session),
        cmocka_unit_test(test_loss_without_rerequest),
        cmocka_unit_test(test_rerequest_fills),
        cmocka_unit_test(test_server_silent_gap_is_lost),
        cmocka_unit_test(test_stop_and_idle),
        cmocka_unit_test(test_each_hole_waits_its_own_time),
        cmocka_unit_test(test_holes_are_rerequested_together),
        cmocka_unit_test(test_two_holes_asked_before_the_first_answer),
        cmocka_unit_test(test_only_the_second_hole_answered),
        cmocka_unit_test(test_partial_answer_narrows_only_its_hole),
        cmocka_unit_test(test_holes_tended_at_once_are_capped),
        cmocka_unit_test(test_partial_answers_make_no_new_request),
        cmocka_unit_test(test_truncated_damage_goes_with_the_next_message),
        cmocka_unit_test(test_followed_session_number),
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
