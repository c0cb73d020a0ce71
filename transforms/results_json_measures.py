"""Results measures of API v2 studies as canonical raw frames: baseline and outcome
measures, their denominators and measurements, and the outcomes' statistical analyses."""

from __future__ import annotations

import polars as pl

from transforms.results_json import (
    BASELINE,
    OUTCOMES,
    PART_ORDER,
    explode_items,
    finish_kind,
    item_field,
    measure_sources,
    stack_parts,
)
from transforms.struct_paths import at as _at
from transforms.struct_paths import clean as _clean


def result_measures(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (part, measures) in enumerate(measure_sources(studies)):
        outcome_only = part == "OUTCOME"

        def maybe(name: str, target: str, when: bool = True) -> pl.Expr:
            return (item_field(name) if when else pl.lit(None, pl.String)).alias(target)

        parts.append(
            measures.select(
                "record_seq",
                pl.lit(order).alias("_p"),
                pl.lit(part).alias("result_part"),
                "part_index",
                maybe("type", "outcome_type_raw", outcome_only),
                item_field("title").alias("title"),
                item_field("description").alias("description"),
                item_field("populationDescription").alias("population_description"),
                maybe("reportingStatus", "reporting_status_raw", outcome_only),
                maybe("anticipatedPostingDate", "anticipated_posting_date", outcome_only),
                item_field("paramType").alias("param_type_raw"),
                item_field("dispersionType").alias("dispersion_type_raw"),
                item_field("unitOfMeasure").alias("unit_of_measure"),
                maybe("timeFrame", "time_frame", outcome_only),
                item_field("calculatePct").alias("calculate_pct_raw"),
                item_field("denomUnitsSelected").alias("denom_units_selected"),
                maybe("typeUnitsAnalyzed", "units_analyzed", outcome_only),
            )
        )
    return finish_kind("result_measures", stack_parts(parts), ("_p", "part_index"))


def _denom_rows(
    frame: pl.DataFrame, denoms: pl.Expr, part: str, level: str, order: int, keep: tuple[str, ...]
) -> pl.DataFrame:
    rows = explode_items(frame, denoms, "_d", keep).with_columns(
        item_field("units").alias("units"), pl.col("item").struct.field("counts").alias("_counts")
    )
    counts = explode_items(rows, pl.col("_counts"), "_c", (*keep, "_d", "units"))
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
        item_field("groupId").alias("group_id"),
        item_field("value").alias("value_raw"),
    )


def result_denoms(studies: pl.DataFrame) -> pl.DataFrame:
    parts = [_denom_rows(studies, _at(*BASELINE, "denoms"), "BASELINE", "PART", 0, ())]
    for offset, (part, measures) in enumerate(measure_sources(studies)):
        parts.append(
            _denom_rows(
                measures, pl.col("item").struct.field("denoms"), part, "MEASURE", 1 + 2 * offset, ("part_index",)
            )
        )
        classes = explode_items(measures, pl.col("item").struct.field("classes"), "class_index", ("part_index",))
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
    rows = stack_parts(parts).with_columns(
        pl.col("result_part").replace_strict(PART_ORDER, return_dtype=pl.Int32).alias("_p")
    )
    return finish_kind("result_denoms", rows, ("_p", "part_index", "_l", "class_index", "_d", "_c"))


def result_measurements(studies: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for order, (part, measures) in enumerate(measure_sources(studies)):
        classes = explode_items(measures, pl.col("item").struct.field("classes"), "class_index", ("part_index",))
        classes = classes.with_columns(item_field("title").alias("class_title"))
        categories = explode_items(
            classes,
            pl.col("item").struct.field("categories"),
            "category_index",
            ("part_index", "class_index", "class_title"),
            keep_empty=True,  # so is a class without categories
        ).with_columns(item_field("title").alias("category_title"))
        values = explode_items(
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
                item_field("groupId").alias("group_id"),
                item_field("value").alias("value"),
                item_field("spread").alias("spread"),
                item_field("lowerLimit").alias("lower_limit"),
                item_field("upperLimit").alias("upper_limit"),
                item_field("comment").alias("comment"),
            )
        )
    return finish_kind(
        "result_measurements", stack_parts(parts), ("_p", "part_index", "class_index", "category_index", "_m")
    )


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
    outcomes = explode_items(studies, _at(*OUTCOMES), "part_index")
    analyses = explode_items(outcomes, pl.col("item").struct.field("analyses"), "analysis_index", ("part_index",))
    ids = pl.col("item").struct.field("groupIds").list.eval(_clean(pl.element())).list.drop_nulls()
    rows = analyses.select(
        "record_seq",
        "part_index",
        "analysis_index",
        ids.fill_null(pl.lit([], dtype=pl.List(pl.String))).alias("group_ids"),
        *[item_field(source).alias(target) for target, source in _ANALYSIS_FIELDS.items()],
    )
    return finish_kind("outcome_analyses", rows, ("part_index", "analysis_index"))


MEASURE_BUILDERS = {
    "result_measures": result_measures,
    "result_denoms": result_denoms,
    "result_measurements": result_measurements,
    "outcome_analyses": outcome_analyses,
}
