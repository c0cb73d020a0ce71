"""The results-consistency checks and the FDAAA deadline states (issue 16), on a real record.

The clean trial is AACT fixture NCT02552212 (API v2, captured 2023-12-12): 317 enrolled
(ACTUAL), a double-blind period that 317 STARTED and an extension group that enters only in
the second period (a multi-period design whose later periods repeat the same people), a
baseline "Total Title" column of 317, adverse-event groups titled apart from the flow groups
("Placebo (SS)"), and reported primary outcomes that are the registered ones. It carries a
certificate of delay submitted 2019-03-01, before its results were due (2019-05-01). Each
failing case is that record with one thing changed, under its own NCT id.
"""

import copy
import json

import duckdb
import pytest
from conftest import run_pipeline, shared_path
from record_edits import edit_path, set_path

BASE = "data/ctti-clinicaltrials__aact/spec/support/json_data/NCT02552212.json"
S = "protocolSection.statusModule."
R = "resultsSection."
# Results never submitted: a submission date without posted results means they are under QC review.
NO_RESULTS = [
    ("hasResults", False),
    ("resultsSection", None),
    (S + "resultsFirstPostDateStruct", None),
    (S + "resultsFirstSubmitDate", None),
    (S + "resultsFirstSubmitQcDate", None),
]
NO_CERTIFICATE = [
    (S + "dispFirstSubmitDate", None),
    (S + "dispFirstSubmitQcDate", None),
    (S + "dispFirstPostDateStruct", None),
]
UNPOSTED = "annotationSection.annotationModule.unpostedAnnotation.unpostedEvents"
RETURNED_TWICE = ["2019-04-27", "2019-05-20", "2019-05-30", "2019-06-20"]


def _at_risk(count: int):
    def change(group: dict) -> None:
        group.update(title="Placebo", seriousNumAtRisk=count, otherNumAtRisk=count, deathsNumAtRisk=count)

    return change


def _tied_groups_at_risk(groups: list) -> None:
    # No flow group has these titles: both are compared with the whole trial, 400 at risk each.
    for group, title in zip(groups, ["Cohort A", "Cohort B"], strict=False):
        group.update(title=title, seriousNumAtRisk=400, otherNumAtRisk=400, deathsNumAtRisk=400)


def _total_denom(units: str, value: str):
    def change(denoms: list) -> None:
        denoms[:] = [
            {
                "units": units,
                "counts": [{**c, "value": value} if c["groupId"] == "BG002" else c for c in denoms[0]["counts"]],
            }
        ]

    return change


def _count_eyes_too(flow: dict) -> None:
    # Two eyes per participant: STARTED still counts 317 participants.
    flow["typeUnitsAnalyzed"] = "Eyes"
    for achievement in flow["periods"][0]["milestones"][0]["achievements"]:
        achievement["numUnits"] = str(2 * int(achievement["numSubjects"]))


def _crossover(flow: dict) -> None:
    flow["periods"][0]["title"] = "First Intervention Period (before crossover)"


def _crossover_by_phase(flow: dict) -> None:
    # NCT00460993's design: crossover periods titled "Phase 1"/"Phase 2", each started by all
    # 317; only the design (interventionModel CROSSOVER) says they are the same people.
    flow["periods"][0]["title"], flow["periods"][1]["title"] = "Phase 1", "Phase 2"
    first, second = (period["milestones"][0]["achievements"] for period in flow["periods"])
    second[:] = [dict(achievement) for achievement in first]


def _started(count: str, group_ids: set[str] | None = None, periods: set[int] | None = None):
    # The given flow groups (all when None) STARTED `count` in the given periods (all when None).
    def change(flow: dict) -> None:
        for index, period in enumerate(flow["periods"]):
            for achievement in period["milestones"][0]["achievements"]:
                if (periods is None or index in periods) and (group_ids is None or achievement["groupId"] in group_ids):
                    achievement["numSubjects"] = count

    return change


def _add_registered_primary(outcomes: list) -> None:
    outcomes.append({"measure": "Change From Baseline in High-sensitivity C-Reactive Protein", "timeFrame": "Week 12"})


def _reword_registered_primary(outcomes: list) -> None:
    # Case, punctuation and time frame reworded: the same outcome to a curator.
    outcomes[0]["measure"] = (
        "percentage of subjects with ankylosing spondylitis disease activity score major improvement "
        "(ASDAS-MI) response criteria response - week 52 (end of the double-blind period)"
    )


