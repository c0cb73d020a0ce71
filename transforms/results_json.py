"""The results section of API v2 studies (`resultsSection`, `annotationSection`) as canonical
raw frames (`canonical.RESULT_FIELDS`), with polars only.

The section nests up to five lists deep (outcome measure -> class -> category ->
measurement, one per group). Each level is one `explode` that carries the position of the
element, so a measurement row knows its outcome, class and category; nothing loops per
row in Python, which matters at registry scale (tens of millions of measurement rows).
Field names are those of the API's `/studies/metadata`.
"""

from __future__ import annotations

import polars as pl

from transforms.canonical import child_schema
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean

S = pl.Struct
L = pl.List
T = pl.String()

_GROUP = S({"id": T, "title": T, "description": T})
_DENOMS = L(S({"units": T, "counts": L(S({"groupId": T, "value": T}))}))
_MEASUREMENT = S({"groupId": T, "value": T, "spread": T, "lowerLimit": T, "upperLimit": T, "comment": T})
_CLASSES = L(
    S(
        {
            "title": T,
            "denoms": _DENOMS,
            "categories": L(S({"title": T, "measurements": L(_MEASUREMENT)})),
        }
    )
)
_MEASURE_FIELDS: dict[str, pl.DataType] = {
    "title": T,
    "description": T,
    "populationDescription": T,
    "paramType": T,
    "dispersionType": T,
    "unitOfMeasure": T,
    "calculatePct": T,
    "denomUnitsSelected": T,
    "denoms": _DENOMS,
    "classes": _CLASSES,
}
_ANALYSIS = S(
    {
        "groupIds": L(T),
        "groupDescription": T,
        "testedNonInferiority": T,
        "nonInferiorityType": T,
        "nonInferiorityComment": T,
        "pValue": T,
        "pValueComment": T,
        "statisticalMethod": T,
        "statisticalComment": T,
        "paramType": T,
        "paramValue": T,
        "ciPctValue": T,
        "ciNumSides": T,
        "ciLowerLimit": T,
        "ciUpperLimit": T,
        "ciUpperLimitComment": T,
        "dispersionType": T,
        "dispersionValue": T,
        "estimateComment": T,
        "otherAnalysisDescription": T,
    }
)
_EVENT = S(
    {
        "term": T,
        "organSystem": T,
        "sourceVocabulary": T,
        "assessmentType": T,
        "notes": T,
        "stats": L(S({"groupId": T, "numEvents": T, "numAffected": T, "numAtRisk": T})),
    }
)
_COUNT = S({"groupId": T, "numSubjects": T, "numUnits": T, "comment": T, "description": T})

RESULTS_SCHEMA: dict[str, pl.DataType] = {
    "resultsSection": S(
        {
            "participantFlowModule": S(
                {
                    "preAssignmentDetails": T,
                    "recruitmentDetails": T,
                    "typeUnitsAnalyzed": T,
                    "groups": L(_GROUP),
                    "periods": L(
                        S(
                            {
                                "title": T,
                                "milestones": L(S({"type": T, "comment": T, "achievements": L(_COUNT)})),
                                "dropWithdraws": L(S({"type": T, "comment": T, "reasons": L(_COUNT)})),
                            }
                        )
                    ),
                }
            ),
            "baselineCharacteristicsModule": S(
                {
                    "populationDescription": T,
                    "typeUnitsAnalyzed": T,
                    "groups": L(_GROUP),
                    "denoms": _DENOMS,
                    "measures": L(S(_MEASURE_FIELDS)),
                }
            ),
            "outcomeMeasuresModule": S(
                {
                    "outcomeMeasures": L(
                        S(
                            {
                                "type": T,
                                "reportingStatus": T,
                                "anticipatedPostingDate": T,
                                "timeFrame": T,
                                "typeUnitsAnalyzed": T,
                                "groups": L(_GROUP),
                                **_MEASURE_FIELDS,
                                "analyses": L(_ANALYSIS),
                            }
                        )
                    )
                }
            ),
            "adverseEventsModule": S(
                {
                    "frequencyThreshold": T,
                    "timeFrame": T,
                    "description": T,
                    "eventGroups": L(
                        S(
                            {
                                "id": T,
                                "title": T,
                                "description": T,
                                "deathsNumAffected": T,
                                "deathsNumAtRisk": T,
                                "seriousNumAffected": T,
                                "seriousNumAtRisk": T,
                                "otherNumAffected": T,
                                "otherNumAtRisk": T,
                            }
                        )
                    ),
                    "seriousEvents": L(_EVENT),
                    "otherEvents": L(_EVENT),
                }
            ),
            "moreInfoModule": S(
                {
                    "limitationsAndCaveats": S({"description": T}),
                    "certainAgreement": S(
                        {
                            "piSponsorEmployee": T,
                            "restrictionType": T,
                            "restrictiveAgreement": T,
                            "otherDetails": T,
                        }
                    ),
                    "pointOfContact": S({"title": T, "organization": T, "email": T, "phone": T, "phoneExt": T}),
                }
            ),
        }
    ),
    "annotationSection": S(
        {
            "annotationModule": S(
                {
                    "unpostedAnnotation": S(
                        {"unpostedResponsibleParty": T, "unpostedEvents": L(S({"type": T, "date": T}))}
                    )
                }
            )
        }
    ),
}

