#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Tests of scripts/pin-actions: what --check accepts and reports, what --write
and --write --dry-run change, the exit codes, and the repository's own
workflows (which must stay pinned, each to a SHA the lock records).

Run: python3 tests/pin_actions_test.py   (BLANC_SOURCE_DIR=. to name the tree)
"""
import os
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SRC = Path(os.environ.get("BLANC_SOURCE_DIR") or Path(__file__).parent.parent).resolve()
SCRIPT = SRC / "scripts" / "pin-actions"

CHECKOUT = "692973e3d937129bcbf40652eb9f2f61becf3332"
UPLOAD = "ea165f8d65b6e75b540449e92b4886f43607fa02"
CODEQL = "0123456789abcdef0123456789abcdef01234567"
LOCK = f"""# test lock
actions/checkout@v4.1.7 {CHECKOUT}
actions/upload-artifact@v4.6.2 {UPLOAD}  # trailing comment
github/codeql-action@v3 {CODEQL}
"""

PINNED = f"""name: ok
on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      - uses: actions/checkout@{CHECKOUT} # v4.1.7
      - name: upload
        uses: "actions/upload-artifact@{UPLOAD}"  # v4.6.2
      - uses: github/codeql-action/init@{CODEQL} # v3
      - uses: ./.github/actions/local
      - uses: docker://alpine:3.20
  b:
    uses: ./.github/workflows/reusable.yml
"""

UNPINNED = """on: push
jobs:
  a:
    runs-on: ubuntu-24.04
    steps:
      # uses: commented/out@v1 is not a step
      - uses: actions/checkout@v4.1.7
      - name: quoted, with a comment
        uses: 'actions/upload-artifact@v4.6.2' # keep the logs
      - run: |
          echo "this is shell text, not a step:"
          uses: inside/run-block@v1
      - uses: github/codeql-action/init@v3
