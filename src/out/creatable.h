/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
#ifndef BLANC_OUT_CREATABLE_H
#define BLANC_OUT_CREATABLE_H

#include <stddef.h>

/*
 * Whether an output can be made at path (a file, or with folder a folder),
 * asked before any work so that a run is not refused only at its end: 0, or
 * BLANC_EOPEN / BLANC_EISDIR with the system's reason in *sys and a phrase
 * naming the culprit in what[cap] ("its folder 'x' does not exist"). Nothing
 * is created. The outputs themselves still report what the check cannot
 * foresee (a disk that fills, a folder removed in between).
 */
int blanc__creatable(const char *path, int folder, int *sys, char *what, size_t cap);

#endif
