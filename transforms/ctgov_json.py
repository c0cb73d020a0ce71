"""Extract a canonical record from one ClinicalTrials.gov API v2 study object.

Only the structure of API v2 is used (module and field names from the API's
`/studies/metadata`); every value is passed on as raw text for `normalize`.
"""

from __future__ import annotations

from transforms.canonical import clean_text, empty_record


def _get(node: object, *path: str) -> object:
    for key in path:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


def _text(node: object, *path: str) -> str | None:
    value = _get(node, *path)
    if isinstance(value, bool):
        # API booleans become the same text the legacy XML uses, so one rule maps both.
        return "Yes" if value else "No"
    if isinstance(value, (dict, list)):
        return None
    return clean_text(value)


def _list(node: object, *path: str) -> list:
    value = _get(node, *path)
    return value if isinstance(value, list) else []


def _texts(node: object, *path: str) -> list[str]:
    return [t for t in (clean_text(v) for v in _list(node, *path)) if t]


def _joined(values: list) -> str | None:
    texts = [t for t in (clean_text(v) for v in values) if t]
    return "; ".join(texts) if texts else None


def study_nct_id(study: object) -> str | None:
    """The NCT id of a study object, or None when it has none (fragments, v1 shapes)."""
    return _text(study, "protocolSection", "identificationModule", "nctId")


def extract_study(study: dict) -> dict:
    """Map one API v2 study to a canonical record (content fields and capture date)."""
    protocol = study.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    status = protocol.get("statusModule") or {}
    sponsors = protocol.get("sponsorCollaboratorsModule") or {}
    oversight = protocol.get("oversightModule") or {}
    description = protocol.get("descriptionModule") or {}
    conditions = protocol.get("conditionsModule") or {}
    design = protocol.get("designModule") or {}
    arms_module = protocol.get("armsInterventionsModule") or {}
    outcomes = protocol.get("outcomesModule") or {}
    eligibility = protocol.get("eligibilityModule") or {}
    locations = protocol.get("contactsLocationsModule") or {}
    derived = study.get("derivedSection") or {}

    record = empty_record()
    record["capture_date_raw"] = _text(derived, "miscInfoModule", "versionHolder")
    record.update(
        nct_id=_text(ident, "nctId"),
        org_study_id=_text(ident, "orgStudyIdInfo", "id"),
        brief_title=_text(ident, "briefTitle"),
        official_title=_text(ident, "officialTitle"),
        acronym=_text(ident, "acronym"),
        organization_name=_text(ident, "organization", "fullName"),
        organization_class_raw=_text(ident, "organization", "class"),
        overall_status_raw=_text(status, "overallStatus"),
        last_known_status_raw=_text(status, "lastKnownStatus"),
        why_stopped=_text(status, "whyStopped"),
        study_type_raw=_text(design, "studyType"),
        phases_raw=_texts(design, "phases"),
        allocation_raw=_text(design, "designInfo", "allocation"),
        intervention_model_raw=_text(design, "designInfo", "interventionModel"),
        masking_raw=_text(design, "designInfo", "maskingInfo", "masking"),
        who_masked_raw=_texts(design, "designInfo", "maskingInfo", "whoMasked"),
        primary_purpose_raw=_text(design, "designInfo", "primaryPurpose"),
        observational_model_raw=_text(design, "designInfo", "observationalModel"),
        time_perspective_raw=_text(design, "designInfo", "timePerspective"),
        enrollment_count_raw=_text(design, "enrollmentInfo", "count"),
        enrollment_type_raw=_text(design, "enrollmentInfo", "type"),
        start_date_raw=_text(status, "startDateStruct", "date"),
        start_date_type_raw=_text(status, "startDateStruct", "type"),
        primary_completion_date_raw=_text(status, "primaryCompletionDateStruct", "date"),
        primary_completion_date_type_raw=_text(status, "primaryCompletionDateStruct", "type"),
        completion_date_raw=_text(status, "completionDateStruct", "date"),
        completion_date_type_raw=_text(status, "completionDateStruct", "type"),
        first_submitted_date_raw=_text(status, "studyFirstSubmitDate"),
        first_posted_date_raw=_text(status, "studyFirstPostDateStruct", "date"),
        first_posted_date_type_raw=_text(status, "studyFirstPostDateStruct", "type"),
        last_update_submitted_date_raw=_text(status, "lastUpdateSubmitDate"),
        last_update_posted_date_raw=_text(status, "lastUpdatePostDateStruct", "date"),
        last_update_posted_date_type_raw=_text(status, "lastUpdatePostDateStruct", "type"),
        status_verified_date_raw=_text(status, "statusVerifiedDate"),
        results_first_posted_date_raw=_text(status, "resultsFirstPostDateStruct", "date"),
        min_age_raw=_text(eligibility, "minimumAge"),
        max_age_raw=_text(eligibility, "maximumAge"),
        sex_raw=_text(eligibility, "sex"),
        healthy_volunteers_raw=_text(eligibility, "healthyVolunteers"),
        eligibility_criteria=_text(eligibility, "eligibilityCriteria"),
        brief_summary=_text(description, "briefSummary"),
        detailed_description=_text(description, "detailedDescription"),
        has_results_raw=_text(study, "hasResults"),
        has_dmc_raw=_text(oversight, "oversightHasDmc"),
        is_fda_regulated_drug_raw=_text(oversight, "isFdaRegulatedDrug"),
        is_fda_regulated_device_raw=_text(oversight, "isFdaRegulatedDevice"),
        has_expanded_access_raw=_text(status, "expandedAccessInfo", "hasExpandedAccess"),
        responsible_party_type_raw=_text(sponsors, "responsibleParty", "type"),
        responsible_party_name=_text(sponsors, "responsibleParty", "investigatorFullName")
        or _text(sponsors, "responsibleParty", "oldNameTitle"),
    )
    record["conditions"] = [{"name": c} for c in _texts(conditions, "conditions")]
    record["keywords"] = [{"keyword": k} for k in _texts(conditions, "keywords")]
    record["mesh_terms"] = _mesh_terms(derived)
    record["interventions"] = [
        {
            "intervention_type_raw": _text(item, "type"),
            "name": _text(item, "name"),
            "description": _text(item, "description"),
            "other_names": _joined(_list(item, "otherNames")),
        }
        for item in _list(arms_module, "interventions")
    ]
    record["sponsors"] = _sponsors(sponsors)
    record["sites"] = [
        {
            "facility": _text(site, "facility"),
            "city": _text(site, "city"),
            "state": _text(site, "state"),
            "zip": _text(site, "zip"),
            "country": _text(site, "country"),
            "site_status_raw": _text(site, "status"),
        }
        for site in _list(locations, "locations")
    ]
    record["arms"] = [
        {
            "label": _text(arm, "label"),
            "arm_type_raw": _text(arm, "type"),
            "description": _text(arm, "description"),
            "intervention_names": _joined(_list(arm, "interventionNames")),
        }
        for arm in _list(arms_module, "armGroups")
    ]
    record["outcomes"] = [
        {
            "outcome_kind": kind,
            "measure": _text(item, "measure"),
            "time_frame": _text(item, "timeFrame"),
            "description": _text(item, "description"),
        }
        for kind, key in (("PRIMARY", "primaryOutcomes"), ("SECONDARY", "secondaryOutcomes"), ("OTHER", "otherOutcomes"))
        for item in _list(outcomes, key)
    ]
    record["secondary_ids"] = [
        {
            "secondary_id": _text(item, "id"),
            "id_type_raw": _text(item, "type"),
            "domain": _text(item, "domain"),
        }
        for item in _list(ident, "secondaryIdInfos")
    ]
    record["officials"] = [
        {
            "name": _text(item, "name"),
            "role_raw": _text(item, "role"),
            "affiliation": _text(item, "affiliation"),
        }
        for item in _list(locations, "overallOfficials")
    ]
    record["contacts"] = _contacts(locations)
    return record


