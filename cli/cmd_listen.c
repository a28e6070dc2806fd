/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc listen: replay a live MoldUDP64 feed from a socket (docs/FEEDS.md "Live"). */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "cli.h"
#include "json.h"

static const char usage_text[] =
    "usage: blanc listen --group G --port P [options]\n"
    "\n"
    "Join the multicast group G (or bind the unicast or any address G) on UDP port P,\n"
    "replay the MoldUDP64 session that arrives there into order-by-order books, and\n"
    "print the same summary as 'blanc replay' with the transport counters. Gaps are\n"
    "re-requested from a retransmission server when one is given, else lost after\n"
    "--gap-wait. Ends at the session's end-of-session packet, after --idle-timeout,\n"
    "or on SIGINT/SIGTERM, with a final summary (and snapshot, with --snapshot-dir).\n"
    "\n"
    "options:\n"
    "  --group G           IPv4 multicast group, or unicast/any (0.0.0.0) address\n"
    "  --port P            UDP port (1-65535)\n"
    "  --interface IP      the local interface address to join the group on\n"
    "  --rerequest H:P     retransmission server: request packets (session, sequence,\n"
    "                      count) go there, its answers come back to the requester\n"
    "  --session NAME      follow this MoldUDP64 session (default: the first seen)\n"
    "  --idle-timeout S    end after S seconds (decimals allowed) with no packet\n"
    "  --gap-wait MS       wait per re-request, or in all without a server, before a\n"
    "                      gap is lost (default 20); every gap has its own, up to\n"
    "                      32 tended at once\n"
    "  --rerequest-tries N re-requests of one gap before it is lost (default 5)\n"
    "  --reorder-window N  packets held behind a gap (default and most 4096)\n"
    "  --rcvbuf BYTES      socket receive buffer asked for (default 64M)\n"
    "  --snapshot-dir DIR  write the final state there as snap-end (docs/SNAPSHOT.md)\n"
    "  --snapshot-format F bin (default, .snap) or json (canonical, .json)\n"
    "  --symbol SYM        print the final book of SYM (repeatable)\n"
    "  --depth N           levels per side for --symbol (default 5)\n"
    "  --json              one JSON object on stdout instead of text\n"
    "  --strict            stop at the first anomaly; exit 1 if there was one\n"
    "  --no-book           decode and count only, build no book\n"
    "  --expect-orders N   presize the order map for N live orders\n"
    "\n"
    "per-message output (docs/EMIT.md):\n"
    "  --emit KIND         bbo, l2, l3, trades, bars, lobster (with --depth,\n"
    "                      --date, --from, --to, --every, --at) or fix (with\n"
    "                      --fix-version, --fix-sender, --fix-target, --date): see\n"
    "                      blanc replay --help\n"
    "  --format F          jsonl (default), csv or bin\n"
    "  -o OUT              output file ('-' = stdout, the summary then goes to\n"
    "                      stderr); .gz/.zst compress; written atomically\n"
    "\n"
    "feed health (docs/HEALTH.md; on unless --no-health):\n"
    "  --health-config F   detector windows and breaker thresholds (TOML subset)\n"
    "  --health-journal F  every breaker transition as JSON lines\n"
    "  --reset-at P        release latched states at message index P or feed time\n"
    "  --no-health         do not track health\n"
    "\n"
    "live metrics (docs/TELEMETRY.md):\n"
    "  --metrics-listen A  serve Prometheus /metrics on A = IPv4:PORT\n"
    "  --metrics-linger S  keep serving S seconds after the end\n"
    "  -h, --help          this text\n"
    "\n"
    "Offsets are bytes of MoldUDP64 payload received. A line 'blanc: listening on\n"
    "G:P' on stderr says the socket is ready.\n"
    "\n"
    "exit codes: 0 ok (end of session, idle timeout or signal; lost messages are\n"
    "            counted, not fatal), 1 anomaly under --strict, 2 usage error, a socket\n"
    "            that cannot be opened, or no packet of the session arrived\n";

typedef struct listen_args {
    cli_run run;
    blanc_udp_options uo;
    char name[64]; /* "G:P": what the summary names */
    char rr_host[64];
    blanc_cut end_cut;
    const char *snap_dir;
    blanc_snap_format snap_format;
    int snap_format_given;
    uint64_t idle_ms;
    blanc_feed *feed;
} listen_args;

static blanc_feed *volatile g_feed;
static volatile sig_atomic_t g_signalled;

