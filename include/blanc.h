/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * blanc.h — the one public header of Blanc, a limit-order-book replay engine.
 *
 * Layers, bottom up (each usable on its own):
 *   feed    frame and decode NASDAQ TotalView-ITCH 5.0 (BinaryFILE) into blanc_event;
 *           byte sources for plain (mmap), gzip, zstd files and stdin.
 *   book    order-by-order (L3) books for every instrument, with an L2 level view.
 *   replay  drives feed -> book, counts anomalies, computes digests.
 *   health  feed-health detectors and the breaker that gates publication.
 *   gen     a seeded generator of realistic (and deliberately damaged) ITCH days.
 *   out     atomic output files (temp + rename), optionally compressed.
 *
 * Conventions (docs/API.md has the full contract of every function):
 *   - Errors are values: functions return a negative BLANC_E* code on failure;
 *     blanc_strerror() and blanc_err_name() describe it. The library never prints
 *     and never exits.
 *   - Opaque objects have a create/open and a free/close; free(NULL) is a no-op.
 *   - Prices are integer ticks of 1e-4 dollars (ITCH Price(4)); no floating point.
 *   - Symbols are the 8-byte, space-padded ASCII of the ITCH Stock Directory.
 */
#ifndef BLANC_H
#define BLANC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden visibility: what this header declares is
 * all that libblanc.so exports (tests/symbols_test.py). */
#if defined(__GNUC__)
#pragma GCC visibility push(default)
#endif

/* The one place the version is written: CMake reads these three lines. */
#define BLANC_VERSION_MAJOR 0
#define BLANC_VERSION_MINOR 1
#define BLANC_VERSION_PATCH 0
#define BLANC__STR(x) #x
#define BLANC__XSTR(x) BLANC__STR(x)
#define BLANC_VERSION_STRING                                                          \
    BLANC__XSTR(BLANC_VERSION_MAJOR) "." BLANC__XSTR(BLANC_VERSION_MINOR) "."         \
        BLANC__XSTR(BLANC_VERSION_PATCH)

/* The library's version string, e.g. "0.1.0". */
const char *blanc_version(void);

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

/* One list generates the codes, blanc_strerror() and blanc_err_name(). */
#define BLANC_ERRNO_MAP(X)                                                          \
    X(NOMEM, -1, "out of memory")                                                   \
    X(INVAL, -2, "invalid argument")                                                \
    X(IO, -3, "I/O error")                                                          \
    X(OPEN, -4, "cannot open file")                                                 \
    X(ISDIR, -5, "is a directory")                                                  \
    X(TRUNCATED, -6, "truncated: more bytes are needed")                            \
    X(BADLEN, -7, "framed length disagrees with the message type's length")        \
    X(UNKNOWNTYPE, -8, "unknown message type")                                      \
    X(ENDSESSION, -9, "zero-length frame (end-of-session marker)")                  \
    X(CORRUPT, -10, "corrupt compressed stream")                                    \
    X(STREAMCUT, -11, "compressed stream cut short")                                \
    X(UNKNOWNREF, -12, "reference to an unknown order")                             \
    X(DUPREF, -13, "order reference already live")                                  \
    X(OVERFILL, -14, "more shares executed or cancelled than remain")              \
    X(NODIR, -15, "instrument has no stock directory (R) message")                  \
    X(BADFIELD, -16, "invalid field value")                                         \
    X(DIRCONFLICT, -17, "stock directory conflicts with an earlier one")           \
    X(LIMIT, -18, "capacity limit reached")                                         \
    X(NOTFOUND, -19, "not found")                                                   \
    X(STRICT, -20, "anomaly in strict mode")                                        \
    X(UNSUPPORTED, -21, "unsupported")                                              \
    X(BADSNAP, -22, "damaged or inconsistent snapshot")                             \
    X(VERSION, -23, "unsupported snapshot version")                                 \
    X(MISMATCH, -24, "input is not the one the snapshot was taken from")           \
    X(NOTITCH, -25, "not an ITCH 5.0 BinaryFILE")                                   \
    X(CUTPAST, -26, "cut point not reached: the input ended before it")            \
    X(NODIGEST, -27, "the snapshot records no input digest to check the input against") \
    X(BADPACKET, -28, "damaged capture packet")                                     \
    X(NOSESSION, -29, "no such session or channel in the capture")                 \
    X(EMPTY, -30, "input is empty: it holds no messages")

enum {
    BLANC_OK = 0,
#define BLANC__ERRENUM(name, code, text) BLANC_E##name = (code),
    BLANC_ERRNO_MAP(BLANC__ERRENUM)
#undef BLANC__ERRENUM
};

/* Text for an error code ("unknown error" for codes not in the list). */
const char *blanc_strerror(int err);
/* Symbolic name for an error code, e.g. "BLANC_ETRUNCATED". */
const char *blanc_err_name(int err);

/* ------------------------------------------------------------------------ */
/* Hashing                                                                   */
/* ------------------------------------------------------------------------ */

#define BLANC_FNV64_OFFSET UINT64_C(0xcbf29ce484222325)
#define BLANC_FNV64_PRIME UINT64_C(0x100000001b3)

/* FNV-1a 64 over n bytes, continuing from h (start with BLANC_FNV64_OFFSET). */
uint64_t blanc_fnv1a64(uint64_t h, const void *p, size_t n);

/* ------------------------------------------------------------------------ */
/* Feed: ITCH 5.0 framing and decoding                                       */
/* ------------------------------------------------------------------------ */

/* Length of an ITCH 5.0 message of this type byte, or 0 for an unknown type. */
size_t blanc_itch_msg_len(uint8_t type);

/*
 * Frame one BinaryFILE message (2-byte big-endian length, then the message).
 * picohttpparser contract — stateless, zero-copy:
 *   > 0                 bytes consumed (2 + message length); *msg, *msg_len set
 *   BLANC_ETRUNCATED    buf holds only part of the frame: call again with more
 *   BLANC_EENDSESSION   the length prefix is 0 (end of session); 2 bytes long
 * The framer does not look inside the message: decoding says whether it is valid.
 */
int blanc_itch_frame(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len);

/* Trading action state (H message) and event codes are kept as their ITCH chars. */

/* Stock Directory (R) fields after the symbol. */
typedef struct blanc_ev_directory {
    char market_category, financial_status;
    uint32_t round_lot_size;
    char round_lots_only, issue_classification, issue_subtype[2];
    char authenticity, short_sale_threshold, ipo_flag, luld_tier, etp_flag;
    uint32_t etp_leverage;
    char inverse;
} blanc_ev_directory;

/*
 * One decoded message, normalized across the 23 types. The common fields are
 * filled for every type; the union holds the rest of the rarer types.
 * Fields a type does not carry are zero.
 */
typedef struct blanc_event {
    char type;          /* the ITCH message type byte */
    char side;          /* 'B' or 'S' for A F P (as sent, even if invalid); else 0 */
    uint16_t locate;    /* Stock Locate */
    uint16_t tracking;  /* Tracking Number */
    uint64_t timestamp; /* ns since midnight (48 bits) */
    uint64_t ref;       /* order ref: A F E C X D P; U: the original ref */
    uint64_t new_ref;   /* U: the new ref */
    uint32_t shares;    /* A F P: shares; E C: executed; X: cancelled; U: new shares */
    uint32_t price;     /* A F P U: price; C: execution price; Q: cross price */
    uint64_t match;     /* E C P Q B: match number */
    char stock[8];      /* R H Y L K J h A F P Q I N O: the 8-byte symbol */
    union {
        char event_code;              /* S */
        blanc_ev_directory directory; /* R */
        struct { char state, reserved; char reason[4]; } trading; /* H */
        char reg_sho_action;                                      /* Y */
        struct { char mpid[4]; char primary, mode, state; } participant; /* L */
        struct { uint64_t level1, level2, level3; } mwcb_decline;  /* V, Price(8) */
        char mwcb_level;                                           /* W */
        struct { uint32_t release_time; char qualifier; uint32_t price; } ipo; /* K */
        struct { uint32_t ref_price, upper, lower, extension; } luld;          /* J */
        struct { char market_code, action; } op_halt;                          /* h */
        char attribution[4];                                                   /* F */
        char printable;                                                        /* C */
        struct { uint64_t shares; char cross_type; } cross;                    /* Q */
        struct {
            uint64_t paired, imbalance;
            char direction;
            uint32_t far_price, near_price, ref_price;
            char cross_type, variation;
        } noii;                                                                /* I */
        char rpii_interest;                                                    /* N */
        struct {
            char open_eligibility;
            uint32_t min_price, max_price, near_price;
            uint64_t near_time;
            uint32_t lower_collar, upper_collar;
        } dlcr;                                                                /* O */
    } u;
} blanc_event;

/*
 * Decode one framed message (msg, len as returned by blanc_itch_frame).
 * Returns len on success, BLANC_EUNKNOWNTYPE, BLANC_EBADLEN (len differs from
 * the type's fixed length; nothing is read past the header) or BLANC_ETRUNCATED
 * (len is 0). Zero-copy: *ev holds copies of the fields, no pointers into msg.
 */
int blanc_itch_decode(const uint8_t *msg, size_t len, blanc_event *ev);

/* Encode ev as an ITCH message (no length prefix) into out[cap]. Returns the
 * message length, BLANC_EUNKNOWNTYPE, or BLANC_ETRUNCATED if cap is too small. */
int blanc_itch_encode(const blanc_event *ev, uint8_t *out, size_t cap);

/* Index 0..22 of a known type in the canonical order "SRHYLVWKJhAFECXDUPQBINO",
 * or -1. Used for per-type counters. */
int blanc_itch_type_index(uint8_t type);
#define BLANC_ITCH_NTYPES 23
extern const char blanc_itch_types[BLANC_ITCH_NTYPES + 1];

/* How a field's bytes read (all integers unsigned big-endian). */
typedef enum blanc_field_kind {
    BLANC_FIELD_ALPHA = 0,    /* ASCII, left-justified, space padded */
    BLANC_FIELD_INTEGER = 1,  /* 1, 2, 4, 6 or 8 bytes */
    BLANC_FIELD_PRICE4 = 2,   /* Price(4): 4 bytes, 4 implied decimals */
    BLANC_FIELD_PRICE8 = 3,   /* Price(8): 8 bytes, 8 implied decimals (MWCB levels) */
    BLANC_FIELD_TIMESTAMP = 4 /* 6 bytes, ns since midnight */
} blanc_field_kind;

/* One field of an ITCH 5.0 message layout (src/feed/itch_fields.c). */
typedef struct blanc_itch_field {
    const char *name; /* the spec's name in snake_case ("stock_locate"); "type" for
                         the Message Type byte */
    uint8_t offset, width;
    uint8_t kind;     /* blanc_field_kind */
} blanc_itch_field;

/* Every field of a type, the 11-byte header first, in the spec's order: they
 * tile the message (their widths sum to blanc_itch_msg_len). *n (if given)
 * gets the count; NULL and 0 for an unknown type. Static data. */
const blanc_itch_field *blanc_itch_fields(uint8_t type, size_t *n);
/* The spec's name of a type ("Add Order (no attribution)"), or NULL. */
const char *blanc_itch_type_name(uint8_t type);
/* The value of a numeric field (INTEGER, PRICE4, PRICE8, TIMESTAMP) of msg,
 * which must hold the whole message. */
uint64_t blanc_itch_field_uint(const uint8_t *msg, const blanc_itch_field *f);

/* ------------------------------------------------------------------------ */
/* Feed: byte sources                                                        */
/* ------------------------------------------------------------------------ */

typedef enum blanc_compression {
    BLANC_COMP_NONE = 0,
    BLANC_COMP_GZIP = 1,
    BLANC_COMP_ZSTD = 2,
} blanc_compression;

typedef struct blanc_source blanc_source;

/*
 * Open path ("-" = stdin). The compression is chosen from the content's magic
 * bytes (gzip 1f 8b, zstd 28 b5 2f fd), not the name. Plain regular files are
 * mmap'd; everything else streams through a bounded buffer, so memory does not
 * grow with the file. Errors: BLANC_EOPEN (errno kept in *sys_errno if given),
 * BLANC_EISDIR, BLANC_ENOMEM, BLANC_EIO.
 */
int blanc_source_open(blanc_source **out, const char *path, int *sys_errno);

/* A source over caller-owned memory (not copied; must outlive the source). */
int blanc_source_open_mem(blanc_source **out, const void *data, size_t len);

