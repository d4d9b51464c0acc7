"""Every inspection event with its deadline (by its framework's rule) and its progress: the
actions answering its findings, counted per event and per finding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.domain.deadlines import ResponseDeadline
from tracker.domain.frameworks import Framework, event_deadline, get_framework
from tracker.models import Inspection
from tracker.services.reads.recommendations import (
    Counts,
    Progress,
    RecommendationSummary,
)


@dataclass
class EventSummary:
    id: int
    title: str
    framework: Framework
    local_authority: str
    started_on: date | None
    ended_on: date | None
    report_received: date | None
    report_published: date | None
    judgements: list[dict[str, Any]]
    plan_submitted_on: date | None
    working_days: int
    deadline: ResponseDeadline | None
    progress: Counts
    findings: list[RecommendationSummary]


def summarise_event(
    inspection: Inspection,
    progress: Progress,
    *,
    rule_days: dict[str, int],
    default_anchor: str,
) -> EventSummary:
    """One event as the overview shows it, from rows already read (no statement)."""
    framework = get_framework(inspection.framework)
    findings = [f for f in progress.findings if f.inspection_id == inspection.id]
    days = rule_days.get(framework.code, 0)
    return EventSummary(
        id=inspection.id,
        title=inspection.title or framework.name,
        framework=framework,
        local_authority=inspection.local_authority,
        started_on=inspection.started_on,
        ended_on=inspection.ended_on,
        report_received=inspection.report_received,
        report_published=inspection.report_published,
        judgements=list(inspection.judgements or []),
        plan_submitted_on=inspection.plan_submitted_on,
        working_days=days,
        deadline=event_deadline(
            framework,
            working_days=days,
            published=inspection.report_published,
            received=inspection.report_received,
            anchor=inspection.deadline_anchor or default_anchor,
            finding_kinds={f.kind for f in findings},
        ),
        progress=progress.events.get(inspection.id, Counts()),
        findings=findings,
    )


def list_events(
    progress: Progress,
    inspections: list[Inspection],
    *,
    rule_days: dict[str, int],
    default_anchor: str,
) -> list[EventSummary]:
    """Every event (as `list_inspections` read them) with its deadline and progress, from the
    counts `get_progress` read: no statement of its own."""
    return [
        summarise_event(i, progress, rule_days=rule_days, default_anchor=default_anchor)
        for i in inspections
    ]
