/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Byte sources. Three shapes share one window contract (blanc.h):
 *   - a regular uncompressed file is mmap'd and handed out in growing slices,
 *     with the consumed part dropped behind us (MADV_DONTNEED) so resident
 *     memory stays bounded on files larger than RAM;
 *   - caller memory is handed out the same way without the mmap;
 *   - everything else (gzip, zstd, pipes, stdin) streams through one bounded
 *     buffer: unconsumed bytes (a partial frame) move to the front, the rest is
 *     refilled by the decoder (inflate_stream.c: read(), zlib or ISA-L,
 *     libzstd). A compressed regular file is decoded on a producer thread
 *     (inflate_thread.c) that the window refills from; BLANC_INFLATE_THREAD=0
 *     decodes inline instead and BLANC_INFLATE=zlib turns ISA-L off (both for
 *     measuring: the bytes and every result are the same either way).
 * The compression is chosen by the first bytes of content, never by the name.
 * The XXH3 input digest is updated as bytes are consumed, once each, so at
 * any moment it names exactly the prefix [0, offset): that is what lets a
 * snapshot say which input it was taken from and a resume check it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>
#if BLANC_HAVE_XXH_DISPATCH
#include <xxh_x86dispatch.h> /* the same XXH3, with AVX2 where the CPU has it */
#define XXH3_UPDATE XXH3_64bits_update_dispatch
#else
#define XXH3_UPDATE XXH3_64bits_update
#endif

#include "blanc.h"
#include "common/bytes.h"
#include "feed/inflate.h"
#include "feed/map_pager.h"

#define MAP_SLICE ((size_t)4 << 20)    /* bytes handed out per next() on a map */
#define DROP_BEHIND ((size_t)8 << 20)  /* release consumed map pages in steps */
#define OUT_CAP ((size_t)4 << 20)      /* stream window: >> the largest frame */
#define PAGER_MIN ((size_t)16 << 20)   /* a map this large gets a pager thread */
#define PAGER_AHEAD (2 * MAP_SLICE)    /* which maps this far past the reader */

enum kind { K_MAP, K_MEM, K_STREAM };

struct blanc_source {
    enum kind kind;
    blanc_compression comp;
    int fd, own_fd, hashing;
    /* map and mem */
    const uint8_t *base;
    size_t size, shown, dropped;
    blanc__pager *pager; /* map: the page work on its own thread, or NULL */
    size_t pager_ahead;  /* asked to map up to here */
    int pager_wanted;    /* map: start the pager once the reader is a slice in */
    int pager_hashes;    /* the pager keeps the input digest (map_pager.h) */
    unsigned helpers;    /* BLANC_HELPER_* of the threads started */
    /* window [start, end) of buf (stream) or of base (map/mem) */
    uint8_t *buf;
    size_t start, end;
    uint64_t consumed;
    /* stream: the decoder, inline or behind its thread (ring set) */
    blanc__inflate *dec;
    blanc__ring *ring;
    /* The decoded stream has ended (0) or failed (< 0); 1 while it may grow.
     * Kept so that a full window is never mistaken for the end of input. */
    int out_state;
    XXH3_state_t *xxh;
};

static void hash_bytes(blanc_source *s, const uint8_t *p, size_t n)
{
    if (s->hashing && n)
        XXH3_UPDATE(s->xxh, p, n);
}

/* The pager's hash: the same state, fed from the pager's thread while the
 * reading thread does not touch it (map_pager.c's order). */
static void pager_hash(void *ctx, const uint8_t *p, size_t n)
{
    XXH3_UPDATE(((blanc_source *)ctx)->xxh, p, n);
}

/* The bytes the pager has not hashed, [hashed, start), hashed on the reading
 * thread (dropped pages read back in from the page cache: the mapping holds
 * the file's bytes either way). Only while the pager hashes nothing. */
static void hash_rest(const blanc_source *s, size_t hashed)
{
    if (hashed < s->start)
        XXH3_UPDATE(s->xxh, s->base + hashed, s->start - hashed);
}

