#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Licence compliance (CI):
#   1. every source file has an SPDX header: the files without one are listed,
#      with the command that adds it (scripts/spdx-headers.py);
#   2. reuse lint: every file Git tracks has copyright and licence information
#      (headers, or .reuse/dep5 for docs, data and templates) and LICENSES/
#      holds each licence used;
#   3. the dependency audit of a build (scripts/dep-audit.py --check BUILD):
#      every library blanc and libblanc.so link is reviewed in
#      docs/DEPENDENCIES.md and compatible with AGPL-3.0-or-later.
#   scripts/licences.sh [BUILD_DIR]   (default build; skips 3 if it has no blanc)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
fail=0
echo "licences: SPDX headers"
/usr/bin/python3 scripts/spdx-headers.py --check || fail=1
echo "licences: reuse lint"
out=$(reuse lint 2>&1) || { printf '%s\n' "$out"; fail=1; }
tail -1 <<<"$out"
if [[ -x "$build/blanc" ]]; then
    echo "licences: linked dependencies ($build)"
    /usr/bin/python3 scripts/dep-audit.py --check "$build" || fail=1
else
    echo "licences: no $build/blanc, dependency audit skipped"
fi
exit $fail
