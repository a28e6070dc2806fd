#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Profile one `blanc replay` and write a flame graph plus the top symbols.
#
#   scripts/profile.sh FILE [OUTDIR] [-- REPLAY OPTIONS...]
#
# Writes into OUTDIR (default /tmp/blanc-profile):
#   flame.svg       flame graph (self-contained SVG, hover a box for figures)
#   replay.folded   the folded stacks it was drawn from (root;...;leaf COUNT)
#   top-self.txt    symbols by self time (where the CPU was when sampled)
#   top-total.txt   symbols by total time (self + what they called)
#   replay.txt      the replay's own summary (digests, counts)
#   perf.data       raw samples (perf report -i OUTDIR/perf.data for more)
#
# By default it builds its own Release binary in /tmp/blanc-prof-build with
# the project's flags plus -g -fno-omit-frame-pointer, so perf can walk the
# stacks cheaply by frame pointers (the optimised code is the same apart from
# one register). BLANC=path profiles that binary instead, walking stacks by
# DWARF unwinding (heavier: bigger perf.data, slower perf script).
# FREQ (default 999) is the sampling rate in Hz. PROFILER=callgrind forces the
# fallback below even where perf works.
#
# Needs perf (Debian: linux-perf). When perf cannot sample here (not
# installed, or kernel.perf_event_paranoid > 2, or no perf events in the
# container) it falls back to valgrind's callgrind: exact instruction counts
# instead of time samples, ~50x slower (use a 1M-message day), and the flame
# graph then has one level (each function's own instructions) because
# callgrind does not record whole stacks.
set -euo pipefail

usage() { echo "usage: scripts/profile.sh FILE [OUTDIR] [-- REPLAY OPTIONS...]" >&2; exit 2; }
[[ $# -ge 1 && "$1" != -h && "$1" != --help ]] || usage
file=$1; shift
out=/tmp/blanc-profile
if [[ $# -ge 1 && "$1" != -- ]]; then out=$1; shift; fi
if [[ $# -ge 1 ]]; then [[ "$1" == -- ]] || usage; shift; fi
[[ -r "$file" ]] || { echo "profile.sh: cannot read $file" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
py=/usr/bin/python3
freq=${FREQ:-999}
mkdir -p "$out"

if [[ -n "${BLANC:-}" ]]; then
    bin=$BLANC
    callgraph=(--call-graph "dwarf,16384")
else
    bdir=/tmp/blanc-prof-build
    echo "profile.sh: building $bdir (Release, -g -fno-omit-frame-pointer)" >&2
    cmake -S "$repo" -B "$bdir" -DCMAKE_BUILD_TYPE=Release -DBLANC_TESTS=OFF \
        -DCMAKE_C_FLAGS="-g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer" >/dev/null
    cmake --build "$bdir" -j2 --target blanc_cli >/dev/null
    bin=$bdir/blanc
    [[ -x "$bin" ]] || { echo "profile.sh: build gave no $bin" >&2; exit 1; }
    callgraph=(--call-graph fp)
fi

perf_ok() {
    command -v perf >/dev/null || { echo "profile.sh: perf not installed (apt-get install linux-perf)" >&2; return 1; }
    local p
    p=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo "?")
    echo "profile.sh: kernel.perf_event_paranoid = $p (2: user-space samples only, no kernel frames)" >&2
    perf record -q -o "$out/.probe.data" -- true >/dev/null 2>&1 || {
        echo "profile.sh: perf cannot record in this environment" >&2; return 1; }
    rm -f "$out/.probe.data"
}

if [[ "${PROFILER:-perf}" != callgrind ]] && perf_ok; then
    perf record -q -F "$freq" "${callgraph[@]}" -o "$out/perf.data" -- \
        "$bin" replay "$file" "$@" >"$out/replay.txt" 2>&1 ||
        { echo "profile.sh: the profiled replay failed:" >&2; tail -5 "$out/replay.txt" >&2; exit 1; }
    perf script -i "$out/perf.data" 2>/dev/null | "$py" "$here/perf_fold.py" >"$out/replay.folded"
    perf report -i "$out/perf.data" --stdio --no-children --sort symbol -g none \
        --percent-limit 0.3 2>/dev/null | grep -v '^$' >"$out/top-self.txt"
    perf report -i "$out/perf.data" --stdio --children --sort symbol -g none \
        --percent-limit 1 2>/dev/null | grep -v '^$' >"$out/top-total.txt"
    how="perf, $freq Hz"
else
    command -v valgrind >/dev/null || { echo "profile.sh: neither perf nor valgrind usable" >&2; exit 1; }
    echo "profile.sh: falling back to callgrind (instructions, not time)" >&2
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" \
        "$bin" replay "$file" "$@" >"$out/replay.txt" 2>"$out/callgrind.log"
    callgrind_annotate --inclusive=no "$out/callgrind.out" >"$out/top-self.txt"
    callgrind_annotate --inclusive=yes "$out/callgrind.out" >"$out/top-total.txt"
    # One level: blanc;function SELF_INSTRUCTIONS.
    sed -n 's/^ *\([0-9,]*\) ([ 0-9.]*%)  *\([^ ].*\)$/\1 \2/p' "$out/top-self.txt" |
        awk '{n=$1; gsub(",","",n); $1=""; sub(/^ /,""); sub(/ \[.*\]$/,""); sub(/^.*:/,""); if (n+0>0 && $0 != "PROGRAM TOTALS") print "blanc;" $0 " " n}' \
        >"$out/replay.folded"
    how="callgrind instructions"
fi

"$py" "$here/flamegraph.py" "$out/replay.folded" "$out/flame.svg" \
    --title "blanc replay $(basename "$file") ($how)"
echo "profile.sh: wrote $out/flame.svg, $out/top-self.txt, $out/top-total.txt" >&2
grep -E '^ *[0-9.,]+%? |%\)' "$out/top-self.txt" | grep -v 'PROGRAM TOTALS' | head -25
