/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * How the CLI says that a file could not be opened, read or written: one
 * message shape, "blanc: PATH: <what failed>: <the system's reason>", for
 * every input and output, so a full disk names the output it filled and
 * never the input that was being read at the time.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_file_error(const char *path, int rc, int sys_errno)
{
    if (sys_errno)
        cli_error("%s: %s: %s", path, blanc_strerror(rc), strerror(sys_errno));
    else
        cli_error("%s: %s", path, blanc_strerror(rc));
}

void cli_sink_error(const char *path, int rc, const blanc_sink *s)
{
    int sys = 0, own = s ? blanc_sink_error(s, &sys) : 0;
    cli_file_error(path, own ? own : rc, own ? sys : 0);
}

int cli_sink_commit(const char *path, blanc_sink *s)
{
    int sys = 0, rc = blanc_sink_commit_sys(s, &sys);
    if (rc)
        cli_file_error(path, rc, sys);
    return rc;
}

int cli_write_all(size_t n, const char *const path[], const char *const buf[],
                  const size_t len[])
{
    blanc_sink *s[4] = {NULL, NULL, NULL, NULL};
    int rc = n <= 4 ? CLI_OK : CLI_USAGE, sys = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        int e = buf[i] ? blanc_sink_open(&s[i], path[i], &sys) : BLANC_ENOMEM;
        if (e) {
            cli_file_error(path[i], e, sys);
            rc = CLI_USAGE;
        } else if ((e = blanc_sink_write(s[i], buf[i], len[i])) ||
                   (e = blanc_sink_finish(s[i], &sys))) {
            cli_sink_error(path[i], e, s[i]);
            rc = CLI_USAGE;
        }
    }
    cli_interrupt_hold();
    for (size_t i = 0; i < n && i < 4; i++) {
        if (rc)
            blanc_sink_abort(s[i]);
        else if (cli_sink_commit(path[i], s[i]))
            rc = CLI_USAGE; /* the ones after it are aborted */
    }
    cli_interrupt_release();
    return rc;
}

int cli_write_atomic(const char *path, const char *buf, size_t n)
{
    return cli_write_all(1, &path, &buf, &n);
}

void cli_remove_output(const char *path)
{
    char real[PATH_MAX];
    struct stat st;
    if (realpath(path, real) && stat(real, &st) == 0 && S_ISREG(st.st_mode))
        unlink(real);
}
