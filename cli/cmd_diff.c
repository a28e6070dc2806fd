/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc diff: compare two states, each a snapshot or an ITCH input. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage_text[] =
    "usage: blanc diff A B [--json] [--max N]\n"
    "\n"
    "Compare two replay states. Each of A and B is a snapshot (binary or JSON) or an\n"
    "ITCH input; an input is replayed to the point of the snapshot on the other side\n"
    "(or to its end if both are inputs). Prints the first differences, most telling\n"
    "first (counters, instruments, trading state, levels, queue positions), and a\n"
    "summary of all of them.\n"
    "\n"
    "  --json     one JSON object instead of text\n"
    "  --max N    print at most N differences (default 20; the summary counts all)\n"
    "\n"
    "exit codes: 0 equal, 1 different, 2 usage error, or input that is unreadable,\n"
    "            empty, or neither a snapshot nor ITCH\n";

static const char *kind_name[] = {"counter", "instrument", "state", "level", "order"};

typedef struct printer {
    int as_json;
    uint64_t max, shown;
    jw *j;
} printer;

static void text_item(const blanc_diff_item *d)
{
    char p[24];
    const char *side = d->side == 'B' ? "bid" : "ask";
    cli_fmt_price(d->price, p);
    switch (d->kind) {
    case BLANC_DIFF_COUNTER:
        printf("  counter %s: %" PRIu64 " vs %" PRIu64 "\n", d->field, d->a, d->b);
        break;
    case BLANC_DIFF_INSTRUMENT:
        printf("  %s (locate %u): only in %s\n", d->symbol, d->locate, d->a ? "A" : "B");
        break;
    case BLANC_DIFF_STATE:
        if (!strcmp(d->field, "stream"))
            printf("  %s (locate %u): stream digest %016" PRIx64 " vs %016" PRIx64 "\n",
                   d->symbol, d->locate, d->a, d->b);
        else if (!strcmp(d->field, "trading_state"))
            printf("  %s (locate %u): trading state '%c' vs '%c'\n", d->symbol, d->locate,
                   d->a ? (char)d->a : '-', d->b ? (char)d->b : '-');
        else
            printf("  %s (locate %u): %s %" PRIu64 " vs %" PRIu64 "\n", d->symbol, d->locate,
                   d->field, d->a, d->b);
        break;
    case BLANC_DIFF_LEVEL:
        if (!strcmp(d->field, "absent"))
            printf("  %s %s %s: only in %s (%" PRIu64 " shares)\n", d->symbol, side, p,
                   d->a ? "A" : "B", d->a ? d->a : d->b);
        else
            printf("  %s %s %s: %s %" PRIu64 " vs %" PRIu64 "\n", d->symbol, side, p, d->field,
                   d->a, d->b);
        break;
    case BLANC_DIFF_ORDER:
        if (!strcmp(d->field, "absent"))
            printf("  %s %s %s queue position %" PRIu64 ": order %" PRIu64 " only in %s\n",
                   d->symbol, side, p, d->position, d->a ? d->a : d->b, d->a ? "A" : "B");
        else
            printf("  %s %s %s queue position %" PRIu64 ": %s %" PRIu64 " vs %" PRIu64 "\n",
                   d->symbol, side, p, d->position, d->field, d->a, d->b);
        break;
    }
}

static int on_diff(void *ctx, const blanc_diff_item *d)
{
    printer *pr = ctx;
    if (pr->shown == pr->max)
        return 1;
    pr->shown++;
    if (!pr->as_json) {
        text_item(d);
        return 0;
    }
    jw *j = pr->j;
    jw_open(j, NULL, '{');
    jw_str(j, "kind", kind_name[d->kind]);
    jw_str(j, "field", d->field);
    if (d->kind != BLANC_DIFF_COUNTER) {
        jw_str(j, "symbol", d->symbol);
        jw_u64(j, "locate", d->locate);
    }
    if (d->side) {
        jw_strn(j, "side", &d->side, 1);
        jw_u64(j, "price", d->price);
    }
    if (d->kind == BLANC_DIFF_ORDER)
        jw_u64(j, "position", d->position);
    jw_u64(j, "a", d->a);
    jw_u64(j, "b", d->b);
    jw_close(j, '}');
    return 0;
}

/* One side of the comparison, opened once (a pipe can be read only once) and
 * judged by its first bytes: a snapshot, or else an ITCH input. Nothing at all
 * is neither: comparing it would compare an empty state. 0, or the error
 * (said, naming the file). */
static int open_side(const char *path, blanc_source **src, int *snap)
{
    int sys = 0;
    int rc = blanc_source_open(src, path, &sys);
    if (rc) {
        cli_file_error(path, rc, sys);
        return rc;
    }
    const uint8_t *p = NULL;
    size_t n = 0;
    int more;
    do
        more = blanc_source_next(*src, &p, &n);
    while (more > 0 && n < 64);
    if (more < 0) {
        cli_error("%s: %s at byte %zu", path, blanc_strerror(more), n);
    } else if (n == 0) {
        cli_error("%s: input is empty: neither a snapshot nor an ITCH input", path);
        more = BLANC_EINVAL;
    } else {
        *snap = blanc_snapshot_format_of(p, n) >= 0;
        return 0;
    }
    blanc_source_close(*src);
    *src = NULL;
    return more;
}

static int load_side(const char *path, blanc_source *src, blanc_replay **out)
{
    blanc_snap_error e;
    memset(&e, 0, sizeof e);
    blanc_source_set_hashing(src, 0);
    int rc = blanc_snapshot_load_source(out, src, &e);
    if (rc)
        cli_snapshot_error(path, rc, &e, 0);
    return rc;
}

