"""`make bench`: time each scenario as a whole process (wall, CPU, peak RSS of the whole
process tree) against the floor, and append the figures to bench/results.md. N comes from
BENCH_N (10k, 100k, 570k); parsing uses BENCH_WORKERS processes (default 2, as the
`process` task runner does on this 2-core machine).

Scenarios: (1) full initial load of N API v2 records into an empty warehouse, checks and
report included; (2) a nightly increment of 2,000 changed and 500 new records on top of
it; (3) the same night again (nothing changes); (4) the legacy XML corpus of N records.
Scenarios 2 and 3 run BENCH_REPEAT times (default 3; 2 restarts from a copy of the
warehouse scenario 1 left) and report the median. BENCH_SERIAL=1 adds scenario 1 parsed in
a single process.
"""

from __future__ import annotations

import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.scale import CACHE, build_increment, build_json, build_xml

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


def timed(name: str, records: int, *command: str, workers: int = 1) -> Measure:
    env = {**os.environ, "BENCH_WORKERS": str(workers)}
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
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
    assert process.stdout is not None  # Popen was asked for a pipe
    output = process.stdout.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {output}")
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


def main() -> None:
    n = int(os.environ.get("BENCH_N", "10000"))
    workers = int(os.environ.get("BENCH_WORKERS", "2"))
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    python = sys.executable
    json_dir = build_json(n, CACHE / f"json-{n}")
    increment_dir = build_increment(n, CACHE / f"increment-{n}")
    xml_dir = build_xml(n, CACHE / f"xml-{n}")
    work = CACHE / f"work-{n}"
    shutil.rmtree(work, ignore_errors=True)
    landing = work / "landing"
    landing.mkdir(parents=True)
    for path in json_dir.glob("*.ndjson"):
        os.link(path, landing / path.name)
    warehouse = work / "json" / "trials.duckdb"
    run_once = (python, "-m", "bench.run_once")
    floor_json = timed("floor: parse API v2 JSON", n, python, "-m", "bench.floor", str(json_dir))
    full = timed(
        f"1 full load (API v2 JSON), parsing on {workers} processes",
        n,
        *run_once,
        str(landing),
        str(warehouse),
        workers=workers,
    )
    rows = [(floor_json, None), (full, floor_json)]
    if os.environ.get("BENCH_SERIAL") == "1":
        serial = timed(
            "1b full load, parsing in 1 process", n, *run_once, str(landing), str(work / "serial" / "trials.duckdb")
        )
        rows.append((serial, floor_json))
    warehouse_mb = warehouse.stat().st_size / 1e6
    loaded = work / "after-full-load.duckdb"
    shutil.copyfile(warehouse, loaded)
    for path in increment_dir.glob("*.ndjson"):
        os.link(path, landing / path.name)
    increments, unchanged = [], []
    for _ in range(repeat):
        shutil.copyfile(loaded, warehouse)
        increments.append(
            timed(
                "2 nightly increment (2,000 changed + 500 new)",
                2500,
                *run_once,
                str(landing),
                str(warehouse),
                workers=workers,
            )
        )
        unchanged.append(timed("3 the same night again", 0, *run_once, str(landing), str(warehouse), workers=workers))
    rows += [(median_of(increments), None), (median_of(unchanged), None)]
    floor_xml = timed("floor: parse legacy XML", n, python, "-m", "bench.floor", str(xml_dir))
    xml = timed(
        f"4 full load (legacy XML), parsing on {workers} processes",
        n,
        *run_once,
        str(xml_dir),
        str(work / "xml" / "trials.duckdb"),
        workers=workers,
    )
    rows += [(floor_xml, None), (xml, floor_xml)]
    raw_mb = _size_mb(json_dir)
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
        f"Machine: {machine()}. Raw API v2 JSON: {raw_mb:,.0f} MB; warehouse after scenario 1: {warehouse_mb:,.0f} MB "
        f"({warehouse_mb / raw_mb:.2f} of the raw size). Peak RSS is the whole process tree (parse workers included).",
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
