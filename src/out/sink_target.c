/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Where an output path lands. A sink writes a temporary file and renames it
 * onto its target, which is right for a regular file (or a new one) and
 * wrong for anything else: renamed onto, a FIFO or /dev/null would be
 * replaced by a regular file, and a symbolic link by the file instead of its
 * target getting the data. So a link is followed first, and what it leads
 * to decides: a regular file or nothing (a new file) is replaced by rename,
 * anything else is written where it is, as a shell's > would.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blanc.h"
#include "out/sink_impl.h"

#define MAX_HOPS 40 /* Linux's own limit on links followed in one lookup */

/* The path a link at p names, relative to p's folder as the kernel reads it. */
static char *link_target(const char *p, int *sys)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(p, buf, sizeof buf - 1);
    if (n < 0 || (size_t)n == sizeof buf - 1) {
        *sys = n < 0 ? errno : ENAMETOOLONG;
        return NULL;
    }
    buf[n] = 0;
    const char *slash = strrchr(p, '/');
    size_t dir = buf[0] == '/' || !slash ? 0 : (size_t)(slash - p + 1);
    char *out = malloc(dir + (size_t)n + 1);
    if (!out) {
        *sys = ENOMEM;
        return NULL;
    }
    memcpy(out, p, dir);
    memcpy(out + dir, buf, (size_t)n + 1);
    return out;
}

/* A link whose target exists: realpath names it (a /proc/self/fd link
 * included, which readlink would give as "pipe:[N]"). A dangling one: its
 * links are walked by hand to the name the new file will have. */
static char *follow(const char *path, int *sys)
{
    char *p = realpath(path, NULL);
    if (p || errno != ENOENT)
        return p ? p : (*sys = errno, NULL);
    if (!(p = strdup(path))) {
        *sys = ENOMEM;
        return NULL;
    }
    for (int hop = 0;; hop++) {
        struct stat st;
        if (lstat(p, &st) != 0 || !S_ISLNK(st.st_mode))
            return p;
        char *next = hop < MAX_HOPS ? link_target(p, sys) : (*sys = ELOOP, NULL);
        free(p);
        if (!(p = next))
            return NULL;
    }
}

char *blanc_sink_target_path(const char *path, int *sys_errno)
{
    int sys = 0;
    struct stat lst;
    char *t = lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) ? follow(path, &sys) : strdup(path);
    if (!t && !sys)
        sys = ENOMEM;
    if (sys_errno)
        *sys_errno = t ? 0 : sys;
    return t;
}

int blanc__sink_target(const char *path, char **target, int *in_place, int *sys)
{
    struct stat st;
    *in_place = 0;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        *sys = EISDIR;
        return BLANC_EISDIR;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        *in_place = 1; /* opened through its links, as they are */
        if (!(*target = strdup(path)))
            *sys = ENOMEM;
    } else {
        *target = blanc_sink_target_path(path, sys);
    }
    if (!*target)
        return *sys == ENOMEM ? BLANC_ENOMEM : BLANC_EOPEN;
    return 0;
}