/* Replay an input to `until` messages (BLANC_NO_LIMIT = to its end). */
static int replay_input(const char *path, blanc_source *src, const blanc_replay_options *o,
                        uint64_t until, blanc_replay **out)
{
    blanc_replay *r;
    int rc = blanc_replay_create(&r, o);
    if (rc) {
        cli_error("%s: %s", path, blanc_strerror(rc));
        return rc;
    }
    blanc_feed_options fo = {0};
    fo.framing = o->framing;
    fo.no_sniff = o->no_sniff;
    blanc_feed *f = NULL;
    char why[256];
    cli_fault_guard(path, src, NULL);
    rc = blanc_feed_open(&f, src, &fo, why, sizeof why);
    if (rc == BLANC_ENOTITCH) {
        cli_fault_clear();
        cli_error("%s: not a snapshot, and %s (%s)", path, blanc_strerror(rc), why);
        blanc_replay_free(r);
        return rc;
    }
    if (!rc)
        rc = blanc_replay_run_until(r, f, until, BLANC_NO_LIMIT);
    cli_fault_clear();
    if (rc < 0 && rc != BLANC_ESTRICT) {
        char where[512];
        blanc_replay_where(r, f, where, sizeof where);
        cli_error("%s: %s (%s)", path, blanc_strerror(rc), where);
        blanc_feed_free(f);
        blanc_replay_free(r);
        return rc;
    }
    blanc_feed_free(f);
    *out = r;
    return 0;
}

int cmd_diff(int argc, char **argv)
{
    static const struct option longopts[] = {{"json", no_argument, 0, 'j'},
                                              {"max", required_argument, 0, 'm'},
                                              {"help", no_argument, 0, 'h'},
                                              {0, 0, 0, 0}};
    printer pr = {0, 20, 0, NULL};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'j': pr.as_json = 1; break;
        case 'm':
            if (cli_parse_u64(optarg, &pr.max)) {
                cli_error("diff: --max wants a number, not '%s'", optarg);
                return CLI_USAGE;
            }
            break;
        case 'h': fputs(usage_text, stdout); return CLI_OK;
        default: return cli_bad_option("diff", "h", argv);
        }
    }
    if (optind != argc - 2) {
        fputs(usage_text, stderr);
        return CLI_USAGE;
    }
    const char *path[2] = {argv[optind], argv[optind + 1]};
    if (!strcmp(path[0], "-") && !strcmp(path[1], "-")) {
        cli_error("diff: standard input can be only one of A and B");
        return CLI_USAGE;
    }
    int snap[2] = {0, 0};
    blanc_source *src[2] = {NULL, NULL};
    blanc_replay *r[2] = {NULL, NULL};
    int rc = 0;
    for (int i = 0; i < 2 && !rc; i++)
        rc = open_side(path[i], &src[i], &snap[i]);
    for (int i = 0; i < 2 && !rc; i++)
        if (snap[i])
            rc = load_side(path[i], src[i], &r[i]);
    for (int i = 0; i < 2 && !rc; i++) {
        if (snap[i])
            continue;
        const blanc_replay *other = snap[!i] ? r[!i] : NULL;
        blanc_replay_options o = {0};
        uint64_t until = BLANC_NO_LIMIT;
        if (other) { /* the snapshot's options make the same state */
            o = *blanc_replay_get_options(other);
            if (!blanc_replay_finished(other))
                until = cli_replay_stats(other).messages;
        }
        /* The container by content, as replay chooses it (fixed framing
         * included): a capture's books compare with its BinaryFILE's. */
        o.framing = BLANC_FRAMING_AUTO;
        rc = replay_input(path[i], src[i], &o, until, &r[i]);
    }
    for (int i = 0; i < 2; i++)
        blanc_source_close(src[i]);
    if (rc) {
        blanc_replay_free(r[0]);
        blanc_replay_free(r[1]);
        return CLI_USAGE;
    }
    blanc_diff_summary sum;
    jw j;
    pr.j = &j;
    if (pr.as_json) {
        jw_init(&j, stdout);
        jw_open(&j, NULL, '{');
        jw_str(&j, "a", path[0]);
        jw_str(&j, "b", path[1]);
        jw_open(&j, "differences", '[');
    } else {
        printf("A %s\nB %s\n", path[0], path[1]);
    }
    rc = blanc_diff(r[0], r[1], on_diff, &pr, &sum);
    if (pr.as_json) {
        jw_close(&j, ']');
        jw_bool(&j, "equal", rc == 0);
        jw_open(&j, "summary", '{');
        jw_u64(&j, "total", sum.total);
        jw_u64(&j, "counters", sum.counters);
        jw_u64(&j, "instruments", sum.instruments);
        jw_u64(&j, "states", sum.states);
        jw_u64(&j, "levels", sum.levels);
        jw_u64(&j, "orders", sum.orders);
        jw_close(&j, '}');
        jw_close(&j, '}');
        jw_end(&j);
    } else if (rc == 0) {
        printf("equal\n");
    } else if (rc > 0) {
        if (sum.total > pr.shown)
            printf("  ... %" PRIu64 " more\n", sum.total - pr.shown);
        printf("different: %" PRIu64 " differences (counters %" PRIu64 ", instruments %" PRIu64
               ", states %" PRIu64 ", levels %" PRIu64 ", orders %" PRIu64 ")\n",
               sum.total, sum.counters, sum.instruments, sum.states, sum.levels, sum.orders);
    }
    blanc_replay_free(r[0]);
    blanc_replay_free(r[1]);
    if (rc < 0) {
        cli_error("diff: %s", blanc_strerror(rc));
        return CLI_USAGE;
    }
    return rc ? CLI_ANOMALY : CLI_OK;
}
