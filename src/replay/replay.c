/*
 * The replay driver: source windows -> frames -> decoded events -> books.
 *
 * The loop is written for the common case: a window holds many whole frames,
 * each valid, each an add, delete or execute. Everything unusual (damaged
 * frames, anomalies, the end of input) leaves the loop through an unlikely
 * branch into record_anomaly(), so the hot path stays a straight line:
 * read length, check it against the type table, decode, apply, count.
 */
#include <stdlib.h>
#include <string.h>

#include "blanc.h"
#include "common/bytes.h"
#include "book/prefetch.h"
#include "feed/itch_decode.h"
#include "feed/itch_sniff.h"
#include "feed/itch_types.h"
#include "health/health.h"
#include "health/image.h"
#include "replay/replay.h"

blanc_replay *blanc_replay_create(const blanc_replay_options *opts)
{
    blanc_replay *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (opts)
        r->opts = *opts;
    r->books = blanc_books_create(r->opts.expected_orders);
    if (!r->books) {
        free(r);
        return NULL;
    }
    return r;
}

void blanc_replay_free(blanc_replay *r)
{
    if (!r)
        return;
    blanc_books_free(r->books);
    health_image_free(r->snap_health);
    free(r->snap_health);
    free(r);
}

/* Returns nonzero if the replay must stop (strict mode). */
static int record_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset, uint64_t index)
{
    blanc_anomaly_stat *s = &r->st.anomalies[a];
    r->anomalies |= 1u << a;
    if (s->count++ == 0) {
        s->first_offset = offset;
        s->first_index = index;
    }
    r->st.anomalies_total++;
    if (r->opts.strict) {
        r->stop = 1;
        r->st.stop_error = BLANC_ESTRICT;
        return 1;
    }
    return 0;
}

static blanc_anomaly anomaly_of(int rc)
{
    switch (rc) {
    case BLANC_EUNKNOWNREF: return BLANC_AN_UNKNOWN_REF;
    case BLANC_EDUPREF: return BLANC_AN_DUP_REF;
    case BLANC_EOVERFILL: return BLANC_AN_OVERFILL;
    case BLANC_ENODIR: return BLANC_AN_NO_DIRECTORY;
    case BLANC_EBADFIELD: return BLANC_AN_BAD_FIELD;
    case BLANC_EDIRCONFLICT: return BLANC_AN_DIR_CONFLICT;
    default: return BLANC_AN_COUNT;
    }
}

static int would_overfill(const blanc_books *b, const blanc_event *ev)
{
    blanc_order o;
    return blanc_books_order(b, ev->locate, ev->ref, &o) == 0 && ev->shares > o.shares;
}

static int hook_failed(blanc_replay *r, int err)
{
    r->stop = 1;
    r->st.stop_error = err;
    return err;
}

/* Whether to pause before the message m[0..len): the limit is reached. */
static int pause_here(blanc_replay *r, const uint8_t *m, size_t len)
{
    if (r->st.messages >= r->until_index)
        return r->paused = r->stop = 1;
    /* Only a message long enough to carry a timestamp can be past the limit. */
    if (r->until_ts != UINT64_MAX && len >= 11 && blanc_be48(m + 5) > r->until_ts)
        return r->paused = r->stop = 1;
    return 0;
}

/* Show observation `index` to the health tracker with the anomalies recorded
 * for it: a decoded message (ev), a frame that did not decode (ev NULL,
 * message 1) or an end-of-input anomaly (message 0). A journal that cannot be
 * written stops the replay. */
static void observe(blanc_replay *r, uint64_t index, const blanc_event *ev, int message)
{
    health_obs o = {0, r->anomalies, 0, 0, (uint8_t)message, 0};
    r->anomalies = 0;
    if (ev) {
        o.decoded = 1;
        o.ts = ev->timestamp;
        o.locate = ev->locate;
        if (ev->type == 'S')
            o.sys_code = (uint8_t)ev->u.event_code;
    }
    int rc = health_observe(r->health, index, &o);
    if (blanc_unlikely(rc < 0) && !r->st.stop_error) {
        r->stop = 1;
        r->st.stop_error = rc;
    }
}

