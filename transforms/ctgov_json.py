"""Extract canonical raw frames from ClinicalTrials.gov API v2 studies, with polars.

Only the structure of API v2 is used (module and field names from the API's
`/studies/metadata`). `STUDY_SCHEMA` names exactly the fields the warehouse keeps; the
studies are read into a polars frame of that shape, and the mapping to the canonical
record is a handful of column expressions and explodes. Every value is passed on as raw
text for `normalize`, trimmed, empty as null.

Reading: DuckDB's JSON reader (yyjson) fills the nested columns about four times faster
than polars' own NDJSON reader on real 16 KB studies (0.06 against 0.26 ms a study on one
core), so an in-memory DuckDB is used as the parser: bytes in, a polars frame out. It never
touches the warehouse.
"""

from __future__ import annotations

import io
import re
import threading

import duckdb
import orjson
import polars as pl
from polars._typing import PolarsDataType

from transforms.canonical import CHILD_FIELDS, PROVENANCE_FIELDS, SCALAR_FIELDS, child_schema
from transforms.results_json import RESULT_BUILDERS, RESULTS_SCHEMA, UNPOSTED_RESPONSIBLE_PARTY
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean

S = pl.Struct
L = pl.List
T = pl.String
_DATE = S({"date": T, "type": T})
_OUTCOME = L(S({"measure": T, "timeFrame": T, "description": T}))
_CONTACT = {"name": T, "role": T, "phone": T, "phoneExt": T, "email": T}
_MESHES = S(
    {
        "meshes": L(S({"id": T, "term": T})),
        "ancestors": L(S({"id": T, "term": T})),
        "browseLeaves": L(S({"id": T, "name": T, "asFound": T, "relevance": T})),
        "browseBranches": L(S({"abbrev": T, "name": T})),
    }
)

