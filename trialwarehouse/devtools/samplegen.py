"""Generate the bundled sample landing folder: synthetic trials in every supported shape.

The records are made up (NCT ids NCT0990xxxx, which the registry has not issued) but
follow the real formats field by field, so `make run` exercises every reader:

* API v2 JSON: single-study files, a page with `studies` and `nextPageToken`, NDJSON,
  and a `ctg-studies.json.zip` bundle like the website's download;
* legacy XML: AllPublicXML flavour (one per file and in a tar.gz) and the search-export
  flavour (`rank=` attribute, `&#xD;` line ends) in a zip;
* later captures of some trials with a changed status, so the history has versions;
* one truncated JSON file, to show quarantine.

The two real seed pages of `../shared/seeds` are committed next to the generated files.
Run: `python -m trialwarehouse.devtools.samplegen sample/landing` (what `make sample` does).
"""

from __future__ import annotations

import gzip
import io
import json
import random
import sys
import tarfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

from trialwarehouse.devtools.legacy_xml import LEGACY, to_legacy_xml

CONDITIONS = [
    "Type 2 Diabetes",
    "Hypertension",
    "Asthma",
    "Breast Cancer",
    "Major Depressive Disorder",
    "Chronic Kidney Disease",
    "Heart Failure",
    "COVID-19",
    "Osteoarthritis, Knee",
    "Migraine",
]
SPONSORS = [
    ("Northfield University Hospital", "OTHER"),
    ("Acme Therapeutics", "INDUSTRY"),
    ("National Institute of Examples (NIE)", "NIH"),
    ("Riverside Clinical Network", "NETWORK"),
]
SITES = [
    ("Northfield University Hospital", "Boston", "Massachusetts", "02114", "United States"),
    ("Clinique du Parc", "Lyon", None, "69006", "France"),
    ("Sakura Medical Center", "Osaka", None, "530-0001", "Japan"),
    ("Hospital San Rafael", "Madrid", None, "28016", "Spain"),
]
STATUSES = ["RECRUITING", "COMPLETED", "ACTIVE_NOT_RECRUITING", "NOT_YET_RECRUITING", "TERMINATED", "WITHDRAWN"]
PHASES = [["PHASE1"], ["PHASE2"], ["PHASE3"], ["PHASE1", "PHASE2"], ["NA"], ["PHASE4"]]
INTERVENTION_TYPES = ["DRUG", "BIOLOGICAL", "DEVICE", "BEHAVIORAL", "PROCEDURE"]


def _month(d: date) -> str:
    return d.strftime("%Y-%m")


