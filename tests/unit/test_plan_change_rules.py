"""Rules for changing the plan: refs in sequence, edits, target date requests and decisions."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.permissions import Actor, Permission, Role, Target, can
from tracker.domain.plan_changes import (
    FieldChange,
    NewAction,
    PlanEntry,
    changed_fields,
    check_date_request,
    check_decision,
    check_edit,
    check_new_action,
    check_replacement,
    decide,
    is_rebaselined,
    next_ref,
)
from tracker.domain.states import Lifecycle as L


@pytest.mark.parametrize(
    ("kind", "code", "existing", "expected"),
    [
        ("main", "main", ["MAP-001", "MAP-183", "MAP-002"], "MAP-184"),
        ("main", "main", [], "MAP-001"),
        ("locality", "north", ["N-01", "N-38"], "N-39"),
        ("locality", "south", ["S-09"], "S-10"),
        ("locality", "east", ["E-98", "E-99"], "E-100"),  # the sequence outgrows its padding
        ("locality", "central", [], "C-01"),
        ("main", "main", ["MAP-007", "T-900"], "MAP-008"),  # a stray ref does not change prefix
        ("main", "main", ["MAP-009", "MAP-10"], "MAP-011"),  # padded as the widest ref
    ],
)
def test_a_new_ref_comes_next_in_its_plan_s_sequence(kind, code, existing, expected):
    assert next_ref(kind, code, existing) == expected


ENTRY = PlanEntry(
    title="Weekly dip sample of MASH decisions",
    description="Ten decisions a week.",
    lead="7",
    lead_organisation="trust",
    partners=("syp",),
    success_measure="Twelve weeks of samples.",
)


def _entry(**changes) -> PlanEntry:
    return PlanEntry(**({f: getattr(ENTRY, f) for f in ENTRY.__dataclass_fields__} | changes))


@pytest.mark.parametrize(
    ("changes", "reason", "lifecycle", "errors"),
    [
        ({"title": "Fortnightly dip sample"}, "Agreed at JSIG", L.IN_PROGRESS, set()),
        ({"partners": ("ccg", "syp")}, "Health joined", L.NOT_STARTED, set()),
        ({"lead": ""}, "Lead left; to be named", L.IN_PROGRESS, set()),
        ({"title": "Fortnightly dip sample"}, "", L.IN_PROGRESS, {"reason"}),
        ({"title": "Fortnightly dip sample"}, "   ", L.IN_PROGRESS, {"reason"}),
        ({}, "No reason to change", L.IN_PROGRESS, {"title"}),  # nothing changed
        ({"title": "  "}, "Typo", L.IN_PROGRESS, {"title"}),
        ({"title": "x" * 301}, "Longer", L.IN_PROGRESS, {"title"}),
        ({"lead_organisation": ""}, "Unsure", L.IN_PROGRESS, {"lead_organisation"}),
        ({"title": "Reopened"}, "More work", L.CLOSED_EVIDENCED, {"title"}),
        ({"title": "Reopened"}, "More work", L.SUPERSEDED, {"title"}),
        ({"title": "Still open"}, "Agreed", L.COMPLETE_AWAITING_SIGNOFF, set()),
    ],
)
def test_an_edit_changes_an_open_action_with_a_reason(changes, reason, lifecycle, errors):
    assert set(check_edit(ENTRY, _entry(**changes), reason, lifecycle=lifecycle)) == errors


def test_only_the_fields_that_differ_are_recorded_with_old_and_new_values():
    proposed = _entry(title="Fortnightly dip sample", partners=("ccg", "syp"))
    assert changed_fields(ENTRY, proposed) == [
        FieldChange("title", ENTRY.title, "Fortnightly dip sample"),
        FieldChange("partners", "syp", "ccg, syp"),
    ]


def _new(**changes) -> NewAction:
    values = {
        "recommendation": "R3",
        "title": "Core group audit",
        "description": "",
        "lead_organisation": "trust",
        "start_date": date(2016, 2, 8),
        "target_date": date(2016, 4, 29),
        "success_measure": "Audit of 20 core groups.",
        "reason": "Gap found at JSIG",
    }
    return NewAction(**(values | changes))


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({}, set()),
        ({"start_date": None}, set()),
        ({"start_date": date(2016, 4, 29)}, set()),  # same day is fine
        ({"target_date": date(2016, 2, 7)}, {"target_date"}),  # before the start
        ({"target_date": None}, {"target_date"}),
        ({"recommendation": ""}, {"recommendation"}),
        ({"title": ""}, {"title"}),
        ({"lead_organisation": ""}, {"lead_organisation"}),
        ({"success_measure": " "}, {"success_measure"}),
        ({"reason": ""}, {"reason"}),
    ],
)
def test_a_new_action_names_what_the_plan_needs(changes, errors):
    assert set(check_new_action(_new(**changes))) == errors


TODAY = date(2016, 2, 5)


@pytest.mark.parametrize(
    ("current", "new", "reason", "lifecycle", "pending", "errors"),
    [
        (date(2016, 2, 12), date(2016, 4, 29), "Posts vacant", L.IN_PROGRESS, False, set()),
        (date(2016, 1, 29), date(2016, 3, 31), "Overdue: new plan", L.IN_PROGRESS, False, set()),
        (None, date(2016, 3, 31), "Date now agreed", L.NOT_STARTED, False, set()),
        (date(2016, 2, 12), TODAY, "Sooner", L.IN_PROGRESS, False, set()),  # today is allowed
        (date(2016, 2, 12), date(2016, 2, 12), "Same", L.IN_PROGRESS, False, {"new_date"}),
        (date(2016, 2, 12), date(2016, 2, 4), "Past", L.IN_PROGRESS, False, {"new_date"}),
        (date(2016, 2, 12), date(2016, 4, 29), "", L.IN_PROGRESS, False, {"reason"}),
        (date(2016, 2, 12), date(2016, 4, 29), "Again", L.IN_PROGRESS, True, {"new_date"}),
        (date(2016, 2, 12), date(2016, 4, 29), "Closed", L.CLOSED_EVIDENCED, False, {"new_date"}),
        (date(2016, 2, 12), date(2016, 4, 29), "Gone", L.SUPERSEDED, False, {"new_date"}),
    ],
)
def test_a_target_date_request_moves_an_open_action_s_date_with_a_reason(
    current, new, reason, lifecycle, pending, errors
):
    result = check_date_request(
        current=current,
        start=date(2016, 1, 4),
        new=new,
        reason=reason,
        lifecycle=lifecycle,
        pending=pending,
        today=TODAY,
    )
    assert set(result) == errors


def test_a_new_date_before_the_start_date_is_refused():
    result = check_date_request(
        current=date(2016, 6, 3),
        start=date(2016, 4, 1),
        new=date(2016, 3, 1),
        reason="Earlier",
        lifecycle=L.NOT_STARTED,
        pending=False,
        today=TODAY,
    )
    assert set(result) == {"new_date"}


@pytest.mark.parametrize(
    ("status", "approve", "note", "errors"),
    [
        ("pending", True, "", set()),
        ("pending", True, "Agreed at Getting to Good", set()),
        ("pending", False, "Keep the pressure on", set()),
        ("pending", False, "", {"note"}),  # refusing says why
        ("approved", True, "Again", {"decision"}),
        ("refused", False, "Again", {"decision"}),
    ],
)
def test_only_a_pending_request_is_decided_and_a_refusal_says_why(status, approve, note, errors):
    assert set(check_decision(status=status, approve=approve, note=note)) == errors


@pytest.mark.parametrize(
    ("target", "baseline", "approve", "expected"),
    [
        # Approved: the date moves and the first agreed date is kept.
        (date(2016, 2, 12), None, True, (date(2016, 4, 29), date(2016, 2, 12))),
        # Approved again: the baseline stays the first agreed date.
        (date(2016, 3, 31), date(2016, 2, 12), True, (date(2016, 4, 29), date(2016, 2, 12))),
        # Refused: nothing moves.
        (date(2016, 2, 12), None, False, (date(2016, 2, 12), None)),
        (date(2016, 3, 31), date(2016, 2, 12), False, (date(2016, 3, 31), date(2016, 2, 12))),
        # An action with no target date gets one; there was no baseline to keep.
        (None, None, True, (date(2016, 4, 29), None)),
    ],
)
def test_a_decision_moves_the_date_only_when_approved(target, baseline, approve, expected):
    decision = decide(
        target=target, baseline=baseline, requested=date(2016, 4, 29), approve=approve
    )
    assert (decision.target_date, decision.baseline_target_date) == expected


@pytest.mark.parametrize(
    ("baseline", "target", "expected"),
    [
        (None, date(2016, 2, 12), False),
        (date(2016, 2, 12), date(2016, 4, 29), True),
        (date(2016, 2, 12), date(2016, 2, 12), False),  # moved, then moved back
    ],
)
def test_an_action_is_rebaselined_when_its_date_has_moved(baseline, target, expected):
    assert is_rebaselined(baseline, target) is expected


@pytest.mark.parametrize(
    ("replacement", "found", "closed", "ok"),
    [
        ("MAP-012", True, False, True),
        ("", False, False, False),
        ("MAP-001", True, False, False),  # itself
        ("MAP-999", False, False, False),
        ("MAP-012", True, True, False),  # closed
    ],
)
def test_a_superseded_action_names_an_open_replacement(replacement, found, closed, ok):
    message = check_replacement(
        action_ref="MAP-001", replacement_ref=replacement, found=found, replacement_closed=closed
    )
    assert (message == "") is ok


LEAD = Actor(user_id=7, role=Role.ACTION_LEAD)
NORTH_HEAD = Actor(user_id=8, role=Role.LOCALITY_HEAD, locality="north")
NORTH_DEPUTY = Actor(user_id=9, role=Role.ACTION_LEAD, deputy_for="north")
CHAIR = Actor(user_id=1, role=Role.CHAIR)
ADMIN = Actor(user_id=2, role=Role.ADMIN)
VIEWER = Actor(user_id=3, role=Role.VIEWER)
NORTH_ACTION = Target(lead_user_id=7, locality="north")
MAIN_ACTION = Target(lead_user_id=7, locality=None)
OTHER_ACTION = Target(lead_user_id=99, locality="south")


@pytest.mark.parametrize(
    ("actor", "permission", "target", "allowed"),
    [
        (CHAIR, Permission.EDIT_PLAN, None, True),
        (ADMIN, Permission.EDIT_PLAN, None, True),
        (LEAD, Permission.EDIT_PLAN, None, False),
        (NORTH_HEAD, Permission.EDIT_PLAN, None, False),
        (VIEWER, Permission.EDIT_PLAN, None, False),
        (LEAD, Permission.REQUEST_DATE_CHANGE, MAIN_ACTION, True),
        (NORTH_HEAD, Permission.REQUEST_DATE_CHANGE, NORTH_ACTION, True),
        (NORTH_DEPUTY, Permission.REQUEST_DATE_CHANGE, NORTH_ACTION, True),
        (NORTH_HEAD, Permission.REQUEST_DATE_CHANGE, MAIN_ACTION, False),
        (NORTH_HEAD, Permission.REQUEST_DATE_CHANGE, OTHER_ACTION, False),
        (CHAIR, Permission.REQUEST_DATE_CHANGE, OTHER_ACTION, False),
        (VIEWER, Permission.REQUEST_DATE_CHANGE, OTHER_ACTION, False),
        (CHAIR, Permission.DECIDE_DATE_CHANGE, None, True),
        (ADMIN, Permission.DECIDE_DATE_CHANGE, None, False),
        (LEAD, Permission.DECIDE_DATE_CHANGE, None, False),
        (NORTH_HEAD, Permission.DECIDE_DATE_CHANGE, None, False),
    ],
)
def test_chairs_and_admins_edit_the_plan_leads_ask_and_only_chairs_decide(
    actor, permission, target, allowed
):
    assert can(actor, permission, target) is allowed
