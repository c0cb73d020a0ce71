"""The modern trial page rendered as text: section headings ("Basic Information", "Study
Design", ...) each followed by a one-line blurb, then label and value on separate lines,
anchor lines such as "Group Type X", "Intervention Type X", "Sponsor Role x", "Role: X",
"Site Status X"."""

from __future__ import annotations

import re

from transforms.canonical import clean_text, empty_record
from transforms.trial_pages.text import split_address, unescape_markdown

_MODERN_SECTIONS = (
    "Study Results",
    "Basic Information",
    "Brief Summary",
    "Detailed Description",
    "Conditions",
    "Keywords",
    "Study Design",
    "Study Groups",
    "Interventions",
    "Outcome Measures",
    "Primary Outcomes",
    "Secondary Outcomes",
    "Other Outcomes",
    "Eligibility Criteria",
    "Sponsors",
    "Collaborators",
    "Responsible Party",
    "Principal Investigators",
    "Locations",
    "Countries",
    "Central Contacts",
    "Facility Contacts",
    "Other Identifiers",
    "More Related Trials",
    "References",
    "Publications",
)
# Sections whose heading is followed by a one-line explanatory blurb.
_BLURB_FREE = {"Study Results"}

_MODERN_LABELS = {
    "Recruitment Status": "overall_status_raw",
    "Clinical Phase": "phases_raw",
    "Total Enrollment": "enrollment",
    "Study Classification": "study_type_raw",
    "Study Start Date": "start_date_raw",
    "Primary Completion Date": "primary_completion_date_raw",
    "Study Completion Date": "completion_date_raw",
    "First Posted": "first_posted_date_raw",
    "First Submitted": "first_submitted_date_raw",
    "Last Verified": "status_verified_date_raw",
    "Why Stopped": "why_stopped",
    "Allocation Method": "allocation_raw",
    "Intervention Model": "intervention_model_raw",
    "Primary Study Purpose": "primary_purpose_raw",
    "Blinding Strategy": "masking_raw",
    "Observational Model": "observational_model_raw",
    "Time Perspective": "time_perspective_raw",
    "Minimum Eligible Age": "min_age_raw",
    "Maximum Eligible Age": "max_age_raw",
    "Eligible Sex": "sex_raw",
    "Accepts Healthy Volunteers": "healthy_volunteers_raw",
}


def _modern_sections(lines: list[str]) -> dict[str, list[str]]:
    """Section heading -> its non-empty lines (blurb removed)."""
    sections: dict[str, list[str]] = {"_header": []}
    current = "_header"
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line in _MODERN_SECTIONS and line not in sections:
            current = line
            sections[current] = []
            continue
        sections[current].append(line)
    for name, body in sections.items():
        if name not in ("_header", *_BLURB_FREE) and body:
            sections[name] = body[1:]  # the one-line blurb under every heading
    return sections


def _pairs(body: list[str]) -> dict[str, str]:
    """Label line followed by value line, for the labels this layout uses."""
    values: dict[str, str] = {}
    for index, line in enumerate(body[:-1]):
        if line in _MODERN_LABELS and body[index + 1] not in _MODERN_LABELS:
            values[line] = body[index + 1]
    return values


def _apply_modern_pairs(record: dict, pairs: dict[str, str]) -> None:
    for label, value in pairs.items():
        field = _MODERN_LABELS[label]
        if field == "phases_raw":
            record["phases_raw"] = [p for p in re.split(r"[,/|]\s*", value) if p.strip()]
        elif field == "enrollment":
            match = re.match(r"^\s*([\d,]+)", value)
            record["enrollment_count_raw"] = match.group(1) if match else None
            kind = re.search(r"\b(Actual|Estimated|Anticipated)\b", value, re.IGNORECASE)
            record["enrollment_type_raw"] = kind.group(1) if kind else None
        else:
            record[field] = unescape_markdown(value)


