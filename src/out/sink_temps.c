/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The temporary files of every file sink not yet committed or aborted, so a
 * program that ends on a signal can remove them (blanc_sink_unlink_all_temps)
 * instead of leaving PATH.tmp-* beside its outputs until the next run.
 *
 * The walk runs in a signal handler, possibly while the code it interrupted
 * is adding or removing a node, so it takes no lock: a node is linked in by
 * one store once its name is set, and linked out by one store before its
 * memory can be freed, so every load of the walk sees a whole list. Writers
 * of the list take a mutex among themselves (sinks opened on other threads).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>

#include "blanc.h"
#include "out/sink_impl.h"

static blanc__temp *_Atomic g_head;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

void blanc__temp_add(blanc__temp *t, const char *path)
{
    t->path = path;
    pthread_mutex_lock(&g_lock);
    atomic_store_explicit(&t->next, atomic_load_explicit(&g_head, memory_order_relaxed),
                          memory_order_relaxed);
    atomic_store_explicit(&g_head, t, memory_order_release);
    pthread_mutex_unlock(&g_lock);
}

void blanc__temp_remove(blanc__temp *t)
{
    pthread_mutex_lock(&g_lock);
    blanc__temp *_Atomic *pp = &g_head;
    blanc__temp *q;
    while ((q = atomic_load_explicit(pp, memory_order_relaxed)) != NULL && q != t)
        pp = &q->next;
    if (q)
        atomic_store_explicit(pp, atomic_load_explicit(&t->next, memory_order_relaxed),
                              memory_order_release);
    pthread_mutex_unlock(&g_lock);
}

void blanc_sink_unlink_all_temps(void)
{
    for (blanc__temp *t = atomic_load_explicit(&g_head, memory_order_acquire); t;
         t = atomic_load_explicit(&t->next, memory_order_acquire))
        unlink(t->path);
}
