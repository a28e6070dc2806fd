#!/usr/bin/env bash
# Capture replay benchmark (a benchmark, not a test: it asserts nothing).
#   bench/capture-bench.sh [BLANC] [MESSAGES] [SYMBOLS] [RUNS] [SESSION]
# Generates one deterministic day (seed 42) twice into bench/out/: as a BinaryFILE and as a
# MoldUDP64 pcap of the same messages (blanc gen --format moldudp64-pcap, docs/FEEDS.md
# "Generating captures"), warms the page cache, then replays them in turn, BinaryFILE then
# pcap, RUNS times, and reports each one's median ns/msg and the median of the per-pair
# ratios pcap / BinaryFILE (the issue's target: at most 1.1). SESSION (seconds of feed time
# the body spans, e.g. 600) packs the day denser, so packets hold more messages; without it
# the day is spread over 6.5 hours, mostly one message a packet (the harder case).
# Needs a blanc whose replay reads captures (issue 12); says so and stops otherwise.
set -euo pipefail
BLANC=${1:-build/blanc}
MESSAGES=${2:-10M}
SYMBOLS=${3:-500}
RUNS=${4:-5}
SESSION=${5:-}
dir=$(dirname "$0")/out
mkdir -p "$dir"
tag="s42-${MESSAGES}-${SYMBOLS}${SESSION:+-t$SESSION}"
day="$dir/day-$tag.itch"
cap="$dir/day-$tag.pcap"
opts=(--seed 42 --messages "$MESSAGES" --symbols "$SYMBOLS" ${SESSION:+--session "$SESSION"})
if [[ ! -f "$day" ]]; then
    echo "generating $day" >&2
    "$BLANC" gen "${opts[@]}" -o "$day"
fi
if [[ ! -f "$cap" ]]; then
    echo "generating $cap" >&2
    "$BLANC" gen "${opts[@]}" --format moldudp64-pcap -o "$cap" 2>&1 | tee "$cap.gen" >&2
fi
if ! "$BLANC" replay "$cap" --json --no-input-digest >/dev/null 2>"$dir/capture-bench.err"; then
    echo "blanc replay cannot read $cap yet: $(head -c 300 "$dir/capture-bench.err")" >&2
    echo "(this benchmark needs captures replaying on main: issue 12)" >&2
    exit 2
fi
cat "$day" "$cap" >/dev/null # page cache

ns_of() { "$BLANC" replay "$1" --json --no-input-digest | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["ns_per_message"])'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

printf 'BinaryFILE %s bytes, pcap %s bytes; %s\n' "$(stat -c %s "$day")" "$(stat -c %s "$cap")" \
    "$(grep 'line A' "$cap.gen" || true)"
bf=() pc=() ratio=()
for ((i = 0; i < RUNS; i++)); do
    a=$(ns_of "$day")
    b=$(ns_of "$cap")
    bf+=("$a") pc+=("$b")
    ratio+=("$(python3 -c "print($b/$a)")")
done
printf '%-34s median %6.1f ns/msg   runs: %s\n' "BinaryFILE, decode + L3 book" \
    "$(printf '%s\n' "${bf[@]}" | median)" "${bf[*]}"
printf '%-34s median %6.1f ns/msg   runs: %s\n' "MoldUDP64 pcap, decode + L3 book" \
    "$(printf '%s\n' "${pc[@]}" | median)" "${pc[*]}"
printf '%-34s median %6.3f          pairs: %s\n' "pcap / BinaryFILE" \
    "$(printf '%s\n' "${ratio[@]}" | median)" "${ratio[*]}"
if [[ -x /usr/bin/time ]]; then
    for f in "$day" "$cap"; do
        /usr/bin/time -f "$(basename "$f"): peak RSS %M KiB, wall %e s" \
            "$BLANC" replay "$f" --no-input-digest >/dev/null
    done
fi
