"""The results section of API v2 studies (`resultsSection`, `annotationSection`) as canonical
raw frames (`canonical.RESULT_FIELDS`), with polars only: groups, participant flow, adverse
events and unposted events here, the measures in `results_json_measures`.

The section nests up to five lists deep (outcome measure -> class -> category ->
measurement, one per group). Each level is one `explode` that carries the position of the
element, so a measurement row knows its outcome, class and category; nothing loops per
row in Python, which matters at registry scale (tens of millions of measurement rows).
"""

from __future__ import annotations

import polars as pl

from transforms.canonical import child_schema
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean
from transforms.struct_paths import ordinal_in_runs

_R = ("resultsSection",)
_FLOW = (*_R, "participantFlowModule")
BASELINE = (*_R, "baselineCharacteristicsModule")
OUTCOMES = (*_R, "outcomeMeasuresModule", "outcomeMeasures")
_AE = (*_R, "adverseEventsModule")
_INFO = (*_R, "moreInfoModule")


def explode_items(
    frame: pl.DataFrame, items: pl.Expr, index: str, keep: tuple[str, ...] = (), keep_empty: bool = False
) -> pl.DataFrame:
    """One row per element of the list `items`, as struct column `item`, its 0-based position
    in `index`; the `keep` columns ride along. Null and empty lists give no row, unless
    `keep_empty`: then they give one row with a null item and position."""
    selected = frame.select(
        "record_seq", *keep, items.alias("item"), pl.int_ranges(0, items.list.len(), dtype=pl.Int64).alias(index)
    )
    if keep_empty:
        # Explicitly: polars 2 gives an empty list no row unless asked.
        return selected.explode("item", index, empty_as_null=True)
    # Null lists dropped by the explode itself, not by a filter after it: filtering copies
    # every nested field of the exploded elements (a whole outcome measure, its classes,
    # categories and measurements), three times the explode's own cost on outcome measures.
    return selected.explode("item", index, keep_nulls=False)


def item_field(name: str) -> pl.Expr:
    """The cleaned text of field `name` of the exploded element."""
    return _clean(pl.col("item").struct.field(name))


def finish_kind(kind: str, frame: pl.DataFrame, order: tuple[str, ...]) -> pl.DataFrame:
    """Number the rows of a kind per record in `order` and give them the canonical shape;
    position columns become the 0-based texts the canonical record holds."""
    schema = child_schema(kind)
    frame = frame.sort("record_seq", *order, maintain_order=True)
    return frame.select(
        "record_seq",
        ordinal_in_runs("record_seq").alias("ordinal"),
        *[
            (pl.col(key).cast(dtype) if key in frame.columns else pl.lit(None, dtype)).alias(key)
            for key, dtype in schema.items()
        ],
    )


