"""The classic study page as text: ``Label : | value |`` rows, a status line with the reason
in parentheses, markdown tables for conditions and arms, outcomes as
``- measure [ Time Frame: ... ]``."""

from __future__ import annotations

import re

from transforms.canonical import clean_text, empty_record
from transforms.trial_pages.text import ARM_TYPES, NCT, split_address

_ROW = re.compile(r"^(?P<label>[^|]+?)\s*:\s*\|\s*(?P<value>.*?)\s*\|?\s*$")
_INLINE = re.compile(r"^(?P<label>[A-Z][^|:]+?)\s*:\s+(?P<value>[^|]+?)\s*$")
_INTERVENTION_TYPES = (
    r"(Drug|Device|Biological|Procedure|Radiation|Behavioral|Genetic|Dietary Supplement|"
    r"Combination Product|Diagnostic Test|Other)"
)
_OUTCOME = re.compile(r"^-\s*(?P<measure>.+?)\s*\[\s*Time Frame:\s*(?P<frame>.*?)\s*\]\s*(?P<description>.*)$")
_DATE_ROW = re.compile(
    r"^(?P<kind>Actual|Estimated|Anticipated)\s+(?P<what>Study Start|Primary Completion|Study Completion)\s+Date$"
)


def _classic_rows(lines: list[str]) -> dict[str, str]:
    """Every "Label : | value |" and "Label : value" row; first occurrence wins."""
    rows: dict[str, str] = {}
    for index, raw in enumerate(lines):
        line = raw.strip()
        match = _ROW.match(line) or _INLINE.match(line)
        if not match:
            continue
        label = re.sub(r"\s+", " ", match.group("label")).strip()
        value = match.group("value").strip()
        if not value and index + 1 < len(lines):
            value = lines[index + 1].strip().rstrip("|").strip()  # value on the next line
        rows.setdefault(label, value)
    return rows


def extract_classic(lines: list[str]) -> dict:
    record = empty_record()
    stripped = [line.strip() for line in lines]
    rows = _classic_rows(lines)
    record["brief_title"] = next((line for line in stripped if line), None)
    ident = rows.get("ClinicalTrials.gov Identifier", "")
    record["nct_id"] = (NCT.search(ident) or NCT.search("\n".join(stripped)) or [None])[0]
    _classic_status(record, stripped)
    _classic_rows_to_fields(record, rows)
    record["conditions"], record["phases_raw"] = _classic_condition_table(stripped)
    record["arms"], record["interventions"] = _classic_arm_table(stripped)
    record["outcomes"] = _classic_outcomes(stripped)
    record["eligibility_criteria"] = _classic_criteria(stripped)
    record["detailed_description"] = _classic_description(stripped)
    record["sites"] = _classic_sites(stripped)
    record["mesh_terms"] = _classic_mesh_line(stripped)
    return record


def _classic_status(record: dict, lines: list[str]) -> None:
    for index, line in enumerate(lines):
        if re.match(r"^Recruitment Status\s*:\s*$", line) and index + 1 < len(lines):
            record["overall_status_raw"] = lines[index + 1].strip("| ")
            following = lines[index + 2] if index + 2 < len(lines) else ""
            if following.startswith("(") and following.endswith(")"):
                record["why_stopped"] = following[1:-1].strip()
            return
        if match := re.match(r"^Recruitment Status\s*:\s*\|?\s*([^|(]+?)\s*(?:\((.*)\))?\s*\|?$", line):
            record["overall_status_raw"] = match.group(1)
            record["why_stopped"] = clean_text(match.group(2))
            return


_CLASSIC_FIELDS = {
    "First Posted": "first_posted_date_raw",
    "Last Update Posted": "last_update_posted_date_raw",
    "First Submitted Date": "first_submitted_date_raw",
    "Study Type": "study_type_raw",
    "Allocation": "allocation_raw",
    "Intervention Model": "intervention_model_raw",
    "Masking": "masking_raw",
    "Primary Purpose": "primary_purpose_raw",
    "Observational Model": "observational_model_raw",
    "Time Perspective": "time_perspective_raw",
    "Official Title": "official_title",
    "Brief Title": "brief_title",
    "Acronym": "acronym",
    "Sexes Eligible for Study": "sex_raw",
    "Accepts Healthy Volunteers": "healthy_volunteers_raw",
    "Last Verified": "status_verified_date_raw",
    "Studies a U.S. FDA-regulated Drug Product": "is_fda_regulated_drug_raw",
    "Studies a U.S. FDA-regulated Device Product": "is_fda_regulated_device_raw",
    "Responsible Party": "responsible_party_name",
}


