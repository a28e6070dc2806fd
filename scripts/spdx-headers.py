#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""SPDX headers in every source file Git tracks: C, Python, shell, CMake, Make, YAML.
Other files (docs, data, generated and template files) are declared in .reuse/dep5.

  scripts/spdx-headers.py --check   print each source file without a header, exit 1 if any
  scripts/spdx-headers.py --add [FILE...]   add the header to those files (or to FILE...)

The header is the two lines at the top of this file (in a /* */ comment in C), after a
shebang if there is one.
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Split so that reuse does not read these strings as this file's own tags.
TAG_COPYRIGHT = "SPDX-" + "FileCopyrightText: "
TAG_LICENCE = "SPDX-" + "License-Identifier: "
HOLDER = "2026 The Blanc authors"
LICENCE = "AGPL-3.0-or-later"
C_STYLE = re.compile(r"\.(c|h)$")
HASH_STYLE = re.compile(r"(\.(py|sh|cmake|yml|yaml)$|(^|/)(CMakeLists\.txt|Makefile|\.yamllint)$"
                        r"|^\.ci/run$|^scripts/pin-actions$|^packaging/libblanc0/post(inst|rm)$"
                        r"|^cmake/blancConfig\.cmake\.in$)")


def tracked():
    out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f and os.path.isfile(os.path.join(ROOT, f))]


def is_source(path):
    return bool(C_STYLE.search(path) or HASH_STYLE.search(path))


def has_header(path):
    with open(os.path.join(ROOT, path), encoding="utf-8", errors="replace") as f:
        head = f.read(2000)
    return TAG_LICENCE in head


def add(path):
    full = os.path.join(ROOT, path)
    with open(full, encoding="utf-8") as f:
        text = f.read()
    if C_STYLE.search(path):
        header = "/* %s%s\n * %s%s */\n" % (TAG_COPYRIGHT, HOLDER, TAG_LICENCE, LICENCE)
    else:
        header = "# %s%s\n# %s%s\n" % (TAG_COPYRIGHT, HOLDER, TAG_LICENCE, LICENCE)
    if text.startswith("#!"):
        first, _, rest = text.partition("\n")
        text = first + "\n" + header + rest
    else:
        text = header + text
    mode = os.stat(full).st_mode
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(full, mode)


def main(argv):
    if not argv or argv[0] not in ("--check", "--add"):
        sys.stderr.write(__doc__)
        return 2
    files = argv[1:] if argv[0] == "--add" and len(argv) > 1 else [
        f for f in tracked() if is_source(f)]
    missing = [f for f in files if not has_header(f)]
    if argv[0] == "--add":
        for f in missing:
            add(f)
            print("added", f)
        return 0
    for f in missing:
        print("no SPDX header: %s  (scripts/spdx-headers.py --add %s)" % (f, f))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
