#!/usr/bin/python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fold `perf script` output into flame-graph stacks.

Reads the text `perf script` prints (one sample: a header line, then one
frame a line, leaf first, then a blank line) and writes one line per distinct
stack, root first, frames joined by ';', then a space and the number of
samples: the "folded" format every flame-graph tool reads.

    perf script -i perf.data | scripts/perf_fold.py > out.folded

Frame names are the symbol without its +0x offset; an unknown symbol becomes
[dso] so samples in a library without symbols still add up somewhere.
Kernel frames keep a _[k] suffix so they stand out in the graph.
"""
import re
import sys
from collections import Counter

FRAME = re.compile(r"^\s*[0-9a-fA-F]+\s+(.*?)\s+\(([^)]*)\)\s*$")


def frame_name(sym, dso):
    sym = re.sub(r"\+0x[0-9a-fA-F]+$", "", sym.strip())
    if not sym or sym == "[unknown]":
        base = dso.rsplit("/", 1)[-1] or "unknown"
        sym = "[" + base + "]"
    if dso.startswith("[kernel") or dso == "[kernel.kallsyms]":
        sym += "_[k]"
    return sym


def fold(lines):
    stacks = Counter()
    comm = None
    frames = []

    def flush():
        if comm is not None:
            path = [comm] + frames[::-1]
            stacks[";".join(path)] += 1

    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            flush()
            comm, frames = None, []
            continue
        if not line[0].isspace():
            flush()
            comm, frames = line.split()[0], []
            continue
        m = FRAME.match(line)
        if m and comm is not None:
            frames.append(frame_name(m.group(1), m.group(2)))
    flush()
    return stacks


def main():
    stacks = fold(sys.stdin)
    for stack, n in sorted(stacks.items()):
        sys.stdout.write("%s %d\n" % (stack, n))
    return 0 if stacks else 1


if __name__ == "__main__":
    sys.exit(main())