def stack_parts(parts: list[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts, how="diagonal_relaxed")


def result_info(studies: pl.DataFrame) -> pl.DataFrame:
    columns = {
        "recruitment_details": (*_FLOW, "recruitmentDetails"),
        "pre_assignment_details": (*_FLOW, "preAssignmentDetails"),
        "flow_units_analyzed": (*_FLOW, "typeUnitsAnalyzed"),
        "baseline_population_description": (*BASELINE, "populationDescription"),
        "baseline_units_analyzed": (*BASELINE, "typeUnitsAnalyzed"),
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
    return finish_kind("result_info", rows.filter(pl.any_horizontal(pl.exclude("record_seq").is_not_null())), ())


def _groups(frame: pl.DataFrame, part: str, items: pl.Expr, part_index: str | None = None) -> pl.DataFrame:
    keep = (part_index,) if part_index else ()
    rows = explode_items(frame, items, "_g", keep)
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
            extra.append(item_field(source).alias(target))
    return rows.select(
        "record_seq",
        pl.lit(part).alias("result_part"),
        (pl.col(part_index) if part_index else pl.lit(None, pl.Int64)).alias("_part_index"),
        "_g",
        item_field("id").alias("group_id"),
        item_field("title").alias("title"),
        item_field("description").alias("description"),
        *extra,
    )


PART_ORDER = {"FLOW": 0, "BASELINE": 1, "OUTCOME": 2, "ADVERSE_EVENTS": 3}


def result_groups(studies: pl.DataFrame) -> pl.DataFrame:
    outcomes = explode_items(studies, _at(*OUTCOMES), "_o")
    parts = [
        _groups(studies, "FLOW", _at(*_FLOW, "groups")),
        _groups(studies, "BASELINE", _at(*BASELINE, "groups")),
        _groups(
            outcomes.with_columns(pl.col("item").struct.field("groups").alias("_groups")),
            "OUTCOME",
            pl.col("_groups"),
            "_o",
        ),
        _groups(studies, "ADVERSE_EVENTS", _at(*_AE, "eventGroups")),
    ]
    rows = stack_parts(parts).with_columns(
        pl.col("result_part").replace_strict(PART_ORDER, return_dtype=pl.Int32).alias("_p"),
        pl.col("_part_index").alias("part_index"),
    )
    return finish_kind("result_groups", rows, ("_p", "_part_index", "_g"))


def flow_counts(studies: pl.DataFrame) -> pl.DataFrame:
    periods = explode_items(studies, _at(*_FLOW, "periods"), "period_index").with_columns(
        item_field("title").alias("period_title")
    )
    parts = []
    for order, (kind, list_name, counts_name) in enumerate(
        (("MILESTONE", "milestones", "achievements"), ("DROP_WITHDRAW", "dropWithdraws", "reasons"))
    ):
        items = explode_items(
            periods, pl.col("item").struct.field(list_name), "item_index", ("period_index", "period_title")
        ).with_columns(
            item_field("type").alias("item_type"),
            item_field("comment").alias("item_comment"),
            pl.col("item").struct.field(counts_name).alias("_counts"),
        )
        counts = explode_items(
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
                item_field("groupId").alias("group_id"),
                item_field("numSubjects").alias("num_subjects_raw"),
                item_field("numUnits").alias("num_units_raw"),
                item_field("comment").alias("comment"),
                item_field("description").alias("description"),
            )
        )
    return finish_kind("flow_counts", stack_parts(parts), ("period_index", "_k", "item_index", "_c"))


def measure_sources(studies: pl.DataFrame) -> list[tuple[str, pl.DataFrame]]:
    """(part, measures) with one row per baseline measure or outcome measure, `part_index`
    its position and `item` the measure struct."""
    baseline = explode_items(studies, _at(*BASELINE, "measures"), "part_index")
    outcomes = explode_items(studies, _at(*OUTCOMES), "part_index")
    return [("BASELINE", baseline), ("OUTCOME", outcomes)]


def adverse_events(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (kind, name) in enumerate((("SERIOUS", "seriousEvents"), ("OTHER", "otherEvents"))):
        events = explode_items(studies, _at(*_AE, name), "event_index").with_columns(
            item_field("term").alias("term"),
            item_field("organSystem").alias("organ_system"),
            item_field("sourceVocabulary").alias("source_vocabulary"),
            item_field("assessmentType").alias("assessment_type_raw"),
            item_field("notes").alias("notes"),
            pl.col("item").struct.field("stats").alias("_stats"),
        )
        keep = ("event_index", "term", "organ_system", "source_vocabulary", "assessment_type_raw", "notes")
        stats = explode_items(events, pl.col("_stats"), "_s", keep)
        parts.append(
            stats.select(
                "record_seq",
                pl.lit(kind).alias("event_kind"),
                pl.lit(order).alias("_k"),
                *keep,
                "_s",
                item_field("groupId").alias("group_id"),
                item_field("numEvents").alias("num_events_raw"),
                item_field("numAffected").alias("num_affected_raw"),
                item_field("numAtRisk").alias("num_at_risk_raw"),
            )
        )
    return finish_kind("adverse_events", stack_parts(parts), ("_k", "event_index", "_s"))


def result_events(studies: pl.DataFrame) -> pl.DataFrame:
    events = explode_items(
        studies, _at("annotationSection", "annotationModule", "unpostedAnnotation", "unpostedEvents"), "_e"
    )
    rows = events.select(
        "record_seq", "_e", item_field("type").alias("event_type_raw"), item_field("date").alias("event_date_raw")
    )
    return finish_kind("result_events", rows, ("_e",))


RESULT_BUILDERS = {
    "result_info": result_info,
    "result_groups": result_groups,
    "flow_counts": flow_counts,
    "adverse_events": adverse_events,
    "result_events": result_events,
}
