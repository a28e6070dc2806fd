#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Replay throughput benchmark (a benchmark, not a test: it asserts nothing).
#   bench/replay-bench.sh [BLANC] [MESSAGES] [SYMBOLS] [RUNS]
# Generates a deterministic day (seed 42) once into bench/out/, warms the page
# cache, then replays it RUNS times with the book and reports the median
# ns/msg and messages/s, plus peak RSS from /usr/bin/time when available.
set -euo pipefail
BLANC=${1:-build/blanc}
MESSAGES=${2:-10M}
SYMBOLS=${3:-500}
RUNS=${4:-5}
dir=$(dirname "$0")/out
mkdir -p "$dir"
day="$dir/day-s42-${MESSAGES}-${SYMBOLS}.itch"
if [[ ! -f "$day" ]]; then
    echo "generating $day" >&2
    "$BLANC" gen --seed 42 --messages "$MESSAGES" --symbols "$SYMBOLS" -o "$day"
fi
cat "$day" >/dev/null # page cache

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

run_mode() {
    local label=$1; shift
    local ns=()
    for ((i = 0; i < RUNS; i++)); do
        ns+=("$("$BLANC" replay "$day" --json "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ns_per_message"])')")
    done
    local med
    med=$(printf '%s\n' "${ns[@]}" | median)
    printf '%-28s median %6.1f ns/msg  %6.2f M msg/s   runs: %s\n' "$label" "$med" \
        "$(python3 -c "print(1e3/$med)")" "${ns[*]}"
}

"$BLANC" replay "$day" --json --no-input-digest | python3 -c '
import json, sys
j = json.load(sys.stdin)
print("day: %d messages, %d instruments, %d bytes, peak %d live orders, %d at the end"
      % (j["messages"], j["instruments"], j["bytes"], j["peak_orders"], j["live_orders"]))'
run_mode "decode + L3 book" --no-input-digest
run_mode "decode + L3 book + input digest"
if "$BLANC" replay --help | grep -q -- --no-book; then
    run_mode "decode only" --no-book --no-input-digest
fi
if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f 'peak RSS %M KiB, wall %e s' "$BLANC" replay "$day" --no-input-digest >/dev/null
fi
