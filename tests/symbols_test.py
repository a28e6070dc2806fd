#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""What the shipped libraries export: libblanc.so's dynamic symbols and libblanc.a's global
symbols are exactly the functions include/blanc.h declares (no internal name such as order_add,
snap_begin or blanc__*), the SONAME is libblanc.so.MAJOR from the header's version, and a
program defining the internal names of the library links against libblanc.a.

The reference is the header (its prototypes, read with a regex) and nm/readelf (binutils), not
the build's own lists. The checker is run once on the in-tree archive, which keeps internal
names global, to show it can fail.

Run: BLANC_SO=build/libblanc.so BLANC_STATIC=build/libblanc.a \
     BLANC_INTERNAL=build/libblanc_internal.a BLANC_SOURCE_DIR=. python3 tests/symbols_test.py
"""
import os
import re
import subprocess
import tempfile
import unittest

SRC = os.environ.get("BLANC_SOURCE_DIR", ".")
SO = os.environ.get("BLANC_SO", "build/libblanc.so")
STATIC = os.environ.get("BLANC_STATIC", "build/libblanc.a")
INTERNAL = os.environ.get("BLANC_INTERNAL", "build/libblanc_internal.a")
CC = os.environ.get("CC", "cc")
SANITIZED = os.environ.get("BLANC_SANITIZE", "OFF").upper() in ("ON", "1", "TRUE", "YES")


def header():
    with open(os.path.join(SRC, "include", "blanc.h")) as f:
        text = f.read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    declared = set()
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        # a prototype names the function right before "(" (a callback type's
        # "(*name)(" does not match)
        declared.update(re.findall(r"\b(blanc_[a-z0-9_]+)\(", line))
        if line.startswith("extern "):  # a variable
            declared.update(re.findall(r"\b(blanc_[a-z0-9_]+)\s*[\[;]", line))
    version = tuple(int(re.search(r"#define BLANC_VERSION_%s (\d+)" % k, text).group(1))
                    for k in ("MAJOR", "MINOR", "PATCH"))
    return declared, version


def nm(args, path):
    out = subprocess.run(["nm"] + args + [path], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names.add(parts[2])
    return names


def stray(names, declared):
    """Exported names that are not the public API."""
    return sorted(n for n in names
                  if n not in declared or not re.match(r"blanc_[a-z0-9]", n))


class Symbols(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.declared, cls.version = header()

    def test_header_parsed(self):
        self.assertGreater(len(self.declared), 100)
        self.assertIn("blanc_version", self.declared)
        self.assertFalse([n for n in self.declared if n.startswith("blanc__")])

    def test_shared_exports_only_the_api(self):
        exported = nm(["-D", "--defined-only"], SO)
        self.assertEqual(stray(exported, self.declared), [], "%s exports them" % SO)
        self.assertEqual(sorted(self.declared - exported), [],
                         "declared in blanc.h, not exported by %s" % SO)

    def test_static_globals_only_the_api(self):
        globals_ = nm(["-g", "--defined-only"], STATIC)
        self.assertEqual(stray(globals_, self.declared), [], "%s has them global" % STATIC)
        self.assertEqual(sorted(self.declared - globals_), [])

    def test_checker_sees_internal_names(self):
        bad = stray(nm(["-g", "--defined-only"], INTERNAL), self.declared)
        self.assertIn("order_add", bad)
        self.assertTrue(any(n.startswith("blanc__") for n in bad))

    def test_soname_from_header_version(self):
        out = subprocess.run(["readelf", "-d", SO], check=True, capture_output=True,
                             text=True).stdout
        m = re.search(r"Library soname: \[([^\]]+)\]", out)
        self.assertIsNotNone(m)
        self.assertEqual(m.group(1), "libblanc.so.%d" % self.version[0])
        real = os.path.basename(os.path.realpath(SO))
        self.assertEqual(real, "libblanc.so.%d.%d.%d" % self.version)

    @unittest.skipIf(SANITIZED, "a sanitizer build's archive needs its runtime to link")
    def test_user_names_do_not_collide(self):
        # The library's own internal names, defined again by a user program.
        prog = r"""
#include <blanc.h>
#include <stdio.h>
#include <string.h>
int order_add(void) { return 1; }
int level_get(void) { return 2; }
int snap_begin(void) { return 3; }
int health_level(void) { return 4; }
int price_of(void) { return 5; }
int main(void)
{
    int ok = strcmp(blanc_version(), BLANC_VERSION_STRING) == 0 && blanc_strerror(-1) != NULL;
    printf("%d\n", ok + order_add() + level_get() + snap_begin() + health_level() + price_of());
    return 0;
}
"""
        with tempfile.TemporaryDirectory() as d:
            c = os.path.join(d, "user.c")
            exe = os.path.join(d, "user")
            with open(c, "w") as f:
                f.write(prog)
            libs = ["-lz", "-lzstd", "-ljansson", "-lxxhash", "-lpcap", "-pthread"]
            # ISA-L when this build found it (the gzip decoder, src/feed/inflate_isal.c).
            und = subprocess.run(["nm", "-u", STATIC], check=True, capture_output=True,
                                 text=True).stdout.split()
            if "isal_inflate" in und:
                libs.append("-lisal")
            r = subprocess.run([CC, "-std=c17", "-I", os.path.join(SRC, "include"), c, STATIC]
                               + libs + ["-o", exe], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
            self.assertEqual(out.strip(), "16")
            # The same program against the in-tree archive does collide.
            r = subprocess.run([CC, "-std=c17", "-I", os.path.join(SRC, "include"), c,
                                "-Wl,--whole-archive", INTERNAL, "-Wl,--no-whole-archive"]
                               + libs + ["-o", exe], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("multiple definition", r.stderr)


if __name__ == "__main__":
    unittest.main()
