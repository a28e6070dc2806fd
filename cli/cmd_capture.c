/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc capture info: what a capture holds, per MoldUDP64 channel and
 * session, or packet by packet (--packets, what tests compare with tshark). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char usage_text[] =
    "usage: blanc capture info FILE [--packets] [--json]\n"
    "\n"
    "Read a pcap or pcapng capture (plain, .gz or .zst) to its end and account\n"
    "every MoldUDP64 channel (destination GROUP:PORT) and session in it:\n"
    "packets, messages, first and last sequence number and capture time, gaps\n"
    "with their ranges, duplicates, out-of-order packets, heartbeats, end of\n"
    "session; then the packet totals (UDP, TCP, other, damaged).\n"
    "  --packets  list every packet instead, one a line: number, channel,\n"
    "             session, sequence number, message count (MoldUDP64), or\n"
    "             what else it is (tcp, other, damaged: why, not-moldudp64)\n"
    "  --json     the same as JSON (--packets: one JSON object a line)\n"
    "exit codes: 0 ok, 2 usage error, unreadable capture, or one that ends\n"
    "inside a record (what was read before is still shown)\n";

static void fmt_ip(uint32_t ip, uint16_t port, char out[24])
{
    snprintf(out, 24, "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255,
             port);
}

/* UTC date and time to the nanosecond. */
static void fmt_utc(uint64_t ns, char out[48])
{
    time_t sec = (time_t)(ns / 1000000000u);
    struct tm tm;
    if (!gmtime_r(&sec, &tm)) {
        snprintf(out, 48, "%" PRIu64 "ns", ns);
        return;
    }
    char day[32];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 48, "%s.%09" PRIu64 "Z", day, ns % 1000000000u);
}

static const char *kind_name(blanc_capture_kind k)
{
    switch (k) {
    case BLANC_CAPPKT_MOLD: return "moldudp64";
    case BLANC_CAPPKT_BADMOLD: return "not-moldudp64";
    case BLANC_CAPPKT_TCP: return "tcp";
    case BLANC_CAPPKT_OTHER: return "other";
    default: return "damaged";
    }
}

static void packet_line(void *ctx, const blanc_capture_packet *p)
{
    const int *as_json = ctx;
    char ch[24], from[24];
    fmt_ip(p->dst_ip, p->dst_port, ch);
    fmt_ip(p->src_ip, p->src_port, from);
    if (*as_json) {
        jw j;
        jw_init(&j, stdout);
        jw_open(&j, NULL, '{');
        jw_u64(&j, "packet", p->number);
        jw_str(&j, "kind", kind_name(p->kind));
        jw_u64(&j, "offset", p->offset);
        jw_u64(&j, "ts_ns", p->ts_ns);
        if (p->kind != BLANC_CAPPKT_OTHER && p->kind != BLANC_CAPPKT_DAMAGED) {
            jw_str(&j, "channel", ch);
            jw_str(&j, "from", from);
        }
        if (p->kind == BLANC_CAPPKT_MOLD) {
            jw_str(&j, "session", p->session);
            jw_u64(&j, "seq", p->seq);
            jw_u64(&j, "count", p->count);
        }
        if (p->why)
            jw_str(&j, "why", p->why);
        jw_close(&j, '}');
        jw_end(&j);
    } else if (p->kind == BLANC_CAPPKT_MOLD) {
        printf("%" PRIu64 "\t%s\t%s\t%" PRIu64 "\t%u\n", p->number, ch, p->session, p->seq,
               p->count);
    } else if (p->kind == BLANC_CAPPKT_DAMAGED) {
        printf("%" PRIu64 "\tdamaged: %s\n", p->number, p->why);
    } else if (p->kind == BLANC_CAPPKT_OTHER) {
        printf("%" PRIu64 "\tother\n", p->number);
    } else {
        printf("%" PRIu64 "\t%s\t%s\tfrom %s\n", p->number, ch, kind_name(p->kind), from);
    }
}

