/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc replay: replay a file, print what was built and how fast. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "blanc.h"
#include "cli.h"
#include "json.h"

static const char usage_text[] =
    "usage: blanc replay FILE [options]\n"
    "\n"
    "Replay an ITCH 5.0 BinaryFILE (plain, .gz or .zst, chosen by content; '-' = stdin)\n"
    "into order-by-order books for every instrument. Prints messages by type,\n"
    "instruments, live orders, anomalies, the l3/l2/stream/input digests\n"
    "(docs/DIGEST.md) and the speed.\n"
    "\n"
    "options:\n"
    "  --symbol SYM        print the final book of SYM (repeatable)\n"
    "  --depth N           levels per side for --symbol (default 5)\n"
    "  --json              one JSON object on stdout instead of text\n"
    "  --strict            stop at the first anomaly; exit 1 if there was one\n"
    "  --framing MODE      auto (default: by content, docs/FEEDS.md), binaryfile,\n"
    "                      fixed (ignore the 2-byte prefix and use each type's\n"
    "                      length: files written with zero prefixes), pcap (pcap or\n"
    "                      pcapng capture) or soupbintcp (a SoupBinTCP stream)\n"
    "  --no-input-digest   do not hash the input (saves a little time)\n"
    "  --no-book           decode and count only, build no book (to time the feed layer)\n"
    "  --expect-orders N   presize the order map for N live orders\n"
    "  --threads N         use N threads: the reading thread, which keeps a share\n"
    "                      of the books, and N-1 pinned book workers (default: the\n"
    "                      CPUs this process may use, less one for a compressed\n"
    "                      input's inflate thread; 1: one thread). Same results\n"
    "                      for every N; --emit, --strict, --no-book and\n"
    "                      --metrics-listen use one thread\n"
    "\n"
    "captures (pcap, pcapng; docs/FEEDS.md):\n"
    "  --channel G:P       replay the MoldUDP64 packets sent to group G port P (or\n"
    "                      :P, any group); repeatable: two lines of one session\n"
    "                      are arbitrated (the first copy of each number wins);\n"
    "                      or the SoupBinTCP over TCP that server G port P sends\n"
    "  --session NAME      replay this MoldUDP64 session (repeatable); without\n"
    "                      --session, the first session seen ('blanc capture info'\n"
    "                      lists them all). Without a selection MoldUDP64 is\n"
    "                      replayed if the capture has any, else SoupBinTCP\n"
    "  --reorder-window N  MoldUDP64 packets held per session while a number before\n"
    "                      them is missing (default 64, at most 4096); past it the\n"
    "                      missing numbers are a gap, and a packet of them that\n"
    "                      comes later counts as late\n"
    "\n"
    "snapshots (docs/SNAPSHOT.md):\n"
    "  --snapshot-at CUT   take a snapshot at CUT: a message index N (the state after\n"
    "                      N messages), a feed time HH:MM:SS[.nnnnnnnnn] (the state\n"
    "                      after every message stamped at or before it), or 'end';\n"
    "                      repeatable\n"
    "  --snapshot-out DIR  where snapshots go: snap-iN, snap-tHHMMSS.nnnnnnnnn, snap-end\n"
    "  --snapshot-format F bin (default, .snap) or json (canonical, .json)\n"
    "  --resume SNAP       continue from a snapshot of this same FILE to the end\n"
    "  --force             resume even if FILE is not the snapshot's input\n"
    "\n"
    "per-message output (docs/EMIT.md):\n"
    "  --emit KIND         bbo, l2, l3 or trades: minimal deltas, one record per\n"
    "                      book-changing message that changed the view\n"
    "  --format F          jsonl (default), csv or bin\n"
    "  -o OUT              output file ('-' = stdout, the summary then goes to\n"
    "                      stderr); .gz/.zst compress; written atomically\n"
    "  --depth N           with --emit l2: follow the top N levels (default all)\n"
    "  --symbol SYM        with --emit: only these instruments\n"
    "  --price decimal     csv, jsonl: prices as dollars (49.5470; default int: ticks)\n"
    "  --time iso          csv, jsonl: ts as HH:MM:SS.nnnnnnnnn (default ns: integer)\n"
    "\n"
    "sampled books and bars (docs/EMIT.md \"Sampled books and bars\"; csv, jsonl):\n"
    "  --emit l2 --every D the top --depth N (default 5) levels of each instrument at\n"
    "                      each instant of a grid of feed time D apart (1ms or more:\n"
    "                      500ms, 1s, 1.5s, 1m, 1h): one row per instrument and instant\n"
    "  --at T1,T2,...      instead of --every: at these feed times HH:MM:SS[.f]\n"
    "  --from T            with --every: the grid starts at T (default midnight)\n"
    "  --emit bars         with --every D: OHLCV bars per instrument from printable\n"
    "                      executions (E, C, P) with VWAP and trade count; cross (Q)\n"
    "                      prints in their own columns\n"
    "\n"
    "LOBSTER files (docs/EMIT.md \"LOBSTER\"):\n"
    "  --emit lobster      with --symbol SYM (repeatable) --depth N -o DIR: per\n"
    "                      symbol SYM_DATE_START_END_message_N.csv and\n"
    "                      ..._orderbook_N.csv, as lobsterdata.com writes them\n"
    "  --date YYYY-MM-DD   the date in the names (default: from FILE's name,\n"
    "                      YYYYMMDD... or NASDAQ's MMDDYYYY...)\n"
    "  --from T, --to T    the feed-time window [T, T) (default 09:30:00 to\n"
    "                      16:00:00); the book is still built from the start\n"
    "\n"
    "FIX market data (docs/EMIT.md \"FIX\"):\n"
    "  --emit fix          -o OUT: a MarketDataSnapshotFullRefresh (35=W) per\n"
    "                      instrument at its directory message and at the end, a\n"
    "                      MarketDataIncrementalRefresh (35=X) per message that\n"
    "                      changed a level or printed a trade; one message a line\n"
    "  --fix-version V     4.4 (default) or 5.0sp2 (FIXT.1.1, ApplVerID 9)\n"
    "  --fix-sender ID     SenderCompID (default BLANC)\n"
    "  --fix-target ID     TargetCompID (default CLIENT)\n"
    "  --date YYYY-MM-DD   the trading day, to turn New York feed time into UTC\n"
    "                      (default: from FILE's name, as for lobster)\n"
    "  --every D           with --emit fix: also a 35=W of every instrument at each\n"
    "                      instant of the --every grid\n"
    "\n"
    "feed health (docs/HEALTH.md; on unless --no-health):\n"
    "  --health-config F   detector windows and breaker thresholds (TOML subset)\n"
    "  --health-journal F  every breaker transition as JSON lines\n"
    "  --reset-at P        release latched states at message index P or feed time\n"
    "                      HH:MM:SS[.nnn] (repeatable)\n"
    "  --no-health         do not track health (per-message output has no gate)\n"
    "\n"
    "live metrics (docs/TELEMETRY.md):\n"
    "  --metrics-listen A  serve Prometheus /metrics on A = IPv4:PORT (PORT 0: any free\n"
    "                      port, printed on stderr) while the replay runs\n"
    "  --metrics-linger S  keep serving S seconds after the replay ends\n"
    "  -h, --help          this text\n"
    "\n"
    "Anomalies are counted, not fatal: each kind gets one warning line on stderr.\n"
    "Byte offsets are in the ITCH stream (after decompression).\n"
    "\n"
    "exit codes: 0 ok (anomalies are counted, not fatal), 1 anomaly under --strict,\n"
    "            2 usage error, or input that is unreadable, empty or not ITCH\n";

