#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The man pages cannot drift from the binary: for every command `blanc --help` lists there is a
page blanc-CMD(1), and the page, rendered by man(1), shows the text `blanc CMD --help` (and
`blanc CMD SUB --help` for each subcommand docs/CLI.md documents) line for line; blanc(1)
names every command; libblanc(3) declares every symbol libblanc.so exports (nm -D, not the
generator's own reading of blanc.h). The pages are the build's (scripts/gen-man.py, scdoc).

Run: BLANC_BIN=build/blanc BLANC_MAN_DIR=build/man BLANC_SO=build/libblanc.so \
     BLANC_SOURCE_DIR=. python3 tests/man_test.py
"""
import os
import re
import subprocess
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
MAN = os.environ.get("BLANC_MAN_DIR", "build/man")
SO = os.environ.get("BLANC_SO", "build/libblanc.so")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def render(page):
    env = dict(os.environ, MANWIDTH="200", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING="")
    out = run(["man", "-l", os.path.join(MAN, page + ".gz")], env=env)
    return re.sub(r".\x08", "", out)  # no overstrike


def commands():
    out = run([BIN, "--help"])
    return re.findall(r"^  ([a-z]+) ", out.split("commands:\n", 1)[1], re.M)


def subcommands(cmd):
    with open(os.path.join(SRC, "docs", "CLI.md"), encoding="utf-8") as f:
        doc = f.read()
    return re.findall(r"^<!-- blanc %s ([a-z]+) --help -->" % cmd, doc, re.M)


def shows(rendered, text):
    """Whether the rendered page has text's lines, in order and contiguous (indent aside)."""
    want = [l.strip() for l in text.rstrip("\n").splitlines()]
    have = [l.strip() for l in rendered.splitlines()]
    for i in range(len(have) - len(want) + 1):
        if have[i:i + len(want)] == want:
            return True
    return False


class ManPages(unittest.TestCase):
    def test_every_command_has_its_page_with_its_help(self):
        cmds = commands()
        self.assertGreaterEqual(len(cmds), 8)
        for cmd in cmds:
            with self.subTest(command=cmd):
                page = "blanc-%s.1" % cmd
                self.assertTrue(os.path.exists(os.path.join(MAN, page + ".gz")),
                                "no man page %s: add the command to docs/CLI.md" % page)
                text = render(page)
                self.assertTrue(shows(text, run([BIN, cmd, "--help"])),
                                "%s does not show 'blanc %s --help'" % (page, cmd))
                for sub in subcommands(cmd):
                    self.assertTrue(shows(text, run([BIN, cmd, sub, "--help"])),
                                    "%s does not show 'blanc %s %s --help'" % (page, cmd, sub))

    def test_main_page(self):
        text = render("blanc.1")
        self.assertTrue(shows(text, run([BIN, "--help"])))
        for cmd in commands():
            self.assertIn("blanc-%s(1)" % cmd, text)

    def test_shows_can_fail(self):
        text = render("blanc-replay.1")
        self.assertFalse(shows(text, run([BIN, "gen", "--help"])))
        help_ = run([BIN, "replay", "--help"]).replace("--symbol SYM", "--symbol SYMBOL")
        self.assertFalse(shows(text, help_))

    def test_library_page_declares_every_export(self):
        text = render("libblanc.3")
        exported = {l.split()[2] for l in run(["nm", "-D", "--defined-only", SO]).splitlines()}
        self.assertGreater(len(exported), 100)
        missing = sorted(n for n in exported if not re.search(r"\b%s\b" % n, text))
        self.assertEqual(missing, [])

    def test_no_stale_page(self):
        pages = {f[:-3] for f in os.listdir(MAN) if f.endswith(".gz")}
        want = {"blanc.1", "libblanc.3"} | {"blanc-%s.1" % c for c in commands()}
        self.assertEqual(pages, want)


if __name__ == "__main__":
    unittest.main()
