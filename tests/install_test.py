#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""cmake --install --prefix into a temporary folder installs the CLI, both libraries, the header,
blanc.pc, the CMake package, man pages and docs, with no build-tree path in any file; a user
program builds against it twice over, with `pkg-config --cflags --libs blanc` and with
find_package(blanc), each linked to libblanc.so.0 and to libblanc.a (readelf shows which), and
runs; the installed blanc runs --version.

blanc.pc is written at install time with the prefix given then; CMake finds the package by
CMAKE_PREFIX_PATH and resolves its paths relative to where its files are.

Run: BLANC_BUILD_DIR=build BLANC_SOURCE_DIR=. python3 tests/install_test.py
"""
import glob
import os
import re
import subprocess
import tempfile
import unittest

SRC = os.path.realpath(os.environ.get("BLANC_SOURCE_DIR", "."))
BUILD = os.path.realpath(os.environ.get("BLANC_BUILD_DIR", "build"))
CC = os.environ.get("CC", "cc")
SANITIZED = os.environ.get("BLANC_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")

PROG = r"""
#include <blanc.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
    if (strcmp(blanc_version(), BLANC_VERSION_STRING) != 0)
        return 1;
    printf("blanc %s\n", blanc_version());
    return 0;
}
"""

CMAKELISTS = """cmake_minimum_required(VERSION 3.18)
project(user C)
find_package(blanc %d.%d REQUIRED)
add_executable(user_shared user.c)
target_link_libraries(user_shared PRIVATE blanc::blanc)
add_executable(user_static user.c)
target_link_libraries(user_static PRIVATE blanc::blanc_static)
"""


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise AssertionError("%s failed (%d):\n%s%s" % (" ".join(cmd), r.returncode, r.stdout,
                                                        r.stderr))
    return r.stdout


def cache(name):
    with open(os.path.join(BUILD, "CMakeCache.txt")) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split("=", 1)[1].strip()
    return ""


def needed(exe):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", exe]))


@unittest.skipIf(SANITIZED, "a sanitizer build is never installed")
class Install(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = cls.prefix = os.path.join(cls.tmp.name, "prefix")
        run(["cmake", "--install", BUILD, "--prefix", cls.prefix])
        cls.libdir = os.path.join(cls.prefix, cache("CMAKE_INSTALL_LIBDIR") or "lib")
        with open(os.path.join(SRC, "include", "blanc.h")) as f:
            h = f.read()
        cls.version = tuple(int(re.search(r"#define BLANC_VERSION_%s (\d+)" % k, h).group(1))
                            for k in ("MAJOR", "MINOR", "PATCH"))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def files(self):
        out = []
        for d, _, names in os.walk(self.root):
            out += [os.path.relpath(os.path.join(d, n), self.prefix) for n in names]
        return sorted(out)

    def test_installed_files(self):
        files = self.files()
        lib = os.path.relpath(self.libdir, self.prefix)
        v = "%d.%d.%d" % self.version
        for f in ["bin/blanc", "include/blanc.h", lib + "/libblanc.a",
                  lib + "/libblanc.so", lib + "/libblanc.so.%d" % self.version[0],
                  lib + "/libblanc.so." + v, lib + "/pkgconfig/blanc.pc",
                  lib + "/cmake/blanc/blancConfig.cmake",
                  lib + "/cmake/blanc/blancConfigVersion.cmake",
                  "share/doc/blanc/README.md", "share/doc/blanc/API.md",
                  "share/man/man1/blanc.1.gz", "share/man/man1/blanc-replay.1.gz",
                  "share/man/man3/libblanc.3.gz"]:
            self.assertIn(f, files)
        # no internal archive, no test or benchmark program
        self.assertFalse([f for f in files if "internal" in f or "bench" in f.split("/")[-1]
                          and f.startswith("bin/")])

    def test_no_build_path(self):
        for d, _, names in os.walk(self.root):
            for n in names:
                p = os.path.join(d, n)
                if os.path.islink(p):
                    continue
                with open(p, "rb") as f:
                    data = f.read()
                for tree in (SRC, BUILD):
                    self.assertEqual(data.find(tree.encode()), -1, "%s names %s" % (p, tree))

    def test_cli_version(self):
        out = run([os.path.join(self.prefix, "bin", "blanc"), "--version"])
        lines = out.splitlines()
        self.assertEqual(lines[0], "blanc %d.%d.%d" % self.version)
        self.assertRegex(lines[1], r"^commit ([0-9a-f]{12}|unknown)$")
        self.assertRegex(lines[2], r"^compiler (gcc|clang) \d")
        self.assertRegex(lines[3], r"^build \w+, flags .*-O")
        self.assertEqual(len(lines), 4)

    def build_pkg_config(self, static):
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.join(self.libdir, "pkgconfig"))
        args = ["pkg-config", "--cflags", "--libs", "blanc"]
        if static:
            args.insert(1, "--static")
        flags = run(args, env=env).split()
        self.assertIn("-I" + os.path.join(self.prefix, "include"), flags)
        self.assertIn("-L" + self.libdir, flags)
        d = tempfile.mkdtemp(dir=self.tmp.name)
        with open(os.path.join(d, "user.c"), "w") as f:
            f.write(PROG)
        exe = os.path.join(d, "user")
        if static:  # the archive, not the .so beside it
            flags = ["-l:libblanc.a" if x == "-lblanc" else x for x in flags]
            for dep in ("-lz", "-lzstd", "-ljansson", "-lxxhash", "-lpcap", "-pthread"):
                self.assertIn(dep, flags)
        else:
            flags.append("-Wl,-rpath," + self.libdir)
        run([CC, "-std=c17", os.path.join(d, "user.c"), "-o", exe] + flags)
        return exe

    def test_pkg_config_shared(self):
        exe = self.build_pkg_config(static=False)
        self.assertIn("libblanc.so.%d" % self.version[0], needed(exe))
        self.assertEqual(run([exe]), "blanc %d.%d.%d\n" % self.version)

    def test_pkg_config_static(self):
        exe = self.build_pkg_config(static=True)
        self.assertFalse([n for n in needed(exe) if n.startswith("libblanc")])
        self.assertEqual(run([exe]), "blanc %d.%d.%d\n" % self.version)

    def test_find_package(self):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        with open(os.path.join(d, "user.c"), "w") as f:
            f.write(PROG)
        with open(os.path.join(d, "CMakeLists.txt"), "w") as f:
            f.write(CMAKELISTS % self.version[:2])
        b = os.path.join(d, "build")
        run(["cmake", "-S", d, "-B", b, "-DCMAKE_PREFIX_PATH=" + self.prefix,
             "-DCMAKE_C_COMPILER=" + CC])
        run(["cmake", "--build", b])
        shared, static = os.path.join(b, "user_shared"), os.path.join(b, "user_static")
        self.assertIn("libblanc.so.%d" % self.version[0], needed(shared))
        self.assertFalse([n for n in needed(static) if n.startswith("libblanc")])
        for exe in (shared, static):
            self.assertEqual(run([exe]), "blanc %d.%d.%d\n" % self.version)
        # the shared one runs from the installed library, not the build tree's
        ldd = run(["ldd", shared])
        self.assertIn(os.path.join(self.libdir, "libblanc.so.%d" % self.version[0]), ldd)

    def test_find_package_rejects_other_major(self):
        d = tempfile.mkdtemp(dir=self.tmp.name)
        with open(os.path.join(d, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.18)\nproject(u C)\n"
                    "find_package(blanc %d REQUIRED)\n" % (self.version[0] + 1))
        r = subprocess.run(["cmake", "-S", d, "-B", os.path.join(d, "b"),
                            "-DCMAKE_PREFIX_PATH=" + self.prefix], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)


if __name__ == "__main__":
    unittest.main()
