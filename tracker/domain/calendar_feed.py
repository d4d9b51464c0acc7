"""A person's calendar feed: which dates go in it, in what words, and the RFC 5545 file itself.

Action target dates are all-day events (a target is a day, not a moment). A return is due at a
London wall-clock time, so it is a timed event in Europe/London with the zone's VTIMEZONE, and
Outlook shows the right time on both sides of a clock change. A SEF is due by the end of a
London working day, so it is an all-day event too.

Every event keeps its UID for as long as the thing it is about exists, so a calendar that fetches
the feed again updates an event rather than adding a second one. DTSTAMP and LAST-MODIFIED say
when the thing last changed (the feed has no METHOD, so RFC 5545 reads DTSTAMP that way), and
fetching an unchanged feed gives the same bytes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from icalendar import Alarm, Calendar, Event, Timezone

from tracker.domain.calendar import LONDON
from tracker.domain.sef import month_label
from tracker.domain.states import LIFECYCLE_LABELS, Lifecycle

PRODID = "-//Ofsted action plan tracker//Calendar feed//EN"
TZID = "Europe/London"
REFRESH = timedelta(hours=1)
# A deadline at a moment is shown as a short slot starting then (RFC 5545 wants an end later
# than the start, and Outlook draws a zero-length event badly).
DEADLINE_SLOT = timedelta(minutes=30)  # how often a calendar should fetch the feed again (PT1H)
# How many days before a deadline a person's feed reminds them (VALARM), as they choose on their
# notifications page; 0 is none. Two days (a weekend's notice for a Monday) until they choose.
REMINDER_CHOICES = {
    1: "1 day before",
    2: "2 days before",
    5: "5 days before (a working week)",
    0: "No reminders",
}
DEFAULT_REMINDER_DAYS = 2
# Characters RFC 5545 does not allow in TEXT (a line break is escaped by the writer instead).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True)
class FeedEvent:
    """One event, as plain values. Exactly one of `day` (all day) and `at` (aware) is set."""

    uid: str
    summary: str
    description: str
    url: str
    modified: datetime  # aware: when the thing last changed (DTSTAMP and LAST-MODIFIED)
    day: date | None = None
    at: datetime | None = None
    end: datetime | None = None  # a timed event's end (aware); an all-day event lasts its day
    sequence: int = 0
    deadline: bool = True  # a deadline gets the person's reminder (VALARM); a meeting does not

    @property
    def first_day(self) -> date:
        return self.day if self.day is not None else self.at.astimezone(LONDON).date()  # type: ignore[union-attr]


def _text(value: str) -> str:
    return _CONTROL.sub("", value).strip()


def long_day(day: date) -> str:
    """ "Friday 28 March 2025"."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def london_moment(moment: datetime) -> str:
    """ "12:00 on Friday 28 March 2025" in London wall-clock time."""
    local = moment.astimezone(LONDON)
    return f"{local:%H:%M} on {long_day(local.date())}"


# --- the events ----------------------------------------------------------------------------


def feed_event(
    key: str,
    *,
    summary: str,
    lines: Sequence[str],
    url: str,
    domain: str,
    changed_at: datetime,
    link: str = "Open it in the tracker",
    **when: Any,
) -> FeedEvent:
    """Every event is built here: its UID is `key` at the tracker's host (kept for as long as
    the thing exists), its words are cleaned for RFC 5545, and its description ends with the
    link to the thing in the tracker. `when` is the FeedEvent's day, or at and end, and the rest."""
    return FeedEvent(
        uid=f"{key}@{domain}",
        summary=_text(summary),
        description=_text("\n".join([*lines, f"{link}: {url}"])),
        url=url,
        modified=changed_at,
        **when,
    )


def action_event(
    *,
    action_id: int,
    ref: str,
    title: str,
    target_date: date,
    lifecycle: str,
    rag: str | None,
    lead: str,
    version: int,
    changed_at: datetime,
    url: str,
    domain: str,
) -> FeedEvent:
    """An action's target date: an all-day event, its sequence following the action's version."""
    status = LIFECYCLE_LABELS[Lifecycle(lifecycle)]
    if rag and not Lifecycle(lifecycle).is_closed:
        status += f", delivery confidence {rag.capitalize()}"
    return feed_event(
        f"action-{action_id}-target-date",
        summary=f"{ref} target date: {title}",
        lines=[f"Target date for action {ref}: {title}", f"Lead: {lead}", f"Status: {status}"],
        url=url,
        domain=domain,
        changed_at=changed_at,
        day=target_date,
        sequence=max(version - 1, 0),
    )


RETURN_STATUS_WORDS = {
    "not_started": "Not started",
    "draft": "Draft saved, not submitted",
    "submitted": "Submitted",
}


def return_event(
    *,
    locality_code: str,
    locality_name: str,
    cycle_number: int,
    due_at: datetime,
    status: str,
    late: bool,
    changed_at: datetime,
    url: str,
    domain: str,
) -> FeedEvent:
    """A locality's fortnightly return: a timed event at its London due moment."""
    words = RETURN_STATUS_WORDS[status] + (" late" if late and status == "submitted" else "")
    return feed_event(
        f"return-{locality_code}-cycle-{cycle_number}",
        summary=f"{locality_name} return due: cycle {cycle_number}",
        lines=[
            f"The {locality_name} return for cycle {cycle_number} is due at "
            f"{london_moment(due_at)} (London time).",
            f"Status: {words}",
        ],
        url=url,
        domain=domain,
        changed_at=changed_at,
        at=due_at.astimezone(LONDON),
        end=due_at.astimezone(LONDON) + DEADLINE_SLOT,
    )