OUTCOMES = "protocolSection.outcomesModule.primaryOutcomes"
# Fewer STARTED than enrolled, and a baseline above the flow period closest to it.
FEWER_STARTED = {
    "flow_started_vs_enrollment": "fewer_started_unexplained",
    "baseline_vs_flow_started": "more_in_baseline_than_started",
}
# case -> (changes as (path, value) or (path, function), the findings it must raise: check -> rule)
CASES = {
    "clean": ([], {}),
    "more_started_than_enrolled": (
        [("protocolSection.designModule.enrollmentInfo", {"count": 250, "type": "ACTUAL"})],
        {"flow_started_vs_enrollment": "more_started_than_enrolled"},
    ),
    "fewer_started_unexplained": (
        [("protocolSection.designModule.enrollmentInfo", {"count": 400, "type": "ACTUAL"})],
        {"flow_started_vs_enrollment": "fewer_started_unexplained"},
    ),
    # The same gap, explained: 83 screen failures before randomization.
    "fewer_started_explained": (
        [
            ("protocolSection.designModule.enrollmentInfo", {"count": 400, "type": "ACTUAL"}),
            (R + "participantFlowModule.preAssignmentDetails", "83 enrolled participants failed screening."),
        ],
        {},
    ),
    # 318 of 317: one participant is within what a curator lets pass.
    "one_participant_off": ([("protocolSection.designModule.enrollmentInfo", {"count": 318, "type": "ACTUAL"})], {}),
    "more_in_baseline": (
        [(R + "baselineCharacteristicsModule.denoms", _total_denom("Participants", "350"))],
        {"baseline_vs_flow_started": "more_in_baseline_than_started"},
    ),
    # A baseline that counts eyes (two per participant) is not compared with participants.
    "baseline_in_eyes": ([(R + "baselineCharacteristicsModule.denoms", _total_denom("Eyes", "634"))], {}),
    "more_at_risk_than_started": (
        [(R + "adverseEventsModule.eventGroups.0", _at_risk(170))],
        {"ae_at_risk_vs_started": "more_at_risk_than_started"},
    ),
    "at_risk_as_started": ([(R + "adverseEventsModule.eventGroups.0", _at_risk(158))], {}),
    # In a crossover a treatment's adverse-event group holds people from several sequences:
    # it is compared with the whole trial, not with the flow group of its name.
    "crossover_treatment_group": (
        [(R + "adverseEventsModule.eventGroups.0", _at_risk(170)), (R + "participantFlowModule", _crossover)],
        {},
    ),
    # ... but with its first period (317), not with all periods added up (560): a crossover's
    # periods hold the same people.
    # Two adverse-event groups equally beyond the whole trial: the finding names the one listed
    # first, and its counts are that group's.
    "tied_groups_at_risk": (
        [(R + "adverseEventsModule.eventGroups", _tied_groups_at_risk)],
        {"ae_at_risk_vs_started": "more_at_risk_than_started"},
    ),
    "crossover_more_at_risk_than_started": (
        [(R + "adverseEventsModule.eventGroups.0", _at_risk(400)), (R + "participantFlowModule", _crossover)],
        {"ae_at_risk_vs_started": "more_at_risk_than_started"},
    ),
    # Enrollment 634 and a baseline of 634 are the 317 counted in both periods: a crossover's
    # periods are never cohorts to add up.
    "crossover_periods_are_not_cohorts": (
        [
            ("protocolSection.designModule.designInfo.interventionModel", "CROSSOVER"),
            (R + "participantFlowModule", _crossover_by_phase),
            ("protocolSection.designModule.enrollmentInfo", {"count": 634, "type": "ACTUAL"}),
            (R + "baselineCharacteristicsModule.denoms", _total_denom("Participants", "634")),
        ],
        FEWER_STARTED,
    ),
    # Placebo STARTED 0, yet 158 are at risk in it: flagged, not skipped as a division by 0.
    "at_risk_in_a_group_that_started_none": (
        [
            (R + "adverseEventsModule.eventGroups.0", _at_risk(158)),
            (R + "participantFlowModule", _started("0", {"FG000"})),
        ],
        {**FEWER_STARTED, "ae_at_risk_vs_started": "more_at_risk_than_started"},
    ),
    # NCT01996852: every group STARTED 0; the message says the whole flow is empty.
    "at_risk_in_an_empty_flow": (
        [(R + "participantFlowModule", _started("0"))],
        {**FEWER_STARTED, "ae_at_risk_vs_started": "more_at_risk_than_started"},
    ),
    # An arm titled "Total Knee Arthroplasty" is an arm, not the baseline's total column.
    "baseline_arm_titled_total_something": (
        [
            (R + "baselineCharacteristicsModule.groups.0.title", "Total Knee Arthroplasty"),
            (R + "baselineCharacteristicsModule.populationDescription", None),
            (R + "participantFlowModule.preAssignmentDetails", None),
        ],
        {},
    ),
    # A part that enrols its own cohort later (NCT00498433): 243 at risk in the extension's
    # group are no more than its own period STARTED, though the first period started 20.
    "at_risk_in_a_later_larger_period": (
        [(R + "participantFlowModule", _started("10", {"FG000", "FG001"}, {0}))],
        FEWER_STARTED,
    ),
    "flow_counts_eyes_too": ([(R + "participantFlowModule", _count_eyes_too)], {}),
    "reported_primary_not_registered": (
        [(R + "outcomeMeasuresModule.outcomeMeasures.0.title", "Time to First Flare of Anterior Uveitis")],
        {"primary_outcomes_vs_registered": "reported_not_registered"},
    ),
    "registered_primary_not_reported": (
        [(OUTCOMES, _add_registered_primary)],
        {"primary_outcomes_vs_registered": "registered_not_reported"},
    ),
    "registered_primary_reworded": ([(OUTCOMES, _reword_registered_primary)], {}),
    # FDAAA deadlines: primary completion 2021-06, capture 2023-12-12.
    "overdue_without_certificate": (
        [*NO_RESULTS, *NO_CERTIFICATE, (S + "primaryCompletionDateStruct", {"date": "2021-06", "type": "ACTUAL"})],
        {"results_overdue": "no_results_after_1_year"},
    ),
    "certificate_defers_the_deadline": (
        [
            *NO_RESULTS,
            (S + "primaryCompletionDateStruct", {"date": "2021-06", "type": "ACTUAL"}),
            (S + "dispFirstSubmitDate", "2022-05-02"),
            (S + "dispFirstSubmitQcDate", "2022-05-02"),
        ],
        {},
    ),
    # "2021-06" may mean 2021-06-30: a certificate of 2022-06-20 is within a year of it.
    "certificate_within_a_year_of_the_completion_month": (
        [
            *NO_RESULTS,
            (S + "primaryCompletionDateStruct", {"date": "2021-06", "type": "ACTUAL"}),
            (S + "dispFirstSubmitDate", "2022-06-20"),
            (S + "dispFirstSubmitQcDate", "2022-06-20"),
        ],
        {},
    ),
    "certificate_after_the_deadline": (
        [
            *NO_RESULTS,
            (S + "primaryCompletionDateStruct", {"date": "2021-06", "type": "ACTUAL"}),
            (S + "dispFirstSubmitDate", "2022-07-15"),
            (S + "dispFirstSubmitQcDate", "2022-07-15"),
        ],
        {"results_overdue": "no_results_after_1_year"},
    ),
    "results_under_qc_review": (
        [*NO_RESULTS, *NO_CERTIFICATE, (UNPOSTED, [{"type": "RELEASE", "date": "2019-04-27"}])],
        {},
    ),
    "results_returned_after_qc_review": (
        [
            *NO_RESULTS,
            *NO_CERTIFICATE,
            (UNPOSTED, [{"type": "RELEASE", "date": "2019-04-27"}, {"type": "RESET", "date": "2019-06-20"}]),
        ],
        {"results_overdue": "no_results_after_1_year"},
    ),
    # Returned, submitted again and returned again: the note names the last submission.
    "results_returned_twice": (
        [
            *NO_RESULTS,
            *NO_CERTIFICATE,
            (UNPOSTED, [{"type": t, "date": d} for t, d in zip(["RELEASE", "RESET"] * 2, RETURNED_TWICE, strict=True)]),
        ],
        {"results_overdue": "no_results_after_1_year"},
    ),
}
RESULT_CHECKS = {
    "flow_started_vs_enrollment",
    "baseline_vs_flow_started",
    "ae_at_risk_vs_started",
    "primary_outcomes_vs_registered",
}


