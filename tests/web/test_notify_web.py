"""How each person is told (immediate mail or the daily digest, default digest), and following
actions: the account page, the Follow button, and the digest lines a follower gets. Run on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from tests.builders import actor_for, add_update, make_action, make_cycles, make_user
from tests.conftest import csrf_token, sign_in
from tracker.extensions import db
from tracker.models import ActionFollow, AuditEvent, OutboxItem, OutboxMessage, User
from tracker.services.governance import challenges
from tracker.services.mail import notify
from tracker.services.mail.chasing import ChaseConfig, run_chasing

PASSWORD = "a-long-test-password"
NOW = datetime(2016, 2, 5, 10, 30, tzinfo=UTC)


@pytest.fixture
def world(client):
    make_cycles(upto=3)
    chair = make_user(role="chair", email="chair@trust.example")
    lead = make_user(role="action_lead", email="lead@trust.example")
    viewer = make_user(role="viewer", email="jsig@council.example")
    make_action(ref="MAP-001", lead=lead)
    db.session.commit()
    ids = {"chair": chair.id, "lead": lead.id, "viewer": viewer.id}
    db.session.remove()
    return ids


def _as(client, email):
    sign_in(client, email, PASSWORD)
    return csrf_token(client, "/account/notifications")


def _preference(user_id: int) -> str:
    value = db.session.execute(select(User.mail_preference).where(User.id == user_id)).scalar_one()
    db.session.remove()
    return value


def _follows(user_id: int) -> int:
    value = db.session.execute(
        select(func.count()).select_from(ActionFollow).where(ActionFollow.user_id == user_id)
    ).scalar_one()
    db.session.remove()
    return value


def test_the_digest_is_the_default_and_each_person_may_choose_immediate_mail(client, world):
    token = _as(client, "lead@trust.example")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert 'value="digest" checked' in page and "How you are told" in page
    response = client.post(
        "/account/notifications", data={"csrf_token": token, "preference": "immediate"}
    )
    assert response.status_code == 302
    assert _preference(world["lead"]) == "immediate"
    events = db.session.execute(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == "mail_preference_set")
    ).scalar_one()
    assert events == 1


@pytest.mark.parametrize("value", ["", "weekly", "x" * 500])
def test_a_choice_the_tracker_does_not_offer_is_refused_with_the_error_summary(
    client, world, value
):
    token = _as(client, "lead@trust.example")
    response = client.post(
        "/account/notifications", data={"csrf_token": token, "preference": value}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert _preference(world["lead"]) == "digest"


def _reminder_days(user_id: int) -> int:
    value = db.session.execute(select(User.reminder_days).where(User.id == user_id)).scalar_one()
    db.session.remove()
    return value


def test_a_jsig_member_chooses_how_long_before_a_deadline_their_calendar_reminds_them(
    client, world
):
    token = _as(client, "jsig@council.example")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "When should your calendar remind you of a deadline?" in page
    assert 'value="2" checked' in page  # two days until they choose
    response = client.post(
        "/account/notifications",
        data={"csrf_token": token, "preference": "digest", "reminder": "5"},
    )
    assert response.status_code == 302 and _reminder_days(world["viewer"]) == 5
    assert 'value="5" checked' in client.get("/account/notifications").get_data(as_text=True)
    kinds = db.session.execute(
        select(AuditEvent.kind).where(AuditEvent.kind == "calendar_reminder_set")
    ).all()
    assert len(kinds) == 1


@pytest.mark.parametrize("value", ["3", "-1", "x" * 300])
def test_a_reminder_the_tracker_does_not_offer_is_refused_in_words_and_nothing_changes(
    client, world, value
):
    token = _as(client, "jsig@council.example")
    response = client.post(
        "/account/notifications",
        data={"csrf_token": token, "preference": "immediate", "reminder": value},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert "Choose when your calendar reminds you of a deadline" in page
    assert 'href="#reminder"' in page
    assert _reminder_days(world["viewer"]) == 2 and _preference(world["viewer"]) == "digest"


def test_a_post_without_its_csrf_token_is_refused(client, world):
    _as(client, "lead@trust.example")
    response = client.post("/account/notifications", data={"preference": "immediate"})
    assert response.status_code == 400
    assert client.post("/actions/MAP-001/follow", data={"confirm": "yes"}).status_code == 400
    assert _preference(world["lead"]) == "digest" and _follows(world["lead"]) == 0


def test_anyone_who_reads_an_action_follows_it_from_its_page_and_stops(client, world):
    token = _as(client, "jsig@council.example")
    page = client.get("/actions/MAP-001").get_data(as_text=True)
    assert "Follow this action" in page
    response = client.post("/actions/MAP-001/follow", data={"csrf_token": token, "confirm": "yes"})
    assert response.status_code == 302 and response.location.endswith("/actions/MAP-001#follow")
    client.post("/actions/MAP-001/follow", data={"csrf_token": token, "confirm": "yes"})
    assert _follows(world["viewer"]) == 1  # twice is once
    assert "Stop following" in client.get("/actions/MAP-001").get_data(as_text=True)
    assert "MAP-001" in client.get("/account/notifications").get_data(as_text=True)
    client.post("/actions/MAP-001/unfollow", data={"csrf_token": token, "confirm": "yes"})
    assert _follows(world["viewer"]) == 0
    missing = client.post("/actions/NOPE-1/follow", data={"csrf_token": token, "confirm": "yes"})
    assert missing.status_code == 404


def test_signed_out_people_cannot_follow(client, world):
    response = client.post("/actions/MAP-001/follow", data={"confirm": "yes"})
    assert response.status_code in (302, 400, 401)
    assert _follows(world["viewer"]) == 0


def test_a_chair_follows_what_they_challenged(client, world):
    chair = db.session.get(User, world["chair"])
    challenges.raise_challenge(actor_for(chair), question="Why?", now=NOW, action_ref="MAP-001")
    assert _follows(world["chair"]) == 1


def test_a_follower_gets_each_change_by_someone_else_in_their_digest_once(clean_db, world):
    viewer = db.session.get(User, world["viewer"])
    notify.follow(viewer.id, "MAP-001", now=NOW)
    from tracker.models import Action

    action = db.session.execute(select(Action).where(Action.ref == "MAP-001")).scalar_one()
    lead = db.session.get(User, world["lead"])
    add_update(
        action,
        recorded_at=datetime(2016, 2, 5, 14, 0, tzinfo=UTC),
        rag="amber",
        summary="Recruitment slipped a fortnight.",
        author=lead,
    )
    add_update(  # the follower's own change is not sent back to them
        action, recorded_at=datetime(2016, 2, 5, 15, 0, tzinfo=UTC), author=viewer
    )
    db.session.commit()
    cfg = ChaseConfig.from_mapping(clean_db.config)
    day, now = date(2016, 2, 8), datetime(2016, 2, 8, 9, 0, tzinfo=UTC)
    run_chasing(day, now=now, cfg=cfg)
    run_chasing(date(2016, 2, 9), now=datetime(2016, 2, 9, 9, 0, tzinfo=UTC), cfg=cfg)
    items = db.session.execute(
        select(OutboxItem.recipient_id, OutboxItem.text).where(OutboxItem.kind == "following")
    ).all()
    assert len(items) == 1 and items[0][0] == viewer.id
    assert "MAP-001, which you follow, changed" in items[0][1]
    assert "Recruitment slipped a fortnight." in items[0][1]
    body = db.session.execute(
        select(OutboxMessage.body_text).where(OutboxMessage.recipient_id == viewer.id)
    ).scalar_one()
    assert "MAP-001, which you follow, changed" in body
