/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Can an output be made there? Asked up front (creatable.h): a folder that
 * does not exist, a file where a folder goes or a folder where a file goes. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blanc.h"
#include "out/creatable.h"

static int refuse(int code, int err, int *sys, char *what, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;

static int refuse(int code, int err, int *sys, char *what, size_t cap, const char *fmt, ...)
{
    *sys = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, cap, fmt, ap);
    va_end(ap);
    return code;
}

/* The folder a new entry at path goes in: a file is written there as a temp
 * file and renamed, a folder made there, so it must be one we may write. */
static int parent_ok(const char *path, int *sys, char *what, size_t cap)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    char *dir = n ? strndup(path, n) : strdup(".");
    if (!dir)
        return BLANC_ENOMEM;
    struct stat st;
    int rc = 0;
    if (stat(dir, &st) != 0)
        rc = errno == ENOENT ? refuse(BLANC_EOPEN, errno, sys, what, cap,
                                      "its folder '%s' does not exist", dir)
                             : refuse(BLANC_EOPEN, errno, sys, what, cap,
                                      "its folder '%s' cannot be reached", dir);
    else if (!S_ISDIR(st.st_mode))
        rc = refuse(BLANC_EOPEN, ENOTDIR, sys, what, cap, "'%s' is not a folder", dir);
    else if (access(dir, W_OK | X_OK) != 0)
        rc = refuse(BLANC_EOPEN, errno, sys, what, cap, "nothing can be created in '%s'", dir);
    free(dir);
    return rc;
}

int blanc__creatable(const char *path, int folder, int *sys, char *what, size_t cap)
{
    *sys = 0;
    if (cap)
        what[0] = 0;
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) /* ENOTDIR: a file on the way */
            return refuse(BLANC_EOPEN, errno, sys, what, cap, "%s", "");
        return parent_ok(path, sys, what, cap);
    }
    if (folder && !S_ISDIR(st.st_mode))
        return refuse(BLANC_EOPEN, ENOTDIR, sys, what, cap, "%s",
                      "it exists and is not a folder");
    if (folder)
        return access(path, W_OK | X_OK) == 0
                   ? 0
                   : refuse(BLANC_EOPEN, errno, sys, what, cap, "%s",
                            "nothing can be created in it");
    if (S_ISDIR(st.st_mode))
        return refuse(BLANC_EISDIR, EISDIR, sys, what, cap, "%s", "");
    /* An existing regular file is replaced by a rename in its folder; a
     * device or a pipe is the sink's business. */
    return S_ISREG(st.st_mode) ? parent_ok(path, sys, what, cap) : 0;
}