/*
 * Make more bytes available. *p, *n describe every byte not yet consumed
 * (a partial frame carried over from the previous window comes first).
 * Returns 1 while more input may follow (the window grew, or it is full and
 * must be consumed before it can grow: a caller that paused without consuming
 * gets the same window back, never a false end), 0 at end of input (the
 * window then holds the unconsumed tail, possibly empty), or a negative error (BLANC_ECORRUPT,
 * BLANC_ESTREAMCUT, BLANC_EIO); after an error the window still holds what was
 * decoded before it.
 */
int blanc_source_next(blanc_source *s, const uint8_t **p, size_t *n);

/* Mark n bytes at the front of the window as consumed. */
void blanc_source_consume(blanc_source *s, size_t n);

/* Read the rest of the input without returning it, so that the input digest
 * covers the whole stream even when a replay stops early. Returns 0 or an error. */
int blanc_source_drain(blanc_source *s);

/* Consume the next n bytes without returning them (they are hashed like any
 * consumed bytes): how a resume gets back to a snapshot's position. Returns 0,
 * BLANC_ETRUNCATED if the input ends first, or a source error. */
int blanc_source_skip(blanc_source *s, uint64_t n);

/* XXH3-64 of every byte consumed so far (docs/DIGEST.md): after drain(), of the
 * whole input. Hashing is on by default; turn it off before the first consume. */
uint64_t blanc_source_digest(const blanc_source *s);
void blanc_source_set_hashing(blanc_source *s, int on);

blanc_compression blanc_source_compression(const blanc_source *s);
/* Bytes of decompressed input consumed so far. */
uint64_t blanc_source_offset(const blanc_source *s);
/* Every offset Blanc reports is in the ITCH byte stream, after decompression
 * (docs/SEMANTICS.md §1). How far that stream has been decoded so far
 * (offset + the window not yet consumed; at the end, its whole length), and
 * how many bytes of the file itself were read to get there (the same number
 * for a plain input). */
uint64_t blanc_source_available(const blanc_source *s);
/* The length of the ITCH stream when it is known before reading it (a plain
 * file or memory): 1 and *size; 0 for compressed input and pipes. */
int blanc_source_size(const blanc_source *s, uint64_t *size);
/* Whether addr lies in the mapping of a plain file source, and at which byte
 * of it (*off). A file truncated by another process while it is mapped makes
 * a read past its new end fault (SIGBUS); a program's handler uses this to
 * say where. Async-signal-safe. */
int blanc_source_mapped_offset(const blanc_source *s, const void *addr, uint64_t *off);
uint64_t blanc_source_raw_bytes(const blanc_source *s);
void blanc_source_close(blanc_source *s);

/* ------------------------------------------------------------------------ */
/* Feed: message sources (src/feed/feed.c and one file per container)        */
/* ------------------------------------------------------------------------ */

/*
 * The container an input's messages come in. The feed layer owns framing:
 * the replay consumes messages (blanc_msg) and never sees a container.
 */
typedef enum blanc_framing {
    BLANC_FRAMING_BINARYFILE = 0, /* 2-byte length prefix, 0 = end of session */
    BLANC_FRAMING_FIXED = 1,      /* ignore the prefix, use each type's length
                                     (files written with zeroed prefixes, e.g. RITCH) */
    BLANC_FRAMING_AUTO = 2,       /* decide by content (docs/SEMANTICS.md §1.1);
                                     the feed then reports the one chosen */
    BLANC_FRAMING_PCAP = 3,       /* pcap or pcapng capture: MoldUDP64 over UDP,
                                     SoupBinTCP over TCP */
    BLANC_FRAMING_SOUPBINTCP = 4, /* a SoupBinTCP byte stream (file or stdin) */
    BLANC_FRAMING_UDP = 5         /* live MoldUDP64 from a socket (blanc_feed_open_udp) */
} blanc_framing;

/* Name of a framing ("binaryfile", "fixed", "auto", "pcap", "soupbintcp", "udp"). */
const char *blanc_framing_name(blanc_framing f);
/* The framing of that name: 0 and *out, or BLANC_EINVAL. */
int blanc_framing_parse(const char *s, blanc_framing *out);

/*
 * One message as a feed yields it. Damage that the feed skipped on the way to
 * it (zero length prefixes in a BinaryFILE, damaged packets in a capture) is
 * counted on the message that follows, so that a cut before the message is
 * also a cut before its damage (docs/SEMANTICS.md §1, docs/SNAPSHOT.md).
 */
typedef struct blanc_msg {
    const uint8_t *p;    /* the message from its type byte; NULL: damage only
                            (a skipped run too long to wait for its message) */
    uint32_t len;        /* its length as framed; the replay checks it against the type */
    uint32_t damage;     /* damaged units skipped just before it */
    uint8_t damage_kind; /* their blanc_anomaly (ZERO_LENGTH, BAD_PACKET) */
    uint32_t session;    /* the feed's session number, from 1; 0: none */
    uint64_t damage_at;  /* stream offset of the first of them */
    uint64_t offset;     /* stream offset of its frame; in a capture, of its
                            packet's record */
    uint64_t packet;     /* capture packet number, from 1; 0 outside captures */
    uint64_t seq;        /* transport sequence number; 0: none (or unsequenced) */
    uint64_t lost;       /* messages certainly lost just before it: sequence
                            numbers seq - lost .. seq - 1 (a seq_gap anomaly) */
} blanc_msg;

/* How a feed's input ended (blanc_feed_end_info, after next() returned 0). */
typedef enum blanc_feed_how {
    BLANC_END_NONE = 0,   /* not ended */
    BLANC_END_EOF,        /* clean end of input */
    BLANC_END_MARKER,     /* an end-of-session marker (BinaryFILE 0 prefix, MoldUDP64
                             count 0xFFFF, SoupBinTCP Z) */
    BLANC_END_TRUNCATED,  /* the input ends inside a frame (anomaly truncated) */
    BLANC_END_CUT,        /* the compressed stream is damaged or cut (stream_cut) */
    BLANC_END_DESYNC,     /* fixed framing met an unknown type: it cannot go on */
    BLANC_END_ERROR       /* a hard error: see error */
} blanc_feed_how;

typedef struct blanc_feed_end {
    blanc_feed_how how;
    int error;           /* BLANC_END_ERROR: the error (BLANC_EIO, BLANC_ENOMEM) */
    uint64_t offset;     /* stream offset of the truncation or cut */
    uint32_t damage;     /* damage skipped after the last message, before the end */
    uint8_t damage_kind;
    uint64_t damage_at;
} blanc_feed_end;

/* Transport accounting of a captured or live input (docs/FEEDS.md). */
typedef struct blanc_transport_stats {
    uint64_t packets;       /* packets read (every packet of the capture) */
    uint64_t messages;      /* messages delivered in sequence */
    uint64_t sessions;      /* sessions seen */
    uint64_t gaps;          /* sequence gaps (runs of lost messages) */
    uint64_t lost_messages; /* messages in those gaps */
    uint64_t duplicates;    /* messages seen again on the same line (dropped) */
    uint64_t out_of_order;  /* packets that came after a higher sequence number */
    uint64_t arbitrated;    /* copies dropped because the other line had them first */
    uint64_t heartbeats;    /* packets with no messages (MoldUDP64 count 0, Soup H) */
    uint64_t skipped;       /* packets of other protocols, ports, channels or sessions */
    uint64_t bad_packets;   /* truncated, fragmented or malformed (anomaly bad_packet) */
    uint64_t unsequenced;   /* 1: MoldUDP64 packets with sequence number 0 (anonymized
                               captures) passed in arrival order, without gap accounting */
    uint64_t late;          /* messages that came after their numbers had been declared
                               lost (past the reorder window): dropped, and still lost */
} blanc_transport_stats;

typedef struct blanc_feed blanc_feed;

typedef struct blanc_feed_options {
    blanc_framing framing;        /* BLANC_FRAMING_AUTO: by content */
    int no_sniff;                 /* do not judge the start of a byte stream
                                     (docs/SEMANTICS.md §1.1): fuzzers, known ITCH */
    const char *const *channels;  /* capture selection: "GROUP:PORT" (or ":PORT") */
    size_t n_channels;
    const char *const *sessions;  /* capture selection: MoldUDP64 session names */
    size_t n_sessions;
    uint32_t reorder_window;      /* packets held per session to reorder; 0: 64 */
} blanc_feed_options;

/*
 * Open a feed over src (borrowed: it must outlive the feed). With AUTO framing
 * the container is chosen from the content (pcap and pcapng magic, SoupBinTCP,
 * then BinaryFILE or fixed by the ITCH rule). Reads the start of the input
 * without consuming it. Returns 0, BLANC_ENOTITCH with a sentence in why[cap]
 * (the input is no ITCH container), BLANC_EEMPTY (a capture framing asked of
 * an input with no byte), BLANC_ENOSESSION, BLANC_ENOMEM or a source error.
 */
int blanc_feed_open(blanc_feed **out, blanc_source *src, const blanc_feed_options *o,
                    char *why, size_t cap);
/* The framing in use (never AUTO). */
blanc_framing blanc_feed_framing(const blanc_feed *f);
/*
 * Up to cap next messages into out. Returns how many (> 0), 0 at the end of
 * input (blanc_feed_end_info says how), or a negative error. The messages (and
 * the bytes they point to) stay valid until the next call of next(),
 * consume() or skip(). blanc_feed_consume(f, k) says the first k were used;
 * the others come again first from the next next() (a pause).
 */
int blanc_feed_next(blanc_feed *f, blanc_msg *out, size_t cap);
void blanc_feed_consume(blanc_feed *f, size_t k);
const blanc_feed_end *blanc_feed_end_info(const blanc_feed *f);
/* Once next() has ended with BLANC_END_ERROR: where and why in the
 * container's own terms (a capture record libpcap cannot read on from:
 * "packet 11, record at byte 7632: invalid packet capture length ..."), or
 * NULL when the container has nothing to add to the error code. */
const char *blanc_feed_end_detail(const blanc_feed *f);
/* Stream bytes consumed: the input digest covers exactly these (DIGEST.md). */
uint64_t blanc_feed_offset(const blanc_feed *f);
/* The threads that worked beside the reading thread for a source, or for a
 * feed and its source: a set of BLANC_HELPER_* bits, each set once its thread
 * has started (and kept when it ends). They run only where a core would
 * otherwise idle: with --threads 1 on two cores or more, and for inflate,
 * with compressed input (docs/ARCHITECTURE.md "Helper threads"). */
#define BLANC_HELPER_PAGER 1u   /* a mapped file's page work and input digest */
#define BLANC_HELPER_INFLATE 2u /* decompression of .gz / .zst input */
#define BLANC_HELPER_WALK 4u    /* a capture's record walk ahead of the replay */
unsigned blanc_source_helpers(const blanc_source *s);
unsigned blanc_feed_helpers(const blanc_feed *f);
/*
 * Get back to a position an earlier run consumed to (blanc_feed_offset then)
 * by reading through to it: how a resume finds a snapshot's place. Returns 0,
 * BLANC_ETRUNCATED if the input ends first, BLANC_EMISMATCH if no message
 * boundary lies there, or a source error.
 */
int blanc_feed_skip(blanc_feed *f, uint64_t offset);
/*
 * The feed's state beyond its offset (held packets, sequence numbers,
 * counters) as a blob a snapshot keeps; empty for a BinaryFILE. *blob is
 * malloc'd (free it), NULL when *len is 0. restore() takes it back after
 * skip(). Errors: BLANC_ENOMEM; restore: BLANC_EBADSNAP.
 */
int blanc_feed_save(const blanc_feed *f, uint8_t **blob, size_t *len);
int blanc_feed_restore(blanc_feed *f, const uint8_t *blob, size_t len);
/* Transport counters of a capture or live feed into *out; BLANC_EUNSUPPORTED
 * (and *out untouched) for a byte stream. */
int blanc_feed_get_transport_stats(const blanc_feed *f, blanc_transport_stats *out);
/* Name of session number s (1..), or NULL. */
const char *blanc_feed_session_name(const blanc_feed *f, uint32_t s);
blanc_source *blanc_feed_source(const blanc_feed *f);
void blanc_feed_free(blanc_feed *f);

/*
 * Capture info (`blanc capture info`): read a whole capture and account every
 * MoldUDP64 channel and session in it (nothing is selected away), with an
 * optional call per packet for a listing. The info holds no packet data.
 */
