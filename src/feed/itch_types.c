/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
#include "blanc.h"
#include "feed/itch_types.h"

const char blanc_itch_types[BLANC_ITCH_NTYPES + 1] = "SRHYLVWKJhAFECXDUPQBINO";

const uint8_t blanc__itch_len[256] = {
    ['S'] = 12, ['R'] = 39, ['H'] = 25, ['Y'] = 20, ['L'] = 26, ['V'] = 35,
    ['W'] = 12, ['K'] = 28, ['J'] = 35, ['h'] = 21, ['A'] = 36, ['F'] = 40,
    ['E'] = 31, ['C'] = 36, ['X'] = 23, ['D'] = 19, ['U'] = 35, ['P'] = 44,
    ['Q'] = 40, ['B'] = 19, ['I'] = 50, ['N'] = 20, ['O'] = 48,
};

/* index + 1, so that the zero-initialised entries mean "unknown". */
const uint8_t blanc__itch_index1[256] = {
    ['S'] = 1,
    ['R'] = 2,
    ['H'] = 3,
    ['Y'] = 4,
    ['L'] = 5,
    ['V'] = 6,
    ['W'] = 7,
    ['K'] = 8,
    ['J'] = 9,
    ['h'] = 10,
    ['A'] = 11,
    ['F'] = 12,
    ['E'] = 13,
    ['C'] = 14,
    ['X'] = 15,
    ['D'] = 16,
    ['U'] = 17,
    ['P'] = 18,
    ['Q'] = 19,
    ['B'] = 20,
    ['I'] = 21,
    ['N'] = 22,
    ['O'] = 23,
};

size_t blanc_itch_msg_len(uint8_t type) { return blanc__itch_len[type]; }

int blanc_itch_type_index(uint8_t type) { return (int)blanc__itch_index1[type] - 1; }