# Every leaf is read as text: polars turns numbers and booleans into their JSON text, which
# `normalize` reads like the legacy XML spellings ("60", "true" as well as "Yes").
STUDY_SCHEMA: dict[str, PolarsDataType] = {
    "protocolSection": S(
        {
            "identificationModule": S(
                {
                    "nctId": T,
                    "orgStudyIdInfo": S({"id": T, "type": T, "link": T}),
                    "nctIdAliases": L(T),
                    "briefTitle": T,
                    "officialTitle": T,
                    "acronym": T,
                    "organization": S({"fullName": T, "class": T}),
                    "secondaryIdInfos": L(S({"id": T, "type": T, "domain": T, "link": T})),
                }
            ),
            "statusModule": S(
                {
                    "overallStatus": T,
                    "lastKnownStatus": T,
                    "whyStopped": T,
                    "statusVerifiedDate": T,
                    "startDateStruct": _DATE,
                    "primaryCompletionDateStruct": _DATE,
                    "completionDateStruct": _DATE,
                    "studyFirstSubmitDate": T,
                    "studyFirstPostDateStruct": _DATE,
                    "lastUpdateSubmitDate": T,
                    "lastUpdatePostDateStruct": _DATE,
                    "resultsFirstPostDateStruct": _DATE,
                    "studyFirstSubmitQcDate": T,
                    "resultsFirstSubmitDate": T,
                    "resultsFirstSubmitQcDate": T,
                    "dispFirstSubmitDate": T,
                    "dispFirstSubmitQcDate": T,
                    "dispFirstPostDateStruct": _DATE,
                    "expandedAccessInfo": S({"hasExpandedAccess": T, "nctId": T, "statusForNctId": T}),
                }
            ),
            "sponsorCollaboratorsModule": S(
                {
                    "leadSponsor": S({"name": T, "class": T}),
                    "collaborators": L(S({"name": T, "class": T})),
                    "responsibleParty": S(
                        {
                            "type": T,
                            "investigatorFullName": T,
                            "investigatorTitle": T,
                            "investigatorAffiliation": T,
                            "oldNameTitle": T,
                            "oldOrganization": T,
                        }
                    ),
                }
            ),
            "oversightModule": S(
                {
                    "oversightHasDmc": T,
                    "isFdaRegulatedDrug": T,
                    "isFdaRegulatedDevice": T,
                    "isUsExport": T,
                    "isUnapprovedDevice": T,
                    "isPpsd": T,
                    "fdaaa801Violation": T,
                }
            ),
            "descriptionModule": S({"briefSummary": T, "detailedDescription": T}),
            "conditionsModule": S({"conditions": L(T), "keywords": L(T)}),
            "designModule": S(
                {
                    "studyType": T,
                    "patientRegistry": T,
                    "phases": L(T),
                    "designInfo": S(
                        {
                            "allocation": T,
                            "interventionModel": T,
                            "primaryPurpose": T,
                            "observationalModel": T,
                            "timePerspective": T,
                            "interventionModelDescription": T,
                            "maskingInfo": S({"masking": T, "maskingDescription": T, "whoMasked": L(T)}),
                        }
                    ),
                    "enrollmentInfo": S({"count": T, "type": T}),
                    "bioSpec": S({"retention": T, "description": T}),
                    "targetDuration": T,
                    "expandedAccessTypes": S({"individual": T, "intermediate": T, "treatment": T}),
                }
            ),
            "armsInterventionsModule": S(
                {
                    "armGroups": L(S({"label": T, "type": T, "description": T, "interventionNames": L(T)})),
                    "interventions": L(S({"type": T, "name": T, "description": T, "otherNames": L(T)})),
                }
            ),
            "outcomesModule": S(
                {"primaryOutcomes": _OUTCOME, "secondaryOutcomes": _OUTCOME, "otherOutcomes": _OUTCOME}
            ),
            "eligibilityModule": S(
                {
                    "eligibilityCriteria": T,
                    "healthyVolunteers": T,
                    "sex": T,
                    "minimumAge": T,
                    "maximumAge": T,
                    "genderBased": T,
                    "genderDescription": T,
                    "stdAges": L(T),
                    "samplingMethod": T,
                    "studyPopulation": T,
                }
            ),
            "referencesModule": S(
                {
                    "references": L(S({"pmid": T, "type": T, "citation": T})),
                    "seeAlsoLinks": L(S({"label": T, "url": T})),
                    "availIpds": L(S({"id": T, "type": T, "url": T, "comment": T})),
                }
            ),
            "ipdSharingStatementModule": S(
                {
                    "ipdSharing": T,
                    "description": T,
                    "infoTypes": L(T),
                    "timeFrame": T,
                    "accessCriteria": T,
                    "url": T,
                }
            ),
            "contactsLocationsModule": S(
                {
                    "centralContacts": L(S(_CONTACT)),
                    "overallOfficials": L(S({"name": T, "affiliation": T, "role": T})),
                    "locations": L(
                        S(
                            {
                                "facility": T,
                                "status": T,
                                "city": T,
                                "state": T,
                                "zip": T,
                                "country": T,
                                "geoPoint": S({"lat": T, "lon": T}),
                                "contacts": L(S(_CONTACT)),
                            }
                        )
                    ),
                }
            ),
        }
    ),
    "documentSection": S(
        {
            "largeDocumentModule": S(
                {
                    "largeDocs": L(
                        S(
                            {
                                "typeAbbrev": T,
                                "hasProtocol": T,
                                "hasSap": T,
                                "hasIcf": T,
                                "label": T,
                                "date": T,
                                "uploadDate": T,
                                "filename": T,
                                "size": T,
                            }
                        )
                    )
                }
            )
        }
    ),
    "derivedSection": S(
        {
            "miscInfoModule": S({"versionHolder": T, "removedCountries": L(T)}),
            "conditionBrowseModule": _MESHES,
            "interventionBrowseModule": _MESHES,
        }
    ),
    "hasResults": T,
    **RESULTS_SCHEMA,
}


class UnreadableStudies(ValueError):
    """NDJSON that the fast reader cannot take as it is (a line that is not a JSON object,
    invalid JSON, or a value whose shape contradicts the schema)."""


def _duckdb_type(dtype: PolarsDataType) -> str:
    if isinstance(dtype, pl.Struct):
        return "STRUCT(" + ", ".join(f'"{f.name}" {_duckdb_type(f.dtype)}' for f in dtype.fields) + ")"
    if isinstance(dtype, pl.List):
        return _duckdb_type(dtype.inner) + "[]"
    return "VARCHAR"


_DUCKDB_COLUMNS = {name: _duckdb_type(dtype) for name, dtype in STUDY_SCHEMA.items()}
_NON_BLANK_LINE = re.compile(rb"^[ \t\r]*\S", re.MULTILINE)
_parsers = threading.local()


