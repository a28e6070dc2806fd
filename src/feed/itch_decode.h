/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Internal decoder. blanc__itch_fill() writes the fields a message type carries
 * and leaves every other field of *ev untouched, so the replay loop can decode
 * into a reused struct without clearing ~150 bytes per message; the public
 * blanc_itch_decode() clears first, then fills. The caller has already checked
 * that len equals blanc__itch_len[type]. */
#ifndef BLANC_ITCH_DECODE_H
#define BLANC_ITCH_DECODE_H

#include "blanc.h"
#include "common/bytes.h"

static inline void blanc__itch_fill(const uint8_t *m, blanc_event *ev)
{
    ev->type = (char)m[0];
    ev->locate = blanc_be16(m + 1);
    ev->tracking = blanc_be16(m + 3);
    ev->timestamp = blanc_be48(m + 5);
    /* Ordered by frequency on a real day: adds and deletes dominate. */
    switch (m[0]) {
    case 'A':
    case 'F':
        ev->ref = blanc_be64(m + 11);
        ev->side = (char)m[19];
        ev->shares = blanc_be32(m + 20);
        memcpy(ev->stock, m + 24, 8);
        ev->price = blanc_be32(m + 32);
        if (m[0] == 'F')
            memcpy(ev->u.attribution, m + 36, 4);
        break;
    case 'D':
        ev->ref = blanc_be64(m + 11);
        break;
    case 'U':
        ev->ref = blanc_be64(m + 11);
        ev->new_ref = blanc_be64(m + 19);
        ev->shares = blanc_be32(m + 27);
        ev->price = blanc_be32(m + 31);
        break;
    case 'E':
        ev->ref = blanc_be64(m + 11);
        ev->shares = blanc_be32(m + 19);
        ev->match = blanc_be64(m + 23);
        break;
    case 'X':
        ev->ref = blanc_be64(m + 11);
        ev->shares = blanc_be32(m + 19);
        break;
    case 'C':
        ev->ref = blanc_be64(m + 11);
        ev->shares = blanc_be32(m + 19);
        ev->match = blanc_be64(m + 23);
        ev->u.printable = (char)m[31];
        ev->price = blanc_be32(m + 32);
        break;
    case 'P':
        ev->ref = blanc_be64(m + 11);
        ev->side = (char)m[19];
        ev->shares = blanc_be32(m + 20);
        memcpy(ev->stock, m + 24, 8);
        ev->price = blanc_be32(m + 32);
        ev->match = blanc_be64(m + 36);
        break;
    case 'I':
        ev->u.noii.paired = blanc_be64(m + 11);
        ev->u.noii.imbalance = blanc_be64(m + 19);
        ev->u.noii.direction = (char)m[27];
        memcpy(ev->stock, m + 28, 8);
        ev->u.noii.far_price = blanc_be32(m + 36);
        ev->u.noii.near_price = blanc_be32(m + 40);
        ev->u.noii.ref_price = blanc_be32(m + 44);
        ev->u.noii.cross_type = (char)m[48];
        ev->u.noii.variation = (char)m[49];
        break;
    case 'S':
        ev->u.event_code = (char)m[11];
        break;
    case 'R': {
        blanc_ev_directory *d = &ev->u.directory;
        memcpy(ev->stock, m + 11, 8);
        d->market_category = (char)m[19];
        d->financial_status = (char)m[20];
        d->round_lot_size = blanc_be32(m + 21);
        d->round_lots_only = (char)m[25];
        d->issue_classification = (char)m[26];
        memcpy(d->issue_subtype, m + 27, 2);
        d->authenticity = (char)m[29];
        d->short_sale_threshold = (char)m[30];
        d->ipo_flag = (char)m[31];
        d->luld_tier = (char)m[32];
        d->etp_flag = (char)m[33];
        d->etp_leverage = blanc_be32(m + 34);
        d->inverse = (char)m[38];
        break;
    }
    case 'H':
        memcpy(ev->stock, m + 11, 8);
        ev->u.trading.state = (char)m[19];
        ev->u.trading.reserved = (char)m[20];
        memcpy(ev->u.trading.reason, m + 21, 4);
        break;
    case 'Y':
        memcpy(ev->stock, m + 11, 8);
        ev->u.reg_sho_action = (char)m[19];
        break;
    case 'L':
        memcpy(ev->u.participant.mpid, m + 11, 4);
        memcpy(ev->stock, m + 15, 8);
        ev->u.participant.primary = (char)m[23];
        ev->u.participant.mode = (char)m[24];
        ev->u.participant.state = (char)m[25];
        break;
    case 'V':
        ev->u.mwcb_decline.level1 = blanc_be64(m + 11);
        ev->u.mwcb_decline.level2 = blanc_be64(m + 19);
        ev->u.mwcb_decline.level3 = blanc_be64(m + 27);
        break;
    case 'W':
        ev->u.mwcb_level = (char)m[11];
        break;
    case 'K':
        memcpy(ev->stock, m + 11, 8);
        ev->u.ipo.release_time = blanc_be32(m + 19);
        ev->u.ipo.qualifier = (char)m[23];
        ev->u.ipo.price = blanc_be32(m + 24);
        break;
    case 'J':
        memcpy(ev->stock, m + 11, 8);
        ev->u.luld.ref_price = blanc_be32(m + 19);
        ev->u.luld.upper = blanc_be32(m + 23);
        ev->u.luld.lower = blanc_be32(m + 27);
        ev->u.luld.extension = blanc_be32(m + 31);
        break;
    case 'h':
        memcpy(ev->stock, m + 11, 8);
        ev->u.op_halt.market_code = (char)m[19];
        ev->u.op_halt.action = (char)m[20];
        break;
    case 'Q':
        ev->u.cross.shares = blanc_be64(m + 11);
        memcpy(ev->stock, m + 19, 8);
        ev->price = blanc_be32(m + 27);
        ev->match = blanc_be64(m + 31);
        ev->u.cross.cross_type = (char)m[39];
        break;
    case 'B':
        ev->match = blanc_be64(m + 11);
        break;
    case 'N':
        memcpy(ev->stock, m + 11, 8);
        ev->u.rpii_interest = (char)m[19];
        break;
    case 'O':
        memcpy(ev->stock, m + 11, 8);
        ev->u.dlcr.open_eligibility = (char)m[19];
        ev->u.dlcr.min_price = blanc_be32(m + 20);
        ev->u.dlcr.max_price = blanc_be32(m + 24);
        ev->u.dlcr.near_price = blanc_be32(m + 28);
        ev->u.dlcr.near_time = blanc_be64(m + 32);
        ev->u.dlcr.lower_collar = blanc_be32(m + 40);
        ev->u.dlcr.upper_collar = blanc_be32(m + 44);
        break;
    default:
        break;
    }
}

#endif
