#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The licence audit of what Blanc's shipped binaries actually link: every shared library ldd
resolves for blanc and libblanc.so (direct NEEDED entries and their own dependencies), the
Debian package that holds it (dpkg -S) and the licences its copyright file
(/usr/share/doc/PACKAGE/copyright) names. The result is the table between the markers in
docs/DEPENDENCIES.md. Its "reviewed licence" column is written by a person: the licence of the
part that is linked (a copyright file covers a whole source package: tools, tests, docs), and
that licence must be compatible with linking into an AGPL-3.0-or-later work.

  scripts/dep-audit.py BUILD_DIR            rewrite the table (reviewed column kept)
  scripts/dep-audit.py --check BUILD_DIR    exit 1 if a linked package has no reviewed
                                            entry, its reviewed licence is not compatible,
                                            or the table is not what the build links now
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "DEPENDENCIES.md")
BEGIN = "<!-- BEGIN linked: scripts/dep-audit.py writes this table -->"
END = "<!-- END linked -->"
UNREVIEWED = "UNREVIEWED"
# Licences a library linked into an AGPL-3.0-or-later program may have (GPL-3.0
# compatible); "A OR B" is fine when either is.
COMPATIBLE = {
    "AGPL-3.0-or-later", "GPL-3.0-or-later", "GPL-2.0-or-later", "LGPL-2.1-or-later",
    "LGPL-3.0-or-later", "LGPL-2.0-or-later", "Apache-2.0", "MPL-2.0", "MIT", "BSD-2-Clause",
    "BSD-3-Clause", "ISC", "Zlib", "CC0-1.0", "0BSD", "public-domain", "X11",
}


def run(args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def artifacts(build):
    out = [os.path.join(build, "blanc")]
    so = os.path.join(build, "libblanc.so")
    if os.path.exists(so):
        out.append(os.path.realpath(so))
    return out


def needed(path):
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", run(["readelf", "-d", path]))


def resolved(path):
    """{soname: path} of every library ldd resolves for path."""
    out = {}
    for line in run(["ldd", path]).splitlines():
        m = re.match(r"\s*(\S+) => (/\S+)", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def package_of(path):
    cands = [path, os.path.realpath(path)]
    for p in list(cands):
        if p.startswith("/usr/"):
            cands.append(p[4:])
        else:
            cands.append("/usr" + p)
    for p in cands:
        r = subprocess.run(["dpkg", "-S", p], capture_output=True, text=True)
        if r.returncode == 0:
            return r.stdout.split(":")[0].strip()
    return None


def copyright_licences(pkg):
    path = "/usr/share/doc/%s/copyright" % pkg
    if not os.path.exists(path):
        return "no copyright file"
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    if not text.startswith("Format:"):
        return "not machine-readable"
    names = set()
    for m in re.finditer(r"^License:[ \t]*(\S.*)$", text, re.M):
        names.add(m.group(1).strip())
    return "; ".join(sorted(names, key=str.lower)) or "none named"


def scan(build):
    """{package: {"by": set of "artifact (direct|via)", "licences": str}}"""
    pkgs = {}
    for art in artifacts(build):
        name = "libblanc.so" if ".so" in art else os.path.basename(art)
        direct = set(needed(art))
        for soname, path in resolved(art).items():
            pkg = package_of(path) or "?" + soname
            e = pkgs.setdefault(pkg, {"by": set(), "licences": copyright_licences(pkg)})
            e["by"].add("%s%s" % (name, "" if soname in direct else " (via)"))
    for e in pkgs.values():
        # an artifact that needs the package directly is not also listed "via"
        e["by"] = {b for b in e["by"] if not (b.endswith(" (via)") and b[:-6] in e["by"])}
    return pkgs


def read_table():
    with open(DOC, encoding="utf-8") as f:
        doc = f.read()
    if BEGIN not in doc:
        return doc, {}
    body = doc.split(BEGIN, 1)[1].split(END, 1)[0]
    rows = {}
    for line in body.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and not set(cells[0]) <= set("-") and cells[0] != "package":
            rows[cells[0].strip("`")] = cells
    return doc, rows


def render(pkgs, rows):
    lines = [BEGIN, "",
             "| package | linked by | licences its copyright file names | reviewed licence "
             "(of what is linked) |", "|---|---|---|---|"]
    for pkg in sorted(pkgs):
        e = pkgs[pkg]
        reviewed = rows.get(pkg, [None] * 4)[3] or UNREVIEWED
        lines.append("| `%s` | %s | %s | %s |" % (pkg, ", ".join(sorted(e["by"])),
                                                  e["licences"].replace("|", "/"), reviewed))
    lines += ["", END]
    return "\n".join(lines)


def compatible(reviewed):
    lic = re.split(r"\s*[—(]", reviewed, 1)[0].strip()  # a note may follow
    return any(all(p.strip() in COMPATIBLE for p in alt.split(" AND "))
               for alt in lic.split(" OR "))


def main(argv):
    check = bool(argv) and argv[0] == "--check"
    if check:
        argv = argv[1:]
    if len(argv) != 1:
        sys.stderr.write(__doc__)
        return 2
    pkgs = scan(argv[0])
    doc, rows = read_table()
    table = render(pkgs, rows)
    if BEGIN in doc:
        new = doc.split(BEGIN, 1)[0] + table + doc.split(END, 1)[1]
    else:
        new = doc.rstrip("\n") + "\n\n" + table + "\n"
    if not check:
        with open(DOC, "w", encoding="utf-8") as f:
            f.write(new)
        return 0
    bad = 0
    for pkg in sorted(pkgs):
        reviewed = rows.get(pkg, [None] * 4)[3]
        if not reviewed or reviewed == UNREVIEWED:
            print("dep-audit: %s is linked (%s) and has no reviewed entry in docs/DEPENDENCIES.md:"
                  " run scripts/dep-audit.py BUILD, then fill its reviewed licence from %s"
                  % (pkg, ", ".join(sorted(pkgs[pkg]["by"])), "/usr/share/doc/%s/copyright" % pkg))
            bad = 1
        elif not compatible(reviewed):
            print("dep-audit: %s: reviewed licence '%s' is not compatible with AGPL-3.0-or-later"
                  % (pkg, reviewed))
            bad = 1
    if new != doc and not bad:
        print("dep-audit: docs/DEPENDENCIES.md's linked table is not what the build links now"
              " (run scripts/dep-audit.py BUILD and review the change):")
        for a, b in zip(doc.split(BEGIN, 1)[-1].splitlines(), table.splitlines()):
            if a != b:
                print("  docs : " + a + "\n  build: " + b)
        bad = 1
    if not bad:
        print("dep-audit: %d linked packages, each reviewed and compatible" % len(pkgs))
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