#define MAX_CUTS 256
#define MAX_SELECT 16 /* --channel, --session each */

typedef struct replay_args {
    cli_run run; /* the options replay shares with listen */
    const char *file;
    int snap_format_given;
    blanc_cut cuts[MAX_CUTS];
    int n_cuts;
    const char *snap_dir, *resume;
    blanc_snap_format snap_format;
    int force;
    const char *channels[MAX_SELECT], *sessions[MAX_SELECT];
    size_t n_channels, n_sessions;
    uint32_t reorder_window;
    unsigned threads;
} replay_args;

static int parse_cut(replay_args *a, const char *s)
{
    if (a->n_cuts == MAX_CUTS) {
        cli_error("replay: at most %d --snapshot-at options", MAX_CUTS);
        return CLI_USAGE;
    }
    blanc_cut *c = &a->cuts[a->n_cuts];
    memset(c, 0, sizeof *c);
    if (!strcmp(s, "end"))
        c->kind = BLANC_CUT_END;
    else if (strchr(s, ':') ? cli_parse_time(s, &c->at) == 0 : cli_parse_u64(s, &c->at) == 0)
        c->kind = strchr(s, ':') ? BLANC_CUT_TIME : BLANC_CUT_INDEX;
    else {
        cli_error("replay: --snapshot-at wants a message index, HH:MM:SS[.nnnnnnnnn] or 'end', "
                  "not '%s'", s);
        return CLI_USAGE;
    }
    a->n_cuts++;
    return CLI_OK;
}

