/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Two outputs of one run at the same file clobber each other (the later
 * rename wins, or both write into one FIFO), and an output at an input
 * replaces what is being read. So a command names its files, and two that
 * are one are refused before any work: an existing file by device and inode
 * (so links and other spellings of it count), a new one by its folder's real
 * path and its name (a dangling link by the new file it names). Outputs on
 * one character device are not a clash (/dev/null twice is ordinary), nor
 * two inputs, nor two output folders (each writes its own names into it).
 * "-" is stdout for an output, stdin for an input.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

typedef struct ident {
    int dash, chr, by_inode;
    dev_t dev;
    ino_t ino;
    char name[2 * PATH_MAX + 1]; /* a folder, "/", a name */
} ident;

/* A file that is not there yet: its folder as realpath gives it, and its name. */
static void new_name(const char *path, ident *id)
{
    char p[PATH_MAX], real[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        p[--n] = 0;
    char *slash = strrchr(p, '/');
    const char *base = slash ? slash + 1 : p;
    if (slash == p)
        snprintf(real, sizeof real, "/");
    else if (slash)
        *slash = 0;
    if ((slash == p || realpath(slash ? p : ".", real)) && *base)
        snprintf(id->name, sizeof id->name, "%s%s%s", real, slash == p ? "" : "/", base);
    else
        snprintf(id->name, sizeof id->name, "%s", path); /* a missing folder fails later */
}

static void identify(const char *path, ident *id)
{
    memset(id, 0, sizeof *id);
    struct stat st;
    if (!strcmp(path, "-")) {
        id->dash = 1;
    } else if (stat(path, &st) != 0 && lstat(path, &st) != 0) {
        new_name(path, id);
    } else if (S_ISLNK(st.st_mode)) {
        /* A dangling link (stat failed, lstat found it): an output there
         * makes the file it names, which another output may name plainly
         * (or by another link). */
        char *t = blanc_sink_target_path(path, NULL);
        new_name(t ? t : path, id);
        free(t);
    } else {
        id->by_inode = 1;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        id->chr = S_ISCHR(st.st_mode);
    }
}

static int same(const ident *a, const ident *b)
{
    if (a->dash || b->dash)
        return a->dash && b->dash;
    if (a->by_inode != b->by_inode)
        return 0;
    if (a->by_inode)
        return a->dev == b->dev && a->ino == b->ino && !a->chr;
    return !strcmp(a->name, b->name);
}

int cli_check_files(const char *cmd, const cli_file *f, size_t n)
{
    ident *id = calloc(n ? n : 1, sizeof *id);
    if (!id) {
        cli_error("%s: out of memory", cmd);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < n; i++)
        if (f[i].path)
            identify(f[i].path, &id[i]);
    int rc = CLI_OK;
    for (size_t i = 0; i < n && !rc; i++)
        for (size_t k = i + 1; k < n && !rc; k++) {
            if (!f[i].path || !f[k].path || (f[i].kind == CLI_IN && f[k].kind == CLI_IN) ||
                (f[i].kind == CLI_OUT_DIR && f[k].kind == CLI_OUT_DIR))
                continue;
            /* stdin and stdout are both "-" but not one file */
            if (id[i].dash && (f[i].kind == CLI_IN) != (f[k].kind == CLI_IN))
                continue;
            if (!same(&id[i], &id[k]))
                continue;
            if (id[i].dash)
                cli_error("%s: %s - and %s - both write to stdout", cmd, f[i].opt, f[k].opt);
            else
                cli_error("%s: %s %s and %s %s are the same file", cmd, f[i].opt, f[i].path,
                          f[k].opt, f[k].path);
            rc = CLI_USAGE;
        }
    free(id);
    return rc;
}
