/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * SIGINT, SIGTERM and SIGHUP end a command as they would have without a
 * handler (the shell sees "killed by the signal"), but without the temporary
 * files of its outputs left behind: the handler removes every sink's temp
 * file, and a replay's snapshots and the folders it made (an interrupted run
 * writes nothing, as a failed one), then re-raises the signal with its
 * default action. A signal ignored when blanc started (nohup, a background
 * job) stays ignored. blanc listen takes SIGINT and SIGTERM over while it
 * runs, to end its session cleanly (cmd_listen.c).
 *
 * Only async-signal-safe calls here: unlink()/rmdir() (through
 * blanc_sink_unlink_all_temps and blanc_session_unlink_outputs), raise().
 */
#include <signal.h>
#include <string.h>

#include "cli.h"

static const int signals[] = {SIGINT, SIGTERM, SIGHUP};
static const blanc_session *volatile g_session;

static void on_interrupt(int sig)
{
    blanc_session_unlink_outputs(g_session);
    blanc_sink_unlink_all_temps();
    /* SA_RESETHAND made the action the default one: the signal, blocked
     * while this runs, ends the process as this returns. */
    raise(sig);
}

void cli_interrupt_guard(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sa.sa_flags = (int)SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaddset(&sa.sa_mask, signals[i]); /* one handler at a time */
    for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
        if (sigaction(signals[i], NULL, &old) == 0 && old.sa_handler != SIG_IGN)
            sigaction(signals[i], &sa, NULL);
}

void cli_interrupt_session(const blanc_session *s) { g_session = s; }
