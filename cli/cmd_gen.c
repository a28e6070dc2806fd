/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc gen: write a deterministic ITCH 5.0 day. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "blanc.h"
#include "cli.h"

static const char usage_text[] =
    "usage: blanc gen --seed S --messages N [options] -o FILE\n"
    "\n"
    "Write a deterministic, realistic ITCH 5.0 BinaryFILE day: system events, a stock\n"
    "directory, trading actions, then a body dominated by adds and deletes near a moving\n"
    "mid (never crossed), executions at the best level in time priority, replaces and\n"
    "cancels of live orders, heavy traffic skew toward a few symbols. The same options\n"
    "always give the same bytes.\n"
    "\n"
    "options:\n"
    "  --seed S            RNG seed (required)\n"
    "  --messages N        frames to write in all, e.g. 1M (required; k, M, G suffixes;\n"
    "                      at most 10G)\n"
    "  --symbols K         instruments (default 100, at most 65535)\n"
    "  --scenario NAME     normal (default), burst (message-rate bursts), corrupt (damaged\n"
    "                      frames and fields), gap (runs of lost messages)\n"
    "  --session SECONDS   feed time the body spans from 09:30 (default: until 16:00);\n"
    "                      shorter is denser, e.g. 100 for ~10 messages/ms at 1M\n"
    "  --profile NAME      message rate over feed time: flat (default, even over the\n"
    "                      session), intraday (sparse pre-market, a spike at 09:30,\n"
    "                      U-shaped session, closing cross at 16:00, sparse after\n"
    "                      hours), step (a 2 s sparse preamble, then ~500 messages\n"
    "                      per feed ms)\n"
    "  --manifest FILE     write the injected damage as JSON lines (and, for a\n"
    "                      capture, what the transport did: kind transport)\n"
    "  -o FILE             output; '-' for stdout; .gz / .zst compress\n"
    "  -h, --help          this text\n"
    "\n"
    "the same day as a capture (docs/FEEDS.md \"Generating captures\"):\n"
    "  --format NAME       binaryfile (default), moldudp64-pcap (MoldUDP64 over\n"
    "                      Ethernet/IPv4/UDP, pcap with ns timestamps), pcapng, or\n"
    "                      soupbintcp (a SoupBinTCP server byte stream), or\n"
    "                      soupbintcp-pcap (that stream as one TCP connection in a\n"
    "                      pcap: handshake, segments, FIN)\n"
    "  --channel GROUP:PORT  line A's destination (default 233.54.12.111:26477);\n"
    "                      given twice, the second is line B's; soupbintcp-pcap:\n"
    "                      the server's IP:PORT (default 10.0.0.1:26477)\n"
    "  --ab                write line B too (default 233.49.196.111:26477): the same\n"
    "                      packets, session and sequence numbers, 1 us later\n"
    "  --drop-packets R    drop each data packet with probability R (0.01 or 1%),\n"
    "                      on each line independently\n"
    "  --dup-packets R     write each data packet twice with probability R\n"
    "  --reorder-packets R write each data packet (soupbintcp-pcap: TCP segment)\n"
    "                      1 to 3 packets late with probability R\n"
    "  --retransmit-packets R  soupbintcp-pcap: write each TCP segment again right\n"
    "                      after itself with probability R\n"
    "  --packet-log FILE   one line per packet decision: FRAME LINE GROUP:PORT\n"
    "                      SESSION SEQ COUNT data|duplicate|reordered|dropped|\n"
    "                      heartbeat|end (FRAME '-' when dropped)\n"
    "  --session-name NAME MoldUDP64/SoupBinTCP session (default BLANC00001)\n"
    "  --payload BYTES     UDP payload limit, soupbintcp-pcap the TCP MSS (default\n"
    "                      1400, 128 to 65000)\n"
    "  --window US         a packet (segment) holds messages of at most this much\n"
    "                      feed time\n"
    "                      (default 1000)\n"
    "  --heartbeat SECONDS a heartbeat after each such quiet stretch (default 1;\n"
    "                      0: none)\n"
    "  --date YYYY-MM-DD   capture clock: this day's 00:00 UTC plus the ITCH time\n"
    "                      (default 2024-01-02)\n";

