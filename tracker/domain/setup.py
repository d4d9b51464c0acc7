"""What an organisation sets up for itself (issue 20.2): the words it uses, how often returns are
due, whether a monthly self-evaluation is asked for, and how late work is chased.

Pure rules: the values, their defaults' shape and their checks. The database keeps one row per
setting (services/access/settings.py); the environment gives only the first defaults.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from typing import Any

from tracker.domain.permissions import Role

# The settings saved in the database, one row each (services/access/settings.py).
SETTING_KEYS = ("words", "rhythms", "self_evaluation", "chasing", "meeting_days")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")
# How often returns are due: every 1, 2 or 4 weeks, or each calendar month.
EVERY = {"1w": "Every week", "2w": "Every two weeks", "4w": "Every four weeks", "month": "Monthly"}
WEEKS = {"1w": 1, "2w": 2, "4w": 4}
WORD_LIMIT = 80
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SetupError(ValueError):
    """A setting that cannot be saved; `field` names the form field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass(frozen=True)
class Words:
    """The names an organisation gives its meetings, its scrutiny body and the areas that make
    returns (localities, service areas, teams), shown on pages, in mails and in packs. `short`
    forms are used where space is tight (tables, subjects). An area's names are kept as they
    start a sentence ("Service area"); `area_lower` and `areas_lower` are for mid-sentence."""

    board: str = "Improvement board"
    board_short: str = "Improvement board"
    group: str = "Strategic inspection group"
    group_short: str = "Strategic group"
    scrutiny: str = "scrutiny committee"
    area: str = "Area"
    areas: str = "Areas"

    def as_dict(self) -> dict[str, str]:
        return {
            "board": self.board,
            "board_short": self.board_short,
            "group": self.group,
            "group_short": self.group_short,
            "scrutiny": self.scrutiny,
            "area": self.area,
            "areas": self.areas,
        }

    @property
    def area_lower(self) -> str:
        """One area, mid-sentence: "the service area's return"."""
        return mid_sentence(self.area)

    @property
    def an_area(self) -> str:
        """One area with its article, mid-sentence: "a locality", "an area"."""
        word = self.area_lower
        return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"

    @property
    def areas_lower(self) -> str:
        """Areas, mid-sentence: "across the service areas"."""
        return mid_sentence(self.areas)


def role_label(role: str, words: Words) -> str:
    """A role's name as people read it: an area's head is named with the organisation's word
    ("Service area head of service"); the others as ROLE_LABELS has them (which imports read)."""
    if role == Role.LOCALITY_HEAD:
        return f"{words.area} head of service"
    return Role(role).label


def mid_sentence(word: str) -> str:
    """A word saved as it starts a sentence, as it reads mid-sentence: its first letter in lower
    case, unless it starts with an acronym ("SEND team" stays)."""
    first = word.split(" ", 1)[0]
    if len(first) > 1 and first[1].isupper():
        return word
    return word[:1].lower() + word[1:]


WORD_LABELS = {
    "board": "Name of the meeting that reviews overdue and red actions",
    "board_short": "Short name of that meeting",
    "group": "Name of the group that signs off progress",
    "group_short": "Short name of that group",
    "scrutiny": "Name of the scrutiny body that receives quarterly reports",
    "area": "Name of one of the areas that make returns",
    "areas": "That name for more than one area",
}