def _parser() -> duckdb.DuckDBPyConnection:
    # One in-memory DuckDB per thread; one thread each: parsing is spread over processes.
    if not hasattr(_parsers, "con"):
        _parsers.con = duckdb.connect(":memory:", config={"threads": 1})
    return _parsers.con


def release_parser() -> None:
    """Close this thread's parser: DuckDB keeps the memory of its last read (about 130 MB
    after 2,000 studies) while the connection lives; the next read opens a new one."""
    con = getattr(_parsers, "con", None)
    if con is not None:
        del _parsers.con
        con.close()


def _read_ndjson(ndjson: bytes, maximum_object_size: int | None) -> pl.DataFrame:
    source = io.BytesIO(ndjson)
    if maximum_object_size:
        relation = _parser().read_json(
            source, columns=_DUCKDB_COLUMNS, format="newline_delimited", maximum_object_size=maximum_object_size
        )
    else:
        relation = _parser().read_json(source, columns=_DUCKDB_COLUMNS, format="newline_delimited")
    return relation.pl()


def read_studies(ndjson: bytes) -> pl.DataFrame:
    """One row per non-blank line of NDJSON studies, shaped by `STUDY_SCHEMA`. Raises
    UnreadableStudies when a line cannot be read as it is; `conform` makes it readable."""
    try:
        frame = _read_ndjson(ndjson, None)
    except duckdb.Error as exc:
        if "maximum_object_size" not in str(exc):
            raise UnreadableStudies(str(exc).splitlines()[0]) from exc
        # One study over DuckDB's 16 MB default (a record with a huge text): read again with
        # room for the longest line, asked only then, so the usual buffer stays small.
        longest = max(len(line) for line in ndjson.split(b"\n"))
        try:
            frame = _read_ndjson(ndjson, longest + 1024)
        except duckdb.Error as again:
            raise UnreadableStudies(str(again).splitlines()[0]) from again
    # The reader skips a line holding a bare number or null: count lines so none is lost.
    lines = ndjson.count(b"\n") + (not ndjson.endswith(b"\n"))
    if frame.height != lines and frame.height != len(_NON_BLANK_LINE.findall(ndjson)):
        raise UnreadableStudies(f"{frame.height} studies read from {lines} lines")
    # One chunk: every struct.field on a multi-chunk nested column costs ~10 ms per 2,000
    # studies, against ~1 ms once rechunked.
    return frame.rechunk()


STUDY_DTYPE = S(STUDY_SCHEMA)


def conform(value: object, dtype: PolarsDataType = STUDY_DTYPE) -> object:
    """Drop what cannot be read as `dtype` (an object where a list is expected, text where
    an object is expected) and every field the schema does not name. Scalars are left to
    polars, so a conformed study reads exactly like the same study on the fast path."""
    if isinstance(dtype, pl.Struct):
        if not isinstance(value, dict):
            return None
        return {f.name: conform(value.get(f.name), f.dtype) for f in dtype.fields if value.get(f.name) is not None}
    if isinstance(dtype, pl.List):
        if not isinstance(value, list):
            return None
        return [conform(item, dtype.inner) for item in value]
    return value


def studies_frame(studies: list[tuple[int, dict]]) -> pl.DataFrame:
    """(record_index, conformed study) pairs -> one polars read, with their record_index."""
    frame = read_studies(b"\n".join(orjson.dumps(study) for _, study in studies))
    return frame.with_columns(pl.Series("record_index", [index for index, _ in studies], dtype=pl.Int64))


def stack_studies(frame: pl.DataFrame | None, dicts: list[tuple[int, dict]]) -> pl.DataFrame:
    """An NDJSON frame and/or conformed study dicts, as one frame of studies."""
    parts = [frame] if frame is not None else []
    if dicts:
        parts.append(studies_frame(dicts))
    return pl.concat([p.with_columns(pl.col("record_index").cast(pl.Int64)) for p in parts], how="diagonal_relaxed")


def dict_nct_id(study: dict) -> str | None:
    """The NCT id of a conformed study dict, as `frame_nct_ids` would read it."""
    value = ((study.get("protocolSection") or {}).get("identificationModule") or {}).get("nctId")
    if value is None:
        return None
    text = (("true" if value else "false") if isinstance(value, bool) else str(value)).strip()
    return text or None


