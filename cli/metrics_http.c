/*
 * blanc replay --metrics-listen ADDR:PORT: serve /metrics (Prometheus text
 * exposition) while a replay runs, with libmicrohttpd's own thread. The
 * replay thread renders the text at each pause point (every 2^20 messages and
 * at the end) into a buffer under a mutex; the HTTP thread only copies that
 * buffer, so it never reads replay state while the replay changes it.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "cli.h"

struct cli_metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    char *text;
    size_t len;
    unsigned port;
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

int cli_metrics_start(cli_metrics **out, const char *addr)
{
    *out = NULL;
    char host[64];
    unsigned port;
    const char *colon = strrchr(addr, ':');
    if (!colon || (size_t)(colon - addr) >= sizeof host || sscanf(colon + 1, "%u", &port) != 1 ||
        port > 65535) {
        cli_error("--metrics-listen wants ADDRESS:PORT (e.g. 127.0.0.1:9464), not '%s'", addr);
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
    m->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, serve, m,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    if (!m->d) {
        cli_error("--metrics-listen: cannot listen on %s (in use, or not this host's address?)", addr);
        free(m);
        return CLI_USAGE;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    m->port = info ? info->port : port;
    fprintf(stderr, "blanc: serving metrics on http://%s:%u/metrics\n", host, m->port);
    *out = m;
    return CLI_OK;
}

static void render(FILE *f, const blanc_replay *r, const blanc_health *h)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books_stats bs;
    blanc_books_stats_get(blanc_replay_books_const(r), &bs);
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
                 bs.live_orders);
    cli_prom_family(f, "blanc_replay_feed_time_seconds", "gauge",
                    "Feed timestamp of the last message, seconds since midnight.");
    fprintf(f, "blanc_replay_feed_time_seconds %.9f\n", (double)st->last_timestamp / 1e9);
    if (!h)
        return;
    blanc_health_stats hs;
    blanc_health_get_stats(h, &hs);
    cli_prom_family(f, "blanc_health_breaker_state", "gauge",
                    "The feed's breaker: 0 fuse, 1 local, 2 feeder, 3 main, 4 kill.");
    fprintf(f, "blanc_health_breaker_state{scope=\"global\"} %d\n", (int)hs.global_state);
    cli_prom_family(f, "blanc_health_instruments_worst", "gauge",
                    "Instruments by the worst state they reached.");
    for (int l = 1; l < BLANC_HEALTH_LEVELS; l++)
        fprintf(f, "blanc_health_instruments_worst{state=\"%s\"} %" PRIu64 "\n",
                blanc_health_level_name((blanc_health_level)l), hs.instruments_worst[l]);
    cli_prom_family(f, "blanc_health_messages_total", "counter", "Messages by publish gate.");
    fprintf(f, "blanc_health_messages_total{gate=\"published\"} %" PRIu64 "\n"
               "blanc_health_messages_total{gate=\"gated\"} %" PRIu64 "\n",
            hs.published, hs.gated);
    cli_prom_family(f, "blanc_health_detector_value", "gauge",
                    "A detector's global value now (ppm; ms for burst).");
    for (int d = 0; d < BLANC_DETECTORS; d++)
        fprintf(f, "blanc_health_detector_value{detector=\"%s\"} %" PRIu64 "\n",
                blanc_detector_name((blanc_detector)d), hs.det[d].value);
    cli_prom_u64(f, "blanc_health_transitions_total", "counter",
                 "Breaker state transitions, all scopes.", hs.transitions);
}

void cli_metrics_update(cli_metrics *m, const blanc_replay *r, const blanc_health *h)
{
    if (!m)
        return;
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    if (!f)
        return;
    render(f, r, h);
    fclose(f);
    pthread_mutex_lock(&m->mu);
    free(m->text);
    m->text = buf;
    m->len = n;
    pthread_mutex_unlock(&m->mu);
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
