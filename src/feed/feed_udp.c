/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Live MoldUDP64 from a socket (blanc.h "Live", docs/FEEDS.md "Live").
 *
 * Datagrams come in recvmmsg batches from the feed socket (the group, or a
 * unicast port) and from a second socket the re-requests are sent from, so
 * that the retransmission server's answers (sent to the requester) arrive
 * apart from the group. Both go, as one channel, into the MoldUDP64 stream
 * (mold.h), which orders them, drops duplicates and accounts gaps; it copies
 * what it keeps, so a whole batch is pushed before its messages are taken.
 *
 * Every hole (numbers missing while later ones are known, udp_gap.h) is
 * tended on its own, up to UDP_GAP_HOLES at once, the lowest first; the ones
 * above them wait their turn (so hostile input can grow neither the state nor
 * the request traffic: at most tries requests per hole, and a hole needs a
 * datagram to exist). A tended hole is re-requested at once and every
 * gap_wait_ms again, up to rerequest_tries times; then, or after gap_wait_ms
 * when there is no retransmission server, its time is over. An answer that
 * fills part of a hole narrows (or splits) it: the parts keep its tries and
 * deadline, and nothing else is reset. A hole whose time is over is given up
 * once it is the lowest and the sockets are drained: the stream gives up that
 * hole only (the held packets up to the next hole go out) and its numbers
 * count as lost; until it is the lowest nothing it blocked could go out
 * anyway, and a late packet may still fill it. The stream's own reorder
 * window still bounds what is held meanwhile.
 *
 * Nothing blocks beyond poll() on the sockets and an eventfd that
 * blanc_feed_udp_stop() writes, so a stop (a signal handler's) is seen at once,
 * with no race between checking the flag and sleeping.
 */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/bytes.h"
#include "feed/feed.h"
#include "feed/mold.h"
#include "feed/udp_gap.h"

#define BATCH 64
#define SLOT 9216 /* a jumbo frame's payload: longer datagrams are damaged (truncated) */
#define DEFAULT_RCVBUF (64u << 20)
#define DEFAULT_WINDOW 4096 /* the stream's most */
#define DEFAULT_WAIT_MS 20
#define DEFAULT_TRIES 5

enum { SOCK_FEED, SOCK_REQ, SOCK_STOP };

typedef struct udp_feed {
    blanc_feed base;
    blanc_udp_options o;
    char want[10]; /* the session asked for, space padded; want_set once known */
    int want_set;
    int fd[3];     /* feed socket, request socket (-1), stop eventfd */
    mold_stream *m;
    udp_gap gap;
    atomic_int stop; /* lock-free: a signal handler's or another thread's store */
    /* the batch in hand: slots [at, n) of sock are still to be pushed */
    struct mmsghdr mh[BATCH];
    struct iovec iov[BATCH];
    uint8_t *slots;
    char ctl[BATCH][CMSG_SPACE(sizeof(uint32_t))];
    unsigned n, at;
    int batch_sock;
    uint64_t batch_ts;
    /* the holes tended, lowest first (udp_gap's first UDP_GAP_HOLES) */
    struct hole {
        uint64_t from, to; /* missing now */
        uint64_t since;    /* when first seen (monotonic ns) */
        uint64_t next_try; /* the next request, or (tries used up) the deadline */
        uint32_t tries;
        int over;          /* its time is over: lost once lowest and drained */
    } holes[UDP_GAP_HOLES];
    size_t nholes;
    uint64_t last_rx; /* monotonic ns of the last datagram (idle timeout) */
    uint32_t group;   /* the channel every datagram is pushed as, host order */
    int finishing; /* flushed: deliver what is left, then end with end_how */
    blanc_feed_how end_how;
    blanc_udp_stats st;
} udp_feed;

static uint64_t now_ns(clockid_t c)
{
    struct timespec t;
    clock_gettime(c, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void pad10(char out[10], const char *s, size_t n)
{
    memset(out, ' ', 10);
    memcpy(out, s, n < 10 ? n : 10);
}

/* The request packet (MoldUDP64): session, sequence, count, big-endian. */
static void rerequest(udp_feed *u, uint64_t from, uint64_t to)
{
    uint8_t req[20];
    memcpy(req, u->want, 10);
    blanc_put_be64(req + 10, from);
    uint64_t n = to - from;
    blanc_put_be16(req + 18, (uint16_t)(n > 0xFFFE ? 0xFFFE : n));
    ssize_t w = send(u->fd[SOCK_REQ], req, sizeof req, MSG_DONTWAIT);
    (void)w; /* a failed send is a try that got no answer */
    u->st.rerequests++;
}

/* Record the kernel's drop counter from a datagram's SO_RXQ_OVFL. */
static void note_drops(udp_feed *u, struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
            uint32_t d; /* the socket's drops since it was made */
            memcpy(&d, CMSG_DATA(c), sizeof d);
            u->st.kernel_drops = d;
        }
    }
}

/* Push slot i of the batch to the stream, and what it took to the hole view. */
static int push_one(udp_feed *u, unsigned i)
{
    const uint8_t *p = u->slots + (size_t)i * SLOT;
    size_t n = u->mh[i].msg_len;
    int truncated = (u->mh[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
    if (u->batch_sock == SOCK_FEED)
        note_drops(u, &u->mh[i].msg_hdr);
    mold_origin from = {u->group, u->o.port, u->st.datagrams + 1, u->st.bytes, u->batch_ts};
    u->st.datagrams++;
    if (u->batch_sock == SOCK_REQ)
        u->st.retransmitted++;
    u->st.bytes += n;
    if (truncated) { /* cut by the slot: never parsed, damage of our own */
        u->st.truncated++;
        /* In the stream's order: the message after it carries it, not one
         * that arrived before it and is still to be taken. */
        blanc__mold_stream_note_damage(u->m, from.offset);
        return 0;
    }
    /* A damaged packet the stream counts and carries to its next message. */
    int rc = u->batch_sock == SOCK_REQ ? blanc__mold_stream_push_answer(u->m, &from, p, n)
                                       : blanc__mold_stream_push(u->m, &from, p, n);
    if (rc == 0) { /* taken: what it says exists goes into the hole view */
        if (!u->want_set) { /* no session asked: the first taken, as the stream does */
            memcpy(u->want, p, 10);
            u->want_set = 1;
        }
        if (!memcmp(p, u->want, 10))
            blanc__udp_gap_packet(&u->gap, blanc_be64(p + 10), blanc_be16(p + 18));
    }
    return rc < 0 && rc != BLANC_EBADPACKET ? rc : 0;
}

/* One recvmmsg batch from socket k without waiting: > 0 datagrams, 0 none. */
static int receive(udp_feed *u, int k)
{
    for (unsigned i = 0; i < BATCH; i++) {
        u->iov[i].iov_base = u->slots + (size_t)i * SLOT;
        u->iov[i].iov_len = SLOT;
        memset(&u->mh[i].msg_hdr, 0, sizeof u->mh[i].msg_hdr);
        u->mh[i].msg_hdr.msg_iov = &u->iov[i];
        u->mh[i].msg_hdr.msg_iovlen = 1;
        u->mh[i].msg_hdr.msg_control = u->ctl[i];
        u->mh[i].msg_hdr.msg_controllen = sizeof u->ctl[i];
    }
    int r = recvmmsg(u->fd[k], u->mh, BATCH, MSG_DONTWAIT, NULL);
    if (r <= 0)
        return r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                       errno != ECONNREFUSED
                   ? BLANC_EIO
                   : 0;
    u->n = (unsigned)r;
    u->at = 0;
    u->batch_sock = k;
    u->batch_ts = now_ns(CLOCK_REALTIME);
    u->last_rx = now_ns(CLOCK_MONOTONIC);
    u->st.batches++;
    return r;
}

static void finish(udp_feed *u, blanc_feed_how how)
{
    blanc__mold_stream_flush(u->m);
    u->finishing = 1;
    u->end_how = how;
}

/* The holes now, matched with the ones tended before: a hole inside one
 * tended before is that hole narrowed or split by an answer (or a late
 * packet), and keeps its tries and deadline; one that grew at its end
 * (numbers past it turned out missing too) is the same hole, with the new
 * part asked for at once if it has tries left; any other is new. */
static void track_holes(udp_feed *u, uint64_t now)
{
    uint64_t h[UDP_GAP_HOLES][2];
    size_t n = blanc__udp_gap_holes(&u->gap, h, UDP_GAP_HOLES);
    struct hole nh[UDP_GAP_HOLES];
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        while (j < u->nholes && u->holes[j].to <= h[i][0])
            j++; /* filled, given up, or below: gone */
        struct hole *o = j < u->nholes && u->holes[j].from < h[i][1] ? &u->holes[j] : NULL;
        if (o) {
            nh[i] = *o;
            if (h[i][1] > o->to && nh[i].tries < u->o.rerequest_tries && now < nh[i].next_try)
                nh[i].next_try = now;
        } else {
            memset(&nh[i], 0, sizeof nh[i]);
            nh[i].since = nh[i].next_try = now;
        }
        nh[i].from = h[i][0];
        nh[i].to = h[i][1];
    }
    memcpy(u->holes, nh, n * sizeof nh[0]);
    u->nholes = n;
}

/* The lowest hole's time is over: give up only it (what it blocked goes out
 * up to the next hole, which is tended on its own). The stream counts the
 * missing numbers; the view moves past them (a late answer counts as late). */
static void give_up(udp_feed *u, uint64_t to)
{
    uint64_t next = to;
    uint32_t s = blanc__mold_stream_session_index(u->m, u->want);
    int rc = blanc__mold_stream_give_up_hole(u->m, s, &next);
    if (rc < 0) /* no memory to make it ready: give up every hole rather than stall */
        blanc__mold_stream_flush(u->m);
    if (rc != 1)
        next = to; /* nothing held: the view alone moves on */
    blanc__udp_gap_ready(&u->gap, next);
    /* The holes above keep their state: the next track_holes() matches them. */
    u->st.gaps_given_up++;
}

/* Tend every hole: re-request each when due; mark it over when its time is;
 * once the sockets are drained (nothing that could fill it is still queued)
 * give up the lowest if it is over. Returns the ns until something is due
 * (for poll), 0 when a hole was given up, or UINT64_MAX. */
static uint64_t tend_gaps(udp_feed *u, uint64_t now, int drained)
{
    track_holes(u, now);
    uint64_t wait = (uint64_t)u->o.gap_wait_ms * 1000000u, due = UINT64_MAX;
    int rr = u->fd[SOCK_REQ] >= 0;
    for (size_t i = 0; i < u->nholes; i++) {
        struct hole *h = &u->holes[i];
        if (!h->over && rr && h->tries < u->o.rerequest_tries && now >= h->next_try) {
            rerequest(u, h->from, h->to);
            h->tries++;
            h->next_try = now + wait; /* after the last try: its deadline */
        }
        uint64_t at = rr ? h->next_try : h->since + wait;
        if (!h->over && now >= at && (!rr || h->tries >= u->o.rerequest_tries))
            h->over = 1;
        if (!h->over && at < due)
            due = at;
    }
    if (u->nholes && u->holes[0].over && u->holes[0].from == u->gap.ready) {
        if (drained) {
            give_up(u, u->holes[0].to);
            return 0;
        }
        due = now; /* given up once the sockets are drained */
    }
    if (due == UINT64_MAX)
        return due;
    return due > now ? due - now : 1;
}

/* Wait for a datagram, the stop, or `ns`. */
static int wait_for(udp_feed *u, uint64_t ns)
{
    struct pollfd p[3];
    nfds_t n = 0;
    for (int k = 0; k < 3; k++) {
        if (u->fd[k] >= 0) {
            p[n].fd = u->fd[k];
            p[n].events = POLLIN;
            p[n++].revents = 0;
        }
    }
    int ms = ns == UINT64_MAX ? -1 : (int)((ns + 999999u) / 1000000u);
    if (ns != UINT64_MAX && ns > (uint64_t)1 << 40)
        ms = 1 << 20;
    u->st.waits++;
    int r = poll(p, n, ms);
    return r < 0 && errno != EINTR ? BLANC_EIO : 0;
}

static int udp_next(blanc_feed *f, blanc_msg *out, size_t cap)
{
    udp_feed *u = (udp_feed *)f;
    if (f->end.how != BLANC_END_NONE)
        return 0;
    for (;;) {
        int n = blanc__mold_stream_take(u->m, out, cap);
        if (n > 0) {
            for (int i = n - 1; i >= 0; i--) {
                if (out[i].seq) { /* a mark (p NULL) carries the next number */
                    blanc__udp_gap_ready(&u->gap, out[i].seq + (out[i].p != NULL));
                    break;
                }
            }
            return n;
        }
        if (n < 0)
            return n;
        if (u->at < u->n) { /* the stream copies what it keeps: push the whole batch */
            while (u->at < u->n) {
                int rc = push_one(u, u->at++);
                if (rc) {
                    f->end.how = BLANC_END_ERROR;
                    f->end.error = rc;
                    return rc;
                }
            }
            continue;
        }
        if (u->finishing) {
            f->end.how = u->end_how;
            f->end.offset = u->st.bytes;
            f->offset = u->st.bytes;
            return 0;
        }
        if (atomic_load_explicit(&u->stop, memory_order_relaxed)) {
            finish(u, BLANC_END_EOF);
            continue;
        }
        uint64_t now = now_ns(CLOCK_MONOTONIC);
        tend_gaps(u, now, 0); /* re-request at once, before reading on */
        if (blanc__mold_stream_ended(u->m)) { /* end of session reached in sequence */
            finish(u, BLANC_END_MARKER);
            continue;
        }
        /* Answers first: they unblock what is held. */
        int r = u->fd[SOCK_REQ] >= 0 ? receive(u, SOCK_REQ) : 0;
        if (r == 0)
            r = receive(u, SOCK_FEED);
        if (r < 0) {
            f->end.how = BLANC_END_ERROR;
            f->end.error = r;
            return r;
        }
        if (r > 0)
            continue;
        uint64_t due = tend_gaps(u, now, 1);
        if (due == 0)
            continue; /* given up: the stream has messages to take */
        if (u->o.idle_timeout_ms) {
            uint64_t idle = (uint64_t)u->o.idle_timeout_ms * 1000000u;
            if (now >= u->last_rx + idle) {
                finish(u, BLANC_END_EOF);
                continue;
            }
            if (u->last_rx + idle - now < due)
                due = u->last_rx + idle - now;
        }
        if ((r = wait_for(u, due)) < 0) {
            f->end.how = BLANC_END_ERROR;
            f->end.error = r;
            return r;
        }
    }
}

static void udp_consume(blanc_feed *f, size_t k)
{
    udp_feed *u = (udp_feed *)f;
    blanc__mold_stream_consume(u->m, k);
    f->offset = u->st.bytes;
}

/* A live stream cannot be read again: only its start is a position. */
static int udp_skip(blanc_feed *f, uint64_t offset)
{
    (void)f;
    return offset == 0 ? 0 : BLANC_EUNSUPPORTED;
}

static int udp_save(const blanc_feed *f, uint8_t **blob, size_t *len)
{
    return blanc__mold_stream_save(((const udp_feed *)f)->m, blob, len);
}

static int udp_restore(blanc_feed *f, const uint8_t *blob, size_t len)
{
    return blanc__mold_stream_restore(((udp_feed *)f)->m, blob, len);
}

static void udp_transport(const blanc_feed *f, blanc_transport_stats *st)
{
    blanc__mold_stream_stats(((const udp_feed *)f)->m, st);
}

static const char *udp_session_name(const blanc_feed *f, uint32_t s)
{
    return blanc__mold_stream_session_name(((const udp_feed *)f)->m, s);
}

static void udp_free(blanc_feed *f)
{
    udp_feed *u = (udp_feed *)f;
    for (int k = 0; k < 3; k++)
        if (u->fd[k] >= 0)
            close(u->fd[k]);
    blanc__mold_stream_free(u->m);
    free(u->slots);
}

static const feed_ops udp_ops = {
    .next = udp_next,
    .consume = udp_consume,
    .skip = udp_skip,
    .save = udp_save,
    .restore = udp_restore,
    .transport = udp_transport,
    .session_name = udp_session_name,
    .free = udp_free,
};

static int parse_ip(const char *s, struct in_addr *a)
{
    return s && inet_pton(AF_INET, s, a) == 1 ? 0 : BLANC_EINVAL;
}

/* The feed socket: bound to the group (so only its datagrams arrive) or to
 * the unicast/any address, joined, with a large receive buffer. */
static int open_feed_socket(udp_feed *u, int *sys)
{
    struct in_addr g, ifa = {htonl(INADDR_ANY)};
    if (parse_ip(u->o.group, &g) || (u->o.interface && parse_ip(u->o.interface, &ifa)))
        return BLANC_EINVAL;
    u->group = ntohl(g.s_addr);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        goto fail;
    u->fd[SOCK_FEED] = fd;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    int want = (int)(u->o.rcvbuf ? u->o.rcvbuf : DEFAULT_RCVBUF);
    /* FORCE passes rmem_max when privileged; else the kernel caps at it. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want))
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    int got = 0;
    socklen_t gl = sizeof got;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
    u->st.rcvbuf = (uint32_t)got;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(u->o.port);
    sa.sin_addr = g;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa))
        goto fail;
    if (IN_MULTICAST(ntohl(g.s_addr))) {
        struct ip_mreq mr;
        mr.imr_multiaddr = g;
        mr.imr_interface = ifa;
        if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof mr))
            goto fail;
    }
    return 0;
fail:
    if (sys)
        *sys = errno;
    return BLANC_EOPEN;
}

/* The request socket: any local port, connected to the server, so only its
 * answers arrive there. */
static int open_request_socket(udp_feed *u, int *sys)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(u->o.rerequest_port);
    if (parse_ip(u->o.rerequest_host, &sa.sin_addr) || !u->o.rerequest_port)
        return BLANC_EINVAL;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || (u->fd[SOCK_REQ] = fd, 0) ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa)) {
        if (sys)
            *sys = errno;
        return BLANC_EOPEN;
    }
    int want = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
    return 0;
}