typedef enum blanc_capture_kind {
    BLANC_CAPPKT_MOLD = 1,    /* UDP carrying a MoldUDP64 packet */
    BLANC_CAPPKT_BADMOLD = 2, /* UDP that does not parse as MoldUDP64 */
    BLANC_CAPPKT_TCP = 3,
    BLANC_CAPPKT_OTHER = 4,   /* not IPv4 UDP or TCP */
    BLANC_CAPPKT_DAMAGED = 5  /* cut by the snap length, an IP fragment, bad header */
} blanc_capture_kind;

typedef struct blanc_capture_packet {
    blanc_capture_kind kind;
    uint64_t number, offset, ts_ns; /* from 1; its record's stream offset; ns since the epoch */
    uint32_t src_ip, dst_ip;        /* host order (0 for OTHER and DAMAGED) */
    uint16_t src_port, dst_port;
    char session[11];               /* MOLD: trailing spaces kept out */
    uint64_t seq;                   /* MOLD */
    uint16_t count;                 /* MOLD: 0 heartbeat, 0xFFFF end of session */
    const char *why;                /* DAMAGED: a short phrase */
} blanc_capture_packet;

typedef struct blanc_capture_totals {
    uint64_t packets, udp, tcp, other, damaged; /* udp: MOLD + BADMOLD; damaged: DAMAGED + BADMOLD */
} blanc_capture_totals;

/* One (channel, session) pair. */
typedef struct blanc_capture_session {
    char session[11];
    uint32_t group; /* destination address, host order */
    uint16_t port;
    uint64_t packets, messages, first_seq, last_seq, first_ts_ns, last_ts_ns;
    uint64_t gaps, lost, duplicates, out_of_order, heartbeats;
    int ended;     /* its end-of-session packet was seen */
    uint64_t late; /* messages after their numbers were declared lost (still lost) */
} blanc_capture_session;

typedef struct blanc_capture_info blanc_capture_info;
typedef void (*blanc_capture_packet_fn)(void *ctx, const blanc_capture_packet *pk);

/*
 * Read src (a pcap or pcapng capture) to its end. on_packet (may be NULL) is
 * called for every packet in order. Returns 0 and *out; BLANC_EEMPTY (src
 * holds no byte); BLANC_ENOTITCH with why (not a capture); BLANC_ETRUNCATED (the file ends inside a record) or
 * BLANC_EBADPACKET (a record libpcap cannot read) with *out still set to what
 * was read before and why naming the packet; BLANC_ENOMEM; a source error.
 */
int blanc_capture_info_read(blanc_capture_info **out, blanc_source *src,
                            blanc_capture_packet_fn on_packet, void *ctx, char *why, size_t cap);
void blanc_capture_info_totals(const blanc_capture_info *ci, blanc_capture_totals *t);
/* Pairs in order of first appearance; session i into *out (0, or BLANC_EINVAL). */
size_t blanc_capture_info_count(const blanc_capture_info *ci);
int blanc_capture_info_session(const blanc_capture_info *ci, size_t i, blanc_capture_session *out);
/* Gap k (< gaps, the first 1000 kept) of pair i: lost sequence numbers from..to. */
int blanc_capture_info_gap(const blanc_capture_info *ci, size_t i, uint64_t k, uint64_t *from,
                           uint64_t *to);
/*
 * The SoupBinTCP connection of the capture, the one `blanc replay` follows
 * when it replays TCP (found by content: the first server data): 1 and *out,
 * or 0 when no TCP stream carries SoupBinTCP server data.
 */
typedef struct blanc_capture_tcp {
    uint32_t server_ip, client_ip; /* host order */
    uint16_t server_port, client_port;
    uint64_t packets;              /* TCP packets of the server's direction */
    uint64_t first_packet, last_packet; /* capture packet numbers */
    uint64_t retransmits;          /* segments whose bytes were all seen before */
    uint64_t out_of_order;         /* segments held past a hole */
    uint64_t holes;                /* holes given up (bytes never captured) */
    uint64_t soup_packets, messages, heartbeats;
    uint64_t first_seq, last_seq;  /* of the sequenced messages; 0 unknown */
    char session[11];              /* the first login accepted's session, "" none */
    int ended;                     /* end of session ('Z') seen */
} blanc_capture_tcp;
int blanc_capture_info_tcp(const blanc_capture_info *ci, blanc_capture_tcp *out);
void blanc_capture_info_free(blanc_capture_info *ci);

/* Experimental (docs/API.md "Stability"). */
/*
 * Live MoldUDP64 from a UDP socket (src/feed/feed_udp.c, docs/FEEDS.md
 * "Live"). The feed joins the group (or binds the unicast or any address),
 * follows one session, holds later packets while the gaps are re-requested
 * from the retransmission server (MoldUDP64 request packets: session,
 * sequence, count; every hole at once, up to 32, each with its own tries and
 * wait), and declares a gap lost after its tries. It ends (next() returns
 * 0) at the session's end-of-session packet (BLANC_END_MARKER), after the
 * idle timeout or once stopped (BLANC_END_EOF): what is held is released
 * first. Its offset counts the MoldUDP64 payload bytes received.
 */
typedef struct blanc_udp_options {
    const char *group;          /* IPv4 multicast group to join, or a unicast or
                                   any (0.0.0.0) address to bind */
    uint16_t port;              /* UDP port */
    const char *interface;      /* IPv4 address of the interface to join on
                                   (NULL: the kernel's choice) */
    const char *rerequest_host; /* IPv4 address of the retransmission server
                                   (NULL: no re-requests) */
    uint16_t rerequest_port;
    const char *session;        /* follow this session (NULL: the first seen) */
    uint32_t idle_timeout_ms;   /* end after this long with no packet; 0: never */
    uint32_t rcvbuf;            /* SO_RCVBUF asked, bytes; 0: 64 MiB */
    uint32_t reorder_window;    /* packets held behind a gap; 0: 4096 (the most) */
    uint32_t gap_wait_ms;       /* wait per re-request, or in all without a
                                   retransmission server, before a gap is lost; 0: 20.
                                   Each hole has its own (up to 32 tended at once) */
    uint32_t rerequest_tries;   /* re-requests of one gap before it is lost; 0: 5 */
} blanc_udp_options;

/* Socket-level counters of a live feed (blanc_feed_get_udp_stats). */
typedef struct blanc_udp_stats {
    uint64_t datagrams;      /* received, both sockets */
    uint64_t bytes;          /* MoldUDP64 payload bytes received (the offset) */
    uint64_t batches;        /* recvmmsg calls that returned datagrams */
    uint64_t waits;          /* poll() calls: the socket was empty */
    uint64_t rerequests;     /* request packets sent */
    uint64_t retransmitted;  /* datagrams received from the retransmission server */
    uint64_t gaps_given_up;  /* gaps declared lost after the wait or the tries */
    uint64_t kernel_drops;   /* datagrams the kernel dropped (SO_RXQ_OVFL) */
    uint64_t truncated;      /* datagrams larger than the receive slot */
    uint32_t rcvbuf;         /* SO_RCVBUF granted, bytes */
    uint64_t recovered;      /* messages delivered from those datagrams that had not
                                come otherwise (filled holes; copies not counted) */
} blanc_udp_stats;

/*
 * Open the sockets. Returns 0, BLANC_EINVAL (no group or port, an address
 * that is not IPv4 dotted quad, a session longer than 10), BLANC_EOPEN (a
 * socket, bind or join failed: *sys_errno says why, if not NULL), BLANC_ENOMEM.
 */
int blanc_feed_open_udp(blanc_feed **out, const blanc_udp_options *o, int *sys_errno);
/* Ask a live feed to end: its next() releases what it holds, then returns 0.
 * Async-signal-safe (a lock-free atomic flag and a write(2)): from a SIGINT
 * handler or from another thread. */
void blanc_feed_udp_stop(blanc_feed *f);
/* Socket counters of a live feed into *out; BLANC_EUNSUPPORTED (and *out
 * untouched) for any other feed. */
int blanc_feed_get_udp_stats(const blanc_feed *f, blanc_udp_stats *out);
/* The local port the feed receives on (its bound port: useful with port 0). */
uint16_t blanc_feed_udp_port(const blanc_feed *f);
/* The followed session's number, for blanc_feed_session_name(): 0 until a
 * packet of it arrived (packets of other sessions are numbered too, in the
 * order they were first seen), or for any other feed. */
uint32_t blanc_feed_udp_session(const blanc_feed *f);

/* ------------------------------------------------------------------------ */
/* Book                                                                      */
/* ------------------------------------------------------------------------ */

typedef struct blanc_books blanc_books;

typedef struct blanc_level {
    uint32_t price;  /* ticks of 1e-4 */
    uint32_t orders; /* number of orders at the level */
    uint64_t shares; /* total shares at the level */
} blanc_level;

typedef struct blanc_order {
    uint64_t ref;
    uint32_t shares; /* remaining */
    uint32_t price;
    uint16_t locate;
    char side; /* 'B' or 'S' */
} blanc_order;

typedef struct blanc_instrument {
    char symbol[9];    /* NUL-terminated, trailing spaces kept */
    uint16_t locate;
    char trading_state; /* last H state ('T','H','P','Q'), or 0 if none seen */
    uint32_t bid_levels, ask_levels;
    uint64_t orders;    /* live orders in this book */
} blanc_instrument;

typedef struct blanc_books_stats {
    uint32_t instruments;   /* with a stock directory entry */
    uint64_t live_orders;
    uint64_t levels;        /* non-empty price levels, both sides, all books */
    uint64_t peak_orders;   /* most live orders at any moment */
    uint64_t order_capacity; /* order slots allocated */
} blanc_books_stats;

/* What blanc_books_apply did with a message. */
enum {
    BLANC_APPLIED = 0, /* the book changed */
    BLANC_NOEFFECT = 1 /* a valid message that does not change a book */
};

/* Create an empty set of books into *out. expected_orders sizes the order map up
 * front (0 = a small default; it grows by doubling either way). Returns 0, or
 * BLANC_ENOMEM with *out NULL. */
int blanc_books_create(blanc_books **out, size_t expected_orders);
void blanc_books_free(blanc_books *b);

/*
 * Apply one decoded message (docs/SEMANTICS.md). Returns BLANC_APPLIED,
 * BLANC_NOEFFECT, or a negative anomaly code (BLANC_EUNKNOWNREF, BLANC_EDUPREF,
 * BLANC_EOVERFILL, BLANC_ENODIR, BLANC_EBADFIELD, BLANC_EDIRCONFLICT) — except
 * for OVERFILL (applied, clamped), an anomalous message leaves every book
 * unchanged. BLANC_ENOMEM leaves the books unchanged too.
 */
int blanc_books_apply(blanc_books *b, const blanc_event *ev);

/* Experimental (docs/API.md "Stability"). */
/*
 * What one message did to the books, filled by blanc_books_apply_change (and
 * by the replay for its observers, only when one asks for it). Everything is
 * read from the books while the message is applied, so an observer never has
 * to look an order up before or after.
 */
typedef struct blanc_trade {
    char type;       /* 'E' 'C' 'P' 'Q'; 0: the message printed nothing */
    char side;       /* E C: the resting order's side; P: the message's; Q: 0 */
    char printable;  /* C: the message's flag ('Y'/'N'); E P Q: 'Y' */
    uint32_t price;  /* E: the resting order's price; C: the execution price; P Q: the message's */
    uint64_t shares; /* as the message says (an overfill prints the message's shares) */
    uint64_t ref;    /* the order's ref (Q: 0) */
    uint64_t match;
} blanc_trade;

enum {
    BLANC_CHANGE_BEFORE = 1, /* before: the order the message refers to, as it was */
    BLANC_CHANGE_AFTER = 2,  /* after: the order left (E C X), added (A F) or replacing (U) */
    BLANC_CHANGE_BBO = 4     /* the best level of `side` changed (price, shares or orders) */
};

typedef struct blanc_change {
    int rc;             /* blanc_books_apply's result for the message */
    char type;          /* the message type */
    char side;          /* 'B'/'S': the side whose levels changed; 0 if none did */
    uint16_t locate;
    uint32_t flags;     /* BLANC_CHANGE_* */
    blanc_order before; /* valid with BLANC_CHANGE_BEFORE */
    blanc_order after;  /* valid with BLANC_CHANGE_AFTER (gone: E C X of all, D) */
    uint32_t n_levels;  /* levels of `side` the message changed: 0, 1, or 2 (a U to a
                           new price: [0] the old price, [1] the new) */
    blanc_level levels[2]; /* each as it is after the message: orders 0 = gone */
    blanc_trade trade;  /* an execution or trade print (E C applied, P, Q) */
} blanc_change;

