"""The organisation's words (issue 20.2) in what the services write: a meeting's follow-up mail,
the chasing digest's escalation to the chair, the calendar feed and the audit log. Each is made
on a database set up with words unlike the demo's, and names them, never the demo's."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from icalendar import Calendar
from sqlalchemy import select

from tests.builders import (
    actor_for,
    make_action,
    make_cycles,
    make_locality_return,
    make_meeting,
    make_recommendation,
    make_user,
)
from tracker.domain.audit_words import describe
from tracker.domain.calendar import LONDON
from tracker.extensions import db
from tracker.models import AuditEvent, OutboxMessage, Setting, User
from tracker.services.access import settings
from tracker.services.exchange import calendar_feeds
from tracker.services.exchange.calendar_feeds import FeedSettings
from tracker.services.governance import challenges
from tracker.services.mail import chasing
from tracker.services.mail.chasing import ChaseConfig
from tracker.services.platform import audit_log

NOW = datetime(2016, 2, 5, 9, 30, tzinfo=UTC)
OTHER = {
    "board": "Improvement Board",
    "board_short": "Improvement Board",
    "group": "Children's Scrutiny Committee",
    "group_short": "Scrutiny Committee",
    "scrutiny": "Overview and Scrutiny Committee",
    "area": "Cluster",
    "areas": "Clusters",
}
DEMO = ("Getting to Good", "JSIG", "Joint Strategic Inspection Group", "scrutiny panel")
DEMO_AREAS = ("Locality", "Localities", "locality", "localities")


def _none_of_the_demos(text: str) -> None:
    """As people read them (a meeting kind's code, `jsig`, may be in a link or a UID)."""
    for word in DEMO:
        assert word not in text, word


@pytest.fixture
def other_words(clean_db):
    settings.save_words(OTHER, actor_id=None, now=NOW)
    return clean_db


def test_a_follow_up_mail_names_the_meeting_in_the_organisations_words(other_words):
    chair = make_user(email="chair@trust.example", role="chair")
    lead = make_user(email="lead@trust.example", role="action_lead")
    lead.mail_preference = "immediate"  # mailed at once, not in tomorrow's digest
    db.session.commit()
    make_meeting(
        chair=chair,
        kind="getting_to_good",
        follow_ups=(("Bring the audit figures", lead, date(2016, 2, 19)),),
    )
    mail = db.session.execute(select(OutboxMessage)).scalar_one()
    assert mail.subject.startswith("A follow-up for you from the Improvement Board meeting")
    assert "The Improvement Board meeting on" in mail.body_text
    _none_of_the_demos(mail.subject + mail.body_text + mail.body_html)


def test_a_challenge_mailed_to_an_areas_head_names_the_area_in_the_organisations_words(
    other_words,
):
    """The lead cannot sign in and has no line manager: the head of their area is mailed, and
    told why in the council's word for an area."""
    make_cycles(upto=3)
    head = make_user(role="locality_head", locality="north", email="head@trust.example")
    lead = make_user(
        role="action_lead", email="lead@trust.example", locality="north", password=None
    )
    chair = make_user(role="chair", email="chair@trust.example")
    make_action(ref="N-01", plan="north", lead=lead, recommendation=make_recommendation(ref="R1"))
    db.session.commit()
    challenges.raise_challenge(actor_for(chair), question="Why late?", now=NOW, action_ref="N-01")
    mail = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient_id == head.id)
    ).scalar_one()
    assert "so this comes to you as the head of the North cluster" in mail.body_text
    for word in ("locality", "localities"):
        assert word not in (mail.subject + mail.body_text + mail.body_html).lower(), word


def _nine_am(day: date) -> datetime:
    return datetime.combine(day, time(9, 0), tzinfo=LONDON).astimezone(UTC)