static void info_text(const char *path, const blanc_capture_info *ci)
{
    blanc_capture_totals t;
    blanc_capture_info_totals(ci, &t);
    printf("%s: %" PRIu64 " packets: %" PRIu64 " UDP, %" PRIu64 " TCP, %" PRIu64
           " other, %" PRIu64 " damaged\n",
           path, t.packets, t.udp, t.tcp, t.other, t.damaged);
    size_t n = blanc_capture_info_count(ci);
    for (size_t i = 0; i < n; i++) {
        blanc_capture_session s;
        blanc_capture_info_session(ci, i, &s);
        char ch[24], t0[48], t1[48];
        fmt_ip(s.group, s.port, ch);
        fmt_utc(s.first_ts_ns, t0);
        fmt_utc(s.last_ts_ns, t1);
        printf("channel %s session '%s': %" PRIu64 " packets, %" PRIu64 " messages\n", ch,
               s.session, s.packets, s.messages);
        printf("  sequence %" PRIu64 "..%" PRIu64 ", time %s .. %s\n", s.first_seq, s.last_seq,
               t0, t1);
        printf("  gaps %" PRIu64 " (%" PRIu64 " messages lost", s.gaps, s.lost);
        if (s.late)
            printf(", %" PRIu64 " came late", s.late);
        printf("), duplicates %" PRIu64 ", out of order %" PRIu64 ", heartbeats %" PRIu64 "%s\n",
               s.duplicates, s.out_of_order, s.heartbeats, s.ended ? ", end of session" : "");
        for (uint64_t k = 0; k < s.gaps; k++) {
            uint64_t from, to;
            if (blanc_capture_info_gap(ci, i, k, &from, &to) < 0)
                break;
            printf("  gap %" PRIu64 "..%" PRIu64 "\n", from, to);
        }
    }
    blanc_capture_tcp tc;
    if (blanc_capture_info_tcp(ci, &tc)) {
        char sv[24], cl[24];
        fmt_ip(tc.server_ip, tc.server_port, sv);
        fmt_ip(tc.client_ip, tc.client_port, cl);
        printf("tcp %s -> %s SoupBinTCP session '%s': %" PRIu64 " packets (%" PRIu64 "..%" PRIu64
               "), %" PRIu64 " messages\n",
               sv, cl, tc.session, tc.packets, tc.first_packet, tc.last_packet, tc.messages);
        printf("  sequence %" PRIu64 "..%" PRIu64 ", soup packets %" PRIu64 ", heartbeats %" PRIu64
               "%s\n",
               tc.first_seq, tc.last_seq, tc.soup_packets, tc.heartbeats,
               tc.ended ? ", end of session" : "");
        printf("  retransmitted %" PRIu64 ", out of order %" PRIu64 ", holes %" PRIu64 "\n",
               tc.retransmits, tc.out_of_order, tc.holes);
    }
}

