"""Calendar feeds: one live secret link a person, revocable, and a feed holding only that
person's dates, with returns at the right London time on both sides of a clock change."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.builders import (
    get_or_make_locality,
    get_or_make_org,
    make_action,
    make_cycles,
    make_inspection,
    make_locality_return,
    make_meeting,
    make_sef_version,
    make_user,
)
from tracker.domain.setup import MeetingDay, MeetingDays
from tracker.extensions import db
from tracker.models import ActionFollow, AuditEvent, CalendarFeed, UpdateCycle, action_partner
from tracker.services.access import settings
from tracker.services.errors import NotFound
from tracker.services.exchange import calendar_feeds
from tracker.services.exchange.calendar_feeds import FeedSettings

NOW = datetime(2016, 2, 5, 9, 30, tzinfo=UTC)
TODAY = date(2016, 2, 5)
SETTINGS = FeedSettings(
    base_url="https://tracker.example/", sef_first_month="2016-02", sef_due_working_day=5
)


def _read(token: str, *, now: datetime = NOW, today: date = TODAY) -> bytes | None:
    return calendar_feeds.read_feed(token, now=now, today=today, settings=SETTINGS)


def _events(body: bytes | None) -> dict[str, object]:
    assert body is not None
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def _kinds() -> list[str]:
    return list(
        db.session.execute(
            select(AuditEvent.kind)
            .where(AuditEvent.kind.like("calendar_feed%"))
            .order_by(AuditEvent.id)
        ).scalars()
    )


def _live_rows(user_id: int) -> int:
    return db.session.execute(
        select(func.count())
        .select_from(CalendarFeed)
        .where(CalendarFeed.user_id == user_id, CalendarFeed.revoked_at.is_(None))
    ).scalar_one()


# --- the link --------------------------------------------------------------------------------


def test_a_new_link_works_and_only_its_hash_is_kept(clean_db):
    user = make_user()
    db.session.commit()
    token = calendar_feeds.make_feed(user.id, now=NOW)
    row = db.session.execute(select(CalendarFeed)).scalar_one()
    assert token not in row.token_hash and len(row.token_hash) == 64
    assert row.created_at == NOW and row.revoked_at is None and row.last_used_at is None
    assert _read(token) is not None
    assert _kinds() == ["calendar_feed_created", "calendar_feed_read"]
    created = db.session.execute(
        select(AuditEvent).where(AuditEvent.kind == "calendar_feed_created")
    ).scalar_one()
    assert created.user_id == user.id and created.target == user.email


def test_resetting_the_link_stops_the_old_one_and_keeps_one_live_link(clean_db):
    user = make_user()
    db.session.commit()
    old = calendar_feeds.make_feed(user.id, now=NOW)
    new = calendar_feeds.make_feed(user.id, now=NOW + timedelta(minutes=1))
    assert old != new
    assert _read(old) is None
    assert _read(new) is not None
    assert _live_rows(user.id) == 1
    assert db.session.execute(select(func.count()).select_from(CalendarFeed)).scalar_one() == 2
    assert _kinds()[:2] == ["calendar_feed_created", "calendar_feed_reset"]


def test_turning_the_link_off_revokes_it_and_is_recorded(clean_db):
    user = make_user()
    db.session.commit()
    token = calendar_feeds.make_feed(user.id, now=NOW)
    assert calendar_feeds.turn_off_feed(user.id, now=NOW) is True
    assert _read(token) is None
    assert calendar_feeds.get_feed_status(user.id) is None
    assert calendar_feeds.turn_off_feed(user.id, now=NOW) is False  # nothing left to turn off
    assert _kinds() == ["calendar_feed_created", "calendar_feed_revoked"]


def test_the_database_refuses_a_second_live_link_for_one_person(clean_db):
    user = make_user()
    db.session.add(CalendarFeed(user_id=user.id, token_hash="a" * 64, created_at=NOW))
    db.session.flush()
    db.session.add(CalendarFeed(user_id=user.id, token_hash="b" * 64, created_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_revoked_links_may_pile_up_beside_the_live_one(clean_db):
    user = make_user()
    for n in range(3):
        db.session.add(
            CalendarFeed(user_id=user.id, token_hash=f"{n}" * 64, created_at=NOW, revoked_at=NOW)
        )
    db.session.add(CalendarFeed(user_id=user.id, token_hash="f" * 64, created_at=NOW))
    db.session.commit()
    assert _live_rows(user.id) == 1


def test_a_person_who_has_left_has_no_feed(clean_db):
    user = make_user()
    db.session.commit()
    token = calendar_feeds.make_feed(user.id, now=NOW)
    user.active = False
    db.session.commit()
    assert _read(token) is None
    with pytest.raises(NotFound):
        calendar_feeds.make_feed(user.id, now=NOW)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "a" * 42,
        "a" * 44,
        "a" * 43 + "\x00",
        "a" * 20 + "\x00" + "a" * 22,
        "a" * 10_000,
        "a" * 42 + "/",
        "a" * 42 + "é",
        "a" * 42 + "\udc80",
    ],
    ids=lambda t: f"{len(t)} characters" if t else "empty",
)
def test_a_malformed_link_names_no_feed_and_asks_no_query(clean_db, count_queries, token):
    with count_queries(clean_db) as counter:
        assert _read(token) is None
    assert [s for s in counter.statements if "calendar_feed" in s] == []


def test_a_well_formed_wrong_link_is_looked_up_by_its_hash_and_not_found(clean_db):
    user = make_user()
    db.session.commit()
    calendar_feeds.make_feed(user.id, now=NOW)
    assert _read("A" * 43) is None


def test_each_fetch_is_noted_and_the_first_of_each_london_day_is_audited(clean_db):
    user = make_user()
    db.session.commit()
    token = calendar_feeds.make_feed(user.id, now=NOW)
    for moment in [
        NOW,
        NOW + timedelta(hours=1),
        # 23:30 on 5 February is still the same London day in winter ...
        datetime(2016, 2, 5, 23, 30, tzinfo=UTC),
        datetime(2016, 2, 6, 0, 30, tzinfo=UTC),
        # ... but 23:30 UTC on 1 April is 00:30 on 2 April in London (BST).
        datetime(2016, 4, 1, 22, 30, tzinfo=UTC),
        datetime(2016, 4, 1, 23, 30, tzinfo=UTC),
    ]:
        assert _read(token, now=moment) is not None
    status = calendar_feeds.get_feed_status(user.id)
    assert status.last_used_at == datetime(2016, 4, 1, 23, 30, tzinfo=UTC)
    reads = db.session.execute(
        select(AuditEvent)
        .where(AuditEvent.kind == "calendar_feed_read")
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).scalars()
    assert [e.occurred_at for e in reads] == [
        NOW,
        datetime(2016, 2, 6, 0, 30, tzinfo=UTC),
        datetime(2016, 4, 1, 22, 30, tzinfo=UTC),
        datetime(2016, 4, 1, 23, 30, tzinfo=UTC),
    ]


# --- what is in it ---------------------------------------------------------------------------


def test_the_feed_holds_only_the_persons_own_open_actions_with_a_target_date(clean_db):
    me, someone_else = make_user(), make_user()
    mine = make_action(ref="MAP-001", lead=me, target_date=date(2016, 3, 31))
    make_action(ref="MAP-002", lead=someone_else)
    make_action(ref="MAP-003", lead=None)
    make_action(ref="MAP-004", lead=me, target_date=None)
    make_action(ref="MAP-005", lead=me, lifecycle="closed_evidenced", rag=None)
    make_action(ref="MAP-006", lead=me, lifecycle="superseded", rag=None)
    awaiting = make_action(ref="MAP-007", lead=me, lifecycle="complete_awaiting_signoff")
    db.session.commit()
    events = _events(_read(calendar_feeds.make_feed(me.id, now=NOW)))
    assert {uid for uid in events if not uid.startswith("statutory-")} == {
        f"action-{mine.id}-target-date@tracker.example",
        f"action-{awaiting.id}-target-date@tracker.example",
    }
    event = events[f"action-{mine.id}-target-date@tracker.example"]
    assert event.start == date(2016, 3, 31)
    assert event["URL"] == "https://tracker.example/actions/MAP-001"
    assert f"Lead: {me.name}, Trust" in event["DESCRIPTION"]
    # An action lead writes no return and no SEF.
    assert not [uid for uid in events if uid.startswith(("return-", "sef-"))]


def test_a_partner_agencys_people_see_the_actions_their_agency_leads_or_partners_on(clean_db):
    police = get_or_make_org("police", kind="police")
    officer = make_user(org="police")
    led = make_action(ref="MAP-010", org="police")
    partnered = make_action(ref="MAP-011", org="trust")
    db.session.execute(
        action_partner.insert().values(action_id=partnered.id, organisation_id=police.id)
    )
    make_action(ref="MAP-012", org="trust")
    db.session.commit()
    events = _events(_read(calendar_feeds.make_feed(officer.id, now=NOW)))
    assert {uid.split("-target")[0] for uid in events if uid.startswith("action-")} == {
        f"action-{led.id}",
        f"action-{partnered.id}",
    }


def test_a_locality_head_sees_their_returns_at_the_right_time_across_the_clock_change(clean_db):
    """Cycle 6 is due at noon on Thursday 24 March 2016 (Good Friday moves it a day earlier),
    in GMT; a return due at noon on Thursday 31 March is in BST, after the clocks went forward
    on Sunday 27 March. Both show 12:00 in London, an hour apart in UTC."""
    head = make_user(role="locality_head", locality="north")
    make_user(role="locality_head", locality="south")
    cycles = make_cycles(upto=6)
    late_march = UpdateCycle(
        number=40,
        opens_on=date(2016, 3, 29),
        due_on=date(2016, 3, 31),
        due_at=datetime(2016, 3, 31, 11, 0, tzinfo=UTC),  # noon in London (BST)
    )
    db.session.add(late_march)
    db.session.flush()
    make_locality_return(locality="north", cycle=cycles[1], submitted_at=NOW)
    make_locality_return(locality="south", cycle=cycles[2], submitted_at=NOW)
    db.session.commit()
    events = _events(_read(calendar_feeds.make_feed(head.id, now=NOW)))
    returns = {uid: e for uid, e in events.items() if uid.startswith("return-")}
    numbers = (1, 2, 3, 4, 5, 6, 40)
    assert set(returns) == {f"return-north-cycle-{n}@tracker.example" for n in numbers}

    before = returns["return-north-cycle-6@tracker.example"].start
    after = returns["return-north-cycle-40@tracker.example"].start
    assert (before.date(), before.hour, before.minute, before.tzname()) == (
        date(2016, 3, 24),
        12,
        0,
        "GMT",
    )
    assert (after.date(), after.hour, after.minute, after.tzname()) == (
        date(2016, 3, 31),
        12,
        0,
        "BST",
    )
    assert before.astimezone(UTC) == datetime(2016, 3, 24, 12, 0, tzinfo=UTC)
    assert after.astimezone(UTC) == datetime(2016, 3, 31, 11, 0, tzinfo=UTC)
    assert "Status: Submitted" in returns["return-north-cycle-1@tracker.example"]["DESCRIPTION"]
    assert "Not started" in returns["return-north-cycle-2@tracker.example"]["DESCRIPTION"]
    assert returns["return-north-cycle-1@tracker.example"]["URL"] == (
        "https://tracker.example/returns/north/1"
    )


def test_a_named_deputy_sees_the_returns_and_sefs_of_the_locality_they_deputise_for(clean_db):
    deputy = make_user(role="action_lead", deputy_for="east")
    get_or_make_locality("north")
    make_cycles(upto=2)
    db.session.commit()
    events = _events(_read(calendar_feeds.make_feed(deputy.id, now=NOW)))
    assert sorted(uid for uid in events if not uid.startswith("action-")) == [
        "return-east-cycle-1@tracker.example",
        "return-east-cycle-2@tracker.example",
        "sef-east-2016-02@tracker.example",
        "sef-east-2016-03@tracker.example",
    ]


@pytest.mark.parametrize(
    ("versions", "words"),
    [
        ([], "Status: Not started"),
        ([("draft", datetime(2016, 2, 3, 10, tzinfo=UTC))], "Status: Draft saved, not submitted"),
        ([("submitted", datetime(2016, 2, 5, 23, 0, tzinfo=UTC))], "Status: Submitted\n"),
        (
            [
                ("draft", datetime(2016, 2, 1, 10, tzinfo=UTC)),
                ("submitted", datetime(2016, 2, 8, 9, tzinfo=UTC)),
            ],
            "Status: Submitted late",
        ),
    ],
)
def test_a_sef_is_an_all_day_event_on_its_due_day_with_its_status(clean_db, versions, words):
    head = make_user(role="locality_head", locality="north")
    for number, (status, saved_at) in enumerate(versions, start=1):
        make_sef_version(month="2016-02", status=status, saved_at=saved_at, version=number)
    db.session.commit()
    events = _events(_read(calendar_feeds.make_feed(head.id, now=NOW)))
    february = events["sef-north-2016-02@tracker.example"]
    # Due on the fifth working day of February 2016: Friday 5 February.
    assert february.start == date(2016, 2, 5)
    assert words in str(february["DESCRIPTION"]) + "\n"
    assert events["sef-north-2016-03@tracker.example"].start == date(2016, 3, 7)
    if versions:  # LAST-MODIFIED moves with the SEF's last save (or the link's making)
        assert february["LAST-MODIFIED"].dt == max(NOW, max(s for _, s in versions))


def test_an_unchanged_feed_reads_the_same_twice_and_a_new_update_changes_its_event(clean_db):
    me = make_user()
    action = make_action(ref="MAP-001", lead=me)
    db.session.commit()
    token = calendar_feeds.make_feed(me.id, now=NOW)
    first = _read(token)
    assert _read(token, now=NOW + timedelta(hours=1)) == first
    from tests.builders import add_update

    add_update(action, recorded_at=NOW + timedelta(hours=2), rag="red", reason="Staff left.")
    db.session.commit()
    uid = f"action-{action.id}-target-date@tracker.example"
    before, after = _events(first)[uid], _events(_read(token))[uid]
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1
    assert after["LAST-MODIFIED"].dt == NOW + timedelta(hours=2)
    assert "delivery confidence Red" in after["DESCRIPTION"]


def test_two_resets_at_the_same_moment_leave_exactly_one_working_link(clean_db):
    """Two tabs pressing "Reset link" at once: both are answered with a link, and exactly one
    of the two works (the partial unique index turns the loser's insert into a retry)."""
    from tests.services.test_concurrency import race

    user_id = make_user().id  # the threads share no ORM object with this session
    db.session.commit()
    calendar_feeds.make_feed(user_id, now=NOW)
    for _ in range(10):

        def reset() -> str:
            return calendar_feeds.make_feed(user_id, now=NOW)

        first, second = race(clean_db, reset, reset)
        assert first.error is None and second.error is None, (first, second)
        db.session.remove()
        working = [t for t in (first.value, second.value) if _read(t) is not None]
        assert len(working) == 1
        assert _live_rows(user_id) == 1


# --- what concerns each person (issue 18.4) --------------------------------------------------


def _alarms(event) -> list:
    return event.walk("VALARM")


def test_a_jsig_member_gets_the_meetings_the_statutory_deadline_every_return_and_reminders(
    clean_db,
):
    jsig = make_user(role="viewer", org="council", email="jsig@council.example")
    jsig.reminder_days = 5
    chair = make_user(role="chair")
    lead = make_user(email="lead@trust.example")
    followed = make_action(ref="F-1", lead=lead, target_date=date(2016, 3, 31))
    make_action(ref="F-2", lead=lead, target_date=date(2016, 4, 1))
    db.session.add(ActionFollow(user_id=jsig.id, action_id=followed.id, created_at=NOW))
    make_user(role="locality_head", locality="north")
    make_user(role="locality_head", locality="south")
    make_cycles(upto=3)
    make_inspection()
    db.session.commit()
    recorded = make_meeting(chair=chair, kind="jsig", held_on=date(2016, 1, 21))
    body = _read(calendar_feeds.make_feed(jsig.id, now=NOW))
    events = _events(body)

    # The next JSIG (the third Thursday: 18 February 2016), timed, with its end, no reminder.
    jsig_next = events["meeting-jsig-2016-02-18@tracker.example"]
    start, end = jsig_next.start, jsig_next.end
    assert (start.hour, end.hour, start.tzname()) == (10, 12, "GMT")
    assert not _alarms(jsig_next) and str(jsig_next["TRANSP"]) == "OPAQUE"
    held = events["meeting-jsig-2016-01-21@tracker.example"]
    assert held["URL"] == f"https://tracker.example/meetings/{recorded}"
    assert "meeting-getting_to_good-2016-02-25@tracker.example" in events  # every group's
    # The statutory deadline: 70 working days from publication, with the reminder 5 days before.
    statutory = events["statutory-deadline-2015-11-27@tracker.example"]
    assert statutory.start == date(2016, 3, 9)
    assert [str(a["TRIGGER"].to_ical(), "ascii") for a in _alarms(statutory)] == ["-P5D"]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in _alarms(statutory))
    # Every locality's returns, timed with an end, each with the reminder.
    returns = {uid for uid in events if uid.startswith("return-")}
    assert returns == {
        f"return-{loc}-cycle-{n}@tracker.example" for loc in ("north", "south") for n in (1, 2, 3)
    }
    for uid in returns:
        assert events[uid].end - events[uid].start == timedelta(minutes=30)
        assert len(_alarms(events[uid])) == 1
    # The action they follow (not the one they do not).
    assert set(uid for uid in events if uid.startswith("action-")) == {
        f"action-{followed.id}-target-date@tracker.example"
    }
    # Every timed event has an end, and a strict second parser reads it all.
    for event in events.values():
        assert "DTEND" in event
    strict = IcsCalendarStream.calendar_from_ics(body.decode())
    assert {e.uid for e in strict.events} == set(events)
    assert all(e.dtend is not None for e in strict.events)
    assert {a.trigger for e in strict.events for a in e.alarm} == {timedelta(days=-5)}


