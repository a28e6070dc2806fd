# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
# Short front door over CMake. The two commands of the README:
#   make run    build, then replay the bundled sample day and print the summary
#   make test   build, then run the whole test suite through ctest
#   make python build, then make .venv (Debian's python3, its numpy and pandas) and
#               install the blanc package there (python/, docs/PYTHON.md)
# Variables: BUILD (dir), CC, WERROR=ON, SANITIZE=ON, BUILD_TYPE.
BUILD      ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
SAMPLE     ?= data/sample-day.itch.zst
PREFIX     ?= /usr/local
# clang by default: its build replays ~0.8x the CPU of gcc's on the same day
# (docs/PERFORMANCE.md "Build matrix"); `make ... CC=gcc` for gcc.
ifeq ($(origin CC),default)
CC = clang
endif

.PHONY: all deps configure build run test bench fuzz clean python install

# No "make[1]: Entering directory" lines: cmake --build runs make again below.
MAKEFLAGS += --no-print-directory

all: build

deps:
	@scripts/deps.sh

# WERROR and SANITIZE reach CMake only when given (command line or environment):
# otherwise a build directory keeps what it was configured with, so `make test`
# after `cmake -DBLANC_WERROR=ON` does not quietly turn -Werror off (both are OFF
# in a fresh directory, CMakeLists.txt's defaults).
cache_opt = $(if $(filter command line environment,$(origin $(1))),-DBLANC_$(1)=$($(1)))

configure: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DCMAKE_C_COMPILER=$(CC) \
	    $(call cache_opt,WERROR) $(call cache_opt,SANITIZE) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# The summary and nothing else: the build is quiet unless it fails (then its
# whole output is shown), and the command itself is not echoed.
run: configure
	@out=$$(cmake --build $(BUILD) -j $(JOBS) 2>&1) || { printf '%s\n' "$$out" >&2; exit 1; }
	@$(BUILD)/blanc replay $(SAMPLE) --symbol $$(cat data/sample-day.symbols) --depth 5

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Debian's interpreter (another python3 may come first on PATH); the venv sees
# its numpy and pandas, and pip builds with its setuptools: nothing is fetched.
PYTHON ?= /usr/bin/python3
VENV   ?= .venv
python: build
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv --system-site-packages $(VENV)
	BLANC_BUILD=$(abspath $(BUILD)) $(VENV)/bin/python -m pip install --quiet --no-index \
	    --no-build-isolation --no-deps --force-reinstall ./python
	@rm -rf python/build python/blanc.egg-info
	@$(VENV)/bin/python -c "import blanc; print('blanc', blanc.__version__, 'in $(VENV)')"

# The CLI, both libraries, blanc.h, blanc.pc, the CMake package, man pages and
# docs under PREFIX (DESTDIR=... stages them elsewhere).
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

bench: build
	bench/replay-bench.sh $(BUILD)/blanc

fuzz: deps
	scripts/fuzz.sh build-fuzz

clean:
	rm -rf $(BUILD)
