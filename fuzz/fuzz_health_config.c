/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* The health config reader (docs/HEALTH.md §7) on arbitrary text: it must
 * accept or refuse without reading out of bounds, and what it accepts must
 * pass the config check and make a tracker. */
#include <stdlib.h>

#include "blanc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    blanc_health_config c;
    blanc_config_error err;
    blanc_health_config_default(&c);
    if (blanc_health_config_parse(&c, (const char *)data, size, &err) == 0) {
        blanc_health *h;
        if (blanc_health_config_check(&c, NULL) || blanc_health_create(&h, &c))
            abort();
        blanc_health_free(h);
    }
    return 0;
}