static void info_json(const char *path, const blanc_capture_info *ci, const char *error)
{
    jw j;
    jw_init(&j, stdout);
    jw_open(&j, NULL, '{');
    jw_str(&j, "file", path);
    blanc_capture_totals t;
    blanc_capture_info_totals(ci, &t);
    jw_open(&j, "packets", '{');
    jw_u64(&j, "total", t.packets);
    jw_u64(&j, "udp", t.udp);
    jw_u64(&j, "tcp", t.tcp);
    jw_u64(&j, "other", t.other);
    jw_u64(&j, "damaged", t.damaged);
    jw_close(&j, '}');
    jw_open(&j, "sessions", '[');
    size_t n = blanc_capture_info_count(ci);
    for (size_t i = 0; i < n; i++) {
        blanc_capture_session s;
        blanc_capture_info_session(ci, i, &s);
        char ch[24];
        fmt_ip(s.group, s.port, ch);
        jw_open(&j, NULL, '{');
        jw_str(&j, "channel", ch);
        jw_str(&j, "session", s.session);
        jw_u64(&j, "packets", s.packets);
        jw_u64(&j, "messages", s.messages);
        jw_u64(&j, "first_seq", s.first_seq);
        jw_u64(&j, "last_seq", s.last_seq);
        jw_u64(&j, "first_ts_ns", s.first_ts_ns);
        jw_u64(&j, "last_ts_ns", s.last_ts_ns);
        jw_u64(&j, "gaps", s.gaps);
        jw_u64(&j, "lost_messages", s.lost);
        jw_open(&j, "gap_ranges", '[');
        for (uint64_t k = 0; k < s.gaps; k++) {
            uint64_t from, to;
            if (blanc_capture_info_gap(ci, i, k, &from, &to) < 0)
                break;
            jw_open(&j, NULL, '[');
            jw_u64(&j, NULL, from);
            jw_u64(&j, NULL, to);
            jw_close(&j, ']');
        }
        jw_close(&j, ']');
        jw_u64(&j, "duplicates", s.duplicates);
        jw_u64(&j, "late", s.late);
        jw_u64(&j, "out_of_order", s.out_of_order);
        jw_u64(&j, "heartbeats", s.heartbeats);
        jw_bool(&j, "ended", s.ended);
        jw_close(&j, '}');
    }
    jw_close(&j, ']');
    blanc_capture_tcp tc;
    if (blanc_capture_info_tcp(ci, &tc)) {
        char sv[24], cl[24];
        fmt_ip(tc.server_ip, tc.server_port, sv);
        fmt_ip(tc.client_ip, tc.client_port, cl);
        jw_open(&j, "tcp", '{');
        jw_str(&j, "server", sv);
        jw_str(&j, "client", cl);
        jw_str(&j, "session", tc.session);
        jw_u64(&j, "packets", tc.packets);
        jw_u64(&j, "first_packet", tc.first_packet);
        jw_u64(&j, "last_packet", tc.last_packet);
        jw_u64(&j, "soup_packets", tc.soup_packets);
        jw_u64(&j, "messages", tc.messages);
        jw_u64(&j, "first_seq", tc.first_seq);
        jw_u64(&j, "last_seq", tc.last_seq);
        jw_u64(&j, "heartbeats", tc.heartbeats);
        jw_u64(&j, "retransmits", tc.retransmits);
        jw_u64(&j, "out_of_order", tc.out_of_order);
        jw_u64(&j, "holes", tc.holes);
        jw_bool(&j, "ended", tc.ended);
        jw_close(&j, '}');
    } else {
        jw_null(&j, "tcp");
    }
    if (error)
        jw_str(&j, "error", error);
    else
        jw_null(&j, "error");
    jw_close(&j, '}');
    jw_end(&j);
}

int cmd_capture(int argc, char **argv)
{
    static const struct option longopts[] = {{"packets", no_argument, 0, 'p'},
                                             {"json", no_argument, 0, 'j'},
                                             {"help", no_argument, 0, 'h'},
                                             {0, 0, 0, 0}};
    int as_json = 0, packets = 0, c;
    int sub = cli_subcommand("capture", "info", argc, argv, usage_text);
    if (sub != CLI_CONTINUE)
        return sub;
    argc--, argv++;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': packets = 1; break;
        case 'j': as_json = 1; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("capture info", "h", argv);
        }
    }
    if (optind != argc - 1) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    const char *path = argv[optind];
    blanc_source *src;
    int sys_errno = 0;
    int rc = blanc_source_open(&src, path, &sys_errno);
    if (rc) {
        cli_file_error(path, rc, sys_errno);
        return CLI_USAGE;
    }
    blanc_capture_info *ci;
    char why[512] = "";
    rc = blanc_capture_info_read(&ci, src, packets ? packet_line : NULL, &as_json, why,
                                 sizeof why);
    blanc_source_close(src);
    char error[640] = "";
    if (rc == BLANC_ENOTITCH)
        snprintf(error, sizeof error, "%s: %s", path, why);
    else if (rc < 0)
        snprintf(error, sizeof error, "%s: %s%s%s", path, blanc_strerror(rc), *why ? ": " : "",
                 why);
    if (ci && !packets) {
        if (as_json)
            info_json(path, ci, rc < 0 ? error : NULL);
        else
            info_text(path, ci);
    }
    cli_flush(stdout);
    blanc_capture_info_free(ci);
    if (rc < 0) {
        cli_error("%s", error);
        return CLI_USAGE;
    }
    return CLI_OK;
}
