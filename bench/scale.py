"""Corpus scaler: a benchmark landing folder of N records built from the real records in
../shared/data, each copy with a new NCT id and its own dates, enrollment and sites.

API v2 JSON comes out as NDJSON files of 2,000 studies (like a nightly pull);
legacy XML as tar.gz bundles of 2,000 records (like AllPublicXML parts).

Realistic rates come from keeping each real record consistent with itself: every date of a
copy, its capture date included, moves by the same number of months, so a copy is stale,
overdue or in order exactly when its real template was, and the findings occur at the
real records' rate (about one per trial). Enrollment counts vary by up to 15 %, and a
quarter of the sites of each copy get a site name of their own, so the facility
dimension grows with N as the registry's does. About one copy in seven carries a results
section (as in the registry; the real templates with results are drawn more often than
their share of ../shared/data), and one copy in 2,000 is a very large trial whose site list
is its template's sites followed by the real sites of the other templates, 1,000 to 3,000
in all (the registry's largest records list more than 1,000 sites). The nightly increment moves 2,000 trials
on by a plausible status transition (with a later last update) and adds 500 new ones.
Output is cached under bench/cache/ (git-ignored) and reused when N and the seed match.
"""

from __future__ import annotations

import copy
import io
import os
import random
import re
import sys
import tarfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
# BENCH_CACHE puts the corpora elsewhere (a 570k corpus is about 9 GB); the folder names
# carry the generator's version, so a changed generator never reuses an old corpus.
CACHE = Path(os.environ.get("BENCH_CACHE", ROOT / "bench" / "cache"))
GENERATOR = "v2"
CHUNK = 2_000  # records per NDJSON file or tar bundle: several files let parsing fan out


def json_templates() -> list[dict]:
    """Every full API v2 study in ../shared/data (with protocolSection and dates)."""
    studies: list[dict] = []
    with zipfile.ZipFile(
        SHARED / "Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter" / "ctg-studies.json.zip"
    ) as z:
        studies += [orjson.loads(z.read(n)) for n in z.namelist()]
    for page in sorted((SHARED / "gyxcit__ClinicalTrialsMatching" / "history").glob("*.json")):
        studies += orjson.loads(page.read_bytes())["studies"]
    for single in sorted((SHARED / "ctti-clinicaltrials__aact" / "spec" / "support" / "json_data").glob("NCT*.json")):
        study = orjson.loads(single.read_bytes())
        if "protocolSection" in study:
            studies.append(study)
    return [s for s in studies if s.get("protocolSection", {}).get("statusModule", {}).get("lastUpdatePostDateStruct")]


def xml_templates() -> list[bytes]:
    with tarfile.open(SHARED / "reesewang25__enrollment_and_studylength" / "AllPublicXML_subset_20230203.tar.gz") as t:
        members = (t.extractfile(m) for m in t if m.isfile() and m.name.endswith(".xml"))
        return [f.read() for f in members if f is not None]


def nct(index: int) -> str:
    return f"NCT{70_000_000 + index:08d}"


# Plausible next statuses for the increment's changed trials.
TRANSITIONS = {
    "NOT_YET_RECRUITING": ["RECRUITING", "WITHDRAWN"],
    "RECRUITING": ["ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED", "UNKNOWN"],
    "ENROLLING_BY_INVITATION": ["ACTIVE_NOT_RECRUITING", "COMPLETED"],
    "ACTIVE_NOT_RECRUITING": ["COMPLETED", "TERMINATED"],
    "UNKNOWN": ["COMPLETED", "TERMINATED", "RECRUITING"],
    "SUSPENDED": ["RECRUITING", "TERMINATED"],
}
_STATUS_DATES = (
    "startDateStruct",
    "primaryCompletionDateStruct",
    "completionDateStruct",
    "studyFirstPostDateStruct",
    "lastUpdatePostDateStruct",
    "resultsFirstPostDateStruct",
)
_STATUS_DAYS = (
    "statusVerifiedDate",
    "studyFirstSubmitDate",
    "studyFirstSubmitQcDate",
    "lastUpdateSubmitDate",
    "resultsFirstSubmitDate",
)


