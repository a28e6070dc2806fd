/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The library's helper threads (the pager, the inflate thread, the capture
 * walk ahead): internal. */
#ifndef BLANC_THREAD_H
#define BLANC_THREAD_H

#include <pthread.h>

/* Start fn(arg) on a thread named name (for top -H and perf), with every
 * signal blocked but the faults of its own work: a helper must never take
 * the program's SIGINT or SIGPIPE, but a read of a mapped input that another
 * process truncated faults (SIGBUS), and a blocked fault would kill the
 * process without the program's handler (which says where the input was cut,
 * cli/fault.c). 0, or pthread_create's error. */
int blanc__thread_start(pthread_t *th, void *(*fn)(void *), void *arg, const char *name);

#endif