/* An anomaly past the last message (truncated, zero_length, stream_cut). */
static void record_end_anomaly(blanc_replay *r, blanc_anomaly a, uint64_t offset)
{
    record_anomaly(r, a, offset, r->st.messages);
    if (r->health)
        observe(r, r->st.messages, NULL, 0);
}

/* One framed message. The length has been framed but not yet checked. */
static inline int handle(blanc_replay *r, const uint8_t *m, size_t len, uint64_t offset)
{
    uint64_t index = r->st.messages++;
    uint8_t t = m[0];
    if (blanc_unlikely(blanc__itch_len[t] != len)) {
        blanc_anomaly a = blanc__itch_len[t] ? BLANC_AN_BAD_LENGTH : BLANC_AN_UNKNOWN_TYPE;
        record_anomaly(r, a, offset, index);
        if (r->health)
            observe(r, index, NULL, 1);
        return a == BLANC_AN_BAD_LENGTH ? BLANC_EBADLEN : BLANC_EUNKNOWNTYPE;
    }
    blanc_event *ev = &r->ev;
    blanc__itch_fill(m, ev);
    r->st.by_type[blanc__itch_index1[t] - 1]++;
    if (blanc_unlikely(ev->timestamp < r->last_ts) && r->have_ts) {
        if (record_anomaly(r, BLANC_AN_TIME_BACKWARDS, offset, index)) {
            r->last_ts = ev->timestamp; /* still the last valid message seen */
            if (r->health)
                observe(r, index, ev, 1);
            return BLANC_ESTRICT;
        }
    }
    if (blanc_unlikely(!r->have_ts)) {
        r->have_ts = 1;
        r->st.first_timestamp = ev->timestamp;
    }
    r->last_ts = ev->timestamp;
    if (r->opts.no_book)
        return BLANC_NOEFFECT;
    if (blanc_unlikely(r->hooked) && r->hooks.before) {
        int hr = r->hooks.before(r->hooks.ctx, ev, index);
        if (hr < 0)
            return hook_failed(r, hr);
    }
    if (blanc_unlikely(r->opts.strict) && (t == 'E' || t == 'C' || t == 'X') &&
        would_overfill(r->books, ev)) {
        /* Strict mode keeps the books free of every anomalous message, and an
         * overfill is otherwise applied (clamped): catch it before it is. */
        record_anomaly(r, BLANC_AN_OVERFILL, offset, index);
        if (r->health)
            observe(r, index, ev, 1);
        return BLANC_ESTRICT;
    }
    int rc = blanc_books_apply(r->books, ev);
    if (blanc_likely(rc == BLANC_APPLIED)) {
        r->st.book_changes++;
    } else if (rc < 0) {
        if (rc == BLANC_EOVERFILL)
            r->st.book_changes++;
        blanc_anomaly a = anomaly_of(rc);
        if (a == BLANC_AN_COUNT) {
            /* Out of memory: not a property of the input, a hard stop. */
            r->stop = 1;
            r->st.stop_error = rc;
            return rc;
        }
        record_anomaly(r, a, offset, index);
    }
    /* Before the after-hook, so per-message output carries this message's gate. */
    if (blanc_unlikely(r->health != NULL)) {
        if (blanc_likely(!r->anomalies && t != 'S')) {
            int hr = health_message(r->health, index, ev->timestamp, ev->locate);
            if (blanc_unlikely(hr < 0))
                return hook_failed(r, hr);
        } else {
            observe(r, index, ev, 1);
        }
    }
    if (blanc_unlikely(r->hooked) && r->hooks.after) {
        int hr = r->hooks.after(r->hooks.ctx, ev, index, rc);
        if (hr < 0)
            return hook_failed(r, hr);
    }
    return rc;
}

