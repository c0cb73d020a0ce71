"""Corpus scaler: a benchmark landing folder of N records built from the real records in
../shared/data, each copy with a new NCT id and its own dates, status and enrollment.

API v2 JSON comes out as NDJSON files of 2,000 studies (like a nightly pull);
legacy XML as tar.gz bundles of 2,000 records (like AllPublicXML parts). Statuses,
last-update dates and enrollment (count and type) are drawn per copy so that
data-quality findings occur at realistic rates; the increment gives 2,000 existing trials
a later version with a new status and adds 500 new trials.
Output is cached under bench/cache/ (git-ignored) and reused when N and the seed match.
"""

from __future__ import annotations

import copy
import io
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
CACHE = ROOT / "bench" / "cache"
CHUNK = 2_000  # records per NDJSON file or tar bundle: several files let parsing fan out
STATUSES = ["COMPLETED"] * 5 + ["RECRUITING"] * 2 + ["ACTIVE_NOT_RECRUITING", "TERMINATED", "UNKNOWN",
                                                      "NOT_YET_RECRUITING", "WITHDRAWN"]
LEGACY_STATUS = {"COMPLETED": "Completed", "RECRUITING": "Recruiting", "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
                 "TERMINATED": "Terminated", "UNKNOWN": "Unknown status", "NOT_YET_RECRUITING": "Not yet recruiting",
                 "WITHDRAWN": "Withdrawn"}


def json_templates() -> list[dict]:
    """Every full API v2 study in ../shared/data (with protocolSection and dates)."""
    studies: list[dict] = []
    with zipfile.ZipFile(SHARED / "Marc-Morcos__ClinicalTrials-Urology-Database-Word-Counter" / "ctg-studies.json.zip") as z:
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
        return [t.extractfile(m).read() for m in t if m.isfile() and m.name.endswith(".xml")]


def nct(index: int) -> str:
    return f"NCT{70_000_000 + index:08d}"


def vary_json(template: dict, index: int, rng: random.Random, capture: date, status: str | None = None) -> dict:
    study = copy.deepcopy(template)
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = nct(index)
    module = protocol["statusModule"]
    module["overallStatus"] = status or rng.choice(STATUSES)
    last_update = capture - timedelta(days=rng.randrange(1, 3000))
    module["lastUpdatePostDateStruct"] = {"date": last_update.isoformat(), "type": "ACTUAL"}
    module["lastUpdateSubmitDate"] = last_update.isoformat()
    enrollment = protocol.setdefault("designModule", {}).setdefault("enrollmentInfo", {})
    enrollment["count"] = 0 if module["overallStatus"] == "WITHDRAWN" else rng.randrange(10, 2000)
    enrollment["type"] = rng.choice(["ACTUAL", "ACTUAL", "ESTIMATED"])
    study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["versionHolder"] = capture.isoformat()
    return study


def vary_xml(template: bytes, index: int, rng: random.Random) -> bytes:
    text = template.decode("utf-8")
    text = re.sub(r"<nct_id>NCT\d{8}</nct_id>", f"<nct_id>{nct(index)}</nct_id>", text, count=1)
    status = rng.choice(STATUSES)
    text = re.sub(r"<overall_status>[^<]*</overall_status>", f"<overall_status>{LEGACY_STATUS[status]}</overall_status>", text, count=1)
    text = re.sub(r"<enrollment type=\"(\w+)\">\d+</enrollment>",
                  lambda m: f'<enrollment type="{m.group(1)}">{rng.randrange(10, 2000)}</enrollment>', text, count=1)
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
    templates = json_templates()
    capture = date(2026, 11, 1)
    for start in range(0, n, CHUNK):
        with (folder / f"studies-{start // CHUNK:04d}.ndjson").open("wb") as out:
            for index in range(start, min(n, start + CHUNK)):
                study = vary_json(templates[index % len(templates)], index, rng, capture)
                out.write(orjson.dumps(study) + b"\n")


@_cached
def build_increment(n: int, folder: Path, changed: int = 2000, new: int = 500, seed: int = 8) -> None:
    """A nightly increment on top of the N corpus: `changed` existing trials with a new
    status and a later last-update date, and `new` trials not seen before."""
    rng = random.Random(seed)
    templates = json_templates()
    capture = date(2026, 11, 21)
    with (folder / "pull-increment.ndjson").open("wb") as out:
        for index in rng.sample(range(n), min(changed, n)):
            study = vary_json(templates[index % len(templates)], index, random.Random(index), capture,
                              status=rng.choice(["TERMINATED", "COMPLETED", "UNKNOWN", "ACTIVE_NOT_RECRUITING"]))
            study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] = "2026-11-20"
            out.write(orjson.dumps(study) + b"\n")
        for index in range(n, n + new):
            out.write(orjson.dumps(vary_json(templates[index % len(templates)], index, rng, capture)) + b"\n")


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
    print(build_json(size, CACHE / f"json-{size}"))
    print(build_increment(size, CACHE / f"increment-{size}"))