def test_the_planned_meetings_follow_the_usual_days_the_administrator_sets(clean_db):
    chair = make_user(role="chair")
    db.session.commit()
    settings.save_meeting_days(
        MeetingDays(
            getting_to_good=MeetingDay(4, 3, time(14, 0), 120),
            jsig=MeetingDay(5, 4, time(13, 30), 90),  # the last Friday, 13:30 to 15:00
            cib=MeetingDay(1, 0, time(9, 0), 60),  # the first Monday
        ),
        actor_id=None,
        now=NOW,
    )
    events = _events(_read(calendar_feeds.make_feed(chair.id, now=NOW)))
    planned = sorted(uid for uid in events if uid.startswith("meeting-"))
    assert "meeting-jsig-2016-02-18@tracker.example" not in planned  # the old third Thursday
    assert {
        "meeting-jsig-2016-02-26@tracker.example",
        "meeting-cib-2016-03-07@tracker.example",
        "meeting-getting_to_good-2016-02-25@tracker.example",
    } <= set(planned)
    jsig = events["meeting-jsig-2016-02-26@tracker.example"]
    assert (jsig.start.hour, jsig.start.minute, jsig.end - jsig.start) == (
        13,
        30,
        timedelta(minutes=90),
    )
    audited = select(func.count()).where(AuditEvent.kind == "setup.meeting_days")
    assert db.session.execute(audited).scalar_one() == 1


