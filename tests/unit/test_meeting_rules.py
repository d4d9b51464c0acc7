"""The rules for recording a meeting, and who may see a meeting or mark a follow-up done."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.domain.meetings import (
    IDEMPOTENCY_KEY,
    FollowUpProposal,
    MeetingProposal,
    check_meeting,
    decision_lines,
)
from tracker.domain.permissions import Actor, Permission, Role, Target, can

TODAY = date(2016, 2, 5)  # a Friday
GOOD = MeetingProposal(kind="getting_to_good", held_on=TODAY, chair_id=1)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({}, set()),
        ({"kind": "jsig"}, set()),
        ({"kind": "cib", "held_on": date(2015, 12, 24)}, set()),  # Christmas Eve: in the past
        ({"kind": "weekly"}, {"kind"}),
        ({"held_on": date(2016, 2, 6)}, {"held_on"}),  # tomorrow, a Saturday
        ({"held_on": None}, {"held_on"}),
        ({"held_on": date(1999, 12, 31)}, {"held_on"}),
        ({"chair_id": None}, {"chair"}),
        ({"notes": "Plans for 40 children were reviewed; 85% on time."}, set()),  # figures only
        ({"notes": "Child A aged 7 was discussed."}, {"notes"}),
        ({"decisions": ("Audit N-04 by 12/02/2016.",)}, set()),  # an action ref and a date
        ({"decisions": ("x" * 1001,)}, {"decisions"}),
        ({"other_attendees": "Detective Superintendent, South Yorkshire Police"}, set()),
        (
            {"follow_ups": (FollowUpProposal("Report back", 2, date(2016, 2, 5)),)},
            set(),  # due on the day of the meeting
        ),
        (
            {"follow_ups": (FollowUpProposal("Report back", 2, date(2016, 2, 4)),)},
            {"follow_ups-0-due_on"},
        ),
        (
            {"follow_ups": (FollowUpProposal("", None, None),)},
            {"follow_ups-0-text", "follow_ups-0-assignee", "follow_ups-0-due_on"},
        ),
        ({"follow_ups": (FollowUpProposal("Report back", 2, TODAY),) * 100}, set()),
        ({"follow_ups": (FollowUpProposal("Report back", 2, TODAY),) * 101}, {"follow_ups"}),
    ],
)
def test_what_a_meeting_record_must_hold(changes, errors):
    proposal = MeetingProposal(**(GOOD.__dict__ | changes))
    found = set(check_meeting(proposal, today=TODAY))
    assert found == errors


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("", ()),
        ("One.\n\n  Two.  \r\n", ("One.", "Two.")),
        ("\n \n", ()),
    ],
)
def test_decisions_are_one_to_a_line(text, lines):
    assert decision_lines(text) == lines


@pytest.mark.parametrize(
    ("key", "valid"),
    [("a" * 32, True), ("0123456789abcdef" * 2, True), ("A" * 32, False), ("a" * 31, False)],
)
def test_the_form_key_is_32_hex_characters(key, valid):
    assert bool(IDEMPOTENCY_KEY.fullmatch(key)) is valid


NAMED = Target(people=frozenset({7, 8}))


@pytest.mark.parametrize(
    ("actor", "permission", "target", "allowed"),
    [
        (Actor(1, Role.CHAIR), Permission.READ_MEETING, NAMED, True),
        (Actor(1, Role.ADMIN), Permission.READ_MEETING, NAMED, True),
        (Actor(1, Role.VIEWER), Permission.READ_MEETING, NAMED, True),
        (Actor(1, Role.LOCALITY_HEAD, locality="north"), Permission.READ_MEETING, NAMED, False),
        (Actor(7, Role.LOCALITY_HEAD, locality="north"), Permission.READ_MEETING, NAMED, True),
        (Actor(8, Role.ACTION_LEAD), Permission.READ_MEETING, NAMED, True),
        (Actor(9, Role.PERFORMANCE_OFFICER), Permission.READ_MEETING, NAMED, False),
        (Actor(9, Role.PERFORMANCE_OFFICER), Permission.READ_MEETING, None, True),  # the list
        (Actor(7, Role.ACTION_LEAD, active=False), Permission.READ_MEETING, NAMED, False),
        (None, Permission.READ_MEETING, None, False),
        (Actor(1, Role.CHAIR), Permission.RECORD_MEETING, None, True),
        (Actor(1, Role.ADMIN), Permission.RECORD_MEETING, None, True),
        (Actor(1, Role.VIEWER), Permission.RECORD_MEETING, None, False),
        (Actor(1, Role.ACTION_LEAD), Permission.RECORD_MEETING, None, False),
        (Actor(7, Role.ACTION_LEAD), Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=7), True),
        (Actor(8, Role.ACTION_LEAD), Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=7), False),
        (Actor(8, Role.VIEWER), Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=7), False),
        (Actor(1, Role.CHAIR), Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=7), True),
        (Actor(1, Role.ADMIN), Permission.COMPLETE_FOLLOW_UP, Target(lead_user_id=7), True),
    ],
)
def test_who_sees_a_meeting_and_marks_a_follow_up_done(actor, permission, target, allowed):
    assert can(actor, permission, target) is allowed
