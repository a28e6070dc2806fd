/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* blanc — command dispatcher. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "cli.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *what;
} commands[] = {
    {"replay", cmd_replay, "replay an ITCH 5.0 file into order books, print counts and digests"},
    {"listen", cmd_listen, "replay a live MoldUDP64 feed from a UDP socket (multicast or unicast)"},
    {"gen", cmd_gen, "generate a deterministic ITCH 5.0 day (normal, burst, corrupt, gap)"},
    {"snapshot", cmd_snapshot, "show a snapshot's books (snapshot show SNAP)"},
    {"diff", cmd_diff, "compare two snapshots, or a snapshot and a replay at its point"},
    {"capture", cmd_capture, "what a pcap/pcapng capture holds (capture info FILE)"},
    {"bench", cmd_bench, "measure a replay: throughput, per-message latency, host report"},
    {"dump", cmd_dump, "print every message with all its fields (JSON lines or CSV)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: blanc <command> [options]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].what);
    fprintf(f, "\n'blanc <command> --help' describes a command.\n"
               "exit codes: 0 ok, 1 anomalies under --strict, 2 usage or input error\n");
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("blanc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* What getopt leaves for its '?' (opterr is 0, so this is the only message).
 * A long option is argv[optind - 1]: optopt is 0 if getopt did not know it,
 * else its value, and then it either got "=value" though it takes none or
 * was the last word and missed its argument. A short option is named by
 * optopt, not by a word (optind stays on a cluster such as -xq until its
 * end): in shortopts it missed its argument, else it is unknown. */
int cli_subcommand(const char *cmd, const char *sub, int argc, char **argv, const char *usage)
{
    if (argc >= 2 && !strcmp(argv[1], sub))
        return CLI_CONTINUE;
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (argc >= 2)
        cli_error("%s: '%s' is not a subcommand (%s); see 'blanc %s --help'", cmd, argv[1], sub,
                  cmd);
    else
        fputs(usage, stderr);
    return CLI_USAGE;
}

int cli_bad_option(const char *cmd, const char *shortopts, char **argv)
{
    const char *tok = optind > 0 ? argv[optind - 1] : NULL;
    const char *eq = tok ? strchr(tok, '=') : NULL;
    char flag[64];
    const char *why = "is unknown";
    if (tok && !strncmp(tok, "--", 2) && (optopt == 0 || eq || !argv[optind])) {
        int len = eq ? (int)(eq - tok) : (int)strlen(tok);
        snprintf(flag, sizeof flag, "%.*s", len, tok);
        if (optopt)
            why = eq ? "takes no argument" : "needs an argument";
    } else if (optopt > 0x20 && optopt < 0x7f) {
        snprintf(flag, sizeof flag, "-%c", optopt);
        if (strchr(shortopts, optopt))
            why = "needs an argument";
    } else {
        snprintf(flag, sizeof flag, "%s", tok ? tok : "?");
    }
    fprintf(stderr, "blanc %s: option '%s' %s; see 'blanc %s --help'\n", cmd, flag, why, cmd);
    return CLI_USAGE;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
    /* A digit first: strtoull itself would skip leading blanks and take a
     * sign, so " -1" would come back as 2^64 - 1. */
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || errno)
        return -1;
    uint64_t mul = 1;
    if (*end == 'k' || *end == 'K') mul = 1000, end++;
    else if (*end == 'M') mul = 1000000, end++;
    else if (*end == 'G') mul = 1000000000, end++;
    if (*end)
        return -1;
    if (v > UINT64_MAX / mul)
        return -1;
    *out = (uint64_t)v * mul;
    return 0;
}

int cli_parse_time(const char *s, uint64_t *ns) { return blanc_parse_time(s, ns) ? -1 : 0; }

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        /* What the build report of every benchmark names (src/bench/hw.c). */
        blanc_hw_report r;
        blanc_hw_report_get(&r);
        printf("blanc %s\ncommit %s\ncompiler %s\nbuild %s, flags %s\n", blanc_version(),
               r.git_sha, r.compiler, r.build_type, r.cflags);
        return CLI_OK;
    }
    opterr = 0; /* a bad option is reported once, by cli_bad_option() */
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    cli_error("unknown command '%s'", argv[1]);
    usage(stderr);
    return CLI_USAGE;
}

/* Why stdout first failed, when a flush before the end saw it: stdio keeps
 * only that it failed, and close_stdout would have no reason to give. */
static int g_stdout_errno;

void cli_flush(FILE *f)
{
    errno = 0;
    if (fflush(f) != 0 && f == stdout && !g_stdout_errno)
        g_stdout_errno = errno;
}

/* What stdio still holds for stdout is written at exit, where nobody checks
 * it: a summary lost to a full disk or a closed pipe would exit 0. So stdout
 * is closed here and a failure is an error (exit 2), as coreutils'
 * close_stdout does. A stdout closed before blanc started (>&-) is a failure
 * only if something was to be written to it. */
static int close_stdout(int rc)
{
    int earlier = ferror(stdout), pending = __fpending(stdout) != 0;
    errno = 0;
    int failed = fclose(stdout) != 0;
    int why = failed ? errno : g_stdout_errno;
    if (!earlier && (!failed || (why == EBADF && !pending)))
        return rc;
    if (why)
        cli_error("error writing standard output: %s", strerror(why));
    else
        cli_error("error writing standard output");
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    cli_interrupt_guard();
    return close_stdout(dispatch(argc, argv));
}
