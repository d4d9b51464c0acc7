"""Inspection frameworks as data: each one's judgement areas and grades (none for a visit), the
kinds of finding it produces, and the rule that sets when its action plan is due.

The number of working days in each rule is a setting (config.py reads it from the environment,
the README names each default's source); this module says what the rule counts from and when
it applies at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from tracker.domain.deadlines import (
    MAX_WORKING_DAYS,
    DeadlineAnchor,
    ResponseDeadline,
    response_deadline,
)


class FindingKind(StrEnum):
    RECOMMENDATION = "recommendation"
    AREA_FOR_PRIORITY_ACTION = "area_for_priority_action"
    AREA_FOR_IMPROVEMENT = "area_for_improvement"

    @property
    def label(self) -> str:
        return FINDING_LABELS[self]


FINDING_LABELS = {
    FindingKind.RECOMMENDATION: "Recommendation",
    FindingKind.AREA_FOR_PRIORITY_ACTION: "Area for priority action",
    FindingKind.AREA_FOR_IMPROVEMENT: "Area for improvement",
}

_FOUR_POINT = ("Outstanding", "Good", "Requires improvement", "Inadequate")
_ILACS_GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
_SIF_AREAS = (
    "Overall effectiveness",
    "Children who need help and protection",
    "Children looked after and achieving permanence",
    "Adoption performance",
    "Experiences and progress of care leavers",
    "Leadership, management and governance",
)
_ILACS_AREAS = (
    "Overall effectiveness",
    "The impact of leaders on social work practice with children and families",
    "The experiences and progress of children who need help and protection",
    "The experiences and progress of children in care",
    "The experiences and progress of care leavers",
)
_SEND_AREA_OUTCOMES = (
    "Positive experiences and outcomes",
    "Inconsistent experiences and outcomes",
    "Widespread and/or systemic failings",
)
_ALL_KINDS = tuple(FindingKind)


@dataclass(frozen=True)
class Framework:
    """One kind of inspection event. `areas` and `grades` are empty for a visit (no judgements).
    `deadline_when` names the finding kind that makes an action plan due (a focused visit asks
    for one only when it finds areas for priority action); None means every event does."""

    code: str
    name: str
    areas: tuple[str, ...]
    grades: tuple[str, ...]
    finding_kinds: tuple[FindingKind, ...]
    deadline_when: FindingKind | None = None

    @property
    def has_judgements(self) -> bool:
        return bool(self.areas)


FRAMEWORKS: dict[str, Framework] = {
    f.code: f
    for f in (
        Framework(
            "SIF",
            "Single inspection framework (SIF) inspection",
            _SIF_AREAS,
            _FOUR_POINT,
            (FindingKind.RECOMMENDATION,),
        ),
        Framework(
            "ILACS_STANDARD",
            "ILACS standard inspection",
            _ILACS_AREAS,
            _ILACS_GRADES,
            (FindingKind.RECOMMENDATION, FindingKind.AREA_FOR_IMPROVEMENT),
        ),
        Framework(
            "ILACS_SHORT",
            "ILACS short inspection",
            _ILACS_AREAS,
            _ILACS_GRADES,
            (FindingKind.RECOMMENDATION, FindingKind.AREA_FOR_IMPROVEMENT),
        ),
        Framework(
            "FOCUSED_VISIT",
            "ILACS focused visit",
            (),
            (),
            (FindingKind.AREA_FOR_PRIORITY_ACTION, FindingKind.AREA_FOR_IMPROVEMENT),
            deadline_when=FindingKind.AREA_FOR_PRIORITY_ACTION,
        ),
        Framework(
            "MONITORING_VISIT",
            "ILACS monitoring visit",
            (),
            (),
            (FindingKind.AREA_FOR_IMPROVEMENT,),
        ),
        Framework(
            "JTAI",
            "Joint targeted area inspection (JTAI)",
            (),
            (),
            (FindingKind.RECOMMENDATION, FindingKind.AREA_FOR_IMPROVEMENT),
        ),
        Framework(
            "SEND_AREA",
            "Area SEND inspection",
            ("Outcome",),
            _SEND_AREA_OUTCOMES,
            (FindingKind.AREA_FOR_PRIORITY_ACTION, FindingKind.AREA_FOR_IMPROVEMENT),
            deadline_when=FindingKind.AREA_FOR_PRIORITY_ACTION,
        ),
        Framework("OTHER", "Other inspection or visit", (), (), _ALL_KINDS),
    )
}
OTHER = FRAMEWORKS["OTHER"]


def get_framework(code: str | None) -> Framework:
    """The framework a stored code names; a code this version does not know reads as Other."""
    if code is None:
        return OTHER
    return FRAMEWORKS.get(code) or FRAMEWORKS.get(code.upper()) or OTHER


def is_framework(code: str | None) -> bool:
    return code in FRAMEWORKS


def check_rule_days(days: dict[str, int]) -> dict[str, int]:
    """Each framework's working days from the settings: 0 (no action plan due) up to
    MAX_WORKING_DAYS; a missing framework means 0. ValueError names a bad one."""
    out = {}
    for code in FRAMEWORKS:
        value = days.get(code, 0)
        if not 0 <= value <= MAX_WORKING_DAYS:
            raise ValueError(
                f"the working days for {code} must be from 0 to {MAX_WORKING_DAYS}, not {value}"
            )
        out[code] = value
    return out


def event_deadline(
    framework: Framework,
    *,
    working_days: int,
    published: date | None,
    received: date | None,
    anchor: DeadlineAnchor | str,
    finding_kinds: set[str] | frozenset[str] = frozenset(),
) -> ResponseDeadline | None:
    """When this event's action plan must reach Ofsted, by its framework's rule: `working_days`
    working days from the report's publication (or receipt, as `anchor` says). None when the
    rule asks for no plan: 0 days, no report date yet, a receipt-anchored count with no
    receipt date, or a visit without the findings that make a plan due."""
    if working_days <= 0 or published is None:
        return None
    if framework.deadline_when is not None and framework.deadline_when.value not in finding_kinds:
        return None
    if DeadlineAnchor(anchor) is DeadlineAnchor.RECEIPT and received is None:
        return None
    return response_deadline(
        published=published, received=received, anchor=anchor, working_days=working_days
    )


def judgement_problems(framework: Framework, judgements: dict[str, str]) -> dict[str, str]:
    """Area -> why its grade cannot be recorded: only the framework's areas, only its grades,
    and none at all for a framework without judgements (a visit)."""
    problems = {}
    for area, grade in judgements.items():
        if not grade:
            continue
        if area not in framework.areas:
            problems[area] = f"The {framework.name} has no judgement for “{area}”"
        elif grade not in framework.grades:
            problems[area] = f"Choose a grade for {area} from the list"
    return problems


def finding_kind_problem(framework: Framework, kind: str) -> str | None:
    """Why this framework cannot produce a finding of this kind, or None."""
    if kind not in {k.value for k in framework.finding_kinds}:
        allowed = ", ".join(k.label.lower() for k in framework.finding_kinds)
        return f"The {framework.name} produces {allowed} only"
    return None