/* The first SIGINT or SIGTERM ends the session (summary, commit); the next
 * one, if the end does not come (an output blocked on a stalled reader), is
 * every command's: outputs' temps and snapshots removed, the process ended
 * by it, no summary. */
static void on_signal(int sig)
{
    (void)sig;
    g_signalled = 1;
    blanc_feed_udp_stop(g_feed); /* async-signal-safe: a flag and a write */
    cli_interrupt_rearm(SIGINT);
    cli_interrupt_rearm(SIGTERM);
}

static int parse_u32(const char *flag, const char *s, uint64_t lo, uint64_t hi, uint32_t *out)
{
    uint64_t v;
    if (cli_parse_u64(s, &v) || v < lo || v > hi) {
        cli_error("listen: %s wants a number from %" PRIu64 " to %" PRIu64 ", not '%s'", flag, lo,
                  hi, s);
        return CLI_USAGE;
    }
    *out = (uint32_t)v;
    return CLI_OK;
}

/* Digits, then optionally '.' and digits: what strtod reads beyond that
 * (blanks, a sign, hex, exponents, "inf") is not a number of seconds. */
static int decimal_ok(const char *s)
{
    if (!isdigit((unsigned char)*s))
        return 0;
    while (isdigit((unsigned char)*s))
        s++;
    if (*s == '.')
        while (isdigit((unsigned char)*++s))
            ;
    return !*s;
}

/* Seconds with an optional fraction ("0.5", "10") into ms. */
static int parse_seconds(const char *s, uint64_t *ms)
{
    char *end = NULL;
    errno = 0;
    double v = decimal_ok(s) ? strtod(s, &end) : 0;
    if (!end || *end || errno || !(v > 0)) {
        cli_error("listen: --idle-timeout wants seconds above 0 (digits, a fraction allowed: "
                  "'0.5'), not '%s'", s);
        return CLI_USAGE;
    }
    /* The library takes ms in 32 bits: refuse rather than silently wait less. */
    if (v * 1000 + 0.5 >= (double)UINT32_MAX + 1) {
        cli_error("listen: --idle-timeout wants at most %" PRIu32 " seconds (about 49.7 days), "
                  "not '%s'", UINT32_MAX / 1000, s);
        return CLI_USAGE;
    }
    *ms = (uint64_t)(v * 1000 + 0.5);
    if (*ms == 0)
        *ms = 1;
    return CLI_OK;
}

static int parse_hostport(listen_args *a, const char *s)
{
    const char *c = strrchr(s, ':');
    uint32_t port;
    if (!c || c == s || (size_t)(c - s) >= sizeof a->rr_host ||
        parse_u32("--rerequest port", c + 1, 1, 65535, &port)) {
        cli_error("listen: --rerequest wants HOST:PORT (an IPv4 address), not '%s'", s);
        return CLI_USAGE;
    }
    memcpy(a->rr_host, s, (size_t)(c - s));
    a->rr_host[c - s] = 0;
    a->uo.rerequest_host = a->rr_host;
    a->uo.rerequest_port = (uint16_t)port;
    return CLI_OK;
}