def extract_modern(lines: list[str]) -> dict:
    record = empty_record()
    sections = _modern_sections(lines)
    header = sections["_header"]
    record["brief_title"] = unescape_markdown(header[0]) if header else None
    for line in header:
        if match := re.match(r"^NCT ID:\s*(NCT\d{8})", line):
            record["nct_id"] = match.group(1)
        elif match := re.match(r"^Last Updated:\s*(.+)$", line):
            record["last_update_posted_date_raw"] = match.group(1)
        elif match := re.match(r"^Official Title:\s*(.+)$", line):
            record["official_title"] = unescape_markdown(match.group(1))
    results = sections.get("Study Results", [])
    if results:
        # "Results pending" (or a link to posted results) is the first line of the section.
        record["has_results_raw"] = (
            "No" if re.search(r"\bpending\b|\bno results\b", results[0], re.IGNORECASE) else "Yes"
        )
    for name in ("Basic Information", "Study Design"):
        _apply_modern_pairs(record, _pairs(sections.get(name, [])))
    record["brief_summary"] = _joined_text(sections.get("Brief Summary"))
    record["detailed_description"] = _joined_text(sections.get("Detailed Description"))
    record["conditions"] = [{"name": unescape_markdown(c)} for c in sections.get("Conditions", [])]
    record["keywords"] = [{"keyword": unescape_markdown(k)} for k in sections.get("Keywords", [])]
    _modern_eligibility(record, sections.get("Eligibility Criteria", []))
    record["arms"] = _modern_groups(sections.get("Study Groups", []))
    record["interventions"] = _modern_interventions(sections.get("Interventions", []))
    record["sponsors"] = _modern_sponsors(sections.get("Sponsors", []) + sections.get("Collaborators", []))
    record["officials"] = _modern_people(sections.get("Principal Investigators", []))
    record["sites"] = _modern_sites(sections.get("Locations", []))
    record["contacts"] = [
        dict(c, contact_scope="CENTRAL") for c in _modern_contacts(sections.get("Central Contacts", []))
    ]
    record["contacts"] += [
        dict(c, contact_scope="FACILITY") for c in _modern_contacts(sections.get("Facility Contacts", []))
    ]
    for line in sections.get("Responsible Party", []):
        if match := re.match(r"^Responsibility Role\s+(\S+)", line):
            record["responsible_party_type_raw"] = match.group(1)
    _modern_identifiers(record, sections.get("Other Identifiers", []))
    return record


def _joined_text(body: list[str] | None) -> str | None:
    return clean_text(unescape_markdown("\n".join(body))) if body else None


def _modern_eligibility(record: dict, body: list[str]) -> None:
    first_label = next((i for i, line in enumerate(body) if line in _MODERN_LABELS), len(body))
    record["eligibility_criteria"] = _joined_text(body[:first_label])
    _apply_modern_pairs(record, _pairs(body[first_label:]))


def _anchored(body: list[str], anchor: re.Pattern) -> list[tuple[int, re.Match]]:
    return [(i, m) for i, line in enumerate(body) if (m := anchor.match(line))]


_GROUP_TYPE = re.compile(r"^Group Type\s+(\S+)$")
_INTERVENTION_TYPE = re.compile(r"^Intervention Type\s+(\S+)$")


def _modern_groups(body: list[str]) -> list[dict]:
    # [label, description..., "Group Type X", (name, "Intervention Type Y", description)* or
    # "No interventions assigned to this group"], repeated.
    arms = []
    start = 0
    for index, match in _anchored(body, _GROUP_TYPE):
        if index < start:
            continue
        head = body[start:index]
        names: list[str] = []
        cursor = index + 1
        while cursor + 1 < len(body) and (typed := _INTERVENTION_TYPE.match(body[cursor + 1])):
            kind = typed.group(1)
            names.append(f"{kind.replace('_', ' ').title()}: {unescape_markdown(body[cursor])}")
            cursor += 3 if cursor + 2 < len(body) and not _GROUP_TYPE.match(body[cursor + 2]) else 2
        if cursor < len(body) and body[cursor].lower().startswith("no interventions assigned"):
            cursor += 1
        arms.append(
            {
                "label": unescape_markdown(head[0]) if head else None,
                "arm_type_raw": match.group(1),
                "description": _joined_text(head[1:]),
                "intervention_names": "; ".join(names) or None,
            }
        )
        start = cursor
    return arms


