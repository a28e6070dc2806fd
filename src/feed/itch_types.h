/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The ITCH 5.0 type table, shared by the framer, decoder and encoder. A 256-entry
 * length table indexed by the type byte answers "known type?" and "right length?"
 * with one load, which is what the hot path asks for every message. */
#ifndef BLANC_ITCH_TYPES_H
#define BLANC_ITCH_TYPES_H

#include <stdint.h>

/* Fixed message length per type byte; 0 for bytes that are not an ITCH 5.0 type. */
extern const uint8_t blanc__itch_len[256];
/* Canonical index + 1 (position in blanc_itch_types) per type byte; 0 if unknown. */
extern const uint8_t blanc__itch_index1[256];

#endif