def shift_months(text: str, months: int) -> str:
    """ "2020-03" or "2020-03-15" moved by whole months (days kept within the month)."""
    year, month = int(text[:4]), int(text[5:7])
    total = year * 12 + month - 1 + months
    moved = f"{total // 12:04d}-{total % 12 + 1:02d}"
    return moved + (f"-{min(int(text[8:10]), 28):02d}" if len(text) >= 10 else "")


def _shift_study_dates(study: dict, months: int) -> None:
    module = study["protocolSection"]["statusModule"]
    for key in _STATUS_DATES:
        if isinstance(module.get(key), dict) and module[key].get("date"):
            module[key]["date"] = shift_months(module[key]["date"], months)
    for key in _STATUS_DAYS:
        if module.get(key):
            module[key] = shift_months(module[key], months)
    misc = study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})
    misc["versionHolder"] = shift_months(misc.get("versionHolder") or "2024-09-24", months)


# Texts every copy makes its own: real texts are unique, and copies sharing them would let
# dictionary encoding and compression make the warehouse look smaller and faster than the
# registry's would be. The suffix holds no count or age, so text facts are unchanged.
_OWN_TEXTS = (
    ("identificationModule", "briefTitle"),
    ("identificationModule", "officialTitle"),
    ("descriptionModule", "briefSummary"),
    ("descriptionModule", "detailedDescription"),
    ("eligibilityModule", "eligibilityCriteria"),
)


RESULTS_EVERY = 7  # one copy in seven takes a template with a results section
LARGE_EVERY = 2_000  # one copy in 2,000 is a trial with 1,000 to 3,000 sites


