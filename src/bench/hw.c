/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The hardware and build report every benchmark artifact carries: a number
 * without the machine and the build that produced it cannot be compared.
 * Read from /proc and /sys (Linux); a field that cannot be read says so.
 */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "blanc.h"

#ifndef BLANC_GIT_SHA
#define BLANC_GIT_SHA "unknown"
#endif
#ifndef BLANC_BUILD_TYPE
#define BLANC_BUILD_TYPE "unknown"
#endif
#ifndef BLANC_C_FLAGS
#define BLANC_C_FLAGS "unknown"
#endif

static void trim(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = 0;
}

static void copy(char *dst, size_t cap, const char *s)
{
    snprintf(dst, cap, "%s", s);
    trim(dst);
}

/* The first line of a small file, or "" */
static void read_line(const char *path, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    if (fgets(out, (int)cap, f))
        trim(out);
    fclose(f);
}

/* The value of "key : value" in /proc/cpuinfo (first processor). */
static void cpuinfo(const char *key, char *out, size_t cap)
{
    out[0] = 0;
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    size_t k = strlen(key);
    while (fgets(line, sizeof line, f)) {
        char *colon = strchr(line, ':');
        if (!strncmp(line, key, k) && colon && (line[k] == ' ' || line[k] == '\t' || line[k] == ':')) {
            copy(out, cap, colon + 1 + (colon[1] == ' '));
            break;
        }
    }
    fclose(f);
}

static unsigned physical_cores(unsigned logical)
{
    /* Distinct (package, core) pairs; bounded by the logical count. */
    unsigned seen[1024][2], n = 0;
    for (unsigned cpu = 0; cpu < logical && cpu < 1024; cpu++) {
        char p[128], v[32];
        unsigned pkg = 0, core = 0;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%u/topology/physical_package_id", cpu);
        read_line(p, v, sizeof v);
        sscanf(v, "%u", &pkg);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu%u/topology/core_id", cpu);
        read_line(p, v, sizeof v);
        if (sscanf(v, "%u", &core) != 1)
            return 0;
        unsigned i = 0;
        while (i < n && !(seen[i][0] == pkg && seen[i][1] == core))
            i++;
        if (i == n) {
            seen[n][0] = pkg;
            seen[n++][1] = core;
        }
    }
    return n;
}

static void caches(char *out, size_t cap)
{
    out[0] = 0;
    for (int i = 0; i < 8; i++) {
        char p[128], level[8], type[32], size[32];
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        read_line(p, level, sizeof level);
        if (!level[0])
            break;
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        read_line(p, type, sizeof type);
        snprintf(p, sizeof p, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        read_line(p, size, sizeof size);
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "%sL%s%s %s", n ? ", " : "", level,
                 !strcmp(type, "Data") ? "d" : !strcmp(type, "Instruction") ? "i" : "", size);
    }
}

void blanc_hw_report_get(blanc_hw_report *r)
{
    memset(r, 0, sizeof *r);
    cpuinfo("model name", r->cpu_model, sizeof r->cpu_model);
    char mhz[32];
    cpuinfo("cpu MHz", mhz, sizeof mhz);
    sscanf(mhz, "%lf", &r->cpu_mhz);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    r->logical_cpus = n > 0 ? (unsigned)n : 0;
    r->physical_cores = physical_cores(r->logical_cpus);
    caches(r->caches, sizeof r->caches);
    read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", r->governor,
              sizeof r->governor);
    if (!r->governor[0])
        copy(r->governor, sizeof r->governor, "none (no cpufreq)");
    struct utsname u;
    if (uname(&u) == 0)
        snprintf(r->kernel, sizeof r->kernel, "%s %s %s", u.sysname, u.release, u.machine);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    r->mem_bytes = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
#if defined(__clang__)
    snprintf(r->compiler, sizeof r->compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(r->compiler, sizeof r->compiler, "gcc %s", __VERSION__);
#else
    copy(r->compiler, sizeof r->compiler, "unknown");
#endif
    copy(r->cflags, sizeof r->cflags, BLANC_C_FLAGS);
    copy(r->build_type, sizeof r->build_type, BLANC_BUILD_TYPE);
    copy(r->git_sha, sizeof r->git_sha, BLANC_GIT_SHA);
    copy(r->version, sizeof r->version, BLANC_VERSION_STRING);
}
