"""The monthly locality self-evaluation (SEF): its questions, when it is complete, its status
for a month, and what changed between two versions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from tracker.domain.calendar import LONDON
from tracker.domain.chasing import sef_due_date

DEFAULT_DUE_WORKING_DAY = 5
TEXT_LIMIT = 10_000

# The three questions a good SEF answers, then the two sections it is focused on.
QUESTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "what_we_know",
        "What do we know about the quality and impact of our practice?",
        "Strengths and weaknesses in the {area} this month, and the difference practice is making.",
    ),
    (
        "how_we_know",
        "How do we know it?",
        "Audits, performance measures, observation of practice, and what children, families "
        "and partners tell us.",
    ),
    (
        "what_we_are_doing",
        "What are we doing about it?",
        "What will change, who is doing it, and when you expect to see a difference.",
    ),
)
SECTIONS: tuple[tuple[str, str, str], ...] = (
    (
        "management_oversight",
        "Management oversight",
        "How managers oversee practice: supervision, case direction and decisions recorded "
        "on the file.",
    ),
    (
        "practice_quality",
        "Practice quality",
        "What audits and observation say about assessments, plans, visits and recording.",
    ),
)
EVIDENCE: tuple[str, str, str] = (
    "evidence",
    "Evidence",
    "The audits, measures and reports this self-evaluation rests on. Optional.",
)
SELF_GRADE = "self_grade"
QUESTION_NAMES = tuple(name for name, _, _ in QUESTIONS)
REQUIRED_TEXT = tuple(name for name, _, _ in QUESTIONS + SECTIONS)
TEXT_FIELDS = REQUIRED_TEXT + (EVIDENCE[0],)
FIELDS = TEXT_FIELDS + (SELF_GRADE,)
FIELD_LABELS: dict[str, str] = {name: label for name, label, _ in QUESTIONS + SECTIONS} | {
    EVIDENCE[0]: EVIDENCE[1],
    SELF_GRADE: "Self-grade",
}
# Each hint names the area in the organisation's word: `{area}` (see web/sefs/forms.py).
FIELD_HINTS: dict[str, str] = {name: hint for name, _, hint in QUESTIONS + SECTIONS} | {
    EVIDENCE[0]: EVIDENCE[2],
    SELF_GRADE: "The Ofsted judgement the {area} would give itself this month.",
}


class Grade(StrEnum):
    OUTSTANDING = "outstanding"
    GOOD = "good"
    REQUIRES_IMPROVEMENT = "requires_improvement"
    INADEQUATE = "inadequate"

    @property
    def label(self) -> str:
        return GRADE_LABELS[self]


GRADE_VALUES = frozenset(g.value for g in Grade)
GRADE_LABELS = {
    Grade.OUTSTANDING: "Outstanding",
    Grade.GOOD: "Good",
    Grade.REQUIRES_IMPROVEMENT: "Requires improvement",
    Grade.INADEQUATE: "Inadequate",
}


class SefStatus(StrEnum):
    NOT_STARTED = "not_started"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SUBMITTED_LATE = "submitted_late"
    MISSING = "missing"  # past its due day and never submitted

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    SefStatus.NOT_STARTED: "Not started",
    SefStatus.DRAFT: "Draft saved",
    SefStatus.SUBMITTED: "Submitted",
    SefStatus.SUBMITTED_LATE: "Submitted late",
    SefStatus.MISSING: "Missing",
}


class Saved(Protocol):
    """What the status needs to know about one saved version."""

    @property
    def status(self) -> str: ...

    @property
    def saved_at(self) -> datetime: ...


# --- months ---------------------------------------------------------------------------------

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str) -> str | None:
    """`YYYY-MM` with a real month, or None."""
    match = _MONTH.fullmatch(text or "")
    if match is None or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        return None
    return text


def month_of(day: date) -> str:
    """The YYYY-MM month a day falls in."""
    return f"{day.year:04d}-{day.month:02d}"


def month_label(month: str) -> str:
    """ "2025-03" -> "March 2025"."""
    year, number = (int(p) for p in month.split("-"))
    return f"{date(year, number, 1):%B} {year}"


def sef_months(first_month: str, today: date) -> list[str]:
    """Every month a SEF is asked for, from the first up to and including today's, oldest first."""
    year, number = (int(p) for p in first_month.split("-"))
    last = month_of(today)
    months = []
    while (current := f"{year:04d}-{number:02d}") <= last:
        months.append(current)
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def is_sef_month(month: str, first_month: str, today: date) -> bool:
    """A SEF can be written for a well-formed month from the first one up to today's month."""
    return parse_month(month) is not None and first_month <= month <= month_of(today)


def due_on(month: str, working_day: int = DEFAULT_DUE_WORKING_DAY) -> date:
    """A month's SEF is due by the end of that month's `working_day`-th London working day."""
    return sef_due_date(month, working_day)


# --- completeness ---------------------------------------------------------------------------