"""


def run(*args, cwd=None):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


class PinActions(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        self.lock = self.write("actions.lock", LOCK)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text, newline=None):
        """Create name under the temp dir; return it relative, as the script is run from there."""
        p = self.dir / name
        p.parent.mkdir(parents=True, exist_ok=True)
        with open(p, "w", encoding="utf-8", newline=newline) as f:
            f.write(text)
        return Path(name)

    def read(self, name):
        return (self.dir / name).read_text()

    def pin(self, *args):
        return run(*args, cwd=self.dir)

    def check(self, *paths):
        return self.pin("--check", "--lock", self.lock, *paths)

    def test_fully_pinned_passes(self):
        wf = self.write("wf/ok.yml", PINNED)
        r = self.check(wf)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))

    def test_check_is_the_default_mode(self):
        wf = self.write("wf/bad.yml", UNPINNED)
        r = self.pin("--lock", self.lock, wf)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not pinned", r.stdout)

    def test_unpinned_tags_are_reported_with_file_and_line(self):
        wf = self.write("wf/bad.yml", UNPINNED)
        r = self.check(wf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(r.stdout.splitlines(), [
            f"{wf}:7: actions/checkout@v4.1.7 is not pinned to a commit SHA",
            f"{wf}:9: actions/upload-artifact@v4.6.2 is not pinned to a commit SHA",
            f"{wf}:13: github/codeql-action/init@v3 is not pinned to a commit SHA",
        ])

    def test_short_sha_and_missing_ref_are_not_pinned(self):
        wf = self.write("short.yaml", "jobs:\n  a:\n    steps:\n"
                        "      - uses: actions/checkout@692973e\n"
                        "      - uses: actions/checkout\n")
        r = self.check(wf)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{wf}:4: actions/checkout@692973e is not pinned to a commit SHA", r.stdout)
        self.assertIn(f"{wf}:5: actions/checkout is not pinned to a commit SHA", r.stdout)

    def test_local_and_docker_actions_are_ignored(self):
        wf = self.write("local.yml", "jobs:\n  a:\n    steps:\n"
                        "      - uses: ./.github/actions/build\n"
                        "      - uses: 'docker://ghcr.io/owner/image:latest'\n"
                        "  b:\n    uses: ./.github/workflows/other.yml\n")
        r = self.check(wf)
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_steps_after_a_block_scalar_are_still_checked(self):
        wf = self.write("action.yml", "description: >-\n  A composite action;\n  uses: prose@v1\n"
                        "runs:\n  using: composite\n  steps:\n"
                        "    - uses: actions/checkout@v4.1.7\n")
        r = self.check(wf)
        self.assertEqual(r.stdout,
                         f"{wf}:7: actions/checkout@v4.1.7 is not pinned to a commit SHA\n")

    def test_uses_in_forms_it_cannot_read_are_reported_not_skipped(self):
        text = ("steps:\n  - {uses: actions/checkout@v4.1.7}\n"
                "  - uses:\n      actions/checkout@v4.1.7\n"
                "  - name: 'not a key, uses: x' # {uses: a/b@v1}\n"
                "  - {\"uses\": a/b@v1, name: \"x # y\"}\n")
        wf = self.write("flow.yml", text)
        r = self.check(wf)
        self.assertEqual(r.returncode, 1)
        self.assertEqual([line.split(": ", 1)[0] for line in r.stdout.splitlines()],
                         [f"{wf}:2", f"{wf}:3", f"{wf}:6"])
        r = self.pin("--write", "--lock", self.lock, wf)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.read(wf), text)

    def test_sha_that_disagrees_with_the_lock_is_reported(self):
        wf = self.write("drift.yml", f"steps:\n  - uses: actions/checkout@{UPLOAD} # v4.1.7\n")
        r = self.check(wf)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"{wf}:2: actions/checkout@{UPLOAD} is tagged 'v4.1.7'", r.stdout)
        self.assertIn(CHECKOUT, r.stdout)

    def test_directories_are_searched(self):
        self.write("wf/ok.yml", PINNED)
        self.write("wf/sub/bad.yaml", UNPINNED)
        self.write("wf/notes.txt", "uses: not/yaml@v1\n")
        r = self.check("wf")
        self.assertEqual(r.returncode, 1)
        self.assertEqual({line.split(":")[0] for line in r.stdout.splitlines()},
                         {"wf/sub/bad.yaml"})

    def test_write_dry_run_prints_a_diff_and_changes_nothing(self):
        wf = self.write("wf/bad.yml", UNPINNED)
        r = self.pin("--write", "--dry-run", "--lock", self.lock, wf)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(f"--- a/{wf}", r.stdout)
        self.assertIn(f"+++ b/{wf}", r.stdout)
        self.assertIn("-      - uses: actions/checkout@v4.1.7\n", r.stdout)
        self.assertIn(f"+      - uses: actions/checkout@{CHECKOUT} # v4.1.7\n", r.stdout)
        self.assertEqual(self.read(wf), UNPINNED)
        # Alone, --dry-run previews --write too; nothing to do is exit 0.
        ok = self.write("ok.yml", PINNED)
        r = self.pin("--dry-run", "--lock", self.lock, ok)
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_write_pins_and_then_check_passes(self):
        wf = self.write("wf/bad.yml", UNPINNED)
        r = self.pin("--write", "--lock", self.lock, wf)
        self.assertEqual(r.returncode, 0, r.stderr)
        text = self.read(wf)
        self.assertIn(f"      - uses: actions/checkout@{CHECKOUT} # v4.1.7\n", text)
        # Quotes and the old comment stay; the tag leads the comment.
        self.assertIn(f"        uses: 'actions/upload-artifact@{UPLOAD}' # v4.6.2 keep the logs\n",
                      text)
        self.assertIn(f"      - uses: github/codeql-action/init@{CODEQL} # v3\n", text)
        # Comments and shell text are left alone.
        self.assertIn("# uses: commented/out@v1", text)
        self.assertIn("          uses: inside/run-block@v1\n", text)
        self.assertEqual(self.check(wf).returncode, 0)
        r = self.pin("--write", "--dry-run", "--lock", self.lock, wf)
        self.assertEqual((r.returncode, r.stdout), (0, ""))

    def test_write_keeps_crlf_line_endings(self):
        wf = self.write("crlf.yml", "steps:\n  - uses: actions/checkout@v4.1.7\n", newline="\r\n")
        self.assertEqual(self.pin("--write", "--lock", self.lock, wf).returncode, 0)
        self.assertEqual((self.dir / wf).read_bytes(),
                         f"steps:\r\n  - uses: actions/checkout@{CHECKOUT} # v4.1.7\r\n".encode())

    def test_write_moves_a_pin_to_the_lock(self):
        wf = self.write("old.yml", f"steps:\n  - uses: actions/checkout@{UPLOAD} # v4.1.7 why\n")
        self.assertEqual(self.pin("--write", "--lock", self.lock, wf).returncode, 0)
        self.assertEqual(self.read(wf),
                         f"steps:\n  - uses: actions/checkout@{CHECKOUT} # v4.1.7 why\n")

    def test_tag_missing_from_lock_is_exit_2_and_writes_nothing(self):
        text = UNPINNED + "      - uses: someone/else@v9\n"
        wf = self.write("wf/bad.yml", text)
        for mode in (["--write"], ["--write", "--dry-run"]):
            r = self.pin(*mode, "--lock", self.lock, wf)
            self.assertEqual(r.returncode, 2, mode)
            self.assertIn("someone/else@v9", r.stderr)
            self.assertEqual(r.stdout, "")
            self.assertEqual(self.read(wf), text)

    def test_usage_and_io_errors_are_exit_2(self):
        wf = self.write("ok.yml", PINNED)
        bad_lock = self.write("bad.lock", "actions/checkout@v4 not-a-sha\n")
        for args in (["--check", "--write", wf],
                     ["--check", "--dry-run", wf],
                     ["--bogus", wf],
                     ["--lock", self.lock, "missing.yml"],
                     ["--lock", "missing.lock", wf],
                     ["--lock", bad_lock, wf]):
            r = self.pin(*args)
            self.assertEqual(r.returncode, 2, (args, r.stdout, r.stderr))
            self.assertTrue(r.stderr)

    def test_repository_workflows_are_pinned_to_the_lock(self):
        workflows = SRC / ".github" / "workflows"
        lock = SRC / ".github" / "actions.lock"
        r = run("--check", "--lock", lock, workflows)
        self.assertEqual((r.returncode, r.stdout, r.stderr), (0, "", ""))
        # --check only compares the pins whose tag the lock knows; here every
        # third-party action must carry its tag, and the lock must know it.
        locked = set()
        for line in lock.read_text().splitlines():
            if line.split("#", 1)[0].strip():
                action, sha = line.split()[:2]
                locked.add((action, sha))
        uses = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?([\w.-]+/[\w.-]+)[^@\s'\"]*"
                          r"@([0-9a-f]{40})['\"]?\s+#\s*(\S+)")
        any_uses = re.compile(r"^\s*(?:-\s+)?uses:\s*['\"]?(?!\./|docker://)")
        seen = 0
        for wf in sorted(workflows.glob("*.y*ml")):
            for n, line in enumerate(wf.read_text().splitlines(), 1):
                if any_uses.match(line):
                    m = uses.match(line)
                    self.assertTrue(m, f"{wf}:{n}: no '@<sha> # <tag>'")
                    repo, sha, tag = m.groups()
                    self.assertIn((f"{repo}@{tag}", sha), locked, f"{wf}:{n}")
                    seen += 1
        self.assertGreater(seen, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