static int parse_args(int argc, char **argv, listen_args *a)
{
    static const struct option longopts[] = {
        CLI_RUN_LONGOPTS,
        {"group", required_argument, 0, 'g'},        {"port", required_argument, 0, 'p'},
        {"interface", required_argument, 0, 'i'},    {"rerequest", required_argument, 0, 'q'},
        {"session", required_argument, 0, 'n'},      {"idle-timeout", required_argument, 0, 't'},
        {"gap-wait", required_argument, 0, 'w'},     {"rerequest-tries", required_argument, 0, 'T'},
        {"reorder-window", required_argument, 0, 'W'}, {"rcvbuf", required_argument, 0, 'b'},
        {"snapshot-dir", required_argument, 0, 'O'}, {"snapshot-format", required_argument, 0, 'F'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    cli_run_init(&a->run, "listen");
    optind = 1;
    opterr = 0;
    int c, port_given = 0;
    uint32_t v;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        int rc = cli_run_option(&a->run, c, optarg);
        if (rc == CLI_USAGE)
            return CLI_USAGE;
        if (rc == CLI_OK)
            continue;
        switch (c) {
        case 'g': a->uo.group = optarg; break;
        case 'p':
            if (parse_u32("--port", optarg, 1, 65535, &v))
                return CLI_USAGE;
            a->uo.port = (uint16_t)v;
            port_given = 1;
            break;
        case 'i': a->uo.interface = optarg; break;
        case 'q':
            if (parse_hostport(a, optarg))
                return CLI_USAGE;
            break;
        case 'n':
            if (!*optarg || strlen(optarg) > 10) {
                cli_error("listen: --session wants a MoldUDP64 session name of 1-10 characters, "
                          "not '%s'", optarg);
                return CLI_USAGE;
            }
            a->uo.session = optarg;
            break;
        case 't':
            if (parse_seconds(optarg, &a->idle_ms))
                return CLI_USAGE;
            break;
        case 'w':
            if (parse_u32("--gap-wait", optarg, 1, 60000, &a->uo.gap_wait_ms))
                return CLI_USAGE;
            break;
        case 'T':
            if (parse_u32("--rerequest-tries", optarg, 1, 1000, &a->uo.rerequest_tries))
                return CLI_USAGE;
            break;
        case 'W':
            if (parse_u32("--reorder-window", optarg, 1, 4096, &a->uo.reorder_window))
                return CLI_USAGE;
            break;
        case 'b':
            if (parse_u32("--rcvbuf", optarg, 4096, 1u << 30, &a->uo.rcvbuf))
                return CLI_USAGE;
            break;
        case 'O': a->snap_dir = optarg; break;
        case 'F':
            a->snap_format_given = 1;
            if (cli_parse_snap_format("listen", optarg, &a->snap_format))
                return CLI_USAGE;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_bad_option("listen", "ho:", argv);
        }
    }
    if (optind != argc) {
        cli_error("listen: unexpected argument '%s' (see 'blanc listen --help')", argv[optind]);
        return CLI_USAGE;
    }
    if (!a->uo.group || !port_given) {
        cli_error("listen: --group and --port are required (see 'blanc listen --help')");
        return CLI_USAGE;
    }
    if (a->snap_format_given && !a->snap_dir) {
        cli_error("listen: --snapshot-format needs --snapshot-dir");
        return CLI_USAGE;
    }
    a->uo.idle_timeout_ms = (uint32_t)a->idle_ms; /* parse_seconds kept it in range */
    snprintf(a->name, sizeof a->name, "%s:%u", a->uo.group, a->uo.port);
    a->run.input = a->name;
    a->run.snapshots = a->snap_dir != NULL;
    /* Nothing is read twice from a socket: there is no input to hash. */
    a->run.opts.no_input_digest = 1;
    const cli_file own[] = {{"--snapshot-dir", a->snap_dir, CLI_OUT_DIR}};
    if (cli_run_check(&a->run, a->snap_dir != NULL) || cli_run_files(&a->run, own, 1))
        return CLI_USAGE;
    return CLI_OK;
}

static const char *ended_by(const listen_args *a)
{
    const blanc_feed_end *e = blanc_feed_end_info(a->feed);
    if (e->how == BLANC_END_MARKER)
        return "end_of_session";
    if (g_signalled)
        return "signal";
    if (e->how == BLANC_END_EOF)
        return "idle_timeout";
    return e->how == BLANC_END_NONE ? "stopped" : "error";
}

/* The session the feed follows (not the first seen: with --session that may
 * be another, skipped), or NULL when none of its packets arrived. */
static const char *followed(const listen_args *a)
{
    uint32_t s = blanc_feed_udp_session(a->feed);
    return s ? blanc_feed_session_name(a->feed, s) : NULL;
}

static void head_json(jw *j, void *ctx, const cli_run_info *ri)
{
    const listen_args *a = ctx;
    jw_str(j, "input", a->name);
    jw_str(j, "framing", "udp");
    jw_str(j, "blanc_version", blanc_version());
    const char *s = followed(a);
    if (s)
        jw_str(j, "session", s);
    else
        jw_null(j, "session");
    jw_u64(j, "stream_bytes", ri->in.stream_bytes);
}

static void head_text(FILE *f, void *ctx, const cli_run_info *ri)
{
    const listen_args *a = ctx;
    const char *s = followed(a);
    fprintf(f, "input        udp %s, session %s, %" PRIu64 " bytes of MoldUDP64 payload\n",
            a->name, s ? s : "(none)", ri->in.stream_bytes);
}

static void tail_json(jw *j, void *ctx, const cli_run_info *ri)
{
    const listen_args *a = ctx;
    (void)ri;
    blanc_udp_stats u;
    blanc_feed_get_udp_stats(a->feed, &u); /* a live feed: always 0 */
    jw_open(j, "live", '{');
    jw_u64(j, "datagrams", u.datagrams);
    jw_u64(j, "bytes", u.bytes);
    jw_u64(j, "batches", u.batches);
    jw_u64(j, "waits", u.waits);
    jw_u64(j, "rerequests", u.rerequests);
    jw_u64(j, "retransmitted", u.retransmitted);
    jw_u64(j, "recovered", u.recovered);
    jw_u64(j, "gaps_given_up", u.gaps_given_up);
    jw_u64(j, "kernel_drops", u.kernel_drops);
    jw_u64(j, "truncated", u.truncated);
    jw_u64(j, "rcvbuf", u.rcvbuf);
    jw_close(j, '}');
    jw_str(j, "ended_by", ended_by(a));
}

static void tail_text(FILE *f, void *ctx, const cli_run_info *ri)
{
    const listen_args *a = ctx;
    (void)ri;
    blanc_udp_stats u;
    blanc_feed_get_udp_stats(a->feed, &u); /* a live feed: always 0 */
    fprintf(f, "live         %" PRIu64 " datagrams in %" PRIu64 " batches, %" PRIu64
               " re-requests (%" PRIu64 " datagrams back, %" PRIu64 " messages recovered), %" PRIu64
               " gaps given up, %" PRIu64 " dropped by the kernel; ended by %s\n",
            u.datagrams, u.batches, u.rerequests, u.retransmitted, u.recovered, u.gaps_given_up,
            u.kernel_drops, ended_by(a));
}

static int empty(void *ctx, const cli_run_info *ri)
{
    const listen_args *a = ctx;
    (void)ri;
    blanc_udp_stats u;
    blanc_feed_get_udp_stats(a->feed, &u); /* a live feed: always 0 */
    if (u.datagrams == 0) {
        cli_error("%s: no MoldUDP64 packet arrived (%s)", a->name,
                  g_signalled ? "stopped by a signal" : "idle timeout");
        return 1;
    }
    blanc_transport_stats t;
    blanc_feed_get_transport_stats(a->feed, &t);
    if (a->uo.session && !followed(a)) {
        cli_error("%s: no packet of session %s arrived (%" PRIu64 " packets of others)", a->name,
                  a->uo.session, t.skipped);
        return 1;
    }
    return 0;
}

static void catch_signals(void *ctx, const blanc_session *s)
{
    (void)s;
    g_feed = ((listen_args *)ctx)->feed;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT); /* one at a time: the rearm is whole */
    sigaddset(&sa.sa_mask, SIGTERM);
    /* A signal ignored when blanc started (nohup, a background job) stays
     * ignored: the caller asked for that, and then nothing rearms it. */
    const int sigs[] = {SIGINT, SIGTERM};
    for (size_t i = 0; i < 2; i++) {
        struct sigaction old;
        if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(sigs[i], &sa, NULL);
    }
}

