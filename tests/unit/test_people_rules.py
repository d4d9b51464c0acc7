"""The rules for invitation links, new passwords, leavers and the last administrator."""

from datetime import UTC, datetime, timedelta

import pytest

from tracker.domain.people import (
    LinkState,
    demotion_problem,
    invitation_state,
    leaving_problem,
    password_problem,
)

SENT = datetime(2016, 2, 5, 9, 0, tzinfo=UTC)
EXPIRES = SENT + timedelta(hours=48)


@pytest.mark.parametrize(
    ("found", "used_at", "now", "state"),
    [
        (True, None, SENT, LinkState.VALID),
        (True, None, EXPIRES - timedelta(seconds=1), LinkState.VALID),
        (True, None, EXPIRES, LinkState.EXPIRED),  # 48 hours on the dot: gone
        (True, None, EXPIRES + timedelta(days=30), LinkState.EXPIRED),
        (True, SENT + timedelta(hours=1), SENT + timedelta(hours=2), LinkState.USED),
        # Used and since expired: "already used" is the more useful thing to say.
        (True, SENT + timedelta(hours=1), EXPIRES + timedelta(hours=1), LinkState.USED),
        (False, None, SENT, LinkState.UNKNOWN),
    ],
)
def test_an_invitation_link_works_once_until_it_expires(found, used_at, now, state):
    expires = EXPIRES if found else None
    assert invitation_state(found=found, expires_at=expires, used_at=used_at, now=now) is state


@pytest.mark.parametrize(
    ("password", "confirm", "problem"),
    [
        ("correct horse battery", "correct horse battery", None),
        ("twelve-chars", "twelve-chars", None),
        ("eleven-char", "eleven-char", "password"),
        ("", "", "password"),
        ("            ", "            ", "password"),  # only spaces
        ("x" * 201, "x" * 201, "password"),
        ("long-enough-pass\x00", "long-enough-pass\x00", "password"),
        ("correct horse battery", "correct horse batterY", "confirm"),
    ],
)
def test_a_new_password_follows_the_rules(password, confirm, problem):
    found = password_problem(password, confirm)
    assert (found[0] if found else None) == problem


@pytest.mark.parametrize(
    ("actor", "person", "active", "is_admin", "admins", "refused"),
    [
        (1, 2, True, False, 1, None),
        (1, 2, True, True, 2, None),  # another admin stays
        (1, 2, True, True, 1, "last active administrator"),
        (1, 1, True, True, 3, "cannot mark yourself"),
        (1, 2, False, False, 1, "already left"),
    ],
)
def test_nobody_marks_themselves_or_the_last_administrator_as_left(
    actor, person, active, is_admin, admins, refused
):
    problem = leaving_problem(
        actor_id=actor, person_id=person, active=active, is_admin=is_admin, active_admins=admins
    )
    assert (problem is None) if refused is None else (refused in problem)


@pytest.mark.parametrize(
    ("actor", "person", "was", "stays", "admins", "refused"),
    [
        (1, 2, False, False, 1, None),
        (1, 2, True, True, 1, None),
        (1, 2, True, False, 2, None),
        (1, 2, True, False, 1, "last active administrator"),
        (1, 1, True, False, 2, "your own administrator role"),
    ],
)
def test_the_last_administrator_keeps_the_role(actor, person, was, stays, admins, refused):
    problem = demotion_problem(
        actor_id=actor, person_id=person, was_admin=was, stays_admin=stays, active_admins=admins
    )
    assert (problem is None) if refused is None else (refused in problem)