def _modern_interventions(body: list[str]) -> list[dict]:
    # [name, description..., "Intervention Type X"], repeated.
    items = []
    start = 0
    for index, match in _anchored(body, _INTERVENTION_TYPE):
        head = body[start:index]
        items.append(
            {
                "intervention_type_raw": match.group(1),
                "name": unescape_markdown(head[0]) if head else None,
                "description": _joined_text(head[1:]),
                "other_names": None,
            }
        )
        start = index + 1
    return items


def _modern_sponsors(body: list[str]) -> list[dict]:
    # [name, agency class, "Sponsor Role lead|collaborator"], repeated; lead listed first.
    rows = []
    for index, line in enumerate(body):
        if match := re.match(r"^Sponsor Role\s+(\S+)$", line):
            name = body[index - 2] if index >= 2 else None
            agency = body[index - 1] if index >= 1 else None
            rows.append({"role": match.group(1).upper(), "name": unescape_markdown(name), "agency_class_raw": agency})
    rows.sort(key=lambda row: row["role"] != "LEAD")
    return rows


def _modern_people(body: list[str]) -> list[dict]:
    # [name, "Role: X", affiliation?], repeated.
    people = []
    for index, line in enumerate(body):
        if match := re.match(r"^Role:\s*(.+)$", line):
            # No affiliation when the next line already names the next person.
            next_is_person = index + 2 < len(body) and body[index + 2].startswith("Role:")
            affiliation = body[index + 1] if index + 1 < len(body) and not next_is_person else None
            people.append(
                {"name": body[index - 1] if index else None, "role_raw": match.group(1), "affiliation": affiliation}
            )
    return people


def _modern_contacts(body: list[str]) -> list[dict]:
    # [name, "Role: X", phone or e-mail lines...], repeated.
    contacts = []
    role_lines = [i for i, line in enumerate(body) if re.match(r"^Role:\s*", line)]
    for position, index in enumerate(role_lines):
        end = role_lines[position + 1] - 1 if position + 1 < len(role_lines) else len(body)
        details = body[index + 1 : end]
        email = next((d for d in details if "@" in d), None)
        phone = next((d for d in details if re.search(r"\d{3}", d) and "@" not in d), None)
        contacts.append(
            {
                "name": body[index - 1] if index else None,
                "role_raw": body[index].split(":", 1)[1].strip(),
                "phone": phone,
                "email": email,
                "facility": None,
            }
        )
    return contacts


def _modern_sites(body: list[str]) -> list[dict]:
    # [facility, address, "Site Status X"], repeated.
    sites = []
    for index, line in enumerate(body):
        if match := re.match(r"^Site Status\s+(\S+)$", line):
            facility = body[index - 2] if index >= 2 else None
            address = split_address(body[index - 1]) if index >= 1 else {}
            sites.append({"facility": unescape_markdown(facility), **address, "site_status_raw": match.group(1)})
    return sites


def _modern_identifiers(record: dict, body: list[str]) -> None:
    # [identifier, "Identifier Type: X", "Identifier Source: y"], repeated.
    for index, line in enumerate(body):
        if not line.startswith("Identifier Type:"):
            continue
        identifier = body[index - 1] if index else None
        id_type = line.split(":", 1)[1].strip()
        source = body[index + 1].split(":", 1)[1].strip() if index + 1 < len(body) and ":" in body[index + 1] else None
        if source == "org_study_id" and not record["org_study_id"]:
            record["org_study_id"] = identifier
        elif identifier:
            record["secondary_ids"].append(
                {"secondary_id": identifier, "id_type_raw": None if id_type in ("-", "") else id_type, "domain": source}
            )


# ---------------------------------------------------------------- classic layout
