# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""The manifest of a set of replayed days (docs/SCALEOUT.md "Manifest").

``manifest.jsonl`` holds one line per day that replayed: the canonical JSON (keys sorted,
no spaces, ASCII) of ``{anomalies, bytes, date, file, health, input, l2, l3, messages,
stream}``, lines sorted by (date, file) with undated days last, each ending in ``\\n``.
Nothing in it depends on who replayed the day, where, or how fast: the same files give
the same bytes from ``blanc.dask.replay_days`` on any number of workers, from serial
``blanc replay --json`` runs (``python -m blanc.manifest serial``) and from a Slurm
array's parts (``python -m blanc.manifest merge``). Its aggregate digest is SHA-256 of
the file's bytes (``sha256sum manifest.jsonl``).

    python -m blanc.manifest serial FILES... -o manifest.jsonl [--blanc PATH] [--threads N]
    python -m blanc.manifest merge PARTS... -o manifest.jsonl
    python -m blanc.manifest digest manifest.jsonl
"""
from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence

FIELDS = ("anomalies", "bytes", "date", "file", "health", "input", "l2", "l3", "messages",
          "stream")
NAME = "manifest.jsonl"

_ISO = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_EIGHT = re.compile(r"(?<!\d)(\d{8})(?!\d)")


def _ymd(y: int, m: int, d: int) -> Optional[str]:
    if 1990 <= y <= 2099 and 1 <= m <= 12 and 1 <= d <= 31:
        return "%04d-%02d-%02d" % (y, m, d)
    return None


def date_of_name(path: str) -> Optional[str]:
    """The trading day in a file's name, "YYYY-MM-DD", or None.

    First as ``blanc replay --emit lobster`` takes it (the name starts with YYYYMMDD, or
    NASDAQ's MMDDYYYY as in 01302019.NASDAQ_ITCH50.gz, followed by a non-digit); else
    the first YYYY-MM-DD, then the first run of exactly 8 digits read as YYYYMMDD,
    anywhere in the name. ITCH timestamps are ns since midnight and carry no date, so a
    name without one gives None (callers may pass a mapping instead)."""
    base = os.path.basename(path)
    head = base[:9]
    if len(head) >= 8 and head[:8].isdigit() and (len(head) == 8 or not head[8].isdigit()):
        n = head[:8]
        d = _ymd(int(n[:4]), int(n[4:6]), int(n[6:8])) or \
            _ymd(int(n[4:8]), int(n[:2]), int(n[2:4]))
        if d:
            return d
    for m in _ISO.finditer(base):
        d = _ymd(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if d:
            return d
    for m in _EIGHT.finditer(base):
        n = m.group(1)
        d = _ymd(int(n[:4]), int(n[4:6]), int(n[6:8]))
        if d:
            return d
    return None


def entry(path: str, *, bytes: int, messages: int, digests: Mapping[str, str],
          anomalies: int, health: Optional[str], date: Optional[str] = None) -> Dict:
    """One day's manifest entry (``date`` defaults to :func:`date_of_name`)."""
    return {"anomalies": int(anomalies), "bytes": int(bytes),
            "date": date if date is not None else date_of_name(path),
            "file": os.path.basename(path), "health": health,
            "input": digests["input"], "l2": digests["l2"], "l3": digests["l3"],
            "messages": int(messages), "stream": digests["stream"]}


def from_summary(s: Mapping, date: Optional[str] = None) -> Dict:
    """The entry of one ``blanc replay FILE --json`` summary."""
    h = s.get("health")
    return entry(s["file"], bytes=s["file_bytes"], messages=s["messages"],
                 digests=s["digests"], anomalies=s["anomalies_total"],
                 health=h["worst"] if h else None, date=date)


def truncated(path: str, anomalies: Mapping) -> Optional[str]:
    """The error of a day whose input ends inside a message, else None. ``blanc replay``
    counts that as an anomaly and exits 0; a batch calls the day failed, since a file
    cut short is an incomplete copy (its digests are not those of the day)."""
    t = anomalies.get("truncated")
    if not t:
        return None
    return ("ETRUNCATED: %s: the input ends inside a message at byte %d (message %d): "
            "an incomplete copy" % (path, t["first_offset"], t["first_index"]))


def key(e: Mapping) -> str:
    """What names a day in a manifest: its file's name (without the folder)."""
    return e["file"]


def _order(e: Mapping):
    return (e["date"] is None, e["date"] or "", e["file"])


def line(e: Mapping) -> str:
    """The canonical line of an entry (with its newline)."""
    missing = [f for f in FIELDS if f not in e]
    if missing:
        raise ValueError("manifest entry without %s: %r" % (", ".join(missing), e))
    return json.dumps({f: e[f] for f in FIELDS}, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=True) + "\n"


def render(entries: Iterable[Mapping]) -> bytes:
    """The bytes of manifest.jsonl for these entries (one per file name: a name given
    twice with different contents is a ValueError)."""
    by: Dict[str, Dict] = {}
    for e in entries:
        e = {f: e[f] for f in FIELDS}
        old = by.get(key(e))
        if old is not None and old != e:
            raise ValueError("two different entries for %s:\n  %s  %s" %
                             (key(e), line(old), line(e)))
        by[key(e)] = e
    return "".join(line(e) for e in sorted(by.values(), key=_order)).encode("ascii")


def digest(data: bytes) -> str:
    """The aggregate digest: SHA-256 of manifest.jsonl's bytes, 64 hex digits."""
    return hashlib.sha256(data).hexdigest()


def read(path: str) -> List[Dict]:
    """The entries of a manifest (empty if it does not exist)."""
    try:
        with open(path, "rb") as f:
            return [json.loads(ln) for ln in f.read().decode("ascii").splitlines() if ln]
    except FileNotFoundError:
        return []


def parse_parts(paths: Sequence[str]) -> "tuple[List[Dict], List[str]]":
    """Entries from part files, and the errors of days that failed: each line (or a
    whole file holding one JSON object) is a manifest entry or a ``blanc replay --json``
    summary, as a Slurm array task writes it, or ``{"file", "error"}`` for a day whose
    replay failed. An empty part is an error too."""
    entries: List[Dict] = []
    errors: List[str] = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            text = f.read()
        if not text.strip():
            errors.append("%s: empty part (the replay failed: see its log)" % p)
            continue
        try:
            objs = [json.loads(text)]
        except json.JSONDecodeError:
            objs = [json.loads(ln) for ln in text.splitlines() if ln.strip()]
        for o in objs:
            if not isinstance(o, dict):
                raise ValueError("%s: not a JSON object" % p)
            if "error" in o:  # written by a Slurm task whose replay failed
                errors.append("%s: %s" % (o.get("file"), o["error"]))
                continue
            if "digests" not in o:
                entries.append({f: o[f] for f in FIELDS})
                continue
            cut = truncated(o["file"], o["anomalies"])
            if cut:
                errors.append(cut)
            else:
                entries.append(from_summary(o))
    return entries, errors


def write_atomic(path: str, data: bytes) -> None:
    """Write path all at once: a temporary file in its folder, fsync, rename, fsync
    of the folder. A reader sees the old file or the new one, never a part."""
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(d)


def fsync_dir(d: str) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def locked(out: str) -> Iterator[None]:
    """Hold out/.manifest.lock (flock) while reading, merging and writing the manifest,
    so that two clients writing into one folder do not lose each other's days."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".manifest.lock"), "a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def merge_into(path: str, entries: Iterable[Mapping], replace: bool = True) -> bytes:
    """Merge entries into the manifest at path (entries replace those of the same file
    when replace, else must agree) and write it atomically; its new bytes."""
    new = {key(e): e for e in entries}
    old = [e for e in read(path) if not (replace and key(e) in new)]
    data = render(old + list(new.values()))
    write_atomic(path, data)
    return data


def _blanc_bin(given: Optional[str]) -> str:
    b = given or os.environ.get("BLANC_BIN") or shutil.which("blanc")
    if not b:
        raise SystemExit("blanc.manifest: no blanc CLI: give --blanc PATH or set BLANC_BIN")
    return b


def serial(files: Sequence[str], blanc: Optional[str] = None,
           threads: Optional[int] = None) -> "tuple[List[Dict], List[str]]":
    """Replay each file in turn with ``blanc replay FILE --json``: (entries, errors)."""
    exe = _blanc_bin(blanc)
    entries, errors = [], []
    for f in files:
        cmd = [exe, "replay", f, "--json"] + (["--threads", str(threads)] if threads else [])
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode:
            last = p.stderr.strip().splitlines()
            errors.append("%s: exit %d: %s" % (f, p.returncode, last[-1] if last else ""))
            continue
        summary = json.loads(p.stdout)
        cut = truncated(f, summary["anomalies"])
        if cut:
            errors.append(cut)
            continue
        entries.append(from_summary(summary))
    return entries, errors


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m blanc.manifest",
                                 description="Build, merge and digest manifests of replayed "
                                 "days (docs/SCALEOUT.md).")
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serial", help="replay FILES one after another with `blanc replay "
                       "--json` and write their manifest")
    s.add_argument("files", nargs="+", metavar="FILE")
    s.add_argument("-o", "--output", required=True, help="manifest to write")
    s.add_argument("--blanc", help="the CLI (default: $BLANC_BIN, else blanc on PATH)")
    s.add_argument("--threads", type=int, help="--threads N of blanc replay")
    m = sub.add_parser("merge", help="merge part files (manifest lines or `blanc replay "
                       "--json` summaries) into one manifest")
    m.add_argument("parts", nargs="*", metavar="PART")
    m.add_argument("-o", "--output", required=True, help="manifest to write")
    m.add_argument("--expect", metavar="LIST",
                   help="the inputs, one path a line: a day of LIST with no entry fails")
    d = sub.add_parser("digest", help="print a manifest's aggregate digest (SHA-256)")
    d.add_argument("manifest")
    a = ap.parse_args(argv)
    if a.cmd == "digest":
        with open(a.manifest, "rb") as f:
            print(digest(f.read()))
        return 0
    errors: List[str] = []
    try:
        if a.cmd == "serial":
            entries, errors = serial(a.files, a.blanc, a.threads)
        else:
            entries, errors = parse_parts(a.parts)
            if a.expect:
                with open(a.expect, encoding="utf-8") as f:
                    want = [ln.strip() for ln in f if ln.strip()]
                have = {key(e) for e in entries}
                failed = " ".join(errors)
                errors += ["%s: no part (its task failed or never ran)" % w for w in want
                           if os.path.basename(w) not in have and w not in failed]
        data = render(entries)
    except (OSError, ValueError, KeyError) as e:
        print("blanc.manifest: %s" % (e,), file=sys.stderr)
        return 2
    write_atomic(a.output, data)
    print("%s: %d days, sha256 %s" % (a.output, data.count(b"\n"), digest(data)))
    for e in errors:
        print("failed: %s" % e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
