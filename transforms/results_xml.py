"""The results of a legacy `<clinical_study>` XML (`<clinical_results>`, `<pending_results>`)
as canonical child lists (`canonical.RESULT_FIELDS`), in the shape `results_json` gives.

XML differs from API v2 in ways that are mapped here rather than in `normalize`, because
they are structure, not spelling: group ids are "P1", "B1", "O1", "E1" (API v2: "FG000",
"BG000", "OG000", "EG000"); the adverse-event group totals are a "Total" category of events;
the certain-agreement answers are sentences; pending results are elements named after the
event. Records are small (one study), so this walks the element tree directly.
"""

from __future__ import annotations

import re

from lxml import etree

from transforms.canonical import clean_text
from transforms.xml_text import block_text

_GROUP_PREFIX = {"P": "FG", "B": "BG", "O": "OG", "E": "EG"}
_GROUP_ID = re.compile(r"^([PBOE])(\d+)$")
# XML's element names for the results-review events, and API v2's UnpostedEventType.
_PENDING_EVENTS = {"submitted": "RELEASE", "returned": "RESET", "submission_canceled": "UNRELEASE"}
_AE_TOTALS = {
    "total, all-cause mortality": "deaths",
    "total, serious adverse events": "serious",
    "total, other adverse events": "other",
}


def group_id(value: str | None) -> str | None:
    """ "P1" -> "FG000", "O12" -> "OG011"; anything else is kept as given."""
    text = clean_text(value)
    match = _GROUP_ID.match(text or "")
    if not match:
        return text
    return f"{_GROUP_PREFIX[match.group(1)]}{int(match.group(2)) - 1:03d}"


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = node.find(path)
    if found is None:
        return None
    return block_text("".join(found.itertext()))


def _attr(node: etree._Element, name: str) -> str | None:
    return clean_text(node.get(name))


def _own_text(node: etree._Element) -> str | None:
    return clean_text("".join(node.itertext()))


def _index(value: int | None) -> str | None:
    return None if value is None else str(value)


def extract_results(root: etree._Element) -> dict[str, list[dict]]:
    """Every results kind of one study: {kind: [row, ...]}, empty lists when none."""
    results = root.find("clinical_results")
    kinds: dict[str, list[dict]] = {
        "result_info": [],
        "result_groups": [],
        "flow_counts": [],
        "result_measures": [],
        "result_denoms": [],
        "result_measurements": [],
        "outcome_analyses": [],
        "adverse_events": [],
        "result_events": _pending_events(root),
    }
    if results is None:
        return kinds
    kinds["result_info"] = [_info(results)]
    flow = results.find("participant_flow")
    baseline = results.find("baseline")
    outcomes = results.findall("outcome_list/outcome")
    events = results.find("reported_events")
    groups = _groups(flow, "FLOW") + _groups(baseline, "BASELINE")
    for index, outcome in enumerate(outcomes):
        groups += _groups(outcome, "OUTCOME", index)
    groups += _event_groups(events)
    kinds["result_groups"] = groups
    kinds["flow_counts"] = _flow_counts(flow)
    measures, denoms, measurements = [], [], []
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
        kinds["outcome_analyses"] += _analyses(outcome, index)
    kinds["result_measures"] = measures
    kinds["result_denoms"] = denoms
    kinds["result_measurements"] = measurements
    kinds["adverse_events"] = _adverse_events(events)
    return kinds


def _info(results: etree._Element) -> dict:
    pi_employee = _text(results, "certain_agreements/pi_employee")
    agreement = _text(results, "certain_agreements/restrictive_agreement")
    restrictive, restriction_type, details = _agreement(agreement)
    return {
        "recruitment_details": _text(results, "participant_flow/recruitment_details"),
        "pre_assignment_details": _text(results, "participant_flow/pre_assignment_details"),
        "flow_units_analyzed": _text(results, "participant_flow/units_analyzed"),
        "baseline_population_description": _text(results, "baseline/population"),
        "baseline_units_analyzed": _text(results, "baseline/units_analyzed"),
        "ae_frequency_threshold_raw": _text(results, "reported_events/other_events/frequency_threshold"),
        "ae_time_frame": _text(results, "reported_events/time_frame"),
        "ae_description": _text(results, "reported_events/desc"),
        "limitations_and_caveats": _text(results, "limitations_and_caveats"),
        "pi_sponsor_employee_raw": _employed(pi_employee),
        "restriction_type_raw": restriction_type,
        "restrictive_agreement_raw": restrictive,
        "agreement_other_details": details,
        "poc_title": _text(results, "point_of_contact/name_or_title"),
        "poc_organization": _text(results, "point_of_contact/organization"),
        "poc_email": _text(results, "point_of_contact/email"),
        "poc_phone": _text(results, "point_of_contact/phone"),
        "poc_phone_ext": _text(results, "point_of_contact/phone_ext"),
    }


