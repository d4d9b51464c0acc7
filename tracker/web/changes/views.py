"""What changed since a date, and the board's weekly agenda built from it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import Blueprint, render_template, request

from tracker.clock import today_london
from tracker.domain.changes import DEFAULT_DAYS, KIND_LABELS, NET_LABELS, since_problem
from tracker.domain.dates import DATE_FORMAT_HINT, parse_day
from tracker.domain.permissions import Permission
from tracker.services.governance.meetings import last_meeting_day
from tracker.services.plan import queries
from tracker.services.reads.changes import list_changes, list_exceptions
from tracker.web.access import requires
from tracker.web.clean_query import drops_empty_values

bp = Blueprint("changes", __name__)

LONGEST = 40


@dataclass(frozen=True)
class Since:
    """The `since` asked for: the day when understood, else the words saying why not."""

    text: str
    day: date | None
    error: str | None = None


def read_since(today: date) -> Since:
    """`?since=` as people type dates; when not given, the day of the last meeting (a week ago
    when none was recorded): one query either way."""
    raw = (request.args.get("since") or "").strip()
    if not raw:
        day = last_meeting_day(today) or today - timedelta(days=DEFAULT_DAYS)
        return Since(day.strftime("%-d/%-m/%Y"), day)
    text = raw.replace("\x00", "")[:LONGEST]
    if text != raw:
        return Since(text, None, f"Enter {DATE_FORMAT_HINT}")
    try:
        day = parse_day(text)
    except ValueError as exc:
        return Since(text, None, str(exc))
    inspection = queries.get_inspection()
    problem = since_problem(
        day,
        inspection_published=inspection.report_published if inspection else None,
        today=today,
    )
    return Since(text, None if problem else day, problem)


@bp.get("/changes")
@requires(Permission.READ_PLAN)
@drops_empty_values
def index():
    today = today_london()
    since = read_since(today)
    if since.error:
        return render_template("changes/changes.html", since=since, changes=None), 400
    changes = list_changes(since=since.day, today=today)
    return render_template(
        "changes/changes.html",
        since=since,
        changes=changes,
        kind_labels=KIND_LABELS,
        net_labels=NET_LABELS,
    )


@bp.get("/agenda")
@requires(Permission.READ_PLAN)
@drops_empty_values
def agenda():
    today = today_london()
    since = read_since(today)
    if since.error:
        return render_template("changes/agenda.html", since=since, changes=None), 400
    return render_template(
        "changes/agenda.html",
        since=since,
        changes=list_changes(since=since.day, today=today),
        exceptions=list_exceptions(today=today),
        kind_labels=KIND_LABELS,
        net_labels=NET_LABELS,
    )