def _classic_rows_to_fields(record: dict, rows: dict[str, str]) -> None:
    for label, value in rows.items():
        value = re.sub(r"\s*Key Record Dates\s*$", "", value)  # a link glued to First Posted
        if label in _CLASSIC_FIELDS and value:
            record[_CLASSIC_FIELDS[label]] = value
        elif match := re.match(r"^(Actual|Estimated|Anticipated) Enrollment$", label):
            record["enrollment_count_raw"] = (re.match(r"^([\d,]+)", value) or [None])[0]
            record["enrollment_type_raw"] = match.group(1)
        elif match := _DATE_ROW.match(label):
            field = {
                "Study Start": "start_date",
                "Primary Completion": "primary_completion_date",
                "Study Completion": "completion_date",
            }[match.group("what")]
            record[f"{field}_raw"] = value
            record[f"{field}_type_raw"] = match.group("kind")
        elif label == "Ages Eligible for Study":
            record["min_age_raw"], record["max_age_raw"] = _classic_ages(value)
        elif label == "Other Study ID Numbers":
            ids = [i.strip() for i in re.split(r"\s*[|;]\s*", value) if i.strip()]
            if ids:
                record["org_study_id"] = ids[0]
                record["secondary_ids"] = [{"secondary_id": i, "id_type_raw": None, "domain": None} for i in ids[1:]]
        elif label == "Sponsor":
            record["sponsors"].append({"role": "LEAD", "name": value, "agency_class_raw": None})
        elif label == "Collaborators" or label == "Collaborator":
            record["sponsors"].append({"role": "COLLABORATOR", "name": value, "agency_class_raw": None})


def _classic_ages(value: str) -> tuple[str | None, str | None]:
    # "18 Years to 75 Years (Adult, Older Adult)", "18 Years and older", "up to 17 Years".
    text = re.sub(r"\(.*?\)", "", value).strip()
    age = r"(\d+(?:\.\d+)?\s+[A-Za-z]+)"
    if match := re.match(rf"^{age}\s+to\s+{age}", text):
        return match.group(1), match.group(2)
    if match := re.match(rf"^{age}\s+and\s+older", text, re.IGNORECASE):
        return match.group(1), None
    if match := re.match(rf"^up\s+to\s+{age}", text, re.IGNORECASE):
        return None, match.group(1)
    return None, None


def _table_after(lines: list[str], header: re.Pattern) -> tuple[int, int] | None:
    """(first body line, end) of a markdown table whose header matches."""
    for index, line in enumerate(lines):
        if header.match(line) and index + 1 < len(lines) and re.match(r"^-{3,}\s*\|", lines[index + 1]):
            start = index + 2
            return start, len(lines)
    return None


def _classic_condition_table(lines: list[str]) -> tuple[list[dict], list[str]]:
    span = _table_after(lines, re.compile(r"^Condition or disease\s*\|"))
    if not span:
        return [], []
    cells = [c.strip() for c in lines[span[0]].split("|")]
    condition = cells[0] if cells else ""
    phase = cells[2] if len(cells) > 2 else ""
    phases = (
        []
        if not phase
        else (["NA"] if re.fullmatch(r"Not Applicable|N/A", phase) else re.split(r"\s*/\s*|\s+(?=Phase)", phase))
    )
    return ([{"name": condition}] if condition else []), [p for p in phases if p]


def _classic_arm_table(lines: list[str]) -> tuple[list[dict], list[dict]]:
    # Each row: arm cell ("Type: Label", description lines, "|") then the intervention cell
    # ("Type: Name", description lines, each intervention's last line ending " |").
    span = _table_after(lines, re.compile(r"^Arm\s*\|\s*Intervention/treatment\s*\|"))
    if not span:
        return [], []
    arms, interventions, seen = [], [], set()
    cursor = span[0]
    arm_head = re.compile(rf"^{ARM_TYPES}:\s*(.+)$")
    intervention_head = re.compile(rf"^{_INTERVENTION_TYPES}:\s*(.+?)\s*\|?$")
    while cursor < len(lines) and (match := arm_head.match(lines[cursor])):
        arm_type, label = match.group(1), match.group(2)
        cursor += 1
        description: list[str] = []
        while cursor < len(lines) and lines[cursor] != "|":
            description.append(lines[cursor])
            cursor += 1
        cursor += 1  # the "|" closing the arm cell
        names: list[str] = []
        while cursor < len(lines) and (item := intervention_head.match(lines[cursor])):
            kind, name = item.group(1), item.group(2)
            cursor += 1
            text: list[str] = []
            while (
                cursor < len(lines)
                and not lines[cursor - 1].endswith("|")
                and not intervention_head.match(lines[cursor])
            ):
                text.append(lines[cursor].rstrip("|").strip())
                cursor += 1
            names.append(f"{kind}: {name}")
            if (kind, name) not in seen:
                seen.add((kind, name))
                interventions.append(
                    {
                        "intervention_type_raw": kind,
                        "name": name,
                        "description": clean_text("\n".join(text)),
                        "other_names": None,
                    }
                )
        arms.append(
            {
                "label": label,
                "arm_type_raw": arm_type,
                "description": clean_text("\n".join(description)),
                "intervention_names": "; ".join(names) or None,
            }
        )
    return arms, interventions


