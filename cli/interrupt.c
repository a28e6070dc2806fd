/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SIGINT, SIGTERM and SIGHUP end a command as they would have without a
 * handler (the shell sees "killed by the signal"), but without the temporary
 * files of its outputs left behind: the handler removes every sink's temp
 * file, and a replay's snapshots and the folders it made (an interrupted run
 * writes nothing, as a failed one), and the one file a command made outside
 * a sink (cli_interrupt_file: bench's new history), and cuts off what a
 * command appended to an existing file (cli_interrupt_cut: bench's line in
 * its history), then re-raises the signal with its default action. A signal
 * ignored when blanc started (nohup, a background job) stays ignored. blanc
 * listen takes SIGINT and SIGTERM over while it runs, to end its session
 * cleanly (cmd_listen.c), and hands a second one back here
 * (cli_interrupt_rearm).
 *
 * Some steps must not be cut in two: putting several outputs in place
 * (gen's day and its manifest, bench's .prom and the note that keeps its
 * history line), or stopping a child and removing a folder tree
 * (chromium.c), which a handler cannot do with async-signal-safe calls.
 * Between cli_interrupt_hold and cli_interrupt_release a signal is only
 * recorded; release then delivers it to the handler above, once the step is
 * whole. A held step must not block: a write to a FIFO whose reader stalls
 * would hold the signal off for good (blanc then ends only by SIGKILL). Such
 * writes come before the hold, where a signal ends blanc at once and the
 * handler takes back what they did; renames and removals are what a hold is
 * for.
 *
 * Only async-signal-safe calls in the handlers: unlink()/rmdir() (through
 * blanc_sink_unlink_all_temps and blanc_session_unlink_outputs), fstat(),
 * ftruncate(), sigaction(), raise().
 */
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum { N_SIGNALS = 3 };
static const int signals[N_SIGNALS] = {SIGINT, SIGTERM, SIGHUP};
static const blanc_session *volatile g_session;
static const char *volatile g_file;
/* cli_interrupt_cut's file, its length before the append and the append's
 * (g_cut_fd is set last and cleared first: the handler never sees a
 * half-set triple). */
static volatile sig_atomic_t g_cut_fd = -1;
static volatile off_t g_cut_size, g_cut_len;
/* The signals guarded (not ignored at start), as bits of signals[]. */
static unsigned g_guarded;
static volatile sig_atomic_t g_held, g_pending;

static void on_interrupt(int sig)
{
    blanc_session_unlink_outputs(g_session);
    blanc_sink_unlink_all_temps();
    if (g_cut_fd >= 0) {
        int cut = cli_cut_own(g_cut_fd, g_cut_size, g_cut_len);
        (void)cut; /* a failure cannot be told from here: the signal ends blanc */
    }
    if (g_file)
        unlink(g_file);
    /* SA_RESETHAND made the action the default one: the signal, blocked
     * while this runs, ends the process as this returns. */
    raise(sig);
}

/* Inside a held step: remember the first signal, for release. */
static void on_held(int sig)
{
    if (!g_pending)
        g_pending = sig;
}

static void install(int i, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    for (int k = 0; k < N_SIGNALS; k++)
        sigaddset(&sa.sa_mask, signals[k]); /* one handler at a time */
    sigaction(signals[i], &sa, NULL);
}

void cli_interrupt_guard(void)
{
    struct sigaction old;
    for (int i = 0; i < N_SIGNALS; i++)
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN) {
            g_guarded |= 1u << i;
            install(i, on_interrupt, (int)SA_RESETHAND);
        }
}

void cli_interrupt_session(const blanc_session *s) { g_session = s; }

void cli_interrupt_file(const char *path) { g_file = path; }

void cli_interrupt_cut(int fd, off_t size, off_t len)
{
    g_cut_fd = -1;
    g_cut_size = size;
    g_cut_len = len;
    g_cut_fd = fd;
}

int cli_cut_own(int fd, off_t size, off_t len)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -1;
    if (st.st_size < size || st.st_size - size > len)
        return 0; /* not only this append's bytes past size: leave the file be */
    return ftruncate(fd, size);
}

void cli_interrupt_rearm(int sig)
{
    for (int i = 0; i < N_SIGNALS; i++)
        if (signals[i] == sig && (g_guarded & 1u << i))
            install(i, on_interrupt, (int)SA_RESETHAND);
}

void cli_interrupt_hold(void)
{
    if (g_held++)
        return; /* nested: the outermost release delivers what was recorded */
    g_pending = 0;
    /* No SA_RESTART: a wait in the held step (chromium.c's) wakes up and
     * can look at cli_interrupt_pending. */
    for (int i = 0; i < N_SIGNALS; i++)
        if (g_guarded & 1u << i)
            install(i, on_held, 0);
}

int cli_interrupt_pending(void) { return g_pending; }

void cli_interrupt_release(void)
{
    if (!g_held || --g_held)
        return;
    for (int i = 0; i < N_SIGNALS; i++)
        if (g_guarded & 1u << i)
            install(i, on_interrupt, (int)SA_RESETHAND);
    if (g_pending)
        raise(g_pending); /* the step is whole: now end as any signal does */
}