def test_changing_the_usual_meeting_days_marks_the_meetings_changed_for_calendar_clients(clean_db):
    """A client keeps an event it has unless its DTSTAMP/LAST-MODIFIED moves on: a new usual
    time must move them, or subscribers keep the old time."""
    chair = make_user(role="chair")
    db.session.commit()
    token = calendar_feeds.make_feed(chair.id, now=NOW)
    before = _events(_read(token))["meeting-jsig-2016-02-18@tracker.example"]
    assert before["LAST-MODIFIED"].dt == NOW
    later = NOW + timedelta(hours=3)
    settings.save_meeting_days(
        MeetingDays(jsig=MeetingDay(3, 3, time(15, 0), 60)), actor_id=None, now=later
    )
    settings.forget()
    after = _events(_read(token))["meeting-jsig-2016-02-18@tracker.example"]
    assert after["DTSTART"].dt.hour == 15
    assert after["LAST-MODIFIED"].dt == after["DTSTAMP"].dt == later


def test_an_action_lead_gets_the_meetings_they_attend_and_no_reminders_when_they_choose_none(
    clean_db,
):
    chair = make_user(role="chair")
    lead = make_user()
    lead.reminder_days = 0
    make_action(ref="L-1", lead=lead, target_date=date(2016, 3, 31))
    make_cycles(upto=2)
    make_user(role="locality_head", locality="north")
    db.session.commit()
    make_meeting(chair=chair, kind="getting_to_good", held_on=date(2016, 1, 28), attendees=(lead,))
    make_meeting(chair=chair, kind="jsig", held_on=date(2016, 1, 21), key="b" * 32)
    events = _events(_read(calendar_feeds.make_feed(lead.id, now=NOW)))
    meetings = {uid for uid in events if uid.startswith("meeting-")}
    assert "meeting-getting_to_good-2016-01-28@tracker.example" in meetings
    assert "meeting-getting_to_good-2016-02-25@tracker.example" in meetings
    assert not any("jsig" in uid for uid in meetings)  # not theirs
    assert not any(uid.startswith("return-") for uid in events)
    assert all(not _alarms(e) for e in events.values())
