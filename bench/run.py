"""`make bench`: time each scenario as a whole process (wall, CPU, peak RSS of the whole
process tree) against the floor, and append the figures to bench/results.md. N comes from
BENCH_N (10k, 100k, 570k); parsing uses BENCH_WORKERS processes (default 2, as the
`process` task runner does on this 2-core machine).

The headline is the user's command as a user starts it: `trialwarehouse run` as one whole
process, Prefect included (its temporary server, the task runner's workers), on
(A) the full corpus into an empty warehouse, (B) a night of 2,000 changed and 500 new
records on top of it, (C) the same night again (nothing changes); and (B', C') the same
nights while a persistent Prefect server runs (`trialwarehouse serve`'s situation: the
command talks to it instead of starting its own). Then the breakdown, the run sequence's
steps without Prefect (`bench/run_once.py`): (1) full load, (2) night, (3) the same night
again, (4) the legacy XML corpus of N records. Nights run BENCH_REPEAT times (default 3,
each from a copy of the warehouse the full load left) and report the median.
BENCH_SERIAL=1 adds scenario 1 parsed in a single process; BENCH_BREAKDOWN=0 leaves the
breakdown out, BENCH_XML=0 the legacy XML scenario, BENCH_SERVED=0 the served nights.
"""

from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.scale import CACHE, GENERATOR, build_increment, build_json, build_xml

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.md"


@dataclass
class Measure:
    name: str
    records: int
    wall: float
    cpu: float
    peak_rss_mb: float
    runs: int = 1


def _tree_rss_kb(pid: int) -> int:
    """Resident memory of a process and all its descendants (parse workers included)."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(child) for child in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration, ValueError):
            continue
    return total


def timed(name: str, records: int, *command: str, workers: int = 1, env: dict[str, str] | None = None) -> Measure:
    env = {**(os.environ if env is None else env), "BENCH_WORKERS": str(workers)}
    started = time.monotonic()
    # Files, not pipes: Prefect logs a lot, and a full pipe would stall the timed process.
    output_file, errors_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()
    process = subprocess.Popen(command, cwd=ROOT, stdout=output_file, stderr=errors_file, env=env)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss_kb(process.pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(process.pid, 0)  # CPU of the process and its waited-for workers
    done.set()
    sampler.join()
    wall = time.monotonic() - started
    output_file.seek(0)
    errors_file.seek(0)
    if os.waitstatus_to_exitcode(status) != 0:
        output, errors = output_file.read().decode(), errors_file.read().decode()
        raise SystemExit(f"{name} failed: {output}{errors[-4000:]}")
    return Measure(name, records, wall, usage.ru_utime + usage.ru_stime, peak[0] / 1024)


def median_of(measures: list[Measure]) -> Measure:
    first = measures[0]
    return Measure(
        first.name,
        first.records,
        statistics.median(m.wall for m in measures),
        statistics.median(m.cpu for m in measures),
        max(m.peak_rss_mb for m in measures),
        len(measures),
    )


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"


def _flag(name: str, default: str = "1") -> bool:
    return os.environ.get(name, default) == "1"


def command_env(work: Path, api_url: str | None) -> dict[str, str]:
    """The user's environment for `trialwarehouse run`: no mail, Prefect's home in the work
    folder (a fresh database, as on a new machine), and the persistent server's URL if any."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TW_", "PREFECT_"))}
    env["PREFECT_HOME"] = str(work / "prefect-home")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def user_command(landing: Path, warehouse: Path) -> tuple[str, ...]:
    trialwarehouse = Path(sys.executable).with_name("trialwarehouse")
    return (str(trialwarehouse), "run", "--raw-dir", str(landing), "--warehouse", str(warehouse))


def nights(
    label: str,
    loaded: Path,
    warehouse: Path,
    repeat: int,
    commands: tuple[tuple[str, ...], tuple[str, ...]],
    env: dict[str, str] | None = None,
) -> list[tuple[Measure, None]]:
    """The increment night, then the same night again, `repeat` times from the full load's
    warehouse; the medians of each. Each repeat first runs one untimed night over the full
    corpus alone (nothing new): after it, the warehouse has its spare (the file before the
    last swap, `trialwarehouse.nightly.files`), as it has every night after its first."""
    warm_up, night = commands
    increments, unchanged = [], []
    for _ in range(repeat):
        for leftover in warehouse.parent.glob(warehouse.name + ".*"):
            if leftover.is_file():
                leftover.unlink()
        shutil.copyfile(loaded, warehouse)
        timed("warm-up night", 0, *warm_up, env=env)
        increments.append(timed(f"{label} night: 2,000 changed + 500 new", 2500, *night, env=env))
        unchanged.append(timed(f"{label} the same night again", 0, *night, env=env))
    return [(median_of(increments), None), (median_of(unchanged), None)]


