/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Plots as inline SVG, and HTML text, for the CLI's self-contained HTML
 * reports (bench drift, bench report): no script, no network, so a page
 * mailed to a customer or opened years later draws the same. */
#ifndef BLANC_CLI_SVG_H
#define BLANC_CLI_SVG_H

#include <stdio.h>

/* One plot: the data ranges it maps onto its frame. Log axes are the
 * caller's: pass log10 of the values, and for y set logy, so that the grid
 * labels read as values (0.1, 0.001) and not as exponents; a log x axis is
 * labelled by svg_xticks. */
typedef struct svg_plot {
    FILE *f;
    double x0, x1, y0, y1;
    int logy;
} svg_plot;

/* "<section class=plot><h2>title</h2><svg ...>" (a section, so that print
 * keeps a plot with its heading), the frame, the y grid with labels, the y label. */
void svg_open(svg_plot *p, FILE *f, const char *title, const char *ylabel);
/* Tick labels at each decade along a log x axis, unit after each value. */
void svg_xticks(const svg_plot *p, const char *unit);
void svg_close(const svg_plot *p);
double svg_x(const svg_plot *p, double x);
double svg_y(const svg_plot *p, double y);
/* The frame's pixel edges, for lines and labels drawn by the caller. */
int svg_left(void);
int svg_right(void);
int svg_top(void);
int svg_bottom(void);

/* s as HTML text or attribute value: & < > " ' escaped. */
void html_text(FILE *f, const char *s);

#endif
