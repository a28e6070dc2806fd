# SPDX-FileCopyrightText: 2026 The Blanc authors
# SPDX-License-Identifier: AGPL-3.0-or-later
"""Errors: blanc.Error subclasses with the library's code, name and message, naming the
file; a truncated day is counted as the CLI counts it, and refused under strict=True."""
import errno
import os

import pytest

import blanc
from conftest import cli_json, cli


def test_missing_file(tmp_path):
    p = str(tmp_path / "missing.itch")
    for call in (lambda: blanc.replay(p), lambda: blanc.emit(p, "bbo")):
        with pytest.raises(blanc.EOPEN) as e:
            call()
        assert isinstance(e.value, blanc.Error)
        assert e.value.code == -4 and e.value.name == "BLANC_EOPEN"
        assert e.value.errno == errno.ENOENT and e.value.path == p
        assert str(e.value) == p + ": cannot open file: No such file or directory"


def test_directory(tmp_path):
    with pytest.raises(blanc.EISDIR):
        blanc.replay(tmp_path)


def test_not_itch(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("these are not ITCH messages\n" * 50)
    for call in (lambda: blanc.replay(p), lambda: blanc.emit(p, "l3")):
        with pytest.raises(blanc.ENOTITCH) as e:
            call()
        assert e.value.code == -25 and "not an ITCH 5.0 BinaryFILE" in str(e.value)
        assert e.value.detail  # the feed's sentence saying why
    # the same verdict as the CLI's
    assert cli("replay", p, check=False).returncode == 2


def truncated(gen_day, tmp_path):
    data = open(gen_day, "rb").read()
    p = tmp_path / "cut.itch"
    p.write_bytes(data[: len(data) // 2 + 7])
    return str(p)


def test_truncated_counted_as_the_cli(gen_day, tmp_path):
    p = truncated(gen_day, tmp_path)
    r = blanc.replay(p)
    j = cli_json(p)
    assert r.anomalies == j["anomalies"] and "truncated" in r.anomalies
    assert r.digests == j["digests"]


def test_truncated_strict(gen_day, tmp_path):
    p = truncated(gen_day, tmp_path)
    off = blanc.replay(p).anomalies["truncated"]["first_offset"]
    for call in (lambda: blanc.replay(p, strict=True), lambda: blanc.emit(p, "bbo", strict=True)):
        with pytest.raises(blanc.ESTRICT) as e:
            call()
        assert e.value.code == -20
        assert "truncated" in e.value.detail and "byte %d" % off in e.value.detail


def test_every_code_has_a_class():
    for name in ["ENOMEM", "EINVAL", "EIO", "ETRUNCATED", "ECORRUPT", "ENOTFOUND", "ESTRICT",
                 "ENOTITCH", "ECUTPAST", "EBADPACKET", "ENOSESSION", "EEMPTY"]:
        cls = getattr(blanc, name)
        assert issubclass(cls, blanc.Error) and cls is not blanc.Error


def test_bad_symbol(sample):
    with pytest.raises(blanc.EINVAL):
        blanc.emit(sample, "bbo", symbols=["TOOLONGNAME"])
    with pytest.raises(TypeError):
        blanc.emit(sample, "bbo", symbols="ONZ")


def test_stub_names_every_code():
    """blanc/_blanc.pyi lists a class for each code the extension makes (from the
    library's list), so type checkers know them all."""
    import re
    stub = open(os.path.join(os.path.dirname(blanc.__file__), "_blanc.pyi")).read()
    if "class ENOMEM" not in stub:
        pytest.skip("stub not installed")
    made = {n for n in dir(blanc._blanc) if re.fullmatch(r"E[A-Z]+", n)}
    assert made == set(re.findall(r"^class (E[A-Z]+)\(Error\)", stub, re.M))


def test_package_version_is_the_library_version():
    """The installed distribution's version comes from include/blanc.h, as the C library's
    does: read both (package metadata, the extension's blanc_version()) and the header."""
    import importlib.metadata
    import re
    header = open(os.path.join(os.path.dirname(__file__), "..", "..", "include", "blanc.h")).read()
    parts = dict(re.findall(r"^#define BLANC_VERSION_(MAJOR|MINOR|PATCH) (\d+)$", header, re.M))
    want = "%s.%s.%s" % (parts["MAJOR"], parts["MINOR"], parts["PATCH"])
    assert blanc.__version__ == want
    assert importlib.metadata.version("blanc") == want
