/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The field table (src/feed/itch_fields.c) against the spec's stated lengths
 * (../shared/spec/itch50.md, copied below by hand): each type's fields tile
 * its message from byte 0 with no gap or overlap, start with the 11-byte
 * header, have widths their kind allows and snake_case names, once each.
 * tests/dump_test.py checks names, offsets and kinds against a decoder
 * written from the spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "blanc.h"

static const struct {
    char type;
    size_t len;
    size_t fields; /* the spec's fields after the header, counted in its table */
} spec[] = {
    {'S', 12, 1},  {'R', 39, 14}, {'H', 25, 4}, {'Y', 20, 2}, {'L', 26, 5}, {'V', 35, 3},
    {'W', 12, 1},  {'K', 28, 4},  {'J', 35, 5}, {'h', 21, 3}, {'A', 36, 5}, {'F', 40, 6},
    {'E', 31, 3},  {'C', 36, 5},  {'X', 23, 2}, {'D', 19, 1}, {'U', 35, 4}, {'P', 44, 6},
    {'Q', 40, 5},  {'B', 19, 1},  {'I', 50, 9}, {'N', 20, 2}, {'O', 48, 8},
};

static void test_rows_tile_the_spec_lengths(void **state)
{
    (void)state;
    assert_int_equal(sizeof spec / sizeof spec[0], BLANC_ITCH_NTYPES);
    for (size_t i = 0; i < sizeof spec / sizeof spec[0]; i++) {
        size_t n = 0;
        const blanc_itch_field *f = blanc_itch_fields((uint8_t)spec[i].type, &n);
        assert_non_null(f);
        assert_non_null(blanc_itch_type_name((uint8_t)spec[i].type));
        assert_int_equal(n, 4 + spec[i].fields);
        size_t at = 0;
        for (size_t k = 0; k < n; k++) {
            assert_int_equal(f[k].offset, at); /* contiguous: no gap, no overlap */
            at += f[k].width;
            switch (f[k].kind) {
            case BLANC_FIELD_ALPHA: assert_true(f[k].width >= 1 && f[k].width <= 8); break;
            case BLANC_FIELD_INTEGER:
                assert_true(f[k].width == 1 || f[k].width == 2 || f[k].width == 4 ||
                            f[k].width == 8);
                break;
            case BLANC_FIELD_PRICE4: assert_int_equal(f[k].width, 4); break;
            case BLANC_FIELD_PRICE8: assert_int_equal(f[k].width, 8); break;
            case BLANC_FIELD_TIMESTAMP: assert_int_equal(f[k].width, 6); break;
            default: fail_msg("type %c field %s: kind %u", spec[i].type, f[k].name, f[k].kind);
            }
            for (const char *c = f[k].name; *c; c++)
                assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
            for (size_t j = 0; j < k; j++)
                assert_string_not_equal(f[j].name, f[k].name);
        }
        assert_int_equal(at, spec[i].len);
        assert_int_equal(at, blanc_itch_msg_len((uint8_t)spec[i].type));
        /* the header */
        assert_string_equal(f[0].name, "type");
        assert_int_equal(f[0].kind, BLANC_FIELD_ALPHA);
        assert_string_equal(f[1].name, "stock_locate");
        assert_string_equal(f[2].name, "tracking_number");
        assert_string_equal(f[3].name, "timestamp");
        assert_int_equal(f[3].kind, BLANC_FIELD_TIMESTAMP);
        for (size_t k = 4; k < n; k++)
            assert_int_not_equal(f[k].kind, BLANC_FIELD_TIMESTAMP);
    }
}

static void test_unknown_types_have_no_row(void **state)
{
    (void)state;
    for (int b = 0; b < 256; b++) {
        size_t n = 99;
        const blanc_itch_field *f = blanc_itch_fields((uint8_t)b, &n);
        int known = blanc_itch_type_index((uint8_t)b) >= 0;
        assert_int_equal(f != NULL, known);
        assert_int_equal(n != 0, known);
        assert_int_equal(blanc_itch_type_name((uint8_t)b) != NULL, known);
    }
}

/* Values read big-endian at the field's offset, for every width. */
static void test_field_values(void **state)
{
    (void)state;
    /* O: header, stock, open eligibility, then prices and an 8-byte time */
    uint8_t m[48];
    for (size_t i = 0; i < sizeof m; i++)
        m[i] = (uint8_t)(i + 1);
    m[0] = 'O';
    size_t n;
    const blanc_itch_field *f = blanc_itch_fields('O', &n);
    assert_int_equal(blanc_itch_field_uint(m, &f[1]), 0x0203);             /* locate */
    assert_int_equal(blanc_itch_field_uint(m, &f[3]), 0x060708090a0bULL);  /* timestamp */
    assert_string_equal(f[6].name, "min_price");
    assert_int_equal(blanc_itch_field_uint(m, &f[6]), 0x15161718);
    assert_string_equal(f[9].name, "near_exec_time");
    assert_int_equal(blanc_itch_field_uint(m, &f[9]), 0x2122232425262728ULL);
    assert_int_equal(blanc_itch_field_uint(m, &f[0]), 'O');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_tile_the_spec_lengths),
        cmocka_unit_test(test_unknown_types_have_no_row),
        cmocka_unit_test(test_field_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
