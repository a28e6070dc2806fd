#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Regenerate the golden book snapshots deliberately, and say what changed.
#   scripts/update-golden.sh [--inputs] [BLANC]
# The expected snapshots are written by the independent reference
# (tests/reference/book.py), never by Blanc; Blanc only shows the differences
# (`blanc diff old new`). --inputs also regenerates the input days with
# `blanc gen` (only when the generator changed on purpose).
set -euo pipefail
cd "$(dirname "$0")/.."
inputs=0
if [[ "${1:-}" == "--inputs" ]]; then inputs=1; shift; fi
BLANC=${1:-build/blanc}
[[ -x "$BLANC" ]] || { echo "update-golden: build first (make build), or pass the blanc binary" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
changed=0 same=0 added=0
while read -r scenario seed messages symbols cuts; do
    [[ -z "$scenario" || "$scenario" == \#* ]] && continue
    input=tests/golden/$scenario.itch.zst
    if [[ $inputs -eq 1 || ! -f $input ]]; then
        "$BLANC" gen --seed "$seed" --messages "$messages" --symbols "$symbols" \
            --scenario "$scenario" -o "$input" >/dev/null
        echo "input     $input (regenerated)"
    fi
    args=()
    for c in $cuts; do args+=(--snapshot-at "$c"); done
    python3 tests/reference/book.py "$input" "${args[@]}" --snapshot-out "$tmp/$scenario" >/dev/null
    mkdir -p "tests/golden/expected/$scenario"
    for new in "$tmp/$scenario"/snap-*.json; do
        old=tests/golden/expected/$scenario/$(basename "$new")
        if [[ ! -f $old ]]; then
            echo "added     $old"; added=$((added + 1))
        elif cmp -s "$old" "$new"; then
            same=$((same + 1)); continue
        else
            echo "changed   $old:"
            "$BLANC" diff "$old" "$new" --max 10 | sed 's/^/          /' || true
            changed=$((changed + 1))
        fi
        cp "$new" "$old"
    done
done < tests/golden/CASES
echo "golden: $changed changed, $added added, $same unchanged"
