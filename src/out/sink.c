/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Output files that appear whole or not at all: data goes to a temporary file
 * in the target's directory (same filesystem, so rename is atomic) and is
 * renamed onto the target only at commit. ".gz" and ".zst" suffixes compress
 * on the way through; "-" writes to stdout. A target that exists and is not a
 * regular file (a FIFO, /dev/null) is written in place, and a symbolic link
 * is followed to the file it names (sink_target.c says why).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "blanc.h"
#include "out/sink_impl.h"

#define BUF_CAP ((size_t)1 << 20)

struct blanc_sink {
    int fd, is_stdout;
    int in_place; /* a FIFO or device: written where it is, no temp file */
    blanc_compression comp;
    char *path, *tmp; /* path: the target, links followed */
    blanc__temp temp; /* tmp on the list a signal handler removes */
    uint8_t *buf, *zbuf; /* buf: pending input; zbuf: compressor output */
    size_t n;
    z_stream zs;
    int zs_init;
    ZSTD_CCtx *zc;
    int err, sys; /* the first failure (sticky) and the system's errno for it */
    int finished; /* blanc_sink_finish: all written, the file closed */
    blanc_sink_fn fn; /* blanc_sink_open_fn: no file, bytes go to fn at once */
    void *fn_ctx;
};

static int ends_with(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

/* Keep the first failure: later ones are consequences of it. */
static int fail(blanc_sink *s, int err, int sys)
{
    if (!s->err) {
        s->err = err;
        s->sys = sys;
    }
    return s->err;
}

/* A short write is retried, so a full disk shows as -1 with its errno
 * (ENOSPC, EFBIG) rather than as a count nobody can explain. */
static int write_all(blanc_sink *s, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(s->fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return fail(s, BLANC_EIO, errno);
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void sink_free(blanc_sink *s)
{
    if (s->tmp)
        blanc__temp_remove(&s->temp); /* before tmp goes: a handler may read it */
    if (s->zs_init)
        deflateEnd(&s->zs);
    ZSTD_freeCCtx(s->zc);
    free(s->path);
    free(s->tmp);
    free(s->buf);
    free(s->zbuf);
    free(s);
}

/*
 * Temp files are named PATH.tmp-HOST-PID.XXXXXX. A run killed outright
 * (SIGKILL, power loss) cannot remove its own, so the next run that opens
 * the same PATH removes those this host's dead processes left: same host
 * (so a shared folder's other machines are never touched), a PID that no
 * longer runs (kill(pid, 0) says ESRCH). A final name is never partial.
 */
static void host_tag(char *out, size_t cap)
{
    char h[64] = "";
    if (gethostname(h, sizeof h - 1) != 0 || !h[0])
        snprintf(h, sizeof h, "host");
    size_t j = 0;
    for (size_t i = 0; h[i] && j + 1 < cap; i++) {
        unsigned char c = (unsigned char)h[i];
        out[j++] = (char)(isalnum(c) ? c : '_');
    }
    out[j] = 0;
}

static void remove_stale(const char *path, const char *host)
{
    const char *slash = strrchr(path, '/');
    char dir[4096];
    const char *base = slash ? slash + 1 : path;
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path + 1), path);
    else
        snprintf(dir, sizeof dir, ".");
    char prefix[512];
    int pl = snprintf(prefix, sizeof prefix, "%s.tmp-%s-", base, host);
    if (pl <= 0 || (size_t)pl >= sizeof prefix)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, (size_t)pl))
            continue;
        const char *q = e->d_name + pl;
        char *end;
        long pid = strtol(q, &end, 10);
        if (end == q || pid <= 0 || *end != '.' || strlen(end + 1) != 6)
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to judge */
        char full[4600];
        snprintf(full, sizeof full, "%s%s", slash ? dir : "", e->d_name);
        unlink(full);
    }
    closedir(d);
}

void blanc_sink_unlink_temp(const blanc_sink *s)
{
    if (s && s->tmp)
        unlink(s->tmp);
}

/* The target is a FIFO or a device: open it as it is (a FIFO waits here for
 * its reader, as a shell's > does). */
