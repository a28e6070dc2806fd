/* SPDX-FileCopyrightText: 2026 The Blanc authors
 * SPDX-License-Identifier: AGPL-3.0-or-later */
/* Inline SVG plots for the HTML reports (svg.h). */
#include <math.h>
#include <stdio.h>

#include "svg.h"

enum { W = 720, H = 300, L = 70, R = 20, T = 30, B = 40 };

int svg_left(void) { return L; }
int svg_right(void) { return W - R; }
int svg_top(void) { return T; }
int svg_bottom(void) { return H - B; }

void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

double svg_x(const svg_plot *p, double x)
{
    return L + (p->x1 > p->x0 ? (x - p->x0) / (p->x1 - p->x0) : 0.5) * (W - L - R);
}

double svg_y(const svg_plot *p, double y)
{
    return H - B - (p->y1 > p->y0 ? (y - p->y0) / (p->y1 - p->y0) : 0.5) * (H - T - B);
}

/* A step of 1, 2 or 5 times a power of ten giving about n intervals. */
static double nice_step(double range, int n)
{
    double raw = range / n, mag = pow(10, floor(log10(raw))), r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
}

static void ytick(const svg_plot *p, double v)
{
    double y = svg_y(p, v);
    fprintf(p->f, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%g</text>\n"
                  "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
            L - 4, y + 4, p->logy ? pow(10, v) : v, L, W - R, y, y);
}

/* Grid lines at round values: every decade of a log axis, else 1-2-5 steps. */
static void yticks(const svg_plot *p)
{
    if (!(p->y1 > p->y0))
        return;
    if (p->logy) {
        double step = ceil((p->y1 - p->y0) / 6);
        for (double d = ceil(p->y0); d <= p->y1 + 1e-9; d += step)
            ytick(p, d);
        return;
    }
    double step = nice_step(p->y1 - p->y0, 4);
    for (double v = ceil(p->y0 / step) * step; v <= p->y1 + step * 1e-9; v += step)
        ytick(p, fabs(v) < step * 1e-9 ? 0 : v);
}

void svg_open(svg_plot *p, FILE *f, const char *title, const char *ylabel)
{
    p->f = f;
    fputs("<section class=\"plot\"><h2>", f);
    html_text(f, title);
    fprintf(f, "</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
               "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"",
            W, H, W, H);
    html_text(f, title);
    fprintf(f, "\">\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
               "stroke=\"#999\"/>\n",
            L, T, W - L - R, H - T - B);
    yticks(p);
    fprintf(f, "<text x=\"12\" y=\"%d\" font-size=\"11\" transform=\"rotate(-90 12 %d)\" "
               "text-anchor=\"middle\">",
            H / 2, H / 2);
    html_text(f, ylabel);
    fputs("</text>\n", f);
}

void svg_xticks(const svg_plot *p, const char *unit)
{
    for (double d = ceil(p->x0); d <= p->x1; d += 1)
        fprintf(p->f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%.0f%s</text>\n",
                svg_x(p, d), H - 22, pow(10, d), unit);
}

void svg_close(const svg_plot *p) { fputs("</svg></section>\n", p->f); }