int blanc_replay_message(blanc_replay *r, const uint8_t *msg, size_t len, uint64_t offset)
{
    if (!len) {
        record_end_anomaly(r, BLANC_AN_TRUNCATED, offset);
        return BLANC_ETRUNCATED;
    }
    int rc = handle(r, msg, len, offset);
    r->st.last_timestamp = r->last_ts;
    return rc;
}

/*
 * At a run of zero length prefixes starting at p[at], with data after it:
 * whether the pause must come before the run (1), not (0), or cannot be told
 * until more bytes arrive (-1). An index cut at the next message index pauses
 * here; a time cut does when the first frame after the run is a message
 * stamped later than the limit — the same test pause_here() applies to it.
 */
static int zero_run_pauses(const blanc_replay *r, const uint8_t *p, size_t n, size_t at, int eof)
{
    if (r->st.messages >= r->until_index)
        return 1;
    if (r->until_ts == UINT64_MAX)
        return 0;
    size_t q = at;
    while (n - q >= 2 && blanc_be16(p + q) == 0)
        q += 2;
    /* A run of zeros as long as a window would wait forever for its end (a
     * stream window does not grow past its capacity): it is not waited for. */
    if (q - at >= ((size_t)1 << 20))
        return 0;
    if (n - q < 2)
        return eof ? 0 : -1;
    if (blanc_be16(p + q) < 11)
        return 0; /* no timestamp: it cannot be past the limit */
    if (n - q - 2 < 11)
        return eof ? 0 : -1;
    return blanc_be48(p + q + 2 + 5) > r->until_ts;
}

/* Offset of the frame after the one at `at`, or n when there is no whole
 * frame there (the cursor then stays parked at the end). */
static inline size_t next_frame(const uint8_t *p, size_t n, size_t at)
{
    if (n - at < 2)
        return n;
    size_t len = blanc_be16(p + at);
    if (len == 0 || n - at - 2 < len)
        return n;
    return at + 2 + len;
}

/* The message at `at` if it is a whole frame of its type's exact length, so
 * its fields may be read; else NULL. */
static inline const uint8_t *whole_msg(const uint8_t *p, size_t n, size_t at)
{
    if (n - at < 3)
        return NULL;
    size_t len = blanc_be16(p + at);
    if (n - at - 2 < len || len != blanc__itch_len[p[at + 2]])
        return NULL;
    return p + at + 2;
}

/*
 * Consume whole frames from p[0..n). base is the stream offset of p[0].
 * Returns the bytes consumed; sets r->stop when the input must not be read
 * further (end-of-session marker, strict anomaly, fixed-framing desync).
 */