/* blanc_books_apply, also filling *chg with what the message did. rc, type,
 * side, locate, flags, n_levels and trade.type are always set; before and
 * after are valid under their flags, levels[i] for i < n_levels, the rest of
 * trade when trade.type is not 0. An anomaly (other than an overfill) sets
 * no flag, no level, no trade. */
int blanc_books_apply_change(blanc_books *b, const blanc_event *ev, blanc_change *chg);

/* Locate of the instrument with this 8-byte symbol (space padded), or BLANC_ENOTFOUND. */
int blanc_books_find(const blanc_books *b, const char symbol[8]);
/* Parse a user symbol ("AAPL") into the padded 8-byte form. BLANC_EINVAL if too long/empty. */
int blanc_symbol_pad(const char *user, char out[8]);

int blanc_books_instrument(const blanc_books *b, uint16_t locate, blanc_instrument *out);

/* Best bid and offer; a missing side is returned as all zeros. BLANC_ENOTFOUND
 * if the locate has no directory entry. */
int blanc_books_bbo(const blanc_books *b, uint16_t locate, blanc_level *bid, blanc_level *ask);

/* Up to n levels of one side ('B' or 'S'), best first. Returns the number written
 * (>= 0) or a negative error. */
int blanc_books_levels(const blanc_books *b, uint16_t locate, char side,
                       blanc_level *out, size_t n);

/* The queue at one price level in time priority. Writes up to n orders and
 * returns how many the level holds in all (0 if no such level). */
long blanc_books_queue(const blanc_books *b, uint16_t locate, char side, uint32_t price,
                       blanc_order *out, size_t n);

/* The level at one price: 1 and *out filled if it exists, 0 and *out = {price,
 * 0, 0} if not, or a negative error. */
int blanc_books_level(const blanc_books *b, uint16_t locate, char side, uint32_t price,
                      blanc_level *out);

/* One instrument's stream digest and the number of changes folded into it. */
int blanc_books_book_digest(const blanc_books *b, uint16_t locate, uint64_t *stream,
                            uint64_t *changes);

/* The live order with this ref in this instrument, or BLANC_ENOTFOUND. */
int blanc_books_order(const blanc_books *b, uint16_t locate, uint64_t ref, blanc_order *out);

int blanc_books_get_stats(const blanc_books *b, blanc_books_stats *out);

/* Locates of every instrument with a directory entry, in ascending symbol order.
 * Writes up to n and returns how many there are. */
size_t blanc_books_symbols(const blanc_books *b, uint16_t *out, size_t n);

/* Digests of the current state (docs/DIGEST.md). */
uint64_t blanc_books_digest_l3(const blanc_books *b);
uint64_t blanc_books_digest_l2(const blanc_books *b);
uint64_t blanc_books_digest_stream(const blanc_books *b);

/* Check every internal invariant (sorted levels, level totals equal the sum of
 * their queues, order map consistent...). 0 if all hold, else BLANC_EINVAL.
 * O(size of the books): for tests and fuzzing, not for the hot path. */
int blanc_books_check(const blanc_books *b);

/* ------------------------------------------------------------------------ */
/* Replay                                                                    */
/* ------------------------------------------------------------------------ */

/* Anomaly categories, counted with the byte offset and message index of the
 * first occurrence (docs/SEMANTICS.md). */
#define BLANC_ANOMALY_MAP(X)                                                        \
    X(TRUNCATED, "truncated", "final message cut short")                            \
    X(BAD_LENGTH, "bad_length", "framed length disagrees with the type's length")  \
    X(UNKNOWN_TYPE, "unknown_type", "unknown message type")                         \
    X(ZERO_LENGTH, "zero_length", "zero-length frame (end of session) before the end") \
    X(STREAM_CUT, "stream_cut", "compressed stream cut short or corrupt")           \
    X(UNKNOWN_REF, "unknown_ref", "reference to an unknown order")                  \
    X(OVERFILL, "overfill", "more shares executed or cancelled than remain")        \
    X(DUP_REF, "dup_ref", "add of an order ref that is already live")              \
    X(NO_DIRECTORY, "no_directory", "add for an instrument with no R message")      \
    X(BAD_FIELD, "bad_field", "invalid side, zero price or zero shares")            \
    X(DIR_CONFLICT, "dir_conflict", "stock directory conflicts with an earlier one") \
    X(TIME_BACKWARDS, "time_backwards", "timestamp earlier than the previous message") \
    X(BAD_PACKET, "bad_packet", "capture packet truncated, fragmented or malformed")  \
    X(SEQ_GAP, "seq_gap", "messages lost: a gap in the transport's sequence numbers")

typedef enum blanc_anomaly {
#define BLANC__ANENUM(name, key, text) BLANC_AN_##name,
    BLANC_ANOMALY_MAP(BLANC__ANENUM)
#undef BLANC__ANENUM
    BLANC_AN_COUNT
} blanc_anomaly;

const char *blanc_anomaly_key(blanc_anomaly a);  /* "unknown_ref" */
const char *blanc_anomaly_text(blanc_anomaly a); /* a sentence */

typedef struct blanc_anomaly_stat {
    uint64_t count;
    uint64_t first_offset; /* byte offset of the first occurrence's frame */
    uint64_t first_index;  /* 0-based message index of the first occurrence */
} blanc_anomaly_stat;


typedef struct blanc_replay_options {
    blanc_framing framing;
    int strict;              /* stop at the first anomaly (BLANC_ESTRICT) */
    int no_input_digest;     /* skip hashing the raw input */
    int no_book;             /* decode and count only (measures the feed layer alone) */
    size_t expected_orders;  /* order map presize, 0 = default */
    int no_sniff;            /* do not judge the start of the input (docs/SEMANTICS.md
                                §1.1): for fuzzing and streams known to be ITCH */
} blanc_replay_options;

typedef struct blanc_replay_stats {
    uint64_t messages;                     /* frames seen, valid or not */
    uint64_t by_type[BLANC_ITCH_NTYPES];   /* valid messages per type (canonical order) */
    uint64_t book_changes;                 /* messages that changed a book */
    uint64_t bytes;                        /* decompressed bytes consumed */
    uint64_t first_timestamp, last_timestamp;
    blanc_anomaly_stat anomalies[BLANC_AN_COUNT];
    uint64_t anomalies_total;
    int ended_by_session_marker;           /* a zero-length frame ended the input */
    int stop_error;                        /* 0, or the error that stopped the run */
} blanc_replay_stats;

typedef struct blanc_digests {
    uint64_t l3, l2, stream, input;
} blanc_digests;

typedef struct blanc_replay blanc_replay;
typedef struct blanc_sink blanc_sink; /* an output file: see "Output files" */

/* Create a replay into *out; opts may be NULL for defaults. Returns 0, or
 * BLANC_ENOMEM with *out NULL. */
int blanc_replay_create(blanc_replay **out, const blanc_replay_options *opts);
void blanc_replay_free(blanc_replay *r);

/*
 * Replay every message f yields. Returns 0 when the input ended (anomalies do
 * not make it fail: they are counted), BLANC_ESTRICT in strict mode at the first
 * anomaly, or a hard error (BLANC_ENOMEM, BLANC_EIO). Compressed-stream damage
 * is an anomaly (stream_cut): the run stops there, keeping everything before.
 */
int blanc_replay_run(blanc_replay *r, blanc_feed *f);

/* No limit, for blanc_replay_run_until. */
#define BLANC_NO_LIMIT UINT64_MAX
/* blanc_replay_run_until stopped at its limit; call it again to go on. */
#define BLANC_REPLAY_PAUSED 1

/* "HH:MM:SS[.fraction]" (up to 9 fraction digits) -> ns since midnight, or
 * BLANC_EINVAL. Feed time as cut points and reset points are given. */
int blanc_parse_time(const char *s, uint64_t *ns);

/*
 * Like blanc_replay_run, but pause before the message at 0-based index
 * until_index (so exactly until_index frames have been handled) or before the
 * first message stamped later than until_ts (ns since midnight), whichever
 * comes first. Returns BLANC_REPLAY_PAUSED there; the feed keeps its place,
 * and the next call continues from it. At the end of input, as run().
 */
int blanc_replay_run_until(blanc_replay *r, blanc_feed *f, uint64_t until_index,
                           uint64_t until_ts);

/*
 * A run plan (docs/SNAPSHOT.md "Cut points"): replay to the end, pausing at
 * each cut and every `tick` messages to call on_pause. An index cut N pauses
 * after exactly N messages (0: before the first); a time cut T after every
 * message stamped at or before T (before the first stamped later, or at the
 * end); an end cut at the end. At one position, index cuts are taken before
 * time cuts, each in the order given. on_pause gets the cut (NULL for a tick)
 * with the replay paused exactly there; a negative return stops the run with
 * that value. The plan marks each cut taken, with the messages replayed then.
 */
typedef enum blanc_cut_kind {
    BLANC_CUT_INDEX = 'i',
    BLANC_CUT_TIME = 't',
    BLANC_CUT_END = 'e'
} blanc_cut_kind;

typedef struct blanc_cut {
    blanc_cut_kind kind;
    uint64_t at;       /* message index, or ns since midnight; unused for END */
    int taken;         /* out: the pause happened */
    uint64_t messages; /* out: messages replayed when it was taken */
} blanc_cut;

typedef struct blanc_run_plan {
    blanc_cut *cuts;
    size_t n_cuts;
    uint64_t tick; /* also pause every `tick` messages (0: never) */
    int (*on_pause)(void *ctx, blanc_replay *r, const blanc_cut *cut);
    void *ctx;
} blanc_run_plan;

/* BLANC_EINVAL if a cut lies before the replay's position (a resumed replay
 * cannot go back) or has an unknown kind; else 0. */
int blanc_run_plan_check(const blanc_run_plan *p, const blanc_replay *r);

/*
 * Run r over f by the plan. Returns what blanc_replay_run() would, or the
 * first negative on_pause result, or BLANC_ECUTPAST when the run ended well
 * but an index cut lay beyond the last message (that cut is left untaken).
 */
int blanc_replay_run_plan(blanc_replay *r, blanc_feed *f, blanc_run_plan *p);

/* ------------------------------------------------------------------------ */
/* Replay sessions: one run with all its parts (src/replay/session.c)        */
/* ------------------------------------------------------------------------ */

typedef struct blanc_session blanc_session;
typedef struct blanc_health_config blanc_health_config;
typedef struct blanc_emit_options blanc_emit_options;
typedef struct blanc_health blanc_health;
typedef enum blanc_snap_format {
    BLANC_SNAP_BINARY = 0, /* compact, versioned, checksummed sections */
    BLANC_SNAP_JSON = 1    /* canonical JSON: sorted keys, integers, one line */
} blanc_snap_format;

typedef struct blanc_session_options {
    const char *input;            /* a path, or "-" for stdin; with live, its name */
    blanc_feed *live;             /* replay this open feed instead (blanc_feed_open_udp;
                                     borrowed, no resume): input only names it */
    blanc_replay_options replay;  /* a new replay's options (framing AUTO: by content) */
    blanc_feed_options feed;      /* capture selection and reorder window; the framing
                                     and no_sniff come from replay */
    const char *resume;           /* continue from this snapshot of the same input */
    int force;                    /* resume even if the input's digest differs */
    const blanc_health_config *health; /* track health with it (NULL: not tracked) */
    const char *health_journal;   /* the decision journal (NULL: none) */
    const blanc_emit_options *emit; /* per-message output (NULL: none) ... */
    const char *emit_out;         /* ... written here ('-': stdout) */
    const struct blanc_lobster_options *lobster; /* LOBSTER files (NULL: none) */
    const struct blanc_fix_options *fix; /* FIX messages to emit_out instead of emit (NULL: none) */
    blanc_cut *cuts;              /* snapshots at these cuts (marked taken) ... */
    size_t n_cuts;
    const char *snapshot_dir;     /* ... in this folder, created with the first */
    blanc_snap_format snapshot_format;
    uint64_t tick;                /* call on_tick every `tick` messages */
    int (*on_tick)(void *ctx, blanc_session *s);
    void *ctx;
    unsigned threads;             /* threads (blanc_replay_set_threads), or
                                     BLANC_THREADS_AUTO; a run with on_tick uses
                                     one: every pause gathers the books, too often
                                     at each tick */
} blanc_session_options;