def frame_nct_ids() -> pl.Expr:
    return _clean(_at(*_ID, "nctId"))


# --- column expressions ---------------------------------------------------------------------


def _clean_list(expr: pl.Expr) -> pl.Expr:
    """Cleaned, non-blank texts; a missing list is an empty one, as in the other formats."""
    return expr.list.eval(_clean(pl.element())).list.drop_nulls().fill_null(pl.lit([], dtype=pl.List(pl.String)))


def _joined(expr: pl.Expr) -> pl.Expr:
    texts = _clean_list(expr)
    return pl.when(texts.list.len() > 0).then(texts.list.join("; "))


_P = ("protocolSection",)
_ID = (*_P, "identificationModule")
_STATUS = (*_P, "statusModule")
_SPONSORS = (*_P, "sponsorCollaboratorsModule")
_DESIGN = (*_P, "designModule")
_ELIGIBILITY = (*_P, "eligibilityModule")
_LOCATIONS = (*_P, "contactsLocationsModule")
_ARMS = (*_P, "armsInterventionsModule")
_IPD = (*_P, "ipdSharingStatementModule")
_REFS = (*_P, "referencesModule")

_SCALARS: dict[str, tuple[str, ...]] = {
    "capture_date_raw": ("derivedSection", "miscInfoModule", "versionHolder"),
    "nct_id": (*_ID, "nctId"),
    "org_study_id": (*_ID, "orgStudyIdInfo", "id"),
    "brief_title": (*_ID, "briefTitle"),
    "official_title": (*_ID, "officialTitle"),
    "acronym": (*_ID, "acronym"),
    "organization_name": (*_ID, "organization", "fullName"),
    "organization_class_raw": (*_ID, "organization", "class"),
    "overall_status_raw": (*_STATUS, "overallStatus"),
    "last_known_status_raw": (*_STATUS, "lastKnownStatus"),
    "why_stopped": (*_STATUS, "whyStopped"),
    "study_type_raw": (*_DESIGN, "studyType"),
    "patient_registry_raw": (*_DESIGN, "patientRegistry"),
    "allocation_raw": (*_DESIGN, "designInfo", "allocation"),
    "intervention_model_raw": (*_DESIGN, "designInfo", "interventionModel"),
    "masking_raw": (*_DESIGN, "designInfo", "maskingInfo", "masking"),
    "primary_purpose_raw": (*_DESIGN, "designInfo", "primaryPurpose"),
    "observational_model_raw": (*_DESIGN, "designInfo", "observationalModel"),
    "time_perspective_raw": (*_DESIGN, "designInfo", "timePerspective"),
    "enrollment_count_raw": (*_DESIGN, "enrollmentInfo", "count"),
    "enrollment_type_raw": (*_DESIGN, "enrollmentInfo", "type"),
    "start_date_raw": (*_STATUS, "startDateStruct", "date"),
    "start_date_type_raw": (*_STATUS, "startDateStruct", "type"),
    "primary_completion_date_raw": (*_STATUS, "primaryCompletionDateStruct", "date"),
    "primary_completion_date_type_raw": (*_STATUS, "primaryCompletionDateStruct", "type"),
    "completion_date_raw": (*_STATUS, "completionDateStruct", "date"),
    "completion_date_type_raw": (*_STATUS, "completionDateStruct", "type"),
    "first_submitted_date_raw": (*_STATUS, "studyFirstSubmitDate"),
    "first_posted_date_raw": (*_STATUS, "studyFirstPostDateStruct", "date"),
    "first_posted_date_type_raw": (*_STATUS, "studyFirstPostDateStruct", "type"),
    "last_update_submitted_date_raw": (*_STATUS, "lastUpdateSubmitDate"),
    "last_update_posted_date_raw": (*_STATUS, "lastUpdatePostDateStruct", "date"),
    "last_update_posted_date_type_raw": (*_STATUS, "lastUpdatePostDateStruct", "type"),
    "status_verified_date_raw": (*_STATUS, "statusVerifiedDate"),
    "results_first_posted_date_raw": (*_STATUS, "resultsFirstPostDateStruct", "date"),
    "results_first_posted_date_type_raw": (*_STATUS, "resultsFirstPostDateStruct", "type"),
    "first_submitted_qc_date_raw": (*_STATUS, "studyFirstSubmitQcDate"),
    "results_first_submitted_date_raw": (*_STATUS, "resultsFirstSubmitDate"),
    "results_first_submitted_qc_date_raw": (*_STATUS, "resultsFirstSubmitQcDate"),
    "disposition_first_submitted_date_raw": (*_STATUS, "dispFirstSubmitDate"),
    "disposition_first_submitted_qc_date_raw": (*_STATUS, "dispFirstSubmitQcDate"),
    "disposition_first_posted_date_raw": (*_STATUS, "dispFirstPostDateStruct", "date"),
    "disposition_first_posted_date_type_raw": (*_STATUS, "dispFirstPostDateStruct", "type"),
    "min_age_raw": (*_ELIGIBILITY, "minimumAge"),
    "max_age_raw": (*_ELIGIBILITY, "maximumAge"),
    "sex_raw": (*_ELIGIBILITY, "sex"),
    "healthy_volunteers_raw": (*_ELIGIBILITY, "healthyVolunteers"),
    "eligibility_criteria": (*_ELIGIBILITY, "eligibilityCriteria"),
    "brief_summary": (*_P, "descriptionModule", "briefSummary"),
    "detailed_description": (*_P, "descriptionModule", "detailedDescription"),
    "has_results_raw": ("hasResults",),
    "has_dmc_raw": (*_P, "oversightModule", "oversightHasDmc"),
    "is_fda_regulated_drug_raw": (*_P, "oversightModule", "isFdaRegulatedDrug"),
    "is_fda_regulated_device_raw": (*_P, "oversightModule", "isFdaRegulatedDevice"),
    "has_expanded_access_raw": (*_STATUS, "expandedAccessInfo", "hasExpandedAccess"),
    "responsible_party_type_raw": (*_SPONSORS, "responsibleParty", "type"),
    "unposted_responsible_party": UNPOSTED_RESPONSIBLE_PARTY,
    "org_study_id_type": (*_ID, "orgStudyIdInfo", "type"),
    "org_study_id_link": (*_ID, "orgStudyIdInfo", "link"),
    "responsible_party_title": (*_SPONSORS, "responsibleParty", "investigatorTitle"),
    "responsible_party_affiliation": (*_SPONSORS, "responsibleParty", "investigatorAffiliation"),
    "responsible_party_old_organization": (*_SPONSORS, "responsibleParty", "oldOrganization"),
    "expanded_access_nct_id": (*_STATUS, "expandedAccessInfo", "nctId"),
    "expanded_access_status_raw": (*_STATUS, "expandedAccessInfo", "statusForNctId"),
    "is_us_export_raw": (*_P, "oversightModule", "isUsExport"),
    "is_unapproved_device_raw": (*_P, "oversightModule", "isUnapprovedDevice"),
    "is_ppsd_raw": (*_P, "oversightModule", "isPpsd"),
    "fdaaa801_violation_raw": (*_P, "oversightModule", "fdaaa801Violation"),
    "intervention_model_description": (*_DESIGN, "designInfo", "interventionModelDescription"),
    "masking_description": (*_DESIGN, "designInfo", "maskingInfo", "maskingDescription"),
    "target_duration": (*_DESIGN, "targetDuration"),
    "biospec_retention_raw": (*_DESIGN, "bioSpec", "retention"),
    "biospec_description": (*_DESIGN, "bioSpec", "description"),
    "sampling_method_raw": (*_ELIGIBILITY, "samplingMethod"),
    "study_population": (*_ELIGIBILITY, "studyPopulation"),
    "gender_based_raw": (*_ELIGIBILITY, "genderBased"),
    "gender_description": (*_ELIGIBILITY, "genderDescription"),
    "ipd_sharing_raw": (*_IPD, "ipdSharing"),
    "ipd_description": (*_IPD, "description"),
    "ipd_time_frame": (*_IPD, "timeFrame"),
    "ipd_access_criteria": (*_IPD, "accessCriteria"),
    "ipd_url": (*_IPD, "url"),
}

