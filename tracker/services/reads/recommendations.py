"""The recommendations and the overview: actions counted per recommendation, the totals and
the response deadline."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from tracker.domain.deadlines import ResponseDeadline, response_deadline
from tracker.extensions import db
from tracker.models import (
    Action,
    Inspection,
    Recommendation,
)
from tracker.services.errors import NotFound
from tracker.services.reads.state import join_state, overdue_clause, state_for


@dataclass
class RecommendationSummary:
    id: int
    ref: str
    number: int
    title: str
    text: str
    judgement_area: str
    lead_body: str
    partners: list[str]
    action_count: int = 0
    lifecycle_counts: dict[str, int] = field(default_factory=dict)
    rag_counts: dict[str, int] = field(default_factory=dict)
    overdue: int = 0


def list_recommendations(
    *, today: date, as_at: datetime | None = None
) -> list[RecommendationSummary]:
    """Every recommendation with its actions counted by lifecycle, RAG and overdue: two queries."""
    recs = db.session.execute(select(Recommendation).order_by(Recommendation.number)).scalars()
    summaries = {
        r.id: RecommendationSummary(
            r.id,
            r.ref,
            r.number,
            r.title,
            r.text,
            r.judgement_area,
            r.lead_body,
            list(r.partners or []),
        )
        for r in recs
    }
    state = state_for(as_at)
    overdue_expr = overdue_clause(today, state)
    counts = db.session.execute(
        join_state(
            select(
                Action.recommendation_id,
                state.lifecycle,
                state.rag,
                overdue_expr.label("overdue"),
                func.count(),
            ),
            as_at=as_at,
        ).group_by(Action.recommendation_id, state.lifecycle, state.rag, overdue_expr)
    ).all()
    for rec_id, lifecycle, rag, overdue, n in counts:
        s = summaries[rec_id]
        s.action_count += n
        s.lifecycle_counts[lifecycle] = s.lifecycle_counts.get(lifecycle, 0) + n
        if rag:
            s.rag_counts[rag] = s.rag_counts.get(rag, 0) + n
        if overdue:
            s.overdue += n
    return list(summaries.values())


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


def get_deadline(inspection: Inspection | None, default_anchor: str) -> ResponseDeadline | None:
    if inspection is None:
        return None
    return response_deadline(
        published=inspection.report_published,
        received=inspection.report_received,
        anchor=inspection.deadline_anchor or default_anchor,
    )
