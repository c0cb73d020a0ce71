"""Recognize a raw input by its content and split it into canonical records.

Pure: bytes in, records (or a clear reason for refusing them) out. Archives are opened
by the caller (`trialwarehouse.sources`), which hands over each member's bytes here.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import orjson

from transforms import ctgov_json, ctgov_xml, trial_pages

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"


NCT_ID = re.compile(r"^NCT\d{8}$")


class UnusableInput(ValueError):
    """The whole input is refused; the message is the reason shown to curators."""


@dataclass
class Extraction:
    """What one file or archive member yielded."""

    detected_format: str
    records: list[dict] = field(default_factory=list)
    # (record_index, reason) for single records refused inside an otherwise usable input
    rejects: list[tuple[int, str]] = field(default_factory=list)


def archive_kind(data: bytes) -> str | None:
    """'zip' or 'tar' when the bytes are an archive (by magic number, not file name)."""
    if data.startswith(ZIP_MAGIC) or data.startswith(EMPTY_ZIP_MAGIC):
        return "zip"
    if data.startswith(GZIP_MAGIC):
        return "tar"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar"
    return None


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM) or BOM-marked UTF-16; anything else is refused."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnusableInput(f"text is not valid UTF-16: {exc}") from exc
    if b"\x00" in data[:8192]:
        raise UnusableInput("binary content (NUL bytes): not a registry record")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnusableInput(f"text is not valid UTF-8 (byte {exc.start}): wrong encoding or corrupted file") from exc


def extract(data: bytes) -> Extraction:
    """Recognize the format of one input from its content and extract its records."""
    if not data.strip():
        raise UnusableInput("empty file")
    head = data.lstrip(codecs.BOM_UTF8)[:4096].lstrip()
    if head[:1] in (b"{", b"["):
        return _extract_json(data)
    if head.startswith(b"<") and _looks_like_clinical_study_xml(head):
        return _extract_xml(data)
    text = decode_text(data)
    return _extract_page(text)


def _looks_like_clinical_study_xml(head: bytes) -> bool:
    if b"<clinical_study" in head:
        return True
    lowered = head.lower()
    if lowered.startswith(b"<?xml") and b"<html" not in lowered:
        # Some other XML (WHO ICTRP, RSS, ...): let the XML path explain the refusal.
        return True
    return False


def _extract_xml(data: bytes) -> Extraction:
    try:
        root = ctgov_xml.parse_clinical_study(data)
    except ctgov_xml.XmlRecordError as exc:
        raise UnusableInput(str(exc)) from exc
    if root.find("id_info") is None and root.find("study_id") is not None:
        raise UnusableInput(
            "XML rebuilt from archive.clinicaltrials.gov by a third-party script (<study_id> instead of "
            "<id_info>): not a registry export; load the archive page itself instead"
        )
    record = ctgov_xml.extract_clinical_study(root)
    if not record["nct_id"]:
        raise UnusableInput("<clinical_study> has no <id_info><nct_id>")
    if not NCT_ID.match(record["nct_id"].strip().upper()):
        raise UnusableInput(f"nct_id {record['nct_id']!r} is not NCT followed by 8 digits")
    return Extraction("ctgov-legacy-xml", [record])


def _extract_json(data: bytes) -> Extraction:
    text = decode_text(data)
    if _looks_like_ndjson(text):
        return _extract_ndjson(text, ValueError("not one JSON document"))
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as whole_error:
        return _extract_ndjson(text, whole_error)
    return _studies_from_document(document)


def _looks_like_ndjson(text: str) -> bool:
    # A complete object on the first line with more after it: NDJSON. Checking this first
    # spares a failed parse of a whole (possibly huge) pull file.
    first, newline, rest = text.lstrip().partition("\n")
    if not newline or not rest.strip():
        return False
    try:
        return isinstance(orjson.loads(first), dict)
    except orjson.JSONDecodeError:
        return False


def _studies_from_document(document: object) -> Extraction:
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        return _extract_studies(document["studies"])  # an API v2 page
    if isinstance(document, dict) and "protocolSection" in document:
        return _extract_studies([document])
    if isinstance(document, list) and all(isinstance(item, dict) for item in document) and document:
        return _extract_studies(document)
    if isinstance(document, dict) and ({"FullStudiesResponse", "StudyFieldsResponse", "FullStudy"} & document.keys()):
        raise UnusableInput("ClinicalTrials.gov API v1 JSON (retired 2024): not supported, fetch the study from API v2")
    raise UnusableInput("JSON is not an API v2 study, a page with 'studies', or NDJSON of studies")


def _extract_ndjson(text: str, whole_error: Exception) -> Extraction:
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise UnusableInput(f"invalid or truncated JSON: {whole_error}")
    studies: list[object] = []
    rejects: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        try:
            studies.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            studies.append(None)
            rejects.append((index, f"line {index + 1} is not valid JSON: {exc}"))
    if len(rejects) == len(lines):
        raise UnusableInput(f"invalid or truncated JSON: {whole_error}")
    extraction = _extract_studies(studies)
    extraction.rejects = sorted(rejects + [r for r in extraction.rejects if studies[r[0]] is not None])
    return extraction


def _extract_studies(studies: list) -> Extraction:
    extraction = Extraction("ctgov-v2-json")
    for index, study in enumerate(studies):
        if study is None:
            continue
        if not isinstance(study, dict):
            extraction.rejects.append((index, "study is not a JSON object"))
            continue
        nct_id = ctgov_json.study_nct_id(study)
        if not nct_id:
            extraction.rejects.append((index, "study has no protocolSection.identificationModule.nctId (fragment?)"))
            continue
        if not NCT_ID.match(nct_id.strip().upper()):
            extraction.rejects.append((index, f"nctId {nct_id!r} is not NCT followed by 8 digits"))
            continue
        record = ctgov_json.extract_study(study)
        record["record_index"] = index
        extraction.records.append(record)
    if not extraction.records:
        reasons = "; ".join(sorted({reason for _, reason in extraction.rejects})) or "no studies"
        raise UnusableInput(f"no usable API v2 study: {reasons}")
    return extraction


def _extract_page(text: str) -> Extraction:
    layout = trial_pages.recognize_layout(text)
    if layout is None:
        raise UnusableInput("not a recognized format: not API v2 JSON, legacy XML or a known trial-page layout")
    record = trial_pages.extract_page(text, layout)
    if not record["nct_id"]:
        raise UnusableInput(f"trial page ({layout}) without an NCT id")
    return Extraction(f"trial-page-{layout}", [record])