_R = ("resultsSection",)
_FLOW = (*_R, "participantFlowModule")
_BASE = (*_R, "baselineCharacteristicsModule")
_OUTCOMES = (*_R, "outcomeMeasuresModule", "outcomeMeasures")
_AE = (*_R, "adverseEventsModule")
_INFO = (*_R, "moreInfoModule")


def _explode(
    frame: pl.DataFrame, items: pl.Expr, index: str, keep: tuple[str, ...] = (), keep_empty: bool = False
) -> pl.DataFrame:
    """One row per element of the list `items`, as struct column `item`, its 0-based position
    in `index`; the `keep` columns ride along. Null and empty lists give no row, unless
    `keep_empty`: then they give one row with a null item and position."""
    exploded = frame.select(
        "record_seq", *keep, items.alias("item"), pl.int_ranges(0, items.list.len(), dtype=pl.Int64).alias(index)
    ).explode("item", index)
    return exploded if keep_empty else exploded.filter(pl.col(index).is_not_null())


def _field(name: str) -> pl.Expr:
    return _clean(pl.col("item").struct.field(name))


def _finish(kind: str, frame: pl.DataFrame, order: tuple[str, ...]) -> pl.DataFrame:
    """Number the rows of a kind per record in `order` and give them the canonical shape;
    position columns become the 0-based texts the canonical record holds."""
    schema = child_schema(kind)
    frame = frame.sort("record_seq", *order, maintain_order=True)
    return frame.select(
        "record_seq",
        pl.int_range(pl.len(), dtype=pl.Int32).over("record_seq").alias("ordinal"),
        *[
            (pl.col(key).cast(dtype) if key in frame.columns else pl.lit(None, dtype)).alias(key)
            for key, dtype in schema.items()
        ],
    )


def _stack(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts, how="diagonal_relaxed")


def result_info(studies: pl.DataFrame) -> pl.DataFrame:
    columns = {
        "recruitment_details": (*_FLOW, "recruitmentDetails"),
        "pre_assignment_details": (*_FLOW, "preAssignmentDetails"),
        "flow_units_analyzed": (*_FLOW, "typeUnitsAnalyzed"),
        "baseline_population_description": (*_BASE, "populationDescription"),
        "baseline_units_analyzed": (*_BASE, "typeUnitsAnalyzed"),
        "ae_frequency_threshold_raw": (*_AE, "frequencyThreshold"),
        "ae_time_frame": (*_AE, "timeFrame"),
        "ae_description": (*_AE, "description"),
        "limitations_and_caveats": (*_INFO, "limitationsAndCaveats", "description"),
        "pi_sponsor_employee_raw": (*_INFO, "certainAgreement", "piSponsorEmployee"),
        "restriction_type_raw": (*_INFO, "certainAgreement", "restrictionType"),
        "restrictive_agreement_raw": (*_INFO, "certainAgreement", "restrictiveAgreement"),
        "agreement_other_details": (*_INFO, "certainAgreement", "otherDetails"),
        "poc_title": (*_INFO, "pointOfContact", "title"),
        "poc_organization": (*_INFO, "pointOfContact", "organization"),
        "poc_email": (*_INFO, "pointOfContact", "email"),
        "poc_phone": (*_INFO, "pointOfContact", "phone"),
        "poc_phone_ext": (*_INFO, "pointOfContact", "phoneExt"),
    }
    rows = studies.select("record_seq", *[_clean(_at(*path)).alias(name) for name, path in columns.items()])
    # A record without a single results text has no results row (as XML without the element).
    return _finish("result_info", rows.filter(pl.any_horizontal(pl.exclude("record_seq").is_not_null())), ())


