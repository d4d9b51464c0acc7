"""`flask tracker init`: on a database with no administrator, the organisation, its first
administrator and a one-time set-up link (24 hours, used once); on a set-up database it refuses
and changes nothing (issue 20, part 1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.builders import make_user
from tests.conftest import csrf_token, sign_in
from tracker.clock import now_utc
from tracker.domain.people import LinkState
from tracker.extensions import db
from tracker.models import AuditEvent, Invitation, Organisation, OutboxMessage, Plan, User
from tracker.services.access import invitations

PASSWORD = "a-long-new-password-2026"
ARGS = [
    "tracker",
    "init",
    "--organisation",
    "Anytown Borough Council",
    "--kind",
    "council",
    "--email",
    "First.Admin@Anytown.example",
    "--name",
    "Sam Okafor",
]


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Organisation, User, Invitation, AuditEvent, OutboxMessage)
    )


def _init(app, args=ARGS):
    result = app.test_cli_runner().invoke(args=args)
    db.session.expire_all()
    return result


def _link(output: str) -> str:
    return next(line for line in output.splitlines() if "/invitations/" in line).strip()


def test_init_on_an_empty_database_prints_a_link_that_makes_the_first_administrator(client):
    app = client.application
    result = _init(app)

    assert result.exit_code == 0, result.output
    link = _link(result.output)
    assert link.startswith(app.config["BASE_URL"].rstrip("/") + "/invitations/")
    admin = db.session.execute(select(User)).scalar_one()
    org = db.session.execute(select(Organisation)).scalar_one()
    assert (admin.email, admin.name, admin.role, admin.password_hash) == (
        "first.admin@anytown.example",
        "Sam Okafor",
        "admin",
        None,
    )
    assert (org.name, org.kind, admin.organisation_id) == (
        "Anytown Borough Council",
        "council",
        org.id,
    )
    # The one improvement plan every inspection's findings feed: imports and areas need it.
    plan = db.session.execute(select(Plan)).scalar_one()
    assert (plan.name, plan.kind) == ("Anytown Borough Council improvement plan", "main")
    # The link is printed, never mailed (there may be no mail server yet) nor stored.
    assert db.session.execute(select(func.count()).select_from(OutboxMessage)).scalar_one() == 0
    token = link.rsplit("/", 1)[1]
    assert token not in db.session.execute(select(Invitation.token_hash)).scalar_one()
    kinds = db.session.execute(select(AuditEvent.kind)).scalars().all()
    assert sorted(kinds) == ["setup.rhythms", "tracker_initialised"]  # the first rhythm, kept

    path = "/" + link.split("/", 3)[3]
    assert client.get(path).status_code == 200
    set_password = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "password": PASSWORD, "confirm": PASSWORD},
    )
    assert set_password.status_code == 302
    sign_in(client, "first.admin@anytown.example", PASSWORD)
    assert client.get("/admin/users").status_code == 200
    # Used once: the same link again is refused, and changes nothing.
    assert client.get(path).status_code == 410


def test_the_set_up_link_lasts_24_hours(client):
    result = _init(client.application)
    token = _link(result.output).rsplit("/", 1)[1]
    now = now_utc()
    assert invitations.get_invitation(token, now=now + timedelta(hours=23)).state is LinkState.VALID
    assert (
        invitations.get_invitation(token, now=now + timedelta(hours=24, minutes=1)).state
        is LinkState.EXPIRED
    )
    assert invitations.get_invitation(token + "x", now=now).state is LinkState.UNKNOWN


def test_a_second_init_refuses_and_changes_nothing(client):
    app = client.application
    assert _init(app).exit_code == 0
    before = _counts()

    again = _init(app, [*ARGS[:-4], "--email", "other@anytown.example", "--name", "Other"])

    assert again.exit_code == 1
    assert "already has an administrator: nothing was changed" in again.output
    assert _counts() == before


def test_init_on_a_database_with_an_administrator_refuses(client):
    make_user(role="admin", email="admin@trust.example")
    db.session.commit()
    before = _counts()
    result = _init(client.application)
    assert result.exit_code == 1 and _counts() == before


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--organisation", "   ", "Enter the organisation's name"),
        ("--organisation", "Any\x00town", "at most 200 characters of text"),
        ("--organisation", "x" * 201, "at most 200 characters of text"),
        ("--email", "not-an-email", "Enter the administrator's email address"),
        ("--name", "", "Enter the administrator's name"),
        ("--kind", "charity", "Invalid value for '--kind'"),
    ],
)
def test_bad_values_are_refused_with_a_reason_and_nothing_is_written(
    client, option, value, message
):
    args = list(ARGS)
    args[args.index(option) + 1] = value
    result = _init(client.application, args)
    assert result.exit_code != 0
    assert message in result.output
    assert _counts() == (0, 0, 0, 0, 0)


def test_user_create_takes_the_only_organisation_when_none_is_named(client):
    app = client.application
    assert _init(app).exit_code == 0
    result = app.test_cli_runner().invoke(
        args=[
            "tracker",
            "user",
            "create",
            "--email",
            "head@anytown.example",
            "--name",
            "A Head",
            "--role",
            "viewer",
        ],
        input="a-long-test-password\n",
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    org = db.session.execute(select(Organisation)).scalar_one()
    head = db.session.execute(select(User).where(User.email == "head@anytown.example")).scalar_one()
    assert head.organisation_id == org.id


def test_processes_started_in_other_weeks_agree_on_the_first_cycle_after_init(tmp_path):
    """With no TRACKER_CYCLE_START each process would work out the first cycle from the week it
    started: `tracker init` keeps the rhythm in force then in the database, so a web worker or
    scheduler started a fortnight later reads the same first cycle."""
    from datetime import date

    from tests.conftest import _dispose, _fresh_schema, make_app
    from tracker.services.access import settings

    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    first = make_app(url, CYCLE_START=None, TODAY="2026-12-10")
    _fresh_schema(first)
    assert first.test_cli_runner().invoke(args=ARGS).exit_code == 0
    later = make_app(url, CYCLE_START=None, TODAY="2026-12-24")
    assert later.config["CYCLE_START"] == "2026-12-21"  # its own week, before anything is read
    with later.app_context():
        kept = settings.load()
        assert kept.rhythm.starts_on == date(2026, 12, 7)
        assert "rhythms" not in settings.chosen(kept)  # kept, not chosen: the set-up says Default
        db.session.remove()
    # The administrator's first rhythm still starts any day: no cycle has been made.
    with later.app_context():
        assert settings.earliest_rhythm_start(date(2026, 12, 24)) is None
        db.session.remove()
    _dispose(first)
    _dispose(later)
