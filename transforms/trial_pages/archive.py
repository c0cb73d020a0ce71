"""The archived page of one version of a trial ("View of NCTxxxxxxxx on YYYY_MM_DD"): a
table of labelled rows, as saved HTML or as its text render."""

from __future__ import annotations

import re

import lxml.html

from transforms.canonical import clean_text, empty_record
from transforms.trial_pages.text import ARM_TYPES, NCT, looks_like_html, normalized_lines

_ARCHIVE_TITLE = re.compile(r"View of\s+(NCT\d{8})\s+on\s+(\d{4})_(\d{2})_(\d{2})")
_ARCHIVE_FIELDS = {
    "Brief title": "brief_title",
    "Official title": "official_title",
    "Brief summary": "brief_summary",
    "Detailed description": "detailed_description",
    "Study type": "study_type_raw",
    "Status": "overall_status_raw",
    "Why stopped": "why_stopped",
    "Criteria": "eligibility_criteria",
    "Gender": "sex_raw",
    "Minimum age": "min_age_raw",
    "Maximum age": "max_age_raw",
    "Healthy volunteers": "healthy_volunteers_raw",
    "Organization name": "organization_name",
    "Organization study ID": "org_study_id",
    "Verification date": "status_verified_date_raw",
    "First received": "first_submitted_date_raw",
}
_DATED_FIELDS = {
    "Start date": "start_date",
    "Primary completion date": "primary_completion_date",
    # Before 2007 the registry called the completion date "Last follow-up date" or "End date".
    "Last follow-up date": "completion_date",
    "Completion date": "completion_date",
    "End date": "completion_date",
}
_ENROLLMENT_LABEL = re.compile(r"^(Expected|Anticipated|Actual|Estimated)?\s*[Ee]nrollment$")
# Older pages list the design as separate values; each belongs to one API v2 enumeration.
_DESIGN_VALUES = {
    "allocation_raw": {"RANDOMIZED", "NON_RANDOMIZED", "N_A"},
    "intervention_model_raw": {
        "PARALLEL_ASSIGNMENT",
        "SINGLE_GROUP_ASSIGNMENT",
        "CROSSOVER_ASSIGNMENT",
        "FACTORIAL_ASSIGNMENT",
        "SEQUENTIAL_ASSIGNMENT",
    },
    "primary_purpose_raw": {
        "TREATMENT",
        "PREVENTION",
        "DIAGNOSTIC",
        "SUPPORTIVE_CARE",
        "SCREENING",
        "HEALTH_SERVICES_RESEARCH",
        "BASIC_SCIENCE",
        "EDUCATIONAL_COUNSELING_TRAINING",
        "OTHER",
    },
    "observational_model_raw": {
        "COHORT",
        "CASE_CONTROL",
        "CASE_ONLY",
        "CASE_CROSSOVER",
        "ECOLOGIC_OR_COMMUNITY",
        "FAMILY_BASED",
        "NATURAL_HISTORY",
        "DEFINED_POPULATION",
    },
    "time_perspective_raw": {"PROSPECTIVE", "RETROSPECTIVE", "CROSS_SECTIONAL", "LONGITUDINAL"},
}


def is_archive_page(markup: str) -> bool:
    return bool(_ARCHIVE_TITLE.search(markup[:20000])) and 'class="info"' in markup


def _cell_text(cell) -> str | None:
    return clean_text(re.sub(r"[ \t\xa0]+", " ", "\n".join(t.strip() for t in cell.itertext() if t.strip())))


def _archive_rows(root) -> list[tuple[str, object]]:
    """(label, <td>) pairs; a label row without a cell takes the next row's wide cell."""
    rows: list[tuple[str, object]] = []
    pending: str | None = None
    for tr in root.xpath('//table[contains(concat(" ", @class, " "), " info ")]//tr'):
        header = tr.xpath("./th")
        cells = tr.xpath("./td")
        if header and "section" in (header[0].get("class") or ""):
            pending = None
            continue
        if header:
            label = _cell_text(header[0]) or ""
            if cells:
                rows.append((label.rstrip(":"), cells[0]))
                pending = None
            else:
                pending = label.rstrip(":")
        elif cells and pending:
            rows.append((pending, cells[0]))
            pending = None
    return rows