def _contacts(locations: dict) -> list[dict]:
    rows = [
        {"contact_scope": "CENTRAL", "name": _text(c, "name"), "role_raw": _text(c, "role"),
         "phone": _text(c, "phone"), "email": _text(c, "email"), "facility": None}
        for c in _list(locations, "centralContacts")
    ]
    for site in _list(locations, "locations"):
        rows.extend(
            {"contact_scope": "FACILITY", "name": _text(c, "name"), "role_raw": _text(c, "role"),
             "phone": _text(c, "phone"), "email": _text(c, "email"), "facility": _text(site, "facility")}
            for c in _list(site, "contacts")
        )
    return rows


def _sponsors(module: dict) -> list[dict]:
    rows = []
    lead = module.get("leadSponsor")
    if isinstance(lead, dict) and _text(lead, "name"):
        rows.append({"role": "LEAD", "name": _text(lead, "name"), "agency_class_raw": _text(lead, "class")})
    for item in _list(module, "collaborators"):
        if _text(item, "name"):
            rows.append({"role": "COLLABORATOR", "name": _text(item, "name"), "agency_class_raw": _text(item, "class")})
    return rows


def _mesh_terms(derived: dict) -> list[dict]:
    rows = []
    for kind, module in (("CONDITION", "conditionBrowseModule"), ("INTERVENTION", "interventionBrowseModule")):
        for mesh in _list(derived, module, "meshes"):
            term = _text(mesh, "term")
            if term:
                rows.append({"mesh_kind": kind, "mesh_id": _text(mesh, "id"), "term": term})
    return rows
