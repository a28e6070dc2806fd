#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Build the Debian packages and check them.
#   scripts/package.sh [BUILD_DIR]          configure (prefix /usr), build, cpack -G DEB
#   scripts/package.sh --check [BUILD_DIR]  also: lintian reports no error; the Depends
#       (dpkg-shlibdeps) resolve on this system (apt-get -s); dpkg installs the three
#       packages into an empty root (dpkg --root) and the installed blanc runs --version,
#       and a program built against the installed libblanc-dev runs on its libblanc.so.0;
#       no file names the build or source folder.
# The packages land in BUILD_DIR/packages (blanc_VERSION_amd64.deb, libblanc0_...,
# libblanc-dev_...). CC, SOURCE_DATE_EPOCH and CFLAGS are honoured.
set -euo pipefail
check=0
if [[ "${1:-}" == "--check" ]]; then check=1; shift; fi
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-deb}
mkdir -p "$build"
build=$(cd "$build" && pwd)
cc=${CC:-clang}
# Every date in the packages (file times, changelog, man pages) is the commit's.
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)}
export SOURCE_DATE_EPOCH

cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" \
      -DCMAKE_INSTALL_PREFIX=/usr -DBLANC_TESTS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-2}" >/dev/null
rm -rf "$build/packages"
# CPack copies the mode of the files it writes (debian-binary, control.tar.gz)
# into the .deb's ar headers, so the umask would show in its bytes.
(cd "$build" && umask 022 && cpack -G DEB >/dev/null)
ls "$build"/packages/*.deb
[[ $check == 1 ]] || exit 0

cd "$build/packages"
debs=(blanc_*_amd64.deb libblanc0_*_amd64.deb libblanc-dev_*_amd64.deb)
for d in "${debs[@]}"; do [[ -f $d ]] || { echo "package: missing $d" >&2; exit 1; }; done

echo "package: lintian"
lint=$(lintian --tag-display-limit 0 "${debs[@]}" 2>&1 | grep -v 'root privileges' || true)
[[ -n $lint ]] && printf '%s\n' "$lint"
if grep -q '^E: ' <<<"$lint"; then echo "package: lintian reports errors" >&2; exit 1; fi

echo "package: Depends"
for d in "${debs[@]}"; do printf '  %s: %s\n' "$d" "$(dpkg-deb -f "$d" Depends)"; done
dpkg-deb -f "${debs[0]}" Depends | grep -q 'libc6' || { echo "package: no shlibdeps" >&2; exit 1; }
apt-get install -s "${debs[@]/#/./}" >/dev/null || { echo "package: Depends do not resolve" >&2; exit 1; }

echo "package: dpkg --root install"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/var/lib/dpkg/updates" "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/triggers"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available"
# The root holds only these packages: their dependencies are this system's.
dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
     --log=/dev/null -i "${debs[@]}" >/dev/null 2>&1 || {
    dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
         --log=/dev/null -i "${debs[@]}"; exit 1; }
for p in blanc libblanc0 libblanc-dev; do
    dpkg --root="$root" -s "$p" | grep -q '^Status: install ok installed' ||
        { echo "package: $p not installed" >&2; exit 1; }
done
"$root/usr/bin/blanc" --version | tee /dev/stderr | head -1 | grep -qx "blanc [0-9.]*"
lib=$(dirname "$(find "$root/usr/lib" -name 'libblanc.so.0' | head -1)")
cat >"$root/user.c" <<'EOF'
#include <blanc.h>
#include <stdio.h>
int main(void) { printf("%s\n", blanc_version()); return 0; }
EOF
cc -std=c17 -I"$root/usr/include" "$root/user.c" -L"$lib" -lblanc -o "$root/user"
LD_LIBRARY_PATH="$lib" "$root/user" | grep -qx "$(dpkg-deb -f "${debs[1]}" Version)"
if grep -rlF -e "$build" -e "$src" "$root/usr"; then
    echo "package: the files above name the build or source folder" >&2; exit 1
fi
echo "package: ok"
