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

#define MAX_SYMBOLS 64

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
    "  --framing MODE      auto (default: by content, docs/SEMANTICS.md 1.1), binaryfile,\n"
    "                      or fixed: ignore the 2-byte prefix and use each type's\n"
    "                      length (files written with zero prefixes)\n"
    "  --no-input-digest   do not hash the input (saves a little time)\n"
    "  --no-book           decode and count only, build no book (to time the feed layer)\n"
    "  --expect-orders N   presize the order map for N live orders\n"
    "\n"
    "captures (pcap, pcapng; docs/FEEDS.md):\n"
    "  --channel G:P       replay the MoldUDP64 packets sent to group G port P (or\n"
    "                      :P, any group); repeatable: two lines of one session\n"
    "                      are arbitrated (the first copy of each number wins)\n"
    "  --session NAME      replay this MoldUDP64 session (repeatable); without\n"
    "                      --session, the first session seen ('blanc capture info'\n"
    "                      lists them all)\n"
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
    const char *file;
    char symbols[MAX_SYMBOLS][16]; /* normalized: trimmed, upper case */
    int n_symbols;
    uint64_t depth;
    int depth_given, json, strict, format_given, snap_format_given;
    blanc_replay_options opts;
    blanc_cut cuts[MAX_CUTS];
    int n_cuts;
    const char *snap_dir, *resume, *emit_out;
    blanc_snap_format snap_format;
    int force, emit;
    blanc_emit_options eo;
    cli_health health;
    int health_given, linger_given;
    const char *metrics_addr;
    uint64_t metrics_linger;
    cli_metrics *metrics;
    const char *channels[MAX_SELECT], *sessions[MAX_SELECT];
    size_t n_channels, n_sessions;
} replay_args;

/* "A.B.C.D:PORT" or ":PORT", as the capture feed takes it (docs/FEEDS.md). */
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
    unsigned a, b, c, d;
    char tail;
    return sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 5 && tail == ':' &&
           a < 256 && b < 256 && c < 256 && d < 256;
}

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

