"""The calendar feed's file: RFC 5545 that icalendar (and the strict `ical` parser) read back, with
London wall-clock times that stay right across the clocks changing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from tracker.domain.calendar import LONDON
from tracker.domain.calendar_feed import (
    action_event,
    london_moment,
    meeting_event,
    return_event,
    sef_event,
    write_calendar,
)
from tracker.domain.meetings import MeetingKind, planned_meetings
from tracker.domain.setup import (
    MEETING_KINDS,
    MeetingDay,
    MeetingDays,
    SetupError,
    check_meeting_days,
    parse_meeting_day,
)

CHANGED = datetime(2016, 2, 1, 10, 0, tzinfo=UTC)


def _return(due_at: datetime, *, number: int = 7, status: str = "not_started", late=False):
    return return_event(
        locality_code="north",
        locality_name="North",
        cycle_number=number,
        due_at=due_at,
        status=status,
        late=late,
        changed_at=CHANGED,
        url=f"https://tracker.example/returns/north/{number}",
        domain="tracker.example",
    )


def _action(**overrides):
    values = {
        "action_id": 12,
        "ref": "N-01",
        "title": "Management decisions are timely, recorded; and explain their rationale",
        "target_date": date(2016, 3, 31),
        "lifecycle": "in_progress",
        "rag": "amber",
        "lead": "Jo Example, Trust",
        "version": 3,
        "changed_at": CHANGED,
        "url": "https://tracker.example/actions/N-01",
        "domain": "tracker.example",
    }
    return action_event(**(values | overrides))


def _parse(body: bytes) -> Calendar:
    return Calendar.from_ical(body)


def _events(body: bytes) -> dict[str, object]:
    return {str(e["UID"]): e for e in _parse(body).walk("VEVENT")}


# Returns are due at noon London time. Britain's clocks went forward at 01:00 UTC on Sunday
# 27 March 2016 and back at 01:00 UTC on Sunday 30 October 2016.
@pytest.mark.parametrize(
    ("london_wall_clock", "utc_instant", "zone"),
    [
        (datetime(2016, 3, 24, 12, 0), datetime(2016, 3, 24, 12, 0), "GMT"),  # before
        (datetime(2016, 3, 26, 12, 0), datetime(2016, 3, 26, 12, 0), "GMT"),  # the day before
        (datetime(2016, 3, 27, 12, 0), datetime(2016, 3, 27, 11, 0), "BST"),  # the day itself
        (datetime(2016, 3, 31, 12, 0), datetime(2016, 3, 31, 11, 0), "BST"),  # late March
        (datetime(2016, 4, 8, 12, 0), datetime(2016, 4, 8, 11, 0), "BST"),
        (datetime(2016, 10, 28, 12, 0), datetime(2016, 10, 28, 11, 0), "BST"),  # before autumn
        (datetime(2016, 10, 31, 12, 0), datetime(2016, 10, 31, 12, 0), "GMT"),  # after autumn
        (datetime(2016, 12, 23, 9, 30), datetime(2016, 12, 23, 9, 30), "GMT"),
    ],
)
def test_a_return_shows_its_london_wall_time_and_the_right_instant(
    london_wall_clock, utc_instant, zone
):
    due = london_wall_clock.replace(tzinfo=LONDON)
    body = write_calendar([_return(due)], name="Test", today=date(2016, 2, 5))
    assert b"DTSTART;TZID=Europe/London:" + london_wall_clock.strftime(
        "%Y%m%dT%H%M%S"
    ).encode() in (body)
    event = _events(body)["return-north-cycle-7@tracker.example"]
    start = event.start
    assert start.replace(tzinfo=None) == london_wall_clock  # the wall clock Outlook shows
    assert start.astimezone(UTC) == utc_instant.replace(tzinfo=UTC)  # the moment it is due
    assert start.tzname() == zone
    # The file's own VTIMEZONE (not just the reader's zone database) gives the same instant.
    (vtimezone,) = _parse(body).timezones
    assert vtimezone.tz_name == "Europe/London"
    own = vtimezone.to_tz()
    assert london_wall_clock.replace(tzinfo=own).astimezone(UTC) == utc_instant.replace(tzinfo=UTC)


def test_the_vtimezone_covers_the_clock_changes_of_every_year_in_the_feed():
    far = _return(datetime(2019, 11, 1, 12, 0, tzinfo=LONDON), number=99)
    body = write_calendar(
        [_return(datetime(2016, 1, 15, 12, tzinfo=LONDON)), far], name="T", today=date(2016, 2, 5)
    )
    own = _parse(body).timezones[0].to_tz()
    for year, spring, autumn in [(2016, 27, 30), (2017, 26, 29), (2019, 31, 27)]:
        assert datetime(year, 3, spring, 12, tzinfo=own).utcoffset() == timedelta(hours=1)
        assert datetime(year, 3, spring - 1, 12, tzinfo=own).utcoffset() == timedelta(0)
        assert datetime(year, 10, autumn, 12, tzinfo=own).utcoffset() == timedelta(0)
        assert datetime(year, 10, autumn - 1, 12, tzinfo=own).utcoffset() == timedelta(hours=1)


def test_a_target_date_is_an_all_day_event_whose_sequence_follows_the_version():
    body = write_calendar([_action()], name="Test", today=date(2016, 2, 5))
    assert b"DTSTART;VALUE=DATE:20160331\r\n" in body
    assert b"DTEND;VALUE=DATE:20160401\r\n" in body
    event = _events(body)["action-12-target-date@tracker.example"]
    assert event.start == date(2016, 3, 31)
    assert event["SEQUENCE"] == 2
    assert event["SUMMARY"] == (
        "N-01 target date: Management decisions are timely, recorded; and explain their rationale"
    )
    assert "Status: In progress, delivery confidence Amber" in event["DESCRIPTION"]
    assert event["URL"] == "https://tracker.example/actions/N-01"
    assert event["DTSTAMP"].dt == CHANGED and event["LAST-MODIFIED"].dt == CHANGED
    assert event["TRANSP"] == "TRANSPARENT"


@pytest.mark.parametrize(
    ("before", "after", "moves"),
    [
        ({"version": 3}, {"version": 4, "target_date": date(2016, 4, 29)}, True),
        ({"version": 3}, {"version": 3}, False),
    ],
)
def test_a_moved_date_keeps_its_uid_and_raises_the_sequence(before, after, moves):
    first = _events(write_calendar([_action(**before)], name="T", today=date(2016, 2, 5)))
    later_changed = CHANGED + timedelta(days=3) if moves else CHANGED
    second = _events(
        write_calendar(
            [_action(**after, changed_at=later_changed)], name="T", today=date(2016, 2, 5)
        )
    )
    assert first.keys() == second.keys()  # the same UID: Outlook updates, never duplicates
    (uid,) = first
    assert (second[uid]["SEQUENCE"] > first[uid]["SEQUENCE"]) is moves
    assert (second[uid]["LAST-MODIFIED"].dt > first[uid]["LAST-MODIFIED"].dt) is moves


def test_a_sef_is_an_all_day_event_on_its_due_day():
    event = sef_event(
        locality_code="north",
        locality_name="North",
        month="2016-03",
        due_on=date(2016, 3, 7),
        status_label="Not started",
        changed_at=CHANGED,
        url="https://tracker.example/sefs/north/2016-03",
        domain="tracker.example",
    )
    parsed = _events(write_calendar([event], name="T", today=date(2016, 2, 5)))
    sef = parsed["sef-north-2016-03@tracker.example"]
    assert sef.start == date(2016, 3, 7)
    assert sef["SUMMARY"] == "North SEF due: March 2016"
    assert "due by the end of Monday 7 March 2016" in sef["DESCRIPTION"]


@pytest.mark.parametrize(
    ("status", "late", "words"),
    [
        ("not_started", False, "Status: Not started"),
        ("draft", False, "Status: Draft saved, not submitted"),
        ("submitted", False, "Status: Submitted\n"),
        ("submitted", True, "Status: Submitted late"),
    ],
)
def test_a_return_says_its_status_in_words(status, late, words):
    event = _return(datetime(2016, 2, 12, 12, tzinfo=LONDON), status=status, late=late)
    assert words in event.description + "\n"


def test_text_people_typed_loses_control_characters_and_long_lines_are_folded():
    title = "Strategy\x07 discussions \x1b[31mco-ordinated\x7f " + "with police — and health " * 8
    body = write_calendar([_action(title=title)], name="Jo\x00 Example", today=date(2016, 2, 5))
    assert all(ord(ch) >= 0x20 or ch in "\r\n" for ch in body.decode())
    lines = body.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75  # RFC 5545 3.1: 75 octets a line
    assert all(line.decode("utf-8") is not None for line in lines)  # never inside a character
    assert any(line.startswith(b" ") for line in lines)  # a long SUMMARY was folded
    assert not body.replace(b"\r\n", b"").count(b"\n")  # CRLF only
    summary = str(_events(body)["action-12-target-date@tracker.example"]["SUMMARY"])
    assert summary.startswith("N-01 target date: Strategy discussions [31mco-ordinated with")


def test_an_empty_feed_is_still_a_valid_calendar():
    body = write_calendar([], name="Nobody's dates", today=date(2016, 2, 5))
    calendar = _parse(body)
    calendar.validate()
    assert calendar.walk("VEVENT") == [] and len(calendar.timezones) == 1
    assert calendar["X-WR-CALNAME"] == "Nobody's dates"


def test_a_strict_second_parser_reads_the_feed_too():
    """`ical` is a stricter RFC 5545 parser than icalendar: the feed is checked by both."""
    events = [
        _return(datetime(2016, 3, 24, 12, tzinfo=LONDON), number=6),
        _return(datetime(2016, 4, 8, 12, tzinfo=LONDON), number=7),
        _action(),
    ]
    body = write_calendar(events, name="Test", today=date(2016, 2, 5))
    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    starts = {e.uid: e.dtstart for e in calendar.events}
    assert starts["return-north-cycle-6@tracker.example"].astimezone(UTC) == datetime(
        2016, 3, 24, 12, tzinfo=UTC
    )
    assert starts["return-north-cycle-7@tracker.example"].astimezone(UTC) == datetime(
        2016, 4, 8, 11, tzinfo=UTC
    )
    assert starts["action-12-target-date@tracker.example"] == date(2016, 3, 31)


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (datetime(2016, 3, 24, 12, tzinfo=UTC), "12:00 on Thursday 24 March 2016"),
        (datetime(2016, 3, 31, 11, tzinfo=UTC), "12:00 on Thursday 31 March 2016"),
        (datetime(2016, 3, 27, 0, 30, tzinfo=UTC), "00:30 on Sunday 27 March 2016"),
        (datetime(2016, 3, 27, 1, 30, tzinfo=UTC), "02:30 on Sunday 27 March 2016"),
    ],
)
def test_moments_are_written_in_london_time(moment, words):
    assert london_moment(moment) == words


@pytest.mark.parametrize(
    ("kind", "after", "months", "days"),
    [
        # The third Thursday, across a year's end; the meeting day itself is not "after".
        ("jsig", date(2015, 12, 20), 2, [date(2016, 1, 21), date(2016, 2, 18)]),
        ("jsig", date(2016, 1, 21), 1, [date(2016, 2, 18)]),
        ("getting_to_good", date(2016, 2, 5), 1, [date(2016, 2, 25), date(2016, 3, 24)]),
        ("cib", date(2016, 2, 5), 3, []),  # no usual day known: recorded meetings only
    ],
)
def test_a_group_s_usual_meeting_days_ahead(kind, after, months, days):
    usual = MeetingDays(
        jsig=MeetingDay(3, 3, time(10, 0), 120), getting_to_good=MeetingDay(4, 3, time(14, 0), 120)
    )
    assert planned_meetings(kind, after=after, months=months, days=usual) == days


@pytest.mark.parametrize(
    ("nth", "weekday", "days"),
    [
        # The last Friday: the fifth where the month has one (January and April 2016), else
        # the fourth; across a leap February.
        (5, 4, [date(2016, 1, 29), date(2016, 2, 26), date(2016, 3, 25), date(2016, 4, 29)]),
        (1, 0, [date(2016, 1, 4), date(2016, 2, 1), date(2016, 3, 7), date(2016, 4, 4)]),
        (0, 0, []),  # no usual day
    ],
)
def test_a_meeting_set_up_for_the_last_or_first_weekday_of_the_month(nth, weekday, days):
    usual = MeetingDays(cib=MeetingDay(nth, weekday))
    assert planned_meetings("cib", after=date(2015, 12, 31), months=4, days=usual) == days


def test_a_meeting_is_timed_with_its_end_and_a_deadline_gets_the_chosen_reminder():
    meeting = meeting_event(
        kind="jsig",
        label="Joint Strategic Inspection Group",
        day=date(2016, 3, 31),  # after the clocks change: 10:00 BST
        start=time(10),
        length=timedelta(hours=2),
        planned=True,
        changed_at=datetime(2016, 2, 1, tzinfo=UTC),
        url="https://tracker.example/meetings",
        domain="tracker.example",
    )
    body = write_calendar(
        [meeting, _action()], name="Test", today=date(2016, 2, 5), reminder_days=1
    )
    events = {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    jsig = events["meeting-jsig-2016-03-31@tracker.example"]
    assert jsig.start.astimezone(UTC) == datetime(2016, 3, 31, 9, tzinfo=UTC)
    assert jsig.end - jsig.start == timedelta(hours=2) and not jsig.walk("VALARM")
    (alarm,) = events["action-12-target-date@tracker.example"].walk("VALARM")
    assert alarm["TRIGGER"].dt == timedelta(days=-1) and str(alarm["ACTION"]) == "DISPLAY"
    none = write_calendar([_action()], name="Test", today=date(2016, 2, 5), reminder_days=0)
    assert b"BEGIN:VALARM" not in none


def test_the_meeting_days_set_up_name_every_kind_of_meeting():
    assert {k.value for k in MeetingKind} == set(MEETING_KINDS)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("3 thursday 10:00 120", MeetingDay(3, 3, time(10, 0), 120)),
        ("  LAST Friday 13:30 90 ", MeetingDay(5, 4, time(13, 30), 90)),
        ("none", MeetingDay()),
        ("", MeetingDay()),
    ],
)
def test_a_meeting_s_usual_day_is_read_from_the_environment(value, day):
    assert parse_meeting_day(value) == day


@pytest.mark.parametrize(
    "value",
    [
        "3 thursday 10:00",  # no length
        "6 thursday 10:00 120",  # no sixth week
        "3 saturday 10:00 120",  # weekdays only
        "3 thursday 25:00 120",
        "3 thursday 10:00 5",  # shorter than 15 minutes
        "3 thursday 10:00 600",  # longer than a working day
        "third thursday 10:00 120",
    ],
)
def test_a_usual_day_the_tracker_cannot_plan_is_refused_with_its_reason(value):
    with pytest.raises(ValueError):
        parse_meeting_day(value)


def test_a_usual_day_s_field_at_fault_is_named_with_its_kind():
    with pytest.raises(SetupError) as refused:
        check_meeting_days(MeetingDays(jsig=MeetingDay(3, 3, time(10, 0), 5)))
    assert refused.value.field == "jsig_minutes"
    assert MeetingDay(5, 4, time(23, 30), 60).label == (
        "The last Friday of each month, 23:30 to 00:30"
    )


def test_every_event_is_built_by_the_one_builder():
    """Issue 21.5: each kind of event (a target date, a return, a SEF, a meeting, the statutory
    deadline) is made by `feed_event`, so UIDs, clean words and the tracker link are alike."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tracker"
    made = {
        str(path.relative_to(root)): text.count("FeedEvent(")
        for path in root.rglob("*.py")
        if "FeedEvent(" in (text := path.read_text(encoding="utf-8"))
    }
    assert made == {"domain/calendar_feed.py": 1}, made
    event = meeting_event(
        kind="board",
        label="Board",
        day=date(2016, 2, 9),
        start=time(14),
        length=timedelta(hours=2),
        planned=True,
        changed_at=CHANGED,
        url="https://tracker.example/meetings",
        domain="tracker.example",
    )
    assert event.uid == "meeting-board-2016-02-09@tracker.example"
    assert event.description.endswith(
        "Planned: the group's usual day and time is in the tracker: https://tracker.example/meetings"
    )