@dataclass(frozen=True)
class Rhythm:
    """From `starts_on`, returns are due `every` 1w/2w/4w/month, at `due_time` London on
    `due_weekday` (0 Monday) of each window's last week (a month's last such weekday)."""

    every: str
    starts_on: date
    due_weekday: int = 4
    due_time: time = time(12, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "every": self.every,
            "starts_on": self.starts_on.isoformat(),
            "due_weekday": self.due_weekday,
            "due_time": self.due_time.strftime("%H:%M"),
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> Rhythm:
        return cls(
            every=str(value["every"]),
            starts_on=date.fromisoformat(str(value["starts_on"])),
            due_weekday=int(value.get("due_weekday", 4)),
            due_time=parse_time(str(value.get("due_time", "12:00"))),
        )

    @property
    def label(self) -> str:
        return (
            f"{EVERY[self.every]}, due {WEEKDAYS[self.due_weekday].title()} at "
            f"{self.due_time.strftime('%H:%M')}"
        )


@dataclass(frozen=True)
class SelfEvaluation:
    """The monthly self-evaluation: asked for or not, from which month, due on which working
    day, and which of its focused sections are asked."""

    enabled: bool = True
    first_month: str = ""
    due_working_day: int = 5
    sections: tuple[str, ...] = ("management_oversight", "practice_quality")
    # The council's own sections, asked after the standard ones: (heading, hint) each. They
    # apply from `own_sections_from` (a month, YYYY-MM); before it `earlier_own_sections` do,
    # so a change never alters the month in progress.
    own_sections: tuple[tuple[str, str], ...] = ()
    own_sections_from: str = ""
    earlier_own_sections: tuple[tuple[str, str], ...] = ()

    def sections_for(self, month: str) -> tuple[tuple[str, str], ...]:
        """The council's own sections a SEF for `month` is asked."""
        if self.own_sections_from and month < self.own_sections_from:
            return self.earlier_own_sections
        return self.own_sections

    def as_dict(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "first_month": self.first_month,
            "due_working_day": self.due_working_day,
            "sections": list(self.sections),
            "own_sections": [{"heading": h, "hint": t} for h, t in self.own_sections],
            "own_sections_from": self.own_sections_from,
            "earlier_own_sections": [
                {"heading": h, "hint": t} for h, t in self.earlier_own_sections
            ],
        }


def own_sections_from_json(value: Any) -> tuple[tuple[str, str], ...]:
    """The council's own sections as saved (a list of {heading, hint})."""
    return tuple(
        (str(item.get("heading", "")), str(item.get("hint", "")))
        for item in (value or ())
        if isinstance(item, Mapping)
    )


@dataclass(frozen=True)
class Chasing:
    """Working days before a deadline to remind; late working days before escalating to the line
    manager, then to the escalation contact; days' notice of a target date."""

    remind_days_before: int = 2
    escalate_manager_after: int = 2
    escalate_chair_after: int = 4
    target_notice_days: int = 10
    chair_email: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "remind_days_before": self.remind_days_before,
            "escalate_manager_after": self.escalate_manager_after,
            "escalate_chair_after": self.escalate_chair_after,
            "target_notice_days": self.target_notice_days,
            "chair_email": self.chair_email,
        }


