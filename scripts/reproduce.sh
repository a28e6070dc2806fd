#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Reproducible builds: two clean builds of one commit, in different folders
# (different depths and names), at different times, in different time zones
# and umasks, must give bit-identical blanc, libblanc.so, libblanc.a and
# .deb packages.
#   scripts/reproduce.sh [--check-packages] [COMMIT]
#       default HEAD; CC as for scripts/package.sh; KEEP=1 keeps the two builds;
#       --check-packages then runs scripts/package.sh --check on the first
#       build (lintian, dpkg --root install: what CI runs)
# Each build is a fresh clone of the commit built by scripts/package.sh, with
# SOURCE_DATE_EPOCH the commit's time; -ffile-prefix-map (CMakeLists.txt)
# keeps the folders out of the binaries. Uncommitted changes are not built.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [[ "${1:-}" == "--check-packages" ]]; then check=1; shift; fi
commit=$(git -C "$repo" rev-parse "${1:-HEAD}")
SOURCE_DATE_EPOCH=$(git -C "$repo" log -1 --format=%ct "$commit")
export SOURCE_DATE_EPOCH
work=$(mktemp -d "${TMPDIR:-/tmp}/blanc-reproduce.XXXXXX")
trap '[[ -n "${KEEP:-}" ]] || rm -rf "$work"' EXIT

build() { # $1: source folder, $2: time zone, $3: umask
    git clone -q --shared --no-checkout "$repo" "$1"
    git -C "$1" checkout -q --detach "$commit"
    (umask "$3"; TZ="$2" "$1/scripts/package.sh" "$1/out/build" >/dev/null)
}
start=$(date +%s)
build "$work/a" UTC 022
sleep 2
build "$work/second/build/of/blanc-b" Pacific/Auckland 002

artifacts() { # the files compared, relative to the build folder
    (cd "$1/out/build" && ls blanc libblanc.so.*.*.* libblanc.a packages/*.deb)
}
fail=0
a=$(artifacts "$work/a")
[[ "$a" == "$(artifacts "$work/second/build/of/blanc-b")" ]] || { echo "reproduce: different file sets" >&2; exit 1; }
for f in $a; do
    if cmp -s "$work/a/out/build/$f" "$work/second/build/of/blanc-b/out/build/$f"; then
        printf 'same     %s  %s\n' "$(sha256sum <"$work/a/out/build/$f" | cut -c1-16)" "$f"
    else
        printf 'DIFFERS  %s\n' "$f"
        if [[ $f == *.deb ]]; then
            diff <(dpkg-deb -c "$work/a/out/build/$f") \
                 <(dpkg-deb -c "$work/second/build/of/blanc-b/out/build/$f") | head -20 || true
        fi
        fail=1
    fi
done
echo "reproduce: commit ${commit:0:12}, SOURCE_DATE_EPOCH $SOURCE_DATE_EPOCH, $(( $(date +%s) - start )) s"
if [[ $fail == 1 ]]; then
    echo "reproduce: the builds differ (diffoscope A B shows where)" >&2
    exit 1
fi
if [[ $check == 1 ]]; then
    "$work/a/scripts/package.sh" --check "$work/a/out/build"
fi