@contextmanager
def persistent_prefect_server(work: Path) -> Iterator[str]:
    """A `prefect server start` on a free loopback port, as `trialwarehouse serve` runs one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**command_env(work, None), "PREFECT_SERVER_API_HOST": "127.0.0.1", "PREFECT_UI_ENABLED": "false"}
    prefect = str(Path(sys.executable).with_name("prefect"))
    log = (work / "prefect-server.log").open("ab")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the persistent Prefect server did not start (see prefect-server.log)") from None
                time.sleep(0.5)
        yield api_url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def main() -> None:
    n = int(os.environ.get("BENCH_N", "10000"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    python = sys.executable
    json_dir = build_json(n, CACHE / f"json-{GENERATOR}-{n}")
    increment_dir = build_increment(n, CACHE / f"increment-{GENERATOR}-{n}")
    work = CACHE / f"work-{n}"
    shutil.rmtree(work, ignore_errors=True)
    landing, night_landing = work / "landing", work / "night-landing"
    landing.mkdir(parents=True)
    night_landing.mkdir()
    for path in json_dir.glob("*.ndjson"):
        os.link(path, landing / path.name)
        os.link(path, night_landing / path.name)
    for path in increment_dir.glob("*.ndjson"):
        os.link(path, night_landing / path.name)
    floor_json = timed("floor: parse API v2 JSON", n, python, "-m", "bench.floor", str(json_dir))
    rows: list[tuple[Measure, Measure | None]] = [(floor_json, None)]
    # The headline: the user's command, Prefect included.
    user_wh = work / "user" / "trials.duckdb"
    env = command_env(work, None)
    full = timed("A `trialwarehouse run`: full load", n, *user_command(landing, user_wh), env=env)
    rows.append((full, floor_json))
    warehouse_mb = user_wh.stat().st_size / 1e6
    user_loaded = work / "user-after-full-load.duckdb"
    shutil.copyfile(user_wh, user_loaded)
    commands = (user_command(landing, user_wh), user_command(night_landing, user_wh))
    rows += nights("B/C `trialwarehouse run`, temporary Prefect server:", user_loaded, user_wh, repeat, commands, env)
    if _flag("BENCH_SERVED"):
        with persistent_prefect_server(work) as api_url:
            served = command_env(work, api_url)
            rows += nights(
                "B'/C' `trialwarehouse run`, `serve` running:", user_loaded, user_wh, repeat, commands, served
            )
    if _flag("BENCH_BREAKDOWN"):
        rows += breakdown(n, workers, repeat, work, landing, night_landing, floor_json)
    raw_mb = _size_mb(json_dir)
    write_results(n, rows, raw_mb, warehouse_mb)


def breakdown(
    n: int, workers: int, repeat: int, work: Path, landing: Path, night_landing: Path, floor_json: Measure
) -> list[tuple[Measure, Measure | None]]:
    """The run sequence's steps without Prefect (bench/run_once.py)."""
    python = sys.executable
    run_once = (python, "-m", "bench.run_once")
    warehouse = work / "json" / "trials.duckdb"
    full = timed(
        f"1 run sequence without Prefect: full load, parsing on {workers} processes",
        n,
        *run_once,
        str(landing),
        str(warehouse),
        workers=workers,
    )
    rows: list[tuple[Measure, Measure | None]] = [(full, floor_json)]
    if _flag("BENCH_SERIAL", "0"):
        serial = timed(
            "1b full load, parsing in 1 process", n, *run_once, str(landing), str(work / "serial" / "trials.duckdb")
        )
        rows.append((serial, floor_json))
    loaded = work / "after-full-load.duckdb"
    shutil.copyfile(warehouse, loaded)
    commands = ((*run_once, str(landing), str(warehouse)), (*run_once, str(night_landing), str(warehouse)))
    rows += nights("2/3 run sequence without Prefect:", loaded, warehouse, repeat, commands)
    if _flag("BENCH_XML"):
        xml_dir = build_xml(n, CACHE / f"xml-{n}")
        floor_xml = timed("floor: parse legacy XML", n, python, "-m", "bench.floor", str(xml_dir))
        xml = timed(
            f"4 full load (legacy XML) without Prefect, parsing on {workers} processes",
            n,
            *run_once,
            str(xml_dir),
            str(work / "xml" / "trials.duckdb"),
            workers=workers,
        )
        rows += [(floor_xml, None), (xml, floor_xml)]
    return rows


def write_results(n: int, rows: list[tuple[Measure, Measure | None]], raw_mb: float, warehouse_mb: float) -> None:
    lines = []
    for measure, floor in rows:
        rate = f"{measure.records / measure.wall:,.0f}" if measure.records else "-"
        ratio = f"{measure.wall / floor.wall:.2f}" if floor else "-"
        runs = f" (median of {measure.runs})" if measure.runs > 1 else ""
        lines.append(
            f"| {measure.name}{runs} | {measure.records:,} | {measure.wall:.1f} | {measure.cpu:.1f} | "
            f"{measure.peak_rss_mb:,.0f} | {rate} | {ratio} |"
        )
    entry = [
        f"## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {commit()}, N = {n:,}",
        "",
        f"Machine: {machine()}. Raw API v2 JSON: {raw_mb:,.0f} MB; warehouse after the full load: {warehouse_mb:,.0f} MB "
        f"({warehouse_mb / raw_mb:.2f} of the raw size). Peak RSS is the whole process tree (parse workers and "
        "Prefect's temporary server included). A to C' are the user's command as a whole process; 1 to 4 its steps "
        "without Prefect.",
        "",
        "| scenario | records | wall s | CPU s | peak RSS MB | records/s | wall / floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *lines,
        "",
    ]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `make bench` (see bench/run.py). Newest last.\n\n")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(entry) + "\n")
    print("\n".join(entry))


if __name__ == "__main__":
    main()
