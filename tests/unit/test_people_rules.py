"""The rules for invitation links, new passwords, leavers and the last administrator."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tracker.domain.people import (
    LinkState,
    demotion_problem,
    invitation_state,
    leaving_date_problem,
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


TODAY = date(2016, 2, 5)


@pytest.mark.parametrize(
    ("left_on", "problem"),
    [
        (TODAY, None),
        (date(2016, 1, 29), None),  # last Friday: recorded a week late
        (date(2011, 2, 5), None),  # five years ago to the day: still believable
        (date(2011, 2, 4), "must be on or after 5 February 2011"),  # a mistyped year, likely
        (date(2016, 2, 6), "must be today (5 February 2016) or earlier"),
        (date(2026, 2, 5), "must be today (5 February 2016) or earlier"),
        (date(1, 1, 1), "must be on or after 5 February 2011"),
    ],
)
def test_a_leaving_date_is_today_or_earlier_and_not_years_ago(left_on, problem):
    found = leaving_date_problem(left_on, today=TODAY)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_a_leaving_date_five_years_before_29_february_is_28_february():
    assert leaving_date_problem(date(2011, 2, 28), today=date(2016, 2, 29)) is None
    assert leaving_date_problem(date(2011, 2, 27), today=date(2016, 2, 29)) is not None
