"""The measures of a legacy `<clinical_study>` XML's results as canonical child lists:
baseline and outcome measures, their denominators and measurements, and the outcomes'
statistical analyses, in the shape `results_json_measures` gives."""

from __future__ import annotations

from lxml import etree

from transforms.xml_text import attribute_text as _attr
from transforms.xml_text import element_text as _text
from transforms.xml_text import group_id
from transforms.xml_text import own_text as _own_text
from transforms.xml_text import position_text as _index


def measure_kinds(baseline: etree._Element | None, outcomes: list[etree._Element]) -> dict[str, list[dict]]:
    """result_measures, result_denoms, result_measurements and outcome_analyses of one study."""
    measures: list[dict] = []
    denoms: list[dict] = []
    measurements: list[dict] = []
    analyses: list[dict] = []
    if baseline is not None:
        denoms += _denoms(baseline, "BASELINE", "PART", None, None)
        counted, baseline_measures = _split_counts(baseline.findall("measure_list/measure"))
        if counted is not None:
            denoms += _count_denoms(counted, "BASELINE", "PART", None)
        for index, measure in enumerate(baseline_measures):
            measures.append(_measure(measure, measure, "BASELINE", index))
            denoms += _measure_denoms(measure, "BASELINE", index)
            measurements += _measurements(measure, "BASELINE", index)
    for index, outcome in enumerate(outcomes):
        measure = outcome.find("measure")
        if measure is None:
            # Pre-2017 export: a measure_list whose "Number of Participants" measure holds
            # the denominators of the outcome's one real measure.
            counted, listed = _split_counts(outcome.findall("measure_list/measure"))
            measure = listed[-1] if listed else None
            # Any measure before the real one counts analysed units (e.g. "Number of leads").
            for units_measure in ([counted] if counted is not None else []) + listed[:-1]:
                denoms += _count_denoms(units_measure, "OUTCOME", "MEASURE", index)
        measures.append(_measure(outcome, measure, "OUTCOME", index))
        if measure is not None:
            denoms += _measure_denoms(measure, "OUTCOME", index)
            measurements += _measurements(measure, "OUTCOME", index)
        analyses += _analyses(outcome, index)
    return {
        "result_measures": measures,
        "result_denoms": denoms,
        "result_measurements": measurements,
        "outcome_analyses": analyses,
    }


def _measure(node: etree._Element, measure: etree._Element | None, part: str, index: int) -> dict:
    """A baseline measure (node is the measure) or an outcome (node the outcome, measure its
    <measure>, absent while results are not posted)."""
    outcome = part == "OUTCOME"
    posting_date = _text(node, "posting_date") if outcome else None
    status = None
    if outcome:
        status = "POSTED" if measure is not None else "NOT_POSTED"
    return {
        "result_part": part,
        "part_index": str(index),
        "outcome_type_raw": _text(node, "type") if outcome else None,
        "title": _text(node, "title") or _text(measure, "title"),
        "description": _text(node, "description") or _text(measure, "description"),
        "population_description": _text(node, "population") or _text(measure, "population"),
        "reporting_status_raw": status,
        "anticipated_posting_date": posting_date,
        "param_type_raw": _text(measure, "param"),
        "dispersion_type_raw": _text(measure, "dispersion"),
        "unit_of_measure": _text(measure, "units"),
        "time_frame": _text(node, "time_frame") if outcome else None,
        "calculate_pct_raw": None,
        "denom_units_selected": None,
        "units_analyzed": _text(measure, "units_analyzed") if outcome else None,
    }


def _denoms(node: etree._Element, part: str, level: str, part_index: int | None, class_index: int | None) -> list[dict]:
    rows = []
    for analyzed in node.findall("analyzed_list/analyzed"):
        units = _text(analyzed, "units")
        for count in analyzed.findall("count_list/count"):
            rows.append(
                {
                    "result_part": part,
                    "part_index": _index(part_index),
                    "denom_level": level,
                    "class_index": _index(class_index),
                    "units": units,
                    "group_id": group_id(count.get("group_id")),
                    "value_raw": _attr(count, "value"),
                }
            )
    return rows


