"""Recognize a raw input by its content and split it into canonical records.

Pure: bytes in, records (or a clear reason for refusing them) out. Archives are opened
by the caller (`trialwarehouse.nightly.sources`), which hands over each member's bytes here.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import orjson
import polars as pl

from transforms import ctgov_json, ctgov_json_reader, ctgov_xml, study_types, trial_pages
from transforms.frames import raw_to_records, records_to_raw

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"


# ASCII digits only: `\d` also matches Arabic-Indic and other digits, which the registry never uses
# (and the warehouse integrity check refuses).
NCT_ID = re.compile(r"^NCT[0-9]{8}$")
API_V2 = "ctgov-v2-json"  # the source_format of API v2 studies
# No registry record nests deeper than about 10 levels; far deeper is hostile or broken, and
# past 255 levels the JSON encoder gives up on the whole batch.
MAX_JSON_DEPTH = 64
_NON_SPACE = re.compile(rb"\S")
_BOM_BYTES = re.compile(b"[" + re.escape(codecs.BOM_UTF8) + b"]*")


class UnusableInput(ValueError):
    """The whole input is refused; the message is the reason shown to curators."""


@dataclass
class Extraction:
    """What one file or archive member yielded.

    Legacy XML and trial pages give canonical record dicts (`records`). API v2 studies stay
    in bulk form until a batch is built: NDJSON read by polars (`study_frame`, one row per
    usable study with its `record_index`) or, for JSON documents, the studies themselves
    (`study_dicts`: (record_index, study) pairs, conformed to `ctgov_json_schema.STUDY_SCHEMA`), so
    a zip of single-study files costs one polars read per batch, not one per file.
    """

    detected_format: str
    records: list[dict] = field(default_factory=list)
    study_frame: pl.DataFrame | None = None
    study_dicts: list[tuple[int, dict]] = field(default_factory=list)
    # (record_index, reason) for single records refused inside an otherwise usable input
    rejects: list[tuple[int, str]] = field(default_factory=list)

    def __len__(self) -> int:
        frame_rows = self.study_frame.height if self.study_frame is not None else 0
        return len(self.records) + frame_rows + len(self.study_dicts)

    def raw_frames(self) -> dict[str, pl.DataFrame]:
        """This extraction alone as raw canonical frames (record_seq from 0)."""
        if self.records:
            return records_to_raw([{**r, "record_seq": i} for i, r in enumerate(self.records)])
        return ctgov_json.extract_frames(ctgov_json_reader.stack_studies(self.study_frame, self.study_dicts))

    def as_records(self) -> list[dict]:
        """Canonical record dicts, whatever the format (tests and comparisons)."""
        return self.records if self.records else raw_to_records(self.raw_frames())


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
    # Searched, not stripped: strip() copies the whole input (47 MB for a pull file of 2,000
    # studies, 5 % of its parse).
    if not _NON_SPACE.search(data):
        raise UnusableInput("empty file")
    marks = _BOM_BYTES.match(data)  # as data.lstrip(BOM_UTF8), without the copy
    after_marks = marks.end() if marks else 0
    head = data[after_marks : after_marks + 4096].lstrip()
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


def api_v2_batch(
    study_frames: list[pl.DataFrame], study_dicts: list[tuple[int, dict]], study_members: list[str], first_seq: int
) -> dict[str, pl.DataFrame]:
    """Raw canonical frames of a batch of API v2 studies gathered from several inputs: the
    NDJSON frames (each with its `source_member` column), then the study dicts (with
    `study_members`, one per dict), record_seq counted from `first_seq`. One polars read
    for all the dicts of the batch."""
    studies = ctgov_json_reader.stack_studies(
        pl.concat(study_frames, how="diagonal_relaxed") if study_frames else None, study_dicts
    )
    if study_dicts:
        members = [f.get_column("source_member") for f in study_frames] + [pl.Series(study_members)]
        studies = studies.with_columns(pl.concat(members).alias("source_member"))
    return ctgov_json.extract_frames(studies.with_columns(pl.lit(API_V2).alias("source_format")), first_seq)


def _extract_json(data: bytes) -> Extraction:
    body = data.removeprefix(codecs.BOM_UTF8)
    if _looks_like_ndjson(body):
        try:
            # Fast path: the lines are read as they are; any line that cannot be (not JSON,
            # wrong shape, bad encoding) sends the whole input to the careful path.
            return _valid_studies(ctgov_json_reader.read_studies(body).with_row_index("record_index"), [])
        except ctgov_json_reader.UnreadableStudies:
            return _extract_ndjson(decode_text(data), ValueError("not one JSON document"))
    text = decode_text(data)
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as whole_error:
        return _extract_ndjson(text, whole_error)
    return _studies_from_document(document)


def _looks_like_ndjson(body: bytes) -> bool:
    # A complete object on the first line with more after it: NDJSON. Checking this first
    # spares a failed parse of a whole (possibly huge) pull file.
    first_text = _NON_SPACE.search(body)
    start = first_text.start() if first_text else 0
    end = body.find(b"\n", start)
    if end < 0 or not _NON_SPACE.search(body, end):
        return False
    try:
        return isinstance(orjson.loads(body[start:end]), dict)
    except orjson.JSONDecodeError:
        return False


def _studies_from_document(document: object) -> Extraction:
    if isinstance(document, dict) and isinstance(document.get("studies"), list):
        return _studies_from_objects(list(enumerate(document["studies"])), [])  # an API v2 page
    if isinstance(document, dict) and "protocolSection" in document:
        return _studies_from_objects([(0, document)], [])
    if isinstance(document, list) and all(isinstance(item, dict) for item in document) and document:
        return _studies_from_objects(list(enumerate(document)), [])
    if isinstance(document, dict) and ({"FullStudiesResponse", "StudyFieldsResponse", "FullStudy"} & document.keys()):
        raise UnusableInput("ClinicalTrials.gov API v1 JSON (retired 2024): not supported, fetch the study from API v2")
    raise UnusableInput("JSON is not an API v2 study, a page with 'studies', or NDJSON of studies")


def _extract_ndjson(text: str, whole_error: Exception) -> Extraction:
    """The careful path: line by line, so one broken line costs only its own record."""
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise UnusableInput(f"invalid or truncated JSON: {whole_error}")
    studies: list[tuple[int, object]] = []
    rejects: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        try:
            studies.append((index, orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            rejects.append((index, f"line {index + 1} is not valid JSON: {exc}"))
    if len(rejects) == len(lines):
        raise UnusableInput(f"invalid or truncated JSON: {whole_error}")
    return _studies_from_objects(studies, rejects)


_NO_NCT_ID = "study has no protocolSection.identificationModule.nctId (fragment?)"


def _nct_id_problem(nct_id: str | None) -> str | None:
    if nct_id is None:
        return _NO_NCT_ID
    if not NCT_ID.match(nct_id.upper()):
        return f"nctId {nct_id!r} is not NCT followed by 8 digits"
    return None


def _depth_beyond(value: object, limit: int) -> bool:
    """True when `value` nests lists or objects more than `limit` levels deep (iterative:
    a hostile record must not exhaust the interpreter's stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _studies_from_objects(studies: list[tuple[int, object]], rejects: list[tuple[int, str]]) -> Extraction:
    usable: list[tuple[int, dict]] = []
    for index, study in studies:
        if not isinstance(study, dict):
            rejects.append((index, "study is not a JSON object"))
            continue
        depth = _depth_beyond(study, MAX_JSON_DEPTH)
        if depth:
            rejects.append((index, f"study nests JSON more than {MAX_JSON_DEPTH} levels deep: refused"))
            continue
        mistyped = study_types.type_problems(study)
        if mistyped:
            rejects.append((index, "wrong type, record refused: " + "; ".join(mistyped)))
            continue
        conformed = ctgov_json_reader.conform(study)
        assert isinstance(conformed, dict)  # a dict conforms to a dict
        problem = _nct_id_problem(ctgov_json_reader.dict_nct_id(conformed))
        if problem:
            rejects.append((index, problem))
        else:
            usable.append((index, conformed))
    return _usable_or_refused(Extraction(API_V2, study_dicts=usable, rejects=sorted(rejects)))


def _valid_studies(frame: pl.DataFrame, rejects: list[tuple[int, str]]) -> Extraction:
    """Refuse, record by record, the NDJSON studies without a well-formed NCT id."""
    frame = frame.with_columns(pl.col("record_index").cast(pl.Int64))
    bad = frame.select(pl.col("record_index"), ctgov_json_reader.frame_nct_ids().alias("nct_id")).filter(
        pl.col("nct_id").is_null() | ~pl.col("nct_id").str.to_uppercase().str.contains(r"^NCT[0-9]{8}$")
    )
    if bad.height:
        rejects = sorted(rejects + [(int(i), _nct_id_problem(n) or "malformed NCT id") for i, n in bad.iter_rows()])
        frame = frame.filter(~pl.col("record_index").is_in(bad["record_index"].to_list()))
    mistyped = study_types.frame_type_problems(frame)
    if mistyped.height:
        rejects = sorted(rejects + [(int(i), reason) for i, reason in mistyped.iter_rows()])
        frame = frame.filter(~pl.col("record_index").is_in(mistyped["record_index"].to_list()))
    return _usable_or_refused(Extraction(API_V2, study_frame=frame, rejects=rejects))


def _usable_or_refused(extraction: Extraction) -> Extraction:
    if not len(extraction):
        reasons = "; ".join(sorted({reason for _, reason in extraction.rejects})) or "no studies"
        raise UnusableInput(f"no usable API v2 study: {reasons}")
    return extraction


def _extract_page(text: str) -> Extraction:
    page = trial_pages.read_page(text)
    if page is None:
        raise UnusableInput("not a recognized format: not API v2 JSON, legacy XML or a known trial-page layout")
    layout, record = page
    if not record["nct_id"]:
        raise UnusableInput(f"trial page ({layout}) without an NCT id")
    return Extraction(f"trial-page-{layout}", [record])