/* blanc_session_options.threads: as many as blanc_threads_auto() gives for
 * the session's source (the CLI's default --threads). blanc_session_threads()
 * says what was chosen. */
#define BLANC_THREADS_AUTO 0xffffffffu
/* The book threads (blanc_replay_set_threads) that fit the CPUs beside src's
 * helpers: one per CPU this process may use, less one for each helper thread
 * of src that works all the time (the inflate thread of a compressed file:
 * beside as many book threads as CPUs it would take a core from one of them,
 * docs/PERFORMANCE.md "Fourteenth session"); at least one, at most
 * BLANC_MAX_THREADS. Call it once src is open (blanc_source_helpers is set
 * then). src NULL: a source with no helper (a live feed). For a caller that
 * drives blanc_replay itself (the Python package) to pick what a session
 * with BLANC_THREADS_AUTO picks. Experimental, as the sharding knobs below
 * (docs/API.md "Stability"): the rule may be tuned, the results do not
 * depend on it. */
unsigned blanc_threads_auto(const blanc_source *src);

/* What failed, on which file, and why. */
typedef struct blanc_session_error {
    int code;        /* the BLANC_E* returned */
    int sys_errno;   /* the system's reason, 0 if none */
    char path[4096]; /* the file concerned: input, snapshot, output, journal ("" if none) */
    char what[512];  /* a sentence with the details ("" if the code says it all) */
} blanc_session_error;

typedef struct blanc_session_input_info {
    blanc_compression compression;
    uint64_t file_bytes;     /* bytes of the file read (compressed, if it is) */
    uint64_t stream_bytes;   /* ITCH bytes decoded from them */
    uint64_t start_messages; /* messages already replayed when the session began (resume) */
} blanc_session_input_info;

/*
 * Check that every output can be made where it is asked for (before the input
 * is read: BLANC_EOPEN / BLANC_EISDIR naming it), open the input, build or
 * rebuild (resume) the replay, attach health and the emitter, open every
 * output (as temp files). Nothing is replayed yet. A cut
 * that the input's size alone shows is past its end is refused here
 * (BLANC_ECUTPAST), as is one before a resumed snapshot's position.
 */
int blanc_session_open(blanc_session **out, const blanc_session_options *o,
                       blanc_session_error *err);
/* Replay to the end, taking snapshots at the cuts. 0, BLANC_ESTRICT, or an
 * error with *err naming the file (BLANC_ENOTITCH, BLANC_ECUTPAST, ...). */
int blanc_session_run(blanc_session *s, blanc_session_error *err);
/* Write out and close every output (emit, LOBSTER, journal), renaming
 * none: after it, commit only renames, a step short enough for a caller to
 * hold signals off across it (a write to a FIFO whose reader stalls is not).
 * Repeated after a success it changes nothing; after a failure, free the
 * session (nothing of it is left). */
int blanc_session_finish(blanc_session *s, blanc_session_error *err);
/* Finish (if not yet done), rename the outputs into place and keep the
 * snapshots. */
int blanc_session_commit(blanc_session *s, blanc_session_error *err);
/* Free everything; without a commit, outputs and snapshots are removed. */
void blanc_session_free(blanc_session *s);
blanc_replay *blanc_session_replay(blanc_session *s);
/* The threads asked for: the options' count, or the one BLANC_THREADS_AUTO
 * chose (at most BLANC_MAX_THREADS). A run may use fewer: one with on_tick,
 * hooks, strict or no_book (blanc_replay_threads says what ran). */
unsigned blanc_session_threads(const blanc_session *s);
const blanc_source *blanc_session_source(const blanc_session *s);
const blanc_feed *blanc_session_feed(const blanc_session *s);
/* Remove every output of an uncommitted session (temp files, snapshots, a
 * folder it made) and nothing else: for a signal handler about to _exit()
 * (unlink and rmdir only; async-signal-safe). */
void blanc_session_unlink_outputs(const blanc_session *s);
blanc_health *blanc_session_health(blanc_session *s); /* NULL if not tracked */
/* Resumed from a snapshot that held no health state: health started empty at
 * the resume point (a snapshot with one continues it exactly). */
int blanc_session_health_restarted(const blanc_session *s);
void blanc_session_input(const blanc_session *s, blanc_session_input_info *in);
/* Snapshots taken: how many; the i-th path and messages replayed then. */
size_t blanc_session_snapshots(const blanc_session *s);
const char *blanc_session_snapshot(const blanc_session *s, size_t i, uint64_t *messages);
uint64_t blanc_session_emit_records(const blanc_session *s);
/* The LOBSTER writer of opts.lobster (NULL if none), for its row counts. */
const struct blanc_lobster *blanc_session_lobster(const blanc_session *s);

/* Nonzero once the input has ended (or a strict/hard stop): nothing more to read. */
int blanc_replay_finished(const blanc_replay *r);

/* Experimental (docs/API.md "Stability"). */
/*
 * Threads (docs/ARCHITECTURE.md "Sharded replay"). With n > 1 the runs that
 * follow use n threads: the calling thread, which reads the feed, counts
 * everything in feed order and keeps the books of a share of the instruments
 * itself, and n - 1 book workers, each owning the books of the instruments
 * given to it as they are created, pinned round-robin to the CPUs this
 * process may use from the second on. Every result (digests, counts,
 * anomalies, health, snapshots at pauses) is the one-thread result, for
 * every n. A run with hooks (an emitter), strict or no_book uses the calling
 * thread alone whatever n. 0 or 1 (the default): the calling thread alone.
 */
#define BLANC_MAX_THREADS 64
int blanc_replay_set_threads(blanc_replay *r, unsigned n); /* BLANC_EINVAL past the max */
/* Workers of the last run that had any (0: none) and the CPU each was
 * pinned to (-1: the system refused), up to cap of them. */
unsigned blanc_replay_threads(const blanc_replay *r, int *cpus, size_t cap);
/* CPU seconds: of the calling thread in this replay's runs (*reader_s), and
 * of each worker of the last run that had any, up to cap of them, counted
 * as the workers end (at the end of a run that is not paused). Returns the
 * workers, as blanc_replay_threads. For tuning the split (docs/PERFORMANCE.md
 * "Threads"). */
unsigned blanc_replay_thread_cpu(const blanc_replay *r, double *reader_s, double *worker_s,
                                 size_t cap);
/* Per mille of the instruments whose books the calling thread took at first
 * in the last run with workers (1000 without workers), and how many of them
 * it moved to workers since, to even the load (*moved; NULL: not wanted). */
unsigned blanc_replay_reader_share(const blanc_replay *r, uint64_t *moved);
/* The CPUs this process may run on (its affinity mask), at least 1. */
unsigned blanc_cpus_usable(void);

/* How many input bytes the replay has read and hashed, and (in *digest) their
 * XXH3-64 — the whole input once finished, else the prefix up to the pause
 * point; 0 when hashing was off. Snapshots record both to name their input. */
uint64_t blanc_replay_input_position(const blanc_replay *r, uint64_t *digest);

/* Where a run of r on feed f (NULL: not known) stopped, for an error
 * message: "after N messages, byte B", or, when the feed ended on a hard
 * error of its container, "after N messages; " and the feed's own words
 * (blanc_feed_end_detail: a capture's packet and record). r must not be
 * NULL. Truncated to cap - 1 bytes; always terminated when cap > 0. */
void blanc_replay_where(const blanc_replay *r, const blanc_feed *f, char *buf, size_t cap);

/* Replay one framed message as if read at byte offset `offset`. Returns the
 * blanc_books_apply result or a negative decode error (already counted). */
int blanc_replay_message(blanc_replay *r, const uint8_t *msg, size_t len, uint64_t offset);

/* Experimental (docs/API.md "Stability"). */
/*
 * Observers of the replay (docs/API.md "Subscribers"): several at once, called
 * in the order they were added, never with no_book. Per decoded message:
 *   before(ev, index)            the books as they were (before the message)
 *   on_message(ev, index, chg)   after it is applied and health has judged it:
 *                                chg says what it did (chg->rc: BLANC_APPLIED,
 *                                BLANC_NOEFFECT or the anomaly code)
 *   on_bbo(ev, index, bid, ask)  after a message that changed its instrument's
 *                                best bid or offer: both sides as they are now
 *                                (a missing side all zeros)
 *   on_trade(ev, index, trade)   after an execution (E, C) or trade (P, Q) print
 * Any callback may be NULL. With symbols, on_message, on_bbo and on_trade are
 * called only for those instruments (8-byte padded; an instrument is known by
 * its directory message); before() sees every message. A negative return
 * stops the replay with that error (e.g. an output that cannot be written).
 */
typedef struct blanc_observer {
    void *ctx;
    int (*before)(void *ctx, const blanc_event *ev, uint64_t index);
    int (*on_message)(void *ctx, const blanc_event *ev, uint64_t index,
                      const blanc_change *chg);
    int (*on_bbo)(void *ctx, const blanc_event *ev, uint64_t index, const blanc_level *bid,
                  const blanc_level *ask);
    int (*on_trade)(void *ctx, const blanc_event *ev, uint64_t index,
                    const blanc_trade *trade);
    const char (*symbols)[8]; /* only these instruments (copied); NULL = all */
    size_t n_symbols;
    unsigned flags;           /* BLANC_OBSERVE_* */
} blanc_observer;

/* on_message needs only chg->rc, type and locate: the record is not computed
 * for this observer (the bench timer: it times the apply alone). It is still
 * filled when another observer needs it. */
#define BLANC_OBSERVE_RC_ONLY 1u

#define BLANC_MAX_OBSERVERS 16

/* Add an observer (copied, symbols too): its id (>= 0) for removal,
 * BLANC_EINVAL (NULL, or BLANC_MAX_OBSERVERS already) or BLANC_ENOMEM. */
int blanc_replay_add_observer(blanc_replay *r, const blanc_observer *o);
/* Remove the observer with this id; BLANC_ENOTFOUND if there is none. The
 * others keep their order. */
int blanc_replay_remove_observer(blanc_replay *r, int id);

/* The run's counters so far, copied into *out (docs/API.md "Statistics"). */
int blanc_replay_get_stats(const blanc_replay *r, blanc_replay_stats *out);
blanc_books *blanc_replay_books(blanc_replay *r);
const blanc_books *blanc_replay_books_const(const blanc_replay *r);
const blanc_replay_options *blanc_replay_get_options(const blanc_replay *r);
void blanc_replay_digests(const blanc_replay *r, blanc_digests *out);

/* ------------------------------------------------------------------------ */
/* Snapshots (docs/SNAPSHOT.md)                                              */
/* ------------------------------------------------------------------------ */

/* Where and why a snapshot was refused. */
typedef struct blanc_snap_error {
    char section[16]; /* "header", "META", "BOOK", "ORDR", "json", "state" ... */
    uint64_t offset;  /* byte offset in the snapshot file */
    char what[160];   /* a sentence */
} blanc_snap_error;

/* Write the complete replay state (books in queue order, directory, trading
 * states, counters, digests, input position) to sink (not committed). */
int blanc_snapshot_write(const blanc_replay *r, blanc_snap_format fmt, blanc_sink *sink);

/*
 * Rebuild a replay from a snapshot held in memory (either encoding, told apart
 * by its first bytes). The state is checked as it is rebuilt: the recomputed
 * l3/l2/stream digests must equal the recorded ones. Returns 0, BLANC_EBADSNAP
 * or BLANC_EVERSION (with *err filled when err is not NULL), or BLANC_ENOMEM.
 * The options of the run that wrote the snapshot (framing, strict) come back
 * with it.
 */
int blanc_snapshot_read(blanc_replay **out, const void *data, size_t len,
                        blanc_snap_error *err);
/* Which encoding the first bytes of a snapshot are (the BLANCSNP magic, or a
 * JSON object), or BLANC_EBADSNAP if neither: enough to tell a snapshot from
 * an ITCH file without reading it all. */
int blanc_snapshot_format_of(const void *data, size_t len);

/* Read a snapshot file (plain, .gz or .zst) and rebuild it as above. A file
 * that cannot be opened is BLANC_EOPEN or BLANC_EISDIR (*err untouched), with
 * the system's reason in errno. */
