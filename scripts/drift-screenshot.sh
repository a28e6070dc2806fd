#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Render a drift report in headless Chromium and check that each of its
# three plots drew: the screenshot is decoded by tests/png.py and each plot
# is found by its colour (a blank page, or a page whose SVG failed, has none).
#   scripts/drift-screenshot.sh REPORT.html OUT.png
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 REPORT.html OUT.png" >&2; exit 2; }
html=$(realpath "$1")
here=$(dirname "$(realpath "$0")")
chrome=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$chrome" ]] || { echo "drift-screenshot: chromium not installed" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# Full scale: at half scale the 2-pixel lines blur into the background.
"$chrome" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$profile" \
    --window-size=800,1500 --screenshot="$2" \
    "file://$html" >/dev/null 2>&1
/usr/bin/python3 - "$2" "$here/../tests" <<'PY'
import sys
sys.path.insert(0, sys.argv[2])
import png

# The colours cli/cmd_drift.c draws with; the run dots are #9467bd at 60 %
# opacity over the plot's #fafafa background.
plots = {"p50 over time": "#1f77b4", "p99 over time": "#ff7f0e", "p99.9 over time": "#d62728",
         "latency CDF": "#2ca02c",
         "runs": "#%02x%02x%02x" % tuple(round(0.6 * c + 0.4 * 0xfa) for c in (0x94, 0x67, 0xbd))}
seen = png.count_colours(sys.argv[1], list(plots.values()))
missing = [name for name, c in plots.items() if seen[c] < 10]
print("drift-screenshot: pixels per plot colour: %s" % ", ".join(
    "%s %d" % (name, seen[c]) for name, c in plots.items()))
if missing:
    print("drift-screenshot: not drawn: %s" % ", ".join(missing), file=sys.stderr)
sys.exit(1 if missing else 0)
PY