# List scalars: (column, path of the list of texts).
_LIST_SCALARS: dict[str, tuple[str, ...]] = {
    "nct_id_aliases": (*_ID, "nctIdAliases"),
    "std_ages_raw": (*_ELIGIBILITY, "stdAges"),
    "ipd_info_types_raw": (*_IPD, "infoTypes"),
    "removed_countries": ("derivedSection", "miscInfoModule", "removedCountries"),
}


def _version_columns() -> list[pl.Expr]:
    columns = [_clean(_at(*path)).alias(name) for name, path in _SCALARS.items()]
    columns += [
        _clean_list(_at(*_DESIGN, "phases")).alias("phases_raw"),
        _clean_list(_at(*_DESIGN, "designInfo", "maskingInfo", "whoMasked")).alias("who_masked_raw"),
        pl.coalesce(
            _clean(_at(*_SPONSORS, "responsibleParty", "investigatorFullName")),
            _clean(_at(*_SPONSORS, "responsibleParty", "oldNameTitle")),
        ).alias("responsible_party_name"),
        *[_clean_list(_at(*path)).alias(name) for name, path in _LIST_SCALARS.items()],
        _expanded_access_types().alias("expanded_access_types_raw"),
    ]
    return columns


def _expanded_access_types() -> pl.Expr:
    """designModule.expandedAccessTypes {individual: true, ...} -> ["INDIVIDUAL", ...]."""
    types = _at(*_DESIGN, "expandedAccessTypes")
    flags = [
        pl.when(_clean(types.struct.field(name)).str.to_lowercase() == "true").then(pl.lit(name.upper()))
        for name in ("individual", "intermediate", "treatment")
    ]
    return pl.concat_list(flags).list.drop_nulls()