static int open_in_place(blanc_sink *s, int *sys)
{
    s->fd = open(s->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (s->fd < 0) {
        *sys = errno;
        return BLANC_EOPEN;
    }
    return 0;
}

/* PATH.tmp-HOST-PID.XXXXXX beside the target. On the list before mkstemp
 * fills in its name, so no moment has the file made and not listed. */
static int open_temp(blanc_sink *s, int *sys)
{
    char host[64];
    host_tag(host, sizeof host);
    remove_stale(s->path, host);
    size_t cap = strlen(s->path) + strlen(host) + 48;
    if (!(s->tmp = malloc(cap))) {
        *sys = ENOMEM;
        return BLANC_ENOMEM;
    }
    snprintf(s->tmp, cap, "%s.tmp-%s-%ld.XXXXXX", s->path, host, (long)getpid());
    blanc__temp_add(&s->temp, s->tmp);
    s->fd = mkstemp(s->tmp);
    if (s->fd < 0) {
        *sys = errno;
        blanc__temp_remove(&s->temp);
        free(s->tmp);
        s->tmp = NULL;
        return BLANC_EOPEN;
    }
    fchmod(s->fd, 0644); /* mkstemp makes 0600; outputs are ordinary files */
    return 0;
}

int blanc_sink_open(blanc_sink **out, const char *path, int *sys_errno)
{
    if (!out || !path || !*path)
        return BLANC_EINVAL;
    blanc_sink *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    s->fd = -1;
    s->buf = malloc(BUF_CAP);
    s->zbuf = malloc(BUF_CAP);
    if (!s->buf || !s->zbuf) {
        sink_free(s);
        return BLANC_ENOMEM;
    }
    if (!strcmp(path, "-")) {
        s->fd = STDOUT_FILENO;
        s->is_stdout = 1;
    } else {
        s->comp = ends_with(path, ".gz") ? BLANC_COMP_GZIP
                  : ends_with(path, ".zst") ? BLANC_COMP_ZSTD : BLANC_COMP_NONE;
        /* A directory is refused now, not at the rename after the whole run. */
        int sys = 0, rc = blanc__sink_target(path, &s->path, &s->in_place, &sys);
        if (!rc)
            rc = s->in_place ? open_in_place(s, &sys) : open_temp(s, &sys);
        if (rc) {
            if (sys_errno)
                *sys_errno = sys;
            sink_free(s);
            return rc;
        }
    }
    if (s->comp == BLANC_COMP_GZIP) {
        /* windowBits 15 + 16: write a gzip header and trailer. */
        if (deflateInit2(&s->zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            blanc_sink_abort(s);
            return BLANC_ENOMEM;
        }
        s->zs_init = 1;
    } else if (s->comp == BLANC_COMP_ZSTD) {
        s->zc = ZSTD_createCCtx();
        if (!s->zc) {
            blanc_sink_abort(s);
            return BLANC_ENOMEM;
        }
        ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, 3);
    }
    *out = s;
    return 0;
}

/* Memory outputs (the Python binding) take records as they are written: the
 * writers buffer already, so no copy through buf. */
int blanc_sink_open_fn(blanc_sink **out, blanc_sink_fn fn, void *ctx)
{
    if (!out || !fn)
        return BLANC_EINVAL;
    blanc_sink *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    s->fd = -1;
    s->fn = fn;
    s->fn_ctx = ctx;
    *out = s;
    return 0;
}

/* Push buf[0..n) through the compressor (or straight out). `end` finishes
 * the compressed stream. */
static int drain(blanc_sink *s, int end)
{
    int rc = 0;
    if (s->comp == BLANC_COMP_NONE) {
        rc = write_all(s, s->buf, s->n);
    } else if (s->comp == BLANC_COMP_GZIP) {
        s->zs.next_in = s->buf;
        s->zs.avail_in = (uInt)s->n;
        int zr;
        do {
            s->zs.next_out = s->zbuf;
            s->zs.avail_out = (uInt)BUF_CAP;
            zr = deflate(&s->zs, end ? Z_FINISH : Z_NO_FLUSH);
            if (zr == Z_STREAM_ERROR)
                return fail(s, BLANC_EIO, 0);
            rc = write_all(s, s->zbuf, BUF_CAP - s->zs.avail_out);
        } while (!rc && (s->zs.avail_out == 0 || (end && zr != Z_STREAM_END)));
    } else {
        ZSTD_inBuffer in = {s->buf, s->n, 0};
        size_t left;
        do {
            ZSTD_outBuffer o = {s->zbuf, BUF_CAP, 0};
            left = ZSTD_compressStream2(s->zc, &o, &in, end ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(left))
                return fail(s, BLANC_EIO, 0);
            rc = write_all(s, s->zbuf, o.pos);
        } while (!rc && (end ? left != 0 : in.pos < in.size));
    }
    s->n = 0;
    return rc;
}

int blanc_sink_write(blanc_sink *s, const void *p, size_t n)
{
    if (s->err)
        return s->err;
    if (s->finished) /* the stream was ended: refused, but what it holds stays whole */
        return BLANC_EINVAL;
    if (s->fn) {
        int rc = n ? s->fn(s->fn_ctx, p, n) : 0;
        return rc ? fail(s, rc < 0 ? rc : BLANC_EIO, 0) : 0;
    }
    const uint8_t *b = p;
    while (n) {
        size_t k = BUF_CAP - s->n < n ? BUF_CAP - s->n : n;
        memcpy(s->buf + s->n, b, k);
        s->n += k;
        b += k;
        n -= k;
        if (s->n == BUF_CAP) {
            int rc = drain(s, 0);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int blanc_sink_error(const blanc_sink *s, int *sys_errno)
{
    if (sys_errno)
        *sys_errno = s ? s->sys : 0;
    return s ? s->err : BLANC_EINVAL;
}

int blanc_sink_finish(blanc_sink *s, int *sys_errno)
{
    if (sys_errno)
        *sys_errno = 0;
    if (!s)
        return BLANC_EINVAL;
    if (!s->finished) {
        s->finished = 1;
        if (!s->err && !s->fn)
            drain(s, 1);
        if (!s->is_stdout && !s->fn) {
            if (close(s->fd) != 0)
                fail(s, BLANC_EIO, errno);
            s->fd = -1;
        }
    }
    return blanc_sink_error(s, sys_errno);
}

int blanc_sink_commit_sys(blanc_sink *s, int *sys_errno)
{
    if (sys_errno)
        *sys_errno = 0;
    if (!s)
        return BLANC_EINVAL;
    blanc_sink_finish(s, NULL);
    if (s->is_stdout || s->fn) {
        int rc = blanc_sink_error(s, sys_errno);
        sink_free(s);
        return rc;
    }
    if (!s->err && s->tmp && rename(s->tmp, s->path) != 0)
        fail(s, BLANC_EIO, errno);
    int rc = blanc_sink_error(s, sys_errno);
    if (rc && s->tmp)
        unlink(s->tmp);
    sink_free(s);
    return rc;
}

int blanc_sink_commit(blanc_sink *s) { return blanc_sink_commit_sys(s, NULL); }

void blanc_sink_abort(blanc_sink *s)
{
    if (!s)
        return;
    if (!s->is_stdout && !s->fn) {
        if (s->fd >= 0)
            close(s->fd);
        if (s->tmp) /* what went in place cannot be taken back */
            unlink(s->tmp);
    }
    sink_free(s);
}
