/* blanc replay: replay a file, print what was built and how fast. */
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
    "  --framing MODE      binaryfile (default) or fixed: ignore the 2-byte prefix and\n"
    "                      use each type's length (files written with zero prefixes)\n"
    "  --no-input-digest   do not hash the input (saves a little time)\n"
    "  --no-book           decode and count only, build no book (to time the feed layer)\n"
    "  --expect-orders N   presize the order map for N live orders\n"
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
    "exit codes: 0 ok (anomalies are counted, not fatal), 1 anomaly under --strict,\n"
    "            2 usage error or unreadable/empty input\n";

#define MAX_CUTS 256

typedef struct snaplist {
    int n;
    char path[MAX_CUTS][4096];
    uint64_t index[MAX_CUTS];
    uint64_t emit_records;
} snaplist;

typedef struct cut {
    int kind; /* 'i' index, 't' time, 'e' end */
    uint64_t at;
    int done;
} cut;

typedef struct replay_args {
    const char *file;
    const char *symbols[MAX_SYMBOLS];
    int n_symbols;
    uint64_t depth;
    int depth_given, json, strict, framing_given;
    blanc_replay_options opts;
    cut cuts[MAX_CUTS];
    int n_cuts;
    const char *snap_dir, *resume, *emit_out;
    blanc_snap_format snap_format;
    int force, emit;
    blanc_emit_options eo;
    cli_health health;
    int health_given;
    const char *metrics_addr;
    uint64_t metrics_linger;
    cli_metrics *metrics;
} replay_args;