def _date_and_type(text: str | None) -> tuple[str | None, str | None]:
    if not text:
        return None, None
    kind = re.search(r"\((Actual|Anticipated|Estimated|Expected)\)", text)
    return clean_text(re.sub(r"\(.*?\)", "", text)), kind.group(1) if kind else None


def _labelled_parts(cell) -> dict[str, str]:
    # "Measure: X<br>Time Frame: Y<br>Safety Issue? No<br>Description: <p>...</p>"
    text = "\n".join(re.sub(r"[ \t\xa0]+", " ", t).strip() for t in cell.itertext() if t.strip())
    parts: dict[str, str] = {}
    current = None
    for line in text.split("\n"):
        match = re.match(r"^(Measure|Time Frame|Safety Issue\?|Description)\s*:?\s*(.*)$", line)
        if match:
            current = match.group(1)
            parts[current] = match.group(2).strip()
        elif current:
            parts[current] = (parts[current] + "\n" + line).strip()
    return parts


def _archive_head_and_body(cell) -> tuple[str, str | None]:
    # Intervention / Arm cells: a <div> heading ("Drug: X ... Arm Label: Y") then <p> text.
    head = cell.xpath("./div")
    head_text = _cell_text(head[0]) if head else (cell.text or "").strip()
    body = "\n".join(t for t in (_cell_text(p) for p in cell.xpath("./p")) if t).strip() or None
    return head_text or "", body


_TEXT_ROW = re.compile(r"^(?P<label>[^|]+?)\s*\|\s?(?P<rest>.*)$")
_ARM_HEAD_LINE = re.compile(rf"^(Arm Label:.*|{ARM_TYPES})$")


def is_archive_text(text: str) -> bool:
    return bool(_ARCHIVE_TITLE.search(re.sub(r"\s+", " ", text[:5000]))) and "Descriptive Information" in text


def _text_cell(label: str, lines: list[str]):
    """A <td> equivalent to the page's cell: the heading lines of arm and intervention cells
    become its <div>, every other line a <p>."""
    cell = lxml.html.fragment_fromstring("<td></td>")
    head_done = label not in ("Intervention", "Arm/Group")
    head = lxml.html.fragment_fromstring("<div></div>")
    for position, line in enumerate(lines):
        starts_intervention = label == "Intervention" and position == 0  # "Type: Name" opens the cell
        if not head_done and (starts_intervention or _ARM_HEAD_LINE.match(line)):
            head.text = ((head.text or "") + " " + line).strip()
            continue
        head_done = True
        paragraph = lxml.html.fragment_fromstring("<p></p>")
        paragraph.text = line
        cell.append(paragraph)
    if head.text:
        cell.insert(0, head)
    return cell


def _archive_text_rows(text: str) -> list[tuple[str, object]]:
    """The text render of an archive page: "Label | value |" on one line, or "Label |"
    followed by value lines up to a line that ends the cell with "|"."""
    lines = [line.strip() for line in normalized_lines(text)]
    rows: list[tuple[str, object]] = []
    index = 0
    while index < len(lines):
        match = _TEXT_ROW.match(lines[index])
        index += 1
        if not match or not match.group("label").strip():
            continue
        label, rest = match.group("label").strip().rstrip(":"), match.group("rest").strip()
        value: list[str] = []
        if rest.endswith("|"):
            value = [rest[:-1].strip()] if rest[:-1].strip() else []
        else:
            if rest:
                value.append(rest)
            while index < len(lines) and not lines[index].endswith("|"):
                if lines[index]:
                    value.append(lines[index])
                index += 1
            if index < len(lines):
                closing = lines[index][:-1].strip()
                if closing:
                    value.append(closing)
                index += 1
        rows.append((label, _text_cell(label, value)))
    return rows


def extract_archive_page(markup: str) -> dict:
    if looks_like_html(markup):
        root = lxml.html.document_fromstring(markup)
        title = _ARCHIVE_TITLE.search(" ".join(root.xpath("//h1//text()")) or markup)
        rows = _archive_rows(root)
    else:
        title = _ARCHIVE_TITLE.search(re.sub(r"\s+", " ", markup[:5000]))
        rows = _archive_text_rows(markup)
    return _archive_record(rows, title)


