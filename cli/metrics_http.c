/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc replay --metrics-listen ADDR:PORT: serve /metrics (Prometheus text
 * exposition) while a replay runs, with libmicrohttpd's own thread. The
 * replay thread renders the text into a buffer under a mutex: zeros when the
 * server starts, then at its pause points (cli_metrics_tick: once 100 ms of
 * wall time or 2^20 messages passed since the last publish) and at the end;
 * the HTTP thread only copies that buffer, so it never reads replay state
 * while the replay changes it.
 *
 * The server is for one or a few scrapers, and must stay one for them when
 * something else holds connections open: at most CONN_LIMIT connections, at
 * most half of them from one address (another address is served at once),
 * and a connection idle or half-sent for CONN_TIMEOUT seconds is closed (the
 * same address is served again by then). poll/epoll, not select: no
 * FD_SETSIZE ceiling (docs/TELEMETRY.md).
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cli.h"

enum { CONN_LIMIT = 64, CONN_TIMEOUT = 5 /* s */, TICK_MS = 100, TICK_MESSAGES = 1 << 20 };

struct cli_metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    char *text;
    size_t len;
    unsigned port;
    struct timespec last; /* of the last publish (CLOCK_MONOTONIC) */
    uint64_t last_msgs;   /* messages at the last publish */
};

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **state)
{
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    cli_metrics *m = cls;
    static char empty[1], nf[] = "only /metrics here\n";
    struct MHD_Response *r;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
        status = MHD_HTTP_METHOD_NOT_ALLOWED;
        r = MHD_create_response_from_buffer(0, empty, MHD_RESPMEM_PERSISTENT);
    } else if (strcmp(url, "/metrics")) {
        status = MHD_HTTP_NOT_FOUND;
        r = MHD_create_response_from_buffer(sizeof nf - 1, nf, MHD_RESPMEM_PERSISTENT);
    } else {
        pthread_mutex_lock(&m->mu);
        r = MHD_create_response_from_buffer(m->len, m->text ? m->text : empty, MHD_RESPMEM_MUST_COPY);
        pthread_mutex_unlock(&m->mu);
        if (r)
            MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    }
    if (!r)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* PORT: 1 to 5 decimal digits, at most 65535; nothing else (no sign, space,
 * hex or suffix). 0 or -1. */
static int parse_port(const char *s, unsigned *port)
{
    unsigned v = 0;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n == 5)
            return -1;
        v = v * 10 + (unsigned)(s[n] - '0');
    }
    if (!n || v > 65535)
        return -1;
    *port = v;
    return 0;
}

static void render(FILE *f, const blanc_replay_stats *st, const blanc_books_stats *bs,
                   const blanc_health_stats *hs);

static void publish(cli_metrics *m, const blanc_replay_stats *st, const blanc_books_stats *bs,
                    const blanc_health_stats *hs);

int cli_metrics_start(cli_metrics **out, const char *addr, int health)
{
    *out = NULL;
    char host[64];
    unsigned port;
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host || parse_port(colon + 1, &port)) {
        cli_error("--metrics-listen wants ADDRESS:PORT, PORT 0 to 65535 in digits "
                  "(e.g. 127.0.0.1:9464), not '%s'", addr);
        return CLI_USAGE;
    }
    memcpy(host, addr, (size_t)(colon - addr));
    host[colon - addr] = 0;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        cli_error("--metrics-listen: '%s' is not an IPv4 address", host);
        return CLI_USAGE;
    }
    cli_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return CLI_USAGE;
    pthread_mutex_init(&m->mu, NULL);
    /* Served from the start: zeros until the replay publishes. */
    blanc_replay_stats st0;
    blanc_books_stats bs0;
    blanc_health_stats hs0;
    memset(&st0, 0, sizeof st0);
    memset(&bs0, 0, sizeof bs0);
    memset(&hs0, 0, sizeof hs0);
    publish(m, &st0, &bs0, health ? &hs0 : NULL);
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, (uint16_t)port, NULL,
                            NULL, serve, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)CONN_LIMIT / 2,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT, MHD_OPTION_END);
    if (!m->d) {
        cli_error("--metrics-listen: cannot listen on %s (in use, or not this host's address?)", addr);
        pthread_mutex_destroy(&m->mu);
        free(m->text);
        free(m);
        return CLI_USAGE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : port;
    fprintf(stderr, "blanc: serving metrics on http://%s:%u/metrics\n", host, m->port);
    *out = m;
    return CLI_OK;
}