static int parse_cut(replay_args *a, const char *s)
{
    if (a->n_cuts == MAX_CUTS) {
        cli_error("replay: at most %d --snapshot-at options", MAX_CUTS);
        return CLI_USAGE;
    }
    cut *c = &a->cuts[a->n_cuts];
    memset(c, 0, sizeof *c);
    if (!strcmp(s, "end"))
        c->kind = 'e';
    else if (strchr(s, ':') ? cli_parse_time(s, &c->at) == 0 : cli_parse_u64(s, &c->at) == 0)
        c->kind = strchr(s, ':') ? 't' : 'i';
    else {
        cli_error("replay: --snapshot-at wants a message index, HH:MM:SS[.nnnnnnnnn] or 'end', "
                  "not '%s'", s);
        return CLI_USAGE;
    }
    a->n_cuts++;
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
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->depth = 5;
    optind = 1;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (parse_cut(a, optarg))
                return CLI_USAGE;
            break;
        case 'O': a->snap_dir = optarg; break;
        case 'F':
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
            break;
        case 'x': a->force = 1; break;
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
            break;
        }
        case 'o': a->emit_out = optarg; break;
        case 's':
            if (a->n_symbols == MAX_SYMBOLS) {
                cli_error("replay: at most %d --symbol options", MAX_SYMBOLS);
                return CLI_USAGE;
            }
            a->symbols[a->n_symbols++] = optarg;
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
            a->framing_given = 1;
            if (!strcmp(optarg, "binaryfile"))
                a->opts.framing = BLANC_FRAMING_BINARYFILE;
            else if (!strcmp(optarg, "fixed"))
                a->opts.framing = BLANC_FRAMING_FIXED;
            else {
                cli_error("replay: --framing is binaryfile or fixed, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'e':
            if (cli_parse_u64(optarg, &v) || v > (1u << 30)) {
                cli_error("replay: --expect-orders wants a number up to 2^30, not '%s'", optarg);
                return CLI_USAGE;
            }
            a->opts.expected_orders = (size_t)v;
            break;
        case 'h': fputs(usage_text, stdout); return -1;
        default: fputs(usage_text, stderr); return CLI_USAGE;
        }
    }
    if (optind != argc - 1) {
        cli_error("replay: expected exactly one FILE");
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    a->file = argv[optind];
    if (a->n_cuts && !a->snap_dir) {
        cli_error("replay: --snapshot-at needs --snapshot-out DIR");
        return CLI_USAGE;
    }
    if (a->emit != !!a->emit_out) {
        cli_error(a->emit ? "replay: --emit needs -o OUT ('-' for stdout)"
                          : "replay: -o is the output of --emit");
        return CLI_USAGE;
    }
    if ((a->emit || a->n_cuts || a->resume) && a->opts.no_book) {
        cli_error("replay: --no-book builds no books to snapshot, resume or emit");
        return CLI_USAGE;
    }
    if (a->health_given && (a->health.off || a->opts.no_book)) {
        cli_error(a->health.off ? "replay: --no-health with a health option"
                                : "replay: --no-book computes no book anomalies to track health");
        return CLI_USAGE;
    }
    if (a->opts.no_book)
        a->health.off = 1;
    if (a->emit && a->eo.kind == BLANC_EMIT_L2 && a->depth_given)
        a->eo.depth = (uint32_t)a->depth;
    for (int i = 0; i < a->n_symbols; i++) {
        char pad[8];
        if (blanc_symbol_pad(a->symbols[i], pad)) {
            cli_error("replay: --symbol '%s' is not a 1-8 character symbol", a->symbols[i]);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static void print_json(FILE *f, const replay_args *a, blanc_replay *r, blanc_compression comp,
                       double secs, const snaplist *sl)
{
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
    json_str(&j, "compression", comp == BLANC_COMP_GZIP ? "gzip" : comp == BLANC_COMP_ZSTD ? "zstd" : "none");
    json_str(&j, "blanc_version", blanc_version());
    json_u64(&j, "bytes", st->bytes);
    json_u64(&j, "messages", st->messages);
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
    json_open(&j, "digests", '{');
    json_hex64(&j, "l3", d.l3);
    json_hex64(&j, "l2", d.l2);
    json_hex64(&j, "stream", d.stream);
    if (a->opts.no_input_digest)
        json_null(&j, "input");
    else
        json_hex64(&j, "input", d.input);
    json_close(&j, '}');
    json_double(&j, "elapsed_s", secs);
    json_double(&j, "messages_per_s", secs > 0 ? (double)st->messages / secs : 0);
    json_double(&j, "ns_per_message", st->messages ? secs * 1e9 / (double)st->messages : 0);
    if (sl->n || a->n_cuts) {
        json_open(&j, "snapshots", '[');
        for (int i = 0; i < sl->n; i++) {
            json_open(&j, NULL, '{');
            json_str(&j, "path", sl->path[i]);
            json_u64(&j, "messages", sl->index[i]);
            json_close(&j, '}');
        }
        json_close(&j, ']');
    }
    if (a->emit) {
        json_str(&j, "emit_output", a->emit_out);
        json_u64(&j, "emit_records", sl->emit_records);
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

static void print_text(FILE *f, const replay_args *a, blanc_replay *r, blanc_compression comp,
                       double secs, const snaplist *sl)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books *b = blanc_replay_books(r);
    blanc_books_stats bs;
    blanc_books_stats_get(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    char t0[32], t1[32];
    cli_fmt_time(st->first_timestamp, t0);
    cli_fmt_time(st->last_timestamp, t1);
    fprintf(f, "file         %s (%s, %" PRIu64 " bytes)\n", a->file,
           comp == BLANC_COMP_GZIP ? "gzip" : comp == BLANC_COMP_ZSTD ? "zstd" : "plain",
           st->bytes);
    fprintf(f, "messages     %" PRIu64 " (feed time %s .. %s)\n", st->messages, t0, t1);
    fprintf(f, "by type     ");
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
    fprintf(f, "elapsed      %.3f s, %.2f M msg/s, %.1f ns/msg\n", secs,
           secs > 0 ? (double)st->messages / secs / 1e6 : 0.0,
           st->messages ? secs * 1e9 / (double)st->messages : 0.0);
    cli_health_text(f, &a->health);
    for (int i = 0; i < sl->n; i++)
        fprintf(f, "snapshot     %s (after %" PRIu64 " messages)\n", sl->path[i], sl->index[i]);
    if (a->emit)
        fprintf(f, "emitted      %" PRIu64 " records to %s\n", sl->emit_records, a->emit_out);
    for (int i = 0; i < a->n_symbols && !a->emit; i++)
        cli_ladder_text(f, b, a->symbols[i], a->depth);
}

static int next_cut(const replay_args *a, uint64_t *idx, uint64_t *ts)
{
    *idx = *ts = BLANC_NO_LIMIT;
    for (int i = 0; i < a->n_cuts; i++) {
        const cut *c = &a->cuts[i];
        if (c->done)
            continue;
        if (c->kind == 'i' && c->at < *idx)
            *idx = c->at;
        if (c->kind == 't' && c->at < *ts)
            *ts = c->at;
    }
    return *idx != BLANC_NO_LIMIT || *ts != BLANC_NO_LIMIT;
}

static int write_snapshot(const replay_args *a, blanc_replay *r, const cut *c, snaplist *sl)
{
    const char *ext = a->snap_format == BLANC_SNAP_JSON ? "json" : "snap";
    char name[64], path[4096];
    if (c->kind == 'i') {
        snprintf(name, sizeof name, "snap-i%" PRIu64 ".%s", c->at, ext);
    } else if (c->kind == 't') {
        char t[32];
        cli_fmt_time(c->at, t);
        snprintf(name, sizeof name, "snap-t%.2s%.2s%.2s%s.%s", t, t + 3, t + 6, t + 8, ext);
    } else {
        snprintf(name, sizeof name, "snap-end.%s", ext);
    }
    snprintf(path, sizeof path, "%s/%s", a->snap_dir, name);
    blanc_sink *sink;
    int sys = 0;
    int rc = blanc_sink_open(&sink, path, &sys);
    if (rc) {
        cli_error("%s: %s%s%s", path, blanc_strerror(rc), sys ? ": " : "", sys ? strerror(sys) : "");
        return rc;
    }
    rc = blanc_snapshot_write(r, a->snap_format, sink);
    if (rc) {
        blanc_sink_abort(sink);
        cli_error("%s: %s", path, blanc_strerror(rc));
        return rc;
    }
    if ((rc = blanc_sink_commit(sink))) {
        cli_error("%s: %s", path, blanc_strerror(rc));
        return rc;
    }
    if (sl->n < MAX_CUTS) {
        snprintf(sl->path[sl->n], sizeof sl->path[sl->n], "%s", path);
        sl->index[sl->n++] = blanc_replay_get_stats(r)->messages;
    }
    return 0;
}

/* Replay to the end, pausing at each cut to write its snapshot. */
static int run_with_cuts(replay_args *a, blanc_replay *r, blanc_source *src, snaplist *sl)
{
    uint64_t idx, ts;
    for (;;) {
        if (!next_cut(a, &idx, &ts))
            idx = ts = BLANC_NO_LIMIT;
        /* With live metrics, also pause every 2^20 messages to publish them
         * (a pause is exact: it changes nothing the replay computes). */
        uint64_t tick = blanc_replay_get_stats(r)->messages + (1u << 20);
        int metrics_only = a->metrics && tick < idx;
        int rc = blanc_replay_run_until(r, src, metrics_only ? tick : idx, ts);
        cli_metrics_update(a->metrics, r, a->health.h);
        if (rc != BLANC_REPLAY_PAUSED)
            return rc;
        uint64_t at = blanc_replay_get_stats(r)->messages;
        if (metrics_only && at == tick)
            continue;
        int taken = 0;
        for (int i = 0; i < a->n_cuts; i++) {
            cut *c = &a->cuts[i];
            if (!c->done && c->kind == 'i' && c->at <= at) {
                c->done = 1;
                taken = 1;
                if (write_snapshot(a, r, c, sl))
                    return BLANC_EIO;
            }
        }
        /* Not an index cut: the earliest time cut was reached. */
        for (int i = 0; i < a->n_cuts && !taken; i++) {
            cut *c = &a->cuts[i];
            if (!c->done && c->kind == 't' && c->at == ts) {
                c->done = 1;
                taken = 1;
                if (write_snapshot(a, r, c, sl))
                    return BLANC_EIO;
            }
        }
    }
}

static int setup_resume(const replay_args *a, blanc_replay **out, blanc_source *src)
{
    if (cli_load_snapshot(a->resume, out))
        return CLI_USAGE;
    const blanc_replay_options *o = blanc_replay_get_options(*out);
    if (a->framing_given && o->framing != a->opts.framing) {
        cli_error("%s: the snapshot was taken with --framing %s", a->resume,
                  o->framing == BLANC_FRAMING_FIXED ? "fixed" : "binaryfile");
        return CLI_USAGE;
    }
    uint64_t digest;
    uint64_t pos = blanc_replay_input_position(*out, &digest);
    int rc = blanc_replay_resume(*out, src, a->force);
    if (rc == BLANC_EMISMATCH) {
        cli_error("%s: not the input of %s: its first %" PRIu64 " bytes do not hash to the "
                  "recorded %016" PRIx64 " (or it is shorter); --force to resume anyway",
                  a->file, a->resume, pos, digest);
        return CLI_USAGE;
    }
    if (rc) {
        cli_error("%s: cannot reach the snapshot's position (byte %" PRIu64 "): %s", a->file, pos,
                  blanc_strerror(rc));
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cmd_replay(int argc, char **argv)
{
    static replay_args a;
    static snaplist sl;
    memset(&sl, 0, sizeof sl);
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
    if (a.snap_dir && mkdir(a.snap_dir, 0777) != 0 && errno != EEXIST) {
        cli_error("%s: cannot create the snapshot directory: %s", a.snap_dir, strerror(errno));
        return CLI_USAGE;
    }
    blanc_source *src;
    int sys_errno = 0;
    rc = blanc_source_open(&src, a.file, &sys_errno);
    if (rc) {
        cli_error("%s: %s%s%s", a.file, blanc_strerror(rc), sys_errno ? ": " : "",
                  sys_errno ? strerror(sys_errno) : "");
        return CLI_USAGE;
    }
    blanc_replay *r = NULL;
    if (a.resume) {
        if ((rc = setup_resume(&a, &r, src))) {
            blanc_replay_free(r);
            blanc_source_close(src);
            return rc;
        }
        a.strict = blanc_replay_get_options(r)->strict;
    } else if (!(r = blanc_replay_create(&a.opts))) {
        blanc_source_close(src);
        cli_error("out of memory");
        return CLI_USAGE;
    }
    /* Before the emitter: its records carry the gate. */
    if (cli_health_start(&a.health, r, a.resume != NULL)) {
        blanc_replay_free(r);
        blanc_source_close(src);
        return CLI_USAGE;
    }
    blanc_sink *sink = NULL;
    blanc_emitter *em = NULL;
    if (a.emit) {
        rc = blanc_sink_open(&sink, a.emit_out, &sys_errno);
        if (!rc)
            rc = blanc_emitter_create(&em, r, &a.eo, sink);
        if (rc) {
            cli_error("%s: %s%s%s", a.emit_out, blanc_strerror(rc), sys_errno ? ": " : "",
                      sys_errno ? strerror(sys_errno) : "");
            blanc_sink_abort(sink);
            cli_health_free(&a.health);
            blanc_replay_free(r);
            blanc_source_close(src);
            return CLI_USAGE;
        }
    }
    if (a.metrics_addr && cli_metrics_start(&a.metrics, a.metrics_addr)) {
        blanc_emitter_free(em);
        blanc_sink_abort(sink);
        cli_health_free(&a.health);
        blanc_replay_free(r);
        blanc_source_close(src);
        return CLI_USAGE;
    }
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = run_with_cuts(&a, r, src, &sl);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    blanc_compression comp = blanc_source_compression(src);
    blanc_source_close(src);
    int exit_code = CLI_OK;
    for (int i = 0; i < a.n_cuts && (rc == 0 || rc == BLANC_ESTRICT); i++) {
        cut *c = &a.cuts[i];
        /* A cut the run ended at (or, for a time, before) is the end state: the
         * input ended with exactly that many frames (a final session marker,
         * truncated tail or strict stop adds none), or no later message came. */
        if (!c->done && (c->kind == 'e' || c->kind == 't' || c->at <= st->messages)) {
            c->done = 1;
            if (write_snapshot(&a, r, c, &sl))
                exit_code = CLI_USAGE;
        } else if (!c->done) {
            cli_error("%s: snapshot at message %" PRIu64 " not taken: the input ended after %" PRIu64
                      " messages", a.file, c->at, st->messages);
            exit_code = CLI_USAGE;
        }
    }
    if (em) {
        sl.emit_records = blanc_emitter_records(em);
        int erc = blanc_emitter_finish(em);
        blanc_emitter_free(em);
        if (!erc && (rc == 0 || rc == BLANC_ESTRICT))
            erc = blanc_sink_commit(sink);
        else
            blanc_sink_abort(sink);
        if (erc) {
            cli_error("%s: %s", a.emit_out, blanc_strerror(erc));
            exit_code = CLI_USAGE;
        }
    }
    if (cli_health_end(&a.health, rc == 0 || rc == BLANC_ESTRICT))
        exit_code = CLI_USAGE;
    if (rc && rc != BLANC_ESTRICT) {
        cli_error("%s: %s (after %" PRIu64 " messages, byte %" PRIu64 ")", a.file,
                  blanc_strerror(rc), st->messages, st->bytes);
        exit_code = CLI_USAGE;
    } else if (st->bytes == 0 && st->messages == 0 && !st->anomalies_total && !a.resume) {
        cli_error("%s: input is empty", a.file);
        exit_code = CLI_USAGE;
    }
    FILE *out = a.emit && !strcmp(a.emit_out, "-") ? stderr : stdout;
    if (a.json)
        print_json(out, &a, r, comp, secs, &sl);
    else
        print_text(out, &a, r, comp, secs, &sl);
    const blanc_anomaly_stat *z = &st->anomalies[BLANC_AN_ZERO_LENGTH];
    if (z->count && z->first_offset == 0 && a.opts.framing == BLANC_FRAMING_BINARYFILE)
        cli_error("%s: the first length prefix is 0 (end of session) and data follows: this looks "
                  "like a file written with zeroed prefixes (e.g. by RITCH); try --framing fixed",
                  a.file);
    for (int i = 0; i < BLANC_AN_COUNT && exit_code == CLI_OK; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (as->count && a.strict) {
            cli_error("%s: %s at byte %" PRIu64 ", message %" PRIu64 " (--strict)", a.file,
                      blanc_anomaly_text((blanc_anomaly)i), as->first_offset, as->first_index);
            exit_code = CLI_ANOMALY;
        }
    }
    if (a.metrics) {
        struct timespec linger = {(time_t)a.metrics_linger, 0};
        fflush(NULL);
        while (nanosleep(&linger, &linger) != 0 && errno == EINTR)
            ;
        cli_metrics_stop(a.metrics);
    }
    cli_health_free(&a.health);
    blanc_replay_free(r);
    return exit_code;
}