/* ITCH symbols are upper case and space padded: "  aapl " means AAPL. */
static int add_symbol(replay_args *a, const char *s)
{
    if (a->n_symbols == MAX_SYMBOLS) {
        cli_error("replay: at most %d --symbol options", MAX_SYMBOLS);
        return CLI_USAGE;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *out = a->symbols[a->n_symbols];
    if (n == 0 || n > 8) { /* what blanc_symbol_pad() accepts */
        cli_error("replay: --symbol '%s' is not a 1-8 character symbol", s);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (char)toupper((unsigned char)s[i]);
    out[n] = 0;
    a->n_symbols++;
    return CLI_OK;
}

static int parse_framing(replay_args *a, const char *s)
{
    if (!strcmp(s, "auto"))
        a->opts.framing = BLANC_FRAMING_AUTO;
    else if (!strcmp(s, "binaryfile"))
        a->opts.framing = BLANC_FRAMING_BINARYFILE;
    else if (!strcmp(s, "fixed"))
        a->opts.framing = BLANC_FRAMING_FIXED;
    else {
        cli_error("replay: --framing is auto, binaryfile or fixed, not '%s'", s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* Options that would do nothing are mistakes: say which. */
static int check_args(replay_args *a)
{
    static const struct {
        int bad;
        const char *msg;
    } rules[] = {
        {0, "--snapshot-at needs --snapshot-out DIR"},
        {0, "--snapshot-out and --snapshot-format need --snapshot-at"},
        {0, "--emit needs -o OUT ('-' for stdout)"},
        {0, "-o is the output of --emit"},
        {0, "--format is the format of --emit"},
        {0, "--metrics-linger needs --metrics-listen"},
        {0, "--force needs --resume"},
        {0, "--depth applies to --symbol and --emit l2"},
        {0, "--no-book builds no books to snapshot, resume or emit"},
        {0, "--no-health with a health option"},
        {0, "--no-book computes no book anomalies to track health"},
    };
    int bad[sizeof rules / sizeof rules[0]] = {
        a->n_cuts && !a->snap_dir,
        !a->n_cuts && (a->snap_dir || a->snap_format_given),
        a->emit && !a->emit_out,
        !a->emit && a->emit_out != NULL,
        a->format_given && !a->emit,
        a->linger_given && !a->metrics_addr,
        a->force && !a->resume,
        a->depth_given && !a->n_symbols && !(a->emit && a->eo.kind == BLANC_EMIT_L2),
        (a->emit || a->n_cuts || a->resume) && a->opts.no_book,
        a->health_given && a->health.off,
        a->health_given && a->opts.no_book,
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        if (bad[i]) {
            cli_error("replay: %s", rules[i].msg);
            return CLI_USAGE;
        }
    }
    if (a->opts.no_book)
        a->health.off = 1;
    if (a->emit && a->eo.kind == BLANC_EMIT_L2 && a->depth_given)
        a->eo.depth = (uint32_t)a->depth;
    return CLI_OK;
}

static int parse_args(int argc, char **argv, replay_args *a)
{
    static const struct option longopts[] = {
        {"symbol", required_argument, 0, 's'},      {"depth", required_argument, 0, 'd'},
        {"json", no_argument, 0, 'j'},              {"strict", no_argument, 0, 'S'},
        {"framing", required_argument, 0, 'f'},     {"no-input-digest", no_argument, 0, 'n'},
        {"expect-orders", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
        {"no-book", no_argument, 0, 'B'},
        {"snapshot-at", required_argument, 0, 'a'}, {"snapshot-out", required_argument, 0, 'O'},
        {"snapshot-format", required_argument, 0, 'F'}, {"resume", required_argument, 0, 'r'},
        {"force", no_argument, 0, 'x'},             {"emit", required_argument, 0, 'E'},
        {"format", required_argument, 0, 'm'},      {"output", required_argument, 0, 'o'},
        {"health-config", required_argument, 0, 'H'}, {"health-journal", required_argument, 0, 'J'},
        {"reset-at", required_argument, 0, 'R'},    {"no-health", no_argument, 0, 'N'},
        {"metrics-listen", required_argument, 0, 'L'}, {"metrics-linger", required_argument, 0, 'G'},
        {"channel", required_argument, 0, 'C'},     {"session", required_argument, 0, 'T'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->depth = 5;
    a->opts.framing = BLANC_FRAMING_AUTO;
    optind = 1;
    opterr = 0;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (parse_cut(a, optarg))
                return CLI_USAGE;
            break;
        case 'O': a->snap_dir = optarg; break;
        case 'F':
            a->snap_format_given = 1;
            if (!strcmp(optarg, "bin"))
                a->snap_format = BLANC_SNAP_BINARY;
            else if (!strcmp(optarg, "json"))
                a->snap_format = BLANC_SNAP_JSON;
            else {
                cli_error("replay: --snapshot-format is bin or json, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'r': a->resume = optarg; break;
        case 'H': a->health.config = optarg; a->health_given = 1; break;
        case 'J': a->health.journal = optarg; a->health_given = 1; break;
        case 'R':
            if (cli_health_reset_at(&a->health, optarg))
                return CLI_USAGE;
            a->health_given = 1;
            break;
        case 'N': a->health.off = 1; break;
        case 'L': a->metrics_addr = optarg; break;
        case 'G':
            if (cli_parse_u64(optarg, &a->metrics_linger) || a->metrics_linger > 86400) {
                cli_error("replay: --metrics-linger wants seconds up to 86400, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->linger_given = 1;
            break;
        case 'x': a->force = 1; break;
        case 'C':
            if (a->n_channels == MAX_SELECT || !channel_ok(optarg)) {
                cli_error("replay: --channel wants GROUP:PORT or :PORT (at most %d), not '%s'",
                          MAX_SELECT, optarg);
                return CLI_USAGE;
            }
            a->channels[a->n_channels++] = optarg;
            break;
        case 'T':
            if (a->n_sessions == MAX_SELECT || !*optarg || strlen(optarg) > 10) {
                cli_error("replay: --session wants a name of 1 to 10 characters (at most %d), "
                          "not '%s'", MAX_SELECT, optarg);
                return CLI_USAGE;
            }
            a->sessions[a->n_sessions++] = optarg;
            break;
        case 'E': {
            int k = blanc_emit_kind_parse(optarg);
            if (k < 0) {
                cli_error("replay: --emit is bbo, l2, l3 or trades, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->emit = 1;
            a->eo.kind = (blanc_emit_kind)k;
            break;
        }
        case 'm': {
            int f = blanc_emit_format_parse(optarg);
            if (f < 0) {
                cli_error("replay: --format is jsonl, csv or bin, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->eo.format = (blanc_emit_format)f;
            a->format_given = 1;
            break;
        }
        case 'o': a->emit_out = optarg; break;
        case 's':
            if (add_symbol(a, optarg))
                return CLI_USAGE;
            break;
        case 'd':
            if (cli_parse_u64(optarg, &a->depth) || a->depth == 0 || a->depth > 100000) {
                cli_error("replay: --depth wants a number from 1 to 100000, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->depth_given = 1;
            break;
        case 'j': a->json = 1; break;
        case 'S': a->strict = a->opts.strict = 1; break;
        case 'n': a->opts.no_input_digest = 1; break;
        case 'B': a->opts.no_book = 1; break;
        case 'f':
            if (parse_framing(a, optarg))
                return CLI_USAGE;
            break;
        case 'e':
            if (cli_parse_u64(optarg, &v) || v > (1u << 30)) {
                cli_error("replay: --expect-orders wants a number up to 2^30, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->opts.expected_orders = (size_t)v;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: return cli_bad_option("replay", "ho:", argv);
        }
    }
    if (optind != argc - 1) {
        cli_error("replay: expected exactly one FILE (see 'blanc replay --help')");
        return CLI_USAGE;
    }
    a->file = argv[optind];
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

typedef struct run_info {
    blanc_session *s;
    blanc_replay *r;
    blanc_session_input_info in;
    double secs;
    int committed;
} run_info;

/* Messages per second over the messages this run replayed (not those a
 * resumed snapshot had already counted). */
static double rate(const run_info *ri)
{
    uint64_t n = blanc_replay_get_stats(ri->r)->messages - ri->in.start_messages;
    return ri->secs > 0 ? (double)n / ri->secs : 0;
}

static double ns_per_msg(const run_info *ri)
{
    uint64_t n = blanc_replay_get_stats(ri->r)->messages - ri->in.start_messages;
    return n ? ri->secs * 1e9 / (double)n : 0;
}

static void print_json(FILE *f, const replay_args *a, const run_info *ri)
{
    blanc_replay *r = ri->r;
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books *b = blanc_replay_books(r);
    blanc_books_stats bs;
    blanc_books_stats_get(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    json j;
    json_init(&j, f);
    json_open(&j, NULL, '{');
    json_str(&j, "file", a->file);
    json_str(&j, "compression", ri->in.compression == BLANC_COMP_NONE ? "none" : comp_name(ri->in.compression));
    json_str(&j, "framing", framing_name(blanc_replay_get_options(r)->framing));
    json_str(&j, "blanc_version", blanc_version());
    json_u64(&j, "file_bytes", ri->in.file_bytes);
    json_u64(&j, "stream_bytes", ri->in.stream_bytes);
    json_u64(&j, "bytes", st->bytes);
    json_u64(&j, "messages", st->messages);
    json_u64(&j, "messages_replayed", st->messages - ri->in.start_messages);
    json_open(&j, "by_type", '{');
    for (int i = 0; i < BLANC_ITCH_NTYPES; i++) {
        char k[2] = {blanc_itch_types[i], 0};
        json_u64(&j, k, st->by_type[i]);
    }
    json_close(&j, '}');
    json_u64(&j, "book_changes", st->book_changes);
    json_u64(&j, "instruments", bs.instruments);
    json_u64(&j, "live_orders", bs.live_orders);
    json_u64(&j, "peak_orders", bs.peak_orders);
    json_u64(&j, "levels", bs.levels);
    json_u64(&j, "first_timestamp", st->first_timestamp);
    json_u64(&j, "last_timestamp", st->last_timestamp);
    json_u64(&j, "anomalies_total", st->anomalies_total);
    json_open(&j, "anomalies", '{');
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (!as->count)
            continue;
        json_open(&j, blanc_anomaly_key((blanc_anomaly)i), '{');
        json_u64(&j, "count", as->count);
        json_u64(&j, "first_offset", as->first_offset);
        json_u64(&j, "first_index", as->first_index);
        json_close(&j, '}');
    }
    json_close(&j, '}');
    json_bool(&j, "ended_by_session_marker", st->ended_by_session_marker);
    blanc_transport_stats ts;
    if (blanc_feed_transport(blanc_session_feed(ri->s), &ts))
        cli_transport_json(&j, &ts);
    json_open(&j, "digests", '{');
    json_hex64(&j, "l3", d.l3);
    json_hex64(&j, "l2", d.l2);
    json_hex64(&j, "stream", d.stream);
    if (a->opts.no_input_digest)
        json_null(&j, "input");
    else
        json_hex64(&j, "input", d.input);
    json_close(&j, '}');
    json_double(&j, "elapsed_s", ri->secs);
    json_double(&j, "messages_per_s", rate(ri));
    json_double(&j, "ns_per_message", ns_per_msg(ri));
    size_t ns = blanc_session_snapshots(ri->s);
    if (a->n_cuts) {
        json_open(&j, "snapshots", '[');
        for (size_t i = 0; i < ns; i++) {
            uint64_t m;
            const char *p = blanc_session_snapshot(ri->s, i, &m);
            json_open(&j, NULL, '{');
            json_str(&j, "path", p);
            json_u64(&j, "messages", m);
            json_close(&j, '}');
        }
        json_close(&j, ']');
    }
    if (a->emit) {
        json_str(&j, "emit_output", a->emit_out);
        json_u64(&j, "emit_records", blanc_session_emit_records(ri->s));
    }
    cli_health_json(&j, &a->health);
    if (a->n_symbols && !a->emit) {
        json_open(&j, "books", '{');
        for (int i = 0; i < a->n_symbols; i++)
            cli_ladder_json(&j, b, a->symbols[i], a->depth);
        json_close(&j, '}');
    }
    json_close(&j, '}');
    json_end(&j);
}

static void print_text(FILE *f, const replay_args *a, const run_info *ri)
{
    blanc_replay *r = ri->r;
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books *b = blanc_replay_books(r);
    blanc_books_stats bs;
    blanc_books_stats_get(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    char t0[32], t1[32];
    cli_fmt_time(st->first_timestamp, t0);
    cli_fmt_time(st->last_timestamp, t1);
    const char *fr = framing_name(blanc_replay_get_options(r)->framing);
    if (ri->in.compression == BLANC_COMP_NONE)
        fprintf(f, "file         %s (plain, %s framing, %" PRIu64 " bytes, %" PRIu64 " in whole frames)\n",
                a->file, fr, ri->in.stream_bytes, st->bytes);
    else
        fprintf(f, "file         %s (%s, %s framing, %" PRIu64 " bytes read; ITCH stream %" PRIu64
                   " bytes after decompression, %" PRIu64 " in whole frames)\n",
                a->file, comp_name(ri->in.compression), fr, ri->in.file_bytes, ri->in.stream_bytes,
                st->bytes);
    fprintf(f, "messages     %" PRIu64 " (feed time %s .. %s)", st->messages, t0, t1);
    if (ri->in.start_messages)
        fprintf(f, ", %" PRIu64 " replayed after resuming at %" PRIu64,
                st->messages - ri->in.start_messages, ri->in.start_messages);
    fprintf(f, "\nby type     ");
    for (int i = 0, col = 0; i < BLANC_ITCH_NTYPES; i++) {
        if (!st->by_type[i])
            continue;
        if (col && col % 6 == 0)
            fprintf(f, "\n            ");
        fprintf(f, " %c %-10" PRIu64, blanc_itch_types[i], st->by_type[i]);
        col++;
    }
    fprintf(f, "\nbook changes %" PRIu64 "\n", st->book_changes);
    fprintf(f, "instruments  %" PRIu32 "\n", bs.instruments);
    fprintf(f, "live orders  %" PRIu64 " (peak %" PRIu64 "), %" PRIu64 " price levels\n",
           bs.live_orders, bs.peak_orders, bs.levels);
    blanc_transport_stats ts;
    if (blanc_feed_transport(blanc_session_feed(ri->s), &ts))
        cli_transport_text(f, &ts);
    fprintf(f, "anomalies    %" PRIu64 "\n", st->anomalies_total);
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (as->count)
            fprintf(f, "  %-15s %10" PRIu64 "  first at byte %" PRIu64 ", message %" PRIu64 "  (%s)\n",
                   blanc_anomaly_key((blanc_anomaly)i), as->count, as->first_offset,
                   as->first_index, blanc_anomaly_text((blanc_anomaly)i));
    }
    fprintf(f, "digest l3    %016" PRIx64 "\n", d.l3);
    fprintf(f, "digest l2    %016" PRIx64 "\n", d.l2);
    fprintf(f, "digest stream %016" PRIx64 "\n", d.stream);
    if (a->opts.no_input_digest)
        fprintf(f, "digest input (not computed)\n");
    else
        fprintf(f, "digest input %016" PRIx64 "\n", d.input);
    fprintf(f, "elapsed      %.3f s, %.2f M msg/s, %.1f ns/msg\n", ri->secs, rate(ri) / 1e6,
            ns_per_msg(ri));
    cli_health_text(f, &a->health);
    for (size_t i = 0; i < blanc_session_snapshots(ri->s); i++) {
        uint64_t m;
        const char *p = blanc_session_snapshot(ri->s, i, &m);
        fprintf(f, "snapshot     %s (after %" PRIu64 " messages)\n", p, m);
    }
    if (a->emit && ri->committed)
        fprintf(f, "emitted      %" PRIu64 " records to %s\n", blanc_session_emit_records(ri->s),
                a->emit_out);
    else if (a->emit)
        fprintf(f, "emitted      nothing: %s was not written\n", a->emit_out);
    for (int i = 0; i < a->n_symbols && !a->emit; i++)
        cli_ladder_text(f, b, a->symbols[i], a->depth);
}

/* One warning line per anomaly kind, so that a script's log shows a damaged
 * input even when the exit code is 0. */
static void warn_anomalies(const replay_args *a, const run_info *ri)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(ri->r);
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (!as->count)
            continue;
        char extra[96] = "";
        if (i == BLANC_AN_ZERO_LENGTH)
            snprintf(extra, sizeof extra, "; %" PRIu64 " bytes follow the first",
                     ri->in.stream_bytes - as->first_offset - 2);
        fprintf(stderr, "blanc: %s: %s %" PRIu64 " %s (%s), first at byte %" PRIu64
                        ", message %" PRIu64 "%s\n",
                a->file, a->strict ? "error:" : "warning:", as->count,
                blanc_anomaly_key((blanc_anomaly)i), blanc_anomaly_text((blanc_anomaly)i),
                as->first_offset, as->first_index, extra);
    }
}

/* Symbols asked for that the day never listed. */
static void warn_symbols(const replay_args *a, const blanc_replay *r)
{
    const blanc_books *b = blanc_replay_books_const(r);
    for (int i = 0; i < a->n_symbols; i++) {
        char pad[8];
        blanc_symbol_pad(a->symbols[i], pad);
        if (blanc_books_find(b, pad) < 0)
            fprintf(stderr, "blanc: %s: warning: --symbol %s is not in the stock directory\n",
                    a->file, a->symbols[i]);
    }
}

static void print_session_error(const blanc_session_error *e)
{
    char where[4200];
    snprintf(where, sizeof where, "%s%s", e->path, e->path[0] ? ": " : "");
    const char *hint = "";
    if (e->code == BLANC_EMISMATCH || e->code == BLANC_ENODIGEST)
        hint = "; --force to resume anyway";
    else if (e->code == BLANC_ENOTITCH && strstr(e->what, "zero length prefix at byte 0"))
        hint = "; a file written with zeroed prefixes reads with --framing fixed or auto";
    cli_error("%s%s%s%s%s%s%s%s", where, blanc_strerror(e->code), e->sys_errno ? ": " : "",
              e->sys_errno ? strerror(e->sys_errno) : "", e->what[0] ? " (" : "", e->what,
              e->what[0] ? ")" : "", hint);
}

static int tick(void *ctx, blanc_session *s)
{
    const replay_args *a = ctx;
    cli_metrics_tick(a->metrics, blanc_session_replay(s), blanc_session_health(s));
    return 0;
}

/* --reset-at points the run never reached did nothing: a usage error. */
static int check_resets(const replay_args *a, const blanc_replay *r)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    for (int i = 0; i < a->health.n_reset_at; i++) {
        uint64_t p = a->health.reset_at[i];
        int t = a->health.reset_is_time[i];
        if (t ? p > st->last_timestamp : p >= st->messages) {
            char buf[32];
            if (t)
                cli_fmt_time(p, buf);
            else
                snprintf(buf, sizeof buf, "%" PRIu64, p);
            cli_error("%s: --reset-at %s is past the end (%" PRIu64 " messages, last stamped %s)",
                      a->file, buf, st->messages, t ? "earlier" : "any");
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

int cmd_replay(int argc, char **argv)
{
    static replay_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    char pads[MAX_SYMBOLS][8];
    if (a.emit && a.n_symbols) {
        for (int i = 0; i < a.n_symbols; i++)
            blanc_symbol_pad(a.symbols[i], pads[i]);
        a.eo.symbols = (const char(*)[8])pads;
        a.eo.n_symbols = (size_t)a.n_symbols;
    }
    blanc_health_config hc;
    if (!a.health.off && cli_health_config(&a.health, &hc))
        return CLI_USAGE;
    blanc_session_options so;
    memset(&so, 0, sizeof so);
    so.input = a.file;
    so.replay = a.opts;
    so.feed.channels = a.channels;
    so.feed.n_channels = a.n_channels;
    so.feed.sessions = a.sessions;
    so.feed.n_sessions = a.n_sessions;
    so.resume = a.resume;
    so.force = a.force;
    so.health = a.health.off ? NULL : &hc;
    so.health_journal = a.health.journal;
    so.emit = a.emit ? &a.eo : NULL;
    so.emit_out = a.emit_out;
    so.cuts = a.cuts;
    so.n_cuts = (size_t)a.n_cuts;
    so.snapshot_dir = a.snap_dir;
    so.snapshot_format = a.snap_format;
    if (a.metrics_addr) {
        if (cli_metrics_start(&a.metrics, a.metrics_addr, !a.health.off))
            return CLI_USAGE;
        /* Look every 2^16 messages, publish once 100 ms or 2^20 messages
         * passed (cli_metrics_tick; a pause changes nothing computed). */
        so.tick = 1u << 16;
        so.on_tick = tick;
        so.ctx = &a;
    }
    blanc_session_error err;
    memset(&err, 0, sizeof err);
    run_info ri;
    memset(&ri, 0, sizeof ri);
    if ((rc = blanc_session_open(&ri.s, &so, &err))) {
        print_session_error(&err);
        cli_metrics_stop(a.metrics);
        return CLI_USAGE;
    }
    ri.r = blanc_session_replay(ri.s);
    a.health.h = blanc_session_health(ri.s);
    cli_metrics_update(a.metrics, ri.r, a.health.h); /* a resumed state at once */
    a.health.restarted = blanc_session_health_restarted(ri.s);
    if (a.resume)
        a.strict = blanc_replay_get_options(ri.r)->strict;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cli_fault_guard(a.file, NULL, ri.s);
    rc = blanc_session_run(ri.s, &err);
    cli_fault_clear();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ri.secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    blanc_session_input(ri.s, &ri.in);
    cli_metrics_update(a.metrics, ri.r, a.health.h);
    const blanc_replay_stats *st = blanc_replay_get_stats(ri.r);
    int exit_code = CLI_OK;
    if (rc == BLANC_ENOTITCH) {
        print_session_error(&err);
        exit_code = CLI_USAGE;
        goto done;
    }
    if (rc && rc != BLANC_ESTRICT) {
        print_session_error(&err);
        exit_code = CLI_USAGE;
    } else if (st->bytes == 0 && st->messages == 0 && !st->anomalies_total && !a.resume) {
        cli_error("%s: input is empty", a.file);
        exit_code = CLI_USAGE;
    } else if (check_resets(&a, ri.r)) {
        exit_code = CLI_USAGE;
    } else if (blanc_session_commit(ri.s, &err)) {
        print_session_error(&err);
        exit_code = CLI_USAGE;
    } else {
        ri.committed = 1;
    }
    FILE *out = a.emit && !strcmp(a.emit_out, "-") ? stderr : stdout;
    if (a.json)
        print_json(out, &a, &ri);
    else
        print_text(out, &a, &ri);
    fflush(out);
    warn_anomalies(&a, &ri);
    warn_symbols(&a, ri.r);
    if (exit_code == CLI_OK && a.strict && st->anomalies_total)
        exit_code = CLI_ANOMALY;
done:
    if (a.metrics) {
        struct timespec linger = {(time_t)a.metrics_linger, 0};
        fflush(NULL);
        while (nanosleep(&linger, &linger) != 0 && errno == EINTR)
            ;
        cli_metrics_stop(a.metrics);
    }
    a.health.h = NULL;
    blanc_session_free(ri.s);
    return exit_code;
}
