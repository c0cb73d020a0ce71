"""The warehouse file during a write (trialwarehouse/nightly/files.py): the copy starts from
the spare and costs what changed (issue 18), and is never made by writing a file that a
reader, or the live warehouse itself, holds."""

import os
import subprocess
import sys

import duckdb
import pytest

from trialwarehouse.nightly import files


def _write(live, statement):
    """One write as a run makes it: copy, change the copy, swap it in; returns the bytes copied."""
    building, copied = files.copy_for_writing(live)
    con = duckdb.connect(str(building))
    con.execute(statement)
    files.swap_in(con, building, live)
    return copied


@pytest.fixture
def live(tmp_path):
    path = tmp_path / "trials.duckdb"
    con = duckdb.connect(str(path))
    # Texts that do not compress away: a file of several megabytes, as a warehouse has.
    con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS text FROM range(1_500_000)")
    con.close()
    return path


def test_a_write_after_a_write_copies_only_the_blocks_that_changed(live):
    size = live.stat().st_size
    assert _write(live, "INSERT INTO t VALUES (-1, 'first')") == size  # no spare yet: a whole copy
    assert files.spare_path(live).exists()
    copied = _write(live, "INSERT INTO t VALUES (-2, 'second')")
    assert 0 < copied < size / 4
    con = duckdb.connect(str(live), read_only=True)
    assert con.execute("SELECT count(*), min(i) FROM t").fetchone() == (1_500_002, -2)
    con.close()


def test_the_copy_equals_the_live_file_whatever_the_spare_held(live):
    spare = files.spare_path(live)
    spare.write_bytes(os.urandom(100_000))
    building, copied = files.copy_for_writing(live)
    assert building.read_bytes() == live.read_bytes()
    assert copied > live.stat().st_size / 2  # nothing matched but the blocks of zeros
    assert not spare.exists()  # it became the copy


def test_a_spare_that_is_the_live_file_under_a_second_name_is_never_written(live):
    # A crash between the second name and the rename leaves the spare and the live file one file.
    os.link(live, files.spare_path(live))
    before = live.read_bytes()
    building, _ = files.copy_for_writing(live)
    assert os.stat(building).st_ino != os.stat(live).st_ino
    con = duckdb.connect(str(building))
    con.execute("INSERT INTO t VALUES (-1, 'tonight')")
    con.close()
    assert live.read_bytes() == before


def test_a_spare_that_a_reader_in_this_process_holds_is_left_to_it(live):
    """A reader that opened the warehouse before a swap reads the replaced file (now the
    spare) until it disconnects: the next write copies the live file whole instead."""
    reader = duckdb.connect(str(live), read_only=True)
    try:
        _write(live, "INSERT INTO t VALUES (-1, 'first')")  # the file the reader holds becomes the spare
        held = files.spare_path(live).stat().st_ino
        size = live.stat().st_size
        assert _write(live, "INSERT INTO t VALUES (-2, 'second')") == size  # copied whole
        assert held != files.spare_path(live).stat().st_ino
        assert reader.execute("SELECT count(*) FROM t").fetchone() == (1_500_000,)  # its file never written
    finally:
        reader.close()


def test_a_spare_that_a_reader_in_another_process_holds_is_left_to_it(live):
    code = (
        f"import duckdb, sys; c = duckdb.connect({str(live)!r}, read_only=True); print('open', flush=True); "
        "sys.stdin.readline(); print(c.execute('SELECT count(*) FROM t').fetchone()[0])"
    )
    reader = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout is not None and reader.stdout.readline() == "open\n"
        _write(live, "INSERT INTO t VALUES (-1, 'first')")
        size = live.stat().st_size
        assert _write(live, "INSERT INTO t VALUES (-2, 'second')") == size
        assert reader.communicate("go\n", timeout=30)[0].strip() == "1500000"
    finally:
        if reader.poll() is None:
            reader.kill()
