/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Framer and decoder, table-driven: literal bytes written from docs/ITCH50.md
 * with the fields they must decode to; every truncation point of every type;
 * every byte that is not a type; lengths one off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "blanc.h"

/* Header: type, locate 0x0102, tracking 0x0304, timestamp 0x0a0b0c0d0e0f. */
#define HDR(t) t, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f
#define REF8 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xe2, 0x40 /* 123456 */
#define SYM8 'A', 'A', 'P', 'L', ' ', ' ', ' ', ' '

static const uint8_t msg_A[] = {HDR('A'), REF8, 'B', 0x00, 0x00, 0x01, 0x2c, SYM8,
                                0x00, 0x12, 0xd6, 0x87}; /* 300 sh @ 1234567 */
static const uint8_t msg_F[] = {HDR('F'), REF8, 'S', 0x00, 0x00, 0x00, 0x64, SYM8,
                                0x00, 0x00, 0x27, 0x10, 'G', 'S', 'C', 'O'};
static const uint8_t msg_E[] = {HDR('E'), REF8, 0x00, 0x00, 0x00, 0x32,
                                0, 0, 0, 0, 0, 0, 0x30, 0x39}; /* 50 sh, match 12345 */
static const uint8_t msg_C[] = {HDR('C'), REF8, 0x00, 0x00, 0x00, 0x0a, 0, 0, 0, 0, 0, 0,
                                0x00, 0x07, 'Y', 0x00, 0x01, 0x86, 0xa0}; /* px 100000 */
static const uint8_t msg_X[] = {HDR('X'), REF8, 0x00, 0x00, 0x00, 0x05};
static const uint8_t msg_D[] = {HDR('D'), REF8};
static const uint8_t msg_U[] = {HDR('U'), REF8, 0, 0, 0, 0, 0, 0x01, 0xe2, 0x41, 0x00, 0x00,
                                0x00, 0xc8, 0x00, 0x00, 0x03, 0xe8}; /* new 123457, 200 @ 1000 */
static const uint8_t msg_P[] = {HDR('P'), REF8, 'B', 0x00, 0x00, 0x00, 0x64, SYM8,
                                0x00, 0x00, 0x03, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0x09};
static const uint8_t msg_S[] = {HDR('S'), 'Q'};
static const uint8_t msg_R[] = {HDR('R'), SYM8, 'Q', 'N', 0x00, 0x00, 0x00, 0x64, 'N', 'C',
                                'Z', ' ', 'P', 'N', ' ', '1', 'N', 0x00, 0x00, 0x00, 0x02, 'N'};
static const uint8_t msg_H[] = {HDR('H'), SYM8, 'H', ' ', 'L', 'U', 'D', 'P'};
static const uint8_t msg_Q[] = {HDR('Q'), 0, 0, 0, 0, 0, 0, 0x27, 0x10, SYM8,
                                0x00, 0x00, 0x03, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0x05, 'O'};
static const uint8_t msg_B[] = {HDR('B'), 0, 0, 0, 0, 0, 0, 0, 0x2a};

static void common(const blanc_event *e, char type)
{
    assert_int_equal(e->type, type);
    assert_int_equal(e->locate, 0x0102);
    assert_int_equal(e->tracking, 0x0304);
    assert_int_equal(e->timestamp, 0x0a0b0c0d0e0full);
}

static void decode_ok(const uint8_t *m, size_t len, blanc_event *e)
{
    assert_int_equal(blanc_itch_decode(m, len, e), (int)len);
    assert_int_equal(len, blanc_itch_msg_len(m[0]));
}

static void literal_messages_decode_to_their_fields(void **state)
{
    (void)state;
    blanc_event e;
    decode_ok(msg_A, sizeof msg_A, &e);
    common(&e, 'A');
    assert_int_equal(e.ref, 123456);
    assert_int_equal(e.side, 'B');
    assert_int_equal(e.shares, 300);
    assert_memory_equal(e.stock, "AAPL    ", 8);
    assert_int_equal(e.price, 1234567);
    decode_ok(msg_F, sizeof msg_F, &e);
    assert_int_equal(e.side, 'S');
    assert_int_equal(e.price, 10000);
    assert_memory_equal(e.u.attribution, "GSCO", 4);
    decode_ok(msg_E, sizeof msg_E, &e);
    assert_int_equal(e.ref, 123456);
    assert_int_equal(e.shares, 50);
    assert_int_equal(e.match, 12345);
    assert_int_equal(e.price, 0);
    decode_ok(msg_C, sizeof msg_C, &e);
    assert_int_equal(e.shares, 10);
    assert_int_equal(e.match, 7);
    assert_int_equal(e.u.printable, 'Y');
    assert_int_equal(e.price, 100000);
    decode_ok(msg_X, sizeof msg_X, &e);
    assert_int_equal(e.shares, 5);
    decode_ok(msg_D, sizeof msg_D, &e);
    common(&e, 'D');
    assert_int_equal(e.ref, 123456);
    assert_int_equal(e.shares, 0);
    decode_ok(msg_U, sizeof msg_U, &e);
    assert_int_equal(e.ref, 123456);
    assert_int_equal(e.new_ref, 123457);
    assert_int_equal(e.shares, 200);
    assert_int_equal(e.price, 1000);
    decode_ok(msg_P, sizeof msg_P, &e);
    assert_int_equal(e.match, 9);
    assert_int_equal(e.shares, 100);
    decode_ok(msg_S, sizeof msg_S, &e);
    assert_int_equal(e.u.event_code, 'Q');
    decode_ok(msg_R, sizeof msg_R, &e);
    assert_memory_equal(e.stock, "AAPL    ", 8);
    assert_int_equal(e.u.directory.market_category, 'Q');
    assert_int_equal(e.u.directory.round_lot_size, 100);
    assert_int_equal(e.u.directory.etp_leverage, 2);
    assert_int_equal(e.u.directory.inverse, 'N');
    decode_ok(msg_H, sizeof msg_H, &e);
    assert_int_equal(e.u.trading.state, 'H');
    assert_memory_equal(e.u.trading.reason, "LUDP", 4);
    decode_ok(msg_Q, sizeof msg_Q, &e);
    assert_int_equal(e.u.cross.shares, 10000);
    assert_int_equal(e.price, 1000);
    assert_int_equal(e.match, 5);
    assert_int_equal(e.u.cross.cross_type, 'O');
    decode_ok(msg_B, sizeof msg_B, &e);
    assert_int_equal(e.match, 42);
}