def _archive_record(rows: list[tuple[str, object]], title: re.Match | None) -> dict:
    record = empty_record()
    if title:
        record["nct_id"] = title.group(1)
        record["capture_date_raw"] = f"{title.group(2)}-{title.group(3)}-{title.group(4)}"
    arm_interventions: dict[str, list[str]] = {}
    for label, cell in rows:
        text = _cell_text(cell)
        if label == "ClinicalTrials Identifier" and text:
            record["nct_id"] = record["nct_id"] or (NCT.search(text) or [None])[0]
        elif label in _ARCHIVE_FIELDS:
            record[_ARCHIVE_FIELDS[label]] = text
        elif label in _DATED_FIELDS:
            value, kind = _date_and_type(text)
            record[f"{_DATED_FIELDS[label]}_raw"], record[f"{_DATED_FIELDS[label]}_type_raw"] = value, kind
        elif label == "Phase" and text:
            # One row per phase ("Phase 1", then "Phase 2"), or "Phase 1/Phase 2" in one.
            parts = [p.strip() for p in re.split(r"/|\n", text) if p.strip()] if "Phase" in text else [text]
            record["phases_raw"] += [p for p in parts if p not in record["phases_raw"]]
        elif (enrollment := _ENROLLMENT_LABEL.match(label)) and text:
            count = re.match(r"^[\d,]+", text)
            record["enrollment_count_raw"] = count[0] if count else None
            kind = enrollment.group(1)
            _, inline = _date_and_type(text)
            record["enrollment_type_raw"] = inline or kind
        elif label == "Study design" and text:
            _archive_design_value(record, text)
        elif label == "Condition" and text:
            record["conditions"].append({"name": text})
        elif label == "Keyword" and text:
            record["keywords"].append({"keyword": text})
        elif label in ("Primary outcome", "Secondary outcome", "Other outcome"):
            labelled = _labelled_parts(cell)
            record["outcomes"].append(
                {
                    "outcome_kind": label.split()[0].upper(),
                    "measure": clean_text(labelled.get("Measure")) or text,
                    "time_frame": clean_text(labelled.get("Time Frame")),
                    "description": clean_text(labelled.get("Description")),
                }
            )
        elif label == "Intervention":
            head, body = _archive_head_and_body(cell)
            name_part, _, arm_part = head.partition("Arm Label:")
            kind, _, name = name_part.strip().partition(":")
            item = {
                "intervention_type_raw": kind.strip() if name else None,
                "name": (name or kind).strip() or None,
                "description": body,
                "other_names": None,
            }
            record["interventions"].append(item)
            for arm in [a.strip() for a in arm_part.split("Arm Label:") if a.strip()]:
                arm_interventions.setdefault(arm, []).append(f"{kind.strip()}: {name.strip()}")
        elif label == "Arm/Group":
            head, body = _archive_head_and_body(cell)
            match = re.match(r"^Arm Label:\s*(.*?)\s*" + ARM_TYPES + r"?\s*$", head.replace("\n", " "))
            arm_label = match.group(1).strip() if match else head
            record["arms"].append(
                {
                    "label": arm_label,
                    "arm_type_raw": match.group(2) if match else None,
                    "description": body,
                    "intervention_names": None,
                }
            )
        elif label == "Sponsor" and text:
            record["sponsors"].insert(0, {"role": "LEAD", "name": text, "agency_class_raw": None})
        elif label == "Collaborator" and text:
            record["sponsors"].append({"role": "COLLABORATOR", "name": text, "agency_class_raw": None})
        elif label == "Secondary ID" and text:
            secondary = re.match(r"^(.*?)\s*(?:\((.*)\))?$", text.replace("\n", " "))
            value, kind = secondary.groups() if secondary else (text, None)
            record["secondary_ids"].append({"secondary_id": value, "id_type_raw": None, "domain": kind})
    for arm in record["arms"]:
        arm["intervention_names"] = "; ".join(arm_interventions.get(arm["label"], [])) or None
    return record


def _archive_design_value(record: dict, text: str) -> None:
    code = re.sub(r"[^A-Z0-9]+", "_", text.upper()).strip("_")
    for field, values in _DESIGN_VALUES.items():
        if code in values and not record[field]:
            record[field] = text
            return
    if re.match(r"^(OPEN_LABEL|NONE|NO_MASKING|(SINGLE|DOUBLE|TRIPLE|QUADRUPLE)(_BLIND)?)(_|$)", code):
        record["masking_raw"] = text
