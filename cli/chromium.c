/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * HTML to PDF through headless Chromium's print (cli.h, cli_html_to_pdf).
 * A browser prints what the customer's browser shows, plots included; no
 * PDF library of our own to keep in step with the HTML. Chromium runs in a
 * throwaway profile, with a time limit, writing a temporary file that is
 * renamed onto the target only once it is a PDF: a failed or killed print
 * leaves no half-written report.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

enum { PRINT_TIMEOUT_S = 120 };

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* The first of $BLANC_CHROMIUM, chromium, chromium-browser, google-chrome on PATH. */
static int find_chromium(char *out, size_t cap)
{
    const char *env = getenv("BLANC_CHROMIUM");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return access(out, X_OK);
    }
    static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
    const char *path = getenv("PATH");
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        for (const char *p = path ? path : "/usr/bin"; *p;) {
            size_t len = strcspn(p, ":");
            snprintf(out, cap, "%.*s/%s", (int)len, p, names[k]);
            if (len && !access(out, X_OK))
                return 0;
            p += len + (p[len] == ':');
        }
    }
    return -1;
}

static int is_pdf(const char *path)
{
    char head[5] = {0};
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return n == sizeof head && !memcmp(head, "%PDF-", 5);
}

/* The last non-blank line of the browser's output, for the error. */
static void last_line(const char *log, char *out, size_t cap)
{
    char line[512];
    FILE *f = fopen(log, "r");
    snprintf(out, cap, "no output");
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line)
            snprintf(out, cap, "%s", line);
    }
    if (f)
        fclose(f);
}

enum { INTERRUPTED = -2 };

/* fd, moved to 3 or above: a blanc started with 0, 1 or 2 closed gets them
 * from open() here, and the dup2 calls onto 0, 1 and 2 would then close the
 * very file they copy (the browser's log lost, its output on /dev/null). */
static int above_stdio(int fd, int cloexec)
{
    if (fd < 0 || fd > 2)
        return fd;
    int moved = fcntl(fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, 3);
    close(fd);
    return moved;
}

/* The browser's side of the fork, up to its exec: async-signal-safe calls
 * only. A step that fails sends its errno up `report` (close-on-exec: the
 * parent reads nothing once the exec is done), for "failed to start". Until
 * the exec (which resets the handlers) blanc's signal hold is on, so a
 * signal here is only recorded, in this copy, and the child goes on to exec
 * or exit; the parent gets its own. */
static void exec_child(char *const argv[], const char *log, pid_t parent, int report)
{
    report = above_stdio(report, 1);
    setpgid(0, 0);
#ifdef __linux__
    /* blanc stops the browser on every way out but one: SIGKILL (or the OOM
     * killer) ends blanc with no chance to, and the browser would run on for
     * as long as it liked. The kernel sends this child SIGKILL when the
     * thread that forked it ends: cli_html_to_pdf runs on the main thread,
     * which lives as long as blanc does. If blanc died before this line, the
     * child was already handed to another parent and no signal will come. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127); /* no one is left to read the report */
#else
    (void)parent;
#endif
    int out = above_stdio(open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
    int in = above_stdio(open("/dev/null", O_RDONLY), 0);
    if (out >= 0 && in >= 0 && dup2(in, 0) >= 0 && dup2(out, 1) >= 0 && dup2(out, 2) >= 0) {
        close(out);
        close(in);
        execve(argv[0], argv, environ);
    }
    int err = errno;
    ssize_t sent = write(report, &err, sizeof err);
    (void)sent; /* if it is lost, the exit status still says the browser failed */
    _exit(127);
}

/* 0 once the child has exec'd, -1 if it reported a failure first. */
static int started(int report)
{
    int err;
    ssize_t n;
    while ((n = read(report, &err, sizeof err)) < 0 && errno == EINTR)
        ; /* a held signal: the child's next step is its exec or its exit */
    close(report);
    return n > 0 ? -1 : 0;
}

/* Run argv with stdout and stderr into log; its exit status, -1 when it
 * could not start or ran past the limit, INTERRUPTED when a signal came
 * (cli_interrupt_hold is on: the caller undoes the print, then the signal
 * ends blanc). Chromium runs in a process group of its own, so that all of
 * its processes are stopped with it (the renderer and the GPU process would
 * go on writing into the profile and the PDF after blanc ended); a Ctrl-C at
 * the terminal reaches it through blanc. If blanc is killed outright, only
 * the browser process gets the kernel's SIGKILL (exec_child), not its group:
 * that is enough, as Chromium's other processes (renderer, GPU, zygote) hold
 * IPC channels to the browser and end when it does; the group is all that is
 * left to stop by hand if one ever hung instead. */
static int run_bounded(char *const argv[], const char *log)
{
    int report[2];
    if (pipe2(report, O_CLOEXEC))
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(report[0]);
        exec_child(argv, log, parent, report[1]);
    }
    close(report[1]);
    if (pid < 0) {
        close(report[0]);
        return -1;
    }
    /* The child does it too: whichever is first, the group exists before
     * kill(-pid) below can be reached (EACCES once the child has exec'd). */
    setpgid(pid, pid);
    if (started(report[0])) {
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        return -1;
    }
    struct timespec tick = {0, 50 * 1000 * 1000};
    int result = -1;
    for (int waited = 0; waited < PRINT_TIMEOUT_S * 20; waited++) {
        int status;
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) {
            kill(-pid, SIGKILL); /* any of its processes left behind */
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        }
        if (w < 0 && errno != EINTR)
            return -1;
        if (cli_interrupt_pending()) {
            result = INTERRUPTED;
            break;
        }
        nanosleep(&tick, NULL); /* a held signal cuts it short */
    }
    kill(-pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    return result;
}

