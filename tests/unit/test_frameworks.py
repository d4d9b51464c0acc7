"""Issue 20.3: inspection frameworks as data, each event's deadline by its framework's rule,
and every problem with an event as entered."""

from __future__ import annotations

from datetime import date

import pytest

from config import Config
from tracker.domain.frameworks import (
    FRAMEWORKS,
    FindingKind,
    check_rule_days,
    event_deadline,
    get_framework,
    judgement_problems,
)
from tracker.domain.inspection_events import (
    EventInput,
    FindingInput,
    event_problems,
    framework_change_problems,
)

PUBLISHED = date(2015, 11, 27)  # a Friday: 70 working days on is 9 March 2016


def test_every_kind_of_inspection_the_issue_names_is_a_framework():
    assert set(FRAMEWORKS) == {
        "SIF",
        "ILACS_STANDARD",
        "ILACS_SHORT",
        "FOCUSED_VISIT",
        "MONITORING_VISIT",
        "JTAI",
        "SEND_AREA",
        "OTHER",
    }
    assert set(Config.DEADLINE_WORKING_DAYS) == set(FRAMEWORKS)  # each rule is a setting


@pytest.mark.parametrize(
    ("code", "judged"),
    [
        ("SIF", True),
        ("ILACS_STANDARD", True),
        ("ILACS_SHORT", True),
        ("FOCUSED_VISIT", False),
        ("MONITORING_VISIT", False),
        ("JTAI", False),
        ("SEND_AREA", True),
        ("OTHER", False),
    ],
)
def test_visits_make_no_judgements(code, judged):
    assert FRAMEWORKS[code].has_judgements is judged


def test_a_stored_code_this_version_does_not_know_reads_as_other():
    assert get_framework("sif").code == "SIF"
    assert get_framework("Something new").code == "OTHER"
    assert get_framework(None).code == "OTHER"


@pytest.mark.parametrize(
    ("code", "days", "kinds", "anchor", "received", "due"),
    [
        ("SIF", 70, set(), "publication", None, date(2016, 3, 9)),
        ("ILACS_STANDARD", 70, {"recommendation"}, "publication", None, date(2016, 3, 9)),
        # Counted from receipt, a week earlier: the same 70 days, from 20 November.
        ("ILACS_SHORT", 70, set(), "receipt", date(2015, 11, 20), date(2016, 3, 2)),
        # A focused visit asks for a plan only when it finds areas for priority action.
        ("FOCUSED_VISIT", 70, {"area_for_priority_action"}, "publication", None, date(2016, 3, 9)),
        ("FOCUSED_VISIT", 70, {"area_for_improvement"}, "publication", None, None),
        ("MONITORING_VISIT", 0, {"area_for_improvement"}, "publication", None, None),
        ("SEND_AREA", 0, {"area_for_priority_action"}, "publication", None, None),
        ("SEND_AREA", 35, {"area_for_priority_action"}, "publication", None, date(2016, 1, 20)),
        ("JTAI", 70, set(), "receipt", None, None),  # no receipt date recorded: none counted
        ("OTHER", 0, set(), "publication", None, None),
    ],
)
def test_each_event_s_deadline_follows_its_framework_s_rule(
    code, days, kinds, anchor, received, due
):
    deadline = event_deadline(
        FRAMEWORKS[code],
        working_days=days,
        published=PUBLISHED,
        received=received,
        anchor=anchor,
        finding_kinds=kinds,
    )
    assert (deadline.due if deadline else None) == due


def test_a_deadline_over_christmas_skips_the_bank_holidays():
    deadline = event_deadline(
        FRAMEWORKS["ILACS_STANDARD"],
        working_days=6,
        published=date(2025, 12, 22),
        received=None,
        anchor="publication",
    )
    # 23, 24, 29, 30, 31 December and 2 January: Christmas, Boxing Day and New Year skipped.
    assert deadline.due == date(2026, 1, 2)
    assert [day for day, _ in deadline.bank_holidays_skipped] == [
        date(2025, 12, 25),
        date(2025, 12, 26),
        date(2026, 1, 1),
    ]


@pytest.mark.parametrize("days", [-1, 1001])
def test_a_rule_outside_the_calendar_is_refused(days):
    with pytest.raises(ValueError, match="SIF"):
        check_rule_days({"SIF": days})
    assert check_rule_days({"SIF": 70})["MONITORING_VISIT"] == 0


@pytest.mark.parametrize(
    ("code", "judgements", "problem"),
    [
        ("FOCUSED_VISIT", {"Overall effectiveness": "Good"}, "has no judgement"),
        ("ILACS_STANDARD", {"Overall effectiveness": "Adequate"}, "Choose a grade"),
        ("ILACS_STANDARD", {"Adoption performance": "Good"}, "has no judgement"),
        ("ILACS_STANDARD", {"Overall effectiveness": "Requires improvement to be good"}, None),
        ("SIF", {"Overall effectiveness": ""}, None),  # not judged
    ],
)
def test_only_a_framework_s_own_areas_and_grades_are_recorded(code, judgements, problem):
    problems = judgement_problems(FRAMEWORKS[code], judgements)
    if problem is None:
        assert problems == {}
    else:
        assert problem in " ".join(problems.values())


