"""The recommendations and the overview: actions counted per recommendation, the totals and
the response deadline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import distinct, func, literal_column, select, union_all

from tracker.domain.deadlines import RESPONSE_WORKING_DAYS, ResponseDeadline, response_deadline
from tracker.domain.frameworks import FindingKind
from tracker.extensions import db
from tracker.models import (
    Action,
    Inspection,
    Recommendation,
    action_finding,
)
from tracker.services.errors import NotFound
from tracker.services.reads.state import join_state, overdue_clause, state_for

_KINDS = {k.value for k in FindingKind}


@dataclass
class Counts:
    """Actions counted by lifecycle, RAG and overdue: for a finding, an event or the plan."""

    action_count: int = 0
    lifecycle_counts: dict[str, int] = field(default_factory=dict)
    rag_counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0

    def add(self, lifecycle: str, rag: str | None, overdue: bool, n: int) -> None:
        self.action_count += n
        self.lifecycle_counts[lifecycle] = self.lifecycle_counts.get(lifecycle, 0) + n
        if rag:
            self.rag_counts[rag] = self.rag_counts.get(rag, 0) + n
        if overdue:
            self.overdue += n

    def as_totals(self) -> dict[str, int]:
        """The overview's totals: every count under one key (what `totals` adds up)."""
        out = {"actions": self.action_count, "overdue": self.overdue}
        for k, v in [*self.lifecycle_counts.items(), *self.rag_counts.items()]:
            out[k] = out.get(k, 0) + v
        return out


@dataclass
class RecommendationSummary(Counts):
    """A finding (a recommendation, an area for priority action or for improvement) with the
    actions that answer it counted: those it is the primary finding of and those linked to it."""

    id: int = 0
    ref: str = ""
    number: int = 0
    title: str = ""
    text: str = ""
    judgement_area: str = ""
    lead_body: str = ""
    partners: list[str] = field(default_factory=list)
    inspection_id: int = 0
    kind: str = "recommendation"

    @property
    def kind_label(self) -> str:
        return FindingKind(self.kind).label if self.kind in _KINDS else self.kind


@dataclass
class Progress:
    """Every finding's counts, each inspection event's (an action counted once per event,
    however many of its findings it answers) and the plan's (each action once)."""

    findings: list[RecommendationSummary]
    events: dict[int, Counts]
    plan: Counts


def _links():
    """Each action with each finding it answers: its own, and those linked beside it."""
    return union_all(
        select(Action.id.label("action_id"), Action.recommendation_id.label("finding_id")),
        select(
            action_finding.c.action_id.label("action_id"),
            action_finding.c.recommendation_id.label("finding_id"),
        ),
    ).subquery("links")


def get_progress(*, today: date, as_at: datetime | None = None) -> Progress:
    """Every finding with its actions counted by lifecycle, RAG and overdue, and the same per
    inspection event and for the whole plan: two statements, whatever the data."""
    recs = db.session.execute(
        select(Recommendation).order_by(Recommendation.inspection_id, Recommendation.number)
    ).scalars()
    summaries = {
        r.id: RecommendationSummary(
            id=r.id,
            ref=r.ref,
            number=r.number,
            title=r.title,
            text=r.text,
            judgement_area=r.judgement_area,
            lead_body=r.lead_body,
            partners=list(r.partners or []),
            inspection_id=r.inspection_id,
            kind=r.kind,
        )
        for r in recs
    }
    state = state_for(as_at)
    overdue_expr = overdue_clause(today, state)
    links = _links()

    def grouped(part: str, key, count, source):
        query = select(
            literal_column(f"'{part}'").label("part"),
            key.label("key"),
            state.lifecycle,
            state.rag,
            overdue_expr.label("overdue"),
            count.label("n"),
        )
        query = join_state(source(query), as_at=as_at)
        # A constant key is not grouped by: GROUP BY 0 would name a column by its position.
        keys = [] if part == "plan" else [key]
        return query.group_by(*keys, state.lifecycle, state.rag, overdue_expr)

    by_finding = grouped(
        "finding",
        links.c.finding_id,
        func.count(),
        lambda q: q.select_from(links).join(Action, Action.id == links.c.action_id),
    )
    by_event = grouped(
        "event",
        Recommendation.inspection_id,
        func.count(distinct(Action.id)),
        lambda q: (
            q.select_from(links)
            .join(Recommendation, Recommendation.id == links.c.finding_id)
            .join(Action, Action.id == links.c.action_id)
        ),
    )
    whole = grouped("plan", literal_column("0"), func.count(), lambda q: q.select_from(Action))
    events: dict[int, Counts] = defaultdict(Counts)
    plan = Counts()
    for part, key, lifecycle, rag, overdue, n in db.session.execute(
        union_all(by_finding, by_event, whole)
    ).all():
        if part == "finding":
            summaries[key].add(lifecycle, rag, overdue, n)
        elif part == "event":
            events[key].add(lifecycle, rag, overdue, n)
        else:
            plan.add(lifecycle, rag, overdue, n)
    return Progress(list(summaries.values()), dict(events), plan)