int blanc_feed_open_udp(blanc_feed **out, const blanc_udp_options *o, int *sys_errno)
{
    if (sys_errno)
        *sys_errno = 0;
    if (!out || !o || !o->group || (o->session && strlen(o->session) > 10))
        return BLANC_EINVAL;
    *out = NULL;
    udp_feed *u = calloc(1, sizeof *u);
    if (!u)
        return BLANC_ENOMEM;
    u->base.ops = &udp_ops;
    u->base.framing = BLANC_FRAMING_UDP;
    u->o = *o;
    if (!u->o.gap_wait_ms)
        u->o.gap_wait_ms = DEFAULT_WAIT_MS;
    if (!u->o.rerequest_tries)
        u->o.rerequest_tries = DEFAULT_TRIES;
    u->fd[0] = u->fd[1] = u->fd[2] = -1;
    int rc = BLANC_ENOMEM;
    if (o->session) {
        pad10(u->want, o->session, strlen(o->session));
        u->want_set = 1;
    }
    const char *sessions[1] = {o->session};
    mold_stream_options mo;
    memset(&mo, 0, sizeof mo);
    mo.sessions = o->session ? sessions : NULL;
    mo.n_sessions = o->session ? 1 : 0;
    mo.reorder_window = o->reorder_window ? o->reorder_window : DEFAULT_WINDOW;
    if (!(u->slots = malloc((size_t)BATCH * SLOT)) ||
        (rc = blanc__mold_stream_create(&u->m, &mo)))
        goto fail;
    if ((rc = open_feed_socket(u, sys_errno)))
        goto fail;
    if (o->rerequest_host && (rc = open_request_socket(u, sys_errno)))
        goto fail;
    if ((u->fd[SOCK_STOP] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
        if (sys_errno)
            *sys_errno = errno;
        rc = BLANC_EOPEN;
        goto fail;
    }
    u->last_rx = now_ns(CLOCK_MONOTONIC);
    *out = &u->base;
    return 0;
fail:
    udp_free(&u->base);
    free(u);
    return rc;
}

void blanc_feed_udp_stop(blanc_feed *f)
{
    if (!f || f->ops != &udp_ops)
        return;
    udp_feed *u = (udp_feed *)f;
    atomic_store_explicit(&u->stop, 1, memory_order_relaxed);
    uint64_t one = 1;
    ssize_t w = write(u->fd[SOCK_STOP], &one, sizeof one);
    (void)w;
}

int blanc_feed_get_udp_stats(const blanc_feed *f, blanc_udp_stats *out)
{
    if (!f || f->ops != &udp_ops)
        return BLANC_EUNSUPPORTED;
    const udp_feed *u = (const udp_feed *)f;
    *out = u->st;
    out->recovered = blanc__mold_stream_recovered(u->m);
    return 0;
}

uint16_t blanc_feed_udp_port(const blanc_feed *f)
{
    if (!f || f->ops != &udp_ops)
        return 0;
    struct sockaddr_in sa;
    socklen_t l = sizeof sa;
    if (getsockname(((const udp_feed *)f)->fd[SOCK_FEED], (struct sockaddr *)&sa, &l))
        return 0;
    return ntohs(sa.sin_port);
}

uint32_t blanc_feed_udp_session(const blanc_feed *f)
{
    if (!f || f->ops != &udp_ops)
        return 0;
    const udp_feed *u = (const udp_feed *)f;
    return u->want_set ? blanc__mold_stream_session_index(u->m, u->want) : 0;
}
