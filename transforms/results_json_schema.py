"""The shape of the results section of an API v2 study (`resultsSection`, `annotationSection`)
as the warehouse reads it; field names are those of the API's `/studies/metadata`."""

from __future__ import annotations

import polars as pl

S = pl.Struct
L = pl.List
T = pl.String()

_GROUP = S({"id": T, "title": T, "description": T})
_DENOMS = L(S({"units": T, "counts": L(S({"groupId": T, "value": T}))}))
_MEASUREMENT = S({"groupId": T, "value": T, "spread": T, "lowerLimit": T, "upperLimit": T, "comment": T})
_CLASSES = L(
    S(
        {
            "title": T,
            "denoms": _DENOMS,
            "categories": L(S({"title": T, "measurements": L(_MEASUREMENT)})),
        }
    )
)
_MEASURE_FIELDS: dict[str, pl.DataType] = {
    "title": T,
    "description": T,
    "populationDescription": T,
    "paramType": T,
    "dispersionType": T,
    "unitOfMeasure": T,
    "calculatePct": T,
    "denomUnitsSelected": T,
    "denoms": _DENOMS,
    "classes": _CLASSES,
}
_ANALYSIS = S(
    {
        "groupIds": L(T),
        "groupDescription": T,
        "testedNonInferiority": T,
        "nonInferiorityType": T,
        "nonInferiorityComment": T,
        "pValue": T,
        "pValueComment": T,
        "statisticalMethod": T,
        "statisticalComment": T,
        "paramType": T,
        "paramValue": T,
        "ciPctValue": T,
        "ciNumSides": T,
        "ciLowerLimit": T,
        "ciUpperLimit": T,
        "ciUpperLimitComment": T,
        "dispersionType": T,
        "dispersionValue": T,
        "estimateComment": T,
        "otherAnalysisDescription": T,
    }
)
_EVENT = S(
    {
        "term": T,
        "organSystem": T,
        "sourceVocabulary": T,
        "assessmentType": T,
        "notes": T,
        "stats": L(S({"groupId": T, "numEvents": T, "numAffected": T, "numAtRisk": T})),
    }
)
_COUNT = S({"groupId": T, "numSubjects": T, "numUnits": T, "comment": T, "description": T})

RESULTS_SCHEMA: dict[str, pl.DataType] = {
    "resultsSection": S(
        {
            "participantFlowModule": S(
                {
                    "preAssignmentDetails": T,
                    "recruitmentDetails": T,
                    "typeUnitsAnalyzed": T,
                    "groups": L(_GROUP),
                    "periods": L(
                        S(
                            {
                                "title": T,
                                "milestones": L(S({"type": T, "comment": T, "achievements": L(_COUNT)})),
                                "dropWithdraws": L(S({"type": T, "comment": T, "reasons": L(_COUNT)})),
                            }
                        )
                    ),
                }
            ),
            "baselineCharacteristicsModule": S(
                {
                    "populationDescription": T,
                    "typeUnitsAnalyzed": T,
                    "groups": L(_GROUP),
                    "denoms": _DENOMS,
                    "measures": L(S(_MEASURE_FIELDS)),
                }
            ),
            "outcomeMeasuresModule": S(
                {
                    "outcomeMeasures": L(
                        S(
                            {
                                "type": T,
                                "reportingStatus": T,
                                "anticipatedPostingDate": T,
                                "timeFrame": T,
                                "typeUnitsAnalyzed": T,
                                "groups": L(_GROUP),
                                **_MEASURE_FIELDS,
                                "analyses": L(_ANALYSIS),
                            }
                        )
                    )
                }
            ),
            "adverseEventsModule": S(
                {
                    "frequencyThreshold": T,
                    "timeFrame": T,
                    "description": T,
                    "eventGroups": L(
                        S(
                            {
                                "id": T,
                                "title": T,
                                "description": T,
                                "deathsNumAffected": T,
                                "deathsNumAtRisk": T,
                                "seriousNumAffected": T,
                                "seriousNumAtRisk": T,
                                "otherNumAffected": T,
                                "otherNumAtRisk": T,
                            }
                        )
                    ),
                    "seriousEvents": L(_EVENT),
                    "otherEvents": L(_EVENT),
                }
            ),
            "moreInfoModule": S(
                {
                    "limitationsAndCaveats": S({"description": T}),
                    "certainAgreement": S(
                        {
                            "piSponsorEmployee": T,
                            "restrictionType": T,
                            "restrictiveAgreement": T,
                            "otherDetails": T,
                        }
                    ),
                    "pointOfContact": S({"title": T, "organization": T, "email": T, "phone": T, "phoneExt": T}),
                }
            ),
        }
    ),
    "annotationSection": S(
        {
            "annotationModule": S(
                {
                    "unpostedAnnotation": S(
                        {"unpostedResponsibleParty": T, "unpostedEvents": L(S({"type": T, "date": T}))}
                    )
                }
            )
        }
    ),
}

UNPOSTED_RESPONSIBLE_PARTY = ("annotationSection", "annotationModule", "unpostedAnnotation", "unpostedResponsibleParty")
