"""A synthetic API v2 study written as a legacy `<clinical_study>` XML record, in the
AllPublicXML flavour or the search-export flavour (`rank=` attribute, `&#xD;` line ends)."""

from __future__ import annotations

from datetime import date
from xml.sax.saxutils import escape

# API v2 codes as the legacy XML spells them.
LEGACY = {
    "RECRUITING": "Recruiting",
    "COMPLETED": "Completed",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "PHASE1": "Phase 1",
    "PHASE2": "Phase 2",
    "PHASE3": "Phase 3",
    "PHASE4": "Phase 4",
    "NA": "N/A",
    "DRUG": "Drug",
    "BIOLOGICAL": "Biological",
    "DEVICE": "Device",
    "BEHAVIORAL": "Behavioral",
    "PROCEDURE": "Procedure",
    "EXPERIMENTAL": "Experimental",
    "PLACEBO_COMPARATOR": "Placebo Comparator",
    "ACTUAL": "Actual",
    "ESTIMATED": "Anticipated",
    "INDUSTRY": "Industry",
    "OTHER": "Other",
    "NIH": "NIH",
    "NETWORK": "Other",
}


def _long_date(iso: str) -> str:
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 2:
        return date(parts[0], parts[1], 1).strftime("%B %Y")
    return date(*parts).strftime("%B %-d, %Y")


def to_legacy_xml(study: dict, search_export: bool = False, rank: int = 1) -> str:
    """Render a study the way the legacy XML export did (AllPublicXML or search export)."""
    p = study["protocolSection"]
    ident, status, design = p["identificationModule"], p["statusModule"], p["designModule"]
    newline = "&#xD;\n" if search_export else "\n"

    def el(tag: str, text: object, **attrs) -> str:
        attr = "".join(f' {k}="{escape(str(v))}"' for k, v in attrs.items())
        return f"  <{tag}{attr}>{escape(str(text))}</{tag}>\n"

    def dated(tag: str, struct: dict) -> str:
        return el(tag, _long_date(struct["date"]), type=LEGACY[struct["type"]] if struct.get("type") else "Actual")

    capture = date.fromisoformat(study["derivedSection"]["miscInfoModule"]["versionHolder"])
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<clinical_study rank="{rank}">\n' if search_export else "<clinical_study>\n",
    ]
    out.append(
        f"  <required_header>\n    <download_date>ClinicalTrials.gov processed this data on {capture.strftime('%B %d, %Y')}</download_date>\n  </required_header>\n"
    )
    out.append(
        f"  <id_info>\n    <org_study_id>{escape(ident['orgStudyIdInfo']['id'])}</org_study_id>\n    <nct_id>{ident['nctId']}</nct_id>\n  </id_info>\n"
    )
    out.append(el("brief_title", ident["briefTitle"]) + el("official_title", ident["officialTitle"]))
    sponsors = p["sponsorCollaboratorsModule"]
    out.append(
        "  <sponsors>\n    <lead_sponsor>\n"
        + el("agency", sponsors["leadSponsor"]["name"])
        + el("agency_class", LEGACY[sponsors["leadSponsor"]["class"]])
        + "    </lead_sponsor>\n"
    )
    for c in sponsors.get("collaborators", []):
        out.append(
            "    <collaborator>\n"
            + el("agency", c["name"])
            + el("agency_class", LEGACY[c["class"]])
            + "    </collaborator>\n"
        )
    out.append("  </sponsors>\n")
    summary = p["descriptionModule"]["briefSummary"].replace(". ", "." + newline + "      ")
    out.append(f"  <brief_summary>\n    <textblock>\n      {summary}{newline}    </textblock>\n  </brief_summary>\n")
    out.append(el("overall_status", LEGACY[status["overallStatus"]]))
    if status.get("whyStopped"):
        out.append(el("why_stopped", status["whyStopped"]))
    out.append(
        dated("start_date", status["startDateStruct"]) + dated("completion_date", status["completionDateStruct"])
    )
    out.append(dated("primary_completion_date", status["primaryCompletionDateStruct"]))
    out.append(el("phase", "/".join(LEGACY[x] for x in design["phases"])) + el("study_type", "Interventional"))
    out.append(
        "  <study_design_info>\n"
        + el("allocation", "Randomized")
        + el("intervention_model", "Parallel Assignment")
        + el("primary_purpose", "Treatment")
        + el("masking", "Double (Participant, Investigator)")
        + "  </study_design_info>\n"
    )
    for kind, key in (("primary_outcome", "primaryOutcomes"), ("secondary_outcome", "secondaryOutcomes")):
        for o in p["outcomesModule"][key]:
            out.append(
                f"  <{kind}>\n" + el("measure", o["measure"]) + el("time_frame", o["timeFrame"]) + f"  </{kind}>\n"
            )
    info = design["enrollmentInfo"]
    out.append(el("enrollment", info["count"], type=LEGACY[info["type"]]))
    for c in p["conditionsModule"]["conditions"]:
        out.append(el("condition", c))
    for arm in p["armsInterventionsModule"]["armGroups"]:
        out.append(
            "  <arm_group>\n"
            + el("arm_group_label", arm["label"])
            + el("arm_group_type", LEGACY[arm["type"]])
            + el("description", arm["description"])
            + "  </arm_group>\n"
        )
    for i in p["armsInterventionsModule"]["interventions"]:
        out.append(
            "  <intervention>\n"
            + el("intervention_type", LEGACY[i["type"]])
            + el("intervention_name", i["name"])
            + el("description", i["description"])
            + "".join(el("arm_group_label", a) for a in i["armGroupLabels"])
            + "  </intervention>\n"
        )
    e = p["eligibilityModule"]
    criteria = e["eligibilityCriteria"].replace("\n", newline)
    out.append(
        f"  <eligibility>\n    <criteria>\n      <textblock>\n{criteria}{newline}      </textblock>\n    </criteria>\n"
        + el("gender", "All")
        + el("minimum_age", e["minimumAge"])
        + el("maximum_age", e["maximumAge"])
        + el("healthy_volunteers", "No")
        + "  </eligibility>\n"
    )
    for s in p["contactsLocationsModule"]["locations"]:
        address = "".join(
            f"        <{k}>{escape(s[k])}</{k}>\n" for k in ("city", "state", "zip", "country") if s.get(k)
        )
        status_line = el("status", "Recruiting") if s.get("status") == "RECRUITING" else ""
        out.append(
            f"  <location>\n    <facility>\n      <name>{escape(s['facility'])}</name>\n      <address>\n{address}      </address>\n    </facility>\n{status_line}  </location>\n"
        )
    out.append(el("verification_date", _long_date(status["statusVerifiedDate"])))
    out.append(el("study_first_submitted", _long_date(status["studyFirstSubmitDate"])))
    out.append(el("study_first_posted", _long_date(status["studyFirstPostDateStruct"]["date"]), type="Actual"))
    out.append(el("last_update_submitted", _long_date(status["lastUpdateSubmitDate"])))
    out.append(el("last_update_posted", _long_date(status["lastUpdatePostDateStruct"]["date"]), type="Actual"))
    for k in p["conditionsModule"]["keywords"]:
        out.append(el("keyword", k))
    out.append("</clinical_study>\n")
    return "".join(out)