def _groups(frame: pl.DataFrame, part: str, items: pl.Expr, part_index: str | None = None) -> pl.DataFrame:
    keep = (part_index,) if part_index else ()
    rows = _explode(frame, items, "_g", keep)
    extra = []
    if part == "ADVERSE_EVENTS":
        for target, source in (
            ("deaths_affected_raw", "deathsNumAffected"),
            ("deaths_at_risk_raw", "deathsNumAtRisk"),
            ("serious_affected_raw", "seriousNumAffected"),
            ("serious_at_risk_raw", "seriousNumAtRisk"),
            ("other_affected_raw", "otherNumAffected"),
            ("other_at_risk_raw", "otherNumAtRisk"),
        ):
            extra.append(_field(source).alias(target))
    return rows.select(
        "record_seq",
        pl.lit(part).alias("result_part"),
        (pl.col(part_index) if part_index else pl.lit(None, pl.Int64)).alias("_part_index"),
        "_g",
        _field("id").alias("group_id"),
        _field("title").alias("title"),
        _field("description").alias("description"),
        *extra,
    )


_PART_ORDER = {"FLOW": 0, "BASELINE": 1, "OUTCOME": 2, "ADVERSE_EVENTS": 3}


def result_groups(studies: pl.DataFrame) -> pl.DataFrame:
    outcomes = _explode(studies, _at(*_OUTCOMES), "_o")
    parts = [
        _groups(studies, "FLOW", _at(*_FLOW, "groups")),
        _groups(studies, "BASELINE", _at(*_BASE, "groups")),
        _groups(
            outcomes.with_columns(pl.col("item").struct.field("groups").alias("_groups")),
            "OUTCOME",
            pl.col("_groups"),
            "_o",
        ),
        _groups(studies, "ADVERSE_EVENTS", _at(*_AE, "eventGroups")),
    ]
    rows = _stack(parts).with_columns(
        pl.col("result_part").replace_strict(_PART_ORDER, return_dtype=pl.Int32).alias("_p"),
        pl.col("_part_index").alias("part_index"),
    )
    return _finish("result_groups", rows, ("_p", "_part_index", "_g"))


def flow_counts(studies: pl.DataFrame) -> pl.DataFrame:
    periods = _explode(studies, _at(*_FLOW, "periods"), "period_index").with_columns(
        _field("title").alias("period_title")
    )
    parts = []
    for order, (kind, list_name, counts_name) in enumerate(
        (("MILESTONE", "milestones", "achievements"), ("DROP_WITHDRAW", "dropWithdraws", "reasons"))
    ):
        items = _explode(
            periods, pl.col("item").struct.field(list_name), "item_index", ("period_index", "period_title")
        ).with_columns(
            _field("type").alias("item_type"),
            _field("comment").alias("item_comment"),
            pl.col("item").struct.field(counts_name).alias("_counts"),
        )
        counts = _explode(
            items, pl.col("_counts"), "_c", ("period_index", "period_title", "item_index", "item_type", "item_comment")
        )
        parts.append(
            counts.select(
                "record_seq",
                "period_index",
                "period_title",
                pl.lit(kind).alias("flow_kind"),
                pl.lit(order).alias("_k"),
                "item_index",
                "item_type",
                "item_comment",
                "_c",
                _field("groupId").alias("group_id"),
                _field("numSubjects").alias("num_subjects_raw"),
                _field("numUnits").alias("num_units_raw"),
                _field("comment").alias("comment"),
                _field("description").alias("description"),
            )
        )
    return _finish("flow_counts", _stack(parts), ("period_index", "_k", "item_index", "_c"))


