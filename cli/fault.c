/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * A plain input is mapped, not read: another process truncating the file
 * while it is replayed makes the next read past its new end fault (SIGBUS),
 * which would kill the process with no word and leave temp files behind.
 * While a replay reads a mapped input, this handler turns that fault into a
 * clear error at its byte offset, removes the run's outputs and exits 2.
 * A fault anywhere else is not ours: the handler is reset on entry, so
 * returning re-raises it with the default action.
 *
 * Only async-signal-safe calls here: write(), unlink()/rmdir() (through
 * blanc_session_unlink_outputs), _exit().
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *volatile g_file;
static const blanc_source *volatile g_src;
static const blanc_session *volatile g_session;

static size_t put(char *b, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        b[at++] = *s++;
    return at;
}

static size_t put_u64(char *b, size_t at, size_t cap, uint64_t v)
{
    char d[24];
    int n = 0;
    do {
        d[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && at + 1 < cap)
        b[at++] = d[--n];
    return at;
}

static void on_bus(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    uint64_t off;
    const blanc_source *src = g_session ? blanc_session_source(g_session) : g_src;
    if (!src || !blanc_source_mapped_offset(src, si->si_addr, &off))
        return; /* not a read of our input: the default action follows */
    char m[4600];
    size_t n = put(m, 0, sizeof m, "blanc: ");
    n = put(m, n, sizeof m, g_file ? g_file : "input");
    n = put(m, n, sizeof m, ": the file was truncated while being read (a read at byte ");
    n = put_u64(m, n, sizeof m, off);
    n = put(m, n, sizeof m, " failed); nothing was written\n");
    ssize_t w = write(STDERR_FILENO, m, n);
    (void)w;
    blanc_session_unlink_outputs(g_session);
    _exit(CLI_USAGE);
}

void cli_fault_guard(const char *file, const blanc_source *src, const blanc_session *s)
{
    g_file = file;
    g_src = src;
    g_session = s;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_bus;
    sa.sa_flags = (int)(SA_SIGINFO | SA_RESETHAND);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, NULL);
}

void cli_fault_clear(void)
{
    signal(SIGBUS, SIG_DFL);
    g_session = NULL;
    g_src = NULL;
    g_file = NULL;
}