static void release_signals(void *ctx, const blanc_session *s)
{
    (void)ctx;
    (void)s;
    cli_interrupt_guard(); /* the session is over: a signal now removes its outputs */
    g_feed = NULL;
}

int cmd_listen(int argc, char **argv)
{
    static listen_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    int sys = 0;
    rc = blanc_feed_open_udp(&a.feed, &a.uo, &sys);
    if (rc == BLANC_EINVAL) {
        cli_error("listen: --group, --interface and --rerequest want IPv4 addresses "
                  "(dotted quad): %s", a.name);
        return CLI_USAGE;
    }
    if (rc) {
        cli_error("%s: %s%s%s", a.name, blanc_strerror(rc), sys ? ": " : "",
                  sys ? strerror(sys) : "");
        return CLI_USAGE;
    }
    fprintf(stderr, "blanc: listening on %s:%u", a.uo.group, blanc_feed_udp_port(a.feed));
    if (a.uo.rerequest_host)
        fprintf(stderr, ", re-requests to %s:%u", a.uo.rerequest_host, a.uo.rerequest_port);
    fprintf(stderr, "\n");
    fflush(stderr);
    blanc_session_options so;
    memset(&so, 0, sizeof so);
    so.input = a.name;
    so.live = a.feed;
    if (a.snap_dir) {
        a.end_cut.kind = BLANC_CUT_END;
        so.cuts = &a.end_cut;
        so.n_cuts = 1;
        so.snapshot_dir = a.snap_dir;
        so.snapshot_format = a.snap_format;
    }
    cli_run_hooks hk = {&a, head_json, head_text, tail_json, tail_text, empty, catch_signals,
                        release_signals};
    rc = cli_run_session(&a.run, &so, &hk);
    blanc_feed_free(a.feed);
    a.feed = NULL;
    return rc;
}