def _measure_sources(studies: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """(part, measures) with one row per baseline measure or outcome measure, `part_index`
    its position and `item` the measure struct."""
    baseline = _explode(studies, _at(*_BASE, "measures"), "part_index")
    outcomes = _explode(studies, _at(*_OUTCOMES), "part_index")
    return [("BASELINE", baseline), ("OUTCOME", outcomes)]


def result_measures(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (part, measures) in enumerate(_measure_sources(studies)):
        outcome_only = part == "OUTCOME"

        def maybe(name: str, target: str, when: bool = True) -> pl.Expr:
            return (_field(name) if when else pl.lit(None, pl.String)).alias(target)

        parts.append(
            measures.select(
                "record_seq",
                pl.lit(order).alias("_p"),
                pl.lit(part).alias("result_part"),
                "part_index",
                maybe("type", "outcome_type_raw", outcome_only),
                _field("title").alias("title"),
                _field("description").alias("description"),
                _field("populationDescription").alias("population_description"),
                maybe("reportingStatus", "reporting_status_raw", outcome_only),
                maybe("anticipatedPostingDate", "anticipated_posting_date", outcome_only),
                _field("paramType").alias("param_type_raw"),
                _field("dispersionType").alias("dispersion_type_raw"),
                _field("unitOfMeasure").alias("unit_of_measure"),
                maybe("timeFrame", "time_frame", outcome_only),
                _field("calculatePct").alias("calculate_pct_raw"),
                _field("denomUnitsSelected").alias("denom_units_selected"),
                maybe("typeUnitsAnalyzed", "units_analyzed", outcome_only),
            )
        )
    return _finish("result_measures", _stack(parts), ("_p", "part_index"))


def _denom_rows(
    frame: pl.DataFrame, denoms: pl.Expr, part: str, level: str, order: int, keep: tuple[str, ...]
) -> pl.DataFrame:
    rows = _explode(frame, denoms, "_d", keep).with_columns(
        _field("units").alias("units"), pl.col("item").struct.field("counts").alias("_counts")
    )
    counts = _explode(rows, pl.col("_counts"), "_c", (*keep, "_d", "units"))
    return counts.select(
        "record_seq",
        pl.lit(part).alias("result_part"),
        pl.lit(level).alias("denom_level"),
        pl.lit(order).alias("_l"),
        (pl.col("part_index") if "part_index" in keep else pl.lit(None, pl.Int64)).alias("part_index"),
        (pl.col("class_index") if "class_index" in keep else pl.lit(None, pl.Int64)).alias("class_index"),
        "_d",
        "units",
        "_c",
        _field("groupId").alias("group_id"),
        _field("value").alias("value_raw"),
    )


def result_denoms(studies: pl.DataFrame) -> pl.DataFrame:
    parts = [_denom_rows(studies, _at(*_BASE, "denoms"), "BASELINE", "PART", 0, ())]
    for offset, (part, measures) in enumerate(_measure_sources(studies)):
        parts.append(
            _denom_rows(
                measures, pl.col("item").struct.field("denoms"), part, "MEASURE", 1 + 2 * offset, ("part_index",)
            )
        )
        classes = _explode(measures, pl.col("item").struct.field("classes"), "class_index", ("part_index",))
        parts.append(
            _denom_rows(
                classes,
                pl.col("item").struct.field("denoms"),
                part,
                "CLASS",
                2 + 2 * offset,
                ("part_index", "class_index"),
            )
        )
    rows = _stack(parts).with_columns(
        pl.col("result_part").replace_strict(_PART_ORDER, return_dtype=pl.Int32).alias("_p")
    )
    return _finish("result_denoms", rows, ("_p", "part_index", "_l", "class_index", "_d", "_c"))


def result_measurements(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (part, measures) in enumerate(_measure_sources(studies)):
        classes = _explode(measures, pl.col("item").struct.field("classes"), "class_index", ("part_index",))
        classes = classes.with_columns(_field("title").alias("class_title"))
        categories = _explode(
            classes,
            pl.col("item").struct.field("categories"),
            "category_index",
            ("part_index", "class_index", "class_title"),
            keep_empty=True,  # so is a class without categories
        ).with_columns(_field("title").alias("category_title"))
        values = _explode(
            categories,
            pl.col("item").struct.field("measurements"),
            "_m",
            ("part_index", "class_index", "class_title", "category_index", "category_title"),
            keep_empty=True,  # a category without measurements still says it exists
        )
        parts.append(
            values.select(
                "record_seq",
                pl.lit(order).alias("_p"),
                pl.lit(part).alias("result_part"),
                "part_index",
                "class_index",
                "class_title",
                "category_index",
                "category_title",
                "_m",
                _field("groupId").alias("group_id"),
                _field("value").alias("value"),
                _field("spread").alias("spread"),
                _field("lowerLimit").alias("lower_limit"),
                _field("upperLimit").alias("upper_limit"),
                _field("comment").alias("comment"),
            )
        )
    return _finish("result_measurements", _stack(parts), ("_p", "part_index", "class_index", "category_index", "_m"))


_ANALYSIS_FIELDS = {
    "group_description": "groupDescription",
    "tested_non_inferiority_raw": "testedNonInferiority",
    "non_inferiority_type_raw": "nonInferiorityType",
    "non_inferiority_comment": "nonInferiorityComment",
    "p_value": "pValue",
    "p_value_comment": "pValueComment",
    "statistical_method": "statisticalMethod",
    "statistical_comment": "statisticalComment",
    "param_type": "paramType",
    "param_value": "paramValue",
    "ci_pct_value": "ciPctValue",
    "ci_num_sides_raw": "ciNumSides",
    "ci_lower_limit": "ciLowerLimit",
    "ci_upper_limit": "ciUpperLimit",
    "ci_upper_limit_comment": "ciUpperLimitComment",
    "dispersion_type_raw": "dispersionType",
    "dispersion_value": "dispersionValue",
    "estimate_comment": "estimateComment",
    "other_analysis_description": "otherAnalysisDescription",
}


def outcome_analyses(studies: pl.DataFrame) -> pl.DataFrame:
    outcomes = _explode(studies, _at(*_OUTCOMES), "part_index")
    analyses = _explode(outcomes, pl.col("item").struct.field("analyses"), "analysis_index", ("part_index",))
    ids = pl.col("item").struct.field("groupIds").list.eval(_clean(pl.element())).list.drop_nulls()
    rows = analyses.select(
        "record_seq",
        "part_index",
        "analysis_index",
        ids.fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("group_ids"),
        *[_field(source).alias(target) for target, source in _ANALYSIS_FIELDS.items()],
    )
    return _finish("outcome_analyses", rows, ("part_index", "analysis_index"))


def adverse_events(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (kind, name) in enumerate((("SERIOUS", "seriousEvents"), ("OTHER", "otherEvents"))):
        events = _explode(studies, _at(*_AE, name), "event_index").with_columns(
            _field("term").alias("term"),
            _field("organSystem").alias("organ_system"),
            _field("sourceVocabulary").alias("source_vocabulary"),
            _field("assessmentType").alias("assessment_type_raw"),
            _field("notes").alias("notes"),
            pl.col("item").struct.field("stats").alias("_stats"),
        )
        keep = ("event_index", "term", "organ_system", "source_vocabulary", "assessment_type_raw", "notes")
        stats = _explode(events, pl.col("_stats"), "_s", keep)
        parts.append(
            stats.select(
                "record_seq",
                pl.lit(kind).alias("event_kind"),
                pl.lit(order).alias("_k"),
                *keep,
                "_s",
                _field("groupId").alias("group_id"),
                _field("numEvents").alias("num_events_raw"),
                _field("numAffected").alias("num_affected_raw"),
                _field("numAtRisk").alias("num_at_risk_raw"),
            )
        )
    return _finish("adverse_events", _stack(parts), ("_k", "event_index", "_s"))


def result_events(studies: pl.DataFrame) -> pl.DataFrame:
    events = _explode(
        studies, _at("annotationSection", "annotationModule", "unpostedAnnotation", "unpostedEvents"), "_e"
    )
    rows = events.select(
        "record_seq", "_e", _field("type").alias("event_type_raw"), _field("date").alias("event_date_raw")
    )
    return _finish("result_events", rows, ("_e",))


RESULT_BUILDERS = {
    "result_info": result_info,
    "result_groups": result_groups,
    "flow_counts": flow_counts,
    "result_measures": result_measures,
    "result_denoms": result_denoms,
    "result_measurements": result_measurements,
    "outcome_analyses": outcome_analyses,
    "adverse_events": adverse_events,
    "result_events": result_events,
}

UNPOSTED_RESPONSIBLE_PARTY = ("annotationSection", "annotationModule", "unpostedAnnotation", "unpostedResponsibleParty")
