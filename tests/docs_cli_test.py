#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""docs/CLI.md matches --help: for every command and subcommand, the text `blanc CMD --help`
prints must stand verbatim in docs/CLI.md, in the fenced block that follows the marker
`<!-- blanc CMD --help -->`; and every such block must belong to a command that exists.

Run: BLANC_BIN=build/blanc BLANC_SOURCE_DIR=. python3 tests/docs_cli_test.py
"""
import os
import re
import subprocess
import unittest

BIN = os.environ.get("BLANC_BIN", "build/blanc")
SRC = os.environ.get("BLANC_SOURCE_DIR", ".")

# command words -> the documented block they must equal
COMMANDS = {
    (): "blanc",
    ("replay",): "blanc replay",
    ("listen",): "blanc listen",
    ("gen",): "blanc gen",
    ("snapshot",): "blanc snapshot show",
    ("snapshot", "show"): "blanc snapshot show",
    ("diff",): "blanc diff",
    ("capture",): "blanc capture info",
    ("capture", "info"): "blanc capture info",
    ("bench",): "blanc bench",
    ("bench", "compare"): "blanc bench compare",
    ("bench", "drift"): "blanc bench drift",
    ("bench", "report"): "blanc bench report",
    ("dump",): "blanc dump",
}
BLOCK = re.compile(r"^<!-- (blanc[a-z ]*?) --help -->\n```text\n(.*?)^```$", re.M | re.S)


class CliDocs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(os.path.join(SRC, "docs", "CLI.md"), encoding="utf-8") as f:
            cls.doc = f.read()
        cls.blocks = {}
        for m in BLOCK.finditer(cls.doc):
            assert m.group(1) not in cls.blocks, "two blocks for " + m.group(1)
            cls.blocks[m.group(1)] = m.group(2)

    def test_help_is_in_the_docs_verbatim(self):
        for words, name in COMMANDS.items():
            with self.subTest(command=name, words=words):
                r = subprocess.run([BIN, *words, "--help"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "")
                self.assertIn(name, self.blocks, "no '<!-- %s --help -->' block" % name)
                self.assertEqual(self.blocks[name], r.stdout)

    def test_no_stale_block(self):
        self.assertEqual(set(self.blocks), set(COMMANDS.values()))
        # every marker is followed by its block (a marker the regex missed is a broken one)
        self.assertEqual(len(re.findall(r"<!-- blanc[a-z ]*? --help -->", self.doc)),
                         len(self.blocks))

    def test_every_command_is_listed(self):
        # the dispatcher's list: a new command needs a row in COMMANDS (and a block)
        r = subprocess.run([BIN, "--help"], capture_output=True, text=True)
        listed = re.findall(r"^  ([a-z]+) ", r.stdout, re.M)
        self.assertTrue(listed)
        for c in listed:
            self.assertIn((c,), COMMANDS, c)


if __name__ == "__main__":
    unittest.main()