class Templates:
    """The real API v2 studies, and which one each copy starts from."""

    def __init__(self, studies: list[dict]):
        self.studies = studies
        self.with_results = [s for s in studies if "resultsSection" in s] or studies
        self.sites = [
            site
            for s in studies
            for site in (s["protocolSection"].get("contactsLocationsModule", {}).get("locations") or [])
            if isinstance(site, dict)
        ]

    def for_copy(self, index: int) -> dict:
        if index % RESULTS_EVERY == RESULTS_EVERY - 1:
            return self.with_results[(index // RESULTS_EVERY) % len(self.with_results)]
        return self.studies[index % len(self.studies)]

    def large_sites(self, index: int, rng: random.Random) -> list[dict] | None:
        """The site list of a very large trial, or None for an ordinary copy."""
        if index % LARGE_EVERY != LARGE_EVERY // 2:
            return None
        wanted = rng.randrange(1_000, 3_001)
        start = rng.randrange(len(self.sites))
        return [copy.deepcopy(self.sites[(start + k) % len(self.sites)]) for k in range(min(wanted, len(self.sites)))]


def vary_json(template: dict, index: int, rng: random.Random, large_sites: list[dict] | None = None) -> dict:
    study = copy.deepcopy(template)
    if large_sites:
        module = study["protocolSection"].setdefault("contactsLocationsModule", {})
        module["locations"] = (module.get("locations") or []) + large_sites
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = nct(index)
    for module, key in _OWN_TEXTS:
        if isinstance(protocol.get(module), dict) and isinstance(protocol[module].get(key), str):
            protocol[module][key] += f" [{nct(index)}]"
    _shift_study_dates(study, -rng.randrange(0, 37))
    enrollment = protocol.get("designModule", {}).get("enrollmentInfo")
    if isinstance(enrollment, dict) and isinstance(enrollment.get("count"), int):
        enrollment["count"] = round(enrollment["count"] * rng.uniform(0.85, 1.15))
    for site in protocol.get("contactsLocationsModule", {}).get("locations", []) or []:
        if isinstance(site, dict) and site.get("facility") and rng.random() < 0.25:
            site["facility"] = f"{site['facility']} - site {index}"
    return study


def move_on(study: dict, rng: random.Random, capture: date) -> dict:
    """The same trial a night later: a plausible next status, a fresh last update."""
    module = study["protocolSection"]["statusModule"]
    status = module.get("overallStatus", "RECRUITING")
    module["overallStatus"] = rng.choice(TRANSITIONS.get(status, ["COMPLETED", "TERMINATED"]))
    if module["overallStatus"] in ("TERMINATED", "WITHDRAWN"):
        module["whyStopped"] = "Sponsor decision"
    if module["overallStatus"] == "COMPLETED":
        for key in ("primaryCompletionDateStruct", "completionDateStruct"):
            module[key] = {"date": (capture - timedelta(days=rng.randrange(30, 300))).isoformat()[:7], "type": "ACTUAL"}
    module["lastUpdatePostDateStruct"] = {"date": (capture - timedelta(days=1)).isoformat(), "type": "ACTUAL"}
    module["lastUpdateSubmitDate"] = (capture - timedelta(days=2)).isoformat()
    study["derivedSection"]["miscInfoModule"]["versionHolder"] = capture.isoformat()
    return study


def vary_xml(template: bytes, index: int, rng: random.Random) -> bytes:
    text = template.decode("utf-8")
    text = re.sub(r"<nct_id>NCT\d{8}</nct_id>", f"<nct_id>{nct(index)}</nct_id>", text, count=1)
    for tag in ("brief_title", "official_title"):  # texts of its own, as in vary_json
        text = re.sub(rf"</{tag}>", f" [{nct(index)}]</{tag}>", text, count=1)
    text = re.sub(r"(\s*)</textblock>", rf" [{nct(index)}]\1</textblock>", text)
    text = re.sub(
        r"<enrollment type=\"(\w+)\">(\d+)</enrollment>",
        lambda m: f'<enrollment type="{m.group(1)}">{round(int(m.group(2)) * rng.uniform(0.85, 1.15))}</enrollment>',
        text,
        count=1,
    )
    return text.encode("utf-8")


def _cached(build):
    """Build into `folder` once; a `.complete` marker means a finished, reusable corpus."""

    def wrapper(n: int, folder: Path, *args, **kwargs) -> Path:
        marker = folder / ".complete"
        if not marker.exists():
            folder.mkdir(parents=True, exist_ok=True)
            build(n, folder, *args, **kwargs)
            marker.write_text(str(n))
        return folder

    return wrapper


@_cached
def build_json(n: int, folder: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    templates = Templates(json_templates())
    for start in range(0, n, CHUNK):
        with (folder / f"studies-{start // CHUNK:04d}.ndjson").open("wb") as out:
            for index in range(start, min(n, start + CHUNK)):
                study = vary_json(templates.for_copy(index), index, rng, templates.large_sites(index, rng))
                out.write(orjson.dumps(study) + b"\n")


@_cached
def build_increment(n: int, folder: Path, changed: int = 2000, new: int = 500, seed: int = 8) -> None:
    """A nightly increment on top of the N corpus: `changed` existing trials moved on to a
    plausible next status with a later last update, and `new` trials not seen before."""
    rng = random.Random(seed)
    templates = Templates(json_templates())
    capture = date(2026, 11, 21)
    with (folder / "pull-increment.ndjson").open("wb") as out:
        for index in rng.sample(range(n), min(changed, n)):
            study = vary_json(templates.for_copy(index), index, rng, templates.large_sites(index, rng))
            out.write(orjson.dumps(move_on(study, rng, capture)) + b"\n")
        for index in range(n, n + new):
            study = vary_json(templates.for_copy(index), index, rng, templates.large_sites(index, rng))
            out.write(orjson.dumps(study) + b"\n")


@_cached
def build_xml(n: int, folder: Path, seed: int = 9) -> None:
    rng = random.Random(seed)
    templates = xml_templates()
    for start in range(0, n, CHUNK):
        with tarfile.open(folder / f"xml-{start // CHUNK:04d}.tar.gz", "w:gz") as bundle:
            for index in range(start, min(n, start + CHUNK)):
                data = vary_xml(templates[index % len(templates)], index, rng)
                info = tarfile.TarInfo(f"NCT{index // 10000:04d}xxxx/{nct(index)}.xml")
                info.size = len(data)
                bundle.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    print(build_json(size, CACHE / f"json-{GENERATOR}-{size}"))
    print(build_increment(size, CACHE / f"increment-{GENERATOR}-{size}"))
