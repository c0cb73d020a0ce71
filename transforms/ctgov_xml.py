"""Extract a canonical record from one legacy ClinicalTrials.gov `<clinical_study>` XML.

Covers both flavours seen in the wild: the AllPublicXML bulk download and the older
search-results export (`<clinical_study rank="...">`, CR characters as `&#xD;`, the
2007-2017 element names such as `firstreceived_date` and the free-text `study_design`).
Parsing never resolves entities, loads a DTD or touches the network.
"""

from __future__ import annotations

import re

from lxml import etree

from transforms.canonical import clean_text, empty_record
from transforms.results_xml import extract_results
from transforms.xml_text import block_text
from transforms.xml_text import element_text as _text

# A hardened parser: no entity expansion (XXE, billion laughs), no DTD, no network.
_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    remove_comments=True,
    remove_pis=True,
    huge_tree=False,
)

_TRAILING_DATE = re.compile(r"([A-Z][a-z]+\.? \d{1,2}, \d{4}|[A-Z][a-z]+ \d{4})\s*$")
# Old exports pack the design into one line: "Allocation: Randomized, Masking: Double
# Blind (Subject, Investigator), Primary Purpose: Treatment". Split before each "Key:".
_DESIGN_SPLIT = re.compile(r",\s*(?=[A-Z][A-Za-z /]+:)")
_DESIGN_KEYS = {
    "allocation": "allocation_raw",
    "intervention model": "intervention_model_raw",
    "masking": "masking_raw",
    "primary purpose": "primary_purpose_raw",
    "observational model": "observational_model_raw",
    "time perspective": "time_perspective_raw",
}


class XmlRecordError(ValueError):
    """The bytes are not a well-formed, safe `<clinical_study>` document."""