def make_study(rng: random.Random, number: int, capture: date, status: str | None = None) -> dict:
    """One synthetic API v2 study, internally consistent (dates, enrollment type, why_stopped)."""
    nct_id = f"NCT0990{number:04d}"
    status = status or rng.choice(STATUSES)
    is_done = status in ("COMPLETED", "TERMINATED", "WITHDRAWN")
    # Finished trials lie mostly in the past, open ones mostly ahead of the capture date,
    # as in the registry; a few open ones are overdue, as in the registry too.
    if is_done:
        start = capture - timedelta(days=rng.randrange(700, 2500))
    elif rng.random() < 0.2:
        start = capture - timedelta(days=rng.randrange(1300, 2000))
    else:
        start = capture - timedelta(days=rng.randrange(0, 500))
    primary = start + timedelta(days=rng.randrange(180, 700))
    completion = primary + timedelta(days=rng.randrange(0, 365))
    enrollment = 0 if status == "WITHDRAWN" else rng.randrange(20, 600)
    condition = rng.choice(CONDITIONS)
    sponsor = rng.choice(SPONSORS)
    kind = rng.choice(INTERVENTION_TYPES)
    drug = f"EX-{rng.randrange(100, 999)}"
    sites = rng.sample(SITES, rng.randrange(1, 4))
    last_update = min(capture - timedelta(days=rng.randrange(1, 60)), capture)
    status_module = {
        "statusVerifiedDate": _month(last_update),
        "overallStatus": status,
        "startDateStruct": {"date": start.isoformat(), "type": "ACTUAL" if start < capture else "ESTIMATED"},
        "primaryCompletionDateStruct": {"date": _month(primary), "type": "ACTUAL" if is_done else "ESTIMATED"},
        "completionDateStruct": {"date": _month(completion), "type": "ACTUAL" if is_done else "ESTIMATED"},
        # Every seventh trial is registered after it started (a real and common finding).
        "studyFirstSubmitDate": (
            start + timedelta(days=40) if number % 7 == 0 else start - timedelta(days=30)
        ).isoformat(),
        "studyFirstPostDateStruct": {
            "date": (start + timedelta(days=45) if number % 7 == 0 else start - timedelta(days=25)).isoformat(),
            "type": "ACTUAL",
        },
        "lastUpdateSubmitDate": last_update.isoformat(),
        "lastUpdatePostDateStruct": {"date": last_update.isoformat(), "type": "ACTUAL"},
    }
    if status in ("TERMINATED", "WITHDRAWN"):
        status_module["whyStopped"] = rng.choice(["Sponsor decision", "Slow recruitment", "Funding ended"])
    arms = [
        {
            "label": f"{drug} arm",
            "type": "EXPERIMENTAL",
            "description": f"Participants receive {drug} daily.",
            "interventionNames": [f"{LEGACY[kind]}: {drug}"],
        },
        {
            "label": "Placebo arm",
            "type": "PLACEBO_COMPARATOR",
            "description": "Matching placebo daily.",
            "interventionNames": ["Drug: Placebo"],
        },
    ]
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": nct_id,
                "orgStudyIdInfo": {"id": f"SYN-{number:04d}"},
                "organization": {"fullName": sponsor[0], "class": sponsor[1]},
                "briefTitle": f"{drug} for {condition} (synthetic sample trial {number})",
                "officialTitle": f"A Randomized, Placebo-Controlled Study of {drug} in Adults With {condition}",
            },
            "statusModule": status_module,
            "sponsorCollaboratorsModule": {
                "responsibleParty": {"type": "SPONSOR"},
                "leadSponsor": {"name": sponsor[0], "class": sponsor[1]},
                "collaborators": [
                    {
                        "name": SPONSORS[(number + 1) % len(SPONSORS)][0],
                        "class": SPONSORS[(number + 1) % len(SPONSORS)][1],
                    }
                ],
            },
            "oversightModule": {
                "oversightHasDmc": rng.random() < 0.5,
                "isFdaRegulatedDrug": kind == "DRUG",
                "isFdaRegulatedDevice": kind == "DEVICE",
            },
            "descriptionModule": {
                "briefSummary": f"This study tests whether {drug} improves outcomes in {condition}. "
                f"The investigators plan to recruit {enrollment} participants.",
            },
            "conditionsModule": {"conditions": [condition], "keywords": [condition.split(",")[0].lower(), drug]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": rng.choice(PHASES),
                "designInfo": {
                    "allocation": "RANDOMIZED",
                    "interventionModel": "PARALLEL",
                    "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]},
                },
                "enrollmentInfo": {"count": enrollment, "type": "ACTUAL" if is_done else "ESTIMATED"},
            },
            "armsInterventionsModule": {
                "armGroups": arms,
                "interventions": [
                    {
                        "type": kind,
                        "name": drug,
                        "description": f"{drug}, once daily.",
                        "armGroupLabels": [arms[0]["label"]],
                    },
                    {
                        "type": "DRUG",
                        "name": "Placebo",
                        "description": "Matching placebo.",
                        "armGroupLabels": ["Placebo arm"],
                    },
                ],
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": f"Change in {condition} severity score", "timeFrame": "Week 12"}],
                "secondaryOutcomes": [{"measure": "Adverse events", "timeFrame": "Up to week 16"}],
            },
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n\n* Adults 18 to 75 years\n\nExclusion Criteria:\n\n* Pregnancy",
                "healthyVolunteers": False,
                "sex": "ALL",
                "minimumAge": "18 Years",
                "maximumAge": "75 Years",
            },
            "contactsLocationsModule": {
                "overallOfficials": [
                    {"name": "Alex Example, MD", "affiliation": sponsor[0], "role": "PRINCIPAL_INVESTIGATOR"}
                ],
                "locations": [
                    {
                        "facility": s[0],
                        "status": "RECRUITING" if status == "RECRUITING" else None,
                        "city": s[1],
                        "state": s[2],
                        "zip": s[3],
                        "country": s[4],
                    }
                    for s in sites
                ],
            },
        },
        "derivedSection": {"miscInfoModule": {"versionHolder": capture.isoformat()}},
        "hasResults": False,
    }


