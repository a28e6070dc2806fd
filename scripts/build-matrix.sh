#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Build Blanc several ways and time each against the default build.
#
#   scripts/build-matrix.sh FILE [ROUNDS]
#
# FILE: an ITCH day to replay (e.g. blanc gen --seed 42 --messages 10M
# --symbols 500 -o /tmp/d.itch). ROUNDS (default 5): interleaved rounds.
#
# Builds (each in its own directory under $WORK, default /tmp/blanc-matrix):
#   compiler gcc | clang  x  -O2 | -O3  x  -march=native off | on  x  LTO off | on
#   plus PGO (profile from replaying a training day, not FILE) on gcc and clang -O3.
# MATRIX=reduced builds a subset (the default, one change at a time from it, and
# the best-guess combinations); MATRIX=full (default) all 16 plus the 2 PGO builds.
# ONLY="gcc-O3-lto clang-O3" builds just those names (the baseline is always built).
#
# The baseline is the default build: gcc, CMake Release (-O3), no -march, no
# LTO, no PGO. Each round runs every build once on FILE (`blanc replay FILE`:
# books, digests, health: the default work), in an order rotated each round,
# timed by /usr/bin/time (user + system CPU seconds, wall seconds). For each
# build the ratio to the baseline is taken within each round, then the median
# (and min - max) of those ratios is reported: pairing within a round keeps the
# ratio meaningful when the machine's speed drifts. Every build must print the
# same digests as the baseline (checked, shown in the table).
#
# Writes $WORK/matrix.md (markdown table) and $WORK/times.tsv (every run).
set -euo pipefail

