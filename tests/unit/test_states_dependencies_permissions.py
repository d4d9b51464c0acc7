from datetime import date

import pytest

from tracker.domain.dependencies import date_clash, find_cycle, is_blocked
from tracker.domain.permissions import Actor, Permission, Role, Target, can
from tracker.domain.states import Lifecycle, is_awaiting_past_target, is_overdue, status_colour

TODAY = date(2016, 2, 5)


@pytest.mark.parametrize(
    ("target", "lifecycle", "overdue"),
    [
        (date(2016, 2, 4), "in_progress", True),
        (date(2016, 2, 4), "not_started", True),
        # Complete and awaiting sign-off: the work is done, the wait is the chair's, not late work.
        (date(2016, 2, 4), "complete_awaiting_signoff", False),
        (date(2016, 2, 5), "in_progress", False),  # due today is not yet overdue
        (date(2016, 2, 4), "closed_evidenced", False),
        (date(2016, 2, 4), "superseded", False),
        (None, "in_progress", False),
    ],
)
def test_overdue_is_computed_from_target_date_and_lifecycle(target, lifecycle, overdue):
    assert is_overdue(target, lifecycle, TODAY) is overdue


@pytest.mark.parametrize(
    ("target", "lifecycle", "waiting_late"),
    [
        (date(2016, 2, 4), "complete_awaiting_signoff", True),
        (date(2016, 2, 5), "complete_awaiting_signoff", False),  # due today: not yet past it
        (date(2016, 3, 1), "complete_awaiting_signoff", False),
        (None, "complete_awaiting_signoff", False),
        (date(2016, 2, 4), "in_progress", False),  # that is overdue work, counted apart
        (date(2016, 2, 4), "not_started", False),
        (date(2016, 2, 4), "closed_evidenced", False),
        (date(2016, 2, 4), "superseded", False),
    ],
)
def test_complete_awaiting_sign_off_past_its_target_date_is_counted_apart_from_overdue(
    target, lifecycle, waiting_late
):
    assert is_awaiting_past_target(target, lifecycle, TODAY) is waiting_late
    assert not (waiting_late and is_overdue(target, lifecycle, TODAY))


@pytest.mark.parametrize(
    ("lifecycle", "rag", "colour"),
    [
        ("closed_evidenced", None, "blue"),
        ("superseded", None, "grey"),
        ("in_progress", "red", "red"),
        ("complete_awaiting_signoff", "green", "green"),  # awaiting sign-off is never blue
        ("not_started", "amber", "amber"),
    ],
)
def test_blue_means_closed_with_evidence_and_nothing_else(lifecycle, rag, colour):
    assert status_colour(lifecycle, rag) == colour


def test_closed_states():
    assert Lifecycle.CLOSED_EVIDENCED.is_closed and Lifecycle.SUPERSEDED.is_closed
    assert not Lifecycle.COMPLETE_AWAITING_SIGNOFF.is_closed


def test_a_new_dependency_that_closes_a_loop_is_reported_with_the_actions_in_it():
    edges = [("A", "B"), ("B", "C")]
    assert find_cycle(edges, ("C", "A")) == ["C", "A", "B", "C"]
    assert find_cycle(edges, ("A", "C")) is None
    assert find_cycle([], ("A", "A")) == ["A", "A"]


def test_date_clash_when_due_before_a_prerequisite():
    assert date_clash(date(2016, 3, 1), date(2016, 4, 1))
    assert not date_clash(date(2016, 4, 1), date(2016, 4, 1))
    assert not date_clash(None, date(2016, 4, 1))


@pytest.mark.parametrize(
    ("prerequisites", "blocked"),
    [
        ([], False),
        ([{"closed": False, "rag": "green", "overdue": False}], False),
        ([{"closed": False, "rag": "red", "overdue": False}], True),
        ([{"closed": False, "rag": "amber", "overdue": True}], True),
        ([{"closed": True, "rag": None, "overdue": False}], False),
    ],
)
def test_blocked_when_a_prerequisite_is_red_or_overdue(prerequisites, blocked):
    assert is_blocked(prerequisites) is blocked


NORTH_HEAD = Actor(user_id=10, role=Role.LOCALITY_HEAD, locality="north")
LEAD = Actor(user_id=20, role=Role.ACTION_LEAD)
NORTH_DEPUTY = Actor(user_id=30, role=Role.ACTION_LEAD, deputy_for="north")


