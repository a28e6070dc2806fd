#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Install the Debian packages Blanc needs to build and test (Debian 12).
#   scripts/deps.sh          build + test dependencies
#   scripts/deps.sh --ci     also clang, the sanitizer/fuzzer runtimes, chromium, lintian and reuse
#                            (renders the drift report headless in a test)
#   scripts/deps.sh --profile  also perf, valgrind, clang, llvm and GNU time
#                            (scripts/profile.sh, scripts/build-matrix.sh)
# Installs only what is missing; does nothing when all is present.
set -euo pipefail

pkgs=(build-essential cmake pkg-config zlib1g-dev libzstd-dev libxxhash-dev libjansson-dev
      libmicrohttpd-dev libcmocka-dev libpcap-dev libisal-dev tshark python3 zstd xxhash prometheus yamllint
      clang scdoc python3-dev python3-numpy python3-pandas python3-pytest python3-setuptools python3-venv
      python3-distributed
      g++ libquickfix-dev)
if [[ "${1:-}" == "--ci" ]]; then
    pkgs+=(gcc libclang-rt-14-dev chromium lintian reuse)
elif [[ "${1:-}" == "--profile" ]]; then
    pkgs+=(linux-perf valgrind clang llvm-14 time)
elif [[ -n "${1:-}" ]]; then
    echo "usage: scripts/deps.sh [--ci|--profile]" >&2
    exit 2
fi

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "deps: installing ${missing[*]}" >&2
if [[ $(id -u) -eq 0 ]]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "deps: missing Debian packages: ${missing[*]}" >&2
    echo "deps: not root and no passwordless sudo; run as root:" >&2
    echo "      apt-get install -y ${missing[*]}" >&2
    exit 1
fi