def _split_counts(measures: list[etree._Element]) -> tuple[etree._Element | None, list[etree._Element]]:
    """(the "Number of Participants" measure of a pre-2017 measure_list, the other measures)."""
    if measures and (_text(measures[0], "title") or "").lower().startswith("number of participants"):
        return measures[0], measures[1:]
    return None, measures


def _count_denoms(measure: etree._Element, part: str, level: str, part_index: int | None) -> list[dict]:
    units = (_text(measure, "units") or "").capitalize() or None
    return [
        {
            "result_part": part,
            "part_index": _index(part_index),
            "denom_level": level,
            "class_index": None,
            "units": units,
            "group_id": group_id(value.get("group_id")),
            "value_raw": _attr(value, "value"),
        }
        for value in measure.findall("category_list/category/measurement_list/measurement")
    ]


def _measure_denoms(measure: etree._Element, part: str, index: int) -> list[dict]:
    # Baseline measures of the 2017+ export give their denominators only per class; the
    # measure-level list is the outcome's "Overall Number of Participants Analyzed".
    rows = _denoms(measure, part, "MEASURE", index, None)
    for class_index, klass in enumerate(measure.findall("class_list/class")):
        rows += _denoms(klass, part, "CLASS", index, class_index)
    return rows


def _classes(measure: etree._Element) -> list[tuple[str | None, list[etree._Element]]]:
    """(class title, categories) of a measure; the pre-2017 export has no classes, only
    categories (`category_list/category` with a `sub_title`), read as one untitled class."""
    classes = measure.findall("class_list/class")
    if classes:
        return [(_text(k, "title"), k.findall("category_list/category")) for k in classes]
    categories = measure.findall("category_list/category")
    return [(None, categories)] if categories else []


def _measurements(measure: etree._Element, part: str, index: int) -> list[dict]:
    rows = []
    for class_index, (class_title, categories) in enumerate(_classes(measure)):
        for position, category in enumerate(categories or [etree.Element("category")]):
            # A class without categories, as API v2 gives it, has no category position.
            category_index = position if categories else None
            category_title = _text(category, "title") or _text(category, "sub_title")
            # A category without measurements still says it exists (one row, no group).
            for value in category.findall("measurement_list/measurement") or [etree.Element("measurement")]:
                rows.append(
                    {
                        "result_part": part,
                        "part_index": str(index),
                        "class_index": str(class_index),
                        "class_title": class_title,
                        "category_index": _index(category_index),
                        "category_title": category_title,
                        "group_id": group_id(value.get("group_id")),
                        "value": _attr(value, "value"),
                        "spread": _attr(value, "spread"),
                        "lower_limit": _attr(value, "lower_limit"),
                        "upper_limit": _attr(value, "upper_limit"),
                        "comment": _own_text(value),
                    }
                )
    return rows


_ANALYSIS_ELEMENTS = {
    "group_description": "groups_desc",
    "tested_non_inferiority_raw": "non_inferiority",
    "non_inferiority_type_raw": "non_inferiority_type",
    "non_inferiority_comment": "non_inferiority_desc",
    "p_value": "p_value",
    "p_value_comment": "p_value_desc",
    "statistical_method": "method",
    "statistical_comment": "method_desc",
    "param_type": "param_type",
    "param_value": "param_value",
    "ci_pct_value": "ci_percent",
    "ci_num_sides_raw": "ci_n_sides",
    "ci_lower_limit": "ci_lower_limit",
    "ci_upper_limit": "ci_upper_limit",
    "ci_upper_limit_comment": "ci_upper_limit_na_comment",
    "dispersion_type_raw": "dispersion_type",
    "dispersion_value": "dispersion_value",
    "estimate_comment": "estimate_desc",
    "other_analysis_description": "other_analysis_desc",
}


def _analyses(outcome: etree._Element, index: int) -> list[dict]:
    rows = []
    for analysis_index, analysis in enumerate(outcome.findall("analysis_list/analysis")):
        ids = [group_id(g.text) for g in analysis.findall("group_id_list/group_id")]
        row: dict[str, object] = {
            "part_index": str(index),
            "analysis_index": str(analysis_index),
            "group_ids": [i for i in ids if i],
        }
        row.update({target: _text(analysis, element) for target, element in _ANALYSIS_ELEMENTS.items()})
        rows.append(row)
    return rows
