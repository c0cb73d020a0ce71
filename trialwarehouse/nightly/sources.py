"""Find raw files in the landing folder and open archives safely.

The only module that reads the landing folder. It never modifies or deletes a raw file.
"""

from __future__ import annotations

import gzip
import hashlib
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from transforms.extract import archive_kind

# Files our own tools leave in a landing folder; never records.
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload")
_IGNORED_NAMES = (".DS_Store",)
MAX_MEMBER_BYTES = 512 * 1024 * 1024  # guard against zip bombs: no real record is near this
# What one archive may expand to, in all: real bundles of registry XML or JSON expand 5 to 20
# times (AllPublicXML: 17.7 MB -> 112 MB); a bomb expands a thousand times or more.
MAX_ARCHIVE_BYTES = 8 * 1024 * 1024 * 1024
MAX_ARCHIVE_RATIO = 100
_MIN_RATIO_BASE = 1024 * 1024  # tiny archives may expand past the ratio (a 2 kB zip of 300 kB)
_CHUNK = 1 << 20


class UnsafeArchive(ValueError):
    """An archive member that would escape the extraction folder, or is too large."""


class ArchiveTooLarge(ValueError):
    """The archive expands beyond what one archive may (size or ratio): refused whole."""


@dataclass(frozen=True)
class SkippedEntry:
    """A landing-folder entry that is deliberately not read, listed so nothing vanishes silently."""

    relative: str
    reason: str


@dataclass
class Landing:
    files: list[Path]
    skipped: list[SkippedEntry]


