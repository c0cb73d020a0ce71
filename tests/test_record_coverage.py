"""Issue 15, done-when: every leaf value of every API v2 and legacy XML record in ../shared/data
has a place in the schema, except the documented exclusions below.

The walk reads the records itself (JSON as parsed, XML as elements), so a field the extractor
never asks for shows up as a miss. Found means: the value is among the values the normalized
frames hold for that record (see `record_coverage`); the frames are what the load stores.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from pathlib import Path

import orjson
import pytest
from conftest import SHARED_DATA, shared_path
from record_coverage import Coverage, json_leaves, spellings, stored_spellings, xml_leaves

from transforms import ctgov_json
from transforms.ctgov_xml import extract_clinical_study, parse_clinical_study
from transforms.frames import build_frames
from trialwarehouse.sources import iter_units

REAL_NCT_ID = re.compile(r"^NCT\d{8}$")
KNOWN_MALFORMED = "ctti-clinicaltrials__aact/history/NCT02654730/20170810_6dbeeb5d4e__a38bab0077.xml"
BATCH = 400

# Leaf paths with no place in the schema, each with its reason. Everything else must be found.
EXCLUDED: dict[str, str] = {
    # Provenance and formatting, not trial content.
    "clinical_study@rank": "position of the record in a search-results export, not trial content",
    "required_header/download_date": "kept as the capture date (first/last_capture_date); the sentence around it is boilerplate",
    "required_header/link_text": "boilerplate link caption of the export",
    "required_header/url": "the trial's public URL, derived from nct_id",
    "derivedSection.miscInfoModule.versionHolder": "kept as the capture date (first/last_capture_date)",
    "hasResults": "kept as has_results",
}

RESULT_PREFIXES = ("resultsSection", "clinical_results", "annotationSection", "pending_results")


def _in_scope_files() -> dict[Path, str]:
    """Raw files holding in-scope records (RECORD_INDEX.tsv), with their format."""
    files: dict[Path, str] = {}
    with open(SHARED_DATA / "RECORD_INDEX.tsv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            fmt = row["format"]
            full_json = fmt == "ctgov-v2-json"
            if not (full_json or fmt.startswith("ctgov-legacy-xml")) or not REAL_NCT_ID.match(row["record_id"]):
                continue
            path = row["file"].partition("!")[0]
            if f"{row['folder']}/{path}" == KNOWN_MALFORMED:
                continue
            files[SHARED_DATA / row["folder"] / path] = "json" if full_json else "xml"
    return files


def _studies(data: bytes) -> list[dict]:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError:
        return [orjson.loads(line) for line in data.splitlines() if line.strip()]
    if isinstance(document, dict) and "studies" in document:
        document = document["studies"]
    items = document if isinstance(document, list) else [document]
    return [s for s in items if isinstance(s, dict) and "protocolSection" in s]


def _record_values(frames: dict) -> dict[int, set[str]]:
    values: dict[int, list] = defaultdict(list)
    for frame in frames.values():
        columns = [c for c in frame.columns if c != "record_seq"]
        for seq, *cells in frame.select("record_seq", *columns).iter_rows():
            values[seq].extend(cells)
    return {seq: stored_spellings(iter(cells)) for seq, cells in values.items()}


def _walk(coverage: Coverage, leaves_by_seq: dict[int, list], frames: dict) -> None:
    stored = _record_values(frames)
    for seq, leaves in leaves_by_seq.items():
        forms = stored.get(seq, set())
        for path, value in leaves:
            candidates = spellings(value)
            if candidates:
                coverage.add(path, value, bool(candidates & forms))


def measure(files: dict[Path, str]) -> Coverage:
    coverage = Coverage()
    for path, kind in sorted(files.items()):
        pending_leaves: dict[int, list] = {}
        pending: list = []

        def flush() -> None:
            if not pending:
                return
            if kind == "json":
                frame = ctgov_json.studies_frame([(i, ctgov_json.conform(s)) for i, s in enumerate(pending)])
                raw = ctgov_json.extract_frames(frame.with_columns(source_format=frame["record_index"] * 0))
                raw["versions"] = raw["versions"].with_columns(source_path=raw["versions"]["nct_id"])
                frames = build_frames(raw)
            else:
                frames = build_frames(pending)
            _walk(coverage, dict(pending_leaves), frames)
            pending.clear()
            pending_leaves.clear()

        for unit in iter_units(path):
            if isinstance(unit, tuple):
                continue
            if kind == "json":
                for study in _studies(unit.data):
                    pending_leaves[len(pending)] = list(json_leaves(study))
                    pending.append(study)
            elif unit.data.lstrip()[:200].find(b"<clinical_study") >= 0 or b"<clinical_study" in unit.data[:2000]:
                root = parse_clinical_study(unit.data)
                record = extract_clinical_study(root)
                record.update(record_seq=len(pending), source_path="x", record_index=0, source_sha256="x")
                pending_leaves[len(pending)] = list(xml_leaves(root))
                pending.append(record)
            if len(pending) >= BATCH:
                flush()
        flush()
    return coverage


@pytest.fixture(scope="module")
def coverage() -> Coverage:
    shared_path("data/RECORD_INDEX.tsv")
    return measure(_in_scope_files())


def _report(coverage: Coverage) -> str:
    excluded = frozenset(EXCLUDED)
    found, walked = coverage.ratio(excluded=excluded)
    r_found, r_walked = coverage.ratio(RESULT_PREFIXES, excluded)
    return (
        f"record coverage: {found}/{walked} leaf values found ({100 * found / walked:.2f} %), "
        f"results section {r_found}/{r_walked} ({100 * r_found / max(r_walked, 1):.2f} %), "
        f"{len(coverage.walked)} leaf paths, {len(EXCLUDED)} excluded"
    )


def test_every_excluded_path_is_seen_and_has_a_reason(coverage):
    assert all(reason.strip() for reason in EXCLUDED.values())
    assert sorted(p for p in EXCLUDED if p not in coverage.walked) == []


def test_every_leaf_value_has_a_place_in_the_schema(coverage, capsys):
    print(_report(coverage))
    missing = coverage.missing(frozenset(EXCLUDED))
    detail = {path: (n, coverage.examples.get(path)) for path, n in missing.items()}
    assert detail == {}
