"""Real records turned hostile: one real API v2 study whose text fields carry a
spreadsheet formula and an HTML event handler, as an attacker registering a trial could."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import shared_path

FORMULA_TITLE = '=HYPERLINK("http://127.0.0.1/steal","Dupilumab")'
SCRIPT_REASON = "<img src=x onerror=alert(document.domain)>"


def hostile_study() -> dict:
    """NCT02210780 (aact fixture, captured 2024) recruiting, with hostile text."""
    study = json.loads(
        shared_path("data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02210780.json").read_text()
    )
    protocol = study["protocolSection"]
    protocol["identificationModule"]["briefTitle"] = FORMULA_TITLE
    protocol["statusModule"]["overallStatus"] = "RECRUITING"
    protocol["statusModule"]["whyStopped"] = SCRIPT_REASON
    return study


def hostile_landing(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "NCT02210780.json").write_text(json.dumps(hostile_study()), encoding="utf-8")
    return folder
