/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * LOBSTER's files (docs/EMIT.md "LOBSTER"): per symbol a message file and an
 * orderbook file, no header, written as temp files beside their final names
 * and renamed together at the commit; a folder made here goes again if the
 * run fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out/lobster.h"

typedef struct lob_file {
    blanc_sink *sink;
    char *path;
    obuf *ob;
} lob_file;

struct lob_files {
    lob_file *f; /* 2 per symbol: message, orderbook */
    size_t n;
    char *dir;
    int made_dir, committed;
};

static int set_path(char *path, size_t cap, const char *p)
{
    if (cap)
        snprintf(path, cap, "%s", p ? p : "");
    return 0;
}

int blanc_lobster_file_name(char *out, size_t cap, const char sym[8], const char *date,
                            uint64_t from_ns, uint64_t to_ns, uint32_t depth, int orderbook)
{
    size_t n = 8;
    while (n && sym[n - 1] == ' ')
        n--;
    if (!n || memchr(sym, '/', n) || memchr(sym, 0, n))
        return BLANC_EINVAL;
    int k = snprintf(out, cap, "%.*s_%s_%llu_%llu_%s_%u.csv", (int)n, sym, date,
                     (unsigned long long)(from_ns / 1000000u),
                     (unsigned long long)(to_ns / 1000000u), orderbook ? "orderbook" : "message",
                     depth);
    if (k < 0 || (size_t)k >= cap)
        return BLANC_ETRUNCATED;
    return k;
}

void blanc__lob_files_free(lob_files *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        blanc_sink_abort(f->f[i].sink);
        free(f->f[i].path);
        free(f->f[i].ob);
    }
    if (f->made_dir && !f->committed)
        rmdir(f->dir);
    free(f->f);
    free(f->dir);
    free(f);
}

int blanc__lob_files_open(lob_files **out, const blanc_lobster_options *o, int *sys, char *path,
                          size_t cap)
{
    *sys = 0;
    lob_files *f = calloc(1, sizeof *f);
    if (!f || !(f->dir = strdup(o->dir)) || !(f->f = calloc(2 * o->n_symbols, sizeof *f->f))) {
        blanc__lob_files_free(f);
        return BLANC_ENOMEM;
    }
    struct stat st;
    if (stat(o->dir, &st) != 0) {
        if (mkdir(o->dir, 0777) != 0) {
            *sys = errno;
            blanc__lob_files_free(f);
            set_path(path, cap, o->dir);
            return BLANC_EOPEN;
        }
        f->made_dir = 1;
    } else if (!S_ISDIR(st.st_mode)) {
        blanc__lob_files_free(f);
        set_path(path, cap, o->dir);
        *sys = ENOTDIR;
        return BLANC_EOPEN;
    }
    for (size_t i = 0; i < 2 * o->n_symbols; i++) {
        char name[256];
        int k = blanc_lobster_file_name(name, sizeof name, o->symbols[i / 2], o->date,
                                        o->from_ns, o->to_ns, o->depth, (int)(i % 2));
        size_t len = strlen(o->dir) + 1 + (k > 0 ? (size_t)k : 0) + 1;
        lob_file *x = &f->f[i];
        if (k < 0) {
            blanc__lob_files_free(f);
            return k;
        }
        if (!(x->path = malloc(len)) || !(x->ob = malloc(sizeof *x->ob))) {
            f->n = i + 1;
            blanc__lob_files_free(f);
            return BLANC_ENOMEM;
        }
        snprintf(x->path, len, "%s/%s", o->dir, name);
        f->n = i + 1;
        int rc = blanc_sink_open(&x->sink, x->path, sys);
        if (rc) {
            set_path(path, cap, x->path);
            x->sink = NULL;
            blanc__lob_files_free(f);
            return rc;
        }
        x->ob->sink = x->sink;
        x->ob->err = 0;
        x->ob->n = 0;
    }
    *out = f;
    return 0;
}

/* Seconds after midnight with 9 decimals: 34200.000000001 */
static void ob_seconds(obuf *o, uint64_t ns)
{
    ob_u64(o, ns / 1000000000u);
    char d[10];
    uint64_t frac = ns % 1000000000u;
    d[0] = '.';
    for (int i = 9; i >= 1; i--) {
        d[i] = (char)('0' + frac % 10);
        frac /= 10;
    }
    ob_put(o, d, 10);
}

void blanc__lob_files_row(lob_files *f, size_t i, const blanc_lobster_row *row, uint32_t depth)
{
    obuf *m = f->f[2 * i].ob, *b = f->f[2 * i + 1].ob;
    ob_seconds(m, row->ts);
    ob_char(m, ',');
    ob_u64(m, (uint64_t)row->type);
    ob_char(m, ',');
    ob_i64(m, row->order_id);
    ob_cu64(m, row->size);
    ob_char(m, ',');
    ob_i64(m, row->price);
    ob_char(m, ',');
    ob_i64(m, row->direction);
    ob_char(m, '\n');
    for (uint32_t k = 0; k < 4 * depth; k++) {
        if (k)
            ob_char(b, ',');
        ob_i64(b, row->book[k]);
    }
    ob_char(b, '\n');
}

int blanc__lob_files_finish(lob_files *f, int *sys, char *path, size_t cap)
{
    *sys = 0;
    for (size_t i = 0; i < f->n; i++) {
        ob_flush(f->f[i].ob);
        if (f->f[i].ob->err) {
            blanc_sink_error(f->f[i].sink, sys);
            set_path(path, cap, f->f[i].path);
            return f->f[i].ob->err;
        }
    }
    return 0;
}

int blanc__lob_files_commit(lob_files *f, int *sys, char *path, size_t cap)
{
    *sys = 0;
    for (size_t i = 0; i < f->n; i++) {
        int rc = blanc_sink_commit_sys(f->f[i].sink, sys);
        f->f[i].sink = NULL;
        if (rc) {
            set_path(path, cap, f->f[i].path);
            return rc;
        }
    }
    f->committed = 1;
    return 0;
}

void blanc__lob_files_unlink(const lob_files *f)
{
    if (!f || f->committed)
        return;
    for (size_t i = 0; i < f->n; i++)
        blanc_sink_unlink_temp(f->f[i].sink);
    if (f->made_dir)
        rmdir(f->dir);
}
