/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
#define _GNU_SOURCE
#include <signal.h>

#include "common/thread.h"

int blanc__thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name)
{
    sigset_t mask, old;
    sigfillset(&mask);
    sigdelset(&mask, SIGBUS);
    sigdelset(&mask, SIGSEGV);
    sigdelset(&mask, SIGFPE);
    sigdelset(&mask, SIGILL);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    int rc = pthread_create(th, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!rc)
        pthread_setname_np(*th, name); /* cosmetic: a refusal changes nothing */
    return rc;
}