def _classic_outcomes(lines: list[str]) -> list[dict]:
    # The text render drops the "Primary/Secondary Outcome Measures" headings, so the kind
    # is only known when a heading survives; otherwise it stays UNSPECIFIED (never guessed).
    outcomes, kind = [], "UNSPECIFIED"
    for line in lines:
        if re.match(r"^Primary Outcome Measures?\s*:?", line):
            kind = "PRIMARY"
        elif re.match(r"^Secondary Outcome Measures?\s*:?", line):
            kind = "SECONDARY"
        elif re.match(r"^Other Outcome Measures?\s*:?", line):
            kind = "OTHER"
        elif match := _OUTCOME.match(line):
            outcomes.append(
                {
                    "outcome_kind": kind,
                    "measure": match.group("measure"),
                    "time_frame": match.group("frame"),
                    "description": clean_text(match.group("description")),
                }
            )
    return outcomes


def _classic_criteria(lines: list[str]) -> str | None:
    start = next((i for i, line in enumerate(lines) if re.match(r"^(Inclusion|Exclusion) Criteria\s*:?$", line)), None)
    if start is None:
        return None
    # The criteria are headings and list items; the first other line (or a blank) ends them.
    item = re.compile(r"^([-*\u2022]\s|\d+[.)]\s|(Inclusion|Exclusion) Criteria\s*:?$)")
    end = next((i for i in range(start, len(lines)) if not lines[i] or not item.match(lines[i])), len(lines))
    return clean_text("\n".join(lines[start:end]))


def _classic_description(lines: list[str]) -> str | None:
    # Free text between the conditions table and the first study-design row.
    span = _table_after(lines, re.compile(r"^Condition or disease\s*\|"))
    if not span:
        return None
    start = span[0] + 1
    end = next((i for i in range(start, len(lines)) if _ROW.match(lines[i])), len(lines))
    return clean_text("\n".join(lines[start:end]))


def _classic_sites(lines: list[str]) -> list[dict]:
    # After the "refer to this study by its ... (NCT number)" line: "Country, State | |"
    # headers, then "Facility | |" and "City, State, Country, Zip |" pairs.
    start = next((i for i, line in enumerate(lines) if "(NCT number)" in line), None)
    if start is None:
        return []
    sites = []
    cursor = start + 1
    while cursor < len(lines) and not _ROW.match(lines[cursor]):
        line = lines[cursor]
        following = lines[cursor + 1] if cursor + 1 < len(lines) else ""
        is_facility = (
            re.search(r"\|\s*\|\s*$", line)
            and re.search(r"[^|]\|\s*$", following)
            and not re.search(r"\|\s*\|\s*$", following)
        )
        if is_facility:
            address = split_address(following.rstrip("| ").strip())
            sites.append({"facility": line.split("|")[0].strip(), **address, "site_status_raw": None})
            cursor += 2
            continue
        cursor += 1
    return sites


def _classic_mesh_line(lines: list[str]) -> list[dict]:
    # The page ends with the "Additional relevant MeSH terms" cell: one line ending in "|"
    # after the FDA-regulated rows. Its terms are space-joined, so it is kept whole.
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i]), None)
    if last is None or _ROW.match(lines[last]) or not lines[last].endswith("|"):
        return []
    term = lines[last].rstrip("|").strip()
    return [{"mesh_kind": "CONDITION", "mesh_id": None, "term": term}] if term else []


# ---------------------------------------------------------------- registry archive pages

# archive.clinicaltrials.gov "View of NCTxxxxxxxx on YYYY_MM_DD": a table of <th> label /
# <td> value rows under section rows; long values sit in the next row's wide <td>.
