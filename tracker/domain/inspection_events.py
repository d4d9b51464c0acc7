"""An inspection event as the administrator enters it, and every problem with it in words: the
framework's own judgements and finding kinds, dates in order, findings with refs and titles."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tracker.domain.deadlines import EARLIEST_START, LATEST_START
from tracker.domain.frameworks import (
    FRAMEWORKS,
    FindingKind,
    Framework,
    finding_kind_problem,
    get_framework,
    judgement_problems,
)

LEAD_BODIES = {
    "trust": "Trust",
    "council": "Council",
    "joint": "Joint",
    "safeguarding_board": "Safeguarding board",
}
REF = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,15}$")
TITLE_LIMIT = 200
TEXT_LIMIT = 4000
# Most findings one event records: far beyond any report, short of a form that never ends.
MAX_FINDINGS = 60


@dataclass(frozen=True)
class FindingInput:
    """One finding as entered: `id` names a finding already recorded (None for a new one);
    `actions` are the refs of actions answering it beside those it is the primary finding of."""

    id: int | None
    kind: str
    ref: str
    title: str
    text: str = ""
    judgement_area: str = ""
    lead_body: str = "joint"
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventInput:
    framework: str
    title: str
    local_authority: str
    report_published: date | None
    report_received: date | None = None
    started_on: date | None = None
    ended_on: date | None = None
    judgements: dict[str, str] = field(default_factory=dict)  # area -> grade ("" not judged)
    findings: tuple[FindingInput, ...] = ()


def normalise_ref(ref: str) -> str:
    return "".join(ref.split()).upper()


def _in_calendar(value: date | None) -> bool:
    return value is None or EARLIEST_START <= value <= LATEST_START


def event_problems(event: EventInput) -> list[tuple[str, str]]:
    """Every problem with the event, as (field, message): empty when it may be saved. Field
    names are the form's (`findings-2-ref`, `judgement_0`)."""
    problems: list[tuple[str, str]] = []
    if event.framework not in FRAMEWORKS:
        problems.append(("framework", "Choose the kind of inspection or visit"))
    framework = get_framework(event.framework)
    if not event.title.strip():
        problems.append(("title", "Enter a title for the inspection or visit"))
    elif len(event.title) > TITLE_LIMIT:
        problems.append(("title", f"The title must be {TITLE_LIMIT} characters or fewer"))
    if not event.local_authority.strip():
        problems.append(("local_authority", "Enter the local authority or area inspected"))
    elif len(event.local_authority) > TITLE_LIMIT:
        problems.append(
            ("local_authority", f"The local authority must be {TITLE_LIMIT} characters or fewer")
        )
    for name in ("started_on", "ended_on", "report_received", "report_published"):
        if not _in_calendar(getattr(event, name)):
            first, last = EARLIEST_START.year, LATEST_START.year
            problems.append((name, f"Enter a date from {first} to {last}"))
    if event.report_published is None:
        problems.append(("report_published", "Enter the date the report or letter was published"))
    if event.started_on and event.ended_on and event.ended_on < event.started_on:
        problems.append(("ended_on", "The last day on site must be on or after the first"))
    on_site_until = event.ended_on or event.started_on
    if on_site_until and event.report_published and event.report_published < on_site_until:
        problems.append(
            ("report_published", "The report must be published after the inspectors' visit")
        )
    if event.report_received and on_site_until and event.report_received < on_site_until:
        problems.append(
            ("report_received", "The report must be received after the inspectors' visit")
        )
    areas = list(framework.areas)
    for area, message in judgement_problems(framework, event.judgements).items():
        where = f"judgement_{areas.index(area)}" if area in areas else "framework"
        problems.append((where, message))
    problems += _finding_problems(framework.code, event.findings)
    return problems


def _finding_problems(framework: str, findings: tuple[FindingInput, ...]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if len(findings) > MAX_FINDINGS:
        return [("findings", f"An inspection records at most {MAX_FINDINGS} findings here")]
    seen: set[str] = set()
    for n, finding in enumerate(findings):
        at = f"findings-{n}-"
        ref = normalise_ref(finding.ref)
        if not ref:
            problems.append((at + "ref", f"Enter a ref for finding {n + 1}, like REC2 or APA1"))
        elif not REF.match(ref):
            problems.append(
                (
                    at + "ref",
                    f"Finding {n + 1}'s ref must be up to 16 letters, digits and hyphens",
                )
            )
        elif ref in seen:
            problems.append((at + "ref", f"Finding {n + 1}'s ref {ref} is given twice"))
        seen.add(ref)
        if problem := finding_kind_problem(get_framework(framework), finding.kind):
            problems.append((at + "kind", f"Finding {n + 1}: {problem}"))
        if not finding.title.strip():
            problems.append((at + "title", f"Enter a title for finding {n + 1}"))
        elif len(finding.title) > TITLE_LIMIT:
            problems.append(
                (at + "title", f"Finding {n + 1}'s title must be {TITLE_LIMIT} characters or fewer")
            )
        if len(finding.text) > TEXT_LIMIT:
            problems.append(
                (at + "text", f"Finding {n + 1}'s text must be {TEXT_LIMIT} characters or fewer")
            )
        if len(finding.judgement_area) > TITLE_LIMIT:
            problems.append(
                (
                    at + "judgement_area",
                    f"Finding {n + 1}'s area must be {TITLE_LIMIT} characters or fewer",
                )
            )
        if finding.lead_body not in LEAD_BODIES:
            problems.append((at + "lead_body", f"Choose who leads on finding {n + 1}"))
    return problems


def framework_change_problems(
    new: Framework, judgements: list[dict[str, str]], findings: list[tuple[str, str]]
) -> list[str]:
    """Why an event already recorded cannot become a `new` kind of inspection or visit: each
    judgement whose area or grade the new framework lacks, and each finding (ref, kind) of a
    kind it does not produce. Empty when everything recorded fits."""
    problems = []
    for judgement in judgements:
        area, grade = judgement.get("area", ""), judgement.get("grade", "")
        if not grade:
            continue
        if not new.has_judgements:
            problems.append(
                f"The judgement “{area}: {grade}” does not fit: the {new.name} makes no judgements"
            )
        elif area not in new.areas:
            problems.append(f"The judgement “{area}” does not fit: the {new.name} has no such area")
        elif grade not in new.grades:
            problems.append(
                f"The judgement “{area}: {grade}” does not fit: "
                f"the {new.name} has no grade “{grade}”"
            )
    for ref, kind in findings:
        if kind not in {k.value for k in new.finding_kinds}:
            label = FindingKind(kind).label.lower() if kind in set(FindingKind) else kind
            allowed = ", ".join(k.label.lower() for k in new.finding_kinds)
            problems.append(
                f"Finding {ref} is {a_or_an(label)}: the {new.name} produces {allowed} only"
            )
    return problems


def a_or_an(name: str) -> str:
    """A kind's name with its article ("an ILACS focused visit", "a recommendation"): every
    name here that starts with a vowel letter starts with a vowel sound."""
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name}"
