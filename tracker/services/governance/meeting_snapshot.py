"""The plan as presented at a meeting: one JSON document, built once and never recomputed.

`build_snapshot` reads every action's row from the current-state projection (or, for a meeting
recorded after the event such as the seed's, from the history as at a moment) in a fixed number
of statements, and works out days overdue, the summary tables and the exception list with the
domain's rules. Pages, the pack and the API render the stored document alone.

Shape (SNAPSHOT_VERSION 1; a later version adds keys, and readers keep reading version 1):

    version, taken_at (UTC), meeting_day, source ("current" or "history"), as_at
    inspection: {local_authority, framework, report_published} or None
    labels: {lifecycle, rag, impact, lead_body}: the words of the day, frozen with the numbers
    actions: [row], by plan then ref; a row is ref, plan, plan_name, recommendation,
        recommendation_title, lead_body, title, lead_name, lead_organisation,
        lead_organisation_name, lifecycle, rag, impact, target_date, overdue, days_overdue,
        summary, reason, updated_at (and, added later: awaiting_past_target, awaiting_since,
        working_days_awaiting)
    totals: counts (see `_counts`) over every action
    by_plan, by_recommendation, by_lead_body: [{key, label, ...counts}]
    exceptions: refs of the actions that are red or overdue (or, added later, complete and
        awaiting sign-off past their target date), most days overdue first
    evidence (added later; absent from older snapshots): {since, items}: the evidence added to
        actions after the previous meeting was recorded (`since`, or None for the first) up to
        this one; an item is ref, title, evidence_type, evidence_type_label, evidence_date,
        kind, added_by, added_at, withdrawn (as it stood)
    dashboard: None until the dashboard's counts and charts are added (its own JSON snapshot)
    challenges: (added later; absent from older snapshots) every challenge raised up to the
        snapshot, each as `challenge_evidence` writes it (tracker/services/governance/challenges.py)
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select

from tracker.domain.calendar import LONDON, working_days_between
from tracker.domain.states import (
    IMPACT_LABELS,
    LIFECYCLE_LABELS,
    RAG_LABELS,
    LeadBody,
    Lifecycle,
    days_overdue,
    is_awaiting_past_target,
    is_overdue,
)
from tracker.extensions import db
from tracker.models import Action, Meeting, Plan, Recommendation
from tracker.services.governance.challenges import challenge_evidence
from tracker.services.governance.dashboard import DashboardSettings, dashboard_snapshot
from tracker.services.plan import evidence as evidence_service
from tracker.services.plan.filters import PlanFilters
from tracker.services.reads.action_rows import action_rows_query
from tracker.services.reads.plan_lists import apply_filters
from tracker.services.reads.recommendations import get_inspection
from tracker.services.reads.reference import list_plan_choices
from tracker.services.reads.state import state_for

SNAPSHOT_VERSION = 1


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _counts() -> dict[str, Any]:
    return {
        "actions": 0,
        "open": 0,
        "overdue": 0,
        "rag": {"red": 0, "amber": 0, "green": 0},
        "lifecycle": {s.value: 0 for s in Lifecycle},
    }


def _add(counts: dict[str, Any], row: dict[str, Any]) -> None:
    counts["actions"] += 1
    counts["lifecycle"][row["lifecycle"]] += 1
    if not Lifecycle(row["lifecycle"]).is_closed:
        counts["open"] += 1
        if row["rag"]:
            counts["rag"][row["rag"]] += 1
    if row["overdue"]:
        counts["overdue"] += 1


def snapshot_day(snapshot: dict[str, Any]) -> date:
    """The London day of the moment the snapshot holds the plan at (rebuilt `as_at`, or taken
    when the meeting was recorded): the as-at day of the exports that go with it, which take a
    day and show the plan at its end."""
    moment = snapshot["as_at"] or snapshot["taken_at"]
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).astimezone(LONDON).date()


def exception_rows(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    """The exception list's rows, in the snapshot's order (most days overdue first)."""
    by_ref = {row["ref"]: row for row in snapshot["actions"]}
    return [by_ref[ref] for ref in snapshot["exceptions"]]


def _shown(groups, filters: PlanFilters | None) -> list[dict[str, Any]]:
    """Every group for the whole plan (a meeting's tables list them all, empty or not); for a
    filtered pack, the groups that hold one of the chosen actions."""
    return [g for g in groups if filters is None or g["actions"]]


def _evidence_since_last_meeting(meeting_day: date, end: datetime) -> dict[str, Any]:
    """The evidence added to actions since the previous meeting was recorded, up to `end`
    (two statements): "evidence added since the last meeting", with who added it."""
    since = db.session.execute(
        select(Meeting.created_at)
        .where(Meeting.held_on < meeting_day)
        .order_by(Meeting.held_on.desc(), Meeting.created_at.desc())
        .limit(1)
    ).scalar_one_or_none()
    items = evidence_service.list_added_between(since, end)
    return {
        "since": _iso(since) if since is not None else None,
        "items": [
            {
                "ref": i.action_ref,
                "title": i.title,
                "evidence_type": i.evidence_type.value,
                "evidence_type_label": i.type_label,
                "evidence_date": i.evidence_date.isoformat(),
                "kind": i.kind,
                "added_by": i.added_by,
                "added_at": _iso(i.added_at),
                "withdrawn": i.withdrawn_at is not None and i.withdrawn_at <= end,
            }
            for i in sorted(items, key=lambda i: (i.action_ref or "", i.added_at, i.id))
        ],
    }


def build_snapshot(
    *,
    meeting_day: date,
    now: datetime,
    as_at: datetime | None = None,
    dashboard: DashboardSettings | None = None,
    filters: PlanFilters | None = None,
) -> dict[str, Any]:
    """The plan as presented on `meeting_day`: every action's row, the summary tables and the
    exception list (red or overdue), overdue counted on the meeting day; and, given the
    dashboard's settings, the chair's dashboard as it stood (its counts, lists and charts).
    A fixed number of statements, whatever the size of the plan. The dashboard reads the
    current state, so a snapshot rebuilt `as_at` a past moment (the seed's) has none.

    Given `filters` (a plan page's: the board pack), only the actions they choose, and only the
    plans, recommendations and lead bodies that hold one of them; the dashboard is then
    narrowed by the filters it understands (plan, recommendation, lead organisation, lead)."""
    state = state_for(as_at)
    query = action_rows_query(as_at)
    if filters is not None:
        if filters.plan is not None:
            query = query.where(Plan.code == filters.plan)
        query = apply_filters(query, filters, meeting_day, as_at)
    query = query.add_columns(
        state.reason.label("reason"),
        Recommendation.title.label("rec_title"),
        Recommendation.lead_body.label("lead_body"),
    ).order_by(Plan.id, Action.ref)
    rows = []
    for r in db.session.execute(query).all():
        rows.append(
            {
                "ref": r.ref,
                "plan": r.plan_code,
                "plan_name": r.plan_name,
                "recommendation": r.rec_ref,
                "recommendation_title": r.rec_title,
                "lead_body": r.lead_body,
                "title": r.title,
                "lead_name": r.lead_name,
                "lead_organisation": r.org_code,
                "lead_organisation_name": r.org_name,
                "lifecycle": r.lifecycle,
                "rag": r.rag,
                "impact": r.impact,
                "target_date": r.target_date.isoformat() if r.target_date else None,
                "overdue": is_overdue(r.target_date, r.lifecycle, meeting_day),
                "days_overdue": days_overdue(r.target_date, r.lifecycle, meeting_day),
                # Waiting work, not late work: complete, awaiting sign-off since a moment, and
                # its age in London working days (added later; absent from older snapshots).
                "awaiting_past_target": is_awaiting_past_target(
                    r.target_date, r.lifecycle, meeting_day
                ),
                "awaiting_since": _iso(r.awaiting_since) if r.awaiting_since else None,
                "working_days_awaiting": max(
                    0,
                    working_days_between(r.awaiting_since.astimezone(LONDON).date(), meeting_day),
                )
                if r.awaiting_since
                else 0,
                "summary": r.summary or "",
                "reason": r.reason or "",
                "updated_at": _iso(r.recorded_at),
            }
        )
    plans = list_plan_choices()
    recs = db.session.execute(
        select(Recommendation.ref, Recommendation.title, Recommendation.lead_body).order_by(
            Recommendation.number
        )
    ).all()
    inspection = get_inspection()

    totals = _counts()
    by_plan = {p.code: {"key": p.code, "label": p.full_name, **_counts()} for p in plans}
    by_rec = {
        ref: {"key": ref, "label": title, "lead_body": body, **_counts()}
        for ref, title, body in recs
    }
    by_body: dict[str, dict[str, Any]] = defaultdict(_counts)
    for row in rows:
        for counts in (
            totals,
            by_plan[row["plan"]],
            by_rec[row["recommendation"]],
            by_body[row["lead_body"]],
        ):
            _add(counts, row)
    exceptions = sorted(
        (
            row
            for row in rows
            # A closed action has no RAG; one awaiting sign-off past its date is shown waiting.
            if row["overdue"] or row["rag"] == "red" or row["awaiting_past_target"]
        ),
        key=lambda row: (-row["days_overdue"], row["ref"]),
    )
    return {
        "version": SNAPSHOT_VERSION,
        "taken_at": _iso(now),
        "meeting_day": meeting_day.isoformat(),
        "source": "history" if as_at is not None else "current",
        "as_at": _iso(as_at) if as_at is not None else None,
        "inspection": {
            "local_authority": inspection.local_authority,
            "framework": inspection.framework,
            "report_published": inspection.report_published.isoformat(),
        }
        if inspection
        else None,
        "labels": {
            "lifecycle": {k.value: v for k, v in LIFECYCLE_LABELS.items()},
            "rag": {k.value: v for k, v in RAG_LABELS.items()},
            "impact": {k.value: v for k, v in IMPACT_LABELS.items()},
            "lead_body": {b.value: b.label for b in LeadBody},
        },
        "actions": rows,
        "totals": totals,
        "by_plan": _shown(by_plan.values(), filters),
        "by_recommendation": _shown(by_rec.values(), filters),
        "by_lead_body": [
            {"key": body, "label": LeadBody(body).label, **by_body[body]}
            for body in (b.value for b in LeadBody)
            if body in by_body
        ],
        "exceptions": [row["ref"] for row in exceptions],
        # A meeting's record (not a filtered board pack): the evidence added since the last
        # meeting, and evidence of challenge (every challenge raised up to the snapshot, with
        # its steps).
        **(
            {
                "evidence": _evidence_since_last_meeting(meeting_day, as_at or now),
                "challenges": challenge_evidence(None, as_at or now),
            }
            if filters is None
            else {}
        ),
        # The chair's dashboard as it stood (services/governance/dashboard.py), frozen too.
        "dashboard": (
            dashboard_snapshot(meeting_day, filters, now=now, settings=dashboard, plans=plans)
            if dashboard is not None and as_at is None
            else None
        ),
    }
