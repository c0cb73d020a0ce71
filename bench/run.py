"""`make bench`: time each scenario as a whole process (wall, CPU, peak RSS) against the
floor, and append the figures to bench/results.md. N comes from BENCH_N (10k, 100k, 570k).

Scenarios: (1) full initial load of N API v2 records into an empty warehouse, checks and
report included; (2) a nightly increment of 2,000 changed and 500 new records on top of
it; (3) the same night again (nothing changes); (4) the legacy XML corpus of N records.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
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


def timed(name: str, records: int, *command: str, workers: int = 1) -> Measure:
    started = time.monotonic()
    env = {**os.environ, "BENCH_WORKERS": str(workers)}
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    output = process.stdout.read().decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{name} failed: {output}")
    return Measure(name, records, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def _size_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.machine()}, {os.cpu_count()} cores, {memory:.0f} GiB, Python {platform.python_version()}"


def commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "unknown"


def main() -> None:
    n = int(os.environ.get("BENCH_N", "10000"))
    python = sys.executable
    json_dir = build_json(n, CACHE / f"json-{n}")
    increment_dir = build_increment(n, CACHE / f"increment-{n}")
    xml_dir = build_xml(n, CACHE / f"xml-{n}")
    work = CACHE / f"work-{n}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    landing = work / "landing"
    landing.mkdir()
    for path in json_dir.glob("*.ndjson"):
        os.link(path, landing / path.name)
    warehouse = work / "json" / "trials.duckdb"
    floor_json = timed("floor: parse API v2 JSON", n, python, "-m", "bench.floor", str(json_dir))
    full = timed("1 full load (API v2 JSON)", n, python, "-m", "bench.run_once", str(landing), str(warehouse))
    shutil.rmtree(work / "json2", ignore_errors=True)
    full_parallel = timed("1b full load, parsing on 2 processes", n, python, "-m", "bench.run_once", str(landing),
                          str(work / "json2" / "trials.duckdb"), workers=2)
    for path in increment_dir.glob("*.ndjson"):
        os.link(path, landing / path.name)
    increment = timed("2 nightly increment (2,000 changed + 500 new)", 2500, python, "-m", "bench.run_once",
                      str(landing), str(warehouse))
    unchanged = timed("3 the same night again", 0, python, "-m", "bench.run_once", str(landing), str(warehouse))
    floor_xml = timed("floor: parse legacy XML", n, python, "-m", "bench.floor", str(xml_dir))
    xml = timed("4 full load (legacy XML)", n, python, "-m", "bench.run_once", str(xml_dir), str(work / "xml" / "trials.duckdb"))
    raw_mb = _size_mb(json_dir)
    warehouse_mb = warehouse.stat().st_size / 1e6
    rows = []
    for measure, floor in ((floor_json, None), (full, floor_json), (full_parallel, floor_json), (increment, None), (unchanged, None),
                           (floor_xml, None), (xml, floor_xml)):
        rate = f"{measure.records / measure.wall:,.0f}" if measure.records else "-"
        ratio = f"{measure.wall / floor.wall:.2f}" if floor else "-"
        rows.append(f"| {measure.name} | {measure.records:,} | {measure.wall:.1f} | {measure.cpu:.1f} | "
                    f"{measure.peak_rss_mb:,.0f} | {rate} | {ratio} |")
    entry = [
        f"## {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, commit {commit()}, N = {n:,}",
        "",
        f"Machine: {machine()}. Raw API v2 JSON: {raw_mb:,.0f} MB; warehouse after scenario 1-3: {warehouse_mb:,.0f} MB "
        f"({warehouse_mb / raw_mb:.2f} of the raw size).",
        "",
        "| scenario | records | wall s | CPU s | peak RSS MB | records/s | wall / floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
    ]
    if not RESULTS.exists():
        RESULTS.write_text("# Benchmark results\n\nAppended by `make bench` (see bench/run.py). Newest last.\n\n")
    with RESULTS.open("a", encoding="utf-8") as handle:
        handle.write("\n".join(entry) + "\n")
    print("\n".join(entry))


if __name__ == "__main__":
    main()
