/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * Every field of the 23 ITCH 5.0 message types as data: name, offset, width
 * and kind, in the order the spec lists them (../shared/spec/itch50.md), the
 * 11-byte header included. `blanc dump` prints a message by walking its row,
 * so what it shows is the layout written here once, not a second decoder to
 * keep in step with src/feed/itch_decode.h (the replay's, left untouched).
 * tests/test_itch_fields.c checks that each row tiles its message exactly
 * (offsets contiguous from 0, widths summing to blanc_itch_msg_len).
 *
 * Names are the spec's field names in snake_case ("Stock Locate" ->
 * stock_locate); the Message Type field is called "type", as in every other
 * Blanc output.
 */
#include "blanc.h"
#include "common/bytes.h"

#define AL BLANC_FIELD_ALPHA
#define IN BLANC_FIELD_INTEGER
#define P4 BLANC_FIELD_PRICE4
#define P8 BLANC_FIELD_PRICE8
#define TS BLANC_FIELD_TIMESTAMP

#define HEADER                                                                         \
    {"type", 0, 1, AL}, {"stock_locate", 1, 2, IN}, {"tracking_number", 3, 2, IN},   \
        {"timestamp", 5, 6, TS}

static const blanc_itch_field f_S[] = {HEADER, {"event_code", 11, 1, AL}};
static const blanc_itch_field f_R[] = {
    HEADER,
    {"stock", 11, 8, AL},
    {"market_category", 19, 1, AL},
    {"financial_status", 20, 1, AL},
    {"round_lot_size", 21, 4, IN},
    {"round_lots_only", 25, 1, AL},
    {"issue_classification", 26, 1, AL},
    {"issue_sub_type", 27, 2, AL},
    {"authenticity", 29, 1, AL},
    {"short_sale_threshold", 30, 1, AL},
    {"ipo_flag", 31, 1, AL},
    {"luld_ref_price_tier", 32, 1, AL},
    {"etp_flag", 33, 1, AL},
    {"etp_leverage_factor", 34, 4, IN},
    {"inverse_indicator", 38, 1, AL},
};
static const blanc_itch_field f_H[] = {HEADER,
                                       {"stock", 11, 8, AL},
                                       {"trading_state", 19, 1, AL},
                                       {"reserved", 20, 1, AL},
                                       {"reason", 21, 4, AL}};
static const blanc_itch_field f_Y[] = {HEADER, {"stock", 11, 8, AL}, {"reg_sho_action", 19, 1, AL}};
static const blanc_itch_field f_L[] = {HEADER,
                                       {"mpid", 11, 4, AL},
                                       {"stock", 15, 8, AL},
                                       {"primary_market_maker", 23, 1, AL},
                                       {"market_maker_mode", 24, 1, AL},
                                       {"participant_state", 25, 1, AL}};
static const blanc_itch_field f_V[] = {
    HEADER, {"level_1", 11, 8, P8}, {"level_2", 19, 8, P8}, {"level_3", 27, 8, P8}};
static const blanc_itch_field f_W[] = {HEADER, {"breached_level", 11, 1, AL}};
/* Release time is seconds since midnight, a plain integer (not a Timestamp). */
static const blanc_itch_field f_K[] = {HEADER,
                                       {"stock", 11, 8, AL},
                                       {"release_time", 19, 4, IN},
                                       {"release_qualifier", 23, 1, AL},
                                       {"ipo_price", 24, 4, P4}};
/* The extension is a count of extensions, not a price. */
static const blanc_itch_field f_J[] = {HEADER,
                                       {"stock", 11, 8, AL},
                                       {"reference_price", 19, 4, P4},
                                       {"upper_collar", 23, 4, P4},
                                       {"lower_collar", 27, 4, P4},
                                       {"extension", 31, 4, IN}};
static const blanc_itch_field f_h[] = {
    HEADER, {"stock", 11, 8, AL}, {"market_code", 19, 1, AL}, {"halt_action", 20, 1, AL}};
static const blanc_itch_field f_A[] = {HEADER,
                                       {"order_ref", 11, 8, IN},
                                       {"side", 19, 1, AL},
                                       {"shares", 20, 4, IN},
                                       {"stock", 24, 8, AL},
                                       {"price", 32, 4, P4}};
static const blanc_itch_field f_F[] = {HEADER,
                                       {"order_ref", 11, 8, IN},
                                       {"side", 19, 1, AL},
                                       {"shares", 20, 4, IN},
                                       {"stock", 24, 8, AL},
                                       {"price", 32, 4, P4},
                                       {"attribution", 36, 4, AL}};
static const blanc_itch_field f_E[] = {HEADER,
                                       {"order_ref", 11, 8, IN},
                                       {"executed_shares", 19, 4, IN},
                                       {"match_number", 23, 8, IN}};