# --- child lists ----------------------------------------------------------------------------


def _items(studies: pl.DataFrame, items: pl.Expr, group: int = 0) -> pl.DataFrame:
    """One row per element of a list column: record_seq, the element as `item`, its position
    `_pos` and a `_group` that orders several lists feeding one child table. Null and empty
    lists yield no row, a null element yields a row (the old record kept it as all-null)."""
    return (
        studies.select(
            "record_seq",
            items.alias("item"),
            pl.int_ranges(0, items.list.len()).alias("_pos"),
        )
        .explode("item", "_pos")
        .filter(pl.col("_pos").is_not_null())
        .with_columns(pl.lit(group).alias("_group"))
    )


def _fields(
    studies: pl.DataFrame,
    items: pl.Expr,
    columns: tuple[tuple[str, str], ...],
    group: int = 0,
    lists: tuple[tuple[str, str], ...] = (),
) -> pl.DataFrame:
    """`_items` with each (target, source) field of the element cleaned into a column, and
    each (target, source) list field joined into one."""
    item = pl.col("item").struct
    return _items(studies, items, group).with_columns(
        *[_clean(item.field(source)).alias(target) for target, source in columns],
        *[_joined(item.field(source)).alias(target) for target, source in lists],
    )


def _child(kind: str, parts: list[pl.DataFrame]) -> pl.DataFrame:
    """Stack the parts of one child table in record order and number the rows per record."""
    keys = CHILD_FIELDS[kind]
    schema = {"record_seq": pl.Int64, "_group": pl.Int32, "_pos": pl.Int64, **child_schema(kind)}
    frames = [
        p.select([(pl.col(c) if c in p.columns else pl.lit(None)).cast(t).alias(c) for c, t in schema.items()])
        for p in parts
    ]
    stacked = pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)
    return (
        stacked.sort("record_seq", "_group", "_pos", maintain_order=True)
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int32).over("record_seq").alias("ordinal"))
        .select("record_seq", "ordinal", *keys)
    )


def _texts_child(studies: pl.DataFrame, kind: str, column: str, path: tuple[str, ...]) -> pl.DataFrame:
    items = _items(studies, _clean_list(_at(*path)))
    return _child(kind, [items.rename({"item": column})])