int blanc_snapshot_load(blanc_replay **out, const char *path, blanc_snap_error *err);
/* The same from an open source (not closed), from where it stands to its end:
 * for a caller that judged the source by its first bytes before (a pipe can be
 * read only once). */
int blanc_snapshot_load_source(blanc_replay **out, blanc_source *src, blanc_snap_error *err);

/*
 * Bring f (a feed over the input, opened from its start) to the position of
 * a replay rebuilt from a snapshot, checking that the input's bytes up to
 * there have the recorded digest: BLANC_EMISMATCH if not (or if the input is
 * shorter), unless force, and giving the feed back the state the snapshot
 * kept of it (held packets, sequence numbers). A snapshot taken without an
 * input digest (no_input_digest) cannot name its input: BLANC_ENODIGEST unless
 * force. Then blanc_replay_run_until() continues exactly where the snapshot
 * was taken: resumed and uninterrupted runs end with the same digests.
 */
int blanc_replay_resume(blanc_replay *r, blanc_feed *f, int force);

/* ------------------------------------------------------------------------ */
/* Comparing two states                                                      */
/* ------------------------------------------------------------------------ */

typedef enum blanc_diff_kind {
    BLANC_DIFF_COUNTER = 0,    /* a replay counter (field names it) */
    BLANC_DIFF_INSTRUMENT = 1, /* present in one state only */
    BLANC_DIFF_STATE = 2,      /* trading state, stream digest, change count */
    BLANC_DIFF_LEVEL = 3,      /* level present in one only, or totals differ */
    BLANC_DIFF_ORDER = 4       /* queue position holds a different order/shares */
} blanc_diff_kind;

typedef struct blanc_diff_item {
    blanc_diff_kind kind;
    char field[48];   /* what differs: "messages", "by_type.A", "absent", "shares", "ref" */
    char symbol[9];   /* trimmed; empty for counters */
    uint16_t locate;
    char side;        /* 'B', 'S' or 0 */
    uint32_t price;   /* the level, for LEVEL and ORDER */
    uint64_t position; /* ORDER: 0-based place in the queue */
    uint64_t a, b;    /* the two values (e.g. shares; 1/0 for presence) */
} blanc_diff_item;

typedef struct blanc_diff_summary {
    uint64_t counters, instruments, states, levels, orders, total;
} blanc_diff_summary;

/* Called for each difference in a fixed order (counters, then instruments by
 * symbol, bids before asks, best level first, queue order). Return nonzero to
 * be called no more (the summary still counts everything). */
typedef int (*blanc_diff_fn)(void *ctx, const blanc_diff_item *d);

/* Compare two states. Returns 0 if equal, 1 if different. fn may be NULL. */
int blanc_diff(const blanc_replay *a, const blanc_replay *b, blanc_diff_fn fn, void *ctx,
               blanc_diff_summary *sum);

/* ------------------------------------------------------------------------ */
/* Output files                                                              */
/* ------------------------------------------------------------------------ */


/*
 * Open an output. "-" is stdout. Otherwise the data goes to a temporary file
 * beside path and becomes visible under path only at blanc_sink_commit(), so a
 * reader never sees half a file. A ".gz" or ".zst" suffix compresses. A
 * symbolic link is followed: the file it names is replaced, the link stays.
 * An existing path that is not a regular file (a FIFO, a character device
 * such as /dev/null) is written in place, as a shell's > would: no temporary
 * file, a FIFO's open waits for its reader, and an abort cannot take back
 * what was written. Errors: BLANC_EISDIR (path is a directory), BLANC_EOPEN (e.g. its parent
 * does not exist), BLANC_ENOMEM; the system's errno in *sys_errno if given.
 */
int blanc_sink_open(blanc_sink **out, const char *path, int *sys_errno);
/* The file an output at path would land on, as blanc_sink_open follows it: a
 * symbolic link's target, also when that does not exist yet (a dangling
 * link's new file); path itself otherwise. A string to free(), or NULL with
 * *sys_errno (ELOOP, ENOMEM, ...) if given. For telling two outputs of one
 * run that are one file apart before either is opened. */
char *blanc_sink_target_path(const char *path, int *sys_errno);
/* An output with no file: each write hands its bytes straight to fn(ctx, p,
 * n) (no copy, no buffer: the writers buffer already), for a program that
 * keeps what it is given in memory (the Python binding, python/). fn returns
 * 0, or a negative BLANC_E* code (a positive value counts as BLANC_EIO) that
 * fails the sink as a file's write error does (sticky). Commit returns the
 * first error and frees; abort frees. Errors: BLANC_EINVAL, BLANC_ENOMEM. */
typedef int (*blanc_sink_fn)(void *ctx, const void *p, size_t n);
int blanc_sink_open_fn(blanc_sink **out, blanc_sink_fn fn, void *ctx);
/* 0 or BLANC_EIO. The first error sticks: later writes fail with it at once. */
int blanc_sink_write(blanc_sink *s, const void *p, size_t n);
/* The first error this sink met (0 if none), with the system's errno for it in
 * *sys_errno if given (ENOSPC, EFBIG...; 0 when there is none, e.g. a
 * compressor failure). For saying why a write failed before commit or abort. */
int blanc_sink_error(const blanc_sink *s, int *sys_errno);
/* Flush, fsync-free close, and rename into place; on failure the temporary
 * file is removed and *sys_errno (if given) gets the system's reason, as from
 * blanc_sink_error(). Frees s. blanc_sink_commit(s) is the same with NULL. */
int blanc_sink_commit_sys(blanc_sink *s, int *sys_errno);
int blanc_sink_commit(blanc_sink *s);
/* The first half of commit: flush, end a compressed stream and close, so that
 * commit is left only the rename (a caller putting several outputs in place
 * together keeps that step short: the CLI holds signals off across it, and a
 * FIFO's stalled reader must not stall it). 0 or the first error, with
 * *sys_errno as above. Writes after it fail (BLANC_EINVAL); commit or abort
 * s as before. Repeating it changes nothing. */
int blanc_sink_finish(blanc_sink *s, int *sys_errno);
/* Remove the temporary file. Frees s. NULL is a no-op. */
void blanc_sink_abort(blanc_sink *s);
/* Remove the temporary file without freeing anything: for a signal handler
 * that is about to _exit() (async-signal-safe). NULL is a no-op. */
void blanc_sink_unlink_temp(const blanc_sink *s);
/* Remove the temporary file of every file sink of this process not yet
 * committed or aborted, freeing nothing: for a program's SIGINT or SIGTERM
 * handler before it ends by the signal (async-signal-safe: unlink only). The
 * library installs no handler (the blanc CLI's is cli/interrupt.c). Call it
 * on the thread that opens and closes sinks or while no other thread does:
 * a sink another thread frees meanwhile may be read after its free. */
void blanc_sink_unlink_all_temps(void);

/* s[0..n) as the body of a JSON string (no quotes), as every JSON output
 * writes text such as paths (docs/EMIT.md "JSON strings"): valid UTF-8 as is,
 * each maximal ill-formed subsequence as U+FFFD, " \ and controls escaped.
 * Writes at most cap bytes to out (no NUL) and returns the whole length,
 * which is at most 6 n: call with cap 0 to size a buffer. */
size_t blanc_json_escape(char *out, size_t cap, const char *s, size_t n);

/* ------------------------------------------------------------------------ */
/* Per-message state output (docs/EMIT.md)                                   */
/* ------------------------------------------------------------------------ */

typedef enum blanc_emit_kind {
    BLANC_EMIT_BBO = 0,   /* best bid and offer, when either changes */
    BLANC_EMIT_L2 = 1,    /* the price levels that changed (0 shares = gone) */
    BLANC_EMIT_L3 = 2,    /* the orders that changed: add, update, delete */
    BLANC_EMIT_TRADES = 3, /* executions (E C) and trade messages (P Q) */
    BLANC_EMIT_BARS = 4    /* OHLCV bars of every_ns (docs/EMIT.md "Sampled") */
} blanc_emit_kind;

typedef enum blanc_emit_format {
    BLANC_EMIT_JSONL = 0,
    BLANC_EMIT_CSV = 1,
    BLANC_EMIT_BIN = 2
} blanc_emit_format;

typedef struct blanc_emit_options {
    blanc_emit_kind kind;
    blanc_emit_format format;
    uint32_t depth;           /* L2: follow the top `depth` levels per side; 0 = all */
    const char (*symbols)[8]; /* only these instruments (8-byte padded); NULL = all */
    size_t n_symbols;
    int price_decimal;        /* csv, jsonl: prices as dollars, "49.5470" (a JSON string) */
    int time_iso;             /* csv, jsonl: ts as "HH:MM:SS.nnnnnnnnn" (a JSON string) */
    /* Sampled output (docs/EMIT.md "Sampled books and bars"; csv, jsonl): l2
     * with every_ns or at: the top `depth` (0: 5) of each instrument at each
     * instant of feed time, instead of deltas; bars: every_ns long. */
    uint64_t every_ns;        /* instants from_ns + k * every_ns (at least 1 ms) ... */
    uint64_t from_ns;
    const uint64_t *at;       /* ... or these instants (l2 only; copied) */
    size_t n_at;
} blanc_emit_options;

/* "bbo" "l2" "l3" "trades" "bars" / "jsonl" "csv" "bin" -> the enum, or BLANC_EINVAL. */
int blanc_emit_kind_parse(const char *s);
int blanc_emit_format_parse(const char *s);

typedef struct blanc_emitter blanc_emitter;

/*
 * Attach a writer of minimal deltas to a replay (as one of its observers):
 * after each message that changes a book it writes one record with
 * the message index and feed timestamp and only what changed in the chosen
 * view — nothing when the view did not change. The deltas are relative to the
 * books as they are now, so a replay resumed from a snapshot continues the
 * stream of the uninterrupted run. With a health tracker (the replay's,
 * blanc_replay_set_health) every record carries the publish gate of its
 * message; NULL: no gate. A write error stops the replay with it.
 */
int blanc_emitter_create(blanc_emitter **out, blanc_replay *r, const blanc_health *health,
                         const blanc_emit_options *o, blanc_sink *sink);
/* Flush what is buffered into the sink (not committed). Returns the first error. */
int blanc_emitter_finish(blanc_emitter *e);
uint64_t blanc_emitter_records(const blanc_emitter *e);
/* Remove its observer from the replay and free. NULL is a no-op. */
void blanc_emitter_free(blanc_emitter *e);

/* ------------------------------------------------------------------------ */
/* LOBSTER files (docs/EMIT.md "LOBSTER")                                    */
/* ------------------------------------------------------------------------ */

/* Experimental (docs/API.md "Stability"). */
/* One message-file row and the orderbook row after it. */
typedef struct blanc_lobster_row {
    uint64_t ts;          /* ns after midnight (the file writes seconds, 9 decimals) */
    int type;             /* 1 add, 2 cancel, 3 delete, 4 execution, 5 hidden trade,
                             6 cross, 7 trading state */
    int64_t order_id;     /* the ref; 6: -1 opening, -2 closing, -3 other cross; 7: 0 */
    uint64_t size;
    int64_t price;        /* ticks of 1e-4 dollars; 7: -1 halt/pause, 0 quotation, 1 trading */
    int direction;        /* 1 buy, -1 sell */
    const int64_t *book;  /* 4 * depth: AskP1, AskS1, BidP1, BidS1, AskP2, ... */
} blanc_lobster_row;

#define BLANC_LOBSTER_EMPTY_ASK INT64_C(9999999999)
#define BLANC_LOBSTER_EMPTY_BID INT64_C(-9999999999)
#define BLANC_LOBSTER_MAX_SYMBOLS 256
#define BLANC_LOBSTER_MAX_DEPTH 1000

typedef struct blanc_lobster_options {
    const char (*symbols)[8]; /* one pair of files each (8-byte padded), required */
    size_t n_symbols;
    uint32_t depth;           /* levels per side, 1 .. BLANC_LOBSTER_MAX_DEPTH */
    uint64_t from_ns, to_ns;  /* feed-time window [from, to); both 0: 09:30 to 16:00 */
    const char *dir;          /* write the files here (created if missing) ... */
    const char *date;         /* ... named with this YYYY-MM-DD */
    /* ... or, with dir NULL, hand each row to on_row (symbol: its index in
     * symbols); a negative return stops the replay with it. */
    int (*on_row)(void *ctx, size_t symbol, const blanc_lobster_row *row);
    void *ctx;
} blanc_lobster_options;