/* The pager stopped, or hashing handed back to the reading thread. */
static void hash_back(blanc_source *s, size_t hashed)
{
    if (s->pager_hashes)
        hash_rest(s, hashed);
    s->pager_hashes = 0;
}

static int source_alloc(blanc_source **out)
{
    blanc_source *s = calloc(1, sizeof *s);
    if (!s)
        return BLANC_ENOMEM;
    s->fd = -1;
    s->hashing = 1;
    s->out_state = 1;
    s->xxh = XXH3_createState();
    if (!s->xxh) {
        free(s);
        return BLANC_ENOMEM;
    }
    XXH3_64bits_reset(s->xxh);
    *out = s;
    return 0;
}

static int env_is(const char *name, const char *value)
{
    const char *e = getenv(name);
    return e && !strcmp(e, value);
}

static int stream_setup(blanc_source *s, int regular)
{
    s->buf = malloc(OUT_CAP);
    if (!s->buf)
        return BLANC_ENOMEM;
    int engine = env_is("BLANC_INFLATE", "zlib") ? BLANC__GZ_ZLIB : BLANC__GZ_AUTO;
    int rc = blanc__inflate_open(&s->dec, s->fd, regular, engine);
    if (rc)
        return rc;
    s->comp = blanc__inflate_comp(s->dec);
    /* A pipe stays inline: its producer could block in read() past a stop. */
    if (regular && s->comp != BLANC_COMP_NONE && !env_is("BLANC_INFLATE_THREAD", "0")) {
        if (!(rc = blanc__ring_start(&s->ring, s->dec)))
            s->helpers |= BLANC_HELPER_INFLATE;
        if (rc)
            return rc;
        s->dec = NULL; /* the ring owns it */
    }
    return 0;
}

int blanc_source_open_mem(blanc_source **out, const void *data, size_t len)
{
    blanc_source *s;
    int rc = source_alloc(&s);
    if (rc)
        return rc;
    s->kind = K_MEM;
    s->base = data;
    s->size = len;
    *out = s;
    return 0;
}