def parse_clinical_study(data: bytes) -> etree._Element:
    if b"<!ENTITY" in data:
        # Entity declarations have no business in a registry export; refuse them outright
        # rather than trusting that they stay unexpanded further down the line.
        raise XmlRecordError("XML declares entities (refused: possible XXE or entity expansion)")
    try:
        root = etree.fromstring(data, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise XmlRecordError(f"XML is not well-formed: {exc}") from exc
    if root.tag != "clinical_study":
        raise XmlRecordError(f"XML root is <{root.tag}>, not <clinical_study>")
    return root


def _texts(node: etree._Element, path: str) -> list[str]:
    return [t for t in (block_text("".join(e.itertext())) for e in node.findall(path)) if t]


def _attr(node: etree._Element, path: str, name: str) -> str | None:
    found = node.find(path)
    return clean_text(found.get(name)) if found is not None else None


def download_date_text(header_text: str | None) -> str | None:
    """ "ClinicalTrials.gov processed this data on May 09, 2023" -> "May 09, 2023"."""
    if not header_text:
        return None
    match = _TRAILING_DATE.search(header_text)
    return match.group(1) if match else None


def extract_clinical_study(root: etree._Element) -> dict:
    record = empty_record()
    record["capture_date_raw"] = download_date_text(_text(root, "required_header/download_date"))
    design = root.find("study_design_info")
    eligibility = root.find("eligibility")
    record.update(
        nct_id=_text(root, "id_info/nct_id"),
        org_study_id=_text(root, "id_info/org_study_id"),
        brief_title=_text(root, "brief_title"),
        official_title=_text(root, "official_title"),
        acronym=_text(root, "acronym"),
        overall_status_raw=_text(root, "overall_status"),
        last_known_status_raw=_text(root, "last_known_status"),
        why_stopped=_text(root, "why_stopped"),
        study_type_raw=_text(root, "study_type"),
        phases_raw=_phases(_text(root, "phase")),
        allocation_raw=_text(design, "allocation"),
        intervention_model_raw=_text(design, "intervention_model"),
        masking_raw=_text(design, "masking"),
        primary_purpose_raw=_text(design, "primary_purpose"),
        observational_model_raw=_text(design, "observational_model"),
        time_perspective_raw=_text(design, "time_perspective"),
        enrollment_count_raw=_text(root, "enrollment"),
        enrollment_type_raw=_attr(root, "enrollment", "type"),
        start_date_raw=_text(root, "start_date"),
        start_date_type_raw=_attr(root, "start_date", "type"),
        primary_completion_date_raw=_text(root, "primary_completion_date"),
        primary_completion_date_type_raw=_attr(root, "primary_completion_date", "type"),
        completion_date_raw=_text(root, "completion_date"),
        completion_date_type_raw=_attr(root, "completion_date", "type"),
        first_submitted_date_raw=_text(root, "study_first_submitted") or _text(root, "firstreceived_date"),
        first_posted_date_raw=_text(root, "study_first_posted"),
        first_posted_date_type_raw=_attr(root, "study_first_posted", "type"),
        # Before 2017 the export named the *submitted* dates lastchanged_date and
        # firstreceived_results_date and had no posted dates at all (ClinicalTrials.gov's
        # 2017 data element renames): they are filed as submitted, and posted stays unknown.
        last_update_submitted_date_raw=_text(root, "last_update_submitted") or _text(root, "lastchanged_date"),
        last_update_submitted_qc_date_raw=_text(root, "last_update_submitted_qc"),
        last_update_posted_date_raw=_text(root, "last_update_posted"),
        last_update_posted_date_type_raw=_attr(root, "last_update_posted", "type"),
        status_verified_date_raw=_text(root, "verification_date"),
        first_submitted_qc_date_raw=_text(root, "study_first_submitted_qc"),
        results_first_submitted_date_raw=_text(root, "results_first_submitted")
        or _text(root, "firstreceived_results_date"),
        results_first_submitted_qc_date_raw=_text(root, "results_first_submitted_qc"),
        results_first_posted_date_raw=_text(root, "results_first_posted"),
        results_first_posted_date_type_raw=_attr(root, "results_first_posted", "type"),
        disposition_first_submitted_date_raw=_text(root, "disposition_first_submitted")
        or _text(root, "firstreceived_results_disposition_date"),
        disposition_first_submitted_qc_date_raw=_text(root, "disposition_first_submitted_qc"),
        disposition_first_posted_date_raw=_text(root, "disposition_first_posted"),
        disposition_first_posted_date_type_raw=_attr(root, "disposition_first_posted", "type"),
        min_age_raw=_text(eligibility, "minimum_age"),
        max_age_raw=_text(eligibility, "maximum_age"),
        sex_raw=_text(eligibility, "gender"),
        healthy_volunteers_raw=_text(eligibility, "healthy_volunteers"),
        eligibility_criteria=_text(eligibility, "criteria/textblock"),
        brief_summary=_text(root, "brief_summary/textblock"),
        detailed_description=_text(root, "detailed_description/textblock"),
        has_results_raw="Yes" if root.find("clinical_results") is not None else "No",
        has_dmc_raw=_text(root, "oversight_info/has_dmc"),
        is_fda_regulated_drug_raw=_text(root, "oversight_info/is_fda_regulated_drug"),
        is_fda_regulated_device_raw=_text(root, "oversight_info/is_fda_regulated_device"),
        has_expanded_access_raw=_text(root, "has_expanded_access"),
        responsible_party_type_raw=_text(root, "responsible_party/responsible_party_type"),
        responsible_party_name=_text(root, "responsible_party/investigator_full_name")
        or _text(root, "responsible_party/name_title"),
    )
    record.update(_rest_of_record(root, design, eligibility))
    if design is None:
        record.update(_legacy_design(_text(root, "study_design")))
    record["who_masked_raw"] = _who_masked(record["masking_raw"])
    record["conditions"] = [{"name": c} for c in _texts(root, "condition")]
    record["keywords"] = [{"keyword": k} for k in _texts(root, "keyword")]
    record["mesh_terms"] = [
        {"mesh_kind": kind, "mesh_id": None, "term": term}
        for kind, path in (
            ("CONDITION", "condition_browse/mesh_term"),
            ("INTERVENTION", "intervention_browse/mesh_term"),
        )
        for term in _texts(root, path)
    ]
    record["interventions"] = [
        {
            "intervention_type_raw": _text(item, "intervention_type"),
            "name": _text(item, "intervention_name"),
            "description": _text(item, "description"),
            "other_names": "; ".join(_texts(item, "other_name")) or None,
            "other_name_list": _texts(item, "other_name"),
        }
        for item in root.findall("intervention")
    ]
    record["sponsors"] = [
        {"role": role, "name": _text(item, "agency"), "agency_class_raw": _text(item, "agency_class")}
        for role, path in (("LEAD", "sponsors/lead_sponsor"), ("COLLABORATOR", "sponsors/collaborator"))
        for item in root.findall(path)
        if _text(item, "agency")
    ]
    record["sites"] = [
        {
            "facility": _text(loc, "facility/name"),
            "city": _text(loc, "facility/address/city"),
            "state": _text(loc, "facility/address/state"),
            "zip": _text(loc, "facility/address/zip"),
            "country": _text(loc, "facility/address/country"),
            "site_status_raw": _text(loc, "status"),
            "latitude_raw": None,
            "longitude_raw": None,
        }
        for loc in root.findall("location")
    ]
    record["arms"] = _arms(root)
    record["outcomes"] = [
        {
            "outcome_kind": kind,
            "measure": _text(item, "measure"),
            "time_frame": _text(item, "time_frame"),
            "description": _text(item, "description"),
            "safety_issue_raw": _text(item, "safety_issue"),
        }
        for kind, path in (
            ("PRIMARY", "primary_outcome"),
            ("SECONDARY", "secondary_outcome"),
            ("OTHER", "other_outcome"),
        )
        for item in root.findall(path)
    ]
    record["secondary_ids"] = [
        {"secondary_id": sid, "id_type_raw": None, "domain": None, "link": None}
        for sid in _texts(root, "id_info/secondary_id")
    ]
    record["officials"] = [
        {
            "name": _text(item, "last_name"),
            "role_raw": _text(item, "role"),
            "affiliation": _text(item, "affiliation"),
        }
        for item in root.findall("overall_official")
    ]
    record["contacts"] = _contacts(root)
    record.update(extract_results(root))
    return record


def _contacts(root: etree._Element) -> list[dict]:
    def person(node: etree._Element, scope: str, role: str | None, facility: str | None) -> dict:
        return {
            "contact_scope": scope,
            "name": _text(node, "last_name"),
            "role_raw": _text(node, "role") or role,
            "phone": _text(node, "phone"),
            "email": _text(node, "email"),
            "facility": facility,
            "phone_ext": _text(node, "phone_ext"),
        }

    rows = [person(n, "CENTRAL", "CONTACT", None) for n in root.findall("overall_contact")]
    rows += [person(n, "CENTRAL", "CONTACT_BACKUP", None) for n in root.findall("overall_contact_backup")]
    for loc in root.findall("location"):
        facility = _text(loc, "facility/name")
        rows += [person(n, "FACILITY", "CONTACT", facility) for n in loc.findall("contact")]
        rows += [person(n, "FACILITY", "CONTACT_BACKUP", facility) for n in loc.findall("contact_backup")]
        # Site investigators: API v2 lists them among the site's contacts, with their role.
        rows += [person(n, "FACILITY", None, facility) for n in loc.findall("investigator")]
    return rows


def _phases(value: str | None) -> list[str]:
    # "Phase 1/Phase 2" is one element in XML but two phases in API v2.
    if not value:
        return []
    if not re.search(r"phase.*/.*phase", value, re.IGNORECASE):
        return [value]  # "N/A" is one value, not "N" and "A"
    return [p.strip() for p in value.split("/") if p.strip()]


def _legacy_design(text: str | None) -> dict:
    values: dict = {}
    if not text:
        return values
    for part in _DESIGN_SPLIT.split(text):
        key, sep, value = part.partition(":")
        field = _DESIGN_KEYS.get(key.strip().lower())
        if sep and field and value.strip():
            values[field] = value.strip()
    return values


def _who_masked(masking: str | None) -> list[str]:
    # "Triple (Participant, Care Provider, Outcomes Assessor)" lists who is masked.
    if not masking:
        return []
    inside = re.search(r"\(([^)]*)\)", masking)
    roles = inside.group(1) if inside else (masking if "," in masking else "")
    return [r.strip() for r in roles.split(",") if r.strip()]


def _arms(root: etree._Element) -> list[dict]:
    # XML links interventions to arms from the intervention side; API v2 lists them on
    # the arm as "Type: Name". Rebuild that list so both formats give the same rows.
    by_arm: dict[str, list[str]] = {}
    for item in root.findall("intervention"):
        label = f"{_text(item, 'intervention_type') or 'Other'}: {_text(item, 'intervention_name') or ''}".strip()
        for arm_label in _texts(item, "arm_group_label"):
            by_arm.setdefault(arm_label, []).append(label)
    arms = []
    for arm in root.findall("arm_group"):
        group_label = _text(arm, "arm_group_label")
        arms.append(
            {
                "label": group_label,
                "arm_type_raw": _text(arm, "arm_group_type"),
                "description": _text(arm, "description"),
                "intervention_names": "; ".join(by_arm.get(group_label or "", [])) or None,
                "intervention_name_list": by_arm.get(group_label or "", []),
            }
        )
    return arms


_EXPANDED_ACCESS_TYPES = (("INDIVIDUAL", "individual"), ("INTERMEDIATE", "intermediate"), ("TREATMENT", "treatment"))


def _rest_of_record(root: etree._Element, design: etree._Element | None, eligibility: etree._Element | None) -> dict:
    """The fields beyond the core design: identifiers, oversight, design descriptions,
    eligibility extras, IPD sharing, references, links and documents (issue 15)."""
    access = root.find("expanded_access_info")
    return {
        "nct_id_aliases": _texts(root, "id_info/nct_alias"),
        # <source> is the registering organization: the field API v2 calls
        # identificationModule.organization.fullName (archive pages label it "Organization name").
        "organization_name": _text(root, "source"),
        "source_name": _text(root, "source"),
        "responsible_party_title": _text(root, "responsible_party/investigator_title"),
        "responsible_party_affiliation": _text(root, "responsible_party/investigator_affiliation"),
        "responsible_party_old_organization": _text(root, "responsible_party/organization"),
        "expanded_access_types_raw": [
            code
            for code, name in _EXPANDED_ACCESS_TYPES
            if access is not None and (_text(access, f"expanded_access_type_{name}") or "").lower() == "yes"
        ],
        "is_us_export_raw": _text(root, "oversight_info/is_us_export"),
        "is_unapproved_device_raw": _text(root, "oversight_info/is_unapproved_device"),
        "is_ppsd_raw": _text(root, "oversight_info/is_ppsd"),
        "is_fda_regulated_legacy_raw": _text(root, "is_fda_regulated"),
        "is_section_801_raw": _text(root, "is_section_801"),
        "oversight_authorities": _texts(root, "oversight_info/authority"),
        "intervention_model_description": _text(design, "intervention_model_description"),
        "masking_description": _text(design, "masking_description"),
        "number_of_arms_raw": _text(root, "number_of_arms"),
        "number_of_groups_raw": _text(root, "number_of_groups"),
        "target_duration": _text(root, "target_duration"),
        "biospec_retention_raw": _text(root, "biospec_retention"),
        "biospec_description": _text(root, "biospec_descr/textblock"),
        "sampling_method_raw": _text(eligibility, "sampling_method"),
        "study_population": _text(eligibility, "study_pop/textblock"),
        "gender_based_raw": _text(eligibility, "gender_based"),
        "gender_description": _text(eligibility, "gender_description"),
        "ipd_sharing_raw": _text(root, "patient_data/sharing_ipd"),
        "ipd_description": _text(root, "patient_data/ipd_description"),
        "ipd_info_types_raw": _texts(root, "patient_data/ipd_info_type"),
        "ipd_time_frame": _text(root, "patient_data/ipd_time_frame"),
        "ipd_access_criteria": _text(root, "patient_data/ipd_access_criteria"),
        "ipd_url": _text(root, "patient_data/ipd_url"),
        "removed_countries": _texts(root, "removed_countries/country"),
        "references": [
            {"reference_type_raw": kind, "pmid": _text(item, "PMID"), "citation": _text(item, "citation")}
            for kind, path in (("BACKGROUND", "reference"), ("RESULT", "results_reference"))
            for item in root.findall(path)
        ],
        "links": [{"url": _text(item, "url"), "label": _text(item, "description")} for item in root.findall("link")],
        "available_ipds": [
            {
                "document_id": _text(item, "doc_id"),
                "document_type": _text(item, "doc_type"),
                "url": _text(item, "doc_url"),
                "comment": _text(item, "doc_comment"),
            }
            for item in root.findall("study_docs/study_doc")
        ],
        "large_documents": [
            {
                "type_abbrev": None,
                "label": _text(item, "document_type"),
                "has_protocol_raw": _text(item, "document_has_protocol"),
                "has_sap_raw": _text(item, "document_has_sap"),
                "has_icf_raw": _text(item, "document_has_icf"),
                "document_date_raw": _text(item, "document_date"),
                "upload_date": None,
                "filename": None,
                "size_raw": None,
                "url": _text(item, "document_url"),
            }
            for item in root.findall("provided_document_section/provided_document")
        ],
    }