def _variant(base: dict, nct: str, changes) -> dict:
    study = copy.deepcopy(base)
    set_path(study, "protocolSection.identificationModule.nctId", nct)
    for path, value in changes:
        if callable(value):
            edit_path(study, path, value)
        else:
            set_path(study, path, copy.deepcopy(value))
    return study


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    base = json.loads(shared_path(BASE).read_text())
    folder = tmp_path_factory.mktemp("landing")
    ids = {case: f"NCT9800{number:04d}" for number, case in enumerate(CASES, start=1)}
    lines = [json.dumps(_variant(base, ids[case], changes)) for case, (changes, _) in CASES.items()]
    (folder / "variants.ndjson").write_text("\n".join(lines) + "\n")
    warehouse = tmp_path_factory.mktemp("wh") / "trials.duckdb"
    run_pipeline(folder, warehouse, checks=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    findings = con.execute("SELECT nct_id, check_name, rule, message, evidence FROM dq_finding").fetchall()
    con.close()
    return ids, findings


@pytest.mark.parametrize("case", CASES)
def test_each_case_raises_exactly_its_findings(checked, case):
    ids, findings = checked
    raised = {c: r for n, c, r, _, _ in findings if n == ids[case] and (c in RESULT_CHECKS or c == "results_overdue")}
    assert raised == CASES[case][1]


def _message(checked, case: str, check: str) -> tuple[str, dict]:
    ids, findings = checked
    [(message, evidence)] = [(m, json.loads(e)) for n, c, _, m, e in findings if (n, c) == (ids[case], check)]
    assert "NULL" not in message and "None" not in message and "not given" not in message
    return message, evidence


def test_flow_messages_say_which_reading_of_the_flow_they_compare(checked):
    message, evidence = _message(checked, "fewer_started_unexplained", "flow_started_vs_enrollment")
    assert message == (
        "The ACTUAL enrollment is 400, but 317 participants STARTED the participant flow (its first period, "
        '"Double-Blind Period (Week 0 - 52)"), and neither the pre-assignment nor the recruitment details say what '
        "became of the others."
    )
    assert evidence["values"]["started_per_period"][0] == 317
    assert "pre_assignment_details" in evidence["fields"]
    message, _ = _message(checked, "more_started_than_enrolled", "flow_started_vs_enrollment")
    assert message.startswith("317 participants STARTED the participant flow") and message.endswith(
        "enrollment of 250."
    )


def test_baseline_adverse_event_and_outcome_messages(checked):
    message, _ = _message(checked, "more_in_baseline", "baseline_vs_flow_started")
    assert (
        message == "The baseline counts 350 participants overall, more than the 317 who STARTED the participant flow."
    )
    message, evidence = _message(checked, "more_at_risk_than_started", "ae_at_risk_vs_started")
    assert message == (
        '170 participants are at risk of adverse events in group "Placebo", more than the 158 who STARTED '
        "the flow group of that title."
    )
    assert evidence["values"]["ae_group_started"] == 158
    message, _ = _message(checked, "crossover_more_at_risk_than_started", "ae_at_risk_vs_started")
    assert message == (
        '400 participants are at risk of adverse events in group "Placebo", more than the 317 who STARTED '
        "the first period of the crossover (no flow group has that title)."
    )
    message, evidence = _message(checked, "tied_groups_at_risk", "ae_at_risk_vs_started")
    assert message.startswith('400 participants are at risk of adverse events in group "Cohort A", more than the ')
    assert evidence["values"]["ae_group_title"] == "Cohort A" and evidence["values"]["ae_at_risk"] == 400
    message, _ = _message(checked, "reported_primary_not_registered", "primary_outcomes_vs_registered")
    assert message == (
        "1 of the 11 primary outcomes reported in the results match none of the 11 registered primary outcomes, "
        'for example "Time to First Flare of Anterior Uveitis".'
    )
    message, _ = _message(checked, "registered_primary_not_reported", "primary_outcomes_vs_registered")
    assert '"Change From Baseline in High-sensitivity C-Reactive Protein"' in message


def test_results_overdue_says_how_the_certificate_and_the_qc_review_change_the_deadline(checked):
    message, _ = _message(checked, "certificate_after_the_deadline", "results_overdue")
    assert message.startswith(
        "No results posted: they were due 2022-06-01, one year after the primary completion 2021-06 (the certificate "
        "of delay of 2022-07-15 came after that and defers nothing), and are 18 months late at the capture date 2023-12-12."
    )
    message, evidence = _message(checked, "results_returned_after_qc_review", "results_overdue")
    # The evidence holds the dates the deadline was read from, each named in its fields.
    submission = ["certificate_of_delay_date", "last_result_event", "last_result_event_date", "results_submitted_date"]
    assert set(submission) <= set(evidence["fields"]) <= set(evidence["values"])
    assert [evidence["values"][field] for field in submission] == [None, "RESET", "2019-06-20", "2019-04-27"]
    _, evidence = _message(checked, "certificate_after_the_deadline", "results_overdue")
    assert evidence["values"]["certificate_of_delay_date"] == "2022-07-15"
    assert (
        "late at the capture date 2023-12-12. Results submitted 2019-04-27 were returned after QC review on "
        "2019-06-20 and not submitted again. An applicable clinical trial" in message
    )
    message, _ = _message(checked, "results_returned_twice", "results_overdue")
    assert (
        "Results submitted 2019-05-30 were returned after QC review on 2019-06-20 and not submitted again." in message
    )


def test_adverse_events_against_a_flow_that_started_none(checked):
    message, _ = _message(checked, "at_risk_in_a_group_that_started_none", "ae_at_risk_vs_started")
    assert message == (
        '158 participants are at risk of adverse events in group "Placebo", more than the 0 who STARTED '
        "the flow group of that title."
    )
    message, _ = _message(checked, "at_risk_in_an_empty_flow", "ae_at_risk_vs_started")
    assert message == (
        '243 participants are at risk of adverse events in group "SFE OL CZP 200 mg Q2W (SS)", more than the 0 who '
        "STARTED the whole trial (no flow group has that title). Every STARTED count in the participant flow is 0: "
        "the flow, not this group, is what is missing."
    )
