#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# The benchmarking report a release ships: this build benched on the bundled
# day, then `blanc bench report` as HTML and PDF (docs/TELEMETRY.md, "The
# benchmarking report"). The release workflow runs it, and so does .ci/run,
# so that the step a tag runs is the step CI has already seen pass.
#   scripts/release-report.sh [BLANC] [OUTDIR] [TITLE]   (from the top of the tree)
# Writes OUTDIR/benchmark-runs.jsonl, benchmark-report.html, benchmark-report.pdf.
set -euo pipefail
blanc=${1:-build/blanc}
out=${2:-dist}
title=${3:-Blanc $("$blanc" --version | head -1 | awk '{print $2}'): benchmark report}
# From the top of the tree, so that the page names the file as a user types it.
sample=${BLANC_SAMPLE:-data/sample-day.itch.zst}
mkdir -p "$out"
rm -f "$out/benchmark-runs.jsonl"
"$blanc" bench "$sample" --runs 7 --warmup 1 --jsonl "$out/benchmark-runs.jsonl" >/dev/null 2>&1
"$blanc" bench report "$out/benchmark-runs.jsonl" --title "$title" \
    -o "$out/benchmark-report.html" --pdf "$out/benchmark-report.pdf"
# A page with its plots (the PDF's own check, that it is one, is the CLI's:
# it renames the print onto the target only then).
grep -q '<svg' "$out/benchmark-report.html"
echo "release-report: $out/benchmark-report.html, $out/benchmark-report.pdf ($(wc -c < "$out/benchmark-report.pdf") bytes)"