int cli_html_to_pdf(const char *html, const char *pdf, char *part_out, size_t cap)
{
    char chrome[PATH_MAX], abs[PATH_MAX];
    if (find_chromium(chrome, sizeof chrome)) {
        cli_error("%s: printing to PDF needs headless Chromium (Debian package chromium); none "
                  "found on PATH (or $BLANC_CHROMIUM is not executable)",
                  pdf);
        return CLI_USAGE;
    }
    if (!realpath(html, abs)) {
        cli_error("%s: cannot resolve: %s", html, strerror(errno));
        return CLI_USAGE;
    }
    const char *tmpdir = getenv("TMPDIR");
    char profile[PATH_MAX], log[PATH_MAX + 16], part[PATH_MAX + 16];
    snprintf(profile, sizeof profile, "%s/blanc-chromium-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
    snprintf(part, sizeof part, "%s.XXXXXX", pdf);
    if (!mkdtemp(profile)) {
        cli_error("%s: cannot create a temporary folder: %s", profile, strerror(errno));
        return CLI_USAGE;
    }
    int fd = mkstemp(part);
    if (fd < 0) {
        cli_error("%s: cannot create a temporary file beside it: %s", pdf, strerror(errno));
        rmdir(profile);
        return CLI_USAGE;
    }
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask); /* as any file the CLI writes, not mkstemp's 0600 */
    close(fd);
    snprintf(log, sizeof log, "%s/print.log", profile);
    char a_profile[PATH_MAX + 32], a_out[PATH_MAX + 32], a_url[PATH_MAX + 16];
    snprintf(a_profile, sizeof a_profile, "--user-data-dir=%s", profile);
    snprintf(a_out, sizeof a_out, "--print-to-pdf=%s", part);
    snprintf(a_url, sizeof a_url, "file://%s", abs);
    char *argv[] = {chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--no-pdf-header-footer", a_profile, a_out, a_url, NULL};
    int status = run_bounded(argv, log);
    int rc = CLI_OK;
    if (status == INTERRUPTED) {
        remove(part); /* no message: the signal ends blanc as the caller returns */
        rc = CLI_USAGE;
    } else if (status != 0 || !is_pdf(part)) {
        char why[512];
        last_line(log, why, sizeof why);
        cli_error("%s: %s did not print a PDF (%s): %s", pdf, chrome,
                  status < 0 ? "it failed to start or ran past 120 s"
                  : status   ? "non-zero exit"
                             : "no PDF written",
                  why);
        remove(part);
        rc = CLI_USAGE;
    } else if ((size_t)snprintf(part_out, cap, "%s", part) >= cap) {
        cli_error("%s: path too long", part);
        remove(part);
        rc = CLI_USAGE;
    }
    nftw(profile, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