def evolve(study: dict, status: str, capture: date) -> dict:
    """A later capture of the same trial whose status changed, as the registry would post it."""
    later = json.loads(json.dumps(study))
    module = later["protocolSection"]["statusModule"]
    module["overallStatus"] = status
    module["lastUpdateSubmitDate"] = (capture - timedelta(days=3)).isoformat()
    module["lastUpdatePostDateStruct"] = {"date": (capture - timedelta(days=2)).isoformat(), "type": "ACTUAL"}
    module["statusVerifiedDate"] = _month(capture)
    if status in ("COMPLETED", "TERMINATED", "WITHDRAWN"):
        later["protocolSection"]["designModule"]["enrollmentInfo"]["type"] = "ACTUAL"
        for key in ("primaryCompletionDateStruct", "completionDateStruct"):
            module[key]["type"] = "ACTUAL"
    if status in ("TERMINATED", "WITHDRAWN"):
        module["whyStopped"] = "Sponsor decision"
    if status == "WITHDRAWN":
        later["protocolSection"]["designModule"]["enrollmentInfo"]["count"] = 0
    later["derivedSection"]["miscInfoModule"]["versionHolder"] = capture.isoformat()
    return later


def _strip_nones(value):
    if isinstance(value, dict):
        return {k: _strip_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_nones(v) for v in value]
    return value


def _member(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2026, 11, 1, 0, 0, 0))  # fixed: reproducible bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _dump(study: dict) -> str:
    return json.dumps(_strip_nones(study), ensure_ascii=False)


def generate(target: Path, seed: int = 20261122) -> list[Path]:
    """Write the sample landing folder (deterministic for a given seed)."""
    rng = random.Random(seed)
    first, second = date(2026, 10, 1), date(2026, 11, 1)
    # Trials that get a later version start from a status that can plausibly move on.
    starting = {1: "RECRUITING", 5: "RECRUITING", 9: "ACTIVE_NOT_RECRUITING", 17: "NOT_YET_RECRUITING"}
    studies = [make_study(rng, n, first, starting.get(n)) for n in range(1, 25)]
    written: list[Path] = []

    def write(relative: str, data: bytes | str) -> None:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        written.append(path)

    for study in studies[0:4]:
        write(
            f"api_v2/single/{study['protocolSection']['identificationModule']['nctId']}.json",
            json.dumps(_strip_nones(study), indent=2, ensure_ascii=False),
        )
    write(
        "api_v2/page-1.json",
        json.dumps({"studies": [_strip_nones(s) for s in studies[4:8]], "nextPageToken": "SYNTHETIC2"}, indent=1),
    )
    write("api_v2/pull-20261101.ndjson", "\n".join(_dump(s) for s in studies[8:12]) + "\n")
    bundle = io.BytesIO()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zip_archive:
        for study in studies[12:16]:
            zip_archive.writestr(
                _member(f"{study['protocolSection']['identificationModule']['nctId']}.json"),
                json.dumps(_strip_nones(study), indent=2),
            )
    write("api_v2/ctg-studies.json.zip", bundle.getvalue())
    for study in studies[16:18]:
        write(f"legacy_xml/{study['protocolSection']['identificationModule']['nctId']}.xml", to_legacy_xml(study))
    tarball = io.BytesIO()
    # gzip stamps the time in its header; a fixed one keeps the sample byte-reproducible.
    with (
        gzip.GzipFile(fileobj=tarball, mode="wb", mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w") as archive,
    ):
        for study in studies[18:20]:
            data = to_legacy_xml(study).encode("utf-8")
            info = tarfile.TarInfo(f"NCT0990xxxx/{study['protocolSection']['identificationModule']['nctId']}.xml")
            info.size, info.mtime = len(data), 0
            archive.addfile(info, io.BytesIO(data))
    write("legacy_xml/AllPublicXML_sample.tar.gz", tarball.getvalue())
    export = io.BytesIO()
    with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as export_archive:
        for rank, study in enumerate(studies[20:24], start=1):
            export_archive.writestr(
                _member(f"{study['protocolSection']['identificationModule']['nctId']}.xml"),
                to_legacy_xml(study, True, rank),
            )
    write("legacy_xml/search_results.zip", export.getvalue())
    # A month later: four trials changed status (a second version each) and one is new.
    later = [
        evolve(studies[number - 1], status, second)
        for number, status in ((1, "ACTIVE_NOT_RECRUITING"), (5, "TERMINATED"), (9, "COMPLETED"), (17, "WITHDRAWN"))
    ]
    later.append(make_study(rng, 25, second))
    write("api_v2/pull-20261201.ndjson", "\n".join(_dump(s) for s in later) + "\n")
    write("broken/truncated-page.json", json.dumps({"studies": [_strip_nones(studies[0])]})[:700])
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "sample/landing")
    for path in generate(out):
        print(path)
