# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Build of the blanc extension over the static libblanc that CMake builds.

BLANC_BUILD names the CMake build folder (default ../build) holding libblanc.a; the
link line is the library's own (CMakeLists.txt: zlib, zstd, jansson, xxhash, libpcap,
threads, and ISA-L when the build has it). Nothing is downloaded: pip runs this with --no-build-isolation, using
Debian's setuptools and numpy.
"""
import os
import re

import numpy
from setuptools import Extension, setup

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
build = os.path.abspath(os.environ.get("BLANC_BUILD", os.path.join(root, "build")))
lib = os.path.join(build, "libblanc.a")
if not os.path.exists(lib):
    raise SystemExit("blanc: %s not found: build the library first (make build), or set "
                     "BLANC_BUILD to the CMake build folder" % lib)


def header_version():
    """BLANC_VERSION_MAJOR.MINOR.PATCH from include/blanc.h, the version's one home."""
    with open(os.path.join(root, "include", "blanc.h")) as f:
        parts = dict(re.findall(r"^#define BLANC_VERSION_(MAJOR|MINOR|PATCH) (\d+)$", f.read(), re.M))
    return "%s.%s.%s" % (parts["MAJOR"], parts["MINOR"], parts["PATCH"])


# ISA-L when the build found it (the gzip decoder, src/feed/inflate_isal.c).
libs = ["zstd", "z", "jansson", "xxhash", "pcap", "pthread"]
cache = os.path.join(build, "CMakeCache.txt")
if os.path.exists(cache) and any(ln.startswith("ISAL_FOUND:") and ln.strip().endswith("=1")
                                 for ln in open(cache)):
    libs.append("isal")

ext = Extension(
    "blanc._blanc",
    sources=[os.path.join("src", "module.c"), os.path.join("src", "emit.c"),
             os.path.join("src", "lobster.c"), os.path.join("src", "chunks.c")],
    include_dirs=[os.path.join(root, "include")],
    # The library's warnings (CMakeLists.txt); numpy's headers as system headers, since
    # they trip -Wcast-qual themselves.
    extra_compile_args=["-std=c17", "-isystem", numpy.get_include(), "-Wall", "-Wextra",
                        "-Wshadow", "-Wstrict-prototypes", "-Wconversion", "-Wsign-conversion",
                        "-Wcast-qual", "-Wundef", "-Wmissing-prototypes", "-Wpointer-arith",
                        "-Wformat=2", "-Wvla"],
    extra_objects=[lib],
    # Rebuilt when these change too, not only its own .c files: the error classes come from
    # blanc.h's table, and a stale extension would test an old libblanc.a.
    depends=[os.path.join(root, "include", "blanc.h"), os.path.join("src", "glue.h"), lib],
    libraries=libs,
    # libblanc's symbols stay inside the extension: nothing to clash with.
    extra_link_args=["-Wl,--exclude-libs,ALL"],
)

setup(name="blanc", version=header_version(), packages=["blanc"],
      package_data={"blanc": ["py.typed", "*.pyi"]}, ext_modules=[ext])
