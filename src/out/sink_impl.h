/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* What sink.c takes from its two helpers: where an output path lands
 * (sink_target.c) and the list of temporary files a signal handler may
 * remove (sink_temps.c). */
#ifndef BLANC_SINK_IMPL_H
#define BLANC_SINK_IMPL_H

/*
 * The file an output named path becomes, in *target (malloc'd, the caller
 * frees): path itself, or the file a symbolic link at path leads to (a link
 * is followed as open(2) would, so the link stays and its target is
 * replaced). *in_place is 1 when that file exists and is not a regular file
 * (a FIFO, a character device such as /dev/null): it is to be written where
 * it is, since renaming a file onto it would replace the device itself.
 * 0, BLANC_EISDIR, BLANC_EOPEN (ELOOP, ENAMETOOLONG in *sys) or BLANC_ENOMEM.
 */
int blanc__sink_target(const char *path, char **target, int *in_place, int *sys);

/* One temporary file on the list: the sink holds the node and the name. */
typedef struct blanc__temp {
    struct blanc__temp *_Atomic next;
    const char *path;
} blanc__temp;

/* Put t (naming path) on the list / take it off; t's memory may be freed
 * once remove returns. Thread-safe; not for a signal handler. */
void blanc__temp_add(blanc__temp *t, const char *path);
void blanc__temp_remove(blanc__temp *t);

#endif