def test_the_chairs_escalation_in_the_daily_digest_names_the_board(other_words):
    manager = make_user(email="dops@trust.example", role="chair")
    make_user(email="ceo@trust.example", role="chair")
    head = make_user(email="north@trust.example", role="locality_head", locality="north")
    head.line_manager_id = manager.id
    cycles = make_cycles(upto=6)
    for n in (1, 2):  # cycle 3's return (due Friday 12 February) never comes
        make_locality_return(cycle=cycles[n], by=head, submitted_at=_nine_am(date(2016, 1, 29)))
    db.session.commit()
    cfg = ChaseConfig.from_mapping(
        {**other_words.config, "GETTING_TO_GOOD_CHAIR": "ceo@trust.example"}
    )
    day = date(2016, 2, 18)  # four working days late: the chair is told
    chasing.run_due_days(day, now=_nine_am(day), cfg=cfg)

    to_chair = db.session.execute(
        select(OutboxMessage)
        .join(User, User.id == OutboxMessage.recipient_id)
        .where(User.email == "ceo@trust.example")
    ).scalar_one()
    assert "Escalated to you as the Improvement Board chair." in to_chair.body_text
    assert "Escalated to you as the Improvement Board chair." in to_chair.body_html
    _none_of_the_demos(to_chair.body_text + to_chair.body_html)
    to_head = db.session.execute(
        select(OutboxMessage.body_text).where(OutboxMessage.recipient_id == head.id)
    ).scalar_one()
    assert "Escalated to you" not in to_head  # only the chair's copy says why it came


def test_the_calendar_feed_names_the_meetings_in_the_organisations_words(other_words):
    chair = make_user(email="chair@trust.example", role="chair")
    db.session.commit()
    make_meeting(chair=chair, kind="jsig", held_on=date(2016, 1, 21))
    token = calendar_feeds.make_feed(chair.id, now=NOW)
    body = calendar_feeds.read_feed(
        token,
        now=NOW,
        today=date(2016, 2, 5),
        settings=FeedSettings(
            base_url="https://tracker.example/", sef_first_month="2016-02", sef_due_working_day=5
        ),
    )
    assert body is not None
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    # The group's meeting as recorded; the board's on its usual days ahead.
    assert {"Children's Scrutiny Committee meeting", "Improvement Board meeting"} <= summaries
    _none_of_the_demos(body.decode())


def test_a_meeting_in_the_audit_log_and_the_words_change_itself_read_in_words(other_words):
    chair = make_user(email="chair@trust.example", role="chair")
    db.session.commit()
    make_meeting(chair=chair, kind="jsig")
    directory = audit_log.get_directory()
    recorded = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "meeting_recorded")
    ).scalar_one()
    sentence = describe(recorded.kind, recorded.target, recorded.detail, directory.names)
    assert sentence.startswith("Children's Scrutiny Committee meeting of ")

    changed = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "setup.words")
    ).scalar_one()
    words = describe(changed.kind, changed.target, changed.detail, directory.names)
    assert words.startswith(
        "The organisation's words changed: the board set to “Improvement Board”"
    )
    assert "the group set to “Children's Scrutiny Committee”" in words
    assert "the name of an area set to “Cluster”; the name of areas set to “Clusters”" in words

    settings.save_words({**OTHER, "group_short": "CSC"}, actor_id=chair.id, now=NOW)
    again = (
        db.session.execute(
            select(AuditEvent)
            .where(AuditEvent.kind == "setup.words")
            .order_by(AuditEvent.id.desc())
        )
        .scalars()
        .first()
    )
    assert again.user_id == chair.id
    assert describe(again.kind, again.target, again.detail, directory.names) == (
        "The organisation's words changed: the group's short name from “Scrutiny Committee” "
        "to “CSC”"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("board", "", "Enter the name of the meeting that reviews overdue and red actions"),
        ("group_short", "   ", "Enter the short name of that group"),
        ("scrutiny", "x" * 81, "must be 80 characters or fewer"),
        ("area", " ", "Enter the name of one of the areas that make returns"),
        ("areas", "x" * 81, "That name for more than one area must be 80 characters or fewer"),
    ],
)
def test_words_that_cannot_be_saved_are_refused_and_nothing_is_written(
    clean_db, field, value, message
):
    from tracker.domain.setup import SetupError

    with pytest.raises(SetupError) as refused:
        settings.save_words({**OTHER, field: value}, actor_id=None, now=NOW)
    assert refused.value.field == field and message in refused.value.message
    assert db.session.execute(select(Setting)).first() is None
    assert db.session.execute(select(AuditEvent)).first() is None
