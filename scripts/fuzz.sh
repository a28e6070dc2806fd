#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Build the libFuzzer targets with clang (+ASan+UBSan) and run each for a
# bounded time. Fails on the first crash, leaving the reproducer in BUILD/.
#   scripts/fuzz.sh [BUILD_DIR]      (FUZZ_SECONDS=30 per target by default)
set -euo pipefail
if [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,5p' "$0"; exit 0
fi
cd "$(dirname "$0")/.."
BUILD=${1:-build-fuzz}
SECS=${FUZZ_SECONDS:-30}
cmake -S . -B "$BUILD" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DBLANC_FUZZ=ON -DBLANC_SANITIZE=ON -DBLANC_TESTS=OFF >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null
src=$(pwd)
status=0
for t in decode replay source book snapshot health_config dump capture soup mold mold_direct udp_gap; do
    work="$BUILD/corpus-$t"
    mkdir -p "$work"
    echo "fuzz_$t: ${SECS}s"
    if ! (cd "$BUILD" && ./fuzz/fuzz_$t -max_total_time="$SECS" -max_len=65536 \
            -print_final_stats=1 "corpus-$t" "$src/fuzz/corpus/$t" 2>&1 | grep -E 'stat::number_of_executed_units|stat::peak_rss|ERROR|SUMMARY|Done' ); then
        :
    fi
    if [[ -n "$(find "$BUILD" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \) -print -quit)" ]]; then
        echo "fuzz_$t: crash reproducer(s) in $BUILD" >&2
        status=1
        break
    fi
done
exit $status
