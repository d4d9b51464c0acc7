"""Plain dicts for the API from the read models."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from tracker.services.loop.returns import ReturnView
from tracker.services.plan.queries import (
    ActionRow,
    HistoryEntry,
    RecommendationSummary,
    UpdateCycle,
)
from tracker.services.reads.plan_changes import DateRequestRow


def recommendation_json(s: RecommendationSummary) -> dict[str, Any]:
    return {
        "ref": s.ref,
        "title": s.title,
        "text": s.text,
        "judgement_area": s.judgement_area,
        "lead_body": s.lead_body,
        "partners": s.partners,
        "action_count": s.action_count,
    }


def action_json(r: ActionRow) -> dict[str, Any]:
    return {
        "ref": r.ref,
        "plan": r.plan,
        "recommendation": r.recommendation,
        "title": r.title,
        "lead": {"name": r.lead_name, "email": r.lead_email} if r.lead_name else None,
        "lead_organisation": r.lead_organisation,
        "partners": r.partners,
        "start_date": r.start_date.isoformat() if r.start_date else None,
        "target_date": r.target_date.isoformat() if r.target_date else None,
        "lifecycle": r.lifecycle.value,
        "rag": r.rag.value if r.rag else None,
        "impact": r.impact.value,
        "overdue": r.overdue,
        "awaiting_past_target": r.awaiting_past_target,
        "awaiting_sign_off_since": r.awaiting_since.isoformat().replace("+00:00", "Z")
        if r.awaiting_since
        else None,
        "working_days_awaiting_sign_off": r.working_days_awaiting,
        "depends_on": r.depends_on,
        "version": r.version,
        "updated_at": r.updated_at.isoformat().replace("+00:00", "Z"),
        "baseline_target_date": _day(r.baseline_target_date),
        "superseded_by": r.superseded_by,
    }


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def date_request_json(r: DateRequestRow) -> dict[str, Any]:
    return {
        "id": r.id,
        "action": r.action_ref,
        "requested_by": r.requested_by,
        "requested_at": _utc(r.requested_at),
        "old_date": _day(r.old_date),
        "new_date": r.new_date.isoformat(),
        "reason": r.reason,
        "status": r.status,
        "decided_by": r.decided_by,
        "decided_at": _utc(r.decided_at),
        "decision_note": r.decision_note,
    }


def history_json(h: HistoryEntry) -> dict[str, Any]:
    return {
        "version": h.version,
        "recorded_at": h.recorded_at.isoformat().replace("+00:00", "Z"),
        "author": h.author_name,
        "cause": h.cause,
        "cycle": h.cycle_number,
        "lifecycle": h.lifecycle.value,
        "rag": h.rag.value if h.rag else None,
        "impact": h.impact.value,
        "summary": h.summary,
        "reason": h.reason,
        "evidence": h.evidence,
        "changed": sorted(h.changed),
    }


def _utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def cycle_json(c: UpdateCycle, *, current: bool) -> dict[str, Any]:
    return {
        "number": c.number,
        "opens_on": c.opens_on.isoformat(),
        "due_on": c.due_on.isoformat(),
        "due_at": _utc(c.due_at),
        "current": current,
    }


def return_json(v: ReturnView) -> dict[str, Any]:
    """A locality's return: its status, and each open action's state now. Drafts stay private:
    they have not been through the personal-data guard."""
    return {
        "locality": v.locality_code,
        "cycle": v.cycle_number,
        "status": v.api_status,
        "overdue": v.overdue,
        "submitted_at": _utc(v.submitted_at),
        "submitted_by": v.submitted_by,
        "actions": [
            {
                "ref": line.ref,
                "title": line.title,
                "version": line.version,
                "lifecycle": line.lifecycle.value,
                "rag": line.rag.value if line.rag else None,
                "impact": line.impact.value,
                "summary": line.last_summary,
                "updated_this_cycle": line.updated_this_cycle,
            }
            for line in v.lines
        ],
    }