def _event(**changes) -> EventInput:
    values = {
        "framework": "FOCUSED_VISIT",
        "title": "Focused visit: the front door",
        "local_authority": "Exampleshire",
        "report_published": date(2024, 3, 1),
        "started_on": date(2024, 1, 16),
        "ended_on": date(2024, 1, 17),
        "findings": (
            FindingInput(None, "area_for_priority_action", "APA1", "Strategy discussions"),
        ),
    }
    return EventInput(**(values | changes))


def test_a_well_formed_event_has_no_problems():
    assert event_problems(_event()) == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"framework": "NOPE"}, "framework", "Choose the kind"),
        ({"title": "  "}, "title", "Enter a title"),
        ({"title": "x" * 201}, "title", "200 characters"),
        ({"local_authority": ""}, "local_authority", "Enter the local authority"),
        ({"report_published": None}, "report_published", "Enter the date"),
        ({"ended_on": date(2024, 1, 15)}, "ended_on", "on or after the first"),
        ({"report_published": date(2024, 1, 10)}, "report_published", "after the inspectors"),
        ({"started_on": date(1999, 12, 31), "ended_on": None}, "started_on", "from 2000"),
        ({"judgements": {"Overall effectiveness": "Good"}}, "framework", "has no judgement"),
        (
            {"findings": (FindingInput(None, "recommendation", "R1", "A recommendation"),)},
            "findings-0-kind",
            "area for priority action, area for improvement only",
        ),
        (
            {
                "findings": (
                    FindingInput(None, "area_for_improvement", "AFI1", "One"),
                    FindingInput(None, "area_for_improvement", "afi 1", "Two"),
                )
            },
            "findings-1-ref",
            "AFI1 is given twice",
        ),
        (
            {"findings": (FindingInput(None, "area_for_improvement", "A/1", "One"),)},
            "findings-0-ref",
            "letters, digits and hyphens",
        ),
        (
            {"findings": (FindingInput(None, "area_for_improvement", "AFI1", ""),)},
            "findings-0-title",
            "Enter a title for finding 1",
        ),
        (
            {"findings": (FindingInput(None, "area_for_improvement", "AFI1", "T", lead_body="x"),)},
            "findings-0-lead_body",
            "Choose who leads",
        ),
    ],
)
def test_each_problem_is_named_beside_its_field(changes, field, words):
    problems = event_problems(_event(**changes))
    assert any(name == field and words in message for name, message in problems), problems


def test_finding_kinds_have_labels():
    assert FindingKind("area_for_priority_action").label == "Area for priority action"


def test_the_app_refuses_to_start_with_a_rule_outside_the_calendar():
    from tracker import create_app

    with pytest.raises(RuntimeError, match="TRACKER_DEADLINE_DAYS_"):
        create_app(TESTING=True, DEADLINE_WORKING_DAYS={"SIF": -70})
    app = create_app(TESTING=True, DEADLINE_WORKING_DAYS={"SIF": 50})
    assert app.config["DEADLINE_WORKING_DAYS"]["SIF"] == 50
    assert app.config["DEADLINE_WORKING_DAYS"]["JTAI"] == 0  # a framework left out: none


@pytest.mark.parametrize(
    ("code", "judgements", "findings", "misfits"),
    [
        # Same areas and grade, recommendations: fits.
        ("ILACS_STANDARD", [{"area": "Overall effectiveness", "grade": "Inadequate"}],
         [("R1", "recommendation")], []),
        # A visit makes no judgements; an ungraded area is not a judgement.
        ("JTAI", [{"area": "Overall effectiveness", "grade": "Good"}], [],
         ["The judgement “Overall effectiveness: Good” does not fit: the Joint targeted area "
          "inspection (JTAI) makes no judgements"]),
        ("JTAI", [{"area": "Overall effectiveness", "grade": ""}], [], []),
        # The SIF's grade wording is not ILACS's.
        ("ILACS_SHORT", [{"area": "Overall effectiveness", "grade": "Requires improvement"}], [],
         ["The judgement “Overall effectiveness: Requires improvement” does not fit: the ILACS "
          "short inspection has no grade “Requires improvement”"]),
        ("SEND_AREA", [{"area": "Adoption performance", "grade": "Good"}], [],
         ["The judgement “Adoption performance” does not fit: the Area SEND inspection has no "
          "such area"]),
        ("MONITORING_VISIT", [],
         [("APA1", "area_for_priority_action"), ("AFI1", "area_for_improvement")],
         ["Finding APA1 is an area for priority action: the ILACS monitoring visit produces "
          "area for improvement only"]),
        ("OTHER", [], [("R1", "recommendation"), ("APA1", "area_for_priority_action")], []),
    ],
)  # fmt: skip
def test_a_recorded_event_fits_another_kind_only_with_all_it_records(
    code, judgements, findings, misfits
):
    assert framework_change_problems(FRAMEWORKS[code], judgements, findings) == misfits