typedef struct blanc_lobster blanc_lobster;

/*
 * Attach a LOBSTER writer to a replay (one of its observers): per symbol
 * SYM_DATE_START_END_message_N.csv and ..._orderbook_N.csv in dir, as temp
 * files until blanc_lobster_commit. The book is the replay's (rebuilt from
 * the start of the input); rows are written for messages inside the window.
 * BLANC_EINVAL for bad options (no symbols, depth, window, a date not
 * YYYY-MM-DD, a symbol that cannot name a file); an output that cannot be
 * opened: its code, *sys_errno and its path in path[0..cap).
 */
int blanc_lobster_create(blanc_lobster **out, blanc_replay *r, const blanc_lobster_options *o,
                         int *sys_errno, char *path, size_t cap);
/* Flush every file (not committed): 0 or the first write error (path, errno
 * as for create). */
int blanc_lobster_finish(blanc_lobster *l, int *sys_errno, char *path, size_t cap);
/* Rename every file into place (after finish). */
int blanc_lobster_commit(blanc_lobster *l, int *sys_errno, char *path, size_t cap);
/* Message rows written for symbols[i]. */
uint64_t blanc_lobster_rows(const blanc_lobster *l, size_t i);
/* Remove the temp files of an uncommitted writer (unlink only: for a signal handler). */
void blanc_lobster_unlink_temp(const blanc_lobster *l);
/* Detach and free; without a commit the files and a folder it made are removed. */
void blanc_lobster_free(blanc_lobster *l);
/* The name LOBSTER gives a file: SYM_DATE_START_END_message_N.csv (orderbook
 * nonzero: _orderbook_), START and END in ms after midnight. The length, or
 * BLANC_EINVAL (a symbol with '/' or nothing but spaces) / BLANC_ETRUNCATED. */
int blanc_lobster_file_name(char *out, size_t cap, const char sym[8], const char *date,
                            uint64_t from_ns, uint64_t to_ns, uint32_t depth, int orderbook);

/* ------------------------------------------------------------------------ */
/* FIX market data (docs/EMIT.md "FIX")                                      */
/* ------------------------------------------------------------------------ */

typedef enum blanc_fix_version {
    BLANC_FIX_44 = 0,   /* BeginString FIX.4.4 */
    BLANC_FIX_50SP2 = 1 /* BeginString FIXT.1.1, ApplVerID 9 (FIX.5.0SP2) */
} blanc_fix_version;

typedef struct blanc_fix_options {
    blanc_fix_version version;
    const char *sender;       /* SenderCompID (49); NULL: "BLANC" */
    const char *target;       /* TargetCompID (56); NULL: "CLIENT" */
    const char *date;         /* the feed's trading day, YYYY-MM-DD (required): feed
                                 times are US Eastern, FIX times UTC */
    const char (*symbols)[8]; /* only these instruments (8-byte padded); NULL = all */
    size_t n_symbols;
    int no_trades;            /* no MDEntryType=2 (trade) entries */
    uint64_t every_ns;        /* also a 35=W of every instrument at each instant
                                 from_ns + k * every_ns (0: none) ... */
    uint64_t from_ns;         /* ... (the book after every message stamped at or before it) */
} blanc_fix_options;

typedef struct blanc_fix blanc_fix;

/* "4.4" or "5.0sp2" (any case) as a blanc_fix_version, or BLANC_EINVAL. */
int blanc_fix_version_parse(const char *s);
/* Attach a FIX writer to r: a 35=W per instrument known now, then per
 * applied message a 35=X of the levels it changed (and its trade), to sink
 * (one message per line; not committed). BLANC_EINVAL (bad options: a date,
 * a CompID that is empty, longer than 64 or not printable), BLANC_ENOMEM. */
int blanc_fix_create(blanc_fix **out, blanc_replay *r, const blanc_fix_options *o,
                     blanc_sink *sink);
/* The closing 35=W of every instrument, and flush: 0 or the sink's error. */
int blanc_fix_finish(blanc_fix *f);
uint64_t blanc_fix_messages(const blanc_fix *f); /* written so far */
void blanc_fix_free(blanc_fix *f);                /* detach and free (not the sink) */

/* ------------------------------------------------------------------------ */
/* Message dump: every field of every message (docs/FEEDS.md)                */
/* ------------------------------------------------------------------------ */

typedef enum blanc_dump_format {
    BLANC_DUMP_JSONL = 0, /* one object per message: "type", the fields, the position */
    BLANC_DUMP_CSV = 1    /* one type only (types holds one byte): a header, then rows */
} blanc_dump_format;

typedef struct blanc_dump_options {
    blanc_dump_format format;
    int price_decimal;        /* prices in dollars ("123.4500") instead of integer ticks */
    int transport;            /* add packet, session and seq (captured and live feeds) */
    const char *types;        /* type bytes to keep, NUL-terminated; NULL or "" = all */
    const char (*symbols)[8]; /* only these instruments (8-byte padded); NULL = all */
    size_t n_symbols;
    uint64_t from, until;     /* only timestamps in [from, until) (ns); until 0 = no end */
} blanc_dump_options;

/* What a dump saw: the anomalies in the replay's terms (docs/SEMANTICS.md). */
typedef struct blanc_dump_stats {
    uint64_t messages;        /* frames seen, valid or not (the replay's message index) */
    uint64_t records;         /* written */
    blanc_anomaly_stat anomalies[BLANC_AN_COUNT]; /* only the feed's: framing, damage, gaps */
    uint64_t anomalies_total;
} blanc_dump_stats;

typedef struct blanc_dumper blanc_dumper;

/* A dump writer into sink (not owned, not committed). Writes the CSV header
 * at once. BLANC_EINVAL: bad options (CSV without exactly one known type, a
 * type byte that is no ITCH type, until <= from); BLANC_ENOMEM. */
int blanc_dumper_create(blanc_dumper **out, const blanc_dump_options *o, blanc_sink *sink);
/* One message as a feed yields it (session_name: the feed's name of
 * m->session, or NULL). Returns 1 written, 0 filtered out or damage only,
 * BLANC_EUNKNOWNTYPE or BLANC_EBADLEN (counted, not written), or the sink's
 * write error. */
int blanc_dumper_write(blanc_dumper *d, const blanc_msg *m, const char *session_name);
/* The feed's end (after next() returned 0): counts a truncation, a stream
 * cut and damage after the last message. (The unknown type fixed framing
 * stops at is a message, counted by write.) */
void blanc_dumper_end(blanc_dumper *d, const blanc_feed_end *e);
/* Flush into the sink. Returns the first write error, else 0. */
int blanc_dumper_finish(blanc_dumper *d);
int blanc_dumper_get_stats(const blanc_dumper *d, blanc_dump_stats *out);
void blanc_dumper_free(blanc_dumper *d);

/* ------------------------------------------------------------------------ */
/* Feed health and the circuit breaker (docs/HEALTH.md)                      */
/* ------------------------------------------------------------------------ */

typedef enum blanc_health_level {
    BLANC_HEALTH_FUSE = 0,   /* healthy: publish */
    BLANC_HEALTH_LOCAL = 1,  /* degraded: still publish; recovers after a quiet window */
    BLANC_HEALTH_FEEDER = 2, /* gated; latched until a reset point */
    BLANC_HEALTH_MAIN = 3,   /* gated; latched until a reset point */
    BLANC_HEALTH_KILL = 4    /* gated for the rest of the run */
} blanc_health_level;
#define BLANC_HEALTH_LEVELS 5

typedef enum blanc_detector {
    BLANC_DET_GAP = 0,     /* refs to unseen orders/instruments, ppm of the window */
    BLANC_DET_CORRUPT = 1, /* frames failing framing/decoding, impossible fields, ppm */
    BLANC_DET_SKEW = 2,    /* timestamps backwards or past 24:00, ppm (never Kill) */
    BLANC_DET_BURST = 3    /* consecutive hot feed-time ms: measured, never gates */
} blanc_detector;
#define BLANC_DETECTORS 4
#define BLANC_HEALTH_MAX_RESETS 64

typedef struct blanc_health_config {
    uint64_t window_messages; /* W: events counted over the last W messages */
    uint64_t quiet_messages;  /* Q: Local recovers after Q messages below it */
    /* [detector][Local, Feeder, Main, Kill]; 0 = that level is off. Burst's
     * row and skew's Kill entry must be 0 (docs/HEALTH.md §5). */
    uint64_t thresholds[BLANC_DETECTORS][4];
    uint64_t burst_factor, burst_min_messages;
    uint64_t burst_min_run_ms; /* a hot run this long counts in stats.bursts (0: none) */
    uint32_t burst_baseline_shift;
    char reset_events[16]; /* System Event codes that are reset points, NUL-terminated */
    uint64_t reset_at_index[BLANC_HEALTH_MAX_RESETS];
    size_t n_reset_at_index;
    uint64_t reset_at_time[BLANC_HEALTH_MAX_RESETS]; /* ns since midnight */
    size_t n_reset_at_time;
} blanc_health_config;

/* Where a configuration file was refused. */
typedef struct blanc_config_error {
    unsigned line; /* 1-based; 0 when not about one line */
    char what[160];
} blanc_config_error;

/* The documented defaults (docs/HEALTH.md §7). */
void blanc_health_config_default(blanc_health_config *c);
/* Apply a config text (TOML subset) over *c. 0, or BLANC_EINVAL with *err filled. */
int blanc_health_config_parse(blanc_health_config *c, const char *text, size_t len,
                              blanc_config_error *err);
/* Read a config file and parse it as above (BLANC_EIO etc. if unreadable). */
int blanc_health_config_load(blanc_health_config *c, const char *path, blanc_config_error *err);
/* Check a config (thresholds non-decreasing, W >= 1...). 0 or BLANC_EINVAL with *err. */
int blanc_health_config_check(const blanc_health_config *c, blanc_config_error *err);

typedef struct blanc_detector_stats {
    uint64_t events;    /* events counted (gap, corrupt, skew); hot-ms runs for burst */
    uint64_t value;     /* the global value now: ppm, or ms for burst */
    uint64_t max_value; /* the largest global value */
    uint64_t max_index; /* where it was first reached */
} blanc_detector_stats;

typedef struct blanc_health_stats {
    blanc_detector_stats det[BLANC_DETECTORS];
    uint64_t max_backward_ns;  /* largest step back of a timestamp (global mark) */
    uint64_t longest_burst_ms; /* longest run of hot milliseconds */
    uint64_t peak_per_ms;      /* most messages in one feed-time millisecond */
    uint64_t bursts;           /* hot runs that reached burst_min_run_ms */
    blanc_health_level global_state, global_worst;
    uint64_t instruments_worst[BLANC_HEALTH_LEVELS]; /* instruments by worst state reached */
    uint64_t in_state[BLANC_HEALTH_LEVELS];          /* messages by global state */
    uint64_t published, gated;
    uint64_t first_gated; /* valid when gated > 0 */
    uint64_t transitions, resets;
    uint64_t first_index; /* first message observed (not 0 after a resume) */
    uint64_t observed;    /* messages observed */
} blanc_health_stats;

typedef struct blanc_health blanc_health;

/* A tracker with a copy of the config (checked: BLANC_EINVAL if it fails). */
int blanc_health_create(blanc_health **out, const blanc_health_config *c);
void blanc_health_free(blanc_health *h);
/* Write the decision journal (JSON lines) to sink (not owned, not committed).
 * A write error stops the replay with it. */
void blanc_health_set_journal(blanc_health *h, blanc_sink *sink);
/* Flush the journal buffer. Returns the first write error, else 0. */
int blanc_health_finish(blanc_health *h);

/* Attach (or detach with NULL) a tracker: it then sees every message the replay
 * handles, after the books. One tracker per replay, not owned. */
void blanc_replay_set_health(blanc_replay *r, blanc_health *h);

/* Continue from the health state of the snapshot r was rebuilt from
 * (blanc_snapshot_read; docs/SNAPSHOT.md): then the run's journal, gates and
 * final health are those of the uninterrupted run. h must be new (nothing
 * observed) and made with the configuration the snapshot's run had. Returns
 * 0; BLANC_ENOTFOUND if the snapshot holds no health state (taken without
 * health, or version 1); BLANC_EMISMATCH if its configuration differs;
 * BLANC_EBADSNAP if the recorded state is inconsistent (h unchanged). */
