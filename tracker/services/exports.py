"""The plan as a spreadsheet: every action the filters choose, one row each, streamed.

The rows come from one statement read in batches (`yield_per`), with each action's partners and
prerequisites aggregated in that same statement, so an export runs the same number of statements
whatever its size and its first bytes leave before its last rows are read."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from tracker.domain.calendar import LONDON
from tracker.domain.spreadsheet import neutralise_cell
from tracker.domain.states import Impact, Lifecycle, Rag, is_overdue
from tracker.extensions import db
from tracker.models import Action, ActionDependency, Organisation, Plan, action_partner
from tracker.services.audit import add_event
from tracker.services.filters import LIST_PARAMS, PlanFilters
from tracker.services.reads.action_rows import action_rows_query
from tracker.services.reads.plan_lists import apply_filters, order_by_sort
from tracker.services.reads.state import state_for

BATCH = 500  # rows fetched from the database at a time (a server-side cursor on PostgreSQL)
HEADER = (
    "Ref",
    "Plan",
    "Recommendation",
    "Title",
    "Description",
    "Lead",
    "Lead job title",
    "Lead organisation",
    "Partners",
    "Start date",
    "Target date",
    "Lifecycle",
    "RAG",
    "Impact",
    "Overdue",
    "Latest summary",
    "Latest reason",
    "Last updated (London time)",
    "Version",
    "Depends on",
)
_SEP = "\x1f"  # joins aggregated names in SQL; no name or ref holds it
BOM = "\ufeff"  # so Excel reads the file as UTF-8
# What an export is asked with: the list filters, the sort and `as_at` (no paging: a file holds
# every row). A link to an export carries these from the page and leaves anything else behind.
EXPORT_PARAMS = LIST_PARAMS


def export_args(args: dict[str, str]) -> dict[str, str]:
    """The values in `args` that an export understands (a page's other values left behind)."""
    return {k: v for k, v in args.items() if k in EXPORT_PARAMS and v not in ("", None)}


@dataclass
class PlanExport:
    """What the route sends: the file's name, how many rows, and the bytes (lazily)."""

    filename: str
    count: int
    chunks: Iterator[bytes]


def _filtered(today: date, f: PlanFilters, as_at: datetime | None) -> Select:
    query = action_rows_query(as_at)
    if f.plan is not None:
        query = query.where(Plan.code == f.plan)
    return apply_filters(query, f, today, as_at)


def _with_partners_and_dependencies(query: Select, as_at: datetime | None) -> Select:
    """Add the latest reason, and each action's partners and prerequisites as one string each
    (aggregated in SQL, split and sorted in Python): no statement per row or per batch."""
    partners = (
        select(func.aggregate_strings(Organisation.name, _SEP))
        .select_from(action_partner)
        .join(Organisation, Organisation.id == action_partner.c.organisation_id)
        .where(action_partner.c.action_id == Action.id)
        .scalar_subquery()
    )
    prereq = aliased(Action, name="prereq")
    depends_on = (
        select(func.aggregate_strings(prereq.ref, _SEP))
        .select_from(ActionDependency)
        .join(prereq, prereq.id == ActionDependency.depends_on_id)
        .where(ActionDependency.action_id == Action.id)
        .scalar_subquery()
    )
    state = state_for(as_at)
    return query.add_columns(
        state.reason.label("reason"),
        partners.label("partner_names"),
        depends_on.label("depends_on"),
    )


def _listed(joined: str | None) -> str:
    return "; ".join(sorted(joined.split(_SEP))) if joined else ""


# Words for the stored codes, looked up once rather than built per row.
_LIFECYCLE_WORDS = {s.value: s.label for s in Lifecycle}
_IMPACT_WORDS = {i.value: i.label for i in Impact}
_RAG_WORDS = {r.value: r.value.capitalize() for r in Rag}


def _cells(r, today: date) -> list[str | int]:
    """One action's row. Text that people typed (or an import brought) is neutralised; the
    dates, words and Yes/No the tracker writes itself cannot start like a formula."""
    safe = neutralise_cell
    closed = Lifecycle(r.lifecycle).is_closed
    return [
        safe(r.ref),
        safe(r.plan_name),
        safe(r.rec_ref),
        safe(r.title),
        safe(r.description),
        safe(r.lead_name or ""),
        safe(r.lead_job_title or ""),
        safe(r.org_name),
        safe(_listed(r.partner_names)),
        r.start_date.isoformat() if r.start_date else "",
        r.target_date.isoformat() if r.target_date else "",
        _LIFECYCLE_WORDS[r.lifecycle],
        "" if closed or not r.rag else _RAG_WORDS[r.rag],
        _IMPACT_WORDS[r.impact],
        "Yes" if is_overdue(r.target_date, r.lifecycle, today) else "No",
        safe(r.summary or ""),
        safe(r.reason or ""),
        r.recorded_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M"),
        r.version,
        safe(_listed(r.depends_on)),
    ]


def _csv_chunks(query: Select, today: date) -> Iterator[bytes]:
    """BOM and header first, then one chunk per batch of rows as the database yields them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # the excel dialect: CRLF line ends, quotes where needed
    writer.writerow(HEADER)
    yield (BOM + buffer.getvalue()).encode()
    # Core rows from the session's connection: no ORM result layer for plain columns.
    result = db.session.connection().execute(query.execution_options(yield_per=BATCH))
    for batch in result.partitions():
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(r, today) for r in batch)
        yield buffer.getvalue().encode()


def start_plan_export(
    *,
    today: date,
    filters: PlanFilters,
    as_at: datetime | None,
    asked: dict[str, str],
    user_id: int | None,
    now: datetime,
    remote_addr: str = "",
) -> PlanExport:
    """The plan (or the part of it the filters choose) at `today`, or as at a past moment.

    Count the rows, record the export as an audit event (who, the filters, how many rows) and
    commit, then hand back the rows to stream: the event is kept even if the download stops."""
    query = _filtered(today, filters, as_at)
    count = db.session.execute(
        select(func.count()).select_from(query.order_by(None).subquery())
    ).scalar_one()
    add_event(
        "export",
        now=now,
        user_id=user_id,
        target="plan.csv",
        detail={"format": "csv", "filters": asked, "rows": count},
        remote_addr=remote_addr,
    )
    db.session.commit()
    rows = order_by_sort(_with_partners_and_dependencies(query, as_at), filters, state_for(as_at))
    name = (
        "action-plan" + (f"-{filters.plan}" if filters.plan else "") + f"-{today.isoformat()}.csv"
    )
    return PlanExport(filename=name, count=count, chunks=_csv_chunks(rows, today))