def display_name(text: str) -> str:
    """A path as valid UTF-8 text: bytes of a name that is not UTF-8 (kept by Python as
    surrogates) shown as \\xNN escapes, so it can be stored and printed."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass(frozen=True)
class FileStat:
    """What identifies a file's content without reading it (as git's index does)."""

    size: int
    mtime_ns: int
    ctime_ns: int
    inode: int

    @classmethod
    def of(cls, path: Path) -> FileStat:
        info = path.stat()
        return cls(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


@dataclass(frozen=True)
class RawFile:
    path: Path
    relative: str
    size: int
    sha256: str
    stat: FileStat | None = None  # taken before the content was hashed


@dataclass(frozen=True)
class RawUnit:
    """One file, or one member of an archive, with its bytes."""

    member: str  # "" for a plain file
    data: bytes


def scan_landing(raw_dir: Path) -> Landing:
    """Every candidate raw file under raw_dir, in a stable order, and every entry skipped
    (symlinks, hidden files and folders, files still being written), with the reason."""
    if not raw_dir.is_dir():
        raise FileNotFoundError(f"landing folder does not exist: {raw_dir}")
    files: list[Path] = []
    skipped: list[SkippedEntry] = []
    for path in sorted(raw_dir.rglob("*")):
        relative = path.relative_to(raw_dir)
        if any(part.startswith(".") for part in relative.parts[:-1]):
            continue  # inside a hidden folder (.pulls/ holds pull state): the folder is listed once
        name = display_name(relative.as_posix())
        if path.is_symlink():
            skipped.append(SkippedEntry(name, "symbolic link: not followed (the landing folder holds files)"))
        elif path.name.startswith("."):
            if path.is_dir():
                if path.name != ".pulls":
                    skipped.append(SkippedEntry(name + "/", "hidden folder: not read"))
            elif path.name not in _IGNORED_NAMES:
                skipped.append(SkippedEntry(name, "hidden file: not read"))
        elif not path.is_file():
            continue
        elif path.name in _IGNORED_NAMES:
            continue
        elif path.name.endswith(_IGNORED_SUFFIXES):
            skipped.append(SkippedEntry(name, "still being written (*.part, *.tmp, ...): read once complete"))
        else:
            files.append(path)
    return Landing(files, skipped)


def discover_raw_files(raw_dir: Path) -> list[Path]:
    """Every candidate raw file under raw_dir, in a stable order."""
    return scan_landing(raw_dir).files


def describe_raw_file(path: Path, raw_dir: Path, known: dict[str, tuple[FileStat, str]] | None = None) -> RawFile:
    """Size and SHA-256 of a raw file, hashed in chunks so a large bundle is never held whole.
    A file whose stat matches `known[relative]` keeps its known hash without being read."""
    relative = display_name(path.relative_to(raw_dir).as_posix())
    stat = FileStat.of(path)  # before reading: a file changing while hashed is re-read next time
    if known and relative in known and known[relative][0] == stat:
        return RawFile(path, relative, stat.size, known[relative][1], stat)
    size, sha256 = file_sha256(path)
    return RawFile(path, relative, size, sha256, stat)


def file_sha256(path: Path) -> tuple[int, str]:
    """(size, SHA-256) of a file, read in 1 MB chunks."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def safe_member_name(name: str) -> str:
    """Refuse absolute paths and '..' in archive member names (zip-slip)."""
    posix = PurePosixPath(name.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or (posix.parts and posix.parts[0].endswith(":")):
        raise UnsafeArchive(f"archive member with unsafe path refused: {name!r}")
    return posix.as_posix()


class _Budget:
    """What one archive has expanded to so far, against its bounds."""

    def __init__(self, path: Path):
        self.compressed = path.stat().st_size
        self.limit = min(MAX_ARCHIVE_BYTES, max(self.compressed, _MIN_RATIO_BASE) * MAX_ARCHIVE_RATIO)
        self.expanded = 0

    def spend(self, size: int) -> None:
        self.expanded += size
        if self.expanded > self.limit:
            raise ArchiveTooLarge(
                f"archive expands beyond {self.limit:,} bytes ({MAX_ARCHIVE_RATIO} times its "
                f"{self.compressed:,} bytes, at most {MAX_ARCHIVE_BYTES:,}): refused whole as a possible archive bomb"
            )


def _read_bounded(handle, budget: _Budget, name: str) -> bytes:
    """A member's bytes, read in chunks so neither a lying header nor a bomb is held whole."""
    chunks = []
    size = 0
    while chunk := handle.read(_CHUNK):
        size += len(chunk)
        if size > MAX_MEMBER_BYTES:
            raise UnsafeArchive(f"archive member too large (over {MAX_MEMBER_BYTES} bytes): {name!r}")
        budget.spend(len(chunk))
        chunks.append(chunk)
    return b"".join(chunks)


def iter_units(path: Path) -> Iterator[RawUnit | tuple[str, str]]:
    """Yield the file itself, or each archive member in turn (one in memory at a time);
    a refused member comes as (name, reason). ArchiveTooLarge when an archive expands
    beyond its bounds: the caller refuses the archive whole."""
    with path.open("rb") as handle:
        head = handle.read(512)
    kind = archive_kind(head)
    if kind is None:
        yield RawUnit("", path.read_bytes())
    elif kind == "zip":
        yield from _zip_members(path)
    else:
        yield from _tar_members(path)


def _zip_members(path: Path) -> Iterator[RawUnit | tuple[str, str]]:
    try:
        archive = zipfile.ZipFile(path)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        yield ("", f"corrupt zip archive: {exc}")
        return
    budget = _Budget(path)
    with archive:
        for info in infos:
            if info.is_dir():
                continue
            try:
                name = safe_member_name(info.filename)
                if info.file_size > MAX_MEMBER_BYTES:
                    raise UnsafeArchive(f"archive member too large ({info.file_size} bytes): {info.filename!r}")
                with archive.open(info) as member:
                    data = _read_bounded(member, budget, info.filename)
                yield RawUnit(name, data)
            except UnsafeArchive as exc:
                yield (info.filename, str(exc))
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
                yield (info.filename, f"corrupt zip member: {exc}")


def _tar_members(path: Path) -> Iterator[RawUnit | tuple[str, str]]:
    try:
        archive = tarfile.open(path, mode="r:*")
    except tarfile.ReadError:
        yield from _gzip_single(path)
        return
    except (tarfile.TarError, OSError, EOFError) as exc:
        yield ("", f"corrupt or unsupported gzip/tar archive: {exc}")
        return
    budget = _Budget(path)
    with archive:
        try:
            for info in archive:
                if info.isdir():
                    continue
                try:
                    name = safe_member_name(info.name)
                    if not info.isfile():
                        raise UnsafeArchive(f"archive member is a link or device, refused: {info.name!r}")
                    if info.size > MAX_MEMBER_BYTES:
                        raise UnsafeArchive(f"archive member too large ({info.size} bytes): {info.name!r}")
                    extracted = archive.extractfile(info)
                    yield RawUnit(name, _read_bounded(extracted, budget, info.name) if extracted else b"")
                except UnsafeArchive as exc:
                    yield (info.name, str(exc))
        except (tarfile.TarError, OSError, EOFError) as exc:
            yield ("", f"truncated or corrupt gzip/tar archive: {exc}")


def _gzip_single(path: Path) -> Iterator[RawUnit | tuple[str, str]]:
    # A gzip that is not a tar: one compressed record file (e.g. studies.ndjson.gz).
    try:
        with gzip.open(path, "rb") as handle:
            data = _read_bounded(handle, _Budget(path), path.name)
    except UnsafeArchive:
        yield ("", "gzip content too large: refused")
        return
    except (OSError, EOFError) as exc:
        yield ("", f"corrupt or truncated gzip file: {exc}")
        return
    yield RawUnit(path.name.removesuffix(".gz"), data)
