"""The challenge log's rules, without a database: who raises, answers, decides and sees; what
each step moves a challenge to; how text is checked."""

from __future__ import annotations

import pytest

from tracker.domain import challenges as rules
from tracker.domain.challenges import Status
from tracker.domain.permissions import Actor, Role

CHAIR = Actor(user_id=1, role=Role.CHAIR)
VIEWER = Actor(user_id=2, role=Role.VIEWER)
ADMIN = Actor(user_id=3, role=Role.ADMIN)
LEAD = Actor(user_id=4, role=Role.ACTION_LEAD)
NORTH_HEAD = Actor(user_id=5, role=Role.LOCALITY_HEAD, locality="north")
NORTH_DEPUTY = Actor(user_id=6, role=Role.ACTION_LEAD, deputy_for="north")
SOUTH_HEAD = Actor(user_id=7, role=Role.LOCALITY_HEAD, locality="south")
LEFT_CHAIR = Actor(user_id=8, role=Role.CHAIR, active=False)


@pytest.mark.parametrize(
    ("actor", "may"),
    [
        (CHAIR, True),
        (VIEWER, True),
        (ADMIN, False),
        (LEAD, False),
        (NORTH_HEAD, False),
        (LEFT_CHAIR, False),
        (None, False),
    ],
)
def test_chairs_and_viewers_raise(actor, may):
    assert rules.may_raise(actor) is may


@pytest.mark.parametrize(
    ("actor", "lead", "locality", "answers"),
    [
        (LEAD, 4, None, True),  # the action's lead
        (LEAD, 9, None, False),
        (NORTH_HEAD, 9, "north", True),  # a North action or return: its head
        (NORTH_DEPUTY, None, "north", True),  # and its named deputy
        (SOUTH_HEAD, 9, "north", False),
        (NORTH_HEAD, 9, None, False),  # a main-plan action led by someone else
        (CHAIR, 9, "north", False),  # the board does not answer on anyone's behalf
        (ADMIN, 9, "north", False),
    ],
)
def test_the_lead_or_the_locality_answers(actor, lead, locality, answers):
    assert rules.answers_for(actor, lead_user_id=lead, locality=locality) is answers


@pytest.mark.parametrize(
    ("actor", "raised_by", "may"),
    [
        (VIEWER, 2, True),
        (VIEWER, 1, False),
        (CHAIR, 2, True),
        (LEAD, 2, False),
        (ADMIN, 2, False),
        (LEFT_CHAIR, 8, False),
    ],
)
def test_the_challenger_or_any_chair_decides(actor, raised_by, may):
    assert rules.may_decide(actor, raised_by_id=raised_by) is may


@pytest.mark.parametrize(
    ("status", "kind", "after"),
    [
        (Status.OPEN, "response", Status.RESPONDED),
        (Status.ESCALATED, "response", Status.RESPONDED),
        (Status.RESPONDED, "accepted", Status.ACCEPTED),
        (Status.RESPONDED, "escalated", Status.ESCALATED),
        (Status.RESPONDED, "response", "answered"),
        (Status.OPEN, "accepted", "waiting for a response"),
        (Status.ESCALATED, "escalated", "waiting for a response"),
        (Status.ACCEPTED, "response", "accepted and is closed"),
        (Status.ACCEPTED, "escalated", "accepted and is closed"),
    ],
)
def test_each_step_moves_the_challenge_on_or_is_refused(status, kind, after):
    moved = rules.after_step(status, kind)
    if isinstance(after, Status):
        assert moved is after
    else:
        assert not isinstance(moved, Status) and after in moved


@pytest.mark.parametrize(
    ("text", "required", "message"),
    [
        ("", True, "Enter the question"),
        ("   \n", True, "Enter the question"),
        ("", False, None),
        ("Why?", True, None),
        ("x" * 2000, True, None),
        ("x" * 2001, True, "2,000 characters or fewer (it has 2,001)"),
        ("x" * 10_000, True, "(it has 10,000)"),
    ],
)
def test_text_is_needed_and_bounded(text, required, message):
    found = rules.check_text(text, what="question", limit=2000, required=required)
    if message is None:
        assert found is None
    else:
        assert found is not None and message in found


def test_only_an_accepted_challenge_is_closed():
    assert [s for s in Status if not s.is_open] == [Status.ACCEPTED]
    assert all(s.label for s in Status)