@pytest.mark.parametrize(
    ("actor", "permission", "target", "allowed"),
    [
        (None, Permission.READ_PLAN, None, False),
        (Actor(1, Role.VIEWER), Permission.READ_PLAN, None, True),
        (Actor(1, Role.VIEWER), Permission.EXPORT, None, True),
        # Anyone may lead an action, so the route guard lets every role ask; the action decides.
        (Actor(1, Role.VIEWER), Permission.UPDATE_ACTION, None, True),
        (Actor(1, Role.VIEWER), Permission.UPDATE_ACTION, Target(locality="north"), False),
        (Actor(1, Role.VIEWER), Permission.UPDATE_ACTION, Target(lead_user_id=1), True),
        (Actor(1, Role.VIEWER, active=False), Permission.READ_PLAN, None, False),
        (Actor(1, Role.ADMIN), Permission.ADMIN, None, True),
        (Actor(1, Role.CHAIR), Permission.ADMIN, None, False),
        (Actor(1, Role.CHAIR), Permission.SIGN_OFF, None, True),
        (NORTH_HEAD, Permission.ADMIN, None, False),
        (NORTH_HEAD, Permission.UPDATE_ACTION, Target(locality="north"), True),
        (NORTH_HEAD, Permission.UPDATE_ACTION, Target(locality="south"), False),
        (NORTH_HEAD, Permission.UPDATE_ACTION, Target(lead_user_id=10), True),
        (NORTH_HEAD, Permission.SUBMIT_RETURN, Target(locality="south"), False),
        (LEAD, Permission.UPDATE_ACTION, Target(lead_user_id=20), True),
        (LEAD, Permission.UPDATE_ACTION, Target(lead_user_id=21), False),
        (LEAD, Permission.SIGN_OFF, None, False),
        (Actor(1, Role.PERFORMANCE_OFFICER), Permission.MANAGE_MEASURES, None, True),
        # The chair's dashboard: the chair, JSIG viewers and the admin who prepares the meeting.
        (Actor(1, Role.CHAIR), Permission.READ_DASHBOARD, None, True),
        (Actor(1, Role.VIEWER), Permission.READ_DASHBOARD, None, True),
        (Actor(1, Role.ADMIN), Permission.READ_DASHBOARD, None, True),
        (NORTH_HEAD, Permission.READ_DASHBOARD, None, False),
        (LEAD, Permission.READ_DASHBOARD, None, False),
        (Actor(1, Role.PERFORMANCE_OFFICER), Permission.READ_DASHBOARD, None, False),
        # Roles follow the work: a performance officer updates the actions they lead.
        (
            Actor(7, Role.PERFORMANCE_OFFICER),
            Permission.UPDATE_ACTION,
            Target(lead_user_id=7),
            True,
        ),
        (
            Actor(7, Role.PERFORMANCE_OFFICER),
            Permission.UPDATE_ACTION,
            Target(lead_user_id=8),
            False,
        ),
        # Separation of duties: the admin manages people, not plans, returns or sign-off.
        (Actor(1, Role.ADMIN), Permission.UPDATE_ACTION, Target(locality="south"), False),
        (Actor(1, Role.ADMIN), Permission.SIGN_OFF, None, False),
        (Actor(1, Role.ADMIN), Permission.SUBMIT_RETURN, Target(locality="north"), False),
        (Actor(1, Role.ADMIN), Permission.SUBMIT_RETURN, None, False),
        (Actor(1, Role.ADMIN), Permission.READ_SEF_DRAFT, Target(locality="north"), True),
        (LEAD, Permission.SUBMIT_RETURN, None, False),
        (NORTH_HEAD, Permission.SUBMIT_RETURN, None, True),
        (NORTH_HEAD, Permission.SUBMIT_RETURN, Target(locality="north"), True),
        (NORTH_HEAD, Permission.READ_SEF_DRAFT, Target(locality="north"), True),
        (NORTH_HEAD, Permission.READ_SEF_DRAFT, Target(locality="south"), False),
        (Actor(1, Role.VIEWER), Permission.READ_SEF_DRAFT, Target(locality="north"), False),
        (Actor(1, Role.CHAIR), Permission.READ_SEF_DRAFT, Target(locality="north"), False),
        # A named deputy does the locality's return and SEF, and updates its actions.
        (NORTH_DEPUTY, Permission.SUBMIT_RETURN, None, True),
        (NORTH_DEPUTY, Permission.SUBMIT_RETURN, Target(locality="north"), True),
        (NORTH_DEPUTY, Permission.SUBMIT_RETURN, Target(locality="south"), False),
        (NORTH_DEPUTY, Permission.UPDATE_ACTION, Target(locality="north"), True),
        (NORTH_DEPUTY, Permission.READ_SEF_DRAFT, Target(locality="north"), True),
        (NORTH_DEPUTY, Permission.READ_SEF_DRAFT, Target(locality="south"), False),
        # A head of another locality who is not a deputy here.
        (
            Actor(3, Role.LOCALITY_HEAD, locality="south"),
            Permission.SUBMIT_RETURN,
            Target(locality="north"),
            False,
        ),
    ],
)
def test_the_policy_decides_every_permission(actor, permission, target, allowed):
    assert can(actor, permission, target) is allowed