static const blanc_itch_field f_C[] = {HEADER,
                                       {"order_ref", 11, 8, IN},
                                       {"executed_shares", 19, 4, IN},
                                       {"match_number", 23, 8, IN},
                                       {"printable", 31, 1, AL},
                                       {"execution_price", 32, 4, P4}};
static const blanc_itch_field f_X[] = {
    HEADER, {"order_ref", 11, 8, IN}, {"cancelled_shares", 19, 4, IN}};
static const blanc_itch_field f_D[] = {HEADER, {"order_ref", 11, 8, IN}};
static const blanc_itch_field f_U[] = {HEADER,
                                       {"original_order_ref", 11, 8, IN},
                                       {"new_order_ref", 19, 8, IN},
                                       {"shares", 27, 4, IN},
                                       {"price", 31, 4, P4}};
static const blanc_itch_field f_P[] = {HEADER,
                                       {"order_ref", 11, 8, IN},
                                       {"side", 19, 1, AL},
                                       {"shares", 20, 4, IN},
                                       {"stock", 24, 8, AL},
                                       {"price", 32, 4, P4},
                                       {"match_number", 36, 8, IN}};
static const blanc_itch_field f_Q[] = {HEADER,
                                       {"shares", 11, 8, IN},
                                       {"stock", 19, 8, AL},
                                       {"cross_price", 27, 4, P4},
                                       {"match_number", 31, 8, IN},
                                       {"cross_type", 39, 1, AL}};
static const blanc_itch_field f_B[] = {HEADER, {"match_number", 11, 8, IN}};
static const blanc_itch_field f_I[] = {HEADER,
                                       {"paired_shares", 11, 8, IN},
                                       {"imbalance_shares", 19, 8, IN},
                                       {"direction", 27, 1, AL},
                                       {"stock", 28, 8, AL},
                                       {"far_price", 36, 4, P4},
                                       {"near_price", 40, 4, P4},
                                       {"reference_price", 44, 4, P4},
                                       {"cross_type", 48, 1, AL},
                                       {"price_variation_indicator", 49, 1, AL}};
static const blanc_itch_field f_N[] = {HEADER, {"stock", 11, 8, AL}, {"interest_flag", 19, 1, AL}};
/* Near execution time is an 8-byte integer in the spec, not a 6-byte Timestamp. */
static const blanc_itch_field f_O[] = {HEADER,
                                       {"stock", 11, 8, AL},
                                       {"open_eligibility", 19, 1, AL},
                                       {"min_price", 20, 4, P4},
                                       {"max_price", 24, 4, P4},
                                       {"near_exec_price", 28, 4, P4},
                                       {"near_exec_time", 32, 8, IN},
                                       {"lower_collar", 40, 4, P4},
                                       {"upper_collar", 44, 4, P4}};

typedef struct type_row {
    const blanc_itch_field *f;
    uint8_t n;
    const char *name;
} type_row;

#define ROWc(c, t, name) [c] = {f_##t, sizeof f_##t / sizeof f_##t[0], name}

static const type_row rows[256] = {
    ROWc('S', S, "System Event"),
    ROWc('R', R, "Stock Directory"),
    ROWc('H', H, "Stock Trading Action"),
    ROWc('Y', Y, "Reg SHO Restriction"),
    ROWc('L', L, "Market Participant Position"),
    ROWc('V', V, "MWCB Decline Level"),
    ROWc('W', W, "MWCB Status"),
    ROWc('K', K, "IPO Quoting Period Update"),
    ROWc('J', J, "LULD Auction Collar"),
    ROWc('h', h, "Operational Halt"),
    ROWc('A', A, "Add Order (no attribution)"),
    ROWc('F', F, "Add Order with MPID"),
    ROWc('E', E, "Order Executed"),
    ROWc('C', C, "Order Executed With Price"),
    ROWc('X', X, "Order Cancel"),
    ROWc('D', D, "Order Delete"),
    ROWc('U', U, "Order Replace"),
    ROWc('P', P, "Trade (non-cross)"),
    ROWc('Q', Q, "Cross Trade"),
    ROWc('B', B, "Broken Trade"),
    ROWc('I', I, "Net Order Imbalance (NOII)"),
    ROWc('N', N, "Retail Price Improvement (RPII)"),
    ROWc('O', O, "Direct Listing with Capital Raise"),
};

const blanc_itch_field *blanc_itch_fields(uint8_t type, size_t *n)
{
    const type_row *r = &rows[type];
    if (n)
        *n = r->n;
    return r->n ? r->f : NULL;
}

const char *blanc_itch_type_name(uint8_t type) { return rows[type].name; }

uint64_t blanc_itch_field_uint(const uint8_t *msg, const blanc_itch_field *f)
{
    const uint8_t *p = msg + f->offset;
    switch (f->width) {
    case 1: return p[0];
    case 2: return blanc_be16(p);
    case 4: return blanc_be32(p);
    case 6: return blanc_be48(p);
    case 8: return blanc_be64(p);
    default: return 0; /* alpha fields of other widths carry no number */
    }
}
