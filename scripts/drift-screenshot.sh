#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Render a drift report in headless Chromium and check the screenshot has
# content (not a blank page): proves the self-contained HTML actually draws.
#   scripts/drift-screenshot.sh REPORT.html OUT.png
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: $0 REPORT.html OUT.png" >&2; exit 2; }
html=$(realpath "$1")
chrome=$(command -v chromium || command -v chromium-browser || true)
[[ -n "$chrome" ]] || { echo "drift-screenshot: chromium not installed" >&2; exit 2; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$chrome" --headless --no-sandbox --disable-gpu --user-data-dir="$profile" \
    --window-size=800,1400 --screenshot="$2" "file://$html" >/dev/null 2>&1
python3 - "$2" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
off, idat, w = 8, b"", 0
while off < len(data):
    n, kind = struct.unpack(">I4s", data[off:off + 8])
    body = data[off + 8:off + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    off += 12 + n
raw = zlib.decompress(idat)
colors = len(set(raw[i:i + 3] for i in range(0, len(raw), 997)))
print("drift-screenshot: %dx%d, %d distinct sampled colours" % (w, h, colors))
sys.exit(0 if colors >= 6 else 1)  # a blank page samples one or two
PY