static void render(FILE *f, const blanc_replay_stats *st, const blanc_books_stats *bs,
                   const blanc_health_stats *hs)
{
    cli_prom_u64(f, "blanc_replay_messages_total", "counter", "Messages (frames) replayed.",
                 st->messages);
    cli_prom_u64(f, "blanc_replay_input_bytes_total", "counter",
                 "Decompressed input bytes consumed.", st->bytes);
    cli_prom_u64(f, "blanc_replay_book_changes_total", "counter", "Messages that changed a book.",
                 st->book_changes);
    cli_prom_family(f, "blanc_replay_anomalies_total", "counter",
                    "Anomalies by kind (docs/SEMANTICS.md).");
    for (int a = 0; a < BLANC_AN_COUNT; a++)
        fprintf(f, "blanc_replay_anomalies_total{kind=\"%s\"} %" PRIu64 "\n",
                blanc_anomaly_key((blanc_anomaly)a), st->anomalies[a].count);
    cli_prom_u64(f, "blanc_replay_live_orders", "gauge", "Orders live in all books.",
                 bs->live_orders);
    cli_prom_family(f, "blanc_replay_feed_time_seconds", "gauge",
                    "Feed timestamp of the last message, seconds since midnight.");
    fprintf(f, "blanc_replay_feed_time_seconds %.9f\n", (double)st->last_timestamp / 1e9);
    if (!hs)
        return;
    cli_prom_family(f, "blanc_health_breaker_state", "gauge",
                    "The feed's breaker: 0 fuse, 1 local, 2 feeder, 3 main, 4 kill.");
    fprintf(f, "blanc_health_breaker_state{scope=\"global\"} %d\n", (int)hs->global_state);
    cli_prom_family(f, "blanc_health_instruments_worst", "gauge",
                    "Instruments by the worst state they reached.");
    for (int l = 1; l < BLANC_HEALTH_LEVELS; l++)
        fprintf(f, "blanc_health_instruments_worst{state=\"%s\"} %" PRIu64 "\n",
                blanc_health_level_name((blanc_health_level)l), hs->instruments_worst[l]);
    cli_prom_family(f, "blanc_health_messages_total", "counter", "Messages by publish gate.");
    fprintf(f, "blanc_health_messages_total{gate=\"published\"} %" PRIu64 "\n"
               "blanc_health_messages_total{gate=\"gated\"} %" PRIu64 "\n",
            hs->published, hs->gated);
    cli_prom_family(f, "blanc_health_detector_value", "gauge",
                    "A detector's global value now (ppm; ms for burst).");
    for (int d = 0; d < BLANC_DETECTORS; d++)
        fprintf(f, "blanc_health_detector_value{detector=\"%s\"} %" PRIu64 "\n",
                blanc_detector_name((blanc_detector)d), hs->det[d].value);
    cli_prom_u64(f, "blanc_health_transitions_total", "counter",
                 "Breaker state transitions, all scopes.", hs->transitions);
}

static void publish(cli_metrics *m, const blanc_replay_stats *st, const blanc_books_stats *bs,
                    const blanc_health_stats *hs)
{
    clock_gettime(CLOCK_MONOTONIC, &m->last);
    m->last_msgs = st->messages;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return;
    render(f, st, bs, hs);
    fclose(f);
    pthread_mutex_lock(&m->mu);
    free(m->text);
    m->text = buf;
    m->len = n;
    pthread_mutex_unlock(&m->mu);
}

void cli_metrics_update(cli_metrics *m, const blanc_replay *r, const blanc_health *h)
{
    if (!m)
        return;
    blanc_books_stats bs;
    blanc_books_get_stats(blanc_replay_books_const(r), &bs);
    blanc_health_stats hs;
    if (h)
        blanc_health_get_stats(h, &hs);
    blanc_replay_stats st;
    blanc_replay_get_stats(r, &st);
    publish(m, &st, &bs, h ? &hs : NULL);
}

void cli_metrics_tick(cli_metrics *m, const blanc_replay *r, const blanc_health *h)
{
    if (!m)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t ms = (int64_t)(now.tv_sec - m->last.tv_sec) * 1000 +
                 (now.tv_nsec - m->last.tv_nsec) / 1000000;
    /* 2^20 messages: never staler than a pause every 2^20 messages, even when
     * the input stalls right after a fast stretch (no tick comes then). */
    if (ms >= TICK_MS || cli_replay_stats(r).messages - m->last_msgs >= TICK_MESSAGES)
        cli_metrics_update(m, r, h);
}

void cli_metrics_stop(cli_metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
    free(m->text);
    free(m);
}
