#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""No build path in any binary: the built blanc, libblanc.so and libblanc.a must not contain the absolute
source or build directory (an installed blanc must neither depend on the tree it was built in
nor reveal it). __FILE__, debug info and every string are covered by searching the bytes.

Run: BLANC_BIN=build/blanc BLANC_LIB=build/libblanc_internal.a BLANC_SOURCE_DIR=. \
     BLANC_BUILD_DIR=build python3 tests/build_paths_test.py
"""
import os
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
LIB = os.environ.get("BLANC_LIB", "build/libblanc_internal.a")
# The shipped libraries (cmake/library.cmake).
SHIPPED = [p for p in (os.environ.get("BLANC_SO"), os.environ.get("BLANC_STATIC")) if p]
DIRS = {os.path.realpath(os.environ.get("BLANC_SOURCE_DIR", ".")),
        os.path.realpath(os.environ.get("BLANC_BUILD_DIR", "build"))}


SANITIZED = os.environ.get("BLANC_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")


class BuildPaths(unittest.TestCase):
    # clang 14's UBSan/ASan source locations keep the absolute path of each
    # file as cmake passes it (-ffile-prefix-map does not reach them); such a
    # build is for finding bugs, never installed.
    @unittest.skipIf(SANITIZED, "sanitizer builds embed source locations for their reports")
    def test_no_absolute_build_path(self):
        for binary in [BIN, LIB] + SHIPPED:
            with open(binary, "rb") as f:
                data = f.read()
            for d in DIRS:
                self.assertNotEqual(d, "/")
                at = data.find(d.encode())
                self.assertEqual(at, -1, "%s holds %s: ...%r..." % (
                    binary, d, data[max(0, at - 40):at + len(d) + 40]))


if __name__ == "__main__":
    unittest.main()
