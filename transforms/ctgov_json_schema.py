"""The shape of an API v2 study as the warehouse reads it: `STUDY_SCHEMA` and the paths into it.

Only the structure of API v2 is used (module and field names from the API's
`/studies/metadata`). `STUDY_SCHEMA` names exactly the fields the warehouse keeps; anything
else in a study is dropped on reading.
"""

from __future__ import annotations

import polars as pl
from polars._typing import PolarsDataType

from transforms.results_json_schema import RESULTS_SCHEMA

S = pl.Struct
L = pl.List
T = pl.String
_DATE = S({"date": T, "type": T})
_OUTCOME = L(S({"measure": T, "timeFrame": T, "description": T}))
_CONTACT = {"name": T, "role": T, "phone": T, "phoneExt": T, "email": T}
_MESHES = S(
    {
        "meshes": L(S({"id": T, "term": T})),
        "ancestors": L(S({"id": T, "term": T})),
        "browseLeaves": L(S({"id": T, "name": T, "asFound": T, "relevance": T})),
        "browseBranches": L(S({"abbrev": T, "name": T})),
    }
)

# Every leaf is read as text: polars turns numbers and booleans into their JSON text, which
# `normalize` reads like the legacy XML spellings ("60", "true" as well as "Yes").
STUDY_SCHEMA: dict[str, PolarsDataType] = {
    "protocolSection": S(
        {
            "identificationModule": S(
                {
                    "nctId": T,
                    "orgStudyIdInfo": S({"id": T, "type": T, "link": T}),
                    "nctIdAliases": L(T),
                    "briefTitle": T,
                    "officialTitle": T,
                    "acronym": T,
                    "organization": S({"fullName": T, "class": T}),
                    "secondaryIdInfos": L(S({"id": T, "type": T, "domain": T, "link": T})),
                }
            ),
            "statusModule": S(
                {
                    "overallStatus": T,
                    "lastKnownStatus": T,
                    "whyStopped": T,
                    "statusVerifiedDate": T,
                    "startDateStruct": _DATE,
                    "primaryCompletionDateStruct": _DATE,
                    "completionDateStruct": _DATE,
                    "studyFirstSubmitDate": T,
                    "studyFirstPostDateStruct": _DATE,
                    "lastUpdateSubmitDate": T,
                    "lastUpdatePostDateStruct": _DATE,
                    "resultsFirstPostDateStruct": _DATE,
                    "studyFirstSubmitQcDate": T,
                    "resultsFirstSubmitDate": T,
                    "resultsFirstSubmitQcDate": T,
                    "dispFirstSubmitDate": T,
                    "dispFirstSubmitQcDate": T,
                    "dispFirstPostDateStruct": _DATE,
                    "expandedAccessInfo": S({"hasExpandedAccess": T, "nctId": T, "statusForNctId": T}),
                }
            ),
            "sponsorCollaboratorsModule": S(
                {
                    "leadSponsor": S({"name": T, "class": T}),
                    "collaborators": L(S({"name": T, "class": T})),
                    "responsibleParty": S(
                        {
                            "type": T,
                            "investigatorFullName": T,
                            "investigatorTitle": T,
                            "investigatorAffiliation": T,
                            "oldNameTitle": T,
                            "oldOrganization": T,
                        }
                    ),
                }
            ),
            "oversightModule": S(
                {
                    "oversightHasDmc": T,
                    "isFdaRegulatedDrug": T,
                    "isFdaRegulatedDevice": T,
                    "isUsExport": T,
                    "isUnapprovedDevice": T,
                    "isPpsd": T,
                    "fdaaa801Violation": T,
                }
            ),
            "descriptionModule": S({"briefSummary": T, "detailedDescription": T}),
            "conditionsModule": S({"conditions": L(T), "keywords": L(T)}),
            "designModule": S(
                {
                    "studyType": T,
                    "patientRegistry": T,
                    "phases": L(T),
                    "designInfo": S(
                        {
                            "allocation": T,
                            "interventionModel": T,
                            "primaryPurpose": T,
                            "observationalModel": T,
                            "timePerspective": T,
                            "interventionModelDescription": T,
                            "maskingInfo": S({"masking": T, "maskingDescription": T, "whoMasked": L(T)}),
                        }
                    ),
                    "enrollmentInfo": S({"count": T, "type": T}),
                    "bioSpec": S({"retention": T, "description": T}),
                    "targetDuration": T,
                    "expandedAccessTypes": S({"individual": T, "intermediate": T, "treatment": T}),
                }
            ),
            "armsInterventionsModule": S(
                {
                    "armGroups": L(S({"label": T, "type": T, "description": T, "interventionNames": L(T)})),
                    "interventions": L(S({"type": T, "name": T, "description": T, "otherNames": L(T)})),
                }
            ),
            "outcomesModule": S(
                {"primaryOutcomes": _OUTCOME, "secondaryOutcomes": _OUTCOME, "otherOutcomes": _OUTCOME}
            ),
            "eligibilityModule": S(
                {
                    "eligibilityCriteria": T,
                    "healthyVolunteers": T,
                    "sex": T,
                    "minimumAge": T,
                    "maximumAge": T,
                    "genderBased": T,
                    "genderDescription": T,
                    "stdAges": L(T),
                    "samplingMethod": T,
                    "studyPopulation": T,
                }
            ),
            "referencesModule": S(
                {
                    "references": L(S({"pmid": T, "type": T, "citation": T})),
                    "seeAlsoLinks": L(S({"label": T, "url": T})),
                    "availIpds": L(S({"id": T, "type": T, "url": T, "comment": T})),
                }
            ),
            "ipdSharingStatementModule": S(
                {
                    "ipdSharing": T,
                    "description": T,
                    "infoTypes": L(T),
                    "timeFrame": T,
                    "accessCriteria": T,
                    "url": T,
                }
            ),
            "contactsLocationsModule": S(
                {
                    "centralContacts": L(S(_CONTACT)),
                    "overallOfficials": L(S({"name": T, "affiliation": T, "role": T})),
                    "locations": L(
                        S(
                            {
                                "facility": T,
                                "status": T,
                                "city": T,
                                "state": T,
                                "zip": T,
                                "country": T,
                                "geoPoint": S({"lat": T, "lon": T}),
                                "contacts": L(S(_CONTACT)),
                            }
                        )
                    ),
                }
            ),
        }
    ),
    "documentSection": S(
        {
            "largeDocumentModule": S(
                {
                    "largeDocs": L(
                        S(
                            {
                                "typeAbbrev": T,
                                "hasProtocol": T,
                                "hasSap": T,
                                "hasIcf": T,
                                "label": T,
                                "date": T,
                                "uploadDate": T,
                                "filename": T,
                                "size": T,
                            }
                        )
                    )
                }
            )
        }
    ),
    "derivedSection": S(
        {
            "miscInfoModule": S({"versionHolder": T, "removedCountries": L(T)}),
            "conditionBrowseModule": _MESHES,
            "interventionBrowseModule": _MESHES,
        }
    ),
    "hasResults": T,
    **RESULTS_SCHEMA,
}


STUDY_DTYPE = S(STUDY_SCHEMA)

# Paths into the protocol section, shared by the scalar columns and the child lists.
PROTOCOL = ("protocolSection",)
IDENTIFICATION = (*PROTOCOL, "identificationModule")
STATUS = (*PROTOCOL, "statusModule")
SPONSORS = (*PROTOCOL, "sponsorCollaboratorsModule")
DESIGN = (*PROTOCOL, "designModule")
ELIGIBILITY = (*PROTOCOL, "eligibilityModule")
LOCATIONS = (*PROTOCOL, "contactsLocationsModule")
ARMS = (*PROTOCOL, "armsInterventionsModule")
IPD = (*PROTOCOL, "ipdSharingStatementModule")
REFERENCES = (*PROTOCOL, "referencesModule")