static size_t process(blanc_replay *r, const uint8_t *p, size_t n, uint64_t base, int eof)
{
    size_t pos = 0;
    if (r->opts.framing == BLANC_FRAMING_FIXED) {
        while (n - pos >= 3 && !r->stop) {
            size_t len = blanc__itch_len[p[pos + 2]];
            if (len && n - pos - 2 < len)
                break;
            /* An unknown type is a frame too: the pause comes before it. */
            if (blanc_unlikely(r->watch) && pause_here(r, p + pos + 2, len))
                break;
            if (!len) {
                uint64_t index = r->st.messages++;
                record_anomaly(r, BLANC_AN_UNKNOWN_TYPE, base + pos, index);
                if (r->health)
                    observe(r, index, NULL, 1);
                r->stop = 1;
                return pos;
            }
            handle(r, p + pos + 2, len, base + pos);
            pos += 2 + len;
        }
        return pos;
    }
    /* Two look-ahead cursors, FAR and NEAR frames ahead of pos: see book/prefetch.h. */
    enum { FAR = 16, NEAR = 8 };
    size_t far = pos, near = pos;
    int zero_run_checked = 0;
    int prefetch = !r->opts.no_book;
    for (int k = 0; prefetch && k < FAR; k++) {
        far = next_frame(p, n, far);
        if (k < NEAR)
            near = next_frame(p, n, near);
    }
    while (n - pos >= 2) {
        if (blanc_likely(prefetch)) {
            const uint8_t *m;
            far = next_frame(p, n, far);
            if ((m = whole_msg(p, n, far)))
                books_prefetch_slot(r->books, m);
            near = next_frame(p, n, near);
            if ((m = whole_msg(p, n, near)))
                books_prefetch_node(r->books, m);
        }
        size_t len = blanc_be16(p + pos);
        if (blanc_unlikely(len == 0)) {
            if (n - pos == 2 && !eof)
                break; /* cannot tell yet whether anything follows the marker */
            if (n - pos == 2) {
                /* The last two bytes: the end-of-session marker, a clean end. */
                r->st.ended_by_session_marker = 1;
                r->stop = 1;
                return pos + 2;
            }
            /* A zero length with data after it is damage, not an end: count
             * it (for the message that follows, SEMANTICS.md §1) and go on
             * with the next two bytes as the next prefix. A cut pauses before
             * it, so that no pause holds it half counted (SNAPSHOT.md). */
            if (blanc_unlikely(r->watch) && !zero_run_checked) {
                /* Once per run of zeros: the answer depends only on what
                 * follows the run, and looking again at each would be
                 * quadratic in the run's length. */
                int w = zero_run_pauses(r, p, n, pos, eof);
                zero_run_checked = w == 0;
                if (w < 0)
                    break; /* the frame after the zeros is not here yet */
                if (w) {
                    r->paused = r->stop = 1;
                    break;
                }
            }
            pos += 2;
            if (record_anomaly(r, BLANC_AN_ZERO_LENGTH, base + pos - 2, r->st.messages)) {
                if (r->health)
                    observe(r, r->st.messages, NULL, 0);
                break;
            }
            continue;
        }
        zero_run_checked = 0;
        if (blanc_unlikely(n - pos - 2 < len))
            break;
        if (blanc_unlikely(r->watch) && pause_here(r, p + pos + 2, len))
            break;
        handle(r, p + pos + 2, len, base + pos);
        pos += 2 + len;
        if (blanc_unlikely(r->stop))
            break;
    }
    return pos;
}

int blanc_replay_run_until(blanc_replay *r, blanc_source *src, uint64_t until_index,
                           uint64_t until_ts)
{
    if (r->finished)
        return r->st.stop_error;
    if (r->opts.no_input_digest)
        blanc_source_set_hashing(src, 0);
    r->until_index = until_index;
    r->until_ts = until_ts;
    r->watch = until_index != UINT64_MAX || until_ts != UINT64_MAX;
    r->paused = r->stop = 0;
    int rc = 0;
    while (!r->stop) {
        const uint8_t *p;
        size_t n;
        uint64_t base = blanc_source_offset(src);
        int more = blanc_source_next(src, &p, &n);
        int eof = more <= 0;
        if (blanc_unlikely(!r->sniffed) && !r->hashed && !r->st.messages) {
            /* The first window holds at least the first 64 KiB (or all). */
            if (more > 0 && n < BLANC_SNIFF_BYTES)
                continue;
            r->sniffed = 1;
            if (n && !r->opts.no_sniff &&
                blanc__itch_sniff(p, n, &r->opts.framing, r->why, sizeof r->why)) {
                rc = r->st.stop_error = BLANC_ENOTITCH;
                r->finished = 1;
                return rc;
            }
            if (r->opts.framing == BLANC_FRAMING_AUTO) /* empty input, or no_sniff */
                r->opts.framing = BLANC_FRAMING_BINARYFILE;
        }
        size_t used = process(r, p, n, base, eof);
        blanc_source_consume(src, used);
        r->st.bytes += used;
        if (more > 0 || r->stop)
            continue;
        if (more < 0) {
            if (more == BLANC_EIO) {
                rc = more;
                r->st.stop_error = more;
                break;
            }
            /* Damaged or cut compressed stream: what came before is kept. */
            record_end_anomaly(r, BLANC_AN_STREAM_CUT, base + n);
        } else if (used < n) {
            record_end_anomaly(r, BLANC_AN_TRUNCATED, base + used);
        }
        break;
    }
    r->st.last_timestamp = r->last_ts;
    r->watch = 0;
    if (r->paused && !r->st.stop_error) {
        r->prefix_digest = blanc_source_digest(src);
        r->hashed = blanc_source_offset(src);
        r->have_prefix_digest = !r->opts.no_input_digest;
        return BLANC_REPLAY_PAUSED;
    }
    r->paused = 0;
    r->finished = 1;
    if (rc == 0 && !r->opts.no_input_digest) {
        /* The input digest names the whole input, even past an early stop. */
        int d = blanc_source_drain(src);
        r->prefix_digest = blanc_source_digest(src);
        r->have_prefix_digest = (d != BLANC_EIO);
    }
    r->hashed = blanc_source_offset(src);
    if (rc)
        return rc;
    return r->st.stop_error;
}