static const size_t spec_len[23] = {12, 39, 25, 20, 26, 35, 12, 28, 35, 21, 36, 40,
                                    31, 36, 23, 19, 35, 44, 40, 19, 50, 20, 48};

static void type_table_matches_the_spec(void **state)
{
    (void)state;
    assert_string_equal(blanc_itch_types, "SRHYLVWKJhAFECXDUPQBINO");
    for (int b = 0; b < 256; b++) {
        const char *at = b ? strchr(blanc_itch_types, b) : NULL;
        int idx = at ? (int)(at - blanc_itch_types) : -1;
        assert_int_equal(blanc_itch_type_index((uint8_t)b), idx);
        assert_int_equal(blanc_itch_msg_len((uint8_t)b), idx < 0 ? 0 : spec_len[idx]);
    }
}

/* For every type: every truncation of its frame, lengths one off, round trip. */
static void every_type_every_truncation_point(void **state)
{
    (void)state;
    for (int i = 0; i < BLANC_ITCH_NTYPES; i++) {
        size_t len = spec_len[i];
        uint8_t frame[2 + 64], enc[64];
        blanc_event e, back;
        memset(&e, 0, sizeof e);
        e.type = blanc_itch_types[i];
        e.locate = 7;
        e.timestamp = 1234567890123ull;
        e.ref = 99;
        e.shares = 5;
        memcpy(e.stock, "ZZ      ", 8);
        assert_int_equal(blanc_itch_encode(&e, enc, sizeof enc), (int)len);
        assert_int_equal(blanc_itch_encode(&e, enc, len - 1), BLANC_ETRUNCATED);
        frame[0] = (uint8_t)(len >> 8);
        frame[1] = (uint8_t)len;
        memcpy(frame + 2, enc, len);
        for (size_t k = 0; k < 2 + len; k++) {
            const uint8_t *m = NULL;
            size_t ml = 0;
            assert_int_equal(blanc_itch_frame(frame, k, &m, &ml), BLANC_ETRUNCATED);
        }
        const uint8_t *m;
        size_t ml;
        assert_int_equal(blanc_itch_frame(frame, 2 + len, &m, &ml), (int)(2 + len));
        assert_ptr_equal(m, frame + 2);
        assert_int_equal(ml, len);
        assert_int_equal(blanc_itch_decode(m, len, &back), (int)len);
        assert_int_equal(back.type, e.type);
        assert_int_equal(back.locate, 7);
        assert_int_equal(back.timestamp, 1234567890123ull);
        assert_int_equal(blanc_itch_decode(m, len - 1, &back), BLANC_EBADLEN);
        assert_int_equal(blanc_itch_decode(m, len + 1, &back), BLANC_EBADLEN);
        assert_int_equal(blanc_itch_decode(m, 0, &back), BLANC_ETRUNCATED);
    }
}

static void unknown_types_and_end_of_session(void **state)
{
    (void)state;
    uint8_t m[64] = {0};
    blanc_event e;
    for (int b = 0; b < 256; b++) {
        if (blanc_itch_msg_len((uint8_t)b))
            continue;
        m[0] = (uint8_t)b;
        assert_int_equal(blanc_itch_decode(m, 20, &e), BLANC_EUNKNOWNTYPE);
    }
    const uint8_t zero[] = {0, 0, 'S'};
    const uint8_t *p;
    size_t n;
    assert_int_equal(blanc_itch_frame(zero, 3, &p, &n), BLANC_EENDSESSION);
    assert_int_equal(blanc_itch_frame(zero, 2, &p, &n), BLANC_EENDSESSION);
    assert_int_equal(blanc_itch_frame(zero, 1, &p, &n), BLANC_ETRUNCATED);
}

static void literal_bytes_round_trip_through_the_encoder(void **state)
{
    (void)state;
    const struct { const uint8_t *m; size_t n; } t[] = {
        {msg_A, sizeof msg_A}, {msg_F, sizeof msg_F}, {msg_E, sizeof msg_E},
        {msg_C, sizeof msg_C}, {msg_X, sizeof msg_X}, {msg_D, sizeof msg_D},
        {msg_U, sizeof msg_U}, {msg_P, sizeof msg_P}, {msg_S, sizeof msg_S},
        {msg_R, sizeof msg_R}, {msg_H, sizeof msg_H}, {msg_Q, sizeof msg_Q},
        {msg_B, sizeof msg_B},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        blanc_event e;
        uint8_t out[64];
        assert_int_equal(blanc_itch_decode(t[i].m, t[i].n, &e), (int)t[i].n);
        assert_int_equal(blanc_itch_encode(&e, out, sizeof out), (int)t[i].n);
        assert_memory_equal(out, t[i].m, t[i].n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(literal_messages_decode_to_their_fields),
        cmocka_unit_test(type_table_matches_the_spec),
        cmocka_unit_test(every_type_every_truncation_point),
        cmocka_unit_test(unknown_types_and_end_of_session),
        cmocka_unit_test(literal_bytes_round_trip_through_the_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