def _mesh_terms(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for group, (kind, module) in enumerate(
        (("CONDITION", "conditionBrowseModule"), ("INTERVENTION", "interventionBrowseModule"))
    ):
        items = _fields(studies, _at("derivedSection", module, "meshes"), (("mesh_id", "id"), ("term", "term")), group)
        parts.append(items.with_columns(pl.lit(kind).alias("mesh_kind")).filter(pl.col("term").is_not_null()))
    return _child("mesh_terms", parts)


def _interventions(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("intervention_type_raw", "type"), ("name", "name"), ("description", "description"))
    items = _fields(studies, _at(*_ARMS, "interventions"), columns, lists=(("other_names", "otherNames"),))
    items = items.with_columns(_clean_list(pl.col("item").struct.field("otherNames")).alias("other_name_list"))
    return _child("interventions", [items])


def _sponsors(studies: pl.DataFrame) -> pl.DataFrame:
    lead = studies.select(
        "record_seq",
        pl.lit(0).alias("_group"),
        pl.lit(0).alias("_pos"),
        pl.lit("LEAD").alias("role"),
        _clean(_at(*_SPONSORS, "leadSponsor", "name")).alias("name"),
        _clean(_at(*_SPONSORS, "leadSponsor", "class")).alias("agency_class_raw"),
    )
    collaborators = _fields(
        studies, _at(*_SPONSORS, "collaborators"), (("name", "name"), ("agency_class_raw", "class")), group=1
    ).with_columns(
        pl.lit("COLLABORATOR").alias("role"),
    )
    return _child("sponsors", [p.filter(pl.col("name").is_not_null()) for p in (lead, collaborators)])


def _sites(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (
        ("facility", "facility"),
        ("city", "city"),
        ("state", "state"),
        ("zip", "zip"),
        ("country", "country"),
        ("site_status_raw", "status"),
    )
    sites = _fields(studies, _at(*_LOCATIONS, "locations"), columns)
    geo = pl.col("item").struct.field("geoPoint")
    sites = sites.with_columns(
        _clean(geo.struct.field("lat")).alias("latitude_raw"), _clean(geo.struct.field("lon")).alias("longitude_raw")
    )
    return _child("sites", [sites])


def _arms(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("label", "label"), ("arm_type_raw", "type"), ("description", "description"))
    items = _fields(studies, _at(*_ARMS, "armGroups"), columns, lists=(("intervention_names", "interventionNames"),))
    items = items.with_columns(
        _clean_list(pl.col("item").struct.field("interventionNames")).alias("intervention_name_list")
    )
    return _child("arms", [items])


def _outcomes(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("measure", "measure"), ("time_frame", "timeFrame"), ("description", "description"))
    parts = [
        _fields(studies, _at(*_P, "outcomesModule", key), columns, group).with_columns(
            pl.lit(kind).alias("outcome_kind")
        )
        for group, (kind, key) in enumerate(
            (("PRIMARY", "primaryOutcomes"), ("SECONDARY", "secondaryOutcomes"), ("OTHER", "otherOutcomes"))
        )
    ]
    return _child("outcomes", parts)


def _secondary_ids(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("secondary_id", "id"), ("id_type_raw", "type"), ("domain", "domain"), ("link", "link"))
    return _child("secondary_ids", [_fields(studies, _at(*_ID, "secondaryIdInfos"), columns)])


def _officials(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("name", "name"), ("role_raw", "role"), ("affiliation", "affiliation"))
    return _child("officials", [_fields(studies, _at(*_LOCATIONS, "overallOfficials"), columns)])


def _contact_fields() -> list[pl.Expr]:
    item = pl.col("item").struct
    return [
        _clean(item.field(name)).alias(target)
        for target, name in (
            ("name", "name"),
            ("role_raw", "role"),
            ("phone", "phone"),
            ("email", "email"),
            ("phone_ext", "phoneExt"),
        )
    ]


def _contacts(studies: pl.DataFrame) -> pl.DataFrame:
    central = _items(studies, _at(*_LOCATIONS, "centralContacts"), 0).with_columns(
        pl.lit("CENTRAL").alias("contact_scope"),
        *_contact_fields(),
        pl.lit(None, pl.String).alias("facility"),
    )
    sites = _items(studies, _at(*_LOCATIONS, "locations")).select(
        "record_seq",
        pl.col("_pos").alias("_site"),
        _clean(pl.col("item").struct.field("facility")).alias("facility"),
        pl.col("item").struct.field("contacts").alias("site_contacts"),
    )
    return _child("contacts", [central, _site_contacts(sites)])


def _site_contacts(sites: pl.DataFrame) -> pl.DataFrame:
    """Contacts listed under each site, ordered by site then by contact."""
    rows = (
        sites.select(
            "record_seq",
            "_site",
            "facility",
            pl.col("site_contacts").alias("item"),
            pl.int_ranges(0, pl.col("site_contacts").list.len()).alias("_contact"),
        )
        .explode("item", "_contact")
        .filter(pl.col("_contact").is_not_null())
    )
    # One sortable position across sites: sites hold far fewer than 2**20 contacts.
    return rows.with_columns(
        pl.lit(1).alias("_group"),
        (pl.col("_site").cast(pl.Int64) * (1 << 20) + pl.col("_contact")).alias("_pos"),
        pl.lit("FACILITY").alias("contact_scope"),
        *_contact_fields(),
    )


def _references(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("reference_type_raw", "type"), ("pmid", "pmid"), ("citation", "citation"))
    return _child("references", [_fields(studies, _at(*_REFS, "references"), columns)])


def _links(studies: pl.DataFrame) -> pl.DataFrame:
    return _child("links", [_fields(studies, _at(*_REFS, "seeAlsoLinks"), (("url", "url"), ("label", "label")))])


def _available_ipds(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (("document_id", "id"), ("document_type", "type"), ("url", "url"), ("comment", "comment"))
    return _child("available_ipds", [_fields(studies, _at(*_REFS, "availIpds"), columns)])


def _large_documents(studies: pl.DataFrame) -> pl.DataFrame:
    columns = (
        ("type_abbrev", "typeAbbrev"),
        ("label", "label"),
        ("has_protocol_raw", "hasProtocol"),
        ("has_sap_raw", "hasSap"),
        ("has_icf_raw", "hasIcf"),
        ("document_date_raw", "date"),
        ("upload_date", "uploadDate"),
        ("filename", "filename"),
        ("size_raw", "size"),
    )
    docs = _fields(studies, _at("documentSection", "largeDocumentModule", "largeDocs"), columns)
    return _child("large_documents", [docs])


def _mesh_browse(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    entries = (
        ("ANCESTOR", "ancestors", (("entry_id", "id"), ("term", "term"))),
        (
            "LEAF",
            "browseLeaves",
            (("entry_id", "id"), ("term", "name"), ("as_found", "asFound"), ("relevance_raw", "relevance")),
        ),
        ("BRANCH", "browseBranches", (("abbrev", "abbrev"), ("term", "name"))),
    )
    group = 0
    for kind, module in (("CONDITION", "conditionBrowseModule"), ("INTERVENTION", "interventionBrowseModule")):
        for entry_kind, name, columns in entries:
            items = _fields(studies, _at("derivedSection", module, name), columns, group)
            parts.append(items.with_columns(pl.lit(kind).alias("mesh_kind"), pl.lit(entry_kind).alias("entry_kind")))
            group += 1
    return _child("mesh_browse", parts)


_CHILD_BUILDERS = {
    "conditions": lambda s: _texts_child(s, "conditions", "name", (*_P, "conditionsModule", "conditions")),
    "keywords": lambda s: _texts_child(s, "keywords", "keyword", (*_P, "conditionsModule", "keywords")),
    "mesh_terms": _mesh_terms,
    "interventions": _interventions,
    "sponsors": _sponsors,
    "sites": _sites,
    "arms": _arms,
    "outcomes": _outcomes,
    "secondary_ids": _secondary_ids,
    "officials": _officials,
    "contacts": _contacts,
    "references": _references,
    "links": _links,
    "mesh_browse": _mesh_browse,
    "large_documents": _large_documents,
    "available_ipds": _available_ipds,
    **RESULT_BUILDERS,
}


def extract_frames(studies: pl.DataFrame, first_seq: int = 0) -> dict[str, pl.DataFrame]:
    """Studies read with `STUDY_SCHEMA` -> raw canonical frames ({"versions": ..., kind: ...}),
    keyed by `record_seq` = first_seq + row position. Provenance columns already on the
    studies (record_index, source_member, ...) pass through to the versions."""
    studies = studies.rechunk().with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + first_seq).alias("record_seq"))
    provenance = [name for name in PROVENANCE_FIELDS if name in studies.columns]
    versions = studies.select("record_seq", *provenance, *_version_columns())
    missing = [pl.lit(None, dtype).alias(name) for name, dtype in SCALAR_FIELDS.items() if name not in versions.columns]
    versions = versions.with_columns(missing).select(
        "record_seq", *[pl.col(name).cast(dtype) for name, dtype in SCALAR_FIELDS.items()]
    )
    return {"versions": versions, **{kind: build(studies) for kind, build in _CHILD_BUILDERS.items()}}