static int parse_framing(replay_args *a, const char *s)
{
    if (blanc_framing_parse(s, &a->run.opts.framing) || a->run.opts.framing == BLANC_FRAMING_UDP) {
        cli_error("replay: --framing is auto, binaryfile, fixed, pcap or soupbintcp, not '%s'", s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* GROUP:PORT or :PORT, GROUP a dotted IPv4 address. */
static int channel_ok(const char *s)
{
    const char *colon = strrchr(s, ':');
    if (!colon || !colon[1] || strlen(colon + 1) > 5)
        return 0;
    for (const char *q = colon + 1; *q; q++)
        if (!isdigit((unsigned char)*q))
            return 0;
    if (atoi(colon + 1) > 65535)
        return 0;
    if (colon == s)
        return 1;
    unsigned x, y, z, w;
    char tail;
    return sscanf(s, "%u.%u.%u.%u%c", &x, &y, &z, &w, &tail) == 5 && tail == ':' && x < 256 &&
           y < 256 && z < 256 && w < 256;
}

/* Options that would do nothing are mistakes: say which. */
static int check_args(replay_args *a)
{
    const cli_rule rules[] = {
        {a->n_cuts && !a->snap_dir, "--snapshot-at needs --snapshot-out DIR"},
        {!a->n_cuts && (a->snap_dir || a->snap_format_given),
         "--snapshot-out and --snapshot-format need --snapshot-at"},
        {a->force && !a->resume, "--force needs --resume"},
    };
    if (cli_check_rules("replay", rules, sizeof rules / sizeof rules[0]))
        return CLI_USAGE;
    a->run.snapshots = a->n_cuts;
    const cli_file own[] = {{"the input", a->file, CLI_IN},
                            {"--resume", a->resume, CLI_IN},
                            {"--snapshot-out", a->snap_dir, CLI_OUT_DIR}};
    if (cli_run_check(&a->run, a->n_cuts || a->resume) ||
        cli_run_files(&a->run, own, sizeof own / sizeof own[0]))
        return CLI_USAGE;
    return CLI_OK;
}

static int parse_args(int argc, char **argv, replay_args *a)
{
    static const struct option longopts[] = {
        CLI_RUN_LONGOPTS,
        {"framing", required_argument, 0, 'f'},     {"no-input-digest", no_argument, 0, 'n'},
        {"help", no_argument, 0, 'h'},
        {"snapshot-at", required_argument, 0, 'a'}, {"snapshot-out", required_argument, 0, 'O'},
        {"snapshot-format", required_argument, 0, 'F'}, {"resume", required_argument, 0, 'r'},
        {"force", no_argument, 0, 'x'},             {"threads", required_argument, 0, 'P'},
        {"channel", required_argument, 0, 'C'},     {"session", required_argument, 0, 'T'},
        {"reorder-window", required_argument, 0, 'W'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    cli_run_init(&a->run, "replay");
    a->threads = BLANC_THREADS_AUTO;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        int rc = cli_run_option(&a->run, c, optarg);
        if (rc == CLI_USAGE)
            return CLI_USAGE;
        if (rc == CLI_OK)
            continue;
        switch (c) {
        case 'a':
            if (parse_cut(a, optarg))
                return CLI_USAGE;
            break;
        case 'O': a->snap_dir = optarg; break;
        case 'F':
            a->snap_format_given = 1;
            if (cli_parse_snap_format("replay", optarg, &a->snap_format))
                return CLI_USAGE;
            break;
        case 'r': a->resume = optarg; break;
        case 'x': a->force = 1; break;
        case 'P': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) || v == 0 || v > BLANC_MAX_THREADS) {
                cli_error("replay: --threads wants a number from 1 to %d, not '%s'",
                          BLANC_MAX_THREADS, optarg);
                return CLI_USAGE;
            }
            a->threads = (unsigned)v;
            break;
        }
        case 'C':
            if (a->n_channels == MAX_SELECT || !channel_ok(optarg)) {
                cli_error("replay: --channel wants GROUP:PORT or :PORT (at most %d), not '%s'",
                          MAX_SELECT, optarg);
                return CLI_USAGE;
            }
            a->channels[a->n_channels++] = optarg;
            break;
        case 'W': {
            uint64_t v;
            if (cli_parse_u64(optarg, &v) || v == 0 || v > 4096) {
                cli_error("replay: --reorder-window wants a number from 1 to 4096, not '%s'",
                          optarg);
                return CLI_USAGE;
            }
            a->reorder_window = (uint32_t)v;
            break;
        }
        case 'T':
            if (a->n_sessions == MAX_SELECT || !*optarg || strlen(optarg) > 10) {
                cli_error("replay: --session wants a name of 1 to 10 characters (at most %d), "
                          "not '%s'", MAX_SELECT, optarg);
                return CLI_USAGE;
            }
            a->sessions[a->n_sessions++] = optarg;
            break;
        case 'n': a->run.opts.no_input_digest = 1; break;
        case 'f':
            if (parse_framing(a, optarg))
                return CLI_USAGE;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_bad_option("replay", "ho:", argv);
        }
    }
    if (optind != argc - 1) {
        cli_error("replay: expected exactly one FILE (see 'blanc replay --help')");
        return CLI_USAGE;
    }
    a->file = a->run.input = argv[optind];
    return check_args(a);
}

static const char *comp_name(blanc_compression c)
{
    return c == BLANC_COMP_GZIP ? "gzip" : c == BLANC_COMP_ZSTD ? "zstd" : "plain";
}

static const char *framing_name(blanc_framing f)
{
    return blanc_framing_name(f); /* the feed's: binaryfile, fixed, pcap, ... */
}

static void head_json(jw *j, void *ctx, const cli_run_info *ri)
{
    const replay_args *a = ctx;
    jw_str(j, "file", a->file);
    jw_str(j, "compression", ri->in.compression == BLANC_COMP_NONE ? "none" : comp_name(ri->in.compression));
    jw_str(j, "framing", framing_name(blanc_replay_get_options(ri->r)->framing));
    jw_str(j, "blanc_version", blanc_version());
    jw_u64(j, "file_bytes", ri->in.file_bytes);
    jw_u64(j, "stream_bytes", ri->in.stream_bytes);
}

static void head_text(FILE *f, void *ctx, const cli_run_info *ri)
{
    const replay_args *a = ctx;
    blanc_replay_stats st;
    blanc_replay_get_stats(ri->r, &st);
    blanc_framing fm = blanc_replay_get_options(ri->r)->framing;
    const char *fr = framing_name(fm);
    /* What the bytes used were read in: a capture's records (its file header
     * included), a SoupBinTCP stream's packets, a BinaryFILE's frames. */
    const char *unit = fm == BLANC_FRAMING_PCAP         ? "records"
                       : fm == BLANC_FRAMING_SOUPBINTCP ? "packets"
                                                        : "frames";
    if (ri->in.compression == BLANC_COMP_NONE)
        fprintf(f, "file         %s (plain, %s framing, %" PRIu64 " bytes, %" PRIu64 " in whole %s)\n",
                a->file, fr, ri->in.stream_bytes, st.bytes, unit);
    else
        fprintf(f, "file         %s (%s, %s framing, %" PRIu64 " bytes read; %s stream %" PRIu64
                   " bytes after decompression, %" PRIu64 " in whole %s)\n",
                a->file, comp_name(ri->in.compression), fr, ri->in.file_bytes,
                fm == BLANC_FRAMING_PCAP ? "capture" : "ITCH", ri->in.stream_bytes, st.bytes, unit);
}

/* Why a run asked for threads used one (cmd_replay --help). */
static const char *one_thread_why(const replay_args *a)
{
    const cli_run *r = &a->run;
    return r->emit ? "--emit" : r->strict ? "--strict" : r->opts.no_book ? "--no-book"
           : r->metrics_addr ? "--metrics-listen" : NULL;
}

/* The feed's helper threads by name (BLANC_HELPER_* order), for the report. */
static const char *const helper_names[] = {"pager", "inflate", "walk"};

static unsigned helpers_of(const cli_run_info *ri)
{
    const blanc_feed *f = blanc_session_feed(ri->s);
    return f ? blanc_feed_helpers(f) : 0;
}

static void tail_json(jw *j, void *ctx, const cli_run_info *ri)
{
    const replay_args *a = ctx;
    int cpus[BLANC_MAX_THREADS];
    unsigned n = blanc_replay_threads(ri->r, cpus, BLANC_MAX_THREADS);
    double reader, worker[BLANC_MAX_THREADS];
    (void)blanc_replay_thread_cpu(ri->r, &reader, worker, BLANC_MAX_THREADS);
    jw_open(j, "threads", '{');
    jw_u64(j, "requested", blanc_session_threads(ri->s));
    jw_bool(j, "auto", a->threads == BLANC_THREADS_AUTO);
    jw_u64(j, "workers", n);
    jw_open(j, "cpus", '[');
    for (unsigned i = 0; i < n; i++)
        jw_i64(j, NULL, cpus[i]);
    jw_close(j, ']');
    uint64_t moved;
    jw_u64(j, "reader_share_permille", blanc_replay_reader_share(ri->r, &moved));
    jw_u64(j, "moved", moved);
    jw_double(j, "reader_cpu_s", reader);
    jw_open(j, "worker_cpu_s", '[');
    for (unsigned i = 0; i < n; i++)
        jw_double(j, NULL, worker[i]);
    jw_close(j, ']');
    unsigned h = helpers_of(ri);
    jw_open(j, "helpers", '[');
    for (unsigned i = 0; i < sizeof helper_names / sizeof helper_names[0]; i++)
        if (h & 1u << i)
            jw_str(j, NULL, helper_names[i]);
    jw_close(j, ']');
    jw_close(j, '}');
}

static void tail_text(FILE *f, void *ctx, const cli_run_info *ri)
{
    const replay_args *a = ctx;
    int cpus[BLANC_MAX_THREADS];
    unsigned n = blanc_replay_threads(ri->r, cpus, BLANC_MAX_THREADS);
    if (!n) {
        const char *why = blanc_session_threads(ri->s) > 1 ? one_thread_why(a) : NULL;
        if (why)
            fprintf(f, "threads      1 (%s runs on one)\n", why);
        else if (a->threads == BLANC_THREADS_AUTO && blanc_cpus_usable() == 2 &&
                 blanc_session_threads(ri->s) == 1 && (helpers_of(ri) & BLANC_HELPER_INFLATE))
            fprintf(f, "threads      1 (the inflate thread has the other CPU)\n");
        else
            fprintf(f, "threads      1\n");
        return;
    }
    fprintf(f, "threads      %u: the reader (with %u per mille of the books) and %u book worker%s on CPU%s",
            n + 1, blanc_replay_reader_share(ri->r, NULL), n, n > 1 ? "s" : "", n > 1 ? "s" : "");
    for (unsigned i = 0; i < n; i++)
        fprintf(f, i ? ",%d" : " %d", cpus[i]);
    fprintf(f, "\n");
}

/* The threads line, then the helper threads' when there were any. */
static void tail_text_all(FILE *f, void *ctx, const cli_run_info *ri)
{
    tail_text(f, ctx, ri);
    unsigned h = helpers_of(ri);
    if (!h)
        return;
    fprintf(f, "helpers     ");
    const char *sep = " ";
    for (unsigned i = 0; i < sizeof helper_names / sizeof helper_names[0]; i++)
        if (h & 1u << i) {
            fprintf(f, "%s%s", sep, helper_names[i]);
            sep = ", ";
        }
    fprintf(f, " (threads beside the reader, docs/ARCHITECTURE.md)\n");
}

static int empty(void *ctx, const cli_run_info *ri)
{
    const replay_args *a = ctx;
    blanc_replay_stats st;
    blanc_replay_get_stats(ri->r, &st);
    if (st.bytes == 0 && st.messages == 0 && !st.anomalies_total && !a->resume) {
        cli_file_error(a->file, BLANC_EEMPTY, 0);
        return 1;
    }
    return 0;
}

static void guard(void *ctx, const blanc_session *s)
{
    cli_fault_guard(((const replay_args *)ctx)->file, NULL, s);
}

static void unguard(void *ctx, const blanc_session *s)
{
    (void)ctx;
    (void)s;
    cli_fault_clear();
}

int cmd_replay(int argc, char **argv)
{
    static replay_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    blanc_session_options so;
    memset(&so, 0, sizeof so);
    so.input = a.file;
    so.resume = a.resume;
    so.force = a.force;
    so.cuts = a.cuts;
    so.n_cuts = (size_t)a.n_cuts;
    so.snapshot_dir = a.snap_dir;
    so.snapshot_format = a.snap_format;
    so.feed.reorder_window = a.reorder_window;
    so.feed.channels = a.channels;
    so.feed.n_channels = a.n_channels;
    so.feed.sessions = a.sessions;
    so.feed.n_sessions = a.n_sessions;
    so.threads = a.threads;
    cli_run_hooks hk = {&a, head_json, head_text, tail_json, tail_text_all, empty, guard, unguard};
    return cli_run_session(&a.run, &so, &hk);
}
