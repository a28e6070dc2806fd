/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The live feed over loopback (src/feed/feed_udp.c): packets sent from this
 * process to the feed's port, some withheld; a retransmission server thread
 * answering MoldUDP64 request packets. Each message carries its own sequence
 * number in its body, so order and completeness are checked message by
 * message. Bounded: idle timeouts of a fraction of a second end every run.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
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

typedef struct server {
    int fd;
    uint16_t port;
    volatile int run;
    int requests;
    pthread_t t;
} server;

static void *serve(void *arg)
{
    server *s = arg;
    while (s->run) {
        uint8_t q[64], p[2048];
        struct sockaddr_in from;
        socklen_t fl = sizeof from;
        ssize_t n = recvfrom(s->fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
        if (n != 20 || memcmp(q, SESSION, 10))
            continue;
        uint64_t seq = 0;
        for (int i = 0; i < 8; i++)
            seq = seq << 8 | q[10 + i];
        unsigned count = (unsigned)q[18] << 8 | q[19];
        s->requests++;
        while (count) { /* answer in packets of PER, as the feed sent them */
            unsigned c = count < PER ? count : PER;
            size_t len = make_packet(p, seq, c);
            sendto(s->fd, p, len, 0, (struct sockaddr *)&from, fl);
            seq += c;
            count -= c;
        }
    }
    return NULL;
}

static void server_start(server *s)
{
    memset(s, 0, sizeof *s);
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
    s->run = 1;
    pthread_create(&s->t, NULL, serve, s);
}

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

static blanc_feed *open_feed(const char *rr_host, uint16_t rr_port, uint32_t idle_ms)
{
    blanc_udp_options o;
    memset(&o, 0, sizeof o);
    o.group = "127.0.0.1";
    o.port = 0;
    o.rerequest_host = rr_host;
    o.rerequest_port = rr_port;
    o.idle_timeout_ms = idle_ms;
    o.gap_wait_ms = 10;
    blanc_feed *f = NULL;
    int sys = 0;
    assert_int_equal(blanc_feed_open_udp(&f, &o, &sys), 0);
    assert_true(blanc_feed_udp_port(f) != 0);
    return f;
}

static void close_feed(blanc_feed *f) { blanc_feed_free(f); }

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
        cmocka_unit_test(test_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
