#!/usr/bin/env python3
# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Man pages from the texts that are already checked: blanc(1) and one page per command,
blanc-CMD(1), whose synopsis and options are the command's --help as docs/CLI.md carries it
(tests/docs_cli_test.py holds that equal to the binary, tests/man_test.py the pages to the
binary); libblanc(3) from man/libblanc.3.scd with the prototypes of include/blanc.h, by
section, appended. Writes the scdoc sources, then the roff through scdoc, gzip -9n.

  scripts/gen-man.py --list                       the page file names, one a line
  scripts/gen-man.py --out DIR [--epoch SECONDS]  write DIR/NAME.scd and DIR/NAME.gz

The date on every page is SOURCE_DATE_EPOCH (--epoch), so two builds of a commit agree.
"""
import argparse
import gzip
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(r"^<!-- (blanc[a-z ]*?) --help -->\n```text\n(.*?)^```$", re.M | re.S)


def help_blocks():
    with open(os.path.join(ROOT, "docs", "CLI.md"), encoding="utf-8") as f:
        return {m.group(1): m.group(2) for m in BLOCK.finditer(f.read())}


def commands(blocks):
    """[(command, one-line description)] in the order `blanc --help` lists them."""
    out = []
    for line in blocks["blanc"].split("commands:\n", 1)[1].splitlines():
        m = re.match(r"^  ([a-z]+) +(.*)$", line)
        if not m:
            break
        out.append((m.group(1), m.group(2)))
    return out


def pages(blocks):
    return ["blanc.1"] + ["blanc-%s.1" % c for c, _ in commands(blocks)] + ["libblanc.3"]


def literal(text):
    """An scdoc literal block: the text as it is, indented like the terminal shows it."""
    return "```\n" + text.rstrip("\n") + "\n```\n"


def esc(s):
    # scdoc formatting characters in running text
    return re.sub(r"([*_\\])", r"\\\1", s)


def exit_status():
    return ("# EXIT STATUS\n\n"
            "*0* ok (anomalies are counted, not fatal); *1* an anomaly under --strict; "
            "*2* a usage error or unusable input, with a message naming the file and the "
            "reason on standard error.\n\n")


def main_page(blocks, version):
    cmds = commands(blocks)
    s = 'blanc(1) "blanc %s" "Blanc manual"\n\n' % version
    s += "# NAME\n\nblanc - replay NASDAQ TotalView-ITCH 5.0 into limit order books\n\n"
    s += "# SYNOPSIS\n\n*blanc* _command_ [_options_]\n\n*blanc* --help | --version\n\n"
    s += "# DESCRIPTION\n\n"
    s += ("Blanc decodes ITCH 5.0 BinaryFILE days (plain, gzip or zstd), pcap/pcapng captures "
          "of MoldUDP64 and SoupBinTCP streams, and live MoldUDP64 feeds, builds the "
          "order-by-order book of every instrument and reports counts, anomalies and "
          "digests. Each command has its own page, *blanc-*_command_(1), and prints the same "
          "text with --help.\n\n")
    s += "*--version* prints the version, the git commit, the compiler and the build flags.\n\n"
    s += "# COMMANDS\n\n"
    for c, what in cmds:
        s += "*%s*\n\t%s; see *blanc-%s*(1).\n\n" % (c, esc(what), c)
    s += "# USAGE\n\n" + literal(blocks["blanc"]) + "\n"
    s += exit_status()
    s += "# FILES\n\n_/usr/share/doc/blanc/_\n\tThe full documentation (CLI.md, FEEDS.md, "
    s += "DIGEST.md, ...).\n\n"
    s += "# SEE ALSO\n\n" + ", ".join("*blanc-%s*(1)" % c for c, _ in cmds)
    s += ", *libblanc*(3)\n"
    return s


def command_page(blocks, cmd, what, version):
    s = 'blanc-%s(1) "blanc %s" "Blanc manual"\n\n' % (cmd, version)
    s += "# NAME\n\nblanc-%s - %s\n\n" % (cmd, esc(what))
    names = sorted(n for n in blocks if n == "blanc " + cmd or n.startswith("blanc %s " % cmd))
    s += "# SYNOPSIS AND OPTIONS\n\n"
    if not names:  # docs/CLI.md lacks its --help block: tests/docs_cli_test.py says so
        return s + "See *blanc %s --help*.\n\n# SEE ALSO\n\n*blanc*(1)\n" % cmd
    s += ("The text *%s --help* prints; _/usr/share/doc/blanc/CLI.md_ describes the command "
          "in full.\n\n" % " ".join(names[0].split()))
    for n in names:
        if len(names) > 1:
            s += "## %s\n\n" % n
        s += literal(blocks[n]) + "\n"
    s += exit_status()
    s += "# SEE ALSO\n\n*blanc*(1), *libblanc*(3)\n"
    return s


def prototypes():
    """[(section, [declaration])] from include/blanc.h, in its order."""
    with open(os.path.join(ROOT, "include", "blanc.h"), encoding="utf-8") as f:
        text = f.read()
    sections, current = [], None
    banner = re.compile(r"^/\* -{20,} \*/\n/\* (.*?)\s*\*/\n/\* -{20,} \*/$", re.M)
    pos = 0
    for m in list(banner.finditer(text)) + [None]:
        chunk = text[pos:m.start() if m else len(text)]
        chunk = re.sub(r"/\*.*?\*/", "", chunk, flags=re.S)
        decls = []
        found = re.findall(r"^(?!#|typedef|struct|enum|\s)([^;{}]*?\bblanc_[a-z0-9_]+\([^;{}]*?\)"
                           r"|extern [^;{}(]*\bblanc_[a-z0-9_]+\s*(?:\[[^;]*\])?);", chunk, re.M | re.S)
        for d in found:
            decls.append(re.sub(r"\s+", " ", d).strip() + ";")
        if decls:
            sections.append((current or "Version", decls))
        if m:
            current, pos = m.group(1), m.end()
    return sections


def lib_page(version):
    with open(os.path.join(ROOT, "man", "libblanc.3.scd"), encoding="utf-8") as f:
        s = f.read().replace("@VERSION@", version)
    s += "\n# DECLARATIONS\n\nEvery function and variable *blanc.h* declares, by its section of the header.\n\n"
    for section, decls in prototypes():
        s += "## %s\n\n" % section
        s += literal("\n".join(decls)) + "\n"
    return s


def version():
    with open(os.path.join(ROOT, "include", "blanc.h"), encoding="utf-8") as f:
        h = f.read()
    return ".".join(re.search(r"#define BLANC_VERSION_%s (\d+)" % k, h).group(1)
                    for k in ("MAJOR", "MINOR", "PATCH"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--epoch", default=os.environ.get("SOURCE_DATE_EPOCH"))
    ap.add_argument("--scdoc", default="scdoc")
    a = ap.parse_args()
    blocks = help_blocks()
    if a.list:
        print("\n".join(pages(blocks)))
        return 0
    if not a.out:
        ap.error("--out or --list")
    v = version()
    texts = {"blanc.1": main_page(blocks, v), "libblanc.3": lib_page(v)}
    for c, what in commands(blocks):
        texts["blanc-%s.1" % c] = command_page(blocks, c, what, v)
    os.makedirs(a.out, exist_ok=True)
    env = dict(os.environ, SOURCE_DATE_EPOCH=str(a.epoch or int(time.time())))
    for name in pages(blocks):
        with open(os.path.join(a.out, name + ".scd"), "w", encoding="utf-8") as f:
            f.write(texts[name])
        r = subprocess.run([a.scdoc], input=texts[name].encode(), capture_output=True, env=env)
        if r.returncode != 0:
            sys.stderr.write("gen-man: %s: %s" % (name, r.stderr.decode()))
            return 1
        with open(os.path.join(a.out, name + ".gz"), "wb") as f:
            # no name, no time in the gzip header (gzip -9n)
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, compresslevel=9, mtime=0) as g:
                g.write(r.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
