"""Landing folder discovery and safe archive reading (zip-slip, links, corrupt bundles)."""

import io
import os
import tarfile
import zipfile

import pytest

from trialwarehouse.nightly.sources import (
    RawUnit,
    UnsafeArchive,
    describe_raw_file,
    discover_raw_files,
    iter_units,
    safe_member_name,
)


@pytest.mark.parametrize("name", ["../evil.json", "/etc/passwd", "a/../../b.xml", "C:/x.json", "..\\x.json"])
def test_unsafe_member_names_are_refused(name):
    with pytest.raises(UnsafeArchive):
        safe_member_name(name)


def test_zip_with_traversal_member_yields_refusal_and_keeps_the_rest(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("ok/NCT00000001.json", "{}")
        z.writestr("../../escape.json", "{}")
    units = list(iter_units(path))
    assert isinstance(units[0], RawUnit) and units[0].member == "ok/NCT00000001.json"
    assert units[1][0] == "../../escape.json" and "unsafe path" in units[1][1]
    assert not (tmp_path.parent / "escape.json").exists()


def test_tar_with_symlink_and_absolute_members_is_refused(tmp_path):
    path = tmp_path / "bundle.tar.gz"
    with tarfile.open(path, "w:gz") as t:
        link = tarfile.TarInfo("link.xml")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        t.addfile(link)
        data = b"<clinical_study/>"
        absolute = tarfile.TarInfo("/abs.xml")
        absolute.size = len(data)
        t.addfile(absolute, io.BytesIO(data))
    reasons = [u[1] for u in iter_units(path)]
    assert "link or device" in reasons[0]
    assert "unsafe path" in reasons[1]


def test_truncated_tar_gz_is_reported(tmp_path):
    good = tmp_path / "good.tar.gz"
    with tarfile.open(good, "w:gz") as t:
        data = os.urandom(100_000)
        info = tarfile.TarInfo("a.xml")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    truncated = tmp_path / "bad.tar.gz"
    truncated.write_bytes(good.read_bytes()[:200])
    units = list(iter_units(truncated))
    assert any(isinstance(u, tuple) and "gzip" in u[1] for u in units)


def test_discovery_skips_hidden_and_partial_files(tmp_path):
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / ".hidden.json").write_text("{}")
    (tmp_path / "pull.ndjson.part").write_text("{}")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.xml").write_text("<x/>")
    assert [p.name for p in discover_raw_files(tmp_path)] == ["a.json", "b.xml"]
    raw = describe_raw_file(tmp_path / "sub" / "b.xml", tmp_path)
    assert (raw.relative, raw.size) == ("sub/b.xml", 4)
