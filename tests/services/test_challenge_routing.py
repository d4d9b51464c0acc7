"""A challenge is mailed to the person who answers it, and when they cannot sign in (not invited
yet, invited without a password set, or left) to their line manager, or failing that a locality
head, instead; the chair is warned on the raise page before sending. Run on SQLite and
PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.builders import actor_for, make_action, make_cycles, make_recommendation, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import Invitation, OutboxMessage
from tracker.services.governance import challenges as service

NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


@pytest.fixture
def story(clean_db):
    make_cycles(upto=3)
    rec = make_recommendation(ref="R3")
    people = {
        "chair": make_user(role="chair", email="chair@trust.example"),
        "manager": make_user(role="action_lead", email="manager@police.example", org="syp"),
        "head": make_user(role="locality_head", locality="north", email="head@trust.example"),
        "police": make_user(
            role="action_lead", email="police@police.example", org="syp", password=None
        ),
        "orphan": make_user(
            role="action_lead", email="orphan@police.example", locality="north", password=None
        ),
        "leaver": make_user(role="action_lead", email="leaver@trust.example", active=False),
        "lead": make_user(role="action_lead", email="lead@trust.example"),
    }
    people["police"].line_manager_id = people["manager"].id
    people["leaver"].line_manager_id = people["manager"].id
    make_action(ref="MAP-001", lead=people["police"], recommendation=rec)
    make_action(ref="MAP-002", lead=people["lead"], recommendation=rec)
    make_action(ref="N-01", plan="north", lead=people["orphan"], recommendation=rec)
    make_action(ref="MAP-003", lead=people["leaver"], recommendation=rec)
    db.session.commit()
    return people


def _to(ref_prefix: str = "") -> dict[int, OutboxMessage]:
    return {
        m.recipient_id: m
        for m in db.session.execute(
            select(OutboxMessage).where(OutboxMessage.key.startswith(f"challenge|{ref_prefix}"))
        ).scalars()
    }


def _raise(story, ref: str) -> int:
    return service.raise_challenge(
        actor_for(story["chair"]), question="Why is this late?", now=NOW, action_ref=ref
    )


def test_a_person_who_can_sign_in_is_mailed_themselves(story):
    _raise(story, "MAP-002")
    assert list(_to()) == [story["lead"].id]
    assert [r.warning for r in service.who_is_told(action_ref="MAP-002")] == [None]


def test_a_lead_never_invited_is_told_through_their_line_manager(story):
    [routing] = service.who_is_told(action_ref="MAP-001")
    name, manager = story["police"].name, story["manager"].name
    assert routing.warning == (
        f"{name} cannot sign in (not invited yet); this will go to {manager}, "
        "their line manager, instead."
    )
    _raise(story, "MAP-001")
    mail = _to()
    assert list(mail) == [story["manager"].id]  # never to the person who cannot sign in
    assert f"{name} cannot sign in (not invited yet)" in mail[story["manager"].id].body_text


def test_invited_without_a_password_yet_says_so(story):
    db.session.add(
        Invitation(
            user_id=story["police"].id,
            token_hash="x" * 64,
            created_at=NOW,
            expires_at=NOW + timedelta(days=7),
        )
    )
    db.session.commit()
    [routing] = service.who_is_told(action_ref="MAP-001")
    assert "invited, but they have not set a password yet" in routing.warning


def test_a_leaver_s_challenge_goes_to_their_line_manager(story):
    [routing] = service.who_is_told(action_ref="MAP-003")
    assert "they have left" in routing.warning and routing.instead_id == story["manager"].id


def test_without_a_line_manager_the_locality_head_is_told_once(story):
    # N-01's lead cannot sign in and has no line manager; the head of North answers for the
    # action anyway, and is told once, with the line saying for whom.
    routing = service.who_is_told(action_ref="N-01")
    assert [r.person_id for r in routing] == [story["orphan"].id, story["head"].id]
    assert routing[0].instead_id == story["head"].id
    assert "the head of" in routing[0].warning
    _raise(story, "N-01")
    mail = _to()
    assert list(mail) == [story["head"].id]
    assert "cannot sign in" in mail[story["head"].id].body_text


def test_the_chair_is_warned_on_the_raise_page_before_sending(story, client):
    db.session.remove()
    sign_in(client, "chair@trust.example", "a-long-test-password")
    page = client.get("/actions/MAP-001/challenges/new").get_data(as_text=True)
    assert "cannot sign in (not invited yet); this will go to" in page
    assert 'data-warning="cannot-sign-in"' in page
    quiet = client.get("/actions/MAP-002/challenges/new").get_data(as_text=True)
    assert "cannot sign in" not in quiet
    token = csrf_token(client, "/actions/MAP-001/challenges/new")
    response = client.post(
        "/actions/MAP-001/challenges/new", data={"csrf_token": token, "question": "Why?"}
    )
    assert response.status_code == 302


def test_before_escalating_the_chair_is_warned_too(story, client):
    cid = _raise(story, "MAP-001")
    # The lead answers (the service does not ask how they signed in).
    lead = actor_for(story["police"])
    service.add_step(cid, "response", text="Recruiting.", actor=lead, now=NOW)
    db.session.remove()
    sign_in(client, "chair@trust.example", "a-long-test-password")
    page = client.get(f"/challenges/{cid}").get_data(as_text=True)
    assert "If you escalate:" in page and "cannot sign in (not invited yet)" in page
