/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Whether the start of an input is ITCH 5.0, and its framing (itch_sniff.c). */
#ifndef BLANC_ITCH_SNIFF_H
#define BLANC_ITCH_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "blanc.h"

/* How much of the input's start the rule looks at. */
#define BLANC_SNIFF_BYTES ((size_t)64 << 10)

/*
 * Judge p[0..n), the first bytes of an input (all of it if shorter than
 * BLANC_SNIFF_BYTES). *framing is the framing asked for; BLANC_FRAMING_AUTO is
 * replaced by the one detected. Returns 0, or BLANC_ENOTITCH with a sentence
 * in why[cap] saying what was found instead.
 */
int blanc__itch_sniff(const uint8_t *p, size_t n, blanc_framing *framing, char *why, size_t cap);

#endif