/* Open an output (not yet visible: see blanc_sink_open), or say which and why not. */
static int open_output(blanc_sink **s, const char *what, const char *path)
{
    int sys = 0, rc = blanc_sink_open(s, path, &sys);
    if (rc)
        cli_error("gen: %s%s: %s%s%s", what, path, blanc_strerror(rc), sys ? ": " : "",
                  sys ? strerror(sys) : "");
    return rc;
}

static int write_manifest(blanc_sink *s, const blanc_gen_config *cfg, const blanc_gen_result *res)
{
    int rc = 0;
    for (size_t i = 0; i < res->n_injections && !rc; i++) {
        const blanc_gen_injection *in = &res->injections[i];
        char line[256];
        int n = snprintf(line, sizeof line,
                         "{\"scenario\":\"%s\",\"kind\":\"%s\",\"index\":%" PRIu64
                         ",\"offset\":%" PRIu64 ",\"count\":%" PRIu32 "}\n",
                         blanc_scenario_name(cfg->scenario), in->kind, in->index, in->offset,
                         in->count);
        rc = blanc_sink_write(s, line, (size_t)n);
    }
    return rc;
}

enum { OPT_FORMAT = 256, OPT_CHANNEL, OPT_AB, OPT_DROP, OPT_DUP, OPT_REORDER, OPT_RETRANSMIT,
       OPT_PLOG, OPT_SNAME, OPT_PAYLOAD, OPT_WINDOW, OPT_HEARTBEAT, OPT_DATE };

/* The capture options; 0 handled, CLI_USAGE. */
static int capture_option(int c, const char *arg, blanc_gen_transport *t, int *n_channels,
                          int *transport_opts)
{
    uint64_t v;
    uint32_t *rate = c == OPT_DROP         ? &t->drop_ppm
                     : c == OPT_DUP        ? &t->dup_ppm
                     : c == OPT_RETRANSMIT ? &t->retransmit_ppm
                                           : &t->reorder_ppm;
    if (c != OPT_FORMAT)
        (*transport_opts)++;
    switch (c) {
    case OPT_FORMAT: {
        int f = blanc_gen_format_parse(arg);
        if (f < 0) {
            cli_error("gen: --format is binaryfile, moldudp64-pcap, pcapng, soupbintcp or "
                      "soupbintcp-pcap, not '%s'", arg);
            return CLI_USAGE;
        }
        t->format = (blanc_gen_format)f;
        return 0;
    }
    case OPT_CHANNEL:
        if (*n_channels == 2 || cli_parse_channel(arg, &t->group[*n_channels],
                                                  &t->port[*n_channels])) {
            cli_error(*n_channels == 2 ? "gen: --channel at most twice (line A, line B)"
                                       : "gen: --channel wants GROUP:PORT such as "
                                         "233.54.12.111:26477, not '%s'", arg);
            return CLI_USAGE;
        }
        (*n_channels)++;
        return 0;
    case OPT_AB: t->ab = 1; return 0;
    case OPT_DROP:
    case OPT_DUP:
    case OPT_REORDER:
    case OPT_RETRANSMIT:
        if (cli_parse_rate_ppm(arg, rate)) {
            cli_error("gen: --%s-packets wants a rate from 0 to 1 such as 0.01 or 1%%, not '%s'",
                      c == OPT_DROP         ? "drop"
                      : c == OPT_DUP        ? "dup"
                      : c == OPT_RETRANSMIT ? "retransmit"
                                            : "reorder",
                      arg);
            return CLI_USAGE;
        }
        return 0;
    case OPT_SNAME:
        if (cli_parse_session_name(arg, t->session)) {
            cli_error("gen: --session-name wants 1 to 10 letters or digits, not '%s'", arg);
            return CLI_USAGE;
        }
        return 0;
    case OPT_PAYLOAD:
        if (cli_parse_u64(arg, &v) || v < 128 || v > 65000) {
            cli_error("gen: --payload wants 128 to 65000 bytes, not '%s'", arg);
            return CLI_USAGE;
        }
        t->payload = (uint32_t)v;
        return 0;
    case OPT_WINDOW:
        if (cli_parse_u64(arg, &v) || v == 0 || v > 60000000) {
            cli_error("gen: --window wants 1 to 60000000 microseconds, not '%s'", arg);
            return CLI_USAGE;
        }
        t->window_ns = v * 1000;
        return 0;
    case OPT_HEARTBEAT:
        if (cli_parse_u64(arg, &v) || v > 3600) {
            cli_error("gen: --heartbeat wants 0 to 3600 seconds, not '%s'", arg);
            return CLI_USAGE;
        }
        t->heartbeat_s = (uint32_t)v;
        return 0;
    case OPT_DATE:
        if (cli_parse_date(arg, &t->epoch_ns)) {
            cli_error("gen: --date wants YYYY-MM-DD (1970 to 2200), not '%s'", arg);
            return CLI_USAGE;
        }
        return 0;
    }
    return CLI_USAGE;
}

