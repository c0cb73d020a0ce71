"""The warehouse file's life during a write: one writer (a lock), a copy to write into, and
an atomic swap of the copy over the live file.

A write never touches the live warehouse file. It makes `<warehouse>.building` a copy of
it, writes into the copy, and atomically renames the copy over the live file when it is
done. A crash at any point therefore leaves the live warehouse exactly as it was, and
analysts reading the live file are never blocked by the writer.

The copy costs what the night changes, not what the warehouse holds. The file the swap
replaced is kept as `<warehouse>.spare` (the warehouse as it was one write ago); the next
write compares it with the live file block by block and rewrites only the blocks that
differ (reads at memory speed from the page cache, writes and fsync proportional to one
night's changes; ext4 has no reflink to share the blocks instead). The comparison is the
guarantee: whatever the spare holds (a killed run's leftovers, garbage), the copy equals the
live file byte for byte when the comparison ends. A spare is never written while another
process may read it (a reader that opened the warehouse before the swap still holds that
file, with DuckDB's lock on it) or while it is the live file under another name: then it is
set aside and the live file copied whole, as before.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import struct
from pathlib import Path
from typing import IO

import duckdb


class WarehouseBusy(RuntimeError):
    """Another run holds the writer lock of this warehouse."""


def building_path(live: Path) -> Path:
    return live.with_name(live.name + ".building")


def staging_root(live: Path) -> Path:
    """Parquet files of the records parsed by a run, until it publishes (or fails)."""
    return live.with_name(live.name + ".staging")


def acquire_writer_lock(live: Path) -> IO[str]:
    """One writer per warehouse: a second run exits with a clear message instead of racing."""
    live.parent.mkdir(parents=True, exist_ok=True)
    handle = open(live.with_name(live.name + ".lock"), "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise WarehouseBusy(
            f"another run is writing {live} (lock held on {live.name}.lock); try again when it ends"
        ) from None
    return handle


def spare_path(live: Path) -> Path:
    """The warehouse as it was before the last swap: where the next copy starts from."""
    return live.with_name(live.name + ".spare")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def remove_building(building: Path) -> None:
    for leftover in (building, _wal(building)):
        leftover.unlink(missing_ok=True)


COMPARE_BYTES = 256 * 1024  # one DuckDB block
FLOCK = "hhqqi4x"  # struct flock on Linux x86_64 and aarch64: type, whence, start, len, pid


def copy_for_writing(live: Path) -> tuple[Path, int]:
    """Every write goes to a copy of the live file (call with the writer lock held). Returns
    the copy and the bytes written to make it."""
    building = building_path(live)
    spare = spare_path(live)
    # A WAL beside a leftover is never replayed into the copy: DuckDB would apply it on open.
    for wal in (_wal(building), _wal(spare)):
        wal.unlink(missing_ok=True)
    if not live.exists():
        remove_building(building)
        spare.unlink(missing_ok=True)
        return building, 0
    # A killed run's leftover copy, else the spare: both differ from the live file by about a night.
    start = next((p for p in (building, spare) if _reusable(p, live)), None)
    for other in (building, spare):
        if other != start:
            other.unlink(missing_ok=True)
    if start is None:
        shutil.copyfile(live, building)
        return building, live.stat().st_size
    os.replace(start, building)
    return building, refresh_copy(live, building)


def _reusable(candidate: Path, live: Path) -> bool:
    """True when `candidate` may be written: its own file (not the live file's inode under a
    second name, not hard-linked elsewhere), and no process holds it open as a database."""
    try:
        stat, live_stat = candidate.stat(), live.stat()
    except FileNotFoundError:
        return False
    if (stat.st_dev, stat.st_ino) == (live_stat.st_dev, live_stat.st_ino) or stat.st_nlink != 1:
        return False
    return not _open_in_this_process(stat) and not _locked_by_a_reader(candidate)


def _open_in_this_process(stat: os.stat_result) -> bool:
    """This process's own readers: their DuckDB lock is gone as soon as this process closes any
    descriptor of the file (POSIX locks; copying the file does), so look for their descriptors."""
    fds = Path("/proc/self/fd")
    for fd in fds.iterdir() if fds.is_dir() else ():
        try:
            held = fd.stat()
        except OSError:
            continue
        if (held.st_dev, held.st_ino) == (stat.st_dev, stat.st_ino):
            return True
    return False


def _locked_by_a_reader(path: Path) -> bool:
    """Does another process hold a lock on `path`? DuckDB locks every file it opens (shared
    for read-only connections). An open-file-description lock conflicts with those locks
    (this process's own too, while they last); it goes away with the descriptor."""
    fd = os.open(path, os.O_RDWR)
    try:
        wanted = struct.pack(FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)  # the whole file, exclusively
        try:
            answer = fcntl.fcntl(fd, fcntl.F_OFD_GETLK, wanted)
        except OSError:  # cannot tell: treat it as read
            return True
        return struct.unpack(FLOCK, answer)[0] != fcntl.F_UNLCK
    finally:
        os.close(fd)


def refresh_copy(source: Path, copy: Path) -> int:
    """Make `copy` byte-identical to `source`, writing only the blocks that differ; returns
    the bytes written."""
    written = 0
    src = os.open(source, os.O_RDONLY)
    dst = os.open(copy, os.O_RDWR)
    try:
        size = os.fstat(src).st_size
        os.ftruncate(dst, size)
        wanted, present = bytearray(COMPARE_BYTES), bytearray(COMPARE_BYTES)
        offset = 0
        while offset < size:
            got = os.preadv(src, [wanted], offset)
            if got == 0:
                break
            same = os.preadv(dst, [present], offset) == got and (
                wanted == present if got == COMPARE_BYTES else wanted[:got] == present[:got]
            )
            if not same:
                os.pwrite(dst, memoryview(wanted)[:got], offset)
                written += got
            offset += got
    finally:
        os.close(dst)
        os.close(src)
    return written


def swap_in(con: duckdb.DuckDBPyConnection, building: Path, live: Path) -> None:
    """Make the copy durable, then replace the live file with it in one atomic rename:
    readers see the old file or the new one, never a mix. The replaced file stays as the
    spare (a second name taken before the rename), where the next write's copy starts."""
    con.execute("CHECKPOINT")
    con.close()
    _fsync(building)
    spare = spare_path(live)
    spare.unlink(missing_ok=True)
    if live.exists():
        os.link(live, spare)
    os.replace(building, live)
    _fsync(live.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
