/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/*
 * The LOBSTER writer's parts (docs/EMIT.md "LOBSTER"): lobster.c turns change
 * records into message rows with their orderbook rows; lobster_csv.c owns
 * the files (names, folder, temp sinks) and writes the rows as CSV.
 */
#ifndef BLANC_OUT_LOBSTER_H
#define BLANC_OUT_LOBSTER_H

#include "blanc.h"
#include "out/obuf.h"

typedef struct lob_files lob_files;

/* Open the 2 * o->n_symbols files (temp sinks) in o->dir, made if missing. */
int blanc__lob_files_open(lob_files **out, const blanc_lobster_options *o, int *sys, char *path,
                          size_t cap);
/* One row and its orderbook row (4 * depth numbers) for symbol i. */
void blanc__lob_files_row(lob_files *f, size_t i, const blanc_lobster_row *row, uint32_t depth);
int blanc__lob_files_finish(lob_files *f, int *sys, char *path, size_t cap);
int blanc__lob_files_commit(lob_files *f, int *sys, char *path, size_t cap);
void blanc__lob_files_unlink(const lob_files *f);
void blanc__lob_files_free(lob_files *f);

#endif