int blanc_replay_run(blanc_replay *r, blanc_source *src)
{
    return blanc_replay_run_until(r, src, UINT64_MAX, UINT64_MAX);
}

int blanc_replay_resume(blanc_replay *r, blanc_source *src, int force)
{
    /* Without a recorded digest nothing says this is the snapshot's input:
     * any bytes would "resume" and end with made-up digests. */
    if (!force && (!r->have_prefix_digest || r->opts.no_input_digest))
        return BLANC_ENODIGEST;
    if (r->opts.no_input_digest)
        blanc_source_set_hashing(src, 0);
    int rc = blanc_source_skip(src, r->hashed);
    if (rc == BLANC_ETRUNCATED)
        return force ? BLANC_EINVAL : BLANC_EMISMATCH; /* cannot continue past the end */
    if (rc)
        return rc;
    if (!force && r->have_prefix_digest && !r->opts.no_input_digest &&
        blanc_source_digest(src) != r->prefix_digest)
        return BLANC_EMISMATCH;
    return 0;
}

void blanc_replay_set_health(blanc_replay *r, blanc_health *h)
{
    r->health = h;
    r->anomalies = 0;
    if (h)
        h->books = r->books;
}

void blanc_replay_set_hooks(blanc_replay *r, const blanc_replay_hooks *h)
{
    if (h) {
        r->hooks = *h;
        r->hooked = 1;
    } else {
        memset(&r->hooks, 0, sizeof r->hooks);
        r->hooked = 0;
    }
}

int blanc_replay_finished(const blanc_replay *r) { return r->finished; }

const char *blanc_replay_refusal(const blanc_replay *r) { return r->why; }

uint64_t blanc_replay_input_position(const blanc_replay *r, uint64_t *digest)
{
    if (digest)
        *digest = r->have_prefix_digest ? r->prefix_digest : 0;
    return r->hashed;
}

const blanc_replay_stats *blanc_replay_get_stats(const blanc_replay *r) { return &r->st; }

blanc_books *blanc_replay_books(blanc_replay *r) { return r->books; }

const blanc_books *blanc_replay_books_const(const blanc_replay *r) { return r->books; }

const blanc_replay_options *blanc_replay_get_options(const blanc_replay *r) { return &r->opts; }

void blanc_replay_digests(const blanc_replay *r, blanc_digests *out)
{
    out->l3 = blanc_books_digest_l3(r->books);
    out->l2 = blanc_books_digest_l2(r->books);
    out->stream = blanc_books_digest_stream(r->books);
    out->input = r->finished && r->have_prefix_digest ? r->prefix_digest : 0;
}
