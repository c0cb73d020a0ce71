"""The results of a legacy `<clinical_study>` XML (`<clinical_results>`, `<pending_results>`)
as canonical child lists (`canonical.RESULT_FIELDS`), in the shape `results_json` gives.

XML differs from API v2 in ways that are mapped here rather than in `normalize`, because
they are structure, not spelling: group ids are "P1", "B1", "O1", "E1" (API v2: "FG000",
"BG000", "OG000", "EG000"); the adverse-event group totals are a "Total" category of events;
the certain-agreement answers are sentences; pending results are elements named after the
event. Records are small (one study), so this walks the element tree directly.
"""

from __future__ import annotations

from lxml import etree

from transforms.canonical import clean_text
from transforms.results_xml_measures import measure_kinds
from transforms.xml_text import attribute_text as _attr
from transforms.xml_text import element_text as _text
from transforms.xml_text import group_id
from transforms.xml_text import own_text as _own_text
from transforms.xml_text import position_text as _index

# XML's element names for the results-review events, and API v2's UnpostedEventType.
_PENDING_EVENTS = {"submitted": "RELEASE", "returned": "RESET", "submission_canceled": "UNRELEASE"}
_AE_TOTALS = {
    "total, all-cause mortality": "deaths",
    "total, serious adverse events": "serious",
    "total, other adverse events": "other",
}


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
    kinds.update(measure_kinds(baseline, outcomes))
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