# The kinds of meeting, by code (tracker/domain/meetings.py's MeetingKind values): the board that
# reviews overdue and red actions, the group that signs off, the continuous improvement board.
MEETING_KINDS = ("getting_to_good", "jsig", "cib")
# Which week of the month a meeting usually falls in: 0 none (only its recorded meetings are
# shown), 1 to 4 the first to the fourth, 5 the last.
WEEKS_OF_MONTH = {0: "No usual day", 1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Last"}
LONGEST_MEETING = 8 * 60  # minutes


@dataclass(frozen=True)
class MeetingDay:
    """When one kind of meeting usually meets: the `nth` (1 to 4, 5 the last; 0 none) `weekday`
    (0 Monday) of each month, from `start` London time for `minutes`."""

    nth: int = 0
    weekday: int = 3
    start: time = time(10, 0)
    minutes: int = 120

    def as_dict(self) -> dict[str, Any]:
        return {
            "nth": self.nth,
            "weekday": self.weekday,
            "start": self.start.strftime("%H:%M"),
            "minutes": self.minutes,
        }

    @classmethod
    def from_dict(cls, value: Mapping[str, Any]) -> MeetingDay:
        return cls(
            nth=int(value.get("nth", 0)),
            weekday=int(value.get("weekday", 3)),
            start=parse_time(str(value.get("start", "10:00"))),
            minutes=int(value.get("minutes", 120)),
        )

    @property
    def label(self) -> str:
        """ "The third Thursday of each month, 10:00 to 12:00", or "No usual day"."""
        if not self.nth:
            return WEEKS_OF_MONTH[0]
        end = (self.start.hour * 60 + self.start.minute + self.minutes) % (24 * 60)
        return (
            f"The {WEEKS_OF_MONTH[self.nth].lower()} {WEEKDAYS[self.weekday].title()} of each "
            f"month, {self.start:%H:%M} to {end // 60:02d}:{end % 60:02d}"
        )


def parse_meeting_day(value: str) -> MeetingDay:
    """A meeting's usual day as the environment gives it: "none", or the week of the month (1
    to 4, or "last"), the weekday, the London start time and the minutes, such as
    "3 thursday 10:00 120". ValueError says what is wrong."""
    words = value.strip().lower().split()
    if words in ([], ["none"]):
        return MeetingDay()
    if len(words) != 4:
        raise ValueError(f"a meeting day is 'none' or like '3 thursday 10:00 120', not {value!r}")
    nth, weekday, start, minutes = words
    day = MeetingDay(
        nth=5 if nth == "last" else int(nth) if nth.isdecimal() else -1,
        weekday=WEEKDAYS.index(weekday) if weekday in WEEKDAYS else -1,
        start=parse_time(start),
        minutes=int(minutes) if minutes.isdecimal() else -1,
    )
    try:
        return check_meeting_day(day)
    except SetupError as exc:
        raise ValueError(f"{value!r}: {exc.message}") from None


@dataclass(frozen=True)
class MeetingDays:
    """Each kind of meeting's usual day, by its code (MEETING_KINDS). The planned meetings in
    calendar feeds follow them."""

    getting_to_good: MeetingDay = field(default_factory=MeetingDay)
    jsig: MeetingDay = field(default_factory=MeetingDay)
    cib: MeetingDay = field(default_factory=MeetingDay)

    def of(self, kind: str) -> MeetingDay:
        return getattr(self, str(kind)) if str(kind) in MEETING_KINDS else MeetingDay()

    def as_dict(self) -> dict[str, Any]:
        return {kind: self.of(kind).as_dict() for kind in MEETING_KINDS}

    @classmethod
    def from_dict(cls, value: Mapping[str, Any], base: MeetingDays | None = None) -> MeetingDays:
        """Saved days over `base` (a kind not saved keeps base's)."""
        base = base or cls()
        return cls(
            **{
                kind: MeetingDay.from_dict(value[kind])
                if isinstance(value.get(kind), Mapping)
                else base.of(kind)
                for kind in MEETING_KINDS
            }
        )


@dataclass(frozen=True)
class Setup:
    """Everything set up, as in force now: defaults overlaid with what is saved."""

    words: Words = field(default_factory=Words)
    rhythms: tuple[Rhythm, ...] = ()
    self_evaluation: SelfEvaluation = field(default_factory=SelfEvaluation)
    chasing: Chasing = field(default_factory=Chasing)
    meeting_days: MeetingDays = field(default_factory=MeetingDays)
    # When each saved setting last changed, by key (none for an environment's default): what a
    # calendar feed's planned meetings say changed when their usual day or names change.
    changed_at: Mapping[str, datetime] = field(default_factory=dict, compare=False)
    # The rhythm in force is the one `tracker init` kept, not one anybody chose.
    rhythm_kept: bool = field(default=False, compare=False)

    @property
    def rhythm(self) -> Rhythm:
        """The rhythm set last (the one that decides the cycles to come)."""
        return self.rhythms[-1]


def parse_time(value: str) -> time:
    match = _TIME.match(value.strip())
    if not match:
        raise SetupError("due_time", "Enter a time in 24-hour form, like 12:00 or 16:30")
    return time(int(match[1]), int(match[2]))


def word_problems(values: Mapping[str, str]) -> dict[str, str]:
    """Each word that cannot be saved (missing, or longer than WORD_LIMIT), with its message."""
    problems = {}
    for key, label in WORD_LABELS.items():
        text = " ".join(str(values.get(key) or "").split())
        if not text:
            problems[key] = f"Enter the {label[0].lower()}{label[1:]}"
        elif len(text) > WORD_LIMIT:
            problems[key] = f"{label} must be {WORD_LIMIT} characters or fewer"
    return problems


def check_words(values: Mapping[str, str]) -> Words:
    """The words as saved (spaces tidied), or a SetupError naming the first word at fault."""
    for key, message in word_problems(values).items():
        raise SetupError(key, message)
    return Words(**{key: " ".join(str(values[key]).split()) for key in WORD_LABELS})


def check_rhythm(new: Rhythm, *, earliest: date) -> Rhythm:
    """A new rhythm applies from the next cycle: it may not start before `earliest` (the day
    after the cycle in progress ends). A monthly rhythm starts on the first of a month."""
    if new.every not in EVERY:
        raise SetupError("every", "Choose how often returns are due")
    if not 0 <= new.due_weekday < len(WEEKDAYS):
        raise SetupError("due_weekday", "Choose the weekday returns are due")
    if new.starts_on < earliest:
        raise SetupError(
            "starts_on",
            "A new rhythm applies from the next cycle: the date must be "
            f"{earliest.day} {earliest:%B %Y} or later",
        )
    if new.every == "month" and new.starts_on.day != 1:
        raise SetupError("starts_on", "A monthly rhythm starts on the first day of a month")
    return new


def check_self_evaluation(new: SelfEvaluation, known_sections: tuple[str, ...]) -> SelfEvaluation:
    if not 1 <= new.due_working_day <= 15:
        raise SetupError("due_working_day", "The working day must be between 1 and 15")
    if not re.match(r"^\d{4}-(0[1-9]|1[0-2])$", new.first_month):
        raise SetupError(
            "first_month", "Enter the first month as a year and month, in the form YYYY-MM"
        )
    unknown = set(new.sections) - set(known_sections)
    if unknown:
        raise SetupError("sections", "Choose sections from the list")
    check_own_sections(new.own_sections)
    return new


def own_sections_from_next_month(
    old: SelfEvaluation, new: SelfEvaluation, this_month: str
) -> SelfEvaluation:
    """A change to the council's own sections applies from next month's SEF: this month's
    keeps the sections it was asked (a saved SEF keeps its headings whatever happens)."""
    if new.own_sections == old.own_sections:
        return replace(
            new,
            own_sections_from=old.own_sections_from,
            earlier_own_sections=old.earlier_own_sections,
        )
    year, month = (int(p) for p in this_month.split("-"))
    following = f"{year + month // 12}-{month % 12 + 1:02d}"
    return replace(
        new, own_sections_from=following, earlier_own_sections=old.sections_for(this_month)
    )


MAX_OWN_SECTIONS = 6
HEADING_LIMIT = 120
HINT_LIMIT = 300


def check_own_sections(sections: tuple[tuple[str, str], ...]) -> None:
    """At most six, each with a heading of its own (120 characters at most; its hint 300).
    An error names the field of the section at fault by its place: `heading_1`, `hint_2`."""
    if len(sections) > MAX_OWN_SECTIONS:
        raise SetupError("heading_1", f"Name at most {MAX_OWN_SECTIONS} sections")
    seen: set[str] = set()
    for number, (heading, hint) in enumerate(sections, start=1):
        if "\x00" in heading or "\x00" in hint:
            raise SetupError(f"heading_{number}", "A section must not contain a NUL character")
        if not heading.strip():
            raise SetupError(
                f"heading_{number}", "Enter a heading for the section, or clear its hint"
            )
        if len(heading) > HEADING_LIMIT:
            raise SetupError(
                f"heading_{number}", f"The heading must be {HEADING_LIMIT} characters or fewer"
            )
        if len(hint) > HINT_LIMIT:
            raise SetupError(f"hint_{number}", f"The hint must be {HINT_LIMIT} characters or fewer")
        key = " ".join(heading.split()).casefold()
        if key in seen:
            raise SetupError(
                f"heading_{number}", "Give each section a heading of its own: this one repeats"
            )
        seen.add(key)


def check_chasing(new: Chasing) -> Chasing:
    for name, low, high in (
        ("remind_days_before", 0, 10),
        ("escalate_manager_after", 1, 20),
        ("escalate_chair_after", 1, 30),
        ("target_notice_days", 0, 60),
    ):
        value = getattr(new, name)
        if not low <= value <= high:
            raise SetupError(name, f"Enter a number of working days from {low} to {high}")
    if new.escalate_chair_after <= new.escalate_manager_after:
        raise SetupError(
            "escalate_chair_after",
            "The last escalation must come after the escalation to the line manager",
        )
    email = (new.chair_email or "").strip().lower() or None
    if email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", email):
        raise SetupError("chair_email", "Enter an email address like name@example.org")
    return replace(new, chair_email=email)


def check_meeting_day(day: MeetingDay, kind: str = "") -> MeetingDay:
    """A usual day the tracker can plan: a week of the month it knows, a weekday (Monday to
    Friday), and a length from 15 minutes to LONGEST_MEETING. `kind` prefixes the field names
    (`jsig_weekday`)."""
    at = f"{kind}_" if kind else ""
    if day.nth not in WEEKS_OF_MONTH:
        raise SetupError(at + "nth", "Choose which week of the month it meets, or no usual day")
    if not 0 <= day.weekday < len(WEEKDAYS):
        raise SetupError(at + "weekday", "Choose the weekday it meets, Monday to Friday")
    if not 15 <= day.minutes <= LONGEST_MEETING:
        raise SetupError(
            at + "minutes", f"Enter how long it lasts, in minutes, from 15 to {LONGEST_MEETING}"
        )
    return day


def check_meeting_days(days: MeetingDays) -> MeetingDays:
    for kind in MEETING_KINDS:
        check_meeting_day(days.of(kind), kind)
    return days