int blanc_source_open(blanc_source **out, const char *path, int *sys_errno)
{
    if (!out || !path)
        return BLANC_EINVAL;
    blanc_source *s;
    int rc = source_alloc(&s);
    if (rc)
        return rc;
    if (!strcmp(path, "-")) {
        s->fd = STDIN_FILENO;
    } else {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0) {
            if (sys_errno)
                *sys_errno = errno;
            blanc_source_close(s);
            return BLANC_EOPEN;
        }
        s->own_fd = 1;
    }
    struct stat st;
    if (fstat(s->fd, &st) != 0) {
        if (sys_errno)
            *sys_errno = errno;
        blanc_source_close(s);
        return BLANC_EIO;
    }
    if (S_ISDIR(st.st_mode)) {
        blanc_source_close(s);
        return BLANC_EISDIR;
    }
    int regular = S_ISREG(st.st_mode);
    if (regular) {
        uint8_t magic[4];
        ssize_t m = pread(s->fd, magic, sizeof magic, 0);
        if (m < 0) {
            if (sys_errno)
                *sys_errno = errno;
            blanc_source_close(s);
            return BLANC_EIO;
        }
        if (blanc__sniff_compression(magic, (size_t)m) == BLANC_COMP_NONE) {
            s->kind = K_MAP;
            s->size = (size_t)st.st_size;
            if (s->size) {
                void *p = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, s->fd, 0);
                if (p == MAP_FAILED) {
                    if (sys_errno)
                        *sys_errno = errno;
                    blanc_source_close(s);
                    return BLANC_EIO;
                }
                madvise(p, s->size, MADV_SEQUENTIAL);
                s->base = p;
                s->pager_wanted = s->size >= PAGER_MIN && !env_is("BLANC_MAP_THREAD", "0");
            }
            *out = s;
            return 0;
        }
    }
    s->kind = K_STREAM;
    rc = stream_setup(s, regular);
    if (rc) {
        blanc_source_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Decode into buf[end..cap): bytes made, 0 at the clean end, or an error. */
static long produce(blanc_source *s)
{
    uint8_t *dst = s->buf + s->end;
    size_t room = OUT_CAP - s->end;
    return s->ring ? blanc__ring_produce(s->ring, dst, room) : blanc__inflate_produce(s->dec, dst, room);
}

int blanc_source_next(blanc_source *s, const uint8_t **p, size_t *n)
{
    int grew = 0;
    if (s->kind != K_STREAM) {
        if (s->shown < s->size) {
            size_t add = s->size - s->shown < MAP_SLICE ? s->size - s->shown : MAP_SLICE;
            s->shown += add;
            grew = 1;
        }
        /* An empty file has no mapping: NULL + 0 would be undefined. */
        *p = s->base ? s->base + s->start : (const uint8_t *)"";
        *n = s->shown - s->start;
        return grew;
    }
    /* Move the unconsumed bytes to the front only once half the window is
     * consumed (or all of it): a caller that consumes a few bytes per call
     * (libpcap through capture.c's cookie reads 16-byte record headers) would
     * otherwise move the whole 4 MiB window each time. The window still holds
     * at least OUT_CAP / 2 bytes whenever it cannot grow, >> any frame. */
    if (s->start && (s->start >= OUT_CAP / 2 || s->start == s->end)) {
        memmove(s->buf, s->buf + s->start, s->end - s->start);
        s->end -= s->start;
        s->start = 0;
    }
    /* A failed produce() after some output is reported on the next call, so
     * the bytes before the damage are always handed out first. */
    while (s->end < OUT_CAP && s->out_state > 0) {
        long r = produce(s);
        if (r <= 0) {
            s->out_state = (int)r;
            break;
        }
        s->end += (size_t)r;
        grew = 1;
    }
    *p = s->buf + s->start;
    *n = s->end - s->start;
    /* A window that is full but did not grow (the caller paused before
     * consuming anything) is not the end: the input may go on. */
    if (grew || s->out_state > 0)
        return 1;
    return s->out_state;
}

void blanc_source_consume(blanc_source *s, size_t n)
{
    if (n && !s->pager_hashes) /* not NULL + 0 on an empty file */
        hash_bytes(s, (s->kind == K_STREAM ? s->buf : s->base) + s->start, n);
    s->start += n;
    s->consumed += n;
    if (blanc_unlikely(s->pager_wanted) && s->start >= MAP_SLICE) {
        /* Started once the run is under way, not at open (where a feed's
         * sniffing reads the first bytes): the caller may say before it that
         * it keeps every core busy (blanc__source_no_pager). */
        s->pager_wanted = 0;
        /* The digest goes with it: XXH3 over 3.3x the bytes was 7 % of a
         * capture's replay on one thread (docs/PERFORMANCE.md, eighth
         * session), and the pager touches every byte anyway. */
        s->pager = blanc__pager_start(s->base, s->size, s->hashing ? pager_hash : NULL, s,
                                      s->start);
        s->pager_hashes = s->pager && s->hashing;
        s->helpers |= s->pager ? BLANC_HELPER_PAGER : 0;
        if (s->pager)
            blanc__pager_ahead(s->pager, s->pager_ahead = s->start + PAGER_AHEAD);
    }
    if (s->pager && s->start + PAGER_AHEAD >= s->pager_ahead + MAP_SLICE)
        blanc__pager_ahead(s->pager, s->pager_ahead = s->start + PAGER_AHEAD);
    if (s->kind == K_MAP && s->start - s->dropped >= DROP_BEHIND) {
        /* Pages behind us will not be read again: give them back now rather
         * than letting a day's file fill the resident set. */
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t upto = s->start / page * page;
        if (s->pager)
            blanc__pager_behind(s->pager, upto);
        else
            madvise((void *)(uintptr_t)(s->base + s->dropped), upto - s->dropped, MADV_DONTNEED);
        s->dropped = upto;
    }
}

int blanc_source_drain(blanc_source *s)
{
    for (;;) {
        const uint8_t *p;
        size_t n;
        int rc = blanc_source_next(s, &p, &n);
        blanc_source_consume(s, n);
        if (rc <= 0)
            return rc;
    }
}

int blanc_source_skip(blanc_source *s, uint64_t n)
{
    while (n) {
        const uint8_t *p;
        size_t avail;
        int rc = blanc_source_next(s, &p, &avail);
        size_t take = avail < n ? avail : (size_t)n;
        blanc_source_consume(s, take);
        n -= take;
        if (!n)
            return 0;
        if (rc < 0)
            return rc;
        if (rc == 0)
            return BLANC_ETRUNCATED;
    }
    return 0;
}

/* With the pager hashing: the bytes it has not hashed yet are hashed here,
 * after it has finished what it was given, and it goes on after them. The
 * state changes, not what it says: logically const. */
uint64_t blanc_source_digest(const blanc_source *s)
{
    if (s->pager_hashes) {
        hash_rest(s, blanc__pager_sync(s->pager));
        blanc__pager_set_hashed(s->pager, s->start);
    }
    return XXH3_64bits_digest(s->xxh);
}

void blanc_source_set_hashing(blanc_source *s, int on)
{
    if (!on && s->pager_hashes) {
        /* What was consumed while hashing was on stays in the digest. */
        hash_back(s, blanc__pager_sync(s->pager));
        blanc__pager_set_hashed(s->pager, SIZE_MAX);
    }
    s->hashing = on;
}

blanc_compression blanc_source_compression(const blanc_source *s) { return s->comp; }

uint64_t blanc_source_offset(const blanc_source *s) { return s->consumed; }

int blanc_source_mapped_offset(const blanc_source *s, const void *addr, uint64_t *off)
{
    if (!s || s->kind != K_MAP || !s->base)
        return 0;
    uintptr_t a = (uintptr_t)addr, b = (uintptr_t)s->base;
    if (a < b || a - b >= s->size)
        return 0;
    if (off)
        *off = (uint64_t)(a - b);
    return 1;
}

int blanc_source_size(const blanc_source *s, uint64_t *size)
{
    if (s->kind == K_STREAM)
        return 0;
    *size = s->size;
    return 1;
}

uint64_t blanc_source_available(const blanc_source *s)
{
    size_t window = s->kind == K_STREAM ? s->end - s->start : s->shown - s->start;
    return s->consumed + window;
}

uint64_t blanc_source_raw_bytes(const blanc_source *s)
{
    if (s->kind != K_STREAM)
        return s->shown;
    return s->ring ? blanc__ring_raw(s->ring) : blanc__inflate_raw(s->dec);
}

unsigned blanc_source_helpers(const blanc_source *s)
{
    return s->helpers;
}

int blanc__source_spare_map(const blanc_source *s, const uint8_t **base, size_t *size)
{
    if (s->kind != K_MAP || env_is("BLANC_CAPTURE_THREAD", "0"))
        return -1;
    if (!s->pager)
        return s->pager_wanted ? 0 : -1;
    *base = s->base;
    *size = s->size;
    return 1;
}

void blanc__source_no_pager(blanc_source *s)
{
    if (!s)
        return;
    s->pager_wanted = 0;
    hash_back(s, blanc__pager_stop(s->pager));
    s->pager = NULL;
}

void blanc_source_close(blanc_source *s)
{
    if (!s)
        return;
    (void)blanc__pager_stop(s->pager); /* the digest is not read again */
    if (s->kind == K_MAP && s->base)
        munmap((void *)(uintptr_t)s->base, s->size);
    blanc__ring_stop(s->ring);
    blanc__inflate_close(s->dec);
    if (s->own_fd)
        close(s->fd);
    XXH3_freeState(s->xxh);
    free(s->buf);
    free(s);
}
