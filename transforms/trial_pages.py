"""Trial web pages (plain-text render or saved HTML) -> canonical records.

Two layouts, recognized by their structure and parsed by headings, labels and table
rows, never by the wording of one record:

* ``modern``: the current trial page rendered as text. Section headings ("Basic
  Information", "Study Design", ...) each followed by a one-line blurb, then label and
  value on separate lines, anchor lines such as "Group Type X", "Intervention Type X",
  "Sponsor Role x", "Role: X", "Site Status X".
* ``classic``: the classic study page as text: ``Label : | value |`` rows, a status
  line with the reason in parentheses, markdown tables for conditions and arms,
  outcomes as ``- measure [ Time Frame: ... ]``.

HTML input is turned into the same text first with a real HTML parser (lxml): table
cells end with " | " and rows with a new line, which is exactly the text render.
"""

from __future__ import annotations

import re

import lxml.html

from transforms.canonical import clean_text, empty_record

_NCT = re.compile(r"\bNCT\d{8}\b")

# ---------------------------------------------------------------- text from HTML

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "table",
    "section",
    "dt",
    "dd",
}
_CELL_TAGS = {"td", "th"}


def html_to_text(markup: str) -> str:
    """Visible text of an HTML page, one block per line, table cells ending in " | "."""
    try:
        root = lxml.html.document_fromstring(markup)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//head"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag == "br":
            parts.append("\n\x00\n")  # an explicit line break is the only blank line kept
        elif tag in _BLOCK_TAGS:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if tag in _CELL_TAGS:
            parts.append(" | ")
        if tag in _BLOCK_TAGS:
            parts.append("\n")

    walk(root)
    text = "".join(parts).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    # Block boundaries are line ends, not paragraphs: keep only the <br> blank lines.
    kept = [("" if line == "\x00" else line) for line in lines if line]
    return "\n".join(kept)


def looks_like_html(text: str) -> bool:
    head = text.lstrip()[:2048].lower()
    return head.startswith("<!doctype html") or head.startswith("<html") or "<body" in head or "<html" in head


# ---------------------------------------------------------------- recognition


def _normalized_lines(text: str) -> list[str]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return [line.rstrip() for line in text.split("\n")]


def recognize_layout(text: str) -> str | None:
    """'modern', 'classic', 'archive', or None when the page is not a known layout."""
    if looks_like_html(text):
        if is_archive_page(text):
            return "archive"
        text = html_to_text(text)
    elif is_archive_text(text):
        return "archive"
    lines = [line.strip() for line in _normalized_lines(text)]
    line_set = set(lines)
    if any(re.match(r"^NCT ID:\s*", line) for line in lines[:20]) and (
        {"Basic Information", "Study Design", "Eligibility Criteria"} & line_set
    ):
        return "modern"
    if any(re.match(r"^ClinicalTrials\.gov Identifier\s*:", line) for line in lines) and any(
        re.match(r"^(Recruitment Status|Study Type)\s*:", line) for line in lines
    ):
        return "classic"
    return None


def extract_page(text: str, layout: str) -> dict:
    if layout == "archive":
        return extract_archive_page(text)
    if looks_like_html(text):
        text = html_to_text(text)
    lines = _normalized_lines(text)
    if layout == "modern":
        return _extract_modern(lines)
    if layout == "classic":
        return _extract_classic(lines)
    raise ValueError(f"unknown page layout {layout!r}")


def unescape_markdown(text: str | None) -> str | None:
    """The renders escape markdown characters: "1\\*10\\^6" -> "1*10^6", "\\>7" -> ">7"."""
    if text is None:
        return None
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!^<>|~])", r"\1", text)


# ---------------------------------------------------------------- modern layout

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


def _extract_modern(lines: list[str]) -> dict:
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
        while cursor + 1 < len(body) and _INTERVENTION_TYPE.match(body[cursor + 1]):
            kind = _INTERVENTION_TYPE.match(body[cursor + 1]).group(1)
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


