/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Error codes and anomaly names: both come from the X-macro lists in blanc.h,
 * so a new code cannot be added without its text. */
#include "blanc.h"

const char *blanc_version(void) { return BLANC_VERSION_STRING; }

const char *blanc_strerror(int err)
{
    switch (err) {
    case BLANC_OK: return "success";
#define BLANC__ERRTEXT(name, code, text) case BLANC_E##name: return text;
        BLANC_ERRNO_MAP(BLANC__ERRTEXT)
#undef BLANC__ERRTEXT
    default: return "unknown error";
    }
}

const char *blanc_err_name(int err)
{
    switch (err) {
    case BLANC_OK: return "BLANC_OK";
#define BLANC__ERRNAME(name, code, text) case BLANC_E##name: return "BLANC_E" #name;
        BLANC_ERRNO_MAP(BLANC__ERRNAME)
#undef BLANC__ERRNAME
    default: return "BLANC_E?";
    }
}

static const char *const anomaly_keys[BLANC_AN_COUNT] = {
#define BLANC__ANKEY(name, key, text) key,
    BLANC_ANOMALY_MAP(BLANC__ANKEY)
#undef BLANC__ANKEY
};

static const char *const anomaly_texts[BLANC_AN_COUNT] = {
#define BLANC__ANTEXT(name, key, text) text,
    BLANC_ANOMALY_MAP(BLANC__ANTEXT)
#undef BLANC__ANTEXT
};

const char *blanc_anomaly_key(blanc_anomaly a)
{
    return (unsigned)a < BLANC_AN_COUNT ? anomaly_keys[a] : "?";
}

const char *blanc_anomaly_text(blanc_anomaly a)
{
    return (unsigned)a < BLANC_AN_COUNT ? anomaly_texts[a] : "?";
}
