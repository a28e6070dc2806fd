# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""ctest's entry to the Python suite: build the extension against this build's
libblanc.a (BLANC_BUILD) into BLANC_BUILD/python with Debian's python3, then run pytest
on python/tests with it first on the path. Nothing is written to the source tree."""
import os
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
pkg = os.path.dirname(here)
build = os.environ["BLANC_BUILD"]
out = os.path.join(build, "python")
env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
os.makedirs(out, exist_ok=True)
b = subprocess.run([sys.executable, "setup.py", "-q", "egg_info", "--egg-base", out, "build",
                    "--build-lib", os.path.join(out, "lib"),
                    "--build-temp", os.path.join(out, "tmp")],
                   cwd=pkg, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
if b.returncode:
    sys.stdout.write(b.stdout)
    sys.exit("python: building the extension failed")
env["PYTHONPATH"] = os.path.join(out, "lib")
sys.exit(subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", here],
                        env=env, cwd=out).returncode)
