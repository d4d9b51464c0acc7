"""What changed since a date, and the working-day deadline calculator."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from flask import current_app, jsonify, request

from tracker.api.views import _int_arg, api_requires, bp
from tracker.clock import today_london
from tracker.domain.changes import DEFAULT_DAYS, since_problem
from tracker.domain.deadlines import (
    MAX_WORKING_DAYS,
    RESPONSE_WORKING_DAYS,
    WorkingDayCount,
    working_days_after,
)
from tracker.domain.permissions import Permission
from tracker.services.errors import BadFilter
from tracker.services.governance.meetings import last_meeting_day
from tracker.services.plan import queries
from tracker.services.reads.changes import Change, NetChange, list_changes

_ISO = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
RULE = (
    "Working days: Saturdays, Sundays and England and Wales bank holidays (substitute days "
    "included) are not counted; the start date is day 0 and the next working day is day 1."
)


def _refuse_unknown(known: set[str]) -> None:
    unknown = sorted(set(request.args) - known)
    if unknown:
        raise BadFilter(unknown[0], f"{unknown[0]} is not a parameter this call understands")


def _iso_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw in (None, ""):
        return None
    try:
        if not _ISO.fullmatch(raw):
            raise ValueError
        return date.fromisoformat(raw)
    except ValueError:
        raise BadFilter(name, f"{name} must be a date in the format YYYY-MM-DD") from None


@bp.get("/v1/changes")
@api_requires(Permission.READ_PLAN)
def changes():
    _refuse_unknown({"since"})
    today = today_london()
    since = _iso_date("since") or last_meeting_day(today) or today - timedelta(days=DEFAULT_DAYS)
    inspection = queries.get_inspection()
    problem = since_problem(
        since,
        inspection_published=inspection.report_published if inspection else None,
        today=today,
    )
    if problem:
        raise BadFilter("since", problem)
    result = list_changes(since=since, today=today)
    return jsonify(
        {
            "since": result.since.isoformat(),
            "until": result.until.isoformat(),
            "net": [net_json(n) for n in result.net],
            "net_counts": result.net_counts(),
            "items": [change_json(c) for c in result.items],
        }
    )


def net_json(n: NetChange) -> dict[str, Any]:
    return {
        "action": {"ref": n.action_ref, "title": n.action_title, "plan": n.plan},
        "start": n.start,
        "end": n.end,
        "moves": n.moves,
        "outcome": n.outcome,
        "lead": n.lead,
    }


def change_json(c: Change) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "action": {"ref": c.action_ref, "title": c.action_title, "plan": c.plan},
        "on": c.on.isoformat(),
        "at": c.at.isoformat().replace("+00:00", "Z") if c.at else None,
        "who": c.who,
        "why": c.why,
        "old": c.old,
        "new": c.new,
        "lead": c.lead,
        "related_ref": c.related_ref,
    }


@bp.get("/v1/deadline")
@api_requires(Permission.READ_PLAN)
def deadline():
    """With `from`, a calculator for any date; without it, the inspection's own deadline."""
    _refuse_unknown({"from", "working_days"})
    start = _iso_date("from")
    working_days = _int_arg("working_days", RESPONSE_WORKING_DAYS, 1, MAX_WORKING_DAYS)
    body: dict[str, Any] = {}
    if start is None:
        inspection = queries.get_inspection()
        own = queries.get_deadline(
            inspection,
            current_app.config["DEADLINE_ANCHOR"],
            current_app.config["DEADLINE_WORKING_DAYS"],
        )
        if inspection is None or own is None:
            raise BadFilter("from", "from is needed: there is no inspection to count from")
        start = own.anchor_date
        if "working_days" not in request.args:  # the inspection's own framework's rule
            working_days = own.working_days
        body = {
            "anchor": own.anchor.value,
            "plan_submitted_on": inspection.plan_submitted_on.isoformat()
            if inspection.plan_submitted_on
            else None,
        }
    try:
        count = working_days_after(start, working_days)
    except ValueError as exc:
        raise BadFilter("from", str(exc)) from None
    return jsonify({**deadline_json(count, today_london()), **body})


def deadline_json(count: WorkingDayCount, today: date) -> dict[str, Any]:
    return {
        "from": count.start.isoformat(),
        "working_days": count.working_days,
        "due": count.due.isoformat(),
        "working_days_left": count.working_days_left(today),
        "bank_holidays_skipped": [
            {"date": day.isoformat(), "name": name} for day, name in count.bank_holidays_skipped
        ],
        "rule": RULE,
    }