def sef_event(
    *,
    locality_code: str,
    locality_name: str,
    month: str,
    due_on: date,
    status_label: str,
    changed_at: datetime,
    url: str,
    domain: str,
) -> FeedEvent:
    """A locality's monthly SEF: an all-day event on the London working day it is due by."""
    return feed_event(
        f"sef-{locality_code}-{month}",
        summary=f"{locality_name} SEF due: {month_label(month)}",
        lines=[
            f"The {locality_name} self-evaluation (SEF) for {month_label(month)} is due by the "
            f"end of {long_day(due_on)}.",
            f"Status: {status_label}",
        ],
        url=url,
        domain=domain,
        changed_at=changed_at,
        day=due_on,
    )


def meeting_event(
    *,
    kind: str,
    label: str,
    day: date,
    start: time,
    length: timedelta,
    planned: bool,
    changed_at: datetime,
    url: str,
    domain: str,
) -> FeedEvent:
    """A governance meeting: a timed event at its usual London time. One the tracker has a record
    of links to it; a future one is planned (its usual day), and keeps its UID once recorded."""
    at = datetime.combine(day, start, tzinfo=LONDON)
    state = "Planned: the group's usual day and time" if planned else "Held: its record"
    return feed_event(
        f"meeting-{kind}-{day.isoformat()}",
        summary=f"{label} meeting",
        lines=[f"{label} meeting, {london_moment(at)} (London time)."],
        url=url,
        domain=domain,
        changed_at=changed_at,
        link=f"{state} is in the tracker",
        at=at,
        end=at + length,
        deadline=False,
    )


def statutory_event(
    *,
    due: date,
    working_days: int,
    anchor_words: str,
    anchor_date: date,
    sent_on: date | None,
    changed_at: datetime,
    url: str,
    domain: str,
) -> FeedEvent:
    """The statutory deadline: the day the action plan must reach Ofsted (all day)."""
    status = f"Sent to Ofsted on {long_day(sent_on)}" if sent_on else "Not yet sent"
    return feed_event(
        f"statutory-deadline-{anchor_date.isoformat()}",
        summary="Statutory deadline: the action plan is due to Ofsted",
        lines=[
            f"The action plan must reach Ofsted by {long_day(due)}: {working_days} working days "
            f"from the report's {anchor_words} on {long_day(anchor_date)}.",
            f"Status: {status}",
        ],
        url=url,
        domain=domain,
        changed_at=changed_at,
        day=due,
    )


# --- the file ------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def london_timezone(first_year: int, last_year: int) -> Timezone:
    """Europe/London's VTIMEZONE with every clock change from 1 January `first_year` to
    1 January `last_year` (built from the zone database, so it is right for those years)."""
    return Timezone.from_tzinfo(
        LONDON, tzid=TZID, first_date=date(first_year, 1, 1), last_date=date(last_year, 1, 1)
    )


def _alarm(e: FeedEvent, days: int) -> Alarm:
    """A reminder `days` before the event starts (RFC 5545 3.6.6: ACTION, TRIGGER, DESCRIPTION)."""
    alarm = Alarm()
    alarm.add("uid", f"reminder-{days}d-{e.uid}")
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", timedelta(days=-days))
    alarm.add("description", _text(f"In {days} day{'s' if days != 1 else ''}: {e.summary}"))
    return alarm


def _event(e: FeedEvent, reminder_days: int = 0) -> Event:
    event = Event()
    event.add("uid", e.uid)
    event.add("dtstamp", e.modified.astimezone(UTC))
    event.add("last-modified", e.modified.astimezone(UTC))
    event.add("sequence", e.sequence)
    if e.day is not None:
        event.add("dtstart", e.day)  # VALUE=DATE
        event.add("dtend", e.day + timedelta(days=1))
    else:
        event.add("dtstart", e.at)  # TZID=Europe/London
        event.add("dtend", e.end or e.at + DEADLINE_SLOT)
    event.add("summary", e.summary)
    event.add("description", e.description)
    event.add("url", e.url)
    # A deadline does not make anyone busy; a meeting does.
    event.add("transp", "TRANSPARENT" if e.deadline else "OPAQUE")
    if e.deadline and reminder_days > 0:
        event.add_component(_alarm(e, reminder_days))
    return event


def write_calendar(
    events: Iterable[FeedEvent], *, name: str, today: date, reminder_days: int = 0
) -> bytes:
    """The whole feed as RFC 5545 bytes (CRLF line ends, long lines folded at 75 octets), with
    Europe/London's VTIMEZONE covering every event, and a reminder `reminder_days` before each
    deadline (none for 0)."""
    events = sorted(events, key=lambda e: (e.first_day, e.uid))
    years = [today.year] + [e.first_day.year for e in events]
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", _text(name))
    calendar.add("x-wr-calname", _text(name))
    calendar.add("x-wr-timezone", TZID)
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")  # Outlook's older name for REFRESH-INTERVAL
    calendar.add_component(london_timezone(min(years) - 1, max(years) + 2))
    for e in events:
        calendar.add_component(_event(e, reminder_days))
    return calendar.to_ical()
