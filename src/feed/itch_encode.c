/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* ITCH 5.0 encoder: the inverse of the decoder, used by the generator and by
 * tests. Field offsets are those of docs/ITCH50.md. */
#include "blanc.h"
#include "common/bytes.h"
#include "feed/itch_types.h"

static void put_stock(uint8_t *m, size_t at, const blanc_event *ev) { memcpy(m + at, ev->stock, 8); }

int blanc_itch_encode(const blanc_event *ev, uint8_t *m, size_t cap)
{
    uint8_t t = (uint8_t)ev->type;
    size_t len = blanc__itch_len[t];
    if (!len)
        return BLANC_EUNKNOWNTYPE;
    if (cap < len)
        return BLANC_ETRUNCATED;
    memset(m, 0, len);
    m[0] = t;
    blanc_put_be16(m + 1, ev->locate);
    blanc_put_be16(m + 3, ev->tracking);
    blanc_put_be48(m + 5, ev->timestamp);
    switch (t) {
    case 'A':
    case 'F':
        blanc_put_be64(m + 11, ev->ref);
        m[19] = (uint8_t)ev->side;
        blanc_put_be32(m + 20, ev->shares);
        put_stock(m, 24, ev);
        blanc_put_be32(m + 32, ev->price);
        if (t == 'F')
            memcpy(m + 36, ev->u.attribution, 4);
        break;
    case 'D':
        blanc_put_be64(m + 11, ev->ref);
        break;
    case 'U':
        blanc_put_be64(m + 11, ev->ref);
        blanc_put_be64(m + 19, ev->new_ref);
        blanc_put_be32(m + 27, ev->shares);
        blanc_put_be32(m + 31, ev->price);
        break;
    case 'E':
    case 'C':
        blanc_put_be64(m + 11, ev->ref);
        blanc_put_be32(m + 19, ev->shares);
        blanc_put_be64(m + 23, ev->match);
        if (t == 'C') {
            m[31] = (uint8_t)ev->u.printable;
            blanc_put_be32(m + 32, ev->price);
        }
        break;
    case 'X':
        blanc_put_be64(m + 11, ev->ref);
        blanc_put_be32(m + 19, ev->shares);
        break;
    case 'P':
        blanc_put_be64(m + 11, ev->ref);
        m[19] = (uint8_t)ev->side;
        blanc_put_be32(m + 20, ev->shares);
        put_stock(m, 24, ev);
        blanc_put_be32(m + 32, ev->price);
        blanc_put_be64(m + 36, ev->match);
        break;
    case 'I':
        blanc_put_be64(m + 11, ev->u.noii.paired);
        blanc_put_be64(m + 19, ev->u.noii.imbalance);
        m[27] = (uint8_t)ev->u.noii.direction;
        put_stock(m, 28, ev);
        blanc_put_be32(m + 36, ev->u.noii.far_price);
        blanc_put_be32(m + 40, ev->u.noii.near_price);
        blanc_put_be32(m + 44, ev->u.noii.ref_price);
        m[48] = (uint8_t)ev->u.noii.cross_type;
        m[49] = (uint8_t)ev->u.noii.variation;
        break;
    case 'S':
        m[11] = (uint8_t)ev->u.event_code;
        break;
    case 'R': {
        const blanc_ev_directory *d = &ev->u.directory;
        put_stock(m, 11, ev);
        m[19] = (uint8_t)d->market_category;
        m[20] = (uint8_t)d->financial_status;
        blanc_put_be32(m + 21, d->round_lot_size);
        m[25] = (uint8_t)d->round_lots_only;
        m[26] = (uint8_t)d->issue_classification;
        memcpy(m + 27, d->issue_subtype, 2);
        m[29] = (uint8_t)d->authenticity;
        m[30] = (uint8_t)d->short_sale_threshold;
        m[31] = (uint8_t)d->ipo_flag;
        m[32] = (uint8_t)d->luld_tier;
        m[33] = (uint8_t)d->etp_flag;
        blanc_put_be32(m + 34, d->etp_leverage);
        m[38] = (uint8_t)d->inverse;
        break;
    }
    case 'H':
        put_stock(m, 11, ev);
        m[19] = (uint8_t)ev->u.trading.state;
        m[20] = (uint8_t)ev->u.trading.reserved;
        memcpy(m + 21, ev->u.trading.reason, 4);
        break;
    case 'Y':
        put_stock(m, 11, ev);
        m[19] = (uint8_t)ev->u.reg_sho_action;
        break;
    case 'L':
        memcpy(m + 11, ev->u.participant.mpid, 4);
        put_stock(m, 15, ev);
        m[23] = (uint8_t)ev->u.participant.primary;
        m[24] = (uint8_t)ev->u.participant.mode;
        m[25] = (uint8_t)ev->u.participant.state;
        break;
    case 'V':
        blanc_put_be64(m + 11, ev->u.mwcb_decline.level1);
        blanc_put_be64(m + 19, ev->u.mwcb_decline.level2);
        blanc_put_be64(m + 27, ev->u.mwcb_decline.level3);
        break;
    case 'W':
        m[11] = (uint8_t)ev->u.mwcb_level;
        break;
    case 'K':
        put_stock(m, 11, ev);
        blanc_put_be32(m + 19, ev->u.ipo.release_time);
        m[23] = (uint8_t)ev->u.ipo.qualifier;
        blanc_put_be32(m + 24, ev->u.ipo.price);
        break;
    case 'J':
        put_stock(m, 11, ev);
        blanc_put_be32(m + 19, ev->u.luld.ref_price);
        blanc_put_be32(m + 23, ev->u.luld.upper);
        blanc_put_be32(m + 27, ev->u.luld.lower);
        blanc_put_be32(m + 31, ev->u.luld.extension);
        break;
    case 'h':
        put_stock(m, 11, ev);
        m[19] = (uint8_t)ev->u.op_halt.market_code;
        m[20] = (uint8_t)ev->u.op_halt.action;
        break;
    case 'Q':
        blanc_put_be64(m + 11, ev->u.cross.shares);
        put_stock(m, 19, ev);
        blanc_put_be32(m + 27, ev->price);
        blanc_put_be64(m + 31, ev->match);
        m[39] = (uint8_t)ev->u.cross.cross_type;
        break;
    case 'B':
        blanc_put_be64(m + 11, ev->match);
        break;
    case 'N':
        put_stock(m, 11, ev);
        m[19] = (uint8_t)ev->u.rpii_interest;
        break;
    case 'O':
        put_stock(m, 11, ev);
        m[19] = (uint8_t)ev->u.dlcr.open_eligibility;
        blanc_put_be32(m + 20, ev->u.dlcr.min_price);
        blanc_put_be32(m + 24, ev->u.dlcr.max_price);
        blanc_put_be32(m + 28, ev->u.dlcr.near_price);
        blanc_put_be64(m + 32, ev->u.dlcr.near_time);
        blanc_put_be32(m + 40, ev->u.dlcr.lower_collar);
        blanc_put_be32(m + 44, ev->u.dlcr.upper_collar);
        break;
    default:
        break;
    }
    return (int)len;
}
