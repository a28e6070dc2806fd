#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Render folded stacks as a self-contained flame-graph SVG (no JavaScript).

    scripts/flamegraph.py IN.folded OUT.svg [--title TEXT] [--width PX]

IN.folded holds one stack a line, root first, frames joined by ';', then a
space and a count (what scripts/perf_fold.py writes). Each frame is a box
whose width is its share of all samples; its children stand on it, sorted by
name so the same profile always draws the same picture (x is not time). Hover
a box for its name, sample count and share (an SVG <title>). Colours only
group frames by layer (book, feed, digest, kernel, C library) so the eye finds
them; the width is the only measure.
"""
import argparse
import hashlib
import html
import sys

ROW = 16
FONT = 11
CHAR_W = 6.2  # average glyph width at FONT in a monospace face
MIN_W = 0.3   # boxes narrower than this are not drawn (still counted)

LAYERS = [  # (substring, base hue) first match wins
    ("_[k]", 200),               # kernel: blue
    ("digest", 280), ("xxh", 280), ("XXH", 280), ("fold", 280),  # digests: purple
    ("decode", 120), ("feed", 120), ("itch_", 120), ("source", 120),  # input: green
    ("order", 20), ("level", 20), ("book", 20), ("ri_", 20), ("ref_", 20),  # book: orange
    ("[libc", 55), ("mem", 55),  # C library: yellow
]


def colour(name):
    hue = 0
    for key, h in LAYERS:
        if key in name:
            hue = h
            break
    digest = hashlib.md5(name.encode()).digest()
    light = 55 + digest[0] % 20
    sat = 60 + digest[1] % 30
    return "hsl(%d,%d%%,%d%%)" % (hue + digest[2] % 25, sat, light)


class Node:
    __slots__ = ("name", "count", "kids")

    def __init__(self, name):
        self.name, self.count, self.kids = name, 0, {}


def load(path):
    root = Node("all")
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            stack, _, n = line.rpartition(" ")
            try:
                n = int(n)
            except ValueError:
                continue
            root.count += n
            node = root
            for fr in stack.split(";"):
                node = node.kids.setdefault(fr, Node(fr))
                node.count += n
    return root


def depth(node):
    return 1 + max((depth(k) for k in node.kids.values()), default=0)


def render(root, title, width):
    rows = depth(root)
    top = 40
    height = top + rows * ROW + 10
    scale = (width - 20) / max(root.count, 1)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
        'font-family="monospace" font-size="%d">' % (width, height, FONT),
        '<rect width="100%" height="100%" fill="#f8f8f8"/>',
        '<text x="%d" y="20" font-size="15" text-anchor="middle">%s</text>'
        % (width // 2, html.escape(title)),
        '<text x="10" y="34" fill="#555">%d samples; width = share of samples, '
        'x order = name (not time); hover a box for figures</text>' % root.count,
    ]

    def box(node, x, level):
        w = node.count * scale
        if w < MIN_W:
            return
        y = height - 10 - (level + 1) * ROW
        share = 100.0 * node.count / max(root.count, 1)
        tip = "%s: %d samples, %.2f%%" % (node.name, node.count, share)
        out.append('<g><title>%s</title><rect x="%.2f" y="%d" width="%.2f" '
                   'height="%d" fill="%s" stroke="#fff" stroke-width="0.5"/>'
                   % (html.escape(tip), x, y, w, ROW - 1, colour(node.name)))
        fit = int((w - 4) / CHAR_W)
        if fit >= 3:
            label = node.name if len(node.name) <= fit else node.name[:fit - 2] + ".."
            out.append('<text x="%.2f" y="%d">%s</text>'
                       % (x + 2, y + ROW - 4, html.escape(label)))
        out.append("</g>")
        cx = x
        for name in sorted(node.kids):
            kid = node.kids[name]
            box(kid, cx, level + 1)
            cx += kid.count * scale

    box(root, 10, 0)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folded")
    ap.add_argument("svg")
    ap.add_argument("--title", default="Flame graph")
    ap.add_argument("--width", type=int, default=1200)
    a = ap.parse_args()
    sys.setrecursionlimit(10000)
    root = load(a.folded)
    if root.count == 0:
        print("flamegraph.py: no samples in %s" % a.folded, file=sys.stderr)
        return 1
    with open(a.svg, "w", encoding="utf-8") as f:
        f.write(render(root, a.title, a.width))
    return 0


if __name__ == "__main__":
    sys.exit(main())