def _employed(sentence: str | None) -> str | None:
    # The export writes API v2's yes/no answer as a fixed sentence.
    if not sentence:
        return None
    if "NOT employed" in sentence:
        return "false"
    if "ARE employed" in sentence:
        return "true"
    return sentence


def _agreement(sentence: str | None) -> tuple[str | None, str | None, str | None]:
    """(restrictive?, restriction type, other details) from the export's sentence: fixed
    sentences for "no agreement", "embargo <= 60 days" (LTE60) and "60 to 180 days" (GT60);
    any other text is the sponsor's own description of an OTHER agreement."""
    if not sentence:
        return None, None, None
    if sentence.startswith("There is NOT an agreement"):
        return "false", None, None
    if "less than or equal to 60 days" in sentence:
        return "true", "LTE60", None
    if "more than 60 days but less than or equal to 180 days" in sentence:
        return "true", "GT60", None
    return "true", "OTHER", sentence


def _groups(node: etree._Element | None, part: str, part_index: int | None = None) -> list[dict]:
    if node is None:
        return []
    return [
        {
            "result_part": part,
            "part_index": _index(part_index),
            "group_id": group_id(group.get("group_id")),
            "title": _text(group, "title"),
            "description": _text(group, "description"),
        }
        for group in node.findall("group_list/group")
    ]


def _event_groups(events: etree._Element | None) -> list[dict]:
    if events is None:
        return []
    rows = _groups(events, "ADVERSE_EVENTS")
    by_id = {row["group_id"]: row for row in rows}
    for kind in ("serious_events", "other_events"):
        for event in events.findall(f"{kind}/category_list/category/event_list/event"):
            total = _AE_TOTALS.get((_text(event, "sub_title") or "").lower())
            if total is None:
                continue
            for counts in event.findall("counts"):
                row = by_id.get(group_id(counts.get("group_id")))
                if row is not None:
                    row[f"{total}_affected_raw"] = _attr(counts, "subjects_affected")
                    row[f"{total}_at_risk_raw"] = _attr(counts, "subjects_at_risk")
    return rows


def _flow_counts(flow: etree._Element | None) -> list[dict]:
    if flow is None:
        return []
    rows = []
    for period_index, period in enumerate(flow.findall("period_list/period")):
        title = _text(period, "title")
        for kind, path in (
            ("MILESTONE", "milestone_list/milestone"),
            ("DROP_WITHDRAW", "drop_withdraw_reason_list/drop_withdraw_reason"),
        ):
            for item_index, item in enumerate(period.findall(path)):
                for participants in item.findall("participants_list/participants"):
                    rows.append(
                        {
                            "period_index": str(period_index),
                            "period_title": title,
                            "flow_kind": kind,
                            "item_index": str(item_index),
                            "item_type": _text(item, "title"),
                            "item_comment": None,
                            "group_id": group_id(participants.get("group_id")),
                            "num_subjects_raw": _attr(participants, "count"),
                            "num_units_raw": None,
                            "comment": _own_text(participants),
                            "description": None,
                        }
                    )
    return rows


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


def _adverse_events(events: etree._Element | None) -> list[dict]:
    if events is None:
        return []
    rows = []
    for kind, path in (("SERIOUS", "serious_events"), ("OTHER", "other_events")):
        section = events.find(path)
        if section is None:
            continue
        vocabulary = _text(section, "default_vocab")
        assessment = _text(section, "default_assessment")
        event_index = 0
        for category in section.findall("category_list/category"):
            organ_system = _text(category, "title")
            for event in category.findall("event_list/event"):
                term = _text(event, "sub_title")
                if (term or "").lower() in _AE_TOTALS:
                    continue  # group totals, read into result_groups
                sub_title = event.find("sub_title")
                vocab = clean_text(sub_title.get("vocab")) if sub_title is not None else None
                for counts in event.findall("counts"):
                    rows.append(
                        {
                            "event_kind": kind,
                            "event_index": str(event_index),
                            "term": term,
                            "organ_system": organ_system,
                            "source_vocabulary": vocab or vocabulary,
                            "assessment_type_raw": _text(event, "assessment") or assessment,
                            "notes": _text(event, "description"),
                            "group_id": group_id(counts.get("group_id")),
                            "num_events_raw": _attr(counts, "events"),
                            "num_affected_raw": _attr(counts, "subjects_affected"),
                            "num_at_risk_raw": _attr(counts, "subjects_at_risk"),
                        }
                    )
                event_index += 1
    return rows


def _pending_events(root: etree._Element) -> list[dict]:
    pending = root.find("pending_results")
    if pending is None:
        return []
    return [
        {
            "event_type_raw": _PENDING_EVENTS.get(str(child.tag), str(child.tag).upper()),
            "event_date_raw": _own_text(child),
        }
        for child in pending
        if isinstance(child.tag, str)
    ]