def _split_address(line: str) -> dict:
    # "City, State, Country" or "City, Country" or "City, State, Zip, Country".
    parts = [p.strip() for p in line.split(",") if p.strip()]
    address = {"city": None, "state": None, "zip": None, "country": None}
    if not parts:
        return address
    if len(parts) > 1 and re.search(r"\d", parts[-1]):
        # The classic page puts the postal code last: "Wuhan, Hubei, China, 430081".
        address["zip"] = parts.pop()
    address["country"] = parts[-1]
    address["city"] = parts[0] if len(parts) > 1 else None
    middle = parts[1:-1]
    zips = [p for p in middle if re.search(r"\d", p)]
    states = [p for p in middle if not re.search(r"\d", p)]
    address["state"] = states[0] if states else None
    address["zip"] = address["zip"] or (zips[0] if zips else None)
    return address


def _modern_sites(body: list[str]) -> list[dict]:
    # [facility, address, "Site Status X"], repeated.
    sites = []
    for index, line in enumerate(body):
        if match := re.match(r"^Site Status\s+(\S+)$", line):
            facility = body[index - 2] if index >= 2 else None
            address = _split_address(body[index - 1]) if index >= 1 else {}
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

_ROW = re.compile(r"^(?P<label>[^|]+?)\s*:\s*\|\s*(?P<value>.*?)\s*\|?\s*$")
_INLINE = re.compile(r"^(?P<label>[A-Z][^|:]+?)\s*:\s+(?P<value>[^|]+?)\s*$")
_ARM_TYPES = r"(Experimental|Active Comparator|Placebo Comparator|Sham Comparator|No Intervention|Other)"
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


def _extract_classic(lines: list[str]) -> dict:
    record = empty_record()
    stripped = [line.strip() for line in lines]
    rows = _classic_rows(lines)
    record["brief_title"] = next((line for line in stripped if line), None)
    ident = rows.get("ClinicalTrials.gov Identifier", "")
    record["nct_id"] = (_NCT.search(ident) or _NCT.search("\n".join(stripped)) or [None])[0]
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
    arm_head = re.compile(rf"^{_ARM_TYPES}:\s*(.+)$")
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
            address = _split_address(following.rstrip("| ").strip())
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
_ARM_HEAD_LINE = re.compile(rf"^(Arm Label:.*|{_ARM_TYPES})$")


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
    lines = [line.strip() for line in _normalized_lines(text)]
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
            record["nct_id"] = record["nct_id"] or (_NCT.search(text) or [None])[0]
        elif label in _ARCHIVE_FIELDS:
            record[_ARCHIVE_FIELDS[label]] = text
        elif label in _DATED_FIELDS:
            value, kind = _date_and_type(text)
            record[f"{_DATED_FIELDS[label]}_raw"], record[f"{_DATED_FIELDS[label]}_type_raw"] = value, kind
        elif label == "Phase" and text:
            # One row per phase ("Phase 1", then "Phase 2"), or "Phase 1/Phase 2" in one.
            parts = [p.strip() for p in re.split(r"/|\n", text) if p.strip()] if "Phase" in text else [text]
            record["phases_raw"] += [p for p in parts if p not in record["phases_raw"]]
        elif _ENROLLMENT_LABEL.match(label) and text:
            record["enrollment_count_raw"] = (re.match(r"^[\d,]+", text) or [None])[0]
            kind = _ENROLLMENT_LABEL.match(label).group(1)
            _, inline = _date_and_type(text)
            record["enrollment_type_raw"] = inline or kind
        elif label == "Study design" and text:
            _archive_design_value(record, text)
        elif label == "Condition" and text:
            record["conditions"].append({"name": text})
        elif label == "Keyword" and text:
            record["keywords"].append({"keyword": text})
        elif label in ("Primary outcome", "Secondary outcome", "Other outcome"):
            parts = _labelled_parts(cell)
            record["outcomes"].append(
                {
                    "outcome_kind": label.split()[0].upper(),
                    "measure": clean_text(parts.get("Measure")) or text,
                    "time_frame": clean_text(parts.get("Time Frame")),
                    "description": clean_text(parts.get("Description")),
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
            match = re.match(r"^Arm Label:\s*(.*?)\s*" + _ARM_TYPES + r"?\s*$", head.replace("\n", " "))
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
            value, kind = re.match(r"^(.*?)\s*(?:\((.*)\))?$", text.replace("\n", " ")).groups()
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