def list_recommendations(
    *, today: date, as_at: datetime | None = None
) -> list[RecommendationSummary]:
    """Every finding with the actions answering it counted by lifecycle, RAG and overdue."""
    return get_progress(today=today, as_at=as_at).findings


def totals(summaries: list[RecommendationSummary]) -> dict[str, int]:
    """Overall counts for the overview, from the per-recommendation counts (no extra query)."""
    out: dict[str, int] = defaultdict(int)
    for s in summaries:
        out["actions"] += s.action_count
        out["overdue"] += s.overdue
        for k, v in s.lifecycle_counts.items():
            out[k] += v
        for k, v in s.rag_counts.items():
            out[k] += v
    return dict(out)


def get_recommendation(ref: str) -> Recommendation:
    rec = db.session.execute(
        select(Recommendation).where(Recommendation.ref == ref.upper())
    ).scalar_one_or_none()
    if rec is None:
        raise NotFound(f"No recommendation {ref}")
    return rec


def get_inspection() -> Inspection | None:
    return db.session.execute(select(Inspection).order_by(Inspection.id)).scalars().first()


def list_inspections() -> list[Inspection]:
    """Every inspection event, the first recorded first."""
    return list(db.session.execute(select(Inspection).order_by(Inspection.id)).scalars())


def get_deadline(
    inspection: Inspection | None,
    default_anchor: str,
    rule_days: Mapping[str, int] | None = None,
) -> ResponseDeadline | None:
    """The inspection's action plan deadline: its framework's working days (`rule_days`, the
    TRACKER_DEADLINE_DAYS_* settings; 70 where none is given) from publication or receipt.
    None when there is no inspection or its framework's rule asks for no plan (0 days)."""
    if inspection is None:
        return None
    days = (rule_days or {}).get(inspection.framework, RESPONSE_WORKING_DAYS)
    if days <= 0:
        return None
    return response_deadline(
        published=inspection.report_published,
        received=inspection.report_received,
        anchor=inspection.deadline_anchor or default_anchor,
        working_days=days,
    )


@dataclass(frozen=True)
class FurtherFinding:
    """A finding an action answers beside its own recommendation, with its inspection event."""

    ref: str
    title: str
    kind: str  # a FindingKind value
    event: str  # the event's title, or its framework where it has none
    published: date

    @property
    def kind_label(self) -> str:
        return FindingKind(self.kind).label


def list_further_findings(action_id: int) -> list[FurtherFinding]:
    """The findings an action answers beside its own (its primary recommendation), of any
    inspection event, in the events' and findings' order: one statement."""
    rows = db.session.execute(
        select(
            Recommendation.ref,
            Recommendation.title,
            Recommendation.kind,
            Inspection.title,
            Inspection.framework,
            Inspection.report_published,
        )
        .join(action_finding, action_finding.c.recommendation_id == Recommendation.id)
        .join(Inspection, Inspection.id == Recommendation.inspection_id)
        .where(action_finding.c.action_id == action_id)
        .order_by(Recommendation.inspection_id, Recommendation.number)
    ).all()
    return [
        FurtherFinding(
            ref=ref, title=title, kind=kind, event=event or framework, published=published
        )
        for ref, title, kind, event, framework, published in rows
    ]
