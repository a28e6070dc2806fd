/* blanc replay: replay a file, print what was built and how fast. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    "  -h, --help          this text\n"
    "\n"
    "exit codes: 0 ok (anomalies are counted, not fatal), 1 anomaly under --strict,\n"
    "            2 usage error or unreadable/empty input\n";

typedef struct replay_args {
    const char *file;
    const char *symbols[MAX_SYMBOLS];
    int n_symbols;
    uint64_t depth;
    int json, strict;
    blanc_replay_options opts;
} replay_args;

static void fmt_time(uint64_t ns, char out[32])
{
    uint64_t s = ns / 1000000000u;
    snprintf(out, 32, "%02" PRIu64 ":%02" PRIu64 ":%02" PRIu64 ".%09" PRIu64, s / 3600,
             s / 60 % 60, s % 60, ns % 1000000000u);
}

static void fmt_price(uint32_t p, char out[24])
{
    snprintf(out, 24, "%" PRIu32 ".%04" PRIu32, p / 10000, p % 10000);
}

static int parse_args(int argc, char **argv, replay_args *a)
{
    static const struct option longopts[] = {
        {"symbol", required_argument, 0, 's'},      {"depth", required_argument, 0, 'd'},
        {"json", no_argument, 0, 'j'},              {"strict", no_argument, 0, 'S'},
        {"framing", required_argument, 0, 'f'},     {"no-input-digest", no_argument, 0, 'n'},
        {"expect-orders", required_argument, 0, 'e'}, {"help", no_argument, 0, 'h'},
        {"no-book", no_argument, 0, 'B'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    a->depth = 5;
    optind = 1;
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
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
            break;
        case 'j': a->json = 1; break;
        case 'S': a->strict = a->opts.strict = 1; break;
        case 'n': a->opts.no_input_digest = 1; break;
        case 'B': a->opts.no_book = 1; break;
        case 'f':
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
    for (int i = 0; i < a->n_symbols; i++) {
        char pad[8];
        if (blanc_symbol_pad(a->symbols[i], pad)) {
            cli_error("replay: --symbol '%s' is not a 1-8 character symbol", a->symbols[i]);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static void print_ladder_text(blanc_books *b, const char *user, uint64_t depth)
{
    char pad[8];
    blanc_symbol_pad(user, pad);
    int loc = blanc_books_find(b, pad);
    if (loc < 0) {
        printf("\n%s: not in the stock directory\n", user);
        return;
    }
    blanc_instrument in;
    blanc_books_instrument(b, (uint16_t)loc, &in);
    blanc_level *lv = malloc(depth * sizeof *lv);
    if (!lv)
        return;
    printf("\n%s (locate %u, state %c, %" PRIu64 " live orders, %u bid / %u ask levels)\n", user,
           (unsigned)loc, in.trading_state ? in.trading_state : '-', in.orders, in.bid_levels,
           in.ask_levels);
    printf("  %12s %8s %12s | %-12s %-12s %-8s\n", "bid orders", "shares", "bid", "ask", "shares",
           "orders");
    blanc_level *ask = malloc(depth * sizeof *ask);
    if (!ask) {
        free(lv);
        return;
    }
    int nb = blanc_books_levels(b, (uint16_t)loc, 'B', lv, depth);
    int na = blanc_books_levels(b, (uint16_t)loc, 'S', ask, depth);
    for (int i = 0; i < nb || i < na; i++) {
        char bp[24] = "", ap[24] = "", bs[24] = "", as[24] = "", bo[16] = "", ao[16] = "";
        if (i < nb) {
            fmt_price(lv[i].price, bp);
            snprintf(bs, sizeof bs, "%" PRIu64, lv[i].shares);
            snprintf(bo, sizeof bo, "%" PRIu32, lv[i].orders);
        }
        if (i < na) {
            fmt_price(ask[i].price, ap);
            snprintf(as, sizeof as, "%" PRIu64, ask[i].shares);
            snprintf(ao, sizeof ao, "%" PRIu32, ask[i].orders);
        }
        printf("  %12s %8s %12s | %-12s %-12s %-8s\n", bo, bs, bp, ap, as, ao);
    }
    free(lv);
    free(ask);
}

static void print_ladder_json(json *j, blanc_books *b, const char *user, uint64_t depth)
{
    char pad[8];
    blanc_symbol_pad(user, pad);
    int loc = blanc_books_find(b, pad);
    json_open(j, user, '{');
    if (loc < 0) {
        json_bool(j, "found", 0);
        json_close(j, '}');
        return;
    }
    blanc_instrument in;
    blanc_books_instrument(b, (uint16_t)loc, &in);
    json_bool(j, "found", 1);
    json_u64(j, "locate", (uint64_t)loc);
    json_u64(j, "orders", in.orders);
    blanc_level *lv = malloc(depth * sizeof *lv);
    for (int s = 0; s < 2 && lv; s++) {
        int n = blanc_books_levels(b, (uint16_t)loc, s ? 'S' : 'B', lv, depth);
        json_open(j, s ? "asks" : "bids", '[');
        for (int i = 0; i < n; i++) {
            json_open(j, NULL, '{');
            json_u64(j, "price", lv[i].price);
            json_u64(j, "shares", lv[i].shares);
            json_u64(j, "orders", lv[i].orders);
            json_close(j, '}');
        }
        json_close(j, ']');
    }
    free(lv);
    json_close(j, '}');
}

static void print_json(const replay_args *a, blanc_replay *r, blanc_compression comp,
                       double secs)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books *b = blanc_replay_books(r);
    blanc_books_stats bs;
    blanc_books_stats_get(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    json j;
    json_init(&j, stdout);
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
    if (a->n_symbols) {
        json_open(&j, "books", '{');
        for (int i = 0; i < a->n_symbols; i++)
            print_ladder_json(&j, b, a->symbols[i], a->depth);
        json_close(&j, '}');
    }
    json_close(&j, '}');
    json_end(&j);
}

static void print_text(const replay_args *a, blanc_replay *r, blanc_compression comp, double secs)
{
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    blanc_books *b = blanc_replay_books(r);
    blanc_books_stats bs;
    blanc_books_stats_get(b, &bs);
    blanc_digests d;
    blanc_replay_digests(r, &d);
    char t0[32], t1[32];
    fmt_time(st->first_timestamp, t0);
    fmt_time(st->last_timestamp, t1);
    printf("file         %s (%s, %" PRIu64 " bytes)\n", a->file,
           comp == BLANC_COMP_GZIP ? "gzip" : comp == BLANC_COMP_ZSTD ? "zstd" : "plain",
           st->bytes);
    printf("messages     %" PRIu64 " (feed time %s .. %s)\n", st->messages, t0, t1);
    printf("by type     ");
    for (int i = 0, col = 0; i < BLANC_ITCH_NTYPES; i++) {
        if (!st->by_type[i])
            continue;
        if (col && col % 6 == 0)
            printf("\n            ");
        printf(" %c %-10" PRIu64, blanc_itch_types[i], st->by_type[i]);
        col++;
    }
    printf("\nbook changes %" PRIu64 "\n", st->book_changes);
    printf("instruments  %" PRIu32 "\n", bs.instruments);
    printf("live orders  %" PRIu64 " (peak %" PRIu64 "), %" PRIu64 " price levels\n",
           bs.live_orders, bs.peak_orders, bs.levels);
    printf("anomalies    %" PRIu64 "\n", st->anomalies_total);
    for (int i = 0; i < BLANC_AN_COUNT; i++) {
        const blanc_anomaly_stat *as = &st->anomalies[i];
        if (as->count)
            printf("  %-15s %10" PRIu64 "  first at byte %" PRIu64 ", message %" PRIu64 "  (%s)\n",
                   blanc_anomaly_key((blanc_anomaly)i), as->count, as->first_offset,
                   as->first_index, blanc_anomaly_text((blanc_anomaly)i));
    }
    printf("digest l3    %016" PRIx64 "\n", d.l3);
    printf("digest l2    %016" PRIx64 "\n", d.l2);
    printf("digest stream %016" PRIx64 "\n", d.stream);
    if (a->opts.no_input_digest)
        printf("digest input (not computed)\n");
    else
        printf("digest input %016" PRIx64 "\n", d.input);
    printf("elapsed      %.3f s, %.2f M msg/s, %.1f ns/msg\n", secs,
           secs > 0 ? (double)st->messages / secs / 1e6 : 0.0,
           st->messages ? secs * 1e9 / (double)st->messages : 0.0);
    for (int i = 0; i < a->n_symbols; i++)
        print_ladder_text(b, a->symbols[i], a->depth);
}

int cmd_replay(int argc, char **argv)
{
    replay_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    blanc_source *src;
    int sys_errno = 0;
    rc = blanc_source_open(&src, a.file, &sys_errno);
    if (rc) {
        cli_error("%s: %s%s%s", a.file, blanc_strerror(rc), sys_errno ? ": " : "",
                  sys_errno ? strerror(sys_errno) : "");
        return CLI_USAGE;
    }
    blanc_replay *r = blanc_replay_create(&a.opts);
    if (!r) {
        blanc_source_close(src);
        cli_error("out of memory");
        return CLI_USAGE;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = blanc_replay_run(r, src);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    blanc_compression comp = blanc_source_compression(src);
    blanc_source_close(src);
    const blanc_replay_stats *st = blanc_replay_get_stats(r);
    int exit_code = CLI_OK;
    if (rc && rc != BLANC_ESTRICT) {
        cli_error("%s: %s (after %" PRIu64 " messages, byte %" PRIu64 ")", a.file,
                  blanc_strerror(rc), st->messages, st->bytes);
        exit_code = CLI_USAGE;
    } else if (st->bytes == 0 && st->messages == 0 && !st->anomalies_total) {
        cli_error("%s: input is empty", a.file);
        exit_code = CLI_USAGE;
    }
    if (a.json)
        print_json(&a, r, comp, secs);
    else
        print_text(&a, r, comp, secs);
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
    blanc_replay_free(r);
    return exit_code;
}