[[ $# -ge 1 && $# -le 2 && "$1" != -h && "$1" != --help ]] ||
    { echo "usage: scripts/build-matrix.sh FILE [ROUNDS]" >&2; exit 2; }
file=$(realpath "$1")
rounds=${2:-5}
[[ -r "$file" ]] || { echo "build-matrix.sh: cannot read $file" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/.." && pwd)
work=${WORK:-/tmp/blanc-matrix}
matrix=${MATRIX:-full}
jobs=${JOBS:-2}
mkdir -p "$work"
log=$work/build.log
: >"$log"

names=()
if [[ -n "${ONLY:-}" ]]; then
    read -r -a names <<<"gcc-O3 ${ONLY}"
elif [[ "$matrix" == reduced ]]; then
    names=(gcc-O3 gcc-O2 gcc-O3-native gcc-O3-lto gcc-O3-pgo gcc-O3-native-lto-pgo
           clang-O3 clang-O2 clang-O3-native-lto clang-O3-pgo)
else
    for cc in gcc clang; do
        for o in O3 O2; do
            for n in "" -native; do
                for l in "" -lto; do names+=("$cc-$o$n$l"); done
            done
        done
        names+=("$cc-O3-pgo")
    done
fi

# A training day for PGO, of the same model as a real day but not FILE itself.
train=$work/train.itch

# configure NAME DIR EXTRA_C_FLAGS: one CMake build directory for NAME.
configure() {
    local name=$1 dir=$2 extra=$3 cc opt native=OFF lto=OFF
    cc=${name%%-*}
    [[ $name == *-O2* ]] && opt=-O2 || opt=-O3
    [[ $name == *-native* ]] && native=ON
    [[ $name == *-lto* ]] && lto=ON
    local ccbin=gcc
    [[ $cc == clang ]] && ccbin=clang
    cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DBLANC_TESTS=OFF \
        -DCMAKE_C_COMPILER="$ccbin" -DCMAKE_C_FLAGS_RELEASE="$opt -DNDEBUG" \
        -DCMAKE_C_FLAGS="$extra" -DCMAKE_EXE_LINKER_FLAGS="$extra" \
        -DBLANC_NATIVE=$native -DCMAKE_INTERPROCEDURAL_OPTIMIZATION=$lto \
        -DCMAKE_POLICY_DEFAULT_CMP0069=NEW >>"$log" 2>&1
}

build_one() {
    local name=$1 dir=$work/$1
    echo "build-matrix.sh: building $name" >&2
    rm -rf "$dir"
    if [[ $name != *-pgo ]]; then
        configure "$name" "$dir" ""
        cmake --build "$dir" -j"$jobs" --target blanc_cli >>"$log" 2>&1
        return
    fi
    [[ -r "$train" ]] || "$work/gcc-O3/blanc" gen --seed 7 --messages 2M --symbols 500 -o "$train" >>"$log" 2>&1
    local prof=$dir/profile
    mkdir -p "$prof"
    if [[ $name == gcc-* ]]; then
        configure "$name" "$dir" "-fprofile-generate -fprofile-update=single -fprofile-dir=$prof"
        cmake --build "$dir" -j"$jobs" --target blanc_cli >>"$log" 2>&1
        "$dir/blanc" replay "$train" >>"$log" 2>&1
        configure "$name" "$dir" "-fprofile-use -fprofile-dir=$prof -fprofile-partial-training -Wno-missing-profile"
    else
        configure "$name" "$dir" "-fprofile-instr-generate"
        cmake --build "$dir" -j"$jobs" --target blanc_cli >>"$log" 2>&1
        LLVM_PROFILE_FILE="$prof/%p.profraw" "$dir/blanc" replay "$train" >>"$log" 2>&1
        llvm-profdata merge -o "$prof/merged.profdata" "$prof"/*.profraw
        configure "$name" "$dir" "-fprofile-instr-use=$prof/merged.profdata -Wno-profile-instr-unprofiled"
    fi
    cmake --build "$dir" -j"$jobs" --target clean >>"$log" 2>&1
    cmake --build "$dir" -j"$jobs" --target blanc_cli >>"$log" 2>&1
}

for n in "${names[@]}"; do
    build_one "$n" || { echo "build-matrix.sh: $n failed to build (see $log)" >&2; exit 1; }
done

# The digests a build prints: its fingerprint of the replay's result.
digests() { grep '^digest' "$1" | tr -s ' ' | tr '\n' ' '; }

tsv=$work/times.tsv
printf 'round\tbuild\tcpu_s\twall_s\tmaxrss_kb\n' >"$tsv"
count=${#names[@]}
for ((r = 0; r < rounds; r++)); do
    echo "build-matrix.sh: round $((r + 1)) of $rounds" >&2
    for ((k = 0; k < count; k++)); do
        n=${names[$(((k + r) % count))]}
        out=$work/$n/replay.out
        /usr/bin/time -f '%U %S %e %M' -o "$work/$n/time.txt" "$work/$n/blanc" replay "$file" >"$out" 2>&1
        read -r u s e m <"$work/$n/time.txt"
        printf '%d\t%s\t%s\t%s\t%s\n' "$r" "$n" "$(awk -v u="$u" -v s="$s" "BEGIN{print u+s}")" "$e" "$m" >>"$tsv"
        digests "$out" >"$work/$n/digests.txt"
    done
done

base_dig=$(cat "$work/gcc-O3/digests.txt")
for n in "${names[@]}"; do
    if [[ "$(cat "$work/$n/digests.txt")" == "$base_dig" ]]; then echo "$n same"; else echo "$n DIFFERENT"; fi
done >"$work/digests.check"

/usr/bin/python3 - "$tsv" "$work/digests.check" "$rounds" "$(uptime)" >"$work/matrix.md" <<'EOF'
import statistics, sys
from collections import defaultdict
tsv, check, rounds, load = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rows = [l.rstrip("\n").split("\t") for l in open(tsv)][1:]
t = defaultdict(dict)
order = []
for r, n, cpu, wall, rss in rows:
    t[int(r)][n] = (float(cpu), float(wall), int(rss))
    if n not in order:
        order.append(n)
same = dict(l.split() for l in open(check))
def ratios(n, i):
    return [t[r][n][i] / t[r]["gcc-O3"][i] for r in t if t[r]["gcc-O3"][i] > 0]
def med(xs):
    return "%.3f (%.2f-%.2f)" % (statistics.median(xs), min(xs), max(xs))
def flags(n):
    parts = n.split("-")
    d = {"gcc": "gcc 12", "clang": "clang 14", "O2": "-O2", "O3": "-O3",
         "native": "-march=native", "lto": "LTO", "pgo": "PGO"}
    return " ".join(d[p] for p in parts)
base_cpu = statistics.median(t[r]["gcc-O3"][0] for r in t)
print("| build | CPU ratio, median (min-max) | wall ratio, median (min-max) | digests |")
print("|---|---:|---:|---|")
for n in sorted(order, key=lambda n: statistics.median(ratios(n, 0))):
    name = flags(n) + (" (**default**)" if n == "gcc-O3" else "")
    print("| %s | %s | %s | %s |" % (name, med(ratios(n, 0)), med(ratios(n, 1)), same.get(n, "?")))
print()
print("%d interleaved rounds; baseline CPU median %.2f s; load at the end: %s"
      % (rounds, base_cpu, load.split("load average:")[-1].strip()))
EOF
cat "$work/matrix.md"
