/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The health tracker's state as a snapshot holds it (docs/SNAPSHOT.md, the
 * health section): fixed scalars plus four record lists, all 64-bit words,
 * so the binary and the JSON encodings carry the same numbers and share one
 * checker. Nothing read from a file is trusted: health_image_apply() checks
 * every bound and every redundancy (counts against the events in the window,
 * instruments by worst state against the scopes) before a tracker takes it.
 */
#ifndef BLANC_HEALTH_IMAGE_H
#define BLANC_HEALTH_IMAGE_H

#include "blanc.h"

/* The scalars, in their binary order (docs/SNAPSHOT.md lists them). HI_HOT_AT
 * is the tracker's hot_at + 1, 0 for "cannot" (so every word fits a JSON
 * integer). */
enum {
    HI_G, HI_HAVE_G, HI_MS, HI_N, HI_BASE, HI_RUN, HI_WARM, HI_HAVE_MS, HI_HOT, HI_HOT_AT,
    HI_NEXT_RI, HI_NEXT_RT, HI_PUB, HI_SEEN, HI_SINCE, HI_END_OBS, HI_INDEX, HI_TS_AFTER,
    HI_DET, /* 4 detectors x (events, value, max_value, max_index) */
    HI_MAX_BACKWARD = HI_DET + 16, HI_LONGEST, HI_PEAK, HI_BURSTS, HI_GLOBAL_STATE,
    HI_GLOBAL_WORST, HI_INST_WORST, /* 5 */
    HI_IN_STATE = HI_INST_WORST + 5, /* 5 */
    HI_PUBLISHED = HI_IN_STATE + 5, HI_GATED, HI_FIRST_GATED, HI_TRANSITIONS, HI_RESETS,
    HI_FIRST_INDEX,
    HI_COUNT
};

/* Words per record of each list. */
_Static_assert(HI_COUNT == 56, "docs/SNAPSHOT.md lists 56 health scalars");

enum { HI_SCOPE_W = 8, HI_HWM_W = 2, HI_EVENT_W = 3, HI_TIMER_W = 3, HI_LISTS = 4 };

typedef struct health_image {
    uint64_t config_digest;
    uint64_t w[HI_COUNT];
    /* scopes: locate, gap, corrupt, skew, gen, state, worst, armed (ascending locate);
     * hwm: locate, largest timestamp + 1 (ascending locate);
     * events: index, locate, mask (oldest first);  timers: due, scope, gen (due order) */
    uint64_t n[HI_LISTS];
    uint64_t *list[HI_LISTS];
} health_image;

extern const unsigned health_image_width[HI_LISTS];
extern const char *const health_image_list_name[HI_LISTS]; /* "scopes" "hwm" "events" "timers" */
extern const char *const health_image_scalar_name[HI_COUNT];

/* XXH3-64 of the configuration as the tracker holds it (reset points sorted). */
uint64_t health_config_digest(const blanc_health_config *c);

/* The state of h now (lists malloc'd). */
int health_image_get(const blanc_health *h, health_image *img);
/* Allocate list k for n records (n bounded by the caller from the file size). */
int health_image_alloc(health_image *img, int k, uint64_t n);
void health_image_free(health_image *img);

#endif