/* Say which output failed and why: the sink's own error, else the generator's. */
static void say_failure(int rc, blanc_sink *const *sinks, const char *const *paths, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (sinks[i] && blanc_sink_error(sinks[i], NULL)) {
            cli_sink_error(paths[i], rc, sinks[i]);
            return;
        }
    cli_error("gen: %s", blanc_strerror(rc));
}

int cmd_gen(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"seed", required_argument, 0, 's'},     {"messages", required_argument, 0, 'm'},
        {"symbols", required_argument, 0, 'k'},  {"scenario", required_argument, 0, 'c'},
        {"manifest", required_argument, 0, 'M'}, {"help", no_argument, 0, 'h'},
        {"session", required_argument, 0, 'T'},  {"profile", required_argument, 0, 'P'},
        {"format", required_argument, 0, OPT_FORMAT},
        {"channel", required_argument, 0, OPT_CHANNEL},
        {"ab", no_argument, 0, OPT_AB},
        {"drop-packets", required_argument, 0, OPT_DROP},
        {"dup-packets", required_argument, 0, OPT_DUP},
        {"reorder-packets", required_argument, 0, OPT_REORDER},
        {"retransmit-packets", required_argument, 0, OPT_RETRANSMIT},
        {"packet-log", required_argument, 0, OPT_PLOG},
        {"session-name", required_argument, 0, OPT_SNAME},
        {"payload", required_argument, 0, OPT_PAYLOAD},
        {"window", required_argument, 0, OPT_WINDOW},
        {"heartbeat", required_argument, 0, OPT_HEARTBEAT},
        {"date", required_argument, 0, OPT_DATE},
        {0, 0, 0, 0}};
    blanc_gen_config cfg;
    memset(&cfg, 0, sizeof cfg);
    blanc_gen_transport tr;
    memset(&tr, 0, sizeof tr);
    tr.heartbeat_s = 1;
    const char *out = NULL, *manifest = NULL, *plog = NULL;
    int have_seed = 0, have_n = 0, c, n_channels = 0, transport_opts = 0;
    uint64_t v;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            if (cli_parse_u64(optarg, &cfg.seed)) {
                cli_error("gen: --seed wants an unsigned integer, not '%s'", optarg);
                return CLI_USAGE;
            }
            have_seed = 1;
            break;
        case 'm':
            if (cli_parse_u64(optarg, &cfg.messages)) {
                cli_error("gen: --messages wants a count such as 250000 or 10M, not '%s'", optarg);
                return CLI_USAGE;
            }
            if (cfg.messages > BLANC_GEN_MAX_MESSAGES) {
                cli_error("gen: --messages wants at most 10G (%" PRIu64 "), not '%s'",
                          BLANC_GEN_MAX_MESSAGES, optarg);
                return CLI_USAGE;
            }
            have_n = 1;
            break;
        case 'k':
            if (cli_parse_u64(optarg, &v) || v == 0 || v > 65535) {
                cli_error("gen: --symbols wants 1 to 65535, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.symbols = (uint32_t)v;
            break;
        case 'c': {
            int sc = blanc_scenario_parse(optarg);
            if (sc < 0) {
                cli_error("gen: --scenario is normal, burst, corrupt or gap, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.scenario = (blanc_scenario)sc;
            break;
        }
        case 'T':
            if (cli_parse_u64(optarg, &v) || v == 0 || v > 23400) {
                cli_error("gen: --session wants 1 to 23400 seconds, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.session_ns = v * 1000000000u;
            break;
        case 'P': {
            int p = blanc_gen_profile_parse(optarg);
            if (p < 0) {
                cli_error("gen: --profile is flat, intraday or step, not '%s'", optarg);
                return CLI_USAGE;
            }
            cfg.profile = (blanc_gen_profile)p;
            break;
        }
        case 'M': manifest = optarg; break;
        case OPT_PLOG:
            plog = optarg;
            transport_opts++;
            break;
        case 'o': out = optarg; break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default:
            if (c >= OPT_FORMAT && c <= OPT_DATE) {
                if (capture_option(c, optarg, &tr, &n_channels, &transport_opts))
                    return CLI_USAGE;
                break;
            }
            return cli_bad_option("gen", "o:h", argv);
        }
    }
    if (!have_seed || !have_n || !out || optind != argc) {
        cli_error("gen: --seed, --messages and -o are required (and nothing else)");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    if (cfg.session_ns && cfg.profile != BLANC_PROFILE_FLAT) {
        cli_error("gen: --session shapes the flat profile only, not --profile %s",
                  blanc_gen_profile_name(cfg.profile));
        return CLI_USAGE;
    }
    if (tr.format == BLANC_GEN_BINARYFILE && transport_opts) {
        cli_error("gen: the capture options want --format moldudp64-pcap, pcapng, soupbintcp "
                  "or soupbintcp-pcap");
        return CLI_USAGE;
    }
    if (tr.format == BLANC_GEN_SOUPBINTCP_PCAP &&
        (n_channels > 1 || tr.ab || tr.drop_ppm || tr.dup_ppm || plog)) {
        cli_error("gen: a SoupBinTCP connection loses nothing and has one server: --ab, "
                  "--drop-packets, --dup-packets, --packet-log and a second --channel are for "
                  "MoldUDP64");
        return CLI_USAGE;
    }
    if (tr.retransmit_ppm && tr.format != BLANC_GEN_SOUPBINTCP_PCAP) {
        cli_error("gen: --retransmit-packets wants --format soupbintcp-pcap");
        return CLI_USAGE;
    }
    if (tr.format == BLANC_GEN_SOUPBINTCP &&
        (n_channels || tr.ab || tr.drop_ppm || tr.dup_ppm || tr.reorder_ppm || plog ||
         tr.payload || tr.window_ns || tr.retransmit_ppm)) {
        cli_error("gen: a SoupBinTCP stream has no channels, lines, packet loss or packing: "
                  "--channel, --ab, --*-packets, --packet-log, --payload and --window are for "
                  "MoldUDP64");
        return CLI_USAGE;
    }
    if (n_channels == 2 && !tr.ab) {
        cli_error("gen: a second --channel is line B's: it wants --ab");
        return CLI_USAGE;
    }
    uint64_t minimum = 6 + 2 * (uint64_t)(cfg.symbols ? cfg.symbols : 100);
    if (cfg.messages < minimum) {
        cli_error("gen: --messages must be at least %" PRIu64 " (system events and directory)",
                  minimum);
        return CLI_USAGE;
    }
    const cli_file files[] = {{"-o", out, CLI_OUT}, {"--manifest", manifest, CLI_OUT},
                              {"--packet-log", plog, CLI_OUT}};
    if (cli_check_files("gen", files, sizeof files / sizeof files[0]))
        return CLI_USAGE;
    if (tr.format != BLANC_GEN_BINARYFILE)
        cfg.transport = &tr;
    /* All outputs or none: open all before writing, write all, then commit
     * the day first (the large one, where a full disk shows) and the others;
     * if a later commit still fails, what was committed is removed. */
    enum { N_OUT = 3 };
    const char *paths[N_OUT] = {out, manifest, plog};
    const char *what[N_OUT] = {"-o ", "--manifest ", "--packet-log "};
    blanc_sink *sinks[N_OUT] = {0};
    for (int i = 0; i < N_OUT; i++)
        if (paths[i] && open_output(&sinks[i], what[i], paths[i])) {
            for (int k = 0; k < i; k++)
                blanc_sink_abort(sinks[k]);
            return CLI_USAGE;
        }
    tr.packet_log = sinks[2];
    blanc_gen_result res;
    int rc = blanc_gen_write(&cfg, sinks[0], &res);
    if (rc) {
        say_failure(rc, sinks, paths, N_OUT);
        for (int k = 0; k < N_OUT; k++)
            blanc_sink_abort(sinks[k]);
        return CLI_USAGE;
    }
    char report[1024];
    int rlen = cfg.transport && tr.format != BLANC_GEN_SOUPBINTCP
                   ? cli_gen_transport_lines(&tr, &res, report, sizeof report, 1)
                   : 0;
    if (sinks[1] && (rc = write_manifest(sinks[1], &cfg, &res)) == 0 && rlen > 0)
        rc = blanc_sink_write(sinks[1], report, (size_t)rlen);
    for (int i = 1; i < N_OUT && !rc; i++)
        if (sinks[i] && blanc_sink_error(sinks[i], NULL))
            rc = BLANC_EIO;
    /* Everything written and closed first (a signal may still end the run
     * here and leave nothing), so that putting the files in place is only
     * renames, short enough to hold signals off across them. */
    for (int i = 0; i < N_OUT && !rc; i++)
        if (sinks[i])
            rc = blanc_sink_finish(sinks[i], NULL);
    if (rc) {
        say_failure(rc, sinks, paths, N_OUT);
        for (int k = 0; k < N_OUT; k++)
            blanc_sink_abort(sinks[k]);
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    /* All the day's files or none: a signal between two renames would leave
     * a day without its manifest, so it waits until all are in place (or
     * taken back) and then ends the process as usual. */
    cli_interrupt_hold();
    for (int i = 0; i < N_OUT; i++) {
        if (!sinks[i])
            continue;
        blanc_sink *s = sinks[i];
        sinks[i] = NULL;
        if (cli_sink_commit(paths[i], s) == 0)
            continue;
        for (int k = i + 1; k < N_OUT; k++)
            blanc_sink_abort(sinks[k]);
        for (int k = 0; k < i; k++)
            if (paths[k] && strcmp(paths[k], "-")) {
                cli_error("gen: %s removed: %s%s could not be written", paths[k], what[i],
                          paths[i]);
                cli_remove_output(paths[k]);
            }
        cli_interrupt_release();
        blanc_gen_result_free(&res);
        return CLI_USAGE;
    }
    cli_interrupt_release();
    fprintf(stderr, "blanc gen: %" PRIu64 " messages, %" PRIu64 " bytes, %zu injections -> %s\n",
            res.messages, res.bytes, res.n_injections, out);
    if (cfg.transport && tr.format != BLANC_GEN_SOUPBINTCP &&
        cli_gen_transport_lines(&tr, &res, report, sizeof report, 0) > 0)
        fputs(report, stderr);
    blanc_gen_result_free(&res);
    return CLI_OK;
}