def check_sef(
    fields: Mapping[str, str | None],
    submitting: bool,
    own: Sequence[tuple[str, str]] = (),
    asked: Sequence[str] | None = None,
) -> dict[str, str]:
    """A draft may be partial but not empty; a submitted SEF answers every question and every
    focused section asked (`asked`, by name; None: both), the council's own too (`own`,
    (heading, answer) each, field `own_1`...) and gives a self-grade. Field -> message, empty
    when it may be saved."""
    errors: dict[str, str] = {}
    for number, (heading, answer) in enumerate(own, start=1):
        if len(answer) > TEXT_LIMIT:
            errors[f"own_{number}"] = f"{heading} must be {TEXT_LIMIT:,} characters or fewer"
        elif submitting and not answer.strip():
            errors[f"own_{number}"] = f"Answer the section '{heading}'"
    required = REQUIRED_TEXT if asked is None else QUESTION_NAMES + asked_sections(asked)
    return _check_fields(fields, submitting, any(a.strip() for _, a in own), required) | errors


def asked_sections(asked: Sequence[str]) -> tuple[str, ...]:
    """The focused sections asked, in the form's order (unknown names left out)."""
    return tuple(name for name, _, _ in SECTIONS if name in asked)


def shown_fields(values: Mapping[str, str | None], asked: Sequence[str]) -> dict[str, str]:
    """The fields a saved SEF is read by, label by name: every one, except a focused section
    the set-up does not ask that the version left empty (not "Not answered": it was never asked
    for). A section answered when it was asked stays, whatever the set-up says now."""
    unasked = {name for name, _, _ in SECTIONS} - set(asked_sections(asked))
    return {
        name: label
        for name, label in FIELD_LABELS.items()
        if name not in unasked or (values.get(name) or "").strip()
    }


def _check_fields(
    fields: Mapping[str, str | None],
    submitting: bool,
    any_own: bool = False,
    required: tuple[str, ...] = REQUIRED_TEXT,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    text = {name: (fields.get(name) or "").strip() for name in TEXT_FIELDS}
    grade = (fields.get(SELF_GRADE) or "").strip()
    for name, value in text.items():
        if len(value) > TEXT_LIMIT:
            errors[name] = f"{FIELD_LABELS[name]} must be {TEXT_LIMIT:,} characters or fewer"
    if grade and grade not in GRADE_VALUES:
        errors[SELF_GRADE] = "Choose a self-grade from the list"
    if submitting:
        for name in required:
            if not text[name] and name not in errors:
                errors[name] = _missing_message(name)
        if not grade:
            errors[SELF_GRADE] = (
                "Choose a self-grade: outstanding, good, requires improvement or inadequate"
            )
    elif not any(text.values()) and not grade and not any_own:
        errors[REQUIRED_TEXT[0]] = "Answer at least one question before saving a draft"
    return errors


def _missing_message(name: str) -> str:
    if name in QUESTION_NAMES:
        return f"Answer the question: {FIELD_LABELS[name]}"
    return f"Complete the {FIELD_LABELS[name].lower()} section"


# --- status ---------------------------------------------------------------------------------


def is_late(saved_at: datetime, due: date) -> bool:
    """Saved after the end of the London due day."""
    return saved_at.astimezone(LONDON).date() > due


def sef_status(versions: Iterable[Saved], due: date, today: date) -> SefStatus:
    """Submitted (late if its first submission came after the due day), a draft, not started,
    or missing once the due day has passed with nothing submitted."""
    versions = list(versions)
    submitted = [v.saved_at for v in versions if v.status == "submitted"]
    if submitted:
        return SefStatus.SUBMITTED_LATE if is_late(min(submitted), due) else SefStatus.SUBMITTED
    if today > due:
        return SefStatus.MISSING
    return SefStatus.DRAFT if versions else SefStatus.NOT_STARTED


# --- comparing versions ---------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str
    changed: bool


def display_value(field: str, value: str | None) -> str:
    """A field's value as a person reads it: a self-grade by its label, text as typed."""
    if field == SELF_GRADE:
        return Grade(value).label if value else "Not chosen"
    return (value or "").strip()


@dataclass(frozen=True)
class OwnAnswer:
    """The answer to one of the council's own sections, under the heading it was asked."""

    heading: str
    hint: str
    answer: str


def own_answers(saved: object) -> tuple[OwnAnswer, ...]:
    """A version's answers to the council's own sections, as stored (a list of dicts)."""
    if not isinstance(saved, list):
        return ()
    return tuple(
        OwnAnswer(str(i.get("heading", "")), str(i.get("hint", "")), str(i.get("answer", "")))
        for i in saved
        if isinstance(i, Mapping)
    )


def compare_own(a: Sequence[OwnAnswer], b: Sequence[OwnAnswer]) -> list[FieldChange]:
    """The council's own sections of two versions side by side, matched by heading: the later
    version's in order, then any only the earlier one answered."""
    old = {s.heading: s.answer.strip() for s in a}
    new = {s.heading: s.answer.strip() for s in b}
    headings = list(new) + [h for h in old if h not in new]
    return [
        FieldChange(f"own_{n}", h, old.get(h, ""), new.get(h, ""), old.get(h, "") != new.get(h, ""))
        for n, h in enumerate(headings, start=1)
    ]


def compare_versions(a: Mapping[str, str | None], b: Mapping[str, str | None]) -> list[FieldChange]:
    """Every field of two versions side by side, in form order, each marked changed or not."""
    changes = []
    for name in FIELDS:
        old, new = display_value(name, a.get(name)), display_value(name, b.get(name))
        changes.append(FieldChange(name, FIELD_LABELS[name], old, new, old != new))
    return changes