int blanc_health_resume(blanc_health *h, const blanc_replay *r, blanc_snap_error *err);

/* Whether the last message observed was publishable (docs/HEALTH.md §5). */
int blanc_health_publishable(const blanc_health *h);
/* State of one instrument (locate 1..65535) or of the feed (locate 0). */
blanc_health_level blanc_health_state(const blanc_health *h, uint16_t locate);
int blanc_health_get_stats(const blanc_health *h, blanc_health_stats *out);
const char *blanc_health_level_name(blanc_health_level l); /* "fuse" ... "kill" */
const char *blanc_detector_name(blanc_detector d);         /* "gap" ... "burst" */

/* ------------------------------------------------------------------------ */
/* Benchmarking (docs/TELEMETRY.md)                                          */
/* ------------------------------------------------------------------------ */

/* Experimental (docs/API.md "Stability"). */
/* The benchmark clock: rdtsc where the TSC is invariant, else CLOCK_MONOTONIC. */
typedef struct blanc_clock {
    int tsc;               /* 1: ticks are TSC cycles; 0: ticks are ns */
    double ticks_per_ns;   /* calibrated against CLOCK_MONOTONIC (1.0 without TSC) */
    uint64_t overhead_ticks; /* median cost of one read, from back-to-back pairs */
    const char *source;    /* a sentence naming the clock */
} blanc_clock;

/* Pick and calibrate (about 50 ms with a TSC). allow_tsc 0 forces clock_gettime. */
void blanc_clock_init(blanc_clock *c, int allow_tsc);
uint64_t blanc_clock_now(const blanc_clock *c);
double blanc_clock_ns(const blanc_clock *c, uint64_t ticks);

/* The machine and the build, for every artifact. */
typedef struct blanc_hw_report {
    char cpu_model[128];
    double cpu_mhz;           /* as /proc/cpuinfo reports it now */
    unsigned logical_cpus, physical_cores;
    char caches[256];         /* "L1d 48K, L1i 32K, L2 1024K, L3 32768K" */
    char governor[32];
    char kernel[256];
    uint64_t mem_bytes;
    char compiler[96], cflags[256], build_type[32], git_sha[48], version[16];
} blanc_hw_report;

void blanc_hw_report_get(blanc_hw_report *r);

/* Read a whole input (plain, .gz or .zst, by content) into memory (malloc'd). */
int blanc_load_file(const char *path, uint8_t **data, size_t *len, int *sys_errno);

#define BLANC_BENCH_NPCT 8 /* min, p50, p90, p95, p99, p99.9, p99.99, max */
#define BLANC_BENCH_NTYPES 7 /* the book-changing types: A F E C X D U */
#define BLANC_BENCH_MIN_TAIL 100 /* samples beyond a percentile for it to be valid */

/* "min" "p50" ... "max" and the percentile each is (0 and 100 for min, max). */
const char *blanc_bench_pct_name(int k);
double blanc_bench_pct_value(int k);
char blanc_bench_type(int k); /* 'A' 'F' 'E' 'C' 'X' 'D' 'U' */

typedef struct blanc_latency {
    uint64_t count;
    uint64_t ns[BLANC_BENCH_NPCT];
    int valid[BLANC_BENCH_NPCT]; /* enough samples beyond it (BLANC_BENCH_MIN_TAIL) */
} blanc_latency;

typedef struct blanc_bench_options {
    unsigned runs, warmup; /* measured runs (>= 1) after unmeasured ones */
    int no_book;           /* decode only: throughput, no per-message latency */
    int no_tsc;            /* time with clock_gettime even where a TSC is usable */
    /* called before each run (k from 1 to warmup + runs), if set */
    void (*progress)(void *ctx, unsigned k, unsigned total, int warmup);
    void *progress_ctx;
} blanc_bench_options;

typedef struct blanc_bench_result {
    blanc_clock clock;
    uint64_t messages, bytes;      /* per run */
    uint64_t input_digest;         /* XXH3-64 of the input */
    unsigned runs;
    double *ns_per_msg;            /* per measured run (throughput pass), malloc'd */
    double median_ns_per_msg, mad_ns_per_msg, median_msgs_per_s;
    double overhead_ns;            /* one clock read, subtracted from each latency */
    blanc_latency latency;         /* book-changing messages, all measured runs */
    uint64_t latency_sum_ns;       /* sum of those latencies */
    blanc_latency by_type[BLANC_BENCH_NTYPES];
    blanc_latency *per_run;        /* per measured run, malloc'd */
    double p99_spread_pct;         /* (max - min) / median of the per-run p99s, in % */
    /* bucket counts of the latency histogram, for exporters: bounds in ns */
    uint64_t *bucket_hi, *bucket_count;
    size_t n_buckets;
    /* When the run failed on the input: what and where, as blanc_session_error's
     * `what` says it ("no whole frame in its first 25 bytes", "after N messages,
     * byte B"); "" if the code says it all. Kept by blanc_bench_result_free. */
    char why[512];
} blanc_bench_result;

/* Replay data[0..len) opts->warmup + opts->runs times from memory. Each
 * measured run is a plain pass (throughput) and, with books, a timed pass
 * (every book-changing message timed by an observer: before() to on_message).
 * Returns 0; BLANC_EINVAL for bad options; BLANC_EEMPTY for len 0;
 * BLANC_ENOTITCH (with res->why) for data that is no ITCH container or holds
 * no message; a replay's hard error
 * (with res->why saying where); BLANC_ENOMEM. */
int blanc_bench_run(const uint8_t *data, size_t len, const blanc_bench_options *opts,
                    blanc_bench_result *res);
void blanc_bench_result_free(blanc_bench_result *res);

/* ------------------------------------------------------------------------ */
/* Generator                                                                 */
/* ------------------------------------------------------------------------ */

typedef enum blanc_scenario {
    BLANC_SCENARIO_NORMAL = 0,
    BLANC_SCENARIO_BURST = 1,   /* bursts of high message rate in feed time */
    BLANC_SCENARIO_CORRUPT = 2, /* damaged frames and invalid fields injected */
    BLANC_SCENARIO_GAP = 3      /* runs of messages dropped (refs to unseen orders) */
} blanc_scenario;

/* Parse "normal", "burst", "corrupt", "gap". Returns the scenario or BLANC_EINVAL. */
int blanc_scenario_parse(const char *name);
const char *blanc_scenario_name(blanc_scenario s);

/* The message-rate curve over feed time (docs/CLI.md, blanc gen --profile). */
typedef enum blanc_gen_profile {
    BLANC_PROFILE_FLAT = 0,     /* the body evenly spread 09:30-16:00 (or --session) */
    BLANC_PROFILE_INTRADAY = 1, /* sparse pre-market, 09:30 spike, U-shaped session,
                                   closing cross at 16:00, sparse after-hours */
    BLANC_PROFILE_STEP = 2      /* a 2 s sparse preamble, then ~500 messages per feed ms */
} blanc_gen_profile;

/* Parse "flat", "intraday", "step". Returns the profile or BLANC_EINVAL. */
int blanc_gen_profile_parse(const char *name);
const char *blanc_gen_profile_name(blanc_gen_profile p);

/*
 * What blanc_gen_write writes the day as (docs/FEEDS.md "Generating captures").
 * The messages and their bytes are the same in every format: a capture's
 * MoldUDP64 message blocks, concatenated in sequence order, are the BinaryFILE.
 */
typedef enum blanc_gen_format {
    BLANC_GEN_BINARYFILE = 0,      /* the day as a BinaryFILE */
    BLANC_GEN_MOLDUDP64_PCAP = 1,  /* MoldUDP64 over Ethernet/IPv4/UDP, pcap (ns) */
    BLANC_GEN_MOLDUDP64_PCAPNG = 2, /* the same packets as pcapng (if_tsresol 9) */
    BLANC_GEN_SOUPBINTCP = 3,      /* a SoupBinTCP server byte stream */
    BLANC_GEN_SOUPBINTCP_PCAP = 4  /* that stream as one TCP connection in a pcap */
} blanc_gen_format;

/* Parse "binaryfile", "moldudp64-pcap", "pcapng", "soupbintcp",
 * "soupbintcp-pcap"; BLANC_EINVAL. */
int blanc_gen_format_parse(const char *name);
const char *blanc_gen_format_name(blanc_gen_format f);

#define BLANC_GEN_GROUP_A UINT32_C(0xE9360C6F) /* 233.54.12.111 */
#define BLANC_GEN_GROUP_B UINT32_C(0xE931C46F) /* 233.49.196.111 */
#define BLANC_GEN_PORT 26477

/* Transport of a generated capture. Rates are per packet and per line, in
 * parts per million, drawn from a stream of the day's seed. */
typedef struct blanc_gen_transport {
    blanc_gen_format format;
    uint32_t group[2];    /* line A, line B destination (host order); 0: the defaults */
    uint16_t port[2];     /* 0: BLANC_GEN_PORT */
    int ab;               /* write line B too (same session and sequence numbers) */
    uint32_t drop_ppm, dup_ppm, reorder_ppm;
    uint32_t retransmit_ppm; /* soupbintcp-pcap: TCP segments written twice */
    uint32_t payload;     /* UDP payload limit (soupbintcp-pcap: the TCP MSS); 0: 1400
                             (at least 128, at most 65000) */
    uint32_t heartbeat_s; /* a heartbeat after this much quiet feed time; 0: none */
    uint64_t window_ns;   /* a packet closes once its messages span this; 0: 1 ms */
    uint64_t epoch_ns;    /* capture clock at the day's 00:00 (ITCH time 0); 0: 2024-01-02 UTC */
    char session[10];     /* MoldUDP64/SoupBinTCP session; all zero: "BLANC00001" */
    blanc_sink *packet_log; /* NULL, or a line per packet decision (docs/FEEDS.md) */
} blanc_gen_transport;

/* Per line: what was written and what the transport did to it. */
typedef struct blanc_gen_line_stats {
    uint64_t packets;          /* records written (all kinds, duplicates included) */
    uint64_t data_packets;     /* packets carrying messages (before loss) */
    uint64_t heartbeats;       /* heartbeat packets (never dropped) */
    uint64_t dropped_packets, dropped_messages;
    uint64_t dup_packets, dup_messages; /* extra copies written */
    uint64_t reordered_packets; /* held for 1 to 3 later packets and written after
                                   one of them (the arrival order shows it) */
} blanc_gen_line_stats;

/* The most frames blanc_gen_write writes (10G, ~300 GB of ITCH; a real day is
 * a few hundred million): every order reference it assigns then stays below
 * 2^40, which its injected unknown references use, and the per-symbol depth
 * arithmetic stays within 64 bits. */
#define BLANC_GEN_MAX_MESSAGES UINT64_C(10000000000)

typedef struct blanc_gen_config {
    uint64_t seed;
    uint64_t messages;  /* total frames to write, including the directory and system
                           events: at most BLANC_GEN_MAX_MESSAGES */
    uint32_t symbols;   /* instruments (default 100 when 0) */
    blanc_scenario scenario;
    uint64_t session_ns; /* feed time the body spans from 09:30; 0 = until 16:00 (flat only) */
    blanc_gen_profile profile; /* 0: flat, the bytes of earlier versions */
    const blanc_gen_transport *transport; /* NULL: a BinaryFILE */
} blanc_gen_config;

/* One place where the generator injected damage (for tests that check detection). */
typedef struct blanc_gen_injection {
    uint64_t index;  /* message index of the first damaged/affected frame */
    uint64_t offset; /* its byte offset */
    uint32_t count;  /* how many frames the injection spans */
    char kind[16];   /* "bad_length", "unknown_type", "gap", "burst", ... */
} blanc_gen_injection;

typedef struct blanc_gen_result {
    uint64_t messages, bytes;
    blanc_gen_injection *injections; /* malloc'd; free with blanc_gen_result_free */
    size_t n_injections;
    /* Captures: line A, line B (with ab), and the messages dropped on every
     * line written (what a replay arbitrating all lines must report lost). */
    blanc_gen_line_stats line[2];
    uint64_t lost_all_lines;
} blanc_gen_result;

/* Write a generated day to sink (not committed: the caller commits or aborts).
 * The same config always yields the same bytes. result may be NULL. */
int blanc_gen_write(const blanc_gen_config *cfg, blanc_sink *sink, blanc_gen_result *result);
void blanc_gen_result_free(blanc_gen_result *r);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif

#ifdef __cplusplus
}
#endif
#endif /* BLANC_H */
